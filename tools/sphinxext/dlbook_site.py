"""Sphinx extension for the dlbook website (loaded from ``_config.yml``).

It does seven things that Jupyter Book 1 does not do by itself:

1. **Offline JavaScript.** After the HTML build it copies MathJax 3, the
   ipywidgets HTML manager (``embed-amd.js``) and require.js from
   ``node_modules`` (installed by ``npm ci`` from ``package-lock.json``) into
   ``_static/vendor/``.  ``_config.yml`` points ``mathjax_path`` and myst-nb's
   ``nb_ipywidgets_js`` there, so a page loads nothing from a CDN; the small
   ``static/dlbook-widgets.js`` tells require.js where the manager lives and
   lends MathJax 3 the one MathJax 2 call the manager makes.  The files
   are copied after Sphinx's own static-file step, not listed in
   ``html_static_path``: Jupyter Book adds a ``<script>`` tag for every ``.js``
   file it finds in a static path, which would inject MathJax's hundreds of
   modules into every page.
2. **The dlbook wheel for JupyterLite.** Before reading, it builds a wheel of
   the ``dlbook`` package into ``<jupyterlite_dir>/pypi/``; the JupyterLite
   build indexes every wheel found there, so ``%pip install dlbook`` works in
   the browser's Pyodide kernel with no network access to PyPI.
3. **JupyterLite contents.** It writes the lite copy of every notebook
   whose copy keeps at least two teaching code cells
   (``dlbook_notebooks.lite_copy``/``runs_in_browser``) to
   ``jupyterlite_content_dir`` under its path in ``book/``: the setup cell
   becomes a cell that installs ``dlbook`` (and ipywidgets, ...) with
   ``%pip``, each cell tagged ``tensorflow`` becomes a note showing its
   code, every other cell is kept.  A notebook can force the choice with
   the metadata ``{"dlbook": {"lite": true|false}}``.  Wheels of the
   installed ipywidgets, jupyterlab_widgets and comm (pure Python) join the
   dlbook wheel on the site's index, so they come from the site too.
4. **"Run in your browser" links.** Each page of such a notebook gets a link
   to the notebook opened in JupyterLite, under its title.
5. **Clean pages.** Stylesheets or scripts that an extension registers from
   another host (jupyterlite-sphinx adds a Google Fonts stylesheet) are
   dropped, so pages request nothing from other hosts; an inline script that
   Sphinx lists twice (sphinx-thebe's) is written once, so the browser
   console stays free of errors.
6. **Chapter numbering.** A chapter page that has section pages keeps its
   own sub-headings out of the numbering (as rubrics), so its sections are
   numbered 4.1, 4.2, ... whatever headings the chapter page has.
7. **Reader reports and the footer.** The "open an issue" button leads to
   the repository's issue forms (``<repository>/issues/new/choose``:
   erratum, bug, ...; ``.github/ISSUE_TEMPLATE``) instead of a blank
   issue, and ``{repository_url}`` / ``{repository_branch}`` in
   ``html.extra_footer`` are filled in from ``repository:`` in
   ``_config.yml``, so the repository is named in one place.

The environment variable ``DLBOOK_EXECUTE`` (``force``, ``cache``, ``auto`` or
``off``) overrides ``execute.execute_notebooks`` for one build; ``make book
BOOK_EXECUTE=force`` and CI use it to re-execute every notebook.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

# the notebook rules shared with the tests live next to this file (Sphinx
# puts this folder on sys.path for a local extension; a test loading this
# file by its path does not)
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import dlbook_notebooks  # noqa: E402

logger = logging.getLogger(__name__)

#: where each vendored library comes from (relative to the source root)
#: and where it goes (relative to the output's ``_static/vendor/``)
VENDOR = {
    "mathjax": "node_modules/mathjax/es5",
    "mathjax/LICENSE": "node_modules/mathjax/LICENSE",
    "html-manager": "node_modules/@jupyter-widgets/html-manager/dist",
    "requirejs/require.js": "node_modules/requirejs/require.js",
}
#: files under a vendored folder that a reader's browser never needs
#: (licence notices, ``*.LICENSE.txt``, are kept)
VENDOR_SKIP = ("*.map", "*.md")

#: the folder (relative to the source root) holding the book's notebooks
BOOK_DIR = "book"
#: the JupyterLab extensions the JupyterLite site gets (found in the Jupyter
#: data path of this environment); any other installed extension, such as
#: jupytext's, is left out: it may not match JupyterLite's JupyterLab
LITE_EXTENSIONS = (
    "@jupyterlite/pyodide-kernel-extension",  # the Python kernel
    "@jupyter-widgets/jupyterlab-manager",    # ipywidgets
    "jupyterlab-myst",                        # MyST markdown (notes, math)
)
#: the JupyterLite app a "run in your browser" link opens
LITE_APP = "lite/notebooks/index.html"
LINK_TEXT = "Run this page in your browser"
#: where the "open an issue" button leads, after the repository URL: the
#: chooser of the issue forms in .github/ISSUE_TEMPLATE
ISSUE_CHOOSER = "/issues/new/choose"
LINK_NOTE = (
    " (JupyterLite: no install, no server; the Python runtime, Pyodide, "
    "loads from its CDN, so it needs an internet connection; cells that "
    "need TensorFlow are shown as notes)"
)

#: pure-Python distributions of this environment served as wheels from the
#: site's index (Pyodide has none of them; ipywidgets needs
#: jupyterlab_widgets, and the kernel installs comm at start, which piplite
#: otherwise fetches from PyPI)
LITE_WHEELS = ("ipywidgets", "jupyterlab_widgets", "comm")
runs_in_browser = dlbook_notebooks.runs_in_browser


def lite_notebooks(srcdir: Path) -> dict[str, tuple[Path, dict]]:
    """Map docname (``book/...`` without suffix) to (path, lite copy), for
    the pages that run in the browser."""
    found = {}
    for path in sorted((srcdir / BOOK_DIR).rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        nb = json.loads(path.read_text(encoding="utf-8"))
        if runs_in_browser(nb):
            rel = path.relative_to(srcdir).with_suffix("")
            found[rel.as_posix()] = (path, dlbook_notebooks.lite_copy(nb))
    return found


def wheel_from_installed(name: str, dest: Path) -> Path:
    """A py3-none-any wheel of the installed pure-Python distribution
    ``name`` (its package files and metadata; data files outside
    site-packages, such as JupyterLab extensions, left out)."""
    import base64
    import hashlib
    import zipfile
    from importlib import metadata

    dist = metadata.distribution(name)
    base = Path(dist.locate_file(""))
    info = f"{re.sub(r'[-_.]+', '_', dist.metadata['Name'])}-{dist.version}"
    files = [f for f in dist.files or []
             if not str(f).startswith("..") and "__pycache__" not in f.parts
             and f.suffix not in (".pyc", ".so", ".pyd")
             and not (f.parts[0].endswith(".dist-info") and f.name in (
                 "RECORD", "WHEEL", "INSTALLER", "REQUESTED",
                 "direct_url.json"))]
    wheel = dest / f"{info}-py3-none-any.whl"
    record = []
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        extra = {f"{info}.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: dlbook_site\n"
            "Root-Is-Purelib: true\nTag: py3-none-any\n").encode()}
        items = [(str(f.as_posix()), (base / f).read_bytes())
                 for f in files] + list(extra.items())
        for arc, data in items:
            zf.writestr(arc, data)
            digest = base64.urlsafe_b64encode(
                hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{arc},sha256={digest},{len(data)}")
        record.append(f"{info}.dist-info/RECORD,,")
        zf.writestr(f"{info}.dist-info/RECORD", "\n".join(record) + "\n")
    return wheel


# ---------------------------------------------------------------------------
# event handlers


def _override_execution(app: Sphinx, config) -> None:
    mode = os.environ.get("DLBOOK_EXECUTE", "").strip()
    if not mode:
        return
    allowed = ("force", "cache", "auto", "off")
    if mode not in allowed:
        raise ExtensionError(
            f"DLBOOK_EXECUTE: expected one of {', '.join(allowed)}, "
            f"received {mode!r}"
        )
    config.nb_execution_mode = mode
    logger.info("[dlbook] notebook execution mode: %s (DLBOOK_EXECUTE)", mode)


def _drop_remote_assets(app: Sphinx, config) -> None:
    """Remove CSS/JS that extensions register from other hosts.

    jupyterlite-sphinx adds a Google Fonts stylesheet to every page (for its
    "try it" buttons, which the book does not use); the site must make no
    request to another host.
    """
    registry = app.registry
    for name in ("css_files", "js_files"):
        kept = []
        for filename, attributes in getattr(registry, name):
            if filename and re.match(r"^(https?:)?//", filename):
                logger.info("[dlbook] not loading remote asset %s", filename)
                continue
            kept.append((filename, attributes))
        setattr(registry, name, kept)


def _dedupe_inline_scripts(app, pagename, templatename, context, doctree):
    """Drop repeated inline ``<script>`` bodies from a page.

    sphinx-thebe registers its inline configuration script (``const
    THEBE_JS_URL = ...``) once with ``filename=None``; Sphinx 7.4 also lists
    it with ``filename=''``, so every Jupyter Book 1 page declares the
    constant twice and the browser logs a SyntaxError.
    """
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for js in scripts:
        body = js.attributes.get("body")
        if not js.filename and body:
            if body in seen:
                continue
            seen.add(body)
        kept.append(js)
    scripts[:] = kept


def _check_vendor(app: Sphinx, config) -> None:
    srcdir = Path(app.srcdir)
    missing = [src for src in VENDOR.values() if not (srcdir / src).exists()]
    if missing:
        raise ExtensionError(
            "the site's JavaScript is missing: expected "
            + ", ".join(missing)
            + ". Run `npm ci` in the repository root (`make book` does)."
        )


def _build_wheel(app: Sphinx, pypi: Path) -> None:
    """Build the dlbook wheel into ``pypi`` (older dlbook wheels removed)."""
    pypi.mkdir(parents=True, exist_ok=True)
    for old in pypi.glob("dlbook-*.whl"):
        old.unlink()
    cmd = [
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-index",
        "--no-build-isolation", "--quiet", "--wheel-dir", str(pypi),
        str(app.srcdir),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True)
    wheels = list(pypi.glob("dlbook-*.whl"))
    if done.returncode != 0 or not wheels:
        raise ExtensionError(
            "building the dlbook wheel for JupyterLite failed:\n"
            + done.stdout + done.stderr
        )
    logger.info("[dlbook] JupyterLite wheel: %s", wheels[0].name)
    for name in LITE_WHEELS:
        for old in pypi.glob(f"{name}-*.whl"):
            old.unlink()
        made = wheel_from_installed(name, pypi)
        logger.info("[dlbook] JupyterLite wheel: %s", made.name)


def _lite_build_config(lite_dir: Path) -> None:
    """Write jupyter_lite_config.json: only the extensions the book needs."""
    lite_dir.mkdir(parents=True, exist_ok=True)
    from jupyter_core.paths import jupyter_path

    found = []
    for name in LITE_EXTENSIONS:
        for base in jupyter_path("labextensions"):
            if (Path(base) / name / "package.json").is_file():
                found.append(str(Path(base) / name))
                break
        else:
            raise ExtensionError(
                f"JupyterLite needs the JupyterLab extension {name}; it is "
                "not installed (pip install -r requirements.txt)"
            )
    config = {
        "LiteBuildConfig": {
            "ignore_sys_prefix": ["federated_extensions"],
            "federated_extensions": found,
            "no_sourcemaps": True,
        }
    }
    (lite_dir / "jupyter_lite_config.json").write_text(
        json.dumps(config, indent=2) + "\n", encoding="utf-8"
    )


def _stage_lite(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    srcdir = Path(app.srcdir)
    lite_dir = srcdir / app.config.jupyterlite_dir
    _build_wheel(app, lite_dir / "pypi")
    _lite_build_config(lite_dir)

    # jupyterlite-sphinx passes this folder as JupyterLite's content root
    contents = srcdir / app.config.jupyterlite_content_dir
    shutil.rmtree(contents, ignore_errors=True)
    contents.mkdir(parents=True)
    notebooks = lite_notebooks(srcdir)
    for path, nb in notebooks.values():
        dest = contents / path.relative_to(srcdir / BOOK_DIR)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(json.dumps(nb, indent=1) + "\n", encoding="utf-8")
    app.env.dlbook_lite_docs = set(notebooks)
    logger.info("[dlbook] %d notebooks staged for JupyterLite", len(notebooks))


def _add_lite_link(app: Sphinx, doctree: nodes.document) -> None:
    docname = app.env.docname
    if docname not in getattr(app.env, "dlbook_lite_docs", ()):
        return
    depth = docname.count("/")
    lite_path = docname[len(BOOK_DIR) + 1:] + ".ipynb"
    uri = "../" * depth + f"{LITE_APP}?path={lite_path}"
    para = nodes.paragraph(classes=["dlbook-lite-link"])
    para += nodes.reference("", LINK_TEXT, refuri=uri)
    para += nodes.Text(LINK_NOTE)
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        doctree.insert(0, para)
        return
    title = next(iter(section.findall(nodes.title)), None)
    section.insert(section.index(title) + 1 if title else 0, para)


def _flatten_section(section: nodes.section) -> list[nodes.Node]:
    title = section[0] if isinstance(section[0], nodes.title) else None
    rubric = nodes.rubric(
        title.rawsource if title else "", "",
        *(title.children if title else []),
        ids=section["ids"], names=section["names"],
        classes=["dlbook-unnumbered"],
    )
    flat: list[nodes.Node] = [rubric]
    for child in section.children[1 if title else 0:]:
        if isinstance(child, nodes.section):
            flat.extend(_flatten_section(child))
        else:
            flat.append(child)
    return flat


def _unnumber_intro_sections(app: Sphinx, doctree: nodes.document) -> None:
    """Keep a chapter's own headings out of its section numbering.

    A chapter page with section pages (chapter 4's index and its six
    sections) would otherwise number its own "## Objectives" as 4.1 and its
    first section page as 4.3.  Its sub-headings become unnumbered rubrics,
    with the same anchors, so the section pages are 4.1, 4.2, ...
    """
    if app.env.docname == app.config.root_doc:
        return
    if next(iter(doctree.findall(addnodes.toctree)), None) is None:
        return
    top = next(iter(doctree.findall(nodes.section)), None)
    if top is None:
        return
    for section in [c for c in top.children if isinstance(c, nodes.section)]:
        top.replace(section, _flatten_section(section))


def _fill_footer(app: Sphinx, config) -> None:
    """Put the repository's URL and branch into ``html.extra_footer``."""
    opts = config.html_theme_options
    footer = opts.get("extra_footer") or ""
    if "{repository_" not in footer:
        return
    url = (opts.get("repository_url") or "").rstrip("/")
    if not url:
        raise ExtensionError(
            "html.extra_footer uses {repository_url}: expected "
            "repository.url in _config.yml, received none"
        )
    branch = opts.get("repository_branch") or "main"
    opts["extra_footer"] = footer.replace("{repository_url}", url).replace(
        "{repository_branch}", branch
    )


