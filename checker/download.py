"""Download the datasets too large to ship with the course (CIFAR-10).

    course download cifar10                    # from a terminal
    from checker.download import download
    download("cifar10")                        # -> .../datasets/cifar-10-batches-py

The archive goes to datasets/downloads/<archive>.part while it arrives. An interrupted
download resumes where it stopped (HTTP Range request) the next time. Once its MD5 holds,
the file is renamed to datasets/downloads/<archive> and unpacked.

Downloading by hand works too: save the archive as datasets/downloads/cifar-10-python.tar.gz
(no .part) and run the command again; a file there is used as is, after its MD5 is checked.
"""

from __future__ import annotations

import hashlib
import http.client
import re
import shutil
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from tqdm.auto import tqdm

from checker import data


class DownloadError(RuntimeError):
    """A dataset could not be fetched or unpacked; the message says what to do next."""


@dataclass(frozen=True)
class Source:
    url: str
    md5: str
    archive: str  # file name of the download
    folder: str  # top-level folder inside the archive, unpacked under dest
    files: tuple[str, ...]  # files that must exist in that folder when complete
    size: str  # human-readable download size


SOURCES = {
    "cifar10": Source(
        url="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
        md5="c58f30108f718f92721af3b95e74349a",
        archive="cifar-10-python.tar.gz",
        folder=data.CIFAR10_DIRNAME,
        files=data.CIFAR10_FILES,
        size=data.CIFAR10_DOWNLOAD_SIZE,
    ),
}

TIMEOUT_S = 30  # per blocking socket operation, not for the whole download
RETRY_DELAYS_S = (1, 5)  # pauses before the automatic second and third attempts
CHUNK_BYTES = 1 << 16


def _is_complete(folder: Path, files: tuple[str, ...]) -> bool:
    return all((folder / name).is_file() and (folder / name).stat().st_size > 0 for name in files)


