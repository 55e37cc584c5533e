"""The catalogue of right and wrong implementations, and the one harness that checks them.

Every graded task is held to the same standard: at least two differently written right
implementations pass with nothing but ``ok``, and at least five realistic wrong ones fail with
the finding code that names their cause. A notebook's test file declares its rows at module
level, next to the implementations they name; ``tests/test_catalogue.py`` collects the rows of
every ``tests/test_*.py`` that imports this module and fails, naming the task, when a task of
``checker.tasks()`` has fewer (or when a row names a task that does not exist).

Joining, in a new ``tests/test_<topic>.py``::

    from catalogue import GRADING, Right, Wrong, diagnosed, passes, right_rows, wrong_rows

    def sgd_step(w, dw, config=None): ...            # a right implementation
    def sgd_plus(w, dw, config=None): ...            # a wrong one: climbs the gradient

    RIGHT = [
        Right("optim.sgd", sgd_step),
        Right("optim.sgd", sgd_float32),
        Right("nn.affine_backward", affine_backward_cs231n, forward=affine_forward_cs231n),  # options go to check()
    ]
    WRONG = [
        Wrong("optim.sgd", sgd_plus, "sign"),
        Wrong("optim.sgd", sgd_no_rate, "known_mistake", says="learning rate"),  # a finding saying so
        Wrong("optim.sgd", sgd_no_rate_at_all, "known_mistake", says="learning rate", each=True),  # every one
        Wrong("optim.sgd", sgd_in_place, "mutates_input", without=("mismatch",)),  # and these codes are absent
        Wrong("warmup.center", center_loops_forever, "timeout", time_limit=0.2),
    ]

    @right_rows(RIGHT)                      # the standard SEEDS: practice cases and two grading draws
    def test_right_implementation_passes(row, seed):
        passes(row, seed)

    @wrong_rows(WRONG, seeds=GRADING)       # PRACTICE (the default), or GRADING to add a grading draw
    def test_wrong_implementation_is_diagnosed(row, seed):
        diagnosed(row, seed)

A test about what one finding says reads the same report through ``report_of(task, fn, **options)``:
a check already run for a row (same task, function, seed and options) is not run again.
"""

from __future__ import annotations

import importlib
import warnings
from collections import defaultdict
from pathlib import Path

import pytest

from checker import check
from report_tools import finding

# The standard seeds. None is the practice seed, the cases a learner sees in the notebook;
# 7 and 2024 stand for the draws a grader makes, which the learner never saw.
SEEDS = (None, 7, 2024)
GRADING = SEEDS[:2]
PRACTICE = SEEDS[:1]
SEED_IDS = {None: "practice-seed", 7: "seed-7", 2024: "seed-2024"}

MIN_RIGHT, MIN_WRONG = 2, 5


def _name(obj) -> str:
    name = getattr(obj, "__name__", None) or type(obj).__name__
    return "lambda" if name == "<lambda>" else name


def _task_id(task) -> str:
    return task if isinstance(task, str) else task.id


class Right:
    """A right implementation of ``task`` (an id, or an ad-hoc ``checker.spec.Task``);
    ``options`` are passed to ``check`` (``forward=``, ``time_limit=``)."""

    def __init__(self, task, fn, **options):
        self.task, self.fn, self.options = task, fn, options

    @property
    def id(self) -> str:
        forward = self.options.get("forward")
        return f"{_task_id(self.task)}-{_name(self.fn)}" + (f"+{_name(forward)}" if forward else "")

    def __repr__(self) -> str:
        return f"Right({self.id})"


class Wrong:
    """A wrong implementation of ``task`` that must fail with ``code`` among its findings.

    ``says``: words that a finding with ``code`` must contain (the cause, named), every such
    finding with ``each=True``; ``without``: codes that must not appear (e.g. a ``mismatch``
    left unexplained).
    """

    def __init__(self, task, fn, code, *, says: str | None = None, each: bool = False, without=(), **options):
        self.task, self.fn, self.code, self.options = task, fn, code, options
        self.says, self.each, self.without = says, each, tuple(without)

    @property
    def id(self) -> str:
        forward = self.options.get("forward")
        name = _name(self.fn) if _name(self.fn) != "lambda" else f"lambda[{self.says or ''}]"
        return f"{_task_id(self.task)}-{name}" + (f"+{_name(forward)}" if forward else "") + f"-{self.code}"

    def __repr__(self) -> str:
        return f"Wrong({self.id})"


# --------------------------------------------------------------------------- running
_reports: dict = {}


def report_of(task, fn, *, seed=None, **options):
    """``check(task, fn, seed=seed, **options)``, run once per distinct call in a test session.

    The learner's own warnings (overflow in ``np.exp``) are theirs: they stay out of the test run.
    """
    key = (task if isinstance(task, str) else ("task", id(task)), fn, seed, tuple(sorted(options.items(), key=str)))
    try:
        if key in _reports:
            return _reports[key][1]
    except TypeError:  # an option that cannot be a key: the check runs every time
        key = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = check(task, fn, seed=seed, **options)
    if key is not None:
        _reports[key] = (task, report)  # the task is kept so that its id() stays its own
    return report


