"""Execute notebooks with a real kernel and read what each check cell reported."""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbclient
import nbformat

CHECK_CALL = re.compile(r"""check\(\s*["']([a-z0-9_]+\.[A-Za-z0-9_]+)["']""")
REPORT_TAG = re.compile(r'<div class="checker-report" data-task="([^"]*)" data-passed="(true|false)" data-codes="([^"]*)"')


def graded_checks(nb) -> dict[str, str]:
    """grade_id -> task id for every graded (nbgrader test) cell that calls check()."""
    found = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            match = CHECK_CALL.search(cell.source)
            if match:
                found[meta["grade_id"]] = match.group(1)
    return found


def cell_reports(cell) -> list[dict]:
    """The checker reports a cell displayed, read from its HTML outputs."""
    reports = []
    for output in cell.get("outputs", []):
        html = output.get("data", {}).get("text/html", "")
        for task, passed, codes in REPORT_TAG.findall(html):
            reports.append({"task": task, "passed": passed == "true", "codes": codes.split()})
    return reports


def graded_reports(nb) -> dict[str, dict]:
    """grade_id -> the report shown by that graded check cell."""
    found = {}
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        reports = cell_reports(cell) if cell.cell_type == "code" else []
        if grade_id and reports:
            found[grade_id] = reports[-1]
    return found


def execute(path: Path, cwd: Path, timeout: int = 300, env: dict | None = None):
    """Run every cell; returns (executed notebook, seconds).

    Raises nbclient's CellExecutionError on an uncaught error in any cell."""
    nb = nbformat.read(str(path), as_version=4)
    client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                     resources={"metadata": {"path": str(cwd)}})
    start = time.perf_counter()
    if env is not None:
        client.execute(env=env)  # passed on to the kernel's process
    else:
        client.execute()
    return nb, time.perf_counter() - start
