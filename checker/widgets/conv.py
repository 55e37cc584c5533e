"""What the convolution and pooling explorers show, as plain values and strings: the state of a
setting (output size, formula with the numbers filled in, counts, warnings), an SVG drawing of the
padded input, and read-outs as HTML and text. All arithmetic comes from ``checker.reference.shapes``."""

from __future__ import annotations

import html

from checker.reference import shapes as _ref
from checker.widgets.tables import thousands


# =========================================================================== convolution
def conv_state(n, f, p, s, d=1, c_in=1, c_out=1):
    """Everything the convolution explorer shows, as plain values.

    Returns a dict: ``ok``; ``error`` (a message for invalid settings, else None); ``out`` (output
    side); ``formula`` (the general formula with the numbers put in); ``params``; ``mult_adds``
    (for an n x n x c_in input); ``leftover`` (rows/columns of the padded input after the last
    window); ``unused_pixels`` (of those, how many are real input, not padding); ``warning``.
    """
    state = {"n": n, "f": f, "p": p, "s": s, "d": d, "c_in": c_in, "c_out": c_out, "ok": False, "error": None,
             "out": None, "formula": None, "params": None, "mult_adds": None, "leftover": 0,
             "unused_pixels": 0, "warning": None}
    try:
        out = _ref.conv_output_size(n, f, p, s, d)
        params = _ref.conv_params(f, c_in, c_out)
    except ValueError as exc:
        state["error"] = str(exc)
        return state
    span = d * (f - 1) + 1
    inner = n + 2 * p - span
    state.update(ok=True, out=out, params=params, mult_adds=out * out * c_out * f * f * c_in)
    state["formula"] = (f"floor((n + 2p - d(f - 1) - 1) / s) + 1 = floor(({n} + 2*{p} - {d}*({f} - 1) - 1) / {s}) + 1"
                        f" = floor({inner} / {s}) + 1 = {inner // s} + 1 = {out}")
    leftover = inner - (out - 1) * s
    state["leftover"] = leftover
    state["unused_pixels"] = max(0, leftover - p)
    if leftover:
        real = state["unused_pixels"]
        where = (f"{real} of them real input that this layer ignores" if real else "all of them padding")
        state["warning"] = (f"Stride {s} does not divide n + 2p - d(f - 1) - 1 = {inner}: the last {leftover} "
                            f"row(s) and column(s) of the padded input are never covered by the kernel; {where}.")
    return state


