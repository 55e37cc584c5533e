"""Tasks of notebook 08, CNN arithmetic: output sizes, same padding, parameter and cost counts,
receptive fields and a layer-by-layer summary of a network.

Every result is an integer (or a table of integers): ``integer_outputs`` accepts integer-valued
floats (``28.0``) but a fractional size such as ``3.5`` is a mismatch, and a known mistake names
the usual cause (a missing floor).
"""

import math

from checker.spec import Case, KnownMistake, Task


def _span(f, d=1):
    return d * (f - 1) + 1


def _size(n, f, p, s, d=1):
    return (n + 2 * p - _span(f, d)) // s + 1


# =========================================================================== conv_output_size
def conv_output_cases(rng):
    # the first case has no argument equal to 0 (see the engine note in the final report: a size of 0
    # in the first case makes the across-case scale diagnosis divide by zero)
    fixed = [
        (("28 pixels, 5 x 5 kernel, padding 2 ('same'), stride 1", "28 像素，5 x 5 卷积核，填充 2（same），步长 1"), 28, 5, 2, 1, 1),
        (("32 x 32 input, 5 x 5 kernel, no padding, stride 1 (LeNet C1)", "32 x 32 输入，5 x 5 卷积核，无填充，步长 1（LeNet C1）"), 32, 5, 0, 1, 1),
        (("28 pixels, 3 x 3 kernel, padding 1 ('same'), stride 1", "28 像素，3 x 3 卷积核，填充 1（same），步长 1"), 28, 3, 1, 1, 1),
        (("7 pixels, 3 x 3 kernel, stride 2 that divides evenly", "7 像素，3 x 3 卷积核，步长 2 恰好整除"), 7, 3, 0, 2, 1),
        (("8 pixels, 3 x 3 kernel, stride 2 that does not divide (floor)", "8 像素，3 x 3 卷积核，步长 2 不能整除（向下取整）"), 8, 3, 0, 2, 1),
        (("227 pixels, 11 x 11 kernel, stride 4 (AlexNet conv1)", "227 像素，11 x 11 卷积核，步长 4（AlexNet conv1）"), 227, 11, 0, 4, 1),
        (("224 pixels, 11 x 11 kernel, padding 2, stride 4 (uneven)", "224 像素，11 x 11 卷积核，填充 2，步长 4（不能整除）"), 224, 11, 2, 4, 1),
        (("10 pixels, 3 x 3 kernel, dilation 2, no padding", "10 像素，3 x 3 卷积核，空洞率 2，无填充"), 10, 3, 0, 1, 2),
        (("15 pixels, 3 x 3 kernel, dilation 2, padding 2, stride 2", "15 像素，3 x 3 卷积核，空洞率 2，填充 2，步长 2"), 15, 3, 2, 2, 2),
        (("5 pixels, 5 x 5 kernel (one position only)", "5 像素，5 x 5 卷积核（只有一个位置）"), 5, 5, 0, 1, 1),
        (("28 pixels, 1 x 1 kernel", "28 像素，1 x 1 卷积核"), 28, 1, 0, 1, 1),
        (("6 pixels, 4 x 4 kernel, padding 3 (full), stride 1", "6 像素，4 x 4 卷积核，填充 3（full），步长 1"), 6, 4, 3, 1, 1),
    ]
    for label, n, f, p, s, d in fixed:
        yield Case(label, n, f, p, s, d=d)
    for _ in range(2):  # random settings (a different draw for every grading seed)
        while True:
            n, f, p = int(rng.integers(9, 65)), int(rng.choice([1, 3, 5, 7])), int(rng.integers(0, 4))
            s, d = int(rng.integers(1, 5)), int(rng.integers(1, 3))
            if _span(f, d) <= n + 2 * p and (n + 2 * p - _span(f, d)) % s:
                break
        yield Case((f"random: n={n}, f={f}, p={p}, s={s}, d={d}", f"随机：n={n}, f={f}, p={p}, s={s}, d={d}"), n, f, p, s, d=d)


def _conv_no_floor(n, f, p, s, d=1):
    return (n + 2 * p - d * (f - 1) - 1) / s + 1


def _conv_ceil(n, f, p, s, d=1):
    return math.ceil((n + 2 * p - d * (f - 1) - 1) / s) + 1


