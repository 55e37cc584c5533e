"""The vocabulary of layer tasks: gates (notebook 04), layers (05) and every layer after them.

A layer is a pair ``<layer>_forward(x, ...) -> (out, cache)`` and ``<layer>_backward(dout, cache)``.
One case generator serves both: it yields the forward's arguments plus ``dout=``, and the
forward task gets the same cases without ``dout`` (``forward_cases``). ``forward_task`` compares
``out`` only: the cache is the learner's own design, and their backward is what checks it.
``backward_task`` feeds the learner's backward with the cache of the learner's own forward (see
``checker.adapters.backward``).

Numerical gradients and known mistakes need data away from a layer's kinks (ReLU at 0, a hinge,
a tie of max): ``away_from_zero`` and ``redraw_where`` keep cases clear of them, ``with_zeros``
puts exact zeros where the kink itself is the point of a case.
"""

import re

import numpy as np

from checker.calling import forward_arguments
from checker.spec import Case, Task

FORWARD_HINTS = {
    "wrong_type": ("A forward returns the pair (out, cache): return out, cache (the cache can be anything your "
                   "backward needs, e.g. (x, w, b)).",
                   "前向函数返回二元组 (out, cache)：return out, cache（cache 可以是反向函数需要的任何东西，例如 (x, w, b)）。"),
    "mutates_input": ("Do not write into x: compute a new array for out (x + y, np.maximum(0, x), x * mask, ...); "
                      "x += ... changes the caller's x.",
                      "不要修改 x：为 out 计算一个新数组（x + y、np.maximum(0, x)、x * mask 等）；x += ... 会修改调用者的 x。"),
}
BACKWARD_HINTS = {
    "wrong_type": ("Return one gradient per input, in the order of the forward's arguments: return dx, dy (dx alone "
                   "for a layer with one input).",
                   "每个输入返回一个梯度，顺序与前向函数的参数相同：return dx, dy（只有一个输入的层只返回 dx）。"),
    "mutates_input": ("dout and the arrays in the cache belong to the caller (another layer may still need them): "
                      "compute new arrays (dx = dout * mask), never dout *= ... .",
                      "dout 和缓存中的数组属于调用者（别的层可能还要用它们）：计算新数组（dx = dout * mask），"
                      "不要写 dout *= ...。"),
    "exception": ("Your backward gets the cache of your own forward: unpack it the way your forward packed it.",
                  "反向函数拿到的是你自己的前向函数的 cache：按前向函数打包的方式解包。"),
}

MISSING_DOUT = ("Chain rule: every gradient is the local gradient times the upstream gradient dout. Multiply by dout.",
                "链式法则：每个梯度都是局部梯度乘以上游梯度 dout。别忘了乘 dout。")


def forward_task(task_id, cases, outputs=("out", "cache"), hints=None, task_class=Task, **options) -> Task:
    """A layer forward ``(out, cache)``: ``out`` is compared, the cache only has to be there.

    ``hints`` add to (or override) ``FORWARD_HINTS``; ``options`` are those of ``Task``."""
    return task_class(task_id, cases=cases, outputs=outputs, returns_cache=True,
                      hints={**FORWARD_HINTS, **(hints or {})}, **options)


def backward_task(task_id, cases, outputs, hints=None, task_class=Task, **options) -> Task:
    """A layer backward ``<layer>_backward(dout, cache)``, fed by the learner's ``<layer>_forward``.

    ``cases`` yield the forward's arguments plus ``dout=``; ``hints`` add to ``BACKWARD_HINTS``."""
    options.setdefault("forward", task_id.split(".", 1)[1].replace("_backward", "_forward"))
    return task_class(task_id, cases=cases, outputs=outputs, hints={**BACKWARD_HINTS, **(hints or {})}, **options)


# "..., dout = -4" or "，df = 1" in a backward case's label: the forward's label leaves it out
_UPSTREAM = re.compile(r"\s*[,，]\s*(dout|df) = -?[0-9.]+")


def forward_cases(backward_cases):
    """The forward's cases: ``backward_cases`` without ``dout`` (and without it in the labels)."""

    def cases(rng):
        for case in backward_cases(rng):
            label = case.label if isinstance(case.label, tuple) else (case.label,)
            label = tuple(_UPSTREAM.sub("", text) for text in label)
            args, kwargs = forward_arguments(case.args, case.kwargs)
            yield Case(label if len(label) > 1 else label[0], *args, **kwargs)

    cases.__doc__ = f"{backward_cases.__name__} without dout"
    return cases


def away_from_zero(rng, shape, gap=0.05, scale=1.0):
    """Normal values (standard deviation ``scale``) with |v| >= gap: kinks at 0 and divisions by x
    stay out of reach."""
    x = rng.normal(scale=scale, size=shape)
    small = np.abs(x) < gap
    x[small] = np.where(x[small] < 0, -1.0, 1.0) * (gap + rng.uniform(0, scale, size=int(small.sum())))
    return x


def with_zeros(rng, shape):
    """Integer-valued floats in [-3, 3]: about one entry in seven is exactly 0, the first one always."""
    x = rng.integers(-3, 4, size=shape).astype(np.float64)
    x.flat[0] = 0.0
    return x


def redraw_where(values, is_bad, draw, what, tries=1000):
    """A copy of ``values`` with the entries (or rows) where ``is_bad(values)`` holds drawn again by
    ``draw(count)`` until none is left: data kept clear of a kink, a tie or a hinge.

    ``is_bad`` returns a boolean mask over the leading axes of ``values``."""
    values = np.array(values, copy=True)
    for _ in range(tries):
        bad = is_bad(values)
        if not bad.any():
            return values
        values[bad] = draw(int(bad.sum()))
    raise RuntimeError(f"could not draw {what}")
