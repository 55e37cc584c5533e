"""Notebook 04's staged expressions: the circuit f = (x + y) z and the sigmoid neuron of the notes,
backpropagated gate by gate. Their labels name the upstream gradient (``df``, ``dout``); the forward
tasks' labels leave it out."""

import numpy as np

from checker.spec import Case, KnownMistake
from checker.topics.backprop.gates import GATE_BACKWARD_HINTS, GATE_FORWARD_HINTS
from checker.topics.layer_cases import MISSING_DOUT, backward_task, forward_cases, forward_task


# =========================================================================== circuit
def circuit_cases(rng):
    yield Case(("the notes' numbers: x = -2, y = 5, z = -4 as 0-d arrays, df = 1",
                "讲义中的数：x = -2, y = 5, z = -4（0 维数组），df = 1"),
               np.array(-2.0), np.array(5.0), np.array(-4.0), dout=np.array(1.0))
    yield Case(("1-element arrays, df = 2.5", "只有 1 个元素的数组，df = 2.5"),
               rng.normal(size=1), rng.normal(size=1), rng.normal(size=1), dout=np.array([2.5]))
    yield Case(("3 x 4 arrays", "3 x 4 数组"), *(rng.normal(size=(3, 4)) for _ in range(3)), dout=rng.normal(size=(3, 4)))
    yield Case(("vectors of 5 values, x + y = 0 in entry 2", "5 个值的向量，第 2 个元素处 x + y = 0"),
               *_zero_sum_at(rng, 5, 2), rng.normal(size=5), dout=rng.normal(size=5))
    yield Case(("2 x 3 x 2 arrays", "2 x 3 x 2 数组"), *(rng.normal(size=(2, 3, 2)) for _ in range(3)),
               dout=rng.normal(size=(2, 3, 2)))


def _zero_sum_at(rng, n, i):
    x, y = rng.normal(size=n), rng.normal(size=n)
    y[i] = -x[i]
    return x, y


def _circuit_precedence(x, y, z):
    return x + y * z, None


def _circuit_not_swapped(dout, cache):
    x, y, z, q = cache
    return dout * q, dout * q, dout * z


def _circuit_only_add(dout, cache):
    x, y, z, q = cache
    return dout * np.ones_like(x), dout * np.ones_like(y), dout * q


def _circuit_without_upstream(dout, cache):
    x, y, z, q = cache
    return z * np.ones_like(dout), z * np.ones_like(dout), q * np.ones_like(dout)


TASKS = [
    forward_task(
        "backprop.circuit_forward", forward_cases(circuit_cases), outputs=("f", "cache"),
        mistakes=[KnownMistake(("x + y * z: the parentheses are missing", "x + y * z：漏了括号"), _circuit_precedence,
                               ("Stage it: q = x + y first, then f = q * z.", "分步算：先 q = x + y，再 f = q * z。"))],
        hints=GATE_FORWARD_HINTS),
    backward_task(
        "backprop.circuit_backward", circuit_cases, ("dx", "dy", "dz"),
        mistakes=[
            KnownMistake(("the multiply gate did not swap: dq = q * df and dz = z * df", "乘法门没有交换：dq = q * df，dz = z * df"),
                         _circuit_not_swapped,
                         ("f = q * z: df/dq = z and df/dz = q. So dq = z * df, dz = q * df; then dx = dy = dq.",
                          "f = q * z：df/dq = z，df/dz = q。所以 dq = z * df，dz = q * df；然后 dx = dy = dq。")),
            KnownMistake(("dx and dy skipped the multiply gate (dx = dy = df, not z * df)",
                          "dx 和 dy 跳过了乘法门（dx = dy = df，而不是 z * df）"),
                         _circuit_only_add,
                         ("Backpropagate stage by stage: first through f = q * z (dq = z * df), then through q = x + y "
                          "(dx = dq, dy = dq).",
                          "逐级反向传播：先经过 f = q * z（dq = z * df），再经过 q = x + y（dx = dq，dy = dq）。")),
            KnownMistake(("the upstream gradient df is missing", "漏了上游梯度 df"), _circuit_without_upstream, MISSING_DOUT),
        ],
        hints={**GATE_BACKWARD_HINTS, "wrong_type": ("Return three gradients: dx, dy, dz.", "返回三个梯度：dx, dy, dz。")}),
]


# =========================================================================== neuron
def neuron_cases(rng):
    yield Case(("the notes' neuron: w = [2, -3, -3], x = [-1, -2], dout = 1",
                "讲义中的神经元：w = [2, -3, -3], x = [-1, -2], dout = 1"),
               np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0]), dout=1.0)
    yield Case(("random w and x (first draw), dout = 1", "随机的 w 和 x（第一组），dout = 1"),
               rng.normal(size=3), rng.normal(size=2), dout=1.0)
    yield Case(("random w and x (second draw), dout = -0.7", "随机的 w 和 x（第二组），dout = -0.7"),
               rng.normal(size=3), rng.normal(size=2), dout=-0.7)
    yield Case(("x = 0: only the bias matters, dout = 2", "x = 0：只有偏置起作用，dout = 2"),
               rng.normal(size=3), np.zeros(2), dout=2.0)
    yield Case(("large weights (a saturated neuron), dout = 3", "很大的权重（饱和的神经元），dout = 3"),
               rng.normal(size=3) * 4, rng.normal(size=2), dout=3.0)