def _conv_no_plus_one(n, f, p, s, d=1):
    # with a dilated kernel the same result also comes from a span of d * f (see the next mistake)
    return (n + 2 * p - d * (f - 1) - 1) // s if d == 1 else None


def _conv_one_short_dilated(n, f, p, s, d=1):
    """d * f as the span of a dilated kernel gives either the right size or one less, the same number
    as a missing + 1; on a dilated case the two cannot be told apart."""
    return (n + 2 * p - d * (f - 1) - 1) // s if d > 1 else None


def _conv_padding_once(n, f, p, s, d=1):
    return (n + p - d * (f - 1) - 1) // s + 1


def _conv_no_dilation(n, f, p, s, d=1):
    return (n + 2 * p - f) // s + 1


def _conv_no_stride(n, f, p, s, d=1):
    return n + 2 * p - d * (f - 1)


CONV_SIZE_MISTAKES = [
    KnownMistake(("no floor: (n + 2p - f) / s + 1 is a fraction when the stride does not divide evenly",
                  "没有向下取整：步长不能整除时 (n + 2p - f) / s + 1 是小数"), _conv_no_floor,
                 ("A window that would stick out of the padded input is not used: take the floor, "
                  "(n + 2 * p - d * (f - 1) - 1) // s + 1 with integer division //.",
                  "会伸出填充后输入的窗口不算：要向下取整，用整数除法 //：(n + 2 * p - d * (f - 1) - 1) // s + 1。")),
    KnownMistake(("rounded up (ceil) instead of down: a last window that sticks out is counted",
                  "向上取整（ceil）而不是向下取整：伸出去的最后一个窗口也被算上了"), _conv_ceil,
                 ("Only windows that fit completely count: floor, not ceil (PyTorch's default ceil_mode=False).",
                  "只有完全放得下的窗口才算：向下取整，而不是向上取整（PyTorch 默认 ceil_mode=False）。")),
    KnownMistake(("the + 1 is missing: (n + 2p - f) / s counts the steps, not the positions",
                  "漏了 + 1：(n + 2p - f) / s 数的是移动的步数，不是位置的个数"), _conv_no_plus_one,
                 ("With s = 1 a kernel as wide as the input fits exactly once: n - f + 1, not n - f. "
                  "The first position is free, each stride adds one more.",
                  "s = 1 时与输入等宽的卷积核恰好放得下一次：n - f + 1，而不是 n - f。第一个位置是白送的，每走一步多一个。")),
    KnownMistake(("the padding is counted once: p pixels are added on BOTH sides, so n + 2p",
                  "填充只算了一次：两侧各加 p 个像素，所以是 n + 2p"), _conv_padding_once,
                 ("p is the padding per side; the padded input has n + 2 * p pixels.",
                  "p 是每一侧的填充；填充后的输入有 n + 2 * p 个像素。")),
    KnownMistake(("the dilation is ignored: a dilated kernel spans d(f - 1) + 1 pixels, not f",
                  "忽略了空洞率：空洞卷积核覆盖 d(f - 1) + 1 个像素，而不是 f 个"), _conv_no_dilation,
                 ("With dilation d there are d - 1 holes between neighbouring taps: the kernel spans d * (f - 1) + 1 pixels.",
                  "空洞率为 d 时相邻两个抽头之间有 d - 1 个空洞：卷积核覆盖 d * (f - 1) + 1 个像素。")),
    KnownMistake(("one position short with a dilated kernel: either its span was taken as d * f pixels (it is "
                  "d(f - 1) + 1), or the + 1 is missing",
                  "空洞卷积核少算了一个位置：要么把它的宽度当成了 d * f（应为 d(f - 1) + 1），要么漏了 + 1"),
                 _conv_one_short_dilated,
                 ("Count the holes: f taps have f - 1 gaps of d pixels each, so the span is d * (f - 1) + 1; "
                  "and the first position counts: ... // s + 1.",
                  "数一数空洞：f 个抽头之间有 f - 1 个间隔，每个间隔 d 个像素，所以宽度是 d * (f - 1) + 1；"
                  "第一个位置也要算：... // s + 1。")),
    KnownMistake(("the stride is ignored (the result is the stride-1 size)", "忽略了步长（结果是步长为 1 时的大小）"),
                 _conv_no_stride,
                 ("With stride s the kernel moves s pixels at a time: divide the room it has, n + 2p - d(f - 1) - 1, by s.",
                  "步长为 s 时卷积核每次移动 s 个像素：把它可移动的空间 n + 2p - d(f - 1) - 1 除以 s。")),
]

