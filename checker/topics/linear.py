"""Tasks of notebook 03, linear classifiers: multiclass SVM and softmax losses, prediction."""

import numpy as np

from checker.spec import Case, Gradient, KnownMistake, Task

# |margin| of every wrong class stays above this, so that the hinge's kink is never within
# reach of the numerical gradient's step (float32 steps are about 5e-3 times an entry of X)
MARGIN_GAP = 0.1


def _with_bias(X):
    """Append the column of ones of the bias trick."""
    return np.hstack([X, np.ones((X.shape[0], 1))])


def _labels(rng, N, C, absent=None):
    classes = [c for c in range(C) if c != absent]
    return rng.choice(classes, size=N).astype(np.int64)


def _clean_margins(rng, W, X, y, gap=MARGIN_GAP):
    """Redraw the feature values of any sample whose hinge margin s_j - s_y + 1 is within ``gap`` of 0."""
    X = X.copy()
    features = X.shape[1] - 1  # the last column is the bias column
    for _ in range(1000):
        scores = X @ W
        margins = scores - scores[np.arange(len(y)), y][:, None] + 1.0
        margins[np.arange(len(y)), y] = np.inf
        bad = np.any(np.abs(margins) < gap, axis=1)
        if not bad.any():
            return X
        X[bad, :features] = rng.normal(size=(int(bad.sum()), features))
    raise RuntimeError("could not draw margins away from the hinge's kink")


def _problem(rng, N, D, C, reg, absent=None, weight_scale=0.5):
    """(W, X, y, reg) with D features in all, the last one the bias column."""
    W = rng.normal(size=(D, C)) * weight_scale
    X = _with_bias(rng.normal(size=(N, D - 1)))
    y = _labels(rng, N, C, absent)
    return W, X, y, reg


def svm_cases(rng):
    def case(label, N, D, C, reg, absent=None):
        W, X, y, reg = _problem(rng, N, D, C, reg, absent)
        return Case(label, W, _clean_margins(rng, W, X, y), y, reg)

    yield case(("5 samples, 4 features, 3 classes, reg 0", "5 个样本，4 个特征，3 类，reg 0"), 5, 4, 3, 0.0)
    yield case(("8 samples, 6 features, 4 classes, reg 0.1", "8 个样本，6 个特征，4 类，reg 0.1"), 8, 6, 4, 0.1)
    yield case(("one sample (N = 1), 3 classes, reg 0.05", "只有一个样本（N = 1），3 类，reg 0.05"), 1, 5, 3, 0.05)
    yield case(("9 samples, 5 classes, class 2 absent from y, reg 0", "9 个样本，5 类，y 中没有第 2 类，reg 0"), 9, 3, 5, 0.0, absent=2)
    yield case(("20 samples, 7 features, 6 classes, reg 1.5", "20 个样本，7 个特征，6 类，reg 1.5"), 20, 7, 6, 1.5)


def softmax_cases(rng):
    def case(label, N, D, C, reg, absent=None):
        return Case(label, *_problem(rng, N, D, C, reg, absent))

    yield case(("5 samples, 4 features, 3 classes, reg 0", "5 个样本，4 个特征，3 类，reg 0"), 5, 4, 3, 0.0)
    yield case(("8 samples, 6 features, 4 classes, reg 0.1", "8 个样本，6 个特征，4 类，reg 0.1"), 8, 6, 4, 0.1)
    yield case(("one sample (N = 1), 3 classes, reg 0.05", "只有一个样本（N = 1），3 类，reg 0.05"), 1, 5, 3, 0.05)
    yield case(("9 samples, 5 classes, class 2 absent from y, reg 0", "9 个样本，5 类，y 中没有第 2 类，reg 0"), 9, 3, 5, 0.0, absent=2)
    yield case(("20 samples, 7 features, 6 classes, reg 1.5", "20 个样本，7 个特征，6 类，reg 1.5"), 20, 7, 6, 1.5)
    # large scores: the bias column holds +1 or -1 and the bias row of W is 1000, so every row of
    # X @ W is shifted by +1000 or -1000 (exp overflows to inf, or underflows to 0, without the max shift)
    W, X, y, _ = _problem(rng, 6, 4, 3, 0.0)
    X[:, -1] = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
    W[-1, :] += 1000.0
    yield Case(("6 samples, scores shifted by +1000 or -1000 per row, reg 0",
                "6 个样本，每行得分整体加上 +1000 或 -1000，reg 0"), W, X, y, 0.0)


