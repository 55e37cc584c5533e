"""Reference solutions for notebook 06, optimization.

Update rules follow the CS231n assignment 2 signature ``rule(w, dw, config=None) -> (next_w, config)``:
``config`` holds the hyper-parameters (defaults filled in with ``setdefault``, so the caller's values
win) and the rule's state (``velocity``, ``cache``, ``m``, ``v``, ``t``), created on first use and
stored back so that the next call continues where this one stopped. The stored velocity has
CS231n's sign, ``v = momentum * v - learning_rate * dw``. Every public function is a thin wrapper
around a private helper, so that ``train`` never calls a guarded public name.

Bad input (a negative learning rate, a ``beta`` outside [0, 1), a batch size that is not a positive
int, an epoch below 1 for ``sqrt_decay``, ``X`` and ``y`` of different lengths) raises a
``ValueError`` that says what was given and what is allowed.
"""

import copy
import math
from numbers import Integral, Real

import numpy as np


# --------------------------------------------------------------------------- argument checks
def _number(name, value, low=None, high=None, low_open=False, high_open=False):
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    value = float(value)
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low:g}, got {value:g}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high:g}, got {value:g}")
    return value


def _positive_int(name, value, low=1):
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    if value > np.iinfo(np.int64).max:
        raise ValueError(f"{name} must fit in a 64-bit int (at most {np.iinfo(np.int64).max}), got {value}")
    return int(value)


def _config(config, defaults):
    """The caller's config (or a new one) with the defaults filled in and checked."""
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise ValueError(f"config must be a dict or None, got {type(config).__name__}")
    for key, value in defaults.items():
        config.setdefault(key, value)
    _number("learning_rate", config["learning_rate"], low=0.0)
    for key in ("momentum", "decay_rate", "beta1", "beta2"):
        if key in defaults:
            _number(key, config[key], low=0.0, high=1.0, high_open=True)
    if "epsilon" in defaults:
        _number("epsilon", config["epsilon"], low=0.0)
    return config


# --------------------------------------------------------------------------- update rules
def _sgd(w, dw, config):
    config = _config(config, {"learning_rate": 1e-2})
    return w - config["learning_rate"] * dw, config


def _sgd_momentum(w, dw, config):
    config = _config(config, {"learning_rate": 1e-2, "momentum": 0.9})
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


def _nesterov(w, dw, config):
    config = _config(config, {"learning_rate": 1e-2, "momentum": 0.9})
    mu = config["momentum"]
    v_prev = config.get("velocity", np.zeros_like(w))
    v = mu * v_prev - config["learning_rate"] * dw
    config["velocity"] = v
    return w - mu * v_prev + (1 + mu) * v, config


def _adagrad(w, dw, config):
    config = _config(config, {"learning_rate": 1e-2, "epsilon": 1e-8})
    cache = config.get("cache", np.zeros_like(w)) + dw * dw
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


def _rmsprop(w, dw, config):
    config = _config(config, {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8})
    rho = config["decay_rate"]
    cache = rho * config.get("cache", np.zeros_like(w)) + (1 - rho) * dw * dw
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


def _adam(w, dw, config):
    config = _config(config, {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8})
    b1, b2 = config["beta1"], config["beta2"]
    t = config.get("t", 0) + 1
    m = b1 * config.get("m", np.zeros_like(w)) + (1 - b1) * dw
    v = b2 * config.get("v", np.zeros_like(w)) + (1 - b2) * dw * dw
    config["m"], config["v"], config["t"] = m, v, t
    m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config


def sgd(w, dw, config=None):
    """
    Vanilla stochastic gradient descent.

    Inputs:
    - w: A numpy array of weights, of any shape
    - dw: A numpy array of the same shape as w: the gradient of the loss with respect to w
    - config: A dictionary (or None) with
      - learning_rate: Scalar learning rate (default 1e-2)

    Returns a tuple of:
    - next_w: The updated weights, of the same shape as w
    - config: The config, with its defaults filled in
    """
    return _sgd(w, dw, config)


