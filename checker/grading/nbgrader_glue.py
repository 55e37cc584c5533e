"""``course grade``: trusted grading of a whole class, written into nbgrader's gradebook.

Two phases per assignment ``A``:

1. Trusted grading (parallel over students). For every
   ``submitted/<student>/A/A.ipynb``: ``grade_notebook(submission, source, seed=<grading seed>)``
   (``checker.grading.grader``), which runs the learner's cells in a sandboxed worker and
   the checks in the trusted process. The result is cached as JSON under
   ``.course-build/grading/A/<student>.json`` with a key made of the submission's
   hash, the grading seed, the source notebook's hash and the grader's code: the same
   file is not graded twice, a changed one is.
2. nbgrader's own ``Autograde`` converter, one student at a time, with
   ``Autograde.autograde_preprocessors`` changed in two places: ``Execute`` (which would run
   the learner's code next to the tests) is replaced by :class:`TrustedResults`, which
   writes the trusted report (html + text) into each test cell's outputs and its score into
   the cell's metadata; ``SaveAutoGrades`` by :class:`SaveTrustedAutoGrades`, which gives
   ``auto_score = points * score`` (partial credit). Everything else is nbgrader's:
   sanitizing (``ClearOutput``, ``OverwriteCells`` restores the test cells from the
   gradebook...), ``autograded/``, students and submissions in the gradebook, timestamps,
   late penalties. Grades given by hand (``manual_score``) are never touched, and students
   not asked for are not visited at all.

``course feedback`` and ``course export`` are nbgrader's ``generate_feedback`` and CSV export plugin.
"""

from __future__ import annotations

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

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbformat.v4 import new_output
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput,
                                    NbGraderPreprocessor, SaveAutoGrades)
from nbgrader import utils as nbgrader_utils
from sqlalchemy.exc import SAWarning
from traitlets import Unicode

from checker.course import PROJECT_ROOT, CourseError, _put_environment_on_path, nbgrader_config
from checker.grading.secret import grading_seed
from checker.grading.submissions import SubmissionError, import_submissions, submitted_students, valid_student_id

RESULTS_FORMAT = 1
METADATA_KEY = "course_grade"  # cell / notebook metadata written by TrustedResults


# --------------------------------------------------------------------------- nbgrader preprocessors

class GradingResultsMissing(Exception):
    """Phase 2 ran for a student without a trusted result (run ``course grade``, not this converter alone)."""


CELL_NOTES = {  # what phase 2 writes under a submission cell that did not run cleanly in the grader
    "error": "While grading, this cell raised {detail}",
    "timeout": "While grading, this cell ran out of time ({detail}); it was stopped",
    "crashed": "While grading, this cell stopped the grading worker ({detail}); it was skipped",
    "skipped_time": "Not run while grading: {detail}",
}


