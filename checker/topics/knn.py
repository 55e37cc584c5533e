"""Tasks of notebook 01, k-nearest neighbours."""

from collections import Counter
from collections.abc import Mapping

import numpy as np

from checker.spec import Case, KnownMistake, Task


# =========================================================================== cases
def _pixels(rng, shape):
    """Integer-valued float64 'pixels' in 0..255: a^2 + b^2 - 2ab is exact for them."""
    return rng.integers(0, 256, size=shape).astype(np.float64)


def distance_cases(rng):
    yield Case(("4 test points against 6 training points, 8 pixels each", "4 个测试点对 6 个训练点，每个 8 个像素"),
               _pixels(rng, (4, 8)), _pixels(rng, (6, 8)))
    yield Case(("one test point against 5 training points", "1 个测试点对 5 个训练点"),
               _pixels(rng, (1, 12)), _pixels(rng, (5, 12)))
    yield Case(("3 test points against one training point", "3 个测试点对 1 个训练点"),
               _pixels(rng, (3, 6)), _pixels(rng, (1, 6)))
    X_train = _pixels(rng, (7, 10))
    X_test = _pixels(rng, (3, 10))
    X_test[1] = X_train[4]
    yield Case(("3 x 7, test point 1 equals training point 4 (distance 0)", "3 x 7，测试点 1 与训练点 4 相同（距离为 0）"),
               X_test, X_train)
    yield Case(("9 test points against 2 training points, 16 pixels", "9 个测试点对 2 个训练点，16 个像素"),
               _pixels(rng, (9, 16)), _pixels(rng, (2, 16)))


def distance_sizes(rng):
    small = Case(("5 x 6 points (loop count)", "5 x 6 个点（循环计数）"), _pixels(rng, (5, 16)), _pixels(rng, (6, 16)))
    large = Case(("40 x 60 points (loop count)", "40 x 60 个点（循环计数）"), _pixels(rng, (40, 16)), _pixels(rng, (60, 16)))
    return small, large


def _distinct_distances(rng, num_test, num_train):
    """Random distances whose sorted values are at least 0.05 apart in every row (no tie at the k-th neighbour)."""
    rows = []
    for _ in range(num_test):
        gaps = rng.uniform(0.05, 1.0, size=num_train)
        rows.append(rng.permutation(np.cumsum(gaps)))
    return np.array(rows)


def _tie_row(rng, y_train, nearest_labels):
    """Distances for one test point whose nearest neighbours carry ``nearest_labels`` in that order."""
    order = []
    pool = {label: list(rng.permutation(np.flatnonzero(y_train == label))) for label in np.unique(y_train)}
    for label in nearest_labels:
        order.append(pool[label].pop())
    rest = [j for j in rng.permutation(len(y_train)) if j not in order]
    ranks = np.empty(len(y_train))
    ranks[order + rest] = np.arange(len(y_train))
    return 1.0 + ranks + rng.uniform(0.0, 0.5, size=len(y_train))


def _labels_without_vote_ties(rng, dists, k, num_classes):
    """Training labels for which the vote among the k nearest has a single winner in every row, so that
    only the cases made for ties test the tie rule (and each tie-breaking mistake is named there)."""
    while True:
        y = rng.integers(0, num_classes, size=dists.shape[1])
        counts = [np.bincount(y[np.argsort(row)[:k]], minlength=num_classes) for row in dists]
        if all(np.sum(c == c.max()) == 1 for c in counts):
            return y


