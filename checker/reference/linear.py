"""Reference solutions for notebook 03, linear classifiers (multiclass SVM and softmax).

Signatures as in CS231n assignment 1: W (D, C), X (N, D), y (N,) labels in 0..C-1,
reg the L2 strength; the loss is the data loss averaged over N plus ``reg * np.sum(W * W)``.
"""

import numpy as np


def svm_loss_naive(W, X, y, reg):
    """Multiclass SVM (hinge) loss with margin delta = 1, written with loops.

    Inputs:
    - W: (D, C) weights.
    - X: (N, D) data, one sample per row.
    - y: (N,) integer labels, y[i] in [0, C).
    - reg: float, L2 regularization strength.
    Returns a tuple of:
    - loss: float, mean over i of sum_{j != y[i]} max(0, s_j - s_{y[i]} + 1), plus reg * sum(W * W).
    - dW: (D, C), the gradient of loss with respect to W.
    """
    dW = np.zeros(W.shape)
    num_classes = W.shape[1]
    num_train = X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = X[i].dot(W)
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + 1  # delta = 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    return float(loss), dW


def svm_loss_vectorized(W, X, y, reg):
    """Multiclass SVM loss and gradient without loops; inputs and outputs as svm_loss_naive."""
    N = X.shape[0]
    rows = np.arange(N)
    scores = X.dot(W)                                        # (N, C)
    correct = scores[rows, y][:, None]                       # (N, 1)
    margins = np.maximum(0.0, scores - correct + 1.0)        # (N, C)
    margins[rows, y] = 0.0
    loss = np.sum(margins) / N + reg * np.sum(W * W)
    mask = (margins > 0).astype(np.float64)                  # (N, C): 1 where a margin counts
    mask[rows, y] = -np.sum(mask, axis=1)                    # the correct class is pulled once per violation
    dW = X.T.dot(mask) / N + 2 * reg * W
    return float(loss), dW


def softmax_loss_naive(W, X, y, reg):
    """Softmax (cross-entropy) loss with loops.

    Inputs and outputs as svm_loss_naive; loss is the mean over i of -log(softmax(s)_{y[i]})
    plus reg * sum(W * W). Scores are shifted by their maximum before exponentiating.
    """
    dW = np.zeros(W.shape)
    num_train = X.shape[0]
    num_classes = W.shape[1]
    loss = 0.0
    for i in range(num_train):
        scores = X[i].dot(W)
        scores = scores - np.max(scores)                     # numerical stability
        exp_scores = np.exp(scores)
        probs = exp_scores / np.sum(exp_scores)
        loss += -np.log(probs[y[i]])
        for j in range(num_classes):
            dW[:, j] += (probs[j] - (j == y[i])) * X[i]
    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    return float(loss), dW


def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss and gradient without loops; inputs and outputs as softmax_loss_naive."""
    N = X.shape[0]
    rows = np.arange(N)
    scores = X.dot(W)
    scores = scores - np.max(scores, axis=1, keepdims=True)
    log_probs = scores - np.log(np.sum(np.exp(scores), axis=1, keepdims=True))
    loss = -np.sum(log_probs[rows, y]) / N + reg * np.sum(W * W)
    dscores = np.exp(log_probs)
    dscores[rows, y] -= 1.0
    dW = X.T.dot(dscores) / N + 2 * reg * W
    return float(loss), dW


def predict(W, X):
    """Predicted labels of a linear classifier: the class with the highest score.

    Inputs:
    - W: (D, C) weights; X: (N, D) data.
    Returns:
    - y_pred: (N,) integer labels, y_pred[i] = argmax_j (X W)[i, j].
    """
    return np.argmax(X.dot(W), axis=1)


from checker.reference import guard_module  # noqa: E402

guard_module(__name__)
