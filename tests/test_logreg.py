"""Notebook 02, logistic regression: the reference, the task specifications and the findings.

Every wrong implementation below is one a learner could plausibly write; each must fail with
the finding code that names its cause. Right implementations written in other styles (the
Deep Learning Specialization's, loops, float32) must pass with nothing but ``ok``.
"""

import math
import sys
import warnings

import numpy as np
import pytest
import torch

import checker
import checker.i18n
import checker.reference.logreg as ref
from catalogue import GRADING, Right, Wrong, diagnosed, passes, report_of, right_rows, wrong_rows
from float32_tools import float32_rows
from checker import check
from report_tools import finding
from checker.data import load_digits


def _stable_sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


# =========================================================================== wrong implementations
# ---- sigmoid
def sigmoid_exp_plus_z(z):
    return 1 / (1 + np.exp(np.clip(z, -700, 700)))


def sigmoid_ratio_form(z):
    return np.exp(z) / (1 + np.exp(z))          # inf / inf = NaN at z = 1000


def sigmoid_precedence(z):
    return 1 / 1 + np.exp(-z)


def sigmoid_math_exp(z):
    return 1 / (1 + math.exp(-z))


def sigmoid_tanh(z):
    return np.tanh(z)


def sigmoid_in_place(z):
    np.negative(z, out=z)
    np.exp(z, out=z)
    z += 1
    return 1 / z


# ---- initialize_zeros
def initialize_zeros_bias_array(dim):
    return np.zeros(dim), np.zeros((1,))


def initialize_zeros_column(dim):
    return np.zeros((dim, 1)), 0.0          # the DLS assignment's (n_x, 1) column


def initialize_zeros_row(dim):
    return np.zeros((1, dim)), 0.0


def initialize_zeros_only_w(dim):
    return np.zeros(dim)


def initialize_zeros_random(dim):
    return np.random.default_rng(0).normal(size=dim) * 0.01, 0.0


def initialize_zeros_swapped(dim):
    return 0.0, np.zeros(dim)


def initialize_zeros_list(dim):
    return [0.0] * dim, 0.0


# ---- propagate
def propagate_cost_not_averaged(w, b, X, y):
    N = X.shape[0]
    a = _stable_sigmoid(X @ w + b)
    cost = -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a))
    return {"dw": X.T @ (a - y) / N, "db": np.sum(a - y) / N}, cost


def propagate_cost_sign(w, b, X, y):
    N = X.shape[0]
    a = _stable_sigmoid(X @ w + b)
    cost = np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)) / N
    return {"dw": X.T @ (a - y) / N, "db": np.sum(a - y) / N}, cost


def propagate_dw_not_averaged(w, b, X, y):
    N = X.shape[0]
    a = _stable_sigmoid(X @ w + b)
    cost = -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a))
    return {"dw": X.T @ (a - y), "db": np.sum(a - y) / N}, cost


def propagate_dw_wrong_product(w, b, X, y):
    N = X.shape[0]
    a = _stable_sigmoid(X @ w + b)
    cost = -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a))
    return {"dw": X @ (a - y) / N, "db": np.sum(a - y) / N}, cost


def propagate_db_not_summed(w, b, X, y):
    N = X.shape[0]
    a = _stable_sigmoid(X @ w + b)
    cost = -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a))
    return {"dw": X.T @ (a - y) / N, "db": (a - y) / N}, cost


def propagate_dw_uses_z(w, b, X, y):
    N = X.shape[0]
    z = X @ w + b
    a = _stable_sigmoid(z)
    cost = -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a))
    return {"dw": X.T @ (z - y) / N, "db": np.sum(a - y) / N}, cost


def propagate_only_positive_term(w, b, X, y):
    N = X.shape[0]
    a = _stable_sigmoid(X @ w + b)
    cost = -np.sum(y * np.log(a)) / N
    dz = y * (a - 1)
    return {"dw": X.T @ dz / N, "db": np.sum(dz) / N}, cost