SIZE_HINTS = {
    "dtype": ("A size is a whole number: use integer division // (or int(...) of a floor).",
              "尺寸是整数：用整数除法 //（或对向下取整的结果用 int(...)）。"),
    "offset": ("Every result is off by the same amount: check the + 1 and the - 1 in the formula.",
               "每个结果都差同样的数：检查公式里的 + 1 和 - 1。"),
}


# =========================================================================== same_padding
def same_padding_cases(rng):
    # the first case tells every known mistake apart (a report shows the first case's diagnosis)
    for f in (5, 1, 3, 7, 11):
        yield Case((f"{f} x {f} kernel", f"{f} x {f} 卷积核"), f)
    f = int(rng.choice([9, 13, 15, 17, 19, 21]))
    yield Case((f"{f} x {f} kernel (random)", f"{f} x {f} 卷积核（随机）"), f)


SAME_MISTAKES = [
    KnownMistake(("(f + 1) / 2, the formula in the notes, pads one pixel too many on each side "
                  "(the output grows by 2)", "笔记中的 (f + 1) / 2 每侧多填了一个像素（输出变大 2）"),
                 lambda f: (f + 1) / 2,
                 ("Solve n + 2p - f + 1 = n for p: p = (f - 1) / 2.", "解方程 n + 2p - f + 1 = n 得 p = (f - 1) / 2。")),
    KnownMistake(("f / 2 is half a pixel too much (and not an integer for an odd kernel)",
                  "f / 2 多了半个像素（奇数卷积核时还不是整数）"),
                 lambda f: f / 2,
                 ("The kernel covers the centre pixel and (f - 1) / 2 pixels on each side of it: p = (f - 1) // 2.",
                  "卷积核覆盖中心像素及其两侧各 (f - 1) / 2 个像素：p = (f - 1) // 2。")),
    KnownMistake(("f - 1 is the padding of both sides together; p is per side", "f - 1 是两侧填充之和；p 是每一侧的填充"),
                 lambda f: f - 1,
                 ("Split the f - 1 pixels the kernel loses between the two sides: p = (f - 1) // 2.",
                  "把卷积核损失的 f - 1 个像素平分到两侧：p = (f - 1) // 2。")),
    KnownMistake(("0 is 'valid' padding, which shrinks the output by f - 1", "0 是 valid 填充，输出会缩小 f - 1"),
                 lambda f: 0,
                 ("Same padding keeps the size: p = (f - 1) // 2.", "same 填充保持尺寸不变：p = (f - 1) // 2。")),
]


# =========================================================================== conv_params
def conv_params_cases(rng):
    # LeNet C3 first: every known mistake gives a different number there (a report shows the first
    # case's diagnosis; in the 280 example, c_in = f = 3, two mistakes give the same count)
    yield Case(("LeNet C3: 16 filters 5 x 5 x 6", "LeNet C3：16 个 5 x 5 x 6 滤波器"), 5, 6, 16)
    yield Case(("10 filters 3 x 3 x 3 (the notes' 280 example)", "10 个 3 x 3 x 3 滤波器（笔记中 280 的例子）"), 3, 3, 10)
    yield Case(("LeNet C1: 6 filters 5 x 5 x 1", "LeNet C1：6 个 5 x 5 x 1 滤波器"), 5, 1, 6)
    yield Case(("1 x 1 bottleneck, 192 -> 16 channels", "1 x 1 瓶颈层，192 -> 16 通道"), 1, 192, 16)
    yield Case(("AlexNet conv1: 96 filters 11 x 11 x 3", "AlexNet conv1：96 个 11 x 11 x 3 滤波器"), 11, 3, 96)
    yield Case(("3 x 3, 64 -> 64 channels, no bias (followed by batch norm)", "3 x 3，64 -> 64 通道，无偏置（后接批归一化）"),
               3, 64, 64, bias=False)
    yield Case(("7 x 7, 3 -> 64 channels, no bias", "7 x 7，3 -> 64 通道，无偏置"), 7, 3, 64, bias=False)
    f, c_in, c_out = int(rng.choice([1, 3, 5])), int(rng.integers(2, 65)), int(rng.integers(2, 129))
    yield Case((f"random: {f} x {f}, {c_in} -> {c_out} channels", f"随机：{f} x {f}，{c_in} -> {c_out} 通道"), f, c_in, c_out)


