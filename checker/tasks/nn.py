"""Tasks of notebook 05, neural networks built from layers.

Layer pairs follow the CS231n signatures: ``layer_forward(x, ...) -> (out, cache)`` and
``layer_backward(dout, cache)``. Forward tasks compare ``out`` only (the cache is the learner's
own design); backward tasks run the learner's own forward first (see ``checker.adapters.backward``).
Randomised tasks (``init_params``, dropout) are checked by their properties, never by one order
of random draws. Networks are checked through ``adapters.network_loss`` with float64 parameters.
"""

import numpy as np

from checker import adapters
from checker.spec import Case, Gradient, KnownMistake, Property, Task

CACHE = "(cache)"  # what a forward's cache is compared as: any cache matches any other


class ForwardTask(Task):
    """A layer forward ``(out, cache)``: ``out`` is compared, the cache only has to be there.

    A result that is not an ``(out, cache)`` pair is passed on as it is (a ``wrong_type``
    finding names the two values expected)."""

    def interpret(self, result, case):
        if isinstance(result, tuple) and len(result) == 2:
            return result[0], CACHE
        return result


class QuietForwardTask(ForwardTask):
    """A forward whose cases reach exp's overflow (x = +-1000): NumPy's floating-point warnings are
    silenced during the call. ``1 / (1 + np.exp(-x))`` is right there (1 / inf = 0) but warns, and
    in an nbgrader check cell a warning on stderr would cost a correct solution its points; a
    formula that really breaks shows up as a ``non_finite`` finding instead."""

    def call(self, fn, case, forward=None):
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            return super().call(fn, case, forward)


# =========================================================================== case data
def _away_from_zero(rng, shape, gap=0.05, scale=1.0):
    """Normal values with |v| >= gap (kinks and divisions by x stay out of reach)."""
    x = rng.normal(scale=scale, size=shape)
    small = np.abs(x) < gap
    x[small] = np.where(x[small] < 0, -1.0, 1.0) * (gap + rng.uniform(0, scale, size=int(small.sum())))
    return x


def affine_data(rng, backward=False):
    shapes = [
        (("4 samples of shape (3, 2) -> 5 outputs", "4 个形状为 (3, 2) 的样本 -> 5 个输出"), (4, 3, 2), 5),
        (("one sample (N = 1), 7 features -> 3 outputs", "只有一个样本（N = 1），7 个特征 -> 3 个输出"), (1, 7), 3),
        (("6 images of shape (2, 3, 4) -> 10 outputs", "6 张形状为 (2, 3, 4) 的图像 -> 10 个输出"), (6, 2, 3, 4), 10),
        (("8 samples, 5 features -> 2 outputs", "8 个样本，5 个特征 -> 2 个输出"), (8, 5), 2),
    ]
    for label, x_shape, M in shapes:
        D = int(np.prod(x_shape[1:]))
        x, w, b = rng.normal(size=x_shape), rng.normal(size=(D, M)), rng.normal(size=M)
        if backward:
            yield Case(label, x, w, b, dout=rng.normal(size=(x_shape[0], M)))
        else:
            yield Case(label, x, w, b)


def affine_forward_cases(rng):
    return affine_data(rng)


def affine_backward_cases(rng):
    return affine_data(rng, backward=True)


def _with_zeros(rng, shape):
    """Integer-valued floats in [-3, 3]: about one entry in seven is exactly 0."""
    x = rng.integers(-3, 4, size=shape).astype(np.float64)
    x.flat[0] = 0.0
    return x


def activation_data(rng, backward=False, zeros=True, large=True):
    data = [
        (("3 x 4, normal values", "3 x 4，正态分布的值"), rng.normal(size=(3, 4))),
        (("4-d input (2, 3, 4, 5)", "四维输入 (2, 3, 4, 5)"), rng.normal(scale=2.0, size=(2, 3, 4, 5))),
        (("one column (6, 1)", "只有一列 (6, 1)"), rng.normal(size=(6, 1))),
    ]
    if zeros:
        data.append((("5 x 6 with exact zeros", "5 x 6，含有恰好为 0 的元素"), _with_zeros(rng, (5, 6))))
    if large:
        x = rng.normal(size=(4, 5))
        x[0, :3] = [1000.0, -1000.0, 750.0]
        x[2, 1:3] = [-750.0, 40.0]
        data.append((("4 x 5 with entries of +-1000 (overflow)", "4 x 5，含有 ±1000 的元素（溢出）"), x))
    for label, x in data:
        if backward:
            yield Case(label, x, dout=rng.normal(size=x.shape))
        else:
            yield Case(label, x)


def relu_forward_cases(rng):
    return activation_data(rng, large=False)


def relu_backward_cases(rng):
    return activation_data(rng, backward=True, large=False)


def leaky_data(rng, backward=False):
    for case in activation_data(rng, backward=backward, large=False):
        yield case  # alpha left at its default 0.01
    x = rng.normal(size=(5, 4))
    dout = {"dout": rng.normal(size=x.shape)} if backward else {}
    yield Case(("5 x 4, alpha = 0.2", "5 x 4，alpha = 0.2"), x, alpha=0.2, **dout)
    x = _with_zeros(rng, (3, 7))
    dout = {"dout": rng.normal(size=x.shape)} if backward else {}
    yield Case(("3 x 7 with exact zeros, alpha = 0.1", "3 x 7，含有 0，alpha = 0.1"), x, alpha=0.1, **dout)


