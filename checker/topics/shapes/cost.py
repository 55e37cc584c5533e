"""Notebook 08's cost of a layer and of a whole network: the multiply-adds of a convolution, and
``summarize``, the layer-by-layer table (output shape, parameters, multiply-adds) of a network
such as LeNet-5, AlexNet or VGG16 (see ``checker.architectures``)."""

from checker.architectures import architecture
from checker.spec import Case, KnownMistake, Task
from checker.topics.shapes.conv_layer import integer_task, output_size, span


# =========================================================================== conv_mult_adds
def mult_adds_cases(rng):
    yield Case(("Inception: 28 x 28 x 192 -> 32 filters 5 x 5, same padding", "Inception：28 x 28 x 192 -> 32 个 5 x 5 滤波器，same 填充"),
               28, 28, 5, 192, 32, p=2)
    yield Case(("Inception bottleneck: 28 x 28 x 192 -> 16 filters 1 x 1", "Inception 瓶颈：28 x 28 x 192 -> 16 个 1 x 1 滤波器"),
               28, 28, 1, 192, 16)
    yield Case(("LeNet C1: 32 x 32 x 1 -> 6 filters 5 x 5", "LeNet C1：32 x 32 x 1 -> 6 个 5 x 5 滤波器"), 32, 32, 5, 1, 6)
    yield Case(("AlexNet conv1: 227 x 227 x 3 -> 96 filters 11 x 11, stride 4", "AlexNet conv1：227 x 227 x 3 -> 96 个 11 x 11 滤波器，步长 4"),
               227, 227, 11, 3, 96, p=0, s=4)
    yield Case(("non-square 10 x 14 x 4 input -> 5 filters 3 x 3, padding 1, stride 2", "非方形 10 x 14 x 4 输入 -> 5 个 3 x 3 滤波器，填充 1，步长 2"),
               10, 14, 3, 4, 5, p=1, s=2)
    yield Case(("non-square 8 x 9 x 2 input -> 3 filters 3 x 3, stride 2 (uneven)", "非方形 8 x 9 x 2 输入 -> 3 个 3 x 3 滤波器，步长 2（不能整除）"),
               8, 9, 3, 2, 3, p=0, s=2)
    h, w = int(rng.integers(8, 40)), int(rng.integers(8, 40))
    f, c_in, c_out = int(rng.choice([1, 3, 5])), int(rng.integers(2, 33)), int(rng.integers(2, 65))
    p, s = int(rng.integers(0, 3)), int(rng.integers(1, 3))
    yield Case((f"random: {h} x {w} x {c_in} -> {c_out} filters {f} x {f}, p={p}, s={s}",
                f"随机：{h} x {w} x {c_in} -> {c_out} 个 {f} x {f} 滤波器，p={p}，s={s}"), h, w, f, c_in, c_out, p=p, s=s)


def _ma(h, w, f, c_in, c_out, p=0, s=1, positions="out", per_out=None):
    h_out, w_out = output_size(h, f, p, s), output_size(w, f, p, s)
    if positions == "in":
        h_out, w_out = h, w
    elif positions == "square":
        w_out = h_out
    per = f * f * c_in if per_out is None else per_out(f, c_in)
    return h_out * w_out * c_out * per


MULT_ADDS_MISTAKES = [
    KnownMistake(("the input size is used instead of the OUTPUT size: the kernel visits h_out x w_out positions",
                  "用了输入尺寸而不是输出尺寸：卷积核访问的是 h_out x w_out 个位置"),
                 lambda h, w, f, c_in, c_out, p=0, s=1: _ma(h, w, f, c_in, c_out, p, s, positions="in"),
                 ("Compute h_out and w_out with the output-size formula first.", "先用输出尺寸公式算出 h_out 和 w_out。")),
    KnownMistake(("the input channels are forgotten: one output value needs f*f*c_in multiplications",
                  "漏了输入通道：一个输出值需要 f*f*c_in 次乘法"),
                 lambda h, w, f, c_in, c_out, p=0, s=1: _ma(h, w, f, c_in, c_out, p, s, per_out=lambda f, c: f * f),
                 ("Each output value is a dot product over an f x f x c_in block.", "每个输出值是一个 f x f x c_in 块上的点积。")),
    KnownMistake(("the number of filters is forgotten: every filter makes its own output channel",
                  "漏了滤波器个数：每个滤波器产生一个自己的输出通道"),
                 lambda h, w, f, c_in, c_out, p=0, s=1: _ma(h, w, f, c_in, 1, p, s),
                 ("Multiply by c_out: the output has h_out * w_out * c_out values.", "乘以 c_out：输出有 h_out * w_out * c_out 个值。")),
    KnownMistake(("the kernel is counted as f weights instead of f * f", "卷积核按 f 个权重算了，而不是 f * f"),
                 lambda h, w, f, c_in, c_out, p=0, s=1: _ma(h, w, f, c_in, c_out, p, s, per_out=lambda f, c: f * c),
                 ("An f x f kernel has f * f taps per channel.", "f x f 卷积核每个通道有 f * f 个抽头。")),
    KnownMistake(("the bias is counted as a multiply-add (here only the f*f*c_in products count)",
                  "把偏置也算成了一次乘加（这里只算 f*f*c_in 次乘积）"),
                 lambda h, w, f, c_in, c_out, p=0, s=1: _ma(h, w, f, c_in, c_out, p, s, per_out=lambda f, c: f * f * c + 1),
                 ("Count f * f * c_in per output value; adding the bias is not a multiplication.",
                  "每个输出值计 f * f * c_in 次；加偏置不是乘法。")),
    KnownMistake(("the output is taken as square (h_out x h_out) although the input is not",
                  "输入不是方形，却把输出当成了方形（h_out x h_out）"),
                 lambda h, w, f, c_in, c_out, p=0, s=1: _ma(h, w, f, c_in, c_out, p, s, positions="square"),
                 ("Height and width have their own output sizes: h_out * w_out.", "高和宽各有自己的输出尺寸：h_out * w_out。")),
]