PARAM_MISTAKES = [
    KnownMistake(("the bias is forgotten: each filter has one bias besides its f*f*c_in weights",
                  "漏了偏置：每个滤波器除了 f*f*c_in 个权重还有 1 个偏置"),
                 lambda f, c_in, c_out, bias=True: f * f * c_in * c_out,
                 ("Count (f * f * c_in + 1) per filter when bias is True.", "bias 为 True 时每个滤波器有 (f * f * c_in + 1) 个参数。")),
    KnownMistake(("a bias is counted although bias=False", "bias=False 时仍然算了偏置"),
                 lambda f, c_in, c_out, bias=True: (f * f * c_in + 1) * c_out,
                 ("Add the bias only when bias is True (layers followed by batch norm usually have none).",
                  "只有 bias 为 True 时才加偏置（后接批归一化的层通常没有偏置）。")),
    KnownMistake(("the input channels are forgotten: a filter spans all c_in channels, f*f*c_in weights",
                  "漏了输入通道：一个滤波器贯穿全部 c_in 个通道，有 f*f*c_in 个权重"),
                 lambda f, c_in, c_out, bias=True: (f * f + (1 if bias else 0)) * c_out,
                 ("Each filter is f x f x c_in: multiply by c_in.", "每个滤波器是 f x f x c_in：要乘以 c_in。")),
    KnownMistake(("one bias per input channel: a filter has a single bias, however many channels it spans",
                  "每个输入通道一个偏置：一个滤波器不管贯穿多少通道都只有一个偏置"),
                 lambda f, c_in, c_out, bias=True: (f * f + (1 if bias else 0)) * c_in * c_out,
                 ("(f * f * c_in + 1) * c_out: the + 1 sits outside the product with c_in.",
                  "(f * f * c_in + 1) * c_out：+ 1 在与 c_in 的乘积之外。")),
    KnownMistake(("a single bias for the whole layer: there is one per filter", "整层只算了一个偏置：应每个滤波器一个"),
                 lambda f, c_in, c_out, bias=True: f * f * c_in * c_out + (1 if bias else 0),
                 ("Every filter (output channel) has its own bias: + c_out, not + 1.", "每个滤波器（输出通道）有自己的偏置：加 c_out，而不是加 1。")),
    KnownMistake(("the kernel is counted as f weights instead of f * f", "卷积核按 f 个权重算了，而不是 f * f"),
                 lambda f, c_in, c_out, bias=True: (f * c_in + (1 if bias else 0)) * c_out,
                 ("An f x f kernel has f * f weights per channel.", "f x f 卷积核每个通道有 f * f 个权重。")),
    KnownMistake(("the number of filters is forgotten: that is one filter's count", "漏了滤波器个数：这只是一个滤波器的参数"),
                 lambda f, c_in, c_out, bias=True: f * f * c_in + (1 if bias else 0),
                 ("Multiply one filter's count by the number of filters c_out.", "把一个滤波器的参数数乘以滤波器个数 c_out。")),
]


# =========================================================================== pool_output_size
def pool_output_cases(rng):
    fixed = [
        (("224 pixels, 2 x 2 window, stride 2 (VGG)", "224 像素，2 x 2 窗口，步长 2（VGG）"), 224, 2, 2),
        (("55 pixels, overlapping 3 x 3 window, stride 2 (AlexNet)", "55 像素，重叠的 3 x 3 窗口，步长 2（AlexNet）"), 55, 3, 2),
        (("13 pixels, 3 x 3 window, stride 2", "13 像素，3 x 3 窗口，步长 2"), 13, 3, 2),
        (("5 pixels, 2 x 2 window, stride 2 (the last row is dropped)", "5 像素，2 x 2 窗口，步长 2（最后一行被丢弃）"), 5, 2, 2),
        (("7 pixels, 3 x 3 window, stride 1", "7 像素，3 x 3 窗口，步长 1"), 7, 3, 1),
        (("10 pixels, 3 x 3 window, stride 3 (uneven)", "10 像素，3 x 3 窗口，步长 3（不能整除）"), 10, 3, 3),
        (("6 pixels, 6 x 6 window (global)", "6 像素，6 x 6 窗口（全局）"), 6, 6, 1),
    ]
    for label, n, f, s in fixed:
        yield Case(label, n, f, s)
    while True:
        n, f, s = int(rng.integers(8, 100)), int(rng.integers(2, 5)), int(rng.integers(2, 4))
        if (n - f) % s:
            break
    yield Case((f"random: n={n}, f={f}, s={s}", f"随机：n={n}, f={f}, s={s}"), n, f, s)


