"""Tasks of notebook 00, the NumPy warm-up."""

import numpy as np

from checker.spec import Case, Gradient, KnownMistake, Task


def _integers(rng, shape, low=-9, high=10):
    return rng.integers(low, high, size=shape).astype(np.float64)


def center_cases(rng):
    yield Case(("4 x 3 matrix", "4 x 3 矩阵"), _integers(rng, (4, 3)))
    yield Case(("one sample (N = 1)", "只有一个样本（N = 1）"), rng.normal(size=(1, 5)))
    yield Case(("7 x 2, columns far from zero", "7 x 2，列均值远离 0"), rng.normal(size=(7, 2)) * 3 + np.array([100.0, -40.0]))
    yield Case(("3 x 6, wider than tall", "3 x 6，列比行多"), rng.normal(size=(3, 6)))


def normalize_rows_cases(rng):
    yield Case(("5 x 3 matrix", "5 x 3 矩阵"), rng.normal(size=(5, 3)))
    X = rng.normal(size=(4, 6))
    X[2] = 0.0
    yield Case(("4 x 6 with a row of zeros", "4 x 6，含全零行"), X)
    yield Case(("one row", "只有一行"), rng.normal(size=(1, 7)))
    yield Case(("3 x 3, large values", "3 x 3，数值很大"), rng.normal(size=(3, 3)) * 1e3)


def one_hot_cases(rng):
    yield Case(("labels [2, 0, 1, 2], 5 classes (classes 3 and 4 absent)", "标签 [2, 0, 1, 2]，5 类（没有第 3、4 类）"), np.array([2, 0, 1, 2]), 5)
    yield Case(("one label", "只有一个标签"), np.array([1]), 3)
    yield Case(("9 random labels, 5 classes", "9 个随机标签，5 类"), rng.integers(0, 5, size=9), 5)
    yield Case(("3 labels, 3 classes (square result)", "3 个标签，3 类（结果是方阵）"), np.array([1, 2, 0]), 3)


def squared_distances_cases(rng):
    yield Case(("3 points against 5 points in 4-D", "3 个点对 5 个点，4 维"), _integers(rng, (3, 4)), _integers(rng, (5, 4)))
    yield Case(("one point against 6 points", "1 个点对 6 个点"), _integers(rng, (1, 2)), _integers(rng, (6, 2)))
    A = _integers(rng, (4, 3))
    yield Case(("a point set against itself (zero diagonal)", "点集与自身（对角线为 0）"), A, A.copy())
    yield Case(("7 points against 2 points in 5-D", "7 个点对 2 个点，5 维"), _integers(rng, (7, 5)), _integers(rng, (2, 5)))


def squared_distances_sizes(rng):
    small = Case(("5 x 6 points (loop count)", "5 x 6 个点（循环计数）"), _integers(rng, (5, 8)), _integers(rng, (6, 8)))
    large = Case(("40 x 60 points (loop count)", "40 x 60 个点（循环计数）"), _integers(rng, (40, 8)), _integers(rng, (60, 8)))
    return small, large


def mse_cases(rng):
    yield Case(("5 predictions", "5 个预测值"), rng.normal(size=5), rng.normal(size=5))
    yield Case(("one prediction", "1 个预测值"), np.array([0.5]), np.array([2.0]))
    yield Case(("12 predictions", "12 个预测值"), rng.normal(size=12) * 2, rng.normal(size=12))
    yield Case(("8 predictions, all exact", "8 个预测值，全部准确"), np.arange(8.0), np.arange(8.0))
    yield Case(("3 predictions far off", "3 个预测值，误差很大"), rng.normal(size=3) + 10, rng.normal(size=3))


def _center_by_rows(X):
    return X - X.mean(axis=1, keepdims=True)


def _normalize_columns(X):
    return X / np.sqrt(np.sum(X * X, axis=0, keepdims=True))


def _sum_of_squares_rows(X):
    return X / np.sum(X * X, axis=1, keepdims=True)


TASKS = [
    Task(
        "warmup.center",
        cases=center_cases,
        outputs=("X_centered",),
        mistakes=[KnownMistake(("subtracting the mean of each row (axis=1) instead of each column (axis=0)",
                                "减去了每一行的均值（axis=1），而不是每一列的均值（axis=0）"),
                               _center_by_rows,
                               ("Columns are features: X.mean(axis=0) has one mean per column.",
                                "列是特征：X.mean(axis=0) 给出每一列的均值。"))],
        hints={"offset": ("Subtract one mean per column, X.mean(axis=0), not one mean for the whole matrix.",
                          "每一列减去自己的均值 X.mean(axis=0)，而不是整个矩阵的一个均值。")},
    ),
    Task(
        "warmup.normalize_rows",
        cases=normalize_rows_cases,
        outputs=("X_normalized",),
        mistakes=[
            KnownMistake(("dividing by the column norms (axis=0)", "除以了列范数（axis=0）"), _normalize_columns,
                         ("Sum over axis=1 to get one norm per row, and keep it as a column with keepdims=True.",
                          "沿 axis=1 求和得到每行的范数，并用 keepdims=True 保持为列向量。")),
            KnownMistake(("dividing by the squared norm (the square root is missing)", "除以了范数的平方（漏了开方）"),
                         _sum_of_squares_rows, ("The length is np.sqrt(np.sum(x * x)).", "长度是 np.sqrt(np.sum(x * x))。")),
        ],
        hints={"non_finite": ("A row of zeros has norm 0 and 0/0 is NaN: leave such rows as zeros (np.where helps).",
                              "全零行的范数是 0，0/0 得到 NaN：让这样的行保持为 0（可以用 np.where）。")},
    ),
    Task(
        "warmup.one_hot",
        cases=one_hot_cases,
        outputs=("Y",),
        hints={"shape": ("The result has one row per label and num_classes columns, even when some class never appears.",
                         "结果每个标签一行、共 num_classes 列，即使某个类别没有出现。")},
    ),
    Task(
        "warmup.squared_distances",
        cases=squared_distances_cases,
        outputs=("dists",),
        loop_free=squared_distances_sizes,
    ),
    Task(
        "warmup.mse_loss",
        cases=mse_cases,
        outputs=("loss", "dpred"),
        gradients=[Gradient(loss="loss", grad="dpred", wrt="pred")],
    ),
]
