"""Engine features for layer and network tasks: backward tasks that build their caches with
the learner's own forward, adapters (classes), gradients into dict arguments, and randomised
tasks checked by their properties."""

from __future__ import annotations

import numpy as np
import pytest

from catalogue import PRACTICE, Right, passes, right_rows
from checker import adapters, check
from checker.spec import Case, Gradient, KnownMistake, Property, Task
from report_tools import finding


# =========================================================================== backward tasks
def _mul_forward_reference(x, y):
    return x * y, (x, y)


def _mul_backward_reference(dout, cache):
    x, y = cache
    return dout * y, dout * x


def _mul_cases(rng):
    yield Case("3 x 4 arrays", rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), dout=rng.normal(size=(3, 4)))
    yield Case("a single number each", np.array([2.0]), np.array([-3.0]), dout=np.array([0.5]))


MUL = Task("gates.mul_backward", cases=_mul_cases, outputs=("dx", "dy"),
           forward=_mul_forward_reference, reference_function=_mul_backward_reference)


# The learner's own pair, with a cache of their own design (a dict): found by name in this
# module's globals, the way a notebook's forward is found next to its backward.
def _mul_forward(x, y):
    return x * y, {"left": x, "right": y}


def mul_backward_with_dict_cache(dout, cache):
    return dout * cache["right"], dout * cache["left"]


def test_backward_uses_the_learners_own_forward_from_its_globals():
    # the reference forward caches a tuple; the lookup name is the learner's `_mul_forward`
    task = Task("gates.mul_backward", cases=_mul_cases, outputs=("dx", "dy"),
                forward=_named(_mul_forward_reference, "_mul_forward"), reference_function=_mul_backward_reference)
    report = check(task, mul_backward_with_dict_cache)
    assert report.codes == ["ok"], report.text()


def _named(fn, name):
    def renamed(*args, **kwargs):
        return fn(*args, **kwargs)

    renamed.__name__ = name
    return renamed


def test_backward_with_explicit_forward():
    report = check(MUL, mul_backward_with_dict_cache, forward=_mul_forward)
    assert report.codes == ["ok"], report.text()


def test_backward_with_the_reference_cache_when_no_forward_of_the_learner_exists():
    def mul_backward(dout, cache):
        x, y = cache
        return dout * y, dout * x

    assert check(MUL, mul_backward).codes == ["ok"]


def test_a_dict_cache_backward_fails_on_the_reference_tuple_cache_with_a_clear_exception():
    report = check(MUL, mul_backward_with_dict_cache)
    assert "exception" in report.codes, report.text()


def test_a_forward_still_raising_not_implemented_gives_way_to_the_reference_forward():
    def stub_forward(x, y):
        raise NotImplementedError

    def mul_backward(dout, cache):
        x, y = cache
        return dout * y, dout * x

    task = Task(MUL.id, cases=_mul_cases, outputs=("dx", "dy"), forward=_named(_mul_forward_reference, "stub_forward"),
                reference_function=_mul_backward_reference)
    globals()["stub_forward"] = stub_forward
    try:
        report = check(task, mul_backward)
    finally:
        del globals()["stub_forward"]
    assert report.passed, report.text()
    assert report.codes == ["ok", "note"], report.codes
    assert "stub_forward" in finding(report, "note").message


def test_editing_dout_in_place_is_a_mutation_of_dout():
    def mul_backward(dout, cache):
        x, y = cache
        dx, dy = dout * y, dout * x
        dout[...] = 0.0
        return dx, dy

    report = check(MUL, mul_backward)
    assert "mutates_input" in report.codes, report.text()
    assert finding(report, "mutates_input").output == "dout"


def test_a_wrong_backward_names_the_output_and_argument_dims():
    def mul_backward_swapped(dout, cache):
        x, y = cache
        return dout * x, dout * y

    report = check(MUL, mul_backward_swapped)
    assert not report.passed and {"mismatch"} & set(report.codes), report.text()


def test_forward_keyword_is_refused_for_a_task_without_forward():
    with pytest.raises(ValueError, match="not a backward task"):
        check("warmup.center", lambda X: X, forward=lambda X: X)


# =========================================================================== classes and dict gradients
class _LinearSoftmaxReference:
    def __init__(self, input_dim, num_classes, reg=0.0):
        self.reg = reg
        self.params = {"W1": np.zeros((input_dim, num_classes)), "b1": np.zeros(num_classes)}

    def loss(self, X, y=None):
        scores = X @ self.params["W1"] + self.params["b1"]
        if y is None:
            return scores
        shifted = scores - scores.max(axis=1, keepdims=True)
        p = np.exp(shifted)
        p /= p.sum(axis=1, keepdims=True)
        N = X.shape[0]
        loss = -np.log(p[np.arange(N), y]).mean() + 0.5 * self.reg * np.sum(self.params["W1"] ** 2)
        d = p.copy()
        d[np.arange(N), y] -= 1
        d /= N
        return loss, {"W1": X.T @ d + self.reg * self.params["W1"], "b1": d.sum(axis=0)}


def _net_cases(rng):
    for N, D, C, reg in ((5, 4, 3, 0.0), (7, 3, 4, 0.3)):
        params = {"W1": rng.normal(size=(D, C)), "b1": rng.normal(size=C)}
        yield Case(f"N={N} D={D} C={C} reg={reg}", {"input_dim": D, "num_classes": C, "reg": reg}, params,
                   rng.normal(size=(N, D)), rng.integers(0, C, size=N))


NET = Task("nets.LinearSoftmax", cases=_net_cases, outputs=("scores", "loss", "grads"),
           adapter=adapters.network_loss, reference_function=_LinearSoftmaxReference,
           gradients=[Gradient("loss", "grads.W1", "params.W1"), Gradient("loss", "grads.b1", "params.b1")])