def predict_cases(rng):
    dists = _distinct_distances(rng, 5, 10)
    yield Case(("k = 1, 5 test points, 10 training points", "k = 1，5 个测试点，10 个训练点"),
               dists, _labels_without_vote_ties(rng, dists, 1, 4))
    dists = _distinct_distances(rng, 6, 12)
    yield Case(("k = 3, 6 test points, 12 training points", "k = 3，6 个测试点，12 个训练点"),
               dists, _labels_without_vote_ties(rng, dists, 3, 3), k=3)
    dists = _distinct_distances(rng, 1, 15)
    yield Case(("k = 5, one test point", "k = 5，只有 1 个测试点"), dists, _labels_without_vote_ties(rng, dists, 5, 5), k=5)
    # ties: the nearest neighbour has the larger label in row 0 and the smaller one in row 1
    y = np.array([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3])
    dists = np.array([_tie_row(rng, y, [2, 1, 1, 2]), _tie_row(rng, y, [0, 2, 2, 0]), _tie_row(rng, y, [1, 2, 0, 1])])
    yield Case(("k = 4 with tied votes (2 against 2): the smaller label wins",
                "k = 4，票数相同（2 比 2）：较小的标签胜出"), dists, y, k=4)
    y = np.array([3, 7, 3, 7, 3, 7])
    dists = np.array([_tie_row(rng, y, [7, 3]), _tie_row(rng, y, [3, 7])])
    yield Case(("k = 2, labels 3 and 7 only, one vote each", "k = 2，只有标签 3 和 7，各得一票"), dists, y, k=2)
    # a small Python set iterates by hash modulo its table size, not in sorted order: {3, 8} and {6, 9}
    # come out as 8, 3 and 9, 6 (but {3, 7} as 3, 7), so a vote that walks a set breaks some ties wrongly
    y = np.array([3, 8, 7, 3, 8, 7, 5])
    dists = np.array([_tie_row(rng, y, [3, 8]), _tie_row(rng, y, [8, 3]), _tie_row(rng, y, [7, 3])])
    yield Case(("k = 2, ties of labels 3 and 8, and of 3 and 7", "k = 2，标签 3 与 8、3 与 7 平票"), dists, y, k=2)
    y = np.array([6, 9, 6, 9, 1, 2, 2, 4])
    dists = np.array([_tie_row(rng, y, [6, 9, 9, 6, 1]), _tie_row(rng, y, [2, 6, 6, 2, 1])])
    yield Case(("k = 5, labels 9 and 6 tied, and 2 and 6 (2 against 2, one 1)",
                "k = 5，标签 9 与 6、2 与 6 平票（2 比 2，另有一个 1）"), dists, y, k=5)
    dists = _distinct_distances(rng, 4, 7)
    yield Case(("k = 7 = the number of training points", "k = 7 = 训练点的个数"), dists,
               _labels_without_vote_ties(rng, dists, 7, 3), k=7)


def _clusters(rng, n, num_classes, dim=5, spread=1.2):
    centers = rng.normal(size=(num_classes, dim)) * 2.0
    y = rng.integers(0, num_classes, size=n)
    return centers[y] + rng.normal(size=(n, dim)) * spread, y


def cross_validate_cases(rng):
    X, y = _clusters(rng, 23, 3)
    yield Case(("23 points, 3 classes, k in [1, 3, 5], 5 folds (sizes 5, 5, 5, 4, 4)",
                "23 个点，3 类，k 取 [1, 3, 5]，5 折（大小 5, 5, 5, 4, 4）"), X, y, [1, 3, 5], 5)
    X, y = _clusters(rng, 17, 2, dim=3, spread=1.5)
    yield Case(("17 points, 2 classes, k in [1, 2, 4, 8], 3 folds", "17 个点，2 类，k 取 [1, 2, 4, 8]，3 折"),
               X, y, [1, 2, 4, 8], 3)
    X, y = _clusters(rng, 20, 4, dim=6)
    yield Case(("20 points, 4 classes, k in [3, 1], 4 folds of 5", "20 个点，4 类，k 取 [3, 1]，4 折，每折 5 个"),
               X, y, [3, 1], 4)


# =========================================================================== tasks
class CrossValidateTask(Task):
    """Reads the returned ``{k: [accuracy per fold]}`` as a (len(k_choices), num_folds) array,
    rows in the order of ``k_choices``, so that the engine's array diagnoses (scale: accuracies in
    percent) apply. A result of another structure is passed on as it is (and reported as wrong_type)."""

    def interpret(self, result, case):
        return _accuracy_table(result, case)


