"""Reference solutions for notebook 04, backpropagation.

Every gate is a forward/backward pair in the CS231n style:
``<gate>_forward(...) -> (out, cache)`` and ``<gate>_backward(dout, cache) -> grads``.
The gates work element by element on arrays of any shape (both inputs of a two-input gate
have the same shape; no broadcasting). ``dout`` is the upstream gradient dL/dout, of the
shape of ``out``; every gradient returned has the shape of the input it belongs to.

Caches of the reference forwards (a learner's own forward may cache anything it likes):
add, mul, max ``(x, y)``; sigmoid ``out``; circuit ``(x, y, z, q)``; neuron ``(w, x, out)``.
"""

import numpy as np

from checker.reference import guard_module


# --------------------------------------------------------------------------- private helpers
def _sigmoid(x):
    """1 / (1 + exp(-x)) without overflow for any x."""
    return np.exp(-np.logaddexp(0.0, -np.asarray(x, dtype=np.float64)))


def _norm(a):
    return float(np.sqrt(np.sum(np.square(np.asarray(a, dtype=np.float64)))))


# --------------------------------------------------------------------------- the add gate
def add_forward(x, y):
    """out = x + y.

    Inputs:
    - x, y: arrays of the same shape (any shape, 0-d included).
    Returns a tuple of:
    - out: x + y, same shape.
    - cache: (x, y).
    """
    return x + y, (x, y)


def add_backward(dout, cache):
    """The add gate distributes: d(x + y)/dx = d(x + y)/dy = 1.

    Inputs:
    - dout: upstream gradient, shape of out.
    - cache: (x, y) from add_forward.
    Returns a tuple of:
    - dx: dout (a copy), shape of x.
    - dy: dout (a copy), shape of y.
    """
    x, y = cache
    return dout * np.ones_like(x, dtype=np.float64), dout * np.ones_like(y, dtype=np.float64)


# --------------------------------------------------------------------------- the multiply gate
def mul_forward(x, y):
    """out = x * y (element by element).

    Inputs:
    - x, y: arrays of the same shape.
    Returns a tuple of:
    - out: x * y, same shape.
    - cache: (x, y).
    """
    return x * y, (x, y)


def mul_backward(dout, cache):
    """The multiply gate swaps: d(xy)/dx = y and d(xy)/dy = x.

    Inputs:
    - dout: upstream gradient, shape of out.
    - cache: (x, y) from mul_forward.
    Returns a tuple of:
    - dx: dout * y, shape of x.
    - dy: dout * x, shape of y.
    """
    x, y = cache
    return dout * y, dout * x


# --------------------------------------------------------------------------- the max gate
def max_forward(x, y):
    """out = max(x, y) element by element (np.maximum, not np.max).

    Inputs:
    - x, y: arrays of the same shape.
    Returns a tuple of:
    - out: np.maximum(x, y), same shape.
    - cache: (x, y).
    """
    return np.maximum(x, y), (x, y)


def max_backward(dout, cache):
    """The max gate routes: the whole upstream gradient goes to the input that won.

    At a tie (x == y) max is not differentiable; any split dx = a * dout, dy = (1 - a) * dout
    with 0 <= a <= 1 is a valid subgradient. The reference gives it all to x (x >= y);
    the checker accepts any such split (see ``checker.topics.backprop``).

    Inputs:
    - dout: upstream gradient, shape of out.
    - cache: (x, y) from max_forward.
    Returns a tuple of:
    - dx: dout where x >= y, else 0; shape of x.
    - dy: dout where y > x, else 0; shape of y.
    """
    x, y = cache
    x_wins = np.asarray(x >= y)
    return np.where(x_wins, dout, 0.0), np.where(x_wins, 0.0, dout)