def _is_web_url(url) -> bool:
    try:
        parts = urllib.parse.urlsplit(url)
    except (TypeError, ValueError, AttributeError):
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    try:
        with open(path, "rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    except OSError as error:
        raise DownloadError(f"cannot read {path}: {error.strerror or error}") from None
    return digest.hexdigest()


# ----------------------------------------------------------------------------- fetching


def _open(url: str, offset: int):
    """Open `url`, asking for the bytes from `offset` on when resuming."""
    request = urllib.request.Request(url, headers={"User-Agent": "course-download"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    return urllib.request.urlopen(request, timeout=TIMEOUT_S)


def _fetch_once(url: str, part: Path, quiet: bool) -> None:
    """One HTTP request appending to `part`; raises on any network failure.

    Resumes from the size of `part`. A server that ignores the Range header answers 200
    with the whole file, which then replaces the partial one.
    """
    offset = part.stat().st_size if part.exists() else 0
    try:
        response = _open(url, offset)
    except urllib.error.HTTPError as error:
        if error.code == 416 and offset:  # nothing left to send: the part file is already whole
            return
        raise
    with response:
        if offset and response.status != 206:
            offset = 0  # the server sent the whole file: start over
        length = response.headers.get("Content-Length")
        expected = int(length) if length and length.isdigit() else None
        received = 0
        # Disk errors are OSErrors too; raise them as DownloadError so that they are not retried as network errors.
        try:
            sink = open(part, "ab" if offset else "wb")
        except OSError as error:
            raise _cannot_write(part, error) from None
        with sink, tqdm(
            total=None if expected is None else offset + expected,
            initial=offset,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc=part.name.removesuffix(".part"),
            disable=quiet,
        ) as progress:
            while chunk := response.read(CHUNK_BYTES):
                try:
                    sink.write(chunk)
                except OSError as error:
                    raise _cannot_write(part, error) from None
                received += len(chunk)
                progress.update(len(chunk))
    # http.client returns a short body silently when the connection drops; notice it here.
    if expected is not None and received < expected:
        raise ConnectionError(f"connection closed after {offset + received} of {offset + expected} bytes")


def _cannot_write(path: Path, error: OSError) -> DownloadError:
    return DownloadError(f"cannot write {path}: {error.strerror or error}. Free some disk space or choose another dest.")


def _fetch(url: str, part: Path, quiet: bool, name: str) -> None:
    """Fetch `url` into `part`, retrying (and resuming) a few times on network errors."""
    try:
        part.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _cannot_write(part.parent, error) from None
    by_hand = (
        f"Or download {url} by hand (a browser will do) and save it as {part.with_suffix('')}; "
        f"`course download {name}` then uses it as is."
    )
    attempts = len(RETRY_DELAYS_S) + 1
    for attempt in range(1, attempts + 1):
        try:
            _fetch_once(url, part, quiet)
            return
        except urllib.error.HTTPError as error:
            # The server answered: trying again will not change its mind.
            raise DownloadError(f"{url} answered HTTP {error.code} {error.reason}. Check the URL. {by_hand}") from None
        except (OSError, http.client.HTTPException) as error:  # refused, reset, time-out, short read
            failure = error
            if attempt == attempts:
                break
            if not quiet:
                print(f"download failed ({_describe(error)}); trying again ({attempt + 1} of {attempts})", file=sys.stderr)
            time.sleep(RETRY_DELAYS_S[attempt - 1])
    have = part.stat().st_size if part.exists() else 0
    if have:
        next_step = f"{have} bytes are kept in {part}; run `course download {name}` again to resume from there."
    else:
        next_step = f"Check the connection and run `course download {name}` again."
    raise DownloadError(f"downloading {url} failed after {attempts} attempts: {_describe(failure)}. {next_step} {by_hand}")


def _describe(error: BaseException) -> str:
    reason = getattr(error, "reason", None)  # URLError wraps the socket error
    return str(reason or error) or type(error).__name__


# ----------------------------------------------------------------------------- unpacking


def _check_member(member: tarfile.TarInfo, folder: str, archive: Path) -> None:
    """Refuse anything but files and folders under `folder`/ (no '..', absolute paths or links)."""
    path = PurePosixPath(member.name)
    inside = not path.is_absolute() and ".." not in path.parts and path.parts[:1] == (folder,)
    if not inside:
        raise DownloadError(
            f"{archive} contains {member.name!r}, which would land outside {folder}/; refusing to unpack it. "
            f"Delete the file and download it again."
        )
    if not (member.isfile() or member.isdir()):
        raise DownloadError(f"{archive} contains {member.name!r}, which is not a plain file; refusing to unpack it.")


def _extract(archive: Path, dest: Path, source: Source) -> Path:
    """Unpack `archive` into dest/source.folder, all or nothing.

    The archive is unpacked into a temporary folder first, so an interruption never leaves
    a folder that looks complete.
    """
    target = dest / source.folder
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = tar.getmembers()
            for member in members:
                _check_member(member, source.folder, archive)
            with tempfile.TemporaryDirectory(dir=dest, prefix=".unpack-") as scratch:
                # filter="data" is the standard library's own guard against hostile archives.
                tar.extractall(scratch, members=members, filter="data")
                unpacked = Path(scratch) / source.folder
                if not _is_complete(unpacked, source.files):
                    missing = [name for name in source.files if not (unpacked / name).is_file()]
                    raise DownloadError(f"{archive} lacks {', '.join(missing)}; delete it and download it again.")
                if target.exists():
                    shutil.rmtree(target)  # an incomplete earlier attempt
                unpacked.rename(target)
    except (tarfile.TarError, EOFError, OSError) as error:
        raise DownloadError(f"could not unpack {archive} ({error}); delete it and download it again.") from None
    return target


# ----------------------------------------------------------------------------- entry point


def download(name="cifar10", dest=None, url=None, md5=None, quiet=False) -> Path:
    """Download, verify and unpack a dataset; do nothing if it is already there.

    Inputs:
    - name: dataset name; one of SOURCES ("cifar10")
    - dest: folder receiving downloads/ and the unpacked folder (default: the course's datasets/)
    - url, md5: override the source (a mirror, or a test server); md5 defaults to the known one
    - quiet: no progress bar or messages

    Returns the unpacked folder, e.g. dest/cifar-10-batches-py (holding data_batch_1..5,
    test_batch, batches.meta). Raises DownloadError with what to do next when something fails.
    """
    if name not in SOURCES:
        raise ValueError(f"unknown dataset {name!r}; known datasets: {', '.join(sorted(SOURCES))}")
    source = SOURCES[name]
    dest = Path(dest) if dest is not None else data.datasets_dir()
    url = url or source.url
    md5 = md5 or source.md5
    if not _is_web_url(url):
        raise ValueError(f"url must be an http:// or https:// address, got {url!r}")
    if not isinstance(md5, str) or not re.fullmatch(r"[0-9a-fA-F]{32}", md5):
        raise ValueError(f"md5 must be 32 hexadecimal digits, got {md5!r}")
    md5 = md5.lower()

    target = dest / source.folder
    if _is_complete(target, source.files):
        if not quiet:
            print(f"{name} is already in {target}")
        return target

    archive = dest / "downloads" / source.archive
    part = archive.with_name(archive.name + ".part")
    if archive.is_file():
        # A finished download, or a file saved there by hand: use it as is.
        got = _md5(archive)
        if got != md5:
            raise DownloadError(
                f"{archive} has MD5 {got}, expected {md5}: it is not the right file or is damaged. "
                f"Delete it and run `course download {name}` again."
            )
    else:
        if not quiet:
            print(f"downloading {name} ({source.size}) from {url}", file=sys.stderr)
        _fetch(url, part, quiet, name)
        got = _md5(part)
        if got != md5:
            part.unlink()  # resuming a corrupt file would only corrupt it further
            raise DownloadError(
                f"the download of {url} is corrupt: MD5 expected {md5}, got {got}. "
                f"The partial file was removed; run `course download {name}` again."
            )
        part.replace(archive)

    if not quiet:
        print(f"unpacking {archive.name} into {dest}", file=sys.stderr)
    return _extract(archive, dest, source)
