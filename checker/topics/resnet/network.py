"""Notebook 10's ``ResNet`` class, checked through ``adapters.network_loss_and_init``: the class is
built from the case's ``init`` twice (its own initial parameters are judged by properties), then
given the case's float64 parameters and asked for ``loss(X)`` and ``loss(X, y)``.

The constructor's properties: exactly the reference's keys and shapes, zero biases, weights with
He's standard deviation ``sqrt(2 / fan_in)`` (``weight_scale`` when given), and the same network
twice for the same seed. The data keep every pre-activation away from ReLU's kink, so that the
numerical gradients of the learner's own loss do not cross it.
"""

import numpy as np

from checker import adapters
from checker.reference.resnet import ResNet, _features_backward, _features_forward, _softmax_loss
from checker.spec import Case, Gradient, KnownMistake, Property, Task
from checker.topics.layer_cases import redraw_where
from checker.topics.nn.initial import Unchecked
from checker.topics.nn.losses import labels
from checker.topics.nn.networks import NET_HINTS
from checker.topics.resnet.initial import INIT_PROPERTIES

# label, N, input_dim, num_filters, num_blocks, num_classes, residual, reg, weight_scale
NETWORKS = [
    (("2 images 1 x 5 x 6, 3 filters, 2 residual blocks, reg 0", "2 张 1 x 5 x 6 的图像，3 个滤波器，2 个残差块，reg 0"),
     2, (1, 5, 6), 3, 2, 4, True, 0.0, None),
    (("one image (N = 1) 2 x 4 x 4, 4 filters, 1 residual block, reg 0.1",
      "只有一张图像（N = 1）2 x 4 x 4，4 个滤波器，1 个残差块，reg 0.1"), 1, (2, 4, 4), 4, 1, 3, True, 0.1, None),
    (("3 images 1 x 6 x 5, residual=False (the plain net), 2 blocks, reg 0.05",
      "3 张 1 x 6 x 5 的图像，residual=False（普通网络），2 个块，reg 0.05"), 3, (1, 6, 5), 3, 2, 5, False, 0.05, None),
    (("4 images 1 x 4 x 5, 2 filters, 3 residual blocks, reg 0.2, weight_scale 0.05",
      "4 张 1 x 4 x 5 的图像，2 个滤波器，3 个残差块，reg 0.2，weight_scale 0.05"), 4, (1, 4, 5), 2, 3, 3, True, 0.2, 0.05),
    (("2 images 1 x 5 x 5, residual=False, 4 filters, 2 blocks, reg 0",
      "2 张 1 x 5 x 5 的图像，residual=False，4 个滤波器，2 个块，reg 0"), 2, (1, 5, 5), 4, 2, 4, False, 0.0, None),
]


def _case_params(rng, C, F, num_blocks, num_classes):
    params = {"W0": rng.normal(scale=1 / np.sqrt(C * 9), size=(F, C, 3, 3)), "b0": rng.normal(scale=0.1, size=F)}
    for i in range(1, num_blocks + 1):
        for k in ("1", "2"):
            params[f"B{i}_W{k}"] = rng.normal(scale=0.7 / np.sqrt(F * 9), size=(F, F, 3, 3))
            params[f"B{i}_b{k}"] = rng.normal(scale=0.1, size=F)
    params["W_out"] = rng.normal(scale=1 / np.sqrt(F), size=(F, num_classes))
    params["b_out"] = rng.normal(scale=0.1, size=num_classes)
    return params


def _near_a_kink(params, residual, gap=1e-3):
    def bad(X):
        _, (a0, _, blocks, _) = _features_forward(params, X, residual)
        pre = [a0] + [a for cache in blocks for a in (cache[0], cache[5])]
        return np.any([np.any(np.abs(a) < gap, axis=(1, 2, 3)) for a in pre], axis=0)

    return bad


def resnet_cases(rng):
    for label, N, input_dim, F, blocks, C_out, residual, reg, scale in NETWORKS:
        params = _case_params(rng, input_dim[0], F, blocks, C_out)
        X = redraw_where(rng.normal(size=(N, *input_dim)), _near_a_kink(params, residual),
                         lambda n: rng.normal(size=(n, *input_dim)), "images away from ReLU's kink")
        init = {"input_dim": list(input_dim), "num_filters": F, "num_blocks": blocks, "num_classes": C_out,
                "residual": residual, "weight_scale": scale, "reg": reg, "dtype": "float64",
                "seed": int(rng.integers(0, 10_000))}
        yield Case(label, init, params, X, labels(rng, N, C_out))


