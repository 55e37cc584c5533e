"""``FullyConnectedNet`` with ``normalization="batchnorm"`` or ``"layernorm"`` (task ``bn.FullyConnectedNet``).

Notebook 05's task ``nn.FullyConnectedNet`` checks the network without normalization (a class that
refuses the other values is right there); here the same class is extended. Checked through
``adapters.normalized_network``: the class is built, given the case's float64 parameters (``W``,
``b``, ``gamma``, ``beta`` per layer), asked for ``loss(X, y)`` twice (train mode, the running
averages move) and then for ``loss(X_test)`` (test mode). The gradients of every parameter are
checked against the numerical gradient of the learner's own loss, the network as a whole. The data
keep every normalized hidden pre-activation away from ReLU's kink.
"""

import numpy as np

from checker import adapters
from checker.reference import bn as bn_ref
from checker.reference import nn as nn_ref
from checker.spec import Case, Gradient, Task
from checker.topics.bn.common import mistake, t
from checker.topics.layer_cases import redraw_where
from checker.topics.nn.losses import labels
from checker.topics.nn.networks import NET_HINTS

NETWORKS = [
    (("batch norm, 8 samples, 5 -> [7, 6] -> 3, reg 0; test batch of 4", "批归一化，8 个样本，5 -> [7, 6] -> 3，reg 0；测试批次 4 个"),
     "batchnorm", 8, 5, [7, 6], 3, 0.0, None),
    (("batch norm, 10 images (2, 2, 3), 12 -> [8, 5] -> 4, reg 0.1", "批归一化，10 张图像 (2, 2, 3)，12 -> [8, 5] -> 4，reg 0.1"),
     "batchnorm", 10, 12, [8, 5], 4, 0.1, (2, 2, 3)),
    (("layer norm, 6 samples, 5 -> [7, 6] -> 3, reg 0.2", "层归一化，6 个样本，5 -> [7, 6] -> 3，reg 0.2"),
     "layernorm", 6, 5, [7, 6], 3, 0.2, None),
    (("layer norm, one sample (N = 1), 4 -> [6] -> 3, reg 0", "层归一化，只有一个样本（N = 1），4 -> [6] -> 3，reg 0"),
     "layernorm", 1, 4, [6], 3, 0.0, None),
]


# =========================================================================== cases
def _normalized_preactivations(params, X, normalization, num_layers):
    """Every hidden layer's input to the ReLU, train mode."""
    forward = bn_ref._batchnorm_forward if normalization == "batchnorm" else bn_ref._layernorm_forward
    h, pre = X.reshape(X.shape[0], -1), []
    for i in range(1, num_layers):
        z, _ = forward(h @ params[f"W{i}"] + params[f"b{i}"], params[f"gamma{i}"], params[f"beta{i}"], {"mode": "train"})
        pre.append(z)
        h = np.maximum(z, 0)
    return pre


def normalized_network_cases(rng):
    for label, normalization, N, D, hidden, C, reg, image in NETWORKS:
        dims = [D, *hidden, C]
        params = {}
        for i in range(1, len(dims)):
            params[f"W{i}"] = rng.normal(scale=1.0 / np.sqrt(dims[i - 1]), size=(dims[i - 1], dims[i]))
            params[f"b{i}"] = rng.normal(scale=0.1, size=dims[i])
            if i < len(dims) - 1:
                params[f"gamma{i}"] = rng.uniform(0.5, 2.0, size=dims[i])
                params[f"beta{i}"] = rng.normal(scale=0.5, size=dims[i])
        shape = image or (D,)

        def near_the_kink(X):
            pre = _normalized_preactivations(params, X, normalization, len(dims) - 1)
            bad = np.zeros(X.shape[0], dtype=bool)
            for z in pre:
                bad |= np.any(np.abs(z) < 0.02, axis=1)
            # batch statistics tie the rows together: redraw the whole batch
            return np.full(X.shape[0], bad.any())

        X = redraw_where(rng.normal(size=(N, *shape)), near_the_kink, lambda n: rng.normal(size=(n, *shape)),
                         "a batch away from ReLU's kink")
        X_test = 0.5 + 1.5 * rng.normal(size=(4, *shape))  # a test batch that is not like the training one
        init = {"hidden_dims": list(hidden), "input_dim": D, "num_classes": C, "dropout_keep_ratio": 1,
                "normalization": normalization, "reg": reg, "weight_scale": 1e-2, "dtype": "float64", "seed": 0}
        yield Case(label, init, params, X, labels(rng, N, C), X_test)


