"""How a task calls the learner's code when it is not simply ``fn(*args)``.

A task with an adapter is checked by calling ``adapter(fn, *case_args)`` (a backward task:
``adapter(backward, forward, *case_args)``) for the learner's code, the reference and every
known mistake alike. The grading worker imports this module and nothing else of the
checker, so it imports nothing but NumPy and calls only what it is given: every argument
that crosses into the worker is plain data (arrays, numbers, strings, dicts of those).
"""

from __future__ import annotations

import numpy as np


def backward(backward_fn, forward_fn, *args, dout, **kwargs):
    """``backward_fn(dout, cache)`` with the cache of ``forward_fn(*args, **kwargs)``."""
    _, cache = _forward(forward_fn, *args, **kwargs)
    return backward_fn(dout, cache)


def forward_and_backward(backward_fn, forward_fn, *args, dout, **kwargs):
    """``(out, backward_fn(dout, cache))``: for checks that relate the gradient to the
    forward's output (dropout's backward must reuse the forward's mask)."""
    out, cache = _forward(forward_fn, *args, **kwargs)
    return out, backward_fn(dout, cache)


def _forward(forward_fn, *args, **kwargs):
    result = forward_fn(*args, **kwargs)
    if not (isinstance(result, (tuple, list)) and len(result) == 2):  # as a forward task accepts
        raise TypeError(
            f"{getattr(forward_fn, '__name__', 'forward')} must return (out, cache), "
            f"got {type(result).__name__}"
        )
    return result


def network_loss(cls, init, params, X, y):
    """Build ``cls(**init)``, put ``params`` into ``net.params``, and return
    ``(scores, loss, grads)``: ``net.loss(X)`` at test time, then ``net.loss(X, y)``."""
    net = cls(**init)
    if not isinstance(getattr(net, "params", None), dict):
        raise TypeError(f"{cls.__name__}(...) must keep its parameters in a dict self.params")
    for name, value in params.items():
        net.params[name] = np.array(value, copy=True)
    scores = net.loss(X)
    result = net.loss(X, y)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError(f"{cls.__name__}.loss(X, y) must return (loss, grads), got {type(result).__name__}")
    loss, grads = result
    return scores, loss, grads


# Scalar functions a gradient task may be asked to differentiate, by name (functions cannot
# cross into the grading worker; their names can).
SCALAR_FUNCTIONS = {
    "square_sum": lambda x: float(np.sum(x * x)),
    "weighted_sin": lambda x: float(np.sum(np.sin(x) * np.arange(1, x.size + 1).reshape(x.shape))),
    "log_sum_exp": lambda x: float(np.log(np.sum(np.exp(x - np.max(x)))) + np.max(x)),
    "cube_mean": lambda x: float(np.mean(x ** 3)),
    "relu_sum": lambda x: float(np.sum(np.maximum(x, 0.0))),
    "product": lambda x: float(np.prod(x)),
}


def scalar_function(name: str):
    """The scalar function named ``name`` (see ``SCALAR_FUNCTIONS``)."""
    try:
        return SCALAR_FUNCTIONS[name]
    except KeyError:
        raise KeyError(f"no scalar function {name!r}; known: {', '.join(SCALAR_FUNCTIONS)}") from None


def with_scalar_function(fn, f, *args, **kwargs):
    """``fn(SCALAR_FUNCTIONS[f], *args, **kwargs)``: for tasks that take a function, such as
    ``numerical_gradient(f, x, h)``."""
    return fn(scalar_function(f), *args, **kwargs)


