"""Every finding code is triggered by a realistic wrong implementation, and never by a right one.

The warm-up tasks are used wherever a learner could plausibly make the mistake; small
ad-hoc tasks (``checker.spec.Task`` with ``reference_function``) show the codes that the
warm-up has no occasion for (regularization and its factors, integer outputs, truncation,
per-row offsets).
"""

import re
import sys
import time
from pathlib import Path

import numpy as np

import checker
import checker.i18n
import checker.reference.warmup as ref
from catalogue import GRADING, Right, Wrong, diagnosed, passes, report_of, right_rows, wrong_rows
from float32_tools import float32_rows
from checker import check
from checker.findings import CODES, NOTE_CODES
from checker.spec import Case, Gradient, Task
from report_tools import finding
from test_engine_tasks import NORMAL


def normal_twice_the_std(shape, std, seed):
    return np.random.default_rng(seed).normal(0.0, 2 * std, size=shape)

CHECKER_SOURCE = Path(checker.__file__).resolve().parent


# =========================================================================== ad-hoc tasks
def ridge_loss(W, X, y, reg):
    """Least squares with L2 regularization ``reg * sum(W * W)``; returns (loss, dW)."""
    N = X.shape[0]
    residual = X @ W - y
    loss = 0.5 * np.sum(residual * residual) / N + reg * np.sum(W * W)
    dW = X.T @ residual / N + 2 * reg * W
    return loss, dW


def ridge_cases(rng):
    yield Case("5 samples, 3 features, reg 0.1", rng.normal(size=(3, 2)), rng.normal(size=(5, 3)), rng.normal(size=(5, 2)), 0.1)
    yield Case("8 samples, 4 features, reg 0.5", rng.normal(size=(4, 2)), rng.normal(size=(8, 4)), rng.normal(size=(8, 2)), 0.5)
    yield Case("6 samples, 2 features, reg 0", rng.normal(size=(2, 3)), rng.normal(size=(6, 2)), rng.normal(size=(6, 3)), 0.0)


RIDGE = Task("adhoc.ridge_loss", cases=ridge_cases, outputs=("loss", "dW"), regularization="reg",
             gradients=[Gradient(loss="loss", grad="dW", wrt="W")], reference_function=ridge_loss)


def predict(scores):
    """Predicted class of every row: (N, C) scores -> (N,) integer labels."""
    return np.argmax(scores, axis=1)


PREDICT = Task("adhoc.predict", outputs=("labels",), integer_outputs=("labels",), reference_function=predict,
               cases=lambda rng: [Case("4 samples, 3 classes", rng.normal(size=(4, 3))),
                                  Case("6 samples, 5 classes", rng.normal(size=(6, 5)))])


def halve(X):
    """X / 2 as floats, for integer X."""
    return X / 2


HALVE = Task("adhoc.halve", reference_function=halve,
             cases=lambda rng: [Case("3 x 4 integers", rng.integers(-9, 10, size=(3, 4)))])


def center_far(X):
    return X - X.mean(axis=0)


CENTER_FAR = Task("adhoc.center_far", reference_function=center_far,
                  cases=lambda rng: [Case("6 x 3, columns around 1e4", rng.normal(size=(6, 3)) + 1e4)])


def gram(A):
    """A times a fixed non-symmetric (D, D) matrix; the cases are square, so only the values can show a transpose."""
    return A @ np.arange(A.shape[1] ** 2, dtype=float).reshape(A.shape[1], A.shape[1])


SQUARE = Task("adhoc.square", reference_function=gram,
              cases=lambda rng: [Case("3 x 3", rng.normal(size=(3, 3))), Case("4 x 4", rng.normal(size=(4, 4)))])


def half_ridge_loss(W, X, y, reg):
    """Least squares with the L2 term ``0.5 * reg * sum(W * W)`` (the networks' convention); returns (loss, dW)."""
    N = X.shape[0]
    residual = X @ W - y
    return 0.5 * np.sum(residual * residual) / N + 0.5 * reg * np.sum(W * W), X.T @ residual / N + reg * W


HALF_RIDGE = Task("adhoc.half_ridge_loss", cases=ridge_cases, outputs=("loss", "dW"), regularization="reg",
                  gradients=[Gradient(loss="loss", grad="dW", wrt="W")], reference_function=half_ridge_loss)