def _issue_button_to_forms(app, pagename, templatename, context, doctree):
    """Point the "open an issue" button at the issue forms' chooser.

    sphinx-book-theme's button opens a blank GitHub issue titled after the
    page; the repository's forms (``.github/ISSUE_TEMPLATE``) ask for the
    page's URL, the sentence or cell, and how the reader checked, so the
    button leads to the chooser that lists them.  The repository URL is the
    one the theme took from ``_config.yml``.
    """

    def visit(buttons):
        for button in buttons:
            if button.get("type") == "group":
                visit(button.get("buttons", []))
            elif (button.get("label") == "source-issues-button"
                  and "/issues/new?" in button.get("url", "")):
                repo = button["url"].split("/issues/new?", 1)[0]
                button["url"] = repo + ISSUE_CHOOSER
                button["tooltip"] = "Report a mistake or a bug"
                if button.get("text"):
                    button["text"] = "Report a mistake"

    visit(context.get("header_buttons", []))


#: the whole book's downloads (written into the site by
#: ``tools/book_downloads.py``, which ``make book`` runs after the build)
BOOK_DOWNLOADS = (
    ("dlbook.pdf", ".pdf (whole book)", "fas fa-book",
     "Download the whole book as one PDF", "download-book-pdf-button"),
    ("dlbook-notebooks.zip", ".zip (all notebooks)", "fas fa-file-archive",
     "Download every notebook of the book", "download-notebooks-button"),
)


