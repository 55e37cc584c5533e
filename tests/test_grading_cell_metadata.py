"""Submissions whose cells' nbgrader metadata changed are graded from the source notebook's cells and
points, with the change named for the instructor; the learner's file is left as it is.
(``checker.grading.cells`` on its own, then ``course grade`` on a class with each kind of change.)"""

from __future__ import annotations

import copy
import shutil

import pytest
from nbgrader.api import Gradebook

import grading_tools as gt
from checker.cli import main as course
from checker.course import PROJECT_ROOT
from checker.grading.cells import restore_grade_cells
from checker.grading.course_grade import grade_assignment

A = "00_warmup"
TEST_POINTS = sum(points for _, points in gt.WARMUP_TESTS.values())  # 12: the automatic points


def copied_test_cell(nb):
    nb = copy.deepcopy(nb)
    index = gt.cell_index(nb, "check_center")
    twin = copy.deepcopy(nb.cells[index])
    twin.id = "copied-check"
    nb.cells.insert(index + 1, twin)  # what JupyterLab's copy and paste makes: the same grade id
    return nb


def copied_with_new_id(nb):
    nb = copied_test_cell(nb)
    nb.cells[gt.cell_index(nb, "check_center") + 1].metadata["nbgrader"]["grade_id"] = "check_center_again"
    return nb


def new_grade_cell(nb):
    nb = copy.deepcopy(nb)
    nb.cells.append(gt.new_code_cell("x = 1", grade=True, solution=True, grade_id="my_extra", points=5,
                                     locked=False, schema_version=3))
    return nb


CHANGES = {  # student: (how the notebook was changed, words the change is named by)
    "copied": (copied_test_cell, "a copy of a cell with this grade id"),
    "copied2": (copied_with_new_id, "'check_center_again' (not a grade id of the source notebook)"),
    "renamed": (lambda nb: gt.edit_metadata(nb, "check_center", grade_id="my_check"), "'check_center' is missing"),
    "ungraded": (lambda nb: gt.edit_metadata(nb, "check_center", grade=False), "grade False -> True"),
    "points": (lambda nb: gt.edit_metadata(nb, "check_center", points=100), "points 100 -> 2"),
    "extra": (new_grade_cell, "'my_extra' (not a grade id of the source notebook)"),
}


@pytest.mark.parametrize("student", sorted(CHANGES))
def test_each_change_is_undone_and_named(student):
    change, words = CHANGES[student]
    source = gt.load()
    nb = change(source)
    changes = restore_grade_cells(nb, source)
    assert any(words in what for _, what in changes), changes
    assert restore_grade_cells(nb, source) == [c for c in changes if "missing" in c[1]], "restored once and for all"
    assert restore_grade_cells(copy.deepcopy(source), source) == []


@pytest.mark.slow
def test_course_grade_grades_submissions_with_changed_metadata(tmp_path, capsys):
    root = tmp_path / "course"
    shutil.copytree(PROJECT_ROOT / "notebooks" / A, root / "notebooks" / A)
    assert course(["release", A, "--course-dir", str(root)]) == 0
    files = {}
    for student, (change, _) in {**CHANGES, "intact": (lambda nb: nb, None)}.items():
        files[student] = gt.write(change(gt.load()), root / "submitted" / student / A / f"{A}.ipynb")
    written = {s: p.read_bytes() for s, p in files.items()}

    run = grade_assignment(A, root, jobs=1, progress=False)
    summary = run.summary()
    assert run.failed == [], summary
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for student in files:
            submission = gb.find_submission(A, student)
            auto = {g.name: g.auto_score for g in gb.find_submission_notebook(A, A, student).grades
                    if g.name in gt.WARMUP_TESTS}
            assert auto == {gid: points for gid, (_, points) in gt.WARMUP_TESTS.items()}, (student, auto)
            assert submission.max_score == TEST_POINTS + 2, f"{student}: the source's points count"
    for student, result in ((s.student, s) for s in run.students):
        kinds = {e["kind"] for e in result.events}
        assert ("cell_metadata_changed" in kinds) == (student != "intact"), (student, result.events)
    assert {s: p.read_bytes() for s, p in files.items()} == written, "the learners' files are left as they are"
