"""Notebook 07 (normalization): the reference, the task specs and their diagnoses.

Every task gets a table of realistic wrong implementations, each of which must fail with the
finding code that names its cause, and at least two differently written correct implementations
(CS231n's style and a float32 one among them) that must pass with ``ok`` only. The reference is
compared with ``torch.nn.functional.batch_norm`` / ``layer_norm`` and autograd, an independent
oracle; ``FullyConnectedNet`` with normalization is gradient-checked as a whole; the source notebook
is graded as a submission by the trusted grader.
"""

from pathlib import Path

import numpy as np
import pytest

import checker.reference.bn as ref
import checker.reference.nn as nn_ref
from checker import check
from checker.gradcheck import gradcheck
from catalogue import GRADING, Right, Wrong, diagnosed, passes, right_rows, wrong_rows

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "07_bn" / "07_bn.ipynb"


# =========================================================================== correct implementations
def fit_standardizer(X_train, eps=1e-8):
    mean = np.mean(X_train, axis=0)
    std = np.sqrt(np.var(X_train, axis=0) + eps)
    return mean, std


def fit_standardizer_sums(X_train, eps=1e-8):
    """Sums written out, float32 results."""
    N = X_train.shape[0]
    mean = X_train.sum(axis=0) / N
    var = ((X_train - mean) ** 2).sum(axis=0) / N
    return mean.astype(np.float32), np.sqrt(var + eps).astype(np.float32)


def standardize(X, mean, std):
    return (X - mean) / std


def standardize_float32(X, mean, std):
    X = X.astype(np.float32)
    return (X - mean.astype(np.float32)) * (1.0 / std.astype(np.float32))


def batchnorm_forward(x, gamma, beta, bn_param):
    """CS231n assignment 2 style: staged forward, a long cache, bn_param updated in place."""
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    out, cache = None, None
    if mode == "train":
        mu = 1.0 / N * np.sum(x, axis=0)
        xmu = x - mu
        sq = xmu ** 2
        var = 1.0 / N * np.sum(sq, axis=0)
        sqrtvar = np.sqrt(var + eps)
        ivar = 1.0 / sqrtvar
        xhat = xmu * ivar
        out = gamma * xhat + beta
        cache = (xhat, gamma, xmu, ivar, sqrtvar, var, eps)
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    """CS231n style: the graph walked back gate by gate."""
    xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
    N, D = dout.shape
    dbeta = np.sum(dout, axis=0)
    dgammax = dout
    dgamma = np.sum(dgammax * xhat, axis=0)
    dxhat = dgammax * gamma
    divar = np.sum(dxhat * xmu, axis=0)
    dxmu1 = dxhat * ivar
    dsqrtvar = -1.0 / (sqrtvar ** 2) * divar
    dvar = 0.5 * 1.0 / np.sqrt(var + eps) * dsqrtvar
    dsq = 1.0 / N * np.ones((N, D)) * dvar
    dxmu2 = 2 * xmu * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -1 * np.sum(dxmu1 + dxmu2, axis=0)
    dx2 = 1.0 / N * np.ones((N, D)) * dmu
    return dx1 + dx2, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    """CS231n style closed form."""
    xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(xhat * dout, axis=0)
    dx = (1.0 / N) * gamma * ivar * (N * dout - np.sum(dout, axis=0) - xhat * np.sum(dout * xhat, axis=0))
    return dx, dgamma, dbeta


def batchnorm_forward_float32(x, gamma, beta, bn_param):
    """float32 throughout, a short cache (x, gamma, mean, var, eps), a new running array each step."""
    x32, g, b = x.astype(np.float32), gamma.astype(np.float32), beta.astype(np.float32)
    eps, m = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    D = x.shape[1]
    if bn_param["mode"] == "train":
        mean, var = x32.mean(axis=0), x32.var(axis=0)
        bn_param["running_mean"] = (m * bn_param.get("running_mean", np.zeros(D)) + (1 - m) * mean).astype(np.float32)
        bn_param["running_var"] = (m * bn_param.get("running_var", np.zeros(D)) + (1 - m) * var).astype(np.float32)
    else:
        mean = bn_param.get("running_mean", np.zeros(D)).astype(np.float32)
        var = bn_param.get("running_var", np.zeros(D)).astype(np.float32)
    return g * (x32 - mean) / np.sqrt(var + np.float32(eps)) + b, (x32, g, mean, var, eps)


def batchnorm_backward_float32(dout, cache):
    """From the short cache: x_hat recomputed, the closed form in float32."""
    x, g, mean, var, eps = cache
    N = x.shape[0]
    inv = 1.0 / np.sqrt(var + np.float32(eps))
    x_hat = (x - mean) * inv
    d = dout.astype(np.float32)
    dx_hat = d * g
    dx = inv * (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0))
    return dx, (d * x_hat).sum(axis=0), d.sum(axis=0)


def layernorm_forward(x, gamma, beta, ln_param):
    """CS231n's trick: batch norm of the transpose (statistics per sample), then gamma and beta."""
    eps = ln_param.get("eps", 1e-5)
    xt = x.T
    mu = xt.mean(axis=0)
    xmu = xt - mu
    var = (xmu ** 2).mean(axis=0)
    ivar = 1.0 / np.sqrt(var + eps)
    xhat = (xmu * ivar).T
    return gamma * xhat + beta, (xhat, gamma, ivar)


