"""Interactive explorers for notebook 08 (CNN arithmetic), and the architectures they show.

Three explorers, each an object that displays as an ipywidgets view in JupyterLab and, where
widgets are not rendered (exported HTML, nbgrader feedback), as a static HTML table of its
current state (``_repr_mimebundle_`` carries both):

- ``conv_explorer()``: input size, kernel, padding (valid/same buttons), stride, dilation and
  channels -> output size with the formula filled in, parameters, multiply-adds, and an SVG
  drawing of the padded input with the positions the kernel visits;
- ``pool_explorer()``: the same for a pooling window;
- ``architecture_explorer()``: a network's layer table (shape, parameters, multiply-adds,
  totals); change one layer and the table follows.

The logic lives in pure functions (``conv_state``, ``conv_svg``, ``pool_state``, ``pool_svg``,
``architecture_rows``, ``table_html``, ``table_text``) that return numbers and strings; the
widget classes only wire them to sliders. All arithmetic comes from ``checker.reference.shapes``.

Stable CSS classes for tests and styling: ``conv-output-size``, ``conv-formula``, ``conv-params``,
``conv-mult-adds``, ``conv-warning``, ``conv-error``, ``conv-drawing``, ``pool-output-size``,
``pool-formula``, ``pool-warning``, ``pool-error``, ``arch-table``, ``arch-total-params``,
``arch-total-mult-adds``, ``arch-error``.
"""

from __future__ import annotations

import copy
import html

from checker.reference import shapes as _ref

# =========================================================================== architectures
PUBLISHED_PARAMS = {
    "LeNet-5": 61_706,
    "AlexNet (published)": 62_378_344,
    "AlexNet (torchvision)": 61_100_840,
    "VGG16": 138_357_544,
    "GoogLeNet (torchvision)": 6_624_904,
    "ResNet-18": 11_689_512,
    "ResNet-50": 25_557_032,
}


def _conv(f, c_out, s=1, p=0, bias=True, name=None):
    layer = {"type": "conv", "f": f, "c_out": c_out, "s": s, "p": p}
    if not bias:
        layer["bias"] = False
    if name:
        layer["name"] = name
    return layer


def _pool(f, s, p=0, ceil=False, name=None):
    layer = {"type": "pool", "f": f, "s": s}
    if p:
        layer["p"] = p
    if ceil:
        layer["ceil"] = True
    if name:
        layer["name"] = name
    return layer


def _fc(units, name=None):
    return {"type": "fc", "units": units, **({"name": name} if name else {})}


def lenet5():
    """LeNet-5 (LeCun et al. 1998) on a 1x32x32 image, with full 6 -> 16 connections."""
    return [_conv(5, 6, name="C1 conv 5x5"), _pool(2, 2, name="S2 pool 2x2"),
            _conv(5, 16, name="C3 conv 5x5"), _pool(2, 2, name="S4 pool 2x2"),
            {"type": "flatten", "name": "flatten"},
            _fc(120, "F5 fc"), _fc(84, "F6 fc"), _fc(10, "output fc")], (1, 32, 32)


def alexnet_published():
    """AlexNet as in the paper (96-256-384-384-256 filters) on one GPU, 3x227x227 input."""
    return [_conv(11, 96, s=4, name="conv1 11x11/4"), _pool(3, 2, name="pool1 3x3/2"),
            _conv(5, 256, p=2, name="conv2 5x5"), _pool(3, 2, name="pool2 3x3/2"),
            _conv(3, 384, p=1, name="conv3 3x3"), _conv(3, 384, p=1, name="conv4 3x3"),
            _conv(3, 256, p=1, name="conv5 3x3"), _pool(3, 2, name="pool5 3x3/2"),
            {"type": "flatten", "name": "flatten (6*6*256)"},
            _fc(4096, "fc6"), _fc(4096, "fc7"), _fc(1000, "fc8")], (3, 227, 227)


