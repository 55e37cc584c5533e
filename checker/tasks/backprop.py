"""Tasks of notebook 04, backpropagation: gates as forward/backward pairs, a staged expression,
the sigmoid neuron, the numerical gradient and the relative error.

Design choices (documented here because the notebook and the tests rely on them):

- Forward tasks (``<gate>_forward``) return ``(out, cache)``, and the cache is free-form: every
  learner caches what their own backward needs. ``ForwardTask`` therefore compares ``out`` only;
  the result must still be a 2-tuple (or list), otherwise the report says that the return value is
  not ``(out, cache)``. The cache is replaced by a fixed placeholder before comparing.
- Backward tasks (``<gate>_backward``) get their cache from the learner's own forward (the engine
  finds it in the notebook); cases hold the forward's arguments plus ``dout``.
- The max gate at a tie (x == y): max is not differentiable there. The reference sends the whole
  upstream gradient to x (x >= y), PyTorch splits it in halves; both are valid subgradients. The
  ``MaxBackwardTask`` accepts any split ``dx = a dout, dy = (1 - a) dout`` with ``0 <= a <= 1`` at a
  tie. Giving the gradient to both inputs (``>=`` twice) or to neither (``>`` twice) still fails,
  on the one case that has ties ("ReLU as max(x, 0)").
- ``numerical_gradient`` takes a function; its cases name a function of
  ``checker.adapters.SCALAR_FUNCTIONS`` (functions cannot cross into the grading worker).
"""

import re

import numpy as np

from checker import adapters
from checker.spec import Case, KnownMistake, Task

# =========================================================================== task classes
CACHE_PLACEHOLDER = "(cache: free-form, not compared)"


class ForwardTask(Task):
    """A gate's forward: ``(out, cache)`` where only ``out`` is compared (the cache is the learner's
    own design and is checked through their backward)."""

    def interpret(self, result, case):
        if isinstance(result, (tuple, list)) and len(result) == 2:
            return (result[0], CACHE_PLACEHOLDER)
        return result


def _is_float_array(value):
    return isinstance(value, (np.ndarray, float, np.floating)) and np.asarray(value).dtype.kind == "f"


class MaxBackwardTask(Task):
    """Accepts any split of the upstream gradient between x and y where they tie (see the module
    docstring): such a split is replaced by the reference's (all to x) before comparing. Anything
    else, including a sum dx + dy != dout at a tie, is left as it is and compared as usual."""

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


# =========================================================================== cases
def _pair_cases(rng):
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


def _untied(rng, x, y, gap=1e-3):
    """Redraw y where it is within ``gap`` of x (the max gate's cases without ties)."""
    y = y.copy()
    for _ in range(1000):
        close = np.abs(x - y) < gap
        if not close.any():
            return y
        y[close] = rng.normal(size=int(close.sum()))
    raise RuntimeError("could not draw inputs without ties")


def max_cases(rng):
    for case in _pair_cases(rng):
        x, y = case.args
        yield Case(case.label, x, _untied(rng, x, y), **case.kwargs)
    # ReLU is max(x, 0): some entries of x are exactly 0, a tie
    x = rng.normal(size=(4, 5))
    x = np.round(np.sign(x) * (np.abs(x) + 0.1), 1)  # |x| >= 0.1: no zeros but the three set below
    x[0, 1] = x[2, 3] = x[3, 0] = 0.0
    yield Case(("ReLU as max(x, 0), 4 x 5, three entries of x exactly 0 (ties: any split of dout is accepted)",
                "ReLU 即 max(x, 0)，4 x 5，x 有三个元素恰好为 0（平局：接受 dout 的任意分配）"),
               x, np.zeros((4, 5)), dout=rng.normal(size=(4, 5)))


