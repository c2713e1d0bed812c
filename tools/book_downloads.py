"""The site's two downloads: the whole book as one PDF, all notebooks as a zip.

    python tools/book_downloads.py zip   # _build/html/dlbook-notebooks.zip
    python tools/book_downloads.py pdf   # _build/html/dlbook.pdf
    python tools/book_downloads.py all   # both (`make book` runs it)

``zip`` packs every notebook under ``book/`` (the sources, without outputs:
each carries the setup cell that installs ``dlbook`` where it is missing)
in its folder, the images they show, and a README.txt on how to open them.

``pdf`` prints the site that ``make book`` has already built: no second
Sphinx build and no notebook runs again.  The article of every page of
``_toc.yml``, in reading order, goes into one print document (its ids and
links rewritten so that cross-references jump inside the PDF, its images
and the pages' saved widget state kept), after a title page and a linked
table of contents; the pages' own section numbers ("4.2.") are the
chapter numbers.  Debian's Chromium, driven by Playwright, loads it from a
local HTTP server with the site's own MathJax, waits until every equation
is typeset and the widgets are drawn, and prints it with page numbers in
the footer and a PDF outline (bookmarks) from its headings.  It is
printed once: its table of contents links to every page of the book but
has no page numbers (those would need a second print, about as long).
"""

from __future__ import annotations

import argparse
import html
import json
import posixpath
import re
import sys
import threading
import time
import zipfile
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
PDF_NAME = "dlbook.pdf"
ZIP_NAME = "dlbook-notebooks.zip"
#: the print document, written into the site while Chromium reads it
PRINT_NAME = "_dlbook_print.html"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking",
                 "--disable-component-update"]
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

#: what a reader of the printed page has no use for
DROP = (
    "a.headerlink", ".dlbook-lite-link", "button", ".prev-next-area",
    "script:not([type='" + WIDGET_VIEW + "'])", "#searchbox",
    ".toggle-details__summary .tooltip",
    # the setup cell (hide-cell): it installs dlbook, nothing to read
    "div.cell.tag_hide-cell",
    # code the site folds away (hide-input): the printed page keeps what
    # it drew or printed, as the site shows it
    "details.hide.above-input",
    # the "Show code cell output" line of an output folded on the site
    "details.hide > summary",
)

PRINT_CSS = """
@page { size: A4; margin: 18mm 16mm 20mm 16mm; }
html, body { background: #fff !important; }
/* shadows and filters print as page-wide raster masks (slow, large);
   :not(#none) outranks the theme's `.admonition {box-shadow: ...
   !important}` */
:not(#none), :not(#none)::before, :not(#none)::after {
  box-shadow: none !important; text-shadow: none !important;
  filter: none !important;
  backdrop-filter: none !important; }
body { font-size: 10.5pt; }
.bd-container, .bd-container__inner, .bd-main, .bd-content,
.bd-article-container, article.bd-article {
  display: block !important; max-width: none !important;
  width: auto !important; margin: 0 !important; padding: 0 !important;
  overflow: visible !important;
}
.dlbook-print-title { break-after: page; padding-top: 30%;
  text-align: center; }
.dlbook-print-title h1 { font-size: 2.6em; margin-bottom: 0.6em; }
.dlbook-print-title p { font-size: 1.2em; }
.dlbook-print-toc { break-after: page; }
.dlbook-print-toc h1 { margin-bottom: 1em; }
.dlbook-print-toc ol { list-style: none; padding-left: 0; margin: 0; }
.dlbook-print-toc ol ol { padding-left: 2em; }
.dlbook-print-toc li { margin: 0.15em 0; }
.dlbook-print-toc .toc-part { font-weight: bold; margin-top: 1em;
  text-transform: uppercase; font-size: 0.9em; letter-spacing: 0.05em; }
.dlbook-print-toc .toc-chapter > a .toc-line { font-weight: bold; }
.dlbook-print-toc a { display: flex; color: inherit !important;
  text-decoration: none !important; }
.dlbook-print-toc .toc-title { flex: 0 1 auto; }
.dlbook-print-part { break-before: page; padding-top: 35%;
  text-align: center; font-size: 2em; font-weight: bold; }
/* every page of the site (chapter or section) starts a new page */
.dlbook-print-page { break-before: page; }
h1, h2, h3, h4, .rubric { break-after: avoid; break-inside: avoid; }
/* sphinx-book-theme's print style hides an article's first h1 (its
   print header repeats it); here every page's h1 is its chapter title */
.bd-main .bd-content .bd-article h1:first-of-type { display: block
  !important; }
img, figure, svg, .math, mjx-container, table,
.cell_output .output.text_html { break-inside: avoid; }
img { max-width: 100% !important; height: auto; }
/* a code cell moves to the next page whole rather than leave its empty
   frame at the foot of a page (a longer one still breaks) */
div.cell_input { break-inside: avoid; }
pre { white-space: pre-wrap !important; word-break: break-word;
  overflow: visible !important; max-height: none !important; }
div.cell_output, .output { max-height: none !important;
  overflow: visible !important; }
mjx-container[display="true"] { overflow: visible !important; }
a { color: inherit; }
.widget-slider, .widget-hslider { display: none !important; }
"""

