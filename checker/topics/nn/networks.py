"""Notebook 05's networks: ``TwoLayerNet`` and ``FullyConnectedNet``, checked through
``adapters.network_loss_and_seeded_init`` (the class is built twice after the same ``np.random.seed``,
its own parameters judged by properties, then given the case's float64 parameters and asked for
``loss(X)`` and ``loss(X, y)``). Gradients are checked against the numerical gradient of the
learner's own loss; the data keep every hidden pre-activation away from ReLU's kink, so that the
numerical gradients do not cross it. With dropout the training loss is random (any mask-drawing
code is right), so those cases judge ``loss(X)`` alone: the scores without dropout.
"""

import numpy as np

from checker import adapters
from checker.compare import allclose
from checker.precision import computed_in_float32
from checker.spec import Case, Gradient, KnownMistake, Property, Task
from checker.topics.layer_cases import redraw_where
from checker.topics.nn.initial import INIT_PROPERTIES, Unchecked
from checker.topics.nn.losses import labels


# =========================================================================== cases
def _hidden_preactivations(params, X, num_layers):
    h, pre = X.reshape(X.shape[0], -1), []
    for i in range(1, num_layers):
        z = h @ params[f"W{i}"] + params[f"b{i}"]
        pre.append(z)
        h = np.maximum(z, 0)
    return pre


def _network_data(rng, dims, N, image_shape=None, gap=0.02):
    """float64 params for layer sizes ``dims`` and data X (N, ...) whose hidden pre-activations
    all stay at least ``gap`` from ReLU's kink."""
    params = {}
    for i in range(1, len(dims)):
        params[f"W{i}"] = rng.normal(scale=1.0 / np.sqrt(dims[i - 1]), size=(dims[i - 1], dims[i]))
        params[f"b{i}"] = rng.normal(scale=0.1, size=dims[i])
    shape = image_shape or (dims[0],)

    def near_the_kink(X):
        bad = np.zeros(N, dtype=bool)
        for z in _hidden_preactivations(params, X, len(dims) - 1):
            bad |= np.any(np.abs(z) < gap, axis=1)
        return bad

    X = redraw_where(rng.normal(size=(N, *shape)), near_the_kink, lambda n: rng.normal(size=(n, *shape)),
                     "data away from ReLU's kink")
    return params, X


TWO_LAYER = [
    (("5 samples, 4 -> 6 -> 3, reg 0", "5 个样本，4 -> 6 -> 3，reg 0"), 5, 4, 6, 3, 0.0, None),
    (("one sample (N = 1), 5 -> 7 -> 4, reg 0.1", "只有一个样本（N = 1），5 -> 7 -> 4，reg 0.1"), 1, 5, 7, 4, 0.1, None),
    (("8 images (3, 2, 2), 12 -> 10 -> 5, reg 0.5", "8 张图像 (3, 2, 2)，12 -> 10 -> 5，reg 0.5"), 8, 12, 10, 5, 0.5, (3, 2, 2)),
    (("10 samples, 6 -> 9 -> 4, reg 0.05", "10 个样本，6 -> 9 -> 4，reg 0.05"), 10, 6, 9, 4, 0.05, None),
]


def two_layer_cases(rng):
    for label, N, D, H, C, reg, image in TWO_LAYER:
        params, X = _network_data(rng, [D, H, C], N, image)
        init = {"input_dim": D, "hidden_dim": H, "num_classes": C, "weight_scale": 1e-3, "reg": reg}
        yield Case(label, init, params, X, labels(rng, N, C))


