"""Reference solutions for notebook 02, logistic regression.

Batch first: X is (N, D), one sample per row; w is (D,); b is a float; y is (N,) of 0/1.
(The Deep Learning Specialization stores samples as columns, X of shape (n_x, m); the
formulas here are the same ones with X transposed: w^T X becomes X @ w.)
"""

import numpy as np


def _sigmoid(z):
    """The logistic function; the body of ``sigmoid``, called directly by the other references."""
    z = np.asarray(z, dtype=np.float64)
    s = np.empty(z.shape)
    positive = z >= 0
    s[positive] = 1.0 / (1.0 + np.exp(-z[positive]))
    ez = np.exp(z[~positive])
    s[~positive] = ez / (1.0 + ez)
    return s


def sigmoid(z):
    """The logistic function 1 / (1 + exp(-z)), element by element, without overflow.

    Inputs:
    - z: A numpy array of any shape (or a number).
    Returns:
    - s: An array of the same shape with values in [0, 1].

    exp is only ever called on non-positive numbers: for z >= 0 we use 1 / (1 + e^-z),
    for z < 0 the equal form e^z / (1 + e^z).
    """
    return _sigmoid(z)


def initialize_zeros(dim):
    """Zero parameters for logistic regression on dim features.

    Inputs:
    - dim: The number of features D.
    Returns a tuple of:
    - w: A float array of zeros of shape (D,).
    - b: The bias, the Python float 0.0.
    """
    return np.zeros(dim), 0.0


def _propagate(w, b, X, y):
    """Cost and gradient; the body of ``propagate``, called directly by ``optimize``."""
    N = X.shape[0]
    z = X @ w + b                                   # (N,)
    a = _sigmoid(z)                                 # (N,)
    # log a = -log(1 + e^-z) and log(1 - a) = -log(1 + e^z): written with logaddexp they never see log(0)
    cost = float(np.sum(y * np.logaddexp(0.0, -z) + (1 - y) * np.logaddexp(0.0, z)) / N)
    dz = a - y                                      # (N,)
    dw = X.T @ dz / N                               # (D,)
    db = float(np.sum(dz) / N)
    return {"dw": dw, "db": db}, cost


def propagate(w, b, X, y):
    """Cross-entropy cost of logistic regression and its gradient (forward and backward pass).

    Inputs:
    - w: Weights of shape (D,).
    - b: Bias, a float.
    - X: Data of shape (N, D), one sample per row.
    - y: Labels of shape (N,), each 0 or 1.
    Returns a tuple of:
    - grads: A dict with "dw", shape (D,), the gradient of the cost with respect to w,
      and "db", a float, the gradient with respect to b.
    - cost: A float, -1/N * sum_i (y_i log a_i + (1 - y_i) log(1 - a_i)) with a = sigmoid(X w + b).
    """
    return _propagate(w, b, X, y)


def optimize(w, b, X, y, num_iterations, learning_rate):
    """Batch gradient descent on the logistic-regression cost.

    Inputs:
    - w: Initial weights of shape (D,); b: initial bias, a float.
    - X: Data of shape (N, D); y: labels of shape (N,), 0 or 1.
    - num_iterations: The number of gradient steps.
    - learning_rate: The step size alpha.
    Returns a tuple of:
    - params: {"w": (D,) weights, "b": float bias} after the last step.
    - grads: {"dw", "db"}, the gradients used in the last step.
    - costs: A list of the costs at iterations 0, 100, 200, ... (before the step of that iteration).
    """
    costs = []
    grads = None
    for i in range(num_iterations):
        grads, cost = _propagate(w, b, X, y)
        w = w - learning_rate * grads["dw"]         # a new array: the caller's w is left alone
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": float(b)}, grads, costs


def predict(w, b, X):
    """Predicted labels of logistic regression.

    Inputs:
    - w: Weights of shape (D,); b: bias, a float.
    - X: Data of shape (N, D).
    Returns:
    - y_pred: An integer array of shape (N,), 1 where sigmoid(X w + b) > 0.5 and 0 elsewhere
      (a probability of exactly 0.5 gives 0).
    """
    probabilities = _sigmoid(X @ w + b)
    return (probabilities > 0.5).astype(np.int64)


from checker.reference import guard_module  # noqa: E402

guard_module(__name__)