FOOTER = (
    '<div style="font-size:8px;width:100%;padding:0 16mm;'
    'display:flex;justify-content:space-between;color:#555">'
    '<span>{title}</span><span><span class="pageNumber"></span> / '
    '<span class="totalPages"></span></span></div>'
)

#: resolves when MathJax has typeset the page and the widgets are drawn
WAIT_FOR_PAGE = """
async () => {
  const deadline = Date.now() + 120000;
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  while (!(window.MathJax && MathJax.startup && MathJax.startup.promise
           && MathJax.typesetPromise)) {
    if (Date.now() > deadline) return 'MathJax never loaded';
    await sleep(50);
  }
  await MathJax.startup.promise;
  const views = Array.from(document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]'));
  // the HTML manager draws a view into a div.widget-subarea before it
  const drawn = () => views.every(v => {
    const area = v.previousElementSibling;
    return area && area.classList.contains('widget-subarea')
      && area.querySelector('.jupyter-widgets');
  });
  while (views.length && !drawn()) {
    if (Date.now() > deadline) return 'widgets not drawn';
    await sleep(100);
  }
  await MathJax.typesetPromise();
  await Promise.all(Array.from(document.images).map(img => img.complete
    ? null : new Promise(r => { img.onload = img.onerror = r; })));
  await document.fonts.ready;
  const raw = Array.from(document.querySelectorAll('.math'))
    .filter(el => !el.querySelector('mjx-container')).length;
  return raw ? raw + ' math elements left untypeset' : 'ready';
}
"""


# ---------------------------------------------------------------------------
# the book's structure


def read_toc(root: Path = ROOT) -> list[dict]:
    """The pages of ``_toc.yml`` in reading order, each a dict with
    ``docname``, ``level`` (0 a chapter, 1 a section) and ``part`` (the
    caption of its part, None for the root page)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    pages = [{"docname": toc["root"], "level": 0, "part": None}]

    def walk(entries, level, part):
        for entry in entries or []:
            if "file" in entry:
                pages.append({"docname": entry["file"], "level": level,
                              "part": part})
            walk(entry.get("sections"), level + 1, part)
            walk(entry.get("chapters"), level, part)

    for part in toc.get("parts", []):
        walk(part.get("chapters"), 0, part.get("caption"))
    walk(toc.get("chapters"), 0, None)
    return pages


def _config(root: Path = ROOT) -> dict:
    return yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------
# the notebook archive

README_TXT = """\
{title}: the notebooks
{underline}