class TrustedResults(NbGraderPreprocessor):
    """Stands in for nbgrader's ``Execute``: nothing of the submission runs here.

    Reads ``<results_dir>/<student>.json`` (written by phase 1) and, for every autograded
    test cell (code, ``grade: true``, not a solution), sets its outputs to the checker's
    report (``text/html`` + ``text/plain``) and ``metadata.course_grade`` to
    ``{task, score (0..1), passed, codes}``. A test cell the trusted grader has no result for
    gets score 0 and says so. A cell that raised, timed out or took the worker down gets a
    one-line note (``CELL_NOTES``); other cells keep the cleared outputs sanitizing left. The
    notebook's ``metadata.course_grade.events`` lists what the grader recognised."""

    results_dir = Unicode("", help="folder of the trusted results, one <student>.json each").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        student, notebook = info["student"], info["notebook"]
        path = Path(self.results_dir) / f"{student}.json" if self.results_dir else None
        if path is None or not path.is_file():
            raise GradingResultsMissing(
                f"no trusted grading result for student '{student}' ({path}); grade with `course grade`")
        data = json.loads(path.read_text())
        if data.get("notebook") != notebook:
            raise GradingResultsMissing(f"{path} holds results of notebook {data.get('notebook')!r}, not {notebook!r}")
        self._grades = data["grades"]
        self._problems = {c["cell_id"]: c for c in data.get("cells", [])
                          if c.get("cell_id") and c.get("status") in CELL_NOTES}
        nb.metadata[METADATA_KEY] = {"events": data.get("events", [])}
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        cell.metadata.pop(METADATA_KEY, None)  # only this preprocessor may write it: never trust a submission's
        if cell.cell_type != "code":
            return cell, resources
        if not nbgrader_utils.is_grade(cell) or nbgrader_utils.is_solution(cell):
            problem = self._problems.get(cell.get("id"))
            if problem is not None:  # say in autograded/ and the feedback what happened to this cell
                note = CELL_NOTES[problem["status"]].format(detail=problem.get("detail") or "no details")
                cell.outputs = [new_output("stream", name="stderr", text=f"[course grade] {note}\n")]
            return cell, resources
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        grade = self._grades.get(grade_id)
        if grade is None:
            text = f"Not graded: the trusted grader has no result for test cell '{grade_id}'. Score 0."
            cell.outputs = [new_output("stream", name="stdout", text=text + "\n")]
            cell.metadata[METADATA_KEY] = {"task": None, "score": 0.0, "passed": False, "codes": ["not_graded"]}
            return cell, resources
        cell.outputs = [new_output("display_data", data={"text/html": grade["html"], "text/plain": grade["text"]})]
        cell.metadata[METADATA_KEY] = {"task": grade["task_id"], "score": float(grade["score"]),
                                       "passed": bool(grade["passed"]), "codes": list(grade["codes"])}
        return cell, resources


class SaveTrustedAutoGrades(SaveAutoGrades):
    """nbgrader's ``SaveAutoGrades`` with partial credit from :class:`TrustedResults`:
    ``auto_score = max_score * score`` for cells that carry ``metadata.course_grade``.
    Other grade cells (written answers) are nbgrader's as before. A manual score is never
    changed; as in nbgrader, a cell with one is flagged for review."""

    def _add_score(self, cell, resources):
        trusted = cell.metadata.get(METADATA_KEY)
        if trusted is None or cell.cell_type != "code":
            return super()._add_score(cell, resources)
        grade = self.gradebook.find_grade(cell.metadata["nbgrader"]["grade_id"], self.notebook_id,
                                          self.assignment_id, self.student_id)
        score = min(max(float(trusted["score"]), 0.0), 1.0)
        grade.auto_score = round(float(grade.max_score) * score, 6)
        grade.needs_manual_grade = grade.manual_score is not None
        self.gradebook.db.commit()


TRUSTED_AUTOGRADE_PREPROCESSORS = [
    TrustedResults,        # instead of Execute
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveTrustedAutoGrades,  # instead of SaveAutoGrades
    AssignLatePenalties,
    CheckCellMetadata,
]


# --------------------------------------------------------------------------- course paths

def source_folder(course_root: Path) -> Path:
    """The source notebooks of a course: ``<course_root>/notebooks`` when it exists, else the project's."""
    own = Path(course_root).resolve() / "notebooks"
    return own if own.is_dir() else PROJECT_ROOT / "notebooks"


@dataclass
class Course:
    """An nbgrader course folder and its configuration (``nbgrader_config.py`` of the project)."""
    root: Path

    def __post_init__(self):
        from nbgrader.coursedir import CourseDirectory

        self.root = Path(self.root).resolve()
        self.config = nbgrader_config(self.root, source_folder(self.root))
        self.coursedir = CourseDirectory(config=self.config)

    def source(self, assignment: str) -> Path:
        return Path(self.coursedir.format_path(self.coursedir.source_directory, ".", assignment)) / f"{assignment}.ipynb"

    def submission(self, student: str, assignment: str) -> Path:
        return Path(self.coursedir.format_path(self.coursedir.submitted_directory, student, assignment)) / f"{assignment}.ipynb"

    def results_dir(self, assignment: str) -> Path:
        return self.root / ".course-build" / "grading" / assignment

    @property
    def db_url(self) -> str:
        return self.coursedir.db_url

    def api(self, extra=None):
        from nbgrader.apps import NbGraderAPI
        from traitlets.config import Config

        config = Config(self.config)
        if extra is not None:
            config.merge(extra)
        coursedir = type(self.coursedir)(config=config)
        return NbGraderAPI(coursedir=coursedir, config=config)

    def released_assignments(self) -> list[str]:
        from nbgrader.api import Gradebook

        if self.db_url.startswith("sqlite:///") and not Path(self.db_url[len("sqlite:///"):]).is_file():
            return []
        with Gradebook(self.db_url, self.coursedir.course_id) as gb:
            return [a.name for a in gb.assignments]


