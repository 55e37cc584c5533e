"""The trusted side of the warm sandbox: one fork server per grading process, and its children.

A cold worker imports NumPy, matplotlib and the checker's helpers from scratch (1.5 to 1.9 s). The
fork server (``forkserver.py`` inside ``worker.py --fork-server``) has imported them once; each
worker is forked from it and closes its own sandbox (``sandbox.close``) before it serves a request,
so a forked worker is confined exactly as a cold one. ``ForkedProcess`` stands in for the
``subprocess.Popen`` of a cold worker (``pid``, ``poll``, ``wait``, ``kill``): its exit status comes
from the fork server, its parent.

``COURSE_GRADING_COLD=1`` turns the warm sandbox off (every worker started cold), for measurements.
If the fork server cannot be started or has died, workers start cold.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time


class ForkServerError(Exception):
    """The fork server could not be started or stopped answering."""


def warm_enabled() -> bool:
    return os.environ.get("COURSE_GRADING_COLD", "") in ("", "0")


def file_tail(path, n: int = 1500) -> str:
    """The last ``n`` bytes of a process's stderr file as text: "(nothing)" when it is empty,
    "(unavailable)" when there is no such file."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - n))
            return f.read().decode("utf-8", "replace").strip() or "(nothing)"
    except (OSError, TypeError):
        return "(unavailable)"


class ForkServer:
    """The fork server process and the socket to it (one per trusted process, see ``shared``)."""

    def __init__(self, script: str, env: dict, start_seconds: float = 60.0):
        self.temp_dir = tempfile.mkdtemp(prefix="grading-forkserver-")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = dict(env, HOME=self.temp_dir, TMPDIR=self.temp_dir, MPLCONFIGDIR=self.temp_dir)
        self._stderr_path = os.path.join(self.temp_dir, ".forkserver-stderr")
        with open(self._stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-X", "utf8", script, "--fork-server", str(theirs.fileno())],
                cwd=self.temp_dir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                pass_fds=(theirs.fileno(),), start_new_session=True)
        theirs.close()
        self.sock = ours
        self.lock = threading.Lock()
        self.exit_codes: dict[int, int] = {}
        self._requests = 0
        self.owner = os.getpid()
        hello = self._receive(time.monotonic() + start_seconds)
        if not hello.get("ready"):
            self.close()
            raise ForkServerError(f"the fork server sent {hello!r} instead of its greeting")

    def _receive(self, deadline: float, exit_of: int | None = None) -> dict | None:
        """The next message of the server; exit notices are recorded (and end the wait when one is
        of ``exit_of``: then None). ``deadline`` None: only what has already arrived."""
        while True:
            if exit_of is not None and exit_of in self.exit_codes:
                return None
            if deadline is None:
                self.sock.setblocking(False)
            else:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ForkServerError("the fork server did not answer in time")
                self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except BlockingIOError:
                return None
            except socket.timeout:
                raise ForkServerError("the fork server did not answer in time") from None
            except OSError as exc:
                raise ForkServerError(f"the fork server is gone ({exc})") from None
            if not data:
                raise ForkServerError(f"the fork server is gone; its last words: {self._stderr_tail()}")
            message = json.loads(data)
            if "exited" in message:
                self.exit_codes[int(message["exited"])] = int(message["code"])
                continue
            return message

    def _stderr_tail(self) -> str:
        return file_tail(self._stderr_path)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def fork(self, config: dict, env: dict, cwd: str, fds: tuple, timeout: float) -> "ForkedProcess":
        """A new worker with ``fds`` = (its request pipe, its response pipe, its stderr)."""
        with self.lock:
            self._requests += 1
            request = {"id": self._requests, "config": config, "env": env, "cwd": cwd}
            try:
                socket.send_fds(self.sock, [json.dumps(request).encode()], list(fds))
            except OSError as exc:
                raise ForkServerError(f"the fork server is gone ({exc})") from None
            answer = self._receive(time.monotonic() + timeout)
        if "started" not in answer or answer.get("id") != request["id"]:
            raise ForkServerError(f"the fork server could not start a worker: {answer.get('error', answer)}")
        return ForkedProcess(self, int(answer["started"]))

    def exit_code(self, pid: int, timeout: float) -> int | None:
        """The child's exit code once the server reports it (None if it has not within ``timeout``)."""
        with self.lock:
            try:
                self._receive(time.monotonic() + timeout if timeout > 0 else None, exit_of=pid)
            except ForkServerError:
                pass
            return self.exit_codes.get(pid)

    def close(self) -> None:
        try:
            self.sock.close()
        finally:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            shutil.rmtree(self.temp_dir, ignore_errors=True)


class ForkedProcess:
    """A forked worker, as much of ``subprocess.Popen`` as ``remote.Worker`` uses."""

    def __init__(self, server: ForkServer, pid: int):
        self.server, self.pid = server, pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.server.exit_code(self.pid, 0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self.returncode = self.server.exit_code(self.pid, 3600 if timeout is None else timeout)
        if self.returncode is None:
            raise subprocess.TimeoutExpired("forked grading worker", timeout)
        return self.returncode

    def kill(self) -> None:
        if self.poll() is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


_SHARED: dict = {}
_SHARED_LOCK = threading.Lock()


def shared(script: str, env: dict, start_seconds: float) -> ForkServer:
    """This process's fork server, started on first use (again if it died)."""
    with _SHARED_LOCK:
        server = _SHARED.get("server")
        if server is not None and (server.owner != os.getpid() or not server.alive):
            if server.owner == os.getpid():
                server.close()
            server = None
        if server is None:
            server = ForkServer(script, env, start_seconds)
            _SHARED["server"] = server
        return server


def _close_shared() -> None:
    server = _SHARED.pop("server", None)
    if server is not None and server.owner == os.getpid():
        server.close()


atexit.register(_close_shared)
