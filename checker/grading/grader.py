"""``grade_notebook``: grade one submitted notebook in a sandboxed worker, checks run here.

    from checker.grading.grader import grade_notebook, Limits
    grade = grade_notebook(submission, source, seed=secret_seed)
    grade.tasks["check_center"].score      # 0..1; points earned = points * score
    grade.to_json() / NotebookGrade.from_json(text)   # the one serialized form (``to_dict``/``from_dict``)

API (stable; part B builds on it):

- ``grade_notebook(submission: Path, source: Path, *, seed: int, limits: Limits | None = None) -> NotebookGrade``
  ``seed`` must not be the practice seed (ValueError). Never raises because of what the submission
  contains: an unreadable submission gives every task 0 and an ``unreadable_submission`` event.
- ``NotebookGrade``: ``tasks`` (dict grade_id -> ``TaskGrade``, in source order), ``cells`` (list of
  ``CellStatus``), ``events`` (list of event dicts ``{"kind", "detail", "where"}``, see
  ``remote.event``), ``seconds``, ``seed``, ``worker_starts``; ``score``/``max_score`` (points);
  ``to_dict()``/``from_dict()`` and ``to_json()``/``from_json()``: ``{"grades": {grade_id: task}, "cells",
  "events", ...}``, the form ``course grade`` caches and its nbgrader preprocessors read.
- ``TaskGrade``: ``grade_id, task_id, function, points, score (0..1), passed, codes, text (English
  report), html (report html)``; ``earned`` = points * score.
- ``graded_tests(source) -> list[GradedTest]``: the graded check cells of a source notebook.

Event kinds: ``sandbox_denied`` (an operation the sandbox refused: file, process, socket, ...),
``worker_signal`` / ``worker_exit`` (the worker died: killed, out of CPU, ``os._exit``),
``worker_protocol`` (it sent something malformed), ``timeout``, ``memory`` (MemoryError),
``output_flood``, ``uses_reference``, ``notebook_time_limit``, ``unreadable_submission``,
``test_cell_changed`` (a submission's test cell differs from the source's: it is not run anyway),
``cell_metadata_changed`` (a grade cell's nbgrader metadata differs from the source's, see
``checker.grading.cells``: the source's cells and points count).

Finding-like codes a TaskGrade may carry besides the engine's: ``not_defined`` (the function is not
defined after the submission's cells ran), ``not_callable``, ``grading_failed`` (the worker could not
be started or the notebook time limit ran out before this task).
"""

from __future__ import annotations

import ast
import dataclasses
import json
import time
from dataclasses import dataclass
from pathlib import Path

from checker import registry
from checker.engine import run_check
from checker.grading.cells import restore_grade_cells
from checker.grading.remote import RemoteInvoker, Worker, WorkerDied, WorkerLimits, WorkerTimeout, event
from checker.spec import PRACTICE_SEED


@dataclass
class Limits:
    """Limits for grading one notebook (defaults in brackets).

    cell_seconds      wall-clock seconds per submission cell [60]
    call_seconds      seconds per call of a graded function; None = the task's own time_limit [None]
    grace_seconds     the worker is killed this long after a soft limit was not honoured [5]
    notebook_seconds  wall-clock seconds for the whole notebook, cells and checks [600]
    memory_bytes      address space of the worker (RLIMIT_AS) [3 GiB]
    cpu_seconds       CPU seconds of one worker process (RLIMIT_CPU) [600]
    file_bytes        largest file the worker may write (RLIMIT_FSIZE) [16 MB]
    output_bytes      printed characters kept per cell or call (the rest are counted) [4096]
    start_seconds     time allowed for a worker to start [60]
    max_restarts      worker restarts per notebook before the remaining tasks get 0 [20]
    """

    cell_seconds: float = 60.0
    call_seconds: float | None = None
    grace_seconds: float = 5.0
    notebook_seconds: float = 600.0
    memory_bytes: int = 3 * 1024 ** 3
    cpu_seconds: int = 600
    file_bytes: int = 16 * 1024 ** 2
    output_bytes: int = 4096
    start_seconds: float = 60.0
    max_restarts: int = 20

    def worker_limits(self) -> WorkerLimits:
        return WorkerLimits(memory_bytes=self.memory_bytes, cpu_seconds=self.cpu_seconds, file_bytes=self.file_bytes,
                            output_bytes=self.output_bytes, start_seconds=self.start_seconds)