def layernorm_backward(dout, cache):
    xhat, gamma, ivar = cache
    D = dout.shape[1]
    dbeta, dgamma = dout.sum(axis=0), np.sum(dout * xhat, axis=0)
    dxhat = (dout * gamma).T
    xhat_t = xhat.T
    dx = (1.0 / D) * ivar * (D * dxhat - dxhat.sum(axis=0) - xhat_t * np.sum(dxhat * xhat_t, axis=0))
    return dx.T, dgamma, dbeta


def layernorm_forward_float32(x, gamma, beta, ln_param):
    x = x.astype(np.float32)
    mu = x.mean(axis=1, keepdims=True)
    std = np.sqrt(x.var(axis=1, keepdims=True) + np.float32(ln_param.get("eps", 1e-5)))
    x_hat = (x - mu) / std
    return gamma.astype(np.float32) * x_hat + beta.astype(np.float32), {"x_hat": x_hat, "std": std, "gamma": gamma}


def layernorm_backward_float32(dout, cache):
    x_hat, std, gamma = cache["x_hat"], cache["std"], cache["gamma"].astype(np.float32)
    d = dout.astype(np.float32)
    g = d * gamma
    dx = (g - g.mean(axis=1, keepdims=True) - x_hat * (g * x_hat).mean(axis=1, keepdims=True)) / std
    return dx, (d * x_hat).sum(axis=0), d.sum(axis=0)


# --------------------------------------------------------------------------- networks
def _softmax_loss(scores, y):
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    N = scores.shape[0]
    d = np.exp(log_p)
    d[np.arange(N), y] -= 1
    return -log_p[np.arange(N), y].mean(), d / N


class FullyConnectedNet:
    """CS231n style: {affine - [batch/layer norm] - relu} x (L - 1) - affine - softmax, caches in a list,
    the normalization layers above."""

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,
                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):
        self.normalization, self.reg, self.dtype = normalization, reg, dtype
        self.num_layers = 1 + len(hidden_dims)
        dims = [input_dim] + list(hidden_dims) + [num_classes]
        self.params = {}
        for i in range(self.num_layers):
            self.params["W%d" % (i + 1)] = weight_scale * np.random.randn(dims[i], dims[i + 1])
            self.params["b%d" % (i + 1)] = np.zeros(dims[i + 1])
            if normalization and i < self.num_layers - 1:
                self.params["gamma%d" % (i + 1)] = np.ones(dims[i + 1])
                self.params["beta%d" % (i + 1)] = np.zeros(dims[i + 1])
        self.bn_params = []
        if normalization == "batchnorm":
            self.bn_params = [{"mode": "train"} for _ in range(self.num_layers - 1)]
        if normalization == "layernorm":
            self.bn_params = [{} for _ in range(self.num_layers - 1)]
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"
        if self.normalization == "batchnorm":
            for bn_param in self.bn_params:
                bn_param["mode"] = mode
        h, caches = X.reshape(X.shape[0], -1), []
        for i in range(1, self.num_layers):
            W, b = self.params["W%d" % i], self.params["b%d" % i]
            z = h.dot(W) + b
            norm_cache = None
            if self.normalization == "batchnorm":
                z, norm_cache = batchnorm_forward(z, self.params["gamma%d" % i], self.params["beta%d" % i],
                                                  self.bn_params[i - 1])
            elif self.normalization == "layernorm":
                z, norm_cache = layernorm_forward(z, self.params["gamma%d" % i], self.params["beta%d" % i],
                                                  self.bn_params[i - 1])
            caches.append((h, norm_cache, z))
            h = np.maximum(0, z)
        L = self.num_layers
        scores = h.dot(self.params["W%d" % L]) + self.params["b%d" % L]
        if mode == "test":
            return scores
        loss, d = _softmax_loss(scores, y)
        grads = {"W%d" % L: h.T.dot(d), "b%d" % L: d.sum(axis=0)}
        dh = d.dot(self.params["W%d" % L].T)
        for i in range(L - 1, 0, -1):
            h_in, norm_cache, z = caches[i - 1]
            dz = dh * (z > 0)
            if self.normalization == "batchnorm":
                dz, grads["gamma%d" % i], grads["beta%d" % i] = batchnorm_backward_alt(dz, norm_cache)
            elif self.normalization == "layernorm":
                dz, grads["gamma%d" % i], grads["beta%d" % i] = layernorm_backward(dz, norm_cache)
            grads["W%d" % i], grads["b%d" % i] = h_in.T.dot(dz), dz.sum(axis=0)
            dh = dz.dot(self.params["W%d" % i].T)
        for i in range(1, L + 1):
            W = self.params["W%d" % i]
            loss += 0.5 * self.reg * np.sum(W * W)
            grads["W%d" % i] += self.reg * W
        return loss, grads


class FullyConnectedNetGraphBackward(FullyConnectedNet):
    """Another network: the graph-form backward for batch norm, float32 parameters kept as given."""

    def loss(self, X, y=None):
        global batchnorm_backward_alt
        saved = batchnorm_backward_alt
        batchnorm_backward_alt = batchnorm_backward
        try:
            return super().loss(X, y)
        finally:
            batchnorm_backward_alt = saved