def leaky_relu_forward_cases(rng):
    return leaky_data(rng)


def leaky_relu_backward_cases(rng):
    return leaky_data(rng, backward=True)


def smooth_forward_cases(rng):
    """Sigmoid and tanh: normal values, an exact zero and a row of +-1000 (overflow)."""
    return activation_data(rng)


def smooth_backward_cases(rng):
    """Moderate inputs (|x| <= 6): the backward is about the derivative, not about overflow."""
    for case in activation_data(rng, backward=True, large=False):
        yield case
    x = np.linspace(-6.0, 6.0, 12).reshape(3, 4)
    yield Case(("3 x 4 from -6 to 6", "3 x 4，从 -6 到 6"), x, dout=rng.normal(size=x.shape))


# --------------------------------------------------------------------------- losses
def _labels(rng, N, C, absent=None):
    classes = [c for c in range(C) if c != absent]
    return rng.choice(classes, size=N).astype(np.int64)


def _clean_margins(rng, x, y, gap=0.1):
    """Redraw rows whose hinge margins x_j - x_y + 1 come within ``gap`` of 0 (the kink)."""
    x = x.copy()
    for _ in range(1000):
        margins = x - x[np.arange(len(y)), y][:, None] + 1.0
        margins[np.arange(len(y)), y] = np.inf
        bad = np.any(np.abs(margins) < gap, axis=1)
        if not bad.any():
            return x
        x[bad] = rng.normal(size=(int(bad.sum()), x.shape[1]))
    raise RuntimeError("could not draw scores away from the hinge's kink")


LOSS_SHAPES = [
    (("5 samples, 3 classes", "5 个样本，3 类"), 5, 3, None),
    (("one sample (N = 1), 4 classes", "只有一个样本（N = 1），4 类"), 1, 4, None),
    (("8 samples, 10 classes, class 2 absent from y", "8 个样本，10 类，y 中没有第 2 类"), 8, 10, 2),
    (("12 samples, 5 classes", "12 个样本，5 类"), 12, 5, None),
]


def softmax_loss_cases(rng):
    for label, N, C, absent in LOSS_SHAPES:
        yield Case(label, rng.normal(scale=1.5, size=(N, C)), _labels(rng, N, C, absent))
    x = rng.normal(size=(6, 3))
    x += np.array([1000.0, -1000.0, 1000.0, -1000.0, 1000.0, -1000.0])[:, None]
    yield Case(("6 samples, scores shifted by +1000 or -1000 per row", "6 个样本，每行得分整体加上 +1000 或 -1000"),
               x, _labels(rng, 6, 3))


def svm_loss_cases(rng):
    for label, N, C, absent in LOSS_SHAPES:
        y = _labels(rng, N, C, absent)
        yield Case(label, _clean_margins(rng, rng.normal(scale=1.5, size=(N, C)), y), y)


# --------------------------------------------------------------------------- init
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


# --------------------------------------------------------------------------- dropout
def dropout_data(rng, backward=False):
    def x_of(shape):
        return _away_from_zero(rng, shape, gap=0.1)

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
        if backward:
            yield Case(label, x, param, dout=rng.normal(size=x.shape))
        else:
            yield Case(label, x, param)


def dropout_forward_cases(rng):
    return dropout_data(rng)


def dropout_backward_cases(rng):
    return dropout_data(rng, backward=True)


# --------------------------------------------------------------------------- networks
def _hidden_preactivations(params, X, num_layers):
    h, pre = X.reshape(X.shape[0], -1), []
    for i in range(1, num_layers):
        z = h @ params[f"W{i}"] + params[f"b{i}"]
        pre.append(z)
        h = np.maximum(z, 0)
    return pre


def _network_data(rng, dims, N, image_shape=None, gap=0.02):
    """float64 params for layer sizes ``dims`` and data X (N, ...) whose hidden pre-activations
    all stay at least ``gap`` from ReLU's kink (numerical gradients do not cross it)."""
    params = {}
    for i in range(1, len(dims)):
        params[f"W{i}"] = rng.normal(scale=1.0 / np.sqrt(dims[i - 1]), size=(dims[i - 1], dims[i]))
        params[f"b{i}"] = rng.normal(scale=0.1, size=dims[i])
    shape = image_shape or (dims[0],)
    X = rng.normal(size=(N, *shape))
    for _ in range(1000):
        pre = _hidden_preactivations(params, X, len(dims) - 1)
        bad = np.zeros(N, dtype=bool)
        for z in pre:
            bad |= np.any(np.abs(z) < gap, axis=1)
        if not bad.any():
            return params, X
        X[bad] = rng.normal(size=(int(bad.sum()), *shape))
    raise RuntimeError("could not draw data away from ReLU's kink")


TWO_LAYER = [
    (("5 samples, 4 -> 6 -> 3, reg 0", "5 个样本，4 -> 6 -> 3，reg 0"), 5, 4, 6, 3, 0.0, None),
    (("one sample (N = 1), 5 -> 7 -> 4, reg 0.1", "只有一个样本（N = 1），5 -> 7 -> 4，reg 0.1"), 1, 5, 7, 4, 0.1, None),
    (("8 images (3, 2, 2), 12 -> 10 -> 5, reg 0.5", "8 张图像 (3, 2, 2)，12 -> 10 -> 5，reg 0.5"), 8, 12, 10, 5, 0.5, (3, 2, 2)),
    (("10 samples, 6 -> 9 -> 4, reg 0.05", "10 个样本，6 -> 9 -> 4，reg 0.05"), 10, 6, 9, 4, 0.05, None),
]


