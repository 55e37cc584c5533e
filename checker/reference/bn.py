"""Reference solutions for notebook 07, normalization.

Batch normalization follows the CS231n assignment 2 signatures: ``batchnorm_forward(x, gamma, beta,
bn_param) -> (out, cache)`` and ``batchnorm_backward(dout, cache) -> (dx, dgamma, dbeta)``. Every
public function is a thin wrapper around a private helper, so that the network classes of
``checker.reference.nn`` and the spatial batch norm of notebook 09, built on the helpers, never call
a guarded public name.

Conventions:
- ``bn_param`` keys: ``mode`` ('train' or 'test', required), ``eps`` (default 1e-5), ``momentum``
  (default 0.9), ``running_mean`` and ``running_var`` (zeros of shape (D,) when absent). In train
  mode the running statistics are updated as ``running = momentum * running + (1 - momentum) *
  batch`` with the *biased* batch variance and written back into ``bn_param``. This is the opposite
  of PyTorch's ``momentum`` (PyTorch weights the new batch by its momentum) and PyTorch stores the
  *unbiased* batch variance. Test mode uses the running statistics and leaves ``bn_param`` as it was.
- ε is added to the variance inside the square root.
- ``dgamma``, ``dbeta`` and the running statistics have shape (D,), never (1, D).
- A batch of one sample in train mode does not fail: its variance is 0, so every normalized value is
  0 and the output is ``beta``; the gradient with respect to x is then 0. It is allowed (a network
  may see such a last batch) but useless for learning, which the notebook shows.

Bad input (a ``bn_param`` that is not a dict, lacks ``mode`` or has an unknown one, ``gamma`` or
``beta`` whose shape is not (D,), an ``x`` that is not 2-D, ``eps`` not positive, ``momentum``
outside [0, 1], running statistics of the wrong shape) raises a ``ValueError`` that says what was
given and what is expected.
"""

import math
from numbers import Real

import numpy as np


# --------------------------------------------------------------------------- argument checks
def _matrix(name, x):
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (N, D), got shape {x.shape}")
    if x.shape[0] < 1:
        raise ValueError(f"{name} needs at least one sample, got shape {x.shape}")
    return x


def _vector(name, value, D):
    value = np.asarray(value)
    if value.shape != (D,):
        hint = " (a (1, D) row is not accepted: use shape (D,))" if value.shape == (1, D) else ""
        raise ValueError(f"{name} must have shape ({D},) to match x's {D} features, got {value.shape}{hint}")
    return value


def _positive(name, value):
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _bn_settings(bn_param, D, dtype):
    """mode, eps, momentum and the running statistics from bn_param, checked."""
    if not isinstance(bn_param, dict):
        raise ValueError(f"bn_param must be a dict with at least 'mode', got {type(bn_param).__name__}")
    if "mode" not in bn_param:
        raise ValueError("bn_param needs a 'mode' key: 'train' (batch statistics) or 'test' (running statistics)")
    mode = bn_param["mode"]
    if mode not in ("train", "test"):
        raise ValueError(f"bn_param['mode'] must be 'train' or 'test', got {mode!r}")
    eps = _positive("bn_param['eps']", bn_param.get("eps", 1e-5))
    momentum = bn_param.get("momentum", 0.9)
    if isinstance(momentum, bool) or not isinstance(momentum, Real) or not 0.0 <= momentum <= 1.0:
        raise ValueError(f"bn_param['momentum'] must be a number in [0, 1], got {momentum!r}")
    running_mean = bn_param.get("running_mean")
    running_var = bn_param.get("running_var")
    running_mean = np.zeros(D, dtype=dtype) if running_mean is None else _vector("bn_param['running_mean']", running_mean, D)
    running_var = np.zeros(D, dtype=dtype) if running_var is None else _vector("bn_param['running_var']", running_var, D)
    return mode, eps, float(momentum), running_mean, running_var


def _ln_eps(ln_param):
    if ln_param is None:
        return 1e-5
    if not isinstance(ln_param, dict):
        raise ValueError(f"ln_param must be a dict (it may be empty), got {type(ln_param).__name__}")
    return _positive("ln_param['eps']", ln_param.get("eps", 1e-5))


