"""The precision a learner computed in, and the tolerance it earns.

A learner may compute in float32 (CS231n's networks default to it): its results are then good to
about 7 digits, which a float64 tolerance would call a mistake. ``computed_in_float32`` reads the
precision off the outputs, ``tolerances`` widens a task's tolerance to float32 round-off relative to
the magnitude of the expected values, plus the slack that rounding the inputs to float32 costs
(``rounded_to_float32``, ``largest_difference``): far below the size of any real mistake.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def _float(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float64) if a.dtype.kind in "biuf" else a


def computed_in_float32(value) -> bool:
    """True when ``value`` (an output, or a dict or tuple of them) shows float32 arithmetic: a float32
    (or coarser) array or number, or float64 values that are all float32 numbers, i.e. computed in
    float32 and cast back (integers are float32 numbers in any precision, so they tell nothing)."""
    if isinstance(value, Mapping):
        return any(computed_in_float32(v) for v in value.values())
    if isinstance(value, (tuple, list)):
        return any(computed_in_float32(v) for v in value)
    value = np.float64(value) if isinstance(value, float) else value
    if not isinstance(value, (np.ndarray, np.floating)) or value.dtype.kind != "f":
        return False
    if value.dtype.itemsize < 8:
        return True
    values = np.asarray(value)[np.isfinite(value)]
    fractions = values[values != np.round(values)]
    with np.errstate(over="ignore"):
        return fractions.size > 0 and bool(np.all(fractions.astype(np.float32) == fractions))


def rounded_to_float32(value):
    """``value`` with every float array in it rounded to float32 (and kept float64)."""
    if isinstance(value, Mapping):
        return {k: rounded_to_float32(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(rounded_to_float32(v) for v in value)
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(np.float32).astype(value.dtype)
    return value


def largest_difference(a, b) -> float:
    """The largest finite ``|a - b|`` over two values of the same structure (0 where they differ in it)."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return max([largest_difference(a[k], b[k]) for k in a if k in b], default=0.0)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)) and len(a) == len(b):
        return max([largest_difference(x, y) for x, y in zip(a, b)], default=0.0)
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype.kind not in "biuf" or b.dtype.kind not in "biuf" or a.size == 0:
        return 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        difference = np.abs(_float(a) - _float(b))
    return float(difference[np.isfinite(difference)].max(initial=0.0))


def tolerances(expected, got, rtol: float, atol: float, float32=False, slack=0.0) -> tuple[float, float]:
    """``(rtol, atol)`` for ``got``: float32 arithmetic (``float32``, or a float32 result) is allowed
    its round-off relative to the magnitude of the expected values, far below any real mistake, plus
    ``slack``: how far the expected values move when the inputs are rounded to float32, which no right
    float32 computation can do better than (softmax scores of 1000, say)."""
    expected, got = np.asarray(expected), np.asarray(got)
    if float32 or (got.dtype.kind == "f" and got.dtype.itemsize < 8):
        # float16 gets no more slack than float32 (its 3 digits are too few)
        rtol = max(rtol, 64 * float(np.finfo(np.float32).eps))
        finite = np.abs(_float(expected)[np.isfinite(expected)])
        atol = max(atol, rtol * (float(finite.max()) if finite.size else 0.0)) + 8 * slack
    return rtol, atol
