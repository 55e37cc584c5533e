"""Grading a course checked out in a private folder (mode 0700, as /root and many home directories
are): the worker, which becomes nobody when started as root, still reads the course's data, so a
graded function that relies on a global computed from the data keeps its points."""

import os
import shutil
import stat

import pytest

import grading_tools as gt
from checker.course import PROJECT_ROOT
from checker.grading.grader import grade_notebook
from checker.grading.readable import readable_by_others, worker_datasets
from checker.grading.remote import Worker

pytestmark = pytest.mark.skipif(os.getuid() != 0, reason="only a worker started as root becomes nobody")

USES_DATA = ("from checker.data import load_digits\n"
             "digits = load_digits()\n"
             "FEATURES = digits.X_train.shape[1]\n"
             "print(digits.X_train.shape)")
CENTER_NEEDS_DATA = '''def center(X):
    assert FEATURES == 64, "the data did not load"
    return X - X.mean(axis=0, keepdims=True)
'''


@pytest.fixture
def private_datasets(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o700)
    datasets = shutil.copytree(PROJECT_ROOT / "datasets", home / "course" / "datasets")
    return datasets


def modes(folder):
    return {p: stat.S_IMODE(p.stat().st_mode) for p in [folder, *folder.rglob("*")]}


def test_a_private_datasets_folder_is_read_through_a_readable_copy(private_datasets):
    before = modes(private_datasets)
    assert not readable_by_others(private_datasets)
    copy = worker_datasets(private_datasets)
    assert copy != private_datasets and readable_by_others(copy)
    assert sorted(p.name for p in copy.rglob("*")) == sorted(p.name for p in private_datasets.rglob("*"))
    assert worker_datasets(private_datasets) == copy, "one copy per process"
    assert modes(private_datasets) == before, "the course's own files are left as they are"
    assert worker_datasets(copy) == copy


def test_the_worker_loads_the_data_of_a_course_in_a_private_folder(private_datasets):
    with Worker(datasets_dir=private_datasets).start() as worker:
        assert worker.user == "nobody"
        response = worker.request({"op": "cell", "source": USES_DATA, "name": "<cell 1>", "limit": 30}, 40)
    assert response["error"] is None, response["error"]
    assert "(1079, 64)" in response["printed"] and response["denials"] == []


def test_a_function_using_a_global_from_the_data_keeps_its_points(private_datasets, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATASETS", str(private_datasets))
    paths = gt.class_folder(tmp_path / "class")
    nb = gt.replace_solution(gt.insert_cells(gt.minimal(gt.load()), [USES_DATA]), "center", CENTER_NEEDS_DATA)
    submission = gt.write(nb, paths["victim_dir"] / "submission.ipynb")
    grade = grade_notebook(submission, paths["source"], seed=20261201)
    assert all(c.status == "ok" for c in grade.cells if c.status != "skipped_test"), grade.cells
    assert grade.tasks["check_center"].score == 1.0, grade.tasks["check_center"].text
