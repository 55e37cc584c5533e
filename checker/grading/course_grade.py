"""``course grade``: trusted grading of a whole class, written into nbgrader's gradebook.

Two phases per assignment ``A``:

1. Trusted grading (parallel over students: a local process pool, or a Dask cluster with
   ``cluster=``, see ``checker.grading.cluster``). For every ``submitted/<student>/A/A.ipynb``:
   ``grade_notebook(submission, source, seed=<grading seed>)`` (``checker.grading.grader``), which
   runs the learner's cells in a sandboxed worker and the checks in the trusted process. The grade
   is stored as ``NotebookGrade.to_dict`` (without the seed) in ``.course-build/grading/A/<student>.json``
   with a key made of the submission's hash, the grading seed, the source notebook's hash and the
   grader's code: the same file is not graded twice, a changed one is.
2. nbgrader's own ``Autograde``, one student at a time, with the trusted preprocessors
   (``checker.grading.preprocessors``): they read the stored grade into the test cells and the
   gradebook. Grades given by hand (``manual_score``) are never touched, and students not asked
   for are not visited at all.

``nbgrader autograde`` and the formgrader's Autograde button run phase 2 alone: a submission
without a current stored grade is graded then (``ensure_graded``), one at a time.
"""

from __future__ import annotations

import functools
import hashlib
import json
import multiprocessing
import os
import sys
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from checker.course import PROJECT_ROOT, CourseError
from checker.grading.gradebook import Course, last_error
from checker.grading.readable import worker_datasets
from checker.grading.remote import Worker
from checker.grading.secret import grading_seed
from checker.grading.submissions import (SubmissionError, import_submissions, parse_timestamp, read_roster,
                                         submitted_students, valid_student_id)

RESULTS_FORMAT = 2


# --------------------------------------------------------------------------- the stored grade
def results_folder(course_root: Path, assignment: str) -> Path:
    return Path(course_root) / ".course-build" / "grading" / assignment


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@functools.lru_cache(maxsize=1)
def grader_fingerprint() -> str:
    """Hash of the checker's code (and numpy's version): stored grades are only reused with the same grader."""
    import numpy

    digest = hashlib.sha256(f"numpy {numpy.__version__} python {sys.version_info[:2]}".encode())
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_key(submission: bytes, source: bytes, seed: int, fingerprint: str) -> str:
    return _sha256_bytes(b"\0".join([_sha256_bytes(submission).encode(), _sha256_bytes(source).encode(),
                                     str(seed).encode(), fingerprint.encode(), str(RESULTS_FORMAT).encode()]))


