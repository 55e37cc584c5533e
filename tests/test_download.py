"""CIFAR-10 download: a local HTTP server (127.0.0.1 only) serves a tiny archive in the real layout."""

from __future__ import annotations

import hashlib
import io
import pickle
import re
import socket
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from checker import data, download as download_module
from checker.download import DownloadError, download

# Nothing here may hang: every test is bounded (pytest-timeout), and so is every socket operation.
pytestmark = pytest.mark.timeout(60)

FOLDER = "cifar-10-batches-py"
NAMES = [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog", b"horse", b"ship", b"truck"]


@pytest.fixture(autouse=True)
def bounded_and_local(monkeypatch):
    """Short socket time-outs, no pauses between retries, and no proxy between us and 127.0.0.1."""
    monkeypatch.setattr(download_module, "TIMEOUT_S", 5)
    monkeypatch.setattr(download_module, "RETRY_DELAYS_S", (0, 0))
    for variable in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


# ----------------------------------------------------------------------------- archives


def batch_bytes(images: np.ndarray, labels: list[int]) -> bytes:
    """A pickled batch in CIFAR-10's format: b"data" (n, 3072) uint8 of R, G, B planes."""
    rows = images.transpose(0, 3, 1, 2).reshape(len(images), 3072)
    return pickle.dumps({b"batch_label": b"made up", b"data": rows, b"labels": labels}, protocol=2)


def tiny_images(count: int) -> np.ndarray:
    """uint8 (count, 32, 32, 3), every image different, channels different."""
    values = np.arange(count * 32 * 32 * 3).reshape(count, 32, 32, 3)
    return ((values * 7 + values // 97) % 256).astype(np.uint8)


def make_tar(extra: dict[str, bytes] | None = None, leave_out: tuple[str, ...] = ()) -> tuple[bytes, np.ndarray]:
    """A .tar.gz laid out like cifar-10-python.tar.gz: 5 batches of 4 images, a test batch of 3.

    Returns the archive bytes and all 23 images (training then test).
    """
    images = tiny_images(23)
    files = {f"{FOLDER}/data_batch_{b + 1}": batch_bytes(images[4 * b : 4 * b + 4], [b, b, b, b]) for b in range(5)}
    files[f"{FOLDER}/test_batch"] = batch_bytes(images[20:], [7, 8, 9])
    files[f"{FOLDER}/batches.meta"] = pickle.dumps({b"label_names": NAMES, b"num_cases_per_batch": 4}, protocol=2)
    files[f"{FOLDER}/readme.html"] = b"<p>tiny</p>"
    files.update(extra or {})
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        folder = tarfile.TarInfo(FOLDER)
        folder.type = tarfile.DIRTYPE
        tar.addfile(folder)
        for name, content in files.items():
            if name.rsplit("/", 1)[-1] in leave_out:
                continue
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue(), images


def md5_of(payload: bytes) -> str:
    return hashlib.md5(payload).hexdigest()


# ----------------------------------------------------------------------------- server


class ArchiveServer:
    """Serves one payload at /cifar-10-python.tar.gz on 127.0.0.1, honouring Range requests.

    - cut_after, cuts: the first `cuts` responses stop after `cut_after` body bytes
      (while announcing the full length), as a dropped connection does
    - honour_range: False makes it answer 200 with the whole file, whatever was asked
    - log: one (Range header or None, status, body bytes sent) per request
    """

    def __init__(self, payload: bytes):
        self.payload = payload
        self.cut_after: int | None = None
        self.cuts = 0
        self.honour_range = True
        self.log: list[tuple[str | None, int, int]] = []
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/cifar-10-python.tar.gz"

    @property
    def bytes_sent(self) -> int:
        return sum(sent for _, _, sent in self.log)

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output clean
                pass

            def do_GET(self):
                if self.path != "/cifar-10-python.tar.gz":
                    with server.lock:  # log before answering: the client may check the log right after
                        server.log.append((self.headers.get("Range"), 404, 0))
                    self.send_error(404)
                    return
                status, body = server._answer(self.headers.get("Range"))
                length = len(body)
                with server.lock:  # log before answering: the client may check the log right after the headers
                    if server.cuts > 0 and server.cut_after is not None:
                        server.cuts -= 1
                        body = body[: server.cut_after]
                    server.log.append((self.headers.get("Range"), status, len(body)))
                self.send_response(status)
                if status == 206:
                    start = len(server.payload) - length
                    self.send_header("Content-Range", f"bytes {start}-{len(server.payload) - 1}/{len(server.payload)}")
                self.send_header("Content-Length", str(length))
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True

        return Handler

    def _answer(self, range_header: str | None) -> tuple[int, bytes]:
        if range_header is None or not self.honour_range:
            return 200, self.payload
        start = int(re.fullmatch(r"bytes=(\d+)-", range_header).group(1))
        if start >= len(self.payload):
            return 416, b""
        return 206, self.payload[start:]


@pytest.fixture
def serve():
    """serve(payload) starts an ArchiveServer; all are shut down after the test."""
    servers = []

    def start(payload: bytes) -> ArchiveServer:
        server = ArchiveServer(payload)
        server.thread.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.httpd.shutdown()
        server.httpd.server_close()
        server.thread.join(timeout=5)


def unused_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (the port was just released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/cifar-10-python.tar.gz"


def part_path(dest: Path) -> Path:
    return dest / "downloads" / "cifar-10-python.tar.gz.part"


def archive_path(dest: Path) -> Path:
    return dest / "downloads" / "cifar-10-python.tar.gz"


# ----------------------------------------------------------------------------- tests


def test_full_download_verifies_unpacks_and_loads(serve, tmp_path):
    payload, images = make_tar()
    server = serve(payload)
    folder = download("cifar10", dest=tmp_path, url=server.url, md5=md5_of(payload), quiet=True)

    assert folder == tmp_path / FOLDER
    assert sorted(p.name for p in folder.iterdir()) == sorted(data.CIFAR10_FILES + ("readme.html",))
    assert archive_path(tmp_path).read_bytes() == payload
    assert not part_path(tmp_path).exists()
    assert server.log == [(None, 200, len(payload))]

    split = data.load_cifar10(folder)
    np.testing.assert_array_equal(split.X_train, images[:20])
    np.testing.assert_array_equal(split.X_test, images[20:])
    np.testing.assert_array_equal(split.y_train, np.repeat(np.arange(5), 4))
    assert split.class_names[0] == "airplane"
    assert not any(p.name.startswith(".unpack-") for p in tmp_path.iterdir()), "the scratch folder is removed"


def test_progress_is_shown_unless_quiet(serve, tmp_path, capsys):
    payload, _ = make_tar()
    server = serve(payload)
    download("cifar10", dest=tmp_path, url=server.url, md5=md5_of(payload))
    err = capsys.readouterr().err
    assert "downloading cifar10" in err and "cifar-10-python.tar.gz" in err


def test_interrupted_response_resumes_with_range(serve, tmp_path):
    payload, _ = make_tar()
    server = serve(payload)
    cut = len(payload) // 3
    server.cut_after, server.cuts = cut, 1

    download("cifar10", dest=tmp_path, url=server.url, md5=md5_of(payload), quiet=True)

    assert [(r, status) for r, status, _ in server.log] == [(None, 200), (f"bytes={cut}-", 206)]
    # Resuming fetched only what was missing, not the whole file twice.
    assert server.bytes_sent == len(payload)
    assert archive_path(tmp_path).read_bytes() == payload


def test_failed_download_keeps_the_part_file_and_the_next_call_resumes(serve, tmp_path):
    payload, images = make_tar()
    server = serve(payload)
    cut = len(payload) // 10
    server.cut_after, server.cuts = cut, 1000  # every response is cut

    with pytest.raises(DownloadError, match="again to resume") as caught:
        download("cifar10", dest=tmp_path, url=server.url, md5=md5_of(payload), quiet=True)
    attempts = len(server.log)
    assert attempts == 3, "a bounded number of attempts, each resuming"
    assert part_path(tmp_path).read_bytes() == payload[: attempts * cut]
    assert str(part_path(tmp_path)) in str(caught.value)

    server.cuts = 0
    folder = download("cifar10", dest=tmp_path, url=server.url, md5=md5_of(payload), quiet=True)
    assert server.log[-1][:2] == (f"bytes={attempts * cut}-", 206)
    assert server.bytes_sent == len(payload)
    np.testing.assert_array_equal(data.load_cifar10(folder).X_test, images[20:])


def test_md5_mismatch_removes_the_part_file(serve, tmp_path):
    payload, _ = make_tar()
    server = serve(payload)
    wrong = "0" * 32
    with pytest.raises(DownloadError, match=f"expected {wrong}, got {md5_of(payload)}"):
        download("cifar10", dest=tmp_path, url=server.url, md5=wrong, quiet=True)
    assert not part_path(tmp_path).exists()
    assert not archive_path(tmp_path).exists()
    assert not (tmp_path / FOLDER).exists()


def test_server_ignoring_range_restarts_from_scratch(serve, tmp_path):
    payload, _ = make_tar()
    server = serve(payload)
    server.honour_range = False
    part_path(tmp_path).parent.mkdir(parents=True)
    part_path(tmp_path).write_bytes(b"stale bytes from another file")

    download("cifar10", dest=tmp_path, url=server.url, md5=md5_of(payload), quiet=True)

    assert server.log == [("bytes=29-", 200, len(payload))]
    assert archive_path(tmp_path).read_bytes() == payload, "the whole answer replaced the part file"


def test_complete_part_file_is_finished_without_refetching(serve, tmp_path):
    payload, _ = make_tar()
    server = serve(payload)
    part_path(tmp_path).parent.mkdir(parents=True)
    part_path(tmp_path).write_bytes(payload)
    download("cifar10", dest=tmp_path, url=server.url, md5=md5_of(payload), quiet=True)
    assert server.log == [(f"bytes={len(payload)}-", 416, 0)]
    assert (tmp_path / FOLDER / "test_batch").is_file()


def test_already_downloaded_folder_is_left_alone(serve, tmp_path, capsys):
    payload, _ = make_tar()
    server = serve(payload)
    first = download("cifar10", dest=tmp_path, url=server.url, md5=md5_of(payload), quiet=True)
    batch = first / "data_batch_1"
    before = batch.stat().st_mtime_ns

    again = download("cifar10", dest=tmp_path, url=unused_port_url(), md5=md5_of(payload))
    assert again == first
    assert len(server.log) == 1, "no second request"
    assert batch.stat().st_mtime_ns == before
    assert "already" in capsys.readouterr().out


def test_incomplete_folder_is_replaced(serve, tmp_path):
    payload, _ = make_tar()
    server = serve(payload)
    (tmp_path / FOLDER).mkdir()
    (tmp_path / FOLDER / "data_batch_1").write_bytes(b"half")
    folder = download("cifar10", dest=tmp_path, url=server.url, md5=md5_of(payload), quiet=True)
    assert len(server.log) == 1
    assert len(data.load_cifar10(folder).y_train) == 20


def test_archive_saved_by_hand_is_used_as_is(tmp_path):
    payload, images = make_tar()
    archive_path(tmp_path).parent.mkdir(parents=True)
    archive_path(tmp_path).write_bytes(payload)
    # Nothing listens at that URL: the archive is used without any request.
    folder = download("cifar10", dest=tmp_path, url=unused_port_url(), md5=md5_of(payload), quiet=True)
    np.testing.assert_array_equal(data.load_cifar10(folder).X_train, images[:20])


def test_wrong_archive_saved_by_hand_is_reported_not_deleted(tmp_path):
    archive_path(tmp_path).parent.mkdir(parents=True)
    archive_path(tmp_path).write_bytes(b"not the archive")
    with pytest.raises(DownloadError, match=r"MD5 .* expected c58f30108f718f92721af3b95e74349a.*Delete it"):
        download("cifar10", dest=tmp_path, url=unused_port_url(), quiet=True)
    assert archive_path(tmp_path).exists()


@pytest.mark.parametrize("member", ["../evil", f"{FOLDER}/../../evil", "/tmp/course-test-evil", "elsewhere/evil"])
def test_archive_member_outside_the_folder_is_refused(serve, tmp_path, member):
    dest = tmp_path / "dest"
    payload, _ = make_tar(extra={member: b"gotcha"})
    server = serve(payload)
    with pytest.raises(DownloadError, match="refusing"):
        download("cifar10", dest=dest, url=server.url, md5=md5_of(payload), quiet=True)
    assert not (tmp_path / "evil").exists() and not (dest / "evil").exists()
    assert not Path("/tmp/course-test-evil").exists()
    assert not (dest / FOLDER).exists(), "nothing is unpacked from a hostile archive"


def test_archive_with_a_link_is_refused(tmp_path):
    payload, _ = make_tar()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as source, tarfile.open(
        fileobj=buffer, mode="w:gz"
    ) as tar:
        for member in source.getmembers():
            tar.addfile(member, source.extractfile(member) if member.isfile() else None)
        link = tarfile.TarInfo(f"{FOLDER}/passwd")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
    archive_path(tmp_path).parent.mkdir(parents=True)
    archive_path(tmp_path).write_bytes(buffer.getvalue())
    with pytest.raises(DownloadError, match="not a plain file"):
        download("cifar10", dest=tmp_path, md5=md5_of(buffer.getvalue()), quiet=True)
    assert not (tmp_path / FOLDER).exists()


def test_archive_missing_a_batch_is_reported(serve, tmp_path):
    payload, _ = make_tar(leave_out=("data_batch_4",))
    server = serve(payload)
    with pytest.raises(DownloadError, match="lacks data_batch_4"):
        download("cifar10", dest=tmp_path, url=server.url, md5=md5_of(payload), quiet=True)
    assert not (tmp_path / FOLDER).exists()


def test_unreachable_server_says_what_to_do(tmp_path):
    with pytest.raises(DownloadError, match=r"3 attempts.*run `course download cifar10` again.*by hand") as caught:
        download("cifar10", dest=tmp_path, url=unused_port_url(), quiet=True)
    assert str(archive_path(tmp_path)) in str(caught.value)
    assert not part_path(tmp_path).exists(), "no empty part file is left behind"


@pytest.mark.parametrize("url", ["htp:/nowhere", "www.cs.toronto.edu/x.tar.gz", "http://[::1", 42])
def test_malformed_url(tmp_path, url):
    with pytest.raises(ValueError, match="http:// or https://"):
        download("cifar10", dest=tmp_path, url=url, quiet=True)
    assert not (tmp_path / "downloads").exists()


def test_http_error_is_not_retried(serve, tmp_path):
    payload, _ = make_tar()
    server = serve(payload)
    with pytest.raises(DownloadError, match="HTTP 404"):
        download("cifar10", dest=tmp_path, url=server.url.replace(".tar.gz", ".zip"), quiet=True)
    assert len(server.log) == 1


def test_disk_errors_are_reported_not_retried(serve, tmp_path):
    # Random bytes do not compress: the archive outgrows the folder's size, so the Range request is satisfiable.
    payload, _ = make_tar(extra={f"{FOLDER}/noise": np.random.default_rng(0).bytes(20_000)})
    server = serve(payload)
    part_path(tmp_path).mkdir(parents=True)  # a folder where the part file should go: cannot be written
    assert part_path(tmp_path).stat().st_size < len(payload)
    with pytest.raises(DownloadError, match=r"cannot write .*\.part"):
        download("cifar10", dest=tmp_path, url=server.url, md5=md5_of(payload), quiet=True)
    assert len(server.log) == 1


def test_unknown_dataset_lists_the_known_ones(tmp_path):
    with pytest.raises(ValueError, match="known datasets: cifar10"):
        download("mnist", dest=tmp_path)


def test_bad_md5_argument(tmp_path):
    for md5 in ("abc", "g" * 32, 12345):
        with pytest.raises(ValueError, match="md5"):
            download("cifar10", dest=tmp_path, md5=md5)


# ----------------------------------------------------------------------------- the `course download` command


def test_course_download_command_fetches_from_a_mirror(serve, tmp_path, monkeypatch, capsys):
    from dataclasses import replace

    from checker import cli, download as download_module

    payload, _ = make_tar()
    server = serve(payload)
    real = download_module.SOURCES["cifar10"]
    monkeypatch.setitem(download_module.SOURCES, "cifar10", replace(real, md5=md5_of(payload)))
    status = cli.main(["download", "cifar10", "--dest", str(tmp_path), "--url", server.url, "--quiet"])
    assert status == 0
    assert f"cifar10 is ready in {tmp_path / FOLDER}" in capsys.readouterr().out
    assert data.load_cifar10(tmp_path / FOLDER).X_train.shape == (20, 32, 32, 3)


@pytest.mark.parametrize("arguments, message", [
    (["download", "mnist"], "cifar10"),
    (["download", "cifar10", "--url", "http://127.0.0.1:9/none.tar.gz"], "run `course download cifar10` again"),
])
def test_course_download_command_reports_problems_without_a_traceback(arguments, message, tmp_path, capsys, monkeypatch):
    from checker import cli, download as download_module

    monkeypatch.setattr(download_module, "RETRY_DELAYS_S", (0, 0))
    status = cli.main(arguments + ["--dest", str(tmp_path), "--quiet"])
    err = capsys.readouterr().err
    assert status == 1
    assert err.startswith("course download: ") and message in err and "Traceback" not in err, err
