"""``batchnorm_backward(dout, cache)`` and ``batchnorm_backward_alt(dout, cache) -> (dx, dgamma, dbeta)``.

Both get their cache from the learner's own ``batchnorm_forward`` in train mode (caches are free-form:
every published implementation caches something different). The known mistakes are written against
the reference's cache ``(mode, x_hat, x - mu, std, 1 / std, gamma)``; a learner's gradient that equals
one of them is named whatever their own cache holds.
"""

import numpy as np

from checker.spec import Case
from checker.topics.bn.common import ROW_SHAPE, mistake, t
from checker.topics.layer_cases import backward_task


# =========================================================================== cases
def batchnorm_backward_cases(rng):
    shapes = [
        (("8 x 4 batch, bn_param {'mode': 'train'}", "8 x 4 的批次，bn_param {'mode': 'train'}"), 8, 4, None, {}),
        (("three samples (N = 3), 4 features", "三个样本（N = 3），4 个特征"), 3, 4, None, {}),
        (("12 x 5, features on scales 1 to 100, eps 1e-3", "12 x 5，特征尺度从 1 到 100，eps 1e-3"), 12, 5,
         [1.0, 3.0, 10.0, 30.0, 100.0], {"eps": 1e-3}),
        (("6 x 7, gamma far from 1, momentum 0.5", "6 x 7，gamma 远离 1，momentum 0.5"), 6, 7, None, {"momentum": 0.5}),
    ]
    for label, N, D, scales, extra in shapes:
        x = rng.normal(size=D) + (np.ones(D) if scales is None else np.asarray(scales)) * rng.normal(size=(N, D))
        gamma = rng.uniform(0.5, 3.0, size=D) * rng.choice([-1.0, 1.0], size=D)
        yield Case(label, x, gamma, rng.normal(size=D), {"mode": "train", **extra}, dout=rng.normal(size=(N, D)))


# =========================================================================== known mistakes
def _parts(dout, cache):
    _, x_hat, xc, std, inv_std, gamma = cache
    return x_hat, inv_std, gamma, dout * gamma, dout.shape[0]


def _closed_form(dx_hat, x_hat, inv_std, N, mean_term=True, variance_term=True, n_minus_1=False):
    dx = N * dx_hat
    if mean_term:
        dx = dx - dx_hat.sum(axis=0)
    if variance_term:
        dx = dx - x_hat * np.sum(dx_hat * x_hat, axis=0) * (N / (N - 1) if n_minus_1 else 1.0)
    return inv_std / N * dx


def backward_variant(mean_term=True, variance_term=True, gamma_in_dx=True, dgamma_from="x_hat", swap=False,
                     n_minus_1=False):
    """A batch-norm backward with one part changed (the keyword that is not its default)."""

    def backward(dout, cache):
        x_hat, inv_std, gamma, dx_hat, N = _parts(dout, cache)
        if not gamma_in_dx:
            dx_hat = dout
        dx = _closed_form(dx_hat, x_hat, inv_std, N, mean_term, variance_term, n_minus_1)
        dgamma = np.sum(dout * (x_hat if dgamma_from == "x_hat" else cache[2]), axis=0)
        dbeta = dout.sum(axis=0)
        return (dx, dbeta, dgamma) if swap else (dx, dgamma, dbeta)

    return backward


_STATISTICS_PATHS = ("mu and var depend on every x in the batch, so dx has three paths: through x_hat directly, "
                     "through the mean and through the variance. On the graph: dvar = sum(dx_hat * (x - mu)) * "
                     "-0.5 * (var + eps) ** -1.5, dmu = -sum(dx_hat) / std, dx = dx_hat / std + dvar * 2 * (x - mu) / N "
                     "+ dmu / N.",
                     "mu 和 var 都依赖批次中的每个 x，所以 dx 有三条路径：直接经过 x_hat、经过均值、经过方差。"
                     "在计算图上：dvar = sum(dx_hat * (x - mu)) * -0.5 * (var + eps) ** -1.5，dmu = -sum(dx_hat) / std，"
                     "dx = dx_hat / std + dvar * 2 * (x - mu) / N + dmu / N。")

