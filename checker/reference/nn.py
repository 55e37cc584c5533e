"""Reference solutions for notebook 05, neural networks from layers.

Layer functions follow the CS231n assignment 2 signatures: ``layer_forward(x, ...) -> (out, cache)``
and ``layer_backward(dout, cache) -> gradients``. Every public function is a thin wrapper around a
private helper (``_affine_forward`` ...), so that the network classes, built on the helpers, never
call a guarded public name.

Conventions: batch first; ``dropout_param["p"]`` is the probability of KEEPING a unit (inverted
dropout: kept units are scaled by ``1 / p`` at train time, test time is the identity); networks
regularise with ``0.5 * reg * sum(np.sum(W * W))`` over weight matrices only, so the gradient of
the penalty is ``reg * W``.
"""

import numpy as np

from checker.reference import bn as _bn


# --------------------------------------------------------------------------- private helpers
def _affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1).dot(w) + b
    return out, (x, w, b)


def _affine_backward(dout, cache):
    x, w, b = cache
    x2 = x.reshape(x.shape[0], -1)
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x2.T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def _relu_forward(x):
    return np.maximum(0, x), x


def _relu_backward(dout, cache):
    x = cache
    return dout * (x > 0)


def _leaky_relu_forward(x, alpha):
    out = np.where(x > 0, x, alpha * x)
    return out, (x, alpha)


def _leaky_relu_backward(dout, cache):
    x, alpha = cache
    return dout * np.where(x > 0, 1.0, alpha)