def _accuracy_table(result, case):
    named = dict(zip(("X", "y", "k_choices", "num_folds"), case.args))
    named.update(case.kwargs)
    k_choices, num_folds = list(named["k_choices"]), int(named["num_folds"])
    if not isinstance(result, Mapping) or not all(k in result for k in k_choices):
        return result
    rows = []
    for k in k_choices:
        values = result[k]
        if not isinstance(values, (list, tuple, np.ndarray)) or len(values) != num_folds:
            return result
        try:
            rows.append(np.asarray(values))  # keeps float32 accuracies float32 (and their tolerance)
        except (TypeError, ValueError):
            return result
    try:
        table = np.array(rows)
    except (TypeError, ValueError):
        return result
    return table if table.ndim == 2 and table.dtype.kind in "biuf" else result


# --------------------------------------------------------------------------- known mistakes
def _l2_without_sqrt(X_test, X_train):
    diff = X_test[:, None, :] - X_train[None, :, :]
    return np.sum(diff * diff, axis=2)


def _l1(X_test, X_train):
    return np.sum(np.abs(X_test[:, None, :] - X_train[None, :, :]), axis=2)


def _l2(X_test, X_train):
    return np.sqrt(_l2_without_sqrt(X_test, X_train))


def _vote(dists, y_train, k, pick):
    out = np.zeros(dists.shape[0])
    for i in range(dists.shape[0]):
        out[i] = pick(y_train[np.argsort(dists[i])[:k]])
    return out


def _ties_to_larger(dists, y_train, k=1):
    return _vote(dists, y_train, k, lambda ys: len(np.bincount(ys)) - 1 - np.argmax(np.bincount(ys)[::-1]))


def _ties_to_nearest(dists, y_train, k=1):
    return _vote(dists, y_train, k, lambda ys: Counter(ys.tolist()).most_common(1)[0][0])


def _set_order(dists, y_train, k=1):
    return _vote(dists, y_train, k, lambda ys: max(set(ys.tolist()), key=ys.tolist().count))


def _farthest(dists, y_train, k=1):
    out = np.zeros(dists.shape[0])
    for i in range(dists.shape[0]):
        out[i] = np.argmax(np.bincount(y_train[np.argsort(dists[i])[-k:]]))
    return out


def _k_plus_one(dists, y_train, k=1):
    return _vote(dists, y_train, k + 1, lambda ys: np.argmax(np.bincount(ys)))


def _only_nearest(dists, y_train, k=1):
    return y_train[np.argmin(dists, axis=1)]


def _mean_label(dists, y_train, k=1):
    return _vote(dists, y_train, k, np.mean)


def _validation_fold_in_training(X, y, k_choices, num_folds):
    from checker.reference.knn import distances_no_loops, predict_labels

    y_folds = np.array_split(y, num_folds)
    X_folds = np.array_split(X, num_folds)
    return {k: [float(np.mean(predict_labels(distances_no_loops(Xf, X), y, k) == yf)) for Xf, yf in zip(X_folds, y_folds)]
            for k in k_choices}


def _no_sqrt_mistake():
    return KnownMistake(("squared distances: the square root is missing", "得到的是距离的平方：漏了开方"),
                        _l2_without_sqrt,
                        ("The L2 distance is np.sqrt(np.sum((a - b) ** 2)); the square root comes last.",
                         "L2 距离是 np.sqrt(np.sum((a - b) ** 2))，最后要开平方。"))


def _l1_mistake():
    return KnownMistake(("L1 (sum of absolute differences) instead of L2", "算成了 L1 距离（绝对差之和），而不是 L2"),
                        _l1, ("L2 squares the differences, sums them and takes the square root.",
                              "L2 距离是差的平方求和再开方。"))


def _sum_differences(X_test, X_train):
    """sum(a - b) over the pixels, which is a . 1 - b . 1."""
    return X_test.sum(axis=1)[:, None] - X_train.sum(axis=1)[None, :]


