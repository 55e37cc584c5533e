"""Notebook 05's layers as forward/backward pairs: affine, ReLU, leaky ReLU, sigmoid and tanh.

Each layer's cases yield the forward's arguments plus ``dout``; its forward task gets them without
``dout`` (see ``checker.topics.layer_cases``).
"""

import numpy as np

from checker.spec import Case, KnownMistake, Task
from checker.topics.layer_cases import MISSING_DOUT, backward_task, forward_cases, forward_task, with_zeros


class QuietTask(Task):
    """A forward whose cases reach exp's overflow (x = +-1000): NumPy's floating-point warnings are
    silenced during the call. ``1 / (1 + np.exp(-x))`` is right there (1 / inf = 0) but warns, and
    in an nbgrader check cell a warning on stderr would cost a correct solution its points; a
    formula that really breaks shows up as a ``non_finite`` finding instead."""

    def call(self, fn, case, forward=None):
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            return super().call(fn, case, forward)


# =========================================================================== affine
def affine_cases(rng):
    shapes = [
        (("4 samples of shape (3, 2) -> 5 outputs", "4 个形状为 (3, 2) 的样本 -> 5 个输出"), (4, 3, 2), 5),
        (("one sample (N = 1), 7 features -> 3 outputs", "只有一个样本（N = 1），7 个特征 -> 3 个输出"), (1, 7), 3),
        (("6 images of shape (2, 3, 4) -> 10 outputs", "6 张形状为 (2, 3, 4) 的图像 -> 10 个输出"), (6, 2, 3, 4), 10),
        (("8 samples, 5 features -> 2 outputs", "8 个样本，5 个特征 -> 2 个输出"), (8, 5), 2),
    ]
    for label, x_shape, M in shapes:
        D = int(np.prod(x_shape[1:]))
        x, w, b = rng.normal(size=x_shape), rng.normal(size=(D, M)), rng.normal(size=M)
        yield Case(label, x, w, b, dout=rng.normal(size=(x_shape[0], M)))


def _affine_forward_no_bias(x, w, b):
    return x.reshape(x.shape[0], -1) @ w, None


