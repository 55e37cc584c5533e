"""The two-command setup: README, Makefile, pins, conda environment, CLI basics."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from checker import cli
from checker.course import PROJECT_ROOT

ROOT = PROJECT_ROOT


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("-r "):
            found.update(pins(path.parent / line[3:]))
        elif line and not line.startswith("#"):
            name, version = line.split("==")
            found[name.lower().replace("_", "-")] = version
    return found


def test_readme_opens_with_exactly_the_two_commands():
    text = (ROOT / "README.md").read_text()
    first_block = re.search(r"```(?:sh|bash)?\n(.*?)```", text, re.S)
    assert first_block, "README has no code block"
    commands = [l for l in first_block.group(1).splitlines() if l.strip() and not l.strip().startswith("#")]
    assert commands == ["make lab", "make test"], f"README's first commands are {commands}"
    assert text.index("```") < 600, "the two commands must come first in the README"


def test_every_direct_dependency_is_pinned_in_the_lock_files():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lab, test = pins(ROOT / "requirements" / "lab.txt"), pins(ROOT / "requirements" / "test.txt")
    for requirement in project["dependencies"]:
        name, version = requirement.split("==")
        assert lab.get(name.lower()) == version, f"{name}: pyproject pins {version}, lab.txt has {lab.get(name.lower())}"
    for requirement in project["optional-dependencies"]["test"]:
        name, version = requirement.split("==")
        assert test.get(name.lower()) == version, f"{name}: pyproject pins {version}, test.txt has {test.get(name.lower())}"


def test_conda_environment_has_the_same_pins():
    text = (ROOT / "environment.yml").read_text()
    conda = {m.group(1).lower().replace("_", "-"): m.group(2) for m in re.finditer(r"^\s+- ([A-Za-z0-9_.\-]+)==(\S+)$", text, re.M)}
    assert conda == pins(ROOT / "requirements" / "test.txt")
    assert "python=3.11" in text


def test_makefile_targets_build_their_own_environment():
    text = (ROOT / "Makefile").read_text()
    assert re.search(r"^lab: \$\(VENV\)/\.lab-installed", text, re.M)
    assert re.search(r"^test: \$\(VENV\)/\.test-installed", text, re.M)
    assert "-m venv" in text and "requirements/lab.txt" in text and "requirements/test.txt" in text


def test_generated_things_are_git_ignored():
    ignored = (ROOT / ".gitignore").read_text().split()
    for entry in (".venv/", "workspace/", "release/", "submitted/", "autograded/", "feedback/", "gradebook.db"):
        assert entry in ignored, f"{entry} is not in .gitignore"


@pytest.mark.parametrize("euid, expect_allow_root", [(0, True), (1000, False)])
def test_jupyter_lab_runs_as_root_only_with_allow_root(monkeypatch, tmp_path, euid, expect_allow_root):
    monkeypatch.setattr(cli.os, "geteuid", lambda: euid)
    command = cli.jupyter_lab_command(tmp_path)
    assert command[1] == "lab" and f"--notebook-dir={tmp_path}" in command
    assert ("--allow-root" in command) is expect_allow_root


def test_course_tasks_lists_the_task_ids():
    run = subprocess.run([sys.executable, "-m", "checker.cli", "tasks"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split()[:2] == ["warmup.center", "warmup.normalize_rows"]


def test_course_without_a_command_explains_itself():
    run = subprocess.run([sys.executable, "-m", "checker.cli"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "usage: course" in run.stderr


def test_the_formgrader_has_an_exchange_folder(tmp_path):
    """No "exchange directory does not exist" banner: nbgrader_config.py names a folder of the course's own."""
    import shutil as _shutil

    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    _shutil.copy(ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(tmp_path)).load_config()
    config.CourseDirectory.root = str(tmp_path)
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    assert not api.exchange_missing and Path(api.exchange_root).is_relative_to(tmp_path)