def _write_json_atomically(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-")
    with os.fdopen(handle, "w") as stream:
        json.dump(data, stream, indent=1, sort_keys=True)
    os.replace(temporary, path)


def _cached(path: Path, key: str) -> dict | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if data.get("format") != RESULTS_FORMAT or data.get("key") != key:
        return None
    return data


def auto_score(record: dict) -> float:
    return sum(g["points"] * g["score"] for g in record["grades"].values())


def grade_into_cache(job: dict) -> dict:
    """Grade one submission and store it; returns the stored record (raises when the grader fails)."""
    from checker.grading.grader import grade_notebook

    grade = grade_notebook(Path(job["submission"]), Path(job["source"]), seed=job["seed"])
    record = {"format": RESULTS_FORMAT, "key": job["key"], "student": job["student"], "notebook": job["notebook"],
              **grade.to_dict(with_seed=False)}
    store_record(job, record)
    return record


def store_record(job: dict, record: dict) -> None:
    """Write a submission's record into the cache (the only place grades are stored)."""
    _write_json_atomically(Path(job["cache"]), record)


def _job(course_root: Path, assignment: str, student: str, submission: Path, source: Path, cache: Path) -> dict:
    seed = grading_seed(course_root, assignment)
    key = cache_key(Path(submission).read_bytes(), Path(source).read_bytes(), seed, grader_fingerprint())
    return {"student": student, "submission": str(submission), "source": str(source), "seed": seed, "key": key,
            "cache": str(cache), "notebook": Path(source).stem}


def ensure_graded(course_root: Path, assignment: str, student: str, submission: Path, source: Path,
                  cache: Path) -> dict:
    """The stored grade of a submission, graded now when it is missing or stale."""
    job = _job(course_root, assignment, student, submission, source, cache)
    return _cached(cache, job["key"]) or grade_into_cache(job)


# --------------------------------------------------------------------------- phase 1: trusted grading
def trusted_grade(job: dict) -> dict:
    """Phase 1 for one student (runs in a pool process): grade, store, return a status.

    Never raises: a failure of the grader itself is returned as ``{"status": "failed", "error": ...}``
    and that student is left out of phase 2 (their gradebook rows are not touched)."""
    started = time.perf_counter()
    try:
        record = grade_into_cache(job)
        return {"student": job["student"], "status": "graded", "seconds": round(time.perf_counter() - started, 3),
                "auto_score": auto_score(record), "events": record["events"]}
    except Exception as exc:  # the grader's own failure: report it, grade the others
        return {"student": job["student"], "status": "failed", "seconds": round(time.perf_counter() - started, 3),
                "error": f"{type(exc).__name__}: {exc}"}


def _pool_context():
    """``fork`` on Linux: a grading process then starts with NumPy, nbformat and the checker that this
    process has already imported, where ``spawn`` imports them again in every one (1.5 to 2 s each).
    Elsewhere (macOS, where forking a process that has used system frameworks is unsafe; Windows) ``spawn``."""
    return multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")


def _grade_in_pool(todo: list, jobs: int, progress_bar) -> list:
    """Phase 1 over a process pool. Should a grading process die (it never runs learner code, but
    if it did), the pool breaks and every pending job fails with it: those jobs are graded again,
    each in a pool of its own, so only the culprit is lost.

    ``progress_bar()`` makes the bar only once the pool's processes exist: the bar's monitor thread
    must not be running when they are forked."""
    outcomes, broken = [], []
    with ProcessPoolExecutor(jobs, mp_context=_pool_context()) as pool:
        futures = {pool.submit(trusted_grade, job): job for job in todo}  # every process is started here
        with progress_bar() as bar:
            for future in as_completed(futures):
                try:
                    outcomes.append(future.result())
                    bar.update()
                except BrokenProcessPool:
                    broken.append(futures[future])
            for job in broken:  # fresh interpreters: the bar's thread is running now
                with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool_of_one:
                    try:
                        outcomes.append(pool_of_one.submit(trusted_grade, job).result())
                    except BrokenProcessPool:
                        outcomes.append({"student": job["student"], "status": "failed", "seconds": 0.0,
                                         "error": "the grading process died (nothing was written for this student)"})
                bar.update()
    return outcomes


# --------------------------------------------------------------------------- the whole run
@dataclass
class StudentResult:
    student: str
    status: str                  # graded | cached | failed
    seconds: float = 0.0
    auto_score: float | None = None
    score: float | None = None   # the gradebook's score after phase 2 (manual grades count)
    max_score: float | None = None
    events: list = field(default_factory=list)
    error: str | None = None
    tally: object = None         # gradebook.Tally after phase 2


@dataclass
class GradeRun:
    assignment: str
    jobs: int
    cluster: str | None = None                      # the Dask cluster phase 1 ran on, in words
    students: list = field(default_factory=list)   # StudentResult
    imported: object = None                         # submissions.ImportResult or None
    phase1_seconds: float = 0.0
    phase2_seconds: float = 0.0
    results_dir: Path | None = None                 # where each student's whole record (every event) is

    @property
    def failed(self) -> list:
        return [s for s in self.students if s.status == "failed"]

    def summary(self) -> str:
        lines = []
        if self.imported is not None:
            lines.append(self.imported.summary())
        graded = [s for s in self.students if s.status != "failed"]
        lines.append(f"{self.assignment}: {len(graded)} submission(s) graded "
                     f"({sum(s.status == 'cached' for s in graded)} from the cache), {len(self.failed)} failed; "
                     f"trusted grading {self.phase1_seconds:.1f} s "
                     f"{'on ' + self.cluster if self.cluster else f'with {self.jobs} job(s)'}, "
                     f"nbgrader autograde {self.phase2_seconds:.1f} s")
        width = max([len(s.student) for s in self.students] + [7])
        for s in self.students:
            if s.status == "failed":
                lines.append(f"  {s.student:<{width}}  NOT GRADED: {s.error}")
                continue
            shown, more = _flags(s.events)
            flags = "; ".join(shown)
            if more:
                where = self.results_dir / f"{s.student}.json" if self.results_dir else None
                flags += f"; and {more} more" + (f", all listed in {where}" if where else "")
            lines.append(f"  {s.student:<{width}}  {s.tally.words() if s.tally else 'not in the gradebook'}" + (f"   [{flags}]" if flags else ""))
        return "\n".join(lines)


def _event_text(event: dict) -> str:
    return " ".join(str(event[k]) for k in ("kind", "detail") if event.get(k)) or json.dumps(event)


# What an instructor must see first: the worker's death and limits, use of the reference, changed cells;
# then what the sandbox refused, refusals that touch the course before Python's own files (import probes).
EVENT_ORDER = ("worker_signal", "worker_exit", "worker_protocol", "memory", "timeout", "notebook_time_limit",
               "unreadable_submission", "uses_reference", "test_cell_changed", "cell_metadata_changed",
               "output_flood", "sandbox_denied")
_PYTHON_FILES = tuple({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})


def _rank(event: dict) -> tuple:
    kind = event.get("kind")
    order = EVENT_ORDER.index(kind) if kind in EVENT_ORDER else len(EVENT_ORDER)
    python_own = kind == "sandbox_denied" and any(root in str(event.get("detail", "")) for root in _PYTHON_FILES)
    return order, python_own


def _shortened(text: str, width: int = 100) -> str:
    """At most ``width`` characters, cut in the middle: a path's end names the file that was touched."""
    if len(text) <= width:
        return text
    head = (width - 1) // 2
    return text[:head] + "…" + text[len(text) - (width - 1 - head):]


def _flags(events: list, shown: int = 3) -> tuple[list, int]:
    """The first ``shown`` distinct events, most telling first (a repeated one counted), and how many
    distinct ones are left out."""
    counts: dict = {}
    for event in sorted(events, key=_rank):
        text = _shortened(_event_text(event))
        counts[text] = counts.get(text, 0) + 1
    texts = [text + (f" (x{n})" if n > 1 else "") for text, n in counts.items()]
    return texts[:shown], max(0, len(texts) - shown)


def _students_to_grade(course: Course, assignment: str, submissions, students, timestamp=None) -> tuple[list, object]:
    if submissions is not None:
        try:
            imported = import_submissions(Path(submissions), assignment, course.root, students=students,
                                          timestamp=parse_timestamp(timestamp) if timestamp else None)
        except SubmissionError as exc:
            raise CourseError(str(exc)) from None
        return imported.students, imported
    available = submitted_students(course.root, assignment)
    if not students:
        return available, None
    missing = [s for s in students if s not in available]
    if missing:
        raise CourseError(f"no submission of {assignment} for {', '.join(missing)} "
                          f"(expected {course.submission(missing[0], assignment)})")
    return sorted(set(students)), None


def grade_assignment(assignment: str, course_root: Path | None = None, *, submissions: Path | None = None,
                     students: list[str] | None = None, jobs: int | None = None, progress: bool = True,
                     use_cache: bool = True, cluster: str | None = None, timestamp: str | None = None,
                     roster: Path | None = None) -> GradeRun:
    """``course grade``: import (optional), trusted grading in parallel, nbgrader autograde; see the module doc.

    ``cluster``: phase 1 on a Dask cluster (``checker.grading.cluster``: a scheduler address or
    ``local[:N]``; default ``$COURSE_DASK_SCHEDULER``); phase 2 stays here, the gradebook's one writer.
    ``timestamp``: the submission time of every imported notebook (else a zip entry's own);
    ``roster``: nbgrader's student CSV, whose names go into the gradebook."""
    from tqdm import tqdm

    from checker.grading import cluster as dask_cluster

    cluster = dask_cluster.cluster_spec(cluster)
    if cluster:
        try:
            dask_cluster.parse_cluster(cluster)
        except dask_cluster.ClusterError as exc:
            raise CourseError(str(exc)) from None

    course = Course(course_root or PROJECT_ROOT)
    bad = [s for s in students or () if not valid_student_id(s)]
    if bad:
        raise CourseError(f"not a valid student id: {', '.join(bad)}")
    source = course.source(assignment)
    if not source.is_file():
        raise CourseError(f"no source notebook {source}")
    if assignment not in course.released_assignments():
        raise CourseError(f"{assignment} is not in the gradebook {course.db_url}: run `course release {assignment}` first")
    try:  # a layout the sandboxed worker cannot read is said before anyone is graded
        worker_datasets(Worker().datasets_dir)
    except OSError as exc:
        raise CourseError(f"cannot grade in this course folder: {exc}") from None
    if timestamp and submissions is None:
        raise CourseError("--timestamp is the time of the notebooks imported with --submissions: give both")
    try:
        names = read_roster(Path(roster)) if roster else None
    except SubmissionError as exc:
        raise CourseError(str(exc)) from None
    wanted, imported = _students_to_grade(course, assignment, submissions, students, timestamp)
    if names:
        course.name_students(names)

    results_dir = results_folder(course.root, assignment)
    run = GradeRun(assignment, max(1, int(jobs or os.cpu_count() or 1)), imported=imported, results_dir=results_dir)
    results: dict[str, StudentResult] = {}
    todo = []
    for student in wanted:
        job = _job(course.root, assignment, student, course.submission(student, assignment), source,
                   results_dir / f"{student}.json")
        cached = _cached(Path(job["cache"]), job["key"]) if use_cache else None
        if cached is not None:
            results[student] = StudentResult(student, "cached", cached.get("seconds", 0.0), auto_score(cached),
                                             events=cached.get("events", []))
        else:
            todo.append(job)

    started = time.perf_counter()
    run.jobs = min(run.jobs, max(1, len(todo)))
    progress_bar = functools.partial(tqdm, total=len(todo), desc=f"grading {assignment}", unit="notebook",
                                     disable=not progress or not todo, file=sys.stderr)
    if run.jobs > 1 and not cluster:
        outcomes = _grade_in_pool(todo, run.jobs, progress_bar)
    else:
        with progress_bar() as bar:
            if cluster and todo:
                outcomes = _grade_on_cluster(cluster, todo, bar, run)
            else:
                outcomes = []
                for job in todo:
                    outcomes.append(trusted_grade(job))
                    bar.update()
    for outcome in outcomes:
        results[outcome["student"]] = StudentResult(outcome["student"], outcome["status"], outcome["seconds"],
                                                    outcome.get("auto_score"), events=outcome.get("events", []),
                                                    error=outcome.get("error"))
    run.phase1_seconds = time.perf_counter() - started

    started = time.perf_counter()
    to_autograde = [s for s in wanted if results[s].status != "failed"]
    for student, error in autograde_trusted(course, assignment, to_autograde, results_dir).items():
        results[student].status, results[student].error = "failed", f"nbgrader autograde: {error}"
    run.phase2_seconds = time.perf_counter() - started

    graded = [s for s in wanted if results[s].status != "failed"]
    for student, tally in course.tallies(assignment, graded).items():
        results[student].score, results[student].max_score, results[student].tally = tally.score, tally.max_score, tally
    run.students = [results[s] for s in wanted]
    return run


def _grade_on_cluster(cluster: str, todo: list, bar, run: GradeRun) -> list:
    from checker.grading import cluster as dask_cluster

    try:
        with dask_cluster.open_client(cluster) as client:
            run.cluster = dask_cluster.describe(client)
            return dask_cluster.grade_on_cluster(client, todo, bar, store_record, grader_fingerprint())
    except dask_cluster.ClusterError as exc:
        raise CourseError(str(exc)) from None


def autograde_trusted(course: Course, assignment: str, students: list[str], results_dir: Path) -> dict[str, str]:
    """Phase 2: nbgrader's Autograde with the trusted preprocessors, one student at a time;
    returns {student: error} for those nbgrader could not process."""
    from sqlalchemy.exc import SAWarning
    from traitlets.config import Config

    from checker.grading.preprocessors import AUTOGRADE_PREPROCESSORS, SANITIZE_PREPROCESSORS

    extra = Config()  # as nbgrader_config.py says, whatever a course folder's own copy of it says
    extra.Autograde.sanitize_preprocessors = list(SANITIZE_PREPROCESSORS)
    extra.Autograde.autograde_preprocessors = list(AUTOGRADE_PREPROCESSORS)
    extra.OverwriteCells.add_missing_cells = True
    extra.TrustedResults.results_dir = str(results_dir)
    api = course.api(extra)

    def autograde():
        errors = {}
        with warnings.catch_warnings():  # nbgrader's own SQLAlchemy session warnings, harmless and noisy
            warnings.filterwarnings("ignore", category=SAWarning)
            for student in students:
                result = api.autograde(assignment, student, force=True, create=True)
                if not result.get("success"):
                    errors[student] = last_error(result)
        return errors

    return course.in_course_root(autograde)
