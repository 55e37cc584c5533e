"""Notebook 05 (neural networks): the reference, the task specs and their diagnoses.

Every task gets a table of realistic wrong implementations, each of which must fail with the
finding code that names its cause, and at least two differently written correct implementations
(one as the CS231n assignment writes it) that must pass with ``ok`` only, for the practice seed
and for other seeds. The reference layers are compared with PyTorch autograd, an independent oracle.

Learner functions here are deliberately NOT named like the tasks' forwards (``affine_forward``...):
a backward is paired with its forward explicitly (``forward=``), or gets the reference forward.
"""

import numpy as np
import pytest

import checker.reference.nn as ref
from catalogue import GRADING, Right, Wrong, diagnosed, passes, report_of, right_rows, wrong_rows
from float32_tools import float32_rows
from checker import check
from checker import tasks as task_ids
from checker.registry import get
from report_tools import finding


# =========================================================================== correct: layers
def affine_forward_cs231n(x, w, b):
    out = x.reshape(x.shape[0], -1).dot(w) + b
    cache = (x, w, b)
    return out, cache


def affine_backward_cs231n(dout, cache):
    x, w, b = cache
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def affine_forward_dict_cache(x, w, b):
    """einsum on a flattened view; the cache is a dict holding the flat x and the original shape."""
    flat = x.reshape(len(x), int(np.prod(x.shape[1:])))
    return np.einsum("nd,dm->nm", flat, w) + b[None, :], {"flat": flat, "shape": x.shape, "w": w}


def affine_backward_dict_cache(dout, cache):
    dx = np.einsum("nm,dm->nd", dout, cache["w"]).reshape(cache["shape"])
    return dx, cache["flat"].T @ dout, dout.sum(0)


def relu_forward_cs231n(x):
    out = np.maximum(0, x)
    cache = x
    return out, cache


def relu_backward_cs231n(dout, cache):
    dx, x = None, cache
    dx = dout * (x > 0)
    return dx


def relu_forward_caches_output(x):
    out = x * (x > 0)
    return out, out


def relu_backward_from_output(dout, cache):
    """Masking by the output is the same as masking by the input for ReLU (out > 0 iff x > 0)."""
    dx = dout.copy()
    dx[cache <= 0] = 0
    return dx


def leaky_relu_forward_maximum(x, alpha=0.01):
    return np.maximum(alpha * x, x), (x, alpha)


def leaky_relu_backward_where(dout, cache):
    x, alpha = cache
    return np.where(x > 0, dout, alpha * dout)


def leaky_relu_forward_mask_cache(x, alpha=0.01):
    negative = x <= 0
    out = x.copy()
    out[negative] *= alpha
    return out, {"negative": negative, "alpha": alpha}


def leaky_relu_backward_mask_cache(dout, cache):
    dx = dout.copy()
    dx[cache["negative"]] *= cache["alpha"]
    return dx


def sigmoid_forward_cs231n(x):
    """The textbook formula: exp(-x) overflows to inf for x = -1000 (a warning), and 1 / inf = 0 is right."""
    out = 1 / (1 + np.exp(-x))
    return out, out


def sigmoid_backward_cs231n(dout, cache):
    out = cache
    return dout * out * (1 - out)


def sigmoid_forward_stable_caches_input(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)), x


def sigmoid_backward_from_input(dout, cache):
    e = np.exp(-np.abs(cache))
    s = np.where(cache >= 0, 1 / (1 + e), e / (1 + e))
    return dout * s * (1 - s)


def tanh_forward_numpy(x):
    out = np.tanh(x)
    return out, out


def tanh_backward_numpy(dout, cache):
    return dout * (1 - cache ** 2)


def tanh_forward_via_exp(x):
    """1 - 2 / (exp(2x) + 1): exp(2000) = inf gives 1, exp(-2000) = 0 gives -1, both right."""
    return 1 - 2 / (np.exp(2 * x) + 1), x


def tanh_backward_from_input(dout, cache):
    t = np.tanh(cache)
    return dout * (1 - t * t)


def softmax_loss_cs231n(x, y):
    shifted_logits = x - np.max(x, axis=1, keepdims=True)
    Z = np.sum(np.exp(shifted_logits), axis=1, keepdims=True)
    log_probs = shifted_logits - np.log(Z)
    probs = np.exp(log_probs)
    N = x.shape[0]
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx


def softmax_loss_rows_float32(x, y):
    """One sample at a time, in float32 after the max shift."""
    N = x.shape[0]
    loss, dx = np.float32(0), np.zeros(x.shape, dtype=np.float32)
    for i in range(N):
        s = (x[i] - x[i].max()).astype(np.float32)
        p = np.exp(s) / np.exp(s).sum()
        loss -= np.log(p[y[i]])
        p[y[i]] -= 1
        dx[i] = p / N
    return loss / N, dx


def svm_loss_cs231n(x, y):
    N = x.shape[0]
    correct_class_scores = x[np.arange(N), y]
    margins = np.maximum(0, x - correct_class_scores[:, np.newaxis] + 1.0)
    margins[np.arange(N), y] = 0
    loss = np.sum(margins) / N
    num_pos = np.sum(margins > 0, axis=1)
    dx = np.zeros_like(x)
    dx[margins > 0] = 1
    dx[np.arange(N), y] -= num_pos
    dx /= N
    return loss, dx


def svm_loss_loops(x, y):
    N, C = x.shape
    loss, dx = 0.0, np.zeros((N, C))
    for i in range(N):
        for j in range(C):
            if j == y[i]:
                continue
            margin = x[i, j] - x[i, y[i]] + 1
            if margin > 0:
                loss += margin
                dx[i, j] += 1 / N
                dx[i, y[i]] -= 1 / N
    return loss / N, dx


# =========================================================================== correct: randomised
def _scale(method, fan_in):
    return {"zeros": 0.0, "random": 0.01, "xavier": np.sqrt(1 / fan_in), "he": np.sqrt(2 / fan_in)}[method]


def init_params_legacy_seed(layer_dims, method, seed=None):
    """DLS style: np.random.seed, then randn(fan_in, fan_out) * scale layer by layer."""
    if seed is not None:
        np.random.seed(seed)
    params = {}
    for l in range(1, len(layer_dims)):
        params["W" + str(l)] = np.random.randn(layer_dims[l - 1], layer_dims[l]) * _scale(method, layer_dims[l - 1])
        params["b" + str(l)] = np.zeros((layer_dims[l],))
    return params


def init_params_generator(layer_dims, method, seed=None):
    rng = np.random.default_rng(seed)
    params = {}
    for l, (fan_in, fan_out) in enumerate(zip(layer_dims[:-1], layer_dims[1:]), start=1):
        if method == "zeros":
            params[f"W{l}"] = np.zeros((fan_in, fan_out))
        else:
            params[f"W{l}"] = rng.normal(scale=_scale(method, fan_in), size=(fan_in, fan_out))
        params[f"b{l}"] = np.zeros(fan_out)
    return params


def init_params_biases_first(layer_dims, method, seed=None):
    """Draws all the weights transposed (fan_out, fan_in) and in reverse layer order, then transposes."""
    rng = np.random.default_rng(seed)
    params = {}
    for l in reversed(range(1, len(layer_dims))):
        params[f"b{l}"] = np.zeros(layer_dims[l])
        params[f"W{l}"] = (_scale(method, layer_dims[l - 1]) * rng.standard_normal((layer_dims[l], layer_dims[l - 1]))).T
    return params


def dropout_forward_cs231n(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    out = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    elif mode == "test":
        out = x
    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)
    return out, cache


def dropout_backward_cs231n(dout, cache):
    dropout_param, mask = cache
    mode = dropout_param["mode"]
    dx = None
    if mode == "train":
        dx = dout * mask
    elif mode == "test":
        dx = dout
    return dx


def dropout_forward_binomial(x, dropout_param):
    """A boolean mask from np.random.binomial; the scaling happens when it is applied."""
    p = dropout_param["p"]
    if dropout_param["mode"] == "test":
        return x.copy(), (None, p, "test")
    if dropout_param.get("seed") is not None:
        np.random.seed(dropout_param["seed"])
    keep = np.random.binomial(1, p, size=x.shape).astype(bool)
    return np.where(keep, x / p, 0.0), (keep, p, "train")


def dropout_backward_binomial(dout, cache):
    keep, p, mode = cache
    return dout.copy() if mode == "test" else np.where(keep, dout / p, 0.0)


# =========================================================================== correct: networks
def _affine_relu_forward(x, w, b):
    a, fc_cache = affine_forward_cs231n(x, w, b)
    out, relu_cache = relu_forward_cs231n(a)
    return out, (fc_cache, relu_cache)


def _affine_relu_backward(dout, cache):
    fc_cache, relu_cache = cache
    return affine_backward_cs231n(relu_backward_cs231n(dout, relu_cache), fc_cache)


