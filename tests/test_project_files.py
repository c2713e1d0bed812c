"""The files that make the book an open project: licences, citation,
contributing guide, issue forms; and the one place each fact is written.

- ``LICENSE`` (MIT, the code) and ``LICENSE-text.md`` (CC BY 4.0, the text
  and figures, plus the list of what is under which licence, data sets
  included) exist, carry the copyright line of ``_config.yml``, and the
  README, the preface and the site's footer state both licences.
- ``CITATION.cff`` is valid against the CFF 1.2.0 schema (vendored in
  ``tests/schemas``) and agrees with ``_config.yml`` and ``pyproject.toml``;
  the package's copy (``dlbook/_cff.py``) is up to date, and the preface
  prints the reference with ``dlbook.citation()`` instead of typing it.
- The issue forms in ``.github/ISSUE_TEMPLATE`` follow GitHub's issue-form
  syntax and ask what the issue asks for; the site's issue button leads to
  their chooser.
- ``CONTRIBUTING.md`` covers what it must and its commands refer to things
  that exist.

The built site's footer and issue button are checked in a browser by
``tests/site/test_project_pages.py``.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import inspect
import json
import os
import re
import tomllib
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import nbformat
import pytest
import yaml

import dlbook
import dlbook._citation as citation_module
from dlbook import _cff

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
SCHEMA_PATH = ROOT / "tests" / "schemas" / "cff-1.2.0.schema.json"
#: sha256 of cffconvert-2.0.0's cffconvert/schemas/1.2.0/schema.json
SCHEMA_SHA256 = (
    "0b8d22140da702d766df318dcff3a91af2f39521298dcf36d76315fd99cc169b"
)
TEMPLATES = ROOT / ".github" / "ISSUE_TEMPLATE"
CC_BY_URL = "https://creativecommons.org/licenses/by/4.0/"
#: the two licences, as people write them and as SPDX names them
TEXT_LICENCE, CODE_LICENCE = "CC BY 4.0", "MIT"
SPDX = {"CC-BY-4.0", "MIT"}


def read(relpath: str) -> str:
    path = ROOT / relpath
    assert path.is_file(), f"{relpath} is missing"
    return path.read_text(encoding="utf-8")


def load_module(relpath: str, name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / relpath)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def copyright_line() -> str:
    """The copyright line every licence file carries, from _config.yml."""
    return f"Copyright (c) {CONFIG['copyright']} {CONFIG['author']}"


def copyright_years() -> tuple[int, int]:
    years = re.fullmatch(r"(\d{4})(?:\s*[–-]\s*(\d{4}))?",
                         str(CONFIG["copyright"]))
    assert years, (
        "expected _config.yml copyright: 'YYYY' or 'YYYY–YYYY', received: "
        f"copyright={CONFIG['copyright']!r}"
    )
    first = int(years.group(1))
    return first, int(years.group(2) or first)


def citation_file() -> dict:
    return yaml.safe_load(read("CITATION.cff"))


def notebook_text(nb, cell_type):
    return "\n".join(c.source for c in nb.cells if c.cell_type == cell_type)


# ------------------------------------------------------------ licences


def test_copyright_comes_from_config_and_is_a_valid_range():
    first, last = copyright_years()
    assert 2025 <= first <= last, (first, last)
    assert CONFIG["author"] == "The dlbook authors"


def test_code_licence_is_mit_with_the_copyright_line():
    text = read("LICENSE")
    assert text.startswith("MIT License\n")
    assert copyright_line() in text.splitlines()
    # the operative sentences of the MIT licence, unchanged
    assert "Permission is hereby granted, free of charge" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY' in text
    assert PYPROJECT["project"]["license"] == CODE_LICENCE
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]


def test_text_licence_is_cc_by_with_the_copyright_line():
    text = read("LICENSE-text.md")
    assert copyright_line() + "." in text.splitlines()
    assert TEXT_LICENCE in text and CC_BY_URL in text
    assert CC_BY_URL + "legalcode" in text
    # the one-line reason for the choice
    assert re.search(r"Why CC BY rather than CC BY-SA", text)


def test_every_copyright_line_in_the_repository_matches_the_config():
    pattern = re.compile(
        r"(?:Copyright(?: \(c\))?|©)\s*(\d{4}(?:\s*[–-]\s*\d{4})?)")
    skip = {".git", ".venv", "node_modules", "_build", "build", "dist",
            ".pytest_cache", ".hypothesis", ".ruff_cache", "__pycache__"}
    suffixes = {"", ".md", ".py", ".yml", ".yaml", ".cff", ".toml", ".txt",
                ".ipynb", ".cfg", ".js", ".css", ".html"}
    found = {}
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs
                   if d not in skip and not d.endswith(".egg-info")]
        for name in files:
            path = Path(folder) / name
            if path.suffix not in suffixes:
                continue
            text = path.read_text("utf-8", "replace")
            for years in pattern.findall(text):
                found.setdefault(years, []).append(
                    str(path.relative_to(ROOT)))
    assert set(found) == {CONFIG["copyright"]}, (
        f"copyright years other than _config.yml's "
        f"{CONFIG['copyright']!r}: {found}"
    )


def test_readme_preface_and_footer_state_both_licences():
    preface = nbformat.read(ROOT / "book" / "preface.ipynb", as_version=4)
    places = {
        "README.md": read("README.md"),
        "book/preface.ipynb": notebook_text(preface, "markdown"),
        "_config.yml html.extra_footer": CONFIG["html"]["extra_footer"],
    }
    for where, text in places.items():
        assert TEXT_LICENCE in text and CC_BY_URL in text, (
            f"{where} does not state the text licence ({TEXT_LICENCE})"
        )
        assert re.search(rf"\b{CODE_LICENCE} licen[cs]e\b", text), (
            f"{where} does not state the code licence ({CODE_LICENCE})"
        )
        assert "LICENSE-text.md" in text, f"{where}: no pointer to the list"


def _licence_cell(row: str) -> str:
    return row.split("|")[2].strip()


def test_every_bundled_data_set_and_loader_has_its_licence_listed():
    listing = read("LICENSE-text.md")
    rows = [line for line in listing.splitlines() if line.startswith("| ")]
    datasets = sorted((ROOT / "dlbook" / "datasets").glob("*.csv"))
    assert datasets, "expected data sets in dlbook/datasets"
    notes = read("dlbook/datasets/README.md")
    for path in datasets:
        rel = f"dlbook/datasets/{path.name}"
        row = [r for r in rows if f"`{rel}`" in r]
        assert len(row) == 1, f"LICENSE-text.md lists {rel} {len(row)} times"
        licence = re.match(r"CC0 1\.0|CC BY(?:-SA)? 4\.0|[A-Z][\w.-]+",
                           _licence_cell(row[0])).group(0)
        section = notes.split(f"`{path.name}`", 1)[1].split("\n## ", 1)[0]
        assert licence in section, (
            f"{rel}: LICENSE-text.md says {licence}, its README section "
            "says otherwise"
        )
    # every loader of a data set the book uses is in the list
    from dlbook import data, text
    loaders = [f"dlbook.{module.__name__.split('.')[-1]}.{name}"
               for module in (data, text)
               for name, obj in vars(module).items()
               if name.startswith("load_") and inspect.isfunction(obj)]
    assert loaders, "expected load_* functions in dlbook.data / dlbook.text"
    missing = [name for name in loaders if f"`{name}`" not in listing]
    assert not missing, f"LICENSE-text.md does not list {missing}"
    digits = [r for r in rows if "`dlbook.data.load_digits`" in r][0]
    assert "scikit-learn" in digits and "BSD-3-Clause" in digits


# ------------------------------------------------------------ CITATION.cff


@pytest.fixture(scope="module")
def cff_validator():
    raw = SCHEMA_PATH.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SCHEMA_SHA256, (
        f"{SCHEMA_PATH.name} differs from the copy taken from cffconvert "
        "2.0.0 (see tests/schemas/README.md)"
    )
    schema = json.loads(raw)
    assert schema["$id"].endswith("/1.2.0/schema.json")
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_citation_file_is_valid_cff_1_2_0(cff_validator):
    cff = citation_file()
    assert cff["cff-version"] == "1.2.0"
    errors = [f"{list(e.absolute_path)}: {e.message}"
              for e in cff_validator.iter_errors(cff)]
    assert not errors, "CITATION.cff is not valid CFF 1.2.0:\n" + "\n".join(
        errors)


@pytest.mark.parametrize("breakage", [
    lambda cff: cff.pop("authors"),
    lambda cff: cff.update({"license": "MIT licence"}),
    lambda cff: cff["preferred-citation"].update({"type": "novel"}),
    lambda cff: cff.update({"repository-code": "github.com/dlbook"}),
], ids=["no-authors", "not-spdx", "unknown-type", "url-without-scheme"])
def test_the_schema_check_rejects_a_broken_citation_file(cff_validator,
                                                         breakage):
    cff = copy.deepcopy(citation_file())
    breakage(cff)
    assert list(cff_validator.iter_errors(cff)), "the schema accepted it"


def test_citation_file_agrees_with_the_project():
    cff = citation_file()
    book = cff["preferred-citation"]
    repo = CONFIG["repository"]["url"].rstrip("/")
    assert book["type"] == "book"
    assert book["title"] == CONFIG["title"]
    for entry in (cff, book):
        assert [a.get("name") for a in entry["authors"]] == [
            CONFIG["author"]]
    assert book["year"] == copyright_years()[1], (
        "the book's year in CITATION.cff is not the last copyright year "
        f"of _config.yml ({CONFIG['copyright']})"
    )
    assert cff["repository-code"] == repo and book["url"] == repo
    assert cff["version"] == PYPROJECT["project"]["version"]
    assert cff["version"] == dlbook.__version__
    assert set(cff["license"]) == SPDX
    assert book["license"] == "CC-BY-4.0"


def test_package_copy_of_the_citation_file_is_up_to_date():
    tool = load_module("tools/update_citation.py", "update_citation")
    data = tool.load_cff()
    assert _cff.CFF == data, (
        "dlbook/_cff.py differs from CITATION.cff: run "
        "`.venv/bin/python tools/update_citation.py`"
    )
    assert (ROOT / "dlbook" / "_cff.py").read_text("utf-8") == tool.render(
        data), "dlbook/_cff.py was edited by hand: rerun the tool"


def test_citation_is_formatted_from_the_citation_file():
    cff = citation_file()
    book = cff["preferred-citation"]
    text = dlbook.citation()
    assert "\n" not in text
    assert text.startswith(f"{CONFIG['author']} ({book['year']}). ")
    for part in (book["title"], book["edition"].lower(), book["url"]):
        assert part in text, f"{part!r} not in {text!r}"
    bib = dlbook.citation("bibtex")
    assert bib.startswith(f"@book{{dlbook{book['year']},\n")
    assert f"title = {{{{{book['title']}}}}}" in bib
    assert f"author = {{{{{CONFIG['author']}}}}}" in bib
    package = dlbook.citation(work="package")
    assert f"{cff['title']} (version {cff['version']})" in package
    assert "@software{" in dlbook.citation("bibtex", work="package")


def test_citation_hand_computed_for_people_and_a_release_date(monkeypatch):
    fake = {
        "title": "tinynet", "version": "2.1", "date-released": "2024-05-01",
        "repository-code": "https://example.org/tinynet",
        "authors": [
            {"given-names": "Ada", "family-names": "Lovelace"},
            {"given-names": "Jan", "name-particle": "van",
             "family-names": "Dijk"},
            {"name": "The Lab"},
        ],
        "preferred-citation": {
            "type": "book", "title": "Tiny Nets", "edition": "Third",
            "year": 2024, "url": "https://example.org/book",
            "authors": [{"given-names": "Ada", "family-names": "Lovelace"}],
        },
    }
    monkeypatch.setattr(citation_module, "CFF", fake)
    assert dlbook.citation() == (
        "Ada Lovelace (2024). Tiny Nets, third edition. "
        "https://example.org/book"
    )
    assert dlbook.citation(work="package") == (
        "Ada Lovelace, Jan van Dijk and The Lab (2024). tinynet "
        "(version 2.1) [software]. https://example.org/tinynet"
    )
    assert dlbook.citation("bibtex", work="package") == (
        "@software{dlbook2024package,\n"
        "  author = {Lovelace, Ada and van Dijk, Jan and {The Lab}},\n"
        "  title = {{tinynet}},\n"
        "  version = {2.1},\n"
        "  year = {2024},\n"
        "  url = {https://example.org/tinynet}\n"
        "}"
    )


@pytest.mark.parametrize("kwargs, message", [
    ({"style": "apa"}, r"expected style to be one of .*received: "
                       r"style='apa'"),
    ({"work": "paper"}, r"expected work to be one of .*received: "
                        r"work='paper'"),
])
def test_citation_rejects_unknown_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dlbook.citation(**kwargs)


def test_preface_prints_the_citation_instead_of_typing_it():
    nb = nbformat.read(ROOT / "book" / "preface.ipynb", as_version=4)
    code = notebook_text(nb, "code")
    prose = notebook_text(nb, "markdown")
    assert re.search(r"print\(dlbook\.citation\(\)\)", code)
    assert re.search(r"print\(dlbook\.citation\(\"bibtex\"\)\)", code)
    assert "## How to cite this book" in prose
    book = citation_file()["preferred-citation"]
    typed = [dlbook.citation(), dlbook.citation("bibtex"),
             f"dlbook{book['year']}", f"({book['year']})"]
    assert not [t for t in typed if t in prose], (
        "the preface types the reference; it must come from the cell"
    )


# ------------------------------------------------------------ issue forms

FORM_KEYS = {"name", "description", "body", "title", "labels",
             "assignees", "projects", "type"}
ELEMENT_TYPES = {"markdown", "input", "textarea", "dropdown", "checkboxes",
                 "upload"}


def issue_forms():
    return sorted(p for p in TEMPLATES.glob("*.y*ml")
                  if p.stem != "config")


def check_form(form: dict, name: str) -> dict:
    """GitHub's issue-form syntax; returns {id: element} of the fields."""
    assert isinstance(form, dict), f"{name}: not a mapping"
    assert {"name", "description", "body"} <= set(form), (
        f"{name}: expected name, description and body, received "
        f"{sorted(form)}"
    )
    unknown = set(form) - FORM_KEYS
    assert not unknown, f"{name}: unknown keys {sorted(unknown)}"
    assert all(isinstance(form[k], str) and form[k].strip()
               for k in ("name", "description"))
    if "labels" in form:
        assert isinstance(form["labels"], list) and all(
            isinstance(label, str) and label for label in form["labels"])
    fields, labels = {}, set()
    assert isinstance(form["body"], list) and form["body"]
    for index, element in enumerate(form["body"]):
        where = f"{name}: body[{index}]"
        assert element.get("type") in ELEMENT_TYPES, where
        attributes = element.get("attributes")
        assert isinstance(attributes, dict), f"{where}: no attributes"
        if element["type"] == "markdown":
            assert attributes.get("value", "").strip(), f"{where}: empty"
            assert "id" not in element and "validations" not in element
            continue
        label = attributes.get("label", "")
        assert label.strip(), f"{where}: no label"
        assert label not in labels, f"{where}: label {label!r} repeated"
        labels.add(label)
        if "id" in element:
            assert re.fullmatch(r"[A-Za-z0-9_-]+", element["id"]), where
            assert element["id"] not in fields, f"{where}: id repeated"
            fields[element["id"]] = element
        if element["type"] in ("dropdown", "checkboxes"):
            assert attributes.get("options"), f"{where}: no options"
        required = element.get("validations", {}).get("required", False)
        assert isinstance(required, bool), f"{where}: required not a bool"
    return fields


