"""``conv_forward_naive(x, w, b, conv_param)`` and ``conv_backward_naive(dout, cache)``, and the cases
and known mistakes the fast layers share with them.

The cases cover what public solutions get wrong while passing the assignments' own checks: pad 0
(``dx_pad[:, :, pad:-pad, pad:-pad]`` is empty there), stride 2 with overlapping windows (a 3 x 3
kernel at stride 2: assignment instead of ``+=`` shows), one sample, non-square images and
kernels, and 1 x 1 kernels. The known mistakes are written against the reference cache
``(x, w, b, conv_param)``.
"""

import numpy as np

from checker.spec import Case
from checker.topics.conv.common import CROP_AT_PAD_ZERO, NP_PAD_EVERY_AXIS, mistake, output_size, padded, t, windows
from checker.topics.layer_cases import backward_task, forward_cases, forward_task

# label, x shape (N, C, H, W), w shape (F, C, HH, WW), stride, pad
CONV_GEOMETRIES = [
    (("2 images 3 x 5 x 7 (non-square), 4 filters 3 x 3, stride 1, pad 1",
      "2 张 3 x 5 x 7 的图像（非方形），4 个 3 x 3 滤波器，stride 1，pad 1"), (2, 3, 5, 7), (4, 3, 3, 3), 1, 1),
    (("one image (N = 1) 2 x 7 x 7, 3 filters 3 x 3, stride 2 (windows overlap), pad 1",
      "只有一张图像（N = 1）2 x 7 x 7，3 个 3 x 3 滤波器，stride 2（窗口重叠），pad 1"), (1, 2, 7, 7), (3, 2, 3, 3), 2, 1),
    (("3 images 2 x 6 x 5, 2 filters 2 x 3 (non-square kernel), stride 1, pad 0",
      "3 张 2 x 6 x 5 的图像，2 个 2 x 3 滤波器（非方形卷积核），stride 1，pad 0"), (3, 2, 6, 5), (2, 2, 2, 3), 1, 0),
    (("2 images 3 x 4 x 4, 5 filters 1 x 1, stride 1, pad 0",
      "2 张 3 x 4 x 4 的图像，5 个 1 x 1 滤波器，stride 1，pad 0"), (2, 3, 4, 4), (5, 3, 1, 1), 1, 0),
    (("2 images 2 x 9 x 7, 3 filters 3 x 3, stride 2, pad 0",
      "2 张 2 x 9 x 7 的图像，3 个 3 x 3 滤波器，stride 2，pad 0"), (2, 2, 9, 7), (3, 2, 3, 3), 2, 0),
    (("2 images 1 x 4 x 5, 2 filters 3 x 3, stride 1, pad 2 (more padding than the kernel's reach)",
      "2 张 1 x 4 x 5 的图像，2 个 3 x 3 滤波器，stride 1，pad 2（填充超过卷积核的覆盖范围）"), (2, 1, 4, 5), (2, 1, 3, 3), 1, 2),
]


def conv_cases(rng):
    """Convolution cases with dout: each geometry with normal data, biases away from zero."""
    for label, x_shape, w_shape, stride, pad in CONV_GEOMETRIES:
        x, w = rng.normal(size=x_shape), rng.normal(size=w_shape)
        b = rng.uniform(0.5, 1.5, size=w_shape[0]) * rng.choice([-1.0, 1.0], size=w_shape[0])
        H_out = output_size(x_shape[2], w_shape[2], pad, stride)
        W_out = output_size(x_shape[3], w_shape[3], pad, stride)
        yield Case(label, x, w, b, {"stride": stride, "pad": pad},
                   dout=rng.normal(size=(x_shape[0], w_shape[0], H_out, W_out)))


