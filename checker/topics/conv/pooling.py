"""``max_pool_forward_naive(x, pool_param)`` and ``max_pool_backward_naive(dout, cache)``.

Cases: 2 x 2 windows at stride 2, AlexNet's overlapping 3 x 3 windows at stride 2, a non-square
window at stride 1, a size the stride does not divide (floor, as PyTorch), and ties. Without a tie
every value is distinct (a shuffled range), so that only the cases meant to hold ties do. A tie's
gradient goes whole to the first maximum in row-major order, as PyTorch and notebook 04's max
gate; the tie cases hold integer pixels, where whole windows of equal values are common.
"""

import numpy as np

from checker.spec import Case
from checker.topics.conv.common import INT_OF_ARRAY, mistake, output_size, t, windows
from checker.topics.layer_cases import backward_task, forward_cases, forward_task

# label, x shape, pool_height, pool_width, stride, ties
POOL_GEOMETRIES = [
    (("2 images 3 x 4 x 6, 2 x 2 windows, stride 2", "2 张 3 x 4 x 6 的图像，2 x 2 窗口，stride 2"), (2, 3, 4, 6), 2, 2, 2, False),
    (("overlapping 3 x 3 windows at stride 2 (AlexNet), 2 images 2 x 7 x 7",
      "重叠的 3 x 3 窗口，stride 2（AlexNet），2 张 2 x 7 x 7 的图像"), (2, 2, 7, 7), 3, 3, 2, False),
    (("one image (N = 1) 2 x 5 x 6, a 2 x 3 window at stride 1", "只有一张图像（N = 1）2 x 5 x 6，2 x 3 窗口，stride 1"),
     (1, 2, 5, 6), 2, 3, 1, False),
    (("2 images 1 x 5 x 7, 2 x 2 at stride 2: the stride does not divide, the last row and column are left out",
      "2 张 1 x 5 x 7 的图像，2 x 2，stride 2：步长不能整除，最后一行和一列被舍去"), (2, 1, 5, 7), 2, 2, 2, False),
    (("ties: integer pixels 0 to 2, 2 images 2 x 6 x 6, 2 x 2 windows at stride 2",
      "并列：像素为 0 到 2 的整数，2 张 2 x 6 x 6 的图像，2 x 2 窗口，stride 2"), (2, 2, 6, 6), 2, 2, 2, True),
    (("ties in overlapping windows: integer pixels 0 and 1, one image 2 x 7 x 7, 3 x 3 at stride 2",
      "重叠窗口中的并列：像素为 0 和 1，一张 2 x 7 x 7 的图像，3 x 3，stride 2"), (1, 2, 7, 7), 3, 3, 2, True),
]


def pool_cases(rng):
    for label, shape, ph, pw, stride, ties in POOL_GEOMETRIES:
        if ties:
            x = rng.integers(0, 3 if ph == 2 else 2, size=shape).astype(np.float64)
            x[0, 0, :ph, :pw] = 1.0  # a whole window of equal values, whatever was drawn
        else:
            x = (rng.permutation(int(np.prod(shape))).reshape(shape) - np.prod(shape) / 2) / 10.0
        H_out, W_out = output_size(shape[2], ph, 0, stride), output_size(shape[3], pw, 0, stride)
        yield Case(label, x, {"pool_height": ph, "pool_width": pw, "stride": stride},
                   dout=rng.normal(size=(shape[0], shape[1], H_out, W_out)))


# =========================================================================== forward mistakes
def _geometry(x, pool_param):
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    return ph, pw, stride, windows(x, ph, pw, 0, stride)


def _pool_average(x, pool_param):
    return _geometry(x, pool_param)[3].mean(axis=(4, 5)), None


def _pool_steps_by_window(x, pool_param):
    """The right number of windows, placed side by side (step = pool size) instead of at the stride."""
    ph, pw, stride, view = _geometry(x, pool_param)
    H_out, W_out = view.shape[2:4]
    out = np.empty(view.shape[:4])
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * ph:i * ph + ph, j * pw:j * pw + pw]
            out[:, :, i, j] = window.max(axis=(2, 3)) if window.size else np.nan
    return out, None


