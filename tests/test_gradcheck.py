"""``gradcheck`` against PyTorch autograd, an independent implementation of the derivatives."""

import numpy as np
import pytest

from checker import gradcheck, set_language
from checker.gradcheck import numerical_gradient, relative_error


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(scope="module")
def torch():
    """PyTorch, imported by the tests that use it (collecting the suite stays quick)."""
    return pytest.importorskip("torch")


def autograd(torch, f_torch, x):
    """The gradient of ``f_torch`` at ``x`` from PyTorch, as a float64 NumPy array."""
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    f_torch(t).backward()
    return t.grad.numpy()


# =========================================================================== against autograd
def test_numerical_gradient_of_tanh_layer_matches_autograd(rng, torch):
    x, W = rng.normal(size=(4, 3)), rng.normal(size=(3, 5))
    Wt = torch.tensor(W)
    oracle = autograd(torch, lambda t: torch.tanh(t @ Wt).sum(), x)
    numeric = numerical_gradient(lambda v: np.sum(np.tanh(v @ W)), x)
    assert numeric.shape == x.shape
    error = relative_error(numeric, oracle)
    assert error < 1e-8, f"expected the centred difference within 1e-8 of autograd, got relative error {error:.2e}"
    result = gradcheck(lambda v: np.sum(np.tanh(v @ W)), x, oracle)
    assert result.verdict == "great" and result.passed, result.text()


