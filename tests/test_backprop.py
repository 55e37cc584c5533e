"""Notebook 04, backpropagation: the reference, the task specifications and the findings.

Every wrong implementation below is one a learner could plausibly write; each must fail with
the finding code that names its cause. Right implementations in other styles (CS231n's,
loops, PyTorch-like tie splits, float32) must pass with nothing but ``ok``. PyTorch autograd is
the independent oracle for the gates, the staged circuit and the neuron.
"""

import zlib

import numpy as np
import pytest
import torch

import checker
import checker.reference.backprop as ref
from catalogue import GRADING, Right, Wrong, diagnosed, passes, report_of, right_rows, wrong_rows
from checker import adapters, check, registry
from checker.spec import PRACTICE_SEED
from report_tools import finding


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# =========================================================================== wrong implementations
# ---- the learner's own forwards, found by the backward checks in this module's globals
def add_forward(x, y):
    return x + y, (x, y)


def mul_forward(x, y):
    return x * y, (x, y)


def max_forward(x, y):
    return np.maximum(x, y), (x, y)


def sigmoid_forward(x):
    out = _sigmoid(x)
    return out, out


def circuit_forward(x, y, z):
    q = x + y
    return q * z, (x, y, z, q)


def neuron_forward(w, x):
    out = float(_sigmoid(w[0] * x[0] + w[1] * x[1] + w[2]))
    return out, (w, x, out)


# ---- add
def add_forward_no_cache(x, y):
    return x + y


def add_forward_in_place(x, y):
    x += y
    return x, None


def add_forward_multiplies(x, y):
    return x * y, None


def add_forward_swapped_pair(x, y):
    return (x, y), x + y


def add_forward_list_out(x, y):
    return (x + y).tolist(), None


def add_backward_once(dout, cache):
    return dout


def add_backward_doubled(dout, cache):
    return 2 * dout, 2 * dout


def add_backward_like_mul(dout, cache):
    x, y = cache
    return dout * y, dout * x


def add_backward_ones(dout, cache):
    x, y = cache
    return np.ones_like(x), np.ones_like(y)


def add_backward_dy_zero(dout, cache):
    return dout, np.zeros_like(dout)


def add_backward_negated(dout, cache):
    return -dout, -dout


# ---- mul
def mul_forward_dot(x, y):
    return np.dot(x, y), (x, y)


def mul_forward_adds(x, y):
    return x + y, (x, y)


def mul_forward_matmul(x, y):
    return x @ y, (x, y)


def mul_forward_out_only(x, y):
    return x * y


def mul_forward_in_place(x, y):
    np.multiply(x, y, out=x)
    return x, (x, y)


def mul_backward_not_swapped(dout, cache):
    x, y = cache
    return dout * x, dout * y


def mul_backward_without_dout(dout, cache):
    x, y = cache
    return y, x


def mul_backward_plus(dout, cache):
    x, y = cache
    return dout + y, dout + x


def mul_backward_in_place(dout, cache):
    x, y = cache
    dx = dout * y
    dout *= x
    return dx, dout


def mul_backward_matmul(dout, cache):
    x, y = cache
    return dout @ y.T, x.T @ dout


def mul_backward_only_dx(dout, cache):
    x, y = cache
    return dout * y


# ---- max
def max_forward_np_max(x, y):
    return np.max(x, y), (x, y)


def max_forward_minimum(x, y):
    return np.minimum(x, y), (x, y)


def max_forward_builtin(x, y):
    return max(x, y), (x, y)


def max_forward_scalar(x, y):
    return np.max([x, y]), (x, y)


def max_forward_out_only(x, y):
    return np.maximum(x, y)


def max_backward_to_both(dout, cache):
    return dout, dout


def max_backward_to_smaller(dout, cache):
    x, y = cache
    return dout * (x < y), dout * (y <= x)


def max_backward_ties_to_neither(dout, cache):
    x, y = cache
    return dout * (x > y), dout * (y > x)


def max_backward_ties_to_both(dout, cache):
    x, y = cache
    return dout * (x >= y), dout * (y >= x)


def max_backward_without_dout(dout, cache):
    x, y = cache
    return (x >= y).astype(float), (y > x).astype(float)


def max_backward_routes_values(dout, cache):
    x, y = cache
    return np.where(x >= y, x, 0.0), np.where(y > x, y, 0.0)


# ---- sigmoid
def sigmoid_forward_minus(x):
    out = 1 / (1 + np.exp(x))
    return out, out


def sigmoid_forward_precedence(x):
    out = 1 / 1 + np.exp(-x)
    return out, out


def sigmoid_forward_math(x):
    import math

    out = 1 / (1 + math.exp(-x))
    return out, out


def sigmoid_forward_out_only(x):
    return _sigmoid(x)


def sigmoid_forward_tanh(x):
    out = np.tanh(x)
    return out, out


def sigmoid_backward_sigma(dout, cache):
    return dout * cache


def sigmoid_forward_caches_x(x):
    return _sigmoid(x), x


def sigmoid_backward_uses_input(dout, cache):
    return dout * cache * (1 - cache)


def sigmoid_backward_without_dout(dout, cache):
    return cache * (1 - cache)


