"""Mini-batches and moving averages: ``random_mini_batches`` and ``ewma``.

``random_mini_batches`` is randomised: any permutation is right, so its result is checked by its
properties only (see ``common.Opaque``): a list of ``(X_batch, y_batch)`` pairs of the right sizes
that together hold every sample once, X and y shuffled together, the same batches for the same
seed, another order for another seed. Rows of ``X`` are distinct, so every row of a batch names the
sample it came from; labels are distinct in most cases, so a shuffle of ``y`` alone shows.
"""

import math

import numpy as np

from checker.spec import Case, KnownMistake, Property, Task
from checker.topics.optim.common import Opaque, t


# =========================================================================== random_mini_batches
def batch_cases(rng):
    def data(N, shape=None, labels=None):
        X = rng.normal(size=(N, *(shape or (3,))))
        y = rng.permutation(N) if labels is None else rng.integers(0, labels, size=N)
        return X, y.astype(np.int64)

    seed = lambda: int(rng.integers(0, 10_000))  # noqa: E731
    X, y = data(50)
    yield Case(("50 samples, batch_size 16: the last batch has 2", "50 个样本，batch_size 16：最后一批只有 2 个"),
               X, y, 16, seed())
    X, y = data(37, (2, 3))
    yield Case(("37 images (2, 3), batch_size 10: the last batch has 7", "37 张图像 (2, 3)，batch_size 10：最后一批有 7 个"),
               X, y, 10, seed())
    X, y = data(48, labels=4)
    yield Case(("48 samples with labels 0..3, batch_size 12 (divides N)", "48 个样本，标签为 0..3，batch_size 12（整除 N）"),
               X, y, 12, seed())
    X, y = data(6)
    yield Case(("6 samples, batch_size 1 (stochastic gradient descent)", "6 个样本，batch_size 1（随机梯度下降）"),
               X, y, 1, seed())
    X, y = data(20)
    yield Case(("20 samples, batch_size 100 (one batch holds all)", "20 个样本，batch_size 100（一批装下全部）"),
               X, y, 100, seed())
    X, y = data(130)
    yield Case(("130 samples, the defaults batch_size=64, seed=0", "130 个样本，默认值 batch_size=64、seed=0"), X, y)


def _arguments(case):
    named = dict(zip(("X", "y", "batch_size", "seed"), case.args))
    named.update(case.kwargs)
    named.setdefault("batch_size", 64)
    named.setdefault("seed", 0)
    return named


def _batches(result):
    """The batches as a list of (X_batch, y_batch) arrays, or a message saying why they are not."""
    value = result.value if isinstance(result, Opaque) else result
    if not isinstance(value, (list, tuple)):
        return None, (f"expected a list of (X_batch, y_batch) pairs, got {type(value).__name__}",
                      f"应返回由 (X_batch, y_batch) 组成的列表，实际得到 {type(value).__name__}")
    batches = []
    for i, pair in enumerate(value):
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
            return None, (f"batch {i} is not a pair (X_batch, y_batch): {type(pair).__name__}",
                          f"第 {i} 批不是一对 (X_batch, y_batch)：{type(pair).__name__}")
        X_batch, y_batch = (np.asarray(part) for part in pair)
        batches.append((X_batch, y_batch))
    return batches, None


def _rows(X, X_batch):
    """For every row of X_batch, the index of the equal row of X (-1 when there is none)."""
    index = {X[i].tobytes(): i for i in range(len(X))}
    return [index.get(np.asarray(row, dtype=X.dtype).tobytes(), -1) for row in X_batch]


def batch_sizes(got, expected, case, call):
    named = _arguments(case)
    X, size = named["X"], named["batch_size"]
    batches, problem = _batches(got["batches"])
    if problem:
        return problem
    N = len(X)
    want = [min(size, N - k) for k in range(0, N, size)]
    sizes = [len(b[0]) if b[0].ndim else -1 for b in batches]
    if sizes != want:
        extra = ""
        if sizes == want[:-1]:
            extra = t(" (the last, smaller batch is missing)", "（缺少最后那个较小的批次）")
        elif sum(s for s in sizes if s > 0) < N and len(sizes) == N // size:
            extra = t(" (N // batch_size batches drop the remainder: use ceil(N / batch_size))",
                      "（N // batch_size 个批次丢掉了余下的样本：应为 ceil(N / batch_size) 个）")
        return (t(f"batch sizes {sizes[:8]}{'...' if len(sizes) > 8 else ''}, expected {want[:8]}"
                  f"{'...' if len(want) > 8 else ''} ({math.ceil(N / size)} batches: N = {N}, batch_size = {size})",
                  f"各批大小为 {sizes[:8]}{'...' if len(sizes) > 8 else ''}，应为 {want[:8]}"
                  f"{'...' if len(want) > 8 else ''}（共 {math.ceil(N / size)} 批：N = {N}，batch_size = {size}）"), extra)
    for i, (X_batch, y_batch) in enumerate(batches):
        if X_batch.shape[1:] != X.shape[1:]:
            return (f"X_batch {i} has shape {X_batch.shape}; each sample keeps X's shape {X.shape[1:]}",
                    f"第 {i} 个 X_batch 的形状为 {X_batch.shape}；每个样本应保持 X 的形状 {X.shape[1:]}")
        if y_batch.shape != (len(X_batch),):
            return (f"y_batch {i} has shape {y_batch.shape}, expected ({len(X_batch)},): keep y one-dimensional",
                    f"第 {i} 个 y_batch 的形状为 {y_batch.shape}，应为 ({len(X_batch)},)：y 应保持一维")
    return None