def log_softmax(scores):
    """Log-probabilities of every row: (N, C) scores -> (N, C), each row normalised on its own."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))


LOG_SOFTMAX = Task("adhoc.log_softmax", outputs=("log_probs",), reference_function=log_softmax,
                   cases=lambda rng: [Case("4 samples, 3 classes", rng.normal(size=(4, 3))),
                                      Case("6 samples, 5 classes", 3 * rng.normal(size=(6, 5)))])


# =========================================================================== wrong implementations
def center_global_mean(X):
    return X - X.mean()


def center_row_means(X):
    return X - X.mean(axis=1, keepdims=True)


def center_in_place(X):
    X -= X.mean(axis=0)
    return X


def center_transposed(X):
    return (X - X.mean(axis=0)).T


def center_calls_reference(X):
    return ref.center(X)


def center_loops_forever(X):
    while True:
        pass


def center_not_implemented(X):
    raise NotImplementedError()


def center_forgets_return(X):
    X_centered = X - X.mean(axis=0)  # noqa: F841


def center_string(X):
    return "X - X.mean(axis=0)"


def normalize_rows_without_keepdims(X):
    return X / np.sqrt(np.sum(X * X, axis=1))


def normalize_rows_zero_rows_nan(X):
    with np.errstate(invalid="ignore", divide="ignore"):
        return X / np.sqrt(np.sum(X * X, axis=1, keepdims=True))


def normalize_rows_column_norms(X):
    with np.errstate(invalid="ignore", divide="ignore"):
        return X / np.sqrt(np.sum(X * X, axis=0, keepdims=True))


def one_hot_list(y, num_classes):
    return [[1.0 if j == label else 0.0 for j in range(num_classes)] for label in y]


def one_hot_unique_columns(y, num_classes):
    Y = np.zeros((y.shape[0], len(np.unique(y))))
    Y[np.arange(y.shape[0]), y] = 1.0
    return Y


def one_hot_transposed(y, num_classes):
    return np.eye(num_classes)[y].T


def normalize_rows_whole_matrix_norm(X):
    return X / np.linalg.norm(X)


def normalize_rows_in_place(X):
    norms = np.sqrt(np.sum(X * X, axis=1, keepdims=True))
    X /= np.where(norms > 0, norms, 1.0)
    return X


def one_hot_classes_from_labels(y, num_classes):
    return np.eye(y.max() + 1)[y]  # as many columns as the largest label present, not num_classes


def one_hot_whole_columns(y, num_classes):
    Y = np.zeros((len(y), num_classes))
    Y[:, y] = 1.0  # sets the whole column of every label that occurs
    return Y


def squared_distances_two_loops(A, B):
    dists = np.zeros((A.shape[0], B.shape[0]))
    for i in range(A.shape[0]):
        for j in range(B.shape[0]):
            dists[i, j] = np.sum((A[i] - B[j]) ** 2)
    return dists


def squared_distances_one_loop(A, B):
    dists = np.zeros((A.shape[0], B.shape[0]))
    for i in range(A.shape[0]):
        dists[i] = np.sum((A[i] - B) ** 2, axis=1)
    return dists


def squared_distances_sqrt(A, B):
    return np.sqrt(np.sum((A[:, None, :] - B[None, :, :]) ** 2, axis=2))


def squared_distances_zeros(A, B):
    return np.zeros((A.shape[0], B.shape[0]))


def squared_distances_flat_norms(A, B):
    return np.sum(A * A, axis=1) + np.sum(B * B, axis=1) - 2 * A @ B.T  # (N,) + (M,): no [:, None]


def mse_sum_not_mean(pred, target):
    diff = pred - target
    return np.sum(diff * diff), 2 * diff


def mse_target_minus_pred(pred, target):
    diff = target - pred
    return np.mean(diff * diff), 2 * diff / pred.shape[0]


def mse_missing_factor_two(pred, target):
    diff = pred - target
    return np.mean(diff * diff), diff / pred.shape[0]


def mse_missing_factor_two_float32(pred, target):
    diff = (pred - target).astype(np.float32)
    return np.mean(diff * diff), diff / np.float32(pred.shape[0])


def mse_gradient_of_another_loss(pred, target):
    diff = pred - target
    return np.mean(diff * diff), np.sign(diff) / pred.shape[0]


def mse_loss_only(pred, target):
    diff = pred - target
    return np.mean(diff * diff)


def mse_per_sample_loss(pred, target):
    diff = pred - target
    return diff * diff / pred.shape[0], 2 * diff / pred.shape[0]


def mse_log_of_zero(pred, target):
    diff = pred - target
    with np.errstate(divide="ignore"):
        return np.mean(diff * diff) + np.log(0.0), 2 * diff / pred.shape[0]


def mse_returns_none(pred, target):
    return None


def ridge_without_regularization(W, X, y, reg):
    N = X.shape[0]
    residual = X @ W - y
    return 0.5 * np.sum(residual * residual) / N, X.T @ residual / N


def ridge_gradient_reg_times_w(W, X, y, reg):
    N = X.shape[0]
    residual = X @ W - y
    return 0.5 * np.sum(residual * residual) / N + reg * np.sum(W * W), X.T @ residual / N + reg * W


def ridge_strength_halved_twice(W, X, y, reg):
    lam = 0.5 * reg  # "lambda is reg / 2", and then the 1/2 of the convention on top
    N = X.shape[0]
    residual = X @ W - y
    return 0.5 * np.sum(residual * residual) / N + 0.5 * lam * np.sum(W * W), X.T @ residual / N + lam * W


def half_ridge_with_the_other_conventions_two(W, X, y, reg):
    N = X.shape[0]  # the 2 of "reg * sum(W**2), gradient 2 * reg * W" carried into a 0.5 * reg task
    residual = X @ W - y
    return 0.5 * np.sum(residual * residual) / N + 2 * reg * np.sum(W * W), X.T @ residual / N + 2 * reg * W


def log_softmax_without_axis(scores):
    shifted = scores - scores.max()
    return shifted - np.log(np.sum(np.exp(shifted)))  # one normaliser for the whole batch


def log_softmax_by_logaddexp(scores):
    return scores - np.logaddexp.reduce(scores, axis=1)[:, None]


def predict_soft_argmax(scores):
    z = 200 * (scores - scores.max(axis=1, keepdims=True))
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    return p @ np.arange(scores.shape[1])


def halve_zeros_like(X):
    out = np.zeros_like(X)  # keeps X's integer type
    out[:] = X / 2
    return out


def center_far_float32(X):
    X = X.astype(np.float32)
    return X - X.mean(axis=0)


def center_float16(X):
    return (X - X.mean(axis=0)).astype(np.float16)


def gram_transposed(A):
    return gram(A).T


def center_prints_and_is_wrong(X):
    for i in range(50):
        print("row", i)
    return X - X.mean()


WRONG = [
    Wrong("warmup.center", center_global_mean, "offset"),
    Wrong("warmup.center", center_row_means, "known_mistake"),
    Wrong("warmup.center", center_in_place, "mutates_input"),
    Wrong("warmup.center", center_transposed, "transposed"),
    Wrong("warmup.center", center_calls_reference, "uses_reference"),
    Wrong("warmup.center", ref.center, "uses_reference"),  # the reference itself, handed in as one's own
    Wrong("warmup.center", center_loops_forever, "timeout", time_limit=0.2),
    Wrong("warmup.center", center_not_implemented, "not_implemented"),
    Wrong("warmup.center", center_forgets_return, "returned_none"),
    Wrong("warmup.center", center_string, "wrong_type"),
    Wrong("warmup.normalize_rows", normalize_rows_without_keepdims, "exception"),
    Wrong("warmup.normalize_rows", normalize_rows_zero_rows_nan, "non_finite"),
    Wrong("warmup.normalize_rows", normalize_rows_column_norms, "known_mistake"),
    Wrong("warmup.normalize_rows", normalize_rows_whole_matrix_norm, "mismatch"),
    Wrong("warmup.normalize_rows", normalize_rows_in_place, "mutates_input"),
    Wrong("warmup.one_hot", one_hot_list, "wrong_type"),
    Wrong("warmup.one_hot", one_hot_unique_columns, "shape"),
    Wrong("warmup.one_hot", one_hot_transposed, "transposed"),
    Wrong("warmup.one_hot", one_hot_classes_from_labels, "shape"),
    Wrong("warmup.one_hot", one_hot_whole_columns, "mismatch"),
    Wrong("warmup.squared_distances", squared_distances_two_loops, "not_vectorized"),
    Wrong("warmup.squared_distances", squared_distances_one_loop, "not_vectorized"),
    Wrong("warmup.squared_distances", squared_distances_sqrt, "mismatch"),
    Wrong("warmup.squared_distances", squared_distances_zeros, "mismatch"),
    Wrong("warmup.squared_distances", squared_distances_flat_norms, "exception"),
    Wrong("warmup.mse_loss", mse_sum_not_mean, "scale"),
    Wrong("warmup.mse_loss", mse_target_minus_pred, "sign"),
    Wrong("warmup.mse_loss", mse_missing_factor_two, "scale"),
    Wrong("warmup.mse_loss", mse_missing_factor_two, "gradient"),
    Wrong("warmup.mse_loss", mse_missing_factor_two_float32, "gradient"),
    Wrong("warmup.mse_loss", mse_gradient_of_another_loss, "gradient"),
    Wrong("warmup.mse_loss", mse_loss_only, "wrong_type"),
    Wrong("warmup.mse_loss", mse_per_sample_loss, "shape"),
    Wrong("warmup.mse_loss", mse_log_of_zero, "non_finite"),
    Wrong("warmup.mse_loss", mse_returns_none, "returned_none"),
    Wrong(RIDGE, ridge_without_regularization, "missing_regularization"),
    Wrong(RIDGE, ridge_gradient_reg_times_w, "regularization_scale"),
    Wrong(RIDGE, ridge_strength_halved_twice, "regularization_scale", says="0.25 times"),
    Wrong(HALF_RIDGE, half_ridge_with_the_other_conventions_two, "regularization_scale"),
    Wrong(PREDICT, predict_soft_argmax, "dtype"),
    Wrong(HALVE, halve_zeros_like, "dtype"),
    Wrong("warmup.center", center_float16, "dtype"),
    Wrong(SQUARE, gram_transposed, "transposed"),
    Wrong(LOG_SOFTMAX, log_softmax_without_axis, "offset"),
    Wrong("warmup.center", center_prints_and_is_wrong, "printed_output"),
    Wrong(NORMAL, normal_twice_the_std, "property"),
]


WRONG += float32_rows(WRONG)  # the same code computing in float32


@wrong_rows(WRONG)
def test_wrong_implementation_is_diagnosed(row, seed):
    diagnosed(row, seed)


def test_every_code_is_covered_by_a_wrong_implementation():
    # a note never fails a check: test_engine_tasks.py shows one (a stub forward replaced by the reference's)
    covered = {row.code for row in WRONG} | {"ok", "note"}
    missing = set(CODES) - covered
    assert not missing, f"finding codes without a wrong implementation that triggers them: {sorted(missing)}"


# =========================================================================== right implementations
def center_sum_over_n(X):
    return X - X.sum(axis=0, keepdims=True) / X.shape[0]


def center_in_place_on_a_copy(X):
    Y = X.copy()
    Y -= Y.mean(axis=0)
    return Y


def center_centering_matrix(X):
    N = X.shape[0]
    return (np.eye(N) - np.ones((N, N)) / N) @ X


def center_float32(X):
    X = X.astype(np.float32)
    return X - X.mean(axis=0)


def normalize_rows_linalg_norm(X):
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.where(norms > 0, norms, 1.0)


def normalize_rows_divide_where(X):
    norms = np.sqrt(np.einsum("ij,ij->i", X, X))[:, None]
    return np.divide(X, norms, out=np.zeros_like(X), where=norms > 0)


def normalize_rows_loop_on_a_copy(X):
    Y = X.copy()
    for row in Y:
        length = np.sqrt(np.dot(row, row))
        if length > 0:
            row /= length
    return Y


def normalize_rows_float32(X):
    X = X.astype(np.float32)
    norms = np.sqrt(np.sum(X * X, axis=1, keepdims=True))
    return X / np.maximum(norms, np.float32(1e-30))


def one_hot_eye(y, num_classes):
    return np.eye(num_classes)[y]


def one_hot_int(y, num_classes):
    return np.eye(num_classes, dtype=int)[y]


def one_hot_compare(y, num_classes):
    return (y[:, None] == np.arange(num_classes)[None, :]).astype(float)


def one_hot_loop(y, num_classes):
    Y = np.zeros((len(y), num_classes))
    for i, label in enumerate(y):
        Y[i, label] = 1
    return Y


def squared_distances_expansion(A, B):
    return np.sum(A * A, axis=1)[:, None] + np.sum(B * B, axis=1)[None, :] - 2 * A @ B.T


def squared_distances_einsum(A, B):
    diff = A[:, None, :] - B[None, :, :]
    return np.einsum("ijk,ijk->ij", diff, diff)


def squared_distances_float32(A, B):
    diff = A.astype(np.float32)[:, None, :] - B.astype(np.float32)[None, :, :]
    return (diff ** 2).sum(axis=-1)


def mse_dot(pred, target):
    diff = pred - target
    return float(diff @ diff) / diff.size, (2.0 / diff.size) * diff


def mse_in_place_on_a_copy(pred, target):
    dpred = pred.copy()
    dpred -= target
    loss = np.mean(dpred ** 2)
    dpred *= 2 / len(pred)
    return loss, dpred


def mse_float32_everywhere(pred, target):
    diff = (pred - target).astype(np.float32)
    return np.float32(np.mean(diff * diff)), np.float32(2) * diff / np.float32(diff.size)


RIGHT = [
    Right("warmup.center", center_sum_over_n),
    Right("warmup.center", center_in_place_on_a_copy),
    Right("warmup.center", center_centering_matrix),
    Right("warmup.center", center_float32),
    Right("warmup.normalize_rows", normalize_rows_linalg_norm),
    Right("warmup.normalize_rows", normalize_rows_divide_where),
    Right("warmup.normalize_rows", normalize_rows_loop_on_a_copy),
    Right("warmup.normalize_rows", normalize_rows_float32),
    Right("warmup.one_hot", one_hot_eye),
    Right("warmup.one_hot", one_hot_int),
    Right("warmup.one_hot", one_hot_compare),
    Right("warmup.one_hot", one_hot_loop),
    Right("warmup.squared_distances", squared_distances_expansion),
    Right("warmup.squared_distances", squared_distances_einsum),
    Right("warmup.squared_distances", squared_distances_float32),
    Right("warmup.mse_loss", mse_dot),
    Right("warmup.mse_loss", mse_in_place_on_a_copy),
    Right("warmup.mse_loss", mse_float32_everywhere),
    Right(RIDGE, ridge_loss),
    Right(PREDICT, predict),
    Right(PREDICT, lambda scores: np.argmax(scores, axis=1).astype(float)),  # integer-valued floats are labels too
    Right(HALVE, lambda X: X * 0.5),
    Right(SQUARE, gram),
    Right(LOG_SOFTMAX, log_softmax),
    Right(LOG_SOFTMAX, log_softmax_by_logaddexp),
    Right(HALF_RIDGE, half_ridge_loss),
]


RIGHT += float32_rows(RIGHT)  # the same code computing in float32


@right_rows(RIGHT, seeds=GRADING)
def test_right_implementation_passes(row, seed):
    passes(row, seed)


# =========================================================================== what the findings say
def test_global_mean_is_an_offset_per_column():
    report = report_of("warmup.center", center_global_mean)
    offset = finding(report, "offset")
    assert "row" in offset.message and "same vector" in offset.message, offset.message
    assert "X.mean(axis=0)" in offset.hint, f"expected the task's hint about per-column means, got {offset.hint!r}"


def test_row_means_are_named_as_the_known_mistake():
    report = report_of("warmup.center", center_row_means)
    assert report.codes == ["known_mistake"], f"expected only the named mistake, got {report.codes}"
    mistake = finding(report, "known_mistake")
    assert "axis=1" in mistake.message and "axis=0" in mistake.message, mistake.message
    assert len(mistake.cases) == report.cases_total, f"expected the mistake in every case, got {mistake.cases}"


def test_in_place_subtraction_counts_the_changed_entries():
    report = report_of("warmup.center", center_in_place)
    mutation = finding(report, "mutates_input")
    assert "X" in mutation.message and "12 entries" in mutation.message, mutation.message
    assert report.score == 0.0, f"values computed by mutating the input do not earn cases, got {report.score}"


def test_transposed_result_names_both_shapes():
    report = report_of("warmup.center", center_transposed)
    transposed = finding(report, "transposed")
    assert "(4, 3) = (X.shape[0], X.shape[1])" in transposed.message, transposed.message
    assert "(3, 4) = (X.shape[1], X.shape[0])" in transposed.message, transposed.message


def test_transposed_one_hot_is_found_by_values_when_square_and_by_shape_otherwise():
    report = report_of("warmup.one_hot", one_hot_transposed)
    transposed = finding(report, "transposed")
    labels = [label[0] for label in transposed.cases]
    # 4 x 5, 1 x 3 and 9 x 5 are caught by their shape; the last case, 3 x 3 and not symmetric, by its values
    assert labels == ["labels [2, 0, 1, 2], 5 classes (classes 3 and 4 absent)", "one label",
                      "9 random labels, 5 classes", "3 labels, 3 classes (square result)"], labels
    assert transposed.text.key == "transposed", f"expected the shape message first, got {transposed.message!r}"
    square = check("warmup.one_hot", lambda y, num_classes: one_hot_transposed(y, num_classes) if num_classes == 3 and len(y) == 3
                   else np.eye(num_classes)[y])
    assert finding(square, "transposed").text.key == "transposed.square", square.text()


def test_transposed_square_result_is_recognised_by_its_values():
    report = report_of(SQUARE, gram_transposed)
    transposed = finding(report, "transposed")
    assert transposed.text.key == "transposed.square", f"expected the square-matrix message, got {transposed.message!r}"
    assert "square" in transposed.message


def test_missing_keepdims_shows_the_broadcast_error_and_only_the_learners_frames():
    report = report_of("warmup.normalize_rows", normalize_rows_without_keepdims)
    error = finding(report, "exception")
    assert "ValueError" in error.message and "broadcast" in error.message, error.message
    assert error.detail, "expected the learner's own frames in the finding's detail"
    assert "normalize_rows_without_keepdims" in error.detail and "np.sqrt(np.sum(X * X, axis=1))" in error.detail, error.detail
    assert __file__ in error.detail, f"expected this file's frame, got:\n{error.detail}"
    leaked = [line for line in error.detail.splitlines() if str(CHECKER_SOURCE) in line or "checker/" in line]
    assert not leaked, f"frames from the checker's own code leaked into the traceback: {leaked}"
    assert "numpy" not in error.detail, f"frames from numpy leaked into the traceback:\n{error.detail}"


def test_nan_for_a_row_of_zeros_points_at_the_row():
    report = report_of("warmup.normalize_rows", normalize_rows_zero_rows_nan)
    nan = finding(report, "non_finite")
    assert nan.where == "[2, 0]", f"expected the first NaN at [2, 0] (the row of zeros), got {nan.where}"
    assert "NaN" in nan.message and "zero" in nan.case, (nan.message, nan.case)
    assert "0/0" in nan.hint, nan.hint
    assert report.cases_passed == report.cases_total - 1, "only the case with a row of zeros should fail"


def test_list_instead_of_array_is_a_wrong_type():
    report = report_of("warmup.one_hot", one_hot_list)
    wrong = finding(report, "wrong_type")
    assert "NumPy array" in wrong.message and "list of 4 items" in wrong.message, wrong.message
    assert "np.array" in wrong.hint, wrong.hint


def test_columns_from_unique_labels_explain_the_shape():
    report = report_of("warmup.one_hot", one_hot_unique_columns)
    shape = finding(report, "shape")
    assert "(4, 3)" in shape.message and "(4, 5)" in shape.message, shape.message
    assert "num_classes" in shape.message or "y.shape[0]" in shape.message, (
        f"expected the shape explained with the names of the sizes, got {shape.message!r}")
    assert "num_classes" in shape.hint, f"expected the task's hint about num_classes columns, got {shape.hint!r}"


def test_loops_are_not_vectorized_and_cap_the_score():
    for fn in (squared_distances_two_loops, squared_distances_one_loop):
        report = report_of("warmup.squared_distances", fn)
        loops = finding(report, "not_vectorized")
        assert report.cases_passed == report.cases_total, f"{fn.__name__} computes the right values"
        assert report.score == 0.5, f"a looping solution scores at most 0.5, got {report.score}"
        line = re.search(r"busiest: line (\d+)", loops.message)
        assert line, f"expected the busiest line in the message, got {loops.message!r}"
        source_line = fn.__code__.co_firstlineno
        assert source_line < int(line.group(1)) <= source_line + 6, (
            f"busiest line {line.group(1)} should be inside {fn.__name__} (from line {source_line})")


def test_square_root_of_distances_is_a_plain_mismatch_with_its_first_index():
    report = report_of("warmup.squared_distances", squared_distances_sqrt)
    assert report.codes == ["mismatch"], f"no more specific cause applies, got {report.codes}"
    mismatch = finding(report, "mismatch")
    assert mismatch.where == "[0, 0]" and "[0, 0]" in mismatch.message, (mismatch.where, mismatch.message)
    assert mismatch.expected and mismatch.got, "expected excerpts of both values"


def test_sum_instead_of_mean_is_a_scale_named_by_the_batch_size_across_cases():
    report = report_of("warmup.mse_loss", mse_sum_not_mean)
    scales = {f.output: f for f in report.findings if f.code == "scale"}
    assert set(scales) == {"loss", "dpred"}, f"expected a scale finding for loss and for dpred, got {report.codes}"
    assert "every case" in scales["loss"].message and "pred.shape[0]" in scales["loss"].message, scales["loss"].message
    assert "pred.shape[0] = 5" in scales["dpred"].message, scales["dpred"].message
    assert "gradient" not in report.codes, "loss and dpred are consistent with each other"
    assert "mismatch" not in report.codes, f"the scale explains the loss, got {report.codes}"


def test_target_minus_pred_flips_the_sign_of_the_gradient():
    report = report_of("warmup.mse_loss", mse_target_minus_pred)
    sign = finding(report, "sign")
    assert sign.output == "dpred", f"the loss is unchanged by the sign, got the sign on {sign.output}"
    assert "prediction - target" in sign.hint, sign.hint


def test_missing_factor_two_is_a_scale_of_one_half():
    report = report_of("warmup.mse_loss", mse_missing_factor_two)
    scale = finding(report, "scale")
    assert scale.output == "dpred" and "0.5 times" in scale.message, scale.message
    gradient = finding(report, "gradient")
    assert "relative error 3.33e-01" in gradient.message, gradient.message


def test_gradient_check_catches_float32_mistakes_too():
    report = report_of("warmup.mse_loss", mse_missing_factor_two_float32)
    gradient = finding(report, "gradient")
    assert "1e-03" in gradient.message, f"float32 results are checked with a float32 tolerance, got {gradient.message!r}"


def test_missing_regularization_is_named_for_loss_and_gradient():
    report = report_of(RIDGE, ridge_without_regularization)
    outputs = sorted(f.output for f in report.findings if f.code == "missing_regularization")
    assert outputs == ["dW", "loss"], f"expected missing_regularization on loss and dW, got {report.codes}"
    assert "reg=0" in finding(report, "missing_regularization").message
    assert report.cases_passed == 1, "the case with reg = 0 passes"


def test_regularization_gradient_scale_is_reported_with_its_factor():
    report = report_of(RIDGE, ridge_gradient_reg_times_w)
    scale = finding(report, "regularization_scale")
    assert scale.output == "dW" and "0.5 times" in scale.message, scale.message
    assert "2 * reg * W" in scale.hint, scale.hint


def test_regularization_factors_of_a_quarter_and_four_are_named_even_for_a_scalar_loss():
    # one number fits some factor always: for the scalar loss only the factors real mistakes produce are named
    quarter = report_of(RIDGE, ridge_strength_halved_twice)
    scales = {f.output: f.message for f in quarter.findings if f.code == "regularization_scale"}
    assert set(scales) == {"loss", "dW"} and "0.25 times" in scales["loss"], quarter.text()
    assert quarter.cases_passed == 1, "the case with reg = 0 passes"
    four = report_of(HALF_RIDGE, half_ridge_with_the_other_conventions_two)
    scales = {f.output: f.message for f in four.findings if f.code == "regularization_scale"}
    assert "4 times" in scales.get("loss", ""), f"expected the loss named 4 times the due term:\n{four.text()}"
    assert "2 times" in scales.get("dW", ""), four.text()


def test_a_regularization_factor_no_mistake_produces_is_not_claimed_for_a_scalar_loss():
    def half_ridge_three_halves_reg(W, X, y, reg):
        loss, dW = half_ridge_loss(W, X, y, reg)
        return loss + reg * np.sum(W * W), dW  # 3 times the due term in the loss alone: nobody's convention

    report = check(HALF_RIDGE, half_ridge_three_halves_reg)
    loss_codes = [f.code for f in report.findings if f.output == "loss"]
    assert loss_codes == ["mismatch"], f"a factor of 3 on a scalar is no evidence of a regularization mistake:\n{report.text()}"


def test_a_normaliser_over_the_whole_batch_is_an_offset_of_each_row():
    report = report_of(LOG_SOFTMAX, log_softmax_without_axis)
    offset = finding(report, "offset")
    assert offset.text.key == "offset.columns", f"expected the per-row offset, got {offset.message!r}"
    assert "wrong axis" in offset.hint and "axis=1" in offset.hint, offset.hint
    assert len(offset.cases) == report.cases_total, f"every case is off by a constant per row: {offset.cases}"
    scores = LOG_SOFTMAX.make_cases()[0].args[0]
    per_row = log_softmax_without_axis(scores) - log_softmax(scores)
    assert np.allclose(per_row, per_row[:, :1]) and not np.allclose(per_row, per_row[0, 0]), "a constant of each row's own"
    shown = [float(v) for v in re.findall(r"-?\d+\.\d+", offset.message.split("per-row offsets")[1])]
    assert np.allclose(shown, per_row[:, 0], rtol=1e-4), f"expected the offsets {per_row[:, 0]} in {offset.message!r}"


def test_integer_labels_required():
    report = report_of(PREDICT, predict_soft_argmax)
    dtype = finding(report, "dtype")
    assert "whole numbers" in dtype.message, dtype.message


def test_zeros_like_of_integers_truncates():
    report = report_of(HALVE, halve_zeros_like)
    dtype = finding(report, "dtype")
    assert "int" in dtype.message and "cut off" in dtype.message, dtype.message
    assert "zeros_like" in dtype.hint, dtype.hint


def test_float16_loses_precision_where_float32_is_right():
    report = report_of("warmup.center", center_float16)
    dtype = finding(report, "dtype")
    assert "float16" in dtype.message and "float64" in dtype.message, dtype.message
    # columns around 1e4 cost float32 four digits, which no float32 code can keep: that is no mistake
    assert report_of(CENTER_FAR, center_far_float32).codes == ["ok"]


def test_the_reference_itself_counts_as_using_the_reference():
    report = report_of("warmup.center", ref.center)
    used = finding(report, "uses_reference")
    assert "checker.reference.warmup.center" in used.message, used.message


def test_timeout_stops_the_remaining_cases_quickly():
    started = time.perf_counter()
    report = check("warmup.center", center_loops_forever, time_limit=0.2)
    elapsed = time.perf_counter() - started
    timeout = finding(report, "timeout")
    assert elapsed < 2.0, f"one case over 0.2 s should stop the check, it took {elapsed:.2f} s"
    assert "0.2 s" in timeout.message, timeout.message
    assert len(timeout.cases) == 1, f"the cases after a time-out are skipped, got {timeout.cases}"
    assert report.score == 0.0


def test_printing_a_lot_is_a_note_and_a_right_answer_still_passes():
    def center_chatty(X):
        for i in range(10_000):
            print("step", i)
        return X - X.mean(axis=0)

    report = check("warmup.center", center_chatty)
    assert report.passed is True and report.score == 1.0, report.text()
    assert report.codes == ["ok", "printed_output"], f"expected ok plus the printed_output note, got {report.codes}"
    printed = finding(report, "printed_output")
    assert "10000 lines" in printed.message, printed.message
    assert printed.detail.splitlines() == ["step 0", "step 1", "step 2"], f"expected the first lines, got {printed.detail!r}"
    assert "printed_output" in NOTE_CODES


def test_not_implemented_and_none_say_what_to_do():
    not_implemented = finding(report_of("warmup.center", center_not_implemented), "not_implemented")
    assert "NotImplementedError" in not_implemented.hint, not_implemented.hint
    none = finding(report_of("warmup.center", center_forgets_return), "returned_none")
    assert "return" in none.hint, none.hint


def test_returning_only_the_loss_asks_for_both_outputs():
    report = report_of("warmup.mse_loss", mse_loss_only)
    wrong = finding(report, "wrong_type")
    assert "2 values" in wrong.message, wrong.message
    assert "loss, dpred" in wrong.hint, wrong.hint


def test_a_right_answer_after_a_wrong_one_is_not_remembered():
    assert check("warmup.center", center_global_mean).passed is False
    assert check("warmup.center", center_sum_over_n).passed is True


def test_learner_frames_of_runaway_recursion_are_counted_not_listed():
    def center_recursive(X):
        return center_recursive(X)

    limit = sys.getrecursionlimit()
    report = check("warmup.center", center_recursive)
    error = finding(report, "exception")
    assert "RecursionError" in error.message, error.message
    assert len(error.detail.splitlines()) < 20, f"expected a short traceback, got {len(error.detail.splitlines())} lines"
    assert "more times" in error.detail, error.detail
    assert sys.getrecursionlimit() == limit
