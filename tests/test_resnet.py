"""Notebook 10 (residual networks and transfer learning): the reference, the task specs and their
diagnoses.

Every task has realistic wrong implementations that must fail with the finding code naming their
cause, and at least two differently written right ones that must pass with ``ok`` alone. The
blocks and the whole ``ResNet`` are compared with torch autograd on the same weights (an
independent oracle); the source notebook is graded as a submission by the trusted grader.
"""

from pathlib import Path

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import checker.reference.resnet as ref
from checker import check
from catalogue import GRADING, Right, Wrong, diagnosed, passes, right_rows, wrong_rows

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "10_resnet" / "10_resnet.ipynb"


# =========================================================================== an independent convolution
def conv(x, w, b, stride=1, pad=0):
    """Cross-correlation by einsum over a strided window view; returns out only."""
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = sliding_window_view(x_pad, w.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
    return np.einsum("ncijkl,fckl->nfij", windows, w) + b[None, :, None, None]


def conv_grads(dout, x, w, stride=1, pad=0):
    """(dx, dw, db) of ``conv``: each kernel offset scattered back in turn."""
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = sliding_window_view(x_pad, w.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
    dw = np.einsum("ncijkl,nfij->fckl", windows, dout)
    dx_pad = np.zeros_like(x_pad)
    H_out, W_out = dout.shape[2:]
    for k in range(w.shape[2]):
        for l in range(w.shape[3]):
            dx_pad[:, :, k:k + stride * H_out:stride, l:l + stride * W_out:stride] += np.einsum(
                "nfij,fc->ncij", dout, w[:, :, k, l])
    H, W = x.shape[2:]
    return dx_pad[:, :, pad:pad + H, pad:pad + W], dw, dout.sum(axis=(0, 2, 3))


# =========================================================================== right implementations
def gap_forward_mean(x):
    return x.mean(axis=(2, 3)), x.shape


def gap_forward_float32_sum(x):
    """Sum divided by the size, in float32, caching x itself."""
    x32 = np.asarray(x, dtype=np.float32)
    return x32.sum(axis=(2, 3)) / (x.shape[2] * x.shape[3]), x


def gap_backward_broadcast(dout, cache):
    N, C, H, W = cache
    return np.broadcast_to(dout[:, :, None, None] / (H * W), cache).copy()


def gap_backward_ones(dout, cache):
    """For the float32 forward: the cache is x, np.ones_like scaled by dout."""
    x = cache
    return np.ones_like(x, dtype=np.float64) * dout[:, :, None, None] / (x.shape[2] * x.shape[3])


def basic_forward_dict(x, params, stride=1):
    """A dict cache, the einsum convolution; CS231n-like names."""
    cache = {"x": x, "stride": stride}
    cache["a1"] = conv(x, params["W1"], params["b1"], stride, 1)
    cache["h1"] = np.maximum(cache["a1"], 0)
    a2 = conv(cache["h1"], params["W2"], params["b2"], 1, 1)
    shortcut = conv(x, params["Ws"], params["bs"], stride, 0) if "Ws" in params else x
    cache["z"], cache["params"] = a2 + shortcut, params
    return np.maximum(cache["z"], 0), cache


def basic_backward_dict(dout, cache):
    p, s, x = cache["params"], cache["stride"], cache["x"]
    dz = dout * (cache["z"] > 0)
    grads = {}
    dh1, grads["W2"], grads["b2"] = conv_grads(dz, cache["h1"], p["W2"], 1, 1)
    dx, grads["W1"], grads["b1"] = conv_grads(dh1 * (cache["a1"] > 0), x, p["W1"], s, 1)
    if "Ws" in p:
        dxs, grads["Ws"], grads["bs"] = conv_grads(dz, x, p["Ws"], s, 0)
        dx = dx + dxs
    else:
        dx = dx + dz
    return dx, grads


def bottleneck_forward_dict(x, params, stride=1):
    cache = {"x": x, "stride": stride, "params": params}
    cache["a1"] = conv(x, params["W1"], params["b1"], 1, 0)
    cache["h1"] = np.maximum(cache["a1"], 0)
    cache["a2"] = conv(cache["h1"], params["W2"], params["b2"], stride, 1)
    cache["h2"] = np.maximum(cache["a2"], 0)
    a3 = conv(cache["h2"], params["W3"], params["b3"], 1, 0)
    shortcut = conv(x, params["Ws"], params["bs"], stride, 0) if "Ws" in params else x
    cache["z"] = a3 + shortcut
    return np.maximum(cache["z"], 0), cache


def bottleneck_backward_dict(dout, cache):
    p, s, x = cache["params"], cache["stride"], cache["x"]
    dz = dout * (cache["z"] > 0)
    grads = {}
    d, grads["W3"], grads["b3"] = conv_grads(dz, cache["h2"], p["W3"], 1, 0)
    d, grads["W2"], grads["b2"] = conv_grads(d * (cache["a2"] > 0), cache["h1"], p["W2"], s, 1)
    dx, grads["W1"], grads["b1"] = conv_grads(d * (cache["a1"] > 0), x, p["W1"], 1, 0)
    if "Ws" in p:
        dxs, grads["Ws"], grads["bs"] = conv_grads(dz, x, p["Ws"], s, 0)
        return dx + dxs, grads
    return dx + dz, grads


class ResNetEinsum:
    """The ResNet with the einsum convolution, np.random.seed and randn, residual flag in the blocks."""

    def __init__(self, input_dim=(1, 8, 8), num_filters=8, num_blocks=2, num_classes=10, residual=True,
                 weight_scale=None, reg=0.0, dtype=np.float64, seed=None):
        if seed is not None:
            np.random.seed(seed)
        C, F = input_dim[0], num_filters
        std = (lambda fan: np.sqrt(2 / fan)) if weight_scale is None else (lambda fan: weight_scale)
        self.params = {"W0": std(C * 9) * np.random.randn(F, C, 3, 3), "b0": np.zeros(F)}
        for i in range(1, num_blocks + 1):
            self.params[f"B{i}_W1"] = std(F * 9) * np.random.randn(F, F, 3, 3)
            self.params[f"B{i}_b1"] = np.zeros(F)
            self.params[f"B{i}_W2"] = std(F * 9) * np.random.randn(F, F, 3, 3)
            self.params[f"B{i}_b2"] = np.zeros(F)
        self.params["W_out"] = std(F) * np.random.randn(F, num_classes)
        self.params["b_out"] = np.zeros(num_classes)
        self.num_blocks, self.residual, self.reg = num_blocks, residual, reg

    def loss(self, X, y=None):
        p = self.params
        a0 = conv(X, p["W0"], p["b0"], 1, 1)
        h, caches = np.maximum(a0, 0), []
        for i in range(1, self.num_blocks + 1):
            block = {k: p[f"B{i}_{k}"] for k in ("W1", "b1", "W2", "b2")}
            a1 = conv(h, block["W1"], block["b1"], 1, 1)
            h1 = np.maximum(a1, 0)
            z = conv(h1, block["W2"], block["b2"], 1, 1) + (h if self.residual else 0)
            caches.append((h, a1, h1, z, block))
            h = np.maximum(z, 0)
        features = h.mean(axis=(2, 3))
        scores = features @ p["W_out"] + p["b_out"]
        if y is None:
            return scores
        N = len(y)
        probs = np.exp(scores - scores.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        loss = -np.mean(np.log(probs[np.arange(N), y]))
        d = probs.copy()
        d[np.arange(N), y] -= 1
        d /= N
        grads = {"W_out": features.T @ d, "b_out": d.sum(axis=0)}
        dh = np.repeat(np.repeat((d @ p["W_out"].T)[:, :, None, None], h.shape[2], 2), h.shape[3], 3) / (h.shape[2] * h.shape[3])
        for i in range(self.num_blocks, 0, -1):
            h_in, a1, h1, z, block = caches[i - 1]
            dz = dh * (z > 0)
            dh1, grads[f"B{i}_W2"], grads[f"B{i}_b2"] = conv_grads(dz, h1, block["W2"], 1, 1)
            dh, grads[f"B{i}_W1"], grads[f"B{i}_b1"] = conv_grads(dh1 * (a1 > 0), h_in, block["W1"], 1, 1)
            if self.residual:
                dh = dh + dz
        _, grads["W0"], grads["b0"] = conv_grads(dh * (a0 > 0), X, p["W0"], 1, 1)
        for name in p:
            if "W" in name:
                loss += 0.5 * self.reg * np.sum(p[name] ** 2)
                grads[name] += self.reg * p[name]
        return loss, grads


class ResNetReference(ref.ResNet):
    """The reference class itself, reached as a subclass (not a guarded function)."""


def features_einsum(params, X):
    net = ResNetEinsum(num_blocks=sum(1 for k in params if k.endswith("_W1") and k.startswith("B")))
    net.params = params
    h = np.maximum(conv(X, params["W0"], params["b0"], 1, 1), 0)
    for i in range(1, net.num_blocks + 1):
        a = np.maximum(conv(h, params[f"B{i}_W1"], params[f"B{i}_b1"], 1, 1), 0)
        h = np.maximum(conv(a, params[f"B{i}_W2"], params[f"B{i}_b2"], 1, 1) + h, 0)
    return h.mean(axis=(2, 3))


def _softmax_gradient(scores, y):
    p = np.exp(scores - scores.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p / len(y)


def head_gradient_descent(params, X, y, num_classes, learning_rate=0.5, num_iters=300, reg=1e-4, seed=0):
    """Zero-initialized head, full-batch gradient descent, dict(params) then replaced keys."""
    f = features_einsum(params, X)
    W, b = np.zeros((f.shape[1], num_classes)), np.zeros(num_classes)
    for _ in range(num_iters):
        d = _softmax_gradient(f @ W + b, y)
        W, b = W - learning_rate * (f.T @ d + reg * W), b - learning_rate * d.sum(axis=0)
    new = dict(params)
    new.update(W_out=W, b_out=b)
    return new


def head_minibatch_sgd(params, X, y, num_classes, learning_rate=0.5, num_iters=300, reg=1e-4, seed=0):
    """Mini-batches of 16 drawn with the seed, float32 features."""
    f = features_einsum(params, X).astype(np.float32)
    rng = np.random.default_rng(seed)
    W, b = 0.01 * rng.standard_normal((f.shape[1], num_classes)), np.zeros(num_classes)
    for _ in range(num_iters):
        batch = rng.choice(len(y), size=min(16, len(y)), replace=False)
        d = _softmax_gradient(f[batch] @ W + b, y[batch])
        W, b = W - learning_rate * (f[batch].T @ d + reg * W), b - learning_rate * d.sum(axis=0)
    return {**{k: v for k, v in params.items() if k not in ("W_out", "b_out")}, "W_out": W, "b_out": b}


RIGHT = [
    Right("resnet.global_avg_pool_forward", gap_forward_mean),
    Right("resnet.global_avg_pool_forward", gap_forward_float32_sum),
    Right("resnet.global_avg_pool_backward", gap_backward_broadcast, forward=gap_forward_mean),
    Right("resnet.global_avg_pool_backward", gap_backward_ones, forward=gap_forward_float32_sum),
    Right("resnet.basic_block_forward", basic_forward_dict),
    Right("resnet.basic_block_forward", getattr(ref.basic_block_forward, "__wrapped__")),
    Right("resnet.basic_block_backward", basic_backward_dict, forward=basic_forward_dict),
    Right("resnet.basic_block_backward", getattr(ref.basic_block_backward, "__wrapped__"),
          forward=getattr(ref.basic_block_forward, "__wrapped__")),
    Right("resnet.bottleneck_block_forward", bottleneck_forward_dict),
    Right("resnet.bottleneck_block_forward", getattr(ref.bottleneck_block_forward, "__wrapped__")),
    Right("resnet.bottleneck_block_backward", bottleneck_backward_dict, forward=bottleneck_forward_dict),
    Right("resnet.bottleneck_block_backward", getattr(ref.bottleneck_block_backward, "__wrapped__"),
          forward=getattr(ref.bottleneck_block_forward, "__wrapped__")),
    Right("resnet.ResNet", ResNetEinsum),
    Right("resnet.ResNet", ResNetReference),
    Right("resnet.train_new_head", head_gradient_descent),
    Right("resnet.train_new_head", head_minibatch_sgd),
]


# =========================================================================== wrong implementations
def gap_forward_sum(x):
    return x.sum(axis=(2, 3)), x.shape


def gap_forward_keepdims(x):
    return x.mean(axis=(2, 3), keepdims=True), x.shape


def gap_forward_nhwc_axes(x):
    return x.mean(axis=(1, 2)), x.shape


def gap_forward_max(x):
    return x.max(axis=(2, 3)), x.shape


def gap_forward_in_place(x):
    x -= 0.0
    x *= 1.0 / (x.shape[2] * x.shape[3])
    return x.sum(axis=(2, 3)), x.shape


def gap_backward_not_divided(dout, cache):
    return np.broadcast_to(dout[:, :, None, None], cache).copy()


def gap_backward_batch_too(dout, cache):
    N, C, H, W = cache
    return np.broadcast_to(dout[:, :, None, None] / (N * H * W), cache).copy()


def gap_backward_nhwc_sizes(dout, cache):
    N, C, H, W = cache
    return np.broadcast_to(dout[:, :, None, None] / (C * H), cache).copy()


def gap_backward_not_broadcast(dout, cache):
    N, C, H, W = cache
    return dout / (H * W)


def gap_backward_h_only(dout, cache):
    N, C, H, W = cache
    return np.broadcast_to(dout[:, :, None, None] / H, cache).copy()


def _basic_parts(x, params, stride):
    a1 = conv(x, params["W1"], params["b1"], stride, 1)
    F = conv(np.maximum(a1, 0), params["W2"], params["b2"], 1, 1)
    s = conv(x, params["Ws"], params["bs"], stride, 0) if "Ws" in params else x
    return F, s


def basic_relu_before_add(x, params, stride=1):
    F, s = _basic_parts(x, params, stride)
    return np.maximum(np.maximum(F, 0) + s, 0), None


def basic_add_after_relu(x, params, stride=1):
    F, s = _basic_parts(x, params, stride)
    return np.maximum(F, 0) + s, None


def basic_no_shortcut(x, params, stride=1):
    F, _ = _basic_parts(x, params, stride)
    return np.maximum(F, 0), None


def basic_ignores_projection(x, params, stride=1):
    F, _ = _basic_parts(x, params, stride)
    return np.maximum(F + x[:, :, ::stride, ::stride][:, :F.shape[1]], 0), None


def basic_stride_on_second(x, params, stride=1):
    a1 = conv(x, params["W1"], params["b1"], 1, 1)
    F = conv(np.maximum(a1, 0), params["W2"], params["b2"], stride, 1)
    s = conv(x, params["Ws"], params["bs"], stride, 0) if "Ws" in params else x
    return np.maximum(F + s, 0), None


def basic_no_bias(x, params, stride=1):
    a1 = conv(x, params["W1"], 0 * params["b1"], stride, 1)
    F = conv(np.maximum(a1, 0), params["W2"], 0 * params["b2"], 1, 1)
    s = conv(x, params["Ws"], params["bs"], stride, 0) if "Ws" in params else x
    return np.maximum(F + s, 0), None


def _backward_variant(mistake, bottleneck=False):
    right = bottleneck_backward_dict if bottleneck else basic_backward_dict

    def backward(dout, cache):
        if mistake == "skip_forgotten":
            dx, grads = right(dout, cache)
            p, s, x = cache["params"], cache["stride"], cache["x"]
            dz = dout * (cache["z"] > 0)
            return dx - (conv_grads(dz, x, p["Ws"], s, 0)[0] if "Ws" in p else dz), grads
        if mistake == "skip_unmasked":
            dx, grads = right(dout, cache)
            p, s, x = cache["params"], cache["stride"], cache["x"]
            dz = dout * (cache["z"] > 0)
            if "Ws" in p:
                return dx - conv_grads(dz, x, p["Ws"], s, 0)[0] + conv_grads(dout, x, p["Ws"], s, 0)[0], grads
            return dx - dz + dout, grads
        if mistake == "no_final_mask":
            cache = dict(cache, z=np.ones_like(cache["z"]))
            return right(dout, cache)
        if mistake == "no_db":
            dx, grads = right(dout, cache)
            return dx, {k: (np.zeros_like(v) if k.startswith("b") else v) for k, v in grads.items()}
        if mistake == "missing_shortcut_grads":
            dx, grads = right(dout, cache)
            return dx, {k: v for k, v in grads.items() if k not in ("Ws", "bs")}
        if mistake == "dx_no_inner_mask":
            p, x = cache["params"], cache["x"]
            cache = dict(cache, a1=np.ones_like(cache["a1"]))
            return right(dout, cache)
        raise AssertionError(mistake)

    backward.__name__ = f"{'bottleneck' if bottleneck else 'basic'}_{mistake}"
    return backward


def _bottleneck_join(join):
    def forward(x, params, stride=1):
        a1 = np.maximum(conv(x, params["W1"], params["b1"], 1, 0), 0)
        a2 = np.maximum(conv(a1, params["W2"], params["b2"], stride, 1), 0)
        F = conv(a2, params["W3"], params["b3"], 1, 0)
        s = conv(x, params["Ws"], params["bs"], stride, 0) if "Ws" in params else x
        return join(F, s), None

    return forward


bottleneck_relu_before_add = _bottleneck_join(lambda F, s: np.maximum(np.maximum(F, 0) + s, 0))
bottleneck_add_after_relu = _bottleneck_join(lambda F, s: np.maximum(F, 0) + s)
bottleneck_no_shortcut = _bottleneck_join(lambda F, s: np.maximum(F, 0))
bottleneck_no_final_relu = _bottleneck_join(lambda F, s: F + s)


def bottleneck_stride_on_first(x, params, stride=1):
    a1 = np.maximum(conv(x, params["W1"], params["b1"], stride, 0), 0)
    a2 = np.maximum(conv(a1, params["W2"], params["b2"], 1, 1), 0)
    F = conv(a2, params["W3"], params["b3"], 1, 0)
    s = conv(x, params["Ws"], params["bs"], stride, 0) if "Ws" in params else x
    return np.maximum(F + s, 0), None


def bottleneck_3x3_unpadded(x, params, stride=1):
    a1 = np.maximum(conv(x, params["W1"], params["b1"], 1, 0), 0)
    a2 = np.maximum(conv(a1, params["W2"], params["b2"], stride, 0), 0)
    return np.maximum(conv(a2, params["W3"], params["b3"], 1, 0), 0), None


class ResNetAlwaysResidual(ResNetEinsum):
    def __init__(self, **kw):
        super().__init__(**kw)
        self.residual = True


class ResNetRegularisesBiases(ResNetEinsum):
    def loss(self, X, y=None):
        result = super().loss(X, y)
        if y is None:
            return result
        loss, grads = result
        for name, value in self.params.items():
            if "W" not in name:
                loss += 0.5 * self.reg * np.sum(value ** 2)
                grads[name] = grads[name] + self.reg * value
        return loss, grads


class ResNetSmallRandomInit(ResNetEinsum):
    """weight_scale=None taken as 0.01 * randn."""

    def __init__(self, **kw):
        kw = dict(kw)
        if kw.get("weight_scale") is None:
            kw["weight_scale"] = 1e-2
        super().__init__(**kw)


class ResNetUnseeded(ResNetEinsum):
    def __init__(self, **kw):
        kw = dict(kw, seed=None)
        super().__init__(**kw)


class ResNetGapSum(ResNetEinsum):
    """The head sees the sum over positions, not the mean (scores and W_out's gradient scaled by H * W)."""

    def loss(self, X, y=None):
        scale = X.shape[2] * X.shape[3]
        saved = self.params["W_out"]
        self.params["W_out"] = saved * scale
        try:
            result = super().loss(X, y)
        finally:
            self.params["W_out"] = saved
        if y is None:
            return result
        loss, grads = result
        grads["W_out"] = grads["W_out"] * scale
        return loss, grads


class ResNetNoRegGradient(ResNetEinsum):
    def loss(self, X, y=None):
        result = super().loss(X, y)
        if y is None:
            return result
        loss, grads = result
        return loss, {k: (v - self.reg * self.params[k] if "W" in k else v) for k, v in grads.items()}


def head_trains_everything(params, X, y, num_classes, learning_rate=0.5, num_iters=300, reg=1e-4, seed=0):
    """Fine-tunes the whole network instead of freezing it."""
    net = ResNetEinsum(input_dim=X.shape[1:], num_filters=params["W0"].shape[0],
                       num_blocks=sum(1 for k in params if k.startswith("B") and k.endswith("_W1")), num_classes=num_classes)
    net.params = {k: v.copy() for k, v in params.items()}
    net.params["W_out"], net.params["b_out"] = np.zeros((params["W0"].shape[0], num_classes)), np.zeros(num_classes)
    for _ in range(5):
        _, grads = net.loss(X, y)
        net.params = {k: v - 0.5 * grads[k] for k, v in net.params.items()}
    return net.params


def head_into_the_given_dict(params, X, y, num_classes, learning_rate=0.5, num_iters=300, reg=1e-4, seed=0):
    new = head_gradient_descent(params, X, y, num_classes, learning_rate, num_iters, reg, seed)
    params["W_out"], params["b_out"] = new["W_out"], new["b_out"]
    return params


def head_untrained(params, X, y, num_classes, learning_rate=0.5, num_iters=300, reg=1e-4, seed=0):
    F = params["W0"].shape[0]
    return {**dict(params), "W_out": np.zeros((F, num_classes)), "b_out": np.zeros(num_classes)}


def head_shuffled_labels(params, X, y, num_classes, learning_rate=0.5, num_iters=300, reg=1e-4, seed=0):
    """Features and labels out of step (features sorted, labels not)."""
    order = np.argsort(X.reshape(len(X), -1)[:, 0])
    return head_gradient_descent(params, X[order], y, num_classes, learning_rate, num_iters, reg, seed)


def head_keeps_old_classes(params, X, y, num_classes, learning_rate=0.5, num_iters=300, reg=1e-4, seed=0):
    return head_gradient_descent(params, X, y, params["W_out"].shape[1], learning_rate, num_iters, reg, seed)


def head_only(params, X, y, num_classes, learning_rate=0.5, num_iters=300, reg=1e-4, seed=0):
    new = head_gradient_descent(params, X, y, num_classes, learning_rate, num_iters, reg, seed)
    return {"W_out": new["W_out"], "b_out": new["b_out"]}


G, B = "resnet.global_avg_pool", "resnet.basic_block"
K = "resnet.bottleneck_block"
WRONG = [
    Wrong(f"{G}_forward", gap_forward_sum, "known_mistake", says="sum"),
    Wrong(f"{G}_forward", gap_forward_keepdims, "shape"),
    Wrong(f"{G}_forward", gap_forward_nhwc_axes, "shape", says="x.shape[3]"),
    Wrong(f"{G}_forward", gap_forward_max, "known_mistake", says="maximum"),
    Wrong(f"{G}_forward", gap_forward_in_place, "mutates_input"),
    Wrong(f"{G}_backward", gap_backward_not_divided, "known_mistake", says="without dividing", forward=gap_forward_mean),
    Wrong(f"{G}_backward", gap_backward_batch_too, "known_mistake", says="N * H * W", forward=gap_forward_mean),
    Wrong(f"{G}_backward", gap_backward_nhwc_sizes, "known_mistake", says="C * H", forward=gap_forward_mean),
    Wrong(f"{G}_backward", gap_backward_not_broadcast, "shape", forward=gap_forward_mean),
    Wrong(f"{G}_backward", gap_backward_h_only, "known_mistake", says="H only", forward=gap_forward_mean),
    Wrong(f"{B}_forward", basic_relu_before_add, "known_mistake", says="before the addition"),
    Wrong(f"{B}_forward", basic_add_after_relu, "known_mistake", says="after the final ReLU"),
    Wrong(f"{B}_forward", basic_no_shortcut, "known_mistake", says="shortcut is missing"),
    Wrong(f"{B}_forward", basic_ignores_projection, "exception"),
    Wrong(f"{B}_forward", basic_stride_on_second, "known_mistake", says="stride"),
    Wrong(f"{B}_forward", basic_no_bias, "mismatch"),
    Wrong(f"{B}_backward", _backward_variant("skip_forgotten"), "known_mistake", says="forgotten", forward=basic_forward_dict),
    Wrong(f"{B}_backward", _backward_variant("skip_unmasked"), "known_mistake", says="not masked", forward=basic_forward_dict),
    Wrong(f"{B}_backward", _backward_variant("no_final_mask"), "known_mistake", says="not backpropagated",
          forward=basic_forward_dict),
    Wrong(f"{B}_backward", _backward_variant("no_db"), "mismatch", forward=basic_forward_dict),
    Wrong(f"{B}_backward", _backward_variant("missing_shortcut_grads"), "wrong_type", forward=basic_forward_dict),
    Wrong(f"{B}_backward", _backward_variant("dx_no_inner_mask"), "mismatch", forward=basic_forward_dict),
    Wrong(f"{K}_forward", bottleneck_relu_before_add, "known_mistake", says="before the addition"),
    Wrong(f"{K}_forward", bottleneck_add_after_relu, "known_mistake", says="after the final ReLU"),
    Wrong(f"{K}_forward", bottleneck_no_shortcut, "known_mistake", says="shortcut is missing"),
    Wrong(f"{K}_forward", bottleneck_no_final_relu, "known_mistake", says="final ReLU"),
    Wrong(f"{K}_forward", bottleneck_stride_on_first, "known_mistake", says="first 1x1"),
    Wrong(f"{K}_forward", bottleneck_3x3_unpadded, "shape"),
    Wrong(f"{K}_backward", _backward_variant("skip_forgotten", True), "known_mistake", says="forgotten",
          forward=bottleneck_forward_dict),
    Wrong(f"{K}_backward", _backward_variant("skip_unmasked", True), "known_mistake", says="not masked",
          forward=bottleneck_forward_dict),
    Wrong(f"{K}_backward", _backward_variant("no_final_mask", True), "known_mistake", says="not backpropagated",
          forward=bottleneck_forward_dict),
    Wrong(f"{K}_backward", _backward_variant("no_db", True), "mismatch", forward=bottleneck_forward_dict),
    Wrong(f"{K}_backward", _backward_variant("missing_shortcut_grads", True), "wrong_type",
          forward=bottleneck_forward_dict),
    Wrong("resnet.ResNet", ResNetAlwaysResidual, "known_mistake", says="residual=False still adds"),
    Wrong("resnet.ResNet", ResNetRegularisesBiases, "known_mistake", says="biases"),
    Wrong("resnet.ResNet", ResNetSmallRandomInit, "property", says="He"),
    Wrong("resnet.ResNet", ResNetUnseeded, "property", says="seed"),
    Wrong("resnet.ResNet", ResNetGapSum, "mismatch"),
    Wrong("resnet.ResNet", ResNetNoRegGradient, "known_mistake", says="reg * W"),
    Wrong("resnet.train_new_head", head_trains_everything, "property", says="frozen parameters changed"),
    Wrong("resnet.train_new_head", head_into_the_given_dict, "property", says="pretrained params"),
    Wrong("resnet.train_new_head", head_untrained, "property", says="new head classifies"),
    Wrong("resnet.train_new_head", head_shuffled_labels, "property", says="new head classifies"),
    Wrong("resnet.train_new_head", head_keeps_old_classes, "shape"),
    Wrong("resnet.train_new_head", head_only, "wrong_type"),
]


@right_rows(RIGHT)
def test_right_implementation_passes(row, seed):
    passes(row, seed)


@wrong_rows(WRONG, seeds=GRADING)
def test_wrong_implementation_is_diagnosed(row, seed):
    diagnosed(row, seed)


# =========================================================================== torch autograd, the same weights
torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _t(a):
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=True)


def _torch_block(x, params, stride, kind):
    if kind == "basic":
        h = TF.relu(TF.conv2d(x, params["W1"], params["b1"], stride=stride, padding=1))
        F = TF.conv2d(h, params["W2"], params["b2"], padding=1)
    else:
        h = TF.relu(TF.conv2d(x, params["W1"], params["b1"]))
        h = TF.relu(TF.conv2d(h, params["W2"], params["b2"], stride=stride, padding=1))
        F = TF.conv2d(h, params["W3"], params["b3"])
    s = TF.conv2d(x, params["Ws"], params["bs"], stride=stride) if "Ws" in params else x
    return TF.relu(F + s)


@pytest.mark.parametrize("kind", ["basic", "bottleneck"])
def test_blocks_match_torch_autograd(kind):
    from checker.topics.resnet.block_cases import basic_cases, bottleneck_cases

    forward = getattr(ref, f"{kind}_block_forward")
    backward = getattr(ref, f"{kind}_block_backward")
    for case in (basic_cases if kind == "basic" else bottleneck_cases)(np.random.default_rng(3)):
        x, params, stride = case.args
        dout = case.kwargs["dout"]
        out, cache = forward(x, params, stride)
        dx, grads = backward(dout, cache)
        xt, pt = _t(x), {k: _t(v) for k, v in params.items()}
        yt = _torch_block(xt, pt, stride, kind)
        yt.backward(torch.tensor(dout))
        np.testing.assert_allclose(out, yt.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=f"{case.label}: out")
        np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-9, atol=1e-11, err_msg=f"{case.label}: dx")
        assert set(grads) == set(params), case.label
        for name in params:
            np.testing.assert_allclose(grads[name], pt[name].grad.numpy(), rtol=1e-9, atol=1e-11,
                                       err_msg=f"{case.label}: d{name}")


@pytest.mark.parametrize("residual", [True, False])
def test_resnet_matches_torch_autograd(residual):
    net = ref.ResNet(input_dim=(2, 5, 6), num_filters=4, num_blocks=3, num_classes=3, residual=residual,
                     reg=0.1, seed=5)
    rng = np.random.default_rng(0)
    net.params = {k: v + rng.normal(scale=0.05, size=v.shape) for k, v in net.params.items()}  # non-zero biases
    X, y = rng.normal(size=(4, 2, 5, 6)), np.array([0, 2, 1, 2])
    loss, grads = net.loss(X, y)
    p = {k: _t(v) for k, v in net.params.items()}
    h = TF.relu(TF.conv2d(torch.tensor(X), p["W0"], p["b0"], padding=1))
    for i in range(1, 4):
        z = TF.conv2d(TF.relu(TF.conv2d(h, p[f"B{i}_W1"], p[f"B{i}_b1"], padding=1)), p[f"B{i}_W2"], p[f"B{i}_b2"], padding=1)
        h = TF.relu(z + h if residual else z)
    scores = h.mean(dim=(2, 3)) @ p["W_out"] + p["b_out"]
    loss_t = TF.cross_entropy(scores, torch.tensor(y)) + 0.5 * 0.1 * sum((v ** 2).sum() for k, v in p.items() if "W" in k)
    loss_t.backward()
    np.testing.assert_allclose(net.loss(X), scores.detach().numpy(), rtol=1e-10)
    assert loss == pytest.approx(float(loss_t.detach()), rel=1e-10)
    for name in net.params:
        np.testing.assert_allclose(grads[name], p[name].grad.numpy(), rtol=1e-8, atol=1e-11, err_msg=name)


def test_global_average_pooling_matches_torch():
    x = np.random.default_rng(1).normal(size=(3, 4, 5, 2))
    dout = np.random.default_rng(2).normal(size=(3, 4))
    out, cache = ref.global_avg_pool_forward(x)
    xt = _t(x)
    yt = TF.adaptive_avg_pool2d(xt, 1).reshape(3, 4)
    yt.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, yt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ref.global_avg_pool_backward(dout, cache), xt.grad.numpy(), rtol=1e-12)


# =========================================================================== the constructor and bad input
def test_the_reference_constructor_is_he_initialised_seeded_and_zero_biased():
    a, b = ref.ResNet(num_filters=16, num_blocks=3, seed=4), ref.ResNet(num_filters=16, num_blocks=3, seed=4)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert not np.array_equal(a.params["W0"], ref.ResNet(num_filters=16, num_blocks=3, seed=5).params["W0"])
    for name, value in a.params.items():
        if "W" not in name:
            assert not value.any(), name
    w = a.params["B2_W1"]
    assert w.std() == pytest.approx(np.sqrt(2 / (16 * 9)), rel=0.1)
    assert a.params["W_out"].shape == (16, 10)


def test_an_identity_shortcut_that_cannot_fit_is_refused_with_a_clear_message():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 5, 5))
    params = {"W1": rng.normal(size=(3, 3, 3, 3)), "b1": np.zeros(3), "W2": rng.normal(size=(3, 3, 3, 3)), "b2": np.zeros(3)}
    with pytest.raises(ValueError, match="identity shortcut needs stride 1.*Ws"):
        ref.basic_block_forward(x, params, 2)
    with pytest.raises(ValueError, match="missing \\['b2'\\]"):
        ref.basic_block_forward(x, {k: v for k, v in params.items() if k != "b2"})
    with pytest.raises(ValueError, match="\\(N, C, H, W\\)"):
        ref.global_avg_pool_forward(np.zeros((2, 3)))