Every page of the book is one of these Jupyter notebooks, in the folders
of book/ (chapter by chapter, as in the site's table of contents).  They
are saved without outputs: run them to see every number and figure.

To open them, install the dlbook package with its reader extras (NumPy,
matplotlib, scikit-learn, ipywidgets, JupyterLab; "keras" adds TensorFlow
for the pages that compare with Keras), then start JupyterLab here:

    python -m pip install "dlbook[book,keras] @ git+{repo}@{branch}"
    jupyter lab book/

A notebook opened where dlbook is missing (Colab, another environment)
installs it itself: its first code cell does, from the repository above.

Text and figures: CC BY 4.0; code: MIT licence ({repo}).
"""


def notebooks_zip(site: Path = SITE, root: Path = ROOT) -> Path:
    """Write ``dlbook-notebooks.zip`` into ``site``; return its path."""
    config = _config(root)
    repo = config.get("repository", {})
    title = config.get("title", "dlbook")
    book = root / "book"
    files = sorted(
        p for p in book.rglob("*")
        if p.is_file() and ".ipynb_checkpoints" not in p.parts
        and (p.suffix == ".ipynb" or "images" in p.relative_to(book).parts)
    )
    if not any(p.suffix == ".ipynb" for p in files):
        raise SystemExit(f"no notebooks under {book}")
    site.mkdir(parents=True, exist_ok=True)
    out = site / ZIP_NAME
    tmp = out.with_suffix(".zip.tmp")
    top = "dlbook-notebooks/"
    readme = README_TXT.format(
        title=title, underline="=" * (len(title) + 15),
        repo=repo.get("url", "").rstrip("/"),
        branch=repo.get("branch", "main"),
    )
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(top + "README.txt", readme)
        for path in files:
            zf.write(path, top + path.relative_to(root).as_posix())
    tmp.replace(out)
    count = sum(p.suffix == ".ipynb" for p in files)
    print(f"{out.relative_to(root) if out.is_relative_to(root) else out}: "
          f"{count} notebooks, {out.stat().st_size / 1e3:.0f} kB")
    return out


# ---------------------------------------------------------------------------
# the print document


def _site_path(page_path: str, url: str) -> str | None:
    """A relative URL of a page, as a path from the site's root (None for
    another host, a data: URL or a bare fragment)."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    joined = posixpath.normpath(
        posixpath.join(posixpath.dirname(page_path), parts.path))
    return None if joined.startswith("..") else joined


def _text(tag) -> str:
    return re.sub(r"\s+", " ", tag.get_text(" ", strip=True)).strip()


