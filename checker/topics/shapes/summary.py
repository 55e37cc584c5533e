"""Notebook 08's ``summarize``: the layer-by-layer table (output shape, parameters, multiply-adds) of a
network, on every row type the reference knows: conv (bias, dilation), pool (default stride, padding,
PyTorch's ceil mode), flatten, fc (bias), batch norm, ReLU, dropout, LRN, global average pooling,
Inception concatenations and residual blocks (see ``checker.architectures``).

The mistakes are one builder, ``_summary``, with one switch per mistake.
"""

import math

from checker.architectures import architecture
from checker.spec import Case, KnownMistake, Task
from checker.topics.shapes.conv_layer import output_size, span


def _random_net(rng):
    c, h, w = int(rng.integers(1, 4)), int(rng.integers(12, 25)), int(rng.integers(12, 25))
    layers = []
    hh, ww = h, w
    for _ in range(2):
        f = int(rng.choice([3, 5]))
        p, s = int(rng.choice([0, f // 2])), int(rng.integers(1, 3))
        if span(f) > min(hh, ww) + 2 * p:
            break
        layers.append({"type": "conv", "f": f, "c_out": int(rng.integers(2, 9)), "s": s, "p": p})
        hh, ww = output_size(hh, f, p, s), output_size(ww, f, p, s)
        if min(hh, ww) >= 2:
            layers.append({"type": "pool", "f": 2, "s": 2})
            hh, ww = output_size(hh, 2, 0, 2), output_size(ww, 2, 0, 2)
    layers += [{"type": "flatten"}, {"type": "fc", "units": int(rng.integers(5, 21))}, {"type": "fc", "units": 3}]
    return layers, (c, h, w)


def _options_net(rng):
    """Every optional key and every one-row layer type on a small non-square input."""
    c_out = int(rng.integers(3, 7))
    layers = [{"type": "conv", "f": 3, "c_out": c_out, "d": 2, "p": 2}, {"type": "bn"}, {"type": "relu"}, {"type": "lrn"},
              {"type": "pool", "f": 2}, {"type": "pool", "f": 3, "s": 2, "p": 1}, {"type": "pool", "f": 2, "s": 2, "ceil": True},
              {"type": "conv", "f": 1, "c_out": 2 * c_out, "bias": False}, {"type": "gap"}, {"type": "bn"},
              {"type": "dropout"}, {"type": "fc", "units": int(rng.integers(4, 9)), "bias": False}]
    return layers, (int(rng.integers(1, 4)), int(rng.integers(23, 31)), int(rng.integers(17, 23)))


def summarize_cases(rng):
    yield Case(("LeNet-5 on a 1 x 32 x 32 image", "LeNet-5，输入 1 x 32 x 32"), *architecture("LeNet-5"))
    yield Case(("non-square 3 x 20 x 30 input, same conv, pool, stride-2 conv, fc",
                "非方形 3 x 20 x 30 输入，same 卷积、池化、步长 2 卷积、全连接"),
               [{"type": "conv", "f": 3, "c_out": 4, "s": 1, "p": 1}, {"type": "pool", "f": 2, "s": 2},
                {"type": "conv", "f": 3, "c_out": 8, "s": 2, "p": 0}, {"type": "flatten"}, {"type": "fc", "units": 10}],
               (3, 20, 30))
    yield Case(("uneven strides (floor) and a conv without bias", "不能整除的步长（向下取整）和一个无偏置的卷积"),
               [{"type": "conv", "f": 3, "c_out": 5, "s": 2, "p": 0, "bias": False}, {"type": "pool", "f": 3, "s": 2},
                {"type": "flatten"}, {"type": "fc", "units": 7}],
               (2, 16, 11))
    yield Case(("AlexNet as published, 3 x 227 x 227", "原论文的 AlexNet，3 x 227 x 227"), *architecture("AlexNet (published)"))
    yield Case(("VGG16, 3 x 224 x 224", "VGG16，3 x 224 x 224"), *architecture("VGG16"))
    layers, shape = _random_net(rng)
    yield Case((f"random small network on {shape}", f"随机小网络，输入 {shape}"), layers, shape)
    layers, shape = _options_net(rng)
    yield Case((f"dilation, batch norm, ReLU, LRN, default pool stride, pool padding, ceil mode, global average "
                f"pooling, dropout, fc without bias on {shape}",
                f"膨胀卷积、批归一化、ReLU、LRN、默认池化步长、池化填充、ceil 模式、全局平均池化、dropout、无偏置全连接，输入 {shape}"),
               layers, shape)
    yield Case(("an Inception module (four branches concatenated), 192 x 28 x 28", "Inception 模块（四个分支拼接），192 x 28 x 28"),
               *architecture("Inception module (3a)"))
    yield Case(("ResNet-18: residual blocks, projection shortcuts, batch norm", "ResNet-18：残差块、投影捷径、批归一化"),
               *architecture("ResNet-18"))
    yield Case(("GoogLeNet (torchvision): ceil-mode pooling, Inception modules", "GoogLeNet（torchvision）：ceil 模式池化、Inception 模块"),
               *architecture("GoogLeNet (torchvision)"))


def _summary(layers, input_shape, conv_bias=True, fc_bias=True, channels=True, hwc=False, mult_adds_on_input=False,
             bias_flag=True, floor=True, ceil=True, dilation=True, pool_stride=None, bn_params=2, gap_flat=True,
             shortcut=True, concat=sum):
    """The reference table computed with one thing changed (see ``SUMMARY_MISTAKES``)."""
    switches = {k: v for k, v in locals().items() if k not in ("layers", "input_shape", "hwc")}
    rows = []
    shape = tuple(input_shape)
    for layer in layers:
        shape, params, mult_adds = _row(layer, shape, switches)
        out = (shape[1], shape[2], shape[0]) if (hwc and len(shape) == 3) else shape
        rows.append({"type": layer["type"], "output_shape": tuple(out), "params": params, "mult_adds": mult_adds})
    return rows


def _side(n, f, p, s, d, sw, ceil_mode=False):
    extent = d * (f - 1) + 1
    if ceil_mode and sw["ceil"]:
        out = -(-(n + 2 * p - extent) // s) + 1
        return out - 1 if (out - 1) * s >= n + p else out
    return (n + 2 * p - extent) // s + 1 if sw["floor"] else (n + 2 * p - extent) / s + 1


def _row(layer, shape, sw):
    kind = layer["type"]
    if kind in ("conv", "pool"):
        c, h, w = shape
        f, p = layer["f"], layer.get("p", 0)
        d = layer.get("d", 1) if (kind == "conv" and sw["dilation"]) else 1
        s = layer.get("s", 1 if kind == "conv" else (sw["pool_stride"] or f))
        h_out, w_out = (_side(n, f, p, s, d, sw, kind == "pool" and layer.get("ceil", False)) for n in (h, w))
        if kind == "pool":
            return (c, h_out, w_out), 0, 0
        c_out = layer["c_out"]
        bias = (layer.get("bias", True) if sw["bias_flag"] else True) and sw["conv_bias"]
        positions = h * w if sw["mult_adds_on_input"] else h_out * w_out
        return (c_out, h_out, w_out), (f * f * (c if sw["channels"] else 1) + bias) * c_out, positions * c_out * f * f * c
    if kind == "flatten":
        return (math.prod(shape),), 0, 0
    if kind == "fc":
        units = layer["units"]
        bias = layer.get("bias", True) if sw["bias_flag"] else True
        return (units,), (shape[0] + (bias and sw["fc_bias"])) * units, shape[0] * units
    if kind == "bn":
        return shape, sw["bn_params"] * shape[0], 0
    if kind == "gap":
        return ((shape[0],) if sw["gap_flat"] else (shape[0], 1, 1)), 0, 0
    if kind == "concat":
        outs = [_stack(branch, shape, sw) for branch in layer["branches"]]
        return ((sw["concat"](o[0][0] for o in outs), *outs[0][0][1:]), sum(o[1] for o in outs), sum(o[2] for o in outs))
    if kind == "residual":
        body, short = _stack(layer["body"], shape, sw), _stack(layer.get("shortcut", []), shape, sw)
        counted = short if sw["shortcut"] else (short[0], 0, 0)
        return body[0], body[1] + counted[1], body[2] + counted[2]
    return shape, 0, 0  # relu, dropout, lrn


def _stack(layers, shape, sw):
    params = mult_adds = 0
    for layer in layers:
        shape, pr, ma = _row(layer, shape, sw)
        params, mult_adds = params + pr, mult_adds + ma
    return shape, params, mult_adds


def _mistake(en, zh, hint_en, hint_zh, **switch):
    return KnownMistake((en, zh), lambda layers, input_shape: _summary(layers, input_shape, **switch), (hint_en, hint_zh))


SUMMARY_MISTAKES = [
    _mistake("the conv layers' biases are missing (one per filter)", "卷积层漏了偏置（每个滤波器一个）",
             "A conv layer has (f * f * c_in + 1) * c_out parameters unless its dict says \"bias\": False.",
             "卷积层有 (f * f * c_in + 1) * c_out 个参数，除非它的字典写了 \"bias\": False。", conv_bias=False),
    _mistake("a layer's \"bias\": False is ignored", "忽略了层的 \"bias\": False",
             "Read the flag with layer.get(\"bias\", True).", "用 layer.get(\"bias\", True) 读取这个标志。", bias_flag=False),
    _mistake("the fc layers' biases are missing (one per unit)", "全连接层漏了偏置（每个单元一个）",
             "An fc layer from D inputs to M units has (D + 1) * M parameters.", "从 D 个输入到 M 个单元的全连接层有 (D + 1) * M 个参数。",
             fc_bias=False),
    _mistake("the input channels are left out of the conv parameters", "卷积参数里漏了输入通道数",
             "A filter spans all input channels: f * f * c_in weights.", "一个滤波器贯穿全部输入通道：f * f * c_in 个权重。", channels=False),
    _mistake("output shapes are written (H, W, C); the course uses (C, H, W)", "输出形状写成了 (H, W, C)；本课程用 (C, H, W)",
             "Channels first, as the input_shape (C, H, W) and the (N, C, H, W) image batches.",
             "通道在前，与 input_shape (C, H, W) 和 (N, C, H, W) 图像批次一致。", hwc=True),
    _mistake("conv multiply-adds are counted on the INPUT grid instead of the output grid", "卷积乘加数按输入网格而不是输出网格计算",
             "Multiply-adds = h_out * w_out * c_out * f * f * c_in.", "乘加数 = h_out * w_out * c_out * f * f * c_in。",
             mult_adds_on_input=True),
    _mistake("output sizes are not floored (a fraction appears when a stride does not divide evenly)",
             "输出尺寸没有向下取整（步长不能整除时出现小数）",
             "Use // in the output-size formula (your conv_output_size).", "输出尺寸公式里用 //（就是你的 conv_output_size）。", floor=False),
    _mistake("a pool's \"ceil\": True is ignored (PyTorch's ceil_mode rounds the output size up)",
             "忽略了池化层的 \"ceil\": True（PyTorch 的 ceil_mode 把输出尺寸向上取整）",
             "With ceil the size is ceil((n + 2p - f) / s) + 1, less one if the last window would start in the padding.",
             "有 ceil 时尺寸为 ceil((n + 2p - f) / s) + 1；若最后一个窗口起点落在填充里，再减 1。", ceil=False),
    _mistake("a conv's dilation \"d\" is ignored", "忽略了卷积的膨胀系数 \"d\"",
             "A dilated kernel spans d * (f - 1) + 1 pixels: use it in the output-size formula.",
             "膨胀后的卷积核覆盖 d * (f - 1) + 1 个像素：在输出尺寸公式中用它。", dilation=False),
    _mistake("a pool without \"s\" is given stride 1; its stride defaults to its window f",
             "没写 \"s\" 的池化层用了步长 1；池化的默认步长是窗口大小 f",
             "Pooling windows do not overlap by default: s = layer.get(\"s\", layer[\"f\"]).",
             "池化窗口默认不重叠：s = layer.get(\"s\", layer[\"f\"])。", pool_stride=1),
    _mistake("batch norm counted with 4 parameters per channel (the running statistics are not learned)",
             "批归一化按每通道 4 个参数计算（滑动统计量不是学习得到的）",
             "Batch norm learns gamma and beta: 2 parameters per channel.", "批归一化学习 gamma 和 beta：每通道 2 个参数。", bn_params=4),
    _mistake("batch norm counted with no parameters", "批归一化的参数被算成 0",
             "Batch norm learns gamma and beta: 2 parameters per channel.", "批归一化学习 gamma 和 beta：每通道 2 个参数。", bn_params=0),
    _mistake("global average pooling keeps a (C, 1, 1) shape; its row is (C,)", "全局平均池化保留了 (C, 1, 1) 的形状；它的输出是 (C,)",
             "Global average pooling leaves one number per channel: output_shape (C,).", "全局平均池化每个通道只留一个数：输出形状 (C,)。",
             gap_flat=False),
    _mistake("a residual block's shortcut (its projection) is not counted", "残差块的捷径（投影）没有计入",
             "A block's row sums its body and its shortcut: a 1x1 projection has parameters and multiply-adds too.",
             "残差块这一行要把主体和捷径加起来：1x1 投影也有参数和乘加。", shortcut=False),
    _mistake("a concatenation takes the channels of one branch instead of their sum", "拼接时只取了一个分支的通道数，而不是所有分支之和",
             "Branches are stacked along the channels: C_out = sum of the branches' channels.",
             "分支沿通道方向堆叠：C_out = 各分支通道数之和。", concat=max),
]

SUMMARY_HINTS = {
    "wrong_type": ("Return a list with one dict per layer, with the keys \"type\", \"output_shape\", \"params\", "
                   "\"mult_adds\"; output_shape a tuple (C, H, W) or (D,).",
                   "返回一个列表，每层一个字典，键为 \"type\"、\"output_shape\"、\"params\"、\"mult_adds\"；"
                   "output_shape 是元组 (C, H, W) 或 (D,)。"),
    "exception": ("Layers come in the types conv, pool, flatten, fc, bn, relu, dropout, lrn, gap, concat (\"branches\": "
                  "lists of layers on the same input) and residual (\"body\" and \"shortcut\", one row per block).",
                  "层的类型有 conv、pool、flatten、fc、bn、relu、dropout、lrn、gap、concat（\"branches\"：作用于同一输入的层列表）"
                  "和 residual（\"body\" 和 \"shortcut\"，每个块一行）。"),
}

TASKS = [Task("shapes.summarize", cases=summarize_cases, outputs=("rows",), mistakes=SUMMARY_MISTAKES, hints=SUMMARY_HINTS)]