def test_softmax_cross_entropy_gradient_written_by_hand_is_great(rng, torch):
    X, y, W = rng.normal(size=(6, 4)), rng.integers(0, 3, size=6), rng.normal(size=(4, 3))

    def loss(W):
        scores = X @ W
        scores = scores - scores.max(axis=1, keepdims=True)
        log_probs = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
        return -log_probs[np.arange(len(y)), y].mean()

    def by_hand(W):
        scores = X @ W
        probs = np.exp(scores - scores.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        probs[np.arange(len(y)), y] -= 1
        return X.T @ probs / len(y)

    Xt, yt = torch.tensor(X), torch.tensor(y)
    oracle = autograd(torch, lambda w: torch.nn.functional.cross_entropy(Xt @ w, yt), W)
    assert relative_error(by_hand(W), oracle) < 1e-12, "the hand-written gradient is the oracle's"
    assert loss(W) == pytest.approx(torch.nn.functional.cross_entropy(Xt @ torch.tensor(W), yt).item(), rel=1e-12)
    result = gradcheck(loss, W, by_hand(W))
    assert result.verdict == "great", result.text()
    assert result.relative_error < 1e-7


def test_a_gradient_off_by_a_factor_is_a_bug(rng, torch):
    x, W = rng.normal(size=(4, 3)), rng.normal(size=(3, 5))
    oracle = autograd(torch, lambda t: torch.tanh(t @ torch.tensor(W)).sum(), x)
    result = gradcheck(lambda v: np.sum(np.tanh(v @ W)), x, 2 * oracle)
    assert result.verdict == "bug" and not result.passed, result.text()
    assert result.relative_error == pytest.approx(1 / 3, rel=1e-6)
    assert "too large" in result.text(), result.text()
    row, column = result.worst_index
    assert f"largest difference at index [{row}, {column}]:" in result.text(), result.text()


def test_a_missing_term_is_a_bug(rng, torch):
    x = rng.normal(size=7)
    f = lambda v: np.sum(v ** 3) + np.sum(np.sin(v))  # noqa: E731
    oracle = autograd(torch, lambda t: (t ** 3).sum() + torch.sin(t).sum(), x)
    result = gradcheck(f, x, 3 * x ** 2)  # the derivative of sin was forgotten
    assert result.verdict == "bug", result.text()
    assert gradcheck(f, x, oracle).verdict == "great"


def test_relu_input_next_to_its_kink_is_fine_for_kinks(torch):
    # x[1] lies within h of the kink: the centred difference sees half a slope there
    x = np.array([1.0, 0.5e-5])
    weights = np.array([1e6, 1.0])
    f = lambda v: float(np.sum(weights * np.maximum(v, 0)))  # noqa: E731
    oracle = autograd(torch, lambda t: (torch.tensor(weights) * torch.relu(t)).sum(), x)
    np.testing.assert_array_equal(oracle, weights, err_msg="ReLU's derivative for positive inputs is 1")
    result = gradcheck(f, x, oracle)
    assert result.verdict == "kinks" and result.passed, result.text()
    assert 1e-7 <= result.relative_error < 1e-5
    assert result.worst_index == (1,), f"expected the worst entry at the kink, got {result.worst_index}"
    assert "kinks" in result.text() and "[1]" in result.text(), result.text()


@pytest.mark.parametrize("perturbation, verdict", [(0.0, "great"), (1e-9, "great"), (1e-5, "kinks"), (1e-3, "bug")])
def test_verdict_thresholds(rng, perturbation, verdict, torch):
    x = rng.normal(size=(3, 3))
    oracle = autograd(torch, lambda t: torch.exp(t).sum(), x)
    result = gradcheck(lambda v: np.sum(np.exp(v)), x, oracle * (1 + perturbation))
    assert result.verdict == verdict, f"relative perturbation {perturbation}: expected {verdict}, got {result.text()}"


# =========================================================================== interface
def test_shape_mismatch_is_a_value_error():
    with pytest.raises(ValueError, match=r"shape \(3, 4\).*shape \(4, 3\)"):
        gradcheck(lambda v: np.sum(v), np.zeros((4, 3)), np.zeros((3, 4)))


def test_f_must_be_callable():
    with pytest.raises(ValueError, match="f must be a function"):
        gradcheck(3.0, np.zeros(2), np.zeros(2))


def test_max_entries_checks_a_reproducible_sample(rng):
    x = rng.normal(size=(6, 5))
    calls = []

    def f(v):
        calls.append(1)
        return float(np.sum(v ** 2))

    result = gradcheck(f, x, 2 * x, max_entries=7, seed=3)
    assert len(result.indices) == 7 == len(set(result.indices)), result.indices
    assert result.indices == sorted(result.indices)
    assert len(calls) == 14, f"expected two evaluations per sampled entry, got {len(calls)}"
    checked = np.zeros(x.shape, dtype=bool)
    checked[tuple(np.array(result.indices).T)] = True
    assert np.isfinite(result.numerical[checked]).all() and np.isnan(result.numerical[~checked]).all()
    assert result.verdict == "great"
    assert gradcheck(f, x, 2 * x, max_entries=7, seed=3).indices == result.indices, "the same seed, the same sample"
    assert len(gradcheck(f, x, 2 * x, max_entries=100).indices) == x.size, "more entries than x has: all of them"


def test_a_wrong_entry_outside_the_sample_is_not_seen_but_inside_it_is(rng):
    x = rng.normal(size=(4, 4))
    sample = gradcheck(lambda v: float(np.sum(v ** 2)), x, 2 * x, max_entries=3, seed=1).indices
    outside = next(i for i in np.ndindex(x.shape) if i not in sample)
    analytic = 2 * x
    analytic[outside] += 1.0
    assert gradcheck(lambda v: float(np.sum(v ** 2)), x, analytic, max_entries=3, seed=1).verdict == "great"
    analytic = 2 * x
    analytic[sample[0]] += 1.0
    assert gradcheck(lambda v: float(np.sum(v ** 2)), x, analytic, max_entries=3, seed=1).verdict == "bug"


def test_numerical_gradient_leaves_x_alone_and_works_in_float64(rng):
    x = rng.normal(size=(3, 2)).astype(np.float32)
    kept = x.copy()
    dtypes = set()

    def f(v):
        dtypes.add(v.dtype)
        return float(np.sum(v ** 2))

    numeric = numerical_gradient(f, x)
    np.testing.assert_array_equal(x, kept)
    assert dtypes == {np.dtype(np.float64)}, dtypes
    np.testing.assert_allclose(numeric, 2 * x.astype(np.float64), rtol=1e-7)


def test_relative_error():
    a = np.array([3.0, 4.0])
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(0.0, 0.0) == 0.0
    assert relative_error(a, a) == 0.0
    assert relative_error(a, -a) == 1.0
    assert relative_error(a, np.zeros(2)) == 1.0
    assert relative_error(a, 2 * a) == pytest.approx(1 / 3)


def test_result_renders_in_both_languages(rng):
    x = rng.normal(size=4)
    result = gradcheck(lambda v: float(np.sum(v ** 2)), x, 3 * x)
    assert result.text().startswith("relative error 2.00e-01: too large"), result.text()
    set_language("zh")
    assert result.text().startswith("相对误差 2.00e-01：过大"), result.text()
    assert "差别最大的位置" in result.text()
    assert "相对误差" in repr(result)
    assert result._repr_html_().startswith("<div") and result._repr_html_().endswith("</div>")


# =========================================================================== kinks: found, declared, or absent
def relu_sum(v):
    return float(np.sum(np.maximum(v, 0.0)))


def test_a_correct_relu_gradient_across_kinks_is_explained_not_called_a_bug(torch):
    # notebook 04's experiment: with h = 1e-2 some of 2000 inputs lie within h of the kink at 0,
    # and the plain relative error (~1e-2) is far above 1e-5 although the gradient is right
    x = np.random.default_rng(3).normal(size=2000)
    oracle = autograd(torch, lambda t: torch.relu(t).sum(), x)
    h = 1e-2
    result = gradcheck(relu_sum, x, oracle, h=h)
    within_h = {(i,) for i in np.flatnonzero(np.abs(x) < h)}
    assert within_h, "the experiment needs some inputs within h of the kink"
    assert result.relative_error > 1e-3, f"expected the plain error of notebook 04, got {result.relative_error:.1e}"
    assert result.verdict == "kinks" and result.passed, result.text()
    assert set(result.kinks) == within_h, f"expected the entries within h of 0, {sorted(within_h)}, got {result.kinks}"
    assert result.refined_error < 1e-7, result.refined_error
    text = result.text()
    assert f"{len(within_h)} of 2000 checked entries lie within h = 1e-02 of a kink" in text, text
    assert "shrink h" in text and "probably wrong" not in text, text
    assert "(within h of a kink)" in text, "the worst entry is one of them and is marked"


def test_a_wrong_gradient_is_still_a_bug_when_some_entries_sit_at_kinks(torch):
    x = np.random.default_rng(3).normal(size=500)
    oracle = autograd(torch, lambda t: torch.relu(t).sum(), x)
    wrong = oracle.copy()
    far = int(np.argmax(x))                      # an entry nowhere near the kink
    wrong[far] = 3.0
    result = gradcheck(relu_sum, x, wrong, h=1e-2)
    assert result.kinks, "some entries are within h of the kink"
    assert result.verdict == "bug" and not result.passed, result.text()
    assert "even with the kinks accounted for" in result.text(), result.text()


def test_a_wrong_slope_at_an_entry_next_to_a_kink_is_caught():
    # x[0] is 5e-4 below the kink: the step h = 1e-3 straddles it, h / 10 does not, so the
    # smaller step shows the slope 0 on x's side and an analytic 1 there is wrong
    x = np.array([-5e-4, 0.7, -0.3])
    right = np.array([0.0, 1.0, 0.0])
    assert gradcheck(relu_sum, x, right, h=1e-3).verdict == "kinks"
    wrong = np.array([1.0, 1.0, 0.0])
    result = gradcheck(relu_sum, x, wrong, h=1e-3)
    assert result.kinks == [(0,)], result.kinks
    assert result.verdict == "bug", result.text()


@pytest.mark.parametrize("slope, verdict", [(0.0, "kinks"), (1.0, "kinks"), (0.3, "kinks"), (1.5, "bug"), (-0.5, "bug")])
def test_exactly_at_a_kink_any_subgradient_passes(slope, verdict):
    x = np.array([0.0, 1.0, -1.0])               # x[0] sits on the kink: every slope in [0, 1] is valid
    result = gradcheck(relu_sum, x, np.array([slope, 1.0, 0.0]))
    assert result.verdict == verdict, f"slope {slope} at the kink: {result.text()}"
    assert result.kinks == [(0,)], result.kinks


def test_declared_kink_positions_are_counted_without_looking_everywhere():
    x = np.random.default_rng(5).normal(size=300)
    h = 1e-2
    calls = []

    def counted(v):
        calls.append(1)
        return relu_sum(v)

    result = gradcheck(counted, x, (x > 0).astype(float), h=h, kinks=0.0)
    near = np.flatnonzero(np.abs(x) < h)
    assert result.verdict == "kinks", result.text()
    assert set(result.kinks) == {(i,) for i in near}
    looked_again = len(calls) - (2 * x.size + 1)
    assert 2 * len(near) <= looked_again <= 6 * len(near), "the second look evaluates f only next to the declared kinks"
    smooth = gradcheck(relu_sum, x, (x > 0).astype(float), h=h, kinks=False)
    assert smooth.verdict == "bug" and smooth.kinks == [], "kinks=False: the caller says f is smooth"


def test_a_relu_layer_checked_with_respect_to_its_weights(torch):
    # the kinks sit in the hidden pre-activations, not in the checked array: only the second look finds them
    rng = np.random.default_rng(7)
    X, W, V = rng.normal(size=(40, 6)), rng.normal(size=(6, 30)), rng.normal(size=30)
    f = lambda w: float(np.sum(np.maximum(X @ w, 0.0) * V))  # noqa: E731
    oracle = autograd(torch, lambda t: (torch.relu(torch.tensor(X) @ t) * torch.tensor(V)).sum(), W)
    result = gradcheck(f, W, oracle, h=1e-2)
    assert result.relative_error > 1e-5, "h = 1e-2 crosses some kinks"
    assert result.verdict == "kinks" and result.kinks, result.text()
    assert gradcheck(f, W, 1.01 * oracle, h=1e-2).verdict == "bug"


def test_a_smooth_function_with_a_wrong_gradient_says_no_kink_was_crossed(rng):
    x = rng.normal(size=50) * 1e-3               # near the minimum of sum(x^2): curvature, no kink
    result = gradcheck(lambda v: float(np.sum(v ** 2)), x, 2 * x * (1 + 1e-3))
    assert result.verdict == "bug" and result.kinks == [], result.text()
    assert "no step crossed a kink" in result.text(), result.text()
    assert gradcheck(lambda v: float(np.sum(v ** 2)), x, 2 * x).verdict == "great"


@pytest.mark.parametrize("returns", ["float32", "python float"])
def test_a_float32_function_is_not_reliable_rather_than_wrong(rng, returns):
    x = rng.normal(size=8)
    weights = np.arange(1, 9)

    def f(v):
        value = np.sum(np.float32(weights) * np.sin(v.astype(np.float32)))
        return value if returns == "float32" else float(value)

    result = gradcheck(f, x, weights * np.cos(x))
    assert result.relative_error > 1e-5, "notebook 04: float32 at h = 1e-5 is off by about 1e-3"
    assert result.verdict == "noisy" and not result.passed, result.text()
    assert "float64" in result.text(), result.text()


def test_kinks_verdict_in_chinese():
    x = np.random.default_rng(3).normal(size=400)
    result = gradcheck(relu_sum, x, (x > 0).astype(float), h=1e-2)
    set_language("zh")
    assert result.text().startswith("相对误差") and "可由折点解释" in result.text(), result.text()
    assert "（距离折点不到 h）" in result.text() or result.worst_index not in result.kinks


@pytest.mark.parametrize("kinks", ["relu", [1.0, 2.0, 3.0]])
def test_kinks_argument_must_be_a_position_or_a_flag(kinks):
    with pytest.raises(ValueError, match="kinks must be"):
        gradcheck(relu_sum, np.zeros(2), np.zeros(2), kinks=kinks)


@pytest.mark.parametrize("h", [0.0, -1e-5, "1e-5"])
def test_the_step_must_be_positive(h):
    with pytest.raises(ValueError, match="step h must be a positive number"):
        gradcheck(relu_sum, np.ones(2), np.ones(2), h=h)