def alexnet_torchvision():
    """AlexNet as torchvision builds it (64-192-384-256-256 filters), 3x224x224 input."""
    return [_conv(11, 64, s=4, p=2, name="conv1 11x11/4"), _pool(3, 2, name="pool1 3x3/2"),
            _conv(5, 192, p=2, name="conv2 5x5"), _pool(3, 2, name="pool2 3x3/2"),
            _conv(3, 384, p=1, name="conv3 3x3"), _conv(3, 256, p=1, name="conv4 3x3"),
            _conv(3, 256, p=1, name="conv5 3x3"), _pool(3, 2, name="pool5 3x3/2"),
            {"type": "flatten", "name": "flatten (6*6*256)"},
            _fc(4096, "fc6"), _fc(4096, "fc7"), _fc(1000, "fc8")], (3, 224, 224)


def vgg16():
    """VGG16 (configuration D): 13 3x3 'same' convolutions, 5 max-pools, 3 fc layers; 3x224x224."""
    layers = []
    for block, (width, repeat) in enumerate([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)], start=1):
        for i in range(1, repeat + 1):
            layers.append(_conv(3, width, p=1, name=f"conv{block}_{i} 3x3"))
        layers.append(_pool(2, 2, name=f"pool{block} 2x2"))
    layers += [{"type": "flatten", "name": "flatten (7*7*512)"}, _fc(4096, "fc6"), _fc(4096, "fc7"), _fc(1000, "fc8")]
    return layers, (3, 224, 224)


