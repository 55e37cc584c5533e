"""``ThreeLayerConvNet``: conv - relu - 2x2 max pool - affine - relu - affine - softmax, checked through
``adapters.network_loss_and_seeded_init``: the class is built twice after the same ``np.random.seed``
(its own parameters are judged by properties: keys and shapes, zero biases, standard deviation
``weight_scale``, one network per seed), then given the case's float64 parameters and asked for
``loss(X)`` and ``loss(X, y)``. The init leaves ``seed`` out, so that CS231n's class, which has no
such argument, is checked unchanged.

The cases include odd and non-square images (the pool floors), a 5 x 5 and a 1 x 1 filter (padding
``(filter_size - 1) // 2``) and one image. The data keep every pre-activation away from ReLU's kink
and every pooling window's maximum clear of the runner-up, so that the numerical gradients of the
learner's own loss cross neither.
"""

import numpy as np

from checker import adapters
from checker.reference.conv import ThreeLayerConvNet, _conv_forward_fast, _max_pool_forward
from checker.spec import Case, Gradient, Property, Task
from checker.topics.conv.common import mistake, t
from checker.topics.layer_cases import redraw_where
from checker.topics.nn.initial import Unchecked, keys_and_shapes, same_draw_for_a_seed, weight_scale, zero_biases
from checker.topics.nn.losses import labels
from checker.topics.nn.networks import NET_HINTS

# label, N, input_dim, num_filters, filter_size, hidden_dim, num_classes, reg, weight_scale
NETWORKS = [
    (("3 images 1 x 6 x 6, 4 filters 3 x 3, hidden 5, 4 classes, reg 0", "3 张 1 x 6 x 6 的图像，4 个 3 x 3 滤波器，隐藏层 5，4 类，reg 0"),
     3, (1, 6, 6), 4, 3, 5, 4, 0.0, 1e-2),
    (("one image (N = 1) 2 x 5 x 4 (odd, non-square: the pool floors), 3 filters 3 x 3, reg 0.1",
      "只有一张图像（N = 1）2 x 5 x 4（奇数、非方形：池化向下取整），3 个 3 x 3 滤波器，reg 0.1"),
     1, (2, 5, 4), 3, 3, 6, 3, 0.1, 1e-3),
    (("4 images 1 x 8 x 8, 2 filters 5 x 5 (pad 2), hidden 7, 5 classes, reg 0.05",
      "4 张 1 x 8 x 8 的图像，2 个 5 x 5 滤波器（pad 2），隐藏层 7，5 类，reg 0.05"), 4, (1, 8, 8), 2, 5, 7, 5, 0.05, 1e-2),
    (("2 images 3 x 4 x 6, 3 filters 1 x 1 (pad 0), hidden 4, 3 classes, reg 0.5",
      "2 张 3 x 4 x 6 的图像，3 个 1 x 1 滤波器（pad 0），隐藏层 4，3 类，reg 0.5"), 2, (3, 4, 6), 3, 1, 4, 3, 0.5, 5e-2),
]


