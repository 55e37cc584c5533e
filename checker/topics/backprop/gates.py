"""Notebook 04's gates as forward/backward pairs: add, multiply, max and sigmoid.

Gates work element by element on arrays of any shape, 0-d arrays included. The max gate at a tie
accepts any valid subgradient (see ``MaxBackwardTask``).
"""

import numpy as np

from checker.spec import Case, KnownMistake, Task
from checker.topics.layer_cases import MISSING_DOUT, backward_task, forward_cases, forward_task, redraw_where

_ELEMENTWISE = ("Gates work element by element: use *, + and np.maximum on arrays of any shape; np.dot, @ and np.max do "
                "something else.",
                "门按元素计算：对任意形状的数组用 *、+ 和 np.maximum；np.dot、@ 和 np.max 的含义不同。")
GATE_FORWARD_HINTS = {"shape": _ELEMENTWISE, "exception": _ELEMENTWISE}
GATE_BACKWARD_HINTS = {
    "exception": ("Your backward gets the cache of your own forward: unpack it the way your forward packed it. "
                  "Gradients are element by element (*, not np.dot).",
                  "反向函数拿到的是你自己的前向函数的 cache：按前向函数打包的方式解包。梯度按元素计算（用 *，不用 np.dot）。"),
}


def pair_cases(rng):
    """Two inputs of the same shape plus an upstream gradient: shared by add, mul and max."""
    yield Case(("3 x 4 arrays", "3 x 4 数组"), rng.normal(size=(3, 4)), rng.normal(size=(3, 4)),
               dout=rng.normal(size=(3, 4)))
    yield Case(("0-d arrays (single numbers): x = -2, y = 5, dout = -4", "0 维数组（单个数）：x = -2, y = 5, dout = -4"),
               np.array(-2.0), np.array(5.0), dout=np.array(-4.0))
    yield Case(("1-element arrays, dout = 1", "只有 1 个元素的数组，dout = 1"),
               rng.normal(size=1) * 2, rng.normal(size=1) * 2, dout=np.ones(1))
    yield Case(("vectors of 7 values", "7 个值的向量"), rng.normal(size=7) * 3, rng.normal(size=7) * 3,
               dout=rng.normal(size=7))
    yield Case(("2 x 3 x 2 arrays (any shape)", "2 x 3 x 2 数组（任意形状）"), rng.normal(size=(2, 3, 2)),
               rng.normal(size=(2, 3, 2)), dout=rng.normal(size=(2, 3, 2)))


# =========================================================================== add
def _add_like_mul(dout, cache):
    x, y = cache
    return dout * y, dout * x


TASKS = [
    forward_task("backprop.add_forward", forward_cases(pair_cases), hints=GATE_FORWARD_HINTS),
    backward_task(
        "backprop.add_backward", pair_cases, ("dx", "dy"),
        mistakes=[KnownMistake(("the multiply gate's rule (dout * y, dout * x) was used for the add gate",
                                "加法门用了乘法门的规则（dout * y, dout * x）"),
                               _add_like_mul,
                               ("d(x + y)/dx = 1 and d(x + y)/dy = 1: the add gate hands dout unchanged to both inputs.",
                                "d(x + y)/dx = 1，d(x + y)/dy = 1：加法门把 dout 原样分给两个输入。"))],
        hints={**GATE_BACKWARD_HINTS,
               "scale": ("The add gate's local gradients are 1: dx = dout and dy = dout, no factor.",
                         "加法门的局部梯度是 1：dx = dout，dy = dout，没有系数。"),
               "mismatch": ("The add gate distributes: both dx and dy equal dout.", "加法门“分发”梯度：dx 和 dy 都等于 dout。")}),
]


# =========================================================================== mul
def _mul_not_swapped(dout, cache):
    x, y = cache
    return dout * x, dout * y


def _mul_without_dout(dout, cache):
    x, y = cache
    return y * np.ones_like(dout), x * np.ones_like(dout)


TASKS += [
    forward_task("backprop.mul_forward", forward_cases(pair_cases), hints=GATE_FORWARD_HINTS),
    backward_task(
        "backprop.mul_backward", pair_cases, ("dx", "dy"),
        mistakes=[
            KnownMistake(("not swapped: dx = dout * x and dy = dout * y", "没有交换：dx = dout * x，dy = dout * y"),
                         _mul_not_swapped,
                         ("The multiply gate swaps its inputs: d(xy)/dx = y, so dx = dout * y and dy = dout * x.",
                          "乘法门交换输入：d(xy)/dx = y，所以 dx = dout * y，dy = dout * x。")),
            KnownMistake(("the upstream gradient is missing: dx = y and dy = x", "漏了上游梯度：dx = y，dy = x"),
                         _mul_without_dout, MISSING_DOUT),
        ],
        hints={**GATE_BACKWARD_HINTS, "mismatch": ("dx = dout * y and dy = dout * x (element by element).",
                                                   "dx = dout * y，dy = dout * x（按元素）。")}),
]