def _inception_branches(c1, c3r, c3, c5r, c5, pool_proj, k5=5, basic=None):
    """The four branches of an Inception module; ``basic`` builds conv(+bn) for torchvision."""
    def conv(f, c, p=0):
        return basic(f, c, p) if basic else [_conv(f, c, p=p)]

    return [conv(1, c1),
            conv(1, c3r) + conv(3, c3, 1),
            conv(1, c5r) + conv(k5, c5, k5 // 2),
            [_pool(3, 1, p=1, ceil=bool(basic))] + conv(1, pool_proj)]


def inception_module():
    """Inception module 3a (Szegedy et al. 2014) on a 192x28x28 input, ReLU convolutions with biases."""
    return [{"type": "concat", "name": "inception 3a: 1x1 | 1x1>3x3 | 1x1>5x5 | pool>1x1",
             "branches": _inception_branches(64, 96, 128, 16, 32, 32)}], (192, 28, 28)


def googlenet_torchvision():
    """GoogLeNet as torchvision builds it: convolutions without bias + batch norm, no auxiliary
    heads, and (as torchvision does) a 3x3 kernel in the branch the paper draws as 5x5."""
    def basic(f, c, p=0, s=1, name=None):
        return [_conv(f, c, s=s, p=p, bias=False, name=name), {"type": "bn"}]

    def inception(name, *widths):
        return {"type": "concat", "name": f"inception {name}",
                "branches": _inception_branches(*widths, k5=3, basic=basic)}

    layers = basic(7, 64, 3, 2, "conv1 7x7/2") + [_pool(3, 2, ceil=True, name="pool1")]
    layers += basic(1, 64, 0, 1, "conv2 1x1") + basic(3, 192, 1, 1, "conv3 3x3") + [_pool(3, 2, ceil=True, name="pool2")]
    layers += [inception("3a", 64, 96, 128, 16, 32, 32), inception("3b", 128, 128, 192, 32, 96, 64),
               _pool(3, 2, ceil=True, name="pool3"),
               inception("4a", 192, 96, 208, 16, 48, 64), inception("4b", 160, 112, 224, 24, 64, 64),
               inception("4c", 128, 128, 256, 24, 64, 64), inception("4d", 112, 144, 288, 32, 64, 64),
               inception("4e", 256, 160, 320, 32, 128, 128), _pool(2, 2, ceil=True, name="pool4"),
               inception("5a", 256, 160, 320, 32, 128, 128), inception("5b", 384, 192, 384, 48, 128, 128),
               {"type": "gap", "name": "global average pool"}, {"type": "dropout"}, _fc(1000, "fc")]
    return layers, (3, 224, 224)


def _bn_conv(f, c, s=1, p=0):
    return [_conv(f, c, s=s, p=p, bias=False), {"type": "bn"}]


def _stem():
    return (_bn_conv(7, 64, 2, 3) + [{"type": "relu"}, _pool(3, 2, p=1, name="maxpool 3x3/2")])


def resnet18():
    """ResNet-18 (He et al. 2015, torchvision layout): basic blocks of two 3x3 convolutions."""
    layers = _stem()
    layers[0]["name"] = "conv1 7x7/2"
    c_in = 64
    for stage, width in enumerate([64, 128, 256, 512], start=2):
        for i in range(2):
            stride = 2 if (i == 0 and stage > 2) else 1
            body = _bn_conv(3, width, stride, 1) + [{"type": "relu"}] + _bn_conv(3, width, 1, 1)
            shortcut = _bn_conv(1, width, stride) if (stride != 1 or c_in != width) else []
            layers.append({"type": "residual", "name": f"conv{stage}_{i + 1} basic block", "body": body,
                           "shortcut": shortcut})
            c_in = width
    layers += [{"type": "gap", "name": "global average pool"}, _fc(1000, "fc")]
    return layers, (3, 224, 224)


def resnet50():
    """ResNet-50 (torchvision layout: the stride sits on the 3x3 convolution of a bottleneck)."""
    layers = _stem()
    layers[0]["name"] = "conv1 7x7/2"
    c_in = 64
    for stage, (width, repeat) in enumerate([(64, 3), (128, 4), (256, 6), (512, 3)], start=2):
        for i in range(repeat):
            stride = 2 if (i == 0 and stage > 2) else 1
            body = (_bn_conv(1, width) + [{"type": "relu"}] + _bn_conv(3, width, stride, 1) + [{"type": "relu"}]
                    + _bn_conv(1, 4 * width))
            shortcut = _bn_conv(1, 4 * width, stride) if (stride != 1 or c_in != 4 * width) else []
            layers.append({"type": "residual", "name": f"conv{stage}_{i + 1} bottleneck", "body": body,
                           "shortcut": shortcut})
            c_in = 4 * width
    layers += [{"type": "gap", "name": "global average pool"}, _fc(1000, "fc")]
    return layers, (3, 224, 224)


ARCHITECTURES = {
    "LeNet-5": lenet5,
    "AlexNet (published)": alexnet_published,
    "AlexNet (torchvision)": alexnet_torchvision,
    "VGG16": vgg16,
    "Inception module (3a)": inception_module,
    "GoogLeNet (torchvision)": googlenet_torchvision,
    "ResNet-18": resnet18,
    "ResNet-50": resnet50,
}


def architecture(name):
    """(layers, input_shape) of a named network (a fresh copy: edit it freely)."""
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {name!r}; choose one of {', '.join(ARCHITECTURES)}")
    layers, shape = ARCHITECTURES[name]()
    return copy.deepcopy(layers), shape


# =========================================================================== pure logic: conv
def _fmt(n):
    return f"{n:,}"


def _error_text(exc):
    return str(exc)


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
        state["error"] = _error_text(exc)
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
        f'<p>Parameters: <b><span class="conv-params">{_fmt(state["params"])}</span></b> '
        f'= ({state["f"]}*{state["f"]}*{c_in} + 1) * {c_out}</p>',
        f'<p>Multiply-adds: <b><span class="conv-mult-adds">{_fmt(state["mult_adds"])}</span></b> '
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
             f"parameters {_fmt(state['params'])}", f"multiply-adds {_fmt(state['mult_adds'])}"]
    if state["warning"]:
        lines.append("warning: " + state["warning"])
    return "\n".join(lines)


# =========================================================================== pure logic: pooling
def pool_state(n, f, s):
    """What the pooling explorer shows: ``ok``, ``error``, ``out``, ``formula``, ``leftover``, ``warning``,
    and ``params`` (always 0: pooling learns nothing)."""
    state = {"n": n, "f": f, "s": s, "ok": False, "error": None, "out": None, "formula": None,
             "leftover": 0, "warning": None, "params": 0}
    try:
        out = _ref.pool_output_size(n, f, s)
    except ValueError as exc:
        state["error"] = _error_text(exc)
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


# =========================================================================== pure logic: tables
def architecture_rows(layers, input_shape):
    """``summarize``'s rows, each with a display ``name`` added; raises ValueError for bad layers."""
    rows = _ref.summarize(layers, input_shape)
    named = []
    for i, (layer, row) in enumerate(zip(layers, rows)):
        named.append(dict(row, name=layer.get("name") or f"{i}: {layer['type']}"))
    return named


