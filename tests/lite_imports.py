"""What a JupyterLite page can import in the browser (a helper shared by
tests/test_lite_copies.py and tests/lite; not a test module).

Pyodide's packages are those of ``pyodide-lock.json`` in the npm package
``pyodide`` (``package.json`` pins the version that the installed
jupyterlite-pyodide-kernel loads from its CDN); the site's own index adds
the wheels ``dlbook_site`` builds (``SITE_WHEELS``); the kernel installs
``KERNEL_PACKAGES`` itself.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "node_modules" / "pyodide" / "pyodide-lock.json"
KERNEL_EXT = (ROOT / ".venv" / "share" / "jupyter" / "labextensions"
              / "@jupyterlite" / "pyodide-kernel-extension")
#: the wheels dlbook_site puts on the site's package index
SITE_WHEELS = ("dlbook", "ipywidgets", "jupyterlab_widgets", "comm")
#: what the Pyodide kernel installs before the first cell (its worker's
#: initPackageManager/initKernel), from Pyodide or its own index
KERNEL_PACKAGES = ("micropip", "piplite", "ipykernel", "comm",
                   "pyodide-kernel", "jedi", "ipython",
                   "widgetsnbextension")
#: modules the CPython test kernel (ipykernel, jupyter_client) imports for
#: itself while a page runs (displaying a figure, a widget); in the
#: browser pyodide_kernel does that work
CPYTHON_KERNEL = {"ipykernel", "jupyter_client", "jupyter_core", "zmq",
                  "tornado", "debugpy", "psutil", "platformdirs",
                  "matplotlib_inline", "comm", "_pydevd_bundle",
                  "pydevd_plugins"}


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pyodide_version_loaded() -> str:
    """The Pyodide version the installed jupyterlite-pyodide-kernel loads
    (its default ``pyodideUrl``)."""
    found = set()
    for js in (KERNEL_EXT / "static").glob("*.js"):
        found |= set(re.findall(r"/pyodide/v([0-9][\w.]*)/full/",
                                js.read_text("utf-8", errors="replace")))
    assert len(found) == 1, f"expected one Pyodide URL, found {found}"
    return found.pop()


@functools.cache
def lock() -> dict:
    assert LOCK.is_file(), (
        f"{LOCK} is missing: run `npm ci` (make book and make test do)")
    return json.loads(LOCK.read_text("utf-8"))


@functools.cache
def packages() -> dict[str, dict]:
    """name -> {"imports": [...], "depends": [...]}: Pyodide's packages,
    then the site's wheels (their requirements read from this
    environment's metadata)."""
    found = {norm(k): {"imports": v.get("imports", []),
                       "depends": [norm(d) for d in v.get("depends", [])]}
             for k, v in lock()["packages"].items()}
    for name in SITE_WHEELS:
        dist = metadata.distribution(name)
        reqs = [r for r in dist.requires or [] if "extra ==" not in r]
        top = (dist.read_text("top_level.txt") or name).split()
        found[norm(name)] = {
            "imports": top,
            "depends": [norm(re.match(r"[\w.-]+", r).group()) for r in reqs]}
    found.setdefault("comm", {"imports": ["comm"], "depends": []})
    found.setdefault("pyodide-kernel",
                     {"imports": ["pyodide_kernel"], "depends": []})
    found.setdefault("piplite", {"imports": ["piplite"], "depends": []})
    found.setdefault("widgetsnbextension",
                     {"imports": ["widgetsnbextension"], "depends": []})
    found.setdefault("ipykernel", {"imports": ["ipykernel"],
                                   "depends": ["comm", "ipython"]})
    return found


def package_of(module: str) -> str | None:
    for name, info in packages().items():
        if module in info["imports"]:
            return name
    return None


def closure(names) -> set[str]:
    """The packages ``names`` bring with them (dependencies followed)."""
    todo, seen = [norm(n) for n in names], set()
    while todo:
        name = todo.pop()
        if name in seen or name not in packages():
            continue
        seen.add(name)
        todo += packages()[name]["depends"]
    return seen


def modules_of(names) -> set[str]:
    return {m for n in closure(names) for m in packages()[n]["imports"]}


def allowed_modules() -> set[str]:
    """Every top-level module a page may import in the browser."""
    return set(sys.stdlib_module_names) | modules_of(packages())


def kernel_modules() -> set[str]:
    return CPYTHON_KERNEL | modules_of(KERNEL_PACKAGES)


@functools.cache
def dlbook_imports() -> set[str]:
    """Top-level modules dlbook's code imports (anywhere, lazily too),
    dlbook.twins left out: what a page may reach through dlbook."""
    import ast

    found = set()
    for path in (ROOT / "dlbook").rglob("*.py"):
        if path.name == "twins.py":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module \
                    and not node.level:
                found.add(node.module.split(".")[0])
    return found


def browser_modules(cell_imports, installed) -> set[str]:
    """The modules a page has in the browser: the standard library, the
    kernel's packages, what its cells import (the kernel loads those from
    Pyodide) and what its install cell installs, each with its
    dependencies."""
    direct = {package_of(m.split(".")[0]) for m in cell_imports} - {None}
    return (set(sys.stdlib_module_names) | kernel_modules()
            | modules_of(direct | set(installed)))
