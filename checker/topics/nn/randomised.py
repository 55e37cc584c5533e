"""Notebook 05's randomised tasks: ``init_params`` and inverted dropout.

Their values depend on the order of random draws, so they are never compared with the
reference's: the reference gives the structure (keys, shapes, types), and properties judge the
values (statistics within bounds, the kept fraction, determinism for a seed, test mode).
"""

import numpy as np

from checker import adapters
from checker.precision import computed_in_float32
from checker.spec import Case, Property, Task
from checker.topics.layer_cases import away_from_zero, backward_task, forward_cases, forward_task


def _named(case, names):
    named = dict(zip(names, case.args))
    named.update(case.kwargs)
    return named


# =========================================================================== init_params
INIT_CASES = [
    ("he", [400, 100, 50], ""),
    ("xavier", [400, 100, 200], ""),
    ("random", [300, 200], ""),
    ("zeros", [5, 4, 3], ""),
    ("he", [1000, 10], (" (one layer)", "（单层）")),
]


def init_params_cases(rng):
    for method, dims, extra in INIT_CASES:
        seed = int(rng.integers(0, 10_000))
        en, zh = extra or ("", "")
        yield Case((f"{method}, layer_dims {dims}{en}, seed {seed}", f"{method}，layer_dims {dims}{zh}，seed {seed}"),
                   list(dims), method, seed=seed)


def _layer_std(method, fan_in):
    return {"zeros": 0.0, "random": 0.01, "xavier": np.sqrt(1.0 / fan_in), "he": np.sqrt(2.0 / fan_in)}.get(method)


def _init_named(case):
    return _named(case, ("layer_dims", "method", "seed"))


def init_keys(got, expected, case, call):
    params = got["params"]
    extra = sorted(set(params) - set(expected["params"]))
    if extra:
        return (f"unexpected keys {extra}; expected exactly {sorted(expected['params'])}",
                f"多出了键 {extra}；应当恰好是 {sorted(expected['params'])}")
    return None


def init_zero_biases(got, expected, case, call):
    for name, value in got["params"].items():
        if name.startswith("b") and np.any(np.asarray(value) != 0):
            first = float(np.ravel(value)[np.flatnonzero(value)[0]])
            return (f"{name} has {int(np.count_nonzero(value))} non-zero entries (e.g. {first:.4g}); "
                    "biases start at 0", f"{name} 有 {int(np.count_nonzero(value))} 个非零元素；偏置的初值应为 0")
    return None


def init_statistics(got, expected, case, call):
    named = _init_named(case)
    dims, method = list(named["layer_dims"]), named["method"]
    for layer in range(1, len(dims)):
        W = np.asarray(got["params"][f"W{layer}"], dtype=np.float64)
        fan_in, fan_out = dims[layer - 1], dims[layer]
        std = _layer_std(method, fan_in)
        if std == 0.0:
            if np.any(W != 0):
                return (f"W{layer} has {int(np.count_nonzero(W))} non-zero entries; method 'zeros' means all zero",
                        f"W{layer} 有 {int(np.count_nonzero(W))} 个非零元素；'zeros' 方法要求全部为 0")
            continue
        n = W.size
        mean_bound, std_bound = 6 * std / np.sqrt(n), 6 * std / np.sqrt(2 * n)
        if abs(W.mean()) > mean_bound:
            return (f"W{layer}: mean {W.mean():.4g}, expected 0 +/- {mean_bound:.2g}",
                    f"W{layer}：均值为 {W.mean():.4g}，期望 0 ± {mean_bound:.2g}")
        if abs(W.std() - std) > std_bound:
            return (f"W{layer} ({fan_in} x {fan_out}): standard deviation {W.std():.4g}, expected {std:.4g} +/- "
                    f"{std_bound:.2g} for '{method}'{_which_scale(W.std(), fan_in, fan_out, std_bound)}",
                    f"W{layer}（{fan_in} x {fan_out}）：标准差为 {W.std():.4g}，'{method}' 应为 {std:.4g} ± {std_bound:.2g}"
                    f"{_which_scale(W.std(), fan_in, fan_out, std_bound, 'zh')}")
    return None


