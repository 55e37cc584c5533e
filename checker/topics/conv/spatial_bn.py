"""``spatial_batchnorm_forward(x, gamma, beta, bn_param)`` and ``spatial_batchnorm_backward(dout, cache)``.

Batch norm for images: one mean and one (biased) variance per channel, over ``N``, ``H`` and ``W``,
``gamma``, ``beta`` and the running statistics of shape ``(C,)``. The forward runs on successive
batches with one ``bn_param`` carried along (``adapters.normalization_calls``), so that the
running averages and test mode are checked too. The cases keep ``C``, ``H`` and ``W`` different,
so that statistics over the wrong axes, or a reshape that mixes channels and positions, change the
values. The backward's known mistakes are written against the reference cache
``(x.shape, ("train", x_hat, x - mu, std, 1 / std, gamma))`` over ``(N * H * W, C)`` rows.
"""

import numpy as np

from checker import adapters
from checker.spec import Case
from checker.topics.conv.common import mistake, t
from checker.topics.layer_cases import backward_task, forward_task


# =========================================================================== cases
def _images(rng, T, shape, scales=None):
    C = shape[1]
    scales = np.ones(C) if scales is None else np.asarray(scales)
    centres = rng.normal(scale=2.0, size=C)
    return centres[:, None, None] + scales[:, None, None] * rng.normal(size=(T, *shape))


def spatial_forward_cases(rng):
    shape = (4, 3, 2, 5)
    yield Case(("3 train batches of 4 x 3 x 2 x 5, bn_param {'mode'} only", "3 个训练批次（4 x 3 x 2 x 5），bn_param 只有 'mode'"),
               _images(rng, 3, shape), ["train"] * 3, rng.normal(size=3), rng.normal(size=3), {"mode": "train"})
    shape = (2, 4, 3, 3)
    yield Case(("2 train batches of 2 x 4 x 3 x 3, then a test batch; momentum 0.8", "2 个训练批次（2 x 4 x 3 x 3），然后一个测试批次；momentum 0.8"),
               _images(rng, 3, shape), ["train", "train", "test"], rng.uniform(0.5, 2, size=4), rng.normal(size=4),
               {"mode": "train", "momentum": 0.8})
    shape = (1, 2, 4, 3)
    yield Case(("one image (N = 1) 2 x 4 x 3, 2 train calls: statistics over H and W still exist",
                "只有一张图像（N = 1）2 x 4 x 3，训练模式调用 2 次：在 H 和 W 上仍有统计量"),
               _images(rng, 2, shape), ["train"] * 2, rng.normal(size=2), rng.normal(size=2), {"mode": "train", "eps": 1e-3})
    shape = (3, 3, 4, 2)
    yield Case(("test mode only, 3 x 3 x 4 x 2 with given running statistics", "只有测试模式，3 x 3 x 4 x 2，滑动统计量已给定"),
               _images(rng, 2, shape), ["test"] * 2, rng.normal(size=3), rng.normal(size=3),
               {"mode": "test", "running_mean": rng.normal(size=3), "running_var": rng.uniform(0.5, 2.0, size=3)})
    shape = (5, 3, 2, 2)
    yield Case(("channels on scales 1, 30 and 0.1, 2 train batches of 5 x 3 x 2 x 2", "通道尺度分别为 1、30 和 0.1，2 个训练批次（5 x 3 x 2 x 2）"),
               _images(rng, 2, shape, [1.0, 30.0, 0.1]), ["train"] * 2, rng.normal(size=3), rng.normal(size=3),
               {"mode": "train"})