RIGHT = [
    Right("bn.fit_standardizer", fit_standardizer),
    Right("bn.fit_standardizer", fit_standardizer_sums),
    Right("bn.standardize", standardize),
    Right("bn.standardize", standardize_float32),
    Right("bn.batchnorm_forward", batchnorm_forward),
    Right("bn.batchnorm_forward", batchnorm_forward_float32),
    Right("bn.batchnorm_backward", batchnorm_backward),
    Right("bn.batchnorm_backward", batchnorm_backward_alt),
    Right("bn.batchnorm_backward", batchnorm_backward_float32, forward=batchnorm_forward_float32),
    Right("bn.batchnorm_backward_alt", batchnorm_backward_alt),
    Right("bn.batchnorm_backward_alt", batchnorm_backward_float32, forward=batchnorm_forward_float32),
    Right("bn.layernorm_forward", layernorm_forward),
    Right("bn.layernorm_forward", layernorm_forward_float32),
    Right("bn.layernorm_backward", layernorm_backward),
    Right("bn.layernorm_backward", layernorm_backward_float32, forward=layernorm_forward_float32),
    Right("bn.FullyConnectedNet", FullyConnectedNet),
    Right("bn.FullyConnectedNet", FullyConnectedNetGraphBackward),
]


@right_rows(RIGHT)
def test_right_implementation_passes(row, seed):
    passes(row, seed)


# =========================================================================== wrong implementations
# --------------------------------------------------------------------------- standardizer
def fit_unbiased(X_train, eps=1e-8):
    return X_train.mean(axis=0), np.sqrt(X_train.var(axis=0, ddof=1) + eps)


def fit_eps_after_root(X_train, eps=1e-8):
    return X_train.mean(axis=0), X_train.std(axis=0) + eps


def fit_without_eps(X_train, eps=1e-8):
    return X_train.mean(axis=0), X_train.std(axis=0)


def fit_returns_variance(X_train, eps=1e-8):
    return X_train.mean(axis=0), X_train.var(axis=0) + eps


def fit_keepdims(X_train, eps=1e-8):
    return X_train.mean(axis=0, keepdims=True), np.sqrt(X_train.var(axis=0, keepdims=True) + eps)


def fit_per_sample(X_train, eps=1e-8):
    return X_train.mean(axis=1), np.sqrt(X_train.var(axis=1) + eps)


def standardize_own_statistics(X, mean, std):
    """Leakage: the data's own statistics, whatever was fitted on the training set."""
    mu = X.mean(axis=0)
    sigma = np.sqrt(((X - mu) ** 2).mean(axis=0) + 1e-8)
    return (X - mu) / sigma


def standardize_eps_again(X, mean, std):
    return (X - mean) / (std + 1e-8)


def standardize_no_centring(X, mean, std):
    return X / std


def standardize_times_std(X, mean, std):
    return (X - mean) * std


def standardize_std_as_variance(X, mean, std):
    return (X - mean) / np.sqrt(std)


def standardize_in_place(X, mean, std):
    X -= mean
    X /= std
    return X


# --------------------------------------------------------------------------- batch norm forward
def _forward_with(**changes):
    """batchnorm_forward with one line changed: a learner's version of the mistake."""

    def forward(x, gamma, beta, bn_param):
        mode, eps, momentum = bn_param["mode"], bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
        D = x.shape[1]
        rm = bn_param.get("running_mean", np.zeros(D))
        rv = bn_param.get("running_var", np.zeros(D))
        if mode == "train" or changes.get("test_batch"):
            mu = x.mean(axis=changes.get("axis", 0), keepdims=changes.get("axis", 0) == 1)
            var = np.var(x, axis=changes.get("axis", 0), ddof=changes.get("ddof", 0),
                         keepdims=changes.get("axis", 0) == 1)
        else:
            mu, var = rm, rv
        if changes.get("eps_outside"):
            x_hat = (x - mu) / (np.sqrt(var) + eps)
        else:
            x_hat = (x - mu) / np.sqrt(var + eps)
        out = x_hat if (mode == "test" and changes.get("no_affine")) else gamma * x_hat + beta
        if (mode == "train" or changes.get("update_in_test")) and not changes.get("no_store"):
            new = 1 - momentum if changes.get("torch") else momentum
            keep = changes.get("keepdims", False)
            batch_again = changes.get("axis", 0) == 1 or mode == "test"  # test mode: the test batch's statistics
            mean_b = x.mean(axis=0, keepdims=keep) if batch_again else (mu if not keep else mu[None])
            var_b = x.var(axis=0, keepdims=keep) if batch_again else (var if not keep else var[None])
            if changes.get("unbiased_running"):
                var_b = x.var(axis=0, ddof=1)
            bn_param["running_mean"] = new * rm + (1 - new) * mean_b
            bn_param["running_var"] = new * rv + (1 - new) * var_b
        return out, (x_hat, gamma, x - mu, 1.0 / np.sqrt(var + eps))

    forward.__name__ = "batchnorm_forward_" + "_".join(changes)
    return forward


bn_unbiased = _forward_with(ddof=1)
bn_eps_outside = _forward_with(eps_outside=True)
bn_torch_momentum = _forward_with(torch=True)
bn_unbiased_running_var = _forward_with(unbiased_running=True)
bn_running_not_stored = _forward_with(no_store=True)
bn_updates_in_test = _forward_with(update_in_test=True)
bn_test_batch_statistics = _forward_with(test_batch=True)
bn_test_without_gamma_beta = _forward_with(no_affine=True)
bn_layer_axis = _forward_with(axis=1)
bn_running_keepdims = _forward_with(keepdims=True)


