"""How to cite the book and the package: ``dlbook.citation()``.

The reference is formatted from the repository's ``CITATION.cff``, the file
GitHub's "Cite this repository" button and Zenodo read, so the book, GitHub
and Zenodo give the same reference.  The package carries the file's contents
in ``dlbook/_cff.py`` (written by ``tools/update_citation.py``, checked by
``tests/test_project_files.py``), so the citation also works where the
repository is not at hand: an installed wheel, JupyterLite, Colab.
"""

from __future__ import annotations

from ._cff import CFF

STYLES = ("text", "bibtex")
WORKS = ("book", "package")


def citation(style="text", *, work="book"):
    """The reference to the book (or the package), as a string.

    Parameters
    ----------
    style : {"text", "bibtex"}
        ``"text"``: one line to paste into a reference list;
        ``"bibtex"``: an entry for a ``.bib`` file.
    work : {"book", "package"}
        ``"book"``: the book (``preferred-citation`` of ``CITATION.cff``);
        ``"package"``: the software release of the ``dlbook`` package (the
        top-level fields).

    Returns
    -------
    str
        The reference; printing it shows it as it should be pasted.

    Examples
    --------
    >>> import dlbook
    >>> dlbook.citation().startswith("The dlbook authors (2026).")
    True
    >>> dlbook.citation("bibtex").splitlines()[0]
    '@book{dlbook2026,'

    Taught in: the preface, "How to cite this book".
    """
    if style not in STYLES:
        raise ValueError(
            f"expected style to be one of {STYLES}, received: style={style!r}"
        )
    if work not in WORKS:
        raise ValueError(
            f"expected work to be one of {WORKS}, received: work={work!r}"
        )
    entry = CFF["preferred-citation"] if work == "book" else CFF
    if style == "text":
        return _text(entry, work)
    return _bibtex(entry, work)


def _person(author, *, bibtex=False):
    """An author of CITATION.cff: an entity (``name``) or a person."""
    if "name" in author:
        # braces keep BibTeX from reading an organisation as a person
        return "{" + author["name"] + "}" if bibtex else author["name"]
    given = author.get("given-names", "")
    family = " ".join(
        part for part in (author.get("name-particle"),
                          author.get("family-names")) if part
    )
    if bibtex:
        return f"{family}, {given}" if given else family
    return f"{given} {family}".strip()


def _authors_text(authors):
    names = [_person(a) for a in authors]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _year(entry):
    if "year" in entry:
        return str(entry["year"])
    if "date-released" in entry:
        return str(entry["date-released"])[:4]
    return None


def _url(entry):
    return entry.get("url") or entry.get("repository-code")


def _text(entry, work):
    year = _year(entry)
    parts = [_authors_text(entry["authors"])]
    if year:
        parts[0] += f" ({year})"
    title = entry["title"]
    if work == "book" and entry.get("edition"):
        title += f", {entry['edition'].lower()} edition"
    if work == "package" and entry.get("version"):
        title += f" (version {entry['version']}) [software]"
    parts.append(title)
    url = _url(entry)
    if url:
        parts.append(url)
    return ". ".join(parts)


def _bibtex(entry, work):
    year = _year(entry)
    key = "dlbook" + (year or "") + ("" if work == "book" else "package")
    fields = [
        ("author", " and ".join(_person(a, bibtex=True)
                                for a in entry["authors"])),
        # double braces keep the title's capitals
        ("title", "{" + entry["title"] + "}"),
    ]
    if work == "book" and entry.get("edition"):
        fields.append(("edition", entry["edition"]))
    if work == "package" and entry.get("version"):
        fields.append(("version", entry["version"]))
    if year:
        fields.append(("year", year))
    if _url(entry):
        fields.append(("url", _url(entry)))
    kind = "book" if work == "book" else "software"
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{key},\n{body}\n}}"