def sgd_momentum(w, dw, config=None):
    """
    Stochastic gradient descent with momentum: v = momentum * v - learning_rate * dw; w += v.

    config: learning_rate (1e-2), momentum (0.9, in [0, 1)), velocity (same shape as w; zeros on
    first use). Returns (next_w, config) with config["velocity"] the new velocity.
    """
    return _sgd_momentum(w, dw, config)


def nesterov(w, dw, config=None):
    """
    Nesterov momentum in CS231n's form: v_prev = v; v = momentum * v - learning_rate * dw;
    w += -momentum * v_prev + (1 + momentum) * v.

    config: as sgd_momentum. Returns (next_w, config) with config["velocity"] the new velocity.
    """
    return _nesterov(w, dw, config)


def adagrad(w, dw, config=None):
    """
    Adagrad: cache += dw ** 2; w -= learning_rate * dw / (sqrt(cache) + epsilon).

    config: learning_rate (1e-2), epsilon (1e-8), cache (same shape as w; zeros on first use).
    Returns (next_w, config) with config["cache"] the accumulated squared gradients.
    """
    return _adagrad(w, dw, config)


def rmsprop(w, dw, config=None):
    """
    RMSProp: cache = decay_rate * cache + (1 - decay_rate) * dw ** 2;
    w -= learning_rate * dw / (sqrt(cache) + epsilon)  (epsilon outside the square root).

    config: learning_rate (1e-2), decay_rate (0.99, in [0, 1)), epsilon (1e-8), cache (zeros on
    first use). Returns (next_w, config) with config["cache"] the moving average of dw ** 2.
    """
    return _rmsprop(w, dw, config)


def adam(w, dw, config=None):
    """
    Adam: moving averages of the gradient (m) and of its square (v), both bias-corrected.

    t += 1  (before the correction, so that the first step uses t = 1)
    m = beta1 * m + (1 - beta1) * dw;  v = beta2 * v + (1 - beta2) * dw ** 2
    w -= learning_rate * (m / (1 - beta1 ** t)) / (sqrt(v / (1 - beta2 ** t)) + epsilon)

    config: learning_rate (1e-3), beta1 (0.9), beta2 (0.999), epsilon (1e-8), m and v (zeros of
    w's shape on first use), t (0 on first use). Returns (next_w, config) with m, v, t stored.
    """
    return _adam(w, dw, config)


# --------------------------------------------------------------------------- averages and batches
def ewma(values, beta, bias_correction=False):
    """
    Exponentially weighted moving average: v_0 = 0, v_t = beta * v_{t-1} + (1 - beta) * x_t.

    Inputs:
    - values: Array-like of shape (T,), the series x_1 .. x_T
    - beta: Weight of the past, in [0, 1)
    - bias_correction: If True, return v_t / (1 - beta ** t) for t = 1 .. T

    Returns:
    - v: Float array of shape (T,)
    """
    beta = _number("beta", beta, low=0.0, high=1.0, high_open=True)
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"values must be one-dimensional (T,), got shape {x.shape}")
    v, out = 0.0, np.empty_like(x)
    for t, value in enumerate(x, start=1):
        v = beta * v + (1 - beta) * value
        out[t - 1] = v / (1 - beta ** t) if bias_correction else v
    return out


def _check_data(X, y):
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim < 1 or y.ndim != 1:
        raise ValueError(f"X must have a first (sample) axis and y must be (N,), got shapes {X.shape} and {y.shape}")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X and y must have the same number of samples, got {X.shape[0]} and {y.shape[0]}")
    return X, y


def _random_mini_batches(X, y, batch_size, seed):
    X, y = _check_data(X, y)
    batch_size = _positive_int("batch_size", batch_size)
    order = np.random.default_rng(seed).permutation(X.shape[0])
    return [(X[order[k:k + batch_size]], y[order[k:k + batch_size]]) for k in range(0, X.shape[0], batch_size)]


def random_mini_batches(X, y, batch_size=64, seed=0):
    """
    Shuffle (X, y) with one permutation and cut it into mini-batches.

    Inputs:
    - X: Array of shape (N, ...)
    - y: Array of shape (N,)
    - batch_size: Positive int; every batch but the last has this many samples
    - seed: Seed of the permutation (same seed, same batches)

    Returns:
    - batches: List of ceil(N / batch_size) pairs (X_batch (k, ...), y_batch (k,)); together they
      hold every sample exactly once, X_batch[i] still paired with y_batch[i].
    """
    return _random_mini_batches(X, y, batch_size, seed)


