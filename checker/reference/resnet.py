"""Reference solutions for notebook 10, residual networks and transfer learning.

Layouts as in notebook 09: images ``x`` are ``(N, C, H, W)``, filters ``(F, C, HH, WW)``. The
convolutions are notebook 09's fast layers (``checker.reference.conv``), caches
``(x, w, b, conv_param)``.

- ``global_avg_pool_forward(x) -> (out (N, C), cache)``: the mean over ``H, W``; its backward
  spreads ``dout / (H * W)`` back over every position.
- ``basic_block_forward(x, params, stride=1)``: ``relu(conv3x3(relu(conv3x3(x; W1, b1, stride,
  pad 1)); W2, b2, 1, 1) + shortcut(x))``. The shortcut is ``x`` itself (identity: needs stride 1
  and equal channels) or, when ``params`` holds ``Ws, bs``, a 1x1 convolution with the block's
  stride and pad 0 (projection). The ReLU comes after the addition.
- ``bottleneck_block_forward(x, params, stride=1)``: 1x1 (``W1``) - relu - 3x3 (``W2``, the
  stride, pad 1) - relu - 1x1 (``W3``), plus the same shortcut, then relu (torchvision's v1.5
  places the stride on the 3x3).
- backward functions return ``(dx, grads)`` with ``grads`` keyed exactly like ``params``.
- ``ResNet``: a 3x3 stem conv - relu, ``num_blocks`` basic blocks of ``num_filters`` channels
  (``residual=False``: the same layers without shortcuts, the plain net of equal depth), global
  average pooling and an affine head; He initialization by default.
- ``train_new_head(params, X, y, num_classes, ...)``: transfer learning. The stem and blocks of a
  trained ``ResNet`` stay frozen; their features are computed once and a new softmax head is
  trained on them by full-batch gradient descent.
"""

import numpy as np

from checker.reference.conv import _conv_backward_fast, _conv_forward_fast
from checker.reference.nn import _softmax_loss


# --------------------------------------------------------------------------- helpers
def _conv(x, w, b, stride, pad):
    return _conv_forward_fast(x, w, b, {"stride": stride, "pad": pad})


def _relu(x):
    return np.maximum(x, 0)


def _shortcut_forward(x, params, stride, out_shape):
    """The shortcut branch: ``(s, cache)``; the cache is None for an identity shortcut."""
    if "Ws" in params:
        return _conv(x, params["Ws"], params["bs"], stride, 0)
    if stride != 1 or x.shape != out_shape:
        raise ValueError(
            f"an identity shortcut needs stride 1 and as many channels out as in; got stride {stride}, "
            f"x {x.shape} and a residual branch of shape {out_shape}: give params 'Ws', 'bs' for a projection")
    return x, None


def _shortcut_backward(ds, cache, grads):
    if cache is None:
        return ds
    dx, grads["Ws"], grads["bs"] = _conv_backward_fast(ds, cache)
    return dx


def _check_params(params, names, block):
    missing = [name for name in names if name not in params]
    if missing:
        raise ValueError(f"a {block} block needs params {list(names)}; missing {missing}")
    if ("Ws" in params) != ("bs" in params):
        raise ValueError("a projection shortcut needs both 'Ws' and 'bs'")


# --------------------------------------------------------------------------- global average pooling
def _gap_forward(x):
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"x must have shape (N, C, H, W), got shape {x.shape}")
    return x.mean(axis=(2, 3)), x.shape


def _gap_backward(dout, x_shape):
    N, C, H, W = x_shape
    return np.broadcast_to(dout[:, :, None, None] / (H * W), x_shape).copy()


def global_avg_pool_forward(x):
    """Global average pooling.

    Inputs:
    - x: (N, C, H, W)
    Returns (out, cache):
    - out: (N, C), the mean of every channel over its H * W positions
    - cache: the input shape (N, C, H, W)
    """
    return _gap_forward(x)


def global_avg_pool_backward(dout, cache):
    """Backward of global average pooling: dout (N, C) -> dx (N, C, H, W), each position gets dout / (H * W)."""
    return _gap_backward(dout, cache)


# --------------------------------------------------------------------------- blocks
def _basic_forward(x, params, stride=1, residual=True):
    _check_params(params, ("W1", "b1", "W2", "b2"), "basic")
    a1, conv1 = _conv(x, params["W1"], params["b1"], stride, 1)
    h1 = _relu(a1)
    a2, conv2 = _conv(h1, params["W2"], params["b2"], 1, 1)
    s, short = _shortcut_forward(x, params, stride, a2.shape) if residual else (0.0, None)
    z = a2 + s
    return _relu(z), (a1, a2, conv1, conv2, short, z, residual)