def print_document(site: Path = SITE, root: Path = ROOT) -> tuple[str, list]:
    """The whole book as one HTML document (relative to the site's root),
    and its entries: (anchor, number, title, level, part) per page."""
    from bs4 import BeautifulSoup

    pages = read_toc(root)
    index = {p["docname"]: f"p{i}" for i, p in enumerate(pages)}
    config = _config(root)
    title = config.get("title", "dlbook")

    head_links, mathjax_config, widget_state = None, None, {}
    bodies, entries = [], []
    for page in pages:
        key = index[page["docname"]]
        page_path = page["docname"] + ".html"
        source = site / page_path
        if not source.is_file():
            raise SystemExit(f"{source} is missing: run `make book` first")
        soup = BeautifulSoup(source.read_text(encoding="utf-8"),
                             "html.parser")
        if head_links is None:
            head_links = []
            for link in soup.head.find_all("link", rel="stylesheet"):
                path = _site_path(page_path, link["href"])
                if path:
                    head_links.append(path + (
                        "?" + urlsplit(link["href"]).query
                        if urlsplit(link["href"]).query else ""))
        for script in soup.head.find_all("script"):
            body = script.string or ""
            if script.get("type") == WIDGET_STATE:
                widget_state.update(json.loads(body).get("state", {}))
            elif mathjax_config is None and "window.MathJax" in body:
                mathjax_config = body
        article = soup.select_one("article.bd-article")
        if article is None:
            raise SystemExit(f"{source}: no article.bd-article")
        for selector in DROP:
            for tag in article.select(selector):
                tag.decompose()
        h1 = article.find("h1")
        number_tag = h1.find(class_="section-number") if h1 else None
        number = _text(number_tag).rstrip(".") if number_tag else ""
        if number_tag:
            number_tag.extract()
        heading = _text(h1) if h1 else page["docname"]
        if number_tag:
            h1.insert(0, number_tag)
        entries.append((key, number, heading, page["level"], page["part"]))

        for tag in article.find_all(id=True):
            tag["id"] = f"{key}-{tag['id']}"
        for tag in article.find_all(attrs={"for": True}):
            tag["for"] = f"{key}-{tag['for']}"
        for tag in article.find_all("img", src=True):
            path = _site_path(page_path, tag["src"])
            if path:
                tag["src"] = path
        for tag in article.find_all("a", href=True):
            href = tag["href"]
            parts = urlsplit(href)
            if parts.scheme in ("http", "https", "mailto"):
                continue
            if not parts.path:          # a fragment of this page
                tag["href"] = f"#{key}-{parts.fragment}" if parts.fragment \
                    else f"#{key}"
                continue
            path = _site_path(page_path, href)
            target = index.get(path[:-len(".html")]) if path and \
                path.endswith(".html") else None
            if target is None:          # genindex, _sources, lite, ...
                del tag["href"]
                continue
            tag["href"] = f"#{target}-{parts.fragment}" if parts.fragment \
                else f"#{target}"
        for details in article.find_all("details"):
            if "dlq-option" not in (details.get("class") or []):
                details["open"] = ""
        classes = ["dlbook-print-page"]
        if page["level"] == 0:
            classes.append("dlbook-print-chapter")
        bodies.append(
            f'<div class="{" ".join(classes)}" id="{key}">'
            + "".join(str(c) for c in article.contents) + "</div>"
        )

    toc = ['<nav class="dlbook-print-toc" id="toc"><h1>Contents</h1><ol>']
    last_part, open_sub = None, False
    for key, number, heading, level, part in entries:
        if part != last_part and part:
            if open_sub:
                toc.append("</ol></li>")
                open_sub = False
            toc.append(f'<li class="toc-part">{html.escape(part)}</li>')
            last_part = part
        label = (number + "\u2003" if number else "") + heading
        line = (f'<a href="#{key}"><span class="toc-title toc-line">'
                f'{html.escape(label)}</span></a>')
        if level == 0:
            if open_sub:
                toc.append("</ol></li>")
                open_sub = False
            toc.append(f'<li class="toc-chapter">{line}')
            toc.append("<ol>")
            open_sub = True
        else:
            toc.append(f"<li>{line}</li>")
    if open_sub:
        toc.append("</ol></li>")
    toc.append("</ol></nav>")

    # a part's title page before its first chapter (the root page has none)
    body, last_part = [], None
    for entry, html_ in zip(entries, bodies):
        part = entry[4]
        if part and part != last_part:
            body.append(f'<div class="dlbook-print-part">'
                        f"{html.escape(part)}</div>")
            last_part = part
        body.append(html_)

    author = config.get("author", "")
    year = config.get("copyright", "")
    links = "\n".join(f'<link rel="stylesheet" href="{html.escape(h)}">'
                      for h in head_links or [])
    state = json.dumps({"version_major": 2, "version_minor": 0,
                        "state": widget_state}).replace("</", "<\\/")
    widgets = (
        f'<script type="{WIDGET_STATE}">{state}'
        "</script>\n"
        '<script src="_static/vendor/requirejs/require.js"></script>\n'
        '<script src="_static/dlbook-widgets.js"></script>\n'
        '<script src="_static/vendor/html-manager/embed-amd.js"></script>'
    ) if widget_state else ""
    document = f"""<!DOCTYPE html>
<html lang="en" data-theme="light" data-mode="light">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
{links}
<style>{PRINT_CSS}</style>
<script>{mathjax_config or "window.MathJax = {};"}</script>
<script defer src="_static/vendor/mathjax/tex-chtml.js"></script>
{widgets}
</head>
<body data-default-mode="light">
<div class="bd-container"><div class="bd-container__inner">
<main class="bd-main"><div class="bd-content">
<div class="bd-article-container"><article class="bd-article">
<section class="dlbook-print-title">
<h1>{html.escape(title)}</h1>
<p>{html.escape(author)}</p><p>{html.escape(str(year))}</p>
</section>
{"".join(toc)}
{"".join(body)}
</article></div></div></main></div></div>
</body>
</html>
"""
    return document, entries