FULLY_CONNECTED = [
    (("6 samples, 5 -> [7, 6] -> 3, reg 0", "6 个样本，5 -> [7, 6] -> 3，reg 0"), 6, 5, [7, 6], 3, 0.0, None),
    (("one sample (N = 1), 4 -> [6] -> 3, reg 0.2", "只有一个样本（N = 1），4 -> [6] -> 3，reg 0.2"), 1, 4, [6], 3, 0.2, None),
    (("7 images (2, 2, 3), 12 -> [8, 9, 5] -> 4, reg 0.1", "7 张图像 (2, 2, 3)，12 -> [8, 9, 5] -> 4，reg 0.1"),
     7, 12, [8, 9, 5], 4, 0.1, (2, 2, 3)),
    (("9 samples, 6 -> [10, 4] -> 5, reg 1.0", "9 个样本，6 -> [10, 4] -> 5，reg 1.0"), 9, 6, [10, 4], 5, 1.0, None),
]


# label, N, D, hidden, C, keep ratio: dropout cases judge loss(X), the test-time scores
WITH_DROPOUT = [
    (("5 samples, 6 -> [8, 7] -> 3, dropout_keep_ratio 0.5", "5 个样本，6 -> [8, 7] -> 3，dropout_keep_ratio 0.5"),
     5, 6, [8, 7], 3, 0.5),
    (("4 samples, 5 -> [9] -> 4, dropout_keep_ratio 0.75", "4 个样本，5 -> [9] -> 4，dropout_keep_ratio 0.75"),
     4, 5, [9], 4, 0.75),
]


def fully_connected_cases(rng):
    def init(D, hidden, C, reg=0.0, keep=1):
        return {"hidden_dims": list(hidden), "input_dim": D, "num_classes": C, "dropout_keep_ratio": keep,
                "normalization": None, "reg": reg, "weight_scale": 1e-2, "dtype": "float64", "seed": 0}

    for label, N, D, hidden, C, reg, image in FULLY_CONNECTED:
        params, X = _network_data(rng, [D, *hidden, C], N, image)
        yield Case(label, init(D, hidden, C, reg), params, X, labels(rng, N, C))
    for label, N, D, hidden, C, keep in WITH_DROPOUT:
        params, X = _network_data(rng, [D, *hidden, C], N)
        yield Case(label, init(D, hidden, C, keep=keep), params, X, labels(rng, N, C))


def _with_dropout(case) -> bool:
    return case.args[0].get("dropout_keep_ratio", 1) != 1


class NetworkTask(Task):
    """The constructor's parameters are judged by properties; so is everything but ``loss(X)`` in a
    case with dropout (the training loss depends on the learner's own random mask)."""

    def interpret(self, result, case):
        if not (isinstance(result, tuple) and len(result) == 4):
            return result
        scores, loss, grads, initial = result
        if _with_dropout(case):
            return Unchecked(scores), Unchecked(loss), Unchecked(grads), Unchecked(initial)
        return scores, loss, grads, Unchecked(initial)


def test_scores_without_dropout(got, expected, case, call):
    """loss(X) of a network with dropout: the reference's scores, the same at every call."""
    if not _with_dropout(case):
        return None
    scores, want = np.asarray(got["scores"].value), np.asarray(expected["scores"].value)
    if scores.shape != want.shape or scores.dtype.kind not in "biuf":
        return (f"loss(X) returned {scores.dtype} of shape {scores.shape}, expected scores of shape {want.shape}",
                f"loss(X) 返回了形状为 {scores.shape} 的 {scores.dtype}，应当是形状为 {want.shape} 的得分")
    float32 = computed_in_float32(scores)
    if allclose(want, scores, 1e-7, 1e-9, float32):
        return None
    keep = case.args[0]["dropout_keep_ratio"]
    again = np.asarray(call()["scores"].value)
    without = np.asarray(call(init=dict(case.args[0], dropout_keep_ratio=1))["scores"])
    if again.shape != scores.shape or not np.array_equal(again, scores):
        changed = int(np.sum(again != scores)) if again.shape == scores.shape else scores.size
        return (f"two calls of loss(X) gave scores that differ in {changed} of {scores.size} entries: dropout is still "
                f"on at test time (dropout_keep_ratio = {keep})",
                f"两次调用 loss(X) 得到的得分有 {changed} 个（共 {scores.size} 个）不同：测试时 dropout 仍然开着"
                f"（dropout_keep_ratio = {keep}）")
    if without.shape == want.shape and allclose(want, without, 1e-7, 1e-9, float32):
        return (f"loss(X) with dropout_keep_ratio = {keep} gives other scores than with 1: at test time (no y) the "
                "network must run without dropout",
                f"dropout_keep_ratio = {keep} 时 loss(X) 的得分与取 1 时不同：测试时（没有 y）网络不能使用 dropout")
    wrong = int(np.sum(~np.isclose(scores, want, rtol=1e-5, atol=1e-8)))
    return (f"loss(X) differs from the expected scores in {wrong} of {scores.size} entries",
            f"loss(X) 与期望的得分有 {wrong} 个（共 {scores.size} 个）元素不同")