# --------------------------------------------------------------------------- known mistakes
class _MistakeResNet(ResNet):
    """The reference network with one thing changed; subclasses say what."""

    force_residual = None  # True: shortcuts whatever residual says; False: never any
    penalised = staticmethod(lambda name: "W" in name)
    reg_in_grads = True

    def __init__(self, **init):
        super().__init__(**init)
        if self.force_residual is not None:
            self.residual = self.force_residual

    def loss(self, X, y=None):
        p = self.params
        features, caches = _features_forward(p, np.asarray(X, dtype=np.float64), self.residual)
        scores = features @ p["W_out"] + p["b_out"]
        if y is None:
            return scores
        loss, dscores = _softmax_loss(scores, y)
        grads = {"W_out": features.T @ dscores, "b_out": dscores.sum(axis=0)}
        _features_backward(dscores @ p["W_out"].T, caches, grads)
        for name in p:
            if self.penalised(name):
                loss += 0.5 * self.reg * float(np.sum(p[name] ** 2))
                if self.reg_in_grads:
                    grads[name] = grads[name] + self.reg * p[name]
        return loss, grads


class _AlwaysResidual(_MistakeResNet):
    force_residual = True


class _NeverResidual(_MistakeResNet):
    force_residual = False


class _BiasesPenalised(_MistakeResNet):
    penalised = staticmethod(lambda name: True)


class _PenaltyNotDifferentiated(_MistakeResNet):
    reg_in_grads = False


class _OnlyHeadPenalised(_MistakeResNet):
    penalised = staticmethod(lambda name: name == "W_out")


class ResNetTask(Task):
    """The constructor's own parameters are judged by properties, not compared by value."""

    def interpret(self, result, case):
        if isinstance(result, tuple) and len(result) == 4:
            return (*result[:3], Unchecked(result[3]))
        return result


RESNET_MISTAKES = [
    KnownMistake(("residual=False still adds the shortcuts", "residual=False 时仍然加上了捷径"), _AlwaysResidual,
                 ("With residual=False each block is relu(conv(relu(conv(x)))): the same layers without the "
                  "shortcut (give your block a flag, or write the plain block next to it).",
                  "residual=False 时每个块是 relu(conv(relu(conv(x))))：同样的层，只是没有捷径（给你的块加一个开关，"
                  "或者在旁边写一个普通块）。")),
    KnownMistake(("the shortcuts are missing even with residual=True", "residual=True 时也没有捷径"), _NeverResidual,
                 ("residual=True: every block adds its input before the final ReLU.",
                  "residual=True：每个块都要在最后的 ReLU 之前加上它的输入。")),
    KnownMistake(("the biases are regularised too", "偏置也被正则化了"), _BiasesPenalised,
                 ("Only the weights W0, B*_W1, B*_W2 and W_out are penalised, never the biases.",
                  "只对权重 W0、B*_W1、B*_W2 和 W_out 做正则化，不对偏置做。")),
    KnownMistake(("the weight gradients lack the penalty's derivative reg * W", "权重的梯度中缺少正则项的导数 reg * W"),
                 _PenaltyNotDifferentiated,
                 ("Add reg * W to the gradient of every weight you penalise in the loss.",
                  "对损失中每个被正则化的权重，在其梯度上加上 reg * W。")),
    KnownMistake(("only W_out is regularised, not the convolution weights", "只对 W_out 做了正则化，没有对卷积权重做"),
                 _OnlyHeadPenalised,
                 ("The penalty 0.5 * reg * sum(W ** 2) covers W0, every block's W1 and W2, and W_out.",
                  "正则项 0.5 * reg * sum(W ** 2) 包括 W0、每个块的 W1 和 W2，以及 W_out。")),
]

RESNET_GRADIENTS = [Gradient("loss", f"grads.{name}", f"params.{name}", max_entries=6)
                    for name in ("W0", "b0", "B1_W1", "B1_b2", "W_out", "b_out")]

TASKS = [
    ResNetTask("resnet.ResNet", cases=resnet_cases, outputs=("scores", "loss", "grads", "initial"),
         adapter=adapters.network_loss_and_init, regularization="init.reg", gradients=RESNET_GRADIENTS,
         mistakes=RESNET_MISTAKES, hints=NET_HINTS, properties=INIT_PROPERTIES, time_limit=20.0),
]
