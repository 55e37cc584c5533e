"""Notebook 10's global average pooling: ``global_avg_pool_forward(x) -> (out (N, C), cache)`` and
its backward ``dx = dout / (H * W)`` spread over every position.

The cases keep ``C``, ``H`` and ``W`` different from each other (and ``N`` from all of them), so
that a mean over the wrong axes, or a division by the wrong sizes, changes the values and the
shapes in a way that names the axes.
"""

import numpy as np

from checker.spec import Case, KnownMistake
from checker.topics.layer_cases import backward_task, forward_cases, forward_task

GAP_SHAPES = [
    (("2 samples, 3 channels, 4 x 5 (non-square)", "2 个样本，3 个通道，4 x 5（非方形）"), (2, 3, 4, 5)),
    (("one sample (N = 1), 4 channels, 3 x 3", "只有一个样本（N = 1），4 个通道，3 x 3"), (1, 4, 3, 3)),
    (("5 samples, 2 channels, 6 x 4", "5 个样本，2 个通道，6 x 4"), (5, 2, 6, 4)),
    (("3 samples, 6 channels, 1 x 1 (already pooled)", "3 个样本，6 个通道，1 x 1（已经池化过）"), (3, 6, 1, 1)),
]


def gap_cases(rng):
    for label, shape in GAP_SHAPES:
        yield Case(label, rng.normal(loc=0.5, size=shape), dout=rng.normal(size=shape[:2]))


# --------------------------------------------------------------------------- forward mistakes
def _gap_sum(x):
    return x.sum(axis=(2, 3)), x.shape


def _gap_max(x):
    return x.max(axis=(2, 3)), x.shape


GAP_FORWARD_MISTAKES = [
    KnownMistake(("the sum over H x W instead of the mean", "对 H x W 求和而不是求平均"), _gap_sum,
                 ("Global average pooling divides by the H * W positions: x.mean(axis=(2, 3)).",
                  "全局平均池化要除以 H * W 个位置：x.mean(axis=(2, 3))。")),
    KnownMistake(("the maximum over H x W (global max pooling) instead of the mean",
                  "对 H x W 取最大值（全局最大池化），而不是平均"), _gap_max,
                 ("Average, do not take the maximum: x.mean(axis=(2, 3)).", "要平均，而不是取最大值：x.mean(axis=(2, 3))。")),
]


# --------------------------------------------------------------------------- backward mistakes
def _spread(dout, shape, divisor):
    return np.broadcast_to(dout[:, :, None, None] / divisor, shape).copy()


def _gap_backward_not_divided(dout, cache):
    return _spread(dout, cache, 1.0)


def _gap_backward_divided_by_batch_too(dout, cache):
    N, C, H, W = cache
    return _spread(dout, cache, N * H * W)


def _gap_backward_wrong_axes(dout, cache):
    """Divided by x.shape[1] * x.shape[2], the 'H * W' of an (N, H, W, C) layout."""
    N, C, H, W = cache
    return _spread(dout, cache, C * H)


def _gap_backward_divided_by_h_only(dout, cache):
    N, C, H, W = cache
    return _spread(dout, cache, H)


GAP_BACKWARD_MISTAKES = [
    KnownMistake(("dout is spread back without dividing by H * W", "把 dout 铺回去时没有除以 H * W"),
                 _gap_backward_not_divided,
                 ("Every position contributed 1 / (H * W) of the mean: dx = dout[:, :, None, None] / (H * W) "
                  "broadcast to x's shape.",
                  "每个位置对平均值的贡献是 1 / (H * W)：dx = dout[:, :, None, None] / (H * W)，再广播到 x 的形状。")),
    KnownMistake(("dout is divided by N * H * W: the mean was over the spatial axes only, not the batch",
                  "dout 被除以 N * H * W：平均只在空间轴上做，不包括批次"),
                 _gap_backward_divided_by_batch_too,
                 ("Each sample has its own mean; divide by H * W only.", "每个样本有自己的平均值；只除以 H * W。")),
    KnownMistake(("dout is divided by x.shape[1] * x.shape[2] = C * H: the axes of (N, H, W, C)",
                  "dout 被除以 x.shape[1] * x.shape[2] = C * H：那是 (N, H, W, C) 的轴"),
                 _gap_backward_wrong_axes,
                 ("In (N, C, H, W) the spatial sizes are x.shape[2] and x.shape[3].",
                  "在 (N, C, H, W) 中，空间尺寸是 x.shape[2] 和 x.shape[3]。")),
    KnownMistake(("dout is divided by H only", "dout 只除以了 H"), _gap_backward_divided_by_h_only,
                 ("The mean runs over H * W positions: divide by both sizes.", "平均是对 H * W 个位置求的：两个尺寸都要除。")),
]

GAP_HINTS = {"shape": ("out is (N, C): one number per sample and channel (no keepdims).",
                       "out 的形状是 (N, C)：每个样本、每个通道一个数（不要 keepdims）。")}
GAP_BACKWARD_HINTS = {"shape": ("dx has the input's shape (N, C, H, W): broadcast dout[:, :, None, None] over H and W "
                                "(keep the input shape in the cache).",
                                "dx 的形状与输入相同 (N, C, H, W)：把 dout[:, :, None, None] 沿 H 和 W 广播"
                                "（在缓存中保存输入形状）。")}

TASKS = [
    forward_task("resnet.global_avg_pool_forward", forward_cases(gap_cases), mistakes=GAP_FORWARD_MISTAKES,
                 hints=GAP_HINTS),
    backward_task("resnet.global_avg_pool_backward", gap_cases, ("dx",), mistakes=GAP_BACKWARD_MISTAKES,
                  hints=GAP_BACKWARD_HINTS),
]