# =========================================================================== max
def max_cases(rng):
    for case in pair_cases(rng):
        x, y = case.args
        y = redraw_where(y, lambda y: np.abs(x - y) < 1e-3, lambda n: rng.normal(size=n), "inputs without ties")
        yield Case(case.label, x, y, **case.kwargs)
    # ReLU is max(x, 0): some entries of x are exactly 0, a tie
    x = rng.normal(size=(4, 5))
    x = np.round(np.sign(x) * (np.abs(x) + 0.1), 1)  # |x| >= 0.1: no zeros but the three set below
    x[0, 1] = x[2, 3] = x[3, 0] = 0.0
    yield Case(("ReLU as max(x, 0), 4 x 5, three entries of x exactly 0 (ties: any split of dout is accepted)",
                "ReLU 即 max(x, 0)，4 x 5，x 有三个元素恰好为 0（平局：接受 dout 的任意分配）"),
               x, np.zeros((4, 5)), dout=rng.normal(size=(4, 5)))


def _is_float_array(value):
    return isinstance(value, (np.ndarray, float, np.floating)) and np.asarray(value).dtype.kind == "f"


class MaxBackwardTask(Task):
    """The max gate's backward, where max is not differentiable at a tie (x == y): the reference
    sends the whole upstream gradient to x (x >= y), PyTorch splits it in halves, and both are valid
    subgradients. Any split ``dx = a dout, dy = (1 - a) dout`` with ``0 <= a <= 1`` at a tie is
    replaced by the reference's before comparing. Anything else, including a sum dx + dy != dout at a
    tie, or dout to both inputs or to neither, is left as it is and compared as usual."""

    def interpret(self, result, case):
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            return result
        args = self.named_arguments(case)
        x, y, dout = (np.asarray(args[k], dtype=np.float64) for k in ("x", "y", "dout"))
        dx, dy = result
        if not (_is_float_array(dx) and _is_float_array(dy)):
            return result
        gx, gy = np.asarray(dx), np.asarray(dy)
        if gx.shape != x.shape or gy.shape != y.shape:
            return result
        tie = x == y
        if not tie.any():
            return result
        a, b = gx.astype(np.float64), gy.astype(np.float64)
        slack = 1e-6 * np.abs(dout) + 1e-12
        split = (tie & (np.abs(a + b - dout) <= slack) & (a * dout >= -slack * np.abs(dout))
                 & (b * dout >= -slack * np.abs(dout)) & (np.abs(a) <= np.abs(dout) + slack)
                 & (np.abs(b) <= np.abs(dout) + slack))
        if not split.any():
            return result
        fixed_x = np.where(split, dout, a).astype(gx.dtype)
        fixed_y = np.where(split, 0.0, b).astype(gy.dtype)
        return type(result)((fixed_x, fixed_y))


def _max_to_the_smaller(dout, cache):
    x, y = cache
    return np.where(x < y, dout, 0.0), np.where(x < y, 0.0, dout)


def _max_to_both(dout, cache):
    return dout * 1.0, dout * 1.0


TASKS += [
    forward_task(
        "backprop.max_forward", forward_cases(max_cases),
        hints={**GATE_FORWARD_HINTS,
               "exception": ("np.max(x, y) reads y as an axis; the element-by-element maximum of two arrays is "
                             "np.maximum(x, y).",
                             "np.max(x, y) 会把 y 当成轴；两个数组按元素取最大值要用 np.maximum(x, y)。")}),
    backward_task(
        "backprop.max_backward", max_cases, ("dx", "dy"), task_class=MaxBackwardTask,
        mistakes=[
            KnownMistake(("the gradient went to the smaller input", "梯度给了较小的输入"), _max_to_the_smaller,
                         ("The max gate routes dout to the input that won (the larger one); the other gets 0.",
                          "max 门把 dout 送给胜出的（较大的）输入，另一个得到 0。")),
            KnownMistake(("both inputs got the whole upstream gradient", "两个输入都拿到了全部上游梯度"), _max_to_both,
                         ("Only the larger input influences max(x, y): dx = dout where x >= y, else 0; dy the rest.",
                          "只有较大的输入影响 max(x, y)：x >= y 处 dx = dout，否则为 0；其余给 dy。")),
        ],
        hints={**GATE_BACKWARD_HINTS,
               "mismatch": ("Route dout to the winner: dx = dout where x >= y, dy = dout where y > x. At a tie (x == y) "
                            "any split that adds up to dout is accepted; giving dout to both, or to neither, is not.",
                            "把 dout 送给胜者：x >= y 处 dx = dout，y > x 处 dy = dout。平局（x == y）时接受任何加起来"
                            "等于 dout 的分配；两个都给或都不给则不行。")}),
]


