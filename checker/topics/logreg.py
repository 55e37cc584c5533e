"""Tasks of notebook 02, logistic regression (batch first: X (N, D), w (D,), y (N,) of 0/1)."""

import numpy as np

from checker.spec import Case, Gradient, KnownMistake, Task


# --------------------------------------------------------------------------- data for the cases
def _problem(rng, N, D, w_scale=0.5, b=0.3, y=None):
    """A small logistic-regression problem with |z| of a few units (no probability near 0 or 1)."""
    X = rng.normal(size=(N, D))
    w = rng.normal(size=D) * w_scale
    if y is None:
        y = np.zeros(N)
        y[: (N + 1) // 2] = 1.0
        y = rng.permutation(y)
    return w, float(b), X, np.asarray(y, dtype=np.float64)


# --------------------------------------------------------------------------- sigmoid
def sigmoid_cases(rng):
    yield Case(("vector of 6 values", "6 个值的向量"), rng.normal(size=6) * 3)
    yield Case(("3 x 4 matrix", "3 x 4 矩阵"), rng.normal(size=(3, 4)) * 2)
    yield Case(("large |z|: -1000, -50, -1, 0, 1, 50, 1000", "很大的 |z|：-1000, -50, -1, 0, 1, 50, 1000"),
               np.array([-1000.0, -50.0, -1.0, 0.0, 1.0, 50.0, 1000.0]))
    yield Case(("2 x 3 x 2 array (any shape)", "2 x 3 x 2 数组（任意形状）"), rng.normal(size=(2, 3, 2)))
    yield Case(("one value, z = 0 (sigmoid is exactly 0.5)", "只有一个值 z = 0（sigmoid 恰好为 0.5）"), np.zeros(1))


def _sigmoid_of_minus_z(z):
    """1 / (1 + e^{+z}), computed without overflow: the sign of the exponent is wrong."""
    return np.exp(-np.logaddexp(0.0, np.asarray(z, dtype=np.float64)))


# --------------------------------------------------------------------------- initialize_zeros
def initialize_zeros_cases(rng):
    yield Case(("dim = 2", "dim = 2"), 2)
    yield Case(("dim = 1 (one feature)", "dim = 1（只有一个特征）"), 1)
    yield Case(("dim = 5", "dim = 5"), 5)
    yield Case(("dim = 64 (8 x 8 digit images)", "dim = 64（8 x 8 的数字图像）"), 64)


# --------------------------------------------------------------------------- propagate
def propagate_cases(rng):
    yield Case(("5 samples, 3 features", "5 个样本，3 个特征"), *_problem(rng, 5, 3))
    yield Case(("one sample (N = 1), 4 features", "只有一个样本（N = 1），4 个特征"), *_problem(rng, 1, 4, b=-0.2, y=[1.0]))
    w, b, X, y = _problem(rng, 8, 2, b=0.0)
    yield Case(("8 samples, w = 0 and b = 0 (cost is log 2)", "8 个样本，w = 0 且 b = 0（代价为 log 2）"), np.zeros(2), 0.0, X, y)
    yield Case(("12 samples, 6 features, all labels 1", "12 个样本，6 个特征，标签全为 1"),
               *_problem(rng, 12, 6, b=0.5, y=np.ones(12)))
    yield Case(("7 samples, 10 features (more features than samples)", "7 个样本，10 个特征（特征多于样本）"),
               *_problem(rng, 7, 10, w_scale=0.3, b=-0.4))


def _propagate_without_negative_class(w, b, X, y):
    """The cost keeps only the y log(a) term (the (1 - y) log(1 - a) term is missing), gradient to match."""
    N = X.shape[0]
    z = X @ w + b
    a = np.exp(-np.logaddexp(0.0, -z))
    cost = float(np.sum(y * np.logaddexp(0.0, -z)) / N)
    dz = y * (a - 1.0)
    return {"dw": X.T @ dz / N, "db": float(np.sum(dz) / N)}, cost


# --------------------------------------------------------------------------- optimize
def optimize_cases(rng):
    w, b, X, y = _problem(rng, 6, 3)
    yield Case(("6 samples, 3 features, 250 steps of 0.1 (costs at 0, 100, 200)",
                "6 个样本，3 个特征，250 步，学习率 0.1（记录第 0、100、200 次的代价）"), w, b, X, y, 250, 0.1)
    w, b, X, y = _problem(rng, 10, 4, b=0.0)
    yield Case(("10 samples from w = 0, b = 0, one step of 0.5", "10 个样本，从 w = 0、b = 0 出发，只走一步，学习率 0.5"),
               np.zeros(4), 0.0, X, y, 1, 0.5)
    w, b, X, y = _problem(rng, 9, 2, b=-0.5)
    yield Case(("9 samples, 2 features, exactly 100 steps (one recorded cost)",
                "9 个样本，2 个特征，恰好 100 步（只记录一个代价）"), w, b, X, y, 100, 0.05)
    w, b, X, y = _problem(rng, 15, 5, w_scale=0.2, b=0.2)
    yield Case(("15 samples, 5 features, 301 steps of 0.02", "15 个样本，5 个特征，301 步，学习率 0.02"), w, b, X, y, 301, 0.02)


def _optimize_with_final_gradients(w, b, X, y, num_iterations, learning_rate):
    """Returns the gradients at the final parameters (one propagate after the loop) instead of the last step's."""
    from checker.reference.logreg import optimize, propagate

    params, _, costs = optimize(w, b, X, y, num_iterations, learning_rate)
    grads, _ = propagate(params["w"], params["b"], X, y)
    return params, grads, costs


def _optimize_ascent(w, b, X, y, num_iterations, learning_rate):
    """Steps along the gradient (w + learning_rate * dw): gradient ascent."""
    from checker.reference.logreg import optimize

    return optimize(w, b, X, y, num_iterations, -learning_rate)


class _OptimizeTask(Task):
    """``costs`` may come back as a list (as in the reference) or as a 1-D array of the same values."""

    def split_outputs(self, result):
        parts = super().split_outputs(result)
        if parts is not None and isinstance(parts.get("costs"), np.ndarray) and parts["costs"].ndim == 1:
            parts["costs"] = [float(c) for c in parts["costs"]]
        return parts


# --------------------------------------------------------------------------- predict
def predict_cases(rng):
    w, b, X, _ = _problem(rng, 6, 3, w_scale=1.5)
    yield Case(("6 samples, 3 features", "6 个样本，3 个特征"), w, b, X)
    w, b, X, _ = _problem(rng, 1, 4, w_scale=1.5, b=-0.3)
    yield Case(("one sample (N = 1)", "只有一个样本（N = 1）"), w, b, X)
    X = np.array([[1.0, 1.0, 1.0], [2.0, 0.0, 1.0], [0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.5, -1.0], [1.0, 0.5, 0.0]])
    yield Case(("6 samples, the first with z = 0 exactly (probability 0.5 must give 0), one of zeros",
                "6 个样本，第一个的 z 恰好为 0（概率 0.5 必须预测为 0），有一个全零样本"), np.array([1.0, -2.0, 0.5]), 0.5, X)
    w, b, X, _ = _problem(rng, 10, 4, w_scale=1.0, b=0.1)
    yield Case(("10 samples with large scores (|z| in the hundreds)", "10 个样本，得分很大（|z| 为数百）"), w * 100, b, X)
    w, b, X, _ = _problem(rng, 8, 5, w_scale=0.6, b=-0.7)
    yield Case(("8 samples, 5 features", "8 个样本，5 个特征"), w, b, X)


def _predict_probabilities(w, b, X):
    return np.exp(-np.logaddexp(0.0, -(X @ w + b)))


def _predict_at_least_half(w, b, X):
    return (X @ w + b >= 0).astype(np.int64)


# --------------------------------------------------------------------------- the tasks
_AVERAGE = ("The cost and both gradients are averages over the N samples: divide the sums by N = X.shape[0].",
            "代价和两个梯度都是对 N 个样本的平均：把求和结果除以 N = X.shape[0]。")

TASKS = [
    Task(
        "logreg.sigmoid",
        cases=sigmoid_cases,
        outputs=("s",),
        mistakes=[KnownMistake(("1 / (1 + exp(z)): the sign of the exponent is wrong, this is sigmoid(-z) = 1 - sigmoid(z)",
                                "1 / (1 + exp(z))：指数的符号写反了，这是 sigmoid(-z) = 1 - sigmoid(z)"),
                               _sigmoid_of_minus_z,
                               ("sigmoid(z) = 1 / (1 + np.exp(-z)): large z must give values near 1.",
                                "sigmoid(z) = 1 / (1 + np.exp(-z))：z 很大时结果应接近 1。"))],
        hints={
            "non_finite": ("At z = 1000, np.exp(z) is inf and inf / (1 + inf) is NaN. Only ever exponentiate non-positive "
                           "numbers: use 1 / (1 + exp(-z)) where z >= 0 and exp(z) / (1 + exp(z)) where z < 0.",
                           "z = 1000 时 np.exp(z) 为 inf，inf / (1 + inf) 是 NaN。只对非正数取指数："
                           "z >= 0 时用 1 / (1 + exp(-z))，z < 0 时用 exp(z) / (1 + exp(z))。"),
            "exception": ("Use np.exp, which works element by element on arrays (math.exp only takes one number), "
                          "and do not assume a particular shape: the input may be a vector, a matrix or more.",
                          "使用按元素计算的 np.exp（math.exp 只接受单个数），也不要假设输入的形状：可能是向量、矩阵或更高维数组。"),
        },
    ),
    Task(
        "logreg.initialize_zeros",
        cases=initialize_zeros_cases,
        outputs=("w", "b"),
        hints={
            "shape": ("Batch first: w is a flat vector np.zeros(dim) of shape (dim,), not a column (dim, 1), and b is "
                      "the number 0.0, not an array.",
                      "批量维在前：w 是形状为 (dim,) 的一维向量 np.zeros(dim)，不是列向量 (dim, 1)；b 是数 0.0，不是数组。"),
            "wrong_type": ("Return the tuple (w, b).", "返回元组 (w, b)。"),
        },
    ),
    Task(
        "logreg.propagate",
        cases=propagate_cases,
        outputs=("grads", "cost"),
        # db is a sum of N numbers near +-0.5 that nearly cancel: float32 gets it to about 1e-8 absolute
        tolerances={"grads['db']": (1e-7, 2e-7)},
        gradients=[Gradient(loss="cost", grad="grads.dw", wrt="w")],
        mistakes=[KnownMistake(("the cost keeps only the y log(a) term; the (1 - y) log(1 - a) term for the label-0 samples is missing",
                                "代价只保留了 y log(a) 项，缺少标签为 0 的样本对应的 (1 - y) log(1 - a) 项"),
                               _propagate_without_negative_class,
                               ("J = -(1/N) sum_i [y_i log a_i + (1 - y_i) log(1 - a_i)]; then dz = a - y.",
                                "J = -(1/N) sum_i [y_i log a_i + (1 - y_i) log(1 - a_i)]；于是 dz = a - y。"))],
        hints={
            "scale": _AVERAGE,
            "sign": ("The cross-entropy has a minus sign in front: J = -(1/N) sum [y log a + (1 - y) log(1 - a)] is positive.",
                     "交叉熵前面有负号：J = -(1/N) sum [y log a + (1 - y) log(1 - a)] 是正数。"),
            "shape": ("Batch first: dw = X.T @ (a - y) / N has shape (D,) like w, and db = np.sum(a - y) / N is one number.",
                      "批量维在前：dw = X.T @ (a - y) / N 的形状与 w 相同，为 (D,)；db = np.sum(a - y) / N 是一个数。"),
            "exception": ("Check the shapes: X is (N, D) and a - y is (N,), so the gradient with respect to w is X.T @ (a - y).",
                          "检查形状：X 是 (N, D)，a - y 是 (N,)，所以对 w 的梯度是 X.T @ (a - y)。"),
            "gradient": ("dw must be the derivative of your own cost: with a = sigmoid(X @ w + b), dz = a - y and dw = X.T @ dz / N.",
                         "dw 必须是你自己的代价的导数：a = sigmoid(X @ w + b)，dz = a - y，dw = X.T @ dz / N。"),
        },
    ),
    _OptimizeTask(
        "logreg.optimize",
        cases=optimize_cases,
        outputs=("params", "grads", "costs"),
        rtol=1e-6,
        atol=1e-9,
        # the gradients (and b) are small differences of numbers near 0.5 (a - y): a float32 run is good to
        # about 1e-8 in absolute terms, not relative to their own small size
        tolerances={"grads['dw']": (1e-6, 2e-7), "grads['db']": (1e-6, 2e-7), "params['b']": (1e-6, 1e-6)},
        mistakes=[KnownMistake(("the gradients are those at the final parameters (computed after the loop), "
                                "not the ones used in the last step",
                                "返回的梯度是在最终参数处（循环之后）重新计算的，而不是最后一步所用的梯度"),
                               _optimize_with_final_gradients,
                               ("Return the grads from the last call of propagate inside the loop.",
                                "返回循环中最后一次调用 propagate 得到的 grads。")),
                  KnownMistake(("the parameters step along the gradient (w + learning_rate * dw): gradient ascent, the cost grows",
                                "参数沿着梯度方向走（w + learning_rate * dw）：这是梯度上升，代价会变大"),
                               _optimize_ascent,
                               ("Gradient descent subtracts: w = w - learning_rate * dw and b = b - learning_rate * db.",
                                "梯度下降是减法：w = w - learning_rate * dw，b = b - learning_rate * db。"))],
        hints={
            "wrong_type": ("Return (params, grads, costs) with params = {'w': w, 'b': b}, grads = {'dw': dw, 'db': db} and "
                           "costs a list holding the cost of iterations 0, 100, 200, ... only (i % 100 == 0).",
                           "返回 (params, grads, costs)：params = {'w': w, 'b': b}，grads = {'dw': dw, 'db': db}，"
                           "costs 只记录第 0、100、200 …… 次迭代（i % 100 == 0）的代价。"),
            "mismatch": ("Check that your propagate passes its own check first; then the loop: one propagate per iteration, "
                         "w = w - learning_rate * dw, b = b - learning_rate * db, and the cost appended when i % 100 == 0 "
                         "(the cost computed before that iteration's step).",
                         "先确认你的 propagate 通过了它自己的检查；然后检查循环：每次迭代调用一次 propagate，"
                         "w = w - learning_rate * dw，b = b - learning_rate * db，当 i % 100 == 0 时记录代价（该次更新之前的代价）。"),
            "mutates_input": ("w -= learning_rate * dw changes the caller's array; write w = w - learning_rate * dw.",
                              "w -= learning_rate * dw 会修改调用者的数组；请写成 w = w - learning_rate * dw。"),
        },
    ),
    Task(
        "logreg.predict",
        cases=predict_cases,
        outputs=("y_pred",),
        integer_outputs=("y_pred",),
        mistakes=[
            KnownMistake(("the probabilities sigmoid(X @ w + b) were returned instead of 0/1 labels",
                          "返回了概率 sigmoid(X @ w + b)，而不是 0/1 标签"),
                         _predict_probabilities,
                         ("Threshold the probabilities: (a > 0.5) gives the labels.", "对概率取阈值：(a > 0.5) 给出标签。")),
            KnownMistake(("a probability of exactly 0.5 was labelled 1 (>= instead of >)",
                          "概率恰好为 0.5 时预测成了 1（用了 >= 而不是 >）"),
                         _predict_at_least_half,
                         ("Predict 1 only when the probability is strictly above 0.5.", "只有概率严格大于 0.5 时才预测为 1。")),
        ],
        hints={"shape": ("Batch first: return one label per row of X, a flat array of shape (N,), not (1, N).",
                         "批量维在前：X 的每一行一个标签，返回形状为 (N,) 的一维数组，而不是 (1, N)。")},
    ),
]