POOL_MISTAKES = [
    KnownMistake(("no floor: (n - f) / s + 1 is a fraction when the stride does not divide evenly",
                  "没有向下取整：步长不能整除时 (n - f) / s + 1 是小数"),
                 lambda n, f, s: (n - f) / s + 1,
                 ("Use integer division: (n - f) // s + 1.", "用整数除法：(n - f) // s + 1。")),
    KnownMistake(("rounded up (ceil_mode): a last window that sticks out is counted", "向上取整（ceil_mode）：伸出去的最后一个窗口也算上了"),
                 lambda n, f, s: math.ceil((n - f) / s) + 1,
                 ("Windows must fit completely: floor, as PyTorch does by default.", "窗口必须完全放得下：向下取整，PyTorch 默认也是这样。")),
    KnownMistake(("the + 1 is missing", "漏了 + 1"), lambda n, f, s: (n - f) // s,
                 ("The first window is at position 0; each stride adds one: (n - f) // s + 1.",
                  "第一个窗口在位置 0；每走一步多一个：(n - f) // s + 1。")),
    KnownMistake(("n / s assumes the window equals the stride (true for 2 x 2 / 2, not in general)",
                  "n / s 默认窗口等于步长（2 x 2 / 2 时成立，一般不成立）"),
                 lambda n, f, s: n // s,
                 ("Pooling is a convolution without padding: (n - f) // s + 1.", "池化就是不填充的卷积：(n - f) // s + 1。")),
    KnownMistake(("n / f divides by the window instead of using the stride", "n / f 用窗口大小去除，而没有用步长"),
                 lambda n, f, s: n // f,
                 ("The stride decides how far the window moves: (n - f) // s + 1.", "窗口移动多远由步长决定：(n - f) // s + 1。")),
    KnownMistake(("the stride is ignored (the stride-1 size)", "忽略了步长（步长为 1 时的大小）"),
                 lambda n, f, s: n - f + 1,
                 ("Divide n - f by the stride s before adding 1.", "先把 n - f 除以步长 s，再加 1。")),
]


# =========================================================================== receptive_field
def receptive_field_cases(rng):
    fixed = [
        (("no layers: one pixel", "没有层：一个像素"), []),
        (("two 3 x 3 convolutions, stride 1", "两个 3 x 3 卷积，步长 1"), [(3, 1), (3, 1)]),
        (("three 3 x 3 convolutions (one 7 x 7 field)", "三个 3 x 3 卷积（相当于 7 x 7）"), [(3, 1), (3, 1), (3, 1)]),
        (("two 2 x 2 pools, stride 2", "两个 2 x 2 池化，步长 2"), [(2, 2), (2, 2)]),
        (("LeNet-5: conv 5, pool 2/2, conv 5, pool 2/2", "LeNet-5：卷积 5，池化 2/2，卷积 5，池化 2/2"),
         [(5, 1), (2, 2), (5, 1), (2, 2)]),
        (("AlexNet conv1 to pool5", "AlexNet 从 conv1 到 pool5"),
         [(11, 4), (3, 2), (5, 1), (3, 2), (3, 1), (3, 1), (3, 1), (3, 2)]),
        (("3 x 3 convolutions with dilation 1, 2, 4", "空洞率 1、2、4 的 3 x 3 卷积"), [(3, 1, 1), (3, 1, 2), (3, 1, 4)]),
        (("stride 2 first, then a dilated 3 x 3 and a 5 x 5", "先步长 2，再接空洞 3 x 3 和 5 x 5"), [(3, 2), (3, 1, 2), (5, 1)]),
    ]
    for label, layers in fixed:
        yield Case(label, layers)
    layers = [(int(rng.choice([1, 3, 5, 7])), int(rng.integers(1, 3))) for _ in range(int(rng.integers(3, 7)))]
    yield Case((f"random stack {layers}", f"随机堆叠 {layers}"), layers)


