"""nbgrader preprocessors that make nbgrader's own ``Autograde`` grade through the trusted grader.

``nbgrader_config.py`` puts them in ``Autograde.autograde_preprocessors`` (``AUTOGRADE_PREPROCESSORS``)
and ``Autograde.sanitize_preprocessors`` (``SANITIZE_PREPROCESSORS``),
so every way of autograding this course, ``course grade``, ``nbgrader autograde`` and the
formgrader's Autograde button, runs the learner's code in the sandboxed worker, never next to the
tests:

- :class:`TrustedResults` stands in for nbgrader's ``Execute``: nothing of the submission runs in
  nbgrader's process. It takes the submission's trusted grade (``checker.grading.course_grade``:
  from the cache when the submission, source, seed and grader are unchanged, else graded now) and
  writes each test cell's report (html + text) into its outputs and its score into
  ``metadata.course_grade``.
- :class:`SaveTrustedAutoGrades` stands in for ``SaveAutoGrades``: ``auto_score = points * score``.
- :class:`RestoreGradeCells` comes first among the sanitizing steps (``SANITIZE_PREPROCESSORS``): grade
  cells whose metadata the learner changed are graded as the source notebook declares them.

Everything else is nbgrader's: sanitizing, ``autograded/``, the gradebook, timestamps, late penalties.
"""

from __future__ import annotations

import json
from pathlib import Path

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbformat.v4 import new_output
from nbgrader import utils as nbgrader_utils
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds, IgnorePattern,
                                    LimitOutput, NbGraderPreprocessor, OverwriteCells, OverwriteKernelspec,
                                    SaveAutoGrades)
from traitlets import Unicode

METADATA_KEY = "course_grade"  # cell / notebook metadata written by TrustedResults

CELL_NOTES = {  # what is written under a submission cell that did not run cleanly in the grader
    "error": "While grading, this cell raised {detail}",
    "timeout": "While grading, this cell ran out of time ({detail}); it was stopped",
    "crashed": "While grading, this cell stopped the grading worker ({detail}); it was skipped",
    "skipped_time": "Not run while grading: {detail}",
}


class GradingResultsMissing(Exception):
    """No trusted grade for a student, and none can be made here (no course folder, no submission)."""


def _course_directory(preprocessor):
    """The ``CourseDirectory`` of the nbgrader converter running this preprocessor, if any."""
    owner = getattr(preprocessor, "parent", None)
    while owner is not None:
        if getattr(owner, "coursedir", None) is not None:
            return owner.coursedir
        owner = getattr(owner, "parent", None)
    return None


def _source_path(coursedir, assignment: str, notebook: str) -> Path:
    return Path(coursedir.format_path(coursedir.source_directory, ".", assignment)) / f"{notebook}.ipynb"


def _source_notebook(preprocessor, resources):
    """The source notebook of the submission being converted, or None outside a course folder."""
    import nbformat

    coursedir, info = _course_directory(preprocessor), resources.get("nbgrader", {})
    if coursedir is None or not info.get("assignment"):
        return None
    path = _source_path(coursedir, info["assignment"], info["notebook"])
    return nbformat.read(str(path), as_version=4) if path.is_file() else None


class RestoreGradeCells(NbGraderPreprocessor):
    """First of the sanitizing steps: the grade cells as the source notebook declares them
    (``checker.grading.cells``), so that a copied, renamed, re-pointed or ungraded cell neither
    stops nbgrader nor changes what is graded. The changes are logged; the trusted grader names
    them in its events too."""

    def preprocess(self, nb, resources):
        from checker.grading.cells import restore_grade_cells

        source = _source_notebook(self, resources)
        if source is None:
            self.log.warning("no source notebook found: the submission's grade cells are left as they are")
            return nb, resources
        for where, what in restore_grade_cells(nb, source):
            self.log.warning("%s%s", f"{where}: " if where else "", what)
        return nb, resources