def conv_svg(n, f, p, s, d=1, max_cells=40):
    """An SVG drawing of the padded input: padding grey, input white, the cells where the kernel's
    top-left tap lands blue, the first window's taps outlined in orange, cells no window reaches red.

    Returns a string (an error message in an SVG text when the settings are invalid)."""
    state = conv_state(n, f, p, s, d)
    size = n + 2 * p if isinstance(n, int) and isinstance(p, int) else 0
    if not state["ok"]:
        return ('<svg class="conv-drawing" xmlns="http://www.w3.org/2000/svg" width="360" height="30">'
                f'<text x="4" y="20" font-size="13" fill="#b00">{html.escape(state["error"])}</text></svg>')
    shown = min(size, max_cells)
    cell = max(6, min(22, 440 // max(shown, 1)))
    span = d * (f - 1) + 1
    covered_to = (state["out"] - 1) * s + span  # cells [0, covered_to) are reached by some window
    starts = {i * s for i in range(state["out"])}
    parts = [f'<svg class="conv-drawing" xmlns="http://www.w3.org/2000/svg" width="{shown * cell + 2}" '
             f'height="{shown * cell + 2}" data-padded="{size}" data-out="{state["out"]}">']
    for r in range(shown):
        for c in range(shown):
            padding = r < p or c < p or r >= p + n or c >= p + n
            fill = "#d9d9d9" if padding else "#ffffff"
            if r >= covered_to or c >= covered_to:
                fill = "#f4b6b6" if not padding else "#e8c9c9"
            cls = "cell-pad" if padding else "cell-in"
            parts.append(f'<rect class="{cls}" x="{c * cell + 1}" y="{r * cell + 1}" width="{cell}" height="{cell}" '
                         f'fill="{fill}" stroke="#999" stroke-width="0.5"/>')
    for r in sorted(starts):
        for c in sorted(starts):
            if r < shown and c < shown:
                parts.append(f'<circle class="kernel-start" cx="{c * cell + 1 + cell / 2}" cy="{r * cell + 1 + cell / 2}" '
                             f'r="{max(2, cell / 4)}" fill="#1f77b4"/>')
    for i in range(f):
        for j in range(f):
            r, c = i * d, j * d
            if r < shown and c < shown:
                parts.append(f'<rect class="kernel-tap" x="{c * cell + 2}" y="{r * cell + 2}" width="{cell - 2}" '
                             f'height="{cell - 2}" fill="none" stroke="#ff7f0e" stroke-width="2"/>')
    if shown < size:
        parts.append(f'<text x="4" y="{shown * cell - 4}" font-size="12" fill="#333">'
                     f'(first {shown} of {size} cells shown)</text>')
    parts.append("</svg>")
    return "".join(parts)


def conv_html(state):
    """The explorer's read-out (HTML with the stable CSS classes) for a ``conv_state``."""
    if not state["ok"]:
        return f'<div class="conv-readout"><p class="conv-error" style="color:#b00">Invalid setting: {html.escape(state["error"])}</p></div>'
    n, c_in, c_out = state["n"], state["c_in"], state["c_out"]
    rows = [
        f'<p>Output: <b><span class="conv-output-size">{state["out"]}</span></b> x {state["out"]} x {c_out} '
        f'(input {n} x {n} x {c_in})</p>',
        f'<p><code class="conv-formula" style="white-space:normal">{html.escape(state["formula"])}</code></p>',
        f'<p>Parameters: <b><span class="conv-params">{thousands(state["params"])}</span></b> '
        f'= ({state["f"]}*{state["f"]}*{c_in} + 1) * {c_out}</p>',
        f'<p>Multiply-adds: <b><span class="conv-mult-adds">{thousands(state["mult_adds"])}</span></b> '
        f'= {state["out"]}*{state["out"]} positions * {c_out} filters * {state["f"]}*{state["f"]}*{c_in}</p>',
    ]
    if state["warning"]:
        rows.append(f'<p class="conv-warning" style="color:#a60">&#9888; {html.escape(state["warning"])}</p>')
    return '<div class="conv-readout">' + "".join(rows) + "</div>"


def conv_text(state):
    """Plain-text read-out of a ``conv_state``."""
    if not state["ok"]:
        return f"Invalid setting: {state['error']}"
    lines = [f"output {state['out']} x {state['out']} x {state['c_out']}", state["formula"],
             f"parameters {thousands(state['params'])}", f"multiply-adds {thousands(state['mult_adds'])}"]
    if state["warning"]:
        lines.append("warning: " + state["warning"])
    return "\n".join(lines)


# =========================================================================== pooling
def pool_state(n, f, s):
    """What the pooling explorer shows: ``ok``, ``error``, ``out``, ``formula``, ``leftover``, ``warning``,
    and ``params`` (always 0: pooling learns nothing)."""
    state = {"n": n, "f": f, "s": s, "ok": False, "error": None, "out": None, "formula": None,
             "leftover": 0, "warning": None, "params": 0}
    try:
        out = _ref.pool_output_size(n, f, s)
    except ValueError as exc:
        state["error"] = str(exc)
        return state
    inner = n - f
    state.update(ok=True, out=out, leftover=inner - (out - 1) * s)
    state["formula"] = f"floor((n - f) / s) + 1 = floor(({n} - {f}) / {s}) + 1 = {inner // s} + 1 = {out}"
    if state["leftover"]:
        state["warning"] = (f"Stride {s} does not divide n - f = {inner}: the last {state['leftover']} row(s) and "
                            "column(s) never enter a window and are dropped.")
    if f > s:
        state["overlap"] = f"Windows overlap by {f - s} pixel(s) (f > s), as in AlexNet's 3x3/2 pooling."
    return state


def pool_svg(n, f, s, max_cells=40):
    """SVG of a pooling input: the windows' top-left cells blue, dropped cells red."""
    return conv_svg(n, f, 0, s, 1, max_cells).replace('class="conv-drawing"', 'class="pool-drawing"')


def pool_html(state):
    if not state["ok"]:
        return f'<div class="pool-readout"><p class="pool-error" style="color:#b00">Invalid setting: {html.escape(state["error"])}</p></div>'
    rows = [f'<p>Output: <b><span class="pool-output-size">{state["out"]}</span></b> x {state["out"]} '
            f'(channels unchanged; parameters: <span class="pool-params">0</span>)</p>',
            f'<p><code class="pool-formula" style="white-space:normal">{html.escape(state["formula"])}</code></p>']
    if state.get("overlap"):
        rows.append(f"<p>{html.escape(state['overlap'])}</p>")
    if state["warning"]:
        rows.append(f'<p class="pool-warning" style="color:#a60">&#9888; {html.escape(state["warning"])}</p>')
    return '<div class="pool-readout">' + "".join(rows) + "</div>"