def _add_book_downloads(app, pagename, templatename, context, doctree):
    """Add the whole book's PDF and notebook archive to the download menu.

    sphinx-book-theme's download dropdown offers the page (its notebook,
    its source, the browser's print dialog); the book's two files follow,
    with URLs relative to the page (``pathto``), so they work at any depth
    and on any host.
    """
    pathto = context.get("pathto")
    for button in context.get("header_buttons", []):
        if button.get("label") != "download-buttons" or pathto is None:
            continue
        button["tooltip"] = "Download this page or the whole book"
        for target, text, icon, tooltip, label in BOOK_DOWNLOADS:
            button["buttons"].append({
                "type": "link", "url": pathto(target, 1), "text": text,
                "icon": icon, "tooltip": tooltip, "label": label,
            })


def _copy_vendor(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    srcdir = Path(app.srcdir)
    dest_root = Path(app.outdir) / "_static" / "vendor"
    for dest, src in VENDOR.items():
        src_path, dest_path = srcdir / src, dest_root / dest
        if src_path.is_dir():
            shutil.rmtree(dest_path, ignore_errors=True)
            shutil.copytree(
                src_path, dest_path,
                ignore=shutil.ignore_patterns(*VENDOR_SKIP),
            )
        else:
            dest_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src_path, dest_path)
    logger.info("[dlbook] vendored JavaScript copied to %s", dest_root)


