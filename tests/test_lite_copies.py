"""The JupyterLite copies of the pages: every cell that needs TensorFlow is
tagged (the copy replaces it by a note), what the copies import is in the
Pyodide release the pinned jupyterlite-pyodide-kernel loads (or on the
site's own index), and the share of pages that run in the browser.

The copies themselves run in tests/lite (slow: ``make notebooks``).
"""

import json
import sys
from pathlib import Path

import pytest
from booktoc import toc_files
from lite_imports import LOCK, allowed_modules, pyodide_version_loaded

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools" / "sphinxext"))
import dlbook_notebooks as dn  # noqa: E402

NOTEBOOKS = dn.notebooks(ROOT)
IDS = [p.relative_to(ROOT).as_posix() for p in NOTEBOOKS]


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_tensorflow_cell_is_tagged(path):
    untagged = [
        "".join(c["source"]).splitlines()[0]
        for c in load(path)["cells"]
        if c["cell_type"] == "code" and c.get("id") != dn.SETUP_ID
        and dn.TF_IMPORT.search("".join(c["source"])) and not dn.needs_tf(c)]
    assert not untagged, (
        f"{path.name}: cells import TensorFlow/Keras/dlbook.twins without "
        f"the {dn.TF_TAG!r} tag: {untagged}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_lite_copy_keeps_every_other_cell(path):
    nb = load(path)
    lite = dn.lite_copy(nb)
    kept = [c for c in nb["cells"] if c.get("id") != dn.SETUP_ID]
    body = [c for c in lite["cells"] if c.get("id") != dn.INSTALL_ID]
    assert len(body) == len(kept)
    for old, new in zip(kept, body):
        if old["cell_type"] == "code" and dn.needs_tf(old):
            text = "".join(new["source"])
            assert new["cell_type"] == "markdown"
            assert "TensorFlow" in text and "Colab" in text
            assert "".join(old["source"]).rstrip() in text
        else:
            assert new["source"] == old["source"]
    assert not any(dn.TF_IMPORT.search(s) for s in dn.code_sources(lite))


def test_pyodide_lock_is_the_version_the_kernel_loads():
    pinned = json.loads((ROOT / "package.json").read_text())[
        "devDependencies"]["pyodide"]
    installed = json.loads(
        (LOCK.parent / "package.json").read_text())["version"]
    assert pinned == installed == pyodide_version_loaded()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_lite_copy_imports_only_what_pyodide_has(path):
    nb = load(path)
    if not dn.runs_in_browser(nb):
        return
    lite = dn.lite_copy(nb)
    tops = {m.split(".")[0] for s in dn.code_sources(lite)
            for m in dn.imported_modules(s)}
    missing = sorted(tops - allowed_modules())
    assert not missing, (
        f"{path.name}: the browser copy imports {missing}: not in Pyodide "
        f"{pyodide_version_loaded()} nor on the site's index")


def test_share_of_pages_that_run_in_the_browser(capsys):
    pages = toc_files()
    lite = [d for d in pages if dn.runs_in_browser(
        load(ROOT / f"{d}.ipynb"))]
    without = [d for d in pages if d not in lite]
    with capsys.disabled():
        print(f"\nrun in your browser: {len(lite)} of {len(pages)} pages; "
              f"without: {', '.join(without)}")
    assert len(lite) >= 20