def sigmoid_cases(rng):
    yield Case(("vector of 6 values", "6 个值的向量"), rng.normal(size=6) * 3, dout=rng.normal(size=6))
    yield Case(("3 x 4 matrix", "3 x 4 矩阵"), rng.normal(size=(3, 4)) * 2, dout=rng.normal(size=(3, 4)))
    yield Case(("0-d array x = 1 (the neuron of the notes), dout = 1", "0 维数组 x = 1（讲义中的神经元），dout = 1"),
               np.array(1.0), dout=np.array(1.0))
    yield Case(("1-element array x = 0, where the local gradient is largest (0.25)",
                "只有 1 个元素的数组 x = 0，此处局部梯度最大（0.25）"), np.zeros(1), dout=rng.normal(size=1))
    yield Case(("2 x 3 x 2 array, |x| up to 8 (saturated entries)", "2 x 3 x 2 数组，|x| 最大到 8（饱和的元素）"),
               rng.uniform(-8, 8, size=(2, 3, 2)), dout=rng.normal(size=(2, 3, 2)))


def circuit_cases(rng):
    yield Case(("the notes' numbers: x = -2, y = 5, z = -4 as 0-d arrays, df = 1",
                "讲义中的数：x = -2, y = 5, z = -4（0 维数组），df = 1"),
               np.array(-2.0), np.array(5.0), np.array(-4.0), dout=np.array(1.0))
    yield Case(("1-element arrays, df = 2.5", "只有 1 个元素的数组，df = 2.5"),
               rng.normal(size=1), rng.normal(size=1), rng.normal(size=1), dout=np.array([2.5]))
    yield Case(("3 x 4 arrays", "3 x 4 数组"), *(rng.normal(size=(3, 4)) for _ in range(3)), dout=rng.normal(size=(3, 4)))
    yield Case(("vectors of 5 values, x + y = 0 in entry 2", "5 个值的向量，第 2 个元素处 x + y = 0"),
               *_zero_sum_at(rng, 5, 2), rng.normal(size=5), dout=rng.normal(size=5))
    yield Case(("2 x 3 x 2 arrays", "2 x 3 x 2 数组"), *(rng.normal(size=(2, 3, 2)) for _ in range(3)),
               dout=rng.normal(size=(2, 3, 2)))


def _zero_sum_at(rng, n, i):
    x, y = rng.normal(size=n), rng.normal(size=n)
    y[i] = -x[i]
    return x, y


def neuron_cases(rng):
    yield Case(("the notes' neuron: w = [2, -3, -3], x = [-1, -2], dout = 1",
                "讲义中的神经元：w = [2, -3, -3], x = [-1, -2], dout = 1"),
               np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0]), dout=1.0)
    yield Case(("random w and x (first draw), dout = 1", "随机的 w 和 x（第一组），dout = 1"),
               rng.normal(size=3), rng.normal(size=2), dout=1.0)
    yield Case(("random w and x (second draw), dout = -0.7", "随机的 w 和 x（第二组），dout = -0.7"),
               rng.normal(size=3), rng.normal(size=2), dout=-0.7)
    yield Case(("x = 0: only the bias matters, dout = 2", "x = 0：只有偏置起作用，dout = 2"),
               rng.normal(size=3), np.zeros(2), dout=2.0)
    yield Case(("large weights (a saturated neuron), dout = 3", "很大的权重（饱和的神经元），dout = 3"),
               rng.normal(size=3) * 4, rng.normal(size=2), dout=3.0)


def numerical_gradient_cases(rng):
    yield Case(("square_sum on a vector of 5, h = 1e-5", "square_sum，5 个值的向量，h = 1e-5"),
               "square_sum", rng.normal(size=5), 1e-5)
    yield Case(("weighted_sin on a 3 x 4 matrix, h = 1e-4", "weighted_sin，3 x 4 矩阵，h = 1e-4"),
               "weighted_sin", rng.normal(size=(3, 4)), 1e-4)
    yield Case(("log_sum_exp on a vector of 6, h = 1e-3", "log_sum_exp，6 个值的向量，h = 1e-3"),
               "log_sum_exp", rng.normal(size=6) * 2, 1e-3)
    yield Case(("cube_mean on a 2 x 3 x 2 array, h = 1e-2 (a large step: the truncation error shows)",
                "cube_mean，2 x 3 x 2 数组，h = 1e-2（步长较大：截断误差明显）"),
               "cube_mean", rng.normal(size=(2, 3, 2)), 1e-2)
    x = rng.normal(size=(2, 4))
    x[0, 2] = 0.0
    x[1, 1] = 2e-4
    yield Case(("relu_sum with a kink: one entry exactly 0, one within h of 0, h = 1e-3",
                "relu_sum 带折点：一个元素恰好为 0，一个离 0 不到 h，h = 1e-3"), "relu_sum", x, 1e-3)
    yield Case(("product of a 1-element array, h = 1e-5", "product，只有 1 个元素的数组，h = 1e-5"),
               "product", rng.normal(size=1), 1e-5)


