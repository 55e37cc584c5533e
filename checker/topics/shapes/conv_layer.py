"""Notebook 08's arithmetic of one convolution layer: its output size, same padding and its
number of parameters."""

import math

from checker.spec import Case, KnownMistake, Task


def integer_task(function, output, cases, mistakes, hints=None) -> Task:
    """A task of notebook 08 whose one result ``output`` is a whole number."""
    return Task(f"shapes.{function}", cases=cases, outputs=(output,), integer_outputs=(output,), mistakes=mistakes,
                hints=hints or {})


def span(f, d=1):
    """Pixels covered by a kernel of f taps with dilation d."""
    return d * (f - 1) + 1


def output_size(n, f, p, s, d=1):
    return (n + 2 * p - span(f, d)) // s + 1


# =========================================================================== conv_output_size
def conv_output_cases(rng):
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
            if span(f, d) <= n + 2 * p and (n + 2 * p - span(f, d)) % s:
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


TASKS = [integer_task("conv_output_size", "n_out", conv_output_cases, CONV_SIZE_MISTAKES, SIZE_HINTS)]


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


TASKS += [integer_task("same_padding", "p", same_padding_cases, SAME_MISTAKES, SIZE_HINTS)]


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

TASKS += [integer_task("conv_params", "params", conv_params_cases, PARAM_MISTAKES)]