# --------------------------------------------------------------------------- private helpers
def _normalize_rows(x, gamma, beta, mu, var, eps):
    """gamma * (x - mu) / sqrt(var + eps) + beta and the cache both backward passes read."""
    xc = x - mu
    std = np.sqrt(var + eps)
    inv_std = 1.0 / std
    x_hat = xc * inv_std
    out = gamma * x_hat + beta
    return out, (x_hat, xc, std, inv_std, gamma)


def _batchnorm_forward(x, gamma, beta, bn_param):
    x = _matrix("x", x)
    D = x.shape[1]
    gamma, beta = _vector("gamma", gamma, D), _vector("beta", beta, D)
    mode, eps, momentum, running_mean, running_var = _bn_settings(bn_param, D, x.dtype)
    if mode == "train":
        mu = x.mean(axis=0)
        var = x.var(axis=0)  # biased: 1/N
        out, cache = _normalize_rows(x, gamma, beta, mu, var, eps)
        bn_param["running_mean"] = momentum * running_mean + (1.0 - momentum) * mu
        bn_param["running_var"] = momentum * running_var + (1.0 - momentum) * var
        return out, ("train",) + cache
    out, cache = _normalize_rows(x, gamma, beta, running_mean, running_var, eps)
    return out, ("test",) + cache


def _batchnorm_backward(dout, cache):
    """Backward through the graph, gate by gate, as in notebook 04."""
    mode, x_hat, xc, std, inv_std, gamma = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    if mode == "test":  # the statistics are constants: only the scaling gate remains
        return dx_hat * inv_std, dgamma, dbeta
    # x_hat = xc * inv_std, a multiply gate with both inputs depending on x
    dxc = dx_hat * inv_std
    dinv_std = np.sum(dx_hat * xc, axis=0)
    # inv_std = 1 / std, std = sqrt(var + eps), var = mean(xc ** 2)
    dstd = -dinv_std / std ** 2
    dvar = dstd / (2.0 * std)
    dxc += 2.0 * xc * dvar / N
    # xc = x - mu, mu = mean(x): the mean gate sends -sum(dxc) / N to every sample
    dx = dxc - np.sum(dxc, axis=0) / N
    return dx, dgamma, dbeta


def _batchnorm_backward_alt(dout, cache):
    """The same gradient in closed form: one expression for dx."""
    mode, x_hat, xc, std, inv_std, gamma = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    if mode == "test":
        return dx_hat * inv_std, dgamma, dbeta
    dx = inv_std / N * (N * dx_hat - dx_hat.sum(axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0))
    return dx, dgamma, dbeta


def _layernorm_forward(x, gamma, beta, ln_param):
    x = _matrix("x", x)
    D = x.shape[1]
    gamma, beta = _vector("gamma", gamma, D), _vector("beta", beta, D)
    eps = _ln_eps(ln_param)
    mu = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    return _normalize_rows(x, gamma, beta, mu, var, eps)


def _layernorm_backward(dout, cache):
    x_hat, xc, std, inv_std, gamma = cache
    D = dout.shape[1]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    # the batch-norm closed form with the roles of the axes swapped: statistics per row
    dx = inv_std / D * (D * dx_hat - dx_hat.sum(axis=1, keepdims=True)
                        - x_hat * np.sum(dx_hat * x_hat, axis=1, keepdims=True))
    return dx, dgamma, dbeta