def _l2_slips():
    """The usual slips inside an L2 distance: the square after the sum, a plus sign in the expansion,
    a sum over the whole array."""
    return [
        KnownMistake(("the differences are summed before they are squared: (sum(a - b)) ** 2, not sum((a - b) ** 2)",
                      "先求和再平方：(sum(a - b)) ** 2，而不是 sum((a - b) ** 2)"),
                     lambda X_test, X_train: np.abs(_sum_differences(X_test, X_train)),
                     ("Square each difference first, then sum: np.sum((a - b) ** 2).", "先对每个差平方，再求和：np.sum((a - b) ** 2)。")),
        KnownMistake(("the cross term has the wrong sign: |a|^2 + |b|^2 + 2 a.b", "交叉项符号错了：|a|^2 + |b|^2 + 2 a.b"),
                     lambda X_test, X_train: np.sqrt(np.sum(X_test ** 2, axis=1)[:, None] + np.sum(X_train ** 2, axis=1)
                                                     + 2 * X_test @ X_train.T),
                     ("|a - b|^2 = |a|^2 + |b|^2 - 2 a.b: subtract the matrix product.", "|a - b|^2 = |a|^2 + |b|^2 - 2 a.b：矩阵乘积要减去。")),
        KnownMistake(("np.sum without axis: one number per test point, summed over every training point",
                      "np.sum 没写 axis：每个测试点只得到一个数，把所有训练点都加在了一起"),
                     lambda X_test, X_train: np.repeat(np.sqrt(np.sum((X_test[:, None, :] - X_train[None]) ** 2, axis=(1, 2)))[:, None],
                                                       X_train.shape[0], axis=1),
                     ("Sum over the pixels only: np.sum(..., axis=1) against all training points at once.",
                      "只沿像素求和：np.sum(..., axis=1)，一次对所有训练点计算。")),
    ]


_TRANSPOSED_HINT = ("dists[i, j] is test point i (row) against training point j (column): "
                    "the result has num_test rows and num_train columns.",
                    "dists[i, j] 是第 i 个测试点（行）与第 j 个训练点（列）的距离：结果有 num_test 行、num_train 列。")
_SHAPE_HINT = ("Create dists = np.zeros((num_test, num_train)) with num_test = X_test.shape[0] and "
               "num_train = X_train.shape[0]; sum the squared differences over the pixel axis only.",
               "先建 dists = np.zeros((num_test, num_train))，其中 num_test = X_test.shape[0]、"
               "num_train = X_train.shape[0]；只沿像素那一维对差的平方求和。")
_DTYPE_HINT = ("An integer array truncates the distances: create dists with np.zeros((num_test, num_train)) (float64).",
               "整数数组会截断距离：用 np.zeros((num_test, num_train)) 创建 dists（float64）。")


def _distance_hints(extra=None):
    hints = {"transposed": _TRANSPOSED_HINT, "shape": _SHAPE_HINT, "dtype": _DTYPE_HINT,
             "mutates_input": ("Compute the difference into a new array (diff = X_test[i] - X_train[j]); "
                               "'-=' on a row of X_test or X_train changes the caller's data.",
                               "把差写进新数组（diff = X_test[i] - X_train[j]）；对 X_test 或 X_train 的行用 '-=' 会改掉调用者的数据。")}
    hints.update(extra or {})
    return hints