def _sigmoid(x):
    z = np.exp(-np.abs(x))  # never overflows
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def _softmax_loss(x, y):
    N = x.shape[0]
    rows = np.arange(N)
    shifted = x - np.max(x, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.sum(log_probs[rows, y]) / N
    dx = np.exp(log_probs)
    dx[rows, y] -= 1.0
    dx /= N
    return float(loss), dx


def _svm_loss(x, y):
    N = x.shape[0]
    rows = np.arange(N)
    margins = np.maximum(0.0, x - x[rows, y][:, None] + 1.0)
    margins[rows, y] = 0.0
    loss = np.sum(margins) / N
    positive = (margins > 0).astype(x.dtype)
    positive[rows, y] = -np.sum(positive, axis=1)
    dx = positive / N
    return float(loss), dx


def _dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if not 0 < p <= 1:
        raise ValueError(f"dropout_param['p'] is the keep probability, in (0, 1]; got {p}")
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    elif mode == "test":
        out = x
    else:
        raise ValueError(f"dropout_param['mode'] must be 'train' or 'test', got {mode!r}")
    return out.astype(x.dtype, copy=False), (dropout_param, mask)


def _dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        return dout * mask
    return dout


# --------------------------------------------------------------------------- layers
def affine_forward(x, w, b):
    """Affine (fully connected) layer forward pass.

    Inputs:
    - x: (N, d_1, ..., d_k) input minibatch; each sample is flattened to D = d_1 * ... * d_k.
    - w: (D, M) weights.
    - b: (M,) biases.
    Returns a tuple of:
    - out: (N, M), x.reshape(N, D) @ w + b.
    - cache: (x, w, b).
    """
    return _affine_forward(x, w, b)


def affine_backward(dout, cache):
    """Affine layer backward pass.

    Inputs:
    - dout: (N, M) upstream derivative.
    - cache: (x, w, b) from affine_forward.
    Returns a tuple of:
    - dx: (N, d_1, ..., d_k), same shape as x.
    - dw: (D, M).
    - db: (M,), summed over the batch.
    """
    return _affine_backward(dout, cache)


def relu_forward(x):
    """ReLU forward pass: out = max(0, x) elementwise.

    Inputs:
    - x: array of any shape.
    Returns a tuple of:
    - out: same shape as x.
    - cache: x.
    """
    return _relu_forward(x)


def relu_backward(dout, cache):
    """ReLU backward pass.

    Inputs:
    - dout: upstream derivative, any shape.
    - cache: x, same shape as dout.
    Returns:
    - dx: dout where x > 0, else 0 (the derivative at exactly 0 is taken as 0).
    """
    return _relu_backward(dout, cache)


def leaky_relu_forward(x, alpha=0.01):
    """Leaky ReLU forward pass: out = x where x > 0, else alpha * x.

    Inputs:
    - x: array of any shape.
    - alpha: float, slope for negative inputs.
    Returns a tuple of:
    - out: same shape as x.
    - cache: (x, alpha).
    """
    return _leaky_relu_forward(x, alpha)


def leaky_relu_backward(dout, cache):
    """Leaky ReLU backward pass.

    Inputs:
    - dout: upstream derivative, any shape.
    - cache: (x, alpha) from leaky_relu_forward.
    Returns:
    - dx: dout where x > 0, else alpha * dout (alpha at exactly 0).
    """
    return _leaky_relu_backward(dout, cache)


def sigmoid_forward(x):
    """Sigmoid forward pass: out = 1 / (1 + exp(-x)), computed without overflow.

    Inputs:
    - x: array of any shape.
    Returns a tuple of:
    - out: same shape as x, in (0, 1).
    - cache: out (the derivative is out * (1 - out)).
    """
    out = _sigmoid(x)
    return out, out


def sigmoid_backward(dout, cache):
    """Sigmoid backward pass.

    Inputs:
    - dout: upstream derivative, any shape.
    - cache: out, the sigmoid of the input.
    Returns:
    - dx: dout * out * (1 - out).
    """
    out = cache
    return dout * out * (1.0 - out)


def tanh_forward(x):
    """Tanh forward pass.

    Inputs:
    - x: array of any shape.
    Returns a tuple of:
    - out: np.tanh(x), same shape as x.
    - cache: out (the derivative is 1 - out ** 2).
    """
    out = np.tanh(x)
    return out, out


def tanh_backward(dout, cache):
    """Tanh backward pass.

    Inputs:
    - dout: upstream derivative, any shape.
    - cache: out, the tanh of the input.
    Returns:
    - dx: dout * (1 - out ** 2).
    """
    out = cache
    return dout * (1.0 - out ** 2)


def softmax_loss(x, y):
    """Softmax (cross-entropy) loss and its gradient with respect to the scores.

    Inputs:
    - x: (N, C) scores, x[i, j] the score of class j for sample i.
    - y: (N,) integer labels, 0 <= y[i] < C.
    Returns a tuple of:
    - loss: float, mean over i of -log(softmax(x[i])[y[i]]) (scores shifted by their row maximum).
    - dx: (N, C), (softmax(x) - one_hot(y)) / N.
    """
    return _softmax_loss(x, y)


def svm_loss(x, y):
    """Multiclass SVM (hinge) loss, margin 1, and its gradient with respect to the scores.

    Inputs:
    - x: (N, C) scores.
    - y: (N,) integer labels, 0 <= y[i] < C.
    Returns a tuple of:
    - loss: float, mean over i of sum_{j != y[i]} max(0, x[i, j] - x[i, y[i]] + 1).
    - dx: (N, C); 1/N for every violating class j, -(number of violations)/N at the correct class.
    """
    return _svm_loss(x, y)


# --------------------------------------------------------------------------- initialisation
def init_params(layer_dims, method, seed=None):
    """Parameters of a fully connected network.

    Inputs:
    - layer_dims: sequence [n_0, n_1, ..., n_L]: input size, hidden sizes, output size.
    - method: "zeros" (all zero), "random" (0.01 * standard normal), "xavier" (normal with
      variance 1 / fan_in) or "he" (normal with variance 2 / fan_in), fan_in = n_{l-1}.
    - seed: int or None; the same seed gives the same parameters.
    "xavier" here is the 1 / fan_in variance of the CS231n notes; Glorot and Bengio's
    2 / (fan_in + fan_out), which also goes by "Xavier" (PyTorch's xavier_normal_), is a different
    scale and is not accepted under this name.
    Returns:
    - params: dict with W1 ... WL of shape (n_{l-1}, n_l) and b1 ... bL of shape (n_l,), all
      biases zero.
    """
    scales = {
        "zeros": lambda fan_in: 0.0,
        "random": lambda fan_in: 0.01,
        "xavier": lambda fan_in: np.sqrt(1.0 / fan_in),
        "he": lambda fan_in: np.sqrt(2.0 / fan_in),
    }
    if method not in scales:
        raise ValueError(f"method must be one of {', '.join(map(repr, scales))}; got {method!r}")
    dims = [int(n) for n in layer_dims]
    if len(dims) < 2:
        raise ValueError(f"layer_dims needs at least an input and an output size, got {layer_dims!r}")
    rng = np.random.default_rng(seed)
    params = {}
    for layer in range(1, len(dims)):
        fan_in, fan_out = dims[layer - 1], dims[layer]
        if method == "zeros":
            params[f"W{layer}"] = np.zeros((fan_in, fan_out))
        else:
            params[f"W{layer}"] = scales[method](fan_in) * rng.standard_normal((fan_in, fan_out))
        params[f"b{layer}"] = np.zeros(fan_out)
    return params


# --------------------------------------------------------------------------- dropout
def dropout_forward(x, dropout_param):
    """Inverted dropout forward pass.

    Inputs:
    - x: array of any shape.
    - dropout_param: dict with
      - p: probability of KEEPING each unit, 0 < p <= 1;
      - mode: 'train' (drop and rescale) or 'test' (identity);
      - seed (optional): when present, np.random.seed(seed) is called first (deterministic masks).
    Returns a tuple of:
    - out: same shape as x; at train time x * mask with mask entries 0 or 1 / p, at test time x.
    - cache: (dropout_param, mask), mask already scaled by 1 / p (None at test time).
    """
    return _dropout_forward(x, dropout_param)


def dropout_backward(dout, cache):
    """Inverted dropout backward pass.

    Inputs:
    - dout: upstream derivative, same shape as x.
    - cache: (dropout_param, mask) from dropout_forward.
    Returns:
    - dx: dout * mask at train time (the same mask as the forward pass), dout at test time.
    """
    return _dropout_backward(dout, cache)


# --------------------------------------------------------------------------- networks
def _l2_penalty(params, num_layers):
    return sum(np.sum(params[f"W{i}"] * params[f"W{i}"]) for i in range(1, num_layers + 1))


class TwoLayerNet:
    """affine - relu - affine - softmax, with parameters in ``self.params``.

    W1 (input_dim, hidden_dim), b1 (hidden_dim,), W2 (hidden_dim, num_classes), b2 (num_classes,);
    weights drawn as weight_scale * standard normal, biases zero. The loss adds
    0.5 * reg * (sum(W1 * W1) + sum(W2 * W2)).
    """

    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0):
        self.reg = reg
        self.params = {
            "W1": weight_scale * np.random.randn(input_dim, hidden_dim),
            "b1": np.zeros(hidden_dim),
            "W2": weight_scale * np.random.randn(hidden_dim, num_classes),
            "b2": np.zeros(num_classes),
        }

    def loss(self, X, y=None):
        """Scores, or loss and gradients.

        Inputs:
        - X: (N, d_1, ..., d_k) data.
        - y: (N,) integer labels, or None.
        Returns:
        - without y: scores, (N, num_classes).
        - with y: (loss, grads), grads a dict with the keys of self.params and their shapes.
        """
        p = self.params
        hidden, cache1 = _affine_forward(X, p["W1"], p["b1"])
        hidden_relu, cache_relu = _relu_forward(hidden)
        scores, cache2 = _affine_forward(hidden_relu, p["W2"], p["b2"])
        if y is None:
            return scores
        loss, dscores = _softmax_loss(scores, y)
        loss += 0.5 * self.reg * _l2_penalty(p, 2)
        grads = {}
        dhidden_relu, grads["W2"], grads["b2"] = _affine_backward(dscores, cache2)
        dhidden = _relu_backward(dhidden_relu, cache_relu)
        _, grads["W1"], grads["b1"] = _affine_backward(dhidden, cache1)
        grads["W1"] = grads["W1"] + self.reg * p["W1"]
        grads["W2"] = grads["W2"] + self.reg * p["W2"]
        return float(loss), grads


