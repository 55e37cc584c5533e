"""Input standardization: ``fit_standardizer(X_train, eps=1e-8) -> (mean, std)`` and
``standardize(X, mean, std)``.

Fitting on the wrong split cannot be seen in one call of ``fit_standardizer``, so ``standardize``'s
cases apply statistics fitted on a training split to a *different* split (validation or test data
with their own, shifted, statistics): a ``standardize`` that recomputes the statistics of the data it
is given (the leakage mistake) returns data of mean exactly 0 and is named. One case applies the
statistics to the training split itself, where both agree, as they should.
"""

import numpy as np

from checker.reference.bn import _fit_standardizer
from checker.spec import Case, Task
from checker.topics.bn.common import mistake, t


# =========================================================================== cases
def _split(rng, N, centres, scales):
    return centres + scales * rng.normal(size=(N, len(centres)))


def fit_cases(rng):
    centres, scales = np.array([5.0, -200.0, 0.3]), np.array([2.0, 50.0, 0.01])
    yield Case(("20 x 3 training set, features on scales 2, 50 and 0.01", "20 x 3 的训练集，特征尺度为 2、50 和 0.01"),
               _split(rng, 20, centres, scales))
    X = _split(rng, 8, np.zeros(4), np.ones(4))
    X[:, 2] = 7.0
    yield Case(("8 x 4 with a constant feature (column 2): std = sqrt(0 + eps)", "8 x 4，第 2 列为常数：std = sqrt(0 + eps)"), X)
    yield Case(("one sample (N = 1), eps 1e-4", "只有一个样本（N = 1），eps 1e-4"), _split(rng, 1, np.ones(5), np.ones(5)),
               eps=1e-4)
    yield Case(("pixel-like integers 0..255, 30 x 6", "类似像素的整数 0..255，30 x 6"),
               rng.integers(0, 256, size=(30, 6)).astype(np.float64))


def standardize_cases(rng):
    centres, scales = np.array([3.0, -40.0, 0.5, 10.0]), np.array([1.0, 20.0, 0.05, 4.0])
    X_train = _split(rng, 25, centres, scales)
    mean, std = _fit_standardizer(X_train, 1e-8)
    shifted = centres + scales * np.array([0.8, -0.5, 1.2, 0.3])
    yield Case(("a test set of 10 x 4 with training statistics (the test set's own mean and std differ)",
                "用训练集统计量处理 10 x 4 的测试集（测试集自己的均值和标准差不同）"),
               _split(rng, 10, shifted, scales * 1.5), mean, std)
    yield Case(("a validation set of 6 x 4 with training statistics", "用训练集统计量处理 6 x 4 的验证集"),
               _split(rng, 6, centres - scales, scales * 0.7), mean, std)
    yield Case(("the training set itself (25 x 4): mean 0, std 1 per feature", "训练集本身（25 x 4）：每个特征均值为 0、标准差为 1"),
               X_train, mean, std)
    X_const = _split(rng, 12, np.zeros(3), np.ones(3))
    X_const[:, 1] = -2.0
    mean_c, std_c = _fit_standardizer(X_const, 1e-8)
    yield Case(("one test sample (N = 1); the training set had a constant feature (std = 1e-4)",
                "只有一个测试样本（N = 1）；训练集有一个常数特征（std = 1e-4）"),
               _split(rng, 1, np.array([0.5, -1.5, 0.0]), np.ones(3)), mean_c, std_c)


# =========================================================================== known mistakes
def fit_variant(ddof=0, eps_where="inside", root=True, axis=0):
    def fit(X_train, eps=1e-8):
        mean = X_train.mean(axis=axis)
        with np.errstate(divide="ignore", invalid="ignore"):
            var = X_train.var(axis=axis, ddof=ddof)
        if eps_where == "inside":
            spread = np.sqrt(var + eps) if root else var + eps
        elif eps_where == "outside":
            spread = np.sqrt(var) + eps
        else:
            spread = np.sqrt(var)
        return mean, spread
    return fit


