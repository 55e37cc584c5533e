"""Notebook 06 (optimization): the reference, the task specs and their diagnoses.

Every task gets a table of realistic wrong implementations, each of which must fail with the
finding code that names its cause, and at least two differently written correct implementations
(one as the CS231n assignment writes it) that must pass with ``ok`` only, for the practice seed and
for other seeds. The update rules are compared with ``torch.optim`` over several steps, an
independent oracle; the source notebook is graded as a submission by the trusted grader.
"""

import math
from pathlib import Path

import numpy as np
import pytest

import checker.reference.optim as ref
from checker import check
from checker import tasks as task_ids
from checker.registry import get
from catalogue import GRADING, Right, Wrong, diagnosed, passes, right_rows, wrong_rows

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "06_optim" / "06_optim.ipynb"


# =========================================================================== correct implementations
def random_mini_batches(X, y, batch_size=64, seed=0):
    """DLS style: np.random.seed, one permutation, slices. (Also the batches the train loops below use.)"""
    np.random.seed(seed)
    m = X.shape[0]
    permutation = list(np.random.permutation(m))
    shuffled_X, shuffled_y = X[permutation], y[permutation]
    batches = []
    for k in range(0, math.ceil(m / batch_size)):
        batches.append((shuffled_X[k * batch_size:(k + 1) * batch_size], shuffled_y[k * batch_size:(k + 1) * batch_size]))
    return batches


def random_mini_batches_split(X, y, batch_size=64, seed=0):
    """A Generator and np.array_split at the batch boundaries; batches as lists."""
    order = np.random.default_rng(seed + 12345).permutation(len(X))
    cuts = np.arange(batch_size, len(X), batch_size)
    return [[X[part], y[part]] for part in np.array_split(order, cuts)]


def ewma_loop(values, beta, bias_correction=False):
    v, out = 0.0, []
    for t, x in enumerate(values, start=1):
        v = beta * v + (1 - beta) * x
        out.append(v / (1 - beta ** t) if bias_correction else v)
    return np.array(out, dtype=float)


def ewma_closed_form_float32(values, beta, bias_correction=False):
    """v_t = (1 - beta) * sum_k beta ** (t - k) x_k, as one float32 matrix product."""
    x = np.asarray(values, dtype=np.float32)
    t = np.arange(1, len(x) + 1)
    lag = t[:, None] - t[None, :]
    weights = np.where(lag >= 0, (1 - beta) * float(beta) ** np.maximum(lag, 0), 0.0).astype(np.float32)
    v = weights @ x
    return (v / (1 - beta ** t)).astype(np.float32) if bias_correction else v


