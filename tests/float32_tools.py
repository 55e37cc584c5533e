"""float32 versions of catalogue rows: a learner who casts the inputs to float32, computes, and casts the
result back to float64 (the style that a float64-only tolerance rejects), for the tasks that take arrays.

A right implementation must stay right in float32, and a wrong one must still fail with its cause named:
float32 round-off is far smaller than any real mistake."""

from __future__ import annotations

import functools

import numpy as np

from catalogue import Right, Wrong

# codes a float32 copy cannot keep: it never writes into the caller's arrays, and it changes the dtype itself
_NOT_KEPT = {"mutates_input", "dtype", "wrong_type", "not_implemented", "returned_none", "uses_reference", "timeout"}


def _cast(value, dtype):
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(dtype)
    if isinstance(value, dict):
        return {k: _cast(v, dtype) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_cast(v, dtype) for v in value)
    return value


def in_float32(fn):
    """``fn`` computing in float32: float arrays in (also inside dicts, tuples and caches) cast to float32,
    float arrays out cast back to float64."""

    @functools.wraps(fn)
    def float32_version(*args, **kwargs):
        return _cast(fn(*_cast(args, np.float32), **_cast(kwargs, np.float32)), np.float64)

    float32_version.__name__ = f"{getattr(fn, '__name__', 'fn')}_in_float32"
    return float32_version


def float32_rows(rows, per_task=2, skip=()):
    """float32 copies of up to ``per_task`` rows of each task (plain functions of course tasks only)."""
    taken: dict = {}
    copies = []
    for row in rows:
        if not isinstance(row.task, str) or row.task in skip or isinstance(row.fn, type):
            continue
        if isinstance(row, Wrong) and (row.code in _NOT_KEPT or row.options.get("time_limit")):
            continue
        if taken.setdefault((type(row), row.task), 0) >= per_task:
            continue
        taken[(type(row), row.task)] += 1
        options = dict(row.options)
        if "forward" in options:
            options["forward"] = in_float32(options["forward"])
        if isinstance(row, Right):
            copies.append(Right(row.task, in_float32(row.fn), **options))
        else:
            copies.append(Wrong(row.task, in_float32(row.fn), row.code, says=row.says, each=row.each,
                                without=row.without, **options))
    return copies
