"""Run a learner's function safely: time limit, captured prints, tracebacks cut to the
learner's own frames, calls into the reference noticed, Python loops counted."""

from __future__ import annotations

import contextlib
import io
import signal
import sys
import sysconfig
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

CHECKER_DIR = Path(__file__).resolve().parent
_LIBRARY_DIRS = tuple(
    str(Path(p).resolve())
    for p in {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
)


class CaseTimeout(BaseException):
    """Raised inside the learner's code when a case runs past its limit.

    A ``BaseException`` so that a learner's ``except Exception`` cannot swallow it."""


def is_learner_file(filename: str) -> bool:
    """True for code the learner wrote: notebook cells and files outside the checker,
    the standard library and installed packages."""
    if not filename or filename.startswith("<frozen"):
        return False
    if filename.startswith("<"):
        return True  # <ipython-input-...>, <string>
    try:
        path = str(Path(filename).resolve())
    except OSError:
        return True
    if path.startswith(str(CHECKER_DIR)):
        return False
    return not path.startswith(_LIBRARY_DIRS)


# --------------------------------------------------------------------------- reference guard
_learner_depth = 0
_reference_calls: list[str] = []


def guarded_reference(fn, qualified_name: str):
    """Wrap a reference function so that calls made from learner code are recorded."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if _learner_depth > 0:
            _reference_calls.append(qualified_name)
        return fn(*args, **kwargs)

    wrapper.__checker_reference__ = qualified_name
    return wrapper


@contextlib.contextmanager
def learner_running():
    global _learner_depth
    _learner_depth += 1
    try:
        yield
    finally:
        _learner_depth -= 1


# --------------------------------------------------------------------------- time limit
@contextlib.contextmanager
def time_limit(seconds: float | None):
    """Interrupt the block after ``seconds`` (main thread on POSIX; elsewhere unlimited).

    An alarm that was already set (a grader's or pytest-timeout's) is put back afterwards,
    less the time the block took."""
    usable = (
        seconds
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise CaseTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    outer, interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - started), 1e-3), interval)


# --------------------------------------------------------------------------- captured prints
class _BoundedBuffer(io.TextIOBase):
    """Keeps the first lines a learner prints and counts the rest."""

    def __init__(self, keep_chars: int = 2000):
        self.kept = []
        self.kept_chars = 0
        self.keep_chars = keep_chars
        self.lines = 0

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        self.lines += text.count("\n")
        if self.kept_chars < self.keep_chars:
            piece = text[: self.keep_chars - self.kept_chars]
            self.kept.append(piece)
            self.kept_chars += len(piece)
        return len(text)

    def text(self):
        return "".join(self.kept)


@dataclass
class Outcome:
    """What one call of the learner's code did."""

    result: object = None
    error: BaseException | None = None
    learner_traceback: list = field(default_factory=list)
    seconds: float = 0.0
    printed_lines: int = 0
    printed_text: str = ""
    reference_calls: list = field(default_factory=list)
    timed_out: bool = False


def learner_frames(tb) -> list[str]:
    """Format only the frames of a traceback that are in the learner's own code.

    As in Python's own tracebacks, a frame repeated by runaway recursion is shown three
    times and then counted."""
    lines, previous, same = [], None, 0

    def repeated():
        if same > 3:
            lines.append(f"  [Previous line repeated {same - 3} more times]")

    for frame in traceback.extract_tb(tb):
        if not is_learner_file(frame.filename):
            continue
        key = (frame.filename, frame.lineno, frame.name)
        if key == previous:
            same += 1
        else:
            repeated()
            previous, same = key, 1
        if same > 3:
            continue
        where = "a notebook cell" if frame.filename.startswith(("<ipython", "/tmp/ipykernel")) else frame.filename
        lines.append(f'  {where}, line {frame.lineno}, in {frame.name}')
        if frame.line:
            lines.append(f"    {frame.line.strip()}")
    repeated()
    return lines


def run_learner(call, limit: float | None) -> Outcome:
    """Call ``call()`` (the learner's code) with a time limit, captured output and the
    reference guard; never raises for what the learner's code does."""
    outcome = Outcome()
    buffer = _BoundedBuffer()
    start_calls = len(_reference_calls)
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer), learner_running():
            with time_limit(limit):
                outcome.result = call()
    except CaseTimeout as exc:
        outcome.error, outcome.timed_out = exc, True
    except KeyboardInterrupt:  # the person at the keyboard stopped it: not the learner's error
        raise
    except BaseException as exc:  # the learner's error (SystemExit included), reported as a finding
        outcome.error = exc
        outcome.learner_traceback = learner_frames(exc.__traceback__)
    finally:
        outcome.seconds = time.perf_counter() - start
        outcome.printed_lines = buffer.lines
        outcome.printed_text = buffer.text()
        outcome.reference_calls = _reference_calls[start_calls:]
        del _reference_calls[start_calls:]
    return outcome


# --------------------------------------------------------------------------- loop counting
def count_learner_lines(call, limit: float | None) -> tuple[Counter, Outcome]:
    """Run ``call`` while counting the lines executed in the learner's own code.

    A loop-free implementation executes the same lines whatever the data size;
    a Python loop over the data executes more lines on larger data."""
    counts: Counter = Counter()
    learner_code = {}

    def local(frame, event, arg):
        if event == "line":
            counts[(frame.f_code.co_filename, frame.f_lineno)] += 1
        return local

    def global_(frame, event, arg):
        code = frame.f_code
        known = learner_code.get(code)
        if known is None:
            known = learner_code[code] = is_learner_file(code.co_filename)
        if known:
            counts[(code.co_filename, code.co_firstlineno, "call")] += 1
            return local
        return None

    previous = sys.gettrace()
    sys.settrace(global_)
    try:
        outcome = run_learner(call, limit)
    finally:
        sys.settrace(previous)
    return counts, outcome