def sigmoid_backward_negated(dout, cache):
    return -dout * cache * (1 - cache)


def sigmoid_backward_in_place(dout, cache):
    dout *= cache * (1 - cache)
    return dout


def sigmoid_backward_pair(dout, cache):
    return dout * cache * (1 - cache), None


# ---- circuit
def circuit_forward_precedence(x, y, z):
    return x + y * z, (x, y, z)


def circuit_forward_q_only(x, y, z):
    q = x + y
    return q, (q, z)


def circuit_forward_out_only(x, y, z):
    return (x + y) * z


def circuit_forward_dot(x, y, z):
    return np.dot(x + y, z), (x, y, z)


def circuit_forward_in_place(x, y, z):
    x += y
    x *= z
    return x, (x, y, z)


def circuit_backward_not_swapped(df, cache):
    x, y, z, q = cache
    return q * df, q * df, z * df


def circuit_backward_only_add(df, cache):
    x, y, z, q = cache
    return df, df, q * df


def circuit_backward_without_upstream(df, cache):
    x, y, z, q = cache
    return z, z, q


def circuit_backward_dz_with_x_only(df, cache):
    x, y, z, q = cache
    return z * df, z * df, x * df


def circuit_backward_two_outputs(df, cache):
    x, y, z, q = cache
    return z * df, q * df


def circuit_backward_dy_zero(df, cache):
    x, y, z, q = cache
    return z * df, 0 * df, q * df


# ---- neuron
def neuron_forward_no_bias(w, x):
    out = _sigmoid(w[0] * x[0] + w[1] * x[1])
    return out, (w, x, out)


def neuron_forward_no_sigmoid(w, x):
    z = w[0] * x[0] + w[1] * x[1] + w[2]
    return z, (w, x, z)


def neuron_forward_dot(w, x):
    out = _sigmoid(np.dot(w, x))
    return out, (w, x, out)


def neuron_forward_bias_weighted(w, x):
    out = _sigmoid(w[0] * x[0] + w[1] * x[1] + w[2] * x[1])
    return out, (w, x, out)


def neuron_forward_out_only(w, x):
    return _sigmoid(w[0] * x[0] + w[1] * x[1] + w[2])


def neuron_backward_no_local_gradient(dout, cache):
    w, x, out = cache
    return dout * np.array([x[0], x[1], 1.0]), dout * np.array([w[0], w[1]])


def neuron_backward_sigma(dout, cache):
    w, x, out = cache
    dz = dout * out
    return np.array([x[0] * dz, x[1] * dz, dz]), np.array([w[0] * dz, w[1] * dz])


def neuron_backward_no_bias(dout, cache):
    w, x, out = cache
    dz = dout * out * (1 - out)
    return np.array([x[0] * dz, x[1] * dz, 0.0]), np.array([w[0] * dz, w[1] * dz])


def neuron_backward_not_swapped(dout, cache):
    w, x, out = cache
    dz = dout * out * (1 - out)
    return np.array([w[0] * dz, w[1] * dz, dz]), np.array([x[0] * dz, x[1] * dz])


def neuron_backward_order(dout, cache):
    w, x, out = cache
    dz = dout * out * (1 - out)
    return np.array([w[0] * dz, w[1] * dz]), np.array([x[0] * dz, x[1] * dz, dz])


def neuron_backward_without_dout(dout, cache):
    w, x, out = cache
    dz = out * (1 - out)
    return np.array([x[0] * dz, x[1] * dz, dz]), np.array([w[0] * dz, w[1] * dz])


def neuron_backward_dw_two(dout, cache):
    w, x, out = cache
    dz = dout * out * (1 - out)
    return x * dz, w[:2] * dz


# ---- numerical_gradient
def numerical_forward_difference(f, x, h=1e-5):
    grad = np.zeros_like(x)
    fx = f(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        grad[ix] = (f(x) - fx) / h
        x[ix] = old
        it.iternext()
    return grad


def numerical_h_not_halved(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        fp = f(x)
        x[ix] = old - h
        fm = f(x)
        x[ix] = old
        grad[ix] = (fp - fm) / h
    return grad


def numerical_not_restored(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        x[ix] += h
        fp = f(x)
        x[ix] -= 2 * h
        fm = f(x)
        grad[ix] = (fp - fm) / (2 * h)
    return grad


def numerical_float32(f, x, h=1e-5):
    x = x.astype(np.float32)
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        fp = f(x)
        x[ix] = old - h
        fm = f(x)
        x[ix] = old
        grad[ix] = (fp - fm) / (2 * h)
    return grad


def numerical_alias(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for ix in np.ndindex(x.shape):
        x_plus = x
        x_plus[ix] += h
        f_plus = f(x_plus)
        x_minus = x
        x_minus[ix] -= h
        f_minus = f(x_minus)
        grad[ix] = (f_plus - f_minus) / (2 * h)
    return grad


def numerical_rows_only(f, x, h=1e-5):
    grad = np.zeros(len(x))
    for i in range(len(x)):
        old = x[i].copy()
        x[i] = old + h
        fp = f(x)
        x[i] = old - h
        fm = f(x)
        x[i] = old
        grad[i] = np.sum(fp - fm) / (2 * h)
    return grad


def numerical_ignores_h(f, x, h=1e-5):
    step = 1e-5
    grad = np.zeros(x.shape)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + step
        fp = f(x)
        x[ix] = old - step
        fm = f(x)
        x[ix] = old
        grad[ix] = (fp - fm) / (2 * step)
    return grad


# ---- relative_error
def relative_error_no_denominator(a, b):
    return np.linalg.norm(a - b)


def relative_error_max_denominator(a, b):
    d = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if d == 0 else np.linalg.norm(a - b) / d


def relative_error_nan_for_zeros(a, b):
    with np.errstate(invalid="ignore"):
        return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))


def relative_error_cs231n_elementwise(a, b):
    return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))