def successive_updates(fn, w, dws, config=None):
    """Run the update rule ``fn(w, dw, config) -> (next_w, config)`` once per gradient in ``dws``
    (shape ``(T, *w.shape)``), carrying the returned ``w`` and ``config`` from step to step, as a
    training loop does. Returns ``(steps, config)``: ``steps[t]`` is the change the rule made to
    ``w`` in step ``t`` (a rule may update ``w`` in place, as CS231n's ``sgd`` does), ``config``
    the one the last step returned."""
    steps = []
    for dw in dws:
        before = np.array(w, dtype=np.float64, copy=True)
        result = fn(w, dw, config)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise TypeError(f"{getattr(fn, '__name__', 'the rule')} must return (next_w, config), "
                            f"got {type(result).__name__}")
        w, config = result
        if not isinstance(w, np.ndarray) or w.shape != before.shape:
            raise TypeError(f"next_w must be an array of w's shape {before.shape}, got "
                            f"{getattr(w, 'shape', type(w).__name__)}")
        steps.append(np.asarray(w, dtype=np.float64) - before)
    return np.stack(steps), config


# Losses and update rules a training-loop task may be given, by name (see SCALAR_FUNCTIONS).
def _softmax_regression(params, X, y):
    """Softmax classifier ``scores = X W + b``: mean cross-entropy and its gradients."""
    scores = X @ params["W"] + params["b"]
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    N = X.shape[0]
    d = np.exp(log_p)
    d[np.arange(N), y] -= 1.0
    d /= N
    return float(-log_p[np.arange(N), y].mean()), {"W": X.T @ d, "b": d.sum(axis=0)}


def _least_squares(params, X, y):
    """Linear regression ``pred = X w + b``: mean of ``(pred - y) ** 2 / 2`` and its gradients."""
    residual = X @ params["w"] + params["b"][0] - y
    N = X.shape[0]
    return float(0.5 * np.mean(residual ** 2)), {"w": X.T @ residual / N, "b": np.array([residual.sum() / N])}


def _rule_sgd(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * dw, config


def _rule_momentum(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config["momentum"] * config.get("velocity", np.zeros_like(w)) - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


def _rule_adam(w, dw, config=None):
    config = {} if config is None else config
    for key, value in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8)):
        config.setdefault(key, value)
    t = config.get("t", 0) + 1
    m = config["beta1"] * config.get("m", np.zeros_like(w)) + (1 - config["beta1"]) * dw
    v = config["beta2"] * config.get("v", np.zeros_like(w)) + (1 - config["beta2"]) * dw * dw
    config.update(m=m, v=v, t=t)
    step = m / (1 - config["beta1"] ** t) / (np.sqrt(v / (1 - config["beta2"] ** t)) + config["epsilon"])
    return w - config["learning_rate"] * step, config


TRAINING_LOSSES = {"softmax_regression": _softmax_regression, "least_squares": _least_squares}
UPDATE_RULES = {"sgd": _rule_sgd, "sgd_momentum": _rule_momentum, "adam": _rule_adam}


def train_with_named(fn, loss, rule, params, X, y, config=None, epochs=1, batch_size=64, seed=0):
    """``fn(TRAINING_LOSSES[loss], params, X, y, UPDATE_RULES[rule], config, epochs, batch_size, seed)``
    for a training loop ``fn``. Returns ``(params, history, batches)``: what ``fn`` returned, and
    for every call of the loss the indices into ``X`` of the rows it was given (-1: a row that is
    not a row of ``X``) and the labels it was given with them."""
    index = {X[i].tobytes(): i for i in range(X.shape[0])}
    batches = []

    def recording_loss(p, X_batch, y_batch):
        rows = np.asarray(X_batch)
        rows = rows.reshape(len(rows), -1) if rows.ndim else rows
        found = [index.get(np.asarray(r, dtype=X.dtype).tobytes(), -1) for r in rows]
        batches.append((np.array(found, dtype=np.int64), np.array(y_batch, copy=True)))
        return TRAINING_LOSSES[loss](p, X_batch, y_batch)

    result = fn(recording_loss, params, X, y, UPDATE_RULES[rule], config, epochs, batch_size, seed)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError(f"{getattr(fn, '__name__', 'train')} must return (params, history), got {type(result).__name__}")
    return result[0], result[1], batches


