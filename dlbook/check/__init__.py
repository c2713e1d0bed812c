"""Check your own answer to an exercise: hidden cases, hints, gradients.

    >>> from dlbook import check
    >>> check.exercise("ch4-predict-steps", predicted_steps)   # doctest: +SKIP

Every registered exercise has a reference solution, hidden test cases
(drawn with a fixed seed, so every reader gets the same ones) and a
catalogue of the mistakes readers typically make.  ``exercise`` runs the
reader's answer (a function, or a plain value where the exercise asks
for a number) on every case and reports, case by case, what was expected
and what was received.  For each failure it looks for the reason:

* a known mistake of this exercise (its output matches the reader's):
  the hint written for that mistake;
* a wrong shape, the transpose, the sign flipped, or the right numbers
  times a constant (a missing ``1/n``, a factor 2 too many or too few);
* where the exercise asks for a gradient, the gradient check: the
  reader's gradient against central finite differences of the loss, so
  the verdict does not rest on the reference alone.

The exercises live with their chapters, in ``dlbook/check/ch01.py`` to
``ch08.py``; ``check.exercises()`` lists them.  NumPy only: this module
also runs in the browser (JupyterLite).

Taught in: the preface ("How to study with this book") and the exercises
of every chapter.
"""

import copy
import importlib
import pkgutil
from dataclasses import dataclass, field

import numpy as np

from ..gradcheck import numerical_gradient, relative_error

__all__ = ["Exercise", "Mistake", "CheckResult", "exercise", "exercises",
           "get", "overview", "register"]