def propagate_dw_column(w, b, X, y):
    N = X.shape[0]
    a = _stable_sigmoid(X @ w + b)
    cost = -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a))
    return {"dw": (X.T @ (a - y) / N).reshape(-1, 1), "db": np.sum(a - y) / N}, cost


def propagate_forgets_bias(w, b, X, y):
    N = X.shape[0]
    a = _stable_sigmoid(X @ w)
    cost = -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a))
    return {"dw": X.T @ (a - y) / N, "db": np.sum(a - y) / N}, cost


def propagate_per_sample_cost(w, b, X, y):
    N = X.shape[0]
    a = _stable_sigmoid(X @ w + b)
    cost = -(y * np.log(a) + (1 - y) * np.log(1 - a)) / N
    return {"dw": X.T @ (a - y) / N, "db": np.sum(a - y) / N}, cost


def propagate_grads_as_tuple(w, b, X, y):
    grads, cost = _right_propagate(w, b, X, y)
    return (grads["dw"], grads["db"]), cost


# ---- optimize
def _right_propagate(w, b, X, y):
    N = X.shape[0]
    a = _stable_sigmoid(X @ w + b)
    cost = -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a))
    return {"dw": X.T @ (a - y) / N, "db": np.sum(a - y) / N}, cost


def optimize_cost_every_iteration(w, b, X, y, num_iterations, learning_rate):
    costs = []
    for i in range(num_iterations):
        grads, cost = _right_propagate(w, b, X, y)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        costs.append(cost)
    return {"w": w, "b": b}, grads, costs


def optimize_gradient_ascent(w, b, X, y, num_iterations, learning_rate):
    costs = []
    for i in range(num_iterations):
        grads, cost = _right_propagate(w, b, X, y)
        w = w + learning_rate * grads["dw"]
        b = b + learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs


def optimize_in_place(w, b, X, y, num_iterations, learning_rate):
    costs = []
    for i in range(num_iterations):
        grads, cost = _right_propagate(w, b, X, y)
        w -= learning_rate * grads["dw"]
        b -= learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs


def optimize_final_gradients(w, b, X, y, num_iterations, learning_rate):
    costs = []
    for i in range(num_iterations):
        grads, cost = _right_propagate(w, b, X, y)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    grads, _ = _right_propagate(w, b, X, y)
    return {"w": w, "b": b}, grads, costs


def optimize_records_after_the_step(w, b, X, y, num_iterations, learning_rate):
    costs = []
    for i in range(num_iterations):
        grads, _ = _right_propagate(w, b, X, y)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(_right_propagate(w, b, X, y)[1])
    return {"w": w, "b": b}, grads, costs


def optimize_without_learning_rate(w, b, X, y, num_iterations, learning_rate):
    costs = []
    for i in range(num_iterations):
        grads, cost = _right_propagate(w, b, X, y)
        w = w - grads["dw"]
        b = b - grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs


def optimize_capital_keys(w, b, X, y, num_iterations, learning_rate):
    params, grads, costs = optimize_dls_style(w, b, X, y, num_iterations, learning_rate)
    return {"W": params["w"], "b": params["b"]}, grads, costs


# ---- predict
def predict_probabilities(w, b, X):
    return _stable_sigmoid(X @ w + b)


def predict_at_least_half(w, b, X):
    return (_stable_sigmoid(X @ w + b) >= 0.5).astype(int)


def predict_row_vector(w, b, X):
    return (_stable_sigmoid(X @ w + b) > 0.5).astype(float).reshape(1, -1)   # the DLS (1, m) shape


def predict_threshold_zero_on_probability(w, b, X):
    return (_stable_sigmoid(X @ w + b) > 0).astype(int)


def predict_forgets_bias(w, b, X):
    return (_stable_sigmoid(X @ w) > 0.5).astype(int)


def predict_flipped(w, b, X):
    return (_stable_sigmoid(X @ w + b) < 0.5).astype(int)


