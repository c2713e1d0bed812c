"""The reader's install is separate from the author's: ``pip install``
of dlbook with its reader extras is all a page needs.

Every module any notebook imports is the standard library, dlbook, or
installed by ``dlbook[book]`` (``dlbook[book,keras]`` for the pages that
compare with TensorFlow), dependencies of dependencies included; Binder
installs exactly that; the README says how.  (That a downloaded notebook
really installs dlbook through its setup cell is shown on the built site,
tests/site/test_downloaded_notebook.py.)
"""

import json
import re
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools" / "sphinxext"))
import dlbook_notebooks as dn  # noqa: E402


def _closure(extras):
    """Distributions (normalised names) that ``dlbook[extras]`` installs."""
    def norm(name):
        return re.sub(r"[-_.]+", "-", name).lower()

    seen, todo = set(), [("dlbook", tuple(extras))]
    while todo:
        name, wanted = todo.pop()
        key = norm(name)
        if (key, wanted) in seen:
            continue
        seen.add((key, wanted))
        for spec in metadata.distribution(name).requires or []:
            req = Requirement(spec)
            envs = [{"extra": e} for e in wanted] or [{"extra": ""}]
            if req.marker is None or any(req.marker.evaluate(e)
                                         for e in envs):
                try:
                    metadata.distribution(req.name)
                except metadata.PackageNotFoundError:
                    continue            # a marker for another platform
                todo.append((req.name, tuple(sorted(req.extras))))
    return {k for k, _ in seen}


def _imports(nb):
    """Top-level modules the notebook's code imports (the rule the site
    build uses for the browser copies)."""
    return {m.split(".")[0] for src in dn.code_sources(nb)
            for m in dn.imported_modules(src)}


def test_reader_extras_cover_every_import_of_every_page():
    by_module = metadata.packages_distributions()
    book = _closure(["book"])
    every = _closure(["book", "keras"])
    assert "jupyterlab" in book and "ipykernel" in book
    assert "tensorflow" in every and "tensorflow" not in book
    assert not {"jupyter-book", "playwright", "jupyterlite-core"} & every
    missing = []
    for path in dn.notebooks(ROOT):
        nb = json.loads(path.read_text(encoding="utf-8"))
        installed = every if dn.needs_tensorflow(nb) else book
        for module in sorted(_imports(nb)):
            if module in sys.stdlib_module_names or module == "dlbook":
                continue
            dists = {re.sub(r"[-_.]+", "-", d).lower()
                     for d in by_module.get(module, [])}
            if not dists & installed:
                missing.append(f"{path.relative_to(ROOT)}: {module} "
                               f"({', '.join(dists) or 'not installed'})")
    assert not missing, ("imported by a page but not installed by its "
                         "reader extras:\n" + "\n".join(missing))


def test_binder_installs_the_reader_extras_only():
    post = (ROOT / "binder" / "postBuild").read_text(encoding="utf-8")
    installs = [ln for ln in post.splitlines() if "pip install" in ln]
    assert installs == ['python -m pip install --no-cache-dir '
                        '".[book,keras]"'], installs
    assert (ROOT / "binder" / "postBuild").stat().st_mode & 0o111
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    python = runtime.removeprefix("python-")
    assert re.search(rf"^# Checked by make lock: .*\b{re.escape(python)}\b",
                     lock, re.M), runtime


def test_readme_gives_the_reader_install_next_to_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Quick start")
    section = readme[start:readme.index("\n## ", start + 1)]
    url, branch = dn.repository(ROOT / "_config.yml")
    assert "make book" in section and "make test" in section
    assert f'"dlbook[book,keras] @ git+{url}' in section
    assert "jupyter lab book/" in section
