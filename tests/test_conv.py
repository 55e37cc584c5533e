"""Notebook 09 (convolution layers): the reference, the task specs and their diagnoses.

Every task gets a table of realistic wrong implementations, each of which must fail with the
finding code that names its cause, and at least two differently written correct implementations
(CS231n's loops, an ``as_strided`` one, an ``einsum`` one, a forward that caches the padded input)
that must pass with ``ok`` only, for the practice seed and for other seeds. The reference and every
right implementation are compared with ``torch.nn.functional`` (``conv2d``, ``max_pool2d``,
``unfold``/``fold``, ``batch_norm``) and autograd, an independent oracle; the source notebook is
graded as a submission by the trusted grader.

Learner functions here are deliberately NOT named like the tasks' forwards (``conv_forward_naive``...):
a backward is paired with its forward explicitly (``forward=``), or gets the reference forward.
"""

import threading
from pathlib import Path

import numpy as np
import pytest
from numpy.lib.stride_tricks import as_strided, sliding_window_view

import checker.reference.conv as ref
from catalogue import GRADING, Right, Wrong, diagnosed, passes, report_of, right_rows, wrong_rows
from checker import check
from checker.registry import get

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "09_conv" / "09_conv.ipynb"


# =========================================================================== right: convolution
def conv_fwd_cs231n(x, w, b, conv_param):
    """CS231n's four loops."""
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    out[n, f, i, j] = np.sum(x_pad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW] * w[f]) + b[f]
    return out, (x, w, b, conv_param)


def conv_bwd_cs231n(dout, cache):
    x, w, b, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    dx_pad, dw = np.zeros_like(x_pad), np.zeros_like(w)
    db = np.sum(dout, axis=(0, 2, 3))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    dw[f] += window * dout[n, f, i, j]
                    dx_pad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW] += w[f] * dout[n, f, i, j]
    return dx_pad[:, :, pad:pad + H, pad:pad + W], dw, db


def conv_fwd_caches_padded(x, w, b, conv_param):
    """Loops over positions, vectorized over samples and filters; the cache holds the padded input."""
    s, p = conv_param["stride"], conv_param["pad"]
    F, _, HH, WW = w.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    H_out, W_out = (x_pad.shape[2] - HH) // s + 1, (x_pad.shape[3] - WW) // s + 1
    out = np.empty((x.shape[0], F, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            out[:, :, i, j] = np.tensordot(x_pad[:, :, i * s:i * s + HH, j * s:j * s + WW], w, axes=([1, 2, 3], [1, 2, 3]))
    out += b.reshape(1, F, 1, 1)
    return out, {"x_pad": x_pad, "w": w, "stride": s, "pad": p, "shape": x.shape}


def conv_bwd_from_padded(dout, cache):
    x_pad, w, s, p = cache["x_pad"], cache["w"], cache["stride"], cache["pad"]
    H, W = cache["shape"][2:]
    HH, WW = w.shape[2:]
    dx_pad, dw = np.zeros_like(x_pad), np.zeros_like(w)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = x_pad[:, :, i * s:i * s + HH, j * s:j * s + WW]
            dw += np.einsum("nf,nchw->fchw", dout[:, :, i, j], window)
            dx_pad[:, :, i * s:i * s + HH, j * s:j * s + WW] += np.einsum("nf,fchw->nchw", dout[:, :, i, j], w)
    return dx_pad[:, :, p:p + H, p:p + W], dw, dout.sum(axis=(0, 2, 3))


def conv_fwd_dls_layout(x, w, b, conv_param):
    """The Deep Learning Specialization's loops over (m, n_H, n_W, n_C) arrays, transposed in and out; float32."""
    A_prev, Wk = x.transpose(0, 2, 3, 1).astype(np.float32), w.transpose(2, 3, 1, 0).astype(np.float32)
    stride, pad = conv_param["stride"], conv_param["pad"]
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    f_h, f_w, _, n_C = Wk.shape
    n_H, n_W = int((n_H_prev - f_h + 2 * pad) / stride) + 1, int((n_W_prev - f_w + 2 * pad) / stride) + 1
    A_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    Z = np.zeros((m, n_H, n_W, n_C), dtype=np.float32)
    for i in range(m):
        for h in range(n_H):
            for v in range(n_W):
                for c in range(n_C):
                    vs, hs = h * stride, v * stride
                    Z[i, h, v, c] = np.sum(A_pad[i, vs:vs + f_h, hs:hs + f_w, :] * Wk[..., c]) + b[c]
    return Z.transpose(0, 3, 1, 2), (x, w, b, conv_param)


# --------------------------------------------------------------------------- right: im2col and col2im
def im2col_strided(x, field_height, field_width, padding=1, stride=1):
    """as_strided over the padded input: (N, H', W', C, HH, WW) without a copy, then one reshape."""
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    N, C, Hp, Wp = x_pad.shape
    H_out, W_out = (Hp - field_height) // stride + 1, (Wp - field_width) // stride + 1
    sN, sC, sH, sW = x_pad.strides
    view = as_strided(x_pad, shape=(N, H_out, W_out, C, field_height, field_width),
                      strides=(sN, sH * stride, sW * stride, sC, sH, sW), writeable=False)
    return view.reshape(N * H_out * W_out, C * field_height * field_width)


def im2col_loops(x, field_height, field_width, padding=1, stride=1):
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    N = x.shape[0]
    H_out = (x_pad.shape[2] - field_height) // stride + 1
    W_out = (x_pad.shape[3] - field_width) // stride + 1
    rows = []
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                rows.append(x_pad[n, :, i * stride:i * stride + field_height, j * stride:j * stride + field_width].ravel())
    return np.array(rows)


def _cs231n_indices(x_shape, field_height, field_width, padding, stride):
    """CS231n's get_im2col_indices: rows (c, di, dj), columns (i, j) of one image."""
    N, C, H, W = x_shape
    out_height = (H + 2 * padding - field_height) // stride + 1
    out_width = (W + 2 * padding - field_width) // stride + 1
    i0 = np.tile(np.repeat(np.arange(field_height), field_width), C)
    i1 = stride * np.repeat(np.arange(out_height), out_width)
    j0 = np.tile(np.arange(field_width), field_height * C)
    j1 = stride * np.tile(np.arange(out_width), out_height)
    i = i0.reshape(-1, 1) + i1.reshape(1, -1)
    j = j0.reshape(-1, 1) + j1.reshape(1, -1)
    k = np.repeat(np.arange(C), field_height * field_width).reshape(-1, 1)
    return k, i, j


def im2col_cs231n_indices(x, field_height, field_width, padding=1, stride=1):
    """CS231n's fancy-indexing im2col, brought to the course's layout (rows (n, i, j))."""
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    k, i, j = _cs231n_indices(x.shape, field_height, field_width, padding, stride)
    cols = x_pad[:, k, i, j]  # (N, C * HH * WW, H' * W')
    return cols.transpose(0, 2, 1).reshape(-1, cols.shape[1])


def col2im_add_at(cols, x_shape, field_height, field_width, padding=1, stride=1):
    """CS231n's col2im_indices: np.add.at with the same indices."""
    N, C, H, W = x_shape
    x_pad = np.zeros((N, C, H + 2 * padding, W + 2 * padding), dtype=cols.dtype)
    k, i, j = _cs231n_indices(x_shape, field_height, field_width, padding, stride)
    per_image = cols.reshape(N, -1, cols.shape[1]).transpose(0, 2, 1)  # (N, C * HH * WW, H' * W')
    np.add.at(x_pad, (slice(None), k, i, j), per_image)
    return x_pad[:, :, padding:padding + H, padding:padding + W]


def col2im_positions(cols, x_shape, field_height, field_width, padding=1, stride=1):
    N, C, H, W = x_shape
    H_out = (H + 2 * padding - field_height) // stride + 1
    W_out = (W + 2 * padding - field_width) // stride + 1
    x_pad = np.zeros((N, C, H + 2 * padding, W + 2 * padding))
    blocks = cols.reshape(N, H_out, W_out, C, field_height, field_width)
    for i in range(H_out):
        for j in range(W_out):
            x_pad[:, :, i * stride:i * stride + field_height, j * stride:j * stride + field_width] += blocks[:, i, j]
    return x_pad[:, :, padding:padding + H, padding:padding + W]


def col2im_offsets(cols, x_shape, field_height, field_width, padding=1, stride=1):
    """A loop over the kernel offsets only: every offset adds one strided slab."""
    N, C, H, W = x_shape
    H_out = (H + 2 * padding - field_height) // stride + 1
    W_out = (W + 2 * padding - field_width) // stride + 1
    blocks = cols.reshape(N, H_out, W_out, C, field_height, field_width)
    x_pad = np.zeros((N, C, H + 2 * padding, W + 2 * padding))
    for di in range(field_height):
        for dj in range(field_width):
            x_pad[:, :, di:di + stride * H_out:stride, dj:dj + stride * W_out:stride] += \
                blocks[:, :, :, :, di, dj].transpose(0, 3, 1, 2)
    return x_pad[:, :, padding:padding + H, padding:padding + W]


# --------------------------------------------------------------------------- right: fast convolution
def conv_fwd_strided_tensordot(x, w, b, conv_param):
    """im2col by as_strided, one matrix product; the cache keeps the columns."""
    s, p = conv_param["stride"], conv_param["pad"]
    F, C, HH, WW = w.shape
    cols = im2col_strided(x, HH, WW, p, s)
    H_out = (x.shape[2] + 2 * p - HH) // s + 1
    W_out = (x.shape[3] + 2 * p - WW) // s + 1
    out = (cols @ w.reshape(F, -1).T + b).reshape(x.shape[0], H_out, W_out, F).transpose(0, 3, 1, 2)
    return out, (x.shape, cols, w, s, p)


def conv_bwd_strided(dout, cache):
    x_shape, cols, w, s, p = cache
    F, C, HH, WW = w.shape
    dout_rows = dout.transpose(0, 2, 3, 1).reshape(-1, F)
    dw = (dout_rows.T @ cols).reshape(w.shape)
    dx = col2im_offsets(dout_rows @ w.reshape(F, -1), x_shape, HH, WW, p, s)
    return dx, dw, dout_rows.sum(axis=0)


def conv_fwd_einsum(x, w, b, conv_param):
    """sliding_window_view and one einsum; the cache holds the padded input."""
    s, p = conv_param["stride"], conv_param["pad"]
    x_pad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    view = sliding_window_view(x_pad, w.shape[2:], axis=(2, 3))[:, :, ::s, ::s]
    out = np.einsum("nchwij,fcij->nfhw", view, w, optimize=True) + b[None, :, None, None]
    return out, (x_pad, w, s, p)


def conv_bwd_einsum(dout, cache):
    x_pad, w, s, p = cache
    HH, WW = w.shape[2:]
    view = sliding_window_view(x_pad, (HH, WW), axis=(2, 3))[:, :, ::s, ::s]
    dw = np.einsum("nfhw,nchwij->fcij", dout, view, optimize=True)
    dx_pad = np.zeros_like(x_pad)
    H_out, W_out = dout.shape[2:]
    for di in range(HH):
        for dj in range(WW):
            dx_pad[:, :, di:di + s * H_out:s, dj:dj + s * W_out:s] += np.einsum("nfhw,fc->nchw", dout, w[:, :, di, dj])
    H, W = x_pad.shape[2] - 2 * p, x_pad.shape[3] - 2 * p
    return dx_pad[:, :, p:p + H, p:p + W], dw, dout.sum(axis=(0, 2, 3))


# --------------------------------------------------------------------------- right: pooling
def pool_fwd_cs231n(x, pool_param):
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    H_out, W_out = 1 + (H - ph) // s, 1 + (W - pw) // s
    out = np.zeros((N, C, H_out, W_out))
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    out[n, c, i, j] = np.max(x[n, c, i * s:i * s + ph, j * s:j * s + pw])
    return out, (x, pool_param)


def pool_bwd_cs231n(dout, cache):
    """argmax and unravel_index per window: the first maximum in row-major order."""
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, i * s:i * s + ph, j * s:j * s + pw]
                    r, q = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * s + r, j * s + q] += dout[n, c, i, j]
    return dx


