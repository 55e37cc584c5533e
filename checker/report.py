"""A check's result: pass/fail at a glance, then each cause with its evidence.

Renders as HTML in JupyterLab (``_repr_html_``) and as plain text in a terminal
(``print(report)``), in the current language.
"""

from __future__ import annotations

import html
import re

from checker.i18n import Text, get_language, render

# Case names may hold commas ("4 x 3, float32"): the other cases of a finding are kept apart by this.
CASE_SEPARATOR = {"en": "; ", "zh": "；"}
# Expected/Got keep their numbers whole: no wrapping inside a number (JupyterLab's and nbconvert's own
# <pre> styles break anywhere), a scroll bar instead of a clipped column.
_WHOLE_LINES = "margin:0;white-space:pre;word-break:normal;overflow-wrap:normal"


class Report:
    """The outcome of ``check``.

    passed:   True when every case matches and nothing failing was found.
    score:    fraction of cases passed, in [0, 1].
    findings: list of ``Finding`` (a single ``ok`` finding when everything passed).
    """

    def __init__(self, task, passed, score, findings, cases_passed, cases_total, seconds, learner_seconds):
        self.task_id = task.id
        self.title = task.title
        self.passed = bool(passed)
        self.score = float(score)
        self.findings = findings
        self.cases_passed = cases_passed
        self.cases_total = cases_total
        self.seconds = seconds
        self.learner_seconds = learner_seconds

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def _headline(self, lang) -> str:
        key = "report.passed" if self.passed else "report.failed"
        if not self.passed and self.cases_total and self.cases_passed == self.cases_total:
            key = "report.failed_all_cases"  # every case matches, yet something else costs points
        return Text(key, task=self.task_id, passed=self.cases_passed, total=self.cases_total,
                    score=f"{self.score:.2f}").render(lang)

    def _parts(self, finding, lang) -> list[tuple[str, str, object]]:
        """``(kind, label, value)`` of a finding below its message, in the order both views show them."""
        label = {key: Text(f"label.{key}").render(lang) for key in ("case", "also_in", "where", "hint")}
        parts = []
        if finding.cases:
            parts.append(("case", label["case"], render(finding.cases[0], lang)))
            if len(finding.cases) > 1:
                parts.append(("also", label["also_in"], _other_cases(finding.cases, lang)))
        if finding.detail:
            parts.append(("detail", "", finding.detail))
        if finding.where:
            parts.append(("where", label["where"], finding.where))
        if finding.expected is not None or finding.got is not None:
            parts.append(("values", "", (finding.expected, finding.got)))
        if finding.hint_text is not None:
            parts.append(("hint", label["hint"], render(finding.hint_text, lang)))
        return parts

    # ------------------------------------------------------------------ text
    def text(self, lang: str | None = None) -> str:
        lang = lang or get_language()
        lines = [f"[{'PASS' if self.passed else 'FAIL'}] {self._headline(lang)}"]
        for finding in (f for f in self.findings if f.code != "ok"):
            lines.append(f"  - [{finding.code}] {render(finding.text, lang)}")
            for kind, label, value in self._parts(finding, lang):
                if kind == "detail":
                    lines += ["    " + line for line in value.splitlines()]
                elif kind == "values":
                    lines += [f"    {Text(f'label.{key}').render(lang)}: {_indent(part)}"
                              for key, part in zip(("expected", "got"), value)]
                else:
                    lines.append(f"    {label}: {value}")
        return "\n".join(lines)

    __str__ = __repr__ = text

    # ------------------------------------------------------------------ HTML
    def html(self, lang: str | None = None) -> str:
        lang = lang or get_language()
        colour, background, mark = ("#2e7d32", "#f1f8e9", "✔") if self.passed else ("#c62828", "#fdecea", "✘")
        esc = html.escape
        parts = [
            f'<div class="checker-report" data-task="{esc(self.task_id)}" data-passed="{str(self.passed).lower()}" '
            f'data-codes="{esc(" ".join(self.codes))}" '
            f'style="border-left:6px solid {colour};background:{background};padding:8px 12px;'
            f'margin:4px 0;font-family:system-ui,sans-serif;font-size:13px;line-height:1.45">',
            f'<div style="font-weight:600;color:{colour}">{mark} {esc(self._headline(lang))}</div>',
        ]
        for finding in (f for f in self.findings if f.code != "ok"):
            tone = "#555" if not finding.failing else colour
            parts.append(f'<div class="checker-finding" style="margin-top:8px"><code style="color:{tone};'
                         f'font-weight:600">{esc(finding.code)}</code> {_marked_up(render(finding.text, lang))}')
            for kind, label, value in self._parts(finding, lang):
                parts.append(_HTML_PART[kind](esc(label), value, lang))
            parts.append("</div>")
        parts.append("</div>")
        return "".join(parts)

    _repr_html_ = html


def _values_table(expected, got, lang) -> str:
    cells = "".join(f'<td style="vertical-align:top;padding:2px 8px"><pre style="{_WHOLE_LINES}">'
                    f'{html.escape(part or "")}</pre></td>' for part in (expected, got))
    heads = "".join(f'<th style="text-align:left;padding:2px 8px">{html.escape(Text(key).render(lang))}</th>'
                    for key in ("label.expected", "label.got"))
    return (f'<div style="overflow-x:auto;max-width:100%"><table style="border-collapse:collapse;margin:4px 0;'
            f'font-size:12px"><tr>{heads}</tr><tr>{cells}</tr></table></div>')


_HTML_PART = {  # kind -> (escaped label, value, lang) -> html
    "case": lambda label, value, lang: f"<div><b>{label}:</b> {html.escape(value)}</div>",
    "also": lambda label, value, lang: f'<div style="color:#555">{label}: {html.escape(value)}</div>',
    "detail": lambda label, value, lang: f'<pre style="margin:4px 0;background:#fff;padding:4px">{html.escape(value)}</pre>',
    "where": lambda label, value, lang: f"<div>{label}: <code>{html.escape(str(value))}</code></div>",
    "values": lambda label, value, lang: _values_table(*value, lang),
    "hint": lambda label, value, lang: f'<div style="color:#333"><b>{label}:</b> {_marked_up(value)}</div>',
}


def _other_cases(cases, lang) -> str:
    """The cases after the first, three at most, then how many more."""
    shown = CASE_SEPARATOR[lang].join(render(c, lang) for c in cases[1:4])
    return shown + (f" ({Text('label.and_more', n=len(cases) - 4).render(lang)})" if len(cases) > 4 else "")


def _marked_up(text: str) -> str:
    """Escaped text with ```code``` in backticks shown as code, as the messages mean it."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def _indent(text) -> str:
    if text is None:
        return "-"
    return str(text).replace("\n", "\n      ")
