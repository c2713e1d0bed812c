"""Quick self-tests: multiple-choice questions with feedback on each answer.

    >>> from dlbook import quiz
    >>> quiz.show("ch4")                                # doctest: +SKIP

``show`` returns the chapter's quiz as an object that a notebook displays
as HTML: every question with its options, and under each option, opened
by a click, whether it is right and why.  The HTML is plain ``<details>``
elements with inline styles, no script and nothing fetched, so the same
output works on the book's static site, in Jupyter and JupyterLite, in
an untrusted notebook and on a page read offline.  Printed (``print``,
or outside a notebook) it is text, with the answers at the end.

The questions live with their chapters, in ``dlbook/quiz/ch01.py`` to
``ch08.py`` (``QUESTIONS``); each has exactly one right option, and every
option carries its own feedback, so a wrong answer is told what it
confused.  Inline code is written in backticks and math as ``$...$``.

Taught in: the preface ("How to study with this book") and the end of
every chapter.
"""

import html
import importlib
import re
from dataclasses import dataclass

__all__ = ["Option", "Question", "Quiz", "show"]

_CHAPTERS = ("ch01", "ch02", "ch03", "ch04", "ch05", "ch06", "ch07", "ch08")
_TITLES = {
    "ch01": "Background", "ch02": "Core concepts",
    "ch03": "Algorithm steps", "ch04": "The math of learning",
    "ch05": "Practice", "ch06": "Applications",
    "ch07": "Tools and resources", "ch08": "Outlook and challenges",
}


@dataclass(frozen=True)
class Option:
    """One answer: its text, whether it is right, and the feedback."""

    text: str
    correct: bool
    feedback: str


@dataclass(frozen=True)
class Question:
    """A question with its options, exactly one of them right."""

    prompt: str
    options: tuple

    def __post_init__(self):
        options = tuple(o if isinstance(o, Option) else Option(*o)
                        for o in self.options)
        object.__setattr__(self, "options", options)
        n_right = sum(o.correct for o in options)
        if len(options) < 2 or n_right != 1:
            raise ValueError("expected at least two options, exactly one "
                             f"of them correct, received: {len(options)} "
                             f"options, {n_right} correct, in "
                             f"{self.prompt[:60]!r}")
        if any(not o.feedback.strip() for o in options):
            raise ValueError("expected feedback on every option, received "
                             f"an empty one in {self.prompt[:60]!r}")


class Quiz:
    """A chapter's questions; displays as HTML, prints as text."""

    def __init__(self, chapter, title, questions):
        self.chapter, self.title = chapter, title
        self.questions = tuple(questions)

    def __len__(self):
        return len(self.questions)

    def __repr__(self):
        lines = [f"Quick self-test: {self.title}"]
        for i, q in enumerate(self.questions, 1):
            lines.append(f"{i}. {q.prompt}")
            lines += [f"   {chr(65 + j)}. {o.text}"
                      for j, o in enumerate(q.options)]
        lines.append("Answers (look after you have chosen): " + ", ".join(
            f"{i}{chr(65 + [o.correct for o in q.options].index(True))}"
            for i, q in enumerate(self.questions, 1)))
        return "\n".join(lines)

    def _repr_html_(self):
        out = [f'<div class="dlbook-quiz" data-chapter="{self.chapter}" '
               'style="border:1px solid #8884;border-radius:6px;'
               'padding:0.6em 1em;margin:1em 0">',
               f'<p style="font-weight:bold;margin:0.2em 0 0.6em">Quick '
               f'self-test: {_inline(self.title)}</p>',
               '<p style="margin:0 0 0.8em;font-size:90%">Choose an answer, '
               'then click it to see whether it is right and why.</p>']
        for i, q in enumerate(self.questions, 1):
            out.append(f'<div class="dlq-question" style="margin:0 0 1em">'
                       f'<p style="margin:0.2em 0"><strong>{i}.</strong> '
                       f'{_inline(q.prompt)}</p>')
            for j, o in enumerate(q.options):
                verdict = ("Right." if o.correct else "Not quite.")
                feedback = _without_verdict(o.feedback, o.correct)
                colour = "#2e7d32" if o.correct else "#c62828"
                cls = "dlq-right" if o.correct else "dlq-wrong"
                out.append(
                    f'<details class="dlq-option {cls}" style="margin:0.25em'
                    ' 0 0.25em 1.2em"><summary style="cursor:pointer">'
                    f'{chr(65 + j)}. {_inline(o.text)}</summary>'
                    f'<p class="dlq-feedback" style="margin:0.3em 0 0.5em '
                    f'1.2em;border-left:3px solid {colour};padding-left:'
                    f'0.6em"><strong style="color:{colour}">{verdict}'
                    f'</strong> {_inline(feedback)}</p></details>')
            out.append("</div>")
        out.append("</div>")
        return "\n".join(out)


def _without_verdict(feedback, correct):
    """The feedback without a leading "Right." that would repeat the
    verdict printed before it ("Right. Right: ..." on the page)."""
    if not correct:
        return feedback
    rest = re.sub(r"^Right\s*[.:]\s*", "", feedback)
    return rest[:1].upper() + rest[1:] if rest else feedback


def _inline(text):
    """Escape HTML; `code` becomes <code>, $math$ becomes \\( \\)."""
    parts = re.split(r"(`[^`]+`|\$[^$]+\$)", text)
    out = []
    for p in parts:
        if p.startswith("`") and p.endswith("`") and len(p) > 1:
            out.append(f"<code>{html.escape(p[1:-1])}</code>")
        elif p.startswith("$") and p.endswith("$") and len(p) > 1:
            out.append(r'<span class="math">\(' + html.escape(p[1:-1])
                       + r"\)</span>")
        else:
            out.append(html.escape(p))
    return "".join(out)


def _key(chapter):
    try:
        key = "ch%02d" % int(str(chapter).lower().lstrip("ch"))
    except ValueError:
        key = None
    if key not in _CHAPTERS:
        raise ValueError(f"expected a chapter from ch1 to ch8, received: "
                         f"{chapter!r}")
    return key


def questions(chapter):
    """The chapter's questions (a tuple of Question)."""
    key = _key(chapter)
    return importlib.import_module(f".{key}", __name__).QUESTIONS


def show(chapter):
    """The quiz of ``chapter`` (``"ch4"``), to display in a notebook."""
    key = _key(chapter)
    return Quiz(key, f"Chapter {int(key[2:])}, {_TITLES[key]}",
                questions(key))
