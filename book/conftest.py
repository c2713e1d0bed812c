"""pytest hooks for ``make notebooks`` (nbval over every notebook in book/).

Prints how long each notebook took, cell times summed, and flags any notebook
over the budget: 60 s a notebook, 5 min for the whole book, on the 2-core CI
machine.
"""

from collections import defaultdict
from pathlib import Path

NOTEBOOK_BUDGET_S = 60.0
BOOK_BUDGET_S = 300.0

_durations = defaultdict(float)
_failed = set()


def pytest_runtest_logreport(report):
    path = Path(str(report.fspath))
    if path.suffix != ".ipynb":
        return
    _durations[path] += report.duration  # setup, call and teardown
    if report.failed:
        _failed.add(path)


def pytest_terminal_summary(terminalreporter):
    if not _durations:
        return
    tr = terminalreporter
    tr.write_sep("=", "notebook durations (nbval)")
    root = Path(str(tr.config.rootpath))
    total = 0.0
    for path, seconds in sorted(_durations.items(), key=lambda kv: -kv[1]):
        total += seconds
        try:
            name = path.relative_to(root)
        except ValueError:
            name = path
        flags = []
        if seconds > NOTEBOOK_BUDGET_S:
            flags.append(f"OVER the {NOTEBOOK_BUDGET_S:.0f} s budget")
        if path in _failed:
            flags.append("FAILED")
        tr.write_line(f"{seconds:8.1f} s  {name}  {' '.join(flags)}".rstrip())
    over = " OVER the budget" if total > BOOK_BUDGET_S else ""
    tr.write_line(
        f"{total:8.1f} s  all {len(_durations)} notebooks "
        f"(budget {BOOK_BUDGET_S:.0f} s){over}"
    )