# ---------------------------------------------------------------------------
# printing


class _Quiet(SimpleHTTPRequestHandler):
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript", ".mjs": "text/javascript",
        ".woff2": "font/woff2", ".svg": "image/svg+xml",
    }

    def log_message(self, format, *args):  # noqa: A002 (stdlib signature)
        pass


def print_pdf(site: Path = SITE, root: Path = ROOT,
              chromium: str = CHROMIUM, keep_html: bool = False) -> Path:
    """Print the built site into ``site/dlbook.pdf``; return its path."""
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    document, entries = print_document(site, root)
    source = site / PRINT_NAME
    source.write_text(document, encoding="utf-8")
    out = site / PDF_NAME
    tmp = site / (PDF_NAME + ".tmp")
    title = _config(root).get("title", "dlbook")
    handler = partial(_Quiet, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{PRINT_NAME}"
    options = dict(
        format="A4", print_background=True, display_header_footer=True,
        header_template="<span></span>",
        footer_template=FOOTER.format(title=html.escape(title)),
        margin={"top": "18mm", "bottom": "20mm", "left": "16mm",
                "right": "16mm"},
        outline=True,
    )
    external = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium,
                                        args=CHROMIUM_ARGS, headless=True)
            context = browser.new_context(color_scheme="light")

            def block(route):
                external.append(route.request.url)
                route.abort()

            context.route(lambda u: urlsplit(u).hostname not in (
                "127.0.0.1", None), block)
            page = context.new_page()
            page.goto(url, wait_until="load", timeout=180_000)
            state = page.evaluate(WAIT_FOR_PAGE)
            if state != "ready":
                raise SystemExit(f"the print document is not ready: {state}")
            page.emulate_media(media="print")
            page.pdf(path=str(tmp), **options)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
        if not keep_html:
            source.unlink(missing_ok=True)
    tmp.replace(out)
    from pypdf import PdfReader

    count = len(PdfReader(str(out)).pages)
    print(f"{out.relative_to(root) if out.is_relative_to(root) else out}: "
          f"{count} pages, {out.stat().st_size / 1e6:.1f} MB, "
          f"{len(entries)} pages of the site, printed in "
          f"{time.perf_counter() - started:.0f} s")
    if external:
        print(f"blocked requests to other hosts: {sorted(set(external))}")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("zip", "pdf", "all"))
    parser.add_argument("--site", type=Path, default=SITE)
    parser.add_argument("--chromium", default=CHROMIUM)
    parser.add_argument("--keep-html", action="store_true",
                        help=f"leave {PRINT_NAME} in the site")
    args = parser.parse_args(argv)
    if args.what in ("zip", "all"):
        notebooks_zip(args.site)
    if args.what in ("pdf", "all"):
        if not Path(args.chromium).exists():
            print(f"No browser at {args.chromium}, so no {PDF_NAME}: "
                  "apt-get install chromium (`make browser` does it as root)")
            return 0 if args.what == "all" else 1
        print_pdf(args.site, chromium=args.chromium,
                  keep_html=args.keep_html)
    return 0


if __name__ == "__main__":
    sys.exit(main())