def loss_sizes(rng):
    def make(N, label):
        W = rng.normal(size=(20, 10)) * 0.1
        return Case(label, W, _with_bias(rng.normal(size=(N, 19))), rng.integers(0, 10, size=N), 0.1)

    return (make(10, ("10 samples, 20 features, 10 classes (loop count)", "10 个样本，20 个特征，10 类（循环计数）")),
            make(200, ("200 samples, 20 features, 10 classes (loop count)", "200 个样本，20 个特征，10 类（循环计数）")))


def _untied(rng, W, X, gap=1e-3):
    """Redraw samples whose two highest scores are within ``gap`` of each other."""
    X = X.copy()
    for _ in range(1000):
        top = np.sort(X @ W, axis=1)
        bad = top[:, -1] - top[:, -2] < gap
        if not bad.any():
            return X
        X[bad] = rng.normal(size=(int(bad.sum()), X.shape[1]))
    raise RuntimeError("could not draw scores without ties")


def predict_cases(rng):
    def case(label, N, D, C):
        W = rng.normal(size=(D, C))
        return Case(label, W, _untied(rng, W, rng.normal(size=(N, D))))

    yield case(("6 samples, 4 features, 3 classes", "6 个样本，4 个特征，3 类"), 6, 4, 3)
    yield case(("one sample (N = 1), 5 classes", "只有一个样本（N = 1），5 类"), 1, 3, 5)
    yield case(("12 samples, 8 features, 10 classes", "12 个样本，8 个特征，10 类"), 12, 8, 10)
    yield case(("7 samples, 2 features, 4 classes", "7 个样本，2 个特征，4 类"), 7, 2, 4)
    W = rng.normal(size=(5, 4))
    W[-1] += 1000.0
    X = _untied(rng, W, _with_bias(rng.normal(size=(9, 4))))
    yield Case(("9 samples, scores around 1000 (bias trick)", "9 个样本，得分在 1000 左右（偏置技巧）"), W, X)


# ---------------------------------------------------------------------------------- known mistakes
def _svm_without_delta(W, X, y, reg):
    N = X.shape[0]
    rows = np.arange(N)
    scores = X.dot(W)
    margins = np.maximum(0.0, scores - scores[rows, y][:, None])
    margins[rows, y] = 0.0
    mask = (margins > 0).astype(np.float64)
    mask[rows, y] = -np.sum(mask, axis=1)
    return float(np.sum(margins) / N + reg * np.sum(W * W)), X.T.dot(mask) / N + 2 * reg * W


def _svm_counts_correct_class(W, X, y, reg):
    """The sum over j includes j = y[i]: every L_i gains delta = 1; the gradient terms cancel."""
    loss, dW = _svm_reference_parts(W, X, y)
    return float(loss + 1.0 + reg * np.sum(W * W)), dW + 2 * reg * W


def _svm_keeps_correct_margin(W, X, y, reg):
    """The vectorized form of the same slip: margins[i, y[i]] = 1 stays in the loss and in the mask."""
    N = X.shape[0]
    rows = np.arange(N)
    scores = X.dot(W)
    margins = np.maximum(0.0, scores - scores[rows, y][:, None] + 1.0)
    mask = (margins > 0).astype(np.float64)
    mask[rows, y] = -np.sum(mask, axis=1)
    return float(np.sum(margins) / N + reg * np.sum(W * W)), X.T.dot(mask) / N + 2 * reg * W


def _svm_summed(W, X, y, reg):
    N = X.shape[0]
    loss, dW = _svm_reference_parts(W, X, y)
    return float(N * loss + reg * np.sum(W * W)), N * dW + 2 * reg * W


