"""Notebook 10's residual blocks: basic (two 3x3) and bottleneck (1x1 - 3x3 - 1x1), forward and
backward, with identity and projection shortcuts.

The known mistakes are written once for both kinds of block: a mistaken forward rebuilds the
residual branch ``F(x)`` and the shortcut ``s(x)`` with the reference's convolutions and joins them
the wrong way; a mistaken backward reads the reference forward's cache (the engine feeds known
mistakes with the reference forward) and routes the upstream gradient the wrong way.
"""

import numpy as np

from checker.reference.conv import _conv_backward_fast, _conv_forward_fast
from checker.spec import KnownMistake
from checker.topics.layer_cases import backward_task, forward_cases, forward_task
from checker.topics.resnet.block_cases import basic_cases, bottleneck_cases


def _conv(x, w, b, stride, pad):
    return _conv_forward_fast(x, w, b, {"stride": stride, "pad": pad})[0]


def _relu(x):
    return np.maximum(x, 0)


# --------------------------------------------------------------------------- forward, both kinds
def _branch(x, params, stride, kind, stride_elsewhere=False):
    """The residual branch F(x) before the final addition; ``stride_elsewhere`` moves the stride
    to the other convolution (basic: the second 3x3; bottleneck: the first 1x1)."""
    if kind == "basic":
        first, second = (1, stride) if stride_elsewhere else (stride, 1)
        h = _relu(_conv(x, params["W1"], params["b1"], first, 1))
        return _conv(h, params["W2"], params["b2"], second, 1)
    first, second = (stride, 1) if stride_elsewhere else (1, stride)
    h = _relu(_conv(x, params["W1"], params["b1"], first, 0))
    h = _relu(_conv(h, params["W2"], params["b2"], second, 1))
    return _conv(h, params["W3"], params["b3"], 1, 0)


def _shortcut(x, params, stride):
    return _conv(x, params["Ws"], params["bs"], stride, 0) if "Ws" in params else x


JOINS = {  # how a mistaken block joins F = branch and s = shortcut
    "relu_before_add": lambda F, s: _relu(_relu(F) + s),
    "add_after_relu": lambda F, s: _relu(F) + s,
    "no_shortcut": lambda F, s: _relu(F),
    "no_final_relu": lambda F, s: F + s,
}


def _mistaken_forward(kind, join=None, stride_elsewhere=False):
    def forward(x, params, stride=1):
        F = _branch(x, params, stride, kind, stride_elsewhere)
        return JOINS.get(join, lambda F, s: _relu(F + s))(F, _shortcut(x, params, stride)), None

    forward.__name__ = f"_{kind}_{join or 'stride_elsewhere'}"
    return forward


def forward_mistakes(kind):
    other = ("the second 3x3 convolution" if kind == "basic" else
             "the first 1x1 convolution (the original paper's choice; here, as in torchvision, it is on the 3x3)")
    other_zh = "第二个 3x3 卷积" if kind == "basic" else "第一个 1x1 卷积（原论文的做法；这里与 torchvision 一样放在 3x3 上）"
    return [
        KnownMistake(("a ReLU is applied to the residual branch F(x) before the addition",
                      "在相加之前对残差分支 F(x) 用了 ReLU"), _mistaken_forward(kind, "relu_before_add"),
                     ("The last convolution of F(x) has no ReLU of its own: out = relu(F(x) + shortcut(x)), one ReLU "
                      "after the addition.",
                      "F(x) 的最后一个卷积后面没有 ReLU：out = relu(F(x) + shortcut(x))，相加之后只有一个 ReLU。")),
        KnownMistake(("the shortcut is added after the final ReLU: relu(F(x)) + x", "捷径在最后的 ReLU 之后才相加：relu(F(x)) + x"),
                     _mistaken_forward(kind, "add_after_relu"),
                     ("Add first, then apply the ReLU: out = relu(F(x) + shortcut(x)).",
                      "先相加，再用 ReLU：out = relu(F(x) + shortcut(x))。")),
        KnownMistake(("the shortcut is missing: the block is a plain one", "缺少捷径：这是一个普通块"),
                     _mistaken_forward(kind, "no_shortcut"),
                     ("Add the shortcut (x itself, or the 1x1 projection when params has Ws) before the final ReLU.",
                      "在最后的 ReLU 之前加上捷径（x 本身，或 params 中有 Ws 时的 1x1 投影）。")),
        KnownMistake(("the final ReLU after the addition is missing", "缺少相加之后的 ReLU"),
                     _mistaken_forward(kind, "no_final_relu"),
                     ("A block ends with relu(F(x) + shortcut(x)).", "残差块以 relu(F(x) + shortcut(x)) 结束。")),
        KnownMistake((f"the stride is on {other}", f"步幅放在了{other_zh}"),
                     _mistaken_forward(kind, stride_elsewhere=True),
                     ("basic: the first 3x3 has the stride; bottleneck: the 3x3 has it; the 1x1 projection always "
                      "has the block's stride.",
                      "基本块：第一个 3x3 卷积带步幅；瓶颈块：3x3 卷积带步幅；1x1 投影总是使用块的步幅。")),
    ]