class TwoLayerNetCS231n:
    """As in CS231n assignment 2's fc_net.py, built on the layer functions above."""

    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0):
        self.params = {}
        self.reg = reg
        self.params["W1"] = weight_scale * np.random.randn(input_dim, hidden_dim)
        self.params["b1"] = np.zeros(hidden_dim)
        self.params["W2"] = weight_scale * np.random.randn(hidden_dim, num_classes)
        self.params["b2"] = np.zeros(num_classes)

    def loss(self, X, y=None):
        h1, cache1 = _affine_relu_forward(X, self.params["W1"], self.params["b1"])
        scores, cache2 = affine_forward_cs231n(h1, self.params["W2"], self.params["b2"])
        if y is None:
            return scores
        loss, grads = 0, {}
        loss, dscores = softmax_loss_cs231n(scores, y)
        loss += 0.5 * self.reg * (np.sum(self.params["W1"] ** 2) + np.sum(self.params["W2"] ** 2))
        dh1, grads["W2"], grads["b2"] = affine_backward_cs231n(dscores, cache2)
        _, grads["W1"], grads["b1"] = _affine_relu_backward(dh1, cache1)
        grads["W2"] += self.reg * self.params["W2"]
        grads["W1"] += self.reg * self.params["W1"]
        return loss, grads


class TwoLayerNetInline:
    """Everything written out with NumPy; probabilities instead of log-probabilities."""

    def __init__(self, input_dim, hidden_dim, num_classes, weight_scale=1e-3, reg=0.0):
        rng = np.random.default_rng(0)
        self.reg = reg
        self.params = {"W1": weight_scale * rng.standard_normal((input_dim, hidden_dim)), "b1": np.zeros(hidden_dim),
                       "W2": weight_scale * rng.standard_normal((hidden_dim, num_classes)), "b2": np.zeros(num_classes)}

    def loss(self, X, y=None):
        W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        X2 = X.reshape(len(X), -1)
        z = X2 @ W1 + b1
        h = np.where(z > 0, z, 0)
        scores = h @ W2 + b2
        if y is None:
            return scores
        N = len(X)
        e = np.exp(scores - scores.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        loss = -np.mean(np.log(p[np.arange(N), y])) + 0.5 * self.reg * (np.vdot(W1, W1) + np.vdot(W2, W2))
        d = (p - np.eye(W2.shape[1])[y]) / N
        dh = (d @ W2.T) * (z > 0)
        return loss, {"W1": X2.T @ dh + self.reg * W1, "b1": dh.sum(0), "W2": h.T @ d + self.reg * W2, "b2": d.sum(0)}


class FullyConnectedNetCS231n:
    """As in CS231n assignment 2's FullyConnectedNet (no normalization), caches in a list."""

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,
                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):
        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}
        dims = [input_dim] + hidden_dims + [num_classes]
        for i in range(self.num_layers):
            self.params["W" + str(i + 1)] = weight_scale * np.random.randn(dims[i], dims[i + 1])
            self.params["b" + str(i + 1)] = np.zeros(dims[i + 1])
        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
            if seed is not None:
                self.dropout_param["seed"] = seed
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"
        if self.use_dropout:
            self.dropout_param["mode"] = mode
        caches = []
        out = X
        for i in range(1, self.num_layers):
            out, cache = _affine_relu_forward(out, self.params["W%d" % i], self.params["b%d" % i])
            caches.append(cache)
            if self.use_dropout:
                out, cache = dropout_forward_cs231n(out, self.dropout_param)
                caches.append(cache)
        L = self.num_layers
        scores, cache = affine_forward_cs231n(out, self.params["W%d" % L], self.params["b%d" % L])
        caches.append(cache)
        if mode == "test":
            return scores
        loss, grads = 0.0, {}
        loss, dout = softmax_loss_cs231n(scores, y)
        for i in range(1, L + 1):
            loss += 0.5 * self.reg * np.sum(self.params["W%d" % i] ** 2)
        dout, grads["W%d" % L], grads["b%d" % L] = affine_backward_cs231n(dout, caches.pop())
        for i in range(L - 1, 0, -1):
            if self.use_dropout:
                dout = dropout_backward_cs231n(dout, caches.pop())
            dout, grads["W%d" % i], grads["b%d" % i] = _affine_relu_backward(dout, caches.pop())
        for i in range(1, L + 1):
            grads["W%d" % i] += self.reg * self.params["W%d" % i]
        return loss, grads


class FullyConnectedNetInline:
    """Layer sizes from zip, activations kept in lists, the penalty added in one sum."""

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,
                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):
        assert normalization is None
        self.reg, self.dtype, self.keep, self.seed = reg, dtype, dropout_keep_ratio, seed
        sizes = [input_dim, *hidden_dims, num_classes]
        self.L = len(sizes) - 1
        self.params = {}
        for i, (m, n) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            self.params[f"W{i}"] = (weight_scale * np.random.randn(m, n)).astype(dtype)
            self.params[f"b{i}"] = np.zeros(n, dtype=dtype)

    def loss(self, X, y=None):
        hs, masks = [X.reshape(X.shape[0], -1).astype(self.dtype)], []
        rng = np.random.default_rng(self.seed)  # its own masks: any draw is right at train time
        for i in range(1, self.L + 1):
            z = hs[-1] @ self.params[f"W{i}"] + self.params[f"b{i}"]
            if i < self.L:
                keep = rng.binomial(1, self.keep, size=z.shape) / self.keep if y is not None and self.keep < 1 else 1.0
                masks.append(keep)
                z = np.maximum(z, 0) * keep
            hs.append(z)
        scores = hs[-1]
        if y is None:
            return scores
        N = X.shape[0]
        lse = scores.max(1) + np.log(np.exp(scores - scores.max(1, keepdims=True)).sum(1))
        loss = np.mean(lse - scores[np.arange(N), y])
        loss += 0.5 * self.reg * sum(np.sum(self.params[f"W{i}"] ** 2) for i in range(1, self.L + 1))
        d = np.exp(scores - lse[:, None])
        d[np.arange(N), y] -= 1
        d /= N
        grads = {}
        for i in range(self.L, 0, -1):
            grads[f"W{i}"] = hs[i - 1].T @ d + self.reg * self.params[f"W{i}"]
            grads[f"b{i}"] = d.sum(0)
            d = (d @ self.params[f"W{i}"].T) * (hs[i - 1] > 0) * (masks[i - 2] if i > 1 else 1.0)
        return loss, grads


class TwoLayerNetFloat32(TwoLayerNetCS231n):
    """Parameters and data in float32, the result left in float32."""

    def loss(self, X, y=None):
        self.params = {k: v.astype(np.float32) for k, v in self.params.items()}
        return super().loss(X.astype(np.float32), y)


class FullyConnectedNetFloat32(FullyConnectedNetCS231n):
    """CS231n's default dtype=np.float32, whatever dtype it is given."""

    def __init__(self, hidden_dims, **kwargs):
        super().__init__(hidden_dims, **dict(kwargs, dtype=np.float32))

    def loss(self, X, y=None):
        self.params = {k: v.astype(np.float32) for k, v in self.params.items()}
        return super().loss(X, y)


# (forward=: the forward that built the cache; without it, the reference forward)
RIGHT = [
    Right("nn.affine_forward", affine_forward_cs231n),
    Right("nn.affine_forward", affine_forward_dict_cache),
    Right("nn.affine_backward", affine_backward_cs231n),
    Right("nn.affine_backward", affine_backward_cs231n, forward=affine_forward_cs231n),
    Right("nn.affine_backward", affine_backward_dict_cache, forward=affine_forward_dict_cache),
    Right("nn.relu_forward", relu_forward_cs231n),
    Right("nn.relu_forward", relu_forward_caches_output),
    Right("nn.relu_backward", relu_backward_cs231n, forward=relu_forward_cs231n),
    Right("nn.relu_backward", relu_backward_from_output, forward=relu_forward_caches_output),
    Right("nn.relu_backward", relu_backward_from_output),
    Right("nn.leaky_relu_forward", leaky_relu_forward_maximum),
    Right("nn.leaky_relu_forward", leaky_relu_forward_mask_cache),
    Right("nn.leaky_relu_backward", leaky_relu_backward_where, forward=leaky_relu_forward_maximum),
    Right("nn.leaky_relu_backward", leaky_relu_backward_mask_cache, forward=leaky_relu_forward_mask_cache),
    Right("nn.sigmoid_forward", sigmoid_forward_cs231n),
    Right("nn.sigmoid_forward", sigmoid_forward_stable_caches_input),
    Right("nn.sigmoid_backward", sigmoid_backward_cs231n, forward=sigmoid_forward_cs231n),
    Right("nn.sigmoid_backward", sigmoid_backward_cs231n),
    Right("nn.sigmoid_backward", sigmoid_backward_from_input, forward=sigmoid_forward_stable_caches_input),
    Right("nn.tanh_forward", tanh_forward_numpy),
    Right("nn.tanh_forward", tanh_forward_via_exp),
    Right("nn.tanh_backward", tanh_backward_numpy, forward=tanh_forward_numpy),
    Right("nn.tanh_backward", tanh_backward_from_input, forward=tanh_forward_via_exp),
    Right("nn.softmax_loss", softmax_loss_cs231n),
    Right("nn.softmax_loss", softmax_loss_rows_float32),
    Right("nn.svm_loss", svm_loss_cs231n),
    Right("nn.svm_loss", svm_loss_loops),
    Right("nn.init_params", init_params_legacy_seed),
    Right("nn.init_params", init_params_generator),
    Right("nn.init_params", init_params_biases_first),
    Right("nn.dropout_forward", dropout_forward_cs231n),
    Right("nn.dropout_forward", dropout_forward_binomial),
    Right("nn.dropout_backward", dropout_backward_cs231n, forward=dropout_forward_cs231n),
    Right("nn.dropout_backward", dropout_backward_cs231n),
    Right("nn.dropout_backward", dropout_backward_binomial, forward=dropout_forward_binomial),
    Right("nn.TwoLayerNet", TwoLayerNetCS231n),
    Right("nn.TwoLayerNet", TwoLayerNetInline),
    Right("nn.FullyConnectedNet", FullyConnectedNetCS231n),
    Right("nn.FullyConnectedNet", FullyConnectedNetInline),
    Right("nn.FullyConnectedNet", FullyConnectedNetFloat32),
    Right("nn.TwoLayerNet", TwoLayerNetFloat32),
]