@dataclass
class TaskGrade:
    grade_id: str
    task_id: str
    function: str
    points: float
    score: float
    passed: bool
    codes: list
    text: str
    html: str

    @property
    def earned(self) -> float:
        return self.points * self.score


@dataclass
class CellStatus:
    index: int            # position among the submission's cells
    grade_id: str | None  # its nbgrader grade_id, if any
    status: str           # ok | error | timeout | crashed | skipped_test | skipped_time
    detail: str = ""      # the error ("ZeroDivisionError: division by zero") or what happened
    replays: int = 0      # how often it was run again after a worker restart
    cell_id: str | None = None  # its nbformat id: nbgrader's sanitizing may shift positions, not ids


@dataclass
class NotebookGrade:
    tasks: dict
    cells: list
    events: list
    seconds: float
    seed: int
    worker_starts: int = 0

    @property
    def score(self) -> float:
        return sum(t.earned for t in self.tasks.values())

    @property
    def max_score(self) -> float:
        return sum(t.points for t in self.tasks.values())

    def event_kinds(self) -> list[str]:
        return sorted({e["kind"] for e in self.events})

    def to_dict(self, with_seed: bool = True) -> dict:
        """Plain data; ``with_seed=False`` for what is stored (the seed stays derivable from the secret only)."""
        data = {"grades": {gid: dataclasses.asdict(t) for gid, t in self.tasks.items()},
                "cells": [dataclasses.asdict(c) for c in self.cells], "events": [dict(e) for e in self.events],
                "seconds": self.seconds, "worker_starts": self.worker_starts}
        if with_seed:
            data["seed"] = self.seed
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "NotebookGrade":
        tasks = {gid: TaskGrade(**dict(t, grade_id=gid)) for gid, t in (data.get("grades") or {}).items()}
        return cls(tasks=tasks, cells=[CellStatus(**c) for c in data.get("cells") or ()],
                   events=[dict(e) for e in data.get("events") or ()], seconds=float(data.get("seconds") or 0.0),
                   seed=data.get("seed"), worker_starts=int(data.get("worker_starts") or 0))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> "NotebookGrade":
        return cls.from_dict(json.loads(text))


# --------------------------------------------------------------------------- the source's graded cells
@dataclass
class GradedTest:
    grade_id: str
    points: float
    task_id: str
    function: str
    forward: str | None
    source: str


def _nbgrader(cell) -> dict:
    metadata = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    meta = metadata.get("nbgrader", {}) if isinstance(metadata, dict) else {}
    return meta if isinstance(meta, dict) else {}