def sgd_cs231n(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    w -= config["learning_rate"] * dw
    return w, config


def sgd_new_dict(w, dw, config=None):
    config = dict(config or {})
    lr = config.get("learning_rate", 1e-2)
    config["learning_rate"] = lr
    return w - lr * dw, config


def sgd_momentum_cs231n(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v
    config["velocity"] = v
    return next_w, config


def sgd_momentum_in_place(w, dw, config=None):
    config = {} if config is None else config
    mu, lr = config.setdefault("momentum", 0.9), config.setdefault("learning_rate", 1e-2)
    if "velocity" not in config:
        config["velocity"] = np.zeros_like(w)
    config["velocity"] *= mu
    config["velocity"] -= lr * dw
    w += config["velocity"]
    return w, config


def nesterov_cs231n(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v_prev = v
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w - config["momentum"] * v_prev + (1 + config["momentum"]) * v
    config["velocity"] = v
    return next_w, config


def nesterov_lookahead_form(w, dw, config=None):
    """The same update written as a momentum step plus a look-ahead term: w + v + mu * (v - v_prev)."""
    config = dict(config or {})
    mu, lr = config.setdefault("momentum", 0.9), config.setdefault("learning_rate", 1e-2)
    v_prev = config.get("velocity", 0 * w)
    v = mu * v_prev - lr * dw
    config["velocity"] = v
    return w + v + mu * (v - v_prev), config


def adagrad_cs231n(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("cache", np.zeros_like(w))
    config["cache"] += dw ** 2
    next_w = w - config["learning_rate"] * dw / (np.sqrt(config["cache"]) + config["epsilon"])
    return next_w, config


def adagrad_new_dict(w, dw, config=None):
    old = config or {}
    new = {"learning_rate": old.get("learning_rate", 1e-2), "epsilon": old.get("epsilon", 1e-8)}
    new["cache"] = old.get("cache", 0.0) + np.square(dw)
    scale = new["learning_rate"] / (np.sqrt(new["cache"]) + new["epsilon"])
    return w - scale * dw, new


def rmsprop_cs231n(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("cache", np.zeros_like(w))
    config["cache"] = config["decay_rate"] * config["cache"] + (1 - config["decay_rate"]) * dw ** 2
    next_w = w - config["learning_rate"] * dw / (np.sqrt(config["cache"]) + config["epsilon"])
    return next_w, config


def rmsprop_interpolated(w, dw, config=None):
    """cache moves towards dw ** 2 by (1 - rho) of the way: the same average, written as an interpolation."""
    config = {} if config is None else config
    rho = config.setdefault("decay_rate", 0.99)
    lr, eps = config.setdefault("learning_rate", 1e-2), config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros_like(w))
    cache = cache + (1 - rho) * (dw * dw - cache)
    config["cache"] = cache
    return w - lr * dw / (cache ** 0.5 + eps), config


def adam_cs231n(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)
    config["t"] += 1
    config["m"] = config["beta1"] * config["m"] + (1 - config["beta1"]) * dw
    config["v"] = config["beta2"] * config["v"] + (1 - config["beta2"]) * (dw ** 2)
    mt = config["m"] / (1 - config["beta1"] ** config["t"])
    vt = config["v"] / (1 - config["beta2"] ** config["t"])
    next_w = w - config["learning_rate"] * mt / (np.sqrt(vt) + config["epsilon"])
    return next_w, config


def adam_folded_step_size(w, dw, config=None):
    """Kingma and Ba's efficient form, with eps rescaled so that it stays outside sqrt(v_hat)."""
    c = dict(config or {})
    lr, b1, b2, eps = (c.setdefault(k, d) for k, d in
                       (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8)))
    c["t"] = t = c.get("t", 0) + 1
    c["m"] = b1 * c.get("m", 0) + (1 - b1) * dw
    c["v"] = b2 * c.get("v", 0) + (1 - b2) * dw * dw
    alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    return w - alpha * c["m"] / (np.sqrt(c["v"]) + eps * np.sqrt(1 - b2 ** t)), c


def inverse_time_decay(lr0, epoch, decay_rate, time_interval=1):
    return lr0 / (1 + decay_rate * np.floor(epoch / time_interval))


def inverse_time_decay_int(lr0, epoch, decay_rate, time_interval=1):
    return lr0 * 1.0 / (1.0 + decay_rate * (epoch // time_interval))


def exponential_decay(lr0, epoch, decay_rate):
    return lr0 * decay_rate ** epoch


def exponential_decay_log(lr0, epoch, decay_rate):
    return lr0 * math.exp(epoch * math.log(decay_rate))


def step_decay(lr0, epoch, drop=0.5, every=10):
    return lr0 * math.pow(drop, math.floor(epoch / every))


def step_decay_loop(lr0, epoch, drop=0.5, every=10):
    lr = lr0
    for e in range(1, epoch + 1):
        if e % every == 0:
            lr *= drop
    return lr


def sqrt_decay(lr0, epoch, k=1.0):
    return k / np.sqrt(epoch) * lr0


def sqrt_decay_power(lr0, epoch, k=1.0):
    return k * lr0 * epoch ** -0.5


def train(loss_fn, params, X, y, update_rule, config=None, epochs=1, batch_size=64, seed=0):
    params = dict(params)
    configs = {k: (None if config is None else dict(config)) for k in params}
    history = []
    for epoch in range(epochs):
        for X_batch, y_batch in random_mini_batches(X, y, batch_size, seed + epoch):
            loss, grads = loss_fn(params, X_batch, y_batch)
            history.append(loss)
            for k in params:
                params[k], configs[k] = update_rule(params[k], grads[k], configs[k])
    return params, history


def train_index_batches(loss_fn, params, X, y, update_rule, config=None, epochs=1, batch_size=64, seed=0):
    """Its own shuffling (a Generator, epochs counted from 1), configs deep-copied, losses as 0-d arrays."""
    import copy

    rng_seeds = [seed + e for e in range(1, epochs + 1)]
    trained = {k: np.array(v, copy=True) for k, v in params.items()}
    configs = {k: copy.deepcopy(config) if config is not None else {} for k in params}
    history = []
    for s in rng_seeds:
        order = np.random.default_rng(s).permutation(len(X))
        for start in range(0, len(X), batch_size):
            rows = order[start:start + batch_size]
            loss, grads = loss_fn(trained, X[rows], y[rows])
            history.append(np.asarray(loss))
            for k in trained:
                trained[k], configs[k] = update_rule(trained[k], grads[k], configs[k])
    return trained, history


_CORRECT = [
    ("optim.random_mini_batches", random_mini_batches),
    ("optim.random_mini_batches", random_mini_batches_split),
    ("optim.ewma", ewma_loop),
    ("optim.ewma", ewma_closed_form_float32),
    ("optim.sgd", sgd_cs231n),
    ("optim.sgd", sgd_new_dict),
    ("optim.sgd_momentum", sgd_momentum_cs231n),
    ("optim.sgd_momentum", sgd_momentum_in_place),
    ("optim.nesterov", nesterov_cs231n),
    ("optim.nesterov", nesterov_lookahead_form),
    ("optim.adagrad", adagrad_cs231n),
    ("optim.adagrad", adagrad_new_dict),
    ("optim.rmsprop", rmsprop_cs231n),
    ("optim.rmsprop", rmsprop_interpolated),
    ("optim.adam", adam_cs231n),
    ("optim.adam", adam_folded_step_size),
    ("optim.inverse_time_decay", inverse_time_decay),
    ("optim.inverse_time_decay", inverse_time_decay_int),
    ("optim.exponential_decay", exponential_decay),
    ("optim.exponential_decay", exponential_decay_log),
    ("optim.step_decay", step_decay),
    ("optim.step_decay", step_decay_loop),
    ("optim.sqrt_decay", sqrt_decay),
    ("optim.sqrt_decay", sqrt_decay_power),
    ("optim.train", train),
    ("optim.train", train_index_batches),
]


RIGHT = [Right(task_id, fn) for task_id, fn in _CORRECT]


@right_rows(RIGHT)
def test_right_implementation_passes(row, seed):
    """Also with other seeds: grading draws its cases with a seed the learner never saw."""
    passes(row, seed)


def test_every_optim_task_has_two_right_implementations():
    from collections import Counter

    counts = Counter(row.task for row in RIGHT)
    ids = [t for t in task_ids() if t.startswith("optim.")]
    assert len(ids) == 13, ids
    assert all(counts[t] >= 2 for t in ids), {t: counts[t] for t in ids if counts[t] < 2}


# =========================================================================== wrong implementations
def batches_y_shuffled_separately(X, y, batch_size=64, seed=0):
    rng = np.random.default_rng(seed)
    Xs, ys = X[rng.permutation(len(X))], y[rng.permutation(len(y))]
    return [(Xs[k:k + batch_size], ys[k:k + batch_size]) for k in range(0, len(X), batch_size)]


def batches_drop_last(X, y, batch_size=64, seed=0):
    perm = np.random.default_rng(seed).permutation(len(X))
    return [(X[perm][k * batch_size:(k + 1) * batch_size], y[perm][k * batch_size:(k + 1) * batch_size])
            for k in range(len(X) // batch_size)]


def batches_not_shuffled(X, y, batch_size=64, seed=0):
    return [(X[k:k + batch_size], y[k:k + batch_size]) for k in range(0, len(X), batch_size)]


def batches_with_replacement(X, y, batch_size=64, seed=0):
    idx = np.random.default_rng(seed).integers(0, len(X), size=len(X))
    return [(X[idx[k:k + batch_size]], y[idx[k:k + batch_size]]) for k in range(0, len(X), batch_size)]


def batches_ignore_seed(X, y, batch_size=64, seed=0):
    perm = np.random.permutation(len(X))
    return [(X[perm[k:k + batch_size]], y[perm[k:k + batch_size]]) for k in range(0, len(X), batch_size)]


def batches_column_labels(X, y, batch_size=64, seed=0):
    perm = np.random.default_rng(seed).permutation(len(X))
    Y = y.reshape(-1, 1)
    return [(X[perm[k:k + batch_size]], Y[perm[k:k + batch_size]]) for k in range(0, len(X), batch_size)]


def batches_flattened(X, y, batch_size=64, seed=0):
    perm = np.random.default_rng(seed).permutation(len(X))
    flat = X.reshape(len(X), -1)
    return [(flat[perm[k:k + batch_size]], y[perm[k:k + batch_size]]) for k in range(0, len(X), batch_size)]


def ewma_starts_at_first_value(values, beta, bias_correction=False):
    v, out = values[0], []
    for t, x in enumerate(values, start=1):
        v = beta * v + (1 - beta) * x
        out.append(v / (1 - beta ** t) if bias_correction else v)
    return np.array(out, dtype=float)


def ewma_swapped(values, beta, bias_correction=False):
    v, out = 0.0, []
    for t, x in enumerate(values, start=1):
        v = beta * x + (1 - beta) * v
        out.append(v / (1 - beta ** t) if bias_correction else v)
    return np.array(out, dtype=float)


def ewma_t_from_zero(values, beta, bias_correction=False):
    v, out = 0.0, np.zeros(len(values))
    for t in range(len(values)):
        v = beta * v + (1 - beta) * values[t]
        with np.errstate(divide="ignore", invalid="ignore"):
            out[t] = v / (1 - beta ** t) if bias_correction else v
    return out


def ewma_correction_fed_back(values, beta, bias_correction=False):
    v, out = 0.0, []
    for t, x in enumerate(values, start=1):
        v = beta * v + (1 - beta) * x
        if bias_correction:
            v = v / (1 - beta ** t)
        out.append(v)
    return np.array(out)


def ewma_zeros_like(values, beta, bias_correction=False):
    values = np.asarray(values)
    out, v = np.zeros_like(values), 0.0
    for t in range(len(values)):
        v = beta * v + (1 - beta) * values[t]
        out[t] = v / (1 - beta ** (t + 1)) if bias_correction else v
    return out


def ewma_no_correction(values, beta, bias_correction=False):
    return ewma_loop(values, beta, False)


def sgd_ascent(w, dw, config=None):
    config = config if config is not None else {}
    config.setdefault("learning_rate", 1e-2)
    return w + config["learning_rate"] * dw, config


def sgd_fixed_rate(w, dw, config=None):
    return w - 1e-2 * dw, config if config is not None else {"learning_rate": 1e-2}


def sgd_overwrites_rate(w, dw, config=None):
    config = config if config is not None else {}
    config["learning_rate"] = 1e-2
    return w - config["learning_rate"] * dw, config


def sgd_returns_w_only(w, dw, config=None):
    lr = (config or {}).get("learning_rate", 1e-2)
    return w - lr * dw


def sgd_config_none_breaks(w, dw, config=None):
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * dw, config


def sgd_scales_dw_in_place(w, dw, config=None):
    config = config if config is not None else {}
    dw *= config.setdefault("learning_rate", 1e-2)
    return w - dw, config


def sgd_returns_empty_config(w, dw, config=None):
    return w - (config or {}).get("learning_rate", 1e-2) * dw, {}


def momentum_dls(w, dw, config=None):
    config = config if config is not None else {}
    beta, lr = config.setdefault("momentum", 0.9), config.setdefault("learning_rate", 1e-2)
    v = beta * config.get("velocity", np.zeros_like(w)) + (1 - beta) * dw
    config["velocity"] = v
    return w - lr * v, config


def momentum_forgets_velocity(w, dw, config=None):
    config = config if config is not None else {}
    mu, lr = config.setdefault("momentum", 0.9), config.setdefault("learning_rate", 1e-2)
    v = mu * config.get("velocity", np.zeros_like(w)) - lr * dw
    return w + v, config


def momentum_positive_velocity(w, dw, config=None):
    config = config if config is not None else {}
    mu, lr = config.setdefault("momentum", 0.9), config.setdefault("learning_rate", 1e-2)
    v = mu * config.get("velocity", np.zeros_like(w)) + lr * dw
    config["velocity"] = v
    return w - v, config


def momentum_moves_first(w, dw, config=None):
    config = config if config is not None else {}
    mu, lr = config.setdefault("momentum", 0.9), config.setdefault("learning_rate", 1e-2)
    v = config.get("velocity", np.zeros_like(w))
    next_w = w + v
    config["velocity"] = mu * v - lr * dw
    return next_w, config


def momentum_overwrites_hyperparameters(w, dw, config=None):
    config = config if config is not None else {}
    config["momentum"], config["learning_rate"] = 0.9, 1e-2
    return sgd_momentum_cs231n(w, dw, config)


def momentum_ascent(w, dw, config=None):
    return sgd_momentum_cs231n(w, -dw, config)


def nesterov_is_momentum(w, dw, config=None):
    return sgd_momentum_cs231n(w, dw, config)


def nesterov_uses_new_velocity(w, dw, config=None):
    config = config if config is not None else {}
    mu, lr = config.setdefault("momentum", 0.9), config.setdefault("learning_rate", 1e-2)
    v = mu * config.get("velocity", np.zeros_like(w)) - lr * dw
    config["velocity"] = v
    return w - mu * v + (1 + mu) * v, config


def nesterov_forgets_velocity(w, dw, config=None):
    config = config if config is not None else {}
    mu, lr = config.setdefault("momentum", 0.9), config.setdefault("learning_rate", 1e-2)
    v_prev = config.get("velocity", np.zeros_like(w))
    v = mu * v_prev - lr * dw
    return w - mu * v_prev + (1 + mu) * v, config


def nesterov_plus_sign(w, dw, config=None):
    config = config if config is not None else {}
    mu, lr = config.setdefault("momentum", 0.9), config.setdefault("learning_rate", 1e-2)
    v_prev = config.get("velocity", np.zeros_like(w))
    v = mu * v_prev - lr * dw
    config["velocity"] = v
    return w + mu * v_prev + (1 + mu) * v, config


def nesterov_fixed_hyperparameters(w, dw, config=None):
    config = config if config is not None else {}
    v_prev = config.get("velocity", np.zeros_like(w))
    v = 0.9 * v_prev - 1e-2 * dw
    config.update(velocity=v, learning_rate=1e-2, momentum=0.9)
    return w - 0.9 * v_prev + 1.9 * v, config


def nesterov_returns_velocity_as_w(w, dw, config=None):
    next_w, config = nesterov_cs231n(w, dw, config)
    return config["velocity"], config


def adagrad_eps_inside(w, dw, config=None):
    config = config if config is not None else {}
    lr, eps = config.setdefault("learning_rate", 1e-2), config.setdefault("epsilon", 1e-8)
    config["cache"] = config.get("cache", np.zeros_like(w)) + dw ** 2
    return w - lr * dw / np.sqrt(config["cache"] + eps), config


def adagrad_no_eps(w, dw, config=None):
    config = config if config is not None else {}
    lr = config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    config["cache"] = config.get("cache", np.zeros_like(w)) + dw ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return w - lr * dw / np.sqrt(config["cache"]), config


def adagrad_forgets_cache(w, dw, config=None):
    config = config if config is not None else {}
    lr, eps = config.setdefault("learning_rate", 1e-2), config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros_like(w)) + dw ** 2
    return w - lr * dw / (np.sqrt(cache) + eps), config


def adagrad_default_rate(w, dw, config=None):
    config = config if config is not None else {}
    config["learning_rate"] = 1e-2
    return adagrad_cs231n(w, dw, config)


def adagrad_unsquared(w, dw, config=None):
    config = config if config is not None else {}
    lr, eps = config.setdefault("learning_rate", 1e-2), config.setdefault("epsilon", 1e-8)
    config["cache"] = config.get("cache", np.zeros_like(w)) + np.abs(dw)
    return w - lr * dw / (np.sqrt(config["cache"]) + eps), config


def rmsprop_eps_inside(w, dw, config=None):
    config = config if config is not None else {}
    lr, rho = config.setdefault("learning_rate", 1e-2), config.setdefault("decay_rate", 0.99)
    eps = config.setdefault("epsilon", 1e-8)
    config["cache"] = rho * config.get("cache", np.zeros_like(w)) + (1 - rho) * dw ** 2
    return w - lr * dw / np.sqrt(config["cache"] + eps), config


def rmsprop_swapped(w, dw, config=None):
    config = config if config is not None else {}
    lr, rho = config.setdefault("learning_rate", 1e-2), config.setdefault("decay_rate", 0.99)
    eps = config.setdefault("epsilon", 1e-8)
    config["cache"] = (1 - rho) * config.get("cache", np.zeros_like(w)) + rho * dw ** 2
    return w - lr * dw / (np.sqrt(config["cache"]) + eps), config


def rmsprop_dls_default(w, dw, config=None):
    config = config if config is not None else {}
    config.setdefault("decay_rate", 0.999)
    return rmsprop_cs231n(w, dw, config)


def rmsprop_forgets_cache(w, dw, config=None):
    config = config if config is not None else {}
    lr, rho = config.setdefault("learning_rate", 1e-2), config.setdefault("decay_rate", 0.99)
    eps = config.setdefault("epsilon", 1e-8)
    cache = rho * config.get("cache", np.zeros_like(w)) + (1 - rho) * dw ** 2
    return w - lr * dw / (np.sqrt(cache) + eps), config


def rmsprop_no_eps(w, dw, config=None):
    config = dict(config or {}, epsilon=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        next_w, config = rmsprop_cs231n(w, dw, config)
    config["epsilon"] = 1e-8
    return next_w, config


def rmsprop_ascent(w, dw, config=None):
    next_w, config = rmsprop_cs231n(w, dw, config)
    return 2 * w - next_w, config


def adam_t_after(w, dw, config=None):
    config = config if config is not None else {}
    for k, d in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8)):
        config.setdefault(k, d)
    t = config.get("t", 0)
    m = config["beta1"] * config.get("m", np.zeros_like(w)) + (1 - config["beta1"]) * dw
    v = config["beta2"] * config.get("v", np.zeros_like(w)) + (1 - config["beta2"]) * dw ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        next_w = w - config["learning_rate"] * (m / (1 - config["beta1"] ** t)) / (
            np.sqrt(v / (1 - config["beta2"] ** t)) + config["epsilon"])
    config.update(m=m, v=v, t=t + 1)
    return next_w, config


def adam_no_bias_correction(w, dw, config=None):
    config = config if config is not None else {}
    for k, d in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8)):
        config.setdefault(k, d)
    config["t"] = config.get("t", 0) + 1
    config["m"] = config["beta1"] * config.get("m", np.zeros_like(w)) + (1 - config["beta1"]) * dw
    config["v"] = config["beta2"] * config.get("v", np.zeros_like(w)) + (1 - config["beta2"]) * dw ** 2
    return w - config["learning_rate"] * config["m"] / (np.sqrt(config["v"]) + config["epsilon"]), config


def adam_eps_inside(w, dw, config=None):
    config = config if config is not None else {}
    for k, d in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8)):
        config.setdefault(k, d)
    t = config["t"] = config.get("t", 0) + 1
    m = config["m"] = config["beta1"] * config.get("m", np.zeros_like(w)) + (1 - config["beta1"]) * dw
    v = config["v"] = config["beta2"] * config.get("v", np.zeros_like(w)) + (1 - config["beta2"]) * dw ** 2
    m_hat, v_hat = m / (1 - config["beta1"] ** t), v / (1 - config["beta2"] ** t)
    return w - config["learning_rate"] * m_hat / np.sqrt(v_hat + config["epsilon"]), config


def adam_stores_corrected(w, dw, config=None):
    config = config if config is not None else {}
    for k, d in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8)):
        config.setdefault(k, d)
    t = config["t"] = config.get("t", 0) + 1
    m = config["beta1"] * config.get("m", np.zeros_like(w)) + (1 - config["beta1"]) * dw
    v = config["beta2"] * config.get("v", np.zeros_like(w)) + (1 - config["beta2"]) * dw ** 2
    config["m"], config["v"] = m / (1 - config["beta1"] ** t), v / (1 - config["beta2"] ** t)
    return w - config["learning_rate"] * config["m"] / (np.sqrt(config["v"]) + config["epsilon"]), config


