"""The trusted side of the grading worker: starting it, talking to it, and the engine's invoker.

``Worker`` starts ``worker.py`` in a fresh temp dir with a scrubbed environment, sends requests with a
wall-clock deadline each, kills the worker (SIGKILL to its process group) when a deadline passes, and
notices its death (exit code, signal, out of CPU time, a malformed message). ``RemoteInvoker``
implements the engine's invoker interface (``checker.engine.LocalInvoker``) on top of a worker:
every call of the learner's code becomes a request; results come back as plain data and the task's
``interpret`` is applied here, in the trusted process.
"""

from __future__ import annotations

import builtins
import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from checker import adapters as _adapters
from checker import calling as call_path
from checker.grading import warm, wire
from checker.grading.readable import worker_datasets, worker_matplotlib_data
from checker.runner import CaseTimeout, Outcome
from checker.spec import Case, Task

WORKER_SCRIPT = Path(__file__).resolve().parent / "worker.py"
PROJECT_DATASETS = Path(__file__).resolve().parent.parent.parent / "datasets"


class WorkerDied(Exception):
    """The worker process ended (or had to be killed) while serving a request."""


class WorkerTimeout(WorkerDied):
    """A request ran past its wall-clock deadline; the worker was killed."""


@dataclass
class WorkerLimits:
    """What one worker process may use (see ``grader.Limits`` for the documented defaults)."""

    memory_bytes: int = 3 * 1024 ** 3
    cpu_seconds: int = 900
    file_bytes: int = 16 * 1024 ** 2
    output_bytes: int = 4096
    message_bytes: int = wire.MAX_MESSAGE_BYTES
    start_seconds: float = 60.0


def event(kind: str, detail: str, where: str = "") -> dict:
    """Something the grader recognised (an attack, a crash, a limit reached; the kinds are listed in
    ``checker.grading.grader``), as the plain data it is kept, cached and shown as: ``{"kind", "detail", "where"}`` (``where``: "cell 12" or a grade id)."""
    return {"kind": kind, "detail": detail, "where": where}


def _read_roots(datasets_dir: Path, matplotlib_data: Path | None = None) -> list[str]:
    paths = sysconfig.get_paths()
    roots = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    roots.add(str(datasets_dir))
    if matplotlib_data is not None:
        roots.add(str(matplotlib_data))
    return sorted(str(Path(r).resolve()) for r in roots if r)


def _describe_exit(code: int | None) -> tuple[str, str]:
    """(event kind, words) for a worker's return code."""
    if code is None:
        return "worker_exit", "the worker stopped answering"
    if code < 0:
        number = -code
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        if number == signal.SIGXCPU:
            return "worker_signal", f"the worker ran out of CPU time ({name})"
        if number == signal.SIGKILL:
            return "worker_signal", f"the worker was killed by {name} (by itself, or by the system when out of memory)"
        if number == signal.SIGSEGV:
            return "worker_signal", f"the worker crashed ({name}, a segmentation fault)"
        return "worker_signal", f"the worker was killed by {name}"
    return "worker_exit", f"the worker exited with code {code} (sys.exit / os._exit in the learner's code)"