def relative_error_elementwise_array(a, b):
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(np.abs(a - b) / (np.abs(a) + np.abs(b)))


def relative_error_squared(a, b):
    d = np.sum(a * a) + np.sum(b * b)
    return 0.0 if d == 0 else np.sum((a - b) ** 2) / d


def relative_error_l1(a, b):
    d = np.sum(np.abs(a)) + np.sum(np.abs(b))
    return 0.0 if d == 0 else np.sum(np.abs(a - b)) / d


def relative_error_relative_to_a(a, b):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.linalg.norm(a - b) / np.linalg.norm(a)


# (the backward checks find the forward of the same name in this module; forward= names another)
WRONG = [
    Wrong("backprop.add_forward", add_forward_no_cache, "wrong_type"),
    Wrong("backprop.add_forward", add_forward_in_place, "mutates_input"),
    Wrong("backprop.add_forward", add_forward_multiplies, "mismatch"),
    Wrong("backprop.add_forward", add_forward_swapped_pair, "wrong_type"),
    Wrong("backprop.add_forward", add_forward_list_out, "wrong_type"),
    Wrong("backprop.add_backward", add_backward_once, "wrong_type"),
    Wrong("backprop.add_backward", add_backward_doubled, "scale"),
    Wrong("backprop.add_backward", add_backward_like_mul, "known_mistake"),
    Wrong("backprop.add_backward", add_backward_ones, "mismatch"),
    Wrong("backprop.add_backward", add_backward_dy_zero, "mismatch"),
    Wrong("backprop.add_backward", add_backward_negated, "sign"),
    Wrong("backprop.mul_forward", mul_forward_dot, "shape"),
    Wrong("backprop.mul_forward", mul_forward_adds, "mismatch"),
    Wrong("backprop.mul_forward", mul_forward_matmul, "exception"),
    Wrong("backprop.mul_forward", mul_forward_out_only, "wrong_type"),
    Wrong("backprop.mul_forward", mul_forward_in_place, "mutates_input"),
    Wrong("backprop.mul_backward", mul_backward_not_swapped, "known_mistake"),
    Wrong("backprop.mul_backward", mul_backward_without_dout, "known_mistake"),
    Wrong("backprop.mul_backward", mul_backward_plus, "mismatch"),
    Wrong("backprop.mul_backward", mul_backward_in_place, "mutates_input"),
    Wrong("backprop.mul_backward", mul_backward_matmul, "exception"),
    Wrong("backprop.mul_backward", mul_backward_only_dx, "wrong_type"),
    Wrong("backprop.max_forward", max_forward_np_max, "exception"),
    Wrong("backprop.max_forward", max_forward_minimum, "mismatch"),
    Wrong("backprop.max_forward", max_forward_builtin, "exception"),
    Wrong("backprop.max_forward", max_forward_scalar, "shape"),
    Wrong("backprop.max_forward", max_forward_out_only, "wrong_type"),
    Wrong("backprop.max_backward", max_backward_to_both, "known_mistake"),
    Wrong("backprop.max_backward", max_backward_to_smaller, "known_mistake"),
    Wrong("backprop.max_backward", max_backward_ties_to_neither, "mismatch"),
    Wrong("backprop.max_backward", max_backward_ties_to_both, "mismatch"),
    Wrong("backprop.max_backward", max_backward_without_dout, "mismatch"),
    Wrong("backprop.max_backward", max_backward_routes_values, "mismatch"),
    Wrong("backprop.sigmoid_forward", sigmoid_forward_minus, "known_mistake"),
    Wrong("backprop.sigmoid_forward", sigmoid_forward_precedence, "mismatch"),
    Wrong("backprop.sigmoid_forward", sigmoid_forward_math, "exception"),
    Wrong("backprop.sigmoid_forward", sigmoid_forward_out_only, "wrong_type"),
    Wrong("backprop.sigmoid_forward", sigmoid_forward_tanh, "mismatch"),
    Wrong("backprop.sigmoid_backward", sigmoid_backward_sigma, "known_mistake"),
    Wrong("backprop.sigmoid_backward", sigmoid_backward_uses_input, "known_mistake", forward=sigmoid_forward_caches_x),
    Wrong("backprop.sigmoid_backward", sigmoid_backward_without_dout, "mismatch"),
    Wrong("backprop.sigmoid_backward", sigmoid_backward_negated, "sign"),
    Wrong("backprop.sigmoid_backward", sigmoid_backward_in_place, "mutates_input"),
    Wrong("backprop.sigmoid_backward", sigmoid_backward_pair, "wrong_type"),
    Wrong("backprop.circuit_forward", circuit_forward_precedence, "known_mistake"),
    Wrong("backprop.circuit_forward", circuit_forward_q_only, "mismatch"),
    Wrong("backprop.circuit_forward", circuit_forward_out_only, "wrong_type"),
    Wrong("backprop.circuit_forward", circuit_forward_dot, "shape"),
    Wrong("backprop.circuit_forward", circuit_forward_in_place, "mutates_input"),
    Wrong("backprop.circuit_backward", circuit_backward_not_swapped, "known_mistake"),
    Wrong("backprop.circuit_backward", circuit_backward_only_add, "known_mistake"),
    Wrong("backprop.circuit_backward", circuit_backward_without_upstream, "known_mistake"),
    Wrong("backprop.circuit_backward", circuit_backward_dz_with_x_only, "mismatch"),
    Wrong("backprop.circuit_backward", circuit_backward_two_outputs, "wrong_type"),
    Wrong("backprop.circuit_backward", circuit_backward_dy_zero, "mismatch"),
    Wrong("backprop.neuron_forward", neuron_forward_no_bias, "known_mistake"),
    Wrong("backprop.neuron_forward", neuron_forward_no_sigmoid, "known_mistake"),
    Wrong("backprop.neuron_forward", neuron_forward_dot, "exception"),
    Wrong("backprop.neuron_forward", neuron_forward_bias_weighted, "mismatch"),
    Wrong("backprop.neuron_forward", neuron_forward_out_only, "wrong_type"),
    Wrong("backprop.neuron_backward", neuron_backward_no_local_gradient, "known_mistake"),
    Wrong("backprop.neuron_backward", neuron_backward_sigma, "known_mistake"),
    Wrong("backprop.neuron_backward", neuron_backward_no_bias, "known_mistake"),
    Wrong("backprop.neuron_backward", neuron_backward_not_swapped, "known_mistake"),
    Wrong("backprop.neuron_backward", neuron_backward_order, "shape"),
    Wrong("backprop.neuron_backward", neuron_backward_without_dout, "scale"),
    Wrong("backprop.neuron_backward", neuron_backward_dw_two, "shape"),
    Wrong("backprop.numerical_gradient", numerical_forward_difference, "known_mistake"),
    Wrong("backprop.numerical_gradient", numerical_h_not_halved, "scale"),
    Wrong("backprop.numerical_gradient", numerical_not_restored, "mutates_input"),
    Wrong("backprop.numerical_gradient", numerical_float32, "known_mistake"),
    Wrong("backprop.numerical_gradient", numerical_alias, "known_mistake"),
    Wrong("backprop.numerical_gradient", numerical_rows_only, "shape"),
    Wrong("backprop.numerical_gradient", numerical_ignores_h, "mismatch"),
    Wrong("backprop.relative_error", relative_error_no_denominator, "known_mistake"),
    Wrong("backprop.relative_error", relative_error_max_denominator, "known_mistake"),
    Wrong("backprop.relative_error", relative_error_nan_for_zeros, "non_finite"),
    Wrong("backprop.relative_error", relative_error_cs231n_elementwise, "known_mistake"),
    Wrong("backprop.relative_error", relative_error_elementwise_array, "shape"),
    Wrong("backprop.relative_error", relative_error_squared, "mismatch"),
    Wrong("backprop.relative_error", relative_error_l1, "known_mistake"),
    Wrong("backprop.relative_error", relative_error_relative_to_a, "non_finite"),
]


