"""Notebook 03 (linear classifiers): the reference, the task specs and their diagnoses.

Every task gets a table of realistic wrong implementations, each of which must fail with the
finding code that names its cause, and several differently written correct implementations
(one as the CS231n assignment writes it, one computing in float32) that must pass with ``ok`` only.
"""

import numpy as np
import pytest

import checker.reference.linear as ref
from catalogue import Right, Wrong, diagnosed, passes, right_rows, wrong_rows
from float32_tools import float32_rows
from checker.data import load_digits
from checker.registry import get


# =========================================================================== correct: SVM
def svm_naive_cs231n(W, X, y, reg):
    """As in CS231n's linear_svm.py, with the gradient added inside the loops."""
    dW = np.zeros(W.shape)
    num_classes = W.shape[1]
    num_train = X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = X[i].dot(W)
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + 1  # note delta = 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    return loss, dW


def svm_naive_float32(W, X, y, reg):
    W32, X32 = W.astype(np.float32), X.astype(np.float32)
    dW = np.zeros_like(W32)
    loss = np.float32(0.0)
    for i in range(X32.shape[0]):
        scores = X32[i] @ W32
        margins = np.maximum(np.float32(0), scores - scores[y[i]] + np.float32(1))
        margins[y[i]] = 0
        loss += margins.sum()
        positive = (margins > 0).astype(np.float32)
        dW += np.outer(X32[i], positive)
        dW[:, y[i]] -= positive.sum() * X32[i]
    N = np.float32(X32.shape[0])
    reg32 = np.float32(reg)
    return loss / N + reg32 * np.sum(W32 * W32), dW / N + 2 * reg32 * W32


def svm_naive_per_class(W, X, y, reg):
    """Loops over classes instead of samples (still 'naive'), regularization written as a norm."""
    N, C = X.shape[0], W.shape[1]
    scores = X @ W
    correct = scores[np.arange(N), y]
    loss, dW = 0.0, np.zeros_like(W)
    for j in range(C):
        margin = scores[:, j] - correct + 1.0
        active = (margin > 0) & (y != j)
        loss += margin[active].sum()
        dW[:, j] += X[active].sum(axis=0)
        for i in np.nonzero(active)[0]:
            dW[:, y[i]] -= X[i]
    return loss / N + reg * np.linalg.norm(W) ** 2, dW / N + 2 * reg * W


def svm_vectorized_cs231n(W, X, y, reg):
    """Margins matrix and a binary mask, as in CS231n's svm_loss_vectorized."""
    num_train = X.shape[0]
    scores = X.dot(W)
    correct_class_scores = scores[np.arange(num_train), y]
    margins = np.maximum(0, scores - correct_class_scores[:, np.newaxis] + 1)
    margins[np.arange(num_train), y] = 0
    loss = np.sum(margins) / num_train
    loss += reg * np.sum(W * W)
    binary = margins
    binary[margins > 0] = 1
    row_sum = np.sum(binary, axis=1)
    binary[np.arange(num_train), y] = -row_sum.T
    dW = np.dot(X.T, binary) / num_train
    dW += 2 * reg * W
    return loss, dW


def svm_vectorized_float32(W, X, y, reg):
    W32, X32 = W.astype(np.float32), X.astype(np.float32)
    N = X.shape[0]
    rows = np.arange(N)
    scores = X32 @ W32
    margins = np.maximum(np.float32(0), scores - scores[rows, y][:, None] + np.float32(1))
    margins[rows, y] = 0
    mask = (margins > 0).astype(np.float32)
    mask[rows, y] = -mask.sum(axis=1)
    reg32 = np.float32(reg)
    return margins.sum() / np.float32(N) + reg32 * np.sum(W32 * W32), X32.T @ mask / np.float32(N) + 2 * reg32 * W32


