"""The built website, read in a real browser (Chromium via Playwright).

Every page of _toc.yml: loads without console errors or failed requests,
requests nothing outside 127.0.0.1, has every equation typeset by MathJax,
gives every image alt text, links to the right previous and next pages,
draws every saved widget, keeps every solution collapsed, and offers its
launch, download and (NumPy-only pages) run-in-your-browser links. Then the
site-wide features: search, glossary, citations, equation references, dark
mode, and the JupyterLite deployment. A screenshot of each page's first
screen is saved in _build/screenshots/.

The feature tests find their examples in the built site (the first page with
an exercise, a citation, ...), so they keep working as chapters change.
"""

from __future__ import annotations

import json
import re
import sys
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import yaml

from booktoc import toc_files
from sitecheck import ROOT, SITE

sys.path.insert(0, str(ROOT / "tools" / "sphinxext"))
import dlbook_notebooks as dn  # noqa: E402

DOCNAMES = toc_files()
PAGES = [f"{name}.html" for name in DOCNAMES]

#: chapters that teach backpropagation; searching for it must list each
TEACHES_BACKPROP = [
    "book/ch02_concepts.html",
    "book/ch03_algorithm/index.html",
    "book/ch04_math/04_chain_rule_backprop.html",
]

_RAW_TEX = re.compile(
    r"\$\$|\\\(|\\\)|\\\[|\\\]"
    r"|\$[^$\n]{0,80}\\[A-Za-z]+[^$\n]{0,80}\$"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")

VISIBLE_TEXT = """
() => {
  const clone = document.body.cloneNode(true);
  clone.querySelectorAll(
    'pre, code, script, style, textarea, mjx-container, .highlight'
  ).forEach(e => e.remove());
  return clone.textContent;
}
"""
UNTYPESET_MATH = """
() => [...document.querySelectorAll('div.math, span.math')]
  .filter(e => !e.querySelector('mjx-container'))
  .map(e => e.textContent.trim().slice(0, 80))
"""
IMAGES = """
() => [...document.querySelectorAll('article img, .bd-content img')].map(
  img => ({src: (img.getAttribute('src') || '').slice(0, 80),
           alt: img.getAttribute('alt'),
           in_widget: img.closest('.widget-subarea') !== null,
           loaded: img.complete && img.naturalWidth > 0}))
"""
WIDGETS_DRAWN = """
() => {
  const views = [...document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]')];
  return views.every(v => {
    const area = v.previousElementSibling;
    return area && area.classList.contains('widget-subarea')
      && area.children.length > 0 && area.getBoundingClientRect().height > 0;
  });
}
"""


def site_path(url: str) -> str:
    """The path of a site URL relative to the site root, without query."""
    return urlsplit(url).path.lstrip("/")


def page_html(page: str) -> str:
    return (SITE / page).read_text(encoding="utf-8")


def pages_with(marker: str | re.Pattern) -> list[str]:
    """The toc pages whose built HTML contains ``marker`` (a string or a
    compiled pattern)."""
    if not SITE.is_dir():
        return []
    found = marker.search if isinstance(marker, re.Pattern) else (
        lambda html: marker in html)
    return [p for p in PAGES if (SITE / p).is_file() and found(page_html(p))]


def runs_in_browser(docname: str) -> bool:
    """The rule of tools/sphinxext/dlbook_notebooks (shared with the site
    build): the page's lite copy keeps at least two teaching code cells,
    or ``metadata.dlbook.lite`` says so."""
    nb = json.loads((ROOT / f"{docname}.ipynb").read_text(encoding="utf-8"))
    return dn.runs_in_browser(nb)


def test_share_of_pages_with_the_lite_link(site_dir, capsys):
    """Counted in the built site: the pages that carry the link are those
    the rule picks, and they are printed."""
    linked = [p[:-len(".html")] for p in pages_with('dlbook-lite-link')]
    assert set(linked) == {d for d in DOCNAMES if runs_in_browser(d)}
    without = [d for d in DOCNAMES if d not in linked]
    with capsys.disabled():
        print(f"\n'Run this page in your browser': {len(linked)} of "
              f"{len(DOCNAMES)} pages; without: {', '.join(without)}")
    assert len(linked) >= 20


def repository():
    config = yaml.safe_load((ROOT / "_config.yml").read_text("utf-8"))
    repo = config["repository"]
    return repo["url"].rstrip("/"), repo.get("branch", "main")


def check_links_to_neighbours(page, path, index):
    prev_link = page.locator("a.left-prev")
    next_link = page.locator("a.right-next")
    if index == 0:
        assert prev_link.count() == 0, f"{path}: first page has a prev link"
    else:
        href = prev_link.get_attribute("href")
        assert site_path(urljoin(page.url, href)) == PAGES[index - 1], (
            f"{path}: previous link {href!r}, expected {PAGES[index - 1]}"
        )
    if index == len(PAGES) - 1:
        assert next_link.count() == 0, f"{path}: last page has a next link"
    else:
        href = next_link.get_attribute("href")
        assert site_path(urljoin(page.url, href)) == PAGES[index + 1], (
            f"{path}: next link {href!r}, expected {PAGES[index + 1]}"
        )


def check_launch_and_download(page, docname):
    repo, branch = repository()
    owner_name = urlsplit(repo).path.strip("/")
    source = f"{docname}.ipynb"
    colab = (f"https://colab.research.google.com/github/{owner_name}/blob/"
             f"{branch}/{source}")
    binder = f"https://mybinder.org/v2/gh/{owner_name}/{branch}?urlpath="
    assert page.locator(f"a[href='{colab}']").count() == 1, (
        f"{docname}: no Colab launch link {colab}"
    )
    assert page.locator(
        f"a[href^='{binder}'][href$='{source}']"
    ).count() == 1, f"{docname}: no Binder launch link"
    download = page.locator("a[href*='_sources/'][href$='.ipynb']")
    assert download.count() >= 1, f"{docname}: no .ipynb download link"
    response = page.request.get(
        urljoin(page.url, download.first.get_attribute("href"))
    )
    assert response.ok, f"{docname}: .ipynb download gives {response.status}"
    nb = json.loads(response.text())
    assert nb["nbformat"] == 4 and nb["cells"]


def check_lite_link(page, docname):
    links = page.locator("p.dlbook-lite-link a")
    if not runs_in_browser(docname):
        assert links.count() == 0, f"{docname} cannot run in Pyodide"
        return
    assert links.count() == 1, f"{docname} lacks 'run in your browser'"
    href = urljoin(page.url, links.get_attribute("href"))
    lite_path = parse_qs(urlsplit(href).query)["path"][0]
    assert f"book/{lite_path}" == f"{docname}.ipynb"
    lite_root = href.split("lite/")[0] + "lite/"
    response = page.request.get(lite_root + "files/" + lite_path)
    assert response.ok, f"{lite_path} is not in the JupyterLite contents"
    lite_nb = response.json()
    source = json.loads((ROOT / f"{docname}.ipynb").read_text("utf-8"))
    expected = dn.lite_copy(source)
    assert [c["source"] for c in lite_nb["cells"]] == [
        c["source"] for c in expected["cells"]], (
        f"{lite_path}: the served copy is not dlbook_notebooks.lite_copy")
    assert len(lite_nb["cells"]) - len(source["cells"]) in (-1, 0)
    text = page.locator("p.dlbook-lite-link").inner_text()
    assert "CDN" in text and "connection" in text


@pytest.mark.parametrize("index", range(len(PAGES)), ids=PAGES)
def test_page(open_page, screenshots, index):
    path, docname = PAGES[index], DOCNAMES[index]
    page, watch = open_page(path)
    page.wait_for_function(WIDGETS_DRAWN, timeout=20000)
    page.screenshot(path=str(screenshots / path.replace("/", "__")
                             .replace(".html", ".png")))

    untypeset = page.evaluate(UNTYPESET_MATH)
    assert not untypeset, f"{path}: math not typeset by MathJax: {untypeset}"
    raw = _RAW_TEX.findall(page.evaluate(VISIBLE_TEXT))
    assert not raw, f"{path}: raw TeX left in the text: {raw[:5]}"

    for img in page.evaluate(IMAGES):
        assert img["loaded"], f"{path}: image {img['src']} did not load"
        # an image drawn by the ipywidgets HTML manager from a saved Output
        # widget needs its alt text too: dlbook.widgets saves its figures
        # as an HTML <img alt=...> (a bare image/png output would arrive
        # without one)
        where = "a widget's image" if img["in_widget"] else "image"
        alt = (img["alt"] or "").strip()
        assert alt, f"{path}: {where} {img['src']} has no alt text"
        assert not re.search(r"\.(png|jpe?g|svg|gif)$", alt, re.I), (
            f"{path}: image {img['src']} has a file name as alt text "
            f"({alt!r}); describe the figure (myst-nb: cell metadata "
            "mystnb.image.alt, or a {figure} directive's :alt:)"
        )

    open_solutions = page.locator("div.solution:not(.dropdown)").count()
    assert open_solutions == 0, (
        f"{path}: {open_solutions} solution(s) without ':class: dropdown'"
    )
    if page.locator("div.highlight pre").count():
        assert page.locator("button.copybtn").count() >= 1, (
            f"{path}: code without copy buttons"
        )

    check_links_to_neighbours(page, path, index)
    check_launch_and_download(page, docname)
    check_lite_link(page, docname)
    assert not watch.problems(), f"{path}:\n" + "\n".join(watch.problems())


def test_next_and_previous_walk_the_whole_book(open_page):
    page, watch = open_page(PAGES[0])
    visited = [site_path(page.url)]
    for _ in range(len(PAGES) - 1):
        page.locator("a.right-next").click()
        page.wait_for_load_state("load")
        visited.append(site_path(page.url))
    assert visited == PAGES
    for _ in range(len(PAGES) - 1):
        page.locator("a.left-prev").click()
        page.wait_for_load_state("load")
    assert site_path(page.url) == PAGES[0]
    assert not watch.problems(), "\n".join(watch.problems())


def test_root_redirects_to_the_first_page(open_page):
    page, watch = open_page("index.html", wait_for_math=False)
    page.wait_for_url(re.compile(re.escape(PAGES[0]) + "$"))
    assert not watch.problems(), "\n".join(watch.problems())


def test_search_for_backpropagation_lists_the_chapters_that_teach_it(
    open_page,
):
    page, watch = open_page(PAGES[0])
    page.locator("button.search-button__button").first.click()
    field = page.locator("input[name='q']:visible").first
    field.fill("backpropagation")
    field.press("Enter")
    page.wait_for_url(re.compile(r"search\.html\?q=backpropagation"))
    page.wait_for_function(
        "() => { const s = document.querySelector('p.search-summary');"
        " return s && /found|did not match/.test(s.textContent); }",
        timeout=20000,
    )
    hrefs = page.locator("ul.search li a").evaluate_all(
        "links => links.map(a => a.href)"
    )
    found = {site_path(href) for href in hrefs}
    missing = [p for p in TEACHES_BACKPROP if p not in found]
    assert not missing, f"search results {sorted(found)} lack {missing}"
    assert not watch.problems(), "\n".join(watch.problems())


def test_widgets_are_drawn_from_saved_state(open_page, screenshots):
    # the book's explorers (dlbook.widgets), not a plain slider such as the
    # preface's: their saved state carries the snapshot note
    widget_pages = pages_with("<b>Snapshot.</b> On the static web page")
    assert widget_pages, "no page of the book shows an explorer"
    page, watch = open_page(widget_pages[0])
    page.wait_for_function(WIDGETS_DRAWN, timeout=20000)
    widget = page.locator(".widget-subarea .jupyter-widgets").first
    assert widget.is_visible()
    # a reader of the static page is told that it is a snapshot
    assert "Snapshot. On the static web page" in page.locator(
        ".widget-subarea").first.inner_text()
    assert "widget-view+json" not in page.locator("article").inner_text()
    widget.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "widget.png"))
    assert not watch.problems(), "\n".join(watch.problems())


