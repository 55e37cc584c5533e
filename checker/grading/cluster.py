"""Phase 1 of ``course grade`` on a Dask cluster (``--cluster ADDRESS | local[:N]``).

    course grade 00_warmup --cluster local:4               # a LocalCluster of 4 worker processes here
    course grade 00_warmup --cluster tcp://10.0.0.5:8786   # a running scheduler (or $COURSE_DASK_SCHEDULER)

Each submission is one Dask task, ``grade_payload``. What it is sent is plain data only
(``grading_payload``): the submission's bytes, the source notebook's grade cells and points (solution
code blanked: a cluster never sees the instructor's solutions), the assignment's grading seed (derived
here from the instructor secret, which never leaves this machine) and the fingerprint of the grader's
code. A Dask worker is a trusted grading process: it checks that it runs the same grader, grades with
``grade_notebook`` (the learner's code runs only in the sandboxed child it starts) and sends back the
record the cache holds, as plain data. Records are written here, one per submission, as they arrive:
an interrupted run keeps what was finished, and the next run grades only what is missing. A Dask
worker that dies has its tasks re-run on another by the scheduler; a task that takes workers down
again and again (``distributed.scheduler.allowed-failures``) is reported as not graded.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

ENVIRONMENT_VARIABLE = "COURSE_DASK_SCHEDULER"
CONNECT_TIMEOUT = "30s"
_LOCAL = re.compile(r"^local(?::(\d+))?$")


class ClusterError(Exception):
    """The cluster cannot be used (not installed, not reachable); the message says what to do."""


def cluster_spec(value: str | None) -> str | None:
    """``--cluster`` as given, else ``$COURSE_DASK_SCHEDULER``, else None (the local process pool)."""
    return value or os.environ.get(ENVIRONMENT_VARIABLE) or None


def parse_cluster(spec: str) -> tuple[str, object]:
    """``("local", workers)`` for ``local`` / ``local:N``, else ``("address", spec)``."""
    match = _LOCAL.match(spec.strip())
    if match:
        workers = int(match.group(1) or os.cpu_count() or 1)
        if workers < 1:
            raise ClusterError(f"--cluster {spec}: a local cluster needs at least one worker")
        return "local", workers
    if "://" not in spec and ":" not in spec:
        raise ClusterError(f"--cluster {spec}: give a scheduler address (tcp://HOST:8786) or local[:N]")
    return "address", spec.strip()


@contextlib.contextmanager
def open_client(spec: str):
    """A ``distributed.Client`` for ``spec`` (a LocalCluster of worker processes is closed afterwards)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ClusterError("grading on a cluster needs dask and distributed: "
                           ".venv/bin/pip install -r requirements/lab.txt") from None
    kind, value = parse_cluster(spec)
    if kind == "local":
        import logging

        # one grading at a time per worker process: each starts its own sandboxed child
        with LocalCluster(n_workers=value, threads_per_worker=1, processes=True, dashboard_address=None,
                          silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(value, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {value}: {exc}") from None
    with client:
        yield client


def describe(client) -> str:
    workers = client.scheduler_info().get("workers", {})
    return f"{len(workers)} Dask worker(s) at {client.scheduler.address}"


# --------------------------------------------------------------------------- what is sent
def grade_cells_notebook(source: Path) -> str:
    """The source notebook reduced to its grade cells (ids, points, check calls), solution code blanked."""
    import nbformat

    nb = nbformat.read(str(source), as_version=4)
    kept = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not isinstance(meta, dict) or not meta.get("grade_id"):
            continue
        cell = nbformat.from_dict(dict(cell))
        if meta.get("solution"):
            cell.source = ""
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        kept.append(cell)
    nb.cells = kept
    return nbformat.writes(nb)


def grading_payload(job: dict, fingerprint: str, limits: dict | None = None) -> dict:
    """The plain data one Dask task gets for a ``course_grade`` job."""
    return {"student": job["student"], "notebook": job["notebook"], "key": job["key"], "seed": int(job["seed"]),
            "fingerprint": fingerprint, "submission": Path(job["submission"]).read_bytes(),
            "source": grade_cells_notebook(Path(job["source"])), "limits": limits}


# --------------------------------------------------------------------------- on a Dask worker
def grade_payload(payload: dict) -> dict:
    """Grade one payload (runs on a Dask worker). Returns ``{"status": "graded", "record", "seconds"}``
    or ``{"status": "failed", "error", "seconds"}``; never raises for the grader's own failures."""
    from checker.grading.course_grade import RESULTS_FORMAT, grader_fingerprint
    from checker.grading.grader import Limits, grade_notebook

    started = time.perf_counter()
    if payload["fingerprint"] != grader_fingerprint():
        return {"status": "failed", "seconds": 0.0,
                "error": f"this Dask worker runs another version of the checker (or of NumPy or Python) than the "
                         f"instructor (grader {grader_fingerprint()[:12]}, expected {payload['fingerprint'][:12]}): "
                         "install the course's own environment on every worker"}
    folder = tempfile.mkdtemp(prefix="course-grade-task-")
    try:
        submission, source = Path(folder) / "submission.ipynb", Path(folder) / "source.ipynb"
        submission.write_bytes(payload["submission"])
        source.write_text(payload["source"], encoding="utf-8")
        limits = Limits(**payload["limits"]) if payload.get("limits") else None
        grade = grade_notebook(submission, source, seed=payload["seed"], limits=limits)
        record = {"format": RESULTS_FORMAT, "key": payload["key"], "student": payload["student"],
                  "notebook": payload["notebook"], **grade.to_dict(with_seed=False)}
        # what goes back is what the cache holds: plain JSON
        return {"status": "graded", "record": json.loads(json.dumps(record)),
                "seconds": round(time.perf_counter() - started, 3)}
    except Exception as exc:  # the grader's own failure: report it, grade the others
        return {"status": "failed", "seconds": round(time.perf_counter() - started, 3),
                "error": f"{type(exc).__name__}: {exc}"}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------- here
def grade_remotely(client, submission: Path, source: Path, *, seed: int, limits=None):
    """``grade_notebook`` of one file, run on ``client``'s cluster as ``course grade`` runs it (a
    ``NotebookGrade``; the attack tests use it with ``COURSE_TEST_CLUSTER``)."""
    import dataclasses

    from checker.grading.course_grade import grader_fingerprint
    from checker.grading.grader import NotebookGrade

    job = {"student": "remote", "notebook": Path(source).stem, "key": "-", "seed": seed,
           "submission": str(submission), "source": str(source)}
    payload = grading_payload(job, grader_fingerprint(), dataclasses.asdict(limits) if limits else None)
    result = client.submit(grade_payload, payload, pure=False).result()
    if result["status"] != "graded":
        raise RuntimeError(result["error"])
    return NotebookGrade.from_dict(dict(result["record"], seed=seed))


def task_key(job: dict) -> str:
    """The Dask key of a job: the student and the cache key (the same submission is the same task)."""
    return f"course-grade-{job['student']}-{job['key'][:16]}"


def grade_on_cluster(client, todo: list, bar, store, fingerprint: str, limits: dict | None = None) -> list:
    """Phase 1 of ``todo`` (``course_grade`` jobs) on ``client``'s cluster. ``store(job, record)`` writes
    each record here as it arrives; returns the outcomes (``course_grade.trusted_grade``'s form)."""
    from distributed import as_completed

    futures = {}
    for job in todo:
        future = client.submit(grade_payload, grading_payload(job, fingerprint, limits), key=task_key(job),
                               pure=False)
        futures[future] = job
    outcomes = []
    try:
        for future in as_completed(futures):
            job = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # KilledWorker: the task took workers down too often; or the cluster went away
                result = {"status": "failed", "seconds": 0.0,
                          "error": f"the cluster could not grade it ({type(exc).__name__}: {exc})"}
            outcomes.append(_outcome(job, result, store))
            bar.update()
    finally:
        for future in futures:  # an interrupted run leaves nothing running on the cluster
            if not future.done():
                future.cancel()
    return outcomes


def _outcome(job: dict, result: dict, store) -> dict:
    from checker.grading.course_grade import auto_score

    if result.get("status") != "graded":
        return {"student": job["student"], "status": "failed", "seconds": result.get("seconds", 0.0),
                "error": result.get("error", "no result")}
    record = result["record"]
    if record.get("key") != job["key"] or record.get("student") != job["student"]:
        return {"student": job["student"], "status": "failed", "seconds": result.get("seconds", 0.0),
                "error": "the cluster sent back the grade of another submission"}
    store(job, record)
    return {"student": job["student"], "status": "graded", "seconds": result["seconds"],
            "auto_score": auto_score(record), "events": record["events"]}
