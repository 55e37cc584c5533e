"""`course grade --cluster`: phase 1 on a real Dask LocalCluster of two worker processes (one
cluster for the module). The same grades as serially and with the process pool, byte for byte;
plain data only on the wire, never the instructor secret; a Dask worker killed mid-grade loses no
grade and writes none twice; an interrupted run resumes from the cache."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import threading
import time
from pathlib import Path

import cloudpickle
import nbformat
import pytest

import grading_tools as gt
from checker.cli import main as course
from checker.course import PROJECT_ROOT
from checker.grading import cluster as dask_cluster
from checker.grading import course_grade
from checker.grading.course_grade import grade_assignment
from checker.grading.secret import read_secret

distributed = pytest.importorskip("distributed")

A = "00_warmup"
WARMUP = PROJECT_ROOT / "notebooks" / A / f"{A}.ipynb"


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=logging.ERROR) as local:
        yield local.scheduler_address


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    root = tmp_path_factory.mktemp("released") / "course"
    shutil.copytree(PROJECT_ROOT / "notebooks" / A, root / "notebooks" / A)
    assert course(["release", A, "--course-dir", str(root)]) == 0
    return root


@pytest.fixture
def course_root(released, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(released, root)
    return root


def submit(root: Path, student: str, nb) -> None:
    gt.write(nb, root / "submitted" / student / A / f"{A}.ipynb")


def records(root: Path) -> dict:
    folder = course_grade.results_folder(root, A)
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}


def gradebook(root: Path) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return {s.id: {g.name: (g.auto_score, g.max_score) for g in gb.find_submission_notebook(A, A, s.id).grades}
                for s in gb.students}


def small_class(root: Path) -> None:
    """Correct, partly wrong and hostile (an attack cell that is denied): three kinds of record."""
    nb = gt.minimal(gt.load())
    submit(root, "alice", nb)
    submit(root, "bob", gt.replace_solution(nb, "center", gt.WRONG_CENTER))
    submit(root, "mallory", gt.insert_cells(nb, f"open({str(root / 'gradebook.db')!r}, 'wb').write(b'gone')"))


def test_serial_pool_and_cluster_give_byte_identical_grades(course_root, cluster):
    small_class(course_root)
    runs = {}
    for how, options in [("serial", {"jobs": 1}), ("pool", {"jobs": 2}), ("cluster", {"cluster": cluster})]:
        run = grade_assignment(A, course_root, progress=False, use_cache=False, **options)
        assert [(s.student, s.status) for s in run.students] == [(s, "graded") for s in ("alice", "bob", "mallory")]
        runs[how] = ({s: json.dumps({k: r[k] for k in ("key", "grades", "cells", "events")}, sort_keys=True)
                      for s, r in records(course_root).items()}, gradebook(course_root), run)
    assert runs["pool"][:2] == runs["serial"][:2] and runs["cluster"][:2] == runs["serial"][:2]
    assert "on 2 Dask worker(s) at tcp://" in runs["cluster"][2].summary()
    assert runs["serial"][1]["alice"]["check_center"] == (2, 2) and runs["serial"][1]["bob"]["check_center"][0] < 2
    assert "sandbox_denied" in runs["cluster"][0]["mallory"]


class RecordingClient:
    """A real ``distributed.Client`` whose ``submit`` calls are kept, exactly as they are sent."""

    def __init__(self, client):
        self.client, self.sent, self.arguments = client, [], []

    def submit(self, function, *args, **kwargs):
        self.sent.append(cloudpickle.dumps((function, args, kwargs)))
        self.arguments.append(args)
        return self.client.submit(function, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.client, name)


def _plain(value) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, (str, bytes, int, float, bool))


def test_only_plain_data_is_sent_and_never_the_secret(course_root, cluster, monkeypatch):
    import contextlib

    submit(course_root, "alice", gt.load())  # the whole source notebook: solutions in it
    recording = {}

    @contextlib.contextmanager
    def recording_client(spec):
        with distributed.Client(spec) as client:
            recording["client"] = RecordingClient(client)
            yield recording["client"]

    monkeypatch.setattr(dask_cluster, "open_client", recording_client)
    run = grade_assignment(A, course_root, progress=False, cluster=cluster)
    assert run.students[0].status == "graded" and run.students[0].auto_score == 12
    client = recording["client"]
    assert len(client.sent) == 1
    secret = read_secret(course_root)
    for sent, (payload,) in zip(client.sent, client.arguments):
        assert secret not in sent and secret.hex().encode() not in sent
        assert _plain(payload) and set(payload) == {"student", "notebook", "key", "seed", "fingerprint",
                                                    "submission", "source", "limits"}
        assert b"checker.grading.cluster" in sent and b"grade_payload" in sent  # the function by name, not its code
        solution = next(c.source for c in gt.load().cells if c.metadata.get("nbgrader", {}).get("solution")
                        and c.cell_type == "code")
        assert solution.strip() not in payload["source"], "the source's solutions are blanked"
        assert 'check(\\"warmup.center\\", center)' in payload["source"] or 'check("warmup.center", center)' in payload["source"]


def _slow(nb):
    return gt.insert_cells(nb, "import time\ntime.sleep(3)")


def test_a_dask_worker_killed_while_it_grades_loses_no_grade(course_root, cluster, monkeypatch):
    students = ["s1", "s2", "s3", "s4"]
    for student in students:
        submit(course_root, student, _slow(gt.minimal(gt.load())))
    stored = []
    real_store = course_grade.store_record
    monkeypatch.setattr(course_grade, "store_record", lambda job, record: (stored.append(job["student"]),
                                                                           real_store(job, record)))
    killed = {}

    def kill_a_busy_worker():
        with distributed.Client(cluster) as client:
            pids = client.run(os.getpid)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                busy = [address for address, keys in client.processing().items() if keys]
                if busy:
                    time.sleep(1.0)  # well inside the grading of its submission (3 s of sleep in a cell)
                    killed["pid"] = pids[busy[0]]
                    os.kill(killed["pid"], signal.SIGKILL)
                    return
                time.sleep(0.05)

    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    run = grade_assignment(A, course_root, progress=False, cluster=cluster)
    killer.join()
    assert "pid" in killed, "no Dask worker was seen grading"
    assert [(s.student, s.status, s.auto_score) for s in run.students] == [(s, "graded", 12) for s in students]
    assert sorted(stored) == students, f"each grade written exactly once: {stored}"
    with distributed.Client(cluster) as client:
        client.wait_for_workers(2, timeout=60)  # the nanny brought a new one up
        assert killed["pid"] not in client.run(os.getpid).values()


def test_an_interrupted_run_resumes_with_only_the_missing_submissions(course_root, cluster, monkeypatch):
    students = ["s1", "s2", "s3"]
    for student in students:
        submit(course_root, student, gt.minimal(gt.load()))
    real_store, stored = course_grade.store_record, []

    def interrupted_after_one(job, record):
        if stored:
            raise KeyboardInterrupt
        stored.append(job["student"])
        real_store(job, record)

    monkeypatch.setattr(course_grade, "store_record", interrupted_after_one)
    with pytest.raises(KeyboardInterrupt):
        grade_assignment(A, course_root, progress=False, cluster=cluster)
    assert list(records(course_root)) == stored

    monkeypatch.setattr(course_grade, "store_record", real_store)
    again = grade_assignment(A, course_root, progress=False, cluster=cluster)
    status = {s.student: s.status for s in again.students}
    assert status == {s: "cached" if s in stored else "graded" for s in students}
    assert all(s.auto_score == 12 for s in again.students)


def test_cluster_addresses_and_their_errors(monkeypatch):
    assert dask_cluster.parse_cluster("local:3") == ("local", 3)
    assert dask_cluster.parse_cluster("tcp://10.0.0.5:8786") == ("address", "tcp://10.0.0.5:8786")
    with pytest.raises(dask_cluster.ClusterError, match="local\\[:N\\]"):
        dask_cluster.parse_cluster("somewhere")
    monkeypatch.setenv(dask_cluster.ENVIRONMENT_VARIABLE, "tcp://10.0.0.5:8786")
    assert dask_cluster.cluster_spec(None) == "tcp://10.0.0.5:8786"
    assert dask_cluster.cluster_spec("local:2") == "local:2"


def test_an_unreachable_scheduler_is_a_clear_error(course_root, capsys, monkeypatch):
    monkeypatch.setattr(dask_cluster, "CONNECT_TIMEOUT", "2s")
    submit(course_root, "alice", gt.minimal(gt.load()))
    code = course(["grade", A, "--cluster", "tcp://127.0.0.1:9", "--quiet", "--course-dir", str(course_root)])
    assert code == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err
    assert not records(course_root)