WRONG = [
    Wrong("logreg.sigmoid", sigmoid_exp_plus_z, "known_mistake"),
    Wrong("logreg.sigmoid", sigmoid_ratio_form, "non_finite"),
    Wrong("logreg.sigmoid", sigmoid_precedence, "mismatch"),
    Wrong("logreg.sigmoid", sigmoid_precedence, "non_finite"), # 1 + e^{1000} is inf
    Wrong("logreg.sigmoid", sigmoid_math_exp, "exception"),
    Wrong("logreg.sigmoid", sigmoid_tanh, "mismatch"),
    Wrong("logreg.sigmoid", sigmoid_in_place, "mutates_input"),
    Wrong("logreg.initialize_zeros", initialize_zeros_bias_array, "shape"),
    Wrong("logreg.initialize_zeros", initialize_zeros_column, "shape"),
    Wrong("logreg.initialize_zeros", initialize_zeros_row, "shape"),
    Wrong("logreg.initialize_zeros", initialize_zeros_only_w, "wrong_type"),
    Wrong("logreg.initialize_zeros", initialize_zeros_random, "mismatch"),
    Wrong("logreg.initialize_zeros", initialize_zeros_swapped, "shape"),
    Wrong("logreg.initialize_zeros", initialize_zeros_list, "wrong_type"),
    Wrong("logreg.propagate", propagate_cost_not_averaged, "scale"),
    Wrong("logreg.propagate", propagate_cost_not_averaged, "gradient"),
    Wrong("logreg.propagate", propagate_cost_sign, "sign"),
    Wrong("logreg.propagate", propagate_dw_not_averaged, "scale"),
    Wrong("logreg.propagate", propagate_dw_not_averaged, "gradient"),
    Wrong("logreg.propagate", propagate_dw_wrong_product, "exception"),
    Wrong("logreg.propagate", propagate_db_not_summed, "shape"),
    Wrong("logreg.propagate", propagate_dw_uses_z, "gradient"),
    Wrong("logreg.propagate", propagate_only_positive_term, "known_mistake"),
    Wrong("logreg.propagate", propagate_dw_column, "shape"),
    Wrong("logreg.propagate", propagate_forgets_bias, "mismatch"),
    Wrong("logreg.propagate", propagate_per_sample_cost, "shape"),
    Wrong("logreg.propagate", propagate_grads_as_tuple, "wrong_type"),
    Wrong("logreg.optimize", optimize_cost_every_iteration, "wrong_type"),
    Wrong("logreg.optimize", optimize_gradient_ascent, "known_mistake"),
    Wrong("logreg.optimize", optimize_in_place, "mutates_input"),
    Wrong("logreg.optimize", optimize_final_gradients, "known_mistake"),
    Wrong("logreg.optimize", optimize_records_after_the_step, "mismatch"),
    Wrong("logreg.optimize", optimize_without_learning_rate, "mismatch"),
    Wrong("logreg.optimize", optimize_capital_keys, "wrong_type"),
    Wrong("logreg.predict", predict_probabilities, "known_mistake"),
    Wrong("logreg.predict", predict_at_least_half, "known_mistake"),
    Wrong("logreg.predict", predict_row_vector, "shape"),
    Wrong("logreg.predict", predict_threshold_zero_on_probability, "mismatch"),
    Wrong("logreg.predict", predict_forgets_bias, "mismatch"),
    Wrong("logreg.predict", predict_flipped, "mismatch"),
]


WRONG += float32_rows(WRONG)  # the same code computing in float32


@wrong_rows(WRONG, seeds=GRADING)
def test_wrong_implementation_is_diagnosed(row, seed):
    diagnosed(row, seed)


# =========================================================================== what the findings say
def test_missing_average_in_the_cost_is_named_across_cases_as_the_batch_size():
    report = report_of("logreg.propagate", propagate_cost_not_averaged)
    scale = finding(report, "scale")
    assert scale.output == "cost" and "X.shape[0]" in scale.message, scale.message
    assert "X.shape[0]" in scale.hint, scale.hint


def test_flipped_cost_is_a_sign_and_its_gradient_disagrees():
    report = report_of("logreg.propagate", propagate_cost_sign)
    assert finding(report, "sign").output == "cost"
    assert finding(report, "gradient").output == "grads.dw", report.text()


