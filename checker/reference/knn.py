"""Reference solutions for notebook 01, k-nearest neighbours."""

import numpy as np


def distances_two_loops(X_test, X_train):
    """Euclidean (L2) distances between every test point and every training point, two loops.

    Inputs:
    - X_test: (num_test, D) test points, one per row.
    - X_train: (num_train, D) training points, one per row.
    Returns:
    - dists: (num_test, num_train), dists[i, j] = ||X_test[i] - X_train[j]||_2.
    """
    num_test, num_train = X_test.shape[0], X_train.shape[0]
    dists = np.zeros((num_test, num_train))
    for i in range(num_test):
        for j in range(num_train):
            diff = X_test[i] - X_train[j]
            dists[i, j] = np.sqrt(np.sum(diff * diff))
    return dists


def distances_one_loop(X_test, X_train):
    """The same (num_test, num_train) L2 distances, one loop over the test points."""
    dists = np.zeros((X_test.shape[0], X_train.shape[0]))
    for i in range(X_test.shape[0]):
        diff = X_train - X_test[i]  # (num_train, D)
        dists[i] = np.sqrt(np.sum(diff * diff, axis=1))
    return dists


def distances_no_loops(X_test, X_train):
    """The same (num_test, num_train) L2 distances without Python loops.

    Uses ||a - b||^2 = ||a||^2 + ||b||^2 - 2 a.b; rounding can make a squared distance
    slightly negative for float data, so it is clipped at zero before the square root.
    """
    return _l2_no_loops(X_test, X_train)


def _l2_no_loops(X_test, X_train):
    test_sq = np.sum(X_test * X_test, axis=1)[:, None]  # (num_test, 1)
    train_sq = np.sum(X_train * X_train, axis=1)[None, :]  # (1, num_train)
    squared = test_sq + train_sq - 2.0 * (X_test @ X_train.T)
    return np.sqrt(np.maximum(squared, 0.0))


def distances_l1(X_test, X_train):
    """Manhattan (L1) distances: (num_test, num_train), dists[i, j] = sum_d |X_test[i, d] - X_train[j, d]|."""
    return np.sum(np.abs(X_test[:, None, :] - X_train[None, :, :]), axis=2).astype(np.float64)


def predict_labels(dists, y_train, k=1):
    """Majority vote among the k nearest training points.

    Inputs:
    - dists: (num_test, num_train) distances, dists[i, j] between test point i and training point j.
    - y_train: (num_train,) integer labels of the training points.
    - k: number of nearest neighbours that vote.
    Returns:
    - y_pred: (num_test,) integer labels; a tie between labels goes to the smallest label.
    """
    return _vote(dists, y_train, k)


def _vote(dists, y_train, k):
    num_test = dists.shape[0]
    y_pred = np.zeros(num_test, dtype=np.int64)
    for i in range(num_test):
        nearest = np.argsort(dists[i], kind="stable")[:k]
        votes = np.bincount(y_train[nearest])
        y_pred[i] = np.argmax(votes)  # argmax returns the first (smallest) label among equal counts
    return y_pred


def cross_validate(X, y, k_choices, num_folds):
    """k-fold cross-validation of the kNN classifier with L2 distance.

    Inputs:
    - X: (N, D) data; y: (N,) integer labels.
    - k_choices: the values of k to try.
    - num_folds: number of folds; fold f is np.array_split(X, num_folds)[f] (and the same for y).
    Returns:
    - k_to_accuracies: dict {k: [accuracy on fold 0, ..., accuracy on fold num_folds - 1]}, each
      accuracy the fraction (in [0, 1]) of the fold's points predicted correctly by a classifier
      trained on the other folds.
    """
    X_folds = np.array_split(X, num_folds)
    y_folds = np.array_split(y, num_folds)
    k_to_accuracies = {}
    for k in k_choices:
        accuracies = []
        for f in range(num_folds):
            X_tr = np.concatenate(X_folds[:f] + X_folds[f + 1:])
            y_tr = np.concatenate(y_folds[:f] + y_folds[f + 1:])
            # the unguarded helpers: reference functions calling each other are not "uses_reference"
            dists = _l2_no_loops(X_folds[f], X_tr)
            y_pred = _vote(dists, y_tr, k)
            accuracies.append(float(np.mean(y_pred == y_folds[f])))
        k_to_accuracies[k] = accuracies
    return k_to_accuracies


from checker.reference import guard_module  # noqa: E402

guard_module(__name__)