# --------------------------------------------------------------------------- phase 1: trusted grading

def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def grader_fingerprint() -> str:
    """Hash of the checker's code (and numpy's version): cached grades are only reused with the same grader."""
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


def _as_dict(value):
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def summarise(notebook_grade) -> dict:
    """The plain data phase 2 needs from a ``NotebookGrade`` (checker.grading.grader): per test cell
    the score and the report, per submission cell its status, the recognised events. No seed."""
    import dataclasses

    grades = {}
    for grade_id, task in notebook_grade.tasks.items():
        grades[grade_id] = {"task_id": task.task_id, "points": float(task.points), "score": float(task.score),
                            "passed": bool(task.passed), "codes": list(task.codes), "text": task.text,
                            "html": task.html}
    cells = [dataclasses.asdict(c) if dataclasses.is_dataclass(c) else dict(c) for c in notebook_grade.cells]
    return {"grades": grades, "cells": cells, "events": [dict(e) for e in notebook_grade.events]}


def _add_cell_ids(cells: list, submission: Path) -> None:
    """Name each cell status by the cell's nbformat id too, so phase 2 finds the cell after
    nbgrader's sanitizing (which may add missing cells and so shift positions)."""
    import nbformat

    try:
        ids = [c.get("id") for c in nbformat.read(str(submission), as_version=4).cells]
    except Exception:  # noqa: BLE001 - an unreadable submission has no cells to name
        return
    for cell in cells:
        index = cell.get("index")
        if isinstance(index, int) and 0 <= index < len(ids):
            cell["cell_id"] = ids[index]


def _write_json_atomically(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-")
    with os.fdopen(handle, "w") as stream:
        json.dump(data, stream, indent=1, sort_keys=True)
    os.replace(temporary, path)


def trusted_grade(job: dict) -> dict:
    """Phase 1 for one student (runs in a pool process): grade, write the cache file, return a status.

    Never raises: a failure of the grader itself is returned as ``{"status": "failed", "error": ...}``
    and that student is left out of phase 2 (their gradebook rows are not touched)."""
    from checker.grading.grader import grade_notebook

    started = time.perf_counter()
    try:
        grade = grade_notebook(Path(job["submission"]), Path(job["source"]), seed=job["seed"])
        summary = summarise(grade)
        _add_cell_ids(summary["cells"], Path(job["submission"]))
        full = _as_dict(grade.to_json())
        full.pop("seed", None)  # the seed stays derivable from the secret only
        record = {"format": RESULTS_FORMAT, "key": job["key"], "student": job["student"],
                  "notebook": job["notebook"], **summary, "notebook_grade": full,
                  "seconds": round(time.perf_counter() - started, 3)}
        _write_json_atomically(Path(job["cache"]), record)
        score = sum(g["points"] * g["score"] for g in summary["grades"].values())
        return {"student": job["student"], "status": "graded", "seconds": record["seconds"],
                "auto_score": score, "events": summary["events"]}
    except Exception as exc:  # the grader's own failure: report it, grade the others
        return {"student": job["student"], "status": "failed", "seconds": round(time.perf_counter() - started, 3),
                "error": f"{type(exc).__name__}: {exc}"}


def _grade_in_pool(todo: list, jobs: int, bar) -> list:
    """Phase 1 over a process pool. Should a grading process die (it never runs learner code, but
    if it did), the pool breaks and every pending job fails with it: those jobs are graded again,
    each in a pool of its own, so only the culprit is lost."""
    outcomes, broken = [], []
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        futures = {pool.submit(trusted_grade, job): job for job in todo}
        for future in as_completed(futures):
            try:
                outcomes.append(future.result())
                bar.update()
            except BrokenProcessPool:
                broken.append(futures[future])
    for job in broken:
        with ProcessPoolExecutor(1, mp_context=context) as pool:
            try:
                outcomes.append(pool.submit(trusted_grade, job).result())
            except BrokenProcessPool:
                outcomes.append({"student": job["student"], "status": "failed", "seconds": 0.0,
                                 "error": "the grading process died (nothing was written for this student)"})
        bar.update()
    return outcomes


def _cached(path: Path, key: str) -> dict | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if data.get("format") != RESULTS_FORMAT or data.get("key") != key:
        return None
    return data


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


@dataclass
class GradeRun:
    assignment: str
    jobs: int
    students: list = field(default_factory=list)   # StudentResult
    imported: object = None                         # submissions.ImportResult or None
    phase1_seconds: float = 0.0
    phase2_seconds: float = 0.0

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
                     f"trusted grading {self.phase1_seconds:.1f} s with {self.jobs} job(s), "
                     f"nbgrader autograde {self.phase2_seconds:.1f} s")
        width = max([len(s.student) for s in self.students] + [7])
        for s in self.students:
            if s.status == "failed":
                lines.append(f"  {s.student:<{width}}  NOT GRADED: {s.error}")
                continue
            flags = "; ".join(_event_text(e)[:100] for e in s.events[:3])
            if len(s.events) > 3:
                flags += f"; and {len(s.events) - 3} more"
            lines.append(f"  {s.student:<{width}}  {s.score:g} / {s.max_score:g}" + (f"   [{flags}]" if flags else ""))
        return "\n".join(lines)