def pool_fwd_windows(x, pool_param):
    """All windows at once; the cache holds the windows' argmax positions."""
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    H_out, W_out = 1 + (x.shape[2] - ph) // s, 1 + (x.shape[3] - pw) // s
    view = sliding_window_view(x, (ph, pw), axis=(2, 3))[:, :, ::s, ::s][:, :, :H_out, :W_out]
    flat = view.reshape(*view.shape[:4], -1)
    return flat.max(axis=-1), (x.shape, flat.argmax(axis=-1), ph, pw, s)


def pool_bwd_add_at(dout, cache):
    shape, first, ph, pw, s = cache
    N, C, H_out, W_out = dout.shape
    n, c, i, j = np.meshgrid(*(np.arange(k) for k in dout.shape), indexing="ij")
    rows, cols = i * s + first // pw, j * s + first % pw
    dx = np.zeros(shape)
    np.add.at(dx, (n, c, rows, cols), dout)
    return dx


# --------------------------------------------------------------------------- right: spatial batch norm
def _bn_rows_forward(x, gamma, beta, bn_param):
    mode, eps, momentum = bn_param["mode"], bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D))
    running_var = bn_param.get("running_var", np.zeros(D))
    if mode == "train":
        mu, var = x.mean(axis=0), x.var(axis=0)
        x_hat = (x - mu) / np.sqrt(var + eps)
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    else:
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        var = running_var
    return gamma * x_hat + beta, (x_hat, gamma, np.sqrt(var + eps))


def _bn_rows_backward(dout, cache):
    x_hat, gamma, std = cache
    N = dout.shape[0]
    dx_hat = dout * gamma
    dx = (N * dx_hat - dx_hat.sum(axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0)) / (N * std)
    return dx, np.sum(dout * x_hat, axis=0), dout.sum(axis=0)


def sbn_fwd_rows(x, gamma, beta, bn_param):
    """CS231n: notebook 07's batch norm on (N * H * W, C) rows."""
    N, C, H, W = x.shape
    out, cache = _bn_rows_forward(x.transpose(0, 2, 3, 1).reshape(-1, C), gamma, beta, bn_param)
    return out.reshape(N, H, W, C).transpose(0, 3, 1, 2), cache


def sbn_bwd_rows(dout, cache):
    N, C, H, W = dout.shape
    dx, dgamma, dbeta = _bn_rows_backward(dout.transpose(0, 2, 3, 1).reshape(-1, C), cache)
    return dx.reshape(N, H, W, C).transpose(0, 3, 1, 2), dgamma, dbeta


def sbn_fwd_axes(x, gamma, beta, bn_param):
    """Statistics over axes (0, 2, 3) with keepdims; running statistics squeezed to (C,); float32."""
    x = x.astype(np.float32)
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    C = x.shape[1]
    g, bt = gamma.reshape(1, C, 1, 1).astype(np.float32), beta.reshape(1, C, 1, 1).astype(np.float32)
    if bn_param["mode"] == "train":
        mu = x.mean(axis=(0, 2, 3), keepdims=True)
        var = ((x - mu) ** 2).mean(axis=(0, 2, 3), keepdims=True)
        for key, batch in (("running_mean", mu), ("running_var", var)):
            old = np.asarray(bn_param.get(key, np.zeros(C)), dtype=np.float32)
            bn_param[key] = np.float32(momentum) * old + np.float32(1 - momentum) * batch.ravel()
    else:
        mu = np.asarray(bn_param["running_mean"], dtype=np.float32).reshape(1, C, 1, 1)
        var = np.asarray(bn_param["running_var"], dtype=np.float32).reshape(1, C, 1, 1)
    inv_std = np.float32(1.0) / np.sqrt(var + np.float32(eps))
    x_hat = (x - mu) * inv_std
    return g * x_hat + bt, {"x_hat": x_hat, "inv_std": inv_std, "gamma": g}


def sbn_bwd_axes(dout, cache):
    x_hat, inv_std, g = cache["x_hat"], cache["inv_std"], cache["gamma"]
    dout = dout.astype(np.float32)
    M = dout.shape[0] * dout.shape[2] * dout.shape[3]
    axes = (0, 2, 3)
    dx_hat = dout * g
    dx = inv_std / M * (M * dx_hat - dx_hat.sum(axis=axes, keepdims=True)
                        - x_hat * np.sum(dx_hat * x_hat, axis=axes, keepdims=True))
    return dx, np.sum(dout * x_hat, axis=axes), dout.sum(axis=axes)