def spatial_backward_cases(rng):
    for label, shape, extra in [
        (("4 images 3 x 2 x 5", "4 张 3 x 2 x 5 的图像"), (4, 3, 2, 5), {}),
        (("one image (N = 1) 2 x 4 x 3", "只有一张图像（N = 1）2 x 4 x 3"), (1, 2, 4, 3), {}),
        (("3 images 4 x 3 x 2, eps 1e-3", "3 张 4 x 3 x 2 的图像，eps 1e-3"), (3, 4, 3, 2), {"eps": 1e-3}),
        (("2 images 3 x 5 x 4, channels on scales 1 to 20", "2 张 3 x 5 x 4 的图像，通道尺度从 1 到 20"), (2, 3, 5, 4), {}),
    ]:
        scales = [1.0, 5.0, 20.0] if shape == (2, 3, 5, 4) else None
        x = _images(rng, 1, shape, scales)[0]
        C = shape[1]
        gamma = rng.uniform(0.5, 2.0, size=C) * rng.choice([-1.0, 1.0], size=C)
        yield Case(label, x, gamma, rng.normal(size=C), {"mode": "train", **extra}, dout=rng.normal(size=shape))


# =========================================================================== forward mistakes
def _axes_statistics(x, axes, ddof=0):
    return x.mean(axis=axes, keepdims=True), x.var(axis=axes, ddof=ddof, keepdims=True)


def _as_image_statistic(value):
    """A running statistic broadcast against (N, C, H, W): (C,) per channel, (C, H, W) per position."""
    value = np.asarray(value)
    return value[None] if value.ndim == 3 else value[None, :, None, None]


def spatial_variant(axes=(0, 2, 3), mix_channels=False, ddof=0, torch_momentum=False):
    """A spatial batch norm forward with one thing changed."""

    def forward(x, gamma, beta, bn_param):
        eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
        C = x.shape[1]
        train = bn_param["mode"] == "train"
        per_sample = 0 not in axes  # layer or instance norm: no batch statistics to keep, in either mode
        if mix_channels:  # x.reshape(-1, C) without moving C last
            rows = x.reshape(-1, C)
            mu, var = rows.mean(axis=0), rows.var(axis=0, ddof=ddof)
            if not train:
                mu, var = np.asarray(bn_param["running_mean"]), np.asarray(bn_param["running_var"])
            out = (gamma * (rows - mu) / np.sqrt(var + eps) + beta).reshape(x.shape)
        else:
            mu, var = _axes_statistics(x, axes, ddof)
            if not train and not per_sample:
                mu, var = _as_image_statistic(bn_param["running_mean"]), _as_image_statistic(bn_param["running_var"])
            out = gamma[None, :, None, None] * (x - mu) / np.sqrt(var + eps) + beta[None, :, None, None]
            # the statistics as such a layer keeps them: per channel (C,), per position (C, H, W), ...
            mu, var = mu.mean(axis=0), var.mean(axis=0)
            if 2 in axes:
                mu, var = mu.reshape(mu.shape[0], -1).mean(axis=1), var.reshape(var.shape[0], -1).mean(axis=1)
        if train and not per_sample:
            old = (1 - momentum) if torch_momentum else momentum
            running_mean = np.asarray(bn_param.get("running_mean", np.zeros_like(mu)))
            running_var = np.asarray(bn_param.get("running_var", np.zeros_like(var)))
            bn_param["running_mean"] = old * running_mean + (1 - old) * mu
            bn_param["running_var"] = old * running_var + (1 - old) * var
        return out, None

    return forward