def _event_text(event) -> str:
    if isinstance(event, dict):
        return " ".join(str(event[k]) for k in ("kind", "detail") if event.get(k)) or json.dumps(event)
    return str(event)


def grade_assignment(assignment: str, course_root: Path | None = None, *, submissions: Path | None = None,
                     students: list[str] | None = None, jobs: int | None = None, progress: bool = True,
                     use_cache: bool = True) -> GradeRun:
    """``course grade``: import (optional), trusted grading in parallel, nbgrader autograde; see the module doc."""
    from tqdm import tqdm

    course = Course(course_root or PROJECT_ROOT)
    if students:
        bad = [s for s in students if not valid_student_id(s)]
        if bad:
            raise CourseError(f"not a valid student id: {', '.join(bad)}")
    source = course.source(assignment)
    if not source.is_file():
        raise CourseError(f"no source notebook {source}")
    if assignment not in course.released_assignments():
        raise CourseError(f"{assignment} is not in the gradebook {course.db_url}: run `course release {assignment}` first")

    imported = None
    if submissions is not None:
        try:
            imported = import_submissions(Path(submissions), assignment, course.root, students=students)
        except SubmissionError as exc:
            raise CourseError(str(exc)) from None
        wanted = imported.students
    else:
        available = submitted_students(course.root, assignment)
        if students:
            missing = [s for s in students if s not in available]
            if missing:
                raise CourseError(f"no submission of {assignment} for {', '.join(missing)} "
                                  f"(expected {course.submission(missing[0], assignment)})")
            wanted = sorted(set(students))
        else:
            wanted = available

    seed = grading_seed(course.root, assignment)
    fingerprint = grader_fingerprint()
    source_bytes = source.read_bytes()
    results_dir = course.results_dir(assignment)
    jobs = max(1, int(jobs or os.cpu_count() or 1))
    run = GradeRun(assignment, jobs, imported=imported)
    results: dict[str, StudentResult] = {}
    todo = []
    for student in wanted:
        submission = course.submission(student, assignment)
        key = cache_key(submission.read_bytes(), source_bytes, seed, fingerprint)
        cache = results_dir / f"{student}.json"
        cached = _cached(cache, key) if use_cache else None
        if cached is not None:
            score = sum(g["points"] * g["score"] for g in cached["grades"].values())
            results[student] = StudentResult(student, "cached", cached.get("seconds", 0.0), score,
                                             events=cached.get("events", []))
        else:
            todo.append({"student": student, "submission": str(submission), "source": str(source), "seed": seed,
                         "key": key, "cache": str(cache), "notebook": assignment})

    started = time.perf_counter()
    run.jobs = min(jobs, max(1, len(todo)))
    with tqdm(total=len(todo), desc=f"grading {assignment}", unit="notebook", disable=not progress or not todo,
              file=sys.stderr) as bar:
        if run.jobs == 1:
            outcomes = []
            for job in todo:
                outcomes.append(trusted_grade(job))
                bar.update()
        else:
            outcomes = _grade_in_pool(todo, run.jobs, bar)
    for outcome in outcomes:
        results[outcome["student"]] = StudentResult(outcome["student"], outcome["status"], outcome["seconds"],
                                                    outcome.get("auto_score"), events=outcome.get("events", []),
                                                    error=outcome.get("error"))
    run.phase1_seconds = time.perf_counter() - started

    started = time.perf_counter()
    to_autograde = [s for s in wanted if results[s].status != "failed"]
    errors = autograde_trusted(course, assignment, to_autograde, results_dir)
    for student, error in errors.items():
        results[student].status, results[student].error = "failed", f"nbgrader autograde: {error}"
    run.phase2_seconds = time.perf_counter() - started

    _read_back_scores(course, assignment, [r for r in results.values() if r.status != "failed"])
    run.students = [results[s] for s in wanted]
    return run