def two_layer_cases(rng):
    for label, N, D, H, C, reg, image in TWO_LAYER:
        params, X = _network_data(rng, [D, H, C], N, image)
        init = {"input_dim": D, "hidden_dim": H, "num_classes": C, "weight_scale": 1e-3, "reg": reg}
        yield Case(label, init, params, X, _labels(rng, N, C))


FULLY_CONNECTED = [
    (("6 samples, 5 -> [7, 6] -> 3, reg 0", "6 个样本，5 -> [7, 6] -> 3，reg 0"), 6, 5, [7, 6], 3, 0.0, None),
    (("one sample (N = 1), 4 -> [6] -> 3, reg 0.2", "只有一个样本（N = 1），4 -> [6] -> 3，reg 0.2"), 1, 4, [6], 3, 0.2, None),
    (("7 images (2, 2, 3), 12 -> [8, 9, 5] -> 4, reg 0.1", "7 张图像 (2, 2, 3)，12 -> [8, 9, 5] -> 4，reg 0.1"),
     7, 12, [8, 9, 5], 4, 0.1, (2, 2, 3)),
    (("9 samples, 6 -> [10, 4] -> 5, reg 1.0", "9 个样本，6 -> [10, 4] -> 5，reg 1.0"), 9, 6, [10, 4], 5, 1.0, None),
]


def fully_connected_cases(rng):
    for label, N, D, hidden, C, reg, image in FULLY_CONNECTED:
        params, X = _network_data(rng, [D, *hidden, C], N, image)
        init = {"hidden_dims": list(hidden), "input_dim": D, "num_classes": C, "dropout_keep_ratio": 1,
                "normalization": None, "reg": reg, "weight_scale": 1e-2, "dtype": "float64", "seed": 0}
        yield Case(label, init, params, X, _labels(rng, N, C))


# =========================================================================== properties
def _args(case, names):
    named = dict(zip(names, case.args))
    named.update(case.kwargs)
    return named


def _layer_std(method, fan_in):
    return {"zeros": 0.0, "random": 0.01, "xavier": np.sqrt(1.0 / fan_in), "he": np.sqrt(2.0 / fan_in)}.get(method)


def _init_named(case):
    return _args(case, ("layer_dims", "method", "seed"))


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


DROPOUT_NAMES = ("x", "dropout_param")


def _dropout_named(case):
    named = _args(case, DROPOUT_NAMES)
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


def dropout_kept_values(got, expected, case, call):
    x, param = _dropout_named(case)
    if param["mode"] != "train":
        return None
    out, p = np.asarray(got["out"], dtype=np.float64), param["p"]
    kept = out != 0
    wrong = kept & ~np.isclose(out, x / p, rtol=1e-10, atol=0.0)
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
    if not np.allclose(out, x, rtol=1e-12, atol=0.0):
        changed = int(np.count_nonzero(~np.isclose(out, x, rtol=1e-12, atol=0.0)))
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
    wrong = ~np.isclose(dx, want, rtol=1e-9, atol=1e-12)
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


# =========================================================================== known mistakes
def _affine_forward_no_bias(x, w, b):
    return x.reshape(x.shape[0], -1) @ w, None


