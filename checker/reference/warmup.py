"""Reference solutions for notebook 00, the NumPy warm-up."""

import numpy as np


def center(X):
    """Subtract the mean of each column (feature).

    Inputs:
    - X: (N, D) data, one sample per row.
    Returns:
    - X_centered: (N, D), every column with mean zero.
    """
    return X - X.mean(axis=0)


def normalize_rows(X):
    """Scale every row to unit Euclidean length; rows of zeros stay zero.

    Inputs:
    - X: (N, D).
    Returns:
    - X_normalized: (N, D) with ||X_normalized[i]|| = 1 for every non-zero row i.
    """
    norms = np.sqrt(np.sum(X * X, axis=1, keepdims=True))
    return X / np.where(norms == 0, 1.0, norms)


def one_hot(y, num_classes):
    """Encode integer labels as rows of a one-hot matrix.

    Inputs:
    - y: (N,) integers in [0, num_classes).
    - num_classes: C.
    Returns:
    - Y: (N, C) float, Y[i, y[i]] = 1 and 0 elsewhere.
    """
    Y = np.zeros((y.shape[0], num_classes))
    Y[np.arange(y.shape[0]), y] = 1.0
    return Y


def squared_distances(A, B):
    """All squared Euclidean distances between the rows of A and the rows of B, without loops.

    Inputs:
    - A: (M, D); B: (N, D).
    Returns:
    - dists: (M, N), dists[i, j] = ||A[i] - B[j]||^2.
    """
    diff = A[:, None, :] - B[None, :, :]
    return np.sum(diff * diff, axis=2)


def mse_loss(pred, target):
    """Mean squared error and its gradient with respect to the predictions.

    Inputs:
    - pred: (N,) predictions; target: (N,) true values.
    Returns a tuple of:
    - loss: float, mean over i of (pred[i] - target[i])^2.
    - dpred: (N,), the derivative of loss with respect to pred.
    """
    diff = pred - target
    loss = float(np.mean(diff * diff))
    dpred = 2.0 * diff / pred.shape[0]
    return loss, dpred


from checker.reference import guard_module  # noqa: E402

guard_module(__name__)
