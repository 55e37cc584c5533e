"""``gradcheck``: an analytic gradient against a centred finite difference, aware of kinks.

A centred difference ``(f(x + h e_i) - f(x - h e_i)) / 2h`` is accurate to ``O(h^2)`` where ``f`` is
smooth. Where a kink (ReLU at 0, a max at a tie, a hinge at margin 0) lies within ``h`` of ``x_i`` the
two evaluations sit on different linear pieces and the difference returns a blend of the two slopes,
so a *correct* gradient can show a relative error of 1e-2. ``gradcheck`` therefore looks again, at
``h / 10`` (and closer where needed), wherever the first look is not great: a smooth function gives
the same difference at both steps, a kink crossed by the larger step does not. Entries found that way
are compared with the difference at the smallest step that no longer crosses the kink (or, for an
entry right at a kink, with the range of slopes on either side, every one of which is a valid
subgradient), and the verdict says what was found.
"""

from __future__ import annotations

import html
import numbers

import numpy as np

from checker.i18n import Text, get_language, render

GREAT, KINKS = 1e-7, 1e-5
REFINE = 10          # each further look uses a step REFINE times smaller
DEEPEST = 3          # at most h / 1000
SMOOTH_RTOL = 1e-4   # differences at h and h / REFINE of a smooth function agree far better than this
ROUNDOFF_SAFETY = 100


def relative_error(a, b) -> float:
    """``||a - b|| / (||a|| + ||b||)``, and 0 when both are zero."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denominator == 0 else float(np.linalg.norm(a - b) / denominator)


def _evaluations(f, x, h, positions, progress=False):
    """``(f(x + h e_i), f(x - h e_i))`` for every index in ``positions``, as two float64 arrays.

    ``f`` is called with a float64 copy of ``x`` perturbed in one entry."""
    point = np.array(x, dtype=np.float64, copy=True)
    plus, minus = np.empty(len(positions)), np.empty(len(positions))
    steps = positions
    if progress and len(positions) > 2000:
        from tqdm.auto import tqdm

        steps = tqdm(positions, desc="gradcheck", leave=False)
    for k, index in enumerate(steps):
        saved = point[index]
        point[index] = saved + h
        plus[k] = float(f(point))
        point[index] = saved - h
        minus[k] = float(f(point))
        point[index] = saved
    return plus, minus


def numerical_gradient(f, x, h=1e-5, indices=None, progress=False) -> np.ndarray:
    """Centred difference ``(f(x + h e_i) - f(x - h e_i)) / 2h`` at ``indices`` (all by default).

    Inputs:
    - f: function of an array of x's shape, returning a number.
    - x: array of any shape (not modified).
    - h: the step.
    - indices: list of index tuples to differentiate at; the other entries are nan.
    Returns a float64 array of x's shape."""
    positions = list(np.ndindex(np.shape(x))) if indices is None else list(indices)
    grad = np.full(np.shape(x), np.nan)
    plus, minus = _evaluations(f, x, h, positions, progress)
    for k, index in enumerate(positions):
        grad[index] = (plus[k] - minus[k]) / (2 * h)
    return grad


def _precision_of(value) -> float:
    """Machine epsilon of the type ``f`` computed its value in (float64 when it cannot tell)."""
    dtype = getattr(value, "dtype", None)
    if dtype is not None and np.issubdtype(dtype, np.floating):
        return float(np.finfo(dtype).eps)
    return float(np.finfo(np.float64).eps)


class KinkLook:
    """The second look at the entries whose difference may straddle a kink.

    Attributes:
    - positions: the index tuples looked at again.
    - straddled: those with a kink within h (their differences change with the step, or with the side).
    - refined: dict index -> the value the analytic gradient is compared with there.
    - low_precision: f returned float32 (or coarser) values.
    """

    def __init__(self, positions, straddled, refined, low_precision):
        self.positions = positions
        self.straddled = straddled
        self.refined = refined
        self.low_precision = low_precision


