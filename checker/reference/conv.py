"""Reference solutions for notebook 09, convolution layers.

Layouts: images ``x`` are ``(N, C, H, W)``, filters ``w`` are ``(F, C, HH, WW)``, biases ``(F,)``.
``conv_param`` has ``stride`` and ``pad`` (symmetric zero padding); ``pool_param`` has
``pool_height``, ``pool_width`` and ``stride``. What deep-learning libraries call convolution is
cross-correlation: the kernel is not flipped.

Caches: convolution ``(x, w, b, conv_param)`` (the naive and the fast layers alike, so that either
backward accepts either forward's cache), max pooling ``(x, pool_param)``.

``im2col`` lays out one row per output position in ``(n, i, j)`` order and one column per kernel
entry in ``(c, di, dj)`` order; ``col2im`` is its adjoint (overlapping windows add up). The fast
layers are loop-free over samples and positions: ``im2col`` is a strided view of the padded input
and the convolution one matrix product; ``col2im`` loops over the ``HH * WW`` kernel offsets only.
The columns are copied into a reused scratch buffer: on a fresh array every page costs a fault on first
touch, which made allocation, not arithmetic, the larger part of the fast layer's time.
"""

import threading

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from checker.reference.bn import _batchnorm_backward, _batchnorm_forward
from checker.reference.nn import _affine_backward, _affine_forward, _softmax_loss


# --------------------------------------------------------------------------- validation
def _as_int(value, name):
    """An integer parameter, from a Python or NumPy integer (or a 0-d / one-element integer array)."""
    array = np.asarray(value)
    if array.size != 1 or not (np.issubdtype(array.dtype, np.integer) or float(array.ravel()[0]).is_integer()):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    return int(array.ravel()[0])


def _window_geometry(x_shape, field_height, field_width, pad, stride, what):
    """Output height and width of a window sliding over (H, W) with padding; strict divisibility."""
    if len(x_shape) != 4:
        raise ValueError(f"x must have shape (N, C, H, W), got shape {tuple(x_shape)}")
    _, _, H, W = x_shape
    if pad < 0:
        raise ValueError(f"pad must be >= 0, got {pad}")
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    if field_height < 1 or field_width < 1:
        raise ValueError(f"{what} must be at least 1x1, got {field_height}x{field_width}")
    if field_height > H + 2 * pad or field_width > W + 2 * pad:
        raise ValueError(
            f"{what} {field_height}x{field_width} is larger than the padded input "
            f"{H + 2 * pad}x{W + 2 * pad} (H={H}, W={W}, pad={pad})"
        )
    for size, field, axis in ((H, field_height, "height"), (W, field_width, "width")):
        if (size + 2 * pad - field) % stride != 0:
            raise ValueError(
                f"stride {stride} does not divide the padded {axis}: "
                f"({size} + 2 * {pad} - {field}) % {stride} = {(size + 2 * pad - field) % stride}; "
                "choose a pad or stride that tiles the input exactly"
            )
    return 1 + (H + 2 * pad - field_height) // stride, 1 + (W + 2 * pad - field_width) // stride


def _conv_geometry(x, w, b, conv_param):
    """(stride, pad, H_out, W_out) after checking shapes and parameters."""
    x, w = np.asarray(x), np.asarray(w)
    if w.ndim != 4:
        raise ValueError(f"w must have shape (F, C, HH, WW), got shape {w.shape}")
    if x.ndim != 4:
        raise ValueError(f"x must have shape (N, C, H, W), got shape {x.shape}")
    if x.shape[1] != w.shape[1]:
        raise ValueError(
            f"x has {x.shape[1]} channels but w expects {w.shape[1]}: w is (F, C, HH, WW) "
            f"and x is (N, C, H, W), got x {x.shape} and w {w.shape}"
        )
    if b is not None and np.shape(b) != (w.shape[0],):
        raise ValueError(f"b must have shape (F,) = ({w.shape[0]},), got {np.shape(b)}")
    stride = _as_int(conv_param.get("stride", 1), "conv_param['stride']")
    pad = _as_int(conv_param.get("pad", 0), "conv_param['pad']")
    H_out, W_out = _window_geometry(x.shape, w.shape[2], w.shape[3], pad, stride, "kernel")
    return stride, pad, H_out, W_out