def test_unaveraged_dw_names_the_batch_size():
    report = report_of("logreg.propagate", propagate_dw_not_averaged)
    scale = finding(report, "scale")
    assert scale.output == "grads['dw']" and "X.shape[0]" in scale.message, scale.message


def test_db_per_sample_is_a_shape_finding_for_a_number():
    report = report_of("logreg.propagate", propagate_db_not_summed)
    shape = finding(report, "shape")
    assert shape.output == "grads['db']", shape.output


def test_gradient_finding_alone_when_dw_is_consistent_in_shape_but_not_with_the_cost():
    report = report_of("logreg.propagate", propagate_dw_uses_z)
    gradient = finding(report, "gradient")
    assert "grads.dw" in gradient.message and "cost" in gradient.message, gradient.message


def test_costs_every_iteration_reports_the_length():
    report = report_of("logreg.optimize", optimize_cost_every_iteration)
    wrong = finding(report, "wrong_type")
    assert wrong.output == "costs" and "250" in wrong.message, wrong.message


def test_greater_or_equal_threshold_fails_only_on_the_half_case():
    report = report_of("logreg.predict", predict_at_least_half)
    mistake = finding(report, "known_mistake")
    assert report.cases_passed == report.cases_total - 1, report.text()
    assert len(mistake.cases) == 1 and "0.5" in mistake.case, mistake.cases
    assert ">=" in mistake.message


def test_in_place_update_of_w_is_named():
    report = report_of("logreg.optimize", optimize_in_place)
    assert finding(report, "mutates_input").output == "w"


def test_naive_sigmoid_passes_although_it_overflows_at_minus_1000(capsys):
    """1 / (1 + exp(-z)) overflows at z = -1000 (exp(1000) = inf, with a RuntimeWarning) but
    1 / inf is exactly 0, the right value: the check accepts it and keeps the warning out of the
    notebook (the runner captures it). The notebook shows the warning separately."""
    with np.errstate(over="raise"):
        with pytest.raises(FloatingPointError):
            sigmoid_dls_style(np.array([-1000.0]))
    def to_stderr(message, category, filename, lineno, file=None, line=None):   # as in a notebook
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = to_stderr
        sigmoid_dls_style(np.array([-1000.0]))
        assert "overflow" in capsys.readouterr().err, "the set-up should show the warning outside a check"
        report = check("logreg.sigmoid", sigmoid_dls_style)
    assert report.codes == ["ok"], report.text()
    # nbgrader gives no points to a check cell that writes to stderr: the warning must not get out
    assert capsys.readouterr().err == ""


