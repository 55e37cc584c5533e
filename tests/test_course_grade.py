"""`course grade` pieces: the grading secret and seed, importing submissions from a folder or a
zip, the trusted-grading cache, the nbgrader preprocessors, and the CLI's error messages."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import struct
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pytest

from checker.course import PROJECT_ROOT
from checker.grading import secret as secret_module
from checker.grading.secret import SECRET_NAME, SecretError, ensure_secret, grading_seed, read_secret, seed_from_secret
from checker.grading.submissions import (SubmissionError, check_notebook_bytes, import_submissions, parse_timestamp,
                                         read_roster, submitted_students, valid_student_id)
from checker.spec import PRACTICE_SEED

WARMUP = PROJECT_ROOT / "notebooks" / "00_warmup" / "00_warmup.ipynb"


def notebook_bytes(marker: str = "") -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(f"x = 1  # {marker}", id="cell-1"))  # a fixed id: same bytes each time
    return nbformat.writes(nb).encode()


# ----------------------------------------------------------------------------------------- secret

def test_secret_is_created_once_private_and_kept(tmp_path):
    path = ensure_secret(tmp_path)
    assert path == tmp_path / SECRET_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = read_secret(tmp_path)
    assert len(first) == 32
    ensure_secret(tmp_path)
    assert read_secret(tmp_path) == first, "an existing secret must never be replaced"


def test_seed_depends_on_secret_and_assignment_and_is_stable(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    seed = grading_seed(one, "00_warmup")
    assert seed == grading_seed(one, "00_warmup")
    assert seed != grading_seed(one, "01_knn")
    assert seed != grading_seed(two, "00_warmup")
    assert 0 <= seed < 2**31 and seed != PRACTICE_SEED


def test_seed_is_never_the_practice_seed(monkeypatch):
    """Force the first 4 HMAC bytes to give 231: the next 4 are used instead."""
    import hmac as hmac_module

    real_new = hmac_module.new

    class Forced:
        def __init__(self, *args, **kwargs):
            self.real = real_new(*args, **kwargs)

        def digest(self):
            return PRACTICE_SEED.to_bytes(4, "big") + self.real.digest()[4:]

    monkeypatch.setattr(secret_module.hmac, "new", Forced)
    seed = seed_from_secret(b"k" * 32, "00_warmup")
    assert seed != PRACTICE_SEED
    assert seed == int.from_bytes(real_new(b"k" * 32, b"grading-seed:00_warmup", "sha256").digest()[4:8], "big") & 0x7FFFFFFF


def test_broken_secret_is_a_clear_error_and_is_not_replaced(tmp_path):
    (tmp_path / SECRET_NAME).write_text("not hex\n")
    with pytest.raises(SecretError, match="not a grading secret"):
        ensure_secret(tmp_path)
    assert (tmp_path / SECRET_NAME).read_text() == "not hex\n"
    with pytest.raises(SecretError, match="no grading secret"):
        read_secret(tmp_path / "elsewhere")


def test_loose_permissions_are_tightened(tmp_path):
    ensure_secret(tmp_path)
    os.chmod(tmp_path / SECRET_NAME, 0o644)
    read_secret(tmp_path)
    assert stat.S_IMODE((tmp_path / SECRET_NAME).stat().st_mode) == 0o600


def test_secret_is_git_ignored_and_not_in_a_release():
    ignored = (PROJECT_ROOT / ".gitignore").read_text().splitlines()
    assert ".course-secret" in ignored


# ------------------------------------------------------------------------------------ submissions

@pytest.mark.parametrize("student, ok", [
    ("alice", True), ("s1234567", True), ("li.wei-2", True), ("A_b", True),
    ("", False), ("../bob", False), ("a/b", False), (".hidden", False), ("a..b", False), ("a b", False),
    ("x" * 65, False), ("张伟", False),
])
def test_student_ids(student, ok):
    assert valid_student_id(student) is ok


def test_notebook_check_names_the_problem():
    assert check_notebook_bytes(notebook_bytes(), "a.ipynb") is None
    assert "not a readable notebook" in check_notebook_bytes(b"{not json", "a.ipynb")
    assert "not UTF-8" in check_notebook_bytes(b"\xff\xfe\x00", "a.ipynb")
    assert "not a readable notebook" in check_notebook_bytes(b'{"cells": 3}', "a.ipynb")


def test_import_from_a_folder(tmp_path):
    incoming = tmp_path / "in"
    incoming.mkdir()
    (incoming / "alice.ipynb").write_bytes(notebook_bytes("alice"))
    (incoming / "bob.ipynb").write_bytes(notebook_bytes("bob"))
    (incoming / "notes.txt").write_text("not a notebook: ignored")
    (incoming / "bad id.ipynb").write_bytes(notebook_bytes())
    (incoming / "carol.ipynb").write_text("{ truncated")
    course = tmp_path / "course"

    result = import_submissions(incoming, "00_warmup", course)
    assert result.added == ["alice", "bob"]
    assert [name for name, _ in result.rejected] == ["bad id.ipynb", "carol.ipynb"]
    assert "not a valid student id" in result.rejected[0][1] and "not a readable notebook" in result.rejected[1][1]
    assert (course / "submitted" / "alice" / "00_warmup" / "00_warmup.ipynb").read_bytes() == notebook_bytes("alice")
    assert submitted_students(course, "00_warmup") == ["alice", "bob"]
    assert "NOT imported: carol.ipynb" in result.summary()


def test_import_only_the_students_asked_for(tmp_path):
    incoming = tmp_path / "in"
    incoming.mkdir()
    for s in ("alice", "bob"):
        (incoming / f"{s}.ipynb").write_bytes(notebook_bytes(s))
    result = import_submissions(incoming, "00_warmup", tmp_path / "course", students=["bob"])
    assert result.students == ["bob"]
    assert submitted_students(tmp_path / "course", "00_warmup") == ["bob"]


def test_import_from_a_zip_with_folders_inside(tmp_path):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("export/alice.ipynb", notebook_bytes("alice"))
        zf.writestr("export/bob.ipynb", notebook_bytes("bob"))
        zf.writestr("__MACOSX/export/._alice.ipynb", b"junk")
        zf.writestr("export/readme.md", "hello")
        zf.writestr("../../outside/eve.ipynb", notebook_bytes("eve"))  # a path that climbs out: only the name counts
    result = import_submissions(archive, "00_warmup", tmp_path / "course")
    assert result.added == ["alice", "bob", "eve"] and result.rejected == []
    assert (tmp_path / "course" / "submitted" / "eve" / "00_warmup" / "00_warmup.ipynb").is_file()
    assert not (tmp_path / "outside").exists()


def test_zip_imports_keep_each_entrys_time_or_the_one_given(tmp_path):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(zipfile.ZipInfo("alice.ipynb", date_time=(2026, 11, 20, 8, 15, 30)), notebook_bytes("alice"))
        utc = zipfile.ZipInfo("bob.ipynb", date_time=(2026, 11, 21, 0, 0, 0))
        when = int(datetime(2026, 11, 21, 23, 59, 5, tzinfo=timezone.utc).timestamp())
        utc.extra = struct.pack("<HHBI", 0x5455, 5, 1, when)  # the extended timestamp Info-ZIP writes
        zf.writestr(utc, notebook_bytes("bob"))
    course_dir = tmp_path / "course"
    result = import_submissions(archive, "00_warmup", course_dir)
    stamp = lambda s: (course_dir / "submitted" / s / "00_warmup" / "timestamp.txt").read_text()
    local = datetime(2026, 11, 20, 8, 15, 30).astimezone().astimezone(timezone.utc)
    assert stamp("alice") == local.strftime("%Y-%m-%d %H:%M:%S.000000 UTC")
    assert stamp("bob") == "2026-11-21 23:59:05.000000 UTC"
    summary = result.summary()
    assert "Submission times (2):" in summary and "local times" in summary and "UTC, their extended" in summary

    given = import_submissions(archive, "00_warmup", course_dir, timestamp=parse_timestamp("2026-11-22T10:00:00+01:00"))
    assert given.unchanged == ["alice", "bob"] and "given with --timestamp" in given.summary()
    assert stamp("alice") == stamp("bob") == "2026-11-22 09:00:00.000000 UTC"
    with pytest.raises(SubmissionError, match="give a date and time"):
        parse_timestamp("next friday")


def test_a_roster_is_read_with_clear_errors(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,first_name,last_name,email\nalice,Alice,Liddell,alice@example.org\nbob,,Builder,\n")
    assert read_roster(roster) == {"alice": {"first_name": "Alice", "last_name": "Liddell", "email": "alice@example.org"},
                                   "bob": {"first_name": None, "last_name": "Builder", "email": None}}
    roster.write_text("student,name\nalice,Alice\n")
    with pytest.raises(SubmissionError, match="no 'id' column"):
        read_roster(roster)
    roster.write_text("id\n../eve\n")
    with pytest.raises(SubmissionError, match="line 2: '../eve' is not a valid student id"):
        read_roster(roster)


def test_two_notebooks_for_one_student_in_a_zip_import_neither(tmp_path):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a/alice.ipynb", notebook_bytes("one"))
        zf.writestr("b/alice.ipynb", notebook_bytes("two"))
        zf.writestr("bob.ipynb", notebook_bytes("bob"))
    result = import_submissions(archive, "00_warmup", tmp_path / "course")
    assert result.students == ["bob"]
    assert "a second notebook for student 'alice'" in result.rejected[0][1]


def test_corrupt_or_wrong_archives_are_clear_errors(tmp_path):
    truncated = tmp_path / "class.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("alice.ipynb", notebook_bytes("alice"))
    truncated.write_bytes(buffer.getvalue()[:40])
    with pytest.raises(SubmissionError, match="not a readable zip file"):
        import_submissions(truncated, "00_warmup", tmp_path / "course")
    text = tmp_path / "class.txt"
    text.write_text("hello")
    with pytest.raises(SubmissionError, match="neither a folder nor a .zip"):
        import_submissions(text, "00_warmup", tmp_path / "course")
    with pytest.raises(SubmissionError, match="no submissions at"):
        import_submissions(tmp_path / "missing", "00_warmup", tmp_path / "course")
    assert not (tmp_path / "course" / "submitted").exists()


def test_crc_error_inside_a_zip_rejects_that_file_only(tmp_path):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("alice.ipynb", notebook_bytes("alice"))
        zf.writestr("bob.ipynb", notebook_bytes("bob"))
    data = bytearray(archive.read_bytes())
    start = data.index(b"alice") + 10  # inside alice's stored bytes: the CRC no longer matches
    data[start] ^= 0x20
    archive.write_bytes(bytes(data))
    result = import_submissions(archive, "00_warmup", tmp_path / "course")
    assert result.students == ["bob"]
    assert result.rejected[0][0] == "alice.ipynb" and "cannot be read from the zip" in result.rejected[0][1]


def test_a_different_submission_is_never_overwritten_silently(tmp_path):
    course, incoming = tmp_path / "course", tmp_path / "in"
    incoming.mkdir()
    (incoming / "alice.ipynb").write_bytes(notebook_bytes("first"))
    import_submissions(incoming, "00_warmup", course)
    folder = course / "submitted" / "alice" / "00_warmup"
    (folder / "timestamp.txt").write_text("2026-11-01 10:00:00 UTC")

    again = import_submissions(incoming, "00_warmup", course)
    assert again.unchanged == ["alice"] and again.replaced == []
    assert (folder / "timestamp.txt").is_file(), "the same file again changes nothing"

    (incoming / "alice.ipynb").write_bytes(notebook_bytes("second"))
    when = datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)
    result = import_submissions(incoming, "00_warmup", course, now=when)
    [(student, kept)] = result.replaced
    assert student == "alice"
    assert Path(kept).read_bytes() == notebook_bytes("first")
    assert Path(kept).parent == course / ".course-build" / "grading" / "00_warmup" / "replaced" / "alice"
    assert "20261123T093000" in Path(kept).name
    assert (folder / "00_warmup.ipynb").read_bytes() == notebook_bytes("second")
    assert not (folder / "timestamp.txt").exists(), "the old timestamp belonged to the old notebook"
    assert "the old one is kept at" in result.summary()


# ------------------------------------------------------------------------ grading a course folder

from checker.cli import main as course  # noqa: E402
from checker.grading.course_grade import grade_assignment  # noqa: E402
from checker.grading.gradebook import source_folder  # noqa: E402
from checker.grading.preprocessors import GradingResultsMissing, TrustedResults  # noqa: E402

A = "00_warmup"


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A course folder with 00_warmup released (made once; each test works on a copy)."""
    root = tmp_path_factory.mktemp("released") / "course"
    shutil.copytree(PROJECT_ROOT / "notebooks" / A, root / "notebooks" / A)
    assert course(["release", A, "--course-dir", str(root)]) == 0
    return root