# --------------------------------------------------------------------------- batch norm backward
def bn_backward_constant_statistics(dout, cache):
    xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
    return dout * gamma * ivar, np.sum(dout * xhat, axis=0), dout.sum(axis=0)


def bn_backward_no_mean_path(dout, cache):
    xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
    N = dout.shape[0]
    dxhat = dout * gamma
    dvar = np.sum(dxhat * xmu, axis=0) * -0.5 * (var + eps) ** -1.5
    return dxhat * ivar + dvar * 2 * xmu / N, np.sum(dout * xhat, axis=0), dout.sum(axis=0)


def bn_backward_keepdims(dout, cache):
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    return dx, dgamma[None, :], dbeta.reshape(1, -1)


def bn_backward_without_gamma(dout, cache):
    xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
    return batchnorm_backward(dout / gamma, cache)[0], np.sum(dout * xhat, axis=0), dout.sum(axis=0)


def bn_backward_swapped(dout, cache):
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    return dx, dbeta, dgamma


def bn_backward_mean_of_dbeta(dout, cache):
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    return dx, dgamma, dout.mean(axis=0)


def bn_alt_missing_one_over_n(dout, cache):
    xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
    N = dout.shape[0]
    dx = gamma * ivar * (N * dout - np.sum(dout, axis=0) - xhat * np.sum(dout * xhat, axis=0))
    return dx, np.sum(xhat * dout, axis=0), dout.sum(axis=0)


def bn_alt_no_variance_term(dout, cache):
    xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
    N = dout.shape[0]
    dx = (1.0 / N) * gamma * ivar * (N * dout - np.sum(dout, axis=0))
    return dx, np.sum(xhat * dout, axis=0), dout.sum(axis=0)


def bn_alt_var_instead_of_std(dout, cache):
    """Divides by var + eps where 1 / sqrt(var + eps) belongs: differs from the graph form."""
    xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
    N = dout.shape[0]
    dx = (1.0 / N) * gamma / (var + eps) * (N * dout - np.sum(dout, axis=0) - xhat * np.sum(dout * xhat, axis=0))
    return dx, np.sum(xhat * dout, axis=0), dout.sum(axis=0)


# --------------------------------------------------------------------------- layer norm
def ln_over_batch(x, gamma, beta, ln_param):
    mu, var = x.mean(axis=0), x.var(axis=0)
    xhat = (x - mu) / np.sqrt(var + ln_param.get("eps", 1e-5))
    return gamma * xhat + beta, xhat


def ln_unbiased(x, gamma, beta, ln_param):
    mu, var = x.mean(axis=1, keepdims=True), x.var(axis=1, ddof=1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + ln_param.get("eps", 1e-5)) + beta, None


def ln_eps_outside(x, gamma, beta, ln_param):
    mu, sd = x.mean(axis=1, keepdims=True), x.std(axis=1, keepdims=True)
    return gamma * (x - mu) / (sd + ln_param.get("eps", 1e-5)) + beta, None


def ln_without_gamma_beta(x, gamma, beta, ln_param):
    mu, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
    return (x - mu) / np.sqrt(var + ln_param.get("eps", 1e-5)), None


def ln_fixed_eps(x, gamma, beta, ln_param):
    mu, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + 1e-5) + beta, None


def ln_reads_mode(x, gamma, beta, ln_param):
    if ln_param["mode"] == "train":
        pass
    return layernorm_forward(x, gamma, beta, ln_param)


def ln_backward_batch_axis(dout, cache):
    xhat, gamma, ivar = cache
    N = dout.shape[0]
    dxhat = dout * gamma
    dx = (1.0 / N) * ivar[:, None] * (N * dxhat - dxhat.sum(axis=0) - xhat * np.sum(dxhat * xhat, axis=0))
    return dx, np.sum(dout * xhat, axis=0), dout.sum(axis=0)


def ln_backward_constant_statistics(dout, cache):
    xhat, gamma, ivar = cache
    return dout * gamma * ivar[:, None], np.sum(dout * xhat, axis=0), dout.sum(axis=0)


def ln_backward_no_variance_path(dout, cache):
    xhat, gamma, ivar = cache
    g = dout * gamma
    return (g - g.mean(axis=1, keepdims=True)) * ivar[:, None], np.sum(dout * xhat, axis=0), dout.sum(axis=0)


def ln_backward_dgamma_per_sample(dout, cache):
    dx, _, _ = layernorm_backward(dout, cache)
    xhat = cache[0]
    return dx, np.sum(dout * xhat, axis=1), np.sum(dout, axis=1)


def ln_backward_without_gamma(dout, cache):
    xhat, gamma, ivar = cache
    dx, dgamma, dbeta = layernorm_backward(dout / gamma, cache)
    return dx, np.sum(dout * xhat, axis=0), dout.sum(axis=0)


def ln_backward_swapped(dout, cache):
    dx, dgamma, dbeta = layernorm_backward(dout, cache)
    return dx, dbeta, dgamma