RIGHT += float32_rows(RIGHT)  # the same code computing in float32


@right_rows(RIGHT)
def test_right_implementation_passes(row, seed):
    """Also with other seeds: grading draws its cases with a seed the learner never saw."""
    passes(row, seed)


# =========================================================================== wrong: layers
def affine_forward_no_bias(x, w, b):
    return x.reshape(x.shape[0], -1).dot(w), (x, w, b)


def affine_forward_no_reshape(x, w, b):
    return x.dot(w) + b, (x, w, b)


def affine_forward_scrambled_reshape(x, w, b):
    """Reshapes to (D, N) and transposes: the samples' features get mixed across rows."""
    return x.reshape(w.shape[0], -1).T.dot(w) + b, (x, w, b)


def affine_forward_returns_out_only(x, w, b):
    return x.reshape(x.shape[0], -1).dot(w) + b


def affine_forward_cache_first(x, w, b):
    return (x, w, b), x.reshape(x.shape[0], -1).dot(w) + b


def affine_backward_db_not_summed(dout, cache):
    x, w, b = cache
    return dout.dot(w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T.dot(dout), dout


def affine_backward_db_mean(dout, cache):
    x, w, b = cache
    return dout.dot(w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T.dot(dout), dout.mean(axis=0)


def affine_backward_dw_transposed(dout, cache):
    x, w, b = cache
    return dout.dot(w.T).reshape(x.shape), dout.T.dot(x.reshape(x.shape[0], -1)), dout.sum(axis=0)


def affine_backward_dx_flat(dout, cache):
    x, w, b = cache
    return dout.dot(w.T), x.reshape(x.shape[0], -1).T.dot(dout), dout.sum(axis=0)


def affine_backward_dx_without_transpose(dout, cache):
    x, w, b = cache
    return dout.dot(w).reshape(x.shape), x.reshape(x.shape[0], -1).T.dot(dout), dout.sum(axis=0)


def affine_backward_dw_wrong_sign(dout, cache):
    x, w, b = cache
    return dout.dot(w.T).reshape(x.shape), -x.reshape(x.shape[0], -1).T.dot(dout), dout.sum(axis=0)


def relu_forward_in_place(x):
    x[x < 0] = 0
    return x, x


def relu_forward_np_max(x):
    return np.max(0, x), x


def relu_forward_abs(x):
    return np.abs(x), x


def relu_forward_mask(x):
    return (x > 0).astype(x.dtype), x


def relu_forward_minimum(x):
    return np.minimum(0, x), x


def relu_backward_at_zero(dout, cache):
    return dout * (cache >= 0)


def relu_backward_mask_only(dout, cache):
    return (cache > 0).astype(float)


def relu_backward_relu_of_dout(dout, cache):
    return np.maximum(0, dout)


def relu_backward_negative_side(dout, cache):
    return dout * (cache < 0)


def relu_backward_edits_dout(dout, cache):
    dout[cache <= 0] = 0
    return dout


def relu_backward_times_x(dout, cache):
    return dout * np.maximum(cache, 0)


def leaky_relu_forward_fixed_alpha(x, alpha=0.01):
    return np.where(x > 0, x, 0.01 * x), (x, alpha)


def leaky_relu_forward_constant(x, alpha=0.01):
    return np.where(x > 0, x, alpha), (x, alpha)


def leaky_relu_forward_swapped(x, alpha=0.01):
    return np.where(x > 0, alpha * x, x), (x, alpha)


def leaky_relu_forward_in_place(x, alpha=0.01):
    x[x < 0] *= alpha
    return x, (x, alpha)


def leaky_relu_forward_relu(x, alpha=0.01):
    return np.maximum(0, x), (x, alpha)


def leaky_relu_backward_fixed_alpha(dout, cache):
    x, alpha = cache
    return dout * np.where(x > 0, 1.0, 0.01)


def leaky_relu_backward_alpha_without_dout(dout, cache):
    x, alpha = cache
    return np.where(x > 0, dout, alpha)


def leaky_relu_backward_swapped(dout, cache):
    x, alpha = cache
    return np.where(x > 0, alpha * dout, dout)


def leaky_relu_backward_edits_dout(dout, cache):
    x, alpha = cache
    dout[x <= 0] *= alpha
    return dout


def leaky_relu_backward_relu(dout, cache):
    x, alpha = cache
    return dout * (x > 0)


def sigmoid_forward_exp_of_x(x):
    out = 1 / (1 + np.exp(x))
    return out, out


def sigmoid_forward_overflows(x):
    out = np.exp(x) / (1 + np.exp(x))
    return out, out


def sigmoid_forward_tanh(x):
    return np.tanh(x), np.tanh(x)


def sigmoid_forward_minus(x):
    out = 1 / (1 - np.exp(-x))
    return out, out


def sigmoid_forward_returns_out_only(x):
    return 1 / (1 + np.exp(-np.clip(x, -500, 500)))


def sigmoid_forward_caching_input(x):
    """The forward is right; with sigmoid_backward_cs231n the cached x is read as the output."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)), x


def sigmoid_backward_sigmoid_again(dout, cache):
    s = 1 / (1 + np.exp(-cache))
    return dout * s * (1 - s)


def sigmoid_backward_without_dout(dout, cache):
    return cache * (1 - cache)


def sigmoid_backward_times_out(dout, cache):
    return dout * cache


def sigmoid_backward_edits_dout(dout, cache):
    dout *= cache * (1 - cache)
    return dout


def tanh_forward_exp(x):
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)), x


def tanh_forward_sigmoid(x):
    out = 1 / (1 + np.exp(-np.clip(x, -500, 500)))
    return out, out


def tanh_forward_two_sigmoid_minus_one(x):
    """2 * sigmoid(x) - 1 is tanh(x / 2), not tanh(x)."""
    s = 1 / (1 + np.exp(-np.clip(x, -500, 500)))
    return 2 * s - 1, None


def tanh_forward_arctan(x):
    return np.arctan(x), x


def tanh_forward_returns_out_only(x):
    return np.tanh(x)


def tanh_forward_caching_input(x):
    """Right forward; with tanh_backward_numpy the cached x is read as the output."""
    return np.tanh(x), x


def tanh_backward_not_squared(dout, cache):
    return dout * (1 - cache)


def tanh_backward_tanh_again(dout, cache):
    return dout * (1 - np.tanh(cache) ** 2)


def tanh_backward_without_dout(dout, cache):
    return 1 - cache ** 2


def tanh_backward_edits_dout(dout, cache):
    dout *= 1 - cache ** 2
    return dout


def tanh_backward_squared_difference(dout, cache):
    return dout * (1 - cache) ** 2


# --------------------------------------------------------------------------- losses
def _softmax(x, y, shift=True, average_loss=True, average_dx=True, sign=1.0, minus_one=True, in_place=False,
             axis=1):
    N = x.shape[0]
    if in_place:
        x -= np.max(x, axis=1, keepdims=True)
        s = x
    elif shift:
        s = x - np.max(x, axis=axis, keepdims=True)
    else:
        s = x
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        p = np.exp(s) / np.sum(np.exp(s), axis=1, keepdims=True)
        loss = -np.sum(np.log(p[np.arange(N), y]))
    dx = p.copy()
    if minus_one:
        dx[np.arange(N), y] -= 1
    return loss / (N if average_loss else 1), sign * dx / (N if average_dx else 1)


def softmax_loss_no_max_shift(x, y):
    return _softmax(x, y, shift=False)


def softmax_loss_column_max(x, y):
    return _softmax(x, y, axis=0)


def softmax_loss_summed(x, y):
    return _softmax(x, y, average_loss=False, average_dx=False)


def softmax_loss_dx_not_averaged(x, y):
    return _softmax(x, y, average_dx=False)


def softmax_loss_y_minus_p(x, y):
    return _softmax(x, y, sign=-1.0)


def softmax_loss_no_minus_one(x, y):
    return _softmax(x, y, minus_one=False)


def softmax_loss_shifts_x_in_place(x, y):
    return _softmax(x, y, in_place=True)


def _svm(x, y, delta=1.0, skip_correct=True, average=True, pull=True, strict=True):
    N = x.shape[0]
    margins = np.maximum(0, x - x[np.arange(N), y][:, None] + delta)
    if skip_correct:
        margins[np.arange(N), y] = 0
    positive = (margins > 0) if strict else (margins >= 0)
    dx = positive.astype(float)
    if pull:
        dx[np.arange(N), y] -= positive.sum(axis=1)
    return margins.sum() / (N if average else 1), dx / (N if average else 1)


def svm_loss_counts_correct_class(x, y):
    return _svm(x, y, skip_correct=False)


def svm_loss_no_delta(x, y):
    return _svm(x, y, delta=0.0)


def svm_loss_no_pull(x, y):
    return _svm(x, y, pull=False)


def svm_loss_summed(x, y):
    return _svm(x, y, average=False)


def svm_loss_mask_includes_zeros(x, y):
    """margins >= 0 is true for every class whose margin was clipped to 0."""
    return _svm(x, y, strict=False)


def svm_loss_dx_not_averaged(x, y):
    loss, dx = _svm(x, y)
    return loss, dx * x.shape[0]


# --------------------------------------------------------------------------- init
def _init(layer_dims, method, seed, std=None, shape=None, bias=np.zeros, seeded=True, first=1):
    if seeded and seed is not None:
        np.random.seed(seed)
    params = {}
    for l in range(1, len(layer_dims)):
        fan_in, fan_out = layer_dims[l - 1], layer_dims[l]
        s = std(method, fan_in, fan_out) if std else _scale(method, fan_in)
        w_shape = shape(fan_in, fan_out) if shape else (fan_in, fan_out)
        params[f"W{l - 1 + first}"] = s * np.random.randn(*w_shape)
        params[f"b{l - 1 + first}"] = bias(fan_out)
    return params


def init_he_fan_out(layer_dims, method, seed=None):
    return _init(layer_dims, method, seed,
                 std=lambda m, i, o: np.sqrt(2 / o) if m == "he" else _scale(m, i))


def init_xavier_is_glorot(layer_dims, method, seed=None):
    return _init(layer_dims, method, seed,
                 std=lambda m, i, o: np.sqrt(2 / (i + o)) if m == "xavier" else _scale(m, i))


def init_zeros_with_ones_biases(layer_dims, method, seed=None):
    return _init(layer_dims, method, seed, bias=np.zeros if method != "zeros" else np.ones)


def init_ignores_seed(layer_dims, method, seed=None):
    return _init(layer_dims, method, seed, seeded=False)


def init_dls_shapes(layer_dims, method, seed=None):
    """W of shape (fan_out, fan_in) as in the column-major DLS notebooks."""
    return _init(layer_dims, method, seed, shape=lambda i, o: (o, i))


def init_column_biases(layer_dims, method, seed=None):
    return _init(layer_dims, method, seed, bias=lambda n: np.zeros((n, 1)))


def init_random_without_001(layer_dims, method, seed=None):
    return _init(layer_dims, method, seed, std=lambda m, i, o: 1.0 if m == "random" else _scale(m, i))


def init_he_variance_as_std(layer_dims, method, seed=None):
    return _init(layer_dims, method, seed, std=lambda m, i, o: 2 / i if m == "he" else _scale(m, i))


def init_zero_based_keys(layer_dims, method, seed=None):
    return _init(layer_dims, method, seed, first=0)


# --------------------------------------------------------------------------- dropout
def _dropout(x, dropout_param, keep=True, rescale="inverse", test_scale=None, mask_at_test=False, seeded=True):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if seeded:
        np.random.seed(dropout_param["seed"]) if "seed" in dropout_param else None
    if mode == "test" and not mask_at_test:
        out = x if test_scale is None else x * test_scale
        return out, (dropout_param, None)
    u = np.random.rand(*x.shape)
    mask = (u < p) if keep else (u < 1 - p)
    mask = mask / p if rescale == "inverse" else (mask * p if rescale == "times" else mask.astype(float))
    return x * mask, (dropout_param, mask)


def dropout_p_is_drop_probability(x, dropout_param):
    return _dropout(x, dropout_param, keep=False, rescale="none")


def dropout_not_rescaled(x, dropout_param):
    return _dropout(x, dropout_param, rescale="none")


def dropout_rescaled_at_test_time(x, dropout_param):
    """Inverted dropout at train time AND the classic p-scaling at test time."""
    return _dropout(x, dropout_param, test_scale=dropout_param["p"])


def dropout_masks_at_test_time(x, dropout_param):
    return _dropout(x, dropout_param, mask_at_test=True)


def dropout_ignores_seed(x, dropout_param):
    return _dropout(x, dropout_param, seeded=False)


def dropout_assumes_seed(x, dropout_param):
    np.random.seed(dropout_param["seed"])
    return _dropout(x, dropout_param, seeded=False)


def dropout_times_p(x, dropout_param):
    return _dropout(x, dropout_param, rescale="times")


def dropout_backward_new_mask(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "test":
        return dout
    p = dropout_param["p"]
    return dout * (np.random.rand(*dout.shape) < p) / p


def dropout_backward_mask_only(dout, cache):
    dropout_param, mask = cache
    return mask if dropout_param["mode"] == "train" else np.ones_like(dout)


def dropout_backward_mask_at_test(dout, cache):
    dropout_param, mask = cache
    if mask is None:
        mask = (np.random.rand(*dout.shape) < dropout_param["p"]) / dropout_param["p"]
    return dout * mask


def dropout_backward_divides_twice(dout, cache):
    dropout_param, mask = cache
    return dout * mask / dropout_param["p"] if dropout_param["mode"] == "train" else dout


def dropout_backward_edits_dout(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        dout *= mask
    return dout


# --------------------------------------------------------------------------- networks
class TwoLayerNetRegularisesBiases(TwoLayerNetCS231n):
    def loss(self, X, y=None):
        out = super().loss(X, y)
        if y is None:
            return out
        loss, grads = out
        for b in ("b1", "b2"):
            loss += 0.5 * self.reg * np.sum(self.params[b] ** 2)
            grads[b] = grads[b] + self.reg * self.params[b]
        return loss, grads


class TwoLayerNetLinearPenalty(TwoLayerNetCS231n):
    """reg * sum(W * W) with gradient 2 * reg * W: right for notebook 03, not for networks."""

    def loss(self, X, y=None):
        out = super().loss(X, y)
        if y is None:
            return out
        loss, grads = out
        for w in ("W1", "W2"):
            loss += 0.5 * self.reg * np.sum(self.params[w] ** 2)
            grads[w] = grads[w] + self.reg * self.params[w]
        return loss, grads


class TwoLayerNetReluOnScores(TwoLayerNetCS231n):
    def loss(self, X, y=None):
        W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        h, c1 = _affine_relu_forward(X, W1, b1)
        scores, c2 = _affine_relu_forward(h, W2, b2)
        if y is None:
            return scores
        loss, d = softmax_loss_cs231n(scores, y)
        loss += 0.5 * self.reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
        grads = {}
        dh, grads["W2"], grads["b2"] = _affine_relu_backward(d, c2)
        _, grads["W1"], grads["b1"] = _affine_relu_backward(dh, c1)
        grads["W1"] += self.reg * W1
        grads["W2"] += self.reg * W2
        return loss, grads


class TwoLayerNetNoReluBackward(TwoLayerNetCS231n):
    """Backpropagates through the hidden layer as if there were no ReLU."""

    def loss(self, X, y=None):
        W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        h, c1 = _affine_relu_forward(X, W1, b1)
        scores, c2 = affine_forward_cs231n(h, W2, b2)
        if y is None:
            return scores
        loss, d = softmax_loss_cs231n(scores, y)
        loss += 0.5 * self.reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
        grads = {}
        dh, grads["W2"], grads["b2"] = affine_backward_cs231n(d, c2)
        _, grads["W1"], grads["b1"] = affine_backward_cs231n(dh, c1[0])
        grads["W1"] += self.reg * W1
        grads["W2"] += self.reg * W2
        return loss, grads


class TwoLayerNetRegNotDifferentiated(TwoLayerNetCS231n):
    def loss(self, X, y=None):
        out = super().loss(X, y)
        if y is None:
            return out
        loss, grads = out
        grads["W1"] = grads["W1"] - self.reg * self.params["W1"]
        grads["W2"] = grads["W2"] - self.reg * self.params["W2"]
        return loss, grads


class TwoLayerNetNoRegularization(TwoLayerNetCS231n):
    def loss(self, X, y=None):
        reg, self.reg = self.reg, 0.0
        try:
            return super().loss(X, y)
        finally:
            self.reg = reg


class TwoLayerNetBiasGradientNotSummed(TwoLayerNetCS231n):
    def loss(self, X, y=None):
        W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        h, c1 = _affine_relu_forward(X, W1, b1)
        scores, c2 = affine_forward_cs231n(h, W2, b2)
        if y is None:
            return scores
        loss, d = softmax_loss_cs231n(scores, y)
        loss += 0.5 * self.reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
        dh, dW2, _ = affine_backward_cs231n(d, c2)
        dz = relu_backward_cs231n(dh, c1[1])
        _, dW1, _ = affine_backward_cs231n(dz, c1[0])
        return loss, {"W1": dW1 + self.reg * W1, "b1": dz, "W2": dW2 + self.reg * W2, "b2": d}


class TwoLayerNetReinitialisesInLoss(TwoLayerNetCS231n):
    """Draws fresh weights inside loss (a misplaced initialisation): the given parameters are lost."""

    def loss(self, X, y=None):
        for k in ("W1", "W2"):
            self.params[k] = 1e-3 * np.random.randn(*self.params[k].shape)
        return super().loss(X, y)


class FullyConnectedNetRegularisesBiases(FullyConnectedNetCS231n):
    def loss(self, X, y=None):
        out = super().loss(X, y)
        if y is None:
            return out
        loss, grads = out
        for i in range(1, self.num_layers + 1):
            loss += 0.5 * self.reg * np.sum(self.params[f"b{i}"] ** 2)
            grads[f"b{i}"] = grads[f"b{i}"] + self.reg * self.params[f"b{i}"]
        return loss, grads


class FullyConnectedNetReluOnScores(FullyConnectedNetInline):
    def loss(self, X, y=None):
        scores = super().loss(X)
        if y is None:
            return np.maximum(scores, 0)
        hs = [X.reshape(X.shape[0], -1)]
        zs = []
        for i in range(1, self.L + 1):
            zs.append(hs[-1] @ self.params[f"W{i}"] + self.params[f"b{i}"])
            hs.append(np.maximum(zs[-1], 0))
        loss, d = softmax_loss_cs231n(hs[-1], y)
        loss += 0.5 * self.reg * sum(np.sum(self.params[f"W{i}"] ** 2) for i in range(1, self.L + 1))
        grads = {}
        for i in range(self.L, 0, -1):
            d = d * (zs[i - 1] > 0)
            grads[f"W{i}"] = hs[i - 1].T @ d + self.reg * self.params[f"W{i}"]
            grads[f"b{i}"] = d.sum(0)
            d = d @ self.params[f"W{i}"].T
        return loss, grads


class FullyConnectedNetLastCacheReused(FullyConnectedNetCS231n):
    """One `cache` variable for every layer: the backward pass sees the last hidden layer's cache throughout."""

    def loss(self, X, y=None):
        out = X.astype(self.dtype)
        cache = None
        for i in range(1, self.num_layers):
            out, cache = _affine_relu_forward(out, self.params["W%d" % i], self.params["b%d" % i])
        L = self.num_layers
        scores, last = affine_forward_cs231n(out, self.params["W%d" % L], self.params["b%d" % L])
        if y is None:
            return scores
        loss, dout = softmax_loss_cs231n(scores, y)
        loss += 0.5 * self.reg * sum(np.sum(self.params["W%d" % i] ** 2) for i in range(1, L + 1))
        grads = {}
        dout, grads["W%d" % L], grads["b%d" % L] = affine_backward_cs231n(dout, last)
        for i in range(L - 1, 0, -1):
            dout, grads["W%d" % i], grads["b%d" % i] = _affine_relu_backward(dout, cache)
            grads["W%d" % i] = grads["W%d" % i] + self.reg * self.params["W%d" % i]
        grads["W%d" % L] += self.reg * self.params["W%d" % L]
        return loss, grads


class FullyConnectedNetRegNotDifferentiated(FullyConnectedNetCS231n):
    def loss(self, X, y=None):
        out = super().loss(X, y)
        if y is None:
            return out
        loss, grads = out
        for i in range(1, self.num_layers + 1):
            grads[f"W{i}"] = grads[f"W{i}"] - self.reg * self.params[f"W{i}"]
        return loss, grads


class FullyConnectedNetOneLayerShort(FullyConnectedNetCS231n):
    """range(len(hidden_dims)) instead of range(len(hidden_dims) + 1): the output layer is missing."""

    def __init__(self, hidden_dims, **kwargs):
        super().__init__(hidden_dims[:-1] + [kwargs.get("num_classes", 10)], **{
            k: v for k, v in kwargs.items() if k != "num_classes"}, num_classes=kwargs.get("num_classes", 10))
        self.num_layers = len(hidden_dims)
        for k in list(self.params):
            if int(k[1:]) > self.num_layers:
                del self.params[k]


class FullyConnectedNetLinearPenalty(FullyConnectedNetCS231n):
    def loss(self, X, y=None):
        out = super().loss(X, y)
        if y is None:
            return out
        loss, grads = out
        for i in range(1, self.num_layers + 1):
            loss += 0.5 * self.reg * np.sum(self.params[f"W{i}"] ** 2)
            grads[f"W{i}"] = grads[f"W{i}"] + self.reg * self.params[f"W{i}"]
        return loss, grads


# (says=: words the finding must carry; each=True: every finding of that code carries them)
class TwoLayerNetIgnoresWeightScale(TwoLayerNetCS231n):
    """A fixed 0.01 instead of the weight_scale it was given."""

    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0):
        super().__init__(input_dim, hidden_dim, num_classes, 0.01, reg)


class TwoLayerNetRandomBiases(TwoLayerNetCS231n):
    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0):
        super().__init__(input_dim, hidden_dim, num_classes, weight_scale, reg)
        self.params["b1"] = weight_scale * np.random.randn(hidden_dim)
        self.params["b2"] = weight_scale * np.random.randn(num_classes)