def test_reference_sigmoid_never_overflows():
    z = np.array([-1000.0, -745.0, -50.0, 0.0, 50.0, 745.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # exp(-1000) underflowing to 0 is fine
        s = ref.sigmoid(z)
    assert s[3] == 0.5 and s[0] == 0.0 and s[-1] == 1.0
    assert np.all(np.diff(s) >= 0)


# =========================================================================== right implementations
def sigmoid_dls_style(z):
    s = 1 / (1 + np.exp(-z))
    return s


def sigmoid_tanh_identity(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def sigmoid_masked_float32(z):
    z = z.astype(np.float32)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1 / (1 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1 + e)
    return out


def initialize_zeros_dls_style(dim):
    w = np.zeros((dim, 1))
    b = 0.0
    return w.reshape(dim), b          # the DLS column, flattened to batch-first


def initialize_zeros_full(dim):
    return np.full(dim, 0.0), np.float64(0)


def initialize_zeros_float32(dim):
    return np.zeros(dim, dtype=np.float32), 0.0


def propagate_dls_style(w, b, X, y):
    """The DLS assignment's propagate, with X transposed to (n_x, m) at the door."""
    Xc, Y = X.T, y.reshape(1, -1)
    m = Xc.shape[1]
    A = sigmoid_dls_style(np.dot(w.reshape(-1, 1).T, Xc) + b)
    cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    dw = 1 / m * np.dot(Xc, (A - Y).T)
    db = 1 / m * np.sum(A - Y)
    cost = np.squeeze(np.array(cost))
    return {"dw": dw.reshape(-1), "db": db}, cost


def propagate_loop(w, b, X, y):
    N, D = X.shape
    cost, dw, db = 0.0, np.zeros(D), 0.0
    for i in range(N):
        z = float(X[i] @ w + b)
        a = 1 / (1 + math.exp(-z))
        cost += -(y[i] * math.log(a) + (1 - y[i]) * math.log(1 - a))
        dw += X[i] * (a - y[i])
        db += a - y[i]
    return {"dw": dw / N, "db": db / N}, cost / N


def propagate_float32(w, b, X, y):
    X32, w32, y32 = X.astype(np.float32), w.astype(np.float32), y.astype(np.float32)
    z = X32 @ w32 + np.float32(b)
    a = 1 / (1 + np.exp(-z))
    N = np.float32(X.shape[0])
    cost = np.sum(np.logaddexp(np.float32(0), -z) * y32 + np.logaddexp(np.float32(0), z) * (1 - y32)) / N
    return {"dw": X32.T @ (a - y32) / N, "db": np.sum(a - y32) / N}, cost


def optimize_dls_style(w, b, X, y, num_iterations, learning_rate):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate_dls_style(w, b, X, y)
        dw = grads["dw"]
        db = grads["db"]
        w = w - learning_rate * dw
        b = b - learning_rate * db
        if i % 100 == 0:
            costs.append(cost)
    params = {"w": w, "b": b}
    grads = {"dw": dw, "db": db}
    return params, grads, costs


def optimize_array_of_costs_on_a_copy(w, b, X, y, num_iterations, learning_rate):
    w = w.copy()
    costs = np.zeros((num_iterations + 99) // 100)
    for i in range(num_iterations):
        grads, cost = _right_propagate(w, b, X, y)
        w -= learning_rate * grads["dw"]
        b -= learning_rate * grads["db"]
        if i % 100 == 0:
            costs[i // 100] = cost
    return {"w": w, "b": b}, grads, costs


def optimize_float32(w, b, X, y, num_iterations, learning_rate):
    w = w.astype(np.float32)
    b = np.float32(b)
    X32, y32, lr = X.astype(np.float32), y.astype(np.float32), np.float32(learning_rate)
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate_float32(w, b, X32, y32)
        w = w - lr * grads["dw"]
        b = b - lr * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs


def predict_dls_style(w, b, X):
    m = X.shape[0]
    Y_prediction = np.zeros((1, m))
    A = sigmoid_dls_style(np.dot(w.reshape(-1, 1).T, X.T) + b)
    for i in range(A.shape[1]):
        if A[0, i] > 0.5:
            Y_prediction[0, i] = 1
        else:
            Y_prediction[0, i] = 0
    return Y_prediction.reshape(m)


def predict_round(w, b, X):
    return np.round(sigmoid_tanh_identity(X @ w + b))   # rounds half to even: 0.5 -> 0


def predict_bool_on_scores(w, b, X):
    return (X @ w + b > 0).astype(np.int8)


RIGHT = [
    Right("logreg.sigmoid", sigmoid_dls_style),
    Right("logreg.sigmoid", sigmoid_tanh_identity),
    Right("logreg.sigmoid", sigmoid_masked_float32),
    Right("logreg.sigmoid", lambda z: np.exp(-np.logaddexp(0.0, -z))),
    Right("logreg.initialize_zeros", initialize_zeros_dls_style),
    Right("logreg.initialize_zeros", initialize_zeros_full),
    Right("logreg.initialize_zeros", initialize_zeros_float32),
    Right("logreg.propagate", propagate_dls_style),
    Right("logreg.propagate", propagate_loop),
    Right("logreg.propagate", propagate_float32),
    Right("logreg.optimize", optimize_dls_style),
    Right("logreg.optimize", optimize_array_of_costs_on_a_copy),
    Right("logreg.optimize", optimize_float32),
    Right("logreg.predict", predict_dls_style),
    Right("logreg.predict", predict_round),
    Right("logreg.predict", predict_bool_on_scores),
]


RIGHT += float32_rows(RIGHT)  # the same code computing in float32


@right_rows(RIGHT)
def test_right_implementation_passes(row, seed):
    passes(row, seed)


def test_hints_and_mistakes_exist_in_english_and_chinese():
    from checker import registry

    for task_id in (t for t in checker.tasks() if t.startswith("logreg.")):
        task = registry.get(task_id)
        texts = list(task.hints.values()) + [m.name for m in task.mistakes] + [m.hint for m in task.mistakes]
        texts += [case.label for case in task.make_cases()]
        for text in texts:
            assert isinstance(text, tuple) and len(text) == 2 and all(text), f"{task_id}: {text!r} needs (English, Chinese)"


# =========================================================================== the reference, independently
def test_reference_propagate_agrees_with_torch_autograd():
    rng = np.random.default_rng(0)
    X, w, y, b = rng.normal(size=(9, 4)), rng.normal(size=4), (rng.random(9) > 0.5).astype(float), 0.3
    grads, cost = ref.propagate(w, b, X, y)
    wt = torch.tensor(w, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(torch.tensor(X) @ wt + bt, torch.tensor(y))
    loss.backward()
    assert isinstance(cost, float) and isinstance(grads["db"], float)
    np.testing.assert_allclose(cost, loss.item(), rtol=1e-12)
    np.testing.assert_allclose(grads["dw"], wt.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(grads["db"], bt.grad.item(), rtol=1e-10)


def test_reference_cost_is_finite_when_the_model_is_certain_and_wrong():
    grads, cost = ref.propagate(np.array([1000.0]), 0.0, np.array([[1.0], [-1.0]]), np.array([0.0, 1.0]))
    assert np.isfinite(cost) and cost == pytest.approx(1000.0), cost


def test_reference_initialize_and_predict_types():
    w, b = ref.initialize_zeros(3)
    assert w.shape == (3,) and w.dtype == np.float64 and type(b) is float
    y_pred = ref.predict(np.array([1.0, -1.0]), 0.0, np.array([[1.0, 1.0], [2.0, 0.0], [0.0, 2.0]]))
    assert y_pred.tolist() == [0, 1, 0] and y_pred.dtype.kind == "i"


def test_reference_optimize_records_every_hundredth_cost_and_leaves_w_alone():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(20, 3)), (rng.random(20) > 0.5).astype(float)
    w0 = np.zeros(3)
    params, grads, costs = ref.optimize(w0, 0.0, X, y, 201, 0.1)
    assert len(costs) == 3 and costs[0] == pytest.approx(np.log(2)) and costs[0] > costs[1] > costs[2]
    assert np.all(w0 == 0)
    # the returned gradients are those of the last step, taken from the parameters before it
    before = params["w"] + 0.1 * grads["dw"], params["b"] + 0.1 * grads["db"]
    np.testing.assert_allclose(ref.propagate(before[0], before[1], X, y)[0]["dw"], grads["dw"], rtol=1e-10)


DIGITS = (3, 8)


def test_reference_pipeline_separates_the_digit_pair():
    data = load_digits()
    pick = lambda X, y: (X[np.isin(y, DIGITS)], (y[np.isin(y, DIGITS)] == DIGITS[1]).astype(float))  # noqa: E731
    X_train, y_train = pick(data.X_train, data.y_train)
    X_test, y_test = pick(data.X_test, data.y_test)
    w, b = ref.initialize_zeros(X_train.shape[1])
    params, _, costs = ref.optimize(w, b, X_train, y_train, 1000, 0.5)
    accuracy = np.mean(ref.predict(params["w"], params["b"], X_test) == y_test)
    assert costs[-1] < costs[0] / 4, costs
    assert accuracy >= 0.98, f"test accuracy on {DIGITS[0]} vs {DIGITS[1]}: {accuracy:.4f} (N = {len(y_test)})"
