"""Compare a learner's value with the reference's and name what is wrong.

Each diagnosis is a general mechanism that every task gets for free: type and
structure, shape (explained with the case's own sizes), non-finite values,
transposition, sign, constant scale factor, constant offset (overall, per row
or per column), integer truncation and precision. ``compare`` returns the list
of findings for one value (empty when it matches).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from checker.findings import Finding
from checker.i18n import Text
from checker.precision import _float, tolerances


# --------------------------------------------------------------------------- sizes in words
class Dims:
    """The sizes in one case's arguments, so that a length can be named (``X.shape[0]``)."""

    def __init__(self, named_args: dict):
        self.names: dict[int, str] = {}
        for arg, value in named_args.items():
            if isinstance(value, np.ndarray):
                for axis, length in enumerate(value.shape):
                    self.names.setdefault(int(length), f"{arg}.shape[{axis}]")
            elif isinstance(value, (int, np.integer)) and not isinstance(value, bool):
                self.names.setdefault(int(value), arg)

    def name(self, length: int) -> str | None:
        return self.names.get(int(length))

    def words(self, shape: tuple) -> str:
        if shape == ():
            return "()"
        parts = [self.name(n) or "?" for n in shape]
        inner = ", ".join(parts) + ("," if len(parts) == 1 else "")
        return f"{shape} = ({inner})" if any(p != "?" for p in parts) else str(shape)

    def factor_name(self, factor: float) -> str | None:
        """Name a scale factor that equals a size (N) or its inverse (1/N)."""
        for length, name in self.names.items():
            if length > 1 and np.isclose(factor, length, rtol=1e-6):
                return f"{name} = {length}"
            if length > 1 and np.isclose(factor, 1.0 / length, rtol=1e-6):
                return f"1/{name} = 1/{length}"
        return None


# --------------------------------------------------------------------------- helpers
def excerpt(value, max_chars: int = 400) -> str:
    if isinstance(value, np.ndarray):
        with np.printoptions(precision=5, threshold=24, edgeitems=2, linewidth=72, suppress=True):
            text = np.array2string(value, separator=", ")
    else:
        text = repr(value)
    return text if len(text) <= max_chars else text[: max_chars - 3] + "..."


def type_words(value) -> str:
    if isinstance(value, np.ndarray):
        return f"ndarray {value.shape} {value.dtype}"
    if isinstance(value, (list, tuple)):
        return f"{type(value).__name__} of {len(value)} items"
    return type(value).__name__


def is_number(value) -> bool:
    if isinstance(value, np.ndarray):
        return value.ndim == 0 and value.dtype.kind in "biuf"
    return isinstance(value, (int, float, np.integer, np.floating, bool, np.bool_))


def tolerance_mask(expected: np.ndarray, got: np.ndarray, rtol: float, atol: float, float32=False, slack=0.0) -> np.ndarray:
    """True where ``got`` matches ``expected`` (see ``tolerances``)."""
    e, g = _float(expected), _float(got)
    rtol, atol = tolerances(expected, got, rtol, atol, float32, slack)
    with np.errstate(invalid="ignore", over="ignore"):
        mask = np.abs(g - e) <= atol + rtol * np.abs(e)
    both_nan = np.isnan(e) & np.isnan(g)
    same_inf = np.isinf(e) & (e == g)
    return mask | both_nan | same_inf


def allclose(expected, got, rtol, atol, float32=False, slack=0.0) -> bool:
    return bool(np.all(tolerance_mask(np.asarray(expected), np.asarray(got), rtol, atol, float32, slack)))


def _axes_words(ndim: int) -> tuple:
    return (f"{ndim} axis" if ndim == 1 else f"{ndim} axes", f"{ndim} 个轴")


def _index_words(index) -> str:
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