def _parse_check(source: str):
    """``check("<task>", <name>[, forward=<name>])`` -> (task, name, forward), else None."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        return None
    call = tree.body[0].value
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "check"):
        return None
    if len(call.args) != 2 or not (isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)):
        return None
    if not isinstance(call.args[1], ast.Name):
        return None
    forward = None
    for keyword in call.keywords:
        if keyword.arg == "forward" and isinstance(keyword.value, ast.Name):
            forward = keyword.value.id
        else:
            return None
    return call.args[0].value, call.args[1].id, forward


def graded_tests(source: Path) -> list[GradedTest]:
    """The graded check cells of a SOURCE notebook, in order. Raises ValueError for a graded code
    cell that is not a single ``check("<task>", <function>)`` call or names an unknown task."""
    import nbformat

    nb = nbformat.read(str(source), as_version=4)
    found = []
    for index, cell in enumerate(nb.cells):
        meta = _nbgrader(cell)
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        parsed = _parse_check(cell.source)
        grade_id = meta.get("grade_id")
        if parsed is None or not grade_id:
            raise ValueError(f"{source}: graded cell {index} ({grade_id}) is not a single check(\"<task>\", <function>) call")
        task_id, function, forward = parsed
        registry.get(task_id)  # KeyError for an unknown task
        found.append(GradedTest(grade_id, float(meta.get("points", 0) or 0), task_id, function, forward, cell.source))
    return found


# --------------------------------------------------------------------------- running a submission
class WorkerSession:
    """A worker plus what is needed to bring it back: the cells that ran, to replay after a restart."""

    def __init__(self, limits: Limits, events: list, deadline: float):
        self.limits, self.events, self.deadline = limits, events, deadline
        self.grace_seconds = limits.grace_seconds
        self.worker: Worker | None = None
        self.starts = 0
        self.ran: list = []       # (CellStatus, source, name) of cells that ran without killing the worker

    def time_left(self) -> float:
        return self.deadline - time.monotonic()

    def ensure(self) -> bool:
        """A live worker with the good cells replayed; False when none can be had."""
        if self.worker is not None and self.worker.alive:
            return True
        if self.worker is not None:
            self.worker.kill()
        if self.starts > self.limits.max_restarts or self.time_left() <= 0:
            return False
        self.worker = Worker(self.limits.worker_limits())
        self.starts += 1
        try:
            self.worker.start()
        except WorkerDied as exc:
            self.events.append(event("worker_exit", f"the worker could not be started: {exc}"))
            return False
        for status, source, name in list(self.ran):
            status.replays += 1
            outcome = self.run_cell(source, name, status, replay=True)
            if outcome in ("timeout", "crashed", "memory"):
                status.status = outcome
                self.ran = [r for r in self.ran if r[0] is not status]
                return self.ensure()
        return True

    def run_cell(self, source: str, name: str, status: CellStatus, replay: bool = False) -> str:
        limit = min(self.limits.cell_seconds, max(self.time_left(), 1.0))
        where = f"cell {status.index}"
        try:
            response = self.worker.request({"op": "cell", "source": source, "name": name, "limit": limit},
                                           limit + self.limits.grace_seconds)
        except WorkerTimeout as exc:
            if not replay:
                self.events.append(event("timeout", str(exc), where))
                status.detail = str(exc)
            return "timeout"
        except WorkerDied as exc:
            if not replay:
                self.events.append(event(self.worker.death_kind or "worker_exit", str(exc), where))
                status.detail = str(exc)
            return "crashed"
        if not replay:
            for denial in response.get("denials") or ():
                self.events.append(event("sandbox_denied", str(denial), where))
            for name_used in response.get("reference_calls") or ():
                self.events.append(event("uses_reference", str(name_used), where))
            if (response.get("printed_chars") or 0) > 1_000_000:
                self.events.append(event("output_flood", f"{response['printed_chars']} characters printed", where))
        error = response.get("error")
        if error is None:
            return "ok"
        if not replay:
            if error.get("timed_out"):
                self.events.append(event("timeout", f"the cell ran past its limit of {limit:g} s", where))
            if error.get("memory"):
                self.events.append(event("memory", "MemoryError", where))
            status.detail = f"{error.get('type')}: {error.get('message')}"[:500]
        if error.get("memory"):
            # what the cell allocated may still be held (a global list): start afresh without it
            self.worker.kill()
            return "memory"
        return "timeout" if error.get("timed_out") else "error"

    def close(self):
        if self.worker is not None:
            self.worker.stop()


def _transform(source: str) -> str:
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - leave it to the worker's compile() to report
        return source


def _zero(test: GradedTest, code: str, message: str) -> TaskGrade:
    text = f"[FAIL] {test.task_id}: {message}"
    html = f'<div class="checker-report" data-task="{test.task_id}" data-passed="false" data-codes="{code}"><p>{_escape(message)}</p></div>'
    return TaskGrade(test.grade_id, test.task_id, test.function, test.points, 0.0, False, [code], text, html)


def _escape(text: str) -> str:
    import html

    return html.escape(text)


def grade_notebook(submission: Path, source: Path, *, seed: int, limits: Limits | None = None) -> NotebookGrade:
    """Grade ``submission`` against the graded cells of ``source`` (see the module docstring)."""
    import nbformat

    if int(seed) == PRACTICE_SEED:
        raise ValueError(f"the grading seed must differ from the practice seed {PRACTICE_SEED}: "
                         "learners know the practice cases")
    limits = limits or Limits()
    started = time.monotonic()
    tests = graded_tests(Path(source))
    test_ids = {t.grade_id for t in tests}
    events: list = []
    cells: list[CellStatus] = []
    tasks: dict = {}

    try:
        nb = nbformat.read(str(submission), as_version=4)
        # graded as the source declares its cells, whatever the submission's metadata says (the file stays as it is)
        for where, what in restore_grade_cells(nb, nbformat.read(str(source), as_version=4)):
            if where:  # a cell the learner changed (one they deleted changes nothing here: tests come from the source)
                events.append(event("cell_metadata_changed", what, where))
        sub_cells = list(nb.cells)
    except Exception as exc:  # noqa: BLE001 - any unreadable file
        events.append(event("unreadable_submission", f"{type(exc).__name__}: {exc}"[:500]))
        for test in tests:
            tasks[test.grade_id] = _zero(test, "grading_failed", "the submitted notebook could not be read")
        return NotebookGrade(tasks, cells, events, time.monotonic() - started, int(seed))

    session = WorkerSession(limits, events, started + limits.notebook_seconds)
    try:
        worker_ok = session.ensure()
        for index, cell in enumerate(sub_cells):
            if not isinstance(cell, dict) or cell.get("cell_type") != "code":
                continue
            meta = _nbgrader(cell)
            grade_id = meta.get("grade_id") if isinstance(meta.get("grade_id"), str) else None
            cell_id = cell.get("id") if isinstance(cell.get("id"), str) else None
            status = CellStatus(index, grade_id, "ok", cell_id=cell_id)
            cells.append(status)
            if grade_id in test_ids:
                status.status = "skipped_test"
                expected = next(t.source for t in tests if t.grade_id == grade_id)
                if str(cell.get("source", "")).strip() != expected.strip():
                    events.append(event("test_cell_changed", f"test cell {grade_id} was edited (it is not run)", f"cell {index}"))
                continue
            if session.time_left() <= 0 or not worker_ok:
                status.status, status.detail = "skipped_time", "the notebook's time limit ran out" if worker_ok else "no worker"
                continue
            raw = cell.get("source", "")
            source_text = _transform("".join(raw) if isinstance(raw, list) else str(raw))
            name = f"<cell {index}>"
            result = session.run_cell(source_text, name, status)
            status.status = result
            if result in ("ok", "error"):
                session.ran.append((status, source_text, name))
            else:
                worker_ok = session.ensure()
        for test in tests:
            tasks[test.grade_id] = _grade_task(session, test, int(seed), limits)
        if session.time_left() <= 0 and not any(e["kind"] == "notebook_time_limit" for e in events):
            events.append(event("notebook_time_limit", f"grading ran past {limits.notebook_seconds:g} s"))
    finally:
        session.close()
    return NotebookGrade(tasks, cells, events, time.monotonic() - started, int(seed), session.starts)


def _grade_task(session: WorkerSession, test: GradedTest, seed: int, limits: Limits) -> TaskGrade:
    where = test.grade_id
    if session.time_left() <= 0:
        return _zero(test, "grading_failed", "the notebook's time limit ran out before this task was checked")
    if not session.ensure():
        return _zero(test, "grading_failed", "the grading worker could not be (re)started")
    try:
        response = session.worker.request({"op": "names", "names": [test.function]}, 10 + limits.grace_seconds)
        state = (response.get("result") or {}).get(test.function, "missing")
    except WorkerDied as exc:
        session.events.append(event(session.worker.death_kind or "worker_exit", str(exc), where))
        return _zero(test, "grading_failed", f"the grading worker stopped: {exc}")
    if state == "missing":
        return _zero(test, "not_defined", f"{test.function} is not defined after running the notebook "
                                          "(the cell defining it is missing, or it failed before the definition)")
    if state != "callable":
        return _zero(test, "not_callable", f"{test.function} is defined but is not a function")
    task = registry.get(test.task_id)
    invoker = RemoteInvoker(session, task, test.function, test.forward, where=where)
    report = run_check(task, None, seed=seed, time_limit=limits.call_seconds, invoker=invoker)
    return TaskGrade(test.grade_id, task.id, test.function, test.points, float(report.score), bool(report.passed),
                     list(report.codes), report.text("en"), report.html("en"))