def test_solutions_start_collapsed_and_open_on_click(open_page):
    exercise_pages = pages_with('class="solution dropdown')
    assert exercise_pages, "no page of the book has an exercise solution"
    page, watch = open_page(exercise_pages[0])
    solution = page.locator("div.solution.dropdown").first
    body = solution.locator("section").first
    assert solution.locator(".admonition-title").is_visible()
    assert not body.is_visible(), "the solution is shown before a click"
    solution.locator(".admonition-title").click()
    body.wait_for(state="visible", timeout=5000)
    assert not watch.problems(), "\n".join(watch.problems())


def test_quizzes_answer_on_the_static_site(open_page, screenshots):
    """Each chapter's self-test answers a click with its feedback, with
    no Python behind the page and no request outside the site."""
    quiz_pages = pages_with('class="dlbook-quiz"')
    assert len(quiz_pages) == 8, quiz_pages   # one per chapter
    for path in (quiz_pages[0], quiz_pages[-1]):
        page, watch = open_page(path)
        quiz = page.locator("div.dlbook-quiz").first
        quiz.scroll_into_view_if_needed()
        question = quiz.locator("div.dlq-question").nth(1)
        wrong = question.locator("details.dlq-wrong").first
        right = question.locator("details.dlq-right")
        assert right.count() == 1
        for option in (wrong, right):
            assert not option.locator(".dlq-feedback").is_visible()
        wrong.locator("summary").click()
        feedback = wrong.locator(".dlq-feedback")
        feedback.wait_for(state="visible", timeout=5000)
        assert feedback.inner_text().startswith("Not quite.")
        assert not right.locator(".dlq-feedback").is_visible()
        right.locator("summary").click()
        feedback = right.locator(".dlq-feedback")
        feedback.wait_for(state="visible", timeout=5000)
        assert feedback.inner_text().startswith("Right.")
        assert len(feedback.inner_text()) > len("Right.") + 20  # says why
        page.screenshot(path=str(screenshots / "quiz.png"))
        assert not watch.problems(), "\n".join(watch.problems())