TASKS = [integer_task("conv_mult_adds", "mult_adds", mult_adds_cases, MULT_ADDS_MISTAKES)]


# =========================================================================== summarize
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


def _summary(layers, input_shape, conv_bias=True, fc_bias=True, channels=True, hwc=False, mult_adds_on_input=False,
             bias_flag=True, floor=True):
    """The reference table computed with one thing changed."""
    c, h, w = input_shape
    shape = (c, h, w)
    rows = []
    for layer in layers:
        kind = layer["type"]
        params = mult_adds = 0
        if kind in ("conv", "pool"):
            f = layer["f"]
            s, p = layer.get("s", 1 if kind == "conv" else f), layer.get("p", 0)
            c, h, w = shape
            if floor:
                h_out, w_out = (h + 2 * p - f) // s + 1, (w + 2 * p - f) // s + 1
            else:
                h_out, w_out = (h + 2 * p - f) / s + 1, (w + 2 * p - f) / s + 1
            if kind == "conv":
                c_out = layer["c_out"]
                bias = (layer.get("bias", True) if bias_flag else True) and conv_bias
                params = (f * f * (c if channels else 1) + (1 if bias else 0)) * c_out
                positions = h * w if mult_adds_on_input else h_out * w_out
                mult_adds = positions * c_out * f * f * c
                shape = (c_out, h_out, w_out)
            else:
                shape = (c, h_out, w_out)
        elif kind == "flatten":
            shape = (shape[0] * shape[1] * shape[2],)
        elif kind == "fc":
            d, units = shape[0], layer["units"]
            params = (d + (1 if fc_bias else 0)) * units
            mult_adds = d * units
            shape = (units,)
        out = (shape[1], shape[2], shape[0]) if (hwc and len(shape) == 3) else shape
        rows.append({"type": kind, "output_shape": tuple(out), "params": params, "mult_adds": mult_adds})
    return rows


SUMMARY_MISTAKES = [
    KnownMistake(("the conv layers' biases are missing (one per filter)", "卷积层漏了偏置（每个滤波器一个）"),
                 lambda layers, input_shape: _summary(layers, input_shape, conv_bias=False),
                 ("A conv layer has (f * f * c_in + 1) * c_out parameters unless its dict says \"bias\": False.",
                  "卷积层有 (f * f * c_in + 1) * c_out 个参数，除非它的字典写了 \"bias\": False。")),
    KnownMistake(("a conv layer's \"bias\": False is ignored", "忽略了卷积层的 \"bias\": False"),
                 lambda layers, input_shape: _summary(layers, input_shape, bias_flag=False),
                 ("Read the flag with layer.get(\"bias\", True).", "用 layer.get(\"bias\", True) 读取这个标志。")),
    KnownMistake(("the fc layers' biases are missing (one per unit)", "全连接层漏了偏置（每个单元一个）"),
                 lambda layers, input_shape: _summary(layers, input_shape, fc_bias=False),
                 ("An fc layer from D inputs to M units has (D + 1) * M parameters.", "从 D 个输入到 M 个单元的全连接层有 (D + 1) * M 个参数。")),
    KnownMistake(("the input channels are left out of the conv parameters", "卷积参数里漏了输入通道数"),
                 lambda layers, input_shape: _summary(layers, input_shape, channels=False),
                 ("A filter spans all input channels: f * f * c_in weights.", "一个滤波器贯穿全部输入通道：f * f * c_in 个权重。")),
    KnownMistake(("output shapes are written (H, W, C); the course uses (C, H, W)", "输出形状写成了 (H, W, C)；本课程用 (C, H, W)"),
                 lambda layers, input_shape: _summary(layers, input_shape, hwc=True),
                 ("Channels first, as the input_shape (C, H, W) and the (N, C, H, W) image batches.",
                  "通道在前，与 input_shape (C, H, W) 和 (N, C, H, W) 图像批次一致。")),
    KnownMistake(("conv multiply-adds are counted on the INPUT grid instead of the output grid",
                  "卷积乘加数按输入网格而不是输出网格计算"),
                 lambda layers, input_shape: _summary(layers, input_shape, mult_adds_on_input=True),
                 ("Multiply-adds = h_out * w_out * c_out * f * f * c_in.", "乘加数 = h_out * w_out * c_out * f * f * c_in。")),
    KnownMistake(("output sizes are not floored (a fraction appears when a stride does not divide evenly)",
                  "输出尺寸没有向下取整（步长不能整除时出现小数）"),
                 lambda layers, input_shape: _summary(layers, input_shape, floor=False),
                 ("Use // in the output-size formula (your conv_output_size).", "输出尺寸公式里用 //（就是你的 conv_output_size）。")),
]

SUMMARY_HINTS = {
    "wrong_type": ("Return a list with one dict per layer, with the keys \"type\", \"output_shape\", \"params\", "
                   "\"mult_adds\"; output_shape a tuple (C, H, W) or (D,).",
                   "返回一个列表，每层一个字典，键为 \"type\"、\"output_shape\"、\"params\"、\"mult_adds\"；"
                   "output_shape 是元组 (C, H, W) 或 (D,)。"),
}

TASKS += [Task("shapes.summarize", cases=summarize_cases, outputs=("rows",), mistakes=SUMMARY_MISTAKES,
               hints=SUMMARY_HINTS)]
