"""The explorers of notebook 08 without a browser: the pure functions behind them (numbers, formula
text, warnings, SVG), the ipywidgets wiring (moving a slider updates the read-out), and the static
HTML/text form that stands in for the widgets where they are not rendered."""

import re
import xml.etree.ElementTree as ET

import pytest

import checker.reference.shapes as ref
from checker import widgets as W

SETTINGS = [(n, f, p, s, d) for n in (1, 5, 8, 13) for f in (1, 3, 4) for p in (0, 1, 2) for s in (1, 2, 3) for d in (1, 2)]


def _covered(n, f, p, s, d):
    """Cells of the padded row that some window position touches, by enumeration."""
    span, padded = d * (f - 1) + 1, n + 2 * p
    cells = set()
    for start in range(0, padded - span + 1, s):
        cells.update(range(start, start + span))
    return cells, padded


@pytest.mark.parametrize("n, f, p, s, d", SETTINGS)
def test_conv_state_numbers_formula_and_warning(n, f, p, s, d):
    state = W.conv_state(n, f, p, s, d, c_in=3, c_out=5)
    span = d * (f - 1) + 1
    if span > n + 2 * p:
        assert not state["ok"] and "larger than the padded input" in state["error"]
        assert "Invalid setting" in W.conv_html(state) and "Traceback" not in W.conv_html(state)
        return
    out = ref.conv_output_size(n, f, p, s, d)
    assert state["ok"] and state["error"] is None
    assert state["out"] == out
    assert state["params"] == ref.conv_params(f, 3, 5)
    assert state["mult_adds"] == out * out * 5 * f * f * 3
    # the formula with the numbers put in, ending in the result
    assert f"({n} + 2*{p} - {d}*({f} - 1) - 1) / {s}" in state["formula"]
    assert state["formula"].endswith(f"= {out}")
    # the warning appears exactly when the stride leaves the end of the padded input unvisited
    cells, padded = _covered(n, f, p, s, d)
    rightmost = max(cells) + 1
    assert state["leftover"] == padded - rightmost
    assert (state["warning"] is not None) == (padded - rightmost > 0)
    real_unused = sum(1 for c in range(rightmost, padded) if p <= c < p + n)
    assert state["unused_pixels"] == real_unused
    if state["warning"]:
        assert f"Stride {s}" in state["warning"] and "never covered" in state["warning"]


@pytest.mark.parametrize("args, words", [
    ((3, 5, 0, 1), "larger than the padded input"),
    ((8, 3, 0, 0), "s must be positive"),
    ((8, 3, -1, 1), "p must be zero or positive"),
    ((8.5, 3, 0, 1), "n must be an integer"),
])
def test_invalid_settings_give_a_message_not_a_traceback(args, words):
    state = W.conv_state(*args)
    assert not state["ok"] and words in state["error"]
    html = W.conv_html(state)
    assert "conv-error" in html and words in html
    svg = W.conv_svg(*args)
    ET.fromstring(svg)  # still well-formed
    assert words in svg


@pytest.mark.parametrize("n, f, p, s, d", [(7, 3, 1, 2, 1), (8, 3, 0, 2, 1), (10, 3, 2, 1, 2), (5, 5, 0, 1, 1), (60, 3, 1, 1, 1)])
def test_conv_svg_draws_the_padded_grid_and_the_kernel_positions(n, f, p, s, d):
    svg = W.conv_svg(n, f, p, s, d, max_cells=40)
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    out = ref.conv_output_size(n, f, p, s, d)
    shown = min(n + 2 * p, 40)
    rects = root.findall(f"{ns}rect")
    pads = [r for r in rects if r.get("class") == "cell-pad"]
    inputs = [r for r in rects if r.get("class") == "cell-in"]
    taps = [r for r in rects if r.get("class") == "kernel-tap"]
    starts = root.findall(f"{ns}circle")
    visible = len([i for i in range(out) if i * s < shown])
    assert len(starts) == visible ** 2
    assert len(pads) + len(inputs) == shown * shown
    if shown == n + 2 * p:
        assert len(inputs) == n * n and len(pads) == (n + 2 * p) ** 2 - n * n
    assert len(taps) == len([i for i in range(f) if i * d < shown]) ** 2
    assert root.get("data-out") == str(out)


def test_pool_state_and_svg():
    for n in range(1, 20):
        for f in (1, 2, 3, 4):
            for s in (1, 2, 3):
                state = W.pool_state(n, f, s)
                if f > n:
                    assert not state["ok"] and "larger" in state["error"]
                    continue
                assert state["out"] == ref.pool_output_size(n, f, s) and state["params"] == 0
                assert (state["warning"] is not None) == ((n - f) % s != 0)
                assert state["formula"].endswith(f"= {state['out']}")
    ET.fromstring(W.pool_svg(9, 3, 2))
    assert 'class="pool-drawing"' in W.pool_svg(9, 3, 2)