def _second_look(f, x, analytic, coarse_steps, positions, h, given_near=None) -> KinkLook:
    """Look again at ``positions`` with the steps ``h / 10``, ``h / 100``, ... (at most DEEPEST).

    A smooth function gives the same centred difference at two steps (to SMOOTH_RTOL, far above its
    truncation error, plus a generous bound on round-off); an entry where they disagree had a kink
    within the larger step, and is looked at with a step ten times smaller again until two steps
    agree: the smaller one's difference is then the slope on x's side of the kink. An entry right
    at a kink shows itself differently: its one-sided differences disagree by the jump in slope
    whatever the step (a smooth function's shrink tenfold with it), and there any value between the
    one-sided slopes is a valid subgradient.

    ``coarse_steps`` maps an index to its ``(f(x + h e_i), f(x - h e_i))``."""
    point = np.array(x, dtype=np.float64, copy=True)
    value = f(point)
    eps = _precision_of(value)
    f0 = float(value)
    plus, minus = _evaluations(f, x, h / REFINE, positions)
    scale = max(float(np.max(np.abs(analytic), initial=0.0)),
                max((abs(p - m) / (2 * h) for p, m in coarse_steps.values()), default=0.0))

    def tolerance(a, b, p, m, step):
        roundoff = ROUNDOFF_SAFETY * eps * max(abs(f0), abs(p), abs(m)) / step
        return SMOOTH_RTOL * (abs(a) + abs(b)) + 1e-8 * scale + roundoff

    straddled, refined = [], {}
    for k, index in enumerate(positions):
        (prev_p, prev_m), prev_step = coarse_steps[index], h
        p, m, step = plus[k], minus[k], h / REFINE
        declared = given_near is not None and bool(given_near[k])
        found = None
        for level in range(1, DEEPEST + 1):
            if level > 1:
                p, m = (float(v[0]) for v in _evaluations(f, x, step, [index]))
            prev_c, c = (prev_p - prev_m) / (2 * prev_step), (p - m) / (2 * step)
            tol = tolerance(prev_c, c, p, m, step)
            gap, prev_gap = abs((p - f0) - (f0 - m)) / step, abs((prev_p - f0) - (f0 - prev_m)) / prev_step
            if gap > 2 * tol + abs(prev_c - c) and gap > 0.5 * prev_gap:
                low, high = min((f0 - m) / step, (p - f0) / step), max((f0 - m) / step, (p - f0) / step)
                found = float(np.clip(analytic[index], low, high))   # right at a kink: a subgradient
                break
            if abs(prev_c - c) <= tol:
                if level > 1 or declared:
                    found = float(c)
                break
            found = float(c)   # the steps disagree: a kink within prev_step; look closer
            prev_p, prev_m, prev_step, step = p, m, step, step / REFINE
        if found is not None:
            straddled.append(index)
            refined[index] = found
    return KinkLook(list(positions), straddled, refined, eps > np.finfo(np.float64).eps)


# =========================================================================== verdict texts
def _pair(en, zh):
    return (en, zh)


