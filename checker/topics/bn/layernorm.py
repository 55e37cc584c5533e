"""``layernorm_forward(x, gamma, beta, ln_param) -> (out, cache)`` and ``layernorm_backward(dout, cache)``.

Layer norm has no mode and no running statistics: one call says everything, so the forward task
gets the backward's cases without ``dout`` (``forward_cases``). ``ln_param`` may be ``{}``. The known
mistakes of the backward are written against the reference's cache ``(x_hat, x - mu, std, 1 / std,
gamma)`` with per-sample statistics of shape (N, 1).
"""

import numpy as np

from checker.spec import Case
from checker.topics.bn.common import ROW_SHAPE, mistake, t
from checker.topics.layer_cases import backward_task, forward_cases, forward_task


# =========================================================================== cases
def layernorm_cases(rng):
    shapes = [
        (("6 x 5, ln_param {}", "6 x 5，ln_param {}"), 6, 5, {}),
        (("one sample (N = 1), 7 features", "只有一个样本（N = 1），7 个特征"), 1, 7, {}),
        (("4 x 3 with samples on scales 0.01 to 100, eps 1e-3", "4 x 3，样本尺度从 0.01 到 100，eps 1e-3"), 4, 3,
         {"eps": 1e-3}),
        (("5 x 8, ln_param {'eps': 0.5} (a large eps)", "5 x 8，ln_param {'eps': 0.5}（很大的 eps）"), 5, 8, {"eps": 0.5}),
    ]
    for label, N, D, ln_param in shapes:
        x = rng.normal(size=(N, 1)) + rng.normal(size=(N, D))
        if N == 4:
            x = x * np.array([0.01, 1.0, 10.0, 100.0])[:, None]
        gamma = rng.uniform(0.5, 2.5, size=D) * rng.choice([-1.0, 1.0], size=D)
        yield Case(label, x, gamma, rng.normal(size=D), ln_param, dout=rng.normal(size=(N, D)))


