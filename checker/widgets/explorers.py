"""The explorers: ipywidgets views that call the pure functions of ``checker.widgets.conv`` and
``checker.widgets.tables`` on every change. Each displays as its widget box in JupyterLab and as
static HTML (and text) of its current state elsewhere (``_repr_mimebundle_`` carries both)."""

from __future__ import annotations

from checker.architectures import ARCHITECTURES, PUBLISHED_PARAMS, architecture
from checker.widgets.conv import conv_html, conv_state, conv_svg, conv_text, pool_html, pool_state, pool_svg
from checker.widgets.tables import architecture_state


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


class _SliderExplorer(_Explorer):
    """Integer sliders over the setting ``self._values``; ``values()`` is the current setting.
    Subclasses give ``css`` (the prefix of their CSS classes), ``state()`` and ``_refresh()``."""

    css = ""

    def _slider(self, w, key, label, lo, hi, **options):
        control = w.IntSlider(value=self._values[key], min=lo, max=hi, description=label, **options)
        control.add_class(f"{self.css}-slider-{key}")
        control.observe(lambda change, key=key: self._set(key, change["new"]), names="value")
        return control

    def values(self):
        return dict(self._values)

    def _set(self, key, value):
        self._values[key] = value
        self._refresh()

    def _refresh(self):
        raise NotImplementedError


class ConvExplorer(_SliderExplorer):
    """Sliders for a convolution layer, valid/same padding buttons, the read-out and the drawing."""

    css = "conv"

    def __init__(self, n=7, f=3, p=0, s=1, d=1, c_in=3, c_out=8):
        self._values = {"n": n, "f": f, "p": p, "s": s, "d": d, "c_in": c_in, "c_out": c_out}
        w = _ipywidgets()
        if w is None:
            return
        style = {"description_width": "140px"}
        layout = w.Layout(width="380px")

        def slider(key, label, lo, hi):
            return self._slider(w, key, label, lo, hi, continuous_update=True, style=style, layout=layout)

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

    def state(self):
        return conv_state(**self._values)

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


class PoolExplorer(_SliderExplorer):
    """Sliders for a pooling window, the read-out and the drawing."""

    css = "pool"

    def __init__(self, n=8, f=2, s=2):
        self._values = {"n": n, "f": f, "s": s}
        w = _ipywidgets()
        if w is None:
            return
        style = {"description_width": "120px"}

        def slider(key, label, lo, hi):
            return self._slider(w, key, label, lo, hi, style=style)

        self.sliders = {"n": slider("n", "input size n", 1, 64), "f": slider("f", "window f", 1, 8),
                        "s": slider("s", "stride s", 1, 8)}
        self.readout = w.HTML()
        self.drawing = w.HTML()
        self.box = w.VBox([w.HBox([w.VBox(list(self.sliders.values())), self.readout]), self.drawing])
        self.box.add_class("pool-explorer")
        self._refresh()

    def state(self):
        return pool_state(**self._values)

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