def relative_error_cases(rng):
    a = rng.normal(size=(4, 3))
    yield Case(("a 4 x 3 gradient and a copy off by about 1e-6", "4 x 3 的梯度和一个偏差约 1e-6 的副本"),
               a, a + rng.normal(size=(4, 3)) * 1e-6)
    a = rng.normal(size=10)
    yield Case(("two unrelated vectors of 10", "两个无关的 10 维向量"), a, rng.normal(size=10))
    yield Case(("both all zeros (the relative error is defined as 0)", "两个都全为零（相对误差定义为 0）"),
               np.zeros((2, 3)), np.zeros((2, 3)))
    yield Case(("one all zeros, the other not (relative error 1)", "一个全为零，另一个不是（相对误差为 1）"),
               np.zeros(4), rng.normal(size=4))
    yield Case(("0-d arrays 3.0 and 3.3", "0 维数组 3.0 和 3.3"), np.array(3.0), np.array(3.3))
    a = rng.normal(size=(2, 3, 2)) * 1e-4
    yield Case(("small 2 x 3 x 2 gradients (about 1e-4) off by 1e-3 relative",
                "很小的 2 x 3 x 2 梯度（约 1e-4），相对偏差 1e-3"), a, a * (1 + 1e-3 * rng.normal(size=(2, 3, 2))))
    yield Case(("a vector and its negative (relative error 1)", "一个向量和它的相反数（相对误差为 1）"),
               np.array([1.0, -2.0, 0.5]), np.array([-1.0, 2.0, -0.5]))


_UPSTREAM = re.compile(r"\s*[,，]\s*(dout|df) = -?[0-9.]+")


def _forward_cases(cases):
    """The forward's cases: the backward's cases without ``dout`` (and without it in the labels)."""

    def make(rng):
        for case in cases(rng):
            kwargs = {k: v for k, v in case.kwargs.items() if k != "dout"}
            yield Case(tuple(_UPSTREAM.sub("", text) for text in case.label), *case.args, **kwargs)

    return make


# =========================================================================== known mistakes
def _add_like_mul(dout, cache):
    x, y = cache
    return dout * y, dout * x


def _mul_not_swapped(dout, cache):
    x, y = cache
    return dout * x, dout * y


def _mul_without_dout(dout, cache):
    x, y = cache
    return y * np.ones_like(dout), x * np.ones_like(dout)


def _max_to_the_smaller(dout, cache):
    x, y = cache
    return np.where(x < y, dout, 0.0), np.where(x < y, 0.0, dout)


def _max_to_both(dout, cache):
    return dout * 1.0, dout * 1.0


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


def _circuit_precedence(x, y, z):
    return x + y * z, None


def _circuit_not_swapped(dout, cache):
    x, y, z, q = cache
    return dout * q, dout * q, dout * z


def _circuit_only_add(dout, cache):
    x, y, z, q = cache
    return dout * np.ones_like(x), dout * np.ones_like(y), dout * q


def _circuit_without_upstream(dout, cache):
    x, y, z, q = cache
    return z * np.ones_like(dout), z * np.ones_like(dout), q * np.ones_like(dout)


def _neuron_without_bias(w, x):
    return float(1.0 / (1.0 + np.exp(-(w[0] * x[0] + w[1] * x[1])))), None


def _neuron_without_sigmoid(w, x):
    return float(w[0] * x[0] + w[1] * x[1] + w[2]), None


def _neuron_grads(dz, w, x):
    return np.array([x[0] * dz, x[1] * dz, dz]), np.array([w[0] * dz, w[1] * dz])