# --------------------------------------------------------------------------- networks
class NetNormAfterRelu(FullyConnectedNet):
    """affine - relu - norm, forward and backward consistent with each other."""

    def loss(self, X, y=None):
        mode = "test" if y is None else "train"
        forward, backward = ((batchnorm_forward, batchnorm_backward_alt) if self.normalization == "batchnorm"
                             else (layernorm_forward, layernorm_backward))
        for bn_param in self.bn_params:
            if self.normalization == "batchnorm":
                bn_param["mode"] = mode
        p, L = self.params, self.num_layers
        h, caches = X.reshape(X.shape[0], -1), []
        for i in range(1, L):
            z = h @ p["W%d" % i] + p["b%d" % i]
            out, c = forward(np.maximum(z, 0), p["gamma%d" % i], p["beta%d" % i], self.bn_params[i - 1])
            caches.append((h, z, c))
            h = out
        scores = h @ p["W%d" % L] + p["b%d" % L]
        if y is None:
            return scores
        loss, d = _softmax_loss(scores, y)
        grads = {"W%d" % L: h.T @ d, "b%d" % L: d.sum(axis=0)}
        d = d @ p["W%d" % L].T
        for i in range(L - 1, 0, -1):
            h_in, z, c = caches[i - 1]
            d, grads["gamma%d" % i], grads["beta%d" % i] = backward(d, c)
            d = d * (z > 0)
            grads["W%d" % i], grads["b%d" % i] = h_in.T @ d, d.sum(axis=0)
            d = d @ p["W%d" % i].T
        for i in range(1, L + 1):
            loss += 0.5 * self.reg * np.sum(p["W%d" % i] ** 2)
            grads["W%d" % i] = grads["W%d" % i] + self.reg * p["W%d" % i]
        return loss, grads


class NetTestInTrainMode(FullyConnectedNet):
    """Never switches bn_param to 'test': test scores use the test batch's statistics."""

    def loss(self, X, y=None):
        if y is None and self.normalization == "batchnorm":
            result = super().loss(X, np.zeros(X.shape[0], dtype=int))
            h = X.reshape(X.shape[0], -1)
            for i in range(1, self.num_layers):
                z = h @ self.params["W%d" % i] + self.params["b%d" % i]
                z, _ = batchnorm_forward(z, self.params["gamma%d" % i], self.params["beta%d" % i], {"mode": "train"})
                h = np.maximum(z, 0)
            return h @ self.params["W%d" % self.num_layers] + self.params["b%d" % self.num_layers]
        return super().loss(X, y)


class NetRegularisesGamma(FullyConnectedNet):
    def loss(self, X, y=None):
        result = super().loss(X, y)
        if y is None:
            return result
        loss, grads = result
        for i in range(1, self.num_layers):
            g = self.params["gamma%d" % i]
            loss += 0.5 * self.reg * np.sum(g * g)
            grads["gamma%d" % i] = grads["gamma%d" % i] + self.reg * g
        return loss, grads


class NetNewBnParamsEachCall(FullyConnectedNet):
    def loss(self, X, y=None):
        self.bn_params = [{"mode": "train"} if self.normalization == "batchnorm" else {} for _ in self.bn_params]
        return super().loss(X, y)


class NetForgetsGammaGradient(FullyConnectedNet):
    def loss(self, X, y=None):
        result = super().loss(X, y)
        if y is None:
            return result
        loss, grads = result
        return loss, {k: v for k, v in grads.items() if not k.startswith("gamma")}


class NetGammaGradientNegated(FullyConnectedNet):
    def loss(self, X, y=None):
        result = super().loss(X, y)
        if y is None:
            return result
        loss, grads = result
        for k in grads:
            if k.startswith("beta"):
                grads[k] = -grads[k]
        return loss, grads