def _pool_geometry(x, pool_param):
    """(pool_height, pool_width, stride, H_out, W_out); floor when the stride does not divide."""
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"x must have shape (N, C, H, W), got shape {x.shape}")
    ph = _as_int(pool_param.get("pool_height", 2), "pool_param['pool_height']")
    pw = _as_int(pool_param.get("pool_width", 2), "pool_param['pool_width']")
    stride = _as_int(pool_param.get("stride", 2), "pool_param['stride']")
    H, W = x.shape[2:]
    if ph < 1 or pw < 1 or stride < 1:
        raise ValueError(f"pool_height, pool_width and stride must be >= 1, got {ph}, {pw}, {stride}")
    if ph > H or pw > W:
        raise ValueError(f"pooling window {ph}x{pw} is larger than the input {H}x{W}")
    return ph, pw, stride, 1 + (H - ph) // stride, 1 + (W - pw) // stride


def _pad(x, pad):
    """x with pad zeros on every side of H and W (np.pad does the same several times slower)."""
    x = np.asarray(x)
    if pad == 0:
        return x
    N, C, H, W = x.shape
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=x.dtype)
    x_pad[:, :, pad:pad + H, pad:pad + W] = x
    return x_pad


# --------------------------------------------------------------------------- private helpers
def _conv_forward_naive(x, w, b, conv_param):
    stride, pad, H_out, W_out = _conv_geometry(x, w, b, conv_param)
    N, F = x.shape[0], w.shape[0]
    HH, WW = w.shape[2:]
    x_pad = _pad(x, pad)
    out = np.zeros((N, F, H_out, W_out), dtype=np.result_type(x, w, b))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, b, conv_param)


def _conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    stride, pad, H_out, W_out = _conv_geometry(x, w, b, conv_param)
    N, _, H, W = x.shape
    F, _, HH, WW = w.shape
    x_pad = _pad(x, pad)
    dx_pad = np.zeros_like(x_pad, dtype=np.result_type(x, dout))
    dw = np.zeros_like(w, dtype=np.result_type(w, dout))
    db = np.sum(dout, axis=(0, 2, 3))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    rows = slice(i * stride, i * stride + HH)
                    cols = slice(j * stride, j * stride + WW)
                    dw[f] += dout[n, f, i, j] * x_pad[n, :, rows, cols]
                    dx_pad[n, :, rows, cols] += dout[n, f, i, j] * w[f]
    # pad:pad + H, not pad:-pad, which is empty when pad == 0
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db


def _windows(x, field_height, field_width, padding, stride):
    """Strided view (N, C, H', W', HH, WW) of the padded input; no copy beyond the padding."""
    view = sliding_window_view(_pad(x, padding), (field_height, field_width), axis=(2, 3))
    return view[:, :, ::stride, ::stride]


def _im2col(x, field_height, field_width, padding, stride):
    _window_geometry(np.shape(x), field_height, field_width, padding, stride, "field")
    windows = _windows(np.asarray(x), field_height, field_width, padding, stride)
    N, C, H_out, W_out = windows.shape[:4]
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(N * H_out * W_out, C * field_height * field_width)