def svm_vectorized_one_hot(W, X, y, reg):
    N, C = X.shape[0], W.shape[1]
    Y = np.eye(C)[y]
    scores = X @ W
    margins = np.where(Y == 1, 0.0, np.maximum(0.0, scores - np.sum(scores * Y, axis=1, keepdims=True) + 1.0))
    active = (margins > 0).astype(float)
    dscores = active - Y * active.sum(axis=1, keepdims=True)
    return margins.sum() / N + reg * np.vdot(W, W), X.T @ dscores / N + 2 * reg * W


# =========================================================================== wrong: SVM
def svm_naive_no_average(W, X, y, reg):
    dW, loss = np.zeros(W.shape), 0.0
    for i in range(X.shape[0]):
        scores = X[i].dot(W)
        for j in range(W.shape[1]):
            if j == y[i]:
                continue
            margin = scores[j] - scores[y[i]] + 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    return loss + reg * np.sum(W * W), dW + 2 * reg * W


def _svm_naive(W, X, y, reg, delta=1.0, skip_correct=True, sign=1.0, reg_loss=1.0, reg_grad=2.0, transposed=False):
    """The CS231n loops with one thing changed."""
    dW = np.zeros(W.shape[::-1] if transposed else W.shape)
    loss = 0.0
    for i in range(X.shape[0]):
        scores = X[i].dot(W)
        for j in range(W.shape[1]):
            if skip_correct and j == y[i]:
                continue
            margin = scores[j] - scores[y[i]] + delta
            if margin > 0:
                loss += margin
                if transposed:
                    dW[j] += X[i]
                    dW[y[i]] -= X[i]
                else:
                    dW[:, j] += sign * X[i]
                    dW[:, y[i]] -= sign * X[i]
    loss /= X.shape[0]
    dW /= X.shape[0]
    loss += reg_loss * reg * np.sum(W * W)
    dW += reg_grad * reg * (W.T if transposed else W)
    return loss, dW


def svm_naive_gradient_not_averaged(W, X, y, reg):
    loss, dW = _svm_naive(W, X, y, reg, reg_grad=0.0)
    return loss, dW * X.shape[0] + 2 * reg * W


def svm_naive_no_delta(W, X, y, reg):
    return _svm_naive(W, X, y, reg, delta=0.0)


def svm_naive_counts_correct_class(W, X, y, reg):
    return _svm_naive(W, X, y, reg, skip_correct=False)


def svm_naive_no_regularization(W, X, y, reg):
    return _svm_naive(W, X, y, reg, reg_loss=0.0, reg_grad=0.0)


def svm_naive_reg_gradient_without_2(W, X, y, reg):
    return _svm_naive(W, X, y, reg, reg_grad=1.0)


def svm_naive_reg_not_differentiated(W, X, y, reg):
    return _svm_naive(W, X, y, reg, reg_grad=0.0)


def svm_naive_wrong_sign(W, X, y, reg):
    return _svm_naive(W, X, y, reg, sign=-1.0)


def svm_naive_transposed(W, X, y, reg):
    return _svm_naive(W, X, y, reg, transposed=True)


def svm_vectorized_loops(W, X, y, reg):
    N = X.shape[0]
    loss, dW = 0.0, np.zeros_like(W)
    for i in range(N):
        scores = X[i] @ W
        margins = np.maximum(0, scores - scores[y[i]] + 1)
        margins[y[i]] = 0
        loss += margins.sum()
        positive = (margins > 0).astype(float)
        positive[y[i]] = -positive.sum()
        dW += np.outer(X[i], positive)
    return loss / N + reg * np.sum(W * W), dW / N + 2 * reg * W


def svm_vectorized_keeps_correct_margin(W, X, y, reg):
    N = X.shape[0]
    scores = X.dot(W)
    margins = np.maximum(0, scores - scores[np.arange(N), y][:, None] + 1)  # margins[i, y[i]] = 1 stays
    binary = (margins > 0).astype(float)
    binary[np.arange(N), y] = -np.sum(binary, axis=1)
    return np.sum(margins) / N + reg * np.sum(W * W), X.T.dot(binary) / N + 2 * reg * W