def _ordered(got, case):
    """(indices of the samples in batch order, or None) when the sizes are right."""
    named = _arguments(case)
    batches, problem = _batches(got["batches"])
    if problem or batch_sizes(got, None, case, None) is not None:
        return None
    return [i for X_batch, _ in batches for i in _rows(named["X"], X_batch)]


def batch_partition(got, expected, case, call):
    order = _ordered(got, case)
    if order is None:
        return None
    N = len(_arguments(case)["X"])
    unknown = order.count(-1)
    if unknown:
        return (f"{unknown} rows of the batches are not rows of X (changed values or dtype?): batches hold the "
                "samples themselves, X[order[k:k + batch_size]]",
                f"批次中有 {unknown} 行不是 X 的行（数值或类型被改动了？）：批次应包含样本本身 X[order[k:k + batch_size]]")
    repeated = len(order) - len(set(order))
    if repeated or len(set(order)) != N:
        return (f"{repeated} samples appear more than once and {N - len(set(order))} never: draw one permutation "
                "(np.random.permutation(N)), not indices with replacement",
                f"有 {repeated} 个样本出现了不止一次，{N - len(set(order))} 个从未出现：应抽取一个排列 "
                "(np.random.permutation(N))，而不是有放回地抽取下标")
    return None


def batch_pairing(got, expected, case, call):
    order = _ordered(got, case)
    if order is None or -1 in order or len(set(order)) != len(order):
        return None
    y = _arguments(case)["y"]
    batches, _ = _batches(got["batches"])
    labels = np.concatenate([np.ravel(y_batch) for _, y_batch in batches])
    wrong = int(np.count_nonzero(labels != y[order]))
    if wrong:
        return (f"{wrong} of {len(y)} labels no longer belong to their sample: shuffle X and y with the same "
                "permutation (X[perm], y[perm])",
                f"{len(y)} 个标签中有 {wrong} 个不再对应它的样本：X 和 y 要用同一个排列打乱（X[perm], y[perm]）")
    return None


def batch_shuffled(got, expected, case, call):
    order = _ordered(got, case)
    if order is None or len(order) < 10:
        return None
    if order == sorted(order):
        return (f"the {len(order)} samples are in their original order 0, 1, 2, ...: shuffle them first "
                "(a permutation of range(N))",
                f"{len(order)} 个样本保持原来的顺序 0, 1, 2, ...：请先打乱（range(N) 的一个排列）")
    return None


def batch_seed(got, expected, case, call):
    order = _ordered(got, case)
    if order is None:
        return None
    named = _arguments(case)
    seed = named["seed"]
    again = _ordered(call(), case)
    if again != order:
        return (f"two calls with seed={seed} gave different batches: seed the generator with the seed "
                "(np.random.seed(seed), or rng = np.random.default_rng(seed))",
                f"两次使用 seed={seed} 调用得到的批次不同：请用 seed 设置随机数生成器"
                "（np.random.seed(seed)，或 rng = np.random.default_rng(seed)）")
    if len(order) >= 10:
        others = [_ordered(call(seed=seed + k), case) for k in (1, 2)]
        if all(other == order for other in others):
            return (f"seeds {seed}, {seed + 1} and {seed + 2} gave the same batches: the seed is not used",
                    f"seed {seed}、{seed + 1} 和 {seed + 2} 得到了相同的批次：没有用到 seed")
    return None


class BatchesTask(Task):
    """The batches reach the properties whole (see ``common.Opaque``)."""

    def interpret(self, result, case):
        return None if result is None else Opaque(result)


BATCH_HINT = t("perm = np.random.permutation(N) after np.random.seed(seed) (or rng.permutation(N)); then "
               "[(X[perm][k:k + batch_size], y[perm][k:k + batch_size]) for k in range(0, N, batch_size)].",
               "先 np.random.seed(seed)，再 perm = np.random.permutation(N)（或 rng.permutation(N)）；然后 "
               "[(X[perm][k:k + batch_size], y[perm][k:k + batch_size]) for k in range(0, N, batch_size)]。")

BATCH_TASK = BatchesTask(
    "optim.random_mini_batches", cases=batch_cases, outputs=("batches",), compare_values=False,
    properties=[
        Property(t("batch sizes and shapes", "批次大小与形状"), batch_sizes, hint=BATCH_HINT),
        Property(t("every sample exactly once", "每个样本恰好一次"), batch_partition, hint=BATCH_HINT),
        Property(t("X and y shuffled together", "X 与 y 一起打乱"), batch_pairing, hint=BATCH_HINT),
        Property(t("shuffled", "已打乱"), batch_shuffled, hint=BATCH_HINT),
        Property(t("same seed, same batches; another seed, another order", "相同种子相同批次；不同种子不同顺序"),
                 batch_seed, hint=BATCH_HINT),
    ],
    hints={"exception": t("X may have more than two axes (images): index its first axis only, X[perm].",
                          "X 可能不止两个轴（图像）：只对第一个轴取下标，X[perm]。")})


