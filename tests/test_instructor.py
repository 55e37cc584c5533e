"""The instructor's path end to end, as the README tells it: course release -> three students'
submissions (correct, partly wrong, hostile) from a zip -> course grade -> the gradebook holds the
right partial scores -> a grade given by hand survives a re-grade -> course feedback -> course export.
And nbgrader's own `nbgrader autograde` still works on the course (through the trusted grader)."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbgrader.api import Gradebook

from checker import registry
from checker.cli import main as course
from checker.course import PROJECT_ROOT
from checker.engine import run_check
from checker.grading.secret import SECRET_NAME, grading_seed

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
from grade_class import FAKE_EQUAL_CENTER, WRONG_WARMUP, with_cell, with_function  # noqa: E402

A = "00_warmup"
SOURCE = PROJECT_ROOT / "notebooks" / A / f"{A}.ipynb"
POINTS = {"check_center": 2, "check_normalize_rows": 2, "check_one_hot": 2, "check_squared_distances": 3,
          "check_mse_loss": 3}
WRITTEN = {"q_keepdims": 1, "q_vectorization": 1}


def new_course(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    shutil.copytree(PROJECT_ROOT / "notebooks" / A, root / "notebooks" / A)
    return root


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def grades(root: Path, student: str) -> dict[str, tuple]:
    """{grade_id: (auto_score, manual_score, max_score)} of the student's 00_warmup submission."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        notebook = gb.find_submission_notebook(A, A, student)
        return {g.name: (g.auto_score, g.manual_score, g.max_score) for g in notebook.grades}


def total(root: Path, student: str) -> float:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return float(gb.find_submission(A, student).score)


def reports_in(html_text: str) -> dict[str, str]:
    """{task id: "true"/"false"} of every checker report (``<div class="checker-report" ...>``) in a page."""
    from html.parser import HTMLParser

    found = {}

    class Reports(HTMLParser):
        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "div" and "checker-report" in (attrs.get("class") or "").split():
                found[attrs.get("data-task")] = attrs.get("data-passed")

    Reports().feed(html_text)
    return found


def local_score(task_id: str, source: str, seed: int) -> float:
    """The engine's score of a function at ``seed``, run in this process (no sandbox): the oracle."""
    namespace = {"np": np}
    exec(source, namespace)
    function = source.split("def ", 1)[1].split("(", 1)[0]
    return run_check(registry.get(task_id), namespace[function], seed=seed).score