@wrong_rows(WRONG, seeds=GRADING)
def test_wrong_implementation_is_diagnosed(row, seed):
    diagnosed(row, seed)


# =========================================================================== what the findings say
def test_a_forward_that_returns_out_alone_is_told_to_return_the_pair():
    report = report_of("backprop.add_forward", add_forward_no_cache)
    wrong = finding(report, "wrong_type")
    assert "2" in wrong.message and "out, cache" in wrong.hint, report.text()


def test_max_ties_to_both_or_neither_fail_only_on_the_tie_case():
    for fn in (max_backward_ties_to_both, max_backward_ties_to_neither):
        report = report_of("backprop.max_backward", fn)
        assert report.cases_passed == report.cases_total - 1, report.text()
        assert all("ReLU" in label[0] for f in report.findings for label in f.cases), report.text()


def test_sigmoid_backward_with_the_input_names_the_cache_choice():
    report = report_of("backprop.sigmoid_backward", sigmoid_backward_uses_input, forward=sigmoid_forward_caches_x)
    mistake = finding(report, "known_mistake")
    assert "input x" in mistake.message and "cache out" in mistake.hint


def test_missing_dout_in_the_neuron_is_a_scale_by_one_over_dout():
    report = report_of("backprop.neuron_backward", neuron_backward_without_dout)
    scale = finding(report, "scale")
    assert "-1.42857" in scale.message and "dout" in scale.hint, report.text()   # 1 / (-0.7)