# --------------------------------------------------------------------------- comparison
class Comparison:
    """Compares one case's outputs; remembers scalar pairs for the across-case analysis."""

    def __init__(self, task, dims: Dims, values_only: bool = False, structure_only: bool = False, float32=False,
                 slack=None):
        self.task = task
        self.dims = dims
        self.values_only = values_only  # compare values alone, without the task's integer-type rule
        self.structure_only = structure_only  # types, keys and shapes only (randomised results)
        self.float32 = float32  # the learner computed in float32: its round-off is no mistake
        self.slack = slack or {}  # {output: float32 slack} (see ``tolerances``)

    def compare(self, name: str, expected, got) -> list[Finding]:
        if isinstance(expected, Mapping):
            return self._mapping(name, expected, got)
        if isinstance(expected, (tuple, list)):
            return self._sequence(name, expected, got)
        if isinstance(expected, np.ndarray) and expected.ndim > 0:
            return self._array(name, expected, got)
        if is_number(expected):
            return self._scalar(name, expected, got)
        if self.structure_only or expected == got:
            return []
        return [self._finding("mismatch", Text("mismatch.scalar", name=name, expected=excerpt(expected), got=excerpt(got)), name)]

    def _slack(self, name: str) -> float:
        return self.slack.get(name.split("[", 1)[0], 0.0)  # grads['dw'] is part of grads

    # -- structure
    def _finding(self, code, text, name, **kw) -> Finding:
        hint = kw.pop("hint", None)
        hint = self.task.hints.get(code, hint) if self.task is not None else hint
        return Finding(code, text, hint, output=name, **kw)

    def _mapping(self, name, expected, got):
        if not isinstance(got, Mapping):
            return [self._finding("wrong_type", Text("wrong_type.dict", name=name, keys=sorted(expected), got=type_words(got)), name)]
        missing = [k for k in expected if k not in got]
        if missing:
            return [self._finding("wrong_type", Text("wrong_type.missing_keys", name=name, keys=sorted(expected), missing=missing), name)]
        findings = []
        for key in expected:
            findings += self.compare(f"{name}[{key!r}]", expected[key], got[key])
        return findings

    def _sequence(self, name, expected, got):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return [self._finding("wrong_type", Text("wrong_type.sequence", name=name, n=len(expected), got=type_words(got)), name)]
        findings = []
        for i, (e, g) in enumerate(zip(expected, got)):
            findings += self.compare(f"{name}[{i}]", e, g)
        return findings

    # -- scalars
    def _scalar(self, name, expected, got):
        if isinstance(got, np.ndarray) and got.ndim > 0:
            return [self._finding("shape", Text("shape.scalar_expected", name=name, shape=got.shape), name,
                                  hint=Text("hint.shape.scalar"), expected=excerpt(expected), got=excerpt(got))]
        if not is_number(got):
            return [self._finding("wrong_type", Text("wrong_type.number", name=name, got=type_words(got)), name,
                                  expected=excerpt(expected), got=excerpt(got))]
        if self.structure_only:
            return []
        e, g = float(expected), float(got)
        rtol, atol = self.task.tolerance(name) if self.task else (1e-7, 1e-9)
        if allclose(e, np.asarray(got), rtol, atol, self.float32, self._slack(name)):  # float32: its own tolerance
            return self._integer_required(name, np.asarray(got))
        if np.isfinite(e) and not np.isfinite(g):
            return [self._finding("non_finite", Text("non_finite.scalar", name=name, got=g), name,
                                  hint=Text("hint.non_finite"), expected=excerpt(e), got=excerpt(g))]
        return [self._finding("mismatch", Text("mismatch.scalar", name=name, expected=f"{e:.6g}", got=f"{g:.6g}"), name,
                              expected=excerpt(e), got=excerpt(g))]

    def _integer_required(self, name, got: np.ndarray):
        if self.task is None or self.values_only or name not in self.task.integer_outputs:
            return []
        if got.dtype.kind in "biu":
            return []
        values = got[np.isfinite(got)] if got.dtype.kind == "f" else got
        if got.dtype.kind == "f" and np.all(values == np.round(values)):
            return []  # integer-valued floats are accepted for labels
        return [self._finding("dtype", Text("dtype.integer_required", name=name, dtype=got.dtype), name)]

    # -- arrays
    def _array(self, name, expected, got):
        dims = self.dims
        if got is None or isinstance(got, (list, tuple)) or not (isinstance(got, np.ndarray) or is_number(got)):
            return [self._finding("wrong_type", Text("wrong_type.array", name=name, shape=expected.shape, got=type_words(got)), name,
                                  hint=Text("hint.wrong_type.array"), expected=excerpt(expected), got=excerpt(got))]
        if not isinstance(got, np.ndarray):
            return [self._finding("shape", Text("shape.got_scalar", name=name, expected=dims.words(expected.shape), value=excerpt(got)), name,
                                  hint=Text("hint.shape.got_scalar"), expected=excerpt(expected), got=excerpt(got))]
        if got.dtype.kind not in "biuf":
            return [self._finding("wrong_type", Text("wrong_type.dtype", name=name, dtype=got.dtype), name, got=excerpt(got))]
        rtol, atol = self.task.tolerance(name) if self.task else (1e-7, 1e-9)
        rtol, atol = tolerances(expected, got, rtol, atol, self.float32, self._slack(name))
        if got.shape != expected.shape:
            return [self._shape(name, expected, got, rtol, atol)]
        if self.structure_only:
            return []
        mask = tolerance_mask(expected, got, rtol, atol)
        if mask.all():
            return self._integer_required(name, got)
        return [self._diagnose(name, expected, got, mask, rtol, atol)]

    def _shape(self, name, expected, got, rtol, atol) -> Finding:
        dims = self.dims
        excerpts = dict(expected=excerpt(expected), got=excerpt(got))
        if got.ndim == 2 and got.shape == expected.shape[::-1] and allclose(expected, got.T, rtol, atol):
            return self._finding("transposed", Text("transposed", name=name, expected=dims.words(expected.shape), got=dims.words(got.shape)),
                                 name, hint=Text("hint.transposed"), **excerpts)
        if expected.ndim == 1 and got.shape == (expected.shape[0], expected.shape[0]) and expected.shape[0] > 1:
            explain = Text("shape.broadcast", n=expected.shape[0])
        elif got.size == expected.size and got.squeeze().shape == expected.squeeze().shape:
            explain = Text("shape.extra_axis" if got.ndim > expected.ndim else "shape.missing_axis")
        elif got.ndim == expected.ndim:
            axes = ", ".join(str(i) for i, (n, m) in enumerate(zip(expected.shape, got.shape)) if n != m)
            explain = Text("shape.lengths", axes=(("axes " if "," in axes else "axis ") + axes, f"第 {axes} 轴"))
        else:
            explain = Text("shape.axes", expected=_axes_words(expected.ndim), got=_axes_words(got.ndim))
        return self._finding("shape", Text("shape.mismatch", name=name, expected=dims.words(expected.shape),
                                           got=dims.words(got.shape), explain=explain), name, **excerpts)

    def _diagnose(self, name, expected, got, mask, rtol, atol) -> Finding:
        e, g = _float(expected), _float(got)
        excerpts = dict(expected=excerpt(expected), got=excerpt(got))
        finite_e = np.isfinite(e)
        bad = finite_e & ~np.isfinite(g)
        if bad.any():
            first = np.argwhere(bad)[0]
            what = "NaN" if np.isnan(g[tuple(first)]) else "inf"
            return self._finding("non_finite", Text("non_finite.array", name=name, what=what, index=_index_words(first), count=int(bad.sum())),
                                 name, hint=Text("hint.non_finite"), where=_index_words(first), **excerpts)
        close = lambda candidate: allclose(e, candidate, rtol, atol)  # noqa: E731
        rounded = (np.trunc(e), np.floor(e), np.round(e))  # what an integer output makes of the expected values
        if got.dtype.kind in "iu" and not np.all(e == np.round(e)) and any(allclose(r, g, rtol, atol) for r in rounded):
            return self._finding("dtype", Text("dtype.truncated", name=name, dtype=got.dtype), name, hint=Text("hint.dtype.truncated"), **excerpts)
        if got.dtype.kind == "f" and got.dtype.itemsize < 8 and allclose(e, g, 1e-2, 1e-3 * float(np.abs(e).max() or 1)):
            return self._finding("dtype", Text("dtype.precision", name=name, dtype=got.dtype), name, **excerpts)
        if e.ndim == 2 and e.shape[0] == e.shape[1] and e.shape[0] > 1 and close(g.T):
            return self._finding("transposed", Text("transposed.square", name=name), name, hint=Text("hint.transposed"), **excerpts)
        if np.any(e != 0) and close(-g):
            return self._finding("sign", Text("sign", name=name), name, hint=Text("hint.sign"), **excerpts)
        denominator = float(np.sum(e * e))
        if denominator > 0 and np.any(g != 0):
            factor = float(np.sum(g * e)) / denominator
            if abs(factor) > 1e-12 and abs(factor - 1) > 1e-6 and close(g / factor):
                return self._scale_finding(name, factor, **excerpts)
        offset = self._offset(name, e, g, rtol, atol)
        if offset is not None:
            return offset
        first = np.argwhere(~mask)[0]
        index = tuple(first)
        if not np.any(g):
            text = Text("mismatch.zeros", name=name)
        else:
            text = Text("mismatch.array", name=name, count=int((~mask).sum()), total=mask.size, index=_index_words(first),
                        expected=f"{e[index]:.6g}", got=f"{g[index]:.6g}")
        return self._finding("mismatch", text, name, where=_index_words(first), **excerpts)

    def _scale_finding(self, name, factor, **excerpts) -> Finding:
        named = self.dims.factor_name(factor)
        if named:
            return self._finding("scale", Text("scale.named", name=name, factor=f"{factor:.6g}", size=named), name,
                                 hint=Text("hint.scale.size"), **excerpts)
        return self._finding("scale", Text("scale", name=name, factor=f"{factor:.6g}"), name, hint=Text("hint.scale"), **excerpts)

    def _offset(self, name, e, g, rtol, atol) -> Finding | None:
        diff = g - e
        scale = float(np.abs(e).max() or 1.0)
        flat = lambda d: np.allclose(diff, d, rtol=0, atol=atol + rtol * scale * 10)  # noqa: E731
        if flat(diff.mean()):
            return self._finding("offset", Text("offset", name=name, delta=f"{float(diff.mean()):.6g}"), name,
                                 expected=excerpt(e), got=excerpt(g))
        if diff.ndim == 2 and diff.shape[0] > 1 and flat(diff.mean(axis=0, keepdims=True)):
            return self._finding("offset", Text("offset.rows", name=name, delta=excerpt(diff[0])), name,
                                 hint=Text("hint.offset.axis"), expected=excerpt(e), got=excerpt(g))
        if diff.ndim == 2 and diff.shape[1] > 1 and flat(diff.mean(axis=1, keepdims=True)):
            return self._finding("offset", Text("offset.columns", name=name, delta=excerpt(diff[:, 0])), name,
                                 hint=Text("hint.offset.axis"), expected=excerpt(e), got=excerpt(g))
        return None