def _add_windows_back(blocks, x_shape, padding, stride):
    """Sum (C, HH, WW, N, H', W') window contributions onto the (N, C, H, W) input they came from."""
    C, HH, WW, N, H_out, W_out = blocks.shape
    H, W = x_shape[2:]
    # accumulate channel-first so that every offset adds one slab without a transpose
    x_pad = np.zeros((C, N, H + 2 * padding, W + 2 * padding), dtype=blocks.dtype)
    for di in range(HH):
        for dj in range(WW):
            rows = slice(di, di + stride * H_out, stride)
            columns = slice(dj, dj + stride * W_out, stride)
            x_pad[:, :, rows, columns] += blocks[:, di, dj]
    return x_pad[:, :, padding:padding + H, padding:padding + W].transpose(1, 0, 2, 3)


def _col2im(cols, x_shape, field_height, field_width, padding, stride):
    H_out, W_out = _window_geometry(x_shape, field_height, field_width, padding, stride, "field")
    N, C = x_shape[:2]
    expected = (N * H_out * W_out, C * field_height * field_width)
    if np.shape(cols) != expected:
        raise ValueError(f"cols must have shape (N * H' * W', C * HH * WW) = {expected}, got {np.shape(cols)}")
    blocks = np.asarray(cols).reshape(N, H_out, W_out, C, field_height, field_width)
    return _add_windows_back(blocks.transpose(3, 4, 5, 0, 1, 2), x_shape, padding, stride)


# One reusable buffer per (purpose, shape, dtype) and per thread (fresh memory costs a page fault per
# page): two gradings in the threads of one Dask worker must not write into each other's columns.
_SCRATCH = threading.local()


def _scratch(purpose, shape, dtype):
    buffers = _SCRATCH.__dict__.setdefault("buffers", {})
    key = (purpose, shape, np.dtype(dtype).str)
    if key not in buffers:
        if len(buffers) > 8:
            buffers.clear()
        buffers[key] = np.empty(shape, dtype=dtype)
    return buffers[key]


def _columns_channel_first(x, HH, WW, pad, stride):
    """im2col transposed, (C * HH * WW, N * H' * W'): the copy NumPy makes fastest from the view.

    The columns live in a scratch buffer that the next call overwrites: use them before calling again."""
    windows = _windows(x, HH, WW, pad, stride).transpose(1, 4, 5, 0, 2, 3)
    columns = _scratch("columns", windows.shape, windows.dtype)
    np.copyto(columns, windows)
    return columns.reshape(windows.shape[0] * HH * WW, -1)


def _conv_forward_fast(x, w, b, conv_param):
    stride, pad, H_out, W_out = _conv_geometry(x, w, b, conv_param)
    F = w.shape[0]
    columns = _columns_channel_first(x, w.shape[2], w.shape[3], pad, stride)
    out = w.reshape(F, -1).dot(columns)  # one matrix product, (F, N * H' * W')
    out += np.reshape(b, (F, 1))
    return out.reshape(F, x.shape[0], H_out, W_out).transpose(1, 0, 2, 3), (x, w, b, conv_param)


def _conv_backward_fast(dout, cache):
    x, w, b, conv_param = cache
    stride, pad, H_out, W_out = _conv_geometry(x, w, b, conv_param)
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    dout_rows = dout.transpose(1, 0, 2, 3).reshape(F, -1)  # (F, N * H' * W')
    columns = _columns_channel_first(x, HH, WW, pad, stride)
    dw = dout_rows.dot(columns.T).reshape(w.shape)
    db = np.sum(dout, axis=(0, 2, 3))
    w_rows = w.reshape(F, -1).T
    dcolumns = _scratch("dcolumns", (w_rows.shape[0], dout_rows.shape[1]), np.result_type(w, dout))
    np.dot(w_rows, dout_rows, out=dcolumns)  # (C * HH * WW, N * H' * W')
    dx = _add_windows_back(dcolumns.reshape(C, HH, WW, N, H_out, W_out), x.shape, pad, stride)
    return dx, dw, db