class TwoLayerNetXavierInstead(TwoLayerNetCS231n):
    """Xavier's 1 / sqrt(fan_in) where weight_scale was asked for."""

    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0):
        super().__init__(input_dim, hidden_dim, num_classes, weight_scale, reg)
        self.params["W1"] = np.random.randn(input_dim, hidden_dim) / np.sqrt(input_dim)
        self.params["W2"] = np.random.randn(hidden_dim, num_classes) / np.sqrt(hidden_dim)


class TwoLayerNetUnseededGenerator(TwoLayerNetCS231n):
    """A generator of its own, made without a seed: np.random.seed no longer reproduces the network."""

    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0):
        super().__init__(input_dim, hidden_dim, num_classes, weight_scale, reg)
        rng = np.random.default_rng()
        self.params["W1"] = weight_scale * rng.standard_normal((input_dim, hidden_dim))
        self.params["W2"] = weight_scale * rng.standard_normal((hidden_dim, num_classes))


class FullyConnectedNetFloat32Unregularised(FullyConnectedNetFloat32):
    """float32 and the penalty forgotten in loss and gradients: float32 must not hide a mistake."""

    def loss(self, X, y=None):
        reg, self.reg = self.reg, 0.0
        try:
            return super().loss(X, y)
        finally:
            self.reg = reg