def required(element) -> bool:
    return element.get("validations", {}).get("required", False)


def test_issue_forms_are_well_formed():
    forms = issue_forms()
    assert len(forms) >= 2, f"expected the erratum and bug forms: {forms}"
    names = []
    for path in forms:
        form = yaml.safe_load(path.read_text(encoding="utf-8"))
        check_form(form, path.name)
        names.append(form["name"])
    assert len(set(names)) == len(names), f"repeated form names: {names}"


def _form(name: str) -> dict:
    found = [p for p in issue_forms()
             if yaml.safe_load(p.read_text("utf-8"))["name"] == name]
    assert len(found) == 1, f"expected one form named {name!r}: {found}"
    return check_form(yaml.safe_load(found[0].read_text("utf-8")), name)


def test_erratum_form_asks_for_page_place_wrong_right_and_check():
    fields = _form("Erratum")
    # the page's URL, the sentence or cell, what is wrong, what is right,
    # how the reader checked: all required
    for field in ("page", "location", "wrong", "right", "checked"):
        assert field in fields and required(fields[field]), field
    assert fields["page"]["type"] == "input"
    assert "URL" in fields["page"]["attributes"]["label"]


def test_bug_form_asks_for_command_output_and_environment():
    fields = _form("Bug")
    for field in ("command", "output", "environment"):
        assert field in fields and required(fields[field]), field
    assert "URL" in fields["page"]["attributes"]["label"]


