"""What every notebook of the book carries so that it runs wherever it is
opened: the setup cell, and the rule that says which cells need TensorFlow.

A reader may open a page as a downloaded ``.ipynb``, on Colab or Binder, or
live in the browser (JupyterLite).  Each notebook with code therefore has,
right after its title cell, the **setup cell** below: it does nothing where
``dlbook`` is importable (a clone after ``make book``, Binder, the site
build) and otherwise installs ``dlbook`` with the reader extras from the
repository that ``_config.yml`` names (``repository.url`` and ``branch``),
or from ``$DLBOOK_SOURCE`` when that is set (a local checkout or wheel, as
the tests do).  The JupyterLite copy of a page gets another first cell,
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