def test_not_restoring_x_names_the_argument_x():
    report = report_of("backprop.numerical_gradient", numerical_not_restored)
    assert finding(report, "mutates_input").output == "x"


def test_h_not_halved_is_a_factor_two_with_the_2h_hint():
    report = report_of("backprop.numerical_gradient", numerical_h_not_halved)
    scale = finding(report, "scale")
    assert "2" in scale.message and "2h" in scale.hint, report.text()


def test_nan_for_two_zero_arrays_fails_only_that_case():
    report = report_of("backprop.relative_error", relative_error_nan_for_zeros)
    assert report.cases_passed == report.cases_total - 1
    assert "zeros" in finding(report, "non_finite").case


def test_editing_dout_in_place_is_a_mutation_of_dout():
    report = report_of("backprop.mul_backward", mul_backward_in_place)
    assert finding(report, "mutates_input").output == "dout"


# =========================================================================== right implementations
# ---- add
def add_forward_no_cache_needed(x, y):
    return np.add(x, y), None


def add_forward_float32(x, y):
    out = np.asarray(x, dtype=np.float32) + np.asarray(y, dtype=np.float32)
    return out, (np.shape(x), np.shape(y))


def add_backward_cs231n(dout, cache):
    x, y = cache
    dx = dout * np.ones_like(x)
    dy = dout * np.ones_like(y)
    return dx, dy


def add_backward_passthrough(dout, cache):
    return dout.copy(), dout.copy()


# ---- mul
def mul_forward_dict_cache(x, y):
    return np.multiply(x, y), {"x": x, "y": y}


def mul_backward_cs231n(dout, cache):
    x, y = cache
    dx = y * dout
    dy = x * dout
    return dx, dy


def mul_backward_dict_cache(dout, cache):
    return np.multiply(dout, cache["y"]), np.multiply(dout, cache["x"])


# ---- max
def max_forward_mask_cache(x, y):
    mask = x > y
    return np.where(mask, x, y), mask


def max_backward_cs231n(dout, cache):
    x, y = cache
    dx = (x >= y) * dout
    dy = (x < y) * dout
    return dx, dy


def max_backward_mask_y_wins_ties(dout, cache):
    mask = cache
    return np.where(mask, dout, 0.0), np.where(mask, 0.0, dout)


def max_backward_torch_like_half_split(dout, cache):
    x, y = cache
    share = np.where(x > y, 1.0, np.where(x < y, 0.0, 0.5))
    return share * dout, (1.0 - share) * dout


# ---- sigmoid
def sigmoid_forward_cache_x(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x)), x


def sigmoid_backward_cs231n(dout, cache):
    out = cache
    dx = (1 - out) * out * dout
    return dx


def sigmoid_backward_recompute(dout, cache):
    s = 0.5 * (1.0 + np.tanh(0.5 * cache))
    return dout * s * (1 - s)


def sigmoid_forward_float32(x):
    out = (1 / (1 + np.exp(-np.asarray(x, dtype=np.float32)))).astype(np.float32)
    return out, out


# ---- circuit
def circuit_forward_with_gates(x, y, z):
    q, add_cache = add_forward(x, y)
    f, mul_cache = mul_forward(q, z)
    return f, (add_cache, mul_cache)


def circuit_backward_with_gates(df, cache):
    add_cache, mul_cache = cache
    dq, dz = mul_backward_cs231n(df, mul_cache)
    dx, dy = add_backward_cs231n(dq, add_cache)
    return dx, dy, dz


def circuit_backward_cs231n(df, cache):
    x, y, z, q = cache
    dqdx, dqdy = 1.0, 1.0          # local gradients of q = x + y
    dz = q * df                    # f = q * z
    dq = z * df
    dx = dqdx * dq
    dy = dqdy * dq
    return dx, dy, dz


def circuit_forward_formula(x, y, z):
    return (x + y) * z, (x, y, z)


def circuit_backward_formula(df, cache):
    x, y, z = cache
    return z * df, z * df, (x + y) * df


# ---- neuron
def neuron_backward_cs231n(dout, cache):
    w, x, f = cache
    ddot = (1 - f) * f * dout      # gradient on dot, the sigmoid's local gradient times upstream
    dx = [w[0] * ddot, w[1] * ddot]
    dw = [x[0] * ddot, x[1] * ddot, 1.0 * ddot]
    return np.array(dw), np.array(dx)


def neuron_forward_vectorized(w, x):
    z = w[:2] @ x + w[2]
    out = 1.0 / (1.0 + np.exp(-z))
    return out, (np.append(x, 1.0), w[:2], out)


def neuron_backward_vectorized(dout, cache):
    x1, w2, out = cache
    dz = np.asarray(dout * out * (1 - out))
    return x1 * dz, w2 * dz


# ---- numerical_gradient
def numerical_cs231n(f, x, h=1e-5):
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        fxph = f(x)
        x[ix] = oldval - h
        fxmh = f(x)
        x[ix] = oldval
        grad[ix] = (fxph - fxmh) / (2 * h)
        it.iternext()
    return grad