def _rf(layers, jump_first=False, use_stride=True, use_dilation=True, own_stride=False, minus_one=True):
    r, jump = 1, 1
    for layer in layers:
        f, s = layer[0], layer[1]
        d = layer[2] if (len(layer) == 3 and use_dilation) else 1
        if jump_first:
            jump *= s
        step = s if own_stride else (jump if use_stride else 1)
        r += d * (f - (1 if minus_one else 0)) * step
        if not jump_first:
            jump *= s
    return r


RF_MISTAKES = [
    KnownMistake(("the strides are ignored: each layer adds d(f - 1) times the product of the strides BELOW it, "
                  "not d(f - 1)", "忽略了步长：每层增加的是 d(f - 1) 乘以它下面各层步长之积，而不是 d(f - 1)"),
                 lambda layers: _rf(layers, use_stride=False),
                 ("Keep a running 'jump' j (input pixels between neighbouring units, start 1): r += d * (f - 1) * j, "
                  "then j *= s.", "维护一个“跳距” j（相邻单元在输入上相隔的像素数，初值 1）：r += d * (f - 1) * j，然后 j *= s。")),
    KnownMistake(("a layer's own stride is used too early: multiply the jump by s AFTER adding the layer's kernel",
                  "过早用上了本层的步长：应在加上本层卷积核之后再把跳距乘以 s"),
                 lambda layers: _rf(layers, jump_first=True),
                 ("A layer's stride spreads the units of the layers ABOVE it; its own kernel still sees neighbouring "
                  "units of its input.", "一层的步长拉开的是它上面各层单元的间距；它自己的卷积核看到的仍是输入中相邻的单元。")),
    KnownMistake(("each layer's kernel is multiplied by its own stride instead of the product of the strides below it",
                  "每层的卷积核乘的是它自己的步长，而不是它下面各层步长之积"),
                 lambda layers: _rf(layers, own_stride=True),
                 ("The factor is the product of the strides of all earlier layers (the jump), not the layer's own stride.",
                  "乘的因子是前面所有层步长之积（跳距），不是本层自己的步长。")),
    KnownMistake(("the dilation is ignored: a dilated kernel spans d(f - 1) + 1 pixels",
                  "忽略了空洞率：空洞卷积核覆盖 d(f - 1) + 1 个像素"),
                 lambda layers: _rf(layers, use_dilation=False),
                 ("Use the third entry d when a layer has one: each layer adds d * (f - 1) * jump.",
                  "某层有第三个数 d 时要用上：每层增加 d * (f - 1) * jump。")),
    KnownMistake(("each layer adds f instead of f - 1 (the centre pixel is counted again)",
                  "每层加的是 f 而不是 f - 1（中心像素被重复计算）"),
                 lambda layers: _rf(layers, minus_one=False),
                 ("Stacking two 3 x 3 convolutions gives 5, not 6: a kernel widens the field by f - 1.",
                  "叠两个 3 x 3 卷积得到 5 而不是 6：一个卷积核使感受野加宽 f - 1。")),
]


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
    h_out, w_out = _size(h, f, p, s), _size(w, f, p, s)
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


# =========================================================================== summarize
def _net_lenet5():
    return [{"type": "conv", "f": 5, "c_out": 6, "s": 1, "p": 0}, {"type": "pool", "f": 2, "s": 2},
            {"type": "conv", "f": 5, "c_out": 16, "s": 1, "p": 0}, {"type": "pool", "f": 2, "s": 2},
            {"type": "flatten"}, {"type": "fc", "units": 120}, {"type": "fc", "units": 84}, {"type": "fc", "units": 10}]


def _net_alexnet():
    conv = [(11, 96, 4, 0), (5, 256, 1, 2), (3, 384, 1, 1), (3, 384, 1, 1), (3, 256, 1, 1)]
    layers = []
    for i, (f, c, s, p) in enumerate(conv):
        layers.append({"type": "conv", "f": f, "c_out": c, "s": s, "p": p})
        if i in (0, 1, 4):
            layers.append({"type": "pool", "f": 3, "s": 2})
    return layers + [{"type": "flatten"}, {"type": "fc", "units": 4096}, {"type": "fc", "units": 4096},
                     {"type": "fc", "units": 1000}]