def _which_scale(got_std, fan_in, fan_out, bound, lang="en"):
    """Name the scale the learner's standard deviation matches, if it is a common one."""
    known = [
        ("sqrt(2 / fan_out) (He with fan-out)", "sqrt(2 / fan_out)（用 fan_out 的 He）", np.sqrt(2.0 / fan_out)),
        ("sqrt(1 / fan_out) (Xavier with fan-out)", "sqrt(1 / fan_out)（用 fan_out 的 Xavier）", np.sqrt(1.0 / fan_out)),
        ("sqrt(2 / (fan_in + fan_out)) (Glorot's variant; here 'xavier' means variance 1 / fan_in)",
         "sqrt(2 / (fan_in + fan_out))（Glorot 的版本；这里的 'xavier' 指方差 1 / fan_in）", np.sqrt(2.0 / (fan_in + fan_out))),
        ("sqrt(1 / fan_in) (Xavier)", "sqrt(1 / fan_in)（Xavier）", np.sqrt(1.0 / fan_in)),
        ("sqrt(2 / fan_in) (He)", "sqrt(2 / fan_in)（He）", np.sqrt(2.0 / fan_in)),
        ("1 (no scaling of randn)", "1（randn 没有缩放）", 1.0),
        ("2 / fan_in (the variance used as the standard deviation)", "2 / fan_in（把方差当成了标准差）", 2.0 / fan_in),
        ("1 / fan_in (the variance used as the standard deviation)", "1 / fan_in（把方差当成了标准差）", 1.0 / fan_in),
    ]
    for en, zh, value in known:
        if abs(got_std - value) <= max(bound, 6 * value / np.sqrt(2 * fan_in * fan_out)):
            return f"; it matches {en}" if lang == "en" else f"；它与 {zh}一致"
    return ""


def init_determinism(got, expected, case, call):
    named = _init_named(case)
    seed = named["seed"]
    again = call(seed=seed)["params"]
    for name, value in got["params"].items():
        if name not in again or not np.array_equal(np.asarray(value), np.asarray(again[name])):
            return (f"two calls with seed={seed} gave different {name}", f"两次使用 seed={seed} 调用得到的 {name} 不同")
    if named["method"] != "zeros":
        other = call(seed=seed + 1)["params"]
        if all(np.array_equal(np.asarray(got["params"][k]), np.asarray(other.get(k))) for k in got["params"]):
            return (f"seed={seed} and seed={seed + 1} gave the same parameters: the seed is not used",
                    f"seed={seed} 和 seed={seed + 1} 得到了相同的参数：没有用到 seed")
    return None


TASKS = [
    Task(
        "nn.init_params", cases=init_params_cases, outputs=("params",), compare_values=False,
        properties=[
            Property(("keys", "键"), init_keys),
            Property(("zero biases", "偏置为零"), init_zero_biases,
                     hint=("Biases start at 0: b_l = np.zeros(layer_dims[l]).", "偏置初值为 0：b_l = np.zeros(layer_dims[l])。")),
            Property(("weight statistics", "权重的统计量"), init_statistics,
                     hint=("W_l = scale * randn(fan_in, fan_out) with scale 0.01 ('random'), sqrt(1 / fan_in) "
                           "('xavier') or sqrt(2 / fan_in) ('he'); fan_in = layer_dims[l - 1].",
                           "W_l = scale * randn(fan_in, fan_out)，scale 为 0.01（'random'）、sqrt(1 / fan_in)（'xavier'）"
                           "或 sqrt(2 / fan_in)（'he'）；fan_in = layer_dims[l - 1]。")),
            Property(("determinism for a seed", "给定种子时的确定性"), init_determinism,
                     hint=("Seed once at the start: rng = np.random.default_rng(seed) (or np.random.seed(seed)) and "
                           "draw every W from it.",
                           "在开头设一次种子：rng = np.random.default_rng(seed)（或 np.random.seed(seed)），所有 W 都从它抽取。")),
        ],
        hints={"shape": ("W_l has shape (layer_dims[l - 1], layer_dims[l]) (batch-first: fan_in rows), "
                         "b_l has shape (layer_dims[l],).",
                         "W_l 的形状是 (layer_dims[l - 1], layer_dims[l])（批次在前：fan_in 行），"
                         "b_l 的形状是 (layer_dims[l],)。"),
               "wrong_type": ("Return a dict with keys 'W1', 'b1', ..., 'WL', 'bL' (L = len(layer_dims) - 1).",
                              "返回一个字典，键为 'W1'、'b1'、……、'WL'、'bL'（L = len(layer_dims) - 1）。")}),
]


