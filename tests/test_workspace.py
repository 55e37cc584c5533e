"""The learner's workspace: new notebooks arrive, untouched ones follow the course,
edited ones are never overwritten."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from checker.course import MANIFEST_NAME, PROJECT_ROOT, CourseError, build_workspace, release, sync_workspace


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def course(tmp_path):
    release_dir, workspace = tmp_path / "release", tmp_path / "workspace"
    write(release_dir / "00_warmup" / "00_warmup.ipynb", "warm-up v1")
    write(release_dir / "01_knn" / "01_knn.ipynb", "knn v1")
    return release_dir, workspace


def test_first_sync_copies_everything(course):
    release_dir, workspace = course
    result = sync_workspace(release_dir, workspace)
    assert sorted(result.added) == ["00_warmup/00_warmup.ipynb", "01_knn/01_knn.ipynb"]
    assert (workspace / "01_knn" / "01_knn.ipynb").read_text() == "knn v1"
    manifest = json.loads((workspace / MANIFEST_NAME).read_text())
    assert set(manifest) == {"00_warmup/00_warmup.ipynb", "01_knn/01_knn.ipynb"}


def test_second_sync_changes_nothing(course):
    release_dir, workspace = course
    sync_workspace(release_dir, workspace)
    result = sync_workspace(release_dir, workspace)
    assert result.added == [] and result.updated == [] and result.kept_edited == []
    assert "up to date" in result.summary()


def test_new_notebook_is_added_and_untouched_one_follows_the_course(course):
    release_dir, workspace = course
    sync_workspace(release_dir, workspace)
    write(release_dir / "02_logreg" / "02_logreg.ipynb", "logreg v1")
    write(release_dir / "01_knn" / "01_knn.ipynb", "knn v2")
    result = sync_workspace(release_dir, workspace)
    assert result.added == ["02_logreg/02_logreg.ipynb"]
    assert result.updated == ["01_knn/01_knn.ipynb"]
    assert (workspace / "01_knn" / "01_knn.ipynb").read_text() == "knn v2"


def test_edited_notebook_is_kept_and_the_newer_version_saved_beside_it(course):
    release_dir, workspace = course
    sync_workspace(release_dir, workspace)
    mine = workspace / "00_warmup" / "00_warmup.ipynb"
    mine.write_text("warm-up v1 + my solutions")
    write(release_dir / "00_warmup" / "00_warmup.ipynb", "warm-up v2")

    result = sync_workspace(release_dir, workspace)
    assert mine.read_text() == "warm-up v1 + my solutions", "the learner's notebook was overwritten"
    [(kept, newer)] = result.kept_edited
    assert kept == "00_warmup/00_warmup.ipynb"
    assert (workspace / newer).read_text() == "warm-up v2"
    assert newer.startswith("00_warmup/00_warmup.v") and newer.endswith(".ipynb")
    assert "you have edited it" in result.summary() and newer in result.summary()

    again = sync_workspace(release_dir, workspace)
    assert mine.read_text() == "warm-up v1 + my solutions"
    assert sorted(p.name for p in (workspace / "00_warmup").iterdir()) == sorted(["00_warmup.ipynb", Path(newer).name])
    assert again.kept_edited == [(kept, newer)], "the learner should be told again while the update is pending"


def test_edited_copy_of_an_update_is_never_overwritten(course):
    release_dir, workspace = course
    sync_workspace(release_dir, workspace)
    (workspace / "00_warmup" / "00_warmup.ipynb").write_text("mine")
    write(release_dir / "00_warmup" / "00_warmup.ipynb", "warm-up v2")
    [(_, newer)] = sync_workspace(release_dir, workspace).kept_edited
    (workspace / newer).write_text("I started on the new version too")
    sync_workspace(release_dir, workspace)
    assert (workspace / newer).read_text() == "I started on the new version too"


def test_learner_files_outside_the_course_are_left_alone(course):
    release_dir, workspace = course
    sync_workspace(release_dir, workspace)
    write(workspace / "00_warmup" / "scratch.py", "print('mine')")
    write(workspace / "notes.md", "my notes")
    sync_workspace(release_dir, workspace)
    assert (workspace / "00_warmup" / "scratch.py").read_text() == "print('mine')"
    assert (workspace / "notes.md").read_text() == "my notes"


def test_unknown_assignment_is_a_clear_error(tmp_path):
    with pytest.raises(CourseError, match="no assignment named 99_nope; the course has: 00_warmup"):
        release(["99_nope"], course_root=tmp_path)


@pytest.mark.slow
def test_real_release_into_a_workspace_keeps_edits_across_course_updates(tmp_path):
    source = tmp_path / "notebooks"
    shutil.copytree(PROJECT_ROOT / "notebooks" / "00_warmup", source / "00_warmup")
    workspace, build = tmp_path / "workspace", tmp_path / "build"

    first = build_workspace(workspace, build_root=build, source_dir=source)
    assert first.added == ["00_warmup/00_warmup.ipynb"]
    mine = workspace / "00_warmup" / "00_warmup.ipynb"
    nb = nbformat.read(str(mine), as_version=4)
    sources = "\n".join(c.source for c in nb.cells)
    assert "### BEGIN SOLUTION" not in sources and "raise NotImplementedError()" in sources

    nb.cells.append(nbformat.v4.new_code_cell("my_answer = 42"))
    nbformat.write(nb, str(mine))
    edited = mine.read_bytes()

    course_nb = nbformat.read(str(source / "00_warmup" / "00_warmup.ipynb"), as_version=4)
    course_nb.cells.append(nbformat.v4.new_markdown_cell("A paragraph added by the course."))
    nbformat.write(course_nb, str(source / "00_warmup" / "00_warmup.ipynb"))
    shutil.copytree(source / "00_warmup", source / "01_next")
    (source / "01_next" / "00_warmup.ipynb").rename(source / "01_next" / "01_next.ipynb")

    second = build_workspace(workspace, build_root=build, source_dir=source)
    assert mine.read_bytes() == edited, "make lab overwrote the learner's notebook"
    assert second.added == ["01_next/01_next.ipynb"]
    [(kept, newer)] = second.kept_edited
    newer_nb = nbformat.read(str(workspace / newer), as_version=4)
    assert newer_nb.cells[-1].source == "A paragraph added by the course."


@pytest.mark.slow
def test_course_workspace_command(tmp_path):
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    run = subprocess.run([sys.executable, "-m", "checker.cli", "workspace", "--dir", str(tmp_path / "ws"),
                          "--build-dir", str(tmp_path / "build")],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "New in your workspace: 00_warmup/00_warmup.ipynb" in run.stdout
    assert (tmp_path / "ws" / "00_warmup" / "00_warmup.ipynb").is_file()


@pytest.mark.slow
def test_course_lab_serves_the_workspace_in_jupyterlab(tmp_path):
    import json
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = "course-lab-test"
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    command = [sys.executable, "-m", "checker.cli", "lab", "--dir", str(tmp_path / "ws"), "--build-dir", str(tmp_path / "build"), "--",
               "--no-browser", "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}"]
    server = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        listing, deadline = None, time.monotonic() + 240
        while listing is None and time.monotonic() < deadline and server.poll() is None:
            try:
                url = f"http://127.0.0.1:{port}/api/contents/00_warmup?token={token}"
                with urllib.request.urlopen(url, timeout=5) as response:
                    listing = json.load(response)
            except OSError:
                time.sleep(1)
        assert listing is not None, f"JupyterLab did not answer; exit code {server.poll()}"
        assert "00_warmup.ipynb" in [item["name"] for item in listing["content"]]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=10) as response:
            page = response.read().decode()
            assert response.status == 200 and "JupyterLab" in page
        # a learner sees none of nbgrader's instructor menus, and there is no formgrader to open
        import re

        config = json.loads(re.search(r'id="jupyter-config-data" type="application/json">(.*?)</script>', page, re.S).group(1))
        for plugin in ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:course-list"):
            assert plugin in config["disabledExtensions"], config["disabledExtensions"]
        assert "@jupyter/nbgrader:validate-assignment" not in config["disabledExtensions"]
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/formgrader?token={token}", timeout=10)
            formgrader = 200
        except urllib.error.HTTPError as error:
            formgrader = error.code
        assert formgrader == 404, "the formgrader is served in the learner's JupyterLab"
    finally:
        server.terminate()
        try:
            output, _ = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            output, _ = server.communicate()
    assert "New in your workspace: 00_warmup/00_warmup.ipynb" in output
    if os.geteuid() == 0:
        assert "--allow-root" in output, "running as root needs --allow-root"


def test_an_edited_notebook_of_an_unchanged_course_is_not_reported_or_copied(course):
    release_dir, workspace = course
    sync_workspace(release_dir, workspace)
    mine = workspace / "00_warmup" / "00_warmup.ipynb"
    mine.write_text("warm-up v1 + my solutions")
    for _ in range(3):  # every `make lab` syncs again
        result = sync_workspace(release_dir, workspace)
        assert result.kept_edited == [] and result.updated == [], result.summary()
        assert "up to date" in result.summary()
    assert sorted(p.name for p in (workspace / "00_warmup").iterdir()) == ["00_warmup.ipynb"]
    assert mine.read_text() == "warm-up v1 + my solutions"


@pytest.mark.slow
def test_rebuilding_an_unchanged_course_leaves_an_edited_workspace_alone(tmp_path):
    source = tmp_path / "notebooks"
    shutil.copytree(PROJECT_ROOT / "notebooks" / "00_warmup", source / "00_warmup")
    workspace, build = tmp_path / "workspace", tmp_path / "build"
    build_workspace(workspace, build_root=build, source_dir=source)
    mine = workspace / "00_warmup" / "00_warmup.ipynb"
    nb = nbformat.read(str(mine), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("my_answer = 42"))
    nbformat.write(nb, str(mine))

    again = build_workspace(workspace, build_root=build, source_dir=source)
    assert again.kept_edited == [] and "up to date" in again.summary(), again.summary()
    assert [p.name for p in (workspace / "00_warmup").glob("*.v*.ipynb")] == []


def test_course_lab_gives_jupyterlabs_terminals_the_course_command(tmp_path, monkeypatch):
    """`make lab` runs .venv/bin/course without activating the environment: the terminals JupyterLab
    opens inherit its PATH, so `course download cifar10` must be found there."""
    from checker import cli

    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    started = {}

    def exec_instead(path, argv):  # os.execv would replace the test process with JupyterLab
        started.update(path=path, PATH=os.environ["PATH"])
        raise SystemExit(0)

    monkeypatch.setattr(cli.os, "execv", exec_instead)
    with pytest.raises(SystemExit):
        cli.main(["lab", "--dir", str(tmp_path / "ws"), "--build-dir", str(tmp_path / "build")])
    assert shutil.which("course", path=started["PATH"]) == str(Path(sys.executable).parent / "course")