def test_bad_calls_to_check_get_clear_messages():
    with pytest.raises(ValueError, match="needs your function"):
        check("resnet.basic_block_forward", None)
    with pytest.raises(KeyError, match="resnet.basic_block_forward"):
        check("resnet.basic_block_forwards", basic_forward_dict)


def test_a_forward_without_a_cache_and_a_class_without_params_are_findings():
    report = check("resnet.basic_block_forward", lambda x, params, stride=1: basic_forward_dict(x, params, stride)[0])
    assert "wrong_type" in report.codes and not report.passed

    class NoParams:
        def __init__(self, **init):
            pass

    report = check("resnet.ResNet", NoParams)
    assert report.codes == ["exception"] and "self.params" in report.findings[0].message


# =========================================================================== the notebook
def test_source_notebook_gets_full_marks_from_the_trusted_grader(tmp_path):
    import shutil

    from checker.grading.grader import grade_notebook

    submission = tmp_path / "10_resnet.ipynb"
    shutil.copy(NOTEBOOK, submission)
    grade = grade_notebook(submission, NOTEBOOK, seed=20261201)
    failed = {gid: (t.codes, t.text) for gid, t in grade.tasks.items() if not t.passed}
    assert not failed, failed
    assert len(grade.tasks) == 8 and grade.score == grade.max_score > 0