def _plain_params(net, cls):
    params = getattr(net, "params", None)
    if not isinstance(params, dict):
        raise TypeError(f"{cls.__name__}(...) must keep its parameters in a dict self.params")
    return {str(name): np.array(value, copy=True) for name, value in params.items()}


def network_loss_and_init(cls, init, params, X, y):
    """``network_loss`` plus the constructor's own parameters: ``(scores, loss, grads, initial)``,
    where ``initial`` is ``{"first": ..., "again": ...}``, the ``params`` of two networks built with
    the same ``init`` (a seeded constructor builds the same one twice), before any is replaced."""
    first = _plain_params(cls(**init), cls)
    again = _plain_params(cls(**init), cls)
    scores, loss, grads = network_loss(cls, init, params, X, y)
    return scores, loss, grads, {"first": first, "again": again}


def network_loss_and_seeded_init(cls, init, params, X, y, seed=0):
    """``network_loss_and_init`` for a class that draws from NumPy's global generator (CS231n's
    ``np.random.randn``): ``np.random.seed(seed)`` comes before each of the two builds, as a notebook's
    ``np.random.seed(...)`` does, and the generator's state is put back afterwards."""
    state = np.random.get_state()
    try:
        built = []
        for _ in range(2):
            np.random.seed(seed)
            built.append(_plain_params(cls(**init), cls))
    finally:
        np.random.set_state(state)
    scores, loss, grads = network_loss(cls, init, params, X, y)
    return scores, loss, grads, {"first": built[0], "again": built[1]}


def with_inputs_after(fn, params, *args, **kwargs):
    """``(fn(params, *args, **kwargs), params)``: the result and the caller's ``params`` dict as
    the call left it, for functions that must not change what they are given (a frozen model)."""
    return fn(params, *args, **kwargs), params


def normalization_calls(fn, xs, modes, gamma, beta, bn_param):
    """Run a batch-norm forward ``fn(x, gamma, beta, bn_param) -> (out, cache)`` once per batch
    ``xs[t]`` with ``bn_param["mode"] = modes[t]``, carrying the same ``bn_param`` from call to call
    as a training loop does. Returns ``(outs, running_mean, running_var)``: the outputs stacked
    (``(T, N, D)``, or ``(T, N, C, H, W)`` for spatial batch norm) and the running statistics
    ``bn_param`` holds after the last call (zeros of gamma's shape, ``(D,)`` or ``(C,)``, where a key
    was never written, as the convention says for absent ones)."""
    outs = []
    for x, mode in zip(xs, modes):
        bn_param["mode"] = str(mode)
        result = _forward(fn, x, gamma, beta, bn_param)
        out = np.asarray(result[0])
        if out.shape != np.shape(x):
            raise TypeError(f"out must have x's shape {np.shape(x)}, got {out.shape}")
        outs.append(out)
    running = [np.asarray(bn_param.get(key, np.zeros(np.shape(gamma)))) for key in ("running_mean", "running_var")]
    return np.stack(outs), running[0], running[1]


def normalized_network(cls, init, params, X, y, X_test, train_calls=2):
    """Build ``cls(**init)``, put ``params`` into ``net.params``, call ``net.loss(X, y)``
    ``train_calls`` times (train mode: batch statistics, running averages updated), then
    ``net.loss(X_test)`` (test mode). Returns ``(loss, grads, test_scores)`` of the first train
    call and the test call."""
    net = cls(**init)
    if not isinstance(getattr(net, "params", None), dict):
        raise TypeError(f"{cls.__name__}(...) must keep its parameters in a dict self.params")
    for name, value in params.items():
        net.params[name] = np.array(value, copy=True)
    first = None
    for _ in range(int(train_calls)):
        result = net.loss(X, y)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise TypeError(f"{cls.__name__}.loss(X, y) must return (loss, grads), got {type(result).__name__}")
        first = first or result
    loss, grads = first
    return loss, grads, net.loss(X_test)