class Worker:
    """One sandboxed worker process. ``request`` raises WorkerDied / WorkerTimeout."""

    def __init__(self, limits: WorkerLimits | None = None, datasets_dir: Path | None = None):
        self.limits = limits or WorkerLimits()
        self.datasets_dir = Path(datasets_dir or os.environ.get("COURSE_DATASETS") or PROJECT_DATASETS).resolve()
        self.process: subprocess.Popen | None = None
        self.temp_dir: str | None = None
        self.death: str | None = None
        self.death_kind: str | None = None
        self.startup_seconds = 0.0
        self.user = None
        self.warm = False  # started from the warm sandbox
        self._counter = 0
        self.last_words = ""  # the end of the worker's stderr when it died (for debugging the grader)

    # -- life
    def start(self) -> "Worker":
        self.death = self.death_kind = None
        try:
            datasets = worker_datasets(self.datasets_dir)
            matplotlib_data = worker_matplotlib_data()
        except OSError as exc:
            self.death_kind, self.death = "worker_exit", f"the worker cannot read the datasets: {exc}"
            raise WorkerDied(self.death) from None
        self.temp_dir = tempfile.mkdtemp(prefix="grading-worker-")
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        config = {
            "in_fd": to_worker_r, "out_fd": from_worker_w, "read_roots": _read_roots(datasets, matplotlib_data),
            "matplotlib_data": str(matplotlib_data) if matplotlib_data else None,
            "output_bytes": self.limits.output_bytes, "message_bytes": self.limits.message_bytes,
            "limits": {"memory_bytes": self.limits.memory_bytes, "cpu_seconds": self.limits.cpu_seconds,
                       "file_bytes": self.limits.file_bytes},
        }
        env = {
            "PATH": "/usr/bin:/bin", "HOME": self.temp_dir, "TMPDIR": self.temp_dir, "MPLCONFIGDIR": self.temp_dir,
            "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "COURSE_DATASETS": str(datasets), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
        }
        started = time.monotonic()
        self._stderr_path = os.path.join(self.temp_dir, ".worker-stderr")
        stderr = open(self._stderr_path, "wb")
        try:
            self.process = self._forked(config, env, (to_worker_r, from_worker_w, stderr.fileno()))
            if self.process is None:
                self.process = subprocess.Popen(
                    [sys.executable, "-I", "-X", "utf8", str(WORKER_SCRIPT), json.dumps(config)],
                    cwd=self.temp_dir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=stderr, pass_fds=(to_worker_r, from_worker_w), start_new_session=True,
                )
        finally:
            stderr.close()
            os.close(to_worker_r)
            os.close(from_worker_w)
        self._to, self._from = to_worker_w, from_worker_r
        try:
            hello = wire.decode(wire.read_message(self._from, started + self.limits.start_seconds), self.limits.message_bytes)
        except wire.WireError as exc:
            self.process.poll()
            self._fail("worker_exit", f"the worker did not start: {exc}; its last words: {self._stderr_tail()}")
            raise WorkerDied(self.death) from None
        if not (isinstance(hello, dict) and hello.get("ready")):
            self._fail("worker_protocol", "the worker sent a malformed greeting")
            raise WorkerDied(self.death)
        self.startup_seconds = time.monotonic() - started
        self.user = hello.get("user")
        return self

    def _forked(self, config: dict, env: dict, fds: tuple):
        """The worker forked by this process's warm sandbox (``warm``), or None to start it cold."""
        if not warm.warm_enabled():
            return None
        shared_env = {k: v for k, v in env.items() if k not in ("HOME", "TMPDIR", "MPLCONFIGDIR", "COURSE_DATASETS")}
        try:
            server = warm.shared(str(WORKER_SCRIPT), shared_env, self.limits.start_seconds)
            self.warm = True
            return server.fork(config, env, self.temp_dir, fds, self.limits.start_seconds)
        except warm.ForkServerError:
            self.warm = False
            return None

    def _stderr_tail(self) -> str:
        return warm.file_tail(getattr(self, "_stderr_path", None))

    @property
    def alive(self) -> bool:
        return self.process is not None and self.death is None and self.process.poll() is None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.process.kill()
            except ProcessLookupError:
                pass
        if self.process is not None:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        for fd in (getattr(self, "_to", None), getattr(self, "_from", None)):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._to = self._from = None
        if self.temp_dir:
            shutil.rmtree(self.temp_dir, ignore_errors=True)
            self.temp_dir = None

    def _fail(self, kind: str, words: str) -> None:
        if self.death is None:
            self.death_kind, self.death = kind, words
        self.kill()

    def _died(self) -> None:
        """The channel closed: find out how the process ended."""
        code = None
        if self.process is not None:
            try:
                code = self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                code = None
        kind, words = _describe_exit(code)
        self.last_words = self._stderr_tail()
        self._fail(kind, words)

    def stop(self) -> None:
        """Ask the worker to exit, then make sure it has."""
        if self.alive:
            try:
                self.request({"op": "shutdown"}, 5)
            except WorkerDied:
                pass
        self.kill()

    # -- requests
    def request(self, message: dict, timeout: float) -> dict:
        if not self.alive:
            raise WorkerDied(self.death or "the worker is not running")
        self._counter += 1
        message = dict(message, id=self._counter)
        deadline = time.monotonic() + timeout
        try:
            wire.write_message(self._to, wire.encode(message, self.limits.message_bytes), deadline)
            data = wire.read_message(self._from, deadline, self.limits.message_bytes)
            response = wire.decode(data, self.limits.message_bytes)
        except wire.ChannelTimeout:
            self._fail("timeout", f"the worker did not answer within {timeout:g} s and was killed")
            raise WorkerTimeout(self.death) from None
        except wire.ChannelClosed:
            self._died()
            raise WorkerDied(self.death) from None
        except wire.DecodeError as exc:
            self._fail("worker_protocol", f"the worker sent a malformed message ({exc})")
            raise WorkerDied(self.death) from None
        if not isinstance(response, dict) or response.get("id") != self._counter:
            self._fail("worker_protocol", "the worker's answer does not match the request (forged or out of order)")
            raise WorkerDied(self.death)
        return response

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# --------------------------------------------------------------------------- exceptions and outcomes
_EXCEPTION_CLASSES: dict = {}


