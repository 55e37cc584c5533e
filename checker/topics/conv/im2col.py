"""``im2col(x, field_height, field_width, padding=1, stride=1) -> (N * H' * W', C * HH * WW)`` and
its adjoint ``col2im(cols, x_shape, field_height, field_width, padding=1, stride=1) -> x_shape``.

The layout is the course's: one row per output position in ``(n, i, j)`` order, columns in
``(c, di, dj)`` order, so that ``im2col(x) @ w.reshape(F, -1).T`` holds the convolution's outputs.
CS231n's ``im2col_indices`` returns the transpose with its columns in ``(i, j, n)`` order; the
shape hint says so. Both may loop (over kernel offsets or over positions); the fast convolution
built on them may not.
"""

import numpy as np

from checker.spec import Case, Task
from checker.topics.conv.common import CROP_AT_PAD_ZERO, mistake, output_size, t, windows

# label, x shape, field height, field width, padding, stride
FIELD_GEOMETRIES = [
    (("2 images 3 x 4 x 5, 3 x 3 fields, padding 1, stride 1", "2 张 3 x 4 x 5 的图像，3 x 3 感受野，padding 1，stride 1"),
     (2, 3, 4, 5), 3, 3, 1, 1),
    (("one image (N = 1) 2 x 5 x 5, 3 x 3 fields, padding 1, stride 2 (overlapping)",
      "只有一张图像（N = 1）2 x 5 x 5，3 x 3 感受野，padding 1，stride 2（重叠）"), (1, 2, 5, 5), 3, 3, 1, 2),
    (("3 images 2 x 4 x 6, 2 x 3 fields (non-square), padding 0, stride 1",
      "3 张 2 x 4 x 6 的图像，2 x 3 感受野（非方形），padding 0，stride 1"), (3, 2, 4, 6), 2, 3, 0, 1),
    (("2 images 4 x 3 x 3, 1 x 1 fields, padding 0, stride 1", "2 张 4 x 3 x 3 的图像，1 x 1 感受野，padding 0，stride 1"),
     (2, 4, 3, 3), 1, 1, 0, 1),
    (("2 images 1 x 7 x 5, 3 x 3 fields, padding 0, stride 2", "2 张 1 x 7 x 5 的图像，3 x 3 感受野，padding 0，stride 2"),
     (2, 1, 7, 5), 3, 3, 0, 2),
]


def im2col_cases(rng):
    for label, shape, fh, fw, padding, stride in FIELD_GEOMETRIES:
        yield Case(label, rng.normal(size=shape), fh, fw, padding, stride)


def col2im_cases(rng):
    for label, shape, fh, fw, padding, stride in FIELD_GEOMETRIES:
        rows = shape[0] * output_size(shape[2], fh, padding, stride) * output_size(shape[3], fw, padding, stride)
        yield Case(label, rng.normal(size=(rows, shape[1] * fh * fw)), list(shape), fh, fw, padding, stride)


# =========================================================================== im2col mistakes
def im2col_variant(columns="c di dj", rows="n i j"):
    """An im2col with its columns or rows in another order."""
    column_axes = {"c di dj": (1, 4, 5), "di dj c": (4, 5, 1), "c dj di": (1, 5, 4)}[columns]
    row_axes = {"n i j": (0, 2, 3), "i j n": (2, 3, 0)}[rows]

    def im2col(x, field_height, field_width, padding=1, stride=1):
        view = windows(x, field_height, field_width, padding, stride)
        laid_out = view.transpose(*row_axes, *column_axes)
        return laid_out.reshape(int(np.prod(laid_out.shape[:3])), -1)

    return im2col


_LAYOUT = t("Row n * H' * W' + i * W' + j holds the window of output (n, i, j), flattened in (c, di, dj) order: "
            "x_pad[n, :, i*s:i*s + HH, j*s:j*s + WW].reshape(-1).",
            "第 n * H' * W' + i * W' + j 行是输出 (n, i, j) 的窗口，按 (c, di, dj) 的顺序展平："
            "x_pad[n, :, i*s:i*s + HH, j*s:j*s + WW].reshape(-1)。")

IM2COL_MISTAKES = [
    mistake("the columns are in (di, dj, c) order (channels last) instead of (c, di, dj)",
            "列的顺序是 (di, dj, c)（通道在后），而不是 (c, di, dj)", im2col_variant(columns="di dj c"), *_LAYOUT),
    mistake("the columns run over the window's columns first: (c, dj, di) instead of (c, di, dj)",
            "列先沿窗口的列方向排列：(c, dj, di)，而不是 (c, di, dj)", im2col_variant(columns="c dj di"), *_LAYOUT),
    mistake("the rows are in (i, j, n) order (CS231n's im2col_indices, transposed) instead of (n, i, j)",
            "行的顺序是 (i, j, n)（CS231n 的 im2col_indices 转置后的顺序），而不是 (n, i, j)",
            im2col_variant(rows="i j n"), *_LAYOUT),
]