# =========================================================================== forward mistakes
def conv_variant(flip=False, bias=True, stride_offsets=True):
    """A convolution forward with one thing changed (the keyword that is not its default)."""

    def forward(x, w, b, conv_param):
        stride, pad = conv_param["stride"], conv_param["pad"]
        view = windows(x, w.shape[2], w.shape[3], pad, stride)
        if not stride_offsets:  # the right number of windows, stepped by 1 instead of by the stride
            full = windows(x, w.shape[2], w.shape[3], pad, 1)
            view = full[:, :, :view.shape[2], :view.shape[3]]
        kernel = w[:, :, ::-1, ::-1] if flip else w
        out = np.einsum("nchwij,fcij->nfhw", view, kernel)
        if bias:
            out = out + b[None, :, None, None]
        return out, (x, w, b, conv_param)

    return forward


CONV_FORWARD_MISTAKES = [
    mistake("the bias b is not added", "没有加上偏置 b", conv_variant(bias=False),
            "Every output of filter f gets b[f]: out[n, f, i, j] = np.sum(window * w[f]) + b[f].",
            "滤波器 f 的每个输出都要加上 b[f]：out[n, f, i, j] = np.sum(window * w[f]) + b[f]。"),
    mistake("the kernel is flipped (true convolution) instead of cross-correlation",
            "卷积核被翻转了（数学上的卷积），而不是互相关", conv_variant(flip=True),
            "Deep-learning 'convolution' is cross-correlation: multiply each window by w[f] as it is, without "
            "w[f, :, ::-1, ::-1]. A learned kernel would simply learn the flipped weights, but the convention here is "
            "the one of CS231n and PyTorch.",
            "深度学习里的“卷积”是互相关：每个窗口直接乘以 w[f]，不要写 w[f, :, ::-1, ::-1]。学习出来的卷积核只会学成翻转后的权重，"
            "但这里的约定与 CS231n 和 PyTorch 相同。"),
    mistake("the windows step by 1 instead of by the stride (window (i, j) starts at (i, j), not at "
            "(i * stride, j * stride))", "窗口每次移动 1 而不是 stride（窗口 (i, j) 从 (i, j) 开始，而不是从 "
            "(i * stride, j * stride) 开始）", conv_variant(stride_offsets=False),
            "Output position (i, j) reads x_pad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW].",
            "输出位置 (i, j) 读取 x_pad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]。"),
]

CONV_FORWARD_HINTS = {
    "shape": t("out is (N, F, H', W') with H' = 1 + (H + 2 * pad - HH) // stride and W' = 1 + (W + 2 * pad - WW) // "
               "stride: channels first, as PyTorch (the Deep Learning Specialization's (m, n_H, n_W, n_C) is channels "
               "last).",
               "out 的形状是 (N, F, H', W')，H' = 1 + (H + 2 * pad - HH) // stride，W' = 1 + (W + 2 * pad - WW) // "
               "stride：通道在前，与 PyTorch 相同（深度学习专项课程的 (m, n_H, n_W, n_C) 是通道在后）。"),
    "exception": NP_PAD_EVERY_AXIS,
    "mutates_input": t("Pad into a new array (np.pad returns one): x belongs to the caller.",
                       "把填充结果放进新数组（np.pad 会返回新数组）：x 属于调用者。"),
}


# =========================================================================== backward mistakes
def conv_backward_variant(crop_minus_pad=False, db_mean=False, dw_last_sample=False, dx_assign=False,
                          dx_flipped=False):
    """A convolution backward on the cache (x, w, b, conv_param) with one thing changed."""

    def backward(dout, cache):
        x, w, b, conv_param = cache
        stride, pad = conv_param["stride"], conv_param["pad"]
        N, C, H, W = x.shape
        F, _, HH, WW = w.shape
        H_out, W_out = dout.shape[2:]
        x_pad = padded(x, pad)
        kernel = w[:, :, ::-1, ::-1] if dx_flipped else w
        dx_pad = np.zeros_like(x_pad)
        for i in range(H_out):
            for j in range(W_out):
                rows, cols = slice(i * stride, i * stride + HH), slice(j * stride, j * stride + WW)
                share = np.einsum("nf,fchw->nchw", dout[:, :, i, j], kernel)
                if dx_assign:
                    dx_pad[:, :, rows, cols] = share
                else:
                    dx_pad[:, :, rows, cols] += share
        view = windows(x, HH, WW, pad, stride)
        if dw_last_sample:  # dw[f] = ... inside the loop over n keeps the last sample's term only
            dw = np.einsum("fhw,chwij->fcij", dout[-1], view[-1])
        else:
            dw = np.einsum("nfhw,nchwij->fcij", dout, view)
        db = dout.mean(axis=(0, 2, 3)) if db_mean else dout.sum(axis=(0, 2, 3))
        if crop_minus_pad:
            dx = dx_pad[:, :, pad:-pad, pad:-pad]
        else:
            dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
        return dx, dw, db

    return backward