def rebuild_exception(kind, message: str) -> BaseException:
    """An exception standing for the learner's: the builtin class of that name when there is one
    (``NotImplementedError`` matters), else an ``Exception`` subclass with that name; ``str()`` gives
    the worker's message. ``SystemExit``/``KeyboardInterrupt``/``GeneratorExit`` become ordinary
    exceptions of that name so that they cannot stop the trusted process."""
    name = kind if isinstance(kind, str) and kind.isidentifier() else "Exception"
    message = str(message)
    key = name
    cls = _EXCEPTION_CLASSES.get(key)
    if cls is None:
        base = getattr(builtins, name, None)
        if not (isinstance(base, type) and issubclass(base, Exception)):
            base = Exception
        try:
            cls = type(name, (base,), {"__str__": lambda self: self.args[0] if self.args else "",
                                       "__module__": "builtins" if base is not Exception or name == "Exception" else "learner"})
            cls("x")
        except TypeError:
            cls = type(name, (Exception,), {"__str__": lambda self: self.args[0] if self.args else "", "__module__": "learner"})
        _EXCEPTION_CLASSES[key] = cls
    try:
        return cls(message)
    except TypeError:
        return Exception(message)


def adapter_name(task: Task) -> str | None:
    """The name of the task's adapter in ``checker.adapters`` (the worker can only call those)."""
    adapter = task.calling
    if adapter is None:
        return None
    name = getattr(adapter, "__name__", None)
    if name is None or getattr(_adapters, name, None) is not adapter:
        raise ValueError(f"{task.id}: its adapter is not a function of checker.adapters, so the grading worker cannot call it")
    return name