class FullyConnectedNetDropoutAtTestTime(FullyConnectedNetCS231n):
    """Never sets dropout_param['mode'] = 'test': loss(X) drops units too (the seed makes it repeatable)."""

    keep_seed = True

    def loss(self, X, y=None):
        if y is not None:
            return super().loss(X, y)
        param = {k: v for k, v in self.dropout_param.items() if k != "seed" or self.keep_seed}
        out = X.astype(self.dtype)
        for i in range(1, self.num_layers):
            out, _ = _affine_relu_forward(out, self.params[f"W{i}"], self.params[f"b{i}"])
            if self.use_dropout:
                out, _ = dropout_forward_cs231n(out, dict(param, mode="train"))
        L = self.num_layers
        return affine_forward_cs231n(out, self.params[f"W{L}"], self.params[f"b{L}"])[0]


class FullyConnectedNetUnseededTestDropout(FullyConnectedNetDropoutAtTestTime):
    """Dropout at test time with a fresh mask at every call (the seed left out)."""

    keep_seed = False


class FullyConnectedNetRowBiases(FullyConnectedNetCS231n):
    """Biases made as (1, fan_out) rows: they broadcast in the loss, but self.params has the wrong shapes."""

    def __init__(self, hidden_dims, **kwargs):
        super().__init__(hidden_dims, **kwargs)
        self.params = {k: (v[None, :] if k.startswith("b") else v) for k, v in self.params.items()}