def adam_t_always_one(w, dw, config=None):
    config = config if config is not None else {}
    config = adam_cs231n(w, dw, dict(config, t=0))
    config[1]["t"] = 1
    return config


def adam_betas_swapped(w, dw, config=None):
    config = config if config is not None else {}
    for k, d in (("learning_rate", 1e-3), ("beta1", 0.999), ("beta2", 0.9), ("epsilon", 1e-8)):
        config.setdefault(k, d)
    return adam_cs231n(w, dw, config)


def schedule_wrong(fn):
    return fn


def inverse_time_no_floor(lr0, epoch, decay_rate, time_interval=1):
    return lr0 / (1 + decay_rate * epoch / time_interval)


def inverse_time_ignores_interval(lr0, epoch, decay_rate, time_interval=1):
    return lr0 / (1 + decay_rate * epoch)


def inverse_time_without_one(lr0, epoch, decay_rate, time_interval=1):
    return lr0 / max(decay_rate * (epoch // time_interval), 1e-12)


def inverse_time_times(lr0, epoch, decay_rate, time_interval=1):
    return lr0 * (1 + decay_rate * (epoch // time_interval))


def inverse_time_doubled(lr0, epoch, decay_rate, time_interval=1):
    return 2 * lr0 / (1 + decay_rate * (epoch // time_interval))


def inverse_time_returns_list(lr0, epoch, decay_rate, time_interval=1):
    return [lr0 / (1 + decay_rate * (epoch // time_interval))]


def exponential_from_one(lr0, epoch, decay_rate):
    return lr0 * decay_rate ** (epoch + 1)


def exponential_linear(lr0, epoch, decay_rate):
    return lr0 * (1 - (1 - decay_rate) * epoch)


def exponential_without_lr0(lr0, epoch, decay_rate):
    return decay_rate ** epoch


def exponential_halved(lr0, epoch, decay_rate):
    return 0.5 * lr0 * decay_rate ** epoch


def exponential_times_epoch(lr0, epoch, decay_rate):
    return lr0 * decay_rate * epoch


def step_no_floor(lr0, epoch, drop=0.5, every=10):
    return lr0 * drop ** (epoch / every)


def step_from_one(lr0, epoch, drop=0.5, every=10):
    return lr0 * drop ** ((epoch + 1) // every)


def step_swapped_arguments(lr0, epoch, drop=0.5, every=10):
    return lr0 * drop ** (every // max(epoch, 1))


def step_doubled(lr0, epoch, drop=0.5, every=10):
    return 2 * lr0 * drop ** (epoch // every)


def step_returns_array(lr0, epoch, drop=0.5, every=10):
    return np.array([lr0 * drop ** (epoch // every)] * 2)


def sqrt_no_root(lr0, epoch, k=1.0):
    return k * lr0 / epoch


def sqrt_without_k(lr0, epoch, k=1.0):
    return lr0 / math.sqrt(epoch)


def sqrt_times_root(lr0, epoch, k=1.0):
    return k * lr0 * math.sqrt(epoch)


def sqrt_doubled(lr0, epoch, k=1.0):
    return 2 * k * lr0 / math.sqrt(epoch)


def sqrt_returns_none(lr0, epoch, k=1.0):
    k * lr0 / math.sqrt(epoch)


def train_one_config_reset_each_step(loss_fn, params, X, y, update_rule, config=None, epochs=1, batch_size=64, seed=0):
    params, history = dict(params), []
    for epoch in range(epochs):
        for X_batch, y_batch in random_mini_batches(X, y, batch_size, seed + epoch):
            loss, grads = loss_fn(params, X_batch, y_batch)
            history.append(loss)
            for k in params:
                params[k], _ = update_rule(params[k], grads[k], None if config is None else dict(config))
    return params, history


def train_same_order_every_epoch(loss_fn, params, X, y, update_rule, config=None, epochs=1, batch_size=64, seed=0):
    params, history = dict(params), []
    configs = {k: None if config is None else dict(config) for k in params}
    for epoch in range(epochs):
        for X_batch, y_batch in random_mini_batches(X, y, batch_size, seed):
            loss, grads = loss_fn(params, X_batch, y_batch)
            history.append(loss)
            for k in params:
                params[k], configs[k] = update_rule(params[k], grads[k], configs[k])
    return params, history


def train_history_per_epoch(loss_fn, params, X, y, update_rule, config=None, epochs=1, batch_size=64, seed=0):
    params, history = dict(params), []
    configs = {k: None if config is None else dict(config) for k in params}
    for epoch in range(epochs):
        losses = []
        for X_batch, y_batch in random_mini_batches(X, y, batch_size, seed + epoch):
            loss, grads = loss_fn(params, X_batch, y_batch)
            losses.append(loss)
            for k in params:
                params[k], configs[k] = update_rule(params[k], grads[k], configs[k])
        history.append(np.mean(losses))
    return params, history


def train_result_dropped(loss_fn, params, X, y, update_rule, config=None, epochs=1, batch_size=64, seed=0):
    params, history = dict(params), []
    configs = {k: None if config is None else dict(config) for k in params}
    for epoch in range(epochs):
        for X_batch, y_batch in random_mini_batches(X, y, batch_size, seed + epoch):
            loss, grads = loss_fn(params, X_batch, y_batch)
            history.append(loss)
            for k in params:
                _, configs[k] = update_rule(params[k], grads[k], configs[k])
    return params, history


def train_whole_data_each_step(loss_fn, params, X, y, update_rule, config=None, epochs=1, batch_size=64, seed=0):
    params, history = dict(params), []
    configs = {k: None if config is None else dict(config) for k in params}
    for epoch in range(epochs):
        for _ in random_mini_batches(X, y, batch_size, seed + epoch):
            loss, grads = loss_fn(params, X, y)
            history.append(loss)
            for k in params:
                params[k], configs[k] = update_rule(params[k], grads[k], configs[k])
    return params, history


def train_shared_config(loss_fn, params, X, y, update_rule, config=None, epochs=1, batch_size=64, seed=0):
    params, history, shared = dict(params), [], dict(config or {})
    for epoch in range(epochs):
        for X_batch, y_batch in random_mini_batches(X, y, batch_size, seed + epoch):
            loss, grads = loss_fn(params, X_batch, y_batch)
            history.append(loss)
            for k in params:
                params[k], shared = update_rule(params[k], grads[k], shared)
    return params, history


def train_shuffles_X_in_place(loss_fn, params, X, y, update_rule, config=None, epochs=1, batch_size=64, seed=0):
    params, history = dict(params), []
    configs = {k: None if config is None else dict(config) for k in params}
    for epoch in range(epochs):
        order = np.random.default_rng(seed + epoch).permutation(len(X))
        X[:], y[:] = X[order], y[order]
        for k0 in range(0, len(X), batch_size):
            loss, grads = loss_fn(params, X[k0:k0 + batch_size], y[k0:k0 + batch_size])
            history.append(loss)
            for k in params:
                params[k], configs[k] = update_rule(params[k], grads[k], configs[k])
    return params, history


_WRONG = [
    ("optim.random_mini_batches", batches_y_shuffled_separately, "property"),
    ("optim.random_mini_batches", batches_drop_last, "property"),
    ("optim.random_mini_batches", batches_not_shuffled, "property"),
    ("optim.random_mini_batches", batches_with_replacement, "property"),
    ("optim.random_mini_batches", batches_ignore_seed, "property"),
    ("optim.random_mini_batches", batches_column_labels, "property"),
    ("optim.random_mini_batches", batches_flattened, "property"),
    ("optim.ewma", ewma_starts_at_first_value, "known_mistake"),
    ("optim.ewma", ewma_swapped, "known_mistake"),
    ("optim.ewma", ewma_t_from_zero, "non_finite"),
    ("optim.ewma", ewma_correction_fed_back, "known_mistake"),
    ("optim.ewma", ewma_zeros_like, "known_mistake"),
    ("optim.ewma", ewma_no_correction, "known_mistake"),
    ("optim.sgd", sgd_ascent, "sign"),
    ("optim.sgd", sgd_fixed_rate, "known_mistake"),
    ("optim.sgd", sgd_overwrites_rate, "known_mistake"),
    ("optim.sgd", sgd_returns_w_only, "exception"),
    ("optim.sgd", sgd_config_none_breaks, "exception"),
    ("optim.sgd", sgd_scales_dw_in_place, "mutates_input"),
    ("optim.sgd", sgd_returns_empty_config, "wrong_type"),
    ("optim.sgd_momentum", momentum_dls, "known_mistake"),
    ("optim.sgd_momentum", momentum_forgets_velocity, "known_mistake"),
    ("optim.sgd_momentum", momentum_positive_velocity, "sign"),
    ("optim.sgd_momentum", momentum_moves_first, "known_mistake"),
    ("optim.sgd_momentum", momentum_overwrites_hyperparameters, "known_mistake"),
    ("optim.sgd_momentum", momentum_ascent, "sign"),
    ("optim.nesterov", nesterov_is_momentum, "known_mistake"),
    ("optim.nesterov", nesterov_uses_new_velocity, "known_mistake"),
    ("optim.nesterov", nesterov_forgets_velocity, "known_mistake"),
    ("optim.nesterov", nesterov_plus_sign, "mismatch"),
    ("optim.nesterov", nesterov_fixed_hyperparameters, "known_mistake"),
    ("optim.nesterov", nesterov_returns_velocity_as_w, "mismatch"),
    ("optim.adagrad", adagrad_eps_inside, "known_mistake"),
    ("optim.adagrad", adagrad_no_eps, "non_finite"),
    ("optim.adagrad", adagrad_forgets_cache, "known_mistake"),
    ("optim.adagrad", adagrad_default_rate, "scale"),
    ("optim.adagrad", adagrad_unsquared, "mismatch"),
    ("optim.rmsprop", rmsprop_eps_inside, "known_mistake"),
    ("optim.rmsprop", rmsprop_swapped, "known_mistake"),
    ("optim.rmsprop", rmsprop_dls_default, "known_mistake"),
    ("optim.rmsprop", rmsprop_forgets_cache, "known_mistake"),
    ("optim.rmsprop", rmsprop_no_eps, "non_finite"),
    ("optim.rmsprop", rmsprop_ascent, "sign"),
    ("optim.adam", adam_t_after, "known_mistake"),
    ("optim.adam", adam_no_bias_correction, "known_mistake"),
    ("optim.adam", adam_eps_inside, "known_mistake"),
    ("optim.adam", adam_stores_corrected, "known_mistake"),
    ("optim.adam", adam_t_always_one, "known_mistake"),
    ("optim.adam", adam_betas_swapped, "known_mistake"),
    ("optim.inverse_time_decay", inverse_time_no_floor, "known_mistake"),
    ("optim.inverse_time_decay", inverse_time_ignores_interval, "known_mistake"),
    ("optim.inverse_time_decay", inverse_time_without_one, "mismatch"),
    ("optim.inverse_time_decay", inverse_time_times, "mismatch"),
    ("optim.inverse_time_decay", inverse_time_doubled, "scale"),
    ("optim.inverse_time_decay", inverse_time_returns_list, "wrong_type"),
    ("optim.exponential_decay", exponential_from_one, "known_mistake"),
    ("optim.exponential_decay", exponential_linear, "mismatch"),
    ("optim.exponential_decay", exponential_without_lr0, "known_mistake"),
    ("optim.exponential_decay", exponential_halved, "scale"),
    ("optim.exponential_decay", exponential_times_epoch, "mismatch"),
    ("optim.step_decay", step_no_floor, "known_mistake"),
    ("optim.step_decay", step_from_one, "known_mistake"),
    ("optim.step_decay", step_swapped_arguments, "mismatch"),
    ("optim.step_decay", step_doubled, "scale"),
    ("optim.step_decay", step_returns_array, "shape"),
    ("optim.sqrt_decay", sqrt_no_root, "known_mistake"),
    ("optim.sqrt_decay", sqrt_without_k, "known_mistake"),
    ("optim.sqrt_decay", sqrt_times_root, "scale"),
    ("optim.sqrt_decay", sqrt_doubled, "scale"),
    ("optim.sqrt_decay", sqrt_returns_none, "returned_none"),
    ("optim.train", train_one_config_reset_each_step, "property"),
    ("optim.train", train_same_order_every_epoch, "property"),
    ("optim.train", train_history_per_epoch, "property"),
    ("optim.train", train_result_dropped, "property"),
    ("optim.train", train_whole_data_each_step, "property"),
    ("optim.train", train_shared_config, "property"),
    ("optim.train", train_shuffles_X_in_place, "mutates_input"),
]

# Words that name the cause in the report (the code alone would not say which mistake it was).
_WORDS = [
    ("optim.random_mini_batches", batches_y_shuffled_separately, "shuffle X and y with the same permutation"),
    ("optim.random_mini_batches", batches_drop_last, "the last, smaller batch is missing"),
    ("optim.random_mini_batches", batches_not_shuffled, "original order"),
    ("optim.random_mini_batches", batches_with_replacement, "more than once"),
    ("optim.random_mini_batches", batches_ignore_seed, "two calls with seed="),
    ("optim.random_mini_batches", batches_column_labels, "keep y one-dimensional"),
    ("optim.sgd_momentum", momentum_dls, "Deep Learning Specialization's form"),
    ("optim.sgd_momentum", momentum_forgets_velocity, "not stored back"),
    ("optim.nesterov", nesterov_is_momentum, "plain momentum"),
    ("optim.adagrad", adagrad_eps_inside, "inside the square root"),
    ("optim.rmsprop", rmsprop_eps_inside, "inside the square root"),
    ("optim.adam", adam_t_after, "incremented after the bias correction"),
    ("optim.adam", adam_eps_inside, "inside the square root"),
    ("optim.ewma", ewma_starts_at_first_value, "v_0 = 0"),
    ("optim.train", train_one_config_reset_each_step, "state is not carried"),
    ("optim.train", train_same_order_every_epoch, "same order"),
    ("optim.train", train_history_per_epoch, "one per epoch"),
    ("optim.train", train_result_dropped, "never change"),
    ("optim.train", train_whole_data_each_step, "batch sizes [30, 30"),
    ("optim.train", train_shared_config, "shared by all parameters"),
]


_SAYS = {fn: words for _, fn, words in _WORDS}
WRONG = [Wrong(task_id, fn, code, says=_SAYS.get(fn)) for task_id, fn, code in _WRONG]


@wrong_rows(WRONG, seeds=GRADING)
def test_wrong_implementation_is_diagnosed(row, seed):
    diagnosed(row, seed)


def test_every_optim_task_has_five_wrong_implementations():
    from collections import Counter

    counts = Counter(row.task for row in WRONG)
    ids = [t for t in task_ids() if t.startswith("optim.")]
    assert all(counts[t] >= 5 for t in ids), {t: counts[t] for t in ids if counts[t] < 5}


def test_findings_exist_in_chinese():
    from checker import set_language
    try:
        set_language("zh")
        report = check("optim.train", train_one_config_reset_each_step)
        assert "状态没有延续" in report.text(), report.text()
    finally:
        set_language("en")


# =========================================================================== the cases
def test_rule_cases_carry_state_over_several_steps_and_resume_adam():
    for rule in ("sgd", "sgd_momentum", "nesterov", "adagrad", "rmsprop", "adam"):
        cases = get(f"optim.{rule}").make_cases()
        assert any(c.args[2] is None for c in cases), rule
        assert all(len(c.args[1]) >= 3 for c in cases[:-1]), rule
    adam = get("optim.adam").make_cases()
    assert any(isinstance(c.args[2], dict) and c.args[2].get("t") == 5 for c in adam)


def test_train_has_full_batch_and_mini_batch_cases():
    sizes = [(len(c.args[3]), c.args[7] if len(c.args) > 7 else 64) for c in get("optim.train").make_cases()]
    assert any(b >= n for n, b in sizes) and any(b < n and n % b for n, b in sizes), sizes


# =========================================================================== the reference
def test_reference_refuses_bad_input_with_clear_messages():
    w = np.zeros(3)
    bad = [
        (lambda: ref.sgd(w, w, {"learning_rate": -0.1}), "learning_rate must be >= 0"),
        (lambda: ref.sgd_momentum(w, w, {"momentum": 1.0}), "momentum must be < 1"),
        (lambda: ref.adam(w, w, {"beta1": -0.1}), "beta1 must be >= 0"),
        (lambda: ref.ewma([1, 2], 1.0), "beta must be < 1"),
        (lambda: ref.ewma([1, 2], -0.5), "beta must be >= 0"),
        (lambda: ref.random_mini_batches(np.zeros((4, 2)), np.zeros(4), 0), "batch_size must be >= 1"),
        (lambda: ref.random_mini_batches(np.zeros((4, 2)), np.zeros(4), 2.5), "batch_size must be an int"),
        (lambda: ref.random_mini_batches(np.zeros((4, 2)), np.zeros(4), 2 ** 70), "must fit in a 64-bit int"),
        (lambda: ref.random_mini_batches(np.zeros((4, 2)), np.zeros(3), 2), "same number of samples, got 4 and 3"),
        (lambda: ref.sqrt_decay(0.1, 0), "epoch must be >= 1"),
        (lambda: ref.step_decay(-1.0, 3), "lr0 must be >= 0"),
        (lambda: ref.train(None, {}, np.zeros((3, 1)), np.zeros(2), ref.sgd), "same number of samples"),
    ]
    for call, words in bad:
        with pytest.raises(ValueError) as info:
            call()
        assert words in str(info.value), (words, str(info.value))


def test_dls_momentum_is_cs231n_momentum_with_a_rescaled_rate():
    rng = np.random.default_rng(0)
    w0, dws, beta, lr = rng.normal(size=4), rng.normal(size=(6, 4)), 0.9, 0.1
    w_cs, config, w_dls, v = w0.copy(), {"learning_rate": lr * (1 - beta), "momentum": beta}, w0.copy(), 0
    for dw in dws:
        w_cs, config = ref.sgd_momentum(w_cs, dw, config)
        v = beta * v + (1 - beta) * dw
        w_dls = w_dls - lr * v
    np.testing.assert_allclose(w_cs, w_dls, rtol=1e-12)


def test_bias_correction_example_of_the_notes():
    v = ref.ewma([4.0, 9.0], 0.98)
    v_hat = ref.ewma([4.0, 9.0], 0.98, bias_correction=True)
    assert round(v[1], 4) == 0.2584 and round(v_hat[1], 3) == 6.525


# =========================================================================== against torch.optim
@pytest.mark.parametrize("rule, make, config", [
    ("sgd", lambda p, torch: torch.optim.SGD(p, lr=0.05), {"learning_rate": 0.05}),
    ("sgd_momentum", lambda p, torch: torch.optim.SGD(p, lr=0.05, momentum=0.7), {"learning_rate": 0.05, "momentum": 0.7}),
    ("nesterov", lambda p, torch: torch.optim.SGD(p, lr=0.05, momentum=0.7, nesterov=True),
     {"learning_rate": 0.05, "momentum": 0.7}),
    ("adagrad", lambda p, torch: torch.optim.Adagrad(p, lr=0.1, eps=1e-8), {"learning_rate": 0.1}),
    ("rmsprop", lambda p, torch: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-6),
     {"learning_rate": 0.01, "decay_rate": 0.9, "epsilon": 1e-6}),
    ("adam", lambda p, torch: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-6),
     {"learning_rate": 0.01, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6}),
])
def test_reference_rules_agree_with_torch_optim_over_several_steps(rule, make, config):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    w0, dws = rng.normal(size=(3, 4)), rng.normal(size=(8, 3, 4))
    param = torch.nn.Parameter(torch.tensor(w0.copy()))
    optimizer = make([param], torch)
    w, cfg = w0.copy(), dict(config)
    for dw in dws:
        param.grad = torch.tensor(dw)
        optimizer.step()
        w, cfg = getattr(ref, rule)(w, dw, cfg)
        np.testing.assert_allclose(w, param.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=rule)


def test_reference_train_reaches_a_low_loss_on_digits():
    from checker.adapters import TRAINING_LOSSES, UPDATE_RULES
    from checker.data import load_digits

    data = load_digits()
    params = {"W": np.zeros((64, 10)), "b": np.zeros(10)}
    trained, history = ref.train(TRAINING_LOSSES["softmax_regression"], params, data.X_train, data.y_train,
                                 UPDATE_RULES["adam"], {"learning_rate": 0.05}, epochs=5, batch_size=32, seed=1)
    accuracy = np.mean(np.argmax(data.X_val @ trained["W"] + trained["b"], axis=1) == data.y_val)
    assert history[0] > 2.0 and np.mean(history[-10:]) < 0.3 and accuracy > 0.9, (history[0], history[-10:], accuracy)
    assert np.all(params["W"] == 0), "train must not change the caller's arrays"


# =========================================================================== the notebook, graded
@pytest.mark.slow
def test_source_notebook_gets_full_marks_from_the_trusted_grader(tmp_path):
    import shutil

    from checker.grading.grader import grade_notebook

    submission = tmp_path / "06_optim.ipynb"
    shutil.copy(NOTEBOOK, submission)
    grade = grade_notebook(submission, NOTEBOOK, seed=20261201)
    failed = {gid: (t.codes, t.text) for gid, t in grade.tasks.items() if not t.passed}
    assert not failed, failed
    assert len(grade.tasks) == 13 and grade.score == grade.max_score > 0