FIT_MISTAKES = [
    mistake("the unbiased variance (ddof=1)", "用了无偏方差（ddof=1）", fit_variant(ddof=1),
            "Use the biased variance of the training set: X_train.var(axis=0) (np.std's default ddof=0).",
            "使用训练集的有偏方差：X_train.var(axis=0)（np.std 默认 ddof=0）。"),
    mistake("eps is added outside the square root: std + eps", "eps 加在了平方根外面：std + eps", fit_variant(eps_where="outside"),
            "std = np.sqrt(X_train.var(axis=0) + eps): eps goes into the variance.",
            "std = np.sqrt(X_train.var(axis=0) + eps)：eps 加在方差里。"),
    mistake("eps is not used: a constant feature gets std 0", "没有用 eps：常数特征的 std 为 0", fit_variant(eps_where="none"),
            "Add eps to the variance before the square root, so that standardize never divides by zero.",
            "开平方之前先给方差加上 eps，这样 standardize 就永远不会除以零。"),
    mistake("the variance is returned instead of the standard deviation", "返回了方差而不是标准差", fit_variant(root=False),
            "std = np.sqrt(var + eps): standardizing divides by a standard deviation, in the data's units.",
            "std = np.sqrt(var + eps)：标准化除以的是标准差，与数据同单位。"),
    mistake("the statistics are taken per sample (axis=1) instead of per feature", "统计量按样本（axis=1）而不是按特征计算",
            fit_variant(axis=1),
            "One mean and one std per feature (column): X_train.mean(axis=0), shape (D,).",
            "每个特征（每一列）一个均值、一个标准差：X_train.mean(axis=0)，形状为 (D,)。"),
]


def _own_statistics(X, mean, std):
    return (X - X.mean(axis=0)) / np.sqrt(X.var(axis=0) + 1e-8)


def _standardize_variant(kind):
    def apply(X, mean, std):
        if kind == "eps_again":
            return (X - mean) / (std + 1e-8)
        if kind == "no_centre":
            return X / std
        if kind == "multiplies":
            return (X - mean) * std
        if kind == "root_again":
            return (X - mean) / np.sqrt(std)
        return X / std - mean  # "order": divides first, then subtracts the unscaled mean
    return apply


STANDARDIZE_MISTAKES = [
    mistake("the statistics of the data it is applied to are used (the data leakage mistake), not the training "
            "mean and std it was given", "用了被处理数据自身的统计量（数据泄露的错误），而不是传入的训练集均值和标准差",
            _own_statistics,
            "Validation and test data are standardized with the TRAINING mean and std: (X - mean) / std with the "
            "arguments you are given. Statistics of the test set would let it leak into the model, and a single test "
            "sample has no statistics at all.",
            "验证集和测试集要用训练集的均值和标准差来标准化：用传入的参数计算 (X - mean) / std。"
            "用测试集自己的统计量会让它泄露进模型，而单个测试样本根本没有统计量可言。"),
    mistake("eps is added again: (X - mean) / (std + eps)", "又加了一次 eps：(X - mean) / (std + eps)",
            _standardize_variant("eps_again"),
            "std from fit_standardizer already holds sqrt(var + eps): divide by it as it is.",
            "fit_standardizer 返回的 std 已经是 sqrt(var + eps)：直接除以它。"),
    mistake("the mean is not subtracted", "没有减去均值", _standardize_variant("no_centre"),
            "(X - mean) / std: centre first, then scale.", "(X - mean) / std：先中心化，再缩放。"),
    mistake("the data are multiplied by std instead of divided", "数据乘了 std 而不是除以 std", _standardize_variant("multiplies"),
            "Divide by the standard deviation: (X - mean) / std.", "除以标准差：(X - mean) / std。"),
    mistake("std is treated as a variance (divided by sqrt(std))", "把 std 当成了方差（除以 sqrt(std)）",
            _standardize_variant("root_again"),
            "std is already a standard deviation: (X - mean) / std.", "std 已经是标准差了：(X - mean) / std。"),
    mistake("the mean is subtracted after dividing: X / std - mean", "先除后减：X / std - mean", _standardize_variant("order"),
            "Subtract the mean first: (X - mean) / std.", "先减去均值：(X - mean) / std。"),
]

FIT_HINTS = {"wrong_type": t("Return the pair (mean, std), both of shape (D,).", "返回二元组 (mean, std)，形状都是 (D,)。"),
             "shape": t("mean and std have one entry per feature: shape (D,), from axis=0 without keepdims.",
                        "mean 和 std 每个特征一个值：形状为 (D,)，沿 axis=0 计算且不要 keepdims。")}

TASKS = [
    Task("bn.fit_standardizer", cases=fit_cases, outputs=("mean", "std"), mistakes=FIT_MISTAKES, hints=FIT_HINTS),
    Task("bn.standardize", cases=standardize_cases, outputs=("X_standardized",), mistakes=STANDARDIZE_MISTAKES),
]