WRONG = [
    Wrong("nn.affine_forward", affine_forward_no_bias, "known_mistake"),
    Wrong("nn.affine_forward", affine_forward_no_reshape, "exception"),
    Wrong("nn.affine_forward", affine_forward_scrambled_reshape, "mismatch"),
    Wrong("nn.affine_forward", affine_forward_returns_out_only, "wrong_type"),
    Wrong("nn.affine_forward", affine_forward_cache_first, "wrong_type"),
    Wrong("nn.affine_backward", affine_backward_db_not_summed, "shape"),
    Wrong("nn.affine_backward", affine_backward_db_mean, "known_mistake"),
    Wrong("nn.affine_backward", affine_backward_dw_transposed, "transposed"),
    Wrong("nn.affine_backward", affine_backward_dx_flat, "shape"),
    Wrong("nn.affine_backward", affine_backward_dx_without_transpose, "exception"),
    Wrong("nn.affine_backward", affine_backward_dw_wrong_sign, "sign"),
    Wrong("nn.relu_forward", relu_forward_in_place, "mutates_input"),
    Wrong("nn.relu_forward", relu_forward_np_max, "exception"),
    Wrong("nn.relu_forward", relu_forward_abs, "mismatch"),
    Wrong("nn.relu_forward", relu_forward_mask, "mismatch"),
    Wrong("nn.relu_forward", relu_forward_minimum, "mismatch"),
    Wrong("nn.relu_backward", relu_backward_at_zero, "known_mistake", says="x >= 0", each=True),
    Wrong("nn.relu_backward", relu_backward_mask_only, "known_mistake"),
    Wrong("nn.relu_backward", relu_backward_relu_of_dout, "known_mistake"),
    Wrong("nn.relu_backward", relu_backward_negative_side, "mismatch"),
    Wrong("nn.relu_backward", relu_backward_edits_dout, "mutates_input"),
    Wrong("nn.relu_backward", relu_backward_times_x, "mismatch"),
    Wrong("nn.leaky_relu_forward", leaky_relu_forward_fixed_alpha, "known_mistake"),
    Wrong("nn.leaky_relu_forward", leaky_relu_forward_constant, "mismatch"),
    Wrong("nn.leaky_relu_forward", leaky_relu_forward_swapped, "mismatch"),
    Wrong("nn.leaky_relu_forward", leaky_relu_forward_in_place, "mutates_input"),
    Wrong("nn.leaky_relu_forward", leaky_relu_forward_relu, "mismatch"),
    Wrong("nn.leaky_relu_backward", leaky_relu_backward_fixed_alpha, "known_mistake"),
    Wrong("nn.leaky_relu_backward", leaky_relu_backward_alpha_without_dout, "known_mistake"),
    Wrong("nn.leaky_relu_backward", leaky_relu_backward_swapped, "known_mistake"),
    Wrong("nn.leaky_relu_backward", leaky_relu_backward_edits_dout, "mutates_input"),
    Wrong("nn.leaky_relu_backward", leaky_relu_backward_relu, "mismatch"),
    Wrong("nn.sigmoid_forward", sigmoid_forward_exp_of_x, "known_mistake"),
    Wrong("nn.sigmoid_forward", sigmoid_forward_overflows, "non_finite"),
    Wrong("nn.sigmoid_forward", sigmoid_forward_tanh, "mismatch"),
    Wrong("nn.sigmoid_forward", sigmoid_forward_minus, "mismatch"),
    Wrong("nn.sigmoid_forward", sigmoid_forward_returns_out_only, "wrong_type"),
    Wrong("nn.sigmoid_backward", sigmoid_backward_cs231n, "known_mistake", says="input x treated as the output", each=True,
          forward=sigmoid_forward_caching_input),
    Wrong("nn.sigmoid_backward", sigmoid_backward_sigmoid_again, "known_mistake"),
    Wrong("nn.sigmoid_backward", sigmoid_backward_without_dout, "known_mistake"),
    Wrong("nn.sigmoid_backward", sigmoid_backward_times_out, "mismatch"),
    Wrong("nn.sigmoid_backward", sigmoid_backward_edits_dout, "mutates_input"),
    Wrong("nn.tanh_forward", tanh_forward_exp, "non_finite"),
    Wrong("nn.tanh_forward", tanh_forward_sigmoid, "mismatch"),
    Wrong("nn.tanh_forward", tanh_forward_two_sigmoid_minus_one, "mismatch"),
    Wrong("nn.tanh_forward", tanh_forward_arctan, "mismatch"),
    Wrong("nn.tanh_forward", tanh_forward_returns_out_only, "wrong_type"),
    Wrong("nn.tanh_backward", tanh_backward_not_squared, "known_mistake", says="1 - out ** 2", each=True),
    Wrong("nn.tanh_backward", tanh_backward_tanh_again, "known_mistake"),
    Wrong("nn.tanh_backward", tanh_backward_numpy, "known_mistake", forward=tanh_forward_caching_input),
    Wrong("nn.tanh_backward", tanh_backward_without_dout, "known_mistake"),
    Wrong("nn.tanh_backward", tanh_backward_edits_dout, "mutates_input"),
    Wrong("nn.tanh_backward", tanh_backward_squared_difference, "mismatch"),
    Wrong("nn.softmax_loss", softmax_loss_no_max_shift, "non_finite"),
    Wrong("nn.softmax_loss", softmax_loss_column_max, "non_finite"),
    Wrong("nn.softmax_loss", softmax_loss_summed, "scale"),
    Wrong("nn.softmax_loss", softmax_loss_dx_not_averaged, "scale"),
    Wrong("nn.softmax_loss", softmax_loss_y_minus_p, "sign"),
    Wrong("nn.softmax_loss", softmax_loss_no_minus_one, "known_mistake"),
    Wrong("nn.softmax_loss", softmax_loss_shifts_x_in_place, "mutates_input"),
    Wrong("nn.svm_loss", svm_loss_counts_correct_class, "known_mistake", says="correct class", each=True),
    Wrong("nn.svm_loss", svm_loss_no_delta, "known_mistake"),
    Wrong("nn.svm_loss", svm_loss_no_pull, "known_mistake"),
    Wrong("nn.svm_loss", svm_loss_summed, "scale"),
    Wrong("nn.svm_loss", svm_loss_mask_includes_zeros, "gradient"),
    Wrong("nn.svm_loss", svm_loss_dx_not_averaged, "scale"),
    Wrong("nn.init_params", init_he_fan_out, "property", says="He with fan-out"),
    Wrong("nn.init_params", init_xavier_is_glorot, "property", says="Glorot"),
    Wrong("nn.init_params", init_zeros_with_ones_biases, "property", says="b1 has"),
    Wrong("nn.init_params", init_ignores_seed, "property", says="two calls with seed="),
    Wrong("nn.init_params", init_dls_shapes, "shape"),
    Wrong("nn.init_params", init_column_biases, "shape"),
    Wrong("nn.init_params", init_random_without_001, "property"),
    Wrong("nn.init_params", init_he_variance_as_std, "property", says="variance used as the standard deviation"),
    Wrong("nn.init_params", init_zero_based_keys, "wrong_type"),
    Wrong("nn.dropout_forward", dropout_p_is_drop_probability, "property", says="1 - p"),
    Wrong("nn.dropout_forward", dropout_not_rescaled, "property", says="expected 1 / p"),
    Wrong("nn.dropout_forward", dropout_rescaled_at_test_time, "property", says="test mode"),
    Wrong("nn.dropout_forward", dropout_masks_at_test_time, "property"),
    Wrong("nn.dropout_forward", dropout_ignores_seed, "property", says="np.random.seed"),
    Wrong("nn.dropout_forward", dropout_assumes_seed, "exception"),
    Wrong("nn.dropout_forward", dropout_times_p, "property"),
    Wrong("nn.dropout_backward", dropout_backward_new_mask, "property", says="forward's mask"),
    Wrong("nn.dropout_backward", dropout_backward_mask_only, "property"),
    Wrong("nn.dropout_backward", dropout_backward_mask_at_test, "property"),
    Wrong("nn.dropout_backward", dropout_backward_divides_twice, "property"),
    Wrong("nn.dropout_backward", dropout_backward_edits_dout, "mutates_input"),
    Wrong("nn.TwoLayerNet", TwoLayerNetRegularisesBiases, "known_mistake", says="biases", each=True),
    Wrong("nn.TwoLayerNet", TwoLayerNetLinearPenalty, "known_mistake"),
    Wrong("nn.TwoLayerNet", TwoLayerNetReluOnScores, "known_mistake"),
    Wrong("nn.TwoLayerNet", TwoLayerNetNoReluBackward, "gradient"),
    Wrong("nn.TwoLayerNet", TwoLayerNetRegNotDifferentiated, "gradient"),
    Wrong("nn.TwoLayerNet", TwoLayerNetRegNotDifferentiated, "known_mistake", says="reg * W", each=True),
    Wrong("nn.TwoLayerNet", TwoLayerNetNoRegularization, "missing_regularization"),
    Wrong("nn.TwoLayerNet", TwoLayerNetNoRegularization, "known_mistake", says="reg * W", each=True),
    Wrong("nn.TwoLayerNet", TwoLayerNetBiasGradientNotSummed, "shape"),
    Wrong("nn.TwoLayerNet", TwoLayerNetReinitialisesInLoss, "mismatch"),
    Wrong("nn.FullyConnectedNet", FullyConnectedNetRegularisesBiases, "known_mistake"),
    Wrong("nn.FullyConnectedNet", FullyConnectedNetReluOnScores, "known_mistake", says="ReLU", each=True),
    Wrong("nn.FullyConnectedNet", FullyConnectedNetLastCacheReused, "exception"),
    Wrong("nn.FullyConnectedNet", FullyConnectedNetRegNotDifferentiated, "gradient"),
    Wrong("nn.FullyConnectedNet", FullyConnectedNetRegNotDifferentiated, "known_mistake", says="reg * W", each=True),
    Wrong("nn.FullyConnectedNet", FullyConnectedNetOneLayerShort, "wrong_type"),
    Wrong("nn.FullyConnectedNet", FullyConnectedNetLinearPenalty, "known_mistake"),
    Wrong("nn.TwoLayerNet", TwoLayerNetIgnoresWeightScale, "property", says="weight_scale"),
    Wrong("nn.TwoLayerNet", TwoLayerNetRandomBiases, "property", says="biases start at 0"),
    Wrong("nn.TwoLayerNet", TwoLayerNetXavierInstead, "property", says="standard deviation"),
    Wrong("nn.TwoLayerNet", TwoLayerNetUnseededGenerator, "property", says="np.random.seed"),
    Wrong("nn.FullyConnectedNet", FullyConnectedNetRowBiases, "property", says="shape"),
    Wrong("nn.FullyConnectedNet", FullyConnectedNetDropoutAtTestTime, "property", says="without dropout"),
    Wrong("nn.FullyConnectedNet", FullyConnectedNetUnseededTestDropout, "property", says="two calls of loss(X)"),
    Wrong("nn.FullyConnectedNet", FullyConnectedNetFloat32Unregularised, "missing_regularization"),
]


WRONG += float32_rows(WRONG)  # the same code computing in float32


@wrong_rows(WRONG, seeds=GRADING)
def test_wrong_implementation_is_diagnosed(row, seed):
    diagnosed(row, seed)


