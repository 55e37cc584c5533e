"""Properties of a network constructor's own parameters (``ResNet(...)`` before the checker
replaces them): keys and shapes and zero biases (as ``nn.initial`` judges them), He's standard
deviation, one network per seed.

The random draws are the learner's (any order, any generator), so the weights are judged by their
statistics: every weight divided by the standard deviation it should have, pooled over the
network, must have mean 0 and standard deviation 1 within six standard errors.
"""

import numpy as np

from checker.spec import Property
from checker.topics.nn.initial import built, keys_and_shapes, off_standard_normal, zero_biases


def _init(case):
    return case.args[0]


def _fan_in(name, shape):
    return int(np.prod(shape[1:])) if len(shape) == 4 else int(shape[0])


def weight_statistics(got, expected, case, call):
    mine, scale = built(got) or {}, _init(case).get("weight_scale")
    rule = f"weight_scale = {scale}" if scale is not None else "He: sqrt(2 / fan_in)"
    standardized = []
    for name, value in mine.items():
        if not name.startswith("W"):
            continue
        value = np.asarray(value, dtype=np.float64)
        std = scale if scale is not None else np.sqrt(2.0 / _fan_in(name, value.shape))
        standardized.append(value.ravel() / std)
    if not standardized:
        return None
    off = off_standard_normal(np.concatenate(standardized))
    if off:
        n, mean, spread, bound = off
        return (f"the weights divided by the std they should have ({rule}) have mean {mean:.3g} and std "
                f"{spread:.3g} over {n} weights; expected 0 and 1 (within {bound:.2g})",
                f"权重除以它们应有的标准差（{rule}）之后，在 {n} 个权重上的均值是 {mean:.3g}、标准差是 {spread:.3g}；"
                f"应当是 0 和 1（误差在 {bound:.2g} 以内）")
    return None


def same_for_a_seed(got, expected, case, call):
    first, again = built(got), built(got, "again")
    if first is None or again is None or set(first) != set(again):
        return None
    differ = [name for name in first if np.shape(first[name]) != np.shape(again[name])
              or not np.array_equal(first[name], again[name])]
    if differ:
        seed = _init(case).get("seed")
        return (f"two networks built with seed={seed} differ in {differ[:3]}: draw the weights from "
                "np.random.default_rng(seed) (or call np.random.seed(seed) first)",
                f"用 seed={seed} 构造的两个网络在 {differ[:3]} 上不同：请用 np.random.default_rng(seed) 抽取权重"
                "（或先调用 np.random.seed(seed)）")
    return None


INIT_PROPERTIES = [
    Property(name, test, hint)
    for name, test, hint in [
        (("the constructor's keys and shapes", "构造函数的键和形状"), keys_and_shapes,
         ("params: W0 (F, C, 3, 3), b0 (F,), B<i>_W1, B<i>_W2 (F, F, 3, 3), B<i>_b1, B<i>_b2 (F,), W_out (F, classes), "
          "b_out (classes,).", "params：W0 (F, C, 3, 3)、b0 (F,)、B<i>_W1、B<i>_W2 (F, F, 3, 3)、B<i>_b1、B<i>_b2 (F,)、"
          "W_out (F, classes)、b_out (classes,)。")),
        (("zero initial biases", "偏置初值为 0"), zero_biases, ("Biases start at np.zeros(...).", "偏置用 np.zeros(...) 初始化。")),
        (("He initialization", "He 初始化"), weight_statistics,
         ("weight_scale=None means std sqrt(2 / fan_in), fan_in = C_in * 3 * 3 for a 3x3 convolution and F for W_out; "
          "otherwise std weight_scale.",
          "weight_scale=None 表示标准差为 sqrt(2 / fan_in)，3x3 卷积的 fan_in = C_in * 3 * 3，W_out 的是 F；否则标准差为 weight_scale。")),
        (("one network per seed", "同一种子得到同一网络"), same_for_a_seed,
         ("Draw every weight from one generator made from the seed.", "所有权重都从由 seed 构造的同一个生成器中抽取。")),
    ]
]