def numerical_copies(f, x, h=1e-5):
    grad = np.empty(x.shape)
    for ix in np.ndindex(*x.shape):
        plus, minus = x.copy(), x.copy()
        plus[ix] += h
        minus[ix] -= h
        grad[ix] = (f(plus) - f(minus)) / (2 * h)
    return grad


def numerical_flat_view(f, x, h=1e-5):
    grad = np.zeros(x.size)
    flat = x.reshape(-1)             # a view: changing it changes x
    for i in range(x.size):
        old = flat[i]
        flat[i] = old + h
        fp = f(x)
        flat[i] = old - h
        fm = f(x)
        flat[i] = old
        grad[i] = (fp - fm) / 2 / h
    return grad.reshape(x.shape)


# ---- relative_error
def relative_error_norms(a, b):
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    if denominator == 0:
        return 0.0
    return np.linalg.norm(a - b) / denominator


def relative_error_sqrt_sum(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    num = np.sqrt(np.sum((a - b) ** 2))
    den = np.sqrt(np.sum(a ** 2)) + np.sqrt(np.sum(b ** 2))
    return float(num / den) if den > 0 else 0.0


# (forward=: its own forward, where it is not the one of the same name in this module)
RIGHT = [
    Right("backprop.add_forward", add_forward),
    Right("backprop.add_forward", add_forward_no_cache_needed),
    Right("backprop.add_forward", add_forward_float32),
    Right("backprop.add_backward", add_backward_cs231n),
    Right("backprop.add_backward", add_backward_passthrough, forward=add_forward_no_cache_needed),
    Right("backprop.mul_forward", mul_forward),
    Right("backprop.mul_forward", mul_forward_dict_cache),
    Right("backprop.mul_backward", mul_backward_cs231n),
    Right("backprop.mul_backward", mul_backward_dict_cache, forward=mul_forward_dict_cache),
    Right("backprop.max_forward", max_forward),
    Right("backprop.max_forward", max_forward_mask_cache),
    Right("backprop.max_backward", max_backward_cs231n),
    Right("backprop.max_backward", max_backward_mask_y_wins_ties, forward=max_forward_mask_cache),
    Right("backprop.max_backward", max_backward_torch_like_half_split),
    Right("backprop.sigmoid_forward", sigmoid_forward),
    Right("backprop.sigmoid_forward", sigmoid_forward_cache_x),
    Right("backprop.sigmoid_forward", sigmoid_forward_float32),
    Right("backprop.sigmoid_backward", sigmoid_backward_cs231n),
    Right("backprop.sigmoid_backward", sigmoid_backward_recompute, forward=sigmoid_forward_cache_x),
    Right("backprop.circuit_forward", circuit_forward),
    Right("backprop.circuit_forward", circuit_forward_with_gates),
    Right("backprop.circuit_forward", circuit_forward_formula),
    Right("backprop.circuit_backward", circuit_backward_cs231n),
    Right("backprop.circuit_backward", circuit_backward_with_gates, forward=circuit_forward_with_gates),
    Right("backprop.circuit_backward", circuit_backward_formula, forward=circuit_forward_formula),
    Right("backprop.neuron_forward", neuron_forward),
    Right("backprop.neuron_forward", neuron_forward_vectorized),
    Right("backprop.neuron_backward", neuron_backward_cs231n),
    Right("backprop.neuron_backward", neuron_backward_vectorized, forward=neuron_forward_vectorized),
    Right("backprop.numerical_gradient", numerical_cs231n),
    Right("backprop.numerical_gradient", numerical_copies),
    Right("backprop.numerical_gradient", numerical_flat_view),
    Right("backprop.relative_error", relative_error_norms),
    Right("backprop.relative_error", relative_error_sqrt_sum),
]


@right_rows(RIGHT)
def test_right_implementation_passes(row, seed):
    passes(row, seed)


def test_a_backward_whose_forward_is_still_a_stub_uses_the_reference_cache_and_says_so():
    namespace = {"np": np}
    exec("def max_forward(x, y):\n    raise NotImplementedError()\n"
         "def max_backward(dout, cache):\n    x, y = cache\n    return dout * (x >= y), dout * (x < y)\n", namespace)
    report = check("backprop.max_backward", namespace["max_backward"])
    assert report.passed and report.codes == ["ok", "note"], report.text()   # never uses_reference


def test_a_backward_checked_with_a_foreign_cache_fails_with_a_clear_exception():
    # the learner's forward caches a dict; a backward unpacking a tuple cannot read it
    report = check("backprop.mul_backward", mul_backward_cs231n, forward=mul_forward_dict_cache)
    assert "exception" in report.codes, report.text()


def test_hints_and_mistakes_exist_in_english_and_chinese():
    for task_id in (t for t in checker.tasks() if t.startswith("backprop.")):
        task = registry.get(task_id)
        texts = list(task.hints.values()) + [m.name for m in task.mistakes] + [m.hint for m in task.mistakes]
        texts += [case.label for case in task.make_cases()]
        for text in texts:
            assert isinstance(text, tuple) and len(text) == 2 and all(text), f"{task_id}: {text!r} needs (English, Chinese)"


def test_cases_are_deterministic_per_seed_and_change_with_it():
    for task_id in (t for t in checker.tasks() if t.startswith("backprop.")):
        task = registry.get(task_id)
        a, b, c = task.make_cases(PRACTICE_SEED), task.make_cases(PRACTICE_SEED), task.make_cases(4242)
        first = lambda cases: [np.asarray(v) for case in cases for v in case.args if not isinstance(v, str)]  # noqa: E731
        assert all(np.array_equal(u, v) for u, v in zip(first(a), first(b))), task_id
        assert not all(np.array_equal(u, v) for u, v in zip(first(a), first(c))), task_id


def test_forward_cases_are_the_backward_cases_without_dout():
    for gate in ("add", "mul", "max", "sigmoid", "circuit", "neuron"):
        forward = registry.get(f"backprop.{gate}_forward").make_cases()
        backward = registry.get(f"backprop.{gate}_backward").make_cases()
        assert len(forward) == len(backward) and all("dout" in case.kwargs for case in backward)
        for f_case, b_case in zip(forward, backward):
            assert not f_case.kwargs and all(np.array_equal(a, b) for a, b in zip(f_case.args, b_case.args))
            assert "dout =" not in f_case.label[0] and "df =" not in f_case.label[0], f_case.label


def test_max_cases_have_ties_only_in_the_relu_case():
    for seed in [None, 4242, 7, 99]:
        for case in registry.get("backprop.max_backward").make_cases(PRACTICE_SEED if seed is None else seed):
            x, y = case.args
            ties = int(np.sum(np.asarray(x) == np.asarray(y)))
            assert ties == (3 if "ReLU" in case.label[0] else 0), (case.label, ties)


# =========================================================================== the reference, independently (PyTorch)
def _torch_grads(fn, inputs, dout):
    tensors = [torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for v in inputs]
    out = fn(*tensors)
    out.backward(torch.tensor(np.asarray(dout, dtype=np.float64)))
    return out.detach().numpy(), [t.grad.numpy() for t in tensors]


GATES = [
    ("add", lambda x, y: x + y),
    ("mul", lambda x, y: x * y),
    ("max", torch.maximum),
]


@pytest.mark.parametrize("name, torch_fn", GATES, ids=[g[0] for g in GATES])
@pytest.mark.parametrize("shape", [(), (1,), (3, 4), (2, 3, 2)])
def test_reference_gates_agree_with_torch_autograd(name, torch_fn, shape):
    rng = np.random.default_rng(zlib.crc32(f"{name}{shape}".encode()))   # the same draw in every run
    x, y, dout = rng.normal(size=shape), rng.normal(size=shape), rng.normal(size=shape)
    out, cache = getattr(ref, f"{name}_forward")(x, y)
    dx, dy = getattr(ref, f"{name}_backward")(dout, cache)
    t_out, (tdx, tdy) = _torch_grads(torch_fn, (x, y), dout)
    np.testing.assert_allclose(out, t_out, rtol=1e-14)
    np.testing.assert_allclose(dx, tdx, rtol=1e-14)
    np.testing.assert_allclose(dy, tdy, rtol=1e-14)


def test_max_at_ties_torch_splits_and_the_checker_accepts_torchs_split():
    x = np.array([0.0, 1.0, -2.0, 3.0])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    dout = np.array([1.0, -2.0, 3.0, 4.0])
    _, (tdx, tdy) = _torch_grads(torch.maximum, (x, y), dout)
    np.testing.assert_allclose(tdx + tdy, dout)            # a split of dout, whatever the rule
    dx, dy = ref.max_backward(dout, ref.max_forward(x, y)[1])
    np.testing.assert_allclose(dx + dy, dout)
    np.testing.assert_array_equal(dx[:2], dout[:2])        # the reference: all to x at a tie

    def max_backward_torch(dout, cache):
        x, y = cache
        _, (gx, gy) = _torch_grads(torch.maximum, (x, y), dout)
        return gx, gy

    assert check("backprop.max_backward", max_backward_torch).codes == ["ok"]


@pytest.mark.parametrize("shape", [(), (1,), (6,), (2, 3, 2)])
def test_reference_sigmoid_agrees_with_torch_autograd(shape):
    rng = np.random.default_rng(len(shape))
    x, dout = rng.uniform(-8, 8, size=shape), rng.normal(size=shape)
    out, cache = ref.sigmoid_forward(x)
    t_out, (tdx,) = _torch_grads(torch.sigmoid, (x,), dout)
    np.testing.assert_allclose(out, t_out, rtol=1e-14)
    np.testing.assert_allclose(ref.sigmoid_backward(dout, cache), tdx, rtol=1e-12)


def test_reference_sigmoid_is_finite_at_huge_inputs():
    with np.errstate(over="raise", invalid="raise"):
        out, cache = ref.sigmoid_forward(np.array([-1000.0, 0.0, 1000.0]))
    assert out.tolist() == [0.0, 0.5, 1.0]
    assert ref.sigmoid_backward(np.ones(3), cache).tolist() == [0.0, 0.25, 0.0]


@pytest.mark.parametrize("shape", [(), (1,), (3, 4)])
def test_reference_circuit_agrees_with_torch_autograd(shape):
    rng = np.random.default_rng(sum(shape) + 11)
    x, y, z, df = (rng.normal(size=shape) for _ in range(4))
    f, cache = ref.circuit_forward(x, y, z)
    t_f, grads = _torch_grads(lambda a, b, c: (a + b) * c, (x, y, z), df)
    np.testing.assert_allclose(f, t_f, rtol=1e-14)
    for ours, theirs in zip(ref.circuit_backward(df, cache), grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-14)


def test_the_notes_circuit_numbers():
    f, cache = ref.circuit_forward(-2.0, 5.0, -4.0)
    assert f == -12.0
    assert [float(g) for g in ref.circuit_backward(1.0, cache)] == [-4.0, -4.0, 3.0]


def test_reference_neuron_agrees_with_torch_autograd():
    rng = np.random.default_rng(5)
    for _ in range(5):
        w, x, dout = rng.normal(size=3) * 2, rng.normal(size=2), float(rng.normal())
        out, cache = ref.neuron_forward(w, x)
        t_out, (tdw, tdx) = _torch_grads(lambda w, x: torch.sigmoid(w[0] * x[0] + w[1] * x[1] + w[2]), (w, x), dout)
        assert isinstance(out, float) and out == pytest.approx(float(t_out), rel=1e-14)
        dw, dx = ref.neuron_backward(dout, cache)
        np.testing.assert_allclose(dw, tdw, rtol=1e-12)
        np.testing.assert_allclose(dx, tdx, rtol=1e-12)


def test_the_notes_neuron_numbers():
    out, cache = ref.neuron_forward(np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0]))
    assert out == pytest.approx(0.7310585786)               # sigmoid(1)
    dw, dx = ref.neuron_backward(1.0, cache)
    np.testing.assert_allclose(dx, [0.3932239, -0.5898358], rtol=1e-6)
    np.testing.assert_allclose(dw, [-0.1966119, -0.3932239, 0.1966119], rtol=1e-6)