WRONG = [
    Wrong("bn.fit_standardizer", fit_unbiased, "known_mistake", says="unbiased"),
    Wrong("bn.fit_standardizer", fit_eps_after_root, "known_mistake", says="outside the square root"),
    Wrong("bn.fit_standardizer", fit_without_eps, "known_mistake", says="eps is not used"),
    Wrong("bn.fit_standardizer", fit_returns_variance, "known_mistake", says="variance"),
    Wrong("bn.fit_standardizer", fit_keepdims, "shape"),
    Wrong("bn.fit_standardizer", fit_per_sample, "shape"),
    Wrong("bn.standardize", standardize_own_statistics, "known_mistake", says="leakage"),
    Wrong("bn.standardize", standardize_eps_again, "known_mistake", says="eps is added again"),
    Wrong("bn.standardize", standardize_no_centring, "known_mistake", says="mean is not subtracted"),
    Wrong("bn.standardize", standardize_times_std, "known_mistake", says="multiplied"),
    Wrong("bn.standardize", standardize_std_as_variance, "known_mistake", says="variance"),
    Wrong("bn.standardize", standardize_in_place, "mutates_input"),
    Wrong("bn.batchnorm_forward", bn_unbiased, "known_mistake", says="unbiased variance"),
    Wrong("bn.batchnorm_forward", bn_eps_outside, "known_mistake", says="outside the square root"),
    Wrong("bn.batchnorm_forward", bn_torch_momentum, "known_mistake", says="PyTorch's momentum"),
    Wrong("bn.batchnorm_forward", bn_unbiased_running_var, "known_mistake", says="PyTorch's running variance"),
    Wrong("bn.batchnorm_forward", bn_running_not_stored, "known_mistake", says="never written back"),
    Wrong("bn.batchnorm_forward", bn_updates_in_test, "known_mistake", says="updated in test mode"),
    Wrong("bn.batchnorm_forward", bn_test_batch_statistics, "known_mistake", says="test batch's own statistics"),
    Wrong("bn.batchnorm_forward", bn_test_without_gamma_beta, "known_mistake", says="scale and shift"),
    Wrong("bn.batchnorm_forward", bn_layer_axis, "known_mistake", says="axis=1"),
    Wrong("bn.batchnorm_forward", bn_running_keepdims, "shape"),
    Wrong("bn.batchnorm_backward", bn_backward_constant_statistics, "known_mistake", says="constants"),
    Wrong("bn.batchnorm_backward", bn_backward_no_mean_path, "known_mistake", says="batch mean"),
    Wrong("bn.batchnorm_backward", bn_backward_keepdims, "shape"),
    Wrong("bn.batchnorm_backward", bn_backward_without_gamma, "known_mistake", says="gamma is left out"),
    Wrong("bn.batchnorm_backward", bn_backward_swapped, "known_mistake", says="swapped"),
    Wrong("bn.batchnorm_backward", bn_backward_mean_of_dbeta, "scale"),
    Wrong("bn.batchnorm_backward_alt", bn_alt_missing_one_over_n, "scale"),
    Wrong("bn.batchnorm_backward_alt", bn_alt_no_variance_term, "known_mistake", says="batch variance"),
    Wrong("bn.batchnorm_backward_alt", bn_backward_constant_statistics, "known_mistake", says="constants"),
    Wrong("bn.batchnorm_backward_alt", bn_alt_var_instead_of_std, "mismatch", says="dx"),
    Wrong("bn.batchnorm_backward_alt", bn_backward_keepdims, "shape"),
    Wrong("bn.batchnorm_backward_alt", bn_backward_swapped, "known_mistake", says="swapped"),
    Wrong("bn.layernorm_forward", ln_over_batch, "known_mistake", says="axis=0"),
    Wrong("bn.layernorm_forward", ln_unbiased, "known_mistake", says="unbiased"),
    Wrong("bn.layernorm_forward", ln_eps_outside, "known_mistake", says="outside the square root"),
    Wrong("bn.layernorm_forward", ln_without_gamma_beta, "known_mistake", says="gamma and beta"),
    Wrong("bn.layernorm_forward", ln_fixed_eps, "known_mistake", says="fixed"),
    Wrong("bn.layernorm_forward", ln_reads_mode, "exception"),
    Wrong("bn.layernorm_backward", ln_backward_batch_axis, "known_mistake", says="axis=0"),
    Wrong("bn.layernorm_backward", ln_backward_constant_statistics, "known_mistake", says="constants"),
    Wrong("bn.layernorm_backward", ln_backward_no_variance_path, "known_mistake", says="variance"),
    Wrong("bn.layernorm_backward", ln_backward_dgamma_per_sample, "shape"),
    Wrong("bn.layernorm_backward", ln_backward_without_gamma, "known_mistake", says="gamma is left out"),
    Wrong("bn.layernorm_backward", ln_backward_swapped, "known_mistake", says="swapped"),
    Wrong("bn.FullyConnectedNet", NetNormAfterRelu, "known_mistake", says="after the ReLU"),
    Wrong("bn.FullyConnectedNet", NetTestInTrainMode, "known_mistake", says="running averages"),
    Wrong("bn.FullyConnectedNet", NetRegularisesGamma, "known_mistake", says="gamma is regularised"),
    Wrong("bn.FullyConnectedNet", NetNewBnParamsEachCall, "known_mistake", says="not kept on the model"),
    Wrong("bn.FullyConnectedNet", NetForgetsGammaGradient, "wrong_type"),
    Wrong("bn.FullyConnectedNet", NetGammaGradientNegated, "gradient"),
]


@wrong_rows(WRONG, seeds=GRADING)
def test_wrong_implementation_is_diagnosed(row, seed):
    diagnosed(row, seed)


# =========================================================================== the reference against PyTorch
def _torch():
    return pytest.importorskip("torch")


def _torch_batchnorm(x, gamma, beta, dout, running_mean, running_var, momentum, eps, training):
    torch = _torch()
    xt, gt, bt = (torch.tensor(a, requires_grad=True) for a in (x, gamma, beta))
    rm, rv = torch.tensor(running_mean), torch.tensor(running_var)
    # the course's momentum weighs the old value; PyTorch's weighs the new batch
    out = torch.nn.functional.batch_norm(xt, rm, rv, gt, bt, training=training, momentum=1 - momentum, eps=eps)
    out.backward(torch.tensor(dout))
    return out.detach().numpy(), xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy(), rm.numpy(), rv.numpy()


