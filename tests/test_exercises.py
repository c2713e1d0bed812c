"""The book's exercises and quizzes, read from the notebooks (issue 16).

Every exercise opens with its difficulty and kind, ``**(★★) Derivation.**``;
each chapter (and each section of chapter 4) has at least four, among
them a conceptual or predict-then-run question, a derivation and a
build-it task that ``dlbook.check`` verifies.  Every chapter ends with a
quick self-test.  The per-chapter counts are printed.
"""

import collections
import json
import re

import pytest

from booktoc import toc_files
from dlbook import check, quiz

KINDS = ("Concept", "Predict, then run", "Derivation", "Build it",
         "Experiment")
_KIND = "|".join(re.escape(k) for k in KINDS)
HEADER = re.compile(
    r"\*\*\((★{1,3})\) (" + _KIND + r")(?: and (" + _KIND.lower()
    + r"))?(?:: [^*]+)?\.\*\*")
DIRECTIVE = re.compile(r"^:::\{exercise\}\s*\n:label: (\S+)\s*\n(.*)",
                       re.S)
CHECK_CALL = re.compile(r"check\.exercise\(\s*[\"']([a-z0-9-]+)[\"']")


def _pages():
    return [f + ".ipynb" for f in toc_files()]


def _unit(page):
    """The unit that needs four exercises: a chapter, or a ch4 section."""
    m = re.match(r"book/ch0(\d)", page)
    if not m:
        return None
    if m.group(1) == "4":
        name = page.rsplit("/", 1)[-1][:-6]
        return None if not name[:2].isdigit() else f"ch4 {name[:2]}"
    return f"ch{m.group(1)}"


def _exercises(root):
    """(page, label, stars, kinds, body, solution code) of every
    exercise in the book."""
    found = []
    for page in _pages():
        cells = json.loads((root / page).read_text(encoding="utf-8"))[
            "cells"]
        for i, cell in enumerate(cells):
            src = "".join(cell["source"])
            m = DIRECTIVE.match(src.strip())
            if cell["cell_type"] != "markdown" or not m:
                continue
            label, body = m.groups()
            h = HEADER.match(body.strip())
            stars = len(h.group(1)) if h else None
            kinds = tuple(k for k in (h.group(2), h.group(3)) if k) if h \
                else ()
            code = []
            for later in cells[i + 1:]:
                s = "".join(later["source"])
                if "solution-end" in s:
                    break
                if later["cell_type"] == "code":
                    code.append(s)
            found.append((page, label, stars,
                          tuple(k.capitalize() for k in kinds), body,
                          "\n".join(code)))
    return found


@pytest.fixture(scope="module")
def exercises(book_dir):
    return _exercises(book_dir.parent)


def test_every_exercise_states_difficulty_and_kind(exercises):
    bad = [f"{p}: {label}: {body[:70]!r}" for p, label, stars, _k, body, _c
           in exercises if stars is None]
    assert not bad, ("exercises must open with **(★..) Kind.**, Kind one "
                     f"of {KINDS}:\n" + "\n".join(bad))


def test_checked_exercises_are_posed_and_solved_with_the_checker(
        exercises):
    by_label = {label: (p, body, code) for p, label, _s, _k, body, code
                in exercises}
    for ex in check.exercises():
        label = "ex-" + ex.id
        assert label in by_label, f"{ex.id}: no exercise labelled {label}"
        page, body, code = by_label[label]
        assert page == "book/" + ex.page, (ex.id, page)
        assert f'check.exercise("{ex.id}"' in body, (
            f"{label}: the exercise text must show the reader the call")
        assert f'check.exercise("{ex.id}"' in code and ".passed" in code, (
            f"{label}: the solution must run the checker and assert")
    registered = {e.id for e in check.exercises()}
    for p, _label, _s, _k, body, code in exercises:
        for called in CHECK_CALL.findall(body + code):
            assert called in registered, f"{p}: {called} is not registered"