def svm_vectorized_no_pull_on_correct_class(W, X, y, reg):
    N = X.shape[0]
    scores = X.dot(W)
    margins = np.maximum(0, scores - scores[np.arange(N), y][:, None] + 1)
    margins[np.arange(N), y] = 0
    binary = (margins > 0).astype(float)  # the -row_sum for the correct class is missing
    return np.sum(margins) / N + reg * np.sum(W * W), X.T.dot(binary) / N + 2 * reg * W


def _svm_vectorized(W, X, y, reg, grad_divisor=None, reg_loss=1.0, reg_grad=2.0):
    N = X.shape[0]
    scores = X.dot(W)
    margins = np.maximum(0, scores - scores[np.arange(N), y][:, None] + 1)
    margins[np.arange(N), y] = 0
    binary = (margins > 0).astype(float)
    binary[np.arange(N), y] = -np.sum(binary, axis=1)
    return (np.sum(margins) / N + reg_loss * reg * np.sum(W * W),
            X.T.dot(binary) / (grad_divisor or N) + reg_grad * reg * W)


def svm_vectorized_gradient_not_averaged(W, X, y, reg):
    return _svm_vectorized(W, X, y, reg, grad_divisor=1)


def svm_vectorized_no_regularization(W, X, y, reg):
    return _svm_vectorized(W, X, y, reg, reg_loss=0.0, reg_grad=0.0)


def svm_vectorized_reg_gradient_without_2(W, X, y, reg):
    return _svm_vectorized(W, X, y, reg, reg_grad=1.0)


def svm_vectorized_dW_aliases_W(W, X, y, reg):
    N = X.shape[0]
    scores = X.dot(W)
    margins = np.maximum(0, scores - scores[np.arange(N), y][:, None] + 1)
    margins[np.arange(N), y] = 0
    loss = np.sum(margins) / N + reg * np.sum(W * W)
    binary = (margins > 0).astype(float)
    binary[np.arange(N), y] = -np.sum(binary, axis=1)
    dW = W            # meant a fresh array: this is W itself
    dW *= 2 * reg
    dW += X.T.dot(binary) / N
    return loss, dW


# =========================================================================== correct: softmax
def softmax_naive_cs231n(W, X, y, reg):
    loss = 0.0
    dW = np.zeros_like(W)
    num_train = X.shape[0]
    num_classes = W.shape[1]
    for i in range(num_train):
        scores = X[i].dot(W)
        scores -= np.max(scores)
        p = np.exp(scores) / np.sum(np.exp(scores))
        loss += -np.log(p[y[i]])
        for j in range(num_classes):
            if j == y[i]:
                dW[:, j] += (p[j] - 1) * X[i]
            else:
                dW[:, j] += p[j] * X[i]
    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    return loss, dW


def softmax_naive_float32(W, X, y, reg):
    """Scores in float64 (X @ W is where ±1000 lives), everything after the max shift in float32."""
    W32, X32, reg32 = W.astype(np.float32), X.astype(np.float32), np.float32(reg)
    dW = np.zeros_like(W32)
    loss = np.float32(0.0)
    for i in range(X.shape[0]):
        shifted = (X[i] @ W - np.max(X[i] @ W)).astype(np.float32)
        p = np.exp(shifted) / np.sum(np.exp(shifted))
        loss -= np.log(p[y[i]])
        p[y[i]] -= 1
        dW += np.outer(X32[i], p)
    N = np.float32(X.shape[0])
    return loss / N + reg32 * np.sum(W32 * W32), dW / N + 2 * reg32 * W32