def _case_params(rng, input_dim, F, size, hidden, classes):
    C, H, W = input_dim
    pooled = F * (H // 2) * (W // 2)
    return {"W1": rng.normal(scale=1 / np.sqrt(C * size * size), size=(F, C, size, size)), "b1": rng.normal(scale=0.1, size=F),
            "W2": rng.normal(scale=1 / np.sqrt(pooled), size=(pooled, hidden)), "b2": rng.normal(scale=0.1, size=hidden),
            "W3": rng.normal(scale=1 / np.sqrt(hidden), size=(hidden, classes)), "b3": rng.normal(scale=0.1, size=classes)}


def _near_a_kink(params, size, gap=1e-3):
    """Samples with a pre-activation within ``gap`` of 0, or a pooling window whose positive maximum
    is within ``gap`` of its runner-up."""

    def bad(X):
        a1, _ = _conv_forward_fast(X, params["W1"], params["b1"], {"stride": 1, "pad": (size - 1) // 2})
        h1 = np.maximum(a1, 0)
        N, F, H, W = h1.shape
        windows = h1[:, :, :H // 2 * 2, :W // 2 * 2].reshape(N, F, H // 2, 2, W // 2, 2).transpose(0, 1, 2, 4, 3, 5)
        top = np.sort(windows.reshape(N, F, H // 2, W // 2, 4), axis=-1)
        tie = (top[..., -1] > 0) & (top[..., -1] - top[..., -2] < gap)
        pooled, _ = _max_pool_forward(h1, {"pool_height": 2, "pool_width": 2, "stride": 2})
        a2 = pooled.reshape(N, -1) @ params["W2"] + params["b2"]
        return (np.any(np.abs(a1) < gap, axis=(1, 2, 3)) | np.any(tie, axis=(1, 2, 3))
                | np.any(np.abs(a2) < gap, axis=1))

    return bad


def conv_net_cases(rng):
    for label, N, input_dim, F, size, hidden, classes, reg, scale in NETWORKS:
        params = _case_params(rng, input_dim, F, size, hidden, classes)
        X = redraw_where(rng.normal(size=(N, *input_dim)), _near_a_kink(params, size),
                         lambda n: rng.normal(size=(n, *input_dim)), "images away from ReLU's kink and pooling ties")
        init = {"input_dim": list(input_dim), "num_filters": F, "filter_size": size, "hidden_dim": hidden,
                "num_classes": classes, "weight_scale": scale, "reg": reg, "dtype": "float64"}
        yield Case(label, init, params, X, labels(rng, N, classes))


# =========================================================================== known mistakes
class _MistakeConvNet(ThreeLayerConvNet):
    """The reference network with one thing changed; subclasses say what."""

    penalised = ("W1", "W2", "W3")
    reg_factor = 0.5
    reg_in_grads = True
    relu_on_scores = False
    flatten_channels_last = False

    def loss(self, X, y=None):
        from checker.reference.conv import (_affine_backward, _affine_forward, _conv_backward_fast,
                                            _max_pool_backward, _softmax_loss)

        p = self.params
        X = np.asarray(X, dtype=np.float64)
        a1, conv_cache = _conv_forward_fast(X, p["W1"], p["b1"], {"stride": 1, "pad": (p["W1"].shape[2] - 1) // 2})
        pooled, pool_cache = _max_pool_forward(np.maximum(a1, 0), {"pool_height": 2, "pool_width": 2, "stride": 2})
        order = (0, 2, 3, 1) if self.flatten_channels_last else (0, 1, 2, 3)
        flat = pooled.transpose(order)
        a2, cache2 = _affine_forward(flat, p["W2"], p["b2"])
        scores, cache3 = _affine_forward(np.maximum(a2, 0), p["W3"], p["b3"])
        if self.relu_on_scores:
            scores_in = scores
            scores = np.maximum(scores, 0)
        if y is None:
            return scores
        loss, dscores = _softmax_loss(scores, y)
        if self.relu_on_scores:
            dscores = dscores * (scores_in > 0)
        grads = {}
        dh2, grads["W3"], grads["b3"] = _affine_backward(dscores, cache3)
        dflat, grads["W2"], grads["b2"] = _affine_backward(dh2 * (a2 > 0), cache2)
        dpooled = dflat.transpose(np.argsort(order))
        dh1 = _max_pool_backward(dpooled, pool_cache)
        _, grads["W1"], grads["b1"] = _conv_backward_fast(dh1 * (a1 > 0), conv_cache)
        for name in self.penalised:
            loss += self.reg_factor * self.reg * float(np.sum(p[name] ** 2))
            if self.reg_in_grads:
                grads[name] = grads[name] + 2 * self.reg_factor * self.reg * p[name]
        return float(loss), grads


class _BiasesPenalised(_MistakeConvNet):
    penalised = ("W1", "W2", "W3", "b1", "b2", "b3")


class _LinearClassifierPenalty(_MistakeConvNet):
    reg_factor = 1.0


class _PenaltyNotDifferentiated(_MistakeConvNet):
    reg_in_grads = False


class _ConvWeightsNotPenalised(_MistakeConvNet):
    penalised = ("W2", "W3")


class _ReluOnScores(_MistakeConvNet):
    relu_on_scores = True


class _FlattenedChannelsLast(_MistakeConvNet):
    flatten_channels_last = True


CONV_NET_MISTAKES = [
    mistake("the biases are regularised too", "偏置也被正则化了", _BiasesPenalised,
            "Only W1, W2 and W3 are penalised, never the biases.", "只对 W1、W2、W3 做正则化，不对偏置做。"),
    mistake("the penalty is reg * sum(W * W) instead of 0.5 * reg * sum(W * W)", "正则项写成了 reg * sum(W * W)，而不是 0.5 * reg * sum(W * W)",
            _LinearClassifierPenalty, "Networks here use 0.5 * reg * np.sum(W * W), gradient reg * W.",
            "这里的网络使用 0.5 * reg * np.sum(W * W)，梯度为 reg * W。"),
    mistake("the weight gradients lack the penalty's derivative reg * W", "权重的梯度中缺少正则项的导数 reg * W",
            _PenaltyNotDifferentiated, "Add reg * W to grads['W1'], grads['W2'] and grads['W3'].",
            "给 grads['W1']、grads['W2']、grads['W3'] 加上 reg * W。"),
    mistake("the convolution's weights W1 are not regularised", "卷积层的权重 W1 没有被正则化", _ConvWeightsNotPenalised,
            "The penalty covers every weight, the filters W1 too: 0.5 * reg * (sum(W1**2) + sum(W2**2) + sum(W3**2)).",
            "正则项包括所有权重，滤波器 W1 也在内：0.5 * reg * (sum(W1**2) + sum(W2**2) + sum(W3**2))。"),
    mistake("a ReLU is applied to the final scores", "对最后的得分也用了 ReLU", _ReluOnScores,
            "The last affine layer feeds the softmax directly.", "最后一个仿射层直接接 softmax。"),
    mistake("the pooled maps are flattened in (i, j, F) order (channels last) instead of (F, i, j)",
            "池化后的特征图按 (i, j, F) 顺序（通道在后）展平，而不是 (F, i, j)", _FlattenedChannelsLast,
            "W2's rows follow pooled.reshape(N, -1) of the (N, F, H/2, W/2) maps: flatten without moving F.",
            "W2 的行对应 (N, F, H/2, W/2) 特征图的 pooled.reshape(N, -1)：展平时不要移动 F。"),
]

CONV_NET_HINTS = {
    **NET_HINTS,
    "exception": t("The checker builds your class with the init arguments shown, puts the case's parameters into "
                   "self.params (W2 has F * (H // 2) * (W // 2) rows) and calls loss(X) and loss(X, y). The conv has "
                   "stride 1 and pad (filter_size - 1) // 2.",
                   "检查器用所示的初始化参数构造你的类，把用例的参数放进 self.params（W2 有 F * (H // 2) * (W // 2) 行），"
                   "再调用 loss(X) 和 loss(X, y)。卷积的 stride 为 1，pad 为 (filter_size - 1) // 2。"),
}

CONV_NET_PROPERTIES = [
    Property(t("the constructor's keys and shapes", "构造函数的键和形状"), keys_and_shapes,
             t("W1 (F, C, filter_size, filter_size), b1 (F,), W2 (F * (H // 2) * (W // 2), hidden_dim), b2 (hidden_dim,), "
               "W3 (hidden_dim, num_classes), b3 (num_classes,).",
               "W1 (F, C, filter_size, filter_size)、b1 (F,)、W2 (F * (H // 2) * (W // 2), hidden_dim)、b2 (hidden_dim,)、"
               "W3 (hidden_dim, num_classes)、b3 (num_classes,)。")),
    Property(t("zero initial biases", "偏置初值为 0"), zero_biases, t("Biases start at np.zeros(...).", "偏置用 np.zeros(...) 初始化。")),
    Property(t("weights of standard deviation weight_scale", "权重的标准差为 weight_scale"), weight_scale,
             t("Every W is weight_scale * np.random.randn(*shape).", "每个 W 都是 weight_scale * np.random.randn(*shape)。")),
    Property(t("one network per seed", "同一种子得到同一网络"), same_draw_for_a_seed,
             t("With seed=None draw from np.random (np.random.randn), so that np.random.seed(...) before the constructor "
               "fixes the weights.", "seed=None 时从 np.random 抽取（np.random.randn），这样构造前调用 np.random.seed(...) 就能固定权重。")),
]


class ConvNetTask(Task):
    """The constructor's own parameters are judged by properties, not compared by value."""

    def interpret(self, result, case):
        if isinstance(result, tuple) and len(result) == 4:
            return (*result[:3], Unchecked(result[3]))
        return result


TASKS = [
    ConvNetTask("conv.ThreeLayerConvNet", cases=conv_net_cases, outputs=("scores", "loss", "grads", "initial"),
                adapter=adapters.network_loss_and_seeded_init, regularization="init.reg",
                # few entries: every one costs two runs of the learner's whole network
                gradients=[Gradient("loss", f"grads.{name}", f"params.{name}", max_entries=4)
                           for name in ("W1", "b1", "W2", "b2", "W3")],
                mistakes=CONV_NET_MISTAKES, hints=CONV_NET_HINTS, properties=CONV_NET_PROPERTIES, time_limit=20.0),
]