def test_glossary_has_english_chinese_and_definition(open_page):
    page, watch = open_page("book/appendix/glossary.html")
    # an entry: one or more English terms (synonyms), then its definition
    entries = page.locator("dl.glossary > dd")
    assert entries.count() >= 30, f"only {entries.count()} glossary entries"
    with_cjk = 0
    for entry in entries.all():
        term = entry.locator("xpath=preceding-sibling::dt[1]").inner_text()
        chinese = entry.locator("strong").first
        assert chinese.count() == 1, f"{term!r}: no Chinese term in bold"
        with_cjk += bool(_CJK.search(chinese.inner_text()))
        definition = entry.inner_text().split(":", 1)[-1]
        assert len(definition.split()) >= 5, f"{term!r}: no definition"
    # a few terms are written in Latin letters in the articles (Dropout)
    assert with_cjk >= 0.8 * entries.count(), "most Chinese terms missing"
    assert not watch.problems(), "\n".join(watch.problems())


def test_glossary_terms_in_the_text_link_to_their_definition(open_page):
    linking = pages_with("appendix/glossary.html#term-")
    assert len(linking) >= 3, f"only {linking} link to glossary terms"
    page, watch = open_page(linking[0])
    link = page.locator("a[href*='glossary.html#term-']").first
    target = urlsplit(link.get_attribute("href")).fragment
    link.click()
    page.wait_for_load_state("load")
    assert site_path(page.url) == "book/appendix/glossary.html"
    assert page.locator(f"dt[id='{target}']").is_visible()
    assert not watch.problems(), "\n".join(watch.problems())