def _max_pool_forward(x, pool_param):
    ph, pw, stride, H_out, W_out = _pool_geometry(x, pool_param)
    N, C = x.shape[:2]
    out = np.empty((N, C, H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw]
            out[:, :, i, j] = window.max(axis=(2, 3))
    return out, (x, pool_param)


def _max_pool_backward(dout, cache):
    x, pool_param = cache
    ph, pw, stride, H_out, W_out = _pool_geometry(x, pool_param)
    N, C = x.shape[:2]
    dx = np.zeros_like(x, dtype=np.result_type(x, dout))
    n_index, c_index = np.meshgrid(np.arange(N), np.arange(C), indexing="ij")
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw].reshape(N, C, -1)
            first_max = np.argmax(window, axis=2)  # the first maximum in row-major order
            rows = i * stride + first_max // pw
            cols = j * stride + first_max % pw
            # one position per (n, c) in this window; += because overlapping windows share positions
            dx[n_index, c_index, rows, cols] += dout[:, :, i, j]
    return dx


# --------------------------------------------------------------------------- convolution
def conv_forward_naive(x, w, b, conv_param):
    """Convolutional layer forward pass, with explicit loops.

    Inputs:
    - x: (N, C, H, W) input.
    - w: (F, C, HH, WW) filters.
    - b: (F,) biases.
    - conv_param: dict with
      - 'stride': int, step between neighbouring windows, in both directions;
      - 'pad': int, zeros added on every side of H and W.
    The padded size must be tiled exactly: (H + 2 * pad - HH) % stride == 0, likewise for W.
    Returns a tuple of:
    - out: (N, F, H', W'), H' = 1 + (H + 2 * pad - HH) // stride, W' = 1 + (W + 2 * pad - WW) // stride,
      out[n, f, i, j] = sum(x_pad[n, :, i*stride:i*stride+HH, j*stride:j*stride+WW] * w[f]) + b[f].
    - cache: (x, w, b, conv_param).
    Raises ValueError for mismatched channel counts, a kernel larger than the padded input, or a
    stride that does not divide.
    """
    return _conv_forward_naive(x, w, b, conv_param)


def conv_backward_naive(dout, cache):
    """Convolutional layer backward pass, with explicit loops.

    Inputs:
    - dout: (N, F, H', W') upstream derivative.
    - cache: (x, w, b, conv_param) from conv_forward_naive.
    Returns a tuple of:
    - dx: (N, C, H, W), each window's share dout[n, f, i, j] * w[f] added back, padding cropped.
    - dw: (F, C, HH, WW), sum over n, i, j of dout[n, f, i, j] * x_pad window.
    - db: (F,), sum of dout over n, i, j.
    """
    return _conv_backward_naive(dout, cache)


def im2col(x, field_height, field_width, padding=1, stride=1):
    """Every receptive field of a zero-padded input as one row of a matrix.

    Inputs:
    - x: (N, C, H, W) input.
    - field_height, field_width: window size HH, WW.
    - padding: zeros added on every side of H and W.
    - stride: step between neighbouring windows.
    Returns:
    - cols: (N * H' * W', C * HH * WW); row n * H' * W' + i * W' + j holds the window of output
      position (n, i, j), its columns in (c, di, dj) order, i.e. x_pad[n, :, i*s:i*s+HH,
      j*s:j*s+WW].ravel().
    """
    return _im2col(x, field_height, field_width, padding, stride)


def col2im(cols, x_shape, field_height, field_width, padding=1, stride=1):
    """The adjoint of im2col: add every row back onto the window it came from.

    Inputs:
    - cols: (N * H' * W', C * HH * WW), laid out as im2col's output.
    - x_shape: (N, C, H, W) of the unpadded input.
    - field_height, field_width, padding, stride: as for im2col.
    Returns:
    - x: array of shape x_shape; where windows overlap their contributions add up, and the padding
      is cropped. col2im(im2col(x)) is x times the number of windows covering each position.
    """
    return _col2im(cols, tuple(x_shape), field_height, field_width, padding, stride)