def test_property_messages_exist_in_chinese():
    from checker import set_language

    set_language("zh")
    report = report_of("nn.dropout_forward", dropout_p_is_drop_probability)  # messages are rendered when read
    message = finding(report, "property").message
    assert "保留比例" in message and "1 - p" in message, message


# =========================================================================== randomised tasks: robust bounds
@pytest.mark.parametrize("task_id, fn, forward", [
    ("nn.init_params", init_params_legacy_seed, None),
    ("nn.init_params", init_params_generator, None),
    ("nn.dropout_forward", dropout_forward_cs231n, None),
    ("nn.dropout_forward", dropout_forward_binomial, None),
    ("nn.dropout_backward", dropout_backward_cs231n, dropout_forward_cs231n),
])
def test_statistical_bounds_hold_for_many_seeds(task_id, fn, forward):
    """A correct implementation with any random stream passes: 25 grading seeds, no false alarm."""
    failures = [seed for seed in range(1000, 1025) if check(task_id, fn, seed=seed, forward=forward).codes != ["ok"]]
    assert not failures, f"{fn.__name__} failed for seeds {failures}"


def test_reference_classes_pass_their_own_tasks_without_calling_guarded_names():
    """The reference networks use private helpers: a call of a guarded public name would be uses_reference."""
    for task_id, cls in (("nn.TwoLayerNet", ref.TwoLayerNet), ("nn.FullyConnectedNet", ref.FullyConnectedNet)):
        assert check(task_id, cls).codes == ["ok"], task_id


def test_a_backward_without_a_forward_of_its_own_gets_the_reference_forward_silently():
    report = report_of("nn.affine_backward", affine_backward_cs231n)
    assert report.codes == ["ok"], report.text()


def test_a_stub_forward_next_to_the_backward_gives_way_to_the_reference_forward():
    namespace = {"np": np}
    exec("def relu_forward(x):\n    raise NotImplementedError\n"
         "def relu_backward(dout, cache):\n    return dout * (cache > 0)\n", namespace)
    report = check("nn.relu_backward", namespace["relu_backward"])
    assert report.passed and "note" in report.codes, report.text()


def test_the_learners_own_forward_is_found_next_to_the_backward():
    namespace = {"np": np}
    exec("def leaky_relu_forward(x, alpha=0.01):\n    return np.where(x > 0, x, alpha * x), {'x': x, 'a': alpha}\n"
         "def leaky_relu_backward(dout, cache):\n    return dout * np.where(cache['x'] > 0, 1.0, cache['a'])\n", namespace)
    assert check("nn.leaky_relu_backward", namespace["leaky_relu_backward"]).codes == ["ok"]


@pytest.mark.parametrize("task_id, fn", [("nn.sigmoid_forward", sigmoid_forward_cs231n),
                                         ("nn.tanh_forward", tanh_forward_via_exp),
                                         ("nn.sigmoid_forward", sigmoid_forward_overflows)])
def test_overflow_warnings_stay_out_of_the_check_cell(task_id, fn, recwarn):
    """nbgrader gives no points to a check cell that writes to stderr; the textbook sigmoid warns at x = -1000."""
    check(task_id, fn)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)], [str(w.message) for w in recwarn]


# =========================================================================== the cases
@pytest.mark.parametrize("seed", [231, 0, 12345])
def test_layer_cases_cover_the_edge_cases(seed):
    affine = get("nn.affine_forward").make_cases(seed)
    assert any(case.args[0].ndim > 2 for case in affine), "expected inputs to flatten"
    assert any(case.args[0].shape[0] == 1 for case in affine), "expected a one-sample case"
    assert all(case.args[1].shape[0] != case.args[1].shape[1] for case in affine), "square w would hide a transposed dw"
    for task_id in ("nn.relu_backward", "nn.leaky_relu_backward"):
        assert any(np.any(case.args[0] == 0) for case in get(task_id).make_cases(seed)), f"{task_id}: no exact zero"
    assert any(case.kwargs.get("alpha", 0.01) != 0.01 for case in get("nn.leaky_relu_forward").make_cases(seed))
    for task_id in ("nn.sigmoid_forward", "nn.tanh_forward"):
        assert any(np.abs(case.args[0]).max() >= 1000 for case in get(task_id).make_cases(seed)), task_id
    for case in get("nn.dropout_forward").make_cases(seed):
        assert np.abs(case.args[0]).min() >= 0.1, "dropped and kept entries must be told apart by out != 0"
    modes = [case.args[1]["mode"] for case in get("nn.dropout_forward").make_cases(seed)]
    assert "test" in modes and "train" in modes
    assert any("seed" not in case.args[1] for case in get("nn.dropout_forward").make_cases(seed))


@pytest.mark.parametrize("seed", [231, 0, 12345])
def test_loss_cases(seed):
    softmax = get("nn.softmax_loss").make_cases(seed)
    shifted = [case for case in softmax if np.abs(case.args[0]).min() > 900]
    assert len(shifted) == 1
    x, y = shifted[0].args
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        naive = -np.log(np.exp(x)[np.arange(len(y)), y] / np.exp(x).sum(axis=1)).mean()
    assert not np.isfinite(naive) and np.isfinite(ref.softmax_loss(x, y)[0])
    for case in get("nn.svm_loss").make_cases(seed):
        x, y = case.args
        margins = x - x[np.arange(len(y)), y][:, None] + 1
        margins[np.arange(len(y)), y] = np.inf
        assert np.abs(margins).min() > 0.05, f"{case.label}: a margin near the hinge's kink"
    for task_id in ("nn.softmax_loss", "nn.svm_loss"):
        cases = get(task_id).make_cases(seed)
        assert any(case.args[0].shape[0] == 1 for case in cases)
        assert any(len(np.unique(case.args[1])) < case.args[0].shape[1] for case in cases)


@pytest.mark.parametrize("seed", [231, 0, 12345])
@pytest.mark.parametrize("task_id", ["nn.TwoLayerNet", "nn.FullyConnectedNet"])
def test_network_cases_stay_away_from_relus_kink(task_id, seed):
    cases = get(task_id).make_cases(seed)
    assert any(case.args[0]["reg"] == 0 for case in cases) and any(case.args[0]["reg"] > 0 for case in cases)
    assert any(case.args[2].ndim > 2 for case in cases), "expected image-shaped X"
    for case in cases:
        init, params, X, y = case.args
        h = X.reshape(X.shape[0], -1)
        layers = len(params) // 2
        for i in range(1, layers):
            z = h @ params[f"W{i}"] + params[f"b{i}"]
            assert np.abs(z).min() > 0.01, f"{case.label}: hidden pre-activation {np.abs(z).min():.2g} near 0"
            h = np.maximum(z, 0)
        assert all(v.dtype == np.float64 for v in params.values())
        if task_id == "nn.FullyConnectedNet":
            assert np.dtype(init["dtype"]) == np.float64 and isinstance(init["dtype"], str) and init["normalization"] is None
            assert 0 < init["dropout_keep_ratio"] <= 1
    if task_id == "nn.FullyConnectedNet":
        assert any(case.args[0]["dropout_keep_ratio"] < 1 for case in cases), "expected a case with dropout"


# =========================================================================== reference edge behaviour
def test_reference_refuses_bad_arguments_with_clear_messages():
    with pytest.raises(ValueError, match="method must be one of"):
        ref.init_params([3, 2], "glorot")
    with pytest.raises(ValueError, match="keep probability"):
        ref.dropout_forward(np.ones(3), {"p": 0.0, "mode": "train"})
    with pytest.raises(ValueError, match="'train' or 'test'"):
        ref.dropout_forward(np.ones(3), {"p": 0.5, "mode": "eval"})
    with pytest.raises(ValueError, match="None, 'batchnorm' or 'layernorm'"):
        ref.FullyConnectedNet([4], input_dim=3, num_classes=2, normalization="groupnorm")


def test_reference_init_params_statistics_and_seed():
    params = ref.init_params([2000, 500, 10], "he", seed=3)
    assert np.isclose(params["W1"].std(), np.sqrt(2 / 2000), rtol=0.02)
    assert np.isclose(ref.init_params([2000, 500], "xavier", seed=3)["W1"].std(), np.sqrt(1 / 2000), rtol=0.02)
    assert np.isclose(ref.init_params([300, 500], "random", seed=3)["W1"].std(), 0.01, rtol=0.02)
    assert not np.any(ref.init_params([3, 4], "zeros")["W1"]) and params["b2"].shape == (10,)
    assert np.array_equal(ref.init_params([5, 4], "he", seed=1)["W1"], ref.init_params([5, 4], "he", seed=1)["W1"])


def test_reference_dropout_is_inverted_and_reuses_its_mask():
    x = np.random.default_rng(0).uniform(1, 2, size=(200, 300))
    out, cache = ref.dropout_forward(x, {"p": 0.25, "mode": "train", "seed": 4})
    kept = out != 0
    assert abs(kept.mean() - 0.25) < 0.01
    np.testing.assert_allclose(out[kept], x[kept] / 0.25, rtol=1e-12)
    np.testing.assert_array_equal(ref.dropout_backward(np.ones_like(x), cache), cache[1])
    test_out, _ = ref.dropout_forward(x, {"p": 0.25, "mode": "test"})
    np.testing.assert_array_equal(test_out, x)


