"""Every way nbgrader autogrades this course goes through the trusted grader, or refuses.

A tampering submission (an array that claims to equal anything, ``np.allclose`` patched, a file
planted in the course folder) is autograded by nbgrader's own command line and by the formgrader's
Autograde button (a real Jupyter server with nbgrader's formgrader, the request its button sends).
Each must give the trusted grader's score, plant nothing, and name the attack; where the checker
cannot be imported, autograding refuses and names ``course grade``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from checker.cli import main as course
from checker.course import PROJECT_ROOT
from checker.grading.grader import grade_notebook
from checker.grading.secret import grading_seed

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
from grade_class import FAKE_EQUAL_CENTER, with_cell, with_function  # noqa: E402
from jupyter_servers import free_port, running  # noqa: E402

pytestmark = pytest.mark.slow

A = "00_warmup"
SOURCE = PROJECT_ROOT / "notebooks" / A / f"{A}.ipynb"
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    root = tmp_path_factory.mktemp("entry") / "course"
    shutil.copytree(PROJECT_ROOT / "notebooks" / A, root / "notebooks" / A)
    shutil.copy(PROJECT_ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    assert course(["release", A, "--course-dir", str(root)]) == 0
    return root


@pytest.fixture
def tampered(released, tmp_path):
    """A copy of the course with mallory's tampering submission; returns (root, planted file, trusted score)."""
    root = shutil.copytree(released, tmp_path / "course")
    planted = root / "planted-by-mallory"
    nb = with_cell(with_function(nbformat.read(str(SOURCE), as_version=4), "center", FAKE_EQUAL_CENTER),
                   "import numpy as np\nnp.allclose = lambda *a, **k: True\n"
                   f"open({str(planted)!r}, 'w').write('x')\n")
    submission = root / "submitted" / "mallory" / A / f"{A}.ipynb"
    submission.parent.mkdir(parents=True)
    nbformat.write(nb, str(submission))
    trusted = grade_notebook(submission, root / "notebooks" / A / f"{A}.ipynb", seed=grading_seed(root, A))
    assert trusted.score < 12, "the attack must cost something for this test to mean anything"
    return root, planted, trusted.score


def environment() -> dict:
    return dict(os.environ, PATH=str(BIN) + os.pathsep + os.environ.get("PATH", ""))


def autograded_as_trusted(root: Path, planted: Path, trusted_score: float) -> None:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        notebook = gb.find_submission_notebook(A, A, "mallory")
        auto = sum(g.auto_score or 0 for g in notebook.grades)
    assert auto == pytest.approx(trusted_score), "autograded without the trusted grader"
    assert not planted.exists(), "the submission's code ran in nbgrader's process"
    graded = nbformat.read(str(root / "autograded" / "mallory" / A / f"{A}.ipynb"), as_version=4)
    assert "sandbox_denied" in {e["kind"] for e in graded.metadata["course_grade"]["events"]}


def test_nbgrader_autograde_grades_through_the_trusted_grader(tampered):
    root, planted, trusted_score = tampered
    result = subprocess.run([str(BIN / "nbgrader"), "autograde", A], cwd=root, env=environment(),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    autograded_as_trusted(root, planted, trusted_score)


def _request(url: str, token: str, method: str = "GET", timeout: float = 300):
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None,
                                     headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read().decode()


def test_the_formgrader_autograde_button_grades_through_the_trusted_grader(tampered, tmp_path):
    root, planted, trusted_score = tampered
    port, token = free_port(), "entry-points-test"
    command = [str(BIN / "jupyter"), "server", "--no-browser", "--allow-root", f"--port={port}", "--ip=127.0.0.1",
               f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}"]
    base = f"http://127.0.0.1:{port}"
    with running(command, url=base, token=token, cwd=root, env=environment(), log_path=tmp_path / "server.log"):
        # what the formgrader's Autograde button sends (nbgrader's manage_submissions page)
        answer = json.loads(_request(f"{base}/formgrader/api/submission/{A}/mallory/autograde", token, "POST"))
    assert answer["success"], answer.get("error") or answer.get("log")
    autograded_as_trusted(root, planted, trusted_score)


def test_without_the_checker_autograding_refuses_and_names_course_grade(tampered):
    root, planted, _ = tampered
    without_checker = ("import sys\nsys.modules['checker'] = None  # an environment without the course's checker\n"
                       "from nbgrader.apps.nbgraderapp import main\nsys.argv = ['nbgrader', 'autograde', 'A']\nmain()\n")
    result = subprocess.run([sys.executable, "-c", without_checker.replace("'A'", repr(A))], cwd=root,
                            env=environment(), capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "`course grade" in result.stdout + result.stderr
    assert not planted.exists()
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        assert not [g for g in gb.find_submission_notebook(A, A, "mallory").grades if g.auto_score], \
            "nothing may be scored without the trusted grader"
