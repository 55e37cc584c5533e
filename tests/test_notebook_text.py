"""What every source notebook promises in its text: short markdown cells, a rubric under every written
answer, commands a learner can type as written, and a release in which no untouched exercise earns a point."""

from __future__ import annotations

import re

import matplotlib
import nbformat
import pytest

from checker.course import PROJECT_ROOT, assignments, release

NOTEBOOKS = assignments()
SOURCE = PROJECT_ROOT / "notebooks"
MAX_WORDS = 300


def source(name):
    return nbformat.read(str(SOURCE / name / f"{name}.ipynb"), as_version=4)


def written_answers(nb):
    """(grade_id, cell) of every manually graded answer: a markdown cell that is solution and grade."""
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("solution") and meta.get("grade"):
            yield meta["grade_id"], cell


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_no_markdown_cell_is_longer_than_a_screen(name):
    long = [(i, len(cell.source.split())) for i, cell in enumerate(source(name).cells)
            if cell.cell_type == "markdown" and len(cell.source.split()) > MAX_WORDS]
    assert not long, (f"{name}: markdown cells (index, words) over {MAX_WORDS} words: {long}; split them, "
                      "with a small code demo before the formula they lead to")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_written_answer_has_a_rubric(name):
    missing, empty = [], []
    for grade_id, cell in written_answers(source(name)):
        match = re.search(r"\*\*Rubric \((\d+(?:\.\d+)?) points?\)\.\*\*(.*)", cell.source, flags=re.S)
        if match is None:
            missing.append(grade_id)
        elif "names" not in match.group(2) or len(match.group(2).split()) < 12:
            empty.append(grade_id)
        elif float(match.group(1)) != cell.metadata["nbgrader"]["points"]:
            empty.append(f"{grade_id} (rubric says {match.group(1)} points, the cell is worth "
                         f"{cell.metadata['nbgrader']['points']})")
    assert not missing, f"{name}: answer cells without a '**Rubric (N points).**' paragraph: {missing}"
    assert not empty, f"{name}: rubrics that do not say what a full answer names: {empty}"


def test_the_rubric_check_finds_a_missing_rubric():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_markdown_cell("A sample answer without any rubric.")
    cell.metadata["nbgrader"] = {"grade": True, "solution": True, "grade_id": "q", "points": 1}
    nb.cells.append(cell)
    assert [g for g, _ in written_answers(nb)] == ["q"]
    assert "**Rubric" not in cell.source


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_commands_in_the_text_can_be_typed_as_written(name):
    # `course` is installed in the course's own environment, which a terminal does not activate
    text = "\n".join(cell.source for cell in source(name).cells)
    bare = [m.start() for m in re.finditer(r"(?<![/\w])course download", text)]
    assert not bare, f"{name}: 'course download' without '.venv/bin/' at characters {bare}"


def test_the_cifar_message_names_the_command_a_learner_can_run(tmp_path):
    from checker.data import load_cifar10

    with pytest.raises(FileNotFoundError) as caught:
        load_cifar10(root=tmp_path / "nothing-here")
    message = str(caught.value)
    assert "`.venv/bin/course download cifar10`" in message, message
    assert "in the course folder" in message, message


# =========================================================================== untouched releases earn nothing
class _Recorder:
    """Stands in for checker.check while a released notebook runs: checks for real and keeps the reports
    of the graded check cells (demonstrations of wrong code elsewhere in a notebook may pass a case)."""

    def __init__(self):
        from checker import check

        self.check = check
        self.reports = []
        self.in_graded_cell = False

    def __call__(self, task_id, fn, *args, **kwargs):
        report = self.check(task_id, fn, *args, **kwargs)
        if self.in_graded_cell:
            self.reports.append(report)
        return report


def _is_graded_check(cell):
    return cell.cell_type == "code" and cell.get("metadata", {}).get("nbgrader", {}).get("grade", False)


def _run_in_process(nb, namespace, cwd, recorder, monkeypatch):
    monkeypatch.chdir(cwd)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        recorder.in_graded_cell = _is_graded_check(cell)
        code = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith("%"))
        exec(compile(code, f"<{cell.get('id')}>", "exec"), namespace)


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    return release(course_root=tmp_path_factory.mktemp("course"))


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_an_untouched_release_passes_no_case(name, released, monkeypatch):
    import checker

    matplotlib.use("Agg")
    recorder = _Recorder()
    monkeypatch.setattr(checker, "check", recorder)
    nb = nbformat.read(str(released / name / f"{name}.ipynb"), as_version=4)
    namespace = {"__name__": "__main__", "display": lambda *a, **k: None}
    _run_in_process(nb, namespace, released / name, recorder, monkeypatch)
    graded = [c for c in nb.cells if _is_graded_check(c)]
    assert len(recorder.reports) == len(graded), f"{name}: expected a report per graded check cell"
    earning = [(r.task_id, r.cases_passed, r.cases_total) for r in recorder.reports
               if r.cases_passed or r.score > 0]
    assert not earning, (f"{name}: untouched stubs pass cases (task, passed, total): {earning}; "
                         "move the code that produces the answer into the solution region")