def _pool_square_window(x, pool_param):
    """pool_height used for both sides."""
    ph, _, stride, _ = _geometry(x, pool_param)
    view = windows(x, ph, ph, 0, stride)
    H_out = output_size(x.shape[2], ph, 0, stride)
    W_out = output_size(x.shape[3], pool_param["pool_width"], 0, stride)
    out = np.full((x.shape[0], x.shape[1], H_out, W_out), np.nan)
    cols = min(W_out, view.shape[3])
    out[:, :, :, :cols] = view[:, :, :H_out, :cols].max(axis=(4, 5))
    return out, None


def _pool_across_channels(x, pool_param):
    out = _geometry(x, pool_param)[3].max(axis=(1, 4, 5), keepdims=True)[..., 0, 0]
    return np.broadcast_to(out, (x.shape[0], x.shape[1], *out.shape[2:])).copy(), None


POOL_FORWARD_MISTAKES = [
    mistake("the window's average instead of its maximum", "取了窗口的平均值，而不是最大值", _pool_average,
            "Max pooling keeps the largest value of each window: window.max(axis=(2, 3)) over H and W.",
            "最大池化保留每个窗口中最大的值：对 H 和 W 求 window.max(axis=(2, 3))。"),
    mistake("the windows are placed side by side (step = window size) instead of at the stride",
            "窗口一个挨一个地放（步长 = 窗口大小），而不是按 stride 移动", _pool_steps_by_window,
            "Window (i, j) starts at (i * stride, j * stride); with AlexNet's 3 x 3 windows at stride 2 they overlap.",
            "窗口 (i, j) 从 (i * stride, j * stride) 开始；AlexNet 的 3 x 3 窗口以 stride 2 移动时会重叠。"),
    mistake("pool_height is used for the width too", "宽度也用了 pool_height", _pool_square_window,
            "Windows are pool_height x pool_width: x[:, :, i*s:i*s + pool_height, j*s:j*s + pool_width].",
            "窗口大小是 pool_height x pool_width：x[:, :, i*s:i*s + pool_height, j*s:j*s + pool_width]。"),
    mistake("the maximum is taken across the channels too", "最大值是跨通道求的", _pool_across_channels,
            "Pooling works on each channel separately: the maximum over axes 2 and 3 of the window only.",
            "池化对每个通道分别进行：只对窗口的第 2、3 轴求最大值。"),
]

POOL_FORWARD_HINTS = {
    "shape": t("out is (N, C, H', W') with H' = 1 + (H - pool_height) // stride (floor: a last row that does not fill "
               "a window is left out) and W' = 1 + (W - pool_width) // stride.",
               "out 的形状是 (N, C, H', W')，H' = 1 + (H - pool_height) // stride（向下取整：填不满一个窗口的最后一行被舍去），"
               "W' = 1 + (W - pool_width) // stride。"),
    "exception": t("Sizes are integers: H' = 1 + (H - pool_height) // stride (// not /).",
                   "尺寸是整数：H' = 1 + (H - pool_height) // stride（用 // 而不是 /）。"),
}


# =========================================================================== backward mistakes
def _one_maximum(is_max, ties, order):
    """A mask with one maximal position per (n, c): the first or last in row-major order, or the first
    in column-major order."""
    N, C, ph, pw = is_max.shape
    if order == "F":
        dj, di = np.divmod(np.argmax(is_max.transpose(0, 1, 3, 2).reshape(N, C, -1), axis=2), ph)
    else:
        flat = is_max.reshape(N, C, -1)
        k = flat.shape[2] - 1 - np.argmax(flat[..., ::-1], axis=2) if ties == "last" else np.argmax(flat, axis=2)
        di, dj = np.divmod(k, pw)
    mask = np.zeros(is_max.shape)
    n, c = np.meshgrid(np.arange(N), np.arange(C), indexing="ij")
    mask[n, c, di, dj] = 1.0
    return mask