def softmax_naive_log_sum_exp(W, X, y, reg):
    """Loss as log-sum-exp minus the correct score; gradient by the chain rule through the scores."""
    N = X.shape[0]
    loss, dW = 0.0, np.zeros(W.shape)
    for i in range(N):
        s = X[i] @ W
        m = s.max()
        lse = m + np.log(np.exp(s - m).sum())
        loss += lse - s[y[i]]
        ds = np.exp(s - lse)
        ds[y[i]] -= 1.0
        for d in range(W.shape[0]):
            dW[d] += X[i, d] * ds
    return loss / N + reg * (W ** 2).sum(), dW / N + 2 * reg * W


def softmax_vectorized_cs231n(W, X, y, reg):
    num_train = X.shape[0]
    scores = X.dot(W)
    scores -= np.max(scores, axis=1, keepdims=True)
    exp_scores = np.exp(scores)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    loss = np.sum(-np.log(probs[np.arange(num_train), y])) / num_train + reg * np.sum(W * W)
    dscores = probs
    dscores[np.arange(num_train), y] -= 1
    dW = X.T.dot(dscores) / num_train + 2 * reg * W
    return loss, dW


def softmax_vectorized_float32(W, X, y, reg):
    N = X.shape[0]
    scores = X @ W
    shifted = (scores - scores.max(axis=1, keepdims=True)).astype(np.float32)
    probs = np.exp(shifted)
    probs /= probs.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(probs[np.arange(N), y]))
    probs[np.arange(N), y] -= 1
    W32, reg32 = W.astype(np.float32), np.float32(reg)
    return loss + reg32 * np.sum(W32 * W32), X.astype(np.float32).T @ probs / np.float32(N) + 2 * reg32 * W32


def softmax_vectorized_one_hot(W, X, y, reg):
    N, C = X.shape[0], W.shape[1]
    Y = np.zeros((N, C))
    Y[np.arange(N), y] = 1
    s = X @ W
    s = s - s.max(axis=1)[:, None]
    log_p = s - np.log(np.exp(s).sum(axis=1))[:, None]
    return -(Y * log_p).sum() / N + reg * np.sum(np.square(W)), X.T @ (np.exp(log_p) - Y) / N + 2 * reg * W


# =========================================================================== wrong: softmax
def _softmax_naive(W, X, y, reg, shift=True, average=True, reg_loss=1.0, reg_grad=2.0, sign=1.0, mutate_X=False):
    N = X.shape[0]
    loss, dW = 0.0, np.zeros_like(W)
    if mutate_X:
        X /= np.abs(X).max()  # "preprocessing" inside the loss, in place: the caller's X changes
    for i in range(N):
        scores = X[i].dot(W)
        if shift:
            scores = scores - np.max(scores)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            p = np.exp(scores) / np.sum(np.exp(scores))
            loss += -np.log(p[y[i]])
        p[y[i]] -= 1
        dW += sign * np.outer(X[i], p)
    if average:
        loss /= N
        dW /= N
    return loss + reg_loss * reg * np.sum(W * W), dW + reg_grad * reg * W


def softmax_naive_no_max_shift(W, X, y, reg):
    return _softmax_naive(W, X, y, reg, shift=False)


def softmax_naive_no_average(W, X, y, reg):
    return _softmax_naive(W, X, y, reg, average=False)


def softmax_naive_no_regularization(W, X, y, reg):
    return _softmax_naive(W, X, y, reg, reg_loss=0.0, reg_grad=0.0)


def softmax_naive_reg_gradient_without_2(W, X, y, reg):
    return _softmax_naive(W, X, y, reg, reg_grad=1.0)


def softmax_naive_reg_not_differentiated(W, X, y, reg):
    return _softmax_naive(W, X, y, reg, reg_grad=0.0)


def softmax_naive_y_minus_p(W, X, y, reg):
    """dscores = y - p instead of p - y."""
    return _softmax_naive(W, X, y, reg, sign=-1.0, reg_grad=-2.0)