# --------------------------------------------------------------------------- schedules
def _epoch(epoch, low=0):
    return _positive_int("epoch", epoch, low=low)


def inverse_time_decay(lr0, epoch, decay_rate, time_interval=1):
    """lr0 / (1 + decay_rate * floor(epoch / time_interval)): with time_interval = 1 the Deep Learning
    Specialization's 1 / (1 + decay_rate * epoch), with a larger one its staircase form."""
    lr0 = _number("lr0", lr0, low=0.0)
    decay_rate = _number("decay_rate", decay_rate, low=0.0)
    interval = _positive_int("time_interval", time_interval)
    return lr0 / (1.0 + decay_rate * (_epoch(epoch) // interval))


def exponential_decay(lr0, epoch, decay_rate):
    """lr0 * decay_rate ** epoch, decay_rate in (0, 1] (0.95: 5% less every epoch)."""
    lr0 = _number("lr0", lr0, low=0.0)
    decay_rate = _number("decay_rate", decay_rate, low=0.0, high=1.0, low_open=True)
    return lr0 * decay_rate ** _epoch(epoch)


def step_decay(lr0, epoch, drop=0.5, every=10):
    """lr0 * drop ** floor(epoch / every): the rate is cut by the factor drop every `every` epochs."""
    lr0 = _number("lr0", lr0, low=0.0)
    drop = _number("drop", drop, low=0.0, high=1.0, low_open=True)
    every = _positive_int("every", every)
    return lr0 * drop ** (_epoch(epoch) // every)


def sqrt_decay(lr0, epoch, k=1.0):
    """k * lr0 / sqrt(epoch), for epochs 1, 2, ... (epoch 0 would divide by zero)."""
    lr0 = _number("lr0", lr0, low=0.0)
    k = _number("k", k, low=0.0)
    return k * lr0 / math.sqrt(_epoch(epoch, low=1))


# --------------------------------------------------------------------------- the training loop
def _train(loss_fn, params, X, y, update_rule, config, epochs, batch_size, seed):
    X, y = _check_data(X, y)
    epochs = _positive_int("epochs", epochs)
    batch_size = _positive_int("batch_size", batch_size)
    if config is not None and not isinstance(config, dict):
        raise ValueError(f"config must be a dict or None, got {type(config).__name__}")
    params = dict(params)
    configs = {name: copy.deepcopy(config) for name in params}
    history = []
    for epoch in range(epochs):
        for X_batch, y_batch in _random_mini_batches(X, y, batch_size, seed + epoch):
            loss, grads = loss_fn(params, X_batch, y_batch)
            history.append(float(loss))
            for name in params:
                params[name], configs[name] = update_rule(params[name], grads[name], configs[name])
    return params, history


def train(loss_fn, params, X, y, update_rule, config=None, epochs=1, batch_size=64, seed=0):
    """
    Mini-batch training: for each epoch, shuffle into batches (random_mini_batches with seed
    seed + epoch, epochs counted from 0) and take one update step per batch.

    Inputs:
    - loss_fn: loss_fn(params, X_batch, y_batch) -> (loss, grads), grads keyed like params
    - params: Dict of parameter arrays (not modified; the trained ones are returned)
    - X, y: Training data (N, ...) and (N,)
    - update_rule: One of the rules above, rule(w, dw, config) -> (next_w, config)
    - config: Hyper-parameters of the rule (or None); every parameter gets its own copy, whose
      state is carried from step to step
    - epochs, batch_size, seed: Positive ints, and the seed of epoch 0's shuffle

    Returns a tuple of:
    - params: Dict of the trained parameters
    - history: List of the loss of every batch, in the order of the steps
    """
    return _train(loss_fn, params, X, y, update_rule, config, epochs, batch_size, seed)


from checker.reference import guard_module  # noqa: E402

guard_module(__name__)
