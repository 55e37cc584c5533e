"""Notebook 08's windows over windows: the output size of a pooling layer, and the receptive field
of a stack of convolutions and poolings."""

import math

from checker.spec import Case, KnownMistake
from checker.topics.shapes.conv_layer import SIZE_HINTS, integer_task


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
    # padded pools come last, so that the cases above keep their random draws
    padded = [
        (("112 pixels, 3 x 3 window, stride 2, padding 1 (ResNet's stem: 56, not 55)",
          "112 像素，3 x 3 窗口，步长 2，填充 1（ResNet 的主干：56 而不是 55）"), 112, 3, 2, 1),
        (("28 pixels, 3 x 3 window, stride 1, padding 1 (an Inception module's pool branch keeps the size)",
          "28 像素，3 x 3 窗口，步长 1，填充 1（Inception 模块的池化分支保持大小）"), 28, 3, 1, 1),
    ]
    for label, n, f, s, p in padded:
        yield Case(label, n, f, s, p)


POOL_MISTAKES = [
    # padding first: on a padded case it is the likelier cause of a result it shares with a mistake below
    KnownMistake(("the padding is ignored: p pixels on each side make the input n + 2p wide",
                  "忽略了填充：每边 p 个像素使输入宽度变为 n + 2p"),
                 lambda n, f, s, p=0: (n - f) // s + 1,
                 ("With padding p the formula is (n + 2p - f) // s + 1.", "有填充 p 时公式是 (n + 2p - f) // s + 1。")),
    KnownMistake(("the padding is counted once: it is added on BOTH sides, so n + 2p",
                  "填充只算了一次：两边都要加，所以是 n + 2p"),
                 lambda n, f, s, p=0: (n + p - f) // s + 1,
                 ("Padding p goes on each side: (n + 2p - f) // s + 1.", "每边各填充 p：(n + 2p - f) // s + 1。")),
    KnownMistake(("no floor: (n - f) / s + 1 is a fraction when the stride does not divide evenly",
                  "没有向下取整：步长不能整除时 (n - f) / s + 1 是小数"),
                 lambda n, f, s, p=0: (n + 2 * p - f) / s + 1,
                 ("Use integer division: (n - f) // s + 1.", "用整数除法：(n - f) // s + 1。")),
    KnownMistake(("rounded up (ceil_mode): a last window that sticks out is counted", "向上取整（ceil_mode）：伸出去的最后一个窗口也算上了"),
                 lambda n, f, s, p=0: math.ceil((n + 2 * p - f) / s) + 1,
                 ("Windows must fit completely: floor, as PyTorch does by default.", "窗口必须完全放得下：向下取整，PyTorch 默认也是这样。")),
    KnownMistake(("the + 1 is missing", "漏了 + 1"), lambda n, f, s, p=0: (n + 2 * p - f) // s,
                 ("The first window is at position 0; each stride adds one: (n - f) // s + 1.",
                  "第一个窗口在位置 0；每走一步多一个：(n - f) // s + 1。")),
    KnownMistake(("n / s assumes the window equals the stride (true for 2 x 2 / 2, not in general)",
                  "n / s 默认窗口等于步长（2 x 2 / 2 时成立，一般不成立）"),
                 lambda n, f, s, p=0: n // s,
                 ("Pooling follows the convolution formula: (n + 2p - f) // s + 1.", "池化的输出大小与卷积公式相同：(n + 2p - f) // s + 1。")),
    KnownMistake(("n / f divides by the window instead of using the stride", "n / f 用窗口大小去除，而没有用步长"),
                 lambda n, f, s, p=0: n // f,
                 ("The stride decides how far the window moves: (n - f) // s + 1.", "窗口移动多远由步长决定：(n - f) // s + 1。")),
    KnownMistake(("the stride is ignored (the stride-1 size)", "忽略了步长（步长为 1 时的大小）"),
                 lambda n, f, s, p=0: n + 2 * p - f + 1,
                 ("Divide n - f by the stride s before adding 1.", "先把 n - f 除以步长 s，再加 1。")),
]


TASKS = [integer_task("pool_output_size", "n_out", pool_output_cases, POOL_MISTAKES, SIZE_HINTS)]


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

TASKS += [integer_task("receptive_field", "r", receptive_field_cases, RF_MISTAKES)]