def _affine_backward_db_mean(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout, dout.mean(axis=0)


def _relu_backward_at_zero(dout, cache):
    x = cache
    return dout * (x >= 0)


def _relu_backward_mask_only(dout, cache):
    x = cache
    return (x > 0).astype(np.float64)


def _relu_backward_relu_of_dout(dout, cache):
    return np.maximum(dout, 0)


def _leaky_forward_default_alpha(x, alpha=0.01):
    return np.where(x > 0, x, 0.01 * x), None


def _leaky_backward_default_alpha(dout, cache):
    x, alpha = cache
    return dout * np.where(x > 0, 1.0, 0.01)


def _leaky_backward_alpha_without_dout(dout, cache):
    x, alpha = cache
    return np.where(x > 0, dout, alpha)


def _leaky_backward_swapped(dout, cache):
    x, alpha = cache
    return dout * np.where(x > 0, alpha, 1.0)


def _sigmoid_forward_exp_of_x(x):
    with np.errstate(over="ignore", invalid="ignore"):
        out = 1.0 / (1.0 + np.exp(x))
    return out, None


def _logit(out):
    with np.errstate(divide="ignore"):
        return np.log(out) - np.log1p(-out)


def _sigmoid_backward_from_input(dout, cache):
    """The learner's forward caches x, and the backward treats it as the output."""
    x = _logit(cache)
    return dout * x * (1.0 - x)


def _sigmoid_backward_sigmoid_again(dout, cache):
    """The cache is the output, and the backward applies the sigmoid to it once more."""
    s = 1.0 / (1.0 + np.exp(-cache))
    return dout * s * (1.0 - s)


def _sigmoid_backward_without_dout(dout, cache):
    return cache * (1.0 - cache)


def _tanh_backward_not_squared(dout, cache):
    return dout * (1.0 - cache)


def _tanh_backward_tanh_again(dout, cache):
    return dout * (1.0 - np.tanh(cache) ** 2)


def _tanh_backward_from_input(dout, cache):
    """The learner's forward caches x, and the backward treats it as the output."""
    x = np.arctanh(cache)
    return dout * (1.0 - x ** 2)


def _tanh_backward_without_dout(dout, cache):
    return 1.0 - cache ** 2


def _softmax_parts(x, y):
    N = x.shape[0]
    shifted = x - x.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return N, log_p


def _softmax_no_minus_one(x, y):
    N, log_p = _softmax_parts(x, y)
    return float(-log_p[np.arange(N), y].sum() / N), np.exp(log_p) / N


def _svm_parts(x, y, delta=1.0, skip_correct=True):
    N = x.shape[0]
    rows = np.arange(N)
    margins = np.maximum(0.0, x - x[rows, y][:, None] + delta)
    if skip_correct:
        margins[rows, y] = 0.0
    positive = (margins > 0).astype(np.float64)
    positive[rows, y] = -(positive.sum(axis=1) - (0 if skip_correct else positive[rows, y]))
    return float(margins.sum() / N), positive / N


def _svm_counts_correct_class(x, y):
    return _svm_parts(x, y, skip_correct=False)


def _svm_no_delta(x, y):
    return _svm_parts(x, y, delta=0.0)


def _svm_no_pull(x, y):
    loss, dx = _svm_parts(x, y)
    dx[np.arange(x.shape[0]), y] = 0.0
    return loss, dx


# --------------------------------------------------------------------------- network mistakes
class _MistakeNet:
    """A small reference-like network with one thing changed; subclasses say what."""

    relu_on_scores = False
    reg_biases = False
    reg_factor = 0.5  # the penalty is reg_factor * reg * sum(W * W), its gradient 2 * reg_factor * reg * W
    differentiate_penalty = True

    def __init__(self, **init):
        dims = self._dims(init)
        self.reg = init.get("reg", 0.0)
        self.num_layers = len(dims) - 1
        self.params = {}
        for i in range(1, len(dims)):
            self.params[f"W{i}"] = np.zeros((dims[i - 1], dims[i]))
            self.params[f"b{i}"] = np.zeros(dims[i])

    @staticmethod
    def _dims(init):
        if "hidden_dims" in init:
            return [init["input_dim"], *init["hidden_dims"], init["num_classes"]]
        return [init["input_dim"], init["hidden_dim"], init["num_classes"]]

    def _penalised(self):
        names = [f"W{i}" for i in range(1, self.num_layers + 1)]
        return names + ([f"b{i}" for i in range(1, self.num_layers + 1)] if self.reg_biases else [])

    def loss(self, X, y=None):
        p, L = self.params, self.num_layers
        h = X.reshape(X.shape[0], -1)
        inputs, pre = [], []
        for i in range(1, L + 1):
            inputs.append(h)
            z = h @ p[f"W{i}"] + p[f"b{i}"]
            pre.append(z)
            h = np.maximum(z, 0) if (i < L or self.relu_on_scores) else z
        scores = h
        if y is None:
            return scores
        N = X.shape[0]
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -log_p[np.arange(N), y].sum() / N
        d = np.exp(log_p)
        d[np.arange(N), y] -= 1.0
        d /= N
        grads = {}
        for i in range(L, 0, -1):
            if i < L or self.relu_on_scores:
                d = d * (pre[i - 1] > 0)
            grads[f"W{i}"] = inputs[i - 1].T @ d
            grads[f"b{i}"] = d.sum(axis=0)
            d = d @ p[f"W{i}"].T
        for name in self._penalised():
            loss += self.reg_factor * self.reg * np.sum(p[name] * p[name])
            if self.differentiate_penalty:
                grads[name] = grads[name] + 2 * self.reg_factor * self.reg * p[name]
        return float(loss), grads


class _NetRegularisesBiases(_MistakeNet):
    reg_biases = True


class _NetLinearClassifierPenalty(_MistakeNet):
    reg_factor = 1.0


class _NetReluOnScores(_MistakeNet):
    relu_on_scores = True


class _NetGradientsWithoutPenalty(_MistakeNet):
    differentiate_penalty = False


# =========================================================================== texts
def _t(en, zh):
    return (en, zh)


FORWARD_HINTS = {
    "mutates_input": _t("Do not write into x: compute a new array for out (np.maximum(0, x), x * mask, ...).",
                        "不要修改 x：为 out 计算一个新数组（np.maximum(0, x)、x * mask 等）。"),
    "wrong_type": _t("A layer forward returns a pair: return out, cache.", "层的前向函数返回一对值：return out, cache。"),
}
BACKWARD_HINTS = {
    "mutates_input": _t("Do not edit dout (or the arrays in the cache) in place: dx = dout.copy() first, or "
                        "compute dx = dout * mask.",
                        "不要原地修改 dout（或缓存中的数组）：先 dx = dout.copy()，或者直接计算 dx = dout * mask。"),
}

TASKS = [
    ForwardTask(
        "nn.affine_forward", cases=affine_forward_cases, outputs=("out", "cache"),
        mistakes=[KnownMistake(_t("the bias b is not added", "没有加上偏置 b"), _affine_forward_no_bias,
                               _t("out = x.reshape(N, -1).dot(w) + b: every row gets the bias added.",
                                  "out = x.reshape(N, -1).dot(w) + b：每一行都要加上偏置。"))],
        hints=dict(FORWARD_HINTS, exception=_t(
            "Flatten each sample first: x.reshape(x.shape[0], -1) has shape (N, D), and D matches w.shape[0].",
            "先把每个样本展平：x.reshape(x.shape[0], -1) 的形状是 (N, D)，D 与 w.shape[0] 相等。"))),
    Task(
        "nn.affine_backward", cases=affine_backward_cases, outputs=("dx", "dw", "db"), forward="affine_forward",
        mistakes=[KnownMistake(_t("db is the mean of dout over the batch instead of its sum",
                                  "db 是 dout 在批次上的平均，而不是求和"), _affine_backward_db_mean,
                               _t("Every sample adds its dout row to the bias: db = np.sum(dout, axis=0).",
                                  "每个样本的 dout 行都加到偏置上：db = np.sum(dout, axis=0)。"))],
        hints=dict(BACKWARD_HINTS,
                   shape=_t("dx has x's original shape (reshape back), dw has w's shape (D, M), db has b's shape "
                            "(M,): sum dout over the batch axis.",
                            "dx 的形状与原来的 x 相同（要 reshape 回去），dw 与 w 相同 (D, M)，db 与 b 相同 (M,)："
                            "对 dout 沿批次轴求和。"),
                   transposed=_t("dw = x_flat.T.dot(dout) has shape (D, M) like w.",
                                 "dw = x_flat.T.dot(dout)，形状为 (D, M)，与 w 相同。"),
                   exception=_t("Work with the flattened x: x.reshape(x.shape[0], -1), and dx = dout.dot(w.T).",
                                "使用展平后的 x：x.reshape(x.shape[0], -1)，并且 dx = dout.dot(w.T)。"))),
    ForwardTask("nn.relu_forward", cases=relu_forward_cases, outputs=("out", "cache"), hints=FORWARD_HINTS),
    Task(
        "nn.relu_backward", cases=relu_backward_cases, outputs=("dx",), forward="relu_forward",
        mistakes=[
            KnownMistake(_t("the gradient passes where x == 0 (x >= 0 instead of x > 0)",
                            "在 x == 0 处也让梯度通过了（写成 x >= 0 而不是 x > 0）"), _relu_backward_at_zero,
                         _t("ReLU's derivative at exactly 0 is taken as 0 here: keep dout where x > 0 only.",
                            "这里约定 ReLU 在恰好为 0 处的导数取 0：只在 x > 0 处保留 dout。")),
            KnownMistake(_t("dx is the mask (x > 0) without dout", "dx 只是掩码 (x > 0)，没有乘 dout"),
                         _relu_backward_mask_only,
                         _t("Chain rule: dx = dout * (x > 0).", "链式法则：dx = dout * (x > 0)。")),
            KnownMistake(_t("the ReLU is applied to dout instead of masking it by x", "把 ReLU 作用在 dout 上，而不是按 x 做掩码"),
                         _relu_backward_relu_of_dout,
                         _t("Which entries pass depends on the input x (the cache), not on the sign of dout.",
                            "哪些元素能通过取决于输入 x（缓存），而不是 dout 的符号。")),
        ],
        hints=BACKWARD_HINTS),
    ForwardTask(
        "nn.leaky_relu_forward", cases=leaky_relu_forward_cases, outputs=("out", "cache"),
        mistakes=[KnownMistake(_t("alpha is fixed at 0.01 instead of the alpha argument",
                                  "alpha 被固定为 0.01，而没有使用参数 alpha"), _leaky_forward_default_alpha,
                               _t("Use the alpha you are given (and keep it in the cache for the backward pass).",
                                  "使用传入的 alpha（并把它放进缓存，供反向传播使用）。"))],
        hints=FORWARD_HINTS),
    Task(
        "nn.leaky_relu_backward", cases=leaky_relu_backward_cases, outputs=("dx",), forward="leaky_relu_forward",
        mistakes=[
            KnownMistake(_t("alpha is fixed at 0.01 in the backward pass", "反向传播中 alpha 被固定为 0.01"),
                         _leaky_backward_default_alpha,
                         _t("Put alpha into the cache in the forward pass and read it back: cache = (x, alpha).",
                            "在前向传播中把 alpha 放进缓存并在这里取出：cache = (x, alpha)。")),
            KnownMistake(_t("where x <= 0, dx is alpha instead of alpha * dout", "在 x <= 0 处 dx 写成了 alpha，而不是 alpha * dout"),
                         _leaky_backward_alpha_without_dout,
                         _t("Both branches multiply dout: dx = dout * np.where(x > 0, 1, alpha).",
                            "两个分支都要乘 dout：dx = dout * np.where(x > 0, 1, alpha)。")),
            KnownMistake(_t("the slopes are swapped: alpha for x > 0 and 1 for x <= 0", "斜率写反了：x > 0 时用 alpha，x <= 0 时用 1"),
                         _leaky_backward_swapped,
                         _t("The slope is 1 for positive inputs and alpha for the others.", "正输入的斜率是 1，其余是 alpha。")),
        ],
        hints=BACKWARD_HINTS),
    QuietForwardTask(
        "nn.sigmoid_forward", cases=smooth_forward_cases, outputs=("out", "cache"),
        mistakes=[KnownMistake(_t("1 / (1 + exp(x)) instead of 1 / (1 + exp(-x))", "写成了 1 / (1 + exp(x))，而不是 1 / (1 + exp(-x))"),
                               _sigmoid_forward_exp_of_x,
                               _t("sigmoid(x) = 1 / (1 + exp(-x)); it is above 1/2 for x > 0.",
                                  "sigmoid(x) = 1 / (1 + exp(-x))；x > 0 时它大于 1/2。"))],
        hints=dict(FORWARD_HINTS, non_finite=_t(
            "exp(x) / (1 + exp(x)) is inf / inf = NaN for x = 1000: use 1 / (1 + np.exp(-x)), or np.exp(-np.abs(x)) "
            "in both branches.",
            "x = 1000 时 exp(x) / (1 + exp(x)) 是 inf / inf = NaN：请用 1 / (1 + np.exp(-x))，或在两个分支中都用 "
            "np.exp(-np.abs(x))。"))),
    Task(
        "nn.sigmoid_backward", cases=smooth_backward_cases, outputs=("dx",), forward="sigmoid_forward",
        mistakes=[
            KnownMistake(_t("the derivative s * (1 - s) is computed from the input x treated as the output s",
                            "导数 s * (1 - s) 是用输入 x 当作输出 s 算的"), _sigmoid_backward_from_input,
                         _t("s * (1 - s) needs s = sigmoid(x): cache the output in the forward pass (or apply the "
                            "sigmoid to the cached x).",
                            "s * (1 - s) 中的 s 是 sigmoid(x)：在前向传播中缓存输出（或者对缓存的 x 求一次 sigmoid）。")),
            KnownMistake(_t("the sigmoid is applied a second time to the cached output", "对已缓存的输出又求了一次 sigmoid"),
                         _sigmoid_backward_sigmoid_again,
                         _t("If the cache holds s = sigmoid(x), use it directly: dx = dout * s * (1 - s).",
                            "如果缓存的是 s = sigmoid(x)，直接使用：dx = dout * s * (1 - s)。")),
            KnownMistake(_t("dx is s * (1 - s) without dout", "dx 是 s * (1 - s)，没有乘 dout"), _sigmoid_backward_without_dout,
                         _t("Chain rule: multiply the local derivative by dout.", "链式法则：局部导数要乘以 dout。")),
        ],
        hints=BACKWARD_HINTS),
    QuietForwardTask("nn.tanh_forward", cases=smooth_forward_cases, outputs=("out", "cache"),
                hints=dict(FORWARD_HINTS, non_finite=_t(
                    "(exp(x) - exp(-x)) / (exp(x) + exp(-x)) is inf / inf = NaN for |x| = 1000: use np.tanh(x).",
                    "|x| = 1000 时 (exp(x) - exp(-x)) / (exp(x) + exp(-x)) 是 inf / inf = NaN：请用 np.tanh(x)。"))),
    Task(
        "nn.tanh_backward", cases=smooth_backward_cases, outputs=("dx",), forward="tanh_forward",
        mistakes=[
            KnownMistake(_t("the derivative is written 1 - out instead of 1 - out ** 2", "导数写成了 1 - out，而不是 1 - out ** 2"),
                         _tanh_backward_not_squared,
                         _t("d tanh(x) / dx = 1 - tanh(x) ** 2.", "d tanh(x) / dx = 1 - tanh(x) ** 2。")),
            KnownMistake(_t("tanh is applied a second time to the cached output", "对已缓存的输出又求了一次 tanh"),
                         _tanh_backward_tanh_again,
                         _t("If the cache holds out = tanh(x), use it directly: dx = dout * (1 - out ** 2).",
                            "如果缓存的是 out = tanh(x)，直接使用：dx = dout * (1 - out ** 2)。")),
            KnownMistake(_t("the derivative 1 - t ** 2 is computed from the input x treated as the output t",
                            "导数 1 - t ** 2 是用输入 x 当作输出 t 算的"), _tanh_backward_from_input,
                         _t("1 - t ** 2 needs t = tanh(x): cache the output in the forward pass.",
                            "1 - t ** 2 中的 t 是 tanh(x)：请在前向传播中缓存输出。")),
            KnownMistake(_t("dx is 1 - out ** 2 without dout", "dx 是 1 - out ** 2，没有乘 dout"), _tanh_backward_without_dout,
                         _t("Chain rule: multiply the local derivative by dout.", "链式法则：局部导数要乘以 dout。")),
        ],
        hints=BACKWARD_HINTS),
    Task(
        "nn.softmax_loss", cases=softmax_loss_cases, outputs=("loss", "dx"), gradients=[Gradient("loss", "dx", "x")],
        mistakes=[KnownMistake(_t("dx is softmax(x) / N without subtracting 1 at the correct class",
                                  "dx 是 softmax(x) / N，漏了在正确类别处减 1"), _softmax_no_minus_one,
                               _t("dx = (softmax(x) - one_hot(y)) / N: subtract 1 at [np.arange(N), y].",
                                  "dx = (softmax(x) - one_hot(y)) / N：在 [np.arange(N), y] 处减 1。"))],
        hints={
            "non_finite": _t("Subtract each row's maximum before np.exp: softmax(s) = softmax(s - max(s)).",
                             "在 np.exp 之前让每一行减去该行最大值：softmax(s) = softmax(s - max(s))。"),
            "scale": _t("Average over the N samples: divide both the loss and dx by N = x.shape[0].",
                        "对 N 个样本取平均：损失和 dx 都要除以 N = x.shape[0]。"),
            "mutates_input": _t("Do not shift x in place (x -= x.max(...)): write shifted = x - x.max(axis=1, keepdims=True).",
                                "不要原地平移 x（x -= x.max(...)）：写成 shifted = x - x.max(axis=1, keepdims=True)。"),
        }),
    Task(
        "nn.svm_loss", cases=svm_loss_cases, outputs=("loss", "dx"), gradients=[Gradient("loss", "dx", "x")],
        mistakes=[
            KnownMistake(_t("the sum over j includes the correct class j = y[i], whose margin is always 1",
                            "对 j 求和时把正确类别 j = y[i] 也算进去了，它的间隔恒为 1"), _svm_counts_correct_class,
                         _t("Set margins[np.arange(N), y] = 0 before summing and before building dx.",
                            "在求和和构造 dx 之前令 margins[np.arange(N), y] = 0。")),
            KnownMistake(_t("the margin is x_j - x_{y_i} without the + 1", "间隔写成了 x_j - x_{y_i}，漏了 + 1"), _svm_no_delta,
                         _t("margin = x[i, j] - x[i, y[i]] + 1.", "margin = x[i, j] - x[i, y[i]] + 1。")),
            KnownMistake(_t("the correct class gets no gradient (the -count at [i, y[i]] is missing)",
                            "正确类别没有梯度（漏了 [i, y[i]] 处的 -计数）"), _svm_no_pull,
                         _t("Every violating class j also pulls the correct class down: dx[i, y[i]] = -(number of "
                            "j with margin > 0) / N.",
                            "每个违反间隔的类别 j 也会把正确类别往下拉：dx[i, y[i]] = -(间隔 > 0 的 j 的个数) / N。")),
        ],
        hints={"scale": _t("Average over the N samples: divide both the loss and dx by N = x.shape[0].",
                           "对 N 个样本取平均：损失和 dx 都要除以 N = x.shape[0]。")}),
    Task(
        "nn.init_params", cases=init_params_cases, outputs=("params",), compare_values=False,
        properties=[
            Property(_t("keys", "键"), init_keys),
            Property(_t("zero biases", "偏置为零"), init_zero_biases,
                     hint=_t("Biases start at 0: b_l = np.zeros(layer_dims[l]).", "偏置初值为 0：b_l = np.zeros(layer_dims[l])。")),
            Property(_t("weight statistics", "权重的统计量"), init_statistics,
                     hint=_t("W_l = scale * randn(fan_in, fan_out) with scale 0.01 ('random'), sqrt(1 / fan_in) "
                             "('xavier') or sqrt(2 / fan_in) ('he'); fan_in = layer_dims[l - 1].",
                             "W_l = scale * randn(fan_in, fan_out)，scale 为 0.01（'random'）、sqrt(1 / fan_in)（'xavier'）"
                             "或 sqrt(2 / fan_in)（'he'）；fan_in = layer_dims[l - 1]。")),
            Property(_t("determinism for a seed", "给定种子时的确定性"), init_determinism,
                     hint=_t("Seed once at the start: rng = np.random.default_rng(seed) (or np.random.seed(seed)) and "
                             "draw every W from it.",
                             "在开头设一次种子：rng = np.random.default_rng(seed)（或 np.random.seed(seed)），所有 W 都从它抽取。")),
        ],
        hints={"shape": _t("W_l has shape (layer_dims[l - 1], layer_dims[l]) (batch-first: fan_in rows), "
                           "b_l has shape (layer_dims[l],).",
                           "W_l 的形状是 (layer_dims[l - 1], layer_dims[l])（批次在前：fan_in 行），"
                           "b_l 的形状是 (layer_dims[l],)。"),
               "wrong_type": _t("Return a dict with keys 'W1', 'b1', ..., 'WL', 'bL' (L = len(layer_dims) - 1).",
                                "返回一个字典，键为 'W1'、'b1'、……、'WL'、'bL'（L = len(layer_dims) - 1）。")}),
    ForwardTask(
        "nn.dropout_forward", cases=dropout_forward_cases, outputs=("out", "cache"), compare_values=False,
        in_out=("dropout_param",),
        properties=[
            Property(_t("kept fraction", "保留比例"), dropout_kept_fraction,
                     hint=_t("p is the probability of KEEPING a unit: mask = (np.random.rand(*x.shape) < p) / p.",
                             "p 是保留单元的概率：mask = (np.random.rand(*x.shape) < p) / p。")),
            Property(_t("kept entries are x / p, dropped ones 0", "保留的元素为 x / p，丢弃的为 0"), dropout_kept_values,
                     hint=_t("Inverted dropout scales at train time: out = x * mask with mask entries 0 or 1 / p.",
                             "反向（inverted）dropout 在训练时缩放：out = x * mask，mask 的元素为 0 或 1 / p。")),
            Property(_t("test mode is the identity", "测试模式是恒等映射"), dropout_test_mode,
                     hint=_t("In test mode return out = x: no mask and no scaling (the 1 / p was applied at train time).",
                             "测试模式下返回 out = x：不丢弃也不缩放（1 / p 已在训练时处理）。")),
            Property(_t("same seed, same mask", "相同种子得到相同掩码"), dropout_determinism,
                     hint=_t("if 'seed' in dropout_param: np.random.seed(dropout_param['seed']) before drawing the mask.",
                             "如果 dropout_param 中有 'seed'：抽取掩码之前先 np.random.seed(dropout_param['seed'])。")),
        ],
        hints=dict(FORWARD_HINTS, exception=_t(
            "dropout_param may have no 'seed': test with if 'seed' in dropout_param.",
            "dropout_param 中可能没有 'seed'：请用 if 'seed' in dropout_param 判断。"))),
    Task(
        "nn.dropout_backward", cases=dropout_backward_cases, outputs=("out", "dx"), forward="dropout_forward",
        adapter=adapters.forward_and_backward, compare_values=False, in_out=("dropout_param",),
        properties=[Property(_t("backward reuses the forward's mask", "反向传播使用前向传播的掩码"), dropout_backward_mask,
                             hint=_t("Keep the (scaled) mask in the cache and return dx = dout * mask at train time, "
                                     "dx = dout at test time; never draw a new mask in the backward pass.",
                                     "把（缩放过的）掩码放进缓存，训练时返回 dx = dout * mask，测试时 dx = dout；"
                                     "反向传播中不要重新抽取掩码。"))],
        hints=BACKWARD_HINTS),
]

NET_GRADIENTS = [Gradient("loss", f"grads.{p}{i}", f"params.{p}{i}") for i in range(1, 5) for p in ("W", "b")]
NET_HINTS = {
    "gradient": _t("grads disagree with the numerical gradient of your own loss: check every layer's backward "
                   "step and that each penalty term in the loss has its derivative reg * W in grads.",
                   "grads 与你自己的损失的数值梯度不一致：检查每一层的反向传播，并确认损失中的每个正则项都在 grads 中有对应的导数 reg * W。"),
    "missing_regularization": _t("Add 0.5 * reg * np.sum(W * W) for every weight matrix to the loss, and reg * W to its gradient.",
                                 "对每个权重矩阵在损失中加上 0.5 * reg * np.sum(W * W)，并在其梯度中加上 reg * W。"),
    "regularization_scale": _t("Networks use 0.5 * reg * np.sum(W * W) (gradient reg * W), not the linear classifiers' "
                               "reg * np.sum(W * W).",
                               "网络使用 0.5 * reg * np.sum(W * W)（梯度为 reg * W），而不是线性分类器的 reg * np.sum(W * W)。"),
    "wrong_type": _t("loss(X) returns the scores; loss(X, y) returns (loss, grads) with grads a dict with the keys of "
                     "self.params.",
                     "loss(X) 返回得分；loss(X, y) 返回 (loss, grads)，grads 是与 self.params 键相同的字典。"),
    "exception": _t("The checker builds your class with the init arguments shown, puts the case's parameters into "
                    "self.params and calls loss(X) and loss(X, y); X may be images (N, d1, d2, d3).",
                    "检查器用所示的初始化参数构造你的类，把用例的参数放进 self.params，再调用 loss(X) 和 loss(X, y)；"
                    "X 可能是图像 (N, d1, d2, d3)。"),
}
NET_MISTAKES = [
    KnownMistake(_t("the biases are regularised too", "偏置也被正则化了"), _NetRegularisesBiases,
                 _t("Only the weight matrices W1, W2, ... are penalised, never the biases.",
                    "只对权重矩阵 W1、W2……做正则化，不对偏置做。")),
    KnownMistake(_t("the penalty is reg * sum(W * W) (the linear classifiers' convention) instead of 0.5 * reg * sum(W * W)",
                    "正则项写成了 reg * sum(W * W)（线性分类器的约定），而不是 0.5 * reg * sum(W * W)"),
                 _NetLinearClassifierPenalty,
                 _t("Networks here use 0.5 * reg * np.sum(W * W), so that its gradient is reg * W.",
                    "这里的网络使用 0.5 * reg * np.sum(W * W)，它的梯度是 reg * W。")),
    KnownMistake(_t("the weight gradients lack the penalty's derivative reg * W", "权重的梯度中缺少正则项的导数 reg * W"),
                 _NetGradientsWithoutPenalty,
                 _t("After backpropagation add reg * W to every grads['W...'] (the biases get nothing).",
                    "反向传播之后，给每个 grads['W...'] 加上 reg * W（偏置不加）。")),
    KnownMistake(_t("a ReLU is applied to the final scores", "对最后的得分也用了 ReLU"), _NetReluOnScores,
                 _t("The last affine layer feeds the softmax directly: no ReLU after it.",
                    "最后一个仿射层直接接 softmax：它后面没有 ReLU。")),
]

TASKS += [
    Task("nn.TwoLayerNet", cases=two_layer_cases, outputs=("scores", "loss", "grads"),
                adapter=adapters.network_loss, regularization="init.reg", gradients=NET_GRADIENTS[:4],
                mistakes=NET_MISTAKES, hints=NET_HINTS, time_limit=20.0),
    Task("nn.FullyConnectedNet", cases=fully_connected_cases, outputs=("scores", "loss", "grads"),
                adapter=adapters.network_loss, regularization="init.reg", gradients=NET_GRADIENTS,
                mistakes=NET_MISTAKES, hints=NET_HINTS, time_limit=20.0),
]
