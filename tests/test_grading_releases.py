"""A released notebook nobody has touched earns no automatic point: every released stub fails every
case of its task when graded by the trusted grader (with a grading seed, as ``course grade`` does)."""

from __future__ import annotations

import pytest

from checker.course import PROJECT_ROOT, assignments, release
from checker.grading.grader import grade_notebook, graded_tests

pytestmark = pytest.mark.slow

GRADING_SEED = 20261202


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    return release(course_root=tmp_path_factory.mktemp("releases") / "course")


@pytest.mark.parametrize("assignment", assignments())
def test_an_untouched_release_scores_zero(released, assignment):
    source = PROJECT_ROOT / "notebooks" / assignment / f"{assignment}.ipynb"
    if not graded_tests(source):
        pytest.skip(f"{assignment} has no automatically graded cells")
    grade = grade_notebook(released / assignment / f"{assignment}.ipynb", source, seed=GRADING_SEED)
    earning = {gid: f"{task.task_id}: {task.score:.2f} of {task.points:g} points ({', '.join(task.codes)})"
               for gid, task in grade.tasks.items() if task.score > 0}
    assert earning == {}, f"released stubs that pass cases in {assignment}: {earning}"
