"""Interactive explorers for notebook 08 (CNN arithmetic), and the architectures they show.

Three explorers, each an object that displays as an ipywidgets view in JupyterLab and, where
widgets are not rendered (exported HTML, nbgrader feedback), as a static HTML table of its
current state:

- ``conv_explorer()``: input size, kernel, padding (valid/same buttons), stride, dilation and
  channels -> output size with the formula filled in, parameters, multiply-adds, and an SVG
  drawing of the padded input with the positions the kernel visits;
- ``pool_explorer()``: the same for a pooling window;
- ``architecture_explorer()``: a network's layer table (shape, parameters, multiply-adds,
  totals); change one layer and the table follows.

The logic lives in pure functions that return numbers and strings (``conv``: ``conv_state``,
``conv_svg``, ``pool_state``, ``pool_svg`` and their read-outs; ``tables``: ``architecture_rows``,
``table_html``, ``table_text``, ``architecture_state``); ``explorers`` only wires them to sliders.
The networks come from ``checker.architectures``.

Stable CSS classes for tests and styling: ``conv-output-size``, ``conv-formula``, ``conv-params``,
``conv-mult-adds``, ``conv-warning``, ``conv-error``, ``conv-drawing``, ``pool-output-size``,
``pool-formula``, ``pool-warning``, ``pool-error``, ``arch-table``, ``arch-total-params``,
``arch-total-mult-adds``, ``arch-error``.
"""

from checker.architectures import ARCHITECTURES, PUBLISHED_PARAMS, architecture
from checker.widgets.conv import conv_html, conv_state, conv_svg, conv_text, pool_html, pool_state, pool_svg
from checker.widgets.explorers import (EDITABLE, ArchitectureExplorer, ConvExplorer, PoolExplorer,
                                       architecture_explorer, conv_explorer, pool_explorer)
from checker.widgets.tables import architecture_rows, architecture_state, table_html, table_text, thousands, totals

__all__ = [
    "ARCHITECTURES", "PUBLISHED_PARAMS", "architecture",
    "conv_state", "conv_svg", "conv_html", "conv_text", "pool_state", "pool_svg", "pool_html",
    "architecture_rows", "architecture_state", "table_html", "table_text", "thousands", "totals",
    "ConvExplorer", "PoolExplorer", "ArchitectureExplorer", "EDITABLE",
    "conv_explorer", "pool_explorer", "architecture_explorer",
]
