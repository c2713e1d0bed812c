"""dlbook.check: every registered exercise's reference passes, and its
typical wrong answers fail with their own hint; the generic diagnoses
(shape, transpose, sign, factor, None, exceptions) say what went wrong."""

import numpy as np
import pytest

from dlbook import check

EXERCISES = check.exercises()


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_reference_passes(ex):
    result = check.exercise(ex.id, ex.reference)
    assert result.passed, str(result)
    assert not result.hints
    assert "correct." in str(result)


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_typical_mistakes_fail_with_their_hint(ex):
    assert len(ex.mistakes) >= 2
    for mistake in ex.mistakes:
        result = check.exercise(ex.id, mistake.answer)
        assert not result.passed, f"{ex.id}: {mistake.name} passed"
        assert mistake.hint in result.hints, (
            f"{ex.id}: {mistake.name} did not get its hint:\n{result}")
        # the hint is specific: no other mistake's hint is given with it
        # unless that mistake gives the same output on every case
        others = [m.hint for m in ex.mistakes if m.hint != mistake.hint]
        assert not set(others) & set(result.hints), (ex.id, mistake.name)
        assert "not yet." in str(result)


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_exercise_metadata(ex, book_dir):
    assert (book_dir / ex.page).is_file(), ex.page
    assert ex.id.startswith("ch") and ex.id == ex.id.lower()
    cases = ex.case_args()
    assert cases, ex.id
    # the hidden cases are the same for every reader (fixed seed)
    again = ex.case_args()
    for a, b in zip(cases, again):
        for x, y in zip(a, b):
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_ids_are_unique_and_listed():
    ids = [e.id for e in EXERCISES]
    assert len(ids) == len(set(ids))
    text = check.overview()
    assert all(i in text for i in ids)
    for ch in {i.split("-")[0] for i in ids}:
        assert all(e.id.startswith(ch + "-") for e in check.exercises(ch))


# ---------------------------------------------------------- the diagnoses

def _mse_grad(X, y, w, b):
    r = X @ w + b - y
    return 2 / len(y) * X.T @ r, 2 * r.mean()


def _hints(answer):
    result = check.exercise("ch4-mse-gradient", answer)
    assert not result.passed
    return " | ".join(result.hints), str(result)


def test_diagnoses_a_column_instead_of_a_vector():
    hints, _ = _hints(lambda *a: (_mse_grad(*a)[0][:, None],
                                  _mse_grad(*a)[1]))
    assert "another shape" in hints and "(n, 1) column" in hints


def test_diagnoses_a_missing_mean_and_names_n():
    def summed(X, y, w, b):
        r = X @ w + b - y
        return X.T @ r, r.sum()                  # no 2, no 1/n
    hints, report = _hints(summed)
    assert "1/n of the mean missing (n = 5)" in hints
    assert "factor 2 too few" in hints
    # the gradient check says the same without the reference
    assert "against finite differences (disagrees)" in report


def test_diagnoses_none_and_exceptions():
    hints, _ = _hints(lambda *a: None)
    assert "`return` missing" in hints
    hints, report = _hints(lambda X, y, w, b: (X @ X, 0.0))
    assert "raised ValueError" in report and "raised an exception" in hints


def test_diagnoses_overflow():
    def overflowing(X, y, w, b):
        dw, db = _mse_grad(X, y, w, b)
        return dw * np.inf, db
    hints, _ = _hints(overflowing)
    assert "nan or inf" in hints


def test_a_generator_argument_gives_every_caller_the_same_draws():
    g = np.random.default_rng(3)
    a, b = check._copy(g), check._copy(g)
    assert a.normal() == b.normal() == g.normal()


def test_diagnoses_the_wrong_number_of_outputs():
    hints, _ = _hints(lambda *a: _mse_grad(*a)[0])
    assert "dw, db" in hints


def test_outputs_returned_as_a_list_are_accepted():
    assert check.exercise("ch4-mse-gradient",
                          lambda *a: list(_mse_grad(*a))).passed
    wrong = check.exercise("ch4-mse-gradient",
                           lambda *a: [-g for g in _mse_grad(*a)])
    assert not wrong.passed and "y_hat - y" in " ".join(wrong.hints)


def test_correct_answer_reports_every_case():
    result = check.exercise("ch4-mse-gradient", _mse_grad)
    assert result.passed and bool(result)
    n = len(result.cases)
    assert f"{n} of {n} cases passed: correct." in str(result)


def test_unknown_id_names_the_chapter_ids():
    with pytest.raises(ValueError, match="ch4-mse-gradient"):
        check.exercise("ch4-mse", _mse_grad)


def test_a_value_where_a_function_is_expected_is_refused():
    with pytest.raises(ValueError, match="expects a function"):
        check.exercise("ch4-mse-gradient", 3.0)


def test_check_and_quiz_import_numpy_only():
    import subprocess
    import sys
    code = ("import sys, dlbook.check, dlbook.quiz; "
            "dlbook.check.exercises(); [dlbook.quiz.questions(c) for c in "
            "range(1, 9)]; bad = [m for m in ('tensorflow', 'keras', "
            "'matplotlib', 'sklearn', 'IPython', 'scipy') if m in "
            "sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stdout + out.stderr