def test_issue_chooser_config_is_well_formed():
    config = yaml.safe_load(read(".github/ISSUE_TEMPLATE/config.yml"))
    assert set(config) <= {"blank_issues_enabled", "contact_links"}
    assert isinstance(config["blank_issues_enabled"], bool)
    for link in config.get("contact_links", []):
        assert set(link) == {"name", "url", "about"}, link
        assert link["url"].startswith("https://"), link


def test_issue_button_leads_to_the_forms_chooser():
    site = load_module("tools/sphinxext/dlbook_site.py", "dlbook_site")
    repo = CONFIG["repository"]["url"].rstrip("/")
    theme_url = (f"{repo}/issues/new?title=Issue%20on%20page%20%2Fbook/"
                 "preface.html&body=Your%20issue%20content%20here.")
    context = {"header_buttons": [
        {"type": "group", "buttons": [
            {"type": "link", "url": repo, "text": "Repository",
             "label": "source-repository-button"},
            {"type": "link", "url": theme_url, "text": "Open issue",
             "label": "source-issues-button"},
        ]},
    ]}
    site._issue_button_to_forms(None, "book/preface", "page.html", context,
                                None)
    repo_button, issue_button = context["header_buttons"][0]["buttons"]
    assert issue_button["url"] == f"{repo}/issues/new/choose"
    assert repo_button["url"] == repo