class RemoteInvoker:
    """The engine's invoker for learner code that lives in a grading worker.

    ``session`` is a ``grader.WorkerSession``-like object with ``worker`` (a ``Worker``) and
    ``events`` (a list of ``event`` dicts); a dead worker is not restarted here: the remaining calls of
    the task fail with the death's description."""

    def __init__(self, session, task: Task, function_name: str, forward_name: str | None = None, where: str = ""):
        self.session, self.task, self.function_name = session, task, function_name
        self.where = where or task.id
        self.adapter = adapter_name(task)
        self.forward_name = forward_name or (task.forward_name if task.forward is not None else None)
        self.forward_mode: str | None = None   # "learner" | "reference"
        self.forward_replaced = False
        self.grace = getattr(session, "grace_seconds", 5.0)
        self.flooded = False

    # -- plumbing
    @property
    def worker(self) -> Worker:
        return self.session.worker

    def _event(self, kind, detail):
        self.session.events.append(event(kind, detail, self.where))

    def _request(self, message: dict, limit: float | None):
        """(response or None, Outcome for a failure or None)."""
        limit = limit or self.task.time_limit
        time_left = getattr(self.session, "time_left", None)
        if time_left is not None:
            left = time_left()
            if left <= 0:
                if not getattr(self, "_out_of_time", False):
                    self._out_of_time = True
                    self._event("notebook_time_limit", "the notebook's time limit ran out during this task")
                return None, Outcome(error=CaseTimeout(limit), timed_out=True)
            limit = min(limit, max(left, 0.5))
        try:
            response = self.worker.request(dict(message, limit=limit), limit + self.grace)
        except WorkerTimeout as exc:
            self._event("timeout", str(exc))
            return None, Outcome(error=CaseTimeout(limit), timed_out=True, seconds=float(limit))
        except WorkerDied as exc:
            if self.worker.death_kind and not getattr(self, "_death_reported", False):
                self._death_reported = True
                self._event(self.worker.death_kind, str(exc))
            return None, Outcome(error=WorkerDied(f"the grading worker stopped: {exc}"))
        for denial in response.get("denials") or ():
            self._event("sandbox_denied", str(denial))
        for name in response.get("reference_calls") or ():
            self._event("uses_reference", str(name))
        if (response.get("printed_chars") or 0) > 1_000_000 and not self.flooded:
            self.flooded = True
            self._event("output_flood", f"{response['printed_chars']} characters printed")
        return response, None

    def _outcome(self, response, limit) -> Outcome:
        outcome = Outcome(seconds=float(response.get("seconds") or 0.0),
                          printed_lines=int(response.get("printed_lines") or 0),
                          printed_text=str(response.get("printed") or ""),
                          reference_calls=[str(c) for c in response.get("reference_calls") or ()])
        error = response.get("error")
        if error is not None:
            if error.get("timed_out"):
                outcome.error, outcome.timed_out = CaseTimeout(limit), True
                self._event("timeout", f"a call ran past its limit of {limit:g} s")
            else:
                outcome.error = rebuild_exception(error.get("type"), error.get("message", ""))
                outcome.learner_traceback = [str(line) for line in error.get("traceback") or ()]
                if error.get("memory"):
                    self._event("memory", "MemoryError: the learner's code ran out of memory")
        return outcome

    def _call_message(self, case: Case, op="call") -> tuple[dict, tuple, dict]:
        args, kwargs = case.copy_args()
        message = {"op": op, "function": self.function_name, "adapter": self.adapter}
        if self.task.forward is not None:
            if self.forward_mode == "learner":
                message["forward"] = self.forward_name
            else:
                forward_args, forward_kwargs = call_path.forward_arguments(args, kwargs)
                message["forward_result"] = self.task.reference_forward(*forward_args, **forward_kwargs)
        message["args"], message["kwargs"] = tuple(args), kwargs
        return message, args, kwargs

    def _decide_forward(self, case: Case, limit) -> None:
        if self.task.forward is None or self.forward_mode is not None:
            return
        self.forward_mode = "reference"
        response, failure = self._request({"op": "names", "names": [self.forward_name]}, limit)
        if failure is not None or (response.get("result") or {}).get(self.forward_name) != "callable":
            return
        args, kwargs = self.task.forward_arguments(case)
        response, failure = self._request({"op": "call", "function": self.forward_name, "adapter": None,
                                           "args": tuple(args), "kwargs": kwargs}, limit)
        if failure is None and (response.get("error") or {}).get("type") == "NotImplementedError":
            self.forward_replaced = True
            return
        self.forward_mode = "learner"

    # -- the invoker interface
    def outcome(self, case: Case, limit) -> Outcome:
        self._decide_forward(case, limit)
        message, args, kwargs = self._call_message(case)
        response, failure = self._request(message, limit)
        if failure is not None:
            return failure
        outcome = self._outcome(response, limit or self.task.time_limit)
        if outcome.error is None:
            result, args_after, kwargs_after = response["result"]
            outcome.result = (self.task.interpret(result, case), tuple(args_after), dict(kwargs_after))
        return outcome

    def outcomes(self, cases: list, limit) -> Outcome:
        if not cases:
            return Outcome(result=[])
        self._decide_forward(cases[0], limit)
        if self.task.forward is not None and self.forward_mode != "learner":
            # one reference cache per call: send them one by one
            results, seconds = [], 0.0
            for case in cases:
                outcome = self.outcome(case, limit)
                if outcome.error is not None:
                    return outcome
                seconds += outcome.seconds
                results.append(outcome.result[0])
            return Outcome(result=results, seconds=seconds)
        calls = []
        for case in cases:
            message, _, _ = self._call_message(case, "call_many")
            calls.append({"args": message.pop("args"), "kwargs": message.pop("kwargs")})
        message["calls"] = calls
        response, failure = self._request(message, limit)
        if failure is not None:
            return failure
        outcome = self._outcome(response, limit or self.task.time_limit)
        if outcome.error is None:
            outcome.result = [self.task.interpret(r, c) for r, c in zip(response["result"], cases)]
        return outcome

    def count_lines(self, case: Case, limit):
        self._decide_forward(case, limit)
        message, _, _ = self._call_message(case, "count_lines")
        response, failure = self._request(message, limit)
        if failure is not None:
            return collections.Counter(), failure
        outcome = self._outcome(response, limit or self.task.time_limit)
        counts = collections.Counter()
        for key, n in response.get("result") or ():
            if isinstance(key, list) and len(key) in (2, 3) and isinstance(n, int):
                counts[tuple(key)] += n
        return counts, outcome

    def describe_forward(self) -> str | None:
        if self.task.forward is None:
            return None
        who = "your" if self.forward_mode == "learner" else "the reference"
        return f"{who} {self.forward_name}"
