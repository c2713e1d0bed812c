"""The whole book as one PDF, and all notebooks in one zip (``make book``).

``tools/book_downloads.py`` prints the built site with Chromium into
``_build/html/dlbook.pdf`` and packs ``book/`` into
``_build/html/dlbook-notebooks.zip``; every page's download menu links to
both.  The PDF's text (pypdf) must hold every chapter's numbered title at
the top of a page, every section's title, and no TeX that MathJax left
untypeset.
"""

from __future__ import annotations

import html
import re
import sys
import unicodedata
import zipfile
from pathlib import Path
from urllib.parse import urljoin

import pytest
import yaml
from sitecheck import CHROMIUM, ROOT

from conftest import unavailable

sys.path.insert(0, str(ROOT / "tools"))
import book_downloads  # noqa: E402

#: TeX that only shows when MathJax did not typeset an equation
RAW_TEX = ("\\frac", "$$", "\\(")


def norm(text: str) -> str:
    """NFKC (PDF ligatures such as "fi" become two letters), one space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def page_title(site_dir: Path, docname: str) -> str:
    """A built page's h1 as the site shows it: "4.2. The gradient ..."."""
    text = (site_dir / f"{docname}.html").read_text(encoding="utf-8")
    found = re.search(r"<article.*?<h1[^>]*>(.*?)</h1>", text, re.S)
    assert found, f"{docname}.html: no h1 in the article"
    h1 = re.sub(r'<a class="headerlink".*?</a>', "", found.group(1),
                flags=re.S)
    return norm(html.unescape(re.sub(r"<[^>]+>", "", h1)))


@pytest.fixture(scope="session")
def pdf_pages(site_dir):
    path = site_dir / book_downloads.PDF_NAME
    if not path.is_file():
        if not CHROMIUM.exists():
            unavailable(f"no browser at {CHROMIUM}, so `make book` printed "
                        "no PDF")
        pytest.fail(f"{path} is missing: `make book` prints it "
                    "(tools/book_downloads.py pdf)")
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    return [norm(page.extract_text() or "") for page in reader.pages]


def test_pdf_has_every_chapter_and_section_and_typeset_math(
        site_dir, pdf_pages, capsys):
    size = (site_dir / book_downloads.PDF_NAME).stat().st_size
    with capsys.disabled():
        print(f"\n{book_downloads.PDF_NAME}: {len(pdf_pages)} pages, "
              f"{size / 1e6:.1f} MB")
    toc = book_downloads.read_toc(ROOT)
    chapters = [p for p in toc if p["level"] == 0]
    assert len(chapters) >= 9, chapters   # preface, 8 chapters, appendices
    # each chapter starts a page, under its numbered title (the text of a
    # page may begin with a few labels set beside it, such as [1] [2] in
    # the references)
    for page in chapters:
        title = page_title(site_dir, page["docname"])
        assert any(squash(title) in squash(text)[:len(title) + 200]
                   for text in pdf_pages), (
            f"no page of the PDF starts with the chapter title {title!r}"
        )
    # a title wrapped at a hyphen comes out as "image- classification":
    # compared without any white space
    everything = squash(" ".join(pdf_pages))
    for page in toc:
        title = page_title(site_dir, page["docname"])
        assert squash(title) in everything, f"{title!r} is not in the PDF"
    raw = {tex: [i + 1 for i, text in enumerate(pdf_pages) if tex in text]
           for tex in RAW_TEX}
    raw = {tex: pages for tex, pages in raw.items() if pages}
    assert not raw, f"untypeset TeX in the PDF (on pages): {raw}"


def test_notebook_archive_holds_every_notebook(site_dir):
    path = site_dir / book_downloads.ZIP_NAME
    assert path.is_file(), f"{path} is missing: `make book` writes it"
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        readme = zf.read("dlbook-notebooks/README.txt").decode("utf-8")
    expected = {
        "dlbook-notebooks/" + p.relative_to(ROOT).as_posix()
        for p in (ROOT / "book").rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts
    }
    assert expected and expected <= names, sorted(expected - names)
    # every page of the book is among them, in its folder
    toc_files = yaml.safe_load((ROOT / "_toc.yml").read_text("utf-8"))
    assert f"dlbook-notebooks/{toc_files['root']}.ipynb" in names
    assert "jupyter lab" in readme and "dlbook[book" in readme


@pytest.mark.parametrize("docname", ["book/preface",
                                     "book/ch04_math/02_mse_gradient"])
def test_download_menu_links_the_pdf_and_the_notebooks(open_page, docname):
    page, watch = open_page(f"{docname}.html")
    menu = page.locator(".dropdown-download-buttons")
    assert menu.count() == 1, f"{docname}: no download menu"
    for name in (book_downloads.PDF_NAME, book_downloads.ZIP_NAME):
        link = menu.locator(f"a[href$='{name}']")
        assert link.count() == 1, f"{docname}: no {name} in the download menu"
        url = urljoin(page.url, link.get_attribute("href"))
        response = page.request.get(url)
        assert response.status == 200, f"{docname}: {url} -> {response.status}"
        assert len(response.body()) > 1000, f"{url} is nearly empty"
    assert not watch.problems(), watch.problems()