def conv_forward_fast(x, w, b, conv_param):
    """Convolutional layer forward pass without Python loops over samples or positions.

    Inputs and outputs as conv_forward_naive: out (N, F, H', W'), cache (x, w, b, conv_param).
    The windows are a strided view of the padded input, contracted with w in one tensordot.
    """
    return _conv_forward_fast(x, w, b, conv_param)


def conv_backward_fast(dout, cache):
    """Convolutional layer backward pass without Python loops over samples or positions.

    Inputs:
    - dout: (N, F, H', W').
    - cache: (x, w, b, conv_param).
    Returns a tuple of:
    - dx: (N, C, H, W), through col2im (a loop over the HH * WW kernel offsets only).
    - dw: (F, C, HH, WW), one contraction of dout with the windows of x.
    - db: (F,).
    """
    return _conv_backward_fast(dout, cache)


# --------------------------------------------------------------------------- pooling
def max_pool_forward_naive(x, pool_param):
    """Max pooling forward pass.

    Inputs:
    - x: (N, C, H, W) input.
    - pool_param: dict with 'pool_height', 'pool_width' and 'stride'.
    Returns a tuple of:
    - out: (N, C, H', W'), H' = 1 + (H - pool_height) // stride (floor, as PyTorch), likewise W',
      out[n, c, i, j] the maximum of the window at (i * stride, j * stride).
    - cache: (x, pool_param).
    """
    return _max_pool_forward(x, pool_param)


def max_pool_backward_naive(dout, cache):
    """Max pooling backward pass.

    Inputs:
    - dout: (N, C, H', W') upstream derivative.
    - cache: (x, pool_param) from max_pool_forward_naive.
    Returns:
    - dx: (N, C, H, W). Each window's dout goes whole to its first maximum in row-major order
      (ties as PyTorch and notebook 04's max gate); where windows overlap (stride < pool size)
      the contributions add up.
    """
    return _max_pool_backward(dout, cache)


# --------------------------------------------------------------------------- spatial batch norm
def _channels_last(x):
    """(N, C, H, W) -> (N * H * W, C): every pixel of every sample is one row, one column per channel."""
    N, C, H, W = x.shape
    return x.transpose(0, 2, 3, 1).reshape(N * H * W, C)


def _channels_first(rows, shape):
    N, C, H, W = shape
    return rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)


def _spatial_batchnorm_forward(x, gamma, beta, bn_param):
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"x must have shape (N, C, H, W), got shape {x.shape}")
    out_rows, cache = _batchnorm_forward(_channels_last(x), gamma, beta, bn_param)
    return _channels_first(out_rows, x.shape), (x.shape, cache)


