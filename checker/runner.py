"""Run a learner's function safely: time limit, captured prints, tracebacks cut to the
learner's own frames, calls into the reference noticed, Python loops counted."""

from __future__ import annotations

import contextlib
import io
import linecache
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
# Where the learner's code is not: the checker, the standard library, installed packages (as
# spelled and as resolved, so that most files are placed without touching the file system).
_NOT_LEARNER = tuple({str(p) for d in (CHECKER_DIR, *(sysconfig.get_paths()[k] for k in (
    "stdlib", "platstdlib", "purelib", "platlib"))) for p in (Path(d), Path(d).resolve())})


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
    if filename.startswith(_NOT_LEARNER):
        return False
    try:  # a link into the checker or the library (a learner may have broken os.path: then it is theirs)
        return not str(Path(filename).resolve()).startswith(_NOT_LEARNER)
    except Exception:  # noqa: BLE001
        return True


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
    if not (seconds and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()):
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
    """Keeps the first ``keep_chars`` characters a learner prints and counts all lines and characters."""

    def __init__(self, keep_chars: int = 2000):
        self.kept, self.kept_chars, self.keep_chars = [], 0, keep_chars
        self.lines = self.chars = 0

    def writable(self):
        return True

    def write(self, text):
        text = text if type(text) is str else str(text)
        self.lines += text.count("\n")
        self.chars += len(text)
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
    printed_chars: int = 0


def learner_frames(tb) -> list[str]:
    """Format only the frames of a traceback that are in the learner's own code.

    As in Python's own tracebacks, a frame repeated by runaway recursion is shown three
    times and then counted. Source lines are read (``linecache``) for the learner's frames only."""
    lines, previous, same = [], None, 0

    def repeated():
        if same > 3:
            lines.append(f"  [Previous line repeated {same - 3} more times]")

    for frame, lineno in traceback.walk_tb(tb):
        code = frame.f_code
        if not is_learner_file(code.co_filename):
            continue
        key = (code.co_filename, lineno, code.co_name)
        if key == previous:
            same += 1
        else:
            repeated()
            previous, same = key, 1
        if same > 3:
            continue
        where = "a notebook cell" if code.co_filename.startswith(("<ipython", "/tmp/ipykernel")) else code.co_filename
        lines.append(f"  {where}, line {lineno}, in {code.co_name}")
        text = linecache.getline(code.co_filename, lineno, frame.f_globals).strip()
        if text:
            lines.append(f"    {text}")
    repeated()
    return lines


def run_learner(call, limit: float | None, keep_chars: int = 2000, own_interrupts: bool = False) -> Outcome:
    """Call ``call()`` (the learner's code) with a time limit, captured output and the
    reference guard; never raises for what the learner's code does. A ``KeyboardInterrupt``
    is the person at the keyboard stopping it and is passed on, unless ``own_interrupts``
    (no keyboard: the grading worker), where it is the learner's error like any other."""
    outcome = Outcome()
    buffer = _BoundedBuffer(keep_chars)
    start_calls = len(_reference_calls)
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer), learner_running():
            with time_limit(limit):
                outcome.result = call()
    except CaseTimeout as exc:
        outcome.error, outcome.timed_out = exc, True
    except BaseException as exc:  # the learner's error (SystemExit included), reported as a finding
        if isinstance(exc, KeyboardInterrupt) and not own_interrupts:
            raise
        outcome.error = exc
        outcome.learner_traceback = learner_frames(exc.__traceback__)
    finally:
        outcome.seconds = time.perf_counter() - start
        outcome.printed_lines, outcome.printed_chars, outcome.printed_text = buffer.lines, buffer.chars, buffer.text()
        outcome.reference_calls = _reference_calls[start_calls:]
        del _reference_calls[start_calls:]
    return outcome


# --------------------------------------------------------------------------- loop counting
def count_learner_lines(call, limit: float | None, **options) -> tuple[Counter, Outcome]:
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
        outcome = run_learner(call, limit, **options)
    finally:
        sys.settrace(previous)
    return counts, outcome