@pytest.mark.parametrize("name", list(W.ARCHITECTURES))
def test_architecture_tables(name):
    layers, shape = W.architecture(name)
    state = W.architecture_state(layers, shape, name, W.PUBLISHED_PARAMS.get(name))
    rows = ref.summarize(layers, shape)
    params = sum(r["params"] for r in rows)
    assert state["ok"]
    assert [r["params"] for r in state["rows"]] == [r["params"] for r in rows]
    assert re.search(rf"arch-total-params'>{params:,}<", state["html"])
    assert f"{params:,}" in state["text"].splitlines()[-1]
    if name in W.PUBLISHED_PARAMS:
        assert "matches" in state["html"]
    assert len(state["text"].splitlines()) == len(rows) + 3


def test_architecture_state_reports_a_broken_network():
    layers, shape = W.architecture("LeNet-5")
    layers[2]["f"] = 20  # a 20 x 20 kernel on a 14 x 14 map
    state = W.architecture_state(layers, shape)
    assert not state["ok"] and "larger than the padded input" in state["error"]
    assert "arch-error" in state["html"] and "Traceback" not in state["html"]


def test_architecture_returns_fresh_copies():
    a, _ = W.architecture("VGG16")
    a[0]["c_out"] = 1
    assert W.architecture("VGG16")[0][0]["c_out"] == 64
    with pytest.raises(ValueError, match="unknown architecture"):
        W.architecture("ResNet-1001")


# =========================================================================== the widgets themselves
def _number(html, css):
    match = re.search(rf'class="{css}">([\d,]+)<', html)
    assert match, f"no {css} in {html}"
    return int(match.group(1).replace(",", ""))


def test_conv_explorer_follows_its_sliders_and_buttons():
    explorer = W.conv_explorer(n=7, f=3, p=0, s=1, c_in=3, c_out=8)
    assert _number(explorer.readout.value, "conv-output-size") == 5
    explorer.sliders["n"].value = 32
    explorer.sliders["s"].value = 2
    assert _number(explorer.readout.value, "conv-output-size") == ref.conv_output_size(32, 3, 0, 2)
    assert "conv-warning" in explorer.readout.value  # (32 - 3) is odd: stride 2 leaves a column
    explorer.sliders["c_out"].value = 10
    assert _number(explorer.readout.value, "conv-params") == ref.conv_params(3, 3, 10)
    explorer.sliders["f"].value = 5
    explorer._padding("same")
    assert explorer.values()["p"] == 2
    explorer.sliders["f"].value = 4
    explorer._padding("same")
    assert "even kernel" in explorer.message.value and explorer.values()["p"] == 2
    explorer._padding("valid")
    assert explorer.values()["p"] == 0
    explorer.sliders["n"].value = 2
    assert "conv-error" in explorer.readout.value and "larger" in explorer.readout.value


def test_explorers_carry_a_static_form_next_to_the_widget_view():
    for explorer, css in [(W.conv_explorer(n=8, f=3, s=2), "conv-output-size"), (W.pool_explorer(n=9, f=3, s=2), "pool-output-size"),
                          (W.architecture_explorer("AlexNet (published)"), "arch-total-params")]:
        bundle = explorer._repr_mimebundle_()
        assert "model_id" in bundle["application/vnd.jupyter.widget-view+json"]
        assert css in bundle["text/html"] and bundle["text/plain"]
    bundle = W.conv_explorer(n=8, f=3, s=2)._repr_mimebundle_()
    assert _number(bundle["text/html"], "conv-output-size") == 3
    assert "never covered" in bundle["text/plain"]


def test_architecture_explorer_updates_after_an_edit():
    explorer = W.architecture_explorer("LeNet-5")
    before = explorer.state()["rows"]
    explorer.layer.value = 0
    explorer.fields["c_out"].value = 16  # C1 with 16 filters instead of 6
    after = explorer.state()["rows"]
    assert after[0]["params"] == ref.conv_params(5, 1, 16) and after[0]["output_shape"] == (16, 28, 28)
    assert after[2]["params"] == ref.conv_params(5, 16, 16) != before[2]["params"]
    assert f"{sum(r['params'] for r in after):,}" in explorer.table.value
    explorer.choice.value = "ResNet-50"
    assert "25,557,032" in explorer.table.value
    explorer.edit(len(explorer.layers) - 1, units=10)
    assert f"{25_557_032 - 2049 * 990:,}" in explorer.table.value
    explorer.edit(0, f=300)
    assert "arch-error" in explorer.table.value


@pytest.mark.slow
def test_exported_html_shows_the_static_tables(tmp_path):
    """Executed and exported without the widget state (as where widgets are not rendered), the
    explorers' static tables are in the page."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from nbconvert import HTMLExporter

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from checker.widgets import conv_explorer, architecture_explorer\n"
                                          "conv_explorer(n=8, f=3, p=0, s=2)"),
                nbformat.v4.new_code_cell("architecture_explorer('VGG16')")]
    nbclient.NotebookClient(nb, timeout=60, kernel_name="python3", store_widget_state=False).execute()
    body, _ = HTMLExporter().from_notebook_node(nb)
    assert body.count("conv-explorer-static") == 1 and body.count("arch-explorer-static") == 1
    assert "138,357,544" in body and "never covered" in body