# --------------------------------------------------------------------------- the sigmoid gate
def sigmoid_forward(x):
    """out = sigmoid(x) = 1 / (1 + exp(-x)), element by element, without overflow.

    Inputs:
    - x: array of any shape.
    Returns a tuple of:
    - out: sigmoid(x), same shape, values in [0, 1].
    - cache: out (the local gradient is written with the output).
    """
    out = _sigmoid(x)
    return out, out


def sigmoid_backward(dout, cache):
    """d sigmoid(x)/dx = sigmoid(x) * (1 - sigmoid(x)).

    Inputs:
    - dout: upstream gradient, shape of out.
    - cache: out from sigmoid_forward.
    Returns:
    - dx: dout * out * (1 - out), shape of x.
    """
    out = cache
    return dout * out * (1.0 - out)


# --------------------------------------------------------------------------- f = (x + y) * z, staged
def circuit_forward(x, y, z):
    """f = (x + y) * z in two stages: q = x + y (add gate), f = q * z (multiply gate).

    Inputs:
    - x, y, z: arrays of the same shape (or 0-d arrays / numbers).
    Returns a tuple of:
    - f: (x + y) * z, same shape.
    - cache: (x, y, z, q).
    """
    q = x + y
    f = q * z
    return f, (x, y, z, q)


def circuit_backward(df, cache):
    """Backpropagate through f = q * z, then q = x + y.

    Inputs:
    - df: upstream gradient dL/df, shape of f.
    - cache: (x, y, z, q) from circuit_forward.
    Returns a tuple of:
    - dx: dL/dx = z * df.
    - dy: dL/dy = z * df.
    - dz: dL/dz = q * df = (x + y) * df.
    """
    x, y, z, q = cache
    dq = z * df              # multiply gate: swap
    dz = q * df
    dx = dq * np.ones_like(x, dtype=np.float64)  # add gate: distribute
    dy = dq * np.ones_like(y, dtype=np.float64)
    return dx, dy, dz


# --------------------------------------------------------------------------- the 2-D sigmoid neuron
def neuron_forward(w, x):
    """out = sigmoid(w[0] * x[0] + w[1] * x[1] + w[2]).

    Inputs:
    - w: (3,) two weights and a bias.
    - x: (2,) the input.
    Returns a tuple of:
    - out: float, the neuron's output in (0, 1).
    - cache: (w, x, out).
    """
    z = w[0] * x[0] + w[1] * x[1] + w[2]
    out = float(_sigmoid(z))
    return out, (w, x, out)


def neuron_backward(dout, cache):
    """Gradients of the sigmoid neuron.

    Inputs:
    - dout: float (or 0-d array), upstream gradient dL/dout.
    - cache: (w, x, out) from neuron_forward.
    Returns a tuple of:
    - dw: (3,) = dz * [x[0], x[1], 1] with dz = dout * out * (1 - out).
    - dx: (2,) = dz * [w[0], w[1]].
    """
    w, x, out = cache
    dz = float(dout) * out * (1.0 - out)
    dw = np.array([x[0] * dz, x[1] * dz, dz], dtype=np.float64)
    dx = np.array([w[0] * dz, w[1] * dz], dtype=np.float64)
    return dw, dx


# --------------------------------------------------------------------------- gradient checking
def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of a scalar function.

    grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2 h), one entry at a time.

    Inputs:
    - f: function taking an array of x's shape and returning a number.
    - x: float array of any shape; perturbed in place one entry at a time and restored.
    - h: step size.
    Returns:
    - grad: float64 array of x's shape.
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        f_plus = f(x)
        x[ix] = old - h
        f_minus = f(x)
        x[ix] = old  # restore exactly
        grad[ix] = (f_plus - f_minus) / (2.0 * h)
        it.iternext()
    return grad


def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||) with Euclidean norms over all entries; 0.0 when both are zero.

    Inputs:
    - a, b: arrays of the same shape (or numbers).
    Returns:
    - float in [0, 1].
    """
    denominator = _norm(a) + _norm(b)
    if denominator == 0.0:
        return 0.0
    return _norm(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)) / denominator


guard_module(__name__)
