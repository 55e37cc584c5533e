"""``gradcheck``: an analytic gradient against a centred finite difference."""

from __future__ import annotations

import html

import numpy as np

from checker.i18n import Text, get_language

GREAT, KINKS = 1e-7, 1e-5


def relative_error(a, b) -> float:
    """``||a - b|| / (||a|| + ||b||)``, and 0 when both are zero."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denominator == 0 else float(np.linalg.norm(a - b) / denominator)


def numerical_gradient(f, x, h=1e-5, indices=None, progress=False) -> np.ndarray:
    """Centred difference ``(f(x + h e_i) - f(x - h e_i)) / 2h`` at ``indices`` (all by default).

    ``f`` is called with a float64 copy of ``x`` perturbed in one entry."""
    point = np.array(x, dtype=np.float64, copy=True)
    grad = np.full(point.shape, np.nan)
    positions = list(np.ndindex(point.shape)) if indices is None else indices
    if progress and len(positions) > 2000:
        from tqdm.auto import tqdm

        positions = tqdm(positions, desc="gradcheck", leave=False)
    for index in positions:
        saved = point[index]
        point[index] = saved + h
        plus = float(f(point))
        point[index] = saved - h
        minus = float(f(point))
        point[index] = saved
        grad[index] = (plus - minus) / (2 * h)
    return grad


class GradcheckResult:
    """Relative error between an analytic and a numerical gradient, with a verdict."""

    def __init__(self, analytic, numerical, indices):
        self.analytic = analytic
        self.numerical = numerical
        self.indices = indices
        a = np.array([analytic[i] for i in indices], dtype=np.float64)
        n = np.array([numerical[i] for i in indices], dtype=np.float64)
        self.relative_error = relative_error(a, n)
        self.worst_index = indices[int(np.argmax(np.abs(a - n)))] if len(indices) else None
        if self.relative_error < GREAT:
            self.verdict = "great"
        elif self.relative_error < KINKS:
            self.verdict = "kinks"
        else:
            self.verdict = "bug"

    @property
    def passed(self) -> bool:
        return self.verdict != "bug"

    def text(self, lang=None) -> str:
        lang = lang or get_language()
        line = Text("gradcheck.result", error=f"{self.relative_error:.2e}", verdict=Text(f"gradcheck.{self.verdict}")).render(lang)
        if self.verdict != "great" and self.worst_index is not None:
            i = self.worst_index
            index = "[" + ", ".join(str(int(k)) for k in i) + "]"  # a string: a list parameter would render as a list of messages
            line += "\n" + Text("gradcheck.worst", index=index, analytic=f"{float(self.analytic[i]):.6g}",
                                numerical=f"{float(self.numerical[i]):.6g}").render(lang)
        return line

    def __repr__(self) -> str:
        return f"gradcheck: {self.text()}"

    def _repr_html_(self) -> str:
        colour = {"great": "#2e7d32", "kinks": "#ef6c00", "bug": "#c62828"}[self.verdict]
        body = html.escape(self.text()).replace("\n", "<br>")
        return f'<div style="border-left:6px solid {colour};padding:4px 10px;font-family:system-ui,sans-serif">{body}</div>'


def gradcheck(f, x, analytic, h=1e-5, max_entries=None, seed=0) -> GradcheckResult:
    """Compare ``analytic`` (the gradient of scalar function ``f`` at ``x``) with a centred
    finite difference. Relative error below 1e-7 is great; below 1e-5 is fine where the
    function has kinks; larger means the analytic gradient is wrong.

    ``max_entries`` checks a random sample of that many entries (for large ``x``)."""
    x = np.asarray(x)
    analytic = np.asarray(analytic, dtype=np.float64)
    if analytic.shape != x.shape:
        raise ValueError(f"gradcheck: the analytic gradient has shape {analytic.shape} but x has shape {x.shape}; "
                         "a gradient has the shape of what it is taken with respect to")
    if not callable(f):
        raise ValueError("gradcheck: f must be a function mapping an array to a number")
    all_indices = list(np.ndindex(x.shape))
    if max_entries is not None and max_entries < len(all_indices):
        rng = np.random.default_rng(seed)
        chosen = rng.choice(len(all_indices), size=max_entries, replace=False)
        all_indices = [all_indices[i] for i in sorted(chosen)]
    numerical = numerical_gradient(f, x, h, indices=all_indices, progress=True)
    return GradcheckResult(analytic, numerical, all_indices)
