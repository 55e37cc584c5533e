"""Pooling with padding: ``shapes.pool_output_size(n, f, s, p=0)`` against PyTorch, and its task's
padded cases (ResNet's stem pools 112 pixels to 56 with p = 1; without padding the formula gives 55)."""

import math

import pytest

import checker.reference.shapes as ref
from checker import check
from checker.registry import get as get_task

torch = pytest.importorskip("torch")


def test_the_three_argument_call_still_works():
    assert ref.pool_output_size(224, 2, 2) == 112
    assert ref.pool_output_size(13, 3, 2) == ref.pool_output_size(13, 3, 2, 0) == 6


# torch pads a pool by at most half its window: 2p <= f
SETTINGS = [(n, f, s, p) for n in (7, 8, 13, 56, 112) for f, s in ((2, 2), (3, 2), (3, 1), (4, 3)) for p in (0, 1, 2)
            if 2 * p <= f]


@pytest.mark.parametrize("n, f, s, p", SETTINGS)
def test_padded_pooling_matches_torch(n, f, s, p):
    x = torch.zeros(1, 1, n, n)
    expected = torch.nn.MaxPool2d(f, stride=s, padding=p)(x).shape[-1]
    assert ref.pool_output_size(n, f, s, p) == expected, f"n={n}, f={f}, s={s}, p={p}"


def test_resnet_stem_pool():
    assert ref.pool_output_size(112, 3, 2, 1) == 56
    assert ref.pool_output_size(112, 3, 2) == 55, "without the padding one row is lost"


@pytest.mark.parametrize("args, words", [((8, 2, 2, 2), "more than half the window"),
                                         ((8, 2, 2, -1), "p must be zero or positive"),
                                         ((8, 3, 2, 1.0), "p must be an integer")])
def test_bad_padding_is_a_value_error(args, words):
    with pytest.raises(ValueError, match=words):
        ref.pool_output_size(*args)


# =========================================================================== the task's cases
def task():
    return get_task("shapes.pool_output_size")


def test_padded_cases_come_last_and_the_others_are_unchanged():
    cases = task().make_cases()
    paddings = [case.args[3] if len(case.args) == 4 else 0 for case in cases]
    assert paddings[-2:] == [1, 1], paddings
    assert all(p == 0 for p in paddings[:-2]), "the cases before the padded ones have no padding argument"
    assert all(len(case.args) == 3 for case in cases[:-2]), "earlier cases keep the three-argument call"


def pool_with_padding(n, f, s, p=0):
    return math.floor((n + 2 * p - f) / s) + 1


def test_a_padded_implementation_passes():
    report = check("shapes.pool_output_size", pool_with_padding)
    assert report.passed, report.text()


@pytest.mark.parametrize("wrong, words", [
    (lambda n, f, s, p=0: (n - f) // s + 1, "the padding is ignored"),
    (lambda n, f, s, p=0: (n + p - f) // s + 1, "the padding is counted once"),
])
def test_padding_mistakes_are_named(wrong, words):
    report = check("shapes.pool_output_size", wrong)
    assert not report.passed
    mistakes = [f.message for f in report.findings if f.code == "known_mistake"]
    assert any(words in m for m in mistakes), report.text()


def test_a_function_without_the_padding_argument_fails_only_the_padded_cases():
    report = check("shapes.pool_output_size", lambda n, f, s: (n - f) // s + 1)
    assert not report.passed
    assert report.cases_passed == report.cases_total - 2, report.text()
    assert "exception" in report.codes, report.text()