@pytest.fixture
def course_root(released, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(released, root)
    return root


def submit(root: Path, student: str, nb=None) -> Path:
    target = root / "submitted" / student / A / f"{A}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    if nb is None:
        shutil.copy(WARMUP, target)
    else:
        nbformat.write(nb, str(target))
    return target


def test_source_folder_prefers_the_course_folders_own(tmp_path):
    assert source_folder(tmp_path) == PROJECT_ROOT / "notebooks"
    (tmp_path / "notebooks").mkdir()
    assert source_folder(tmp_path) == (tmp_path / "notebooks").resolve()


def test_grading_an_unreleased_assignment_says_what_to_do(tmp_path, capsys):
    shutil.copytree(PROJECT_ROOT / "notebooks" / A, tmp_path / "notebooks" / A)
    assert course(["grade", A, "--course-dir", str(tmp_path)]) == 1
    assert f"run `course release {A}` first" in capsys.readouterr().err
    assert course(["grade", "99_nope", "--course-dir", str(tmp_path)]) == 1
    assert "no source notebook" in capsys.readouterr().err


def test_feedback_and_export_before_grading_say_what_to_do(tmp_path, capsys):
    assert course(["export", "--course-dir", str(tmp_path)]) == 1
    assert "run `course release` and `course grade` first" in capsys.readouterr().err
    assert not (tmp_path / "gradebook.db").exists() and not (tmp_path / "grades.csv").exists()
    assert course(["feedback", A, "--course-dir", str(tmp_path)]) == 1
    assert f"run `course grade {A}` first" in capsys.readouterr().err


def test_bad_student_ids_and_missing_submissions_are_clear_errors(course_root, capsys):
    assert course(["grade", A, "--student", "../etc", "--course-dir", str(course_root)]) == 1
    assert "not a valid student id: ../etc" in capsys.readouterr().err
    assert course(["grade", A, "--student", "zoe", "--course-dir", str(course_root)]) == 1
    assert "no submission of 00_warmup for zoe" in capsys.readouterr().err
    broken = course_root / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 this is not a zip")
    assert course(["grade", A, "--submissions", str(broken), "--course-dir", str(course_root)]) == 1
    assert "not a readable zip file" in capsys.readouterr().err


def test_trusted_results_refuse_to_grade_without_a_result(tmp_path):
    nb = nbformat.read(str(WARMUP), as_version=4)
    resources = {"nbgrader": {"student": "alice", "notebook": A, "assignment": A}}
    with pytest.raises(GradingResultsMissing, match="no trusted grading result for student 'alice'"):
        TrustedResults(results_dir=str(tmp_path)).preprocess(nb, resources)


def test_a_score_forged_in_the_submission_is_dropped(tmp_path):
    """SaveTrustedAutoGrades trusts ``metadata.course_grade``: TrustedResults must be its only author."""
    nb = nbformat.read(str(WARMUP), as_version=4)
    forged = {"task": "warmup.center", "score": 1.0, "passed": True, "codes": ["ok"]}
    answer = nbformat.v4.new_code_cell("x = 1", id="forged")
    answer.metadata["nbgrader"] = {"grade": True, "solution": True, "grade_id": "free_answer", "points": 5,
                                   "locked": False, "schema_version": 3}
    nb.cells.append(answer)
    for cell in nb.cells:
        cell.metadata["course_grade"] = dict(forged)
    (tmp_path / "alice.json").write_text(json.dumps({"notebook": A, "grades": {}, "events": []}))
    resources = {"nbgrader": {"student": "alice", "notebook": A, "assignment": A}}
    nb, _ = TrustedResults(results_dir=str(tmp_path)).preprocess(nb, resources)
    tests = [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
             and not c.metadata["nbgrader"].get("solution")]
    assert len(tests) == 5
    assert all(c.metadata["course_grade"]["score"] == 0 and c.metadata["course_grade"]["codes"] == ["not_graded"]
               for c in tests), "a test cell without a trusted result gets 0"
    assert all("course_grade" not in c.metadata for c in nb.cells if c not in tests)


@pytest.mark.slow
def test_cache_regrade_and_parallel_runs_agree(course_root):
    sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
    from grade_class import WRONG_WARMUP, with_function

    alice_file = submit(course_root, "alice")
    (alice_file.parent / "timestamp.txt").write_text("2026-11-20 08:15:00.000000 UTC")  # as nbgrader collect writes it
    bob = submit(course_root, "bob", with_function(nbformat.read(str(WARMUP), as_version=4), "normalize_rows",
                                                   WRONG_WARMUP["normalize_rows"]))
    results = course_root / ".course-build" / "grading" / A

    first = grade_assignment(A, course_root, jobs=2, progress=False)
    assert [(s.student, s.status) for s in first.students] == [("alice", "graded"), ("bob", "graded")]
    assert first.jobs == 2
    alice = next(s for s in first.students if s.student == "alice")
    assert alice.auto_score == 12 and alice.max_score == 14
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}") as gb:  # nbgrader's timestamps still flow
        assert gb.find_submission(A, "alice").timestamp.strftime("%Y-%m-%d %H:%M") == "2026-11-20 08:15"
    bob_first = json.loads((results / "bob.json").read_text())
    assert 0 <= bob_first["grades"]["check_normalize_rows"]["score"] < 1
    assert bob_first["grades"]["check_center"]["score"] == 1

    again = grade_assignment(A, course_root, jobs=2, progress=False)
    assert [s.status for s in again.students] == ["cached", "cached"]
    assert [s.score for s in again.students] == [s.score for s in first.students]

    serial = grade_assignment(A, course_root, jobs=1, progress=False, use_cache=False)
    assert [s.status for s in serial.students] == ["graded", "graded"]
    bob_serial = json.loads((results / "bob.json").read_text())
    assert bob_serial["grades"] == bob_first["grades"], "the same file and seed must give the same grades"
    assert bob_serial["key"] == bob_first["key"]

    nbformat.write(nbformat.read(str(WARMUP), as_version=4), str(bob))  # bob fixes his notebook
    fixed = grade_assignment(A, course_root, jobs=2, progress=False)
    assert [s.status for s in fixed.students] == ["cached", "graded"]
    assert fixed.students[1].score == 12
    assert json.loads((results / "bob.json").read_text())["key"] != bob_first["key"]


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="the pool forks its processes on Linux only")
def test_a_grading_process_that_dies_loses_no_one(course_root, monkeypatch):
    """The pool's processes are forked, so they inherit this replacement: the one grading carol dies.
    Every job the broken pool left pending is graded again in a fresh (spawned) interpreter."""
    import checker.grading.course_grade as course_grade

    for student in ("alice", "bob", "carol"):
        submit(course_root, student)
    real, died = course_grade.grade_into_cache, course_root / "carol's grading process died"

    def dies_on_carol(job):
        if job["student"] == "carol":
            died.touch()
            os._exit(9)
        return real(job)

    monkeypatch.setattr(course_grade, "grade_into_cache", dies_on_carol)
    run = grade_assignment(A, course_root, jobs=2, progress=False)
    assert died.exists()
    assert [(s.student, s.status) for s in run.students] == [("alice", "graded"), ("bob", "graded"), ("carol", "graded")]
    assert all(s.score == 12 for s in run.students)


