"""A check's result: pass/fail at a glance, then each cause with its evidence.

Renders as HTML in JupyterLab (``_repr_html_``) and as plain text in a terminal
(``print(report)``), in the current language.
"""

from __future__ import annotations

import html

from checker.i18n import Text, get_language, render


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
        return Text(key, task=self.task_id, passed=self.cases_passed, total=self.cases_total,
                    score=f"{self.score:.2f}").render(lang)

    # ------------------------------------------------------------------ text
    def text(self, lang: str | None = None) -> str:
        lang = lang or get_language()
        mark = "PASS" if self.passed else "FAIL"
        lines = [f"[{mark}] {self._headline(lang)}"]
        for finding in self.findings:
            if finding.code == "ok":
                continue
            lines.append(f"  - [{finding.code}] {render(finding.text, lang)}")
            if finding.cases:
                lines.append(f"    {Text('label.case').render(lang)}: {render(finding.cases[0], lang)}")
                if len(finding.cases) > 1:
                    others = ", ".join(render(c, lang) for c in finding.cases[1:4])
                    lines.append(f"    {Text('label.also_in').render(lang)}: {others}")
            if finding.detail:
                lines += ["    " + line for line in finding.detail.splitlines()]
            if finding.where:
                lines.append(f"    {Text('label.where').render(lang)}: {finding.where}")
            if finding.expected is not None or finding.got is not None:
                lines.append(f"    {Text('label.expected').render(lang)}: " + _indent(finding.expected))
                lines.append(f"    {Text('label.got').render(lang)}: " + _indent(finding.got))
            if finding.hint_text is not None:
                lines.append(f"    {Text('label.hint').render(lang)}: {render(finding.hint_text, lang)}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return self.text()

    # ------------------------------------------------------------------ HTML
    def _repr_html_(self) -> str:
        return self.html()

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
        for finding in self.findings:
            if finding.code == "ok":
                continue
            tone = "#555" if not finding.failing else colour
            parts.append('<div class="checker-finding" style="margin-top:8px">')
            parts.append(f'<code style="color:{tone};font-weight:600">{esc(finding.code)}</code> '
                         f'{esc(render(finding.text, lang))}')
            if finding.cases:
                case = esc(render(finding.cases[0], lang))
                parts.append(f'<div><b>{esc(Text("label.case").render(lang))}:</b> {case}</div>')
                if len(finding.cases) > 1:
                    others = esc(", ".join(render(c, lang) for c in finding.cases[1:4]))
                    parts.append(f'<div style="color:#555">{esc(Text("label.also_in").render(lang))}: {others}</div>')
            if finding.detail:
                parts.append(f'<pre style="margin:4px 0;background:#fff;padding:4px">{esc(finding.detail)}</pre>')
            if finding.expected is not None or finding.got is not None:
                parts.append(
                    '<div style="overflow-x:auto;max-width:100%"><table style="border-collapse:collapse;margin:4px 0;font-size:12px"><tr>'
                    f'<th style="text-align:left;padding:2px 8px">{esc(Text("label.expected").render(lang))}</th>'
                    f'<th style="text-align:left;padding:2px 8px">{esc(Text("label.got").render(lang))}</th></tr><tr>'
                    f'<td style="vertical-align:top;padding:2px 8px"><pre style="margin:0">{esc(finding.expected or "")}</pre></td>'
                    f'<td style="vertical-align:top;padding:2px 8px"><pre style="margin:0">{esc(finding.got or "")}</pre></td>'
                    "</tr></table></div>"
                )
            if finding.where:
                parts.append(f'<div>{esc(Text("label.where").render(lang))}: <code>{esc(finding.where)}</code></div>')
            if finding.hint_text is not None:
                parts.append(f'<div style="color:#333"><b>{esc(Text("label.hint").render(lang))}:</b> '
                             f'{esc(render(finding.hint_text, lang))}</div>')
            parts.append("</div>")
        parts.append("</div>")
        return "".join(parts)


def _indent(text) -> str:
    if text is None:
        return "-"
    return str(text).replace("\n", "\n      ")
