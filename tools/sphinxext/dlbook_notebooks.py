"""What every notebook of the book carries so that it runs wherever it is
opened: the setup cell, and the rule that says which cells need TensorFlow.

A reader may open a page as a downloaded ``.ipynb``, on Colab or Binder, or
live in the browser (JupyterLite).  Each notebook with code therefore has,
right after its title cell, the **setup cell** below: it does nothing where
``dlbook`` is importable (a clone after ``make book``, Binder, the site
build) and otherwise installs ``dlbook`` with the reader extras from the
repository that ``_config.yml`` names (``repository.url`` and ``branch``),
or from ``$DLBOOK_SOURCE`` when that is set: a URL that pip accepts
after ``dlbook @``, such as ``file:///path/to/checkout`` or a wheel's
``file://`` URL, as the tests do (a bare path is rejected by pip).
The JupyterLite copy of a page gets another first cell,
``%pip install`` from the site's own package index (``dlbook_site``).

The cell is generated, never typed:
``python tools/sphinxext/dlbook_notebooks.py`` writes it into every
notebook from ``_config.yml``, and
``tests/test_setup_cells.py`` fails when a notebook's cell differs from the
generated one, so the repository is named in ``_config.yml`` only.

Used by ``dlbook_site`` (the site build) and the tests.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BOOK_DIR = "book"
#: the setup cell's id: how the site build and the tests find it
SETUP_ID = "dlbook-setup"
#: the tag of a cell that needs TensorFlow (imports it, Keras or
#: dlbook.twins, or uses what such a cell made); the JupyterLite copy of a
#: page replaces these cells by a note
TF_TAG = "tensorflow"

TF_IMPORT = re.compile(
    r"^\s*(?:import|from)\s+(?:tensorflow|keras)\b"
    r"|dlbook\.twins|from\s+dlbook\s+import\s+[^\n]*\btwins\b",
    re.MULTILINE,
)


#: the id of the JupyterLite copy's first cell, which installs what the page
#: needs from the site's package index (it replaces the setup cell)
INSTALL_ID = "dlbook-lite-install"
#: a lite copy runs in the browser (and its page gets the link) when it
#: keeps at least this many code cells that teach (not the install cell)
MIN_LITE_CELLS = 2
#: what a lite copy installs with %pip beyond what its cells import (the
#: Pyodide kernel loads a cell's own imports by itself, not those made
#: inside dlbook): (modules a kept cell imports, names its code uses) ->
#: package.  dlbook and ipywidgets come from the site's index, the others
#: from the Pyodide distribution.
LITE_PACKAGES = (
    ({"dlbook"}, set(), "dlbook"),
    ({"ipywidgets", "dlbook.widgets"}, set(), "ipywidgets"),
    ({"dlbook.plots", "dlbook.widgets"}, set(), "matplotlib"),
    (set(), {"load_digits"}, "scikit-learn"),
)

_MAGIC = re.compile(r"^(\s*)[%!].*$", re.MULTILINE)
_IMPORT_LINE = re.compile(
    r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", re.MULTILINE)


def imported_modules(source: str) -> set[str]:
    """Modules a cell's code imports (``from a import b`` gives ``a`` and
    ``a.b``), found by ``ast`` (IPython magics skipped), or by a regex
    where the cell does not parse."""
    import ast

    try:
        tree = ast.parse(_MAGIC.sub(r"\1pass", source))
    except SyntaxError:
        return {a or b for a, b in _IMPORT_LINE.findall(source)}
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module \
                and not node.level:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def repository(config_path: Path | None = None) -> tuple[str, str]:
    """(url, branch) of ``repository:`` in ``_config.yml``."""
    config = yaml.safe_load(
        (config_path or ROOT / "_config.yml").read_text(encoding="utf-8"))
    repo = config["repository"]
    return repo["url"].rstrip("/"), repo.get("branch", "main")


def code_sources(nb: dict) -> list[str]:
    return ["".join(c.get("source", "")) for c in nb.get("cells", [])
            if c.get("cell_type") == "code"]


def needs_tensorflow(nb: dict) -> bool:
    """Whether any code cell of the notebook imports TensorFlow/Keras."""
    return any(TF_IMPORT.search(s) for s in code_sources(nb)
               if not s.lstrip().startswith("# Setup:"))


def needs_tf(cell: dict) -> bool:
    """Whether a cell carries the ``tensorflow`` tag."""
    return TF_TAG in cell.get("metadata", {}).get("tags", [])


def lite_packages(cells: list[dict]) -> list[str]:
    """What the install cell of a lite copy made of ``cells`` installs."""
    sources = code_sources({"cells": cells})
    modules = set().union(*map(imported_modules, sources)) if sources \
        else set()
    words = set(re.findall(r"\w+", "\n".join(sources)))
    return [pkg for mods, names, pkg in LITE_PACKAGES
            if modules & mods or words & names]


def lite_install_cell(cells: list[dict]) -> dict | None:
    """The first cell of a lite copy: ``%pip install`` of what its kept
    cells need (None where they need nothing)."""
    packages = lite_packages(cells)
    if not packages:
        return None
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": INSTALL_ID,
        "metadata": {},
        "outputs": [],
        "source": [
            "# JupyterLite only: install what this page uses. dlbook and "
            "ipywidgets come\n",
            "# from the site's own package index, the rest from Pyodide's "
            "CDN; the cell\n",
            "# is not in the book's notebook.\n",
            "%pip install -q " + " ".join(packages),
        ],
    }


_TF_CALL = re.compile(r"\b(?:tf|keras|twins)\.")


def _what_it_does(source: str) -> str:
    """A cell's first comment line, or what its code shows: imports only,
    direct TensorFlow/Keras calls, or neither (it uses what a TensorFlow
    cell made)."""
    lines = [ln.strip() for ln in source.splitlines() if ln.strip()]
    if lines and lines[0].startswith("#"):
        text = lines[0].lstrip("#").strip().rstrip(".:")
        if text:
            return text[0].upper() + text[1:]
    if all(re.match(r"(?:import|from)\s", ln) for ln in lines):
        return "Imports TensorFlow and Keras for this page's comparisons"
    if TF_IMPORT.search(source) or _TF_CALL.search(source):
        return "Runs TensorFlow/Keras code (shown below)"
    return "Uses what a TensorFlow cell above made"


def tf_note(cell: dict) -> dict:
    """The markdown note that replaces a TensorFlow cell in a lite copy:
    what the cell does, why it is not run, where to run it, its code."""
    source = "".join(cell.get("source", "")).rstrip()
    fence = "```"
    while fence in source:
        fence += "`"
    return {
        "cell_type": "markdown",
        "id": cell.get("id", "tf") + "-note",
        "metadata": {},
        "source": (
            f"> **Needs TensorFlow, skipped here.** {_what_it_does(source)}."
            "\n> TensorFlow does not run in the browser (Pyodide), so this "
            "copy of the page\n> shows the cell without running it; the "
            "cells that run here do not need it.\n> To run it, open the page "
            "in Jupyter, Colab or Binder (the launch\n> buttons of the "
            "book's website); the website shows its output.\n\n"
            f"{fence}python\n{source}\n{fence}"
        ).splitlines(True),
    }


def lite_copy(nb: dict) -> dict:
    """The JupyterLite copy of a notebook: the setup cell replaced by the
    install cell (dropped where nothing is installed), every
    ``tensorflow``-tagged cell replaced by its note, every other cell kept
    (outputs cleared)."""
    cells = []
    for cell in nb.get("cells", []):
        if cell.get("id") == SETUP_ID:
            continue
        if cell.get("cell_type") == "code" and needs_tf(cell):
            cells.append(tf_note(cell))
            continue
        if cell.get("cell_type") == "code":
            cell = {**cell, "outputs": [], "execution_count": None}
        cells.append(cell)
    install = lite_install_cell(cells)
    at = next((i for i, c in enumerate(nb.get("cells", []))
               if c.get("id") == SETUP_ID), None)
    if install is not None:
        cells.insert(at if at is not None else 0, install)
    return {**nb, "cells": cells}


def teaching_cells(lite: dict) -> int:
    """Code cells of a lite copy other than its install cell."""
    return sum(c.get("cell_type") == "code" and c.get("id") != INSTALL_ID
               for c in lite.get("cells", []))


def runs_in_browser(nb: dict) -> bool:
    """Whether a notebook gets a JupyterLite copy (and its page the "run in
    your browser" link): its lite copy keeps at least ``MIN_LITE_CELLS``
    code cells that teach.  ``metadata.dlbook.lite`` (true/false)
    overrides the rule."""
    forced = nb.get("metadata", {}).get("dlbook", {}).get("lite")
    if forced is not None:
        return bool(forced)
    return teaching_cells(lite_copy(nb)) >= MIN_LITE_CELLS


def setup_source(url: str, branch: str, keras: bool) -> str:
    extras = "book,keras" if keras else "book"
    return (
        "# Setup: installs dlbook where it is missing (a downloaded copy,\n"
        "# Colab); does nothing where it is installed. Hidden on the site.\n"
        "import importlib.util\n"
        "\n"
        'if importlib.util.find_spec("dlbook") is None:\n'
        "    import os\n"
        '    DLBOOK_SOURCE = os.environ.get("DLBOOK_SOURCE",\n'
        f'                                   "git+{url}@{branch}")\n'
        f'    %pip install -q "dlbook[{extras}] @ {{DLBOOK_SOURCE}}"\n'
        "    importlib.invalidate_caches()"
    )


def setup_cell(nb: dict, url: str, branch: str) -> dict:
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": SETUP_ID,
        "metadata": {"tags": ["hide-cell"]},
        "outputs": [],
        "source": setup_source(url, branch, needs_tensorflow(nb))
        .splitlines(True),
    }


def with_setup_cell(nb: dict, url: str, branch: str) -> dict:
    """The notebook with its setup cell (replaced, or inserted after the
    first cell); a notebook without code is returned unchanged."""
    cells = [c for c in nb["cells"] if c.get("id") != SETUP_ID]
    if not any(c["cell_type"] == "code" for c in cells):
        return nb
    at = 1 if cells and cells[0]["cell_type"] == "markdown" else 0
    cells.insert(at, setup_cell({"cells": cells}, url, branch))
    return {**nb, "cells": cells}


def notebooks(root: Path = ROOT) -> list[Path]:
    return sorted(p for p in (root / BOOK_DIR).rglob("*.ipynb")
                  if ".ipynb_checkpoints" not in p.parts)


def write_setup_cells(root: Path = ROOT) -> list[Path]:
    """Write the setup cell into every notebook; returns those changed."""
    url, branch = repository(root / "_config.yml")
    changed = []
    for path in notebooks(root):
        text = path.read_text(encoding="utf-8")
        nb = json.loads(text)
        new = json.dumps(with_setup_cell(nb, url, branch), indent=1,
                         ensure_ascii=False) + "\n"
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


if __name__ == "__main__":
    done = write_setup_cells()
    print(f"setup cell written into {len(done)} notebook(s)")
    sys.exit(0)