def test_a_correct_class_passes():
    assert check(NET, _LinearSoftmaxReference).codes == ["ok"]


def test_a_class_with_a_wrong_bias_gradient_fails_the_gradient_check_on_params():
    class BiasNotSummed(_LinearSoftmaxReference):
        def loss(self, X, y=None):
            out = super().loss(X, y)
            if y is None:
                return out
            loss, grads = out
            grads["b1"] = grads["b1"] / X.shape[0]
            return loss, grads

    report = check(NET, BiasNotSummed)
    assert "gradient" in report.codes and finding(report, "gradient").output == "grads.b1", report.text()


def test_a_class_that_ignores_the_given_params_fails():
    class OwnParams(_LinearSoftmaxReference):
        def loss(self, X, y=None):
            self.params = {k: np.ones_like(v) for k, v in self.params.items()}
            return super().loss(X, y)

    assert not check(NET, OwnParams).passed


def test_dotted_replace_changes_a_copy_of_the_dict_argument():
    case = next(_net_cases(np.random.default_rng(0)))
    moved = NET.replace(case, "params.W1", np.zeros((4, 3)))
    assert np.all(NET.named_arguments(moved)["params"]["W1"] == 0)
    assert np.any(NET.named_arguments(case)["params"]["W1"] != 0)


# =========================================================================== properties
def _normal_reference(shape, std, seed):
    return np.random.default_rng(seed).normal(0.0, std, size=shape)


def _std_property(got, expected, case, call):
    values = got["W"]
    std = NORMAL.named_arguments(case)["std"]
    n = values.size
    bound = 6 * std / np.sqrt(2 * n)  # ~6 sigma of the sample standard deviation
    if abs(values.std() - std) > bound:
        return (f"standard deviation {values.std():.4g}, expected {std:g} +/- {bound:.2g}",
                f"标准差为 {values.std():.4g}，期望 {std:g} ± {bound:.2g}")
    return None


def _determinism(got, expected, case, call):
    seed = NORMAL.named_arguments(case)["seed"]
    again = call(seed=seed)["W"]
    if not np.array_equal(again, got["W"]):
        return "two calls with the same seed gave different values"
    if np.array_equal(call(seed=seed + 1)["W"], got["W"]):
        return "another seed gave the same values"
    return None


def _normal_cases(rng):
    yield Case("200 x 100, std 0.01", (200, 100), 0.01, 3)
    yield Case("50 x 400, std 2", (50, 400), 2.0, 11)


NORMAL = Task("inits.normal", cases=_normal_cases, outputs=("W",), compare_values=False,
              reference_function=_normal_reference,
              properties=[Property("standard deviation", _std_property), Property("determinism", _determinism)])


def normal_legacy_seed(shape, std, seed):
    np.random.seed(seed)
    return std * np.random.randn(*shape)


def normal_generator_standard(shape, std, seed):
    return std * np.random.default_rng(seed).standard_normal(shape)


RIGHT = [Right(NORMAL, normal_legacy_seed), Right(NORMAL, normal_generator_standard)]


@right_rows(RIGHT, seeds=PRACTICE)
def test_a_different_order_of_random_draws_passes(row, seed):
    passes(row, seed)


def test_a_wrong_scale_breaks_the_statistics_property():
    report = check(NORMAL, lambda shape, std, seed: np.random.default_rng(seed).normal(0.0, 2 * std, size=shape))
    assert report.codes == ["property"], report.text()
    assert "standard deviation" in finding(report, "property").message


def test_ignoring_the_seed_breaks_determinism():
    report = check(NORMAL, lambda shape, std, seed: np.random.default_rng().normal(0.0, std, size=shape))
    assert "property" in report.codes and "determinism" in finding(report, "property").message, report.text()


def test_a_wrong_shape_is_still_a_shape_finding():
    report = check(NORMAL, lambda shape, std, seed: np.random.default_rng(seed).normal(0.0, std, size=shape[::-1]))
    assert "shape" in report.codes or "transposed" in report.codes, report.text()


def test_a_property_whose_rerun_raises_is_reported_not_raised():
    calls = []

    def flaky(shape, std, seed):
        calls.append(seed)
        if len(calls) % 3 == 2:
            raise ValueError("boom")
        return np.random.default_rng(seed).normal(0.0, std, size=shape)

    report = check(NORMAL, flaky)
    assert "property" in report.codes and "boom" in finding(report, "property").message, report.text()


# =========================================================================== merging and sizes of zero
def _size_cases(rng):
    yield Case("n = 8, p = 0", 8, 0)
    yield Case("n = 5, p = 2", 5, 2)
    yield Case("n = 7, p = 1", 7, 1)


SIZE = Task("sizes.padded", cases=_size_cases, outputs=("size",), integer_outputs=("size",),
            reference_function=lambda n, p: n + 2 * p,
            mistakes=[KnownMistake("padding counted once", lambda n, p: n + p, "both sides"),
                      KnownMistake("padding ignored", lambda n, p: n, "pad")])


def test_a_zero_size_argument_does_not_break_the_across_case_diagnosis():
    report = check(SIZE, lambda n, p: 99)
    assert not report.passed and report.codes, report.text()


def test_two_different_known_mistakes_are_two_findings():
    def padded(n, p):
        return n + p if n == 5 else n  # "counted once" in one case, "ignored" in another

    report = check(SIZE, padded)
    messages = [f.message for f in report.findings if f.code == "known_mistake"]
    assert len(messages) == 2 and any("once" in m for m in messages) and any("ignored" in m for m in messages), report.text()