def _net_vgg16():
    layers = []
    for width, repeat in [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]:
        layers += [{"type": "conv", "f": 3, "c_out": width, "s": 1, "p": 1} for _ in range(repeat)]
        layers.append({"type": "pool", "f": 2, "s": 2})
    return layers + [{"type": "flatten"}, {"type": "fc", "units": 4096}, {"type": "fc", "units": 4096},
                     {"type": "fc", "units": 1000}]


def _random_net(rng):
    c, h, w = int(rng.integers(1, 4)), int(rng.integers(12, 25)), int(rng.integers(12, 25))
    layers = []
    hh, ww = h, w
    for _ in range(2):
        f = int(rng.choice([3, 5]))
        p, s = int(rng.choice([0, f // 2])), int(rng.integers(1, 3))
        if _span(f) > min(hh, ww) + 2 * p:
            break
        layers.append({"type": "conv", "f": f, "c_out": int(rng.integers(2, 9)), "s": s, "p": p})
        hh, ww = _size(hh, f, p, s), _size(ww, f, p, s)
        if min(hh, ww) >= 2:
            layers.append({"type": "pool", "f": 2, "s": 2})
            hh, ww = _size(hh, 2, 0, 2), _size(ww, 2, 0, 2)
    layers += [{"type": "flatten"}, {"type": "fc", "units": int(rng.integers(5, 21))}, {"type": "fc", "units": 3}]
    return layers, (c, h, w)


def summarize_cases(rng):
    yield Case(("LeNet-5 on a 1 x 32 x 32 image", "LeNet-5，输入 1 x 32 x 32"), _net_lenet5(), (1, 32, 32))
    yield Case(("non-square 3 x 20 x 30 input, same conv, pool, stride-2 conv, fc",
                "非方形 3 x 20 x 30 输入，same 卷积、池化、步长 2 卷积、全连接"),
               [{"type": "conv", "f": 3, "c_out": 4, "s": 1, "p": 1}, {"type": "pool", "f": 2, "s": 2},
                {"type": "conv", "f": 3, "c_out": 8, "s": 2, "p": 0}, {"type": "flatten"}, {"type": "fc", "units": 10}],
               (3, 20, 30))
    yield Case(("uneven strides (floor) and a conv without bias", "不能整除的步长（向下取整）和一个无偏置的卷积"),
               [{"type": "conv", "f": 3, "c_out": 5, "s": 2, "p": 0, "bias": False}, {"type": "pool", "f": 3, "s": 2},
                {"type": "flatten"}, {"type": "fc", "units": 7}],
               (2, 16, 11))
    yield Case(("AlexNet as published, 3 x 227 x 227", "原论文的 AlexNet，3 x 227 x 227"), _net_alexnet(), (3, 227, 227))
    yield Case(("VGG16, 3 x 224 x 224", "VGG16，3 x 224 x 224"), _net_vgg16(), (3, 224, 224))
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

TASKS = [
    Task("shapes.conv_output_size", cases=conv_output_cases, outputs=("n_out",), integer_outputs=("n_out",),
         mistakes=CONV_SIZE_MISTAKES, hints=SIZE_HINTS),
    Task("shapes.same_padding", cases=same_padding_cases, outputs=("p",), integer_outputs=("p",),
         mistakes=SAME_MISTAKES, hints=SIZE_HINTS),
    Task("shapes.conv_params", cases=conv_params_cases, outputs=("params",), integer_outputs=("params",),
         mistakes=PARAM_MISTAKES),
    Task("shapes.pool_output_size", cases=pool_output_cases, outputs=("n_out",), integer_outputs=("n_out",),
         mistakes=POOL_MISTAKES, hints=SIZE_HINTS),
    Task("shapes.receptive_field", cases=receptive_field_cases, outputs=("r",), integer_outputs=("r",),
         mistakes=RF_MISTAKES),
    Task("shapes.conv_mult_adds", cases=mult_adds_cases, outputs=("mult_adds",), integer_outputs=("mult_adds",),
         mistakes=MULT_ADDS_MISTAKES),
    Task("shapes.summarize", cases=summarize_cases, outputs=("rows",), mistakes=SUMMARY_MISTAKES, hints=SUMMARY_HINTS),
]