# =========================================================================== ewma
def ewma_cases(rng):
    series = np.sin(np.linspace(0, 3, 60)) * 10 + rng.normal(scale=3.0, size=60)
    yield Case(("60 noisy values, beta 0.9, no correction", "60 个带噪声的值，beta 0.9，不修正"), series, 0.9)
    yield Case(("the same series, beta 0.9, bias_correction=True", "同一序列，beta 0.9，bias_correction=True"),
               series, 0.9, bias_correction=True)
    warm = 20 + rng.normal(scale=2.0, size=25)
    yield Case(("25 values near 20, beta 0.98, corrected", "25 个接近 20 的值，beta 0.98，修正"), warm, 0.98, True)
    yield Case(("a list of 8 ints, beta 0.5", "8 个整数组成的列表，beta 0.5"),
               [int(v) for v in rng.integers(0, 30, size=8)], 0.5)
    yield Case(("one value, beta 0.9, corrected (v_hat_1 = x_1)", "只有一个值，beta 0.9，修正（v_hat_1 = x_1）"),
               rng.normal(size=1) + 5, 0.9, True)
    yield Case(("beta 0: the average is the series itself", "beta 0：平均值就是序列本身"), rng.normal(size=10), 0.0)


def _ewma_variant(first_value=False, swapped=False, feed_back=False, ignore_flag=False, shift=0, keep_type=False):
    def wrong(values, beta, bias_correction=False):
        x = np.asarray(values)
        out = np.zeros_like(x) if keep_type else np.zeros(len(x))
        v = float(x[0]) if first_value else 0.0
        for i, value in enumerate(x):
            step = i + 1 + shift
            v = beta * value + (1 - beta) * v if swapped else beta * v + (1 - beta) * value
            corrected = v / (1 - beta ** step) if bias_correction and not ignore_flag else v
            if feed_back:
                v = corrected
            out[i] = corrected
        return out
    return wrong


def _m(en, zh, impl, hint_en, hint_zh):
    return KnownMistake(t(en, zh), impl, t(hint_en, hint_zh))


EWMA_TASK = Task(
    "optim.ewma", cases=ewma_cases, outputs=("v",),
    mistakes=[
        _m("the average starts at v = x_1 instead of v_0 = 0", "平均值从 v = x_1 开始，而不是 v_0 = 0",
           _ewma_variant(first_value=True),
           "Start from v_0 = 0 (the bias correction exists because of that start).", "从 v_0 = 0 开始（偏差修正正是因此而存在）。"),
        _m("the weights are swapped: beta * x_t + (1 - beta) * v_{t-1}", "权重写反了：beta * x_t + (1 - beta) * v_{t-1}",
           _ewma_variant(swapped=True),
           "beta weighs the past: v_t = beta * v_{t-1} + (1 - beta) * x_t.", "beta 是过去的权重：v_t = beta * v_{t-1} + (1 - beta) * x_t。"),
        _m("the corrected value is fed back into the recursion", "修正后的值又被代回了递推",
           _ewma_variant(feed_back=True),
           "Keep the raw v_t for the recursion; only the output is divided by (1 - beta ** t).",
           "递推中使用未修正的 v_t；只有输出才除以 (1 - beta ** t)。"),
        _m("bias_correction is ignored", "忽略了 bias_correction 参数", _ewma_variant(ignore_flag=True),
           "When bias_correction is True return v_t / (1 - beta ** t).", "bias_correction 为 True 时返回 v_t / (1 - beta ** t)。"),
        _m("the correction uses beta ** (t + 1): t is counted from 1, the first value has t = 1",
           "修正用了 beta ** (t + 1)：t 从 1 开始计数，第一个值的 t = 1", _ewma_variant(shift=1),
           "With 0-based indices i, t = i + 1: v_hat = v / (1 - beta ** (i + 1)).",
           "下标 i 从 0 开始时 t = i + 1：v_hat = v / (1 - beta ** (i + 1))。"),
        _m("the result array has the integer type of the input (np.zeros_like of ints truncates)",
           "结果数组沿用了输入的整数类型（对整数用 np.zeros_like 会截断）", _ewma_variant(keep_type=True),
           "Return floats: np.zeros(len(values)) or np.asarray(values, dtype=float).",
           "返回浮点数：np.zeros(len(values)) 或 np.asarray(values, dtype=float)。"),
    ],
    hints={"non_finite": t("At t = 1 the correction divides by 1 - beta ** 1, never by 1 - beta ** 0 = 0: count t from 1.",
                           "t = 1 时修正除以 1 - beta ** 1，而不是 1 - beta ** 0 = 0：t 从 1 开始计数。")})

TASKS = [BATCH_TASK, EWMA_TASK]