def test_citations_link_to_the_bibliography(open_page):
    citing = pages_with("appendix/references.html#")
    assert citing, "no page cites a reference"
    page, watch = open_page(citing[0])
    cite = page.locator("a[href*='references.html#']").first
    target = urlsplit(cite.get_attribute("href")).fragment
    cite.click()
    page.wait_for_load_state("load")
    assert site_path(page.url) == "book/appendix/references.html"
    assert page.locator(f"[id='{target}']").count() == 1
    bib = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    n_entries = len(re.findall(r"^@\w+\{", bib, re.M))
    listed = page.locator("div.citation").count()
    assert listed == n_entries, (
        f"the references page lists {listed} of {n_entries} entries"
    )
    assert not watch.problems(), "\n".join(watch.problems())


def test_equations_are_numbered_and_referenced(open_page):
    eq_ref = re.compile(r'href="[^"]*#equation-[^"]*"[^>]*>(<span[^>]*>)?\(\d')
    referring = pages_with(eq_ref)
    assert referring, "no page refers to a numbered equation"
    page, watch = open_page(referring[0])
    ref = page.locator("a[href*='#equation-']").filter(
        has_text=re.compile(r"^\(\d")
    ).first
    number = ref.inner_text().strip()
    assert re.fullmatch(r"\(\d+(\.\d+)*\)", number), number
    target = urlsplit(ref.get_attribute("href")).fragment
    ref.click()
    page.wait_for_load_state("load")
    eqno = page.locator(f"[id='{target}'] .eqno")
    assert eqno.inner_text().strip().startswith(number)
    assert not watch.problems(), "\n".join(watch.problems())