def totals(rows):
    return sum(r["params"] for r in rows), sum(r["mult_adds"] for r in rows)


def _shape_words(shape):
    return " x ".join(str(v) for v in shape)


def table_html(rows, input_shape, title=None, published=None):
    """An HTML table of ``architecture_rows`` with totals (and the published count, if given)."""
    params, mult_adds = totals(rows)
    head = f"<p><b>{html.escape(title)}</b></p>" if title else ""
    body = [f"<tr><td>input</td><td></td><td>{_shape_words(input_shape)}</td><td></td><td></td></tr>"]
    for r in rows:
        body.append(f"<tr><td>{html.escape(r['name'])}</td><td>{r['type']}</td><td>{_shape_words(r['output_shape'])}</td>"
                    f"<td style='text-align:right'>{_fmt(r['params'])}</td>"
                    f"<td style='text-align:right'>{_fmt(r['mult_adds'])}</td></tr>")
    body.append(f"<tr><td><b>total</b></td><td></td><td></td>"
                f"<td style='text-align:right'><b class='arch-total-params'>{_fmt(params)}</b></td>"
                f"<td style='text-align:right'><b class='arch-total-mult-adds'>{_fmt(mult_adds)}</b></td></tr>")
    note = ""
    if published is not None:
        verdict = "matches" if published == params else f"differs by {_fmt(params - published)} from"
        note = f"<p class='arch-published'>Published count {_fmt(published)}: the total {verdict} it.</p>"
    return (head + "<table class='arch-table'><thead><tr><th>layer</th><th>type</th><th>output (C x H x W)</th>"
            "<th>parameters</th><th>multiply-adds</th></tr></thead><tbody>" + "".join(body) + "</tbody></table>" + note)


def table_text(rows, input_shape):
    """The same table as plain text."""
    params, mult_adds = totals(rows)
    width = max([len(r["name"]) for r in rows] + [5])
    lines = [f"{'layer':<{width}}  {'output':>16}  {'parameters':>13}  {'multiply-adds':>15}",
             f"{'input':<{width}}  {_shape_words(input_shape):>16}"]
    for r in rows:
        lines.append(f"{r['name']:<{width}}  {_shape_words(r['output_shape']):>16}  {_fmt(r['params']):>13}  "
                     f"{_fmt(r['mult_adds']):>15}")
    lines.append(f"{'total':<{width}}  {'':>16}  {_fmt(params):>13}  {_fmt(mult_adds):>15}")
    return "\n".join(lines)


def architecture_state(layers, input_shape, title=None, published=None):
    """``{"ok", "error", "rows", "html", "text"}`` for a network (an error message for bad layers)."""
    try:
        rows = architecture_rows(layers, input_shape)
    except ValueError as exc:
        message = _error_text(exc)
        return {"ok": False, "error": message, "rows": None, "text": f"Invalid network: {message}",
                "html": f"<p class='arch-error' style='color:#b00'>Invalid network: {html.escape(message)}</p>"}
    return {"ok": True, "error": None, "rows": rows, "text": table_text(rows, input_shape),
            "html": table_html(rows, input_shape, title, published)}


# =========================================================================== the widgets
class _Explorer:
    """Displays as the widget box in JupyterLab and as static HTML elsewhere."""

    box = None

    def static_html(self) -> str:
        raise NotImplementedError

    def static_text(self) -> str:
        raise NotImplementedError

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        bundle = {}
        if self.box is not None:
            widget_bundle = self.box._repr_mimebundle_(include=include, exclude=exclude, **kwargs)
            if isinstance(widget_bundle, tuple):
                widget_bundle = widget_bundle[0]
            bundle.update(widget_bundle or {})
        bundle["text/html"] = self.static_html()
        bundle["text/plain"] = self.static_text()
        return bundle


def _ipywidgets():
    try:
        import ipywidgets
    except ImportError:  # pragma: no cover - the course environment has ipywidgets
        return None
    return ipywidgets