# --------------------------------------------------------------------------- backward, both kinds
def _unpack(cache, kind):
    """(convolution caches from first to last with the pre-activations after each but the last,
    a_last, shortcut cache, z) of a reference cache."""
    if kind == "basic":
        a1, a2, conv1, conv2, short, z, _ = cache
        return [conv1, conv2], [a1], a2, short, z
    a1, a2, a3, conv1, conv2, conv3, short, z = cache
    return [conv1, conv2, conv3], [a1, a2], a3, short, z


def _mistaken_backward(kind, mistake):
    def backward(dout, cache):
        convs, hidden, a_last, short, z = _unpack(cache, kind)
        mask = {"no_final_mask": 1.0, "mask_by_branch": a_last > 0}.get(mistake, z > 0)
        dz = dout * mask
        grads, d = {}, dz
        for i in range(len(convs), 0, -1):
            d, grads[f"W{i}"], grads[f"b{i}"] = _conv_backward_fast(d, convs[i - 1])
            if i > 1:
                d = d * (hidden[i - 2] > 0)
        ds = dout if mistake == "skip_not_masked" else dz
        skip = ds
        if short is not None:
            skip, grads["Ws"], grads["bs"] = _conv_backward_fast(ds, short)
        return (d if mistake == "skip_forgotten" else d + skip), grads

    backward.__name__ = f"_{kind}_{mistake}"
    return backward


def backward_mistakes(kind):
    return [
        KnownMistake(("the shortcut's gradient is forgotten: dx flows through F(x) only",
                      "忘了捷径的梯度：dx 只经过 F(x) 回传"), _mistaken_backward(kind, "skip_forgotten"),
                     ("y = relu(F(x) + x) gives dy/dx = (I + dF/dx) masked by the ReLU: add the shortcut's gradient "
                      "(dz itself, or the 1x1 projection's dx) to dx.",
                      "y = relu(F(x) + x) 给出 dy/dx = (I + dF/dx)（再乘 ReLU 的掩码）：把捷径的梯度（dz 本身，或 1x1 "
                      "投影的 dx）加到 dx 上。")),
        KnownMistake(("the shortcut's gradient is not masked by the final ReLU (dout instead of dz)",
                      "捷径的梯度没有经过最后一个 ReLU 的掩码（用了 dout 而不是 dz）"),
                     _mistaken_backward(kind, "skip_not_masked"),
                     ("The final ReLU comes after the addition, so both branches get dz = dout * (z > 0).",
                      "最后的 ReLU 在相加之后，所以两个分支得到的都是 dz = dout * (z > 0)。")),
        KnownMistake(("the final ReLU is not backpropagated: dout reaches both branches unmasked",
                      "没有对最后的 ReLU 做反向传播：dout 未经掩码就传到了两个分支"),
                     _mistaken_backward(kind, "no_final_mask"),
                     ("Start with dz = dout * (z > 0), z = F(x) + shortcut(x) the input of the final ReLU.",
                      "先算 dz = dout * (z > 0)，其中 z = F(x) + shortcut(x) 是最后一个 ReLU 的输入。")),
        KnownMistake(("the final ReLU's mask is taken from F(x) > 0 instead of F(x) + shortcut(x) > 0",
                      "最后一个 ReLU 的掩码用了 F(x) > 0，而不是 F(x) + shortcut(x) > 0"),
                     _mistaken_backward(kind, "mask_by_branch"),
                     ("Cache z = F(x) + shortcut(x), the ReLU's own input, and mask with z > 0.",
                      "缓存 ReLU 自己的输入 z = F(x) + shortcut(x)，并用 z > 0 做掩码。")),
    ]


BLOCK_HINTS = {
    "exception": ("params holds W1, b1, W2, b2 (bottleneck: and W3, b3), plus Ws, bs for a projection shortcut: "
                  "a 1x1 convolution with the block's stride and pad 0. Without Ws the shortcut is x itself.",
                  "params 中有 W1、b1、W2、b2（瓶颈块还有 W3、b3），投影捷径另有 Ws、bs：一个使用块的步幅、pad 0 的 1x1 "
                  "卷积。没有 Ws 时捷径就是 x 本身。"),
}
BLOCK_BACKWARD_HINTS = {
    **BLOCK_HINTS,
    "wrong_type": ("Return (dx, grads) with grads a dict with exactly the keys of params (Ws, bs too for a "
                   "projection).",
                   "返回 (dx, grads)，grads 是与 params 的键完全相同的字典（投影捷径还要有 Ws、bs）。"),
}

TASKS = []
for kind, cases in (("basic", basic_cases), ("bottleneck", bottleneck_cases)):
    TASKS += [
        forward_task(f"resnet.{kind}_block_forward", forward_cases(cases), mistakes=forward_mistakes(kind),
                     hints=BLOCK_HINTS),
        backward_task(f"resnet.{kind}_block_backward", cases, ("dx", "grads"), mistakes=backward_mistakes(kind),
                      hints=BLOCK_BACKWARD_HINTS),
    ]
