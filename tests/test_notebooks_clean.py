"""The book's notebooks are committed clean, and _toc.yml lists exactly them.

Clean means: no outputs, no execution counts, no saved widget state (the
site build and nbval execute every notebook; outputs in git would be stale
copies). Every page also starts with a level-1 title and runs on the
standard ``python3`` kernel that nbval and the site build use.
"""

import re
from pathlib import Path

import nbformat
import pytest
import yaml
from booktoc import TOC, toc_files

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
SKIP_DIRS = {".ipynb_checkpoints", "_build"}


def book_notebooks():
    return sorted(
        path for path in BOOK.rglob("*.ipynb")
        if not SKIP_DIRS.intersection(path.relative_to(ROOT).parts)
    )


NOTEBOOKS = book_notebooks()
IDS = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]


def test_book_has_notebooks():
    assert len(NOTEBOOKS) >= 20, f"expected the book's notebooks in {BOOK}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            dirty.append(f"cell {index}: {len(cell.outputs)} output(s)")
        if cell.get("execution_count") is not None:
            dirty.append(
                f"cell {index}: execution_count {cell.execution_count}"
            )
    if "widgets" in nb.metadata:
        dirty.append("notebook metadata holds saved widget state")
    assert not dirty, (
        f"{path.relative_to(ROOT)} must be committed without outputs "
        "(clear them, e.g. `jupyter nbconvert --clear-output --inplace "
        f"{path.relative_to(ROOT)}`): " + "; ".join(dirty)
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_has_title_and_standard_kernel(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells, f"{path.relative_to(ROOT)} has no cells"
    first = nb.cells[0]
    # MyST target labels, "(sec-label)=", may stand above the title
    lines = [
        line for line in first.source.splitlines()
        if line.strip() and not re.fullmatch(r"\(\S+\)=\s*", line)
    ]
    assert first.cell_type == "markdown" and lines and (
        lines[0].startswith("# ")
    ), (
        f"{path.relative_to(ROOT)}: expected a first markdown cell with "
        f"'# Title' (after any '(label)=' lines), received "
        f"{first.source[:40]!r}"
    )
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    assert kernel == "python3", (
        f"{path.relative_to(ROOT)}: expected kernelspec 'python3', "
        f"received {kernel!r}"
    )


def test_toc_lists_exactly_the_book_notebooks():
    toc = yaml.safe_load(TOC.read_text(encoding="utf-8"))
    listed = toc_files(toc)
    duplicates = sorted({f for f in listed if listed.count(f) > 1})
    assert not duplicates, f"_toc.yml lists these twice: {duplicates}"
    on_disk = {
        str(p.relative_to(ROOT).with_suffix("")) for p in NOTEBOOKS
    }
    missing = sorted(set(listed) - on_disk)
    unlisted = sorted(on_disk - set(listed))
    assert not missing, (
        f"_toc.yml lists files that are not notebooks in book/: {missing}"
    )
    assert not unlisted, (
        f"notebooks in book/ missing from _toc.yml: {unlisted}"
    )


def test_toc_helper_reads_nested_sections():
    toc = {
        "root": "a",
        "parts": [{"chapters": [{"file": "b", "sections": [{"file": "c"}]}]}],
    }
    assert toc_files(toc) == ["a", "b", "c"]