def _spatial_batchnorm_backward(dout, cache):
    shape, bn_cache = cache
    dx_rows, dgamma, dbeta = _batchnorm_backward(_channels_last(dout), bn_cache)
    return _channels_first(dx_rows, shape), dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Spatial batch normalization forward pass: batch norm with one statistic per channel.

    Inputs:
    - x: (N, C, H, W) input.
    - gamma, beta: (C,) scale and shift, one per channel.
    - bn_param: dict as for batchnorm_forward ('mode' required; 'eps', 'momentum', 'running_mean',
      'running_var' of shape (C,)); in train mode the running statistics are written back.
    Returns a tuple of:
    - out: (N, C, H, W); channel c is normalized with the mean and (biased) variance of x[:, c]
      over N, H and W, then scaled by gamma[c] and shifted by beta[c].
    - cache: (x.shape, batch norm cache of the (N * H * W, C) rows).
    """
    return _spatial_batchnorm_forward(x, gamma, beta, bn_param)


def spatial_batchnorm_backward(dout, cache):
    """Spatial batch normalization backward pass.

    Inputs:
    - dout: (N, C, H, W) upstream derivative.
    - cache: from spatial_batchnorm_forward.
    Returns a tuple of:
    - dx: (N, C, H, W).
    - dgamma, dbeta: (C,), summed over N, H and W.
    """
    return _spatial_batchnorm_backward(dout, cache)


# --------------------------------------------------------------------------- a small conv net
class ThreeLayerConvNet:
    """conv - relu - 2x2 max pool - affine - relu - affine - softmax.

    The convolution has num_filters filters of filter_size x filter_size, stride 1 and padding
    (filter_size - 1) // 2 (same size for odd filters); the pool halves H and W (floor). Parameters
    in self.params:
    - W1: (F, C, filter_size, filter_size), b1: (F,);
    - W2: (F * (H // 2) * (W // 2), hidden_dim), b2: (hidden_dim,), the pooled maps flattened in
      (F, i, j) order;
    - W3: (hidden_dim, num_classes), b3: (num_classes,).
    Weights are weight_scale * standard normal, drawn from np.random.default_rng(seed), or from NumPy's
    global generator when seed is None (so that np.random.seed(...) before the constructor fixes them,
    as in CS231n); biases zero.
    The loss adds 0.5 * reg * (sum(W1 ** 2) + sum(W2 ** 2) + sum(W3 ** 2)).
    """

    def __init__(self, input_dim=(1, 8, 8), num_filters=16, filter_size=3, hidden_dim=100, num_classes=10,
                 weight_scale=1e-2, reg=0.0, dtype=np.float64, seed=None):
        C, H, W = input_dim
        self.reg = reg
        self.dtype = dtype
        self.filter_size = filter_size
        draw = np.random.standard_normal if seed is None else np.random.default_rng(seed).standard_normal
        shapes = {
            "W1": (num_filters, C, filter_size, filter_size),
            "W2": (num_filters * (H // 2) * (W // 2), hidden_dim),
            "W3": (hidden_dim, num_classes),
        }
        self.params = {}
        for i, (name, shape) in enumerate(shapes.items(), start=1):
            self.params[name] = (weight_scale * draw(shape)).astype(dtype)
            self.params[f"b{i}"] = np.zeros(shape[0] if name == "W1" else shape[1], dtype=dtype)

    def loss(self, X, y=None):
        """Scores, or loss and gradients.

        Inputs:
        - X: (N, C, H, W) images.
        - y: (N,) integer labels, or None.
        Returns:
        - without y: scores, (N, num_classes).
        - with y: (loss, grads), grads a dict with the keys and shapes of self.params.
        """
        p = self.params
        X = np.asarray(X).astype(self.dtype, copy=False)
        conv_param = {"stride": 1, "pad": (p["W1"].shape[2] - 1) // 2}
        pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
        a1, conv_cache = _conv_forward_fast(X, p["W1"], p["b1"], conv_param)
        h1 = np.maximum(a1, 0)
        pooled, pool_cache = _max_pool_forward(h1, pool_param)
        a2, affine2_cache = _affine_forward(pooled, p["W2"], p["b2"])
        h2 = np.maximum(a2, 0)
        scores, affine3_cache = _affine_forward(h2, p["W3"], p["b3"])
        if y is None:
            return scores
        loss, dscores = _softmax_loss(scores, y)
        loss += 0.5 * self.reg * sum(np.sum(p[k] * p[k]) for k in ("W1", "W2", "W3"))
        grads = {}
        dh2, grads["W3"], grads["b3"] = _affine_backward(dscores, affine3_cache)
        dpooled, grads["W2"], grads["b2"] = _affine_backward(dh2 * (a2 > 0), affine2_cache)
        dh1 = _max_pool_backward(dpooled, pool_cache)
        _, grads["W1"], grads["b1"] = _conv_backward_fast(dh1 * (a1 > 0), conv_cache)
        for k in ("W1", "W2", "W3"):
            grads[k] = grads[k] + self.reg * p[k]
        return float(loss), grads


from checker.reference import guard_module  # noqa: E402

guard_module(__name__)