@pytest.mark.slow
def test_release_grade_manual_grade_feedback_export(tmp_path, capsys):
    root = new_course(tmp_path)

    # 1. release: the student version, the gradebook, and the grading secret (0600, not released)
    assert course(["release", A, "--course-dir", str(root)]) == 0
    assert (root / "release" / A / f"{A}.ipynb").is_file() and (root / "gradebook.db").is_file()
    secret = root / SECRET_NAME
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert not any(SECRET_NAME in p.name for p in (root / "release").rglob("*"))
    secret_hash = sha(secret)

    # 2. three submissions in a zip: correct, partly wrong (two functions), hostile
    source_nb = nbformat.read(str(SOURCE), as_version=4)
    bob_nb = with_function(with_function(source_nb, "center", WRONG_WARMUP["center"]),
                           "one_hot", WRONG_WARMUP["one_hot"])
    mallory_nb = with_cell(with_function(source_nb, "center", FAKE_EQUAL_CENTER),
                           f"import numpy as np\nnp.allclose = lambda *a, **k: True\n"
                           f"open({str(root / 'gradebook.db')!r}, 'wb').write(b'gone')\n")
    mallory_nb = with_cell(mallory_nb, f"print(open({str(secret)!r}).read())", after_grade_id="check_one_hot")
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for student, nb in [("alice", source_nb), ("bob", bob_nb), ("mallory", mallory_nb)]:
            zf.writestr(f"downloads/{student}.ipynb", nbformat.writes(nb))
    gradebook_before = (root / "gradebook.db").stat().st_size

    # 3. course grade: import, trusted grading, nbgrader autograde
    assert course(["grade", A, "--submissions", str(archive), "--jobs", "2", "--quiet", "--course-dir", str(root)]) == 0
    printed = capsys.readouterr().out
    assert "Imported 3 new submission(s): alice, bob, mallory" in printed
    for student in ("alice", "bob", "mallory"):
        assert (root / "submitted" / student / A / f"{A}.ipynb").is_file()
        assert (root / "autograded" / student / A / f"{A}.ipynb").is_file()
        assert (root / ".course-build" / "grading" / A / f"{student}.json").is_file()
    assert sha(secret) == secret_hash
    assert (root / "gradebook.db").stat().st_size >= gradebook_before, "the gradebook was overwritten"

    # 4. the gradebook has the right partial scores
    seed = grading_seed(root, A)
    alice = grades(root, "alice")
    for grade_id, points in POINTS.items():
        assert alice[grade_id] == (points, None, points), f"alice {grade_id}: {alice[grade_id]}"
    for grade_id, points in WRITTEN.items():
        assert alice[grade_id][0] is None and alice[grade_id][2] == points, "written answers are graded by hand"

    bob = grades(root, "bob")
    center = local_score("warmup.center", WRONG_WARMUP["center"], seed)
    one_hot = local_score("warmup.one_hot", WRONG_WARMUP["one_hot"], seed)
    assert 0 <= center < 1 and 0 <= one_hot < 1
    assert bob["check_center"][0] == pytest.approx(2 * center)
    assert bob["check_one_hot"][0] == pytest.approx(2 * one_hot)
    for grade_id in ("check_normalize_rows", "check_squared_distances", "check_mse_loss"):
        assert bob[grade_id][0] == POINTS[grade_id]
    assert total(root, "bob") == pytest.approx(12 - 2 * (1 - center) - 2 * (1 - one_hot))

    mallory = grades(root, "mallory")
    # only plain data crosses back from the worker: the "equals anything" array is at best its zeros
    zeros = local_score("warmup.center", "def center(X):\n    return np.zeros(X.shape)\n", seed)
    assert zeros < 1
    assert mallory["check_center"][0] in (0, pytest.approx(2 * zeros)), "an object that claims to equal anything passed"
    for grade_id in ("check_normalize_rows", "check_one_hot", "check_squared_distances", "check_mse_loss"):
        assert mallory[grade_id][0] == POINTS[grade_id], f"the attack cost mallory {grade_id}: {mallory[grade_id]}"

    # the attack is named: in the summary, in the autograded notebook's metadata and under the cell itself
    [summary_line] = [line for line in printed.splitlines() if line.strip().startswith("mallory ")]
    assert "sandbox_denied" in summary_line, printed
    hostile_nb = nbformat.read(str(root / "autograded" / "mallory" / A / f"{A}.ipynb"), as_version=4)
    assert "sandbox_denied" in {e["kind"] for e in hostile_nb.metadata["course_grade"]["events"]}
    [attack_cell] = [c for c in hostile_nb.cells if "gradebook.db" in c.source]
    assert attack_cell.outputs[0].text.startswith("[course grade] While grading, this cell raised PermissionError")

    # the test cells in autograded/ carry the report; the seed is nowhere in them
    autograded = nbformat.read(str(root / "autograded" / "bob" / A / f"{A}.ipynb"), as_version=4)
    [center_cell] = [c for c in autograded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "check_center"]
    [output] = center_cell.outputs
    assert 'data-task="warmup.center"' in output.data["text/html"] and 'data-passed="false"' in output.data["text/html"]
    assert center_cell.metadata["course_grade"]["score"] == pytest.approx(center)
    if seed >= 10**7:  # a short number could turn up by chance
        assert str(seed) not in nbformat.writes(autograded)

    # 4b. the same class graded again on a Dask LocalCluster of two worker processes: the same gradebook,
    # and the same records byte for byte (what was graded, how each cell ran, what was recognised)
    def recorded():
        folder = root / ".course-build" / "grading" / A
        return {p.stem: json.dumps({k: v for k, v in json.loads(p.read_text()).items() if k != "seconds"},
                                   sort_keys=True) for p in sorted(folder.glob("*.json"))}

    pool_grades = {s: grades(root, s) for s in ("alice", "bob", "mallory")}
    pool_records = recorded()
    assert course(["grade", A, "--cluster", "local:2", "--no-cache", "--quiet", "--course-dir", str(root)]) == 0
    assert "3 submission(s) graded (0 from the cache), 0 failed" in capsys.readouterr().out
    assert {s: grades(root, s) for s in ("alice", "bob", "mallory")} == pool_grades
    assert recorded() == pool_records

    # 5. a grade given by hand (formgrader writes manual_score) survives a re-grade
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        grade = gb.find_grade("q_keepdims", A, A, "alice")
        grade.manual_score = 1.0
        gb.db.commit()
    cache = root / ".course-build" / "grading" / A / "alice.json"
    cached_at = cache.stat().st_mtime_ns
    assert course(["grade", A, "--quiet", "--course-dir", str(root)]) == 0
    assert "3 submission(s) graded (3 from the cache)" in capsys.readouterr().out
    assert cache.stat().st_mtime_ns == cached_at, "the same file must not be graded again"
    assert grades(root, "alice")["q_keepdims"][1] == 1.0
    assert total(root, "alice") == 13
    assert grades(root, "bob") == bob, "re-grading the same files gives the same grades"

    # only the students asked for are touched: bob changes his file; alice is left alone
    bob_fixed = root / "submitted" / "bob" / A / f"{A}.ipynb"
    nbformat.write(with_function(source_nb, "one_hot", WRONG_WARMUP["one_hot"]), str(bob_fixed))
    alice_autograded = root / "autograded" / "alice" / A / f"{A}.ipynb"
    alice_stamp = alice_autograded.stat().st_mtime_ns
    assert course(["grade", A, "--student", "bob", "--quiet", "--course-dir", str(root)]) == 0
    assert "1 submission(s) graded (0 from the cache)" in capsys.readouterr().out
    assert grades(root, "bob")["check_center"][0] == 2, "a changed file is graded again"
    assert alice_autograded.stat().st_mtime_ns == alice_stamp
    assert grades(root, "alice")["q_keepdims"][1] == 1.0

    # 6. feedback: nbgrader's HTML with the checker's report in it
    assert course(["feedback", A, "--course-dir", str(root)]) == 0
    feedback = (root / "feedback" / "bob" / A / f"{A}.html").read_text()
    assert reports_in(feedback) == {"warmup.center": "true", "warmup.normalize_rows": "true", "warmup.one_hot": "false",
                                    "warmup.squared_distances": "true", "warmup.mse_loss": "true"}
    assert "warmup.one_hot: not yet" in feedback, "the report's headline is missing from the feedback"
    if seed >= 10**7:
        assert str(seed) not in feedback

    # 7. export: one row per student with score and max score
    out = tmp_path / "grades.csv"
    assert course(["export", "--to", str(out), "--course-dir", str(root)]) == 0
    rows = {row["student_id"]: row for row in csv.DictReader(out.open())}
    assert set(rows) == {"alice", "bob", "mallory"}
    assert all(row["assignment"] == A and float(row["max_score"]) == 14 for row in rows.values())
    assert float(rows["alice"]["score"]) == 13
    assert float(rows["bob"]["score"]) == pytest.approx(12 - 2 * (1 - one_hot))
    assert float(rows["mallory"]["score"]) == pytest.approx(10 + mallory["check_center"][0])


@pytest.mark.slow
def test_plain_nbgrader_autograde_still_works(tmp_path):
    """nbgrader's own commands (generate_assignment, autograde: through the trusted grader, as
    nbgrader_config.py configures it) on one honest submission."""
    root = new_course(tmp_path)
    shutil.copy(PROJECT_ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    nbgrader = str(Path(sys.executable).parent / "nbgrader")
    for command in ([nbgrader, "generate_assignment", A, "--force"], [nbgrader, "autograde", A]):
        if command[1] == "autograde":
            (root / "submitted" / "alice" / A).mkdir(parents=True)
            shutil.copy(SOURCE, root / "submitted" / "alice" / A / f"{A}.ipynb")
        result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=240)
        assert result.returncode == 0, result.stderr[-3000:]
    alice = grades(root, "alice")
    assert {g: alice[g][0] for g in POINTS} == POINTS
    assert (root / "autograded" / "alice" / A / f"{A}.ipynb").is_file()