@pytest.mark.parametrize("N, D, momentum, eps", [(8, 4, 0.9, 1e-5), (3, 6, 0.5, 1e-3), (64, 10, 0.99, 1e-5)])
def test_batchnorm_matches_torch_in_train_mode(N, D, momentum, eps):
    rng = np.random.default_rng(N)
    x = rng.normal(2.0, 3.0, size=(N, D))
    gamma, beta, dout = rng.normal(size=D), rng.normal(size=D), rng.normal(size=(N, D))
    rm0, rv0 = rng.normal(size=D), rng.uniform(0.5, 2, size=D)
    bn_param = {"mode": "train", "momentum": momentum, "eps": eps, "running_mean": rm0.copy(), "running_var": rv0.copy()}
    out, cache = ref.batchnorm_forward(x, gamma, beta, bn_param)
    t_out, t_dx, t_dg, t_db, t_rm, t_rv = _torch_batchnorm(x, gamma, beta, dout, rm0, rv0, momentum, eps, True)
    np.testing.assert_allclose(out, t_out, rtol=1e-10, atol=1e-12)
    for backward in (ref.batchnorm_backward, ref.batchnorm_backward_alt):
        for got, expected in zip(backward(dout, cache), (t_dx, t_dg, t_db)):
            np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(bn_param["running_mean"], t_rm, rtol=1e-12)
    # PyTorch stores the unbiased batch variance; the course stores the biased one it normalized with
    unbiased_to_biased = (N - 1) / N
    np.testing.assert_allclose(bn_param["running_var"] - momentum * rv0,
                               (t_rv - momentum * rv0) * unbiased_to_biased, rtol=1e-10)
    assert bn_param["running_mean"].shape == (D,) and bn_param["running_var"].shape == (D,)


def test_batchnorm_matches_torch_in_test_mode_and_leaves_bn_param_alone():
    rng = np.random.default_rng(3)
    x, gamma, beta, dout = rng.normal(size=(5, 3)), rng.normal(size=3), rng.normal(size=3), rng.normal(size=(5, 3))
    rm, rv = rng.normal(size=3), rng.uniform(0.5, 2, size=3)
    bn_param = {"mode": "test", "running_mean": rm.copy(), "running_var": rv.copy()}
    out, cache = ref.batchnorm_forward(x, gamma, beta, bn_param)
    t_out, t_dx, t_dg, t_db, t_rm, _ = _torch_batchnorm(x, gamma, beta, dout, rm, rv, 0.9, 1e-5, False)
    np.testing.assert_allclose(out, t_out, rtol=1e-10)
    np.testing.assert_allclose(ref.batchnorm_backward(dout, cache)[0], t_dx, rtol=1e-10)
    np.testing.assert_array_equal(bn_param["running_mean"], rm)
    np.testing.assert_array_equal(bn_param["running_var"], rv)


@pytest.mark.parametrize("N, D, eps", [(6, 5, 1e-5), (1, 7, 1e-5), (4, 3, 0.5)])
def test_layernorm_matches_torch(N, D, eps):
    torch = _torch()
    rng = np.random.default_rng(D)
    x, gamma, beta, dout = rng.normal(size=(N, D)) * 3, rng.normal(size=D), rng.normal(size=D), rng.normal(size=(N, D))
    out, cache = ref.layernorm_forward(x, gamma, beta, {"eps": eps})
    xt, gt, bt = (torch.tensor(a, requires_grad=True) for a in (x, gamma, beta))
    t_out = torch.nn.functional.layer_norm(xt, (D,), gt, bt, eps=eps)
    t_out.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    for got, expected in zip(ref.layernorm_backward(dout, cache), (xt.grad, gt.grad, bt.grad)):
        np.testing.assert_allclose(got, expected.numpy(), rtol=1e-9, atol=1e-12)