def passes(row: Right, seed=None):
    """Assert that the right implementation of ``row`` passes with ``ok`` alone."""
    report = report_of(row.task, row.fn, seed=seed, **row.options)
    assert report.codes == ["ok"], f"{row.id} is right, got {report.codes} (seed {seed}):\n{report.text()}"
    assert report.passed is True
    assert report.score == 1.0, f"expected score 1.0, got {report.score}"
    assert report.cases_passed == report.cases_total
    return report


def diagnosed(row: Wrong, seed=None):
    """Assert that the wrong implementation of ``row`` fails, and that ``row.code`` names why."""
    report = report_of(row.task, row.fn, seed=seed, **row.options)
    shown = f"{row.id} (seed {seed}): got {report.codes}:\n{report.text()}"
    assert row.code in report.codes, f"expected {row.code!r} among the findings of {shown}"
    assert report.passed is False, f"a wrong implementation passed: {shown}"
    assert "ok" not in report.codes, f"a failing report must not say ok: {shown}"
    assert 0.0 <= report.score < 1.0, f"expected a score below 1 for a wrong implementation, got {report.score}"
    expected_score = report.cases_passed / report.cases_total
    if "not_vectorized" in report.codes:
        expected_score = min(expected_score, 0.5)
    assert report.score == pytest.approx(expected_score), (
        f"score should be the fraction of cases passed ({report.cases_passed}/{report.cases_total}), got {report.score}")
    found = finding(report, row.code)
    assert found.message and found.case, f"a finding needs a message and a case, got {found!r} in case {found.case!r}"
    if row.says is not None:
        saying = [row.says in f.message for f in report.findings if f.code == row.code]
        assert all(saying) if row.each else any(saying), (
            f"expected {'every' if row.each else 'a'} {row.code} finding to say {row.says!r}: {shown}")
    for code in row.without:
        assert code not in report.codes, f"{code!r} should not be among the findings of {shown}"
    properties = [f.message for f in report.findings if f.code == "property"]
    assert all(any(ch.isdigit() for ch in m) for m in properties), f"a property finding carries its numbers: {properties}"
    return report


def _seeded(rows, seeds, kind):
    for row in rows:
        if not isinstance(row, kind):
            raise TypeError(f"expected {kind.__name__} rows, got {row!r}")
    return pytest.mark.parametrize("row, seed", [
        pytest.param(row, seed, id=f"{row.id}-{SEED_IDS.get(seed, f'seed-{seed}')}") for row in rows for seed in seeds])


def right_rows(rows, seeds=SEEDS):
    """Parametrize a test over ``(row, seed)`` for every right row and seed."""
    return _seeded(rows, seeds, Right)


def wrong_rows(rows, seeds=PRACTICE):
    """Parametrize a test over ``(row, seed)`` for every wrong row and seed."""
    return _seeded(rows, seeds, Wrong)


# --------------------------------------------------------------------------- coverage
TESTS = Path(__file__).resolve().parent


def catalogue_modules() -> list[str]:
    """The test modules that declare rows: every ``tests/test_*.py`` importing this module."""
    names = []
    for path in sorted(TESTS.glob("test_*.py")):
        text = path.read_text(encoding="utf-8")
        if "from catalogue import" in text or "import catalogue" in text:
            names.append(path.stem)
    return names


def rows_of(module) -> list:
    """Every ``Right`` and ``Wrong`` row a module holds at its top level, alone or in a list."""
    found, seen = [], set()
    for value in vars(module).values():
        for item in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(item, (Right, Wrong)) and id(item) not in seen:
                seen.add(id(item))
                found.append(item)
    return found


def collect() -> list:
    """The rows of every catalogue module (imported by name, as pytest imports them)."""
    rows = []
    for name in catalogue_modules():
        rows += rows_of(importlib.import_module(name))
    return rows


def coverage_gaps(rows, task_ids, exceptions=None) -> list[str]:
    """One line for each task of ``task_ids`` with fewer than MIN_RIGHT distinct right or MIN_WRONG
    distinct wrong implementations, and for each row naming a task that is not in ``task_ids``.

    ``exceptions`` maps a task id to ``(min_right, min_wrong, reason)`` for a task that has a
    documented reason to have fewer."""
    exceptions = exceptions or {}
    right, wrong = defaultdict(set), defaultdict(set)
    unknown = set()
    for row in rows:
        if not isinstance(row.task, str):
            continue  # an ad-hoc task of one test file: not part of the course
        if row.task not in task_ids:
            unknown.add(row.task)
        (right if isinstance(row, Right) else wrong)[row.task].add(row.fn)
    gaps = [f"{task}: rows name a task that checker.tasks() does not list" for task in sorted(unknown)]
    for task in task_ids:
        need_right, need_wrong, _ = exceptions.get(task, (MIN_RIGHT, MIN_WRONG, ""))
        if len(right[task]) < need_right or len(wrong[task]) < need_wrong:
            gaps.append(f"{task}: {len(right[task])} right (at least {need_right}), "
                        f"{len(wrong[task])} wrong (at least {need_wrong})")
    return gaps
