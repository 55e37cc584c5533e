"""The course pipeline: nbgrader releases of the source notebooks, and the learner's workspace.

The workspace is a folder of released notebooks (solutions removed) that the
learner works in. Updating it adds what is new, refreshes files the learner has
not touched, and never overwrites a file the learner changed: the newer version
is saved beside it under a new name.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT_PATTERN = re.compile(r"^\d\d_[a-z0-9_]+$")
MANIFEST_NAME = ".course-manifest.json"


class CourseError(Exception):
    """A problem the person running the course can fix; the message says how."""


def assignments(source_dir: Path | None = None) -> list[str]:
    """Assignment names (``00_warmup``, ``01_knn`` ...) found in the source folder, in course order."""
    source_dir = Path(source_dir or PROJECT_ROOT / "notebooks")
    if not source_dir.is_dir():
        raise CourseError(f"no source notebooks folder at {source_dir}")
    return sorted(
        p.name for p in source_dir.iterdir()
        if p.is_dir() and ASSIGNMENT_PATTERN.match(p.name) and (p / f"{p.name}.ipynb").is_file()
    )


def nbgrader_config(course_root: Path, source_dir: Path | None = None):
    """The course's ``nbgrader_config.py`` with the course root (and source folder) set."""
    from traitlets.config.loader import Config, PyFileConfigLoader

    config = Config()
    config_file = PROJECT_ROOT / "nbgrader_config.py"
    if config_file.is_file():
        config.merge(PyFileConfigLoader(config_file.name, path=str(config_file.parent)).load_config())
    config.CourseDirectory.root = str(course_root)
    if source_dir is not None:
        config.CourseDirectory.source_directory = str(source_dir)
    return config


def release(names: list[str] | None = None, course_root: Path | None = None, source_dir: Path | None = None) -> Path:
    """Generate the student version of each assignment with nbgrader; returns the release folder.

    Runs nbgrader's own ``generate_assignment`` (which also records the assignment
    and its grade cells in the course's gradebook)."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    course_root = Path(course_root or PROJECT_ROOT).resolve()
    source_dir = Path(source_dir or PROJECT_ROOT / "notebooks").resolve()
    available = assignments(source_dir)
    names = names or available
    unknown = [n for n in names if n not in available]
    if unknown:
        raise CourseError(f"no assignment named {', '.join(unknown)}; the course has: {', '.join(available)}")
    course_root.mkdir(parents=True, exist_ok=True)
    config = nbgrader_config(course_root, source_dir)
    coursedir = CourseDirectory(config=config)
    api = NbGraderAPI(coursedir=coursedir, config=config)
    working_dir = os.getcwd()
    _put_environment_on_path()
    try:
        for name in names:
            result = api.generate_assignment(name, force=True, create=True)
            if not result.get("success"):
                raise CourseError(f"nbgrader could not release {name}:\n{result.get('error') or result.get('log')}")
    finally:
        os.chdir(working_dir)  # nbgrader changes into the course root
    return course_root / coursedir.release_directory


def _put_environment_on_path() -> None:
    """nbgrader runs ``alembic`` by name: make this environment's scripts findable
    even when Python was started as ``.venv/bin/python`` without activating it."""
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _copy_atomically(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    os.close(handle)
    shutil.copyfile(source, temporary)
    os.replace(temporary, target)


@dataclass
class SyncResult:
    added: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    kept_edited: list = field(default_factory=list)  # (learner's file, where the newer version was saved)

    def summary(self) -> str:
        lines = []
        if self.added:
            lines.append("New in your workspace: " + ", ".join(self.added))
        if self.updated:
            lines.append("Updated (you had not changed them): " + ", ".join(self.updated))
        for mine, newer in self.kept_edited:
            lines.append(f"{mine}: you have edited it and the course has a newer version. "
                         f"Your notebook was not changed; the new version is at {newer}")
        if not lines:
            lines.append(f"Workspace up to date ({len(self.unchanged)} files).")
        return "\n".join(lines)


def _version_name(relative: str, digest: str) -> str:
    path = Path(relative)
    return str(path.with_name(f"{path.stem}.v{digest[:8]}{path.suffix}"))


def sync_workspace(release_dir: Path, workspace: Path) -> SyncResult:
    """Bring ``workspace`` up to date with ``release_dir`` without losing the learner's work."""
    release_dir, workspace = Path(release_dir), Path(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    manifest_path = workspace / MANIFEST_NAME
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    result = SyncResult()
    for source in sorted(p for p in release_dir.rglob("*") if p.is_file()):
        relative = source.relative_to(release_dir).as_posix()
        if ".ipynb_checkpoints" in relative:
            continue
        digest = _sha256(source)
        target = workspace / relative
        if not target.exists():
            _copy_atomically(source, target)
            manifest[relative] = digest
            result.added.append(relative)
            continue
        current = _sha256(target)
        if current == digest or manifest.get(relative) == digest:
            # the learner's file is this release, or was made from it: the course has nothing new for it
            manifest[relative] = digest
            result.unchanged.append(relative)
        elif manifest.get(relative) == current:
            _copy_atomically(source, target)  # the learner never touched it
            manifest[relative] = digest
            result.updated.append(relative)
        else:
            newer = workspace / _version_name(relative, digest)
            if not newer.exists():
                _copy_atomically(source, newer)
            result.kept_edited.append((relative, newer.relative_to(workspace).as_posix()))
    handle, temporary = tempfile.mkstemp(dir=workspace, prefix=".manifest-")
    with os.fdopen(handle, "w") as stream:
        json.dump(manifest, stream, indent=1, sort_keys=True)
    os.replace(temporary, manifest_path)
    return result


# nbgrader's JupyterLab plugins and server extensions meant for instructors (create assignments,
# the formgrader, the course list): a learner's `course lab` goes without them. Validating stays.
INSTRUCTOR_LAB_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                          "@jupyter/nbgrader:course-list")
INSTRUCTOR_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list")


def learner_jupyter_config(build_root: Path | None = None) -> Path:
    """A Jupyter configuration folder for the learner's JupyterLab (put first on JUPYTER_CONFIG_PATH):
    nbgrader's instructor menus and the formgrader off; the instructor's own ``jupyter lab`` keeps them."""
    folder = Path(build_root or PROJECT_ROOT / ".course-build") / "learner-jupyter"
    (folder / "labconfig").mkdir(parents=True, exist_ok=True)
    (folder / "jupyter_server_config.d").mkdir(parents=True, exist_ok=True)
    (folder / "labconfig" / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {name: True for name in INSTRUCTOR_LAB_PLUGINS}}, indent=1))
    server = {"ServerApp": {"jpserver_extensions": {name: False for name in INSTRUCTOR_SERVER_EXTENSIONS}}}
    for name in ("jupyter_server_config.json", "jupyter_server_config.d/zz-course-learner.json"):
        (folder / name).write_text(json.dumps(server, indent=1))
    return folder


def build_workspace(workspace: Path | None = None, build_root: Path | None = None,
                    source_dir: Path | None = None) -> SyncResult:
    """Release every assignment into a private build folder and sync it into the workspace."""
    workspace = Path(workspace or PROJECT_ROOT / "workspace")
    build_root = Path(build_root or PROJECT_ROOT / ".course-build")
    release_dir = release(course_root=build_root, source_dir=source_dir)
    return sync_workspace(release_dir, workspace)
