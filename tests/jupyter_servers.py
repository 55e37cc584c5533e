"""A real Jupyter server for a test: started on a free port, waited for, and always stopped."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running(command: list[str], *, url: str, token: str, cwd: Path, env: dict, log_path: Path,
            what: str = "the Jupyter server", start_seconds: float = 60):
    """Run ``command`` (a ``jupyter lab`` or ``jupyter server`` listening at ``url``) until the block
    ends; its output goes to ``log_path``, whose end is shown if it does not answer in time."""
    log = open(log_path, "w")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=cwd, env=env, start_new_session=True)
    try:
        deadline = time.time() + start_seconds
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    log.flush()
                    raise RuntimeError(f"{what} did not start:\n" + Path(log_path).read_text()[-3000:])
                time.sleep(0.3)
        yield server
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)
        log.close()