def softmax_naive_scales_X_in_place(W, X, y, reg):
    return _softmax_naive(W, X, y, reg, mutate_X=True)


def _softmax_vectorized(W, X, y, reg, shift_axis=1, transposed=False, reg_loss=1.0, reg_grad=2.0):
    N = X.shape[0]
    scores = X.dot(W)
    if shift_axis is not None:
        scores = scores - np.max(scores, axis=shift_axis, keepdims=True)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
        loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    probs[np.arange(N), y] -= 1
    dW = probs.T.dot(X) / N if transposed else X.T.dot(probs) / N
    return loss + reg_loss * reg * np.sum(W * W), dW + reg_grad * reg * (W.T if transposed else W)


def softmax_vectorized_gradient_not_averaged(W, X, y, reg):
    loss, dW = _softmax_vectorized(W, X, y, reg, reg_grad=0.0)
    return loss, dW * X.shape[0] + 2 * reg * W


def softmax_vectorized_no_max_shift(W, X, y, reg):
    return _softmax_vectorized(W, X, y, reg, shift_axis=None)


def softmax_vectorized_transposed(W, X, y, reg):
    return _softmax_vectorized(W, X, y, reg, transposed=True)


def softmax_vectorized_no_regularization(W, X, y, reg):
    return _softmax_vectorized(W, X, y, reg, reg_loss=0.0, reg_grad=0.0)


def softmax_vectorized_reg_gradient_without_2(W, X, y, reg):
    return _softmax_vectorized(W, X, y, reg, reg_grad=1.0)


def softmax_vectorized_column_max(W, X, y, reg):
    """Shifts by the max of each column (axis=0): fine for the softmax, but not enough against overflow."""
    return _softmax_vectorized(W, X, y, reg, shift_axis=0)


def softmax_vectorized_loops(W, X, y, reg):
    N = X.shape[0]
    loss, dW = 0.0, np.zeros_like(W)
    for i in range(N):
        s = X[i] @ W
        p = np.exp(s - s.max())
        p /= p.sum()
        loss -= np.log(p[y[i]])
        p[y[i]] -= 1
        dW += np.outer(X[i], p)
    return loss / N + reg * np.sum(W * W), dW / N + 2 * reg * W


def softmax_vectorized_dW_aliases_W(W, X, y, reg):
    N = X.shape[0]
    scores = X.dot(W)
    scores -= scores.max(axis=1, keepdims=True)
    probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(probs[np.arange(N), y])) + reg * np.sum(W * W)
    probs[np.arange(N), y] -= 1
    dW = W
    dW *= 2 * reg
    dW += X.T.dot(probs) / N
    return loss, dW


# =========================================================================== predict
def predict_cs231n(W, X):
    y_pred = np.zeros(X.shape[0])
    scores = X.dot(W)
    y_pred = np.argmax(scores, axis=1)
    return y_pred


def predict_float32_loop(W, X):
    W32 = W.astype(np.float32)
    return np.array([float(np.argmax(x.astype(np.float32) @ W32)) for x in X])


def predict_argmax_axis0(W, X):
    return np.argmax(X.dot(W), axis=0)


def predict_argmin(W, X):
    return np.argmin(X.dot(W), axis=1)


def predict_returns_scores(W, X):
    return X.dot(W)


def predict_max_score(W, X):
    return np.max(X.dot(W), axis=1)


def predict_one_based(W, X):
    return np.argmax(X.dot(W), axis=1) + 1


def predict_centers_W_in_place(W, X):
    W -= W.mean(axis=1, keepdims=True)  # the same argmax, but the caller's W is changed
    return np.argmax(X.dot(W), axis=1)