def _neuron_without_bias(w, x):
    return float(1.0 / (1.0 + np.exp(-(w[0] * x[0] + w[1] * x[1])))), None


def _neuron_without_sigmoid(w, x):
    return float(w[0] * x[0] + w[1] * x[1] + w[2]), None


def _neuron_grads(dz, w, x):
    return np.array([x[0] * dz, x[1] * dz, dz]), np.array([w[0] * dz, w[1] * dz])


def _neuron_no_local_gradient(dout, cache):
    w, x, out = cache
    return _neuron_grads(float(dout), w, x)


def _neuron_sigma_local_gradient(dout, cache):
    w, x, out = cache
    return _neuron_grads(float(dout) * out, w, x)


def _neuron_no_bias_gradient(dout, cache):
    w, x, out = cache
    dw, dx = _neuron_grads(float(dout) * out * (1 - out), w, x)
    dw[2] = 0.0
    return dw, dx


def _neuron_not_swapped(dout, cache):
    w, x, out = cache
    dz = float(dout) * out * (1 - out)
    return np.array([w[0] * dz, w[1] * dz, dz]), np.array([x[0] * dz, x[1] * dz])


TASKS += [
    forward_task(
        "backprop.neuron_forward", forward_cases(neuron_cases),
        mistakes=[
            KnownMistake(("the bias w[2] is missing", "漏了偏置 w[2]"), _neuron_without_bias,
                         ("z = w[0] * x[0] + w[1] * x[1] + w[2]: the last weight is the bias.",
                          "z = w[0] * x[0] + w[1] * x[1] + w[2]：最后一个权重是偏置。")),
            KnownMistake(("the sigmoid is missing: out = z", "漏了 sigmoid：out = z"), _neuron_without_sigmoid,
                         ("out = sigmoid(z) = 1 / (1 + exp(-z)).", "out = sigmoid(z) = 1 / (1 + exp(-z))。")),
        ],
        hints={"shape": ("w has 3 entries and x has 2: z = w[0] * x[0] + w[1] * x[1] + w[2] is one number "
                         "(w @ x does not fit).",
                         "w 有 3 个元素，x 有 2 个：z = w[0] * x[0] + w[1] * x[1] + w[2] 是一个数（w @ x 形状不匹配）。"),
               "exception": ("w has 3 entries and x has 2: z = w[0] * x[0] + w[1] * x[1] + w[2] "
                             "(or w[:2] @ x + w[2]).",
                             "w 有 3 个元素，x 有 2 个：z = w[0] * x[0] + w[1] * x[1] + w[2]（或 w[:2] @ x + w[2]）。")}),
    backward_task(
        "backprop.neuron_backward", neuron_cases, ("dw", "dx"),
        mistakes=[
            KnownMistake(("the sigmoid's local gradient is missing (dz = dout)", "漏了 sigmoid 的局部梯度（dz = dout）"),
                         _neuron_no_local_gradient,
                         ("First through the sigmoid: dz = dout * out * (1 - out); then the multiply and add gates.",
                          "先经过 sigmoid：dz = dout * out * (1 - out)；再经过乘法门和加法门。")),
            KnownMistake(("the sigmoid's local gradient is out, not out * (1 - out)",
                          "sigmoid 的局部梯度写成了 out，而不是 out * (1 - out)"),
                         _neuron_sigma_local_gradient,
                         ("d sigmoid(z)/dz = sigmoid(z) (1 - sigmoid(z)) = out * (1 - out).",
                          "d sigmoid(z)/dz = sigmoid(z) (1 - sigmoid(z)) = out * (1 - out)。")),
            KnownMistake(("the bias gradient dw[2] is missing", "漏了偏置的梯度 dw[2]"), _neuron_no_bias_gradient,
                         ("The bias enters through an add gate: dw[2] = dz.", "偏置经过加法门进入：dw[2] = dz。")),
            KnownMistake(("the multiply gates did not swap: dw[i] uses w[i] and dx[i] uses x[i]",
                          "乘法门没有交换：dw[i] 用了 w[i]，dx[i] 用了 x[i]"),
                         _neuron_not_swapped,
                         ("w[i] * x[i] is a multiply gate: dw[i] = x[i] * dz and dx[i] = w[i] * dz.",
                          "w[i] * x[i] 是乘法门：dw[i] = x[i] * dz，dx[i] = w[i] * dz。")),
        ],
        hints={**GATE_BACKWARD_HINTS,
               "shape": ("dw has w's shape (3,) and dx has x's shape (2,); return dw, dx in that order.",
                         "dw 与 w 形状相同 (3,)，dx 与 x 形状相同 (2,)；按 dw, dx 的顺序返回。"),
               "scale": ("Multiply by the upstream gradient dout (the cases use dout values other than 1).",
                         "乘以上游梯度 dout（用例里的 dout 不全是 1）。")}),
]