# =========================================================================== dropout
def dropout_cases(rng):
    def x_of(shape):
        return away_from_zero(rng, shape, gap=0.1)

    data = [
        (("100 x 200, keep p = 0.8, train, seed", "100 x 200，保留概率 p = 0.8，训练模式，有 seed"),
         x_of((100, 200)), {"p": 0.8, "mode": "train", "seed": int(rng.integers(0, 10_000))}),
        (("100 x 200, keep p = 0.3, train, seed", "100 x 200，保留概率 p = 0.3，训练模式，有 seed"),
         x_of((100, 200)), {"p": 0.3, "mode": "train", "seed": int(rng.integers(0, 10_000))}),
        (("(10, 20, 50), keep p = 0.5, train, seed", "(10, 20, 50)，保留概率 p = 0.5，训练模式，有 seed"),
         x_of((10, 20, 50)), {"p": 0.5, "mode": "train", "seed": int(rng.integers(0, 10_000))}),
        (("50 x 100, keep p = 0.6, train, no seed", "50 x 100，保留概率 p = 0.6，训练模式，没有 seed"),
         x_of((50, 100)), {"p": 0.6, "mode": "train"}),
        (("20 x 30, keep p = 0.7, test mode", "20 x 30，保留概率 p = 0.7，测试模式"),
         x_of((20, 30)), {"p": 0.7, "mode": "test", "seed": 5}),
    ]
    for label, x, param in data:
        yield Case(label, x, param, dout=rng.normal(size=x.shape))


DROPOUT_NAMES = ("x", "dropout_param")


def _dropout_named(case):
    named = _named(case, DROPOUT_NAMES)
    return named["x"], named["dropout_param"]


def dropout_kept_fraction(got, expected, case, call):
    x, param = _dropout_named(case)
    if param["mode"] != "train":
        return None
    out, p = np.asarray(got["out"]), param["p"]
    n = out.size
    kept = float(np.count_nonzero(out)) / n
    bound = 6 * np.sqrt(p * (1 - p) / n) + 1.0 / n
    if abs(kept - p) > bound:
        extra = ""
        if abs(kept - (1 - p)) <= bound:
            extra = " (that is 1 - p: p is the probability of KEEPING a unit)"
        return (f"kept fraction {kept:.4f}, expected p = {p} +/- {bound:.3f}{extra}",
                f"保留比例为 {kept:.4f}，期望 p = {p} ± {bound:.3f}" + ("（这是 1 - p：p 是保留单元的概率）" if extra else ""))
    return None


def _rtol(*outputs) -> float:
    """Relative tolerance of a property: float32 arithmetic keeps about 7 digits."""
    return 64 * float(np.finfo(np.float32).eps) if computed_in_float32(outputs) else 1e-10


def dropout_kept_values(got, expected, case, call):
    x, param = _dropout_named(case)
    if param["mode"] != "train":
        return None
    out, p = np.asarray(got["out"], dtype=np.float64), param["p"]
    kept = out != 0
    wrong = kept & ~np.isclose(out, x / p, rtol=_rtol(out), atol=0.0)
    if wrong.any():
        i = tuple(np.argwhere(wrong)[0])
        ratio = out[i] / x[i]
        return (f"{int(wrong.sum())} kept entries are not x / p (inverted dropout): at {list(map(int, i))} "
                f"out / x = {ratio:.6g}, expected 1 / p = {1 / p:.6g}",
                f"{int(wrong.sum())} 个保留下来的元素不等于 x / p（反向 dropout）：在 {list(map(int, i))} 处 "
                f"out / x = {ratio:.6g}，应为 1 / p = {1 / p:.6g}")
    return None


def dropout_test_mode(got, expected, case, call):
    x, param = _dropout_named(case)
    out = got["out"] if param["mode"] == "test" else call(dropout_param=dict(param, mode="test"))["out"]
    out = np.asarray(out)
    if out.shape != x.shape:
        return (f"in test mode out must equal x, but it has shape {out.shape} instead of {x.shape}",
                f"测试模式下 out 必须等于 x，但它的形状是 {out.shape}，而不是 {x.shape}")
    if not np.allclose(out, x, rtol=_rtol(out), atol=0.0):
        changed = int(np.count_nonzero(~np.isclose(out, x, rtol=_rtol(out), atol=0.0)))
        return (f"in test mode out must equal x; {changed} entries differ (no mask, no scaling at test time)",
                f"测试模式下 out 必须等于 x；有 {changed} 个元素不同（测试时既不丢弃也不缩放）")
    return None