# --------------------------------------------------------------------------- batch normalization
def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization forward pass.

    Train mode normalizes each feature with the batch mean and the biased batch variance,
    x_hat = (x - mu) / sqrt(var + eps), scales and shifts it, out = gamma * x_hat + beta, and
    updates the running statistics in bn_param:
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
    Test mode normalizes with running_mean and running_var instead and leaves bn_param unchanged.
    A batch of one sample in train mode gives var = 0, x_hat = 0 and out = beta (no error).

    Inputs:
    - x: (N, D) data.
    - gamma: (D,) scale.
    - beta: (D,) shift.
    - bn_param: dict with
      - mode: 'train' or 'test' (required);
      - eps: constant added to the variance inside the square root (default 1e-5);
      - momentum: weight of the old running value (default 0.9);
      - running_mean, running_var: (D,) arrays (zeros when absent); written back in train mode.
    Returns a tuple of:
    - out: (N, D).
    - cache: (mode, x_hat, x - mu, std, 1 / std, gamma), what the backward passes read.
    """
    return _batchnorm_forward(x, gamma, beta, bn_param)


def batchnorm_backward(dout, cache):
    """Batch normalization backward pass through the computational graph.

    Inputs:
    - dout: (N, D) upstream derivative.
    - cache: from batchnorm_forward.
    Returns a tuple of:
    - dx: (N, D).
    - dgamma: (D,), sum over the batch of dout * x_hat.
    - dbeta: (D,), sum over the batch of dout.
    In train mode dx includes the paths through the batch mean and variance; in test mode the
    statistics are constants and dx = dout * gamma / sqrt(running_var + eps).
    """
    return _batchnorm_backward(dout, cache)


def batchnorm_backward_alt(dout, cache):
    """Batch normalization backward pass in closed form.

        dx = (1 / N) / sqrt(var + eps) * (N * dx_hat - sum(dx_hat) - x_hat * sum(dx_hat * x_hat)),
        dx_hat = dout * gamma, sums over the batch.

    Inputs and outputs as batchnorm_backward; the results are equal up to rounding.
    """
    return _batchnorm_backward_alt(dout, cache)


# --------------------------------------------------------------------------- layer normalization
def layernorm_forward(x, gamma, beta, ln_param):
    """Layer normalization forward pass.

    Each sample (row) is normalized with its own mean and biased variance over its D features,
    x_hat = (x - mu_i) / sqrt(var_i + eps), then out = gamma * x_hat + beta. No running statistics:
    train and test time compute the same thing.

    Inputs:
    - x: (N, D) data.
    - gamma: (D,) scale.
    - beta: (D,) shift.
    - ln_param: dict, possibly empty, with eps (default 1e-5); other keys (such as a 'mode' a
      network sets for all its normalization layers) are ignored.
    Returns a tuple of:
    - out: (N, D).
    - cache: (x_hat, x - mu, std, 1 / std, gamma), the statistics of shape (N, 1).
    """
    return _layernorm_forward(x, gamma, beta, ln_param)


def layernorm_backward(dout, cache):
    """Layer normalization backward pass.

    Inputs:
    - dout: (N, D) upstream derivative.
    - cache: from layernorm_forward.
    Returns a tuple of:
    - dx: (N, D).
    - dgamma: (D,), sum over the batch of dout * x_hat.
    - dbeta: (D,), sum over the batch of dout.
    """
    return _layernorm_backward(dout, cache)


# --------------------------------------------------------------------------- input standardization
def _fit_standardizer(X_train, eps):
    X_train = _matrix("X_train", X_train)
    eps = _positive("eps", eps)
    mean = X_train.mean(axis=0)
    std = np.sqrt(X_train.var(axis=0) + eps)  # biased variance; eps keeps constant features finite
    return mean, std


def _standardize(X, mean, std):
    X = _matrix("X", X)
    D = X.shape[1]
    mean, std = _vector("mean", mean, D), _vector("std", std, D)
    if not np.all(std > 0):
        raise ValueError("std must be positive everywhere (fit_standardizer adds eps to the variance)")
    return (X - mean) / std


def fit_standardizer(X_train, eps=1e-8):
    """Per-feature statistics of the training set, to standardize every split with.

    Inputs:
    - X_train: (N, D) training data (only the training split: validation and test data must be
      standardized with these same training statistics, never with their own).
    - eps: positive constant added to the variance, so that a constant feature gets a finite std.
    Returns a tuple of:
    - mean: (D,) per-feature mean.
    - std: (D,) sqrt(biased per-feature variance + eps).
    """
    return _fit_standardizer(X_train, eps)


def standardize(X, mean, std):
    """Standardize data with statistics fitted on the training set.

    Inputs:
    - X: (N, D) data of any split.
    - mean: (D,) from fit_standardizer.
    - std: (D,) from fit_standardizer; it already holds sqrt(var + eps), so nothing is added here.
    Returns:
    - (N, D) array (X - mean) / std.
    """
    return _standardize(X, mean, std)


def __getattr__(name):
    # bn.FullyConnectedNet is notebook 05's network with normalization; nn imports this module, so lazily
    if name == "FullyConnectedNet":
        from checker.reference.nn import FullyConnectedNet

        return FullyConnectedNet
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


from checker.reference import guard_module  # noqa: E402

guard_module(__name__)
