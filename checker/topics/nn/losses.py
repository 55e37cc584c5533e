"""Notebook 05's losses as layers: ``softmax_loss(x, y)`` and ``svm_loss(x, y)`` return
``(loss, dx)``; dx is also checked against the numerical gradient of the learner's own loss."""

import numpy as np

from checker.spec import Case, Gradient, KnownMistake, Task
from checker.topics.layer_cases import redraw_where

LOSS_SHAPES = [
    (("5 samples, 3 classes", "5 个样本，3 类"), 5, 3, None),
    (("one sample (N = 1), 4 classes", "只有一个样本（N = 1），4 类"), 1, 4, None),
    (("8 samples, 10 classes, class 2 absent from y", "8 个样本，10 类，y 中没有第 2 类"), 8, 10, 2),
    (("12 samples, 5 classes", "12 个样本，5 类"), 12, 5, None),
]
_AVERAGE = ("Average over the N samples: divide both the loss and dx by N = x.shape[0].",
            "对 N 个样本取平均：损失和 dx 都要除以 N = x.shape[0]。")


def labels(rng, N, C, absent=None):
    """N labels in range(C), without class ``absent``."""
    classes = [c for c in range(C) if c != absent]
    return rng.choice(classes, size=N).astype(np.int64)


# =========================================================================== softmax
def softmax_loss_cases(rng):
    for label, N, C, absent in LOSS_SHAPES:
        yield Case(label, rng.normal(scale=1.5, size=(N, C)), labels(rng, N, C, absent))
    x = rng.normal(size=(6, 3))
    x += np.array([1000.0, -1000.0, 1000.0, -1000.0, 1000.0, -1000.0])[:, None]
    yield Case(("6 samples, scores shifted by +1000 or -1000 per row", "6 个样本，每行得分整体加上 +1000 或 -1000"),
               x, labels(rng, 6, 3))


def _softmax_no_minus_one(x, y):
    N = x.shape[0]
    shifted = x - x.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(N), y].sum() / N), np.exp(log_p) / N


TASKS = [
    Task(
        "nn.softmax_loss", cases=softmax_loss_cases, outputs=("loss", "dx"), gradients=[Gradient("loss", "dx", "x")],
        mistakes=[KnownMistake(("dx is softmax(x) / N without subtracting 1 at the correct class",
                                "dx 是 softmax(x) / N，漏了在正确类别处减 1"), _softmax_no_minus_one,
                               ("dx = (softmax(x) - one_hot(y)) / N: subtract 1 at [np.arange(N), y].",
                                "dx = (softmax(x) - one_hot(y)) / N：在 [np.arange(N), y] 处减 1。"))],
        hints={
            "non_finite": ("Subtract each row's maximum before np.exp: softmax(s) = softmax(s - max(s)).",
                           "在 np.exp 之前让每一行减去该行最大值：softmax(s) = softmax(s - max(s))。"),
            "scale": _AVERAGE,
            "mutates_input": ("Do not shift x in place (x -= x.max(...)): write shifted = x - x.max(axis=1, keepdims=True).",
                              "不要原地平移 x（x -= x.max(...)）：写成 shifted = x - x.max(axis=1, keepdims=True)。"),
        }),
]


# =========================================================================== SVM
def _clean_margins(rng, x, y, gap=0.1):
    """Rows whose hinge margins x_j - x_y + 1 come within ``gap`` of 0 (the kink) drawn again."""
    rows = np.arange(len(y))

    def near_the_kink(scores):
        margins = scores - scores[rows, y][:, None] + 1.0
        margins[rows, y] = np.inf
        return np.any(np.abs(margins) < gap, axis=1)

    return redraw_where(x, near_the_kink, lambda n: rng.normal(size=(n, x.shape[1])), "scores away from the hinge's kink")


def svm_loss_cases(rng):
    for label, N, C, absent in LOSS_SHAPES:
        y = labels(rng, N, C, absent)
        yield Case(label, _clean_margins(rng, rng.normal(scale=1.5, size=(N, C)), y), y)


def _svm_parts(x, y, delta=1.0, skip_correct=True):
    N = x.shape[0]
    rows = np.arange(N)
    margins = np.maximum(0.0, x - x[rows, y][:, None] + delta)
    if skip_correct:
        margins[rows, y] = 0.0
    positive = (margins > 0).astype(np.float64)
    positive[rows, y] = -(positive.sum(axis=1) - (0 if skip_correct else positive[rows, y]))
    return float(margins.sum() / N), positive / N


def _svm_counts_correct_class(x, y):
    return _svm_parts(x, y, skip_correct=False)


def _svm_no_delta(x, y):
    return _svm_parts(x, y, delta=0.0)


def _svm_no_pull(x, y):
    loss, dx = _svm_parts(x, y)
    dx[np.arange(x.shape[0]), y] = 0.0
    return loss, dx


TASKS += [
    Task(
        "nn.svm_loss", cases=svm_loss_cases, outputs=("loss", "dx"), gradients=[Gradient("loss", "dx", "x")],
        mistakes=[
            KnownMistake(("the sum over j includes the correct class j = y[i], whose margin is always 1",
                          "对 j 求和时把正确类别 j = y[i] 也算进去了，它的间隔恒为 1"), _svm_counts_correct_class,
                         ("Set margins[np.arange(N), y] = 0 before summing and before building dx.",
                          "在求和和构造 dx 之前令 margins[np.arange(N), y] = 0。")),
            KnownMistake(("the margin is x_j - x_{y_i} without the + 1", "间隔写成了 x_j - x_{y_i}，漏了 + 1"), _svm_no_delta,
                         ("margin = x[i, j] - x[i, y[i]] + 1.", "margin = x[i, j] - x[i, y[i]] + 1。")),
            KnownMistake(("the correct class gets no gradient (the -count at [i, y[i]] is missing)",
                          "正确类别没有梯度（漏了 [i, y[i]] 处的 -计数）"), _svm_no_pull,
                         ("Every violating class j also pulls the correct class down: dx[i, y[i]] = -(number of "
                          "j with margin > 0) / N.",
                          "每个违反间隔的类别 j 也会把正确类别往下拉：dx[i, y[i]] = -(间隔 > 0 的 j 的个数) / N。")),
        ],
        hints={"scale": _AVERAGE}),
]
