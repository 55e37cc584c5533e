"""The catalogue of right and wrong implementations covers every task of the course, and its
harness fails where it must."""

import numpy as np
import pytest

import checker
from catalogue import Right, Wrong, catalogue_modules, collect, coverage_gaps, diagnosed, passes, rows_of
from checker.spec import Case, KnownMistake, Task

# A task with a documented reason to have fewer rows: task id -> (right, wrong, reason). None today.
FEWER = {}


def test_every_task_has_two_right_and_five_wrong_implementations():
    gaps = coverage_gaps(collect(), checker.tasks(), FEWER)
    assert not gaps, "the catalogue (tests/test_*.py rows) falls short:\n" + "\n".join(gaps)


def test_the_catalogue_is_read_from_every_test_file_that_declares_rows():
    modules = catalogue_modules()
    for name in ("test_findings", "test_knn", "test_logreg", "test_linear", "test_backprop", "test_nn", "test_shapes"):
        assert name in modules, f"{name} declares no rows: {modules}"
    assert "test_catalogue" in modules  # this file imports the harness too, and holds no course rows


# =========================================================================== the harness itself
def double(x):
    return 2 * x


DOUBLE = Task("harness.double", reference_function=double,
              cases=lambda rng: [Case("3 numbers", rng.normal(size=3)), Case("2 x 2", rng.normal(size=(2, 2)))])


def double_by_adding(x):
    return x + x


def double_by_tripling(x):
    return 3 * x


DOUBLE_NAMED = Task("harness.double_named", reference_function=double, cases=DOUBLE.cases,
                    mistakes=[KnownMistake("tripled", lambda x: 3 * x, "2, not 3"),
                              KnownMistake("plus two", lambda x: x + 2, "times, not plus")])


def double_tripled_then_plus_two(x):
    return 3 * x if x.ndim == 1 else x + 2  # one named mistake in each case: two findings


def test_a_wrong_implementation_in_a_right_row_fails_the_harness():
    with pytest.raises(AssertionError, match="is right"):
        passes(Right(DOUBLE, double_by_tripling))
    assert passes(Right(DOUBLE, double_by_adding)).codes == ["ok"]


def test_a_right_implementation_or_the_wrong_code_in_a_wrong_row_fails_the_harness():
    with pytest.raises(AssertionError, match="among the findings"):
        diagnosed(Wrong(DOUBLE, double_by_adding, "scale"))
    with pytest.raises(AssertionError, match="among the findings"):
        diagnosed(Wrong(DOUBLE, double_by_tripling, "sign"))
    with pytest.raises(AssertionError, match="to say"):
        diagnosed(Wrong(DOUBLE, double_by_tripling, "scale", says="a factor nobody wrote"))
    with pytest.raises(AssertionError, match="every known_mistake finding"):
        diagnosed(Wrong(DOUBLE_NAMED, double_tripled_then_plus_two, "known_mistake", says="tripled", each=True))
    diagnosed(Wrong(DOUBLE_NAMED, double_tripled_then_plus_two, "known_mistake", says="tripled"))
    with pytest.raises(AssertionError, match="should not be among"):
        diagnosed(Wrong(DOUBLE, double_by_tripling, "scale", without=("scale",)))
    assert "1.5" in diagnosed(Wrong(DOUBLE, double_by_tripling, "scale", says="1.5")).text()


def test_coverage_names_each_task_that_falls_short_and_each_unknown_task():
    rows = [Right("a.f", double), Right("a.f", double_by_adding), Right("b.g", double)]
    rows += [Wrong("a.f", lambda x, k=k: k * x, "scale") for k in range(3, 8)]
    rows += [Wrong("b.g", double_by_tripling, "scale"), Wrong("c.typo", double_by_tripling, "scale")]
    rows += [Right(DOUBLE, double)]  # ad-hoc tasks are not the course's
    gaps = coverage_gaps(rows, ["a.f", "b.g"])
    assert gaps == ["c.typo: rows name a task that checker.tasks() does not list",
                    "b.g: 1 right (at least 2), 1 wrong (at least 5)"], gaps
    assert coverage_gaps(rows, ["a.f", "b.g"], {"b.g": (1, 1, "a reason")}) == gaps[:1]


def test_the_same_implementation_twice_counts_once():
    rows = [Right("a.f", double), Right("a.f", double, forward=double_by_adding)]
    rows += [Wrong("a.f", double_by_tripling, code) for code in ("scale", "mismatch", "sign", "offset", "shape")]
    assert coverage_gaps(rows, ["a.f"]) == ["a.f: 1 right (at least 2), 1 wrong (at least 5)"]


def test_rows_are_found_in_lists_and_alone():
    class Module:
        pass

    module = Module()
    module.RIGHT = [Right("a.f", double), Right("a.f", double_by_adding)]
    module.ONE = Wrong("a.f", double_by_tripling, "scale")
    module.OTHER = [np.zeros(2), "text"]
    assert [row.id for row in rows_of(module)] == ["a.f-double", "a.f-double_by_adding", "a.f-double_by_tripling-scale"]
