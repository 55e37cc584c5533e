"""Execute notebooks with a real kernel and read back what the checker reported."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import nbclient
import nbformat

REPORT_MARKER = "CHECKER-REPORTS:"
CHECK_CALL = re.compile(r"""check\(\s*["']([a-z0-9_]+\.[A-Za-z0-9_]+)["']""")

_PROBE = f"""
import json as _json
import checker.engine as _engine
print({REPORT_MARKER!r} + _json.dumps([
    {{"task": r.task_id, "passed": r.passed, "score": r.score, "codes": r.codes}}
    for r in _engine.session_reports()
]))
"""


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


def execute(path: Path, cwd: Path, timeout: int = 300, env: dict | None = None):
    """Run every cell; returns (executed notebook, reports by task id, seconds).

    Raises nbclient's CellExecutionError on an uncaught error in any cell."""
    nb = nbformat.read(str(path), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(_PROBE))
    client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                     resources={"metadata": {"path": str(cwd)}})
    start = time.perf_counter()
    if env is not None:
        client.execute(env=env)  # passed on to the kernel's process
    else:
        client.execute()
    seconds = time.perf_counter() - start
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
    line = next(l for l in text.splitlines() if l.startswith(REPORT_MARKER))
    reports = {}
    for entry in json.loads(line[len(REPORT_MARKER):]):
        reports.setdefault(entry["task"], []).append(entry)
    return nb, reports, seconds