class ConvExplorer(_Explorer):
    """Sliders for a convolution layer; ``values()`` is the current setting."""

    def __init__(self, n=7, f=3, p=0, s=1, d=1, c_in=3, c_out=8):
        self._values = {"n": n, "f": f, "p": p, "s": s, "d": d, "c_in": c_in, "c_out": c_out}
        w = _ipywidgets()
        if w is None:
            return
        style = {"description_width": "140px"}
        layout = w.Layout(width="380px")

        def slider(key, label, lo, hi):
            control = w.IntSlider(value=self._values[key], min=lo, max=hi, description=label,
                                  continuous_update=True, style=style, layout=layout)
            control.add_class(f"conv-slider-{key}")
            control.observe(lambda change, key=key: self._set(key, change["new"]), names="value")
            return control

        self.sliders = {
            "n": slider("n", "input size n", 1, 64), "f": slider("f", "kernel f", 1, 11),
            "p": slider("p", "padding p", 0, 10), "s": slider("s", "stride s", 1, 6),
            "d": slider("d", "dilation d", 1, 4), "c_in": slider("c_in", "input channels", 1, 512),
            "c_out": slider("c_out", "filters (out channels)", 1, 512)}
        valid = w.Button(description="valid: p = 0", layout=w.Layout(width="130px"))
        same = w.Button(description="same: p = d(f-1)/2", layout=w.Layout(width="170px"))
        valid.add_class("conv-valid")
        same.add_class("conv-same")
        valid.on_click(lambda _: self._padding("valid"))
        same.on_click(lambda _: self._padding("same"))
        self.readout = w.HTML(layout=w.Layout(flex="1 1 auto", min_width="280px", max_width="640px"))
        self.readout.add_class("conv-readout-box")
        self.drawing = w.HTML()
        self.message = w.HTML()
        self.message.add_class("conv-message")
        controls = w.VBox([*self.sliders.values(), w.HBox([valid, same]), self.message],
                          layout=w.Layout(flex="0 0 auto", width="400px"))
        self.box = w.VBox([w.HBox([controls, self.readout]), self.drawing])
        self.box.add_class("conv-explorer")
        self._refresh()

    def values(self):
        return dict(self._values)

    def state(self):
        return conv_state(**self._values)

    def _set(self, key, value):
        self._values[key] = value
        self._refresh()

    def _padding(self, mode):
        if mode == "valid":
            self.sliders["p"].value = 0
            self.message.value = ""
            return
        f, d = self._values["f"], self._values["d"]
        if f % 2 == 0:
            self.message.value = (f"<span class='conv-error' style='color:#b00'>No same padding for an even kernel: "
                                  f"f = {f} would need {d * (f - 1) / 2:g} pixels per side. Use an odd f.</span>")
            return
        self.message.value = ""
        self.sliders["p"].value = min(self.sliders["p"].max, d * (f - 1) // 2)

    def _refresh(self):
        state = self.state()
        self.readout.value = conv_html(state)
        v = self._values
        self.drawing.value = conv_svg(v["n"], v["f"], v["p"], v["s"], v["d"])

    def static_html(self):
        v = self._values
        return ("<div class='conv-explorer-static'><p><i>Convolution explorer (static view): "
                + ", ".join(f"{k} = {val}" for k, val in v.items()) + "</i></p>"
                + conv_html(self.state()) + conv_svg(v["n"], v["f"], v["p"], v["s"], v["d"]) + "</div>")

    def static_text(self):
        return "Convolution explorer: " + ", ".join(f"{k}={val}" for k, val in self._values.items()) + "\n" + conv_text(self.state())


class PoolExplorer(_Explorer):
    def __init__(self, n=8, f=2, s=2):
        self._values = {"n": n, "f": f, "s": s}
        w = _ipywidgets()
        if w is None:
            return
        style = {"description_width": "120px"}

        def slider(key, label, lo, hi):
            control = w.IntSlider(value=self._values[key], min=lo, max=hi, description=label, style=style)
            control.add_class(f"pool-slider-{key}")
            control.observe(lambda change, key=key: self._set(key, change["new"]), names="value")
            return control

        self.sliders = {"n": slider("n", "input size n", 1, 64), "f": slider("f", "window f", 1, 8),
                        "s": slider("s", "stride s", 1, 8)}
        self.readout = w.HTML()
        self.drawing = w.HTML()
        self.box = w.VBox([w.HBox([w.VBox(list(self.sliders.values())), self.readout]), self.drawing])
        self.box.add_class("pool-explorer")
        self._refresh()

    def values(self):
        return dict(self._values)

    def state(self):
        return pool_state(**self._values)

    def _set(self, key, value):
        self._values[key] = value
        self._refresh()

    def _refresh(self):
        v = self._values
        self.readout.value = pool_html(self.state())
        self.drawing.value = pool_svg(v["n"], v["f"], v["s"])

    def static_html(self):
        v = self._values
        return ("<div class='pool-explorer-static'>" + pool_html(self.state()) + pool_svg(v["n"], v["f"], v["s"]) + "</div>")

    def static_text(self):
        state = self.state()
        return f"Pooling explorer: {self._values}\n" + (state["formula"] if state["ok"] else "Invalid setting: " + state["error"])


EDITABLE = {"conv": ("f", "c_out", "s", "p"), "pool": ("f", "s"), "fc": ("units",)}


class ArchitectureExplorer(_Explorer):
    """A network's table; pick a layer, change its numbers, and the table (shapes, counts) follows."""

    def __init__(self, name="LeNet-5"):
        self.name = name
        self.layers, self.input_shape = architecture(name)
        w = _ipywidgets()
        if w is None:
            return
        self.choice = w.Dropdown(options=list(ARCHITECTURES), value=name, description="network")
        self.choice.add_class("arch-choice")
        self.layer = w.Dropdown(description="layer")
        self.layer.add_class("arch-layer")
        self.fields = {}
        for key in ("f", "c_out", "s", "p", "units"):
            field = w.BoundedIntText(value=1, min=0, max=100_000, description=key, layout=w.Layout(width="180px"))
            field.add_class(f"arch-field-{key}")
            field.observe(lambda change, key=key: self._edit(key, change["new"]), names="value")
            self.fields[key] = field
        reset = w.Button(description="reset network")
        reset.on_click(lambda _: self._load(self.choice.value))
        self.table = w.HTML()
        self.table.add_class("arch-table-box")
        self.choice.observe(lambda change: self._load(change["new"]), names="value")
        self.layer.observe(lambda change: self._show_fields(), names="value")
        self.box = w.VBox([w.HBox([self.choice, reset]), self.layer, w.HBox(list(self.fields.values())), self.table])
        self.box.add_class("arch-explorer")
        self._updating = False
        self._load(name)

    def edit(self, index, **changes):
        """Change layer ``index`` (e.g. ``edit(0, c_out=16)``) and refresh the table."""
        self.layers[index].update(changes)
        if self.box is not None:
            self._refresh()
        return self.state()

    def state(self):
        published = PUBLISHED_PARAMS.get(self.name)
        return architecture_state(self.layers, self.input_shape, self.name, published)

    def _load(self, name):
        self.name = name
        self.layers, self.input_shape = architecture(name)
        options = [(layer.get("name") or f"{i}: {layer['type']}", i) for i, layer in enumerate(self.layers)
                   if layer["type"] in EDITABLE]
        self._updating = True
        self.layer.options = options
        self.layer.value = options[0][1] if options else None
        self._updating = False
        self._show_fields()
        self._refresh()

    def _show_fields(self):
        index = self.layer.value
        self._updating = True
        for key, field in self.fields.items():
            layer = self.layers[index] if index is not None else {}
            editable = key in EDITABLE.get(layer.get("type"), ())
            field.layout.display = "" if editable else "none"
            if editable:
                default = {"s": layer.get("f", 1) if layer["type"] == "pool" else 1, "p": 0}.get(key, 1)
                field.value = layer.get(key, default)
        self._updating = False

    def _edit(self, key, value):
        if self._updating or self.layer.value is None:
            return
        self.layers[self.layer.value][key] = value
        self._refresh()

    def _refresh(self):
        self.table.value = self.state()["html"]

    def static_html(self):
        return "<div class='arch-explorer-static'>" + self.state()["html"] + "</div>"

    def static_text(self):
        return f"{self.name}\n" + self.state()["text"]


def conv_explorer(**initial):
    """A convolution explorer (display it as the last expression of a cell)."""
    return ConvExplorer(**initial)


def pool_explorer(**initial):
    return PoolExplorer(**initial)


def architecture_explorer(name="LeNet-5"):
    return ArchitectureExplorer(name)
