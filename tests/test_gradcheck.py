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