SPATIAL_FORWARD_MISTAKES = [
    mistake("statistics per (channel, position): the mean over the batch axis only (x.reshape(N, -1) fed to batchnorm)",
            "统计量按（通道，位置）计算：只在批次轴上求平均（把 x.reshape(N, -1) 交给 batchnorm）", spatial_variant(axes=(0,)),
            "A channel's feature is the same at every position: average over N, H and W together, "
            "x.mean(axis=(0, 2, 3)), or batchnorm on x.transpose(0, 2, 3, 1).reshape(-1, C).",
            "一个通道的特征在每个位置上都相同：要同时对 N、H、W 求平均，x.mean(axis=(0, 2, 3))，"
            "或者对 x.transpose(0, 2, 3, 1).reshape(-1, C) 做 batchnorm。"),
    mistake("x.reshape(-1, C) without moving the channels last first, so rows mix channels and positions",
            "没有先把通道移到最后就 x.reshape(-1, C)，每一行混合了通道和位置", spatial_variant(mix_channels=True),
            "In (N, C, H, W) the channel is not the last axis: x.transpose(0, 2, 3, 1).reshape(-1, C), and back with "
            ".reshape(N, H, W, C).transpose(0, 3, 1, 2).",
            "(N, C, H, W) 中通道不是最后一个轴：x.transpose(0, 2, 3, 1).reshape(-1, C)，变回去用 "
            ".reshape(N, H, W, C).transpose(0, 3, 1, 2)。"),
    mistake("statistics per sample over (C, H, W) (that is layer norm)", "按样本在 (C, H, W) 上求统计量（那是层归一化）",
            spatial_variant(axes=(1, 2, 3)),
            "Batch norm averages each channel over the batch and the positions: axes (0, 2, 3).",
            "批归一化对每个通道在批次和位置上求平均：轴 (0, 2, 3)。"),
    mistake("statistics per (sample, channel) over (H, W) (that is instance norm)", "按（样本，通道）在 (H, W) 上求统计量（那是实例归一化）",
            spatial_variant(axes=(2, 3)),
            "Include the batch axis: x.mean(axis=(0, 2, 3)), one statistic per channel.",
            "要包括批次轴：x.mean(axis=(0, 2, 3))，每个通道一个统计量。"),
    mistake("the unbiased variance (N * H * W - 1) instead of the biased one", "用了无偏方差（N * H * W - 1），而不是有偏方差",
            spatial_variant(ddof=1),
            "As in notebook 07: np.var(..., axis=(0, 2, 3)) with its default ddof=0.",
            "与第 07 课相同：np.var(..., axis=(0, 2, 3))，保持默认的 ddof=0。"),
    mistake("PyTorch's momentum convention in the running averages", "滑动平均用了 PyTorch 的 momentum 约定",
            spatial_variant(torch_momentum=True),
            "running = momentum * running + (1 - momentum) * batch, as notebook 07.",
            "running = momentum * running + (1 - momentum) * batch，与第 07 课相同。"),
]

_C_SHAPE = t("gamma, beta, dgamma, dbeta and the running statistics are (C,): one number per channel, not (1, C, 1, 1) "
             "(keepdims=True) or (1, C).",
             "gamma、beta、dgamma、dbeta 和滑动统计量的形状都是 (C,)：每个通道一个数，而不是 (1, C, 1, 1)（keepdims=True）或 (1, C)。")

SPATIAL_FORWARD_HINTS = {
    "shape": _C_SHAPE,
    "exception": t("Reuse your notebook-07 batchnorm_forward on x.transpose(0, 2, 3, 1).reshape(-1, C); bn_param may "
                   "lack everything but 'mode'.",
                   "在 x.transpose(0, 2, 3, 1).reshape(-1, C) 上复用第 07 课的 batchnorm_forward；bn_param 可能只有 'mode'。"),
}


# =========================================================================== backward mistakes
def _rows_of(a):
    N, C, H, W = a.shape
    return a.transpose(0, 2, 3, 1).reshape(-1, C)


