"""requirements.lock: the environment is exactly the lock, the lock the ranges.

``make book`` / ``make test`` install requirements.lock with ``uv pip sync``
(and dlbook editable on top); ``make lock`` re-resolves it. These tests fail
when the running environment differs from the lock in any package or
version, when the lock no longer satisfies requirements.txt or
pyproject.toml (edited without ``make lock``), and when the README's Python
range is not the one ``make lock`` checked.
"""

import importlib.metadata
import json
import re
import sys
import sysconfig
from pathlib import Path
from urllib.parse import unquote, urlparse

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
FIX = "`rm .venv/.installed; make unit` re-installs .venv from the lock"


def lock_entries(text):
    """``[(name, version, marker or None, hashes)]`` of a uv lock text."""
    entries = []
    for block in re.split(r"\n(?=\S)", text):
        if block.startswith("#") or not block.strip():
            continue
        head = block.split("\\", 1)[0].strip()
        m = re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+)(?:\s*;\s*(.+))?", head)
        if m is None:
            raise ValueError(
                "expected 'name==version [; marker]' in requirements.lock, "
                f"received: line={head!r}"
            )
        name, version, marker = m.groups()
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", block)
        entries.append((canonicalize_name(name), version, marker, hashes))
    return entries


def pins_for_this_python(entries):
    """``{name: version}`` of the entries whose marker holds here."""
    pins = {}
    for name, version, marker, _ in entries:
        if marker is None or Marker(marker).evaluate():
            if name in pins and pins[name] != version:
                raise ValueError(
                    f"expected one pin per package here, received: "
                    f"{name}=={pins[name]} and {name}=={version}"
                )
            pins[name] = version
    return pins


def installed_distributions():
    """``{name: Distribution}`` of this environment's site-packages."""
    paths = sorted({sysconfig.get_path("purelib"),
                    sysconfig.get_path("platlib")})
    found = {}
    for dist in importlib.metadata.distributions(path=paths):
        found.setdefault(canonicalize_name(dist.metadata["Name"]), dist)
    return found


def environment_differences(pins, installed):
    """Lines naming every package missing, extra or at another version."""
    problems = []
    for name, version in sorted(pins.items()):
        dist = installed.get(name)
        if dist is None:
            problems.append(f"missing: {name}=={version}")
        elif Version(dist.version) != Version(version):
            problems.append(
                f"{name}: locked {version}, installed {dist.version}"
            )
    for name in sorted(set(installed) - set(pins) - {"dlbook"}):
        problems.append(
            f"not in the lock: {name}=={installed[name].version}"
        )
    return problems


def test_lock_parses_and_every_entry_has_hashes():
    entries = lock_entries(LOCK.read_text(encoding="utf-8"))
    assert len(entries) > 100, f"only {len(entries)} entries in the lock"
    no_hash = [f"{n}=={v}" for n, v, _, hashes in entries if not hashes]
    assert not no_hash, f"entries without --hash: {no_hash}"
    names = {name for name, *_ in entries}
    # the tools that install and build are locked like everything else
    for name in ("tensorflow", "keras", "jupyter-book", "pip", "setuptools",
                 "uv"):
        assert name in names, f"{name} is not in requirements.lock"


def test_environment_is_exactly_the_lock():
    pins = pins_for_this_python(
        lock_entries(LOCK.read_text(encoding="utf-8")))
    problems = environment_differences(pins, installed_distributions())
    assert not problems, (
        f"{sys.prefix} differs from requirements.lock "
        f"({len(problems)}):\n  " + "\n  ".join(problems) + f"\n{FIX}"
    )


def test_dlbook_is_this_checkout_installed_editable():
    dist = installed_distributions().get("dlbook")
    assert dist is not None, f"dlbook is not installed in {sys.prefix}"
    project = tomllib.loads(
        (ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert dist.version == project["version"]
    direct = json.loads(dist.read_text("direct_url.json") or "{}")
    assert direct.get("dir_info", {}).get("editable"), (
        f"dlbook is installed but not editable: {direct}"
    )
    where = Path(unquote(urlparse(direct["url"]).path)).resolve()
    assert where == ROOT, f"dlbook is installed from {where}, not {ROOT}"


def test_differences_are_reported():
    # the comparison itself: a wrong version, a missing and an extra package
    text = (
        "aaa==1.0 \\\n    --hash=sha256:" + "0" * 64 + "\n"
        "bbb==2.0 ; python_version < '3' \\\n    --hash=sha256:"
        + "1" * 64 + "\n"
        "bbb==2.1 ; python_version >= '3' \\\n    --hash=sha256:"
        + "2" * 64 + "\n    # via aaa\n"
        "ccc==3.0 \\\n    --hash=sha256:" + "3" * 64 + "\n"
    )
    pins = pins_for_this_python(lock_entries(text))
    assert pins == {"aaa": "1.0", "bbb": "2.1", "ccc": "3.0"}

    class Dist:
        def __init__(self, version):
            self.version = version

    installed = {"aaa": Dist("1.0"), "bbb": Dist("2.0"), "ddd": Dist("4"),
                 "dlbook": Dist("0.1.0")}
    assert environment_differences(pins, installed) == [
        "bbb: locked 2.1, installed 2.0",
        "missing: ccc==3.0",
        "not in the lock: ddd==4",
    ]


def _ranges():
    """Requirements of requirements.txt and of pyproject (+ book, keras)."""
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    reqs = [Requirement(line.split("#", 1)[0].strip())
            for line in lines.splitlines()
            if line.split("#", 1)[0].strip()]
    project = tomllib.loads(
        (ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    for spec in project["dependencies"] + extras["book"] + extras["keras"]:
        reqs.append(Requirement(spec))
    return reqs


def test_lock_satisfies_requirements_txt_and_pyproject():
    entries = lock_entries(LOCK.read_text(encoding="utf-8"))
    stale = []
    for req in _ranges():
        name = canonicalize_name(req.name)
        versions = [v for n, v, _, _ in entries if n == name]
        if not versions:
            stale.append(f"{req} is not in the lock")
        stale += [f"{req} but the lock pins {name}=={v}" for v in versions
                  if not req.specifier.contains(v, prereleases=True)]
    assert not stale, (
        "requirements.lock is stale (run `make lock`):\n  "
        + "\n  ".join(stale)
    )


def test_readme_python_range_is_the_one_make_lock_checked():
    head = LOCK.read_text(encoding="utf-8").split("\n", 1)[0]
    m = re.fullmatch(r"# Checked by make lock: installs from wheels on "
                     r"Python ((?:3\.\d+ ?)+)", head)
    assert m, f"requirements.lock lacks make lock's header: {head!r}"
    checked = m.group(1).split()
    minors = [int(v.split(".")[1]) for v in checked]
    assert minors == list(range(minors[0], minors[-1] + 1)), checked
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    stated = re.search(r"## Quick start \(Python (3\.\d+)-(3\.\d+)\)", readme)
    assert stated, "README's quick start heading lacks its Python range"
    assert list(stated.groups()) == [checked[0], checked[-1]], (
        f"README says Python {'-'.join(stated.groups())}, "
        f"make lock checked {checked}"
    )
    project = tomllib.loads(
        (ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == f">={checked[0]}"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(rf"^LOCK_PYTHONS\s*:=\s*{' '.join(checked)}\s*$",
                     makefile, re.M), "Makefile's LOCK_PYTHONS differ"
    here = "%d.%d" % sys.version_info[:2]
    assert here in checked, f"this Python {here} is outside {checked}"