def _svm_reference_parts(W, X, y):
    N = X.shape[0]
    rows = np.arange(N)
    scores = X.dot(W)
    margins = np.maximum(0.0, scores - scores[rows, y][:, None] + 1.0)
    margins[rows, y] = 0.0
    mask = (margins > 0).astype(np.float64)
    mask[rows, y] = -np.sum(mask, axis=1)
    return np.sum(margins) / N, X.T.dot(mask) / N


def _softmax_parts(W, X, y):
    N = X.shape[0]
    rows = np.arange(N)
    scores = X.dot(W)
    scores = scores - scores.max(axis=1, keepdims=True)
    log_probs = scores - np.log(np.sum(np.exp(scores), axis=1, keepdims=True))
    dscores = np.exp(log_probs)
    dscores[rows, y] -= 1.0
    return -np.sum(log_probs[rows, y]) / N, X.T.dot(dscores) / N


def _softmax_summed(W, X, y, reg):
    N = X.shape[0]
    loss, dW = _softmax_parts(W, X, y)
    return float(N * loss + reg * np.sum(W * W)), N * dW + 2 * reg * W


SUMMED = ("the data part is summed over the N samples instead of averaged (the 1/N is missing)",
          "数据项是对 N 个样本的求和，而不是平均（漏了 1/N）")
SUMMED_HINT = ("Divide the data loss and its gradient by N = X.shape[0] before adding the regularization term.",
               "在加上正则化项之前，把数据损失和它的梯度都除以 N = X.shape[0]。")
NO_DELTA = ("the hinge margin is s_j - s_{y_i} without the + 1 (delta)", "合页损失的间隔写成了 s_j - s_{y_i}，漏了 + 1（delta）")
NO_DELTA_HINT = ("A wrong class only stops costing when it scores at least 1 below the correct class: "
                 "margin = scores[j] - scores[y[i]] + 1.",
                 "错误类别的得分要比正确类别低至少 1 才不产生损失：margin = scores[j] - scores[y[i]] + 1。")

CORRECT_COUNTED = ("the sum over j includes the correct class j = y[i], whose margin is always exactly 1",
                   "对 j 求和时把正确类别 j = y[i] 也算进去了，它的间隔恒为 1")
CORRECT_COUNTED_HINT = ("Skip j == y[i] in the loop (or set margins[np.arange(N), y] = 0 in the vectorized version) "
                        "before summing and before building the gradient mask.",
                        "循环中跳过 j == y[i]（向量化版本中在求和与构造梯度掩码之前令 margins[np.arange(N), y] = 0）。")

LOSS_HINTS = {
    "scale": ("Average the data loss and its gradient over the N samples (divide by X.shape[0]), "
              "then add reg * np.sum(W * W) and 2 * reg * W.",
              "把数据损失和它的梯度对 N 个样本取平均（除以 X.shape[0]），再加上 reg * np.sum(W * W) 和 2 * reg * W。"),
    "transposed": ("dW must have the shape of W, (D, C): column j collects the contributions to class j.",
                   "dW 的形状必须和 W 相同，(D, C)：第 j 列汇总对第 j 类的贡献。"),
    "missing_regularization": ("Add reg * np.sum(W * W) to the loss and its derivative 2 * reg * W to dW.",
                               "在损失里加上 reg * np.sum(W * W)，并在 dW 里加上它的导数 2 * reg * W。"),
    "regularization_scale": ("The derivative of reg * np.sum(W * W) is 2 * reg * W (or: the data term of an "
                             "example with reg > 0 is off, compare with the reg = 0 examples).",
                             "reg * np.sum(W * W) 的导数是 2 * reg * W（或者：reg > 0 的用例里数据项本身就不对，"
                             "请对照 reg = 0 的用例）。"),
    "gradient": ("dW disagrees with the numerical gradient of your own loss: differentiate every term you added "
                 "to the loss, including the regularization.",
                 "dW 与你自己的损失的数值梯度不一致：损失里加的每一项都要求导，包括正则化项。"),
    "mutates_input": ("Do not write into W or X: dW = W makes dW another name for the same array; use np.zeros_like(W).",
                      "不要修改 W 或 X：dW = W 只是给同一个数组起了另一个名字；请用 np.zeros_like(W)。"),
}
SVM_HINTS = dict(LOSS_HINTS, offset=(
    "Skip the correct class in the sum over j (its own margin is always 1), and use the margin "
    "scores[j] - scores[y[i]] + 1.",
    "对 j 求和时跳过正确类别（它自己的间隔恒为 1），间隔是 scores[j] - scores[y[i]] + 1。"))