# =========================================================================== known mistakes
class _MistakeNet(nn_ref.FullyConnectedNet):
    """The reference network with one thing changed; subclasses say what."""

    after_relu = False
    test_with_batch_statistics = False
    regularise_gamma = False
    fresh_bn_params = False

    def loss(self, X, y=None):
        if self.fresh_bn_params:  # the running statistics are not kept between calls
            self.bn_params = [{"mode": "train"} if self.normalization == "batchnorm" else {} for _ in self.bn_params]
        if y is None and self.test_with_batch_statistics:
            return self._scores(X, "train")
        if y is None:
            return self._scores(X, "test")
        loss, grads = self._train(X, y)
        return loss, grads

    def _layers(self, i):
        forward = bn_ref._batchnorm_forward if self.normalization == "batchnorm" else bn_ref._layernorm_forward
        backward = bn_ref._batchnorm_backward if self.normalization == "batchnorm" else bn_ref._layernorm_backward
        return forward, backward

    def _scores(self, X, mode):
        return self._run(X, mode)[0]

    def _run(self, X, mode):
        p, L = self.params, self.num_layers
        for bn_param in self.bn_params:
            if self.normalization == "batchnorm":
                bn_param["mode"] = mode
        h, caches = X.reshape(X.shape[0], -1), []
        for i in range(1, L):
            forward, _ = self._layers(i)
            z = h @ p[f"W{i}"] + p[f"b{i}"]
            if self.after_relu:
                a = np.maximum(z, 0)
                out, c = forward(a, p[f"gamma{i}"], p[f"beta{i}"], self.bn_params[i - 1])
                caches.append((h, z, c, None))
                h = out
            else:
                n, c = forward(z, p[f"gamma{i}"], p[f"beta{i}"], self.bn_params[i - 1])
                caches.append((h, n, c, None))
                h = np.maximum(n, 0)
        return h @ p[f"W{L}"] + p[f"b{L}"], (caches, h)

    def _train(self, X, y):
        p, L = self.params, self.num_layers
        scores, (caches, h_last) = self._run(X, "train")
        loss, d = nn_ref._softmax_loss(scores, y)
        grads = {f"W{L}": h_last.T @ d, f"b{L}": d.sum(axis=0)}
        d = d @ p[f"W{L}"].T
        for i in range(L - 1, 0, -1):
            h_in, gate, c, _ = caches[i - 1]
            _, backward = self._layers(i)
            if self.after_relu:
                d, grads[f"gamma{i}"], grads[f"beta{i}"] = backward(d, c)
                d = d * (gate > 0)
            else:
                d = d * (gate > 0)
                d, grads[f"gamma{i}"], grads[f"beta{i}"] = backward(d, c)
            grads[f"W{i}"], grads[f"b{i}"] = h_in.T @ d, d.sum(axis=0)
            d = d @ p[f"W{i}"].T
        penalised = [f"W{i}" for i in range(1, L + 1)] + ([f"gamma{i}" for i in range(1, L)] if self.regularise_gamma else [])
        for name in penalised:
            loss += 0.5 * self.reg * np.sum(p[name] * p[name])
            grads[name] = grads[name] + self.reg * p[name]
        return float(loss), grads


class _NormAfterRelu(_MistakeNet):
    after_relu = True


class _TestWithBatchStatistics(_MistakeNet):
    test_with_batch_statistics = True


class _RegularisesGamma(_MistakeNet):
    regularise_gamma = True


class _FreshBnParams(_MistakeNet):
    fresh_bn_params = True


NETWORK_MISTAKES = [
    mistake("the normalization comes after the ReLU instead of before it (affine - relu - norm)",
            "归一化放在了 ReLU 之后，而不是之前（affine - relu - norm）", _NormAfterRelu,
            "Normalize the pre-activations: affine - norm - relu, in every hidden layer (the notes' choice, and CS231n's).",
            "对激活之前的值做归一化：每个隐藏层都是 affine - norm - relu（笔记和 CS231n 的做法）。"),
    mistake("loss(X) (test time) normalizes with the test batch's statistics instead of the running averages",
            "loss(X)（测试时）用了测试批次自己的统计量，而不是滑动平均", _TestWithBatchStatistics,
            "Set bn_param['mode'] = 'test' in every bn_param when y is None, and 'train' when y is given.",
            "y 为 None 时把每个 bn_param['mode'] 设为 'test'，给出 y 时设为 'train'。"),
    mistake("gamma is regularised like a weight matrix", "gamma 像权重矩阵一样被正则化了", _RegularisesGamma,
            "Only W1, W2, ... are penalised: gamma and beta, like the biases, are not.",
            "只对 W1、W2……做正则化：gamma 和 beta 与偏置一样不做正则化。"),
    mistake("the running statistics are not kept on the model (a new bn_param in every call of loss)",
            "滑动统计量没有保存在模型里（每次调用 loss 都新建 bn_param）", _FreshBnParams,
            "Create self.bn_params once in __init__ (one dict per hidden layer) and pass the same dicts in every call: "
            "they carry the running averages that test time uses.",
            "在 __init__ 中只创建一次 self.bn_params（每个隐藏层一个字典），每次调用都传同一些字典：它们带着测试时要用的滑动平均。"),
]

NETWORK_GRADIENTS = [Gradient("loss", f"grads.{p}{i}", f"params.{p}{i}", max_entries=12)
                     for i in range(1, 4) for p in ("W", "b", "gamma", "beta")]

NETWORK_HINTS = dict(NET_HINTS, wrong_type=t(
    "loss(X, y) returns (loss, grads) with grads keyed like self.params (gamma1, beta1, ... included); loss(X) "
    "returns the scores (N, num_classes).",
    "loss(X, y) 返回 (loss, grads)，grads 的键与 self.params 相同（包括 gamma1、beta1……）；loss(X) 返回得分 (N, num_classes)。"))

TASK = Task("bn.FullyConnectedNet", cases=normalized_network_cases, outputs=("loss", "grads", "test_scores"),
            adapter=adapters.normalized_network, regularization="init.reg",
            gradients=NETWORK_GRADIENTS, mistakes=NETWORK_MISTAKES, hints=NETWORK_HINTS, time_limit=20.0)
