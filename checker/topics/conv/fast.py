"""``conv_forward_fast`` and ``conv_backward_fast``: the naive layers' contract and cases, without
Python loops over samples or positions (a loop over the ``HH x WW`` kernel offsets is allowed).

``loop_free`` compares the lines executed on a small and a larger case with the same kernel: a loop
over kernel offsets runs as often on both, a loop over samples or positions (in the layer or in an
``im2col``/``col2im`` it calls) grows with them and is reported as ``not_vectorized``. The known
mistakes are the naive layers' plus those of the matrix layout: a product of shape
``(N * H' * W', F)`` reshaped straight to ``(N, F, H', W')``, and ``dout`` flattened the same way.
"""

import numpy as np

from checker.spec import Case
from checker.topics.conv.common import mistake, t, windows
from checker.topics.conv.naive import (CONV_BACKWARD_HINTS, CONV_BACKWARD_MISTAKES, CONV_FORWARD_HINTS,
                                       CONV_FORWARD_MISTAKES, conv_cases)
from checker.topics.layer_cases import backward_task, forward_cases, forward_task


def fast_sizes(rng):
    """(small, larger) cases with the same 3 x 3 kernel: only N, H and W grow."""
    made = []
    for N, H, W in ((2, 6, 6), (12, 10, 10)):
        x, w, b = rng.normal(size=(N, 2, H, W)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
        label = (f"{N} images 2 x {H} x {W}, 3 filters 3 x 3, stride 1, pad 1",
                 f"{N} 张 2 x {H} x {W} 的图像，3 个 3 x 3 滤波器，stride 1，pad 1")
        made.append(Case(label, x, w, b, {"stride": 1, "pad": 1}, dout=rng.normal(size=(N, 3, H, W))))
    return tuple(made)


def fast_forward_sizes(rng):
    small, large = fast_sizes(rng)
    return tuple(Case(c.label, *c.args) for c in (small, large))


# =========================================================================== layout mistakes
def _rows(x, w, conv_param):
    view = windows(x, w.shape[2], w.shape[3], conv_param["pad"], conv_param["stride"])
    N, _, H_out, W_out = view.shape[:4]
    return view.transpose(0, 2, 3, 1, 4, 5).reshape(N * H_out * W_out, -1), (N, H_out, W_out)


def _forward_reshaped_without_transpose(x, w, b, conv_param):
    cols, (N, H_out, W_out) = _rows(x, w, conv_param)
    product = cols @ w.reshape(w.shape[0], -1).T + b  # (N * H' * W', F)
    return product.reshape(N, w.shape[0], H_out, W_out), None


def _forward_channels_last_columns(x, w, b, conv_param):
    view = windows(x, w.shape[2], w.shape[3], conv_param["pad"], conv_param["stride"])
    N, _, H_out, W_out = view.shape[:4]
    cols = view.transpose(0, 2, 3, 4, 5, 1).reshape(N * H_out * W_out, -1)  # (di, dj, c)
    product = cols @ w.reshape(w.shape[0], -1).T + b
    return product.reshape(N, H_out, W_out, -1).transpose(0, 3, 1, 2), None


_PRODUCT_LAYOUT = t("cols @ w.reshape(F, -1).T is (N * H' * W', F), its rows in (n, i, j) order: reshape it to "
                    "(N, H', W', F) and then transpose(0, 3, 1, 2). A reshape straight to (N, F, H', W') keeps the "
                    "numbers but puts them in the wrong places.",
                    "cols @ w.reshape(F, -1).T 的形状是 (N * H' * W', F)，行按 (n, i, j) 排列：先 reshape 成 (N, H', W', F)，"
                    "再 transpose(0, 3, 1, 2)。直接 reshape 成 (N, F, H', W') 数值没变，但位置错了。")

FAST_FORWARD_MISTAKES = CONV_FORWARD_MISTAKES + [
    mistake("the product (N * H' * W', F) is reshaped straight to (N, F, H', W') without a transpose",
            "乘积 (N * H' * W', F) 直接 reshape 成 (N, F, H', W')，没有转置", _forward_reshaped_without_transpose,
            *_PRODUCT_LAYOUT),
    mistake("the im2col columns are in (di, dj, c) order while w.reshape(F, -1) is in (c, di, dj) order",
            "im2col 的列按 (di, dj, c) 排列，而 w.reshape(F, -1) 是按 (c, di, dj) 排列", _forward_channels_last_columns,
            "Both sides of the product must flatten a window the same way: w.reshape(F, -1) is in (c, di, dj) "
            "order, so the columns of im2col must be too.",
            "乘积两边必须以相同方式展平窗口：w.reshape(F, -1) 是 (c, di, dj) 顺序，im2col 的列也必须如此。"),
]


def _backward_dout_reshaped_without_transpose(dout, cache):
    x, w, b, conv_param = cache
    cols, (N, H_out, W_out) = _rows(x, w, conv_param)
    F = w.shape[0]
    dout_rows = dout.reshape(-1, F)  # should be dout.transpose(0, 2, 3, 1).reshape(-1, F)
    dw = (dout_rows.T @ cols).reshape(w.shape)
    dcols = (dout_rows @ w.reshape(F, -1)).reshape(N, H_out, W_out, *w.shape[1:])
    stride, pad = conv_param["stride"], conv_param["pad"]
    H, W = x.shape[2:]
    dx_pad = np.zeros((N, x.shape[1], H + 2 * pad, W + 2 * pad))
    for di in range(w.shape[2]):
        for dj in range(w.shape[3]):
            dx_pad[:, :, di:di + stride * H_out:stride, dj:dj + stride * W_out:stride] += \
                dcols[:, :, :, :, di, dj].transpose(0, 3, 1, 2)
    return dx_pad[:, :, pad:pad + H, pad:pad + W], dw, dout.sum(axis=(0, 2, 3))


FAST_BACKWARD_MISTAKES = CONV_BACKWARD_MISTAKES + [
    mistake("dout (N, F, H', W') is flattened with dout.reshape(-1, F) instead of dout.transpose(0, 2, 3, 1).reshape(-1, F)",
            "dout (N, F, H', W') 用 dout.reshape(-1, F) 展平，而不是 dout.transpose(0, 2, 3, 1).reshape(-1, F)",
            _backward_dout_reshaped_without_transpose,
            "The rows of dout's matrix must be the positions (n, i, j), like im2col's: move F last before the reshape.",
            "dout 矩阵的行必须是位置 (n, i, j)，与 im2col 的行一致：reshape 之前先把 F 移到最后。"),
]

LOOPS = t("No Python loop over samples or positions here (a loop over the HH x WW kernel offsets is fine): take all "
          "windows at once with np.lib.stride_tricks.sliding_window_view or as_strided (or an im2col built that way), "
          "then one matrix product. An im2col or col2im that loops over positions makes this layer loop too.",
          "这里不能对样本或位置写 Python 循环（对 HH x WW 个卷积核偏移循环可以）：用 np.lib.stride_tricks.sliding_window_view "
          "或 as_strided 一次取出所有窗口（或用这样写成的 im2col），再做一次矩阵乘法。对位置循环的 im2col 或 col2im 也会让这一层变成循环。")

TASKS = [
    forward_task("conv.conv_forward_fast", forward_cases(conv_cases), mistakes=FAST_FORWARD_MISTAKES,
                 hints={**CONV_FORWARD_HINTS, "not_vectorized": LOOPS}, loop_free=fast_forward_sizes),
    backward_task("conv.conv_backward_fast", conv_cases, ("dx", "dw", "db"), mistakes=FAST_BACKWARD_MISTAKES,
                  hints={**CONV_BACKWARD_HINTS, "not_vectorized": LOOPS}, loop_free=fast_sizes),
]
