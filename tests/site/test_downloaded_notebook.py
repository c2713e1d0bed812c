"""A notebook downloaded from the built site runs outside the repository.

What a reader gets from a page's download button is copied out of the
site, into a fresh virtual environment that has the reader's other
packages (the ``dlbook[book]`` extras at the lock's versions, and pytest
with nbval to run it) but not dlbook.  Its setup cell must install dlbook
itself, from ``$DLBOOK_SOURCE``: here the site's wheel of this checkout
(the one JupyterLite serves) standing in for the repository, with pip
forbidden to reach any index; then every cell must pass nbval.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path


from sitecheck import ROOT

#: a NumPy page with figures: its setup cell installs dlbook[book]
PAGE = "book/ch08_outlook/04_graph_networks"


def _run(cmd, **kw):
    done = subprocess.run([str(c) for c in cmd], capture_output=True,
                          text=True, **kw)
    assert done.returncode == 0, (
        f"{' '.join(map(str, cmd))} failed:\n{done.stdout[-3000:]}\n"
        f"{done.stderr[-3000:]}")
    return done.stdout


def _reader_requirements():
    """The distributions dlbook[book] requires (its installed metadata)."""
    names = [re.split(r"[<>=!;\[ ]", r, maxsplit=1)[0]
             for r in metadata.distribution("dlbook").requires or []
             if re.search(r"extra\s*==\s*.book.", r)]
    assert names, "dlbook's metadata lists no [book] extras"
    return names


def test_downloaded_notebook_installs_dlbook_and_runs(site_dir, tmp_path):
    html = (site_dir / f"{PAGE}.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]*_sources/[^"]*\.ipynb)"', html)
    assert links, f"{PAGE}: no .ipynb download link"
    source = (site_dir / PAGE).parent / links[0]
    reader = tmp_path / "downloads"
    reader.mkdir()
    notebook = Path(shutil.copy(source.resolve(), reader))

    # the reader's environment: a fresh venv that sees the packages of
    # .venv (the lock's versions, offline) through a .pth line; dlbook's
    # editable install is not among them (its own .pth files are only
    # read in .venv itself)
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    purelib = _run([python, "-c", "import sysconfig; "
                    "print(sysconfig.get_paths()['purelib'])"]).strip()
    theirs = [p for p in sys.path if p.endswith("site-packages")
              and Path(p).is_relative_to(ROOT / ".venv")]
    assert theirs, sys.path
    Path(purelib, "reader-packages.pth").write_text(theirs[0] + "\n")
    for name in _reader_requirements():
        _run([python, "-c", f"from importlib import metadata; "
              f"metadata.distribution({name!r})"])
    found = subprocess.run([python, "-c", "import dlbook"],
                           capture_output=True, cwd=reader)
    assert found.returncode != 0, "dlbook is already in the fresh venv"

    # the stand-in for the repository: the wheel of this checkout that
    # the site build made (and JupyterLite serves)
    wheel = next((site_dir / "lite" / "pypi").glob("dlbook-*.whl"), None)
    assert wheel is not None, "the site serves no dlbook wheel"

    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "JUPYTER_PATH")}
    env.update(DLBOOK_SOURCE=wheel.as_uri(), PIP_NO_INDEX="1",
               PIP_DISABLE_PIP_VERSION_CHECK="1",
               JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"),
               PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    out = _run([python, "-m", "pytest", "--nbval-lax", "-q",
                "-p", "no:cacheprovider", notebook.name],
               cwd=reader, env=env)
    assert re.search(r"\d+ passed", out) and "failed" not in out, out

    where = _run([python, "-c", "import dlbook; print(dlbook.__file__)"],
                 cwd=reader, env=env).strip()
    assert Path(where).is_relative_to(venv), (
        f"dlbook was imported from {where}, not installed into the venv")
