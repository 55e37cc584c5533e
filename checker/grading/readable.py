"""The datasets folder (and matplotlib's fonts) as the grading worker can read them, wherever the course is.

Started as root, the worker becomes ``nobody``; a course checked out in a private folder (mode
0700: ``/root``, many home directories) is then out of its reach, and every cell of a submission
that loads the data, or draws text in a plot (fonts are read lazily from the course's environment),
would fail while it is graded. In that case the worker reads a copy: made once
per process in a fresh world-readable temporary folder (files hard-linked where the file itself is
readable by others, else copied), removed when the process exits. The original is never changed.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import stat
import tempfile
from pathlib import Path

_COPIES: dict = {}


def readable_by_others(path: Path) -> bool:
    """Whether a user who owns nothing here (``nobody``) can reach ``path`` and read all of it."""
    path = Path(path).resolve()
    if not all(folder.stat().st_mode & stat.S_IXOTH for folder in (path, *path.parents)):
        return False
    needs = stat.S_IROTH | (stat.S_IXOTH if path.is_dir() else 0)
    if path.stat().st_mode & needs != needs:
        return False
    for entry in path.rglob("*") if path.is_dir() else ():
        needs = stat.S_IROTH | stat.S_IXOTH if entry.is_dir() else stat.S_IROTH
        if entry.stat().st_mode & needs != needs:
            return False
    return True


def _place(source: Path, target: Path) -> None:
    if source.stat().st_mode & stat.S_IROTH:
        try:
            os.link(source, target)  # instant, and the same bytes (CIFAR-10 is 170 MB)
            return
        except OSError:  # another file system, or links not allowed
            pass
    shutil.copyfile(source, target)
    target.chmod(0o644)


def worker_datasets(datasets_dir: Path) -> Path:
    """``datasets_dir`` itself when the worker can read it, else a readable copy (see the module doc).

    Raises ``OSError`` when no copy can be made (no room in the temporary folder, for instance)."""
    return readable_folder(datasets_dir, "the course's datasets folder")


def worker_matplotlib_data() -> Path | None:
    """matplotlib's data folder (fonts, styles), or a readable copy of it; None without matplotlib."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return None
    data = Path(list(spec.submodule_search_locations)[0]) / "mpl-data"
    return readable_folder(data, "matplotlib's data folder") if data.is_dir() else None


def readable_folder(folder: Path, what: str) -> Path:
    """``folder`` itself when a worker dropped to ``nobody`` can read it, else a readable copy."""
    folder = Path(folder).resolve()
    if os.getuid() != 0 or not folder.exists() or readable_by_others(folder):
        return folder  # not root: the worker keeps this user, who can read the course
    copy = _COPIES.get(folder)
    if copy is not None and copy.is_dir():
        return copy
    copy = Path(tempfile.mkdtemp(prefix="course-readable-"))
    atexit.register(shutil.rmtree, copy, True)
    for source in sorted(folder.rglob("*")):
        target = copy / source.relative_to(folder)
        if source.is_dir():
            target.mkdir()
        elif source.is_file():
            _place(source, target)
    for directory in (copy, *(p for p in copy.rglob("*") if p.is_dir())):
        directory.chmod(0o755)
    if not readable_by_others(copy):
        raise OSError(f"{what} {folder} is private to its owner, and so is the "
                      f"temporary folder {copy.parent} where a readable copy was to go: set TMPDIR to a folder "
                      "every user may enter (such as /tmp)")
    _COPIES[folder] = copy
    return copy