_NORMALIZATIONS = {
    None: None,
    "batchnorm": (_bn._batchnorm_forward, _bn._batchnorm_backward_alt),
    "layernorm": (_bn._layernorm_forward, _bn._layernorm_backward),
}


class FullyConnectedNet:
    """{affine - [norm] - relu - [dropout]} x (L - 1) - affine - softmax, parameters in ``self.params``.

    hidden_dims: list of hidden sizes; W1 ... WL, b1 ... bL with WL (hidden_dims[-1], num_classes).
    dropout_keep_ratio: keep probability of the dropout after each ReLU (1: no dropout).
    normalization: None, "batchnorm" or "layernorm" (notebook 07): hidden layer l normalizes its
      pre-activations with gamma_l (ones) and beta_l (zeros), each (hidden_dims[l - 1],), kept in
      self.params as gamma1, beta1, ...; self.bn_params holds one dict per hidden layer
      ({"mode": "train"} for batch norm, carrying its running statistics; {} for layer norm).
      loss(X) runs batch norm in test mode, loss(X, y) in train mode.
    seed: makes the dropout masks deterministic (passed as dropout_param["seed"]).
    The loss adds 0.5 * reg * sum over l of sum(Wl * Wl); biases, gammas and betas are not regularised.
    """

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,
                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):
        if normalization not in _NORMALIZATIONS:
            raise ValueError(f"normalization must be None, 'batchnorm' or 'layernorm', got {normalization!r}")
        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}
        dims = [input_dim, *hidden_dims, num_classes]
        for i in range(1, self.num_layers + 1):
            self.params[f"W{i}"] = weight_scale * np.random.randn(dims[i - 1], dims[i])
            self.params[f"b{i}"] = np.zeros(dims[i])
        self.bn_params = []
        if normalization is not None:
            for i in range(1, self.num_layers):
                self.params[f"gamma{i}"] = np.ones(dims[i])
                self.params[f"beta{i}"] = np.zeros(dims[i])
            self.bn_params = [{"mode": "train"} if normalization == "batchnorm" else {}
                              for _ in range(self.num_layers - 1)]
        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
            if seed is not None:
                self.dropout_param["seed"] = seed
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        """Scores, or loss and gradients; inputs and outputs as TwoLayerNet.loss."""
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"
        if self.use_dropout:
            self.dropout_param["mode"] = mode
        if self.normalization == "batchnorm":
            for bn_param in self.bn_params:
                bn_param["mode"] = mode
        p, L = self.params, self.num_layers
        caches = []
        h = X
        for i in range(1, L):
            h, c_aff = _affine_forward(h, p[f"W{i}"], p[f"b{i}"])
            c_norm = None
            if self.normalization is not None:
                forward = _NORMALIZATIONS[self.normalization][0]
                h, c_norm = forward(h, p[f"gamma{i}"], p[f"beta{i}"], self.bn_params[i - 1])
            h, c_relu = _relu_forward(h)
            c_drop = None
            if self.use_dropout:
                h, c_drop = _dropout_forward(h, self.dropout_param)
            caches.append((c_aff, c_norm, c_relu, c_drop))
        scores, c_last = _affine_forward(h, p[f"W{L}"], p[f"b{L}"])
        if mode == "test":
            return scores
        loss, dscores = _softmax_loss(scores, y)
        loss += 0.5 * self.reg * _l2_penalty(p, L)
        grads = {}
        dh, grads[f"W{L}"], grads[f"b{L}"] = _affine_backward(dscores, c_last)
        for i in range(L - 1, 0, -1):
            c_aff, c_norm, c_relu, c_drop = caches[i - 1]
            if self.use_dropout:
                dh = _dropout_backward(dh, c_drop)
            dh = _relu_backward(dh, c_relu)
            if self.normalization is not None:
                backward = _NORMALIZATIONS[self.normalization][1]
                dh, grads[f"gamma{i}"], grads[f"beta{i}"] = backward(dh, c_norm)
            dh, grads[f"W{i}"], grads[f"b{i}"] = _affine_backward(dh, c_aff)
        for i in range(1, L + 1):
            grads[f"W{i}"] = grads[f"W{i}"] + self.reg * p[f"W{i}"]
        return float(loss), grads


from checker.reference import guard_module  # noqa: E402

guard_module(__name__)