def _affine_backward_db_mean(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout, dout.mean(axis=0)


TASKS = [
    forward_task(
        "nn.affine_forward", forward_cases(affine_cases),
        mistakes=[KnownMistake(("the bias b is not added", "没有加上偏置 b"), _affine_forward_no_bias,
                               ("out = x.reshape(N, -1).dot(w) + b: every row gets the bias added.",
                                "out = x.reshape(N, -1).dot(w) + b：每一行都要加上偏置。"))],
        hints={"exception": (
            "Flatten each sample first: x.reshape(x.shape[0], -1) has shape (N, D), and D matches w.shape[0].",
            "先把每个样本展平：x.reshape(x.shape[0], -1) 的形状是 (N, D)，D 与 w.shape[0] 相等。")}),
    backward_task(
        "nn.affine_backward", affine_cases, ("dx", "dw", "db"),
        mistakes=[KnownMistake(("db is the mean of dout over the batch instead of its sum",
                                "db 是 dout 在批次上的平均，而不是求和"), _affine_backward_db_mean,
                               ("Every sample adds its dout row to the bias: db = np.sum(dout, axis=0).",
                                "每个样本的 dout 行都加到偏置上：db = np.sum(dout, axis=0)。"))],
        hints={"shape": ("dx has x's original shape (reshape back), dw has w's shape (D, M), db has b's shape "
                         "(M,): sum dout over the batch axis.",
                         "dx 的形状与原来的 x 相同（要 reshape 回去），dw 与 w 相同 (D, M)，db 与 b 相同 (M,)："
                         "对 dout 沿批次轴求和。"),
               "transposed": ("dw = x_flat.T.dot(dout) has shape (D, M) like w.",
                              "dw = x_flat.T.dot(dout)，形状为 (D, M)，与 w 相同。"),
               "exception": ("Work with the flattened x: x.reshape(x.shape[0], -1), and dx = dout.dot(w.T).",
                             "使用展平后的 x：x.reshape(x.shape[0], -1)，并且 dx = dout.dot(w.T)。")}),
]


# =========================================================================== activations
def activation_cases(rng, large=False):
    """Inputs of an element-wise activation, with dout: normal values, a 4-d input, one column, exact
    zeros (ReLU's kink) and, if ``large``, entries of +-1000 (exp's overflow)."""
    data = [
        (("3 x 4, normal values", "3 x 4，正态分布的值"), rng.normal(size=(3, 4))),
        (("4-d input (2, 3, 4, 5)", "四维输入 (2, 3, 4, 5)"), rng.normal(scale=2.0, size=(2, 3, 4, 5))),
        (("one column (6, 1)", "只有一列 (6, 1)"), rng.normal(size=(6, 1))),
        (("5 x 6 with exact zeros", "5 x 6，含有恰好为 0 的元素"), with_zeros(rng, (5, 6))),
    ]
    if large:
        x = rng.normal(size=(4, 5))
        x[0, :3] = [1000.0, -1000.0, 750.0]
        x[2, 1:3] = [-750.0, 40.0]
        data.append((("4 x 5 with entries of +-1000 (overflow)", "4 x 5，含有 ±1000 的元素（溢出）"), x))
    for label, x in data:
        yield Case(label, x, dout=rng.normal(size=x.shape))


# --------------------------------------------------------------------------- ReLU
def _relu_backward_at_zero(dout, cache):
    x = cache
    return dout * (x >= 0)


def _relu_backward_mask_only(dout, cache):
    x = cache
    return (x > 0).astype(np.float64)


def _relu_backward_relu_of_dout(dout, cache):
    return np.maximum(dout, 0)


TASKS += [
    forward_task("nn.relu_forward", forward_cases(activation_cases)),
    backward_task(
        "nn.relu_backward", activation_cases, ("dx",),
        mistakes=[
            KnownMistake(("the gradient passes where x == 0 (x >= 0 instead of x > 0)",
                          "在 x == 0 处也让梯度通过了（写成 x >= 0 而不是 x > 0）"), _relu_backward_at_zero,
                         ("ReLU's derivative at exactly 0 is taken as 0 here: keep dout where x > 0 only.",
                          "这里约定 ReLU 在恰好为 0 处的导数取 0：只在 x > 0 处保留 dout。")),
            KnownMistake(("dx is the mask (x > 0) without dout", "dx 只是掩码 (x > 0)，没有乘 dout"),
                         _relu_backward_mask_only,
                         ("Chain rule: dx = dout * (x > 0).", "链式法则：dx = dout * (x > 0)。")),
            KnownMistake(("the ReLU is applied to dout instead of masking it by x", "把 ReLU 作用在 dout 上，而不是按 x 做掩码"),
                         _relu_backward_relu_of_dout,
                         ("Which entries pass depends on the input x (the cache), not on the sign of dout.",
                          "哪些元素能通过取决于输入 x（缓存），而不是 dout 的符号。")),
        ]),
]


# --------------------------------------------------------------------------- leaky ReLU
def leaky_relu_cases(rng):
    yield from activation_cases(rng)  # alpha left at its default 0.01
    x = rng.normal(size=(5, 4))
    yield Case(("5 x 4, alpha = 0.2", "5 x 4，alpha = 0.2"), x, alpha=0.2, dout=rng.normal(size=x.shape))
    x = with_zeros(rng, (3, 7))
    yield Case(("3 x 7 with exact zeros, alpha = 0.1", "3 x 7，含有 0，alpha = 0.1"), x, alpha=0.1,
               dout=rng.normal(size=x.shape))


def _leaky_forward_default_alpha(x, alpha=0.01):
    return np.where(x > 0, x, 0.01 * x), None


def _leaky_backward_default_alpha(dout, cache):
    x, alpha = cache
    return dout * np.where(x > 0, 1.0, 0.01)


def _leaky_backward_alpha_without_dout(dout, cache):
    x, alpha = cache
    return np.where(x > 0, dout, alpha)


def _leaky_backward_swapped(dout, cache):
    x, alpha = cache
    return dout * np.where(x > 0, alpha, 1.0)


TASKS += [
    forward_task(
        "nn.leaky_relu_forward", forward_cases(leaky_relu_cases),
        mistakes=[KnownMistake(("alpha is fixed at 0.01 instead of the alpha argument",
                                "alpha 被固定为 0.01，而没有使用参数 alpha"), _leaky_forward_default_alpha,
                               ("Use the alpha you are given (and keep it in the cache for the backward pass).",
                                "使用传入的 alpha（并把它放进缓存，供反向传播使用）。"))]),
    backward_task(
        "nn.leaky_relu_backward", leaky_relu_cases, ("dx",),
        mistakes=[
            KnownMistake(("alpha is fixed at 0.01 in the backward pass", "反向传播中 alpha 被固定为 0.01"),
                         _leaky_backward_default_alpha,
                         ("Put alpha into the cache in the forward pass and read it back: cache = (x, alpha).",
                          "在前向传播中把 alpha 放进缓存并在这里取出：cache = (x, alpha)。")),
            KnownMistake(("where x <= 0, dx is alpha instead of alpha * dout", "在 x <= 0 处 dx 写成了 alpha，而不是 alpha * dout"),
                         _leaky_backward_alpha_without_dout,
                         ("Both branches multiply dout: dx = dout * np.where(x > 0, 1, alpha).",
                          "两个分支都要乘 dout：dx = dout * np.where(x > 0, 1, alpha)。")),
            KnownMistake(("the slopes are swapped: alpha for x > 0 and 1 for x <= 0", "斜率写反了：x > 0 时用 alpha，x <= 0 时用 1"),
                         _leaky_backward_swapped,
                         ("The slope is 1 for positive inputs and alpha for the others.", "正输入的斜率是 1，其余是 alpha。")),
        ]),
]


# --------------------------------------------------------------------------- sigmoid and tanh
def overflow_cases(rng):
    """Sigmoid and tanh forward: the activation inputs and a row of +-1000 (exp's overflow)."""
    return activation_cases(rng, large=True)


def smooth_cases(rng):
    """Sigmoid and tanh backward: moderate inputs (|x| <= 6), for the backward is about the
    derivative, not about overflow."""
    yield from activation_cases(rng)
    x = np.linspace(-6.0, 6.0, 12).reshape(3, 4)
    yield Case(("3 x 4 from -6 to 6", "3 x 4，从 -6 到 6"), x, dout=rng.normal(size=x.shape))


def _sigmoid_forward_exp_of_x(x):
    with np.errstate(over="ignore", invalid="ignore"):
        out = 1.0 / (1.0 + np.exp(x))
    return out, None


def _logit(out):
    with np.errstate(divide="ignore"):
        return np.log(out) - np.log1p(-out)


def _sigmoid_backward_from_input(dout, cache):
    """The learner's forward caches x, and the backward treats it as the output."""
    x = _logit(cache)
    return dout * x * (1.0 - x)


def _sigmoid_backward_sigmoid_again(dout, cache):
    """The cache is the output, and the backward applies the sigmoid to it once more."""
    s = 1.0 / (1.0 + np.exp(-cache))
    return dout * s * (1.0 - s)


def _sigmoid_backward_without_dout(dout, cache):
    return cache * (1.0 - cache)


def _tanh_backward_not_squared(dout, cache):
    return dout * (1.0 - cache)


def _tanh_backward_tanh_again(dout, cache):
    return dout * (1.0 - np.tanh(cache) ** 2)


def _tanh_backward_from_input(dout, cache):
    """The learner's forward caches x, and the backward treats it as the output."""
    x = np.arctanh(cache)
    return dout * (1.0 - x ** 2)


def _tanh_backward_without_dout(dout, cache):
    return 1.0 - cache ** 2


TASKS += [
    forward_task(
        "nn.sigmoid_forward", forward_cases(overflow_cases), task_class=QuietTask,
        mistakes=[KnownMistake(("1 / (1 + exp(x)) instead of 1 / (1 + exp(-x))", "写成了 1 / (1 + exp(x))，而不是 1 / (1 + exp(-x))"),
                               _sigmoid_forward_exp_of_x,
                               ("sigmoid(x) = 1 / (1 + exp(-x)); it is above 1/2 for x > 0.",
                                "sigmoid(x) = 1 / (1 + exp(-x))；x > 0 时它大于 1/2。"))],
        hints={"non_finite": (
            "exp(x) / (1 + exp(x)) is inf / inf = NaN for x = 1000: use 1 / (1 + np.exp(-x)), or np.exp(-np.abs(x)) "
            "in both branches.",
            "x = 1000 时 exp(x) / (1 + exp(x)) 是 inf / inf = NaN：请用 1 / (1 + np.exp(-x))，或在两个分支中都用 "
            "np.exp(-np.abs(x))。")}),
    backward_task(
        "nn.sigmoid_backward", smooth_cases, ("dx",),
        mistakes=[
            KnownMistake(("the derivative s * (1 - s) is computed from the input x treated as the output s",
                          "导数 s * (1 - s) 是用输入 x 当作输出 s 算的"), _sigmoid_backward_from_input,
                         ("s * (1 - s) needs s = sigmoid(x): cache the output in the forward pass (or apply the "
                          "sigmoid to the cached x).",
                          "s * (1 - s) 中的 s 是 sigmoid(x)：在前向传播中缓存输出（或者对缓存的 x 求一次 sigmoid）。")),
            KnownMistake(("the sigmoid is applied a second time to the cached output", "对已缓存的输出又求了一次 sigmoid"),
                         _sigmoid_backward_sigmoid_again,
                         ("If the cache holds s = sigmoid(x), use it directly: dx = dout * s * (1 - s).",
                          "如果缓存的是 s = sigmoid(x)，直接使用：dx = dout * s * (1 - s)。")),
            KnownMistake(("dx is s * (1 - s) without dout", "dx 是 s * (1 - s)，没有乘 dout"), _sigmoid_backward_without_dout,
                         MISSING_DOUT),
        ]),
    forward_task(
        "nn.tanh_forward", forward_cases(overflow_cases), task_class=QuietTask,
        hints={"non_finite": (
            "(exp(x) - exp(-x)) / (exp(x) + exp(-x)) is inf / inf = NaN for |x| = 1000: use np.tanh(x).",
            "|x| = 1000 时 (exp(x) - exp(-x)) / (exp(x) + exp(-x)) 是 inf / inf = NaN：请用 np.tanh(x)。")}),
    backward_task(
        "nn.tanh_backward", smooth_cases, ("dx",),
        mistakes=[
            KnownMistake(("the derivative is written 1 - out instead of 1 - out ** 2", "导数写成了 1 - out，而不是 1 - out ** 2"),
                         _tanh_backward_not_squared,
                         ("d tanh(x) / dx = 1 - tanh(x) ** 2.", "d tanh(x) / dx = 1 - tanh(x) ** 2。")),
            KnownMistake(("tanh is applied a second time to the cached output", "对已缓存的输出又求了一次 tanh"),
                         _tanh_backward_tanh_again,
                         ("If the cache holds out = tanh(x), use it directly: dx = dout * (1 - out ** 2).",
                          "如果缓存的是 out = tanh(x)，直接使用：dx = dout * (1 - out ** 2)。")),
            KnownMistake(("the derivative 1 - t ** 2 is computed from the input x treated as the output t",
                          "导数 1 - t ** 2 是用输入 x 当作输出 t 算的"), _tanh_backward_from_input,
                         ("1 - t ** 2 needs t = tanh(x): cache the output in the forward pass.",
                          "1 - t ** 2 中的 t 是 tanh(x)：请在前向传播中缓存输出。")),
            KnownMistake(("dx is 1 - out ** 2 without dout", "dx 是 1 - out ** 2，没有乘 dout"), _tanh_backward_without_dout,
                         MISSING_DOUT),
        ]),
]
