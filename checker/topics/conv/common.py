"""What the task families of notebook 09 share: bilingual texts, the mistake constructor, the
window views the known mistakes are written with, and the hints about padding and sizes."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from checker.spec import KnownMistake


def t(en, zh):
    """A text in English and Chinese."""
    return (en, zh)


def mistake(en, zh, implementation, hint_en, hint_zh):
    return KnownMistake(t(en, zh), implementation, t(hint_en, hint_zh))


def padded(x, pad):
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def output_size(size, field, pad, stride):
    return 1 + (size + 2 * pad - field) // stride


def windows(x, field_height, field_width, pad, stride):
    """(N, C, H', W', HH, WW): the window of every output position of a padded input."""
    H_out = output_size(x.shape[2], field_height, pad, stride)
    W_out = output_size(x.shape[3], field_width, pad, stride)
    view = sliding_window_view(padded(x, pad), (field_height, field_width), axis=(2, 3))
    return view[:, :, ::stride, ::stride][:, :, :H_out, :W_out]


NP_PAD_EVERY_AXIS = t(
    "np.pad(x, pad) pads every axis, N and C too: pad H and W only, np.pad(x, ((0, 0), (0, 0), (pad, pad), "
    "(pad, pad))). Sizes are integers: H' = 1 + (H + 2 * pad - HH) // stride (with /, np.zeros gets a float).",
    "np.pad(x, pad) 会填充每一个轴，包括 N 和 C：只填充 H 和 W，np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))。"
    "尺寸是整数：H' = 1 + (H + 2 * pad - HH) // stride（用 / 的话 np.zeros 会得到浮点数）。")

CROP_AT_PAD_ZERO = t(
    "dx has x's shape (N, C, H, W). Crop the padding with dx_pad[:, :, pad:pad + H, pad:pad + W]: "
    "dx_pad[:, :, pad:-pad, pad:-pad] is EMPTY when pad = 0 (-0 is 0, so the slice is 0:0).",
    "dx 的形状与 x 相同 (N, C, H, W)。用 dx_pad[:, :, pad:pad + H, pad:pad + W] 去掉填充："
    "pad = 0 时 dx_pad[:, :, pad:-pad, pad:-pad] 是空的（-0 就是 0，切片变成 0:0）。")

INT_OF_ARRAY = t(
    "int() of an array fails under NumPy 2 unless the array is 0-d (np.where returns arrays, two or more entries at "
    "a tie): take one index with np.argmax(window) and np.unravel_index(index, window.shape), or .item().",
    "在 NumPy 2 中，只有 0 维数组才能用 int() 转换（np.where 返回的是数组，出现并列时有两个以上的元素）："
    "用 np.argmax(window) 和 np.unravel_index(index, window.shape) 取一个下标，或者用 .item()。")