# =========================================================================== known mistakes
def forward_variant(axis=1, ddof=0, eps_outside=False, affine=True, fixed_eps=False):
    """A layer-norm forward with one convention changed (the keyword that is not its default)."""

    def forward(x, gamma, beta, ln_param):
        eps = 1e-5 if fixed_eps else (ln_param or {}).get("eps", 1e-5)
        mu = x.mean(axis=axis, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            var = x.var(axis=axis, ddof=ddof, keepdims=True)
            x_hat = (x - mu) / (np.sqrt(var) + eps if eps_outside else np.sqrt(var + eps))
        return (gamma * x_hat + beta if affine else x_hat), None

    return forward


FORWARD_MISTAKES = [
    mistake("the statistics are taken over the batch for each feature (axis=0: that is batch norm)",
            "统计量是对每个特征在批次上求的（axis=0：那是批归一化）", forward_variant(axis=0),
            "Layer norm normalizes each sample over its own features: x.mean(axis=1, keepdims=True) and "
            "x.var(axis=1, keepdims=True), shapes (N, 1).",
            "层归一化对每个样本在它自己的特征上做归一化：x.mean(axis=1, keepdims=True) 和 x.var(axis=1, keepdims=True)，"
            "形状为 (N, 1)。"),
    mistake("the unbiased variance (dividing by D - 1)", "用了无偏方差（除以 D - 1）", forward_variant(ddof=1),
            "Use the biased variance over the D features: x.var(axis=1, keepdims=True) (ddof=0).",
            "使用 D 个特征上的有偏方差：x.var(axis=1, keepdims=True)（ddof=0）。"),
    mistake("eps is added outside the square root", "eps 加在了平方根外面", forward_variant(eps_outside=True),
            "(x - mu) / np.sqrt(var + eps), as in batch norm.", "(x - mu) / np.sqrt(var + eps)，与批归一化相同。"),
    mistake("gamma and beta are not applied (out = x_hat)", "没有用 gamma 和 beta（out = x_hat）", forward_variant(affine=False),
            "out = gamma * x_hat + beta: gamma and beta are (D,), one per feature, broadcast over the rows.",
            "out = gamma * x_hat + beta：gamma 和 beta 的形状为 (D,)，每个特征一个，沿行广播。"),
    mistake("eps is fixed at 1e-5 instead of ln_param's eps", "eps 固定成了 1e-5，而没有用 ln_param 中的 eps",
            forward_variant(fixed_eps=True),
            "Read it from ln_param with a default: eps = ln_param.get('eps', 1e-5).",
            "从 ln_param 中读取并给出默认值：eps = ln_param.get('eps', 1e-5)。"),
]


def backward_variant(per_sample=True, mean_term=True, variance_term=True, gamma_in_dx=True, dgamma_axis=0, swap=False):
    """A layer-norm backward with one part changed (the keyword that is not its default)."""

    def backward(dout, cache):
        x_hat, xc, std, inv_std, gamma = cache
        dx_hat = dout * gamma if gamma_in_dx else dout
        axis, n = (1, dout.shape[1]) if per_sample else (0, dout.shape[0])
        dx = n * dx_hat
        if mean_term:
            dx = dx - dx_hat.sum(axis=axis, keepdims=True)
        if variance_term:
            dx = dx - x_hat * np.sum(dx_hat * x_hat, axis=axis, keepdims=True)
        dx = inv_std / n * dx
        dgamma, dbeta = np.sum(dout * x_hat, axis=dgamma_axis), dout.sum(axis=dgamma_axis)
        return (dx, dbeta, dgamma) if swap else (dx, dgamma, dbeta)

    return backward


_PATHS = ("Each sample's mean and variance depend on all of its D features: dx = (1 / D) / std * (D * dx_hat - "
          "sum(dx_hat, axis=1) - x_hat * sum(dx_hat * x_hat, axis=1)), sums with keepdims=True.",
          "每个样本的均值和方差都依赖它的全部 D 个特征：dx = (1 / D) / std * (D * dx_hat - sum(dx_hat, axis=1) - "
          "x_hat * sum(dx_hat * x_hat, axis=1))，求和时 keepdims=True。")

BACKWARD_MISTAKES = [
    mistake("the sums of dx run over the batch (axis=0), as in batch norm", "dx 中的求和是沿批次（axis=0）做的，像批归一化那样",
            backward_variant(per_sample=False), *_PATHS),
    mistake("dx treats each sample's mean and variance as constants: dx = dout * gamma / std",
            "dx 把每个样本的均值和方差当成了常数：dx = dout * gamma / std",
            backward_variant(mean_term=False, variance_term=False), *_PATHS),
    mistake("dx lacks the path through the sample's mean", "dx 缺少经过样本均值的路径", backward_variant(mean_term=False), *_PATHS),
    mistake("dx lacks the path through the sample's variance", "dx 缺少经过样本方差的路径",
            backward_variant(variance_term=False), *_PATHS),
    mistake("gamma is left out of dx", "dx 中漏掉了 gamma", backward_variant(gamma_in_dx=False),
            "The gradient reaching x_hat is dout * gamma.", "传到 x_hat 的梯度是 dout * gamma。"),
    mistake("dgamma and dbeta are swapped", "dgamma 和 dbeta 顺序反了", backward_variant(swap=True),
            "Return (dx, dgamma, dbeta).", "返回 (dx, dgamma, dbeta)。"),
]

HINTS = {
    "shape": t("dgamma and dbeta have gamma's shape (D,): sum over the batch, axis=0, even though the statistics "
               "are per sample. " + ROW_SHAPE[0],
               "dgamma 和 dbeta 的形状与 gamma 相同 (D,)：沿批次 axis=0 求和，尽管统计量是按样本计算的。" + ROW_SHAPE[1]),
    "exception": t("ln_param may be {} (layer norm has no mode): ln_param.get('eps', 1e-5). The mean and variance of "
                   "each row need keepdims=True to broadcast against x.",
                   "ln_param 可能是 {}（层归一化没有 mode）：ln_param.get('eps', 1e-5)。每行的均值和方差需要 "
                   "keepdims=True 才能与 x 广播。"),
}

TASKS = [
    forward_task("bn.layernorm_forward", forward_cases(layernorm_cases), mistakes=FORWARD_MISTAKES, hints=HINTS,
                 in_out=("ln_param",)),
    backward_task("bn.layernorm_backward", layernorm_cases, ("dx", "dgamma", "dbeta"), mistakes=BACKWARD_MISTAKES,
                  hints=HINTS, in_out=("ln_param",)),
]