def dropout_determinism(got, expected, case, call):
    x, param = _dropout_named(case)
    if param["mode"] != "train" or "seed" not in param:
        return None
    again = np.asarray(call()["out"])
    if not np.array_equal(again, np.asarray(got["out"])):
        return (f"two calls with seed={param['seed']} gave different masks: call np.random.seed(seed) first",
                f"两次使用 seed={param['seed']} 调用得到的掩码不同：请先调用 np.random.seed(seed)")
    if param["p"] < 1:
        other = np.asarray(call(dropout_param=dict(param, seed=param["seed"] + 1))["out"])
        if np.array_equal(other, again):
            return (f"seed={param['seed']} and seed={param['seed'] + 1} gave the same mask: the seed is not used",
                    f"seed={param['seed']} 和 seed={param['seed'] + 1} 得到了相同的掩码：没有用到 seed")
    return None


def dropout_backward_mask(got, expected, case, call):
    x, param = _dropout_named(case)
    dout = case.kwargs["dout"]
    out, dx = np.asarray(got["out"], dtype=np.float64), np.asarray(got["dx"], dtype=np.float64)
    if dx.shape != x.shape:
        return None  # a shape finding says it
    want = dout * out / x if param["mode"] == "train" else dout
    wrong = ~np.isclose(dx, want, rtol=max(1e-9, _rtol(out, dx)), atol=1e-12)
    if wrong.any():
        i = tuple(np.argwhere(wrong)[0])
        where = list(map(int, i))
        if param["mode"] == "train":
            return (f"dx must be dout times the forward's mask (dout * out / x): {int(wrong.sum())} entries differ, "
                    f"first at {where}: dx = {dx[i]:.6g}, dout * out / x = {want[i]:.6g}",
                    f"dx 必须是 dout 乘以前向传播的掩码（dout * out / x）：有 {int(wrong.sum())} 个元素不同，"
                    f"第一个在 {where}：dx = {dx[i]:.6g}，dout * out / x = {want[i]:.6g}")
        return (f"in test mode dx must equal dout: {int(wrong.sum())} entries differ, first at {where}",
                f"测试模式下 dx 必须等于 dout：有 {int(wrong.sum())} 个元素不同，第一个在 {where}")
    return None


TASKS += [
    forward_task(
        "nn.dropout_forward", forward_cases(dropout_cases), compare_values=False, in_out=("dropout_param",),
        properties=[
            Property(("kept fraction", "保留比例"), dropout_kept_fraction,
                     hint=("p is the probability of KEEPING a unit: mask = (np.random.rand(*x.shape) < p) / p.",
                           "p 是保留单元的概率：mask = (np.random.rand(*x.shape) < p) / p。")),
            Property(("kept entries are x / p, dropped ones 0", "保留的元素为 x / p，丢弃的为 0"), dropout_kept_values,
                     hint=("Inverted dropout scales at train time: out = x * mask with mask entries 0 or 1 / p.",
                           "反向（inverted）dropout 在训练时缩放：out = x * mask，mask 的元素为 0 或 1 / p。")),
            Property(("test mode is the identity", "测试模式是恒等映射"), dropout_test_mode,
                     hint=("In test mode return out = x: no mask and no scaling (the 1 / p was applied at train time).",
                           "测试模式下返回 out = x：不丢弃也不缩放（1 / p 已在训练时处理）。")),
            Property(("same seed, same mask", "相同种子得到相同掩码"), dropout_determinism,
                     hint=("if 'seed' in dropout_param: np.random.seed(dropout_param['seed']) before drawing the mask.",
                           "如果 dropout_param 中有 'seed'：抽取掩码之前先 np.random.seed(dropout_param['seed'])。")),
        ],
        hints={"exception": ("dropout_param may have no 'seed': test with if 'seed' in dropout_param.",
                             "dropout_param 中可能没有 'seed'：请用 if 'seed' in dropout_param 判断。")}),
    backward_task(
        "nn.dropout_backward", dropout_cases, ("out", "dx"), adapter=adapters.forward_and_backward,
        compare_values=False, in_out=("dropout_param",),
        properties=[Property(("backward reuses the forward's mask", "反向传播使用前向传播的掩码"), dropout_backward_mask,
                             hint=("Keep the (scaled) mask in the cache and return dx = dout * mask at train time, "
                                   "dx = dout at test time; never draw a new mask in the backward pass.",
                                   "把（缩放过的）掩码放进缓存，训练时返回 dx = dout * mask，测试时 dx = dout；"
                                   "反向传播中不要重新抽取掩码。"))]),
]