def _verdict_text(verdict, look, indices, refined_error, h):
    """The words after "relative error E: " (an (en, zh) pair or a Text)."""
    if look is None:
        return Text(f"gradcheck.{verdict}")
    n_kinks, n_all = len(look.straddled), len(indices)
    fine = f"{h / REFINE:.0e}"
    if verdict == "great":
        return Text("gradcheck.great")
    if verdict == "noisy":
        if look.low_precision:
            return _pair("not reliable: f returns float32 values, whose round-off divided by 2h swamps the "
                         "difference (about 1e-3 at h = 1e-5). Check the gradient with f computed in float64.",
                         "不可靠：f 返回 float32，其舍入误差除以 2h 后淹没了差分（h = 1e-5 时约为 1e-3）。"
                         "请用 float64 计算 f 后再检查梯度。")
        return _pair(f"not reliable: the finite differences change with the step at {n_kinks} of {n_all} checked "
                     "entries, more than kinks explain; this is what round-off looks like (is f computed in "
                     "float32?). Check the gradient with f computed in float64.",
                     f"不可靠：在检查的 {n_all} 个元素中有 {n_kinks} 个的有限差分随步长改变，折点解释不了这么多；"
                     "这正是舍入误差的样子（f 是否用 float32 计算？）。请用 float64 计算 f 后再检查梯度。")
    if n_kinks:
        if verdict == "kinks":
            return _pair(f"explained by kinks: {n_kinks} of {n_all} checked entries lie within h = {h:.0e} of a kink "
                         f"(their finite differences change with the step or the side); judged with smaller steps at those entries, "
                         f"the relative error is {refined_error:.2e}, so the analytic gradient is right. A kink near a "
                         "point is normal for ReLU, max and hinge losses; to see it disappear, shrink h or move the "
                         "points away from the kinks.",
                         f"可由折点解释：在检查的 {n_all} 个元素中有 {n_kinks} 个距离折点不到 h = {h:.0e}"
                         "（那里的有限差分随步长或方向改变）；在这些元素上改用更小的步长后相对误差为 "
                         f"{refined_error:.2e}，所以解析梯度是对的。ReLU、max 和 hinge 损失在某些点附近有折点是正常的；"
                         "缩小 h 或让这些点远离折点，误差就会消失。")
        return _pair(f"too large, even with the kinks accounted for: {n_kinks} of {n_all} checked entries lie within "
                     f"h = {h:.0e} of a kink, and with smaller steps there the relative error is still "
                     f"{refined_error:.2e}: the analytic gradient is probably wrong",
                     f"过大，即使考虑了折点：检查的 {n_all} 个元素中有 {n_kinks} 个距离折点不到 h = {h:.0e}，"
                     f"在那里改用更小的步长后相对误差仍为 {refined_error:.2e}：解析梯度很可能有错")
    if verdict == "kinks":
        return _pair("between 1e-7 and 1e-5: acceptable where a kink (ReLU, max, hinge) lies near the inputs, but no "
                     f"step crossed one here (the differences at h and at {fine} agree): look at the entry below",
                     "介于 1e-7 与 1e-5 之间：如果输入附近有折点（ReLU、max、hinge）可以接受，但这里没有步长跨过折点"
                     f"（步长 h 与 {fine} 的差分一致）：请查看下面的元素")
    return _pair(f"too large, and no step crossed a kink (the differences at h and at {fine} agree): the analytic "
                 "gradient is probably wrong",
                 f"过大，而且没有步长跨过折点（步长 h 与 {fine} 的差分一致）：解析梯度很可能有错")


class GradcheckResult:
    """Relative error between an analytic and a numerical gradient, with a verdict.

    Attributes:
    - relative_error: over the checked entries, with the step h everywhere.
    - verdict: "great" (below 1e-7), "kinks" (acceptable: below 1e-5, or explained by kinks the
      second look found), "noisy" (the differences change with the step almost everywhere:
      round-off, e.g. f computed in float32), or "bug".
    - kinks: index tuples found (or declared) within h of a kink; empty when none or not looked for.
    - refined_error: the relative error with those entries compared at h / 10 (None when not computed).
    """

    def __init__(self, analytic, numerical, indices, h=1e-5, look=None):
        self.analytic = analytic
        self.numerical = numerical
        self.indices = indices
        self.h = h
        a = np.array([analytic[i] for i in indices], dtype=np.float64)
        n = np.array([numerical[i] for i in indices], dtype=np.float64)
        self.relative_error = relative_error(a, n)
        self.worst_index = indices[int(np.argmax(np.abs(a - n)))] if len(indices) else None
        self.look = look
        self.kinks = list(look.straddled) if look is not None else []
        self.refined_error = None
        if look is not None:
            refined = np.array([look.refined.get(i, numerical[i]) for i in indices], dtype=np.float64)
            self.refined_error = relative_error(a, refined)
        self.verdict = self._judge()

    def _judge(self) -> str:
        if self.relative_error < GREAT:
            return "great"
        look = self.look
        if look is None:
            return "kinks" if self.relative_error < KINKS else "bug"
        mostly_unsteady = len(self.indices) >= 4 and len(look.straddled) > len(self.indices) / 2
        if self.relative_error >= KINKS and (mostly_unsteady or look.low_precision):
            return "noisy"
        if look.straddled:
            return "kinks" if self.refined_error < KINKS else "bug"
        return "kinks" if self.relative_error < KINKS else "bug"

    @property
    def passed(self) -> bool:
        return self.verdict in ("great", "kinks")

    def text(self, lang=None) -> str:
        lang = lang or get_language()
        words = _verdict_text(self.verdict, self.look, self.indices, self.refined_error, self.h)
        line = Text("gradcheck.result", error=f"{self.relative_error:.2e}", verdict=words).render(lang)
        if self.verdict != "great" and self.worst_index is not None:
            i = self.worst_index
            index = "[" + ", ".join(str(int(k)) for k in i) + "]"  # a string: a list parameter would render as a list of messages
            line += "\n" + Text("gradcheck.worst", index=index, analytic=f"{float(self.analytic[i]):.6g}",
                                numerical=f"{float(self.numerical[i]):.6g}").render(lang)
            if i in self.kinks:
                line += render((" (within h of a kink)", "（距离折点不到 h）"), lang)
        return line

    def __repr__(self) -> str:
        return f"gradcheck: {self.text()}"

    def _repr_html_(self) -> str:
        colour = {"great": "#2e7d32", "kinks": "#ef6c00", "noisy": "#6a1b9a", "bug": "#c62828"}[self.verdict]
        body = html.escape(self.text()).replace("\n", "<br>")
        return f'<div style="border-left:6px solid {colour};padding:4px 10px;font-family:system-ui,sans-serif">{body}</div>'