def _add_static(app: Sphinx, config) -> None:
    # dlbook.css and dlbook-widgets.js; not seen by Jupyter Book's scan
    static = str(Path(__file__).parent / "static")
    if static not in config.html_static_path:
        config.html_static_path.append(static)


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _override_execution)
    app.connect("config-inited", _check_vendor)
    app.connect("config-inited", _drop_remote_assets)
    app.connect("builder-inited", _stage_lite)
    app.connect("doctree-read", _add_lite_link)
    # before Sphinx's TocTreeCollector (priority 500) reads the sections
    app.connect("doctree-read", _unnumber_intro_sections, priority=400)
    app.connect("html-page-context", _dedupe_inline_scripts, priority=900)
    # after sphinx-book-theme's add_source_buttons (priority 501)
    app.connect("html-page-context", _issue_button_to_forms, priority=900)
    app.connect("html-page-context", _add_book_downloads, priority=900)
    app.connect("config-inited", _fill_footer)
    # before jupyterlite-sphinx (priority 500) builds the lite site
    app.connect("build-finished", _copy_vendor, priority=400)
    app.connect("config-inited", _add_static)
    app.add_css_file("dlbook.css")
    # MathJax on every page, not only on pages whose text has math: the
    # chapter quizzes (dlbook.quiz) write their math into a cell's HTML
    # output, which Sphinx does not count as an equation
    app.set_html_assets_policy("always")
    return {"version": "1.0", "parallel_read_safe": True}