SOFTMAX_HINTS = dict(LOSS_HINTS, non_finite=(
    "Subtract the largest score of each row before np.exp: softmax(s) = softmax(s - max(s)), and exp(1000) is inf.",
    "在 np.exp 之前让每一行减去该行的最大得分：softmax(s) = softmax(s - max(s))，而 exp(1000) 是 inf。"))
VECTORIZED_HINT = ("Compute all scores with one matrix product X.dot(W), and build the gradient with another "
                   "(X.T.dot(...)); no Python loop over samples or classes.",
                   "用一次矩阵乘法 X.dot(W) 算出全部得分，再用一次矩阵乘法（X.T.dot(...)）得到梯度；不要对样本或类别写 Python 循环。")

def _with_regularization_only(implementation):
    """The mistake, declared for the cases with reg > 0 only.

    With reg = 0 the engine's own diagnosis names a missing 1/N (``scale``, the factor equals
    X.shape[0]); with reg > 0 a summed loss is no longer a multiple of the expected one, and a
    scalar loss would otherwise be read as a wrongly scaled regularization term."""
    def mistake(W, X, y, reg):
        return implementation(W, X, y, reg) if reg else None

    return mistake


SVM_MISTAKES = [
    KnownMistake(NO_DELTA, _svm_without_delta, NO_DELTA_HINT),
    KnownMistake(SUMMED, _with_regularization_only(_svm_summed), SUMMED_HINT),
    KnownMistake(CORRECT_COUNTED, _svm_counts_correct_class, CORRECT_COUNTED_HINT),
    KnownMistake(CORRECT_COUNTED, _svm_keeps_correct_margin, CORRECT_COUNTED_HINT),
]
SOFTMAX_MISTAKES = [KnownMistake(SUMMED, _with_regularization_only(_softmax_summed), SUMMED_HINT)]
GRADIENT = [Gradient(loss="loss", grad="dW", wrt="W")]

TASKS = [
    Task("linear.svm_loss_naive", cases=svm_cases, outputs=("loss", "dW"), regularization="reg",
         gradients=GRADIENT, mistakes=SVM_MISTAKES, hints=SVM_HINTS),
    Task("linear.svm_loss_vectorized", cases=svm_cases, outputs=("loss", "dW"), regularization="reg",
         gradients=GRADIENT, mistakes=SVM_MISTAKES, loop_free=loss_sizes,
         hints=dict(SVM_HINTS, not_vectorized=VECTORIZED_HINT)),
    Task("linear.softmax_loss_naive", cases=softmax_cases, outputs=("loss", "dW"), regularization="reg",
         gradients=GRADIENT, mistakes=SOFTMAX_MISTAKES, hints=SOFTMAX_HINTS),
    Task("linear.softmax_loss_vectorized", cases=softmax_cases, outputs=("loss", "dW"), regularization="reg",
         gradients=GRADIENT, mistakes=SOFTMAX_MISTAKES, loop_free=loss_sizes,
         hints=dict(SOFTMAX_HINTS, not_vectorized=VECTORIZED_HINT)),
    Task("linear.predict", cases=predict_cases, outputs=("y_pred",), integer_outputs=("y_pred",),
         hints={"shape": ("Take the argmax over the classes, axis=1: one label per row of X.",
                          "沿类别方向 axis=1 取 argmax：X 的每一行一个标签。"),
                "mutates_input": ("Do not change W or X in place.", "不要原地修改 W 或 X。")}),
]
