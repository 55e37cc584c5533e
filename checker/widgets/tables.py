"""Layer tables of a network: ``summarize``'s rows with display names, totals, and the table as
HTML (with the stable CSS classes ``arch-table``, ``arch-total-params``, ``arch-total-mult-adds``,
``arch-error``) and as plain text."""

from __future__ import annotations

import html

from checker.reference import shapes as _ref


def thousands(n):
    """``61706`` as ``61,706``."""
    return f"{n:,}"


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
                    f"<td style='text-align:right'>{thousands(r['params'])}</td>"
                    f"<td style='text-align:right'>{thousands(r['mult_adds'])}</td></tr>")
    body.append(f"<tr><td><b>total</b></td><td></td><td></td>"
                f"<td style='text-align:right'><b class='arch-total-params'>{thousands(params)}</b></td>"
                f"<td style='text-align:right'><b class='arch-total-mult-adds'>{thousands(mult_adds)}</b></td></tr>")
    note = ""
    if published is not None:
        verdict = "matches" if published == params else f"differs by {thousands(params - published)} from"
        note = f"<p class='arch-published'>Published count {thousands(published)}: the total {verdict} it.</p>"
    return (head + "<table class='arch-table'><thead><tr><th>layer</th><th>type</th><th>output (C x H x W)</th>"
            "<th>parameters</th><th>multiply-adds</th></tr></thead><tbody>" + "".join(body) + "</tbody></table>" + note)


def table_text(rows, input_shape):
    """The same table as plain text."""
    params, mult_adds = totals(rows)
    width = max([len(r["name"]) for r in rows] + [5])
    lines = [f"{'layer':<{width}}  {'output':>16}  {'parameters':>13}  {'multiply-adds':>15}",
             f"{'input':<{width}}  {_shape_words(input_shape):>16}"]
    for r in rows:
        lines.append(f"{r['name']:<{width}}  {_shape_words(r['output_shape']):>16}  {thousands(r['params']):>13}  "
                     f"{thousands(r['mult_adds']):>15}")
    lines.append(f"{'total':<{width}}  {'':>16}  {thousands(params):>13}  {thousands(mult_adds):>15}")
    return "\n".join(lines)


def architecture_state(layers, input_shape, title=None, published=None):
    """``{"ok", "error", "rows", "html", "text"}`` for a network (an error message for bad layers)."""
    try:
        rows = architecture_rows(layers, input_shape)
    except ValueError as exc:
        message = str(exc)
        return {"ok": False, "error": message, "rows": None, "text": f"Invalid network: {message}",
                "html": f"<p class='arch-error' style='color:#b00'>Invalid network: {html.escape(message)}</p>"}
    return {"ok": True, "error": None, "rows": rows, "text": table_text(rows, input_shape),
            "html": table_html(rows, input_shape, title, published)}
