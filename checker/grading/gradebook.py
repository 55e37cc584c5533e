"""The nbgrader side of a course: its folder and configuration, the gradebook, feedback and export.

``course feedback`` is nbgrader's ``generate_feedback`` and ``course export`` its CSV export plugin;
``Course`` opens the course folder with the project's ``nbgrader_config.py`` (and so with the
trusted autograde preprocessors, ``checker.grading.preprocessors``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from checker.course import PROJECT_ROOT, CourseError, _put_environment_on_path, nbgrader_config


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

    def name_students(self, roster: dict) -> None:
        """Students of ``roster`` (``submissions.read_roster``) in the gradebook with their names and
        emails; a name the roster leaves empty keeps the one the gradebook has."""
        from nbgrader.api import Gradebook

        with Gradebook(self.db_url, self.coursedir.course_id) as gb:
            for student, fields in roster.items():
                gb.update_or_create_student(student, **{k: v for k, v in fields.items() if v})

    def in_course_root(self, action):
        """``action()`` with the course's environment on PATH; nbgrader's API changes into the course
        root, the caller's working directory is put back."""
        working_dir = os.getcwd()
        _put_environment_on_path()
        try:
            return action()
        finally:
            os.chdir(working_dir)

    def tallies(self, assignment: str, students: list[str] | None = None) -> dict:
        """``{student: Tally}`` of the assignment's submissions in the gradebook (all students when None)."""
        from nbgrader.api import Gradebook, MissingEntry

        found = {}
        with Gradebook(self.db_url, self.coursedir.course_id) as gb:
            for student in students if students is not None else [s.id for s in gb.students]:
                try:
                    submission = gb.find_submission(assignment, student)
                except MissingEntry:
                    continue
                grades = [g for notebook in submission.notebooks for g in notebook.grades]
                found[student] = Tally.of(grades)
        return found


@dataclass
class Tally:
    """A submission's points as a person reads them: what the grader gave, what awaits a person.

    score, max_score:   the gradebook's totals (a grade given by hand counts);
    automatic, automatic_max: points and maximum of the automatically graded cells;
    pending:            maximum points of the cells no one has graded yet (written answers)."""

    score: float
    max_score: float
    automatic: float
    automatic_max: float
    pending: float

    @classmethod
    def of(cls, grades) -> "Tally":
        auto = [g for g in grades if g.auto_score is not None and g.manual_score is None]
        waiting = [g for g in grades if g.auto_score is None and g.manual_score is None]
        return cls(score=float(sum(g.score for g in grades)), max_score=float(sum(g.max_score for g in grades)),
                   automatic=float(sum(g.auto_score for g in auto)), automatic_max=float(sum(g.max_score for g in auto)),
                   pending=float(sum(g.max_score for g in waiting)))

    def words(self) -> str:
        """``12 / 14`` when everything is graded, else ``12 / 14: automatic 12/12, written answers not yet
        graded (2 points)``."""
        total = f"{self.score:g} / {self.max_score:g}"
        if not self.pending:
            return total
        return (f"{total}: automatic {self.automatic:g}/{self.automatic_max:g}, "
                f"written answers not yet graded ({self.pending:g} points)")


def last_error(result: dict) -> str:
    """The last line of what an nbgrader API call logged as its failure."""
    text = (result.get("error") or result.get("log") or "unknown error").strip()
    return text.splitlines()[-1] if text else "unknown error"


def generate_feedback(assignment: str, course_root: Path | None = None, students: list[str] | None = None) -> Path:
    """nbgrader ``generate_feedback`` for the autograded submissions; returns the feedback folder."""
    course = Course(course_root or PROJECT_ROOT)
    if not (course.root / course.coursedir.autograded_directory).is_dir():
        raise CourseError(f"nothing autograded in {course.root}: run `course grade {assignment}` first")
    api = course.api()

    def generate():
        for student in students or [None]:
            result = api.generate_feedback(assignment, student_id=student, force=True)
            if not result.get("success"):
                who = f" for {student}" if student else ""
                raise CourseError(f"nbgrader could not generate feedback{who}: {last_error(result)}")

    course.in_course_root(generate)
    folder = course.root / course.coursedir.feedback_directory
    for student, tally in course.tallies(assignment, students).items():
        if tally.pending:
            _note_pending(folder / student / assignment, tally)
    return folder


PENDING_NOTE = ('<div class="course-grade-pending" style="border-left:6px solid #f9a825;background:#fffde7;'
                'padding:8px 12px;margin:8px 0;font-family:system-ui,sans-serif">{}</div>')


def _note_pending(folder: Path, tally: Tally) -> None:
    """Say at the top of each feedback page that written answers await a grader (nbgrader shows them as 0)."""
    import html
    import re

    note = PENDING_NOTE.format(html.escape(
        f"Automatic {tally.automatic:g}/{tally.automatic_max:g}. Written answers not yet graded "
        f"({tally.pending:g} points): this page counts them as 0 until they are graded."))
    for page in folder.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        if "course-grade-pending" in text:
            continue
        marked, found = re.subn(r"(<body[^>]*>)", lambda m: m.group(1) + note, text, count=1)
        page.write_text(marked if found else note + text, encoding="utf-8")


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