def _kink_positions(kinks, x):
    """``kinks`` as None (look for them), False (f is smooth) or an array of kink positions like x."""
    if kinks is None or kinks is True:
        return None
    if kinks is False:
        return False
    try:
        where = np.broadcast_to(np.asarray(kinks, dtype=np.float64), x.shape)
    except (TypeError, ValueError):
        raise ValueError("gradcheck: kinks must be None (look for kinks), True, False (f is smooth) or the "
                         f"position of the kinks in x's coordinates, a number or an array broadcastable to {x.shape} "
                         "(kinks=0.0 for a ReLU of x)") from None
    return where


def gradcheck(f, x, analytic, h=1e-5, max_entries=None, seed=0, kinks=None) -> GradcheckResult:
    """Compare ``analytic`` (the gradient of scalar function ``f`` at ``x``) with a centred
    finite difference.

    Relative error below 1e-7 is great. Otherwise the entries are looked at again with the step
    h / 10: where a kink (ReLU, max, hinge) lies within h of an entry, the two steps disagree,
    and such entries are judged with smaller steps (down to h / 1000). The verdict then says how many entries sat
    next to a kink and whether the gradient is right once they are accounted for; a larger error
    that no kink explains means the analytic gradient is wrong.

    Inputs:
    - f: function of an array of x's shape, returning a number.
    - x: the point, an array of any shape.
    - analytic: the gradient to check, of x's shape.
    - h: the step of the centred difference.
    - max_entries: check a random sample of that many entries (for large x), drawn with ``seed``.
    - kinks: None (default) or True: look for kinks as described; False: f is smooth, skip the
      second look; a number or an array broadcastable to x: where the kinks are in x's
      coordinates (``kinks=0.0`` for a ReLU of x), entries within h of one are looked at again.
    Returns a GradcheckResult (``.verdict``, ``.passed``, ``.relative_error``, ``.kinks``).
    """
    x = np.asarray(x)
    analytic = np.asarray(analytic, dtype=np.float64)
    if analytic.shape != x.shape:
        raise ValueError(f"gradcheck: the analytic gradient has shape {analytic.shape} but x has shape {x.shape}; "
                         "a gradient has the shape of what it is taken with respect to")
    if not callable(f):
        raise ValueError("gradcheck: f must be a function mapping an array to a number")
    if not isinstance(h, numbers.Real) or not h > 0:
        raise ValueError(f"gradcheck: the step h must be a positive number, got {h!r}")
    where = _kink_positions(kinks, x)
    all_indices = list(np.ndindex(x.shape))
    if max_entries is not None and max_entries < len(all_indices):
        rng = np.random.default_rng(seed)
        chosen = rng.choice(len(all_indices), size=max_entries, replace=False)
        all_indices = [all_indices[i] for i in sorted(chosen)]
    plus, minus = _evaluations(f, x, h, all_indices, progress=True)
    numerical = np.full(x.shape, np.nan)
    for k, index in enumerate(all_indices):
        numerical[index] = (plus[k] - minus[k]) / (2 * h)
    result = GradcheckResult(analytic, numerical, all_indices, h)
    if result.verdict == "great" or where is False or not all_indices:
        return result
    coarse_steps = {index: (plus[k], minus[k]) for k, index in enumerate(all_indices)}
    if where is None:
        look = _second_look(f, x, analytic, coarse_steps, all_indices, h)
    else:
        near = [i for i in all_indices if abs(float(x[i]) - float(where[i])) < h]
        look = _second_look(f, x, analytic, coarse_steps, near, h, given_near=[True] * len(near))
    return GradcheckResult(analytic, numerical, all_indices, h, look)