CONV_BACKWARD_MISTAKES = [
    mistake("db is the mean of dout instead of its sum", "db 是 dout 的平均值，而不是求和",
            conv_backward_variant(db_mean=True),
            "b[f] is added at every position of every sample: db[f] = np.sum(dout[:, f]), i.e. dout.sum(axis=(0, 2, 3)).",
            "b[f] 被加到每个样本的每个位置上：db[f] = np.sum(dout[:, f])，即 dout.sum(axis=(0, 2, 3))。"),
    mistake("dw keeps the last sample's contribution only (dw[f] = ... instead of dw[f] += ... over the samples)",
            "dw 只保留了最后一个样本的贡献（对样本循环时写成 dw[f] = ...，而不是 dw[f] += ...）",
            conv_backward_variant(dw_last_sample=True),
            "The same filter is used on every sample and every position: add up dout[n, f, i, j] * window over all of "
            "them.",
            "同一个滤波器用在每个样本、每个位置上：要把所有的 dout[n, f, i, j] * window 加起来。"),
    mistake("dx assigns each window's share (dx_pad[..., window] = ...) instead of adding it, so overlapping windows "
            "overwrite each other", "dx 对每个窗口的贡献用了赋值（dx_pad[..., window] = ...）而不是累加，重叠的窗口互相覆盖",
            conv_backward_variant(dx_assign=True),
            "An input pixel inside several windows receives a gradient from each: dx_pad[n, :, rows, cols] += "
            "dout[n, f, i, j] * w[f].",
            "落在多个窗口中的输入像素从每个窗口都得到梯度：dx_pad[n, :, rows, cols] += dout[n, f, i, j] * w[f]。"),
    mistake("dx uses the kernel rotated by 180 degrees", "dx 用了旋转 180 度的卷积核", conv_backward_variant(dx_flipped=True),
            "Scatter each window's gradient with the kernel as the forward used it: dout[n, f, i, j] * w[f]. (The "
            "rotated kernel appears when dx is written as a 'full' convolution of dout; in the scatter form it does not.)",
            "用前向传播时的卷积核把每个窗口的梯度散回去：dout[n, f, i, j] * w[f]。（把 dx 写成 dout 的“full”卷积时才会出现"
            "旋转的卷积核；散回的写法中没有。）"),
]

CONV_BACKWARD_HINTS = {
    "shape": CROP_AT_PAD_ZERO,
    "exception": t("Your backward gets the cache of your own forward: unpack it as you packed it. "
                   + CROP_AT_PAD_ZERO[0], "反向函数拿到的是你自己的前向函数的 cache：按打包的方式解包。" + CROP_AT_PAD_ZERO[1]),
    "mutates_input": t("dout and the cache belong to the caller: compute new arrays, never dout *= ... or x_pad views "
                       "written into x.", "dout 和缓存属于调用者：计算新数组，不要写 dout *= ...，也不要通过视图写入 x。"),
}

TASKS = [
    forward_task("conv.conv_forward_naive", forward_cases(conv_cases), mistakes=CONV_FORWARD_MISTAKES,
                 hints=CONV_FORWARD_HINTS),
    backward_task("conv.conv_backward_naive", conv_cases, ("dx", "dw", "db"), mistakes=CONV_BACKWARD_MISTAKES,
                  hints=CONV_BACKWARD_HINTS),
]