class TrustedResults(NbGraderPreprocessor):
    """Stands in for nbgrader's ``Execute``: the trusted grade goes into the test cells.

    For every autograded test cell (code, ``grade: true``, not a solution) its outputs become the
    checker's report and ``metadata.course_grade`` ``{task, score (0..1), passed, codes}``; a test
    cell without a trusted result gets score 0 and says so. A submission cell that raised, timed out
    or took the worker down gets a one-line note (``CELL_NOTES``). ``metadata.course_grade.events``
    of the notebook lists what the grader recognised."""

    results_dir = Unicode("", help="folder of the trusted grades, one <student>.json each "
                                   "(default: <course>/.course-build/grading/<assignment>)").tag(config=True)

    def preprocess(self, nb, resources):
        from checker.grading.grader import NotebookGrade

        info = resources["nbgrader"]
        student, notebook, assignment = info["student"], info["notebook"], info.get("assignment")
        record = self._record(student, assignment, notebook)
        if record.get("notebook") != notebook:
            raise GradingResultsMissing(f"the trusted grade of '{student}' is of notebook "
                                        f"{record.get('notebook')!r}, not {notebook!r}")
        grade = NotebookGrade.from_dict(record)
        self._grades = grade.tasks
        self._problems = {c.cell_id: c for c in grade.cells if c.cell_id and c.status in CELL_NOTES}
        nb.metadata[METADATA_KEY] = {"events": grade.events}
        return super().preprocess(nb, resources)

    def _record(self, student: str, assignment: str | None, notebook: str) -> dict:
        """The stored trusted grade, made now when the course folder holds a submission whose grade is
        missing or stale."""
        from checker.grading import course_grade

        coursedir = _course_directory(self)
        results = Path(self.results_dir) if self.results_dir else None
        if coursedir is not None and assignment:
            root = Path(coursedir.root)
            results = results or course_grade.results_folder(root, assignment)
            submission = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment)) / f"{notebook}.ipynb"
            source = _source_path(coursedir, assignment, notebook)
            if submission.is_file() and source.is_file():
                return course_grade.ensure_graded(root, assignment, student, submission, source,
                                                  results / f"{student}.json")
        path = results / f"{student}.json" if results else None
        if path is None or not path.is_file():
            raise GradingResultsMissing(f"no trusted grading result for student '{student}' ({path}); "
                                        "grade with `course grade`")
        return json.loads(path.read_text())

    def preprocess_cell(self, cell, resources, index):
        cell.metadata.pop(METADATA_KEY, None)  # only this preprocessor may write it: never trust a submission's
        if cell.cell_type != "code":
            return cell, resources
        if not nbgrader_utils.is_grade(cell) or nbgrader_utils.is_solution(cell):
            problem = self._problems.get(cell.get("id"))
            if problem is not None:  # say in autograded/ and the feedback what happened to this cell
                note = CELL_NOTES[problem.status].format(detail=problem.detail or "no details")
                cell.outputs = [new_output("stream", name="stderr", text=f"[course grade] {note}\n")]
            return cell, resources
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        grade = self._grades.get(grade_id)
        if grade is None:
            text = f"Not graded: the trusted grader has no result for test cell '{grade_id}'. Score 0."
            cell.outputs = [new_output("stream", name="stdout", text=text + "\n")]
            cell.metadata[METADATA_KEY] = {"task": None, "score": 0.0, "passed": False, "codes": ["not_graded"]}
            return cell, resources
        cell.outputs = [new_output("display_data", data={"text/html": grade.html, "text/plain": grade.text})]
        cell.metadata[METADATA_KEY] = {"task": grade.task_id, "score": float(grade.score),
                                       "passed": bool(grade.passed), "codes": list(grade.codes)}
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


SANITIZE_PREPROCESSORS = [RestoreGradeCells, ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells,
                          CheckCellMetadata]  # nbgrader's, after RestoreGradeCells

AUTOGRADE_PREPROCESSORS = [
    TrustedResults,        # instead of Execute
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveTrustedAutoGrades,  # instead of SaveAutoGrades
    AssignLatePenalties,
    CheckCellMetadata,
]