def _basic_backward(dout, cache):
    a1, _, conv1, conv2, short, z, residual = cache
    dz = dout * (z > 0)  # the final ReLU masks both branches
    grads = {}
    dh1, grads["W2"], grads["b2"] = _conv_backward_fast(dz, conv2)
    dx, grads["W1"], grads["b1"] = _conv_backward_fast(dh1 * (a1 > 0), conv1)
    if residual:
        dx = dx + _shortcut_backward(dz, short, grads)
    return dx, grads


def basic_block_forward(x, params, stride=1):
    """A basic residual block: two 3x3 convolutions and a shortcut.

    Inputs:
    - x: (N, C, H, W)
    - params: W1 (F, C, 3, 3), b1 (F,), W2 (F, F, 3, 3), b2 (F,); optional Ws (F, C, 1, 1), bs (F,)
      for a projection shortcut (needed when stride > 1 or F != C)
    - stride: stride of the first 3x3 convolution and of the projection
    Returns (out, cache): out (N, F, H', W') = relu(conv(relu(conv(x, W1)), W2) + shortcut(x)).
    """
    return _basic_forward(x, params, stride)


def basic_block_backward(dout, cache):
    """Backward of a basic block: dout (N, F, H', W') -> (dx (N, C, H, W), grads keyed like params)."""
    return _basic_backward(dout, cache)


def _bottleneck_forward(x, params, stride=1):
    _check_params(params, ("W1", "b1", "W2", "b2", "W3", "b3"), "bottleneck")
    a1, conv1 = _conv(x, params["W1"], params["b1"], 1, 0)
    h1 = _relu(a1)
    a2, conv2 = _conv(h1, params["W2"], params["b2"], stride, 1)
    h2 = _relu(a2)
    a3, conv3 = _conv(h2, params["W3"], params["b3"], 1, 0)
    s, short = _shortcut_forward(x, params, stride, a3.shape)
    z = a3 + s
    return _relu(z), (a1, a2, a3, conv1, conv2, conv3, short, z)


def _bottleneck_backward(dout, cache):
    a1, a2, _, conv1, conv2, conv3, short, z = cache
    dz = dout * (z > 0)
    grads = {}
    dh2, grads["W3"], grads["b3"] = _conv_backward_fast(dz, conv3)
    dh1, grads["W2"], grads["b2"] = _conv_backward_fast(dh2 * (a2 > 0), conv2)
    dx, grads["W1"], grads["b1"] = _conv_backward_fast(dh1 * (a1 > 0), conv1)
    return dx + _shortcut_backward(dz, short, grads), grads


def bottleneck_block_forward(x, params, stride=1):
    """A bottleneck residual block: 1x1 down, 3x3, 1x1 up, plus a shortcut.

    Inputs:
    - x: (N, C, H, W)
    - params: W1 (M, C, 1, 1), b1 (M,), W2 (M, M, 3, 3), b2 (M,), W3 (F, M, 1, 1), b3 (F,); optional
      Ws (F, C, 1, 1), bs (F,) for a projection shortcut
    - stride: stride of the 3x3 convolution and of the projection
    Returns (out, cache): out (N, F, H', W').
    """
    return _bottleneck_forward(x, params, stride)


def bottleneck_block_backward(dout, cache):
    """Backward of a bottleneck block: dout (N, F, H', W') -> (dx, grads keyed like params)."""
    return _bottleneck_backward(dout, cache)


# --------------------------------------------------------------------------- the network
def _block_names(params):
    count = 0
    while f"B{count + 1}_W1" in params:
        count += 1
    return count


def _features_forward(params, X, residual=True):
    """Stem and blocks of a ResNet, then global average pooling: ``(features (N, F), caches)``."""
    a0, stem = _conv(X, params["W0"], params["b0"], 1, 1)
    h = _relu(a0)
    blocks = []
    for i in range(1, _block_names(params) + 1):
        block = {k: params[f"B{i}_{k}"] for k in ("W1", "b1", "W2", "b2")}
        h, cache = _basic_forward(h, block, 1, residual)
        blocks.append(cache)
    features, pool = _gap_forward(h)
    return features, (a0, stem, blocks, pool)


def _features_backward(dfeatures, caches, grads):
    a0, stem, blocks, pool = caches
    dh = _gap_backward(dfeatures, pool)
    for i in range(len(blocks), 0, -1):
        dh, block_grads = _basic_backward(dh, blocks[i - 1])
        grads.update({f"B{i}_{k}": v for k, v in block_grads.items()})
    _, grads["W0"], grads["b0"] = _conv_backward_fast(dh * (a0 > 0), stem)