IM2COL_HINTS = {
    "shape": t("cols is (N * H' * W', C * HH * WW), with H' = 1 + (H + 2 * padding - HH) // stride: pad first, step by "
               "the stride. CS231n's im2col_indices returns (C * HH * WW, N * H' * W') with columns in (i, j, n) order; "
               "here the rows are positions in (n, i, j) order.",
               "cols 的形状是 (N * H' * W', C * HH * WW)，H' = 1 + (H + 2 * padding - HH) // stride：先填充，再按 stride "
               "移动。CS231n 的 im2col_indices 返回 (C * HH * WW, N * H' * W')，列按 (i, j, n) 排列；这里每一行是一个位置，"
               "按 (n, i, j) 排列。"),
}


# =========================================================================== col2im mistakes
def col2im_variant(assign=False, average=False, columns="c di dj", rows="n i j"):
    """A col2im with one thing changed: overlaps assigned or averaged, or the layout read in another order."""

    def col2im(cols, x_shape, field_height, field_width, padding=1, stride=1):
        N, C, H, W = x_shape
        H_out = output_size(H, field_height, padding, stride)
        W_out = output_size(W, field_width, padding, stride)
        if rows == "n i j":
            blocks = cols.reshape(N, H_out, W_out, -1)
        else:
            blocks = cols.reshape(H_out, W_out, N, -1).transpose(2, 0, 1, 3)
        if columns == "c di dj":
            blocks = blocks.reshape(N, H_out, W_out, C, field_height, field_width)
        else:
            blocks = blocks.reshape(N, H_out, W_out, field_height, field_width, C).transpose(0, 1, 2, 5, 3, 4)
        x_pad = np.zeros((N, C, H + 2 * padding, W + 2 * padding))
        counts = np.zeros_like(x_pad)
        for i in range(H_out):
            for j in range(W_out):
                r, c = slice(i * stride, i * stride + field_height), slice(j * stride, j * stride + field_width)
                if assign:
                    x_pad[:, :, r, c] = blocks[:, i, j]
                else:
                    x_pad[:, :, r, c] += blocks[:, i, j]
                counts[:, :, r, c] += 1
        if average:
            x_pad = x_pad / np.maximum(counts, 1)
        return x_pad[:, :, padding:padding + H, padding:padding + W]

    return col2im


COL2IM_MISTAKES = [
    mistake("each row is assigned onto its window (x_pad[..., window] = ...) instead of added, so overlaps keep the "
            "last window only", "每一行用赋值（x_pad[..., window] = ...）写回窗口，而不是累加，重叠处只保留了最后一个窗口",
            col2im_variant(assign=True),
            "col2im is im2col's adjoint: where windows overlap, their values add up (+=). That is what makes "
            "dx = col2im(dcols) the gradient.",
            "col2im 是 im2col 的伴随：窗口重叠处数值要相加（+=）。这样 dx = col2im(dcols) 才是梯度。"),
    mistake("overlapping windows are averaged (divided by how many windows cover a pixel) instead of added",
            "重叠的窗口被平均了（除以覆盖每个像素的窗口数），而不是相加", col2im_variant(average=True),
            "col2im is not the inverse of im2col but its adjoint: sum the overlaps, do not average them "
            "(col2im(im2col(x)) is x times the number of windows covering each pixel).",
            "col2im 不是 im2col 的逆，而是它的伴随：重叠处求和，不要平均（col2im(im2col(x)) 等于 x 乘以覆盖每个像素的窗口数）。"),
    mistake("the columns are read in (di, dj, c) order instead of (c, di, dj)", "列按 (di, dj, c) 的顺序读取，而不是 (c, di, dj)",
            col2im_variant(columns="di dj c"), *_LAYOUT),
    mistake("the rows are read in (i, j, n) order instead of (n, i, j)", "行按 (i, j, n) 的顺序读取，而不是 (n, i, j)",
            col2im_variant(rows="i j n"), *_LAYOUT),
]

COL2IM_HINTS = {
    "shape": t("The result has x_shape: build the padded (N, C, H + 2 * padding, W + 2 * padding) array, add every row "
               "back, then crop. " + CROP_AT_PAD_ZERO[0].replace("dx has x's shape (N, C, H, W). ", ""),
               "结果的形状是 x_shape：先建立填充后的 (N, C, H + 2 * padding, W + 2 * padding) 数组，把每一行加回去，再裁剪。"
               + CROP_AT_PAD_ZERO[1].replace("dx 的形状与 x 相同 (N, C, H, W)。", "")),
}

TASKS = [
    Task("conv.im2col", cases=im2col_cases, outputs=("cols",), mistakes=IM2COL_MISTAKES, hints=IM2COL_HINTS),
    Task("conv.col2im", cases=col2im_cases, outputs=("x",), mistakes=COL2IM_MISTAKES, hints=COL2IM_HINTS),
]