def test_footer_licence_links_are_filled_from_the_repository():
    site = load_module("tools/sphinxext/dlbook_site.py", "dlbook_site")
    repo = CONFIG["repository"]["url"].rstrip("/")
    branch = CONFIG["repository"]["branch"]
    config = SimpleNamespace(html_theme_options={
        "extra_footer": CONFIG["html"]["extra_footer"],
        "repository_url": CONFIG["repository"]["url"],
        "repository_branch": branch,
    })
    site._fill_footer(None, config)
    footer = config.html_theme_options["extra_footer"]
    assert "{repository" not in footer
    for name in ("LICENSE", "LICENSE-text.md"):
        assert f'href="{repo}/blob/{branch}/{name}"' in footer
    assert f'href="{CC_BY_URL}"' in footer


# ------------------------------------------------------------ CONTRIBUTING


def test_contributing_covers_setup_tests_chapters_standards_errata():
    text = read("CONTRIBUTING.md")
    for heading in ("## Report an erratum", "## Set up",
                    "## Run part of the tests", "## Add a chapter",
                    "## The standards every change meets"):
        assert heading in text, f"CONTRIBUTING.md lacks {heading!r}"
    assert "make book" in text and "make test" in text
    for standard in ("produced by cells", "finite differences",
                     "GradientTape", "validation data", "control"):
        assert standard in text, f"CONTRIBUTING.md lacks {standard!r}"
    assert "CONTRIBUTING.md" in read("README.md")


def test_contributing_commands_refer_to_things_that_exist():
    text = read("CONTRIBUTING.md")
    makefile = read("Makefile")
    for target in set(re.findall(r"`make ([a-z-]+)", text)):
        assert re.search(rf"^{re.escape(target)}:", makefile, re.M), (
            f"CONTRIBUTING.md mentions `make {target}`, not in the Makefile"
        )
    paths = re.findall(r"pytest \"?((?:book|tests)/[\w/.-]+)", text)
    assert any(p.endswith(".ipynb") for p in paths), "no notebook example"
    for path in paths:
        assert (ROOT / path).exists(), f"CONTRIBUTING.md: {path} is missing"
    for path, test in re.findall(r"pytest \"(tests/[\w/.]+)::(\w+)\"", text):
        assert re.search(rf"^def {test}\(", read(path), re.M), (
            f"CONTRIBUTING.md: {path} has no {test}"
        )