# =========================================================================== sigmoid
def sigmoid_cases(rng):
    yield Case(("vector of 6 values", "6 个值的向量"), rng.normal(size=6) * 3, dout=rng.normal(size=6))
    yield Case(("3 x 4 matrix", "3 x 4 矩阵"), rng.normal(size=(3, 4)) * 2, dout=rng.normal(size=(3, 4)))
    yield Case(("0-d array x = 1 (the neuron of the notes), dout = 1", "0 维数组 x = 1（讲义中的神经元），dout = 1"),
               np.array(1.0), dout=np.array(1.0))
    yield Case(("1-element array x = 0, where the local gradient is largest (0.25)",
                "只有 1 个元素的数组 x = 0，此处局部梯度最大（0.25）"), np.zeros(1), dout=rng.normal(size=1))
    yield Case(("2 x 3 x 2 array, |x| up to 8 (saturated entries)", "2 x 3 x 2 数组，|x| 最大到 8（饱和的元素）"),
               rng.uniform(-8, 8, size=(2, 3, 2)), dout=rng.normal(size=(2, 3, 2)))


def _sigmoid_minus(x):
    out = np.exp(-np.logaddexp(0.0, np.asarray(x, dtype=np.float64)))
    return out, out


def _sigmoid_backward_sigma(dout, cache):
    return dout * cache


def _sigmoid_backward_with_input(dout, cache):
    """x (1 - x) with x the gate's input (recovered from the reference's cached output)."""
    s = np.asarray(cache, dtype=np.float64)
    with np.errstate(divide="ignore"):
        x = np.log(s) - np.log1p(-s)
    return dout * x * (1.0 - x)


TASKS += [
    forward_task(
        "backprop.sigmoid_forward", forward_cases(sigmoid_cases),
        mistakes=[KnownMistake(("1 / (1 + exp(x)): the sign of the exponent is wrong", "1 / (1 + exp(x))：指数的符号写反了"),
                               _sigmoid_minus, ("sigmoid(x) = 1 / (1 + np.exp(-x)).", "sigmoid(x) = 1 / (1 + np.exp(-x))。"))],
        hints=GATE_FORWARD_HINTS),
    backward_task(
        "backprop.sigmoid_backward", sigmoid_cases, ("dx",),
        mistakes=[
            KnownMistake(("the local gradient is sigmoid(x), not sigmoid(x) (1 - sigmoid(x))",
                          "局部梯度写成了 sigmoid(x)，而不是 sigmoid(x) (1 - sigmoid(x))"),
                         _sigmoid_backward_sigma,
                         ("d sigmoid/dx = sigmoid(x) * (1 - sigmoid(x)): with out cached, dx = dout * out * (1 - out).",
                          "d sigmoid/dx = sigmoid(x) * (1 - sigmoid(x))：缓存 out 后，dx = dout * out * (1 - out)。")),
            KnownMistake(("x (1 - x) with the input x instead of the output sigmoid(x)",
                          "用输入 x 算了 x (1 - x)，而不是用输出 sigmoid(x)"),
                         _sigmoid_backward_with_input,
                         ("The formula s (1 - s) needs s = sigmoid(x), the forward's output: cache out, not x "
                          "(or apply sigmoid to the cached x).",
                          "公式 s (1 - s) 里的 s = sigmoid(x) 是前向的输出：缓存 out 而不是 x（或对缓存的 x 先求 sigmoid）。")),
        ],
        hints={**GATE_BACKWARD_HINTS,
               "mismatch": ("dx = dout * s * (1 - s) with s = sigmoid(x).", "dx = dout * s * (1 - s)，其中 s = sigmoid(x)。"),
               "wrong_type": ("sigmoid has one input: return dx alone (an array of x's shape).",
                              "sigmoid 只有一个输入：只返回 dx（与 x 形状相同的数组）。")}),
]
