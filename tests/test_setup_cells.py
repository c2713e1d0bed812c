"""Every notebook with code starts (after its title cell) with the setup
cell generated from ``_config.yml``: it installs dlbook where it is missing
(a downloaded copy, Colab) and does nothing where it is installed."""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools" / "sphinxext"))
import dlbook_notebooks as dn  # noqa: E402

NOTEBOOKS = dn.notebooks(ROOT)


@pytest.mark.parametrize("path", NOTEBOOKS,
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_setup_cell_is_the_generated_one(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    url, branch = dn.repository(ROOT / "_config.yml")
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    if not code:
        return                                   # nothing to set up
    first = code[0]
    assert first.get("id") == dn.SETUP_ID, (
        f"{path.name}: the first code cell is not the setup cell; run "
        "python tools/sphinxext/dlbook_notebooks.py")
    expected = dn.setup_cell(nb, url, branch)
    assert "".join(first["source"]) == "".join(expected["source"]), (
        f"{path.name}: the setup cell differs from the one generated from "
        "_config.yml; run python tools/sphinxext/dlbook_notebooks.py")
    assert first["metadata"].get("tags") == ["hide-cell"]
    assert sum(c.get("id") == dn.SETUP_ID for c in nb["cells"]) == 1


def test_the_repository_is_named_only_in_config():
    url, _ = dn.repository(ROOT / "_config.yml")
    src = "".join(dn.setup_source(url, "main", False))
    assert f"git+{url}@main" in src
    other = dn.setup_source("https://example.org/x/y", "dev", True)
    assert "git+https://example.org/x/y@dev" in other
    assert "dlbook[book,keras]" in other and "dlbook[book]" in src


def test_setup_cell_does_nothing_where_dlbook_is_installed(tmp_path):
    """Run as IPython would (the %pip line transformed): with dlbook
    importable the cell must not reach pip."""
    from IPython.core.inputtransformer2 import TransformerManager
    url, branch = dn.repository(ROOT / "_config.yml")
    code = TransformerManager().transform_cell(
        dn.setup_source(url, branch, False))
    calls = []

    class Shell:
        def run_line_magic(self, name, line):
            calls.append((name, line))

    exec(compile(code, "setup", "exec"), {"get_ipython": lambda: Shell()})
    assert calls == []
    # and with dlbook hidden it calls %pip with the repository
    import importlib.util
    real = importlib.util.find_spec
    try:
        importlib.util.find_spec = lambda name, *a: (
            None if name == "dlbook" else real(name, *a))
        exec(compile(code, "setup", "exec"),
             {"get_ipython": lambda: Shell()})
    finally:
        importlib.util.find_spec = real
    assert calls and calls[0][0] == "pip"
    assert "dlbook[book] @ {DLBOOK_SOURCE}" in calls[0][1]


def test_every_install_command_names_the_configured_repository():
    """Where a page or the README spells the reader's install out, it is
    the repository and branch of _config.yml."""
    import re
    url, branch = dn.repository(ROOT / "_config.yml")
    texts = {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8")
             for p in [*NOTEBOOKS, ROOT / "README.md"]}
    found = 0
    for name, text in texts.items():
        for ref in re.findall(r"git\+(https://[^\s\"'@`]+)@([\w.-]+)", text):
            found += 1
            assert ref == (url, branch), f"{name}: {ref}"
    assert found > len(NOTEBOOKS) // 2
