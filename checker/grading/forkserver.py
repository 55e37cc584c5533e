"""The warm sandbox: a process that has imported what a grading worker needs, and forks workers.

Loaded by file path inside ``worker.py --fork-server FD`` (standard library only). The process has
run the worker's preparation (the stub ``checker`` package, NumPy, matplotlib, tqdm, every native
extension) but has NOT closed the sandbox: it keeps root's rights, no audit hook, no rlimits. It
never runs learner code. Each request on the socket ``FD`` (``AF_UNIX``, ``SOCK_SEQPACKET``, one
message per datagram) is one worker to start:

    {"id": n, "config": <the worker's config>, "cwd": temp dir, "env": {...}}  + fds [in, out, stderr]

The server forks; the child starts a session of its own, keeps only its two pipes and its stderr
(every other descriptor, this socket included, is closed), takes the environment and working
directory it was given, and then closes the sandbox ITSELF (``run_child``: privileges dropped,
rlimits, audit hook) exactly as a cold worker does, before it reads a single request. The server
answers ``{"started": pid, "id": n}`` and, when a child ends, ``{"exited": pid, "code": c}`` (``c`` as
``Popen.returncode``: ``-signal`` for a signal). It exits when the trusted side closes the socket.
"""

import json
import os
import select
import signal
import socket
import sys
import traceback

MAX_REQUEST_BYTES = 1 << 20


def _close_all_but(keep):
    """Close every descriptor above 2 that is not in ``keep``."""
    try:
        open_fds = sorted(int(name) for name in os.listdir("/proc/self/fd"))
    except OSError:
        open_fds = range(3, 4096)
    for fd in open_fds:
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _child(request, fds, run_child):
    """In the forked child: become a fresh worker, then ``run_child(config)`` (never returns)."""
    code = 70
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        in_fd, out_fd, err_fd = fds
        os.dup2(err_fd, 2)
        devnull = os.open("/dev/null", os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        _close_all_but({in_fd, out_fd})
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in request["env"].items()})
        run_child(dict(request["config"], in_fd=in_fd, out_fd=out_fd))
        code = 0
    except BaseException:  # noqa: BLE001 - the child's last words go to its stderr file
        try:
            traceback.print_exc()
            sys.stderr.flush()
        except BaseException:  # noqa: BLE001
            pass
    finally:
        os._exit(code)


def _reap(sock):
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        sock.send(json.dumps({"exited": pid, "code": os.waitstatus_to_exitcode(status)}).encode())


def serve(sock_fd, run_child):
    """Serve fork requests on ``sock_fd`` until the trusted side goes away."""
    sock = socket.socket(fileno=sock_fd)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *args: None)  # only to wake select through the wakeup fd
    sock.send(json.dumps({"ready": True, "pid": os.getpid()}).encode())
    while True:
        try:
            ready, _, _ = select.select([sock, wake_r], [], [], 1.0)
        except InterruptedError:
            ready = []
        if wake_r in ready:
            os.read(wake_r, 4096)
        _reap(sock)
        if sock not in ready:
            continue
        try:
            data, fds, _, _ = socket.recv_fds(sock, MAX_REQUEST_BYTES, 3)
        except OSError:
            os._exit(0)
        if not data:
            os._exit(0)  # the trusted side closed its end
        try:
            request = json.loads(data)
            if len(fds) != 3:
                raise ValueError(f"expected 3 descriptors, got {len(fds)}")
        except ValueError as exc:
            for fd in fds:
                os.close(fd)
            sock.send(json.dumps({"error": str(exc)}).encode())
            continue
        pid = os.fork()
        if pid == 0:
            sock.close()
            os.close(wake_r)
            os.close(wake_w)
            _child(request, fds, run_child)
        for fd in fds:
            os.close(fd)
        sock.send(json.dumps({"started": pid, "id": request.get("id")}).encode())