def test_exercise_counts_per_chapter(exercises, capsys):
    checked = {"ex-" + e.id for e in check.exercises()}
    units = collections.OrderedDict()
    for page, label, stars, kinds, _b, _c in exercises:
        unit = _unit(page)
        if unit is None:
            continue
        u = units.setdefault(unit, {"n": 0, "stars": collections.Counter(),
                                    "kinds": collections.Counter(),
                                    "checked": 0})
        u["n"] += 1
        u["stars"][stars] += 1
        for k in kinds:
            u["kinds"][k] += 1
        u["checked"] += label in checked
    short = {"Predict, then run": "predict", "Derivation": "derive",
             "Build it": "build", "Experiment": "experiment",
             "Concept": "concept"}
    lines = [f"{'unit':<7} {'n':>3}  {'★':>2} {'★★':>3} {'★★★':>3}  "
             + "  ".join(f"{short[k]:>10}" for k in KINDS) + "  checked"]
    problems = []
    for unit, u in units.items():
        lines.append(f"{unit:<7} {u['n']:>3}  " + " ".join(
            f"{u['stars'][s]:>{w}}" for s, w in ((1, 2), (2, 3), (3, 3)))
            + "  " + "  ".join(f"{u['kinds'][k]:>10}" for k in KINDS)
            + f"  {u['checked']:>7}")
        if u["n"] < 4:
            problems.append(f"{unit}: {u['n']} exercises, fewer than 4")
        if not (u["kinds"]["Concept"] + u["kinds"]["Predict, then run"]):
            problems.append(f"{unit}: no conceptual or predict-then-run")
        if not u["kinds"]["Derivation"]:
            problems.append(f"{unit}: no derivation")
        if not u["checked"]:
            problems.append(f"{unit}: no build-it task checked by "
                            "dlbook.check")
    expected_units = {"ch1", "ch2", "ch3", "ch5", "ch6", "ch7", "ch8"} | {
        f"ch4 0{i}" for i in range(1, 10)}
    problems += [f"{u}: no exercises" for u in expected_units - set(units)]
    with capsys.disabled():
        print("\nExercises per chapter (chapter 4: per section), by "
              "difficulty and kind:\n" + "\n".join(lines))
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------- quizzes

def _last_page(chapter):
    pages = [p for p in _pages() if p.startswith(f"book/ch0{chapter}")]
    return pages[-1]


@pytest.mark.parametrize("chapter", range(1, 9))
def test_each_chapter_ends_with_its_quiz(chapter, book_dir):
    questions = quiz.questions(chapter)
    assert 3 <= len(questions) <= 6, (chapter, len(questions))
    page = _last_page(chapter)
    cells = json.loads((book_dir.parent / page).read_text(encoding="utf-8"))[
        "cells"]
    calls = [i for i, c in enumerate(cells) if c["cell_type"] == "code"
             and f'quiz.show("ch{chapter}")' in "".join(c["source"])]
    assert calls, f"{page} does not show the quiz of chapter {chapter}"
    html = quiz.show(chapter)._repr_html_()
    # self-contained: no script, nothing fetched
    assert "<script" not in html and "http" not in html
    assert html.count('class="dlq-option dlq-right"') == len(questions)
    for q in questions:
        assert len({o.text for o in q.options}) == len(q.options)


@pytest.mark.parametrize("chapter", range(1, 9))
def test_quiz_answers_are_not_given_away_by_form(chapter):
    """The right option is not the longest one in most questions, and it
    does not sit at the same letter throughout a quiz."""
    questions = quiz.questions(chapter)
    right = [[o.correct for o in q.options].index(True) for q in questions]
    longest = sum(
        len(q.options[i].text) == max(len(o.text) for o in q.options)
        for q, i in zip(questions, right))
    assert longest <= len(questions) // 2, (
        f"chapter {chapter}: the right option is the longest in {longest} "
        f"of {len(questions)} questions")
    assert len(set(right)) >= 2, f"chapter {chapter}: answers {right}"


def test_quiz_refuses_a_question_without_one_right_answer():
    with pytest.raises(ValueError, match="exactly one"):
        quiz.Question("?", (("a", True, "x"), ("b", True, "y")))
    with pytest.raises(ValueError, match="feedback"):
        quiz.Question("?", (("a", True, "x"), ("b", False, " ")))
    with pytest.raises(ValueError, match="ch1 to ch8"):
        quiz.show("ch9")


def test_quiz_prints_as_text_with_the_answers_last():
    text = repr(quiz.show("ch4"))
    assert text.startswith("Quick self-test: Chapter 4")
    assert text.splitlines()[-1].startswith("Answers")