def test_fully_connected_reference_with_dropout_is_seeded_and_scores_are_deterministic():
    X = np.random.default_rng(1).normal(size=(6, 5))
    y = np.array([0, 1, 2, 0, 1, 2])
    a = ref.FullyConnectedNet([8, 8], input_dim=5, num_classes=3, dropout_keep_ratio=0.5, seed=2, dtype=np.float64)
    b = ref.FullyConnectedNet([8, 8], input_dim=5, num_classes=3, dropout_keep_ratio=0.5, seed=2, dtype=np.float64)
    b.params = {k: v.copy() for k, v in a.params.items()}
    assert a.loss(X, y)[0] == b.loss(X, y)[0]
    np.testing.assert_array_equal(a.loss(X), b.loss(X))
    assert a.params["W1"].dtype == np.float64
    assert ref.FullyConnectedNet([4], input_dim=5, num_classes=3).params["W1"].dtype == np.float32


@pytest.mark.parametrize("normalization", ["batchnorm", "layernorm"])
def test_fully_connected_reference_with_normalization_keeps_gamma_beta_and_bn_params(normalization):
    net = ref.FullyConnectedNet([6, 4], input_dim=5, num_classes=3, normalization=normalization, dtype=np.float64)
    assert net.params["gamma1"].shape == (6,) and net.params["beta2"].shape == (4,) and "gamma3" not in net.params
    np.testing.assert_array_equal(net.params["gamma2"], 1.0)
    assert len(net.bn_params) == 2
    X, y = np.random.default_rng(0).normal(size=(7, 5)), np.array([0, 1, 2, 0, 1, 2, 0])
    loss, grads = net.loss(X, y)
    assert set(grads) == set(net.params) and np.isfinite(loss)
    assert net.loss(X).shape == (7, 3)


# =========================================================================== against PyTorch
def _torch():
    return pytest.importorskip("torch")


def _grads(fn, *arrays, dout):
    torch = _torch()
    tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors)
    out.backward(torch.tensor(dout))
    return out.detach().numpy(), [t.grad.numpy() for t in tensors]


@pytest.mark.parametrize("seed", [231, 5])
def test_reference_layers_agree_with_torch_autograd(seed):
    torch = _torch()
    for case in get("nn.affine_backward").make_cases(seed):
        x, w, b = case.args
        dout = case.kwargs["dout"]
        want, (dx, dw, db) = _grads(lambda x, w, b: x.reshape(x.shape[0], -1) @ w + b, x, w, b, dout=dout)
        out, cache = ref.affine_forward(x, w, b)
        got = ref.affine_backward(dout, cache)
        np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-12)
        for g, t in zip(got, (dx, dw, db)):
            np.testing.assert_allclose(g, t, rtol=1e-12, atol=1e-12, err_msg=case.label)
    pairs = [
        ("relu", lambda x: torch.relu(x), ref.relu_forward, ref.relu_backward, {}),
        ("sigmoid", torch.sigmoid, ref.sigmoid_forward, ref.sigmoid_backward, {}),
        ("tanh", torch.tanh, ref.tanh_forward, ref.tanh_backward, {}),
    ]
    for name, torch_fn, forward, backward, _ in pairs:
        task = "nn.sigmoid_backward" if name != "relu" else "nn.relu_backward"
        cases = get(task).make_cases(seed) + get(f"nn.{name}_forward").make_cases(seed)
        for case in cases:
            x = case.args[0]
            dout = case.kwargs.get("dout", np.ones_like(x))
            want, (dx,) = _grads(torch_fn, x, dout=dout)  # torch's relu derivative at 0 is 0, too
            out, cache = forward(x)
            np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-300, err_msg=f"{name}: {case.label}")
            np.testing.assert_allclose(backward(dout, cache), dx, rtol=1e-10, atol=1e-300, err_msg=f"{name}: {case.label}")
    for case in get("nn.leaky_relu_backward").make_cases(seed):
        x, alpha, dout = case.args[0], case.kwargs.get("alpha", 0.01), case.kwargs["dout"]
        want, (dx,) = _grads(lambda t: torch.nn.functional.leaky_relu(t, alpha), x, dout=dout)
        out, cache = ref.leaky_relu_forward(x, alpha)
        np.testing.assert_allclose(out, want, rtol=1e-12, atol=0)
        np.testing.assert_allclose(ref.leaky_relu_backward(dout, cache), dx, rtol=1e-12, atol=0, err_msg=case.label)


@pytest.mark.parametrize("seed", [231, 5])
def test_reference_losses_agree_with_torch(seed):
    torch = _torch()
    for task_id in ("nn.softmax_loss", "nn.svm_loss"):
        for case in get(task_id).make_cases(seed):
            x, y = case.args
            xt = torch.tensor(x, requires_grad=True)
            if task_id == "nn.softmax_loss":
                loss_t = torch.nn.functional.cross_entropy(xt, torch.tensor(y))
                loss, dx = ref.softmax_loss(x, y)
            else:  # multi_margin_loss divides each sample's sum by C
                loss_t = torch.nn.functional.multi_margin_loss(xt, torch.tensor(y), margin=1.0) * x.shape[1]
                loss, dx = ref.svm_loss(x, y)
            loss_t.backward()
            assert isinstance(loss, float) and np.isclose(loss, loss_t.item(), rtol=1e-10), case.label
            np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-9, atol=1e-15, err_msg=case.label)


def _torch_network(params, X, y, reg, layers):
    torch = _torch()
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    h = torch.tensor(X.reshape(X.shape[0], -1))
    for i in range(1, layers + 1):
        h = h @ tensors[f"W{i}"] + tensors[f"b{i}"]
        if i < layers:
            h = torch.relu(h)
    loss = torch.nn.functional.cross_entropy(h, torch.tensor(y))
    loss = loss + 0.5 * reg * sum((tensors[f"W{i}"] ** 2).sum() for i in range(1, layers + 1))
    loss.backward()
    return h.detach().numpy(), loss.item(), {k: t.grad.numpy() for k, t in tensors.items()}


@pytest.mark.parametrize("task_id", ["nn.TwoLayerNet", "nn.FullyConnectedNet"])
def test_reference_networks_agree_with_torch(task_id):
    from checker import adapters

    cls = getattr(ref, task_id.split(".")[1])
    for case in get(task_id).make_cases():
        init, params, X, y = case.args
        scores, loss, grads = adapters.network_loss(cls, init, params, X, y)
        want_scores, want_loss, want_grads = _torch_network(params, X, y, init["reg"], len(params) // 2)
        np.testing.assert_allclose(scores, want_scores, rtol=1e-10, atol=1e-12)  # loss(X): no dropout at test time
        if init.get("dropout_keep_ratio", 1) != 1:
            continue  # the training loss has a random mask
        assert np.isclose(loss, want_loss, rtol=1e-10), case.label
        assert set(grads) == set(want_grads)
        for k in grads:
            np.testing.assert_allclose(grads[k], want_grads[k], rtol=1e-9, atol=1e-12, err_msg=f"{case.label}: {k}")


# =========================================================================== training on digits
def test_reference_two_layer_net_learns_digits():
    """Plain SGD on the reference TwoLayerNet: a sanity check that the pieces train together."""
    from checker.data import load_digits

    data = load_digits()
    np.random.seed(0)
    net = ref.TwoLayerNet(input_dim=64, hidden_dim=64, num_classes=10, weight_scale=0.1, reg=1e-3)
    rng = np.random.default_rng(0)
    for epoch in range(30):
        order = rng.permutation(len(data.X_train))
        for start in range(0, len(order), 50):
            batch = order[start:start + 50]
            _, grads = net.loss(data.X_train[batch], data.y_train[batch])
            for k in net.params:
                net.params[k] -= 0.3 * grads[k]
    accuracy = np.mean(np.argmax(net.loss(data.X_test), axis=1) == data.y_test)
    assert accuracy >= 0.93, f"test accuracy {accuracy:.3f}"


# =========================================================================== the contract the notebook relies on
SIGNATURES = {
    "affine_forward": "(x, w, b)", "affine_backward": "(dout, cache)",
    "relu_forward": "(x)", "relu_backward": "(dout, cache)",
    "leaky_relu_forward": "(x, alpha=0.01)", "leaky_relu_backward": "(dout, cache)",
    "sigmoid_forward": "(x)", "sigmoid_backward": "(dout, cache)",
    "tanh_forward": "(x)", "tanh_backward": "(dout, cache)",
    "softmax_loss": "(x, y)", "svm_loss": "(x, y)",
    "init_params": "(layer_dims, method, seed=None)",
    "dropout_forward": "(x, dropout_param)", "dropout_backward": "(dout, cache)",
    "TwoLayerNet": "(input_dim=3072, hidden_dim=100, num_classes=10, weight_scale=0.001, reg=0.0)",
    "FullyConnectedNet": "(hidden_dims, input_dim=3072, num_classes=10, dropout_keep_ratio=1, normalization=None, "
                         "reg=0.0, weight_scale=0.01, dtype=<class 'numpy.float32'>, seed=None)",
}


def test_task_ids_and_reference_signatures_are_the_documented_ones():
    import inspect

    assert sorted(t.split(".")[1] for t in task_ids() if t.startswith("nn.")) == sorted(SIGNATURES)
    for name, signature in SIGNATURES.items():
        assert str(inspect.signature(getattr(ref, name))) == signature, name