def spatial_backward_variant(mix_channels=False, constant_statistics=False, per_position=False, dgamma_from_xc=False):
    """A spatial batch-norm backward with one thing changed (cache as the reference's)."""

    def backward(dout, cache):
        shape, (_, x_hat, xc, std, inv_std, gamma) = cache
        N, C, H, W = shape
        if per_position:  # batch norm of (N, C * H * W): statistics per (channel, position)
            x4 = xc.reshape(N, H, W, C).transpose(0, 3, 1, 2)
            eps = float(np.mean(std ** 2 - np.mean(xc ** 2, axis=0)))  # std = sqrt(var + eps)
            mu, var = x4.mean(axis=0), x4.var(axis=0)
            xh = (x4 - mu) / np.sqrt(var + eps)
            dxh = dout * gamma[None, :, None, None]
            dx = (dxh - dxh.mean(axis=0) - xh * (dxh * xh).mean(axis=0)) / np.sqrt(var + eps)
            return dx, np.sum(dout * xh, axis=(0, 2, 3)), dout.sum(axis=(0, 2, 3))
        rows = dout.reshape(-1, C) if mix_channels else _rows_of(dout)
        dx_hat = rows * gamma
        if constant_statistics:
            dx_rows = dx_hat * inv_std
        else:
            dx_rows = inv_std * (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0))
        dx = dx_rows.reshape(dout.shape) if mix_channels else dx_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)
        dgamma = np.sum(rows * (xc if dgamma_from_xc else x_hat), axis=0)
        return dx, dgamma, rows.sum(axis=0)

    return backward


SPATIAL_BACKWARD_MISTAKES = [
    mistake("dout.reshape(-1, C) without moving the channels last first", "没有先把通道移到最后就 dout.reshape(-1, C)",
            spatial_backward_variant(mix_channels=True),
            "Reshape dout exactly as the forward reshaped x: dout.transpose(0, 2, 3, 1).reshape(-1, C), and dx back "
            "with .reshape(N, H, W, C).transpose(0, 3, 1, 2).",
            "dout 要与前向传播中的 x 同样变形：dout.transpose(0, 2, 3, 1).reshape(-1, C)，dx 再用 "
            ".reshape(N, H, W, C).transpose(0, 3, 1, 2) 变回去。"),
    mistake("dx treats the channel mean and variance as constants (dx = dout * gamma / std)",
            "dx 把通道的均值和方差当成常数（dx = dout * gamma / std）", spatial_backward_variant(constant_statistics=True),
            "Every pixel of a channel shifts its mean and variance: use the full batch-norm backward of notebook 07 on "
            "the (N * H * W, C) rows.",
            "一个通道的每个像素都会影响均值和方差：对 (N * H * W, C) 的行使用第 07 课完整的 batchnorm 反向传播。"),
    mistake("the gradient of statistics per (channel, position), over the batch axis only", "按（通道，位置）求统计量的梯度，只在批次轴上",
            spatial_backward_variant(per_position=True),
            "The statistics are per channel over N, H and W, so their gradient terms average over N * H * W rows.",
            "统计量是按通道在 N、H、W 上求的，所以梯度中的平均项要在 N * H * W 行上求。"),
    mistake("dgamma sums dout * (x - mu) instead of dout * x_hat", "dgamma 求的是 dout * (x - mu) 的和，而不是 dout * x_hat",
            spatial_backward_variant(dgamma_from_xc=True),
            "out = gamma * x_hat + beta, so dgamma = sum of dout * x_hat over N, H and W.",
            "out = gamma * x_hat + beta，所以 dgamma 是 dout * x_hat 在 N、H、W 上的和。"),
]

SPATIAL_BACKWARD_HINTS = {
    "shape": _C_SHAPE,
    "mutates_input": t("dout belongs to the caller: dx_hat = dout * gamma makes a new array, dx_hat = dout; dx_hat *= "
                       "gamma writes into dout.",
                       "dout 属于调用者：dx_hat = dout * gamma 会生成新数组，而 dx_hat = dout; dx_hat *= gamma 会写入 dout。"),
}

TASKS = [
    forward_task("conv.spatial_batchnorm_forward", spatial_forward_cases, outputs=("out", "running_mean", "running_var"),
                 adapter=adapters.normalization_calls, in_out=("bn_param",), mistakes=SPATIAL_FORWARD_MISTAKES,
                 hints=SPATIAL_FORWARD_HINTS),
    backward_task("conv.spatial_batchnorm_backward", spatial_backward_cases, ("dx", "dgamma", "dbeta"),
                  mistakes=SPATIAL_BACKWARD_MISTAKES, hints=SPATIAL_BACKWARD_HINTS, in_out=("bn_param",)),
]
