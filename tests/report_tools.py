"""Helpers for reading checker reports in tests."""


def finding(report, code):
    """The report's finding with ``code`` (the test fails, showing every finding, if there is none)."""
    for f in report.findings:
        if f.code == code:
            return f
    raise AssertionError(f"expected a {code!r} finding, got {report.codes}:\n{report.text()}")