# =========================================================================== known mistakes
class _MistakeNet:
    """A small reference-like network with one thing changed; subclasses say what."""

    relu_on_scores = False
    reg_biases = False
    reg_factor = 0.5  # the penalty is reg_factor * reg * sum(W * W), its gradient 2 * reg_factor * reg * W
    differentiate_penalty = True

    def __init__(self, **init):
        dims = self._dims(init)
        self.reg = init.get("reg", 0.0)
        self.num_layers = len(dims) - 1
        self.params = {}
        for i in range(1, len(dims)):
            self.params[f"W{i}"] = np.zeros((dims[i - 1], dims[i]))
            self.params[f"b{i}"] = np.zeros(dims[i])

    @staticmethod
    def _dims(init):
        if "hidden_dims" in init:
            return [init["input_dim"], *init["hidden_dims"], init["num_classes"]]
        return [init["input_dim"], init["hidden_dim"], init["num_classes"]]

    def _penalised(self):
        names = [f"W{i}" for i in range(1, self.num_layers + 1)]
        return names + ([f"b{i}" for i in range(1, self.num_layers + 1)] if self.reg_biases else [])

    def loss(self, X, y=None):
        p, L = self.params, self.num_layers
        h = X.reshape(X.shape[0], -1)
        inputs, pre = [], []
        for i in range(1, L + 1):
            inputs.append(h)
            z = h @ p[f"W{i}"] + p[f"b{i}"]
            pre.append(z)
            h = np.maximum(z, 0) if (i < L or self.relu_on_scores) else z
        scores = h
        if y is None:
            return scores
        N = X.shape[0]
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -log_p[np.arange(N), y].sum() / N
        d = np.exp(log_p)
        d[np.arange(N), y] -= 1.0
        d /= N
        grads = {}
        for i in range(L, 0, -1):
            if i < L or self.relu_on_scores:
                d = d * (pre[i - 1] > 0)
            grads[f"W{i}"] = inputs[i - 1].T @ d
            grads[f"b{i}"] = d.sum(axis=0)
            d = d @ p[f"W{i}"].T
        for name in self._penalised():
            loss += self.reg_factor * self.reg * np.sum(p[name] * p[name])
            if self.differentiate_penalty:
                grads[name] = grads[name] + 2 * self.reg_factor * self.reg * p[name]
        return float(loss), grads


class _NetRegularisesBiases(_MistakeNet):
    reg_biases = True


class _NetLinearClassifierPenalty(_MistakeNet):
    reg_factor = 1.0


class _NetReluOnScores(_MistakeNet):
    relu_on_scores = True


class _NetGradientsWithoutPenalty(_MistakeNet):
    differentiate_penalty = False