# ---- numerical gradient and relative error
ANALYTIC = {
    "square_sum": lambda x: 2 * x,
    "weighted_sin": lambda x: np.cos(x) * np.arange(1, x.size + 1).reshape(x.shape),
    "log_sum_exp": lambda x: np.exp(x - x.max()) / np.sum(np.exp(x - x.max())),
    "cube_mean": lambda x: 3 * x ** 2 / x.size,
    "product": lambda x: np.array([np.prod(np.delete(x.ravel(), i)) for i in range(x.size)]).reshape(x.shape),
}


@pytest.mark.parametrize("name", sorted(ANALYTIC))
def test_reference_numerical_gradient_matches_the_analytic_gradient_and_restores_x(name):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 2))
    before = x.copy()
    numeric = ref.numerical_gradient(adapters.scalar_function(name), x, 1e-5)
    assert np.array_equal(x, before), "x must come back bit for bit"
    assert numeric.shape == x.shape and numeric.dtype == np.float64
    assert ref.relative_error(numeric, ANALYTIC[name](x)) < 1e-8


def test_reference_numerical_gradient_against_torch_on_a_small_network_loss():
    rng = np.random.default_rng(8)
    X, W = rng.normal(size=(4, 3)), rng.normal(size=(3, 2))

    def loss(W):
        return float(np.sum(np.tanh(X @ W) ** 2))

    Wt = torch.tensor(W, requires_grad=True)
    torch.sum(torch.tanh(torch.tensor(X) @ Wt) ** 2).backward()
    assert ref.relative_error(ref.numerical_gradient(loss, W.copy()), Wt.grad.numpy()) < 1e-8