def _neuron_no_local_gradient(dout, cache):
    w, x, out = cache
    return _neuron_grads(float(dout), w, x)


def _neuron_sigma_local_gradient(dout, cache):
    w, x, out = cache
    return _neuron_grads(float(dout) * out, w, x)


def _neuron_no_bias_gradient(dout, cache):
    w, x, out = cache
    dw, dx = _neuron_grads(float(dout) * out * (1 - out), w, x)
    dw[2] = 0.0
    return dw, dx


def _neuron_not_swapped(dout, cache):
    w, x, out = cache
    dz = float(dout) * out * (1 - out)
    return np.array([w[0] * dz, w[1] * dz, dz]), np.array([x[0] * dz, x[1] * dz])


def _numerical_forward_difference(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    fx = f(x)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        grad[ix] = (f(x) - fx) / h
        x[ix] = old
    return grad


def _numerical_alias(f, x, h=1e-5):
    """x_plus = x and x_minus = x are the same array: the second step undoes the first."""
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


def _numerical_float32(f, x, h=1e-5):
    x32 = x.astype(np.float32)
    grad = np.zeros(x.shape)
    for ix in np.ndindex(x.shape):
        old = x32[ix]
        x32[ix] = old + h
        f_plus = f(x32)
        x32[ix] = old - h
        f_minus = f(x32)
        x32[ix] = old
        grad[ix] = (f_plus - f_minus) / (2 * h)
    return grad


def _relative_error_elementwise_max(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def _relative_error_max_norm(a, b):
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    return 0.0 if max(na, nb) == 0 else float(np.linalg.norm(np.asarray(a) - np.asarray(b)) / max(na, nb))


def _relative_error_l1(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    d = np.sum(np.abs(a)) + np.sum(np.abs(b))
    return 0.0 if d == 0 else float(np.sum(np.abs(a - b)) / d)


def _relative_error_no_denominator(a, b):
    return float(np.linalg.norm(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)))


# =========================================================================== hints
_TUPLE = ("A forward returns the pair (out, cache): return out, cache (the cache can be anything your backward needs, "
          "e.g. (x, y)).",
          "前向函数返回二元组 (out, cache)：return out, cache（cache 可以是反向函数需要的任何东西，例如 (x, y)）。")
_ELEMENTWISE = ("Gates work element by element: use *, + and np.maximum on arrays of any shape; np.dot, @ and np.max do "
                "something else.",
                "门按元素计算：对任意形状的数组用 *、+ 和 np.maximum；np.dot、@ 和 np.max 的含义不同。")
_GRAD_TUPLE = ("Return one gradient per input, in the order of the forward's arguments: return dx, dy.",
               "每个输入返回一个梯度，顺序与前向函数的参数相同：return dx, dy。")
_DOUT = ("Chain rule: every gradient is the local gradient times the upstream gradient dout. Multiply by dout.",
         "链式法则：每个梯度都是局部梯度乘以上游梯度 dout。别忘了乘 dout。")
_DOUT_IN_PLACE = ("dout belongs to the caller (the next gate may need it): compute new arrays (dout * y), "
                  "never dout *= ... .",
                  "dout 属于调用者（别的门可能还要用它）：计算新数组（dout * y），不要写 dout *= ...。")
_FORWARD_HINTS = {"wrong_type": _TUPLE, "shape": _ELEMENTWISE, "exception": _ELEMENTWISE,
                  "mutates_input": ("Compute a new array (out = x + y); x += y changes the caller's x.",
                                    "计算新数组（out = x + y）；x += y 会修改调用者的 x。")}
_BACKWARD_HINTS = {"wrong_type": _GRAD_TUPLE, "mutates_input": _DOUT_IN_PLACE,
                   "exception": ("Your backward gets the cache of your own forward: unpack it the way your forward "
                                 "packed it. Gradients are element by element (*, not np.dot).",
                                 "反向函数拿到的是你自己的前向函数的 cache：按前向函数打包的方式解包。梯度按元素计算（用 *，不用 np.dot）。")}


def _with(base, **extra):
    hints = dict(base)
    hints.update(extra)
    return hints


# =========================================================================== the tasks
TASKS = [
    ForwardTask(
        "backprop.add_forward",
        cases=_forward_cases(_pair_cases),
        outputs=("out", "cache"),
        hints=_FORWARD_HINTS,
    ),
    Task(
        "backprop.add_backward",
        cases=_pair_cases,
        outputs=("dx", "dy"),
        forward="add_forward",
        mistakes=[KnownMistake(("the multiply gate's rule (dout * y, dout * x) was used for the add gate",
                                "加法门用了乘法门的规则（dout * y, dout * x）"),
                               _add_like_mul,
                               ("d(x + y)/dx = 1 and d(x + y)/dy = 1: the add gate hands dout unchanged to both inputs.",
                                "d(x + y)/dx = 1，d(x + y)/dy = 1：加法门把 dout 原样分给两个输入。"))],
        hints=_with(_BACKWARD_HINTS,
                    scale=("The add gate's local gradients are 1: dx = dout and dy = dout, no factor.",
                           "加法门的局部梯度是 1：dx = dout，dy = dout，没有系数。"),
                    mismatch=("The add gate distributes: both dx and dy equal dout.", "加法门“分发”梯度：dx 和 dy 都等于 dout。")),
    ),
    ForwardTask(
        "backprop.mul_forward",
        cases=_forward_cases(_pair_cases),
        outputs=("out", "cache"),
        hints=_FORWARD_HINTS,
    ),
    Task(
        "backprop.mul_backward",
        cases=_pair_cases,
        outputs=("dx", "dy"),
        forward="mul_forward",
        mistakes=[
            KnownMistake(("not swapped: dx = dout * x and dy = dout * y", "没有交换：dx = dout * x，dy = dout * y"),
                         _mul_not_swapped,
                         ("The multiply gate swaps its inputs: d(xy)/dx = y, so dx = dout * y and dy = dout * x.",
                          "乘法门交换输入：d(xy)/dx = y，所以 dx = dout * y，dy = dout * x。")),
            KnownMistake(("the upstream gradient is missing: dx = y and dy = x", "漏了上游梯度：dx = y，dy = x"),
                         _mul_without_dout, _DOUT),
        ],
        hints=_with(_BACKWARD_HINTS, mismatch=("dx = dout * y and dy = dout * x (element by element).",
                                               "dx = dout * y，dy = dout * x（按元素）。")),
    ),
    ForwardTask(
        "backprop.max_forward",
        cases=_forward_cases(max_cases),
        outputs=("out", "cache"),
        hints=_with(_FORWARD_HINTS,
                    exception=("np.max(x, y) reads y as an axis; the element-by-element maximum of two arrays is "
                               "np.maximum(x, y).",
                               "np.max(x, y) 会把 y 当成轴；两个数组按元素取最大值要用 np.maximum(x, y)。")),
    ),
    MaxBackwardTask(
        "backprop.max_backward",
        cases=max_cases,
        outputs=("dx", "dy"),
        forward="max_forward",
        mistakes=[
            KnownMistake(("the gradient went to the smaller input", "梯度给了较小的输入"), _max_to_the_smaller,
                         ("The max gate routes dout to the input that won (the larger one); the other gets 0.",
                          "max 门把 dout 送给胜出的（较大的）输入，另一个得到 0。")),
            KnownMistake(("both inputs got the whole upstream gradient", "两个输入都拿到了全部上游梯度"), _max_to_both,
                         ("Only the larger input influences max(x, y): dx = dout where x >= y, else 0; dy the rest.",
                          "只有较大的输入影响 max(x, y)：x >= y 处 dx = dout，否则为 0；其余给 dy。")),
        ],
        hints=_with(_BACKWARD_HINTS,
                    mismatch=("Route dout to the winner: dx = dout where x >= y, dy = dout where y > x. At a tie (x == y) "
                              "any split that adds up to dout is accepted; giving dout to both, or to neither, is not.",
                              "把 dout 送给胜者：x >= y 处 dx = dout，y > x 处 dy = dout。平局（x == y）时接受任何加起来"
                              "等于 dout 的分配；两个都给或都不给则不行。")),
    ),
    ForwardTask(
        "backprop.sigmoid_forward",
        cases=_forward_cases(sigmoid_cases),
        outputs=("out", "cache"),
        mistakes=[KnownMistake(("1 / (1 + exp(x)): the sign of the exponent is wrong", "1 / (1 + exp(x))：指数的符号写反了"),
                               _sigmoid_minus, ("sigmoid(x) = 1 / (1 + np.exp(-x)).", "sigmoid(x) = 1 / (1 + np.exp(-x))。"))],
        hints=_FORWARD_HINTS,
    ),
    Task(
        "backprop.sigmoid_backward",
        cases=sigmoid_cases,
        outputs=("dx",),
        forward="sigmoid_forward",
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
        hints=_with(_BACKWARD_HINTS, mismatch=("dx = dout * s * (1 - s) with s = sigmoid(x).",
                                               "dx = dout * s * (1 - s)，其中 s = sigmoid(x)。"),
                    wrong_type=("sigmoid has one input: return dx alone (an array of x's shape).",
                                "sigmoid 只有一个输入：只返回 dx（与 x 形状相同的数组）。")),
    ),
    ForwardTask(
        "backprop.circuit_forward",
        cases=_forward_cases(circuit_cases),
        outputs=("f", "cache"),
        mistakes=[KnownMistake(("x + y * z: the parentheses are missing", "x + y * z：漏了括号"), _circuit_precedence,
                               ("Stage it: q = x + y first, then f = q * z.", "分步算：先 q = x + y，再 f = q * z。"))],
        hints=_FORWARD_HINTS,
    ),
    Task(
        "backprop.circuit_backward",
        cases=circuit_cases,
        outputs=("dx", "dy", "dz"),
        forward="circuit_forward",
        mistakes=[
            KnownMistake(("the multiply gate did not swap: dq = q * df and dz = z * df", "乘法门没有交换：dq = q * df，dz = z * df"),
                         _circuit_not_swapped,
                         ("f = q * z: df/dq = z and df/dz = q. So dq = z * df, dz = q * df; then dx = dy = dq.",
                          "f = q * z：df/dq = z，df/dz = q。所以 dq = z * df，dz = q * df；然后 dx = dy = dq。")),
            KnownMistake(("dx and dy skipped the multiply gate (dx = dy = df, not z * df)",
                          "dx 和 dy 跳过了乘法门（dx = dy = df，而不是 z * df）"),
                         _circuit_only_add,
                         ("Backpropagate stage by stage: first through f = q * z (dq = z * df), then through q = x + y "
                          "(dx = dq, dy = dq).",
                          "逐级反向传播：先经过 f = q * z（dq = z * df），再经过 q = x + y（dx = dq，dy = dq）。")),
            KnownMistake(("the upstream gradient df is missing", "漏了上游梯度 df"), _circuit_without_upstream, _DOUT),
        ],
        hints=_with(_BACKWARD_HINTS, wrong_type=("Return three gradients: dx, dy, dz.", "返回三个梯度：dx, dy, dz。")),
    ),
    ForwardTask(
        "backprop.neuron_forward",
        cases=_forward_cases(neuron_cases),
        outputs=("out", "cache"),
        mistakes=[
            KnownMistake(("the bias w[2] is missing", "漏了偏置 w[2]"), _neuron_without_bias,
                         ("z = w[0] * x[0] + w[1] * x[1] + w[2]: the last weight is the bias.",
                          "z = w[0] * x[0] + w[1] * x[1] + w[2]：最后一个权重是偏置。")),
            KnownMistake(("the sigmoid is missing: out = z", "漏了 sigmoid：out = z"), _neuron_without_sigmoid,
                         ("out = sigmoid(z) = 1 / (1 + exp(-z)).", "out = sigmoid(z) = 1 / (1 + exp(-z))。")),
        ],
        hints=_with(_FORWARD_HINTS,
                    shape=("w has 3 entries and x has 2: z = w[0] * x[0] + w[1] * x[1] + w[2] is one number "
                           "(w @ x does not fit).",
                           "w 有 3 个元素，x 有 2 个：z = w[0] * x[0] + w[1] * x[1] + w[2] 是一个数（w @ x 形状不匹配）。"),
                    exception=("w has 3 entries and x has 2: z = w[0] * x[0] + w[1] * x[1] + w[2] "
                               "(or w[:2] @ x + w[2]).",
                               "w 有 3 个元素，x 有 2 个：z = w[0] * x[0] + w[1] * x[1] + w[2]（或 w[:2] @ x + w[2]）。")),
    ),
    Task(
        "backprop.neuron_backward",
        cases=neuron_cases,
        outputs=("dw", "dx"),
        forward="neuron_forward",
        mistakes=[
            KnownMistake(("the sigmoid's local gradient is missing (dz = dout)", "漏了 sigmoid 的局部梯度（dz = dout）"),
                         _neuron_no_local_gradient,
                         ("First through the sigmoid: dz = dout * out * (1 - out); then the multiply and add gates.",
                          "先经过 sigmoid：dz = dout * out * (1 - out)；再经过乘法门和加法门。")),
            KnownMistake(("the sigmoid's local gradient is out, not out * (1 - out)",
                          "sigmoid 的局部梯度写成了 out，而不是 out * (1 - out)"),
                         _neuron_sigma_local_gradient,
                         ("d sigmoid(z)/dz = sigmoid(z) (1 - sigmoid(z)) = out * (1 - out).",
                          "d sigmoid(z)/dz = sigmoid(z) (1 - sigmoid(z)) = out * (1 - out)。")),
            KnownMistake(("the bias gradient dw[2] is missing", "漏了偏置的梯度 dw[2]"), _neuron_no_bias_gradient,
                         ("The bias enters through an add gate: dw[2] = dz.", "偏置经过加法门进入：dw[2] = dz。")),
            KnownMistake(("the multiply gates did not swap: dw[i] uses w[i] and dx[i] uses x[i]",
                          "乘法门没有交换：dw[i] 用了 w[i]，dx[i] 用了 x[i]"),
                         _neuron_not_swapped,
                         ("w[i] * x[i] is a multiply gate: dw[i] = x[i] * dz and dx[i] = w[i] * dz.",
                          "w[i] * x[i] 是乘法门：dw[i] = x[i] * dz，dx[i] = w[i] * dz。")),
        ],
        hints=_with(_BACKWARD_HINTS,
                    shape=("dw has w's shape (3,) and dx has x's shape (2,); return dw, dx in that order.",
                           "dw 与 w 形状相同 (3,)，dx 与 x 形状相同 (2,)；按 dw, dx 的顺序返回。"),
                    scale=("Multiply by the upstream gradient dout (the cases use dout values other than 1).",
                           "乘以上游梯度 dout（用例里的 dout 不全是 1）。")),
    ),
    Task(
        "backprop.numerical_gradient",
        cases=numerical_gradient_cases,
        outputs=("grad",),
        adapter=adapters.with_scalar_function,
        mistakes=[
            KnownMistake(("a forward difference (f(x + h) - f(x)) / h, not the centred one",
                          "用了前向差分 (f(x + h) - f(x)) / h，而不是中心差分"),
                         _numerical_forward_difference,
                         ("Use the centred difference (f(x + h) - f(x - h)) / (2 h): its error shrinks like h^2, "
                          "the forward difference's only like h.",
                          "使用中心差分 (f(x + h) - f(x - h)) / (2 h)：它的误差随 h^2 减小，前向差分只随 h 减小。")),
            KnownMistake(("x_plus = x does not copy: the minus step undoes the plus step, so f(x - h) is really f(x)",
                          "x_plus = x 并没有复制：减 h 的一步抵消了加 h 的一步，所以 f(x - h) 实际上是 f(x)"),
                         _numerical_alias,
                         ("Either perturb x in place and restore it (old = x[ix]; x[ix] = old + h; ...; x[ix] = old), "
                          "or make real copies with x.copy().",
                          "要么原地扰动 x 再恢复（old = x[ix]; x[ix] = old + h; ...; x[ix] = old），要么用 x.copy() 真正复制。")),
            KnownMistake(("x was perturbed in float32: x + h loses most of h's digits", "在 float32 中扰动 x：x + h 丢掉了 h 的大部分有效数字"),
                         _numerical_float32,
                         ("Keep float64: in float32 a step of 1e-5 on a number near 1 keeps only about 2 digits.",
                          "保持 float64：在 float32 中，对接近 1 的数加 1e-5 只剩约 2 位有效数字。")),
        ],
        hints={
            "scale": ("The centred difference divides by 2h, the distance between x - h and x + h.",
                      "中心差分除以 2h，即 x - h 与 x + h 之间的距离。"),
            "mutates_input": ("Restore every entry after using it (x[ix] = old), or work on copies: the caller's x "
                              "must come back unchanged.",
                              "用完每个元素后恢复它（x[ix] = old），或者在副本上操作：调用者的 x 必须原样返回。"),
            "shape": ("grad has the shape of x; loop over every index of x (np.nditer or np.ndindex(x.shape)), "
                      "not only over its rows.",
                      "grad 与 x 形状相同；遍历 x 的每个下标（np.nditer 或 np.ndindex(x.shape)），而不只是各行。"),
            "mismatch": ("For every index ix: f(x) with x[ix] + h, then with x[ix] - h, then restore x[ix]; "
                         "grad[ix] = (f_plus - f_minus) / (2 h). Loop over every entry of x, whatever its shape.",
                         "对每个下标 ix：先在 x[ix] + h 处求 f，再在 x[ix] - h 处求 f，然后恢复 x[ix]；"
                         "grad[ix] = (f_plus - f_minus) / (2 h)。无论 x 是什么形状，都要遍历每个元素。"),
            "exception": ("f takes the whole array x and returns a number; x can have any shape (use np.ndindex(x.shape)).",
                          "f 接受整个数组 x 并返回一个数；x 可以是任意形状（用 np.ndindex(x.shape)）。"),
        },
    ),
    Task(
        "backprop.relative_error",
        cases=relative_error_cases,
        outputs=("error",),
        mistakes=[
            KnownMistake(("the element-wise max |a - b| / max(1e-8, |a| + |b|) of the CS231n assignments, not the norm ratio",
                          "用了 CS231n 作业中逐元素的 max |a - b| / max(1e-8, |a| + |b|)，而不是范数之比"),
                         _relative_error_elementwise_max,
                         ("Use whole-array Euclidean norms: np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)).",
                          "使用整个数组的欧几里得范数：np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))。")),
            KnownMistake(("the denominator is max(||a||, ||b||), not ||a|| + ||b||", "分母用了 max(||a||, ||b||)，而不是 ||a|| + ||b||"),
                         _relative_error_max_norm,
                         ("The denominator is the sum of the two norms.", "分母是两个范数之和。")),
            KnownMistake(("L1 norms (sums of absolute values) instead of Euclidean norms", "用了 L1 范数（绝对值之和），而不是欧几里得范数"),
                         _relative_error_l1,
                         ("||v|| is the Euclidean norm sqrt(sum(v ** 2)), np.linalg.norm(v).",
                          "||v|| 是欧几里得范数 sqrt(sum(v ** 2))，即 np.linalg.norm(v)。")),
            KnownMistake(("no denominator: ||a - b|| is an absolute error", "没有分母：||a - b|| 是绝对误差"),
                         _relative_error_no_denominator,
                         ("Divide by ||a|| + ||b||, so that the error does not depend on the size of the gradients.",
                          "除以 ||a|| + ||b||，这样误差才不依赖于梯度的大小。")),
        ],
        hints={
            "non_finite": ("When a and b are both all zeros the denominator is 0: return 0.0 in that case.",
                           "a 和 b 都全为零时分母为 0：这种情况返回 0.0。"),
            "shape": ("Return one number for the whole arrays, not one per entry.", "对整个数组返回一个数，而不是每个元素一个。"),
            "mismatch": ("relative_error = ||a - b|| / (||a|| + ||b||) with Euclidean norms over all entries; 0.0 when both are zero.",
                         "relative_error = ||a - b|| / (||a|| + ||b||)，范数是对所有元素的欧几里得范数；两者都为零时为 0.0。"),
        },
    ),
]