def autograde_trusted(course: Course, assignment: str, students: list[str], results_dir: Path) -> dict[str, str]:
    """Phase 2: nbgrader's Autograde with the trusted preprocessors, one student at a time;
    returns {student: error} for those nbgrader could not process."""
    from traitlets.config import Config

    extra = Config()
    extra.Autograde.autograde_preprocessors = list(TRUSTED_AUTOGRADE_PREPROCESSORS)
    extra.TrustedResults.results_dir = str(results_dir)
    api = course.api(extra)
    errors = {}
    working_dir = os.getcwd()
    _put_environment_on_path()
    try:
        with warnings.catch_warnings():  # nbgrader's own SQLAlchemy session warnings, harmless and noisy
            warnings.filterwarnings("ignore", category=SAWarning)
            for student in students:
                result = api.autograde(assignment, student, force=True, create=True)
                if not result.get("success"):
                    errors[student] = _last_error(result)
    finally:
        os.chdir(working_dir)  # nbgrader changes into the course root
    return errors


def _last_error(result: dict) -> str:
    text = (result.get("error") or result.get("log") or "unknown error").strip()
    return text.splitlines()[-1] if text else "unknown error"


def _read_back_scores(course: Course, assignment: str, results: list) -> None:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        for result in results:
            try:
                submission = gb.find_submission(assignment, result.student)
            except MissingEntry:
                continue
            result.score, result.max_score = float(submission.score), float(submission.max_score)


# --------------------------------------------------------------------------- feedback and export

def generate_feedback(assignment: str, course_root: Path | None = None, students: list[str] | None = None) -> Path:
    """nbgrader ``generate_feedback`` for the autograded submissions; returns the feedback folder."""
    course = Course(course_root or PROJECT_ROOT)
    if not (course.root / course.coursedir.autograded_directory).is_dir():
        raise CourseError(f"nothing autograded in {course.root}: run `course grade {assignment}` first")
    api = course.api()
    working_dir = os.getcwd()
    _put_environment_on_path()
    try:
        for student in students or [None]:
            result = api.generate_feedback(assignment, student_id=student, force=True)
            if not result.get("success"):
                who = f" for {student}" if student else ""
                raise CourseError(f"nbgrader could not generate feedback{who}: {_last_error(result)}")
    finally:
        os.chdir(working_dir)
    return course.root / course.coursedir.feedback_directory


def export_grades(to: Path, course_root: Path | None = None, assignments: list[str] | None = None) -> Path:
    """nbgrader's CSV export plugin: one row per student x assignment (score and max score)."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins.export import CsvExportPlugin

    course = Course(course_root or PROJECT_ROOT)
    if not course.released_assignments():
        raise CourseError(f"no assignment in the gradebook {course.db_url}: run `course release` and `course grade` first")
    to = Path(to).resolve()
    to.parent.mkdir(parents=True, exist_ok=True)
    plugin = CsvExportPlugin(config=course.config)
    plugin.to = str(to)
    if assignments:
        plugin.assignment = list(assignments)
    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        plugin.export(gb)
    return to
