"""Properties of ``TwoLayerNet(...)`` and ``FullyConnectedNet(...)``'s own parameters, before the checker
puts the case's parameters in their place (``adapters.network_loss_and_seeded_init``): the reference's
keys and shapes, zero biases, weights of standard deviation ``weight_scale``, and the same network
twice after the same ``np.random.seed``.

The draws are the learner's (any order, any generator), so the weights are judged by their statistics:
all weights divided by ``weight_scale``, pooled over the network, must have mean 0 and standard
deviation 1 within six standard errors.
"""

import numpy as np

from checker.spec import Property


class Unchecked:
    """An output judged by properties only: equal to anything, so that the value comparison passes it
    by (a constructor's random draws, a loss computed with a random dropout mask)."""

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return True

    __hash__ = None

    def __repr__(self):
        return "(judged by its properties, not by its values)"


def built(parts, which="first"):
    """The parameters of the first (or ``"again"``) network the constructor built, or None."""
    initial = parts.get("initial")
    initial = initial.value if isinstance(initial, Unchecked) else initial
    return initial[which] if isinstance(initial, dict) and isinstance(initial.get(which), dict) else None


def keys_and_shapes(got, expected, case, call):
    mine, reference = built(got), built(expected)
    if mine is None:
        return "self.params is not a dict of arrays", "self.params 不是由数组组成的字典"
    missing, extra = sorted(set(reference) - set(mine)), sorted(set(mine) - set(reference))
    if missing or extra:
        return (f"self.params has keys {sorted(mine)}: missing {missing}, unexpected {extra}",
                f"self.params 的键是 {sorted(mine)}：缺少 {missing}，多出 {extra}")
    for name, value in reference.items():
        if np.shape(mine[name]) != np.shape(value):
            return (f"self.params['{name}'] has shape {np.shape(mine[name])}, expected {np.shape(value)}",
                    f"self.params['{name}'] 的形状是 {np.shape(mine[name])}，应当是 {np.shape(value)}")
    return None


def zero_biases(got, expected, case, call):
    for name, value in sorted((built(got) or {}).items()):
        if name.startswith("b") and np.any(np.asarray(value) != 0):
            return (f"{name} has {int(np.count_nonzero(value))} non-zero entries of {np.size(value)}; biases start at 0",
                    f"{name} 有 {int(np.count_nonzero(value))} 个非零元素（共 {np.size(value)} 个）；偏置的初值应为 0")
    return None


def off_standard_normal(z):
    """``(n, mean, std, bound)`` of the pooled standardized weights ``z`` when their mean is not 0 or
    their standard deviation not 1 within six standard errors (``bound`` is the latter's); else None."""
    n, mean, spread = z.size, float(z.mean()), float(z.std())
    bound = 6 / np.sqrt(2 * n)
    if abs(mean) > 6 / np.sqrt(n) or abs(spread - 1) > bound:
        return n, mean, spread, bound
    return None


def weight_scale(got, expected, case, call):
    scale = case.args[0]["weight_scale"]
    weights = [np.asarray(v, dtype=np.float64).ravel() for k, v in sorted((built(got) or {}).items()) if k.startswith("W")]
    if not weights:
        return None
    off = off_standard_normal(np.concatenate(weights) / scale)
    if off:
        n, mean, spread, bound = off
        return (f"the {n} weights divided by weight_scale = {scale:g} have mean {mean:.3g} and standard deviation "
                f"{spread:.3g}; expected 0 and 1 (within {bound:.2g}): draw weight_scale * np.random.randn(fan_in, fan_out)",
                f"{n} 个权重除以 weight_scale = {scale:g} 之后，均值为 {mean:.3g}、标准差为 {spread:.3g}；应当是 0 和 1"
                f"（误差在 {bound:.2g} 以内）：请用 weight_scale * np.random.randn(fan_in, fan_out)")
    return None


def same_draw_for_a_seed(got, expected, case, call):
    first, again = built(got), built(got, "again")
    if first is None or again is None or set(first) != set(again):
        return None
    differ = [k for k in sorted(first) if np.shape(first[k]) != np.shape(again[k]) or not np.array_equal(first[k], again[k])]
    if differ:
        return (f"two networks built after the same np.random.seed differ in {differ[:3]}: draw from np.random "
                "(np.random.randn), not from a generator of your own made without a seed",
                f"在相同的 np.random.seed 之后构造的两个网络在 {differ[:3]} 上不同：请从 np.random 抽取"
                "（np.random.randn），不要用自己创建的未设种子的生成器")
    return None


INIT_PROPERTIES = [
    Property(("the constructor's keys and shapes", "构造函数的键和形状"), keys_and_shapes,
             ("self.params holds W1 (input_dim, hidden), b1 (hidden,), ..., WL (last hidden, num_classes), bL (num_classes,).",
              "self.params 包含 W1 (input_dim, hidden)、b1 (hidden,)……WL (最后一个隐藏层, num_classes)、bL (num_classes,)。")),
    Property(("zero initial biases", "偏置初值为 0"), zero_biases,
             ("Biases start at np.zeros(fan_out).", "偏置用 np.zeros(fan_out) 初始化。")),
    Property(("weights of standard deviation weight_scale", "权重的标准差为 weight_scale"), weight_scale,
             ("W = weight_scale * np.random.randn(fan_in, fan_out): weight_scale is the standard deviation.",
              "W = weight_scale * np.random.randn(fan_in, fan_out)：weight_scale 就是标准差。")),
    Property(("one network per seed", "同一种子得到同一网络"), same_draw_for_a_seed,
             ("After np.random.seed(s) your constructor must draw the same weights: use np.random.randn.",
              "在 np.random.seed(s) 之后，构造函数必须抽到相同的权重：请使用 np.random.randn。")),
]