# =========================================================================== the tables
RIGHT = [
    Right("linear.svm_loss_naive", svm_naive_cs231n),
    Right("linear.svm_loss_naive", svm_naive_float32),
    Right("linear.svm_loss_naive", svm_naive_per_class),
    Right("linear.svm_loss_naive", svm_vectorized_cs231n),
    Right("linear.svm_loss_vectorized", svm_vectorized_cs231n),
    Right("linear.svm_loss_vectorized", svm_vectorized_float32),
    Right("linear.svm_loss_vectorized", svm_vectorized_one_hot),
    Right("linear.softmax_loss_naive", softmax_naive_cs231n),
    Right("linear.softmax_loss_naive", softmax_naive_float32),
    Right("linear.softmax_loss_naive", softmax_naive_log_sum_exp),
    Right("linear.softmax_loss_vectorized", softmax_vectorized_cs231n),
    Right("linear.softmax_loss_vectorized", softmax_vectorized_float32),
    Right("linear.softmax_loss_vectorized", softmax_vectorized_one_hot),
    Right("linear.predict", predict_cs231n),
    Right("linear.predict", predict_float32_loop),
]


def named(task_id, fn, words):
    """A wrong row whose cause is a known mistake: every such finding says ``words``, and no misleading
    regularization_scale comes with it."""
    return Wrong(task_id, fn, "known_mistake", says=words, each=True, without=("regularization_scale",))


WRONG = [
    Wrong("linear.svm_loss_naive", svm_naive_no_average, "scale"),
    named("linear.svm_loss_naive", svm_naive_no_average, "1/N"),
    Wrong("linear.svm_loss_naive", svm_naive_gradient_not_averaged, "scale"),
    named("linear.svm_loss_naive", svm_naive_no_delta, "delta"),
    named("linear.svm_loss_naive", svm_naive_counts_correct_class, "correct class"),
    Wrong("linear.svm_loss_naive", svm_naive_no_regularization, "missing_regularization"),
    Wrong("linear.svm_loss_naive", svm_naive_reg_gradient_without_2, "regularization_scale"),
    Wrong("linear.svm_loss_naive", svm_naive_reg_not_differentiated, "missing_regularization"),
    Wrong("linear.svm_loss_naive", svm_naive_wrong_sign, "sign"),
    Wrong("linear.svm_loss_naive", svm_naive_transposed, "transposed"),
    Wrong("linear.svm_loss_vectorized", svm_vectorized_loops, "not_vectorized"),
    named("linear.svm_loss_vectorized", svm_vectorized_keeps_correct_margin, "correct class"),
    Wrong("linear.svm_loss_vectorized", svm_vectorized_no_pull_on_correct_class, "gradient"),
    Wrong("linear.svm_loss_vectorized", svm_vectorized_gradient_not_averaged, "scale"),
    Wrong("linear.svm_loss_vectorized", svm_vectorized_no_regularization, "missing_regularization"),
    Wrong("linear.svm_loss_vectorized", svm_vectorized_reg_gradient_without_2, "regularization_scale"),
    Wrong("linear.svm_loss_vectorized", svm_vectorized_dW_aliases_W, "mutates_input"),
    Wrong("linear.softmax_loss_naive", softmax_naive_no_max_shift, "non_finite"),
    Wrong("linear.softmax_loss_naive", softmax_naive_no_average, "scale"),
    named("linear.softmax_loss_naive", softmax_naive_no_average, "1/N"),
    Wrong("linear.softmax_loss_vectorized", softmax_vectorized_gradient_not_averaged, "scale"),
    Wrong("linear.softmax_loss_naive", softmax_naive_no_regularization, "missing_regularization"),
    Wrong("linear.softmax_loss_naive", softmax_naive_reg_gradient_without_2, "regularization_scale"),
    Wrong("linear.softmax_loss_naive", softmax_naive_reg_not_differentiated, "missing_regularization"),
    Wrong("linear.softmax_loss_naive", softmax_naive_y_minus_p, "sign"),
    Wrong("linear.softmax_loss_naive", softmax_naive_scales_X_in_place, "mutates_input"),
    Wrong("linear.softmax_loss_vectorized", softmax_vectorized_no_max_shift, "non_finite"),
    Wrong("linear.softmax_loss_vectorized", softmax_vectorized_transposed, "transposed"),
    Wrong("linear.softmax_loss_vectorized", softmax_vectorized_no_regularization, "missing_regularization"),
    Wrong("linear.softmax_loss_vectorized", softmax_vectorized_reg_gradient_without_2, "regularization_scale"),
    Wrong("linear.softmax_loss_vectorized", softmax_vectorized_column_max, "non_finite"),
    Wrong("linear.softmax_loss_vectorized", softmax_vectorized_loops, "not_vectorized"),
    Wrong("linear.softmax_loss_vectorized", softmax_vectorized_dW_aliases_W, "mutates_input"),
    Wrong("linear.predict", predict_argmax_axis0, "shape"),
    Wrong("linear.predict", predict_argmin, "mismatch"),
    Wrong("linear.predict", predict_returns_scores, "shape"),
    Wrong("linear.predict", predict_max_score, "mismatch"),
    Wrong("linear.predict", predict_one_based, "offset"),
    Wrong("linear.predict", predict_centers_W_in_place, "mutates_input"),
]