# exercise id -> Exercise, filled by the chapter modules at import
_REGISTRY = {}
STARS = {1: "★", 2: "★★", 3: "★★★"}


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer and the hint that explains it.

    ``answer`` makes the mistake on purpose (called like the reader's
    answer); the checker recognises the mistake when the reader's output
    equals its output, and the tests prove that it fails.
    """

    name: str
    answer: object
    hint: str


@dataclass
class Exercise:
    """One checkable exercise.

    Parameters
    ----------
    id : str
        ``"ch4-predict-steps"``: the exercise's label in the book without
        its ``ex-`` prefix.
    title : str
    page : str
        The notebook that poses it, relative to ``book/``.
    stars : int
        Difficulty, 1 to 3.
    reference : callable or value
        The reference solution, called like the reader's answer.
    cases : callable
        ``cases(rng)`` returns a list of argument tuples (the hidden
        cases); ``None`` for an exercise whose answer is a value.
    mistakes : sequence of Mistake
        At least two.
    outputs : sequence of str, optional
        Names of the outputs when the answer returns a tuple.
    loss : callable, optional
        For a gradient: ``loss(*args)`` is the scalar whose gradient the
        answer returns, output ``k`` being the gradient with respect to
        argument ``wrt[k]``.
    wrt : sequence of int, optional
    rtol, atol : float
        Tolerances of the comparison with the reference.
    n_of : callable, optional
        ``n_of(*args)`` is the batch size of a case, so that a factor
        ``n`` or ``1/n`` can be named as such.
    compare : callable, optional
        ``compare(expected, received, args)`` returning a message (the
        case failed) or ``None`` (it passed), for answers that are
        random or only defined up to a symmetry.
    """

    id: str
    title: str
    page: str
    stars: int
    reference: object
    cases: object
    mistakes: tuple
    outputs: tuple = ()
    loss: object = None
    wrt: tuple = ()
    rtol: float = 1e-6
    atol: float = 1e-9
    n_of: object = None
    compare: object = None
    seed: int = 0
    kind: str = field(default="function", init=False)

    def __post_init__(self):
        self.kind = "value" if self.cases is None else "function"
        if self.stars not in STARS:
            raise ValueError("expected stars in {1, 2, 3}, received: "
                             f"stars={self.stars!r} ({self.id})")
        if len(self.mistakes) < 2:
            raise ValueError("expected at least two typical mistakes, "
                             f"received: {len(self.mistakes)} ({self.id})")
        if (self.loss is None) != (not self.wrt):
            raise ValueError("expected loss and wrt together, received: "
                             f"loss={self.loss!r}, wrt={self.wrt!r}")

    def case_args(self):
        """The hidden cases, as argument tuples (fresh copies)."""
        if self.cases is None:
            return [()]
        return [tuple(_copy(a) for a in args)
                for args in self.cases(np.random.default_rng(self.seed))]


def register(**spec):
    """Register an exercise (the chapter modules call this)."""
    ex = Exercise(**spec)
    if ex.id in _REGISTRY:
        raise ValueError(f"exercise {ex.id!r} is registered twice")
    _REGISTRY[ex.id] = ex
    return ex


def _load():
    # the chapter modules: ch01.py ... ch08.py (a long chapter may have
    # more than one, ch04a.py and ch04b.py), imported in name order
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("ch"):
            importlib.import_module(f".{info.name}", __name__)


def exercises(chapter=None):
    """The registered exercises, in the book's order.

    ``chapter``: ``"ch4"`` (or ``"ch04"``) restricts them to one chapter.
    """
    _load()
    found = list(_REGISTRY.values())
    if chapter is not None:
        key = "ch%d" % int(str(chapter).lstrip("ch"))
        found = [e for e in found if e.id.split("-")[0] == key]
    return found


def overview(chapter=None):
    """A table of the registered exercises (of ``chapter``), as text."""
    rows = [(e.id, STARS[e.stars], e.title, e.page)
            for e in exercises(chapter)]
    if not rows:
        return "no registered exercises"
    w = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join(f"{a:<{w[0]}}  {b:<3}  {c:<{w[2]}}  book/{d}"
                     for a, b, c, d in rows)


def get(exercise_id):
    """The registered exercise ``exercise_id``; a ValueError names the
    nearest ids when there is no such exercise."""
    _load()
    if exercise_id not in _REGISTRY:
        prefix = str(exercise_id).split("-")[0]
        near = sorted(k for k in _REGISTRY if k.startswith(prefix + "-"))
        raise ValueError(f"expected a registered exercise id, received: "
                         f"{exercise_id!r}; the ids of {prefix}: "
                         f"{', '.join(near) or 'none'} "
                         "(check.exercises() lists all)")
    return _REGISTRY[exercise_id]


# ---------------------------------------------------------------- checking

@dataclass
class CaseResult:
    args: tuple
    passed: bool
    lines: list


@dataclass
class CheckResult:
    """What ``exercise`` found: ``passed``, the hints, a case-by-case
    report (``print(result)`` or the result as a cell's last line)."""

    exercise: Exercise
    cases: list
    hints: list

    @property
    def passed(self):
        return all(c.passed for c in self.cases)

    def __bool__(self):
        return self.passed

    def __repr__(self):
        ex = self.exercise
        n_ok = sum(c.passed for c in self.cases)
        lines = [f"Exercise {ex.id} ({STARS[ex.stars]}): {ex.title}",
                 f"posed in book/{ex.page}"]
        for i, c in enumerate(self.cases, 1):
            head = (f"case {i} of {len(self.cases)}"
                    + (f" {_describe_args(c.args)}" if c.args else ""))
            lines.append(f"  {head}: {'passed' if c.passed else 'FAILED'}")
            lines += [f"    {line}" for line in c.lines]
        if self.hints:
            lines.append("Hints:")
            lines += [f"  - {h}" for h in self.hints]
        lines.append(f"{n_ok} of {len(self.cases)} cases passed: "
                     + ("correct." if self.passed else "not yet."))
        return "\n".join(lines)

    __str__ = __repr__


def exercise(exercise_id, answer):
    """Check ``answer`` (a function, or a value) against exercise
    ``exercise_id`` and return a CheckResult; print it to read the
    feedback, and ``result.passed`` says whether every case passed."""
    ex = get(exercise_id)
    if ex.kind == "function" and not callable(answer):
        raise ValueError(f"exercise {ex.id!r} expects a function, "
                         f"received: {type(answer).__name__} {answer!r:.60}")
    results, hints = [], []
    for args in ex.case_args():
        expected = _run(ex, ex.reference, args)
        received, error = _call(ex, answer, args)
        lines, case_hints = [], []
        if error is None and received is None and expected is not None:
            ok = False
            lines.append("received None")
            case_hints.append("your function returned None: is a "
                              "`return` missing?")
        elif error is not None:
            ok = False
            lines.append(f"raised {error}")
            case_hints.append("your answer raised an exception on this "
                              "case; run it on these shapes yourself")
        else:
            ok, lines, case_hints = _judge(ex, args, expected, received)
        if not hints:                     # the first failing case's hints
            hints = case_hints
        results.append(CaseResult(args, ok, lines))
    return CheckResult(ex, results, hints)


def _run(ex, fn, args):
    if ex.kind == "value":
        return fn
    return fn(*(_copy(a) for a in args))


def _call(ex, answer, args):
    try:
        return _run(ex, answer, args), None
    except Exception as err:              # the reader's code: report it
        return None, f"{type(err).__name__}: {err}"


def _judge(ex, args, expected, received):
    """(passed, report lines, hints) of one case."""
    if (isinstance(expected, tuple) and isinstance(received, list)
            and len(received) == len(expected)):
        received = tuple(received)        # outputs returned as a list
    if ex.compare is not None:
        message = ex.compare(expected, received, args)
        if message is None:
            return True, [], []
        return False, [message], _mistake_hints(ex, args, received)
    exp_parts = _parts(ex, expected)
    rec_parts = _parts(ex, received)
    if len(rec_parts) != len(exp_parts):
        want = ", ".join(exp_parts) or "one output"
        return False, [f"expected {len(exp_parts)} output(s) ({want}), "
                       f"received {len(rec_parts)}"], [
            f"return the outputs in this order: {want}"]
    lines, hints, ok = [], [], True
    for (name, exp), rec in zip(exp_parts.items(), rec_parts.values()):
        good, line, hint = _compare(ex, args, name, exp, rec)
        ok &= good
        if line:
            lines.append(line)
        if hint:
            hints.append(hint)
    if not ok:
        specific = _mistake_hints(ex, args, received)
        hints = specific or hints
        if ex.loss is not None:
            lines += _gradient_check(ex, args, rec_parts)
    return ok, lines, hints


def _parts(ex, value):
    """Outputs as an ordered {name: value}."""
    if isinstance(value, tuple) and (ex.outputs or len(value) != 1):
        names = ex.outputs
        if len(names) != len(value):
            names = tuple(f"output {i}" for i in range(len(value)))
        return dict(zip(names, value))
    name = ex.outputs[0] if len(ex.outputs) == 1 else "answer"
    return {name: value}


def _compare(ex, args, name, exp, rec):
    """(ok, line, hint) for one output."""
    if rec is None:
        return False, f"{name}: received None", (
            "your function returned None: is a `return` missing?")
    exp_a = np.asarray(exp, dtype=np.float64)
    try:
        rec_a = np.asarray(rec, dtype=np.float64)
    except (TypeError, ValueError):
        return False, (f"{name}: expected numbers, received "
                       f"{type(rec).__name__}"), None
    if rec_a.shape != exp_a.shape:
        return False, (f"{name}: expected shape {exp_a.shape}, received "
                       f"shape {rec_a.shape}"), _shape_hint(name, exp_a,
                                                            rec_a)
    if np.allclose(rec_a, exp_a, rtol=ex.rtol, atol=ex.atol):
        return True, None, None
    line = (f"{name}: expected {_show(exp_a)}, received {_show(rec_a)}")
    return False, line, _value_hint(ex, args, name, exp_a, rec_a)


def _shape_hint(name, exp, rec):
    if rec.size == exp.size:
        if rec.ndim == 2 and rec.T.shape == exp.shape:
            return (f"{name} has the transposed shape: samples are rows "
                    "and weights are (n_in, n_out) in this book; check "
                    "which side of the product each factor goes")
        return (f"{name} has the right numbers of entries in another "
                f"shape {rec.shape} instead of {exp.shape}: a missing "
                "reshape, or a (n, 1) column where a vector (n,) is meant")
    if rec.ndim < exp.ndim or rec.size < exp.size:
        return (f"{name} is smaller than expected: did you sum or average "
                "over an axis that should stay?")
    return (f"{name} is larger than expected: did you forget to sum over "
            "the samples, or did a (n,) and (n, 1) broadcast to (n, n)?")


def _value_hint(ex, args, name, exp, rec):
    if not np.isfinite(rec).all() and np.isfinite(exp).all():
        return (f"{name} contains nan or inf where the expected values are "
                "finite: an exp that overflowed (subtract the maximum "
                "first), a log of 0, or a division by zero")
    if exp.ndim == 2 and exp.shape[0] == exp.shape[1] and np.allclose(
            rec, exp.T, rtol=ex.rtol, atol=ex.atol):
        return f"{name} is the transpose of the expected matrix"
    if np.allclose(rec, -exp, rtol=ex.rtol, atol=ex.atol):
        return (f"{name} has the right size but the wrong sign: a "
                "residual written as y - y_hat, or a step taken uphill")
    mask = np.abs(exp) > 1e-12
    if mask.any():
        ratio = np.median(rec[mask] / exp[mask])
        if np.isfinite(ratio) and abs(ratio) > 1e-12 and np.allclose(
                rec, ratio * exp, rtol=1e-6, atol=ex.atol):
            return _factor_hint(ex, args, name, ratio)
    return None


def _factor_hint(ex, args, name, ratio):
    n = ex.n_of(*args) if ex.n_of is not None else None
    said = f"{name} is the expected value times {ratio:.4g}"
    for two, two_said in ((1, None), (2, "a factor 2 too many"),
                          (0.5, "a factor 2 too few")):
        for nn, n_said in ((1, None),
                           (n, f"the 1/n of the mean missing (n = {n})"),
                           (1 / n if n else None,
                            f"a 1/n too many (n = {n})")):
            if nn is None or (two, nn) == (1, 1):
                continue
            if np.isclose(ratio, two * nn):
                causes = [c for c in (n_said, two_said) if c]
                return said + ": " + " and ".join(causes) + (
                    " (a factor 2 comes from the derivative of a square, "
                    "or goes with a 1/2 in the loss)" if two_said else "")
    return said + ": a constant factor is off"


def _mistake_hints(ex, args, received):
    """Hints of the catalogued mistakes whose output equals the answer's."""
    hints = []
    for m in ex.mistakes:
        wrong, error = _call(ex, m.answer, args)
        if error is None and _same(wrong, received, ex):
            hints.append(m.hint)
    return hints


def _same(a, b, ex):
    if isinstance(a, tuple) != isinstance(b, tuple):
        return False
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same(x, y, ex) for x, y in zip(a, b))
    try:
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and np.allclose(a, b, rtol=ex.rtol,
                                              atol=ex.atol, equal_nan=True)