NET_GRADIENTS = [Gradient("loss", f"grads.{p}{i}", f"params.{p}{i}") for i in range(1, 5) for p in ("W", "b")]
NET_HINTS = {
    "gradient": ("grads disagree with the numerical gradient of your own loss: check every layer's backward "
                 "step and that each penalty term in the loss has its derivative reg * W in grads.",
                 "grads 与你自己的损失的数值梯度不一致：检查每一层的反向传播，并确认损失中的每个正则项都在 grads 中有对应的导数 reg * W。"),
    "missing_regularization": ("Add 0.5 * reg * np.sum(W * W) for every weight matrix to the loss, and reg * W to its gradient.",
                               "对每个权重矩阵在损失中加上 0.5 * reg * np.sum(W * W)，并在其梯度中加上 reg * W。"),
    "regularization_scale": ("Networks use 0.5 * reg * np.sum(W * W) (gradient reg * W), not the linear classifiers' "
                             "reg * np.sum(W * W).",
                             "网络使用 0.5 * reg * np.sum(W * W)（梯度为 reg * W），而不是线性分类器的 reg * np.sum(W * W)。"),
    "wrong_type": ("loss(X) returns the scores; loss(X, y) returns (loss, grads) with grads a dict with the keys of "
                   "self.params.",
                   "loss(X) 返回得分；loss(X, y) 返回 (loss, grads)，grads 是与 self.params 键相同的字典。"),
    "exception": ("The checker builds your class with the init arguments shown, puts the case's parameters into "
                  "self.params and calls loss(X) and loss(X, y); X may be images (N, d1, d2, d3).",
                  "检查器用所示的初始化参数构造你的类，把用例的参数放进 self.params，再调用 loss(X) 和 loss(X, y)；"
                  "X 可能是图像 (N, d1, d2, d3)。"),
}
NET_MISTAKES = [
    KnownMistake(("the biases are regularised too", "偏置也被正则化了"), _NetRegularisesBiases,
                 ("Only the weight matrices W1, W2, ... are penalised, never the biases.",
                  "只对权重矩阵 W1、W2……做正则化，不对偏置做。")),
    KnownMistake(("the penalty is reg * sum(W * W) (the linear classifiers' convention) instead of 0.5 * reg * sum(W * W)",
                  "正则项写成了 reg * sum(W * W)（线性分类器的约定），而不是 0.5 * reg * sum(W * W)"),
                 _NetLinearClassifierPenalty,
                 ("Networks here use 0.5 * reg * np.sum(W * W), so that its gradient is reg * W.",
                  "这里的网络使用 0.5 * reg * np.sum(W * W)，它的梯度是 reg * W。")),
    KnownMistake(("the weight gradients lack the penalty's derivative reg * W", "权重的梯度中缺少正则项的导数 reg * W"),
                 _NetGradientsWithoutPenalty,
                 ("After backpropagation add reg * W to every grads['W...'] (the biases get nothing).",
                  "反向传播之后，给每个 grads['W...'] 加上 reg * W（偏置不加）。")),
    KnownMistake(("a ReLU is applied to the final scores", "对最后的得分也用了 ReLU"), _NetReluOnScores,
                 ("The last affine layer feeds the softmax directly: no ReLU after it.",
                  "最后一个仿射层直接接 softmax：它后面没有 ReLU。")),
]

TEST_MODE = Property(("loss(X) runs without dropout", "loss(X) 不使用 dropout"), test_scores_without_dropout,
                     ("Without y the network is at test time: set self.dropout_param['mode'] = 'test' before the "
                      "forward pass (and 'train' when y is given).",
                      "没有 y 时是测试阶段：前向传播之前设置 self.dropout_param['mode'] = 'test'（有 y 时设为 'train'）。"))
TASKS = [
    NetworkTask(f"nn.{name}", cases=cases, outputs=("scores", "loss", "grads", "initial"),
                adapter=adapters.network_loss_and_seeded_init, regularization="init.reg", gradients=gradients,
                mistakes=NET_MISTAKES, hints=NET_HINTS, properties=properties, time_limit=20.0)
    for name, cases, gradients, properties in [
        ("TwoLayerNet", two_layer_cases, NET_GRADIENTS[:4], INIT_PROPERTIES),
        ("FullyConnectedNet", fully_connected_cases, NET_GRADIENTS, [*INIT_PROPERTIES, TEST_MODE])]
]