RIGHT += float32_rows(RIGHT)  # the same code computing in float32


@right_rows(RIGHT)
def test_right_implementation_passes(row, seed):
    """Also with other seeds: grading draws its cases with a seed the learner never saw."""
    passes(row, seed)


WRONG += float32_rows(WRONG)  # the same code computing in float32


@wrong_rows(WRONG)
def test_wrong_implementation_is_diagnosed(row, seed):
    diagnosed(row, seed)


# =========================================================================== the cases
LOSS_TASKS = ["linear.svm_loss_naive", "linear.svm_loss_vectorized", "linear.softmax_loss_naive", "linear.softmax_loss_vectorized"]


@pytest.mark.parametrize("seed", [231, 0, 12345])
@pytest.mark.parametrize("task_id", LOSS_TASKS)
def test_loss_cases_cover_the_edge_cases(task_id, seed):
    cases = get(task_id).make_cases(seed)
    regs = [case.args[3] for case in cases]
    assert 0.0 in regs and any(r > 0 for r in regs), f"expected cases with reg 0 and reg > 0, got {regs}"
    assert any(case.args[1].shape[0] == 1 for case in cases), "expected a one-sample case"
    assert any(len(np.unique(case.args[2])) < case.args[0].shape[1] for case in cases), "expected a case with an absent class"
    for case in cases:
        W, X, y, _ = case.args
        assert W.shape[0] == X.shape[1] and y.shape == (X.shape[0],) and y.max() < W.shape[1]
        assert W.shape[0] != W.shape[1], "square W would hide a transposed dW in the shape"


@pytest.mark.parametrize("seed", [231, 0, 12345])
def test_svm_margins_stay_away_from_the_kink(seed):
    for case in get("linear.svm_loss_naive").make_cases(seed):
        W, X, y, _ = case.args
        scores = X @ W
        margins = scores - scores[np.arange(len(y)), y][:, None] + 1
        margins[np.arange(len(y)), y] = np.inf
        assert np.abs(margins).min() > 0.05, f"{case.label}: a margin within {np.abs(margins).min():.3g} of the kink"


@pytest.mark.parametrize("seed", [231, 0, 12345])
def test_softmax_has_a_case_that_overflows_without_the_max_shift(seed):
    shifted = []
    for case in get("linear.softmax_loss_vectorized").make_cases(seed):
        W, X, y, reg = case.args
        scores = X @ W
        if np.abs(scores).min() > 900:
            shifted.append(case)
            assert np.any(scores > 900) and np.any(scores < -900), "expected rows shifted both ways"
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                naive = -np.log(np.exp(scores)[np.arange(len(y)), y] / np.exp(scores).sum(axis=1)).mean()
            assert not np.isfinite(naive)
            loss, dW = ref.softmax_loss_vectorized(W, X, y, reg)
            assert np.isfinite(loss) and np.all(np.isfinite(dW))
    assert len(shifted) == 1


