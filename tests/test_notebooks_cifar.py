"""The optional CIFAR-10 sections of notebooks 01 to 03 run on a made-up CIFAR-10.

The real data set is a 163 MB download that the tests cannot rely on, so a small one is written in the
real pickle format (random pixels, labels cycling over the ten classes) into a temporary datasets folder,
and the kernel is pointed at it with COURSE_DATASETS. Accuracies on it are chance level; the tests only
check that each section ran to its result line instead of printing its skip line."""

from __future__ import annotations

import os
import pickle
import shutil

import nbformat
import numpy as np
import pytest

from checker import data
from checker.course import PROJECT_ROOT, release
from notebook_tools import execute

SOURCE = PROJECT_ROOT / "notebooks"
SKIP_LINE = "CIFAR-10 is not available, skipping this section."
PER_BATCH = 2000  # 10000 training images: enough for every num_training + num_validation the notebooks ask for
TEST_COUNT = 2000
CLASS_NAMES = [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog", b"horse", b"ship", b"truck"]

# notebook -> a line its CIFAR-10 cell prints only after the learner's code has run on the data
RESULT_LINES = {
    "01_knn": "CIFAR-10, k =  1: test accuracy",
    "02_logreg": "CIFAR-10 cat vs dog, test accuracy",
    "03_linear": "CIFAR-10 softmax",
}


def _write_batch(path, rng, count, first_label):
    batch = {
        b"batch_label": b"made up",
        b"labels": [(first_label + i) % 10 for i in range(count)],
        b"data": rng.integers(0, 256, size=(count, 3072), dtype=np.uint8),
        b"filenames": [b"x.png"] * count,
    }
    path.write_bytes(pickle.dumps(batch, protocol=2))


@pytest.fixture(scope="module")
def datasets_with_cifar(tmp_path_factory):
    """A datasets folder holding the shipped files and a made-up cifar-10-batches-py."""
    folder = tmp_path_factory.mktemp("datasets")
    for name in ("digits.npz", "photos.npz", "SHA256SUMS"):
        shutil.copy2(PROJECT_ROOT / "datasets" / name, folder / name)
    cifar = folder / data.CIFAR10_DIRNAME
    cifar.mkdir()
    rng = np.random.default_rng(0)
    for b, name in enumerate(data.CIFAR10_TRAIN_BATCHES):
        _write_batch(cifar / name, rng, PER_BATCH, first_label=b * PER_BATCH)
    _write_batch(cifar / data.CIFAR10_TEST_BATCH, rng, TEST_COUNT, first_label=0)
    meta = {b"label_names": CLASS_NAMES, b"num_cases_per_batch": PER_BATCH, b"num_vis": 3072}
    (cifar / data.CIFAR10_META).write_bytes(pickle.dumps(meta, protocol=2))
    return folder


def _outputs_text(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif output.get("output_type") == "error":
            parts.append(f"{output.get('ename')}: {output.get('evalue')}")
    return "".join(parts)


def _cifar_cell_output(nb) -> str:
    cells = [c for c in nb.cells if c.cell_type == "code" and "load_cifar10(num_training" in c.source]
    assert len(cells) == 1, f"expected one cell calling load_cifar10(num_training=...), found {len(cells)}"
    return _outputs_text(cells[0])


def test_the_made_up_cifar_loads_with_every_count_the_notebooks_ask_for(datasets_with_cifar):
    root = datasets_with_cifar / data.CIFAR10_DIRNAME
    split = data.load_cifar10(root=root, num_training=5000, num_validation=1000, num_test=1000)
    assert split.X_train.shape == (5000, 32, 32, 3) and split.X_val.shape == (1000, 32, 32, 3)
    assert data.load_cifar10(root=root, num_training=10000, num_test=2000).X_test.shape == (2000, 32, 32, 3)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(RESULT_LINES))
def test_cifar_section_runs_on_made_up_cifar(name, datasets_with_cifar):
    path = SOURCE / name / f"{name}.ipynb"
    env = dict(os.environ, COURSE_DATASETS=str(datasets_with_cifar))
    executed, seconds = execute(path, cwd=path.parent, env=env)  # raises on any uncaught error in a cell
    text = _cifar_cell_output(executed)
    print(f"{name}: executed with made-up CIFAR-10 in {seconds:.1f} s\n{text}")
    assert SKIP_LINE not in text, f"{name}: the CIFAR-10 section did not find the made-up data:\n{text}"
    assert RESULT_LINES[name] in text, f"{name}: the CIFAR-10 section printed no result line:\n{text}"
    assert "not implemented yet" not in text, f"{name}: the source notebook's solutions did not run:\n{text}"


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(RESULT_LINES))
def test_cifar_section_skips_without_cifar(name, tmp_path):
    folder = tmp_path / "datasets"
    folder.mkdir()
    for file in ("digits.npz", "photos.npz", "SHA256SUMS"):
        shutil.copy2(PROJECT_ROOT / "datasets" / file, folder / file)
    path = SOURCE / name / f"{name}.ipynb"
    env = dict(os.environ, COURSE_DATASETS=str(folder))
    executed, _ = execute(path, cwd=path.parent, env=env)
    text = _cifar_cell_output(executed)
    assert SKIP_LINE in text, f"{name}: expected the skip line without CIFAR-10, got:\n{text}"


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    return release(course_root=tmp_path_factory.mktemp("course"))


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(RESULT_LINES))
def test_released_cifar_section_says_what_is_missing(name, datasets_with_cifar, released, tmp_path):
    # With the data present but the exercises not done, the section prints a friendly line instead of crashing.
    workdir = tmp_path / name
    shutil.copytree(released / name, workdir)
    env = dict(os.environ, COURSE_DATASETS=str(datasets_with_cifar))
    executed, _ = execute(workdir / f"{name}.ipynb", cwd=workdir, env=env)
    text = _cifar_cell_output(executed)
    assert SKIP_LINE not in text and RESULT_LINES[name] not in text, text
    assert "not implemented yet" in text or "not written yet" in text, f"{name}: expected the not-implemented line:\n{text}"
