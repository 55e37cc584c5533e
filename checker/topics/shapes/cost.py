"""Notebook 08's cost of a layer: the multiply-adds of a convolution (the whole network's table is
``summary``)."""

from checker.spec import Case, KnownMistake
from checker.topics.shapes.conv_layer import integer_task, output_size


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