# --------------------------------------------------------------------------- right: the conv net
class ConvNetCS231n:
    """CS231n's class: no seed argument, np.random.randn, the fast layers and float32 by default."""

    def __init__(self, input_dim=(1, 8, 8), num_filters=16, filter_size=3, hidden_dim=100, num_classes=10,
                 weight_scale=1e-2, reg=0.0, dtype=np.float32):
        C, H, W = input_dim
        self.reg, self.dtype = reg, dtype
        self.params = {
            "W1": weight_scale * np.random.randn(num_filters, C, filter_size, filter_size),
            "b1": np.zeros(num_filters),
            "W2": weight_scale * np.random.randn(num_filters * (H // 2) * (W // 2), hidden_dim),
            "b2": np.zeros(hidden_dim),
            "W3": weight_scale * np.random.randn(hidden_dim, num_classes),
            "b3": np.zeros(num_classes),
        }
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        W1, b1, W2, b2, W3, b3 = (self.params[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
        conv_param = {"stride": 1, "pad": (W1.shape[2] - 1) // 2}
        pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
        a1, c1 = conv_fwd_strided_tensordot(X, W1, b1, conv_param)
        r1 = np.maximum(a1, 0)
        p1, cp = pool_fwd_windows(r1, pool_param)
        a2 = p1.reshape(len(X), -1) @ W2 + b2
        r2 = np.maximum(a2, 0)
        scores = r2 @ W3 + b3
        if y is None:
            return scores
        shifted = scores - scores.max(axis=1, keepdims=True)
        probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        N = len(X)
        loss = -np.log(probs[np.arange(N), y]).mean() + 0.5 * self.reg * sum(np.sum(W * W) for W in (W1, W2, W3))
        dscores = probs.copy()
        dscores[np.arange(N), y] -= 1
        dscores /= N
        grads = {"W3": r2.T @ dscores + self.reg * W3, "b3": dscores.sum(axis=0)}
        da2 = (dscores @ W3.T) * (a2 > 0)
        grads["W2"], grads["b2"] = p1.reshape(N, -1).T @ da2 + self.reg * W2, da2.sum(axis=0)
        dr1 = pool_bwd_add_at((da2 @ W2.T).reshape(p1.shape), cp) * (a1 > 0)
        _, dW1, grads["b1"] = conv_bwd_strided(dr1, c1)
        grads["W1"] = dW1 + self.reg * W1
        return loss, grads


class ConvNetNaiveLayers:
    """The naive layers, a seed argument (a Generator when given), parameters set up in a loop."""

    def __init__(self, input_dim=(1, 8, 8), num_filters=16, filter_size=3, hidden_dim=100, num_classes=10,
                 weight_scale=1e-2, reg=0.0, dtype=np.float64, seed=None):
        C, H, W = input_dim
        randn = np.random.randn if seed is None else (lambda *s: np.random.default_rng(seed).standard_normal(s))
        shapes = [(num_filters, C, filter_size, filter_size), (num_filters * (H // 2) * (W // 2), hidden_dim),
                  (hidden_dim, num_classes)]
        self.params, self.reg = {}, reg
        for i, shape in enumerate(shapes, start=1):
            self.params[f"W{i}"] = weight_scale * randn(*shape)
            self.params[f"b{i}"] = np.zeros(shape[0] if i == 1 else shape[1])

    def loss(self, X, y=None):
        p = self.params
        a1, c1 = conv_fwd_cs231n(X, p["W1"], p["b1"], {"stride": 1, "pad": (p["W1"].shape[2] - 1) // 2})
        pooled, cp = pool_fwd_cs231n(np.maximum(a1, 0), {"pool_height": 2, "pool_width": 2, "stride": 2})
        flat = pooled.reshape(X.shape[0], -1)
        a2 = flat @ p["W2"] + p["b2"]
        scores = np.maximum(a2, 0) @ p["W3"] + p["b3"]
        if y is None:
            return scores
        z = scores - scores.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        N = X.shape[0]
        loss = -log_p[np.arange(N), y].mean()
        d = np.exp(log_p)
        d[np.arange(N), y] -= 1
        d /= N
        grads = {"W3": np.maximum(a2, 0).T @ d, "b3": d.sum(0)}
        d2 = (d @ p["W3"].T) * (a2 > 0)
        grads["W2"], grads["b2"] = flat.T @ d2, d2.sum(0)
        d1 = pool_bwd_cs231n((d2 @ p["W2"].T).reshape(pooled.shape), cp) * (a1 > 0)
        _, grads["W1"], grads["b1"] = conv_bwd_cs231n(d1, c1)
        for k in ("W1", "W2", "W3"):
            loss += 0.5 * self.reg * np.sum(p[k] ** 2)
            grads[k] = grads[k] + self.reg * p[k]
        return float(loss), grads


RIGHT = [
    Right("conv.conv_forward_naive", conv_fwd_cs231n),
    Right("conv.conv_forward_naive", conv_fwd_caches_padded),
    Right("conv.conv_forward_naive", conv_fwd_dls_layout),
    Right("conv.conv_backward_naive", conv_bwd_cs231n, forward=conv_fwd_cs231n),
    Right("conv.conv_backward_naive", conv_bwd_from_padded, forward=conv_fwd_caches_padded),
    Right("conv.conv_backward_naive", conv_bwd_cs231n),  # the reference forward's cache is the same
    Right("conv.max_pool_forward_naive", pool_fwd_cs231n),
    Right("conv.max_pool_forward_naive", pool_fwd_windows),
    Right("conv.max_pool_backward_naive", pool_bwd_cs231n, forward=pool_fwd_cs231n),
    Right("conv.max_pool_backward_naive", pool_bwd_add_at, forward=pool_fwd_windows),
    Right("conv.im2col", im2col_strided),
    Right("conv.im2col", im2col_loops),
    Right("conv.im2col", im2col_cs231n_indices),
    Right("conv.col2im", col2im_add_at),
    Right("conv.col2im", col2im_positions),
    Right("conv.col2im", col2im_offsets),
    Right("conv.conv_forward_fast", conv_fwd_strided_tensordot),
    Right("conv.conv_forward_fast", conv_fwd_einsum),
    Right("conv.conv_backward_fast", conv_bwd_strided, forward=conv_fwd_strided_tensordot),
    Right("conv.conv_backward_fast", conv_bwd_einsum, forward=conv_fwd_einsum),
    Right("conv.spatial_batchnorm_forward", sbn_fwd_rows),
    Right("conv.spatial_batchnorm_forward", sbn_fwd_axes),
    Right("conv.spatial_batchnorm_backward", sbn_bwd_rows, forward=sbn_fwd_rows),
    Right("conv.spatial_batchnorm_backward", sbn_bwd_axes, forward=sbn_fwd_axes),
    Right("conv.ThreeLayerConvNet", ConvNetCS231n),
    Right("conv.ThreeLayerConvNet", ConvNetNaiveLayers),
]


@right_rows(RIGHT)
def test_right_implementation_passes(row, seed):
    passes(row, seed)


# =========================================================================== wrong implementations
def _pad(x, p):
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))


# --------------------------------------------------------------------------- conv forward
def conv_fwd_no_bias(x, w, b, conv_param):
    out, cache = conv_fwd_einsum(x, w, np.zeros_like(b), conv_param)
    return out, cache


def conv_fwd_flipped(x, w, b, conv_param):
    """True convolution: scipy.signal.convolve's kernel flip."""
    return conv_fwd_einsum(x, w[:, :, ::-1, ::-1].copy(), b, conv_param)[0], None


def conv_fwd_stride_ignored_in_offsets(x, w, b, conv_param):
    s, p = conv_param["stride"], conv_param["pad"]
    F, _, HH, WW = w.shape
    x_pad = _pad(x, p)
    H_out, W_out = 1 + (x_pad.shape[2] - HH) // s, 1 + (x_pad.shape[3] - WW) // s
    out = np.zeros((x.shape[0], F, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            out[:, :, i, j] = np.tensordot(x_pad[:, :, i:i + HH, j:j + WW], w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out, None


def conv_fwd_np_pad_every_axis(x, w, b, conv_param):
    p = conv_param["pad"]
    return conv_fwd_cs231n(np.pad(x, p) if p else x, w, b, {**conv_param, "pad": 0})


def conv_fwd_float_sizes(x, w, b, conv_param):
    s, p = conv_param["stride"], conv_param["pad"]
    H_out = 1 + (x.shape[2] + 2 * p - w.shape[2]) / s
    W_out = 1 + (x.shape[3] + 2 * p - w.shape[3]) / s
    out = np.zeros((x.shape[0], w.shape[0], H_out, W_out))
    return out, None


def conv_fwd_channels_last(x, w, b, conv_param):
    """The DLS layout (m, n_H, n_W, n_C) returned as it is."""
    out, _ = conv_fwd_einsum(x, w, b, conv_param)
    return out.transpose(0, 2, 3, 1), None


# --------------------------------------------------------------------------- conv backward
def conv_bwd_crop_minus_pad(dout, cache):
    """The cut that breaks 5 of 6 public solutions at pad = 0."""
    x, w, b, conv_param = cache
    p = conv_param["pad"]
    dx, dw, db = conv_bwd_cs231n(dout, cache)
    dx_pad = np.pad(dx, ((0, 0), (0, 0), (p, p), (p, p)))
    return dx_pad[:, :, p:-p, p:-p], dw, db


def conv_bwd_db_mean(dout, cache):
    dx, dw, _ = conv_bwd_cs231n(dout, cache)
    return dx, dw, dout.mean(axis=(0, 2, 3))


def conv_bwd_dw_assigned_per_sample(dout, cache):
    x, w, b, conv_param = cache
    s, p = conv_param["stride"], conv_param["pad"]
    x_pad = _pad(x, p)
    HH, WW = w.shape[2:]
    dx, _, db = conv_bwd_cs231n(dout, cache)
    dw = np.zeros_like(w)
    for n in range(x.shape[0]):
        dw = np.zeros_like(w)  # reset inside the loop over samples
        for i in range(dout.shape[2]):
            for j in range(dout.shape[3]):
                dw += np.einsum("f,chw->fchw", dout[n, :, i, j], x_pad[n, :, i * s:i * s + HH, j * s:j * s + WW])
    return dx, dw, db


def conv_bwd_dx_assigned(dout, cache):
    x, w, b, conv_param = cache
    s, p = conv_param["stride"], conv_param["pad"]
    H, W = x.shape[2:]
    HH, WW = w.shape[2:]
    _, dw, db = conv_bwd_cs231n(dout, cache)
    dx_pad = np.zeros_like(_pad(x, p))
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            dx_pad[:, :, i * s:i * s + HH, j * s:j * s + WW] = np.einsum("nf,fchw->nchw", dout[:, :, i, j], w)
    return dx_pad[:, :, p:p + H, p:p + W], dw, db


def conv_bwd_rotated_kernel(dout, cache):
    x, w, b, conv_param = cache
    dx, dw, db = conv_bwd_cs231n(dout, (x, w[:, :, ::-1, ::-1].copy(), b, conv_param))
    _, dw, _ = conv_bwd_cs231n(dout, cache)
    return dx, dw, db


def conv_bwd_cache_unpacked_wrongly(dout, cache):
    x, w, conv_param, b = cache
    return conv_bwd_cs231n(dout, (x, w, b, conv_param))


# --------------------------------------------------------------------------- pooling
def pool_fwd_average(x, pool_param):
    out, cache = pool_fwd_windows(x, pool_param)
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    view = sliding_window_view(x, (ph, pw), axis=(2, 3))[:, :, ::s, ::s][:, :, :out.shape[2], :out.shape[3]]
    return view.mean(axis=(4, 5)), cache


def pool_fwd_side_by_side(x, pool_param):
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    H_out, W_out = 1 + (x.shape[2] - ph) // s, 1 + (x.shape[3] - pw) // s
    out = np.zeros((*x.shape[:2], H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * ph:(i + 1) * ph, j * pw:(j + 1) * pw]
            out[:, :, i, j] = window.max(axis=(2, 3)) if window.size else 0.0
    return out, None


def pool_fwd_square(x, pool_param):
    """pool_height for both sides (the output keeps the width the right window would give)."""
    W_out = 1 + (x.shape[3] - pool_param["pool_width"]) // pool_param["stride"]
    return pool_fwd_cs231n(x, {**pool_param, "pool_width": pool_param["pool_height"]})[0][..., :W_out], None


def pool_fwd_across_channels(x, pool_param):
    out, _ = pool_fwd_windows(x, pool_param)
    return np.broadcast_to(out.max(axis=1, keepdims=True), out.shape).copy(), None


def pool_fwd_no_overlap_size(x, pool_param):
    ph, pw = pool_param["pool_height"], pool_param["pool_width"]
    return pool_fwd_cs231n(x[:, :, :x.shape[2] // ph * ph, :x.shape[3] // pw * pw],
                           {**pool_param, "stride": ph})[0], None


def pool_bwd_assigned(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = x[:, :, i * s:i * s + ph, j * s:j * s + pw]
            flat = window.reshape(*window.shape[:2], -1)
            mask = (np.arange(flat.shape[2]) == flat.argmax(axis=2)[..., None]).reshape(window.shape)
            dx[:, :, i * s:i * s + ph, j * s:j * s + pw] = mask * dout[:, :, i, j][:, :, None, None]
    return dx


def pool_bwd_mask_all_ties(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = x[:, :, i * s:i * s + ph, j * s:j * s + pw]
            mask = window == window.max(axis=(2, 3), keepdims=True)
            dx[:, :, i * s:i * s + ph, j * s:j * s + pw] += mask * dout[:, :, i, j][:, :, None, None]
    return dx


def pool_bwd_split_ties(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = x[:, :, i * s:i * s + ph, j * s:j * s + pw]
            mask = window == window.max(axis=(2, 3), keepdims=True)
            share = mask / mask.sum(axis=(2, 3), keepdims=True)
            dx[:, :, i * s:i * s + ph, j * s:j * s + pw] += share * dout[:, :, i, j][:, :, None, None]
    return dx


def pool_bwd_last_max(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    dx = np.zeros_like(x)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    window = x[n, c, i * s:i * s + ph, j * s:j * s + pw]
                    rows, cols = np.nonzero(window == window.max())
                    dx[n, c, i * s + rows[-1], j * s + cols[-1]] += dout[n, c, i, j]
    return dx


def pool_bwd_int_of_where(dout, cache):
    """int(np.where(...)[0]): a TypeError under NumPy 2 (and at every tie before it)."""
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    dx = np.zeros_like(x)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    window = x[n, c, i * s:i * s + ph, j * s:j * s + pw]
                    where = np.where(window == np.max(window))
                    dx[n, c, i * s + int(where[0]), j * s + int(where[1])] += dout[n, c, i, j]
    return dx


def pool_bwd_mask_only(dout, cache):
    return pool_bwd_cs231n(np.ones_like(dout), cache)


# --------------------------------------------------------------------------- im2col and col2im
def im2col_channels_last_columns(x, field_height, field_width, padding=1, stride=1):
    cols = im2col_strided(x, field_height, field_width, padding, stride)
    return cols.reshape(len(cols), x.shape[1], field_height * field_width).transpose(0, 2, 1).reshape(len(cols), -1)


def im2col_window_transposed(x, field_height, field_width, padding=1, stride=1):
    cols = im2col_strided(x, field_height, field_width, padding, stride)
    return cols.reshape(len(cols), x.shape[1], field_height, field_width).transpose(0, 1, 3, 2).reshape(len(cols), -1)


def im2col_cs231n_as_is(x, field_height, field_width, padding=1, stride=1):
    """CS231n's im2col_indices unchanged: (C * HH * WW, N * H' * W'), columns in (i, j, n) order."""
    x_pad = _pad(x, padding)
    k, i, j = _cs231n_indices(x.shape, field_height, field_width, padding, stride)
    cols = x_pad[:, k, i, j]
    return cols.transpose(1, 2, 0).reshape(field_height * field_width * x.shape[1], -1)


def im2col_rows_position_major(x, field_height, field_width, padding=1, stride=1):
    return im2col_cs231n_as_is(x, field_height, field_width, padding, stride).T


def im2col_no_padding(x, field_height, field_width, padding=1, stride=1):
    return im2col_strided(x, field_height, field_width, 0, stride)


def im2col_stride_ignored(x, field_height, field_width, padding=1, stride=1):
    return im2col_strided(x, field_height, field_width, padding, 1)


def col2im_assigned(cols, x_shape, field_height, field_width, padding=1, stride=1):
    N, C, H, W = x_shape
    H_out = (H + 2 * padding - field_height) // stride + 1
    W_out = (W + 2 * padding - field_width) // stride + 1
    x_pad = np.zeros((N, C, H + 2 * padding, W + 2 * padding))
    blocks = cols.reshape(N, H_out, W_out, C, field_height, field_width)
    for i in range(H_out):
        for j in range(W_out):
            x_pad[:, :, i * stride:i * stride + field_height, j * stride:j * stride + field_width] = blocks[:, i, j]
    return x_pad[:, :, padding:padding + H, padding:padding + W]


def col2im_averaged(cols, x_shape, field_height, field_width, padding=1, stride=1):
    summed = col2im_offsets(cols, x_shape, field_height, field_width, padding, stride)
    counts = col2im_offsets(np.ones_like(cols), x_shape, field_height, field_width, padding, stride)
    return summed / counts


def col2im_crop_minus_pad(cols, x_shape, field_height, field_width, padding=1, stride=1):
    x = col2im_offsets(cols, x_shape, field_height, field_width, padding, stride)
    return _pad(x, padding)[:, :, padding:-padding, padding:-padding]


def col2im_uncropped(cols, x_shape, field_height, field_width, padding=1, stride=1):
    return _pad(col2im_offsets(cols, x_shape, field_height, field_width, padding, stride), padding)


def col2im_channels_last_columns(cols, x_shape, field_height, field_width, padding=1, stride=1):
    C = x_shape[1]
    reordered = cols.reshape(len(cols), field_height * field_width, C).transpose(0, 2, 1).reshape(len(cols), -1)
    return col2im_offsets(reordered, x_shape, field_height, field_width, padding, stride)


# --------------------------------------------------------------------------- fast convolution
def conv_fwd_fast_loop_over_samples(x, w, b, conv_param):
    outs = [conv_fwd_strided_tensordot(x[n:n + 1], w, b, conv_param)[0] for n in range(x.shape[0])]
    return np.concatenate(outs), (x, w, b, conv_param)


def conv_fwd_fast_reshape_without_transpose(x, w, b, conv_param):
    s, p = conv_param["stride"], conv_param["pad"]
    F, _, HH, WW = w.shape
    cols = im2col_strided(x, HH, WW, p, s)
    H_out, W_out = (x.shape[2] + 2 * p - HH) // s + 1, (x.shape[3] + 2 * p - WW) // s + 1
    return (cols @ w.reshape(F, -1).T + b).reshape(x.shape[0], F, H_out, W_out), None


def conv_fwd_fast_channels_last_columns(x, w, b, conv_param):
    s, p = conv_param["stride"], conv_param["pad"]
    F, _, HH, WW = w.shape
    cols = im2col_channels_last_columns(x, HH, WW, p, s)
    H_out, W_out = (x.shape[2] + 2 * p - HH) // s + 1, (x.shape[3] + 2 * p - WW) // s + 1
    return (cols @ w.reshape(F, -1).T + b).reshape(x.shape[0], H_out, W_out, F).transpose(0, 3, 1, 2), None


def conv_fwd_fast_no_bias(x, w, b, conv_param):
    return conv_fwd_strided_tensordot(x, w, np.zeros_like(b), conv_param)


def conv_bwd_fast_loop_over_samples(dout, cache):
    x_shape, cols, w, s, p = cache
    N = x_shape[0]
    rows = cols.shape[0] // N
    parts = [conv_bwd_strided(dout[n:n + 1], ((1, *x_shape[1:]), cols[n * rows:(n + 1) * rows], w, s, p))
             for n in range(N)]
    return np.concatenate([q[0] for q in parts]), sum(q[1] for q in parts), sum(q[2] for q in parts)


def conv_bwd_fast_dout_reshaped(dout, cache):
    x_shape, cols, w, s, p = cache
    F, C, HH, WW = w.shape
    dout_rows = dout.reshape(-1, F)
    dw = (dout_rows.T @ cols).reshape(w.shape)
    return col2im_offsets(dout_rows @ w.reshape(F, -1), x_shape, HH, WW, p, s), dw, dout.sum(axis=(0, 2, 3))


def conv_bwd_fast_col2im_assigned(dout, cache):
    x_shape, cols, w, s, p = cache
    F, C, HH, WW = w.shape
    dout_rows = dout.transpose(0, 2, 3, 1).reshape(-1, F)
    dx = col2im_assigned(dout_rows @ w.reshape(F, -1), x_shape, HH, WW, p, s)
    return dx, (dout_rows.T @ cols).reshape(w.shape), dout_rows.sum(axis=0)


def conv_bwd_fast_db_mean(dout, cache):
    dx, dw, _ = conv_bwd_strided(dout, cache)
    return dx, dw, dout.mean(axis=(0, 2, 3))


def conv_bwd_fast_crop_minus_pad(dout, cache):
    x_pad, w, s, p = cache
    dx, dw, db = conv_bwd_einsum(dout, cache)
    return _pad(dx, p)[:, :, p:-p, p:-p], dw, db


# --------------------------------------------------------------------------- spatial batch norm
def sbn_fwd_per_position(x, gamma, beta, bn_param):
    """x.reshape(N, -1) fed to batch norm, with gamma repeated over the positions."""
    N, C, H, W = x.shape
    out, cache = _bn_rows_forward(x.reshape(N, -1), np.repeat(gamma, H * W), np.repeat(beta, H * W), bn_param)
    return out.reshape(x.shape), cache


def sbn_fwd_reshape_without_transpose(x, gamma, beta, bn_param):
    C = x.shape[1]
    out, cache = _bn_rows_forward(x.reshape(-1, C), gamma, beta, bn_param)
    return out.reshape(x.shape), cache


def sbn_fwd_layer_norm(x, gamma, beta, bn_param):
    mu, var = x.mean(axis=(1, 2, 3), keepdims=True), x.var(axis=(1, 2, 3), keepdims=True)
    out = gamma[None, :, None, None] * (x - mu) / np.sqrt(var + bn_param.get("eps", 1e-5)) + beta[None, :, None, None]
    return out, None


def sbn_fwd_instance_norm(x, gamma, beta, bn_param):
    mu, var = x.mean(axis=(2, 3), keepdims=True), x.var(axis=(2, 3), keepdims=True)
    out = gamma[None, :, None, None] * (x - mu) / np.sqrt(var + bn_param.get("eps", 1e-5)) + beta[None, :, None, None]
    return out, None


def sbn_fwd_keepdims_running(x, gamma, beta, bn_param):
    out, cache = sbn_fwd_rows(x, gamma, beta, bn_param)
    if bn_param["mode"] == "train":
        bn_param["running_mean"] = np.asarray(bn_param["running_mean"]).reshape(1, -1, 1, 1)
        bn_param["running_var"] = np.asarray(bn_param["running_var"]).reshape(1, -1, 1, 1)
    return out, cache


def sbn_fwd_unbiased(x, gamma, beta, bn_param):
    N, C, H, W = x.shape
    rows = x.transpose(0, 2, 3, 1).reshape(-1, C)
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    if bn_param["mode"] == "train":
        mu, var = rows.mean(axis=0), rows.var(axis=0, ddof=1)
        bn_param["running_mean"] = momentum * bn_param.get("running_mean", np.zeros(C)) + (1 - momentum) * mu
        bn_param["running_var"] = momentum * bn_param.get("running_var", np.zeros(C)) + (1 - momentum) * var
    else:
        mu, var = bn_param["running_mean"], bn_param["running_var"]
    out = gamma * (rows - mu) / np.sqrt(var + eps) + beta
    return out.reshape(N, H, W, C).transpose(0, 3, 1, 2), None


def sbn_bwd_reshape_without_transpose(dout, cache):
    N, C, H, W = dout.shape
    dx, dgamma, dbeta = _bn_rows_backward(dout.reshape(-1, C), cache)
    return dx.reshape(dout.shape), dgamma, dbeta


def sbn_bwd_constant_statistics(dout, cache):
    x_hat, gamma, std = cache
    N, C, H, W = dout.shape
    rows = dout.transpose(0, 2, 3, 1).reshape(-1, C)
    dx = (rows * gamma / std).reshape(N, H, W, C).transpose(0, 3, 1, 2)
    return dx, np.sum(rows * x_hat, axis=0), rows.sum(axis=0)


def sbn_bwd_keepdims(dout, cache):
    dx, dgamma, dbeta = sbn_bwd_rows(dout, cache)
    return dx, dgamma.reshape(1, -1, 1, 1), dbeta.reshape(1, -1, 1, 1)


def sbn_bwd_sums_over_batch_only(dout, cache):
    dx, _, _ = sbn_bwd_rows(dout, cache)
    N, C, H, W = dout.shape
    x_hat = cache[0].reshape(N, H, W, C).transpose(0, 3, 1, 2)
    return dx, np.sum(dout * x_hat, axis=0), dout.sum(axis=0)


def sbn_bwd_scales_dout_in_place(dout, cache):
    x_hat, gamma, std = cache
    dout *= gamma[None, :, None, None]  # dx_hat, in dout's memory
    N, C, H, W = dout.shape
    dx_hat = dout.transpose(0, 2, 3, 1).reshape(-1, C)
    M = dx_hat.shape[0]
    dx = (M * dx_hat - dx_hat.sum(axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0)) / (M * std)
    d_rows = dx_hat / gamma
    return dx.reshape(N, H, W, C).transpose(0, 3, 1, 2), np.sum(d_rows * x_hat, axis=0), d_rows.sum(axis=0)


# --------------------------------------------------------------------------- the conv net
class ConvNetBiasesPenalised(ConvNetNaiveLayers):
    def loss(self, X, y=None):
        result = super().loss(X, y)
        if y is None:
            return result
        loss, grads = result
        for k in ("b1", "b2", "b3"):
            loss += 0.5 * self.reg * np.sum(self.params[k] ** 2)
            grads[k] = grads[k] + self.reg * self.params[k]
        return loss, grads


class ConvNetFullPenalty(ConvNetNaiveLayers):
    """reg * sum(W * W): the linear classifiers' convention."""

    def loss(self, X, y=None):
        result = super().loss(X, y)
        if y is None:
            return result
        loss, grads = result
        for k in ("W1", "W2", "W3"):
            loss += 0.5 * self.reg * np.sum(self.params[k] ** 2)
            grads[k] = grads[k] + self.reg * self.params[k]
        return loss, grads


class ConvNetReluOnScores(ConvNetNaiveLayers):
    def loss(self, X, y=None):
        scores = super().loss(X)
        if y is None:
            return np.maximum(scores, 0)
        return super().loss(X, y)


class ConvNetFlattenChannelsLast(ConvNetCS231n):
    def loss(self, X, y=None):
        W1, b1, W2, b2, W3, b3 = (self.params[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
        a1, _ = conv_fwd_strided_tensordot(X, W1, b1, {"stride": 1, "pad": (W1.shape[2] - 1) // 2})
        p1, _ = pool_fwd_windows(np.maximum(a1, 0), {"pool_height": 2, "pool_width": 2, "stride": 2})
        scores = np.maximum(p1.transpose(0, 2, 3, 1).reshape(len(X), -1) @ W2 + b2, 0) @ W3 + b3
        if y is None:
            return scores
        return super().loss(X, y)


class ConvNetValidConvolution(ConvNetCS231n):
    """pad 0: the maps shrink, and W2 no longer fits them."""

    def loss(self, X, y=None):
        W1 = self.params["W1"]
        a1, _ = conv_fwd_strided_tensordot(X, W1, self.params["b1"], {"stride": 1, "pad": 0})
        p1, _ = pool_fwd_windows(np.maximum(a1, 0), {"pool_height": 2, "pool_width": 2, "stride": 2})
        hidden = np.maximum(p1.reshape(len(X), -1) @ self.params["W2"] + self.params["b2"], 0)
        return hidden @ self.params["W3"] + self.params["b3"] if y is None else super().loss(X, y)


class ConvNetUnseeded(ConvNetCS231n):
    """Draws from a generator of its own, made without a seed: np.random.seed cannot fix it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rng = np.random.default_rng()
        for k in ("W1", "W2", "W3"):
            self.params[k] = np.std(self.params[k]) * rng.standard_normal(self.params[k].shape)


class ConvNetBiasesAtOne(ConvNetCS231n):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for k in ("b1", "b2", "b3"):
            self.params[k] = np.ones_like(self.params[k])


WRONG = [
    Wrong("conv.conv_forward_naive", conv_fwd_no_bias, "known_mistake", says="bias"),
    Wrong("conv.conv_forward_naive", conv_fwd_flipped, "known_mistake", says="flipped"),
    Wrong("conv.conv_forward_naive", conv_fwd_stride_ignored_in_offsets, "known_mistake", says="stride"),
    Wrong("conv.conv_forward_naive", conv_fwd_np_pad_every_axis, "exception"),
    Wrong("conv.conv_forward_naive", conv_fwd_float_sizes, "exception"),
    Wrong("conv.conv_forward_naive", conv_fwd_channels_last, "shape"),
    Wrong("conv.conv_backward_naive", conv_bwd_crop_minus_pad, "shape", forward=conv_fwd_cs231n),
    Wrong("conv.conv_backward_naive", conv_bwd_db_mean, "known_mistake", says="mean", forward=conv_fwd_cs231n),
    Wrong("conv.conv_backward_naive", conv_bwd_dw_assigned_per_sample, "known_mistake", says="last sample",
          forward=conv_fwd_cs231n),
    Wrong("conv.conv_backward_naive", conv_bwd_dx_assigned, "known_mistake", says="overlapping", forward=conv_fwd_cs231n),
    Wrong("conv.conv_backward_naive", conv_bwd_rotated_kernel, "known_mistake", says="180", forward=conv_fwd_cs231n),
    Wrong("conv.conv_backward_naive", conv_bwd_cache_unpacked_wrongly, "exception", forward=conv_fwd_cs231n),
    Wrong("conv.max_pool_forward_naive", pool_fwd_average, "known_mistake", says="average"),
    Wrong("conv.max_pool_forward_naive", pool_fwd_side_by_side, "known_mistake", says="side by side"),
    Wrong("conv.max_pool_forward_naive", pool_fwd_square, "known_mistake", says="pool_height"),
    Wrong("conv.max_pool_forward_naive", pool_fwd_across_channels, "known_mistake", says="channels"),
    Wrong("conv.max_pool_forward_naive", pool_fwd_no_overlap_size, "shape"),
    Wrong("conv.max_pool_backward_naive", pool_bwd_assigned, "known_mistake", says="overlapping", forward=pool_fwd_cs231n),
    Wrong("conv.max_pool_backward_naive", pool_bwd_mask_all_ties, "known_mistake", says="every maximal",
          forward=pool_fwd_cs231n),
    Wrong("conv.max_pool_backward_naive", pool_bwd_split_ties, "known_mistake", says="shared", forward=pool_fwd_cs231n),
    Wrong("conv.max_pool_backward_naive", pool_bwd_last_max, "known_mistake", says="last maximum", forward=pool_fwd_cs231n),
    Wrong("conv.max_pool_backward_naive", pool_bwd_int_of_where, "exception", says="0-dimensional", forward=pool_fwd_cs231n),
    Wrong("conv.max_pool_backward_naive", pool_bwd_mask_only, "known_mistake", says="without dout", forward=pool_fwd_cs231n),
    Wrong("conv.im2col", im2col_channels_last_columns, "known_mistake", says="(di, dj, c)"),
    Wrong("conv.im2col", im2col_window_transposed, "known_mistake", says="(c, dj, di)"),
    Wrong("conv.im2col", im2col_cs231n_as_is, "shape"),
    Wrong("conv.im2col", im2col_rows_position_major, "known_mistake", says="(i, j, n)"),
    Wrong("conv.im2col", im2col_no_padding, "shape"),
    Wrong("conv.im2col", im2col_stride_ignored, "shape"),
    Wrong("conv.col2im", col2im_assigned, "known_mistake", says="assigned"),
    Wrong("conv.col2im", col2im_averaged, "known_mistake", says="averaged"),
    Wrong("conv.col2im", col2im_crop_minus_pad, "shape"),
    Wrong("conv.col2im", col2im_uncropped, "shape"),
    Wrong("conv.col2im", col2im_channels_last_columns, "known_mistake", says="(di, dj, c)"),
    Wrong("conv.conv_forward_fast", conv_fwd_fast_loop_over_samples, "not_vectorized"),
    Wrong("conv.conv_forward_fast", conv_fwd_caches_padded, "not_vectorized"),
    Wrong("conv.conv_forward_fast", conv_fwd_fast_reshape_without_transpose, "known_mistake", says="without a transpose"),
    Wrong("conv.conv_forward_fast", conv_fwd_fast_channels_last_columns, "known_mistake", says="(di, dj, c)"),
    Wrong("conv.conv_forward_fast", conv_fwd_fast_no_bias, "known_mistake", says="bias"),
    Wrong("conv.conv_backward_fast", conv_bwd_fast_loop_over_samples, "not_vectorized", forward=conv_fwd_strided_tensordot),
    Wrong("conv.conv_backward_fast", conv_bwd_fast_dout_reshaped, "known_mistake", says="reshape(-1, F)",
          forward=conv_fwd_strided_tensordot),
    Wrong("conv.conv_backward_fast", conv_bwd_fast_col2im_assigned, "known_mistake", says="overlapping",
          forward=conv_fwd_strided_tensordot),
    Wrong("conv.conv_backward_fast", conv_bwd_fast_db_mean, "known_mistake", says="mean", forward=conv_fwd_strided_tensordot),
    Wrong("conv.conv_backward_fast", conv_bwd_fast_crop_minus_pad, "shape", forward=conv_fwd_einsum),
    Wrong("conv.spatial_batchnorm_forward", sbn_fwd_per_position, "known_mistake", says="(channel, position)"),
    Wrong("conv.spatial_batchnorm_forward", sbn_fwd_reshape_without_transpose, "known_mistake", says="reshape(-1, C)"),
    Wrong("conv.spatial_batchnorm_forward", sbn_fwd_layer_norm, "known_mistake", says="layer norm"),
    Wrong("conv.spatial_batchnorm_forward", sbn_fwd_instance_norm, "known_mistake", says="instance norm"),
    Wrong("conv.spatial_batchnorm_forward", sbn_fwd_keepdims_running, "shape"),
    Wrong("conv.spatial_batchnorm_forward", sbn_fwd_unbiased, "known_mistake", says="unbiased"),
    Wrong("conv.spatial_batchnorm_backward", sbn_bwd_reshape_without_transpose, "known_mistake", says="reshape(-1, C)",
          forward=sbn_fwd_rows),
    Wrong("conv.spatial_batchnorm_backward", sbn_bwd_constant_statistics, "known_mistake", says="constants",
          forward=sbn_fwd_rows),
    Wrong("conv.spatial_batchnorm_backward", sbn_bwd_keepdims, "shape", forward=sbn_fwd_rows),
    Wrong("conv.spatial_batchnorm_backward", sbn_bwd_sums_over_batch_only, "shape", forward=sbn_fwd_rows),
    Wrong("conv.spatial_batchnorm_backward", sbn_bwd_scales_dout_in_place, "mutates_input", forward=sbn_fwd_rows),
    Wrong("conv.ThreeLayerConvNet", ConvNetBiasesPenalised, "known_mistake", says="biases"),
    Wrong("conv.ThreeLayerConvNet", ConvNetFullPenalty, "regularization_scale"),
    Wrong("conv.ThreeLayerConvNet", ConvNetReluOnScores, "known_mistake", says="ReLU"),
    Wrong("conv.ThreeLayerConvNet", ConvNetFlattenChannelsLast, "known_mistake", says="(i, j, F)"),
    Wrong("conv.ThreeLayerConvNet", ConvNetValidConvolution, "exception"),
    Wrong("conv.ThreeLayerConvNet", ConvNetUnseeded, "property", says="np.random.seed"),
    Wrong("conv.ThreeLayerConvNet", ConvNetBiasesAtOne, "property", says="non-zero"),
]


@wrong_rows(WRONG, seeds=GRADING)
def test_wrong_implementation_is_diagnosed(row, seed):
    diagnosed(row, seed)


# =========================================================================== the cases
@pytest.mark.parametrize("seed", [None, 7, 2024])
def test_cases_cover_the_edges_the_issue_lists(seed):
    conv = [c.args for c in get("conv.conv_backward_naive").make_cases(*([] if seed is None else [seed]))]
    assert any(p["pad"] == 0 for *_, p in conv) and any(p["stride"] == 2 for *_, p in conv)
    assert any(x.shape[0] == 1 for x, *_ in conv) and any(x.shape[2] != x.shape[3] for x, *_ in conv)
    assert any(w.shape[2:] == (1, 1) for _, w, *_ in conv) and any(w.shape[2] != w.shape[3] for _, w, *_ in conv)
    assert any(p["stride"] < w.shape[2] and p["stride"] > 1 for _, w, _, p in conv)  # overlapping strided windows
    pools = [c.args for c in get("conv.max_pool_backward_naive").make_cases(*([] if seed is None else [seed]))]
    assert any(p["stride"] < p["pool_height"] for _, p in pools)

    def tie_count(x, p):
        out = ref.max_pool_forward_naive(x, p)[0]
        ph, pw, s = p["pool_height"], p["pool_width"], p["stride"]
        view = sliding_window_view(x, (ph, pw), axis=(2, 3))[:, :, ::s, ::s][:, :, :out.shape[2], :out.shape[3]]
        return int(np.sum((view == out[..., None, None]).sum(axis=(4, 5)) > 1))

    ties = [tie_count(x, p) for x, p in pools]
    assert sum(t > 0 for t in ties) == 2, ties  # exactly the two cases meant to hold ties
    assert any((x.shape[2] - p["pool_height"]) % p["stride"] for x, p in pools)  # the floor


# =========================================================================== against torch
def _torch():
    return pytest.importorskip("torch")


def _torch_conv(x, w, b, conv_param, dout):
    torch = _torch()
    tx, tw, tb = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, w, b))
    out = torch.nn.functional.conv2d(tx, tw, tb, stride=conv_param["stride"], padding=conv_param["pad"])
    out.backward(torch.tensor(dout, dtype=torch.float64))
    return out.detach().numpy(), tx.grad.numpy(), tw.grad.numpy(), tb.grad.numpy()


CONV_PAIRS = [(ref.conv_forward_naive, ref.conv_backward_naive), (ref.conv_forward_fast, ref.conv_backward_fast),
              (conv_fwd_cs231n, conv_bwd_cs231n), (conv_fwd_caches_padded, conv_bwd_from_padded),
              (conv_fwd_strided_tensordot, conv_bwd_strided), (conv_fwd_einsum, conv_bwd_einsum)]


@pytest.mark.parametrize("seed", [None, 7])
@pytest.mark.parametrize("forward, backward", CONV_PAIRS, ids=[f.__name__ for f, _ in CONV_PAIRS])
def test_convolutions_agree_with_torch_conv2d_and_autograd(forward, backward, seed):
    for case in get("conv.conv_backward_naive").make_cases(*([] if seed is None else [seed])):
        x, w, b, conv_param = case.args
        out, dx, dw, db = _torch_conv(x, w, b, conv_param, case.kwargs["dout"])
        got, cache = forward(x, w, b, conv_param)
        np.testing.assert_allclose(got, out, rtol=1e-10, atol=1e-10, err_msg=f"out, {case.label}")
        for name, want, have in zip(("dx", "dw", "db"), (dx, dw, db), backward(case.kwargs["dout"], cache)):
            np.testing.assert_allclose(have, want, rtol=1e-10, atol=1e-10, err_msg=f"{name}, {case.label}")
    x, w, b = np.random.default_rng(0).normal(size=(2, 3, 5, 5)), np.ones((2, 3, 3, 3)), np.zeros(2)
    np.testing.assert_allclose(conv_fwd_dls_layout(x, w, b, {"stride": 2, "pad": 1})[0],
                               _torch_conv(x, w, b, {"stride": 2, "pad": 1}, np.zeros((2, 2, 3, 3)))[0], rtol=1e-5, atol=1e-5)


POOL_PAIRS = [(ref.max_pool_forward_naive, ref.max_pool_backward_naive), (pool_fwd_cs231n, pool_bwd_cs231n),
              (pool_fwd_windows, pool_bwd_add_at)]


@pytest.mark.parametrize("seed", [None, 7])
@pytest.mark.parametrize("forward, backward", POOL_PAIRS, ids=[f.__name__ for f, _ in POOL_PAIRS])
def test_max_pooling_agrees_with_torch_max_pool2d_ties_included(forward, backward, seed):
    torch = _torch()
    for case in get("conv.max_pool_backward_naive").make_cases(*([] if seed is None else [seed])):
        x, p = case.args
        tx = torch.tensor(x, requires_grad=True)
        out = torch.nn.functional.max_pool2d(tx, (p["pool_height"], p["pool_width"]), p["stride"])
        out.backward(torch.tensor(case.kwargs["dout"]))
        got, cache = forward(x, p)
        np.testing.assert_array_equal(got, out.detach().numpy(), err_msg=case.label)
        np.testing.assert_allclose(backward(case.kwargs["dout"], cache), tx.grad.numpy(), rtol=1e-12, atol=1e-12,
                                   err_msg=case.label)


@pytest.mark.parametrize("im2col_fn", [ref.im2col, im2col_strided, im2col_loops, im2col_cs231n_indices])
def test_im2col_is_torch_unfold_with_one_row_per_position(im2col_fn):
    torch = _torch()
    for case in get("conv.im2col").make_cases():
        x, fh, fw, padding, stride = case.args
        unfolded = torch.nn.functional.unfold(torch.tensor(x), (fh, fw), padding=padding, stride=stride).numpy()
        want = unfolded.transpose(0, 2, 1).reshape(-1, unfolded.shape[1])  # (N, C*HH*WW, L) -> rows (n, i, j)
        np.testing.assert_array_equal(im2col_fn(x, fh, fw, padding, stride), want, err_msg=case.label)


@pytest.mark.parametrize("col2im_fn", [ref.col2im, col2im_add_at, col2im_positions, col2im_offsets])
def test_col2im_is_torch_fold_and_the_adjoint_of_im2col(col2im_fn):
    torch = _torch()
    rng = np.random.default_rng(3)
    for case in get("conv.col2im").make_cases():
        cols, x_shape, fh, fw, padding, stride = case.args
        N = x_shape[0]
        per_image = cols.reshape(N, -1, cols.shape[1]).transpose(0, 2, 1)
        want = torch.nn.functional.fold(torch.tensor(np.ascontiguousarray(per_image)), tuple(x_shape[2:]), (fh, fw),
                                        padding=padding, stride=stride).numpy()
        got = col2im_fn(cols, x_shape, fh, fw, padding, stride)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=case.label)
        x = rng.normal(size=x_shape)  # <im2col(x), cols> == <x, col2im(cols)>
        assert np.isclose(np.sum(ref.im2col(x, fh, fw, padding, stride) * cols), np.sum(x * got))


SBN_PAIRS = [(ref.spatial_batchnorm_forward, ref.spatial_batchnorm_backward), (sbn_fwd_rows, sbn_bwd_rows),
             (sbn_fwd_axes, sbn_bwd_axes)]


@pytest.mark.parametrize("forward, backward", SBN_PAIRS, ids=[f.__name__ for f, _ in SBN_PAIRS])
def test_spatial_batchnorm_agrees_with_torch_batch_norm(forward, backward):
    torch = _torch()
    tolerance = 1e-5 if forward is sbn_fwd_axes else 1e-10
    for case in get("conv.spatial_batchnorm_backward").make_cases():
        x, gamma, beta, bn_param = case.args
        dout = case.kwargs["dout"]
        tx, tg, tb = (torch.tensor(a, requires_grad=True) for a in (x, gamma, beta))
        running_mean, running_var = torch.zeros(x.shape[1], dtype=torch.float64), torch.zeros(x.shape[1], dtype=torch.float64)
        eps = bn_param.get("eps", 1e-5)
        out = torch.nn.functional.batch_norm(tx, running_mean, running_var, tg, tb, training=True, momentum=0.1, eps=eps)
        out.backward(torch.tensor(dout))
        param = dict(bn_param)
        got, cache = forward(x, gamma, beta, param)
        np.testing.assert_allclose(got, out.detach().numpy(), rtol=tolerance, atol=tolerance, err_msg=case.label)
        for want, have in zip((tx.grad, tg.grad, tb.grad), backward(dout, cache)):
            np.testing.assert_allclose(have, want.numpy(), rtol=tolerance, atol=tolerance, err_msg=case.label)
        M = x.size // x.shape[1]  # torch keeps the unbiased variance; this course the biased one
        np.testing.assert_allclose(param["running_mean"], running_mean.numpy(), rtol=tolerance, atol=tolerance)
        np.testing.assert_allclose(param["running_var"], running_var.numpy() * (M - 1) / M, rtol=tolerance, atol=tolerance)


def _torch_conv_net_loss(params, X, y, reg):
    torch = _torch()
    F = torch.nn.functional
    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    h = F.relu(F.conv2d(torch.tensor(X), t["W1"], t["b1"], padding=(t["W1"].shape[2] - 1) // 2))
    h = F.max_pool2d(h, 2, 2).reshape(len(X), -1)
    scores = F.relu(h @ t["W2"] + t["b2"]) @ t["W3"] + t["b3"]
    loss = F.cross_entropy(scores, torch.tensor(y)) + 0.5 * reg * sum((t[k] ** 2).sum() for k in ("W1", "W2", "W3"))
    loss.backward()
    return scores.detach().numpy(), float(loss.detach()), {k: v.grad.numpy() for k, v in t.items()}


@pytest.mark.parametrize("cls", [ref.ThreeLayerConvNet, ConvNetCS231n, ConvNetNaiveLayers])
def test_conv_nets_agree_with_torch_autograd(cls):
    for case in get("conv.ThreeLayerConvNet").make_cases(7):
        init, params, X, y = case.args
        scores, loss, grads = _torch_conv_net_loss(params, X, y, init["reg"])
        net = cls(**{k: v for k, v in init.items() if k != "dtype"}, dtype=np.float64)
        net.params.update({k: v.copy() for k, v in params.items()})
        np.testing.assert_allclose(net.loss(X), scores, rtol=1e-9, atol=1e-10)
        got_loss, got_grads = net.loss(X, y)
        assert np.isclose(got_loss, loss, rtol=1e-10)
        for name, want in grads.items():
            np.testing.assert_allclose(got_grads[name], want, rtol=1e-8, atol=1e-10, err_msg=f"{name}, {case.label}")


def test_conv_net_loss_at_initialization_is_log_of_the_number_of_classes():
    net = ref.ThreeLayerConvNet(weight_scale=1e-3, seed=0)
    X = np.random.default_rng(0).normal(size=(50, 1, 8, 8))
    loss, _ = net.loss(X, np.arange(50) % 10)
    assert abs(loss - np.log(10)) < 1e-3


# =========================================================================== bad input
@pytest.mark.parametrize("x_shape, w_shape, conv_param, words", [
    ((1, 3, 2, 2), (2, 3, 5, 5), {"stride": 1, "pad": 1}, "larger than the padded input"),
    ((1, 3, 6, 6), (2, 3, 3, 3), {"stride": 2, "pad": 0}, "does not divide"),
    ((1, 3, 5, 5), (2, 2, 3, 3), {"stride": 1, "pad": 1}, "channels"),
    ((3, 5, 5), (2, 3, 3, 3), {"stride": 1, "pad": 1}, "(N, C, H, W)"),
])
@pytest.mark.parametrize("forward", [ref.conv_forward_naive, ref.conv_forward_fast])
def test_the_reference_refuses_bad_convolutions_with_clear_messages(forward, x_shape, w_shape, conv_param, words):
    with pytest.raises(ValueError, match=None) as error:
        forward(np.zeros(x_shape), np.zeros(w_shape), np.zeros(w_shape[0]), conv_param)
    assert words in str(error.value), str(error.value)


def test_the_reference_refuses_bad_pooling_and_layouts():
    with pytest.raises(ValueError, match="larger than the input"):
        ref.max_pool_forward_naive(np.zeros((1, 1, 2, 2)), {"pool_height": 3, "pool_width": 3, "stride": 1})
    with pytest.raises(ValueError, match=r"stride 2 does not divide"):
        ref.im2col(np.zeros((1, 1, 4, 4)), 3, 3, 0, 2)
    with pytest.raises(ValueError, match=r"cols must have shape"):
        ref.col2im(np.zeros((3, 9)), (1, 1, 4, 4), 3, 3, 1, 1)
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        ref.spatial_batchnorm_forward(np.zeros((4, 3)), np.ones(3), np.zeros(3), {"mode": "train"})
    with pytest.raises(ValueError, match=r"\(1, D\) row is not accepted"):
        ref.spatial_batchnorm_forward(np.zeros((2, 3, 2, 2)), np.ones((1, 3)), np.zeros(3), {"mode": "train"})


def conv_refusing_bad_shapes(x, w, b, conv_param):
    """A learner's forward that validates its input the way the reference does."""
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"x has {x.shape[1]} channels, w expects {w.shape[1]}")
    return conv_fwd_einsum(x, w, b, conv_param)


def conv_fwd_swapped_channels(x, w, b, conv_param):
    """Filters read as (C, F, HH, WW): a shape error inside NumPy on every case with C != F."""
    return conv_fwd_einsum(x, w.transpose(1, 0, 2, 3), b, conv_param)


def test_a_learner_function_that_meets_bad_shapes_gets_a_finding_not_a_traceback():
    report = check("conv.conv_forward_fast", conv_fwd_swapped_channels)
    assert "exception" in report.codes and not report.passed
    assert "Traceback" not in report.text()
    assert check("conv.conv_forward_fast", conv_refusing_bad_shapes).codes == ["ok"]


def test_a_backward_pairs_with_the_learners_own_forward():
    """conv_bwd_from_padded needs the padded-input cache of its own forward: with the reference's
    (x, w, b, conv_param) it cannot run, with its forward it passes."""
    assert "exception" in report_of("conv.conv_backward_naive", conv_bwd_from_padded).codes
    assert report_of("conv.conv_backward_naive", conv_bwd_from_padded, forward=conv_fwd_caches_padded).codes == ["ok"]


# =========================================================================== the notebook, graded
@pytest.mark.slow
def test_source_notebook_gets_full_marks_from_the_trusted_grader(tmp_path):
    import shutil

    from checker.grading.grader import grade_notebook

    submission = tmp_path / "09_conv.ipynb"
    shutil.copy(NOTEBOOK, submission)
    grade = grade_notebook(submission, NOTEBOOK, seed=20261201)
    failed = {gid: (t.codes, t.text) for gid, t in grade.tasks.items() if not t.passed}
    assert not failed, failed
    assert len(grade.tasks) == 11 and grade.score == grade.max_score > 0


def test_fast_layers_scratch_buffers_are_per_thread():
    """Two gradings in the threads of one Dask worker run the reference's fast layers at once: the
    columns one writes must not be the buffer the other reads."""
    mine = ref._scratch("columns", (6, 5), np.float64)
    assert ref._scratch("columns", (6, 5), np.float64) is mine, "reused within a thread"
    theirs = []
    worker = threading.Thread(target=lambda: theirs.append(ref._scratch("columns", (6, 5), np.float64)))
    worker.start()
    worker.join()
    assert theirs[0] is not mine
