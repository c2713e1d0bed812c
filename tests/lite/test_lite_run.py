"""Every JupyterLite copy of a page runs to the end in CPython with
TensorFlow made unimportable, and every module it imports is one the
browser's Pyodide has (its distribution, the site's package index or the
kernel).

Slow (a kernel per page): ``make notebooks`` runs it, ``make unit`` does
not.  A copy is what the site serves (``dlbook_notebooks.lite_copy``): the
setup cell replaced by the install cell, each ``tensorflow``-tagged cell by
a note.  A first injected cell blocks ``tensorflow``/``keras`` (an import
raises ImportError) and turns ``%pip`` into a recorder, since JupyterLite's
``%pip`` installs from the site and Pyodide, not from PyPI; a last one
reports the modules the page imported.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "sphinxext"))
import dlbook_notebooks as dn  # noqa: E402
from lite_imports import (  # noqa: E402
    browser_modules, dlbook_imports)

CELL_TIMEOUT_S = 120
# the kernels inherit these: quiet, one BLAS thread (two pages run at once)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("OMP_NUM_THREADS", "1")

BLOCK_TF = '''\
import sys
sys.modules.update(dict.fromkeys(["tensorflow", "keras", "tf_keras"]))
from IPython.core.magic import register_line_magic
_lite_pip = []


@register_line_magic
def pip(line):
    """JupyterLite's %pip installs from the site and Pyodide: record it."""
    _lite_pip.extend(line.split())


del pip
_lite_before = set(sys.modules)
'''
REPORT = '''\
import json as _json
print("LITE-REPORT " + _json.dumps({
    "pip": _lite_pip,
    "modules": sorted({m.split(".")[0] for m in set(sys.modules)
                       - _lite_before}),
}))
'''


def _code(cid: str, source: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": cid,
            "metadata": {}, "outputs": [], "source": source}


def staged() -> list[Path]:
    """The notebooks the site copies to JupyterLite."""
    return [p for p in dn.notebooks(ROOT)
            if dn.runs_in_browser(json.loads(p.read_text("utf-8")))]


def run_lite_copy(path: Path):
    """Execute the lite copy of ``path`` (a failed cell raises); return
    its report (the modules it imported, what it asked pip for) or None
    where the copy did not reach its end."""
    import nbformat
    from nbclient import NotebookClient

    lite = dn.lite_copy(json.loads(path.read_text("utf-8")))
    lite["cells"] = ([_code("lite-block-tf", BLOCK_TF)] + lite["cells"]
                     + [_code("lite-report", REPORT)])
    nb = nbformat.reads(json.dumps(lite), as_version=4)
    client = NotebookClient(
        nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    report = None
    for out in nb.cells[-1].get("outputs", []):
        for line in out.get("text", "").splitlines():
            if line.startswith("LITE-REPORT "):
                report = json.loads(line[len("LITE-REPORT "):])
    return report


STAGED = staged()


def test_some_pages_run_in_the_browser():
    assert len(STAGED) >= 20, [p.name for p in STAGED]


@pytest.mark.parametrize("path", STAGED,
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_lite_copy_runs_without_tensorflow(path):
    report = run_lite_copy(path)
    assert report is not None, f"{path.name}: the copy did not reach its end"
    # its duration (the 60 s budget) is reported by pytest's --durations,
    # not asserted: the machines are shared and noisy
    imported = set(report["modules"])
    assert not imported & {"tensorflow", "keras", "tf_keras"}
    lite = dn.lite_copy(json.loads(path.read_text("utf-8")))
    wanted = dn.lite_packages(lite["cells"])
    asked = [w for w in report["pip"] if not w.startswith("-")][1:]
    assert asked == wanted, "the install cell differs from lite_packages"
    # every module the page imported is there in the browser: Pyodide
    # loads a cell's own imports, the install cell the rest
    cell_imports = set().union(*map(dn.imported_modules,
                                    dn.code_sources(lite)))
    # (the modules the page or dlbook imports; a package's own imports
    # are its Pyodide build's business, and CPython's differ)
    ours = {m.split(".")[0] for m in cell_imports} | dlbook_imports()
    missing = sorted(imported & ours
                     - browser_modules(cell_imports, wanted))
    assert not missing, (
        f"{path.name}: imports {missing}, which the browser would not "
        "have (not in Pyodide's distribution or the site's index, or not "
        "imported by a cell nor installed by the install cell)")