TASKS = [
    Task(
        "knn.distances_two_loops",
        title=("L2 distances, two loops", "L2 距离，两重循环"),
        cases=distance_cases,
        outputs=("dists",),
        mistakes=[_no_sqrt_mistake(), _l1_mistake(), *_l2_slips()],
        hints=_distance_hints({"mismatch": ("For one pair: np.sqrt(np.sum((X_test[i] - X_train[j]) ** 2)). "
                                            "Square each difference before summing, not the sum.",
                                            "对一对点：np.sqrt(np.sum((X_test[i] - X_train[j]) ** 2))。先把每个差平方再求和，而不是对和平方。")}),
    ),
    Task(
        "knn.distances_one_loop",
        title=("L2 distances, one loop", "L2 距离，一重循环"),
        cases=distance_cases,
        outputs=("dists",),
        mistakes=[_no_sqrt_mistake(), _l1_mistake(), *_l2_slips()],
        hints=_distance_hints({"mismatch": ("X_train - X_test[i] broadcasts to (num_train, D); sum its squares with "
                                            "axis=1 to get one distance per training point, then fill row i.",
                                            "X_train - X_test[i] 广播成 (num_train, D)；沿 axis=1 对平方求和，"
                                            "得到每个训练点一个距离，再填入第 i 行。")}),
    ),
    Task(
        "knn.distances_no_loops",
        title=("L2 distances, no loops", "L2 距离，无循环"),
        cases=distance_cases,
        outputs=("dists",),
        loop_free=distance_sizes,
        mistakes=[_no_sqrt_mistake(), _l1_mistake(), *_l2_slips()],
        hints=_distance_hints({
            "mismatch": ("Expand ||a - b||^2 = ||a||^2 + ||b||^2 - 2 a.b: test norms as a column (num_test, 1), "
                         "training norms as a row (1, num_train), the cross term 2 * X_test @ X_train.T, then the square root.",
                         "展开 ||a - b||^2 = ||a||^2 + ||b||^2 - 2 a.b：测试点的范数平方做成列 (num_test, 1)，"
                         "训练点的做成行 (1, num_train)，交叉项是 2 * X_test @ X_train.T，最后开方。"),
            "exception": ("A shape error usually means the squared norms were not turned into a column and a row: "
                          "use [:, None] (or keepdims=True) for the test points and [None, :] for the training points.",
                          "形状错误通常是因为范数平方没有变成列和行：测试点用 [:, None]（或 keepdims=True），训练点用 [None, :]。"),
            "not_vectorized": ("No Python loop at all: one matrix product X_test @ X_train.T gives every a.b at once.",
                               "完全不用 Python 循环：一次矩阵乘法 X_test @ X_train.T 就得到所有的 a.b。"),
        }),
    ),
    Task(
        "knn.distances_l1",
        title=("L1 distances", "L1 距离"),
        cases=distance_cases,
        outputs=("dists",),
        mistakes=[KnownMistake(("the absolute value is missing: sum(a - b), which lets differences cancel",
                                "漏了绝对值：sum(a - b)，正负差会互相抵消"), _sum_differences,
                               ("L1 adds the sizes of the differences: np.sum(np.abs(a - b)).", "L1 把差的绝对值加起来：np.sum(np.abs(a - b))。")),
                  KnownMistake(("L2 instead of L1", "算成了 L2 距离，而不是 L1"), _l2,
                               ("L1 is the sum of absolute differences: np.sum(np.abs(a - b)), no squares, no square root.",
                                "L1 距离是绝对差之和：np.sum(np.abs(a - b))，不平方也不开方。"))],
        hints=_distance_hints({"mismatch": ("Take np.abs of the differences before summing them: "
                                            "positive and negative differences must not cancel.",
                                            "先对差取 np.abs 再求和：正负差不能相互抵消。")}),
    ),
    Task(
        "knn.predict_labels",
        title=("majority vote of the k nearest", "k 个最近邻的多数投票"),
        cases=predict_cases,
        outputs=("y_pred",),
        integer_outputs=("y_pred",),
        mistakes=[
            KnownMistake(("ties broken toward the larger label", "平票时选了较大的标签"), _ties_to_larger,
                         ("np.argmax(np.bincount(closest_y)) returns the first, i.e. smallest, label among equal counts.",
                          "np.argmax(np.bincount(closest_y)) 在票数相同时返回第一个，也就是最小的标签。")),
            KnownMistake(("ties broken toward the label of the nearer neighbour (Counter.most_common)",
                          "平票时选了更近的邻居的标签（Counter.most_common）"), _ties_to_nearest,
                         ("Counter.most_common keeps the order in which labels were first seen; ties must go to "
                          "the smaller label: np.argmax(np.bincount(closest_y)).",
                          "Counter.most_common 按标签第一次出现的顺序排列；平票应选较小的标签：np.argmax(np.bincount(closest_y))。")),
            KnownMistake(("ties broken by the order in which a Python set iterates (max(set(closest_y), key=...))",
                          "平票时按 Python 集合的遍历顺序取值（max(set(closest_y), key=...)）"), _set_order,
                         ("A set iterates in hash order, which is not sorted order ({8, 3} gives 8 first): break ties "
                          "explicitly, np.argmax(np.bincount(closest_y)) returns the smallest label among equal counts.",
                          "集合按哈希顺序遍历，不是按大小排序（{8, 3} 先给出 8）：请明确处理平票，"
                          "np.argmax(np.bincount(closest_y)) 在票数相同时返回最小的标签。")),
            KnownMistake(("the k farthest points vote (the wrong end of argsort)", "投票的是最远的 k 个点（取错了 argsort 的一端）"),
                         _farthest, ("np.argsort sorts ascending: the nearest points are np.argsort(dists[i])[:k].",
                                     "np.argsort 是升序：最近的点是 np.argsort(dists[i])[:k]。")),
            KnownMistake(("k + 1 neighbours vote", "投票的是 k + 1 个邻居"), _k_plus_one,
                         ("Slicing [:k] keeps exactly k elements (indices 0 .. k-1).", "切片 [:k] 正好取 k 个元素（下标 0 .. k-1）。")),
            KnownMistake(("only the nearest neighbour is used, whatever k is", "不管 k 是多少，都只用了最近的一个邻居"),
                         _only_nearest, ("Use k: take the labels of the k nearest points and count them.",
                                         "要用到 k：取最近 k 个点的标签并计数。")),
            KnownMistake(("the mean of the neighbours' labels instead of a vote", "取了邻居标签的平均值，而不是投票"),
                         _mean_label, ("Labels are categories, not quantities: count them with np.bincount and take the most frequent.",
                                       "标签是类别，不是数量：用 np.bincount 计数，取出现最多的那个。")),
        ],
        hints={
            "shape": ("One label per test point: the result has shape (num_test,) = (dists.shape[0],). "
                      "Sort each row of dists (axis=1), not each column.",
                      "每个测试点一个标签：结果形状是 (num_test,) = (dists.shape[0],)。对 dists 的每一行排序（axis=1），而不是每一列。"),
            "mismatch": ("For row i: closest_y = y_train[np.argsort(dists[i])[:k]], then y_pred[i] = np.argmax(np.bincount(closest_y)).",
                         "对第 i 行：closest_y = y_train[np.argsort(dists[i])[:k]]，然后 y_pred[i] = np.argmax(np.bincount(closest_y))。"),
            "mutates_input": ("Do not overwrite dists (for example with np.inf) to find the next neighbour; "
                              "np.argsort(dists[i])[:k] finds all k at once without changing anything.",
                              "不要为了找下一个邻居而改写 dists（例如写成 np.inf）；np.argsort(dists[i])[:k] 一次找出 k 个且不改变任何数据。"),
        },
    ),
    CrossValidateTask(
        "knn.cross_validate",
        title=("choosing k by cross-validation", "用交叉验证选择 k"),
        cases=cross_validate_cases,
        outputs=("k_to_accuracies",),
        rtol=1e-9,
        atol=1e-12,
        mistakes=[KnownMistake(("the validation fold is also part of the training data",
                                "验证折同时也在训练数据里"), _validation_fold_in_training,
                               ("Train on the other num_folds - 1 folds only: np.concatenate(X_folds[:i] + X_folds[i + 1:]).",
                                "只用另外 num_folds - 1 折训练：np.concatenate(X_folds[:i] + X_folds[i + 1:])。"))],
        hints={
            "wrong_type": ("Return a dict {k: [accuracy on fold 0, ..., accuracy on fold num_folds - 1]} with one key "
                           "for every value in k_choices (the k values themselves, not their positions).",
                           "返回字典 {k: [第 0 折的准确率, ..., 第 num_folds - 1 折的准确率]}，k_choices 中每个值一个键"
                           "（键是 k 本身，不是它的位置）。"),
            "scale": ("Accuracy is a fraction in [0, 1]: np.mean(y_pred == y_val), not a percentage or a count.",
                      "准确率是 [0, 1] 之间的比例：np.mean(y_pred == y_val)，不是百分数也不是个数。"),
            "mismatch": ("Folds come from X_folds = np.array_split(X, num_folds) (and the same for y), in order, without "
                         "shuffling; fold i is the validation set, the concatenation of the others the training set, "
                         "L2 distances, and the accuracy is np.mean(y_pred == y_folds[i]).",
                         "各折来自 X_folds = np.array_split(X, num_folds)（y 同理），按顺序、不打乱；第 i 折做验证集，"
                         "其余各折拼接起来做训练集，用 L2 距离，准确率是 np.mean(y_pred == y_folds[i])。"),
            "mutates_input": ("Work on copies: np.concatenate already makes new arrays; do not change X or y in place.",
                              "在副本上操作：np.concatenate 已经会生成新数组；不要原地修改 X 或 y。"),
        },
    ),
]
