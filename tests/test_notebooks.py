"""Every source notebook runs with all checks passing; every released notebook runs
and reports `not_implemented` for every exercise."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from checker.course import PROJECT_ROOT, assignments, release
from notebook_tools import execute, graded_checks, graded_reports

NOTEBOOKS = assignments()
SOURCE = PROJECT_ROOT / "notebooks"


def test_the_course_has_notebooks():
    assert "00_warmup" in NOTEBOOKS, f"expected notebooks/00_warmup/00_warmup.ipynb, found {NOTEBOOKS}"


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_source_notebook_passes_every_check(name, tmp_path):
    path = SOURCE / name / f"{name}.ipynb"
    graded = graded_checks(nbformat.read(str(path), as_version=4))
    assert graded, f"{name} has no graded check cells"
    executed, seconds = execute(path, cwd=path.parent)
    print(f"{name}: source notebook executed in {seconds:.1f} s")
    reports = graded_reports(executed)
    for grade_id, task_id in graded.items():
        assert grade_id in reports, f"{grade_id}: check({task_id!r}, ...) displayed no report"
        report = reports[grade_id]
        assert report["task"] == task_id, f"{grade_id} shows a report for {report['task']}, expected {task_id}"
        assert report["passed"], f"{name} {grade_id}: check({task_id!r}) did not pass with the solution: {report['codes']}"


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    build = tmp_path_factory.mktemp("course")
    return release(course_root=build)


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_released_notebook_runs_and_reports_not_implemented(name, released, tmp_path):
    path = released / name / f"{name}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    text = "\n".join(cell.source for cell in nb.cells)
    assert "### BEGIN SOLUTION" not in text, "the release still contains solution markers"
    assert "raise NotImplementedError()" in text
    workdir = tmp_path / name
    shutil.copytree(released / name, workdir)
    executed, seconds = execute(workdir / f"{name}.ipynb", cwd=workdir)
    print(f"{name}: released notebook executed in {seconds:.1f} s")
    graded = graded_checks(nb)
    assert graded, f"{name}: the release lost its graded check cells"
    reports = graded_reports(executed)
    for grade_id, task_id in graded.items():
        assert grade_id in reports, f"{grade_id}: check({task_id!r}, ...) displayed no report"
        codes = reports[grade_id]["codes"]
        assert codes == ["not_implemented"], f"{name} {grade_id}: expected only not_implemented, got {codes}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_source_notebooks_are_stored_without_outputs(name):
    nb = nbformat.read(str(SOURCE / name / f"{name}.ipynb"), as_version=4)
    nbformat.validate(nb)
    with_outputs = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not with_outputs, f"{name}: cells {with_outputs} have stored outputs; strip them before committing"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_graded_check_names_a_known_task(name):
    from checker import tasks

    graded = graded_checks(nbformat.read(str(SOURCE / name / f"{name}.ipynb"), as_version=4))
    unknown = sorted(set(graded.values()) - set(tasks()))
    assert not unknown, f"{name} checks unknown task ids {unknown}"