class ResNet:
    """A small residual network for (C, H, W) images.

    conv3x3 (W0, b0) - relu - [basic block] x num_blocks - global average pooling - affine (W_out, b_out)

    Every block keeps ``num_filters`` channels and the image size (stride 1, identity shortcuts);
    with ``residual=False`` the blocks lose their shortcuts: the plain net of equal depth.
    ``weight_scale=None`` draws every weight from N(0, 2 / fan_in) (He): fan_in is C_in * 9 for a
    3x3 convolution and num_filters for W_out. Biases start at zero. The loss is the mean softmax
    loss plus ``0.5 * reg * sum(W ** 2)`` over W0, every block's W1, W2 and W_out.
    """

    def __init__(self, input_dim=(1, 8, 8), num_filters=8, num_blocks=2, num_classes=10, residual=True,
                 weight_scale=None, reg=0.0, dtype=np.float64, seed=None):
        self.residual, self.reg, self.dtype = residual, reg, dtype
        C, F = input_dim[0], num_filters
        rng = np.random.default_rng(seed)

        def draw(shape, fan_in):
            std = np.sqrt(2.0 / fan_in) if weight_scale is None else weight_scale
            return (std * rng.standard_normal(shape)).astype(dtype)

        self.params = {"W0": draw((F, C, 3, 3), C * 9), "b0": np.zeros(F, dtype=dtype)}
        for i in range(1, num_blocks + 1):
            for k in ("1", "2"):
                self.params[f"B{i}_W{k}"] = draw((F, F, 3, 3), F * 9)
                self.params[f"B{i}_b{k}"] = np.zeros(F, dtype=dtype)
        self.params["W_out"] = draw((F, num_classes), F)
        self.params["b_out"] = np.zeros(num_classes, dtype=dtype)

    def loss(self, X, y=None):
        """Scores (N, num_classes) without y; (loss, grads keyed like params) with y."""
        X = np.asarray(X, dtype=self.dtype)
        p = self.params
        features, caches = _features_forward(p, X, self.residual)
        scores = features @ p["W_out"] + p["b_out"]
        if y is None:
            return scores
        loss, dscores = _softmax_loss(scores, y)
        grads = {"W_out": features.T @ dscores, "b_out": dscores.sum(axis=0)}
        _features_backward(dscores @ p["W_out"].T, caches, grads)
        for name in p:
            if "W" in name:
                loss += 0.5 * self.reg * float(np.sum(p[name] * p[name]))
                grads[name] = grads[name] + self.reg * p[name]
        return loss, grads


# --------------------------------------------------------------------------- transfer learning
def _train_new_head(params, X, y, num_classes, learning_rate=0.5, num_iters=300, reg=1e-4, seed=0):
    features, _ = _features_forward(params, np.asarray(X, dtype=np.float64))
    rng = np.random.default_rng(seed)
    F = features.shape[1]
    W = rng.normal(scale=np.sqrt(2.0 / F), size=(F, num_classes))
    b = np.zeros(num_classes)
    for _ in range(num_iters):
        _, dscores = _softmax_loss(features @ W + b, y)
        W -= learning_rate * (features.T @ dscores + reg * W)
        b -= learning_rate * dscores.sum(axis=0)
    new = {name: value.copy() for name, value in params.items() if name not in ("W_out", "b_out")}
    new["W_out"], new["b_out"] = W, b
    return new


def train_new_head(params, X, y, num_classes, learning_rate=0.5, num_iters=300, reg=1e-4, seed=0):
    """Transfer learning with frozen features: a new head for a trained ResNet.

    Inputs:
    - params: a trained ResNet's params (W0, b0, B1_W1, ..., W_out, b_out); residual blocks
    - X: (N, C, H, W) images of the new task; y: (N,) labels in 0 .. num_classes - 1
    - learning_rate, num_iters, reg: full-batch gradient descent on the softmax loss of the head,
      with 0.5 * reg * sum(W_out ** 2); seed: for the head's random initialization
    Returns new_params: a new dict, every stem and block parameter equal to (a copy of) the
    given one, and a new W_out (F, num_classes), b_out (num_classes,) trained on the features
    (the global-average-pooled output of the last block), which are computed once. ``params``
    is left as it was.
    """
    return _train_new_head(params, X, y, num_classes, learning_rate, num_iters, reg, seed)


from checker.reference import guard_module  # noqa: E402

guard_module(__name__)
