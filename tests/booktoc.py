"""The book's pages in reading order, read from ``_toc.yml`` (a helper
shared by the notebook checks and the site tests; not a test module)."""

from pathlib import Path

import yaml

TOC = Path(__file__).resolve().parents[1] / "_toc.yml"


def toc_files(toc=None):
    """Every ``file:`` entry of a jb-book ``_toc.yml``, root first, in
    reading order, following nested ``sections`` and ``chapters``.

    ``toc`` is the parsed YAML; by default the project's ``_toc.yml``.
    """
    if toc is None:
        toc = yaml.safe_load(TOC.read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return files
