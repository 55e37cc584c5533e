"""Notebook 04's gradient checking: ``numerical_gradient(f, x, h)`` by centred differences and
``relative_error(a, b)``.

``numerical_gradient`` takes a function; its cases name a function of
``checker.adapters.SCALAR_FUNCTIONS`` instead (functions cannot cross into the grading worker).
"""

import numpy as np

from checker import adapters
from checker.spec import Case, KnownMistake, Task


# =========================================================================== numerical_gradient
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


TASKS = [
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
]


# =========================================================================== relative_error
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


TASKS += [
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