@pytest.mark.slow
def test_benchmark_runs_on_a_tiny_class(capsys):
    """benchmarks/grade_class.py end to end with 3 submissions (correct, partly wrong, hostile) and one
    honest submission graded both ways; figures are printed, not asserted."""
    sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
    import grade_class

    assert grade_class.main(["--students", "3", "--compare", "1", "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    assert "s per submission (jobs=2)" in out
    assert ("secret and source notebook unchanged: True; first student's submission intact: True; "
            "file planted by an attack: False; students in the gradebook: 3 of 3") in out
    assert "nbgrader autograde (one kernel each, serial)" in out
    [row] = [line.split() for line in out.splitlines() if line.startswith("s000 ")]
    assert row[1] == "correct" and float(row[2]) == float(row[3]) == 12, "both graders give a correct notebook 12/12"


@pytest.mark.slow
def test_written_answers_awaiting_a_grader_are_named_not_counted_as_zero(course_root):
    from nbgrader.api import Gradebook

    submit(course_root, "alice")
    run = grade_assignment(A, course_root, jobs=1, progress=False)
    [line] = [line for line in run.summary().splitlines() if line.strip().startswith("alice")]
    assert "12 / 14: automatic 12/12, written answers not yet graded (2 points)" in line, line
    assert course(["feedback", A, "--course-dir", str(course_root)]) == 0
    page = (course_root / "feedback" / "alice" / A / f"{A}.html").read_text()
    assert "Automatic 12/12. Written answers not yet graded (2 points)" in page

    with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}") as gb:  # the formgrader's manual grades
        for grade_id in ("q_keepdims", "q_vectorization"):
            gb.find_grade(grade_id, A, A, "alice").manual_score = 1.0
        gb.db.commit()
    again = grade_assignment(A, course_root, jobs=1, progress=False)
    [line] = [line for line in again.summary().splitlines() if line.strip().startswith("alice")]
    assert "14 / 14" in line and "not yet graded" not in line, line
    assert course(["feedback", A, "--course-dir", str(course_root)]) == 0
    assert "not yet graded" not in (course_root / "feedback" / "alice" / A / f"{A}.html").read_text()


def test_the_summary_shows_what_matters_first_and_names_the_file_with_the_rest(tmp_path):
    from checker.grading.course_grade import GradeRun, StudentResult
    from checker.grading.gradebook import Tally

    probe = {"kind": "sandbox_denied", "detail": f"open {sys.base_prefix}/lib/python311.zip (for reading) is not allowed",
             "where": "cell 3"}
    events = [probe, dict(probe), {"kind": "sandbox_denied", "detail": f"open {tmp_path}/gradebook.db (for writing)"},
              {"kind": "timeout", "detail": "the cell ran past its limit of 60 s", "where": "cell 9"}]
    events += [{"kind": "sandbox_denied", "detail": f"open {tmp_path}/other{i}.ipynb"} for i in range(4)]
    tally = Tally(score=10, max_score=14, automatic=10, automatic_max=12, pending=0)
    run = GradeRun(A, 1, students=[StudentResult("alice", "graded", events=events, score=10, max_score=14,
                                                 tally=tally)], results_dir=tmp_path / "grading" / A)
    [line] = [line for line in run.summary().splitlines() if line.strip().startswith("alice")]
    flags = line.split("[", 1)[1]
    assert flags.startswith("timeout"), line
    assert "gradebook.db" in flags and "python311.zip" not in flags, "import probes come after what touches the course"
    assert f"and 4 more, all listed in {tmp_path / 'grading' / A / 'alice.json'}" in line, line


@pytest.mark.slow
def test_zip_times_and_roster_names_reach_the_gradebook_and_the_export(course_root, tmp_path, capsys):
    import csv

    sys.path.insert(0, str(PROJECT_ROOT / "tests"))
    import grading_tools as gt

    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(zipfile.ZipInfo("alice.ipynb", date_time=(2026, 11, 20, 8, 15, 30)),
                    nbformat.writes(gt.minimal(gt.load())))
    roster = tmp_path / "roster.csv"
    roster.write_text("id,first_name,last_name,email\nalice,Alice,Liddell,alice@example.org\n")
    assert course(["grade", A, "--submissions", str(archive), "--roster", str(roster), "--quiet",
                   "--course-dir", str(course_root)]) == 0
    assert "Submission times (1): from the zip entries (local times" in capsys.readouterr().out
    assert course(["export", "--to", str(tmp_path / "grades.csv"), "--course-dir", str(course_root)]) == 0
    [row] = list(csv.DictReader((tmp_path / "grades.csv").open()))
    local = datetime(2026, 11, 20, 8, 15, 30).astimezone().astimezone(timezone.utc)
    assert row["timestamp"].startswith(local.strftime("%Y-%m-%d %H:%M:%S")), row
    assert (row["first_name"], row["last_name"], row["email"]) == ("Alice", "Liddell", "alice@example.org")
    assert course(["grade", A, "--timestamp", "2026-11-20 08:15", "--quiet", "--course-dir", str(course_root)]) == 1
    assert "--timestamp is the time of the notebooks imported with --submissions" in capsys.readouterr().err
