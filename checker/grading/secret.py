"""The instructor's grading secret and the grading seed derived from it.

Learners practise with ``PRACTICE_SEED`` (231): every ``check(...)`` in their
notebook draws its cases from it, so an answer hard-coded for those cases
would pass. Grading draws fresh cases from a seed the learner never saw:

    seed = first 4 bytes of HMAC-SHA256(secret, "grading-seed:" + assignment)

The secret is 32 random bytes (hex) in ``<course root>/.course-secret``,
created with mode 0600 on the first ``course release`` or ``course grade``.
It is git-ignored, never copied into release/ or a workspace, and outside every
folder the sandboxed grading worker may read. Keep it for the whole term: the
seed of an assignment (and so every cached grade) depends on it. Deleting it
changes every grading seed; the next ``course grade`` re-grades everything.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from checker.spec import PRACTICE_SEED

SECRET_NAME = ".course-secret"
_SECRET_PATTERN = re.compile(r"^[0-9a-f]{64}$")


class SecretError(Exception):
    """The secret file exists but cannot be used; the message says how to fix it."""


def secret_path(course_root: Path) -> Path:
    return Path(course_root) / SECRET_NAME


def ensure_secret(course_root: Path) -> Path:
    """Create ``<course_root>/.course-secret`` (0600) if it is missing; return its path.

    An existing secret is never replaced (that would change every grading seed)."""
    path = secret_path(course_root)
    if path.exists():
        read_secret(course_root)  # validate it
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        read_secret(course_root)
        return path
    with os.fdopen(handle, "w") as stream:
        stream.write(secrets.token_hex(32) + "\n")
    return path


def read_secret(course_root: Path) -> bytes:
    """The secret's bytes; a clear error if it is missing, malformed or readable by others."""
    path = secret_path(course_root)
    if not path.is_file():
        raise SecretError(f"no grading secret at {path}: run `course release` or `course grade` to create one")
    text = path.read_text().strip()
    if not _SECRET_PATTERN.match(text):
        raise SecretError(f"{path} is not a grading secret (64 hex digits expected). Restore it from your backup; "
                          "deleting it changes every grading seed, so all grades would be re-computed with new cases")
    if os.name == "posix" and path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)  # tighten, never loosen
    return bytes.fromhex(text)


def seed_from_secret(secret: bytes, assignment: str) -> int:
    """The grading seed of ``assignment`` for this secret: a 31-bit integer, never ``PRACTICE_SEED``."""
    digest = hmac.new(secret, f"grading-seed:{assignment}".encode(), hashlib.sha256).digest()
    for start in range(0, len(digest), 4):  # the first 4 bytes unless they give 231 (one chance in 2**31)
        seed = int.from_bytes(digest[start:start + 4], "big") & 0x7FFFFFFF
        if seed != PRACTICE_SEED:
            return seed
    return PRACTICE_SEED + 1  # unreachable in practice: eight 31-bit draws all equal to 231


def grading_seed(course_root: Path, assignment: str) -> int:
    """The grading seed of ``assignment`` in the course at ``course_root`` (creates the secret if needed)."""
    ensure_secret(course_root)
    return seed_from_secret(read_secret(course_root), assignment)
