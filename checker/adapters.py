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
    if not (isinstance(result, tuple) and len(result) == 2):
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