def test_light_and_dark_themes(open_page, screenshots):
    page, watch = open_page(PAGES[0])
    html = page.locator("html")
    assert html.get_attribute("data-theme") == "light"
    page.locator("button.theme-switch-button").first.click()
    page.wait_for_function(
        "() => document.documentElement.dataset.theme === 'dark'"
    )
    page.screenshot(path=str(screenshots / "theme-dark-button.png"))

    page2, watch2 = open_page(PAGES[0], color_scheme="dark")
    assert page2.locator("html").get_attribute("data-theme") == "dark"
    page2.screenshot(path=str(screenshots / "theme-dark-system.png"))
    problems = watch.problems() + watch2.problems()
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- JupyterLite


def test_lite_serves_the_dlbook_wheel(open_page):
    page, _ = open_page(PAGES[0])
    index = page.request.get(urljoin(page.url, "/lite/pypi/all.json"))
    assert index.ok, "lite/pypi/all.json is missing"
    releases = index.json().get("dlbook", {}).get("releases", {})
    assert releases, "the JupyterLite package index has no dlbook release"
    files = [f for files in releases.values() for f in files]
    assert any(f["filename"].endswith(".whl") for f in files)
    for f in files:
        wheel = page.request.get(urljoin(index.url, f["url"]))
        assert wheel.ok, f"{f['url']}: HTTP {wheel.status}"


def test_lite_app_opens_a_notebook(open_page, screenshots):
    lite = [d for d in DOCNAMES if runs_in_browser(d)]
    assert lite, "no NumPy-only page: nothing runs in the browser"
    path = lite[-1][len("book/"):] + ".ipynb"
    # JupyterLite pages may fetch Pyodide from its CDN (allowed); the tests
    # run offline, so the kernel cannot start, but the app and the notebook
    # itself must come from this site.
    page, _ = open_page(
        f"lite/notebooks/index.html?path={path}", allow_external=True,
        wait_for_math=False,
    )
    page.wait_for_function(
        "() => document.querySelectorAll('.jp-Notebook .jp-Cell').length >= 2",
        timeout=60000,
    )
    source = json.loads((ROOT / f"{lite[-1]}.ipynb").read_text("utf-8"))
    title = "".join(source["cells"][0]["source"]).splitlines()[0].lstrip("# ")
    heading = page.locator(".jp-Notebook h1").first
    assert heading.inner_text().strip().startswith(title)
    page.screenshot(path=str(screenshots / "jupyterlite.png"))