def pool_backward_variant(assign=False, ties="first", with_dout=True, order="C"):
    """A max-pool backward with one thing changed. ties: 'first' (right), 'all' (every maximal position
    gets the whole gradient), 'split' (shared equally), 'last'; order 'F': the first in column-major order."""

    def backward(dout, cache):
        x, pool_param = cache
        ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
        H_out, W_out = dout.shape[2:]
        dx = np.zeros_like(x)
        upstream = dout if with_dout else np.ones_like(dout)
        for i in range(H_out):
            for j in range(W_out):
                rows, cols = slice(i * stride, i * stride + ph), slice(j * stride, j * stride + pw)
                window = x[:, :, rows, cols]
                is_max = window == window.max(axis=(2, 3), keepdims=True)
                if ties == "all":
                    share = is_max.astype(float)
                elif ties == "split":
                    share = is_max / is_max.sum(axis=(2, 3), keepdims=True)
                else:
                    share = _one_maximum(is_max, ties, order)
                contribution = share * upstream[:, :, i, j][:, :, None, None]
                if assign:
                    dx[:, :, rows, cols] = contribution
                else:
                    dx[:, :, rows, cols] += contribution
        return dx

    return backward


_FIRST_MAX = t("A window's gradient goes whole to ONE position, its first maximum in row-major order (as PyTorch and "
               "notebook 04's max gate, which gives a tie to its first input): k = np.argmax(window.reshape(-1)), then "
               "np.unravel_index(k, window.shape). A mask window == window.max() marks every tied position.",
               "一个窗口的梯度全部给一个位置，即按行优先顺序的第一个最大值（与 PyTorch 以及第 04 课把并列交给第一个输入的 max 门相同）："
               "k = np.argmax(window.reshape(-1))，再用 np.unravel_index(k, window.shape)。掩码 window == window.max() "
               "会标出所有并列的位置。")

POOL_BACKWARD_MISTAKES = [
    mistake("each window's gradient is assigned (dx[window] = ...) instead of added, so overlapping windows overwrite "
            "each other", "每个窗口的梯度用了赋值（dx[window] = ...）而不是累加，重叠的窗口互相覆盖",
            pool_backward_variant(assign=True),
            "Where windows overlap (stride < window size) a pixel can be the maximum of several windows and receives "
            "the gradient of each: dx[..., rows, cols] += ... .",
            "窗口重叠时（stride 小于窗口大小），一个像素可能是多个窗口的最大值，会从每个窗口得到梯度：dx[..., rows, cols] += ...。"),
    mistake("at a tie every maximal position gets the whole gradient (a mask window == max)",
            "出现并列时，每个最大位置都得到全部梯度（用了掩码 window == max）", pool_backward_variant(ties="all"),
            *_FIRST_MAX),
    mistake("at a tie the gradient is shared equally among the maximal positions",
            "出现并列时，梯度被平均分给各个最大位置", pool_backward_variant(ties="split"), *_FIRST_MAX),
    mistake("at a tie the gradient goes to the last maximum instead of the first",
            "出现并列时，梯度给了最后一个最大值，而不是第一个", pool_backward_variant(ties="last"), *_FIRST_MAX),
    mistake("at a tie the gradient goes to the first maximum in column-major order (down the columns first)",
            "出现并列时，梯度给了按列优先顺序的第一个最大值", pool_backward_variant(order="F"), *_FIRST_MAX),
    mistake("dx is the mask of the maxima without dout", "dx 只是最大值的掩码，没有乘 dout",
            pool_backward_variant(with_dout=False),
            "Chain rule: the maximal position receives dout[n, c, i, j], not 1.",
            "链式法则：最大位置得到的是 dout[n, c, i, j]，而不是 1。"),
]

POOL_BACKWARD_HINTS = {
    "exception": INT_OF_ARRAY,
    "shape": t("dx has x's shape (N, C, H, W); positions in no window (the floor's left-out row) get 0.",
               "dx 的形状与 x 相同 (N, C, H, W)；不在任何窗口中的位置（向下取整时被舍去的行）梯度为 0。"),
}

TASKS = [
    forward_task("conv.max_pool_forward_naive", forward_cases(pool_cases), mistakes=POOL_FORWARD_MISTAKES,
                 hints=POOL_FORWARD_HINTS),
    backward_task("conv.max_pool_backward_naive", pool_cases, ("dx",), mistakes=POOL_BACKWARD_MISTAKES,
                  hints=POOL_BACKWARD_HINTS),
]