BACKWARD_MISTAKES = [
    mistake("dx treats the batch mean and variance as constants: dx = dout * gamma / std, without the "
            "mean-gradient terms", "dx 把批次均值和方差当成了常数：dx = dout * gamma / std，缺少来自均值和方差的梯度项",
            backward_variant(mean_term=False, variance_term=False), *_STATISTICS_PATHS),
    mistake("dx lacks the path through the batch mean (the -sum(dx_hat) / N term)",
            "dx 缺少经过批次均值的路径（-sum(dx_hat) / N 这一项）", backward_variant(mean_term=False), *_STATISTICS_PATHS),
    mistake("dx lacks the path through the batch variance (the x_hat * sum(dx_hat * x_hat) / N term)",
            "dx 缺少经过批次方差的路径（x_hat * sum(dx_hat * x_hat) / N 这一项）", backward_variant(variance_term=False),
            *_STATISTICS_PATHS),
    mistake("the variance gate divides by N - 1 although the forward used the biased variance",
            "方差门除以 N - 1，而前向传播用的是有偏方差", backward_variant(n_minus_1=True),
            "The derivative of var = mean((x - mu) ** 2) is 2 * (x - mu) / N: the same N as the forward.",
            "var = mean((x - mu) ** 2) 的导数是 2 * (x - mu) / N：与前向传播中的 N 相同。"),
    mistake("gamma is left out of dx (dx_hat = dout instead of dout * gamma)", "dx 中漏掉了 gamma（dx_hat = dout，而不是 dout * gamma）",
            backward_variant(gamma_in_dx=False),
            "out = gamma * x_hat + beta, so the gradient reaching x_hat is dout * gamma.",
            "out = gamma * x_hat + beta，所以传到 x_hat 的梯度是 dout * gamma。"),
    mistake("dgamma uses x - mu instead of the normalized x_hat", "dgamma 用了 x - mu，而不是归一化后的 x_hat",
            backward_variant(dgamma_from="centred"),
            "gamma multiplies x_hat: dgamma = np.sum(dout * x_hat, axis=0).", "gamma 乘的是 x_hat：dgamma = np.sum(dout * x_hat, axis=0)。"),
    mistake("dgamma and dbeta are swapped", "dgamma 和 dbeta 顺序反了", backward_variant(swap=True),
            "Return (dx, dgamma, dbeta): dgamma = sum(dout * x_hat), dbeta = sum(dout), both over axis 0.",
            "返回 (dx, dgamma, dbeta)：dgamma = sum(dout * x_hat)，dbeta = sum(dout)，都沿 axis 0 求和。"),
]

BACKWARD_HINTS = {
    "shape": ROW_SHAPE,
    "scale": t("dx is off by a constant factor: the mean and the variance are over N samples, so every 1/N must be "
               "there exactly once per gate.",
               "dx 差了一个常数倍：均值和方差都是对 N 个样本求的，每个门中的 1/N 都要恰好出现一次。"),
}

ALT_HINTS = dict(BACKWARD_HINTS, mismatch=t(
    "The closed form must give the same dx as the graph form: dx = (1 / N) / std * (N * dx_hat - sum(dx_hat) - "
    "x_hat * sum(dx_hat * x_hat)), sums over axis 0. Compare it with your batchnorm_backward on one batch.",
    "闭式解必须给出与计算图形式相同的 dx：dx = (1 / N) / std * (N * dx_hat - sum(dx_hat) - x_hat * sum(dx_hat * x_hat))，"
    "沿 axis 0 求和。在一个批次上与你的 batchnorm_backward 比较一下。"))

TASKS = [
    backward_task("bn.batchnorm_backward", batchnorm_backward_cases, ("dx", "dgamma", "dbeta"),
                  mistakes=BACKWARD_MISTAKES, hints=BACKWARD_HINTS, in_out=("bn_param",)),
    backward_task("bn.batchnorm_backward_alt", batchnorm_backward_cases, ("dx", "dgamma", "dbeta"),
                  forward="batchnorm_forward", mistakes=BACKWARD_MISTAKES, hints=ALT_HINTS, in_out=("bn_param",)),
]