def test_centred_difference_error_shrinks_like_h_squared_and_forward_like_h():
    f, x = adapters.scalar_function("weighted_sin"), np.array([0.3, -1.1, 2.0])
    exact = ANALYTIC["weighted_sin"](x)
    centred = [ref.relative_error(ref.numerical_gradient(f, x, h), exact) for h in (1e-2, 1e-3)]
    forward = [ref.relative_error(numerical_forward_difference(f, x.copy(), h), exact) for h in (1e-2, 1e-3)]
    assert 80 < centred[0] / centred[1] < 120, centred      # h^2: a tenth of h, a hundredth of the error
    assert 8 < forward[0] / forward[1] < 12, forward        # h: a tenth of h, a tenth of the error


def test_reference_relative_error_properties():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    assert ref.relative_error(a, b) == pytest.approx(ref.relative_error(b, a), rel=1e-15)
    assert ref.relative_error(5 * a, 5 * b) == pytest.approx(ref.relative_error(a, b), rel=1e-12)
    assert ref.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert ref.relative_error(np.zeros(4), a[0]) == 1.0
    assert ref.relative_error(a, -a) == 1.0
    assert isinstance(ref.relative_error(a, b), float) and 0 <= ref.relative_error(a, b) <= 1
    expected = torch.linalg.norm(torch.tensor(a - b)) / (torch.linalg.norm(torch.tensor(a)) + torch.linalg.norm(torch.tensor(b)))
    assert ref.relative_error(a, b) == pytest.approx(expected.item(), rel=1e-14)
