"""Cases for the residual blocks: identity and projection shortcuts, stride 1 and 2, N = 1,
non-square inputs. Weights are drawn with std ``1 / sqrt(fan_in)`` so that every layer's values
stay of order one, and biases are non-zero so that a forgotten bias shows. Stride-2 cases have odd
sizes: notebook 09's convolutions tile the padded input exactly ((H + 2 pad - HH) % stride == 0).
"""

import numpy as np

from checker.spec import Case


def _conv_weights(rng, F, C, k):
    return rng.normal(scale=1.0 / np.sqrt(C * k * k), size=(F, C, k, k))


def _biases(rng, F):
    return rng.normal(scale=0.1, size=F)


def basic_params(rng, C, F, projection):
    params = {"W1": _conv_weights(rng, F, C, 3), "b1": _biases(rng, F),
              "W2": _conv_weights(rng, F, F, 3), "b2": _biases(rng, F)}
    if projection:
        params.update(Ws=_conv_weights(rng, F, C, 1), bs=_biases(rng, F))
    return params


def bottleneck_params(rng, C, M, F, projection):
    params = {"W1": _conv_weights(rng, M, C, 1), "b1": _biases(rng, M),
              "W2": _conv_weights(rng, M, M, 3), "b2": _biases(rng, M),
              "W3": _conv_weights(rng, F, M, 1), "b3": _biases(rng, F)}
    if projection:
        params.update(Ws=_conv_weights(rng, F, C, 1), bs=_biases(rng, F))
    return params


def _out_size(n, stride):
    return (n + 2 - 3) // stride + 1


# label, N, C, F, H, W, stride, projection
BASIC = [
    (("identity shortcut, stride 1, 2 samples, 3 channels, 4 x 5", "恒等捷径，步幅 1，2 个样本，3 个通道，4 x 5"),
     2, 3, 3, 4, 5, 1, False),
    (("projection shortcut (1x1, stride 2), 2 -> 4 channels, 7 x 5", "投影捷径（1x1，步幅 2），2 -> 4 个通道，7 x 5"),
     2, 2, 4, 7, 5, 2, True),
    (("one sample (N = 1), identity shortcut, 2 channels, 3 x 6", "只有一个样本（N = 1），恒等捷径，2 个通道，3 x 6"),
     1, 2, 2, 3, 6, 1, False),
    (("projection shortcut at stride 1, 3 -> 5 channels, 5 x 4", "步幅 1 的投影捷径，3 -> 5 个通道，5 x 4"),
     3, 3, 5, 5, 4, 1, True),
]

# label, N, C, M, F, H, W, stride, projection
BOTTLENECK = [
    (("identity shortcut, 4 channels (bottleneck 2), 2 samples, 4 x 5",
      "恒等捷径，4 个通道（瓶颈 2），2 个样本，4 x 5"), 2, 4, 2, 4, 4, 5, 1, False),
    (("projection shortcut (1x1, stride 2), 3 -> 6 channels (bottleneck 2), 5 x 7",
      "投影捷径（1x1，步幅 2），3 -> 6 个通道（瓶颈 2），5 x 7"), 2, 3, 2, 6, 5, 7, 2, True),
    (("one sample (N = 1), identity shortcut, 6 channels (bottleneck 3), 3 x 4",
      "只有一个样本（N = 1），恒等捷径，6 个通道（瓶颈 3），3 x 4"), 1, 6, 3, 6, 3, 4, 1, False),
    (("projection shortcut at stride 1, 2 -> 8 channels (bottleneck 2), 4 x 4",
      "步幅 1 的投影捷径，2 -> 8 个通道（瓶颈 2），4 x 4"), 3, 2, 2, 8, 4, 4, 1, True),
]


def basic_cases(rng):
    for label, N, C, F, H, W, stride, projection in BASIC:
        x = rng.normal(size=(N, C, H, W))
        dout = rng.normal(size=(N, F, _out_size(H, stride), _out_size(W, stride)))
        yield Case(label, x, basic_params(rng, C, F, projection), stride, dout=dout)


def bottleneck_cases(rng):
    for label, N, C, M, F, H, W, stride, projection in BOTTLENECK:
        x = rng.normal(size=(N, C, H, W))
        dout = rng.normal(size=(N, F, _out_size(H, stride), _out_size(W, stride)))
        yield Case(label, x, bottleneck_params(rng, C, M, F, projection), stride, dout=dout)