def test_standardizer_matches_torch_statistics():
    torch = _torch()
    X = np.random.default_rng(0).normal(5, 2, size=(50, 4))
    mean, std = ref.fit_standardizer(X, eps=1e-8)
    t_var, t_mean = torch.var_mean(torch.tensor(X), dim=0, correction=0)
    np.testing.assert_allclose(mean, t_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(std, np.sqrt(t_var.numpy() + 1e-8), rtol=1e-12)
    np.testing.assert_allclose(ref.standardize(X, mean, std).std(axis=0), 1.0, rtol=1e-6)


# =========================================================================== networks, gradient-checked as a whole
@pytest.mark.parametrize("normalization", ["batchnorm", "layernorm"])
def test_reference_network_with_normalization_passes_a_whole_gradient_check(normalization):
    rng = np.random.default_rng(5)
    np.random.seed(5)
    net = nn_ref.FullyConnectedNet([7, 6], input_dim=5, num_classes=3, normalization=normalization, reg=0.1,
                                   weight_scale=0.5, dtype=np.float64)
    for name in net.params:
        if name.startswith(("gamma", "beta")):
            net.params[name] = rng.normal(1.0 if name.startswith("gamma") else 0.0, 0.3, size=net.params[name].shape)
    assert {f"gamma{i}" for i in (1, 2)} | {f"beta{i}" for i in (1, 2)} <= set(net.params)
    assert len(net.bn_params) == 2
    X, y = rng.normal(size=(9, 5)), rng.integers(0, 3, size=9)
    _, grads = net.loss(X, y)
    assert set(grads) == set(net.params)
    names = sorted(net.params)
    flat = np.concatenate([net.params[k].ravel() for k in names])

    def loss_at(vector):
        start = 0
        for k in names:
            size = net.params[k].size
            net.params[k] = vector[start:start + size].reshape(net.params[k].shape)
            start += size
        return net.loss(X, y)[0]

    analytic = np.concatenate([grads[k].ravel() for k in names])
    result = gradcheck(loss_at, flat.copy(), analytic, h=1e-6)
    assert result.passed, result.verdict
    if normalization == "batchnorm":  # the bias before batch norm cancels: its gradient is 0
        np.testing.assert_allclose(grads["b1"], 0.0, atol=1e-12)
        assert net.bn_params[0]["running_mean"].shape == (7,)


def test_reference_network_batchnorm_test_mode_uses_running_averages():
    np.random.seed(0)
    net = nn_ref.FullyConnectedNet([6], input_dim=4, num_classes=3, normalization="batchnorm", dtype=np.float64)
    X = np.random.default_rng(1).normal(size=(10, 4))
    before = net.loss(X)
    net.loss(X, np.zeros(10, dtype=int))
    after = net.loss(X)
    assert net.bn_params[0]["mode"] == "test" and not np.allclose(before, after)
    np.testing.assert_allclose(net.loss(X[:1]), net.loss(X)[:1], rtol=1e-12)  # one sample alone: the same prediction


# =========================================================================== bad input
def test_bad_bn_param_gamma_and_beta_are_refused_with_clear_messages():
    x, g, b = np.ones((4, 3)), np.ones(3), np.zeros(3)
    with pytest.raises(ValueError, match="needs a 'mode' key"):
        ref.batchnorm_forward(x, g, b, {})
    with pytest.raises(ValueError, match="'train' or 'test', got 'eval'"):
        ref.batchnorm_forward(x, g, b, {"mode": "eval"})
    with pytest.raises(ValueError, match=r"gamma must have shape \(3,\).*\(1, 3\)"):
        ref.batchnorm_forward(x, g[None, :], b, {"mode": "train"})
    with pytest.raises(ValueError, match=r"beta must have shape \(3,\)"):
        ref.layernorm_forward(x, g, np.zeros(4), {})
    with pytest.raises(ValueError, match="bn_param must be a dict"):
        ref.batchnorm_forward(x, g, b, "train")
    with pytest.raises(ValueError, match="momentum"):
        ref.batchnorm_forward(x, g, b, {"mode": "train", "momentum": 1.5})
    with pytest.raises(ValueError, match="running_mean"):
        ref.batchnorm_forward(x, g, b, {"mode": "test", "running_mean": np.zeros(4)})
    with pytest.raises(ValueError, match="2-D"):
        ref.fit_standardizer(np.ones(5))
    with pytest.raises(ValueError, match="std must have shape"):
        ref.standardize(x, np.zeros(3), np.ones(2))


def test_a_batch_of_one_in_train_mode_gives_beta_and_a_zero_gradient():
    rng = np.random.default_rng(0)
    beta = rng.normal(size=4)
    bn_param = {"mode": "train"}
    out, cache = ref.batchnorm_forward(rng.normal(size=(1, 4)), rng.normal(size=4), beta, bn_param)
    np.testing.assert_array_equal(out[0], beta)
    assert np.all(np.isfinite(bn_param["running_var"])) and np.all(bn_param["running_var"] == 0)
    dx, dgamma, dbeta = ref.batchnorm_backward(rng.normal(size=(1, 4)), cache)
    np.testing.assert_allclose(dx, 0.0, atol=1e-12)


def test_check_turns_a_learner_that_raises_on_bad_mode_into_findings_not_tracebacks():
    def forward_needing_test_key(x, gamma, beta, bn_param):
        return gamma * (x - bn_param["running_mean"]) + beta, None  # KeyError where no running mean is given

    report = check("bn.batchnorm_forward", forward_needing_test_key)
    exceptions = [f for f in report.findings if f.code == "exception"]
    assert exceptions and all("KeyError" in f.message for f in exceptions), report.text()
    assert not report.passed and "Traceback" not in exceptions[0].message


# =========================================================================== cases
def test_standardize_cases_apply_training_statistics_to_other_splits():
    from checker.registry import get

    cases = get("bn.standardize").make_cases()
    differ = [np.abs(case.args[0].mean(axis=0) - case.args[1]).max() > 0.1 * case.args[2].min() for case in cases]
    assert sum(differ) >= 2 and any(case.args[0].shape[0] == 1 for case in cases)


def test_batchnorm_forward_cases_carry_bn_param_over_several_calls_in_both_modes():
    from checker.registry import get

    cases = get("bn.batchnorm_forward").make_cases()
    modes = [list(case.args[1]) for case in cases]
    assert all(len(m) >= 2 for m in modes)
    assert any(m[-1] == "test" and "train" in m for m in modes) and any(set(m) == {"test"} for m in modes)
    assert any(case.args[0].shape[1] == 1 for case in cases)  # a batch of one sample


# =========================================================================== the notebook, graded
@pytest.mark.slow
def test_source_notebook_gets_full_marks_from_the_trusted_grader(tmp_path):
    import shutil

    from checker.grading.grader import grade_notebook

    submission = tmp_path / "07_bn.ipynb"
    shutil.copy(NOTEBOOK, submission)
    grade = grade_notebook(submission, NOTEBOOK, seed=20261201)
    failed = {gid: (t.codes, t.text) for gid, t in grade.tasks.items() if not t.passed}
    assert not failed, failed
    assert len(grade.tasks) == 8 and grade.score == grade.max_score > 0