def _gradient_check(ex, args, rec_parts):
    """Report the answer's gradients against central differences."""
    lines = []
    for k, (name, rec) in zip(ex.wrt, rec_parts.items()):
        point = [_copy(a) for a in args]   # only argument k is perturbed
        x = np.array(args[k], dtype=np.float64, copy=True)
        if x.ndim == 0:
            x = x.reshape(1)

        def f(v, k=k, point=point):
            local = list(point)
            local[k] = v.reshape(np.shape(args[k]))
            return float(ex.loss(*local))

        numeric = numerical_gradient(f, x).reshape(np.shape(args[k]))
        try:
            rec_a = np.asarray(rec, dtype=np.float64)
        except (TypeError, ValueError):
            continue
        if rec_a.shape != numeric.shape or not np.isfinite(rec_a).all():
            continue
        err = relative_error(rec_a, numeric)
        verdict = "agrees" if err < 1e-6 else "disagrees"
        lines.append(f"gradient check of {name}: relative error "
                     f"{err:.1e} against finite differences ({verdict})")
    return lines


def _copy(a):
    """A fresh copy of a case's argument: arrays, and generators (so that
    the reference, the answer and every mistake draw the same numbers)."""
    if isinstance(a, np.ndarray):
        return np.array(a, copy=True)
    if isinstance(a, np.random.Generator):
        return copy.deepcopy(a)
    return a


def _describe_args(args):
    parts = []
    for a in args:
        if isinstance(a, np.ndarray):
            parts.append(f"array{a.shape}")
        elif isinstance(a, tuple) and len(a) < 6:
            parts.append(repr(a))
        elif isinstance(a, (int, float, np.floating, np.integer)):
            parts.append(f"{a:g}" if isinstance(a, float) else str(a))
        else:
            parts.append(type(a).__name__)
    return "(" + ", ".join(parts) + ")"


def _show(a):
    with np.printoptions(precision=4, suppress=True, threshold=8,
                         edgeitems=2):
        return np.array2string(np.asarray(a), separator=", ").replace(
            "\n", " ")