# --------------------------------------------------------------------------- across cases
def diagnose_scalars(name: str, pairs: list, hints: dict | None = None) -> Finding | None:
    """Scale, sign and offset of a scalar output, decided across cases.

    ``pairs`` holds ``(expected, got, dims, passed, label)`` for every case. A cause is
    named only when it explains every case and at least two cases show it.
    """
    hints = hints or {}
    usable = [(float(e), float(g), d, ok, label) for e, g, d, ok, label in pairs if np.isfinite(float(g))]
    failing = [p for p in usable if not p[3]]
    if len(usable) < 2 or not failing:
        return None
    nonzero = [p for p in usable if abs(p[0]) > 1e-12]

    def make(code, text, hint):
        return Finding(code, text, hints.get(code, hint), output=name, cases=[p[4] for p in failing])

    # a factor that equals the same size in every case (the batch size, the number of classes...)
    if len(nonzero) >= 2:
        for length, size_name in nonzero[0][2].names.items():
            sizes = [(g / e, next((L for L, nm in d.names.items() if nm == size_name), None)) for e, g, d, _, _ in nonzero]
            for inverse in (False, True):
                def matches(r, n):
                    return n is not None and n > 0 and np.isclose(r, 1.0 / n if inverse else n, rtol=1e-6)
                # a case of size 1 agrees with any such factor; at least two larger cases must show it
                if all(matches(r, n) for r, n in sizes) and sum(n > 1 for _, n in sizes) >= 2:
                    shown = f"1/{size_name}" if inverse else size_name
                    return make("scale", Text("scale.across", name=name, size=shown), Text("hint.scale.size"))
        ratios = [g / e for e, g, _, _, _ in nonzero]
        if all(np.isclose(r, ratios[0], rtol=1e-6) for r in ratios) and not np.isclose(ratios[0], 1.0, rtol=1e-6):
            if np.isclose(ratios[0], -1.0, rtol=1e-6):
                return make("sign", Text("sign", name=name), Text("hint.sign"))
            return make("scale", Text("scale", name=name, factor=f"{ratios[0]:.6g}"), Text("hint.scale"))
    diffs = [g - e for e, g, _, _, _ in usable]
    if all(np.isclose(d, diffs[0], rtol=1e-6, atol=1e-9) for d in diffs) and not np.isclose(diffs[0], 0.0, atol=1e-9):
        return make("offset", Text("offset", name=name, delta=f"{diffs[0]:.6g}"), None)
    return None