@pytest.mark.parametrize("seed", [231, 0, 12345])
def test_predict_cases_have_no_ties(seed):
    for case in get("linear.predict").make_cases(seed):
        W, X = case.args
        top = np.sort(X @ W, axis=1)
        assert np.all(top[:, -1] - top[:, -2] > 1e-4), case.label


# =========================================================================== against PyTorch
def _torch_losses(W, X, y, reg):
    torch = pytest.importorskip("torch")
    results = {}
    for name in ("svm", "softmax"):
        Wt = torch.tensor(W, requires_grad=True)
        scores = torch.tensor(X) @ Wt
        target = torch.tensor(y)
        if name == "svm":  # multi_margin_loss divides each sample's sum by C
            data = torch.nn.functional.multi_margin_loss(scores, target, margin=1.0) * W.shape[1]
        else:
            data = torch.nn.functional.cross_entropy(scores, target)
        loss = data + reg * torch.sum(Wt * Wt)
        loss.backward()
        results[name] = (loss.item(), Wt.grad.numpy())
    return results


@pytest.mark.parametrize("task_id", LOSS_TASKS)
def test_reference_agrees_with_pytorch(task_id):
    fn = getattr(ref, task_id.split(".")[1])
    kind = "svm" if "svm" in task_id else "softmax"
    for case in get(task_id).make_cases():
        loss, dW = fn(*case.args)
        want_loss, want_dW = _torch_losses(*case.args)[kind]
        assert np.isclose(loss, want_loss, rtol=1e-9), f"{case.label}: loss {loss} vs torch {want_loss}"
        np.testing.assert_allclose(dW, want_dW, rtol=1e-7, atol=1e-10, err_msg=case.label)
        assert isinstance(loss, float)


def test_reference_predict_is_the_argmax_of_the_scores():
    for case in get("linear.predict").make_cases():
        W, X = case.args
        y_pred = ref.predict(W, X)
        assert y_pred.shape == (X.shape[0],) and y_pred.dtype.kind in "iu"
        assert np.all((X @ W)[np.arange(len(y_pred)), y_pred] == (X @ W).max(axis=1))


# =========================================================================== training on digits
def train_softmax(X, y, learning_rate, reg, epochs=30, batch_size=64, seed=0):
    """Mini-batch SGD on the reference softmax loss, as the notebook's train function does it."""
    rng = np.random.default_rng(seed)
    W = 0.001 * rng.standard_normal((X.shape[1], int(y.max()) + 1))
    for _ in range(epochs):
        order = rng.permutation(X.shape[0])
        for start in range(0, X.shape[0], batch_size):
            batch = order[start:start + batch_size]
            _, dW = ref.softmax_loss_vectorized(W, X[batch], y[batch], reg)
            W -= learning_rate * dW
    return W


def test_tuned_softmax_reaches_92_percent_on_digits():
    data = load_digits()
    bias = lambda X: np.hstack([X, np.ones((X.shape[0], 1))])  # noqa: E731
    X_train, X_val, X_test = bias(data.X_train), bias(data.X_val), bias(data.X_test)
    best = None
    for learning_rate in (0.1, 0.3, 1.0):
        for reg in (1e-4, 1e-3, 1e-2):
            W = train_softmax(X_train, data.y_train, learning_rate, reg)
            val = np.mean(ref.predict(W, X_val) == data.y_val)
            if best is None or val > best[0]:
                best = (val, learning_rate, reg, W)
    val, learning_rate, reg, W = best
    test = np.mean(ref.predict(W, X_test) == data.y_test)
    assert test >= 0.92, f"tuned softmax (lr={learning_rate}, reg={reg}, val {val:.3f}) reached only {test:.3f} on test"
