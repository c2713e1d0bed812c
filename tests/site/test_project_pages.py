"""The open-project parts of the built site, read in Chromium.

Every page's footer states both licences (text and figures: CC BY 4.0;
code: MIT) with working links and the copyright years of ``_config.yml``;
the "open an issue" button leads to the issue forms' chooser; the preface
prints the reference that ``dlbook.citation()`` formats from CITATION.cff.
The files themselves are checked in ``tests/test_project_files.py``.
"""

from __future__ import annotations

import pytest
import yaml

import dlbook
from booktoc import toc_files
from sitecheck import ROOT

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
REPO = CONFIG["repository"]["url"].rstrip("/")
BRANCH = CONFIG["repository"].get("branch", "main")
PAGES = [f"{name}.html" for name in toc_files()]
CC_BY_URL = "https://creativecommons.org/licenses/by/4.0/"


@pytest.mark.parametrize("path", [PAGES[0], PAGES[len(PAGES) // 2],
                                  PAGES[-1]])
def test_footer_shows_both_licences_and_the_copyright(open_page, path):
    page, watch = open_page(path)
    footer = page.locator("footer.bd-footer-content")
    assert footer.count() == 1, f"{path}: no footer"
    text = " ".join(footer.inner_text().split())
    assert "CC BY 4.0" in text and "MIT licence" in text, (
        f"{path}: the footer does not state both licences: {text!r}"
    )
    links = {
        "CC BY 4.0": CC_BY_URL,
        "MIT licence": f"{REPO}/blob/{BRANCH}/LICENSE",
        "LICENSE-text.md": f"{REPO}/blob/{BRANCH}/LICENSE-text.md",
    }
    for label, href in links.items():
        link = footer.locator("a", has_text=label)
        assert link.count() == 1, f"{path}: no footer link {label!r}"
        assert link.get_attribute("href") == href, (
            f"{path}: {label!r} links to {link.get_attribute('href')!r}, "
            f"expected {href!r}"
        )
    copyright_text = " ".join(
        footer.locator("p.copyright").inner_text().split())
    assert copyright_text == f"© Copyright {CONFIG['copyright']}.", (
        f"{path}: copyright line {copyright_text!r}"
    )
    assert CONFIG["author"] in text
    assert not watch.problems(), "\n".join(watch.problems())


def test_issue_button_opens_the_issue_forms(open_page):
    page, watch = open_page(PAGES[1])
    chooser = f"{REPO}/issues/new/choose"
    assert page.locator("a[href*='/issues/new?']").count() == 0, (
        "a button still opens a blank issue"
    )
    button = page.locator(f"a.btn-source-issues-button[href='{chooser}']")
    assert button.count() == 1, f"no issue button leading to {chooser}"
    # it sits in the repository menu: opening the menu shows it
    page.locator(".dropdown-source-buttons button.dropdown-toggle").click()
    button.wait_for(state="visible", timeout=5000)
    assert "Report a mistake" in button.inner_text()
    assert not watch.problems(), "\n".join(watch.problems())


def test_preface_prints_the_citation_from_citation_cff(open_page):
    page, watch = open_page(PAGES[0])
    outputs = " ".join(page.locator("div.cell_output").all_inner_texts())
    for reference in (dlbook.citation(), dlbook.citation("bibtex")):
        first_line = reference.splitlines()[0]
        assert first_line in outputs, (
            f"the preface does not print {first_line!r}"
        )
    assert not watch.problems(), "\n".join(watch.problems())
