"""Bring learners' notebooks into nbgrader's layout: ``submitted/<student>/<A>/<A>.ipynb``.

``course grade A --submissions PATH`` accepts a folder or a ``.zip`` of
``<student_id>.ipynb`` files (the name is the student id). Each file is checked
before anything is written: a valid id, a readable notebook, a sane size. A
file that fails is not imported and the reason is reported; the others are.

An existing submission is never overwritten silently: the same bytes again is
a no-op, different bytes move the old notebook (and its ``timestamp.txt``) to
``.course-build/grading/<A>/replaced/<student>/<A>.<UTC time>.ipynb`` first and
say so.

When: each imported notebook gets nbgrader's ``timestamp.txt`` (late penalties and the
``timestamp`` column of ``grades.csv`` come from it): the time given with ``--timestamp``, else,
from a zip, the entry's own time (UTC when the entry carries an extended timestamp, else the zip's
local time read in this machine's time zone). The summary says which was used. A folder without
``--timestamp`` gives no time (nbgrader then has none either).

Who: ``read_roster`` reads nbgrader's student CSV (``id,first_name,last_name,email``); ``course
grade --roster`` puts those names into the gradebook, so the formgrader and the export show them.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import struct
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import nbformat

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_NOTEBOOK_BYTES = 32 * 1024 * 1024


class SubmissionError(Exception):
    """The submissions as a whole cannot be read (missing path, corrupt zip); the message says why."""


@dataclass
class ImportResult:
    added: list = field(default_factory=list)        # student ids
    unchanged: list = field(default_factory=list)    # same bytes as the submission already there
    replaced: list = field(default_factory=list)     # (student id, where the old notebook was kept)
    rejected: list = field(default_factory=list)     # (file name, reason)
    times: dict = field(default_factory=dict)        # student id -> (aware datetime, where it came from)

    @property
    def students(self) -> list[str]:
        """Every student whose notebook is now in submitted/ from this import, sorted."""
        return sorted(set(self.added) | set(self.unchanged) | {s for s, _ in self.replaced})

    def summary(self) -> str:
        lines = []
        if self.added:
            lines.append(f"Imported {len(self.added)} new submission(s): " + ", ".join(sorted(self.added)))
        if self.unchanged:
            lines.append(f"{len(self.unchanged)} submission(s) already there, unchanged")
        for student, kept in self.replaced:
            lines.append(f"{student}: a different submission was already there; the old one is kept at {kept}")
        for name, reason in self.rejected:
            lines.append(f"NOT imported: {name}: {reason}")
        origins = sorted({origin for _, origin in self.times.values()})
        if origins:
            lines.append(f"Submission times ({len(self.times)}): " + "; ".join(origins))
        elif self.students:
            lines.append("Submission times: none (give --timestamp for late penalties)")
        return "\n".join(lines) or "No notebooks found."


def valid_student_id(student: str) -> bool:
    return bool(STUDENT_ID.match(student)) and ".." not in student


def check_notebook_bytes(data: bytes, name: str) -> str | None:
    """None when ``data`` is a notebook nbgrader can read, else the reason it is not."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        return f"{len(data) / 2**20:.0f} MB is larger than the {MAX_NOTEBOOK_BYTES // 2**20} MB allowed"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "not a notebook (the file is not UTF-8 text)"
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises several kinds (JSON, version, validation)
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"not a readable notebook ({first_line})"
    if not isinstance(nb.get("cells"), list):
        return "not a readable notebook (no list of cells)"
    return None


def _candidates_from_folder(folder: Path):
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.name.endswith(".ipynb"):
            continue
        if not path.is_file() or path.is_symlink():
            yield path.name, None, "not a regular file", None
            continue
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            yield path.name, None, f"{size / 2**20:.0f} MB is larger than the {MAX_NOTEBOOK_BYTES // 2**20} MB allowed", None
            continue
        yield path.name, path.read_bytes(), None, None


ZIP_UTC = "from the zip entries (UTC, their extended timestamps)"
ZIP_LOCAL = "from the zip entries (local times, read in this machine's time zone)"
GIVEN = "given with --timestamp"


def zip_entry_time(info: zipfile.ZipInfo) -> tuple[datetime, str]:
    """When a zip entry was last modified, and where that was read."""
    extra = info.extra
    while len(extra) >= 4:
        tag, size = struct.unpack("<HH", extra[:4])
        body = extra[4:4 + size]
        if tag == 0x5455 and size >= 5 and body[0] & 1:  # extended timestamp: flags, then mtime (UTC seconds)
            return datetime.fromtimestamp(struct.unpack("<I", body[1:5])[0], timezone.utc), ZIP_UTC
        extra = extra[4 + size:]
    return datetime(*info.date_time).astimezone(), ZIP_LOCAL


def _candidates_from_zip(archive: Path):
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            for info in infos:
                name = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
                if info.filename.startswith("__MACOSX/") or name.startswith(".") or not name.endswith(".ipynb"):
                    continue
                if info.file_size > MAX_NOTEBOOK_BYTES:
                    yield info.filename, None, f"{info.file_size / 2**20:.0f} MB is larger than the " \
                                               f"{MAX_NOTEBOOK_BYTES // 2**20} MB allowed", None
                    continue
                try:
                    with zf.open(info) as stream:
                        data = stream.read(MAX_NOTEBOOK_BYTES + 1)
                except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:  # bad CRC, encrypted, truncated
                    yield info.filename, None, f"cannot be read from the zip ({exc})", None
                    continue
                yield name, data, None, zip_entry_time(info)
    except zipfile.BadZipFile as exc:
        raise SubmissionError(f"{archive} is not a readable zip file ({exc})") from None


def import_submissions(path: Path, assignment: str, course_root: Path, *, students: list[str] | None = None,
                       now: datetime | None = None, timestamp: datetime | None = None) -> ImportResult:
    """Copy every ``<student_id>.ipynb`` of ``path`` (a folder or a .zip) to
    ``<course_root>/submitted/<student_id>/<assignment>/<assignment>.ipynb``, with its ``timestamp.txt``
    (``timestamp`` for every file when given; see the module doc).

    ``students``: import only these ids (others in ``path`` are left out, not reported)."""
    path, course_root = Path(path), Path(course_root)
    if not path.exists():
        raise SubmissionError(f"no submissions at {path}: give a folder or a .zip of <student_id>.ipynb files")
    if path.is_dir():
        candidates = _candidates_from_folder(path)
    elif zipfile.is_zipfile(path):
        candidates = _candidates_from_zip(path)
    elif path.suffix.lower() == ".zip":
        raise SubmissionError(f"{path} is not a readable zip file (corrupt or truncated?)")
    else:
        raise SubmissionError(f"{path} is neither a folder nor a .zip of <student_id>.ipynb files")

    result = ImportResult()
    seen: dict[str, str] = {}
    accepted: list[tuple[str, bytes]] = []
    for name, data, problem, when in candidates:
        student = name[: -len(".ipynb")]
        if students is not None and student not in students:
            continue
        if not valid_student_id(student):
            result.rejected.append((name, f"'{student}' is not a valid student id (letters, digits, '.', '_', '-'; "
                                          "at most 64; starting with a letter or digit)"))
            continue
        if problem is None:
            problem = check_notebook_bytes(data, name)
        if problem is None and student in seen:
            problem = f"a second notebook for student '{student}' (the first was {seen[student]}); neither is imported"
            accepted = [(s, d) for s, d in accepted if s != student]
            result.times.pop(student, None)
        if problem is not None:
            result.rejected.append((name, problem))
            continue
        seen[student] = name
        accepted.append((student, data))
        if timestamp is not None:
            result.times[student] = (timestamp if timestamp.tzinfo else timestamp.astimezone(), GIVEN)
        elif when is not None:
            result.times[student] = when

    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%S%fZ")
    for student, data in accepted:
        folder = course_root / "submitted" / student / assignment
        target = folder / f"{assignment}.ipynb"
        if target.is_file():
            if target.read_bytes() == data:
                result.unchanged.append(student)
                if student in result.times and (timestamp is not None or not (folder / "timestamp.txt").is_file()):
                    _write_timestamp(folder, result.times[student][0])  # an explicit time corrects the one there
                continue
            kept_dir = course_root / ".course-build" / "grading" / assignment / "replaced" / student
            kept_dir.mkdir(parents=True, exist_ok=True)
            kept = kept_dir / f"{assignment}.{stamp}.ipynb"
            shutil.copy2(target, kept)
            timestamp = folder / "timestamp.txt"
            if timestamp.is_file():  # that time belonged to the old notebook
                shutil.move(str(timestamp), str(kept_dir / f"timestamp.{stamp}.txt"))
            _write_atomically(target, data)
            result.replaced.append((student, str(kept)))
        else:
            _write_atomically(target, data)
            result.added.append(student)
        if student in result.times:
            _write_timestamp(folder, result.times[student][0])
    return result


def _write_timestamp(folder: Path, when: datetime) -> None:
    """nbgrader's ``timestamp.txt`` (as ``nbgrader collect`` writes it), in UTC."""
    _write_atomically(folder / "timestamp.txt",
                      when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC").encode())


def parse_timestamp(text: str) -> datetime:
    """``--timestamp``: ISO 8601 (``2026-11-20 08:15``, ``2026-11-20T08:15:00+01:00``); without a
    time zone, this machine's."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise SubmissionError(f"--timestamp {text!r}: give a date and time such as '2026-11-20 08:15' "
                              "or '2026-11-20T08:15:00+01:00'") from None
    return when if when.tzinfo else when.astimezone()


ROSTER_COLUMNS = ("first_name", "last_name", "email")


def read_roster(path: Path) -> dict[str, dict]:
    """nbgrader's student CSV (``id`` and any of ``first_name, last_name, email``) as
    ``{id: {column: value or None}}``; a clear error for a file that is not one."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as stream:
            rows = list(csv.DictReader(stream))
            columns = [c.strip() for c in (rows and rows[0].keys()) or ()]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SubmissionError(f"cannot read the roster {path}: {exc}") from None
    if "id" not in columns:
        raise SubmissionError(f"the roster {path} has no 'id' column (nbgrader's student CSV: "
                              "id,first_name,last_name,email)")
    roster = {}
    for number, row in enumerate(rows, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        if not valid_student_id(row["id"]):
            raise SubmissionError(f"the roster {path}, line {number}: {row['id']!r} is not a valid student id")
        roster[row["id"]] = {c: row.get(c) or None for c in ROSTER_COLUMNS}
    return roster


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
    os.replace(temporary, target)


def submitted_students(course_root: Path, assignment: str) -> list[str]:
    """Students with ``submitted/<student>/<assignment>/<assignment>.ipynb``, sorted."""
    root = Path(course_root) / "submitted"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir()
                  if p.is_dir() and valid_student_id(p.name) and (p / assignment / f"{assignment}.ipynb").is_file())
