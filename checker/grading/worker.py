"""The grading worker: runs a learner's notebook cells and functions inside the sandbox.

Started by ``checker.grading.remote.Worker`` as::

    python -I -X utf8 checker/grading/worker.py '<json config>'

with the request and response pipes passed as file descriptors (``pass_fds``), a fresh temp dir as its
working directory and a scrubbed environment. It loads its sibling modules ``wire`` and ``sandbox``,
the notebook's own ``runner`` (capture, time limit, learner frames, line counting) and ``calling``
(the call path), and the few checker modules a notebook may use (``i18n``, ``messages``,
``gradcheck``, ``data``, ``adapters``) by file path, puts a STUB ``checker`` package in ``sys.modules`` (``check()`` does
nothing, ``checker.reference`` records its use and raises, no other checker module can be imported),
pre-imports NumPy, matplotlib (Agg) and tqdm, closes the sandbox (``sandbox.close``) and then serves
requests, one at a time, until ``shutdown``.

Started as ``worker.py --fork-server FD`` it is the warm sandbox instead (``forkserver.py``): it
prepares once, never closes the sandbox itself, and forks workers that each close it on their own
before serving anything.

Requests (dicts; every response echoes ``id`` and carries ``printed``, ``printed_lines``,
``printed_chars``, ``denials``, ``reference_calls``, ``seconds`` and ``error`` (None or
``{"type", "message", "traceback", "timed_out", "memory"}``)):

- ``{"op": "cell", "source", "name": "<cell N>", "limit"}``: exec the (already IPython-transformed)
  source in the notebook namespace.
- ``{"op": "names", "names": [...]}`` -> ``result``: ``{name: "callable" | "not_callable" | "missing"}``.
- ``{"op": "call", "function", "adapter", "forward", "forward_result", "args", "kwargs", "limit"}``
  -> ``result``: ``[result, args_after, kwargs_after]``. ``adapter`` names a function of
  ``checker.adapters`` (or None); ``forward`` names the learner's forward in the namespace, or
  ``forward_result`` is the ``(out, cache)`` the trusted side computed with the reference forward.
- ``{"op": "call_many", ..., "calls": [{"args", "kwargs"}, ...], "limit"}`` -> ``result``: the results.
- ``{"op": "count_lines", ... same as call}`` -> ``result``: ``[[key, count], ...]`` with the key shapes
  of ``checker.runner.count_learner_lines`` (``[file, line]`` and ``[file, first_line, "call"]``).
- ``{"op": "shutdown"}``.
"""

import sys
import time

_STARTED = time.perf_counter()

import builtins  # noqa: E402
import importlib.abc  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import linecache  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import types  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKER_DIR = os.path.dirname(HERE)


# The worker's own code looks builtins up in a private copy, so a learner who patches the
# ``builtins`` module (isinstance, type, any, ...) changes nothing in the worker, wire or sandbox.
_BUILTINS = dict(vars(builtins))
globals()["__builtins__"] = _BUILTINS


def _load(name, path, private_builtins=True):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    if private_builtins:
        module.__dict__["__builtins__"] = _BUILTINS
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


wire = _load("_grading_wire", os.path.join(HERE, "wire.py"))
sandbox = _load("_grading_sandbox", os.path.join(HERE, "sandbox.py"))
# The notebook's own capture, time limit, traceback trimming, line counting and call path: a graded
# result is computed exactly as the learner's check() computes it.
runner = _load("_grading_runner", os.path.join(CHECKER_DIR, "runner.py"))
calling = _load("_grading_calling", os.path.join(CHECKER_DIR, "calling.py"))


class ReferenceUnavailable(Exception):
    """checker.reference cannot be used in graded code."""


# --------------------------------------------------------------------------- the stub checker package
REFERENCE_CALLS = []


class _ReferenceStub(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        REFERENCE_CALLS.append(f"checker.reference.{name}")
        raise ReferenceUnavailable(f"checker.reference.{name} cannot be used in graded code: write the function yourself")


class _GradedSeparately:
    """What the stub ``check`` returns."""

    passed = None
    score = None
    codes = ()
    findings = ()

    def __init__(self, task_id):
        self.task_id = str(task_id)

    def text(self, lang=None):
        return f"check({self.task_id!r}): graded separately by the trusted grader"

    __str__ = __repr__ = text

    def html(self, lang=None):
        return f"<p>{self.text()}</p>"

    _repr_html_ = html


class _CheckerFinder(importlib.abc.MetaPathFinder):
    """``checker.<anything else>``: refused with a clear message (and recorded for the reference)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith("checker.") and fullname not in sys.modules:
            if fullname.startswith("checker.reference"):
                REFERENCE_CALLS.append(fullname)
                raise ReferenceUnavailable(f"{fullname} cannot be used in graded code: write the function yourself")
            raise ModuleNotFoundError(f"{fullname} is not available while grading (the grader checks your functions separately)",
                                      name=fullname)
        return None


def _widget_stub(name):
    """``checker.widgets.<anything>``: an explorer that shows nothing (graded notebooks only need
    the learner's functions; the widgets need a browser)."""
    if name.startswith("__"):
        raise AttributeError(name)

    def explorer(*args, **kwargs):
        return None

    explorer.__name__ = name
    return explorer


def _install_checker_stub():
    package = types.ModuleType("checker", "The checker, as seen by graded code: check() is done by the trusted grader.")
    package.__path__ = []
    sys.modules["checker"] = package
    for name in ("messages", "i18n", "gradcheck", "data", "adapters"):
        module = _load(f"checker.{name}", os.path.join(CHECKER_DIR, f"{name}.py"), private_builtins=False)
        setattr(package, name, module)
    widgets = types.ModuleType("checker.widgets", "Interactive explorers: nothing to show while grading.")
    widgets.__getattr__ = _widget_stub
    sys.modules["checker.widgets"] = widgets
    package.widgets = widgets
    reference = _ReferenceStub("checker.reference")
    reference.__path__ = []
    sys.modules["checker.reference"] = reference
    package.reference = reference

    def check(task_id, fn=None, *args, **kwargs):
        """Graded separately by the trusted grader: does nothing here."""
        return _GradedSeparately(task_id)

    package.check = check
    package.tasks = lambda: []
    package.gradcheck = sys.modules["checker.gradcheck"].gradcheck
    package.set_language = sys.modules["checker.i18n"].set_language
    package.get_language = sys.modules["checker.i18n"].get_language
    sys.meta_path.insert(0, _CheckerFinder())
    return package


class _IPythonStub:
    """``get_ipython()`` in the worker: magics and shell commands do nothing."""

    def __init__(self, namespace):
        self.user_ns = namespace

    def run_line_magic(self, *args, **kwargs):
        return None

    def run_cell_magic(self, *args, **kwargs):
        return None

    def magic(self, *args, **kwargs):
        return None

    def system(self, *args, **kwargs):
        return None

    def getoutput(self, *args, **kwargs):
        return []

    def set_next_input(self, *args, **kwargs):
        return None


def _display(*objects, **kwargs):
    return None


# --------------------------------------------------------------------------- preparation
# Modules imported before the sandbox closes: afterwards the standard library may be unreadable
# (the worker runs as nobody) and new bytecode cannot be unmarshalled outside the import system.
PREIMPORTS = (
    "collections", "copy", "dataclasses", "functools", "itertools", "linecache", "math", "random", "statistics",
    "string", "textwrap", "traceback", "typing", "warnings", "glob", "pathlib", "pickle", "shutil", "tempfile",
    "atexit", "threading", "socket", "subprocess", "multiprocessing", "multiprocessing.popen_fork",
    "multiprocessing.popen_spawn_posix", "numpy", "numpy.linalg", "numpy.random", "tqdm", "tqdm.auto",
    "abc", "array", "bisect", "calendar", "contextlib", "copyreg", "csv", "datetime", "decimal", "enum", "fractions",
    "gzip", "hashlib", "heapq", "html", "inspect", "io", "json", "locale", "numbers", "operator", "platform",
    "pprint", "queue", "re", "struct", "timeit", "unicodedata", "uuid", "weakref", "zlib", "bz2", "lzma",
    "matplotlib.tri", "matplotlib.contour", "matplotlib.colorbar", "matplotlib.image", "matplotlib.animation",
    "PIL.Image", "PIL.PngImagePlugin",
)
# Packages whose compiled extension modules are all loaded up front: no native code can be loaded
# once the sandbox is closed, and matplotlib or NumPy load some of theirs lazily (contourf, fft, ...).
NATIVE_PACKAGES = ("numpy", "matplotlib", "contourpy", "kiwisolver", "PIL")


def _preimport_native():
    import importlib
    import sysconfig

    site = sysconfig.get_paths()["purelib"]
    for package in NATIVE_PACKAGES:
        for folder, dirs, files in os.walk(os.path.join(site, package)):
            dirs[:] = [d for d in dirs if d not in ("tests", "testing", "_examples")]
            for name in files:
                if not name.endswith(".so"):
                    continue
                relative = os.path.relpath(os.path.join(folder, name.split(".")[0]), site)
                try:
                    importlib.import_module(relative.replace(os.sep, "."))
                except Exception:  # noqa: BLE001 - an optional extension (tk, avif) may be unusable
                    pass


def _preimport():
    import importlib

    for name in PREIMPORTS:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    _preimport_native()
    import numpy as np

    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.__version__  # computed lazily, from files of the environment that may be private (savefig asks)
    import matplotlib.pyplot as plt

    plt.show = lambda *args, **kwargs: None
    fig = plt.figure()  # warm up the font manager and the Agg canvas
    fig.canvas.draw()
    plt.close("all")
    sys.modules["tqdm"].tqdm.monitor_interval = 0  # its monitor thread could not start (no new threads)
    try:
        importlib.import_module("IPython.display")
    except Exception:  # noqa: BLE001 - optional
        pass
    # the wire's lazy imports (zipfile's cp437 codec, numpy's format module) happen now
    wire.decode(wire.encode({"a": np.zeros((2, 2)), "n": np.float32(1), "t": (1, float("nan")), 3: [None, "x"]}))
    for codec in ("cp437", "idna"):
        "x".encode(codec).decode(codec)


def _swap_builtins(contents):
    namespace = vars(builtins)
    namespace.clear()
    namespace.update(contents)


def _error(kind, message, traceback=(), timed_out=False, memory=False):
    """The error of a response (see the module docstring)."""
    return {"type": kind, "message": message, "traceback": list(traceback), "timed_out": timed_out, "memory": memory}


def _safe_text(value, limit=2000):
    try:
        text = str(value)
        text = text if type(text) is str else "(unprintable)"
    except BaseException:  # noqa: BLE001 - a learner's __str__
        text = "(the error message could not be turned into text)"
    return text if len(text) <= limit else text[:limit] + "..."


class Server:
    def __init__(self, config):
        self.config = config
        self.in_fd, self.out_fd = config["in_fd"], config["out_fd"]
        self.max_bytes = int(config.get("message_bytes", wire.MAX_MESSAGE_BYTES))
        self.keep_chars = int(config.get("output_bytes", 4096))
        self.printed = runner.Outcome()
        self.namespace = {"__name__": "__main__", "__builtins__": builtins, "__doc__": None}
        ipython = _IPythonStub(self.namespace)
        self.namespace["get_ipython"] = lambda: ipython
        self.namespace["display"] = _display
        self.denials_sent = 0
        self.adapters = sys.modules["checker.adapters"]
        self.learner_builtins = None

    # -- plumbing
    def _as_learner(self, call):
        """``call()`` with the learner's own patches of ``builtins`` (the worker's code keeps its own)."""
        if self.learner_builtins is not None:
            _swap_builtins(self.learner_builtins)
        try:
            return call()
        finally:
            self.learner_builtins = dict(vars(builtins))
            _swap_builtins(_BUILTINS)  # json, zipfile and numpy in the worker use builtins too

    def run(self, call, limit, count_lines=False):
        """Run ``call()`` as ``checker.runner`` runs learner code; returns (value, error dict or None),
        or (line counts, error) with ``count_lines``."""
        options = {"keep_chars": self.keep_chars, "own_interrupts": True}
        try:
            if count_lines:
                value, outcome = runner.count_learner_lines(lambda: self._as_learner(call), limit, **options)
            else:
                outcome = runner.run_learner(lambda: self._as_learner(call), limit, **options)
                value = outcome.result
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)  # an alarm the learner set does not outlive the request
            signal.signal(signal.SIGALRM, signal.SIG_IGN)
        self.printed = outcome
        if outcome.timed_out:
            return value, _error("CaseTimeout", f"time limit of {limit} s", timed_out=True)
        if outcome.error is not None:
            name = type(outcome.error).__name__
            return value, _error(name if type(name) is str else "Exception", _safe_text(outcome.error),
                                 traceback=outcome.learner_traceback[:60], memory=isinstance(outcome.error, MemoryError))
        return value, None

    def respond(self, request, started, result=None, error=None):
        denials = sandbox.DENIALS[self.denials_sent:]
        self.denials_sent = len(sandbox.DENIALS)
        calls = list(REFERENCE_CALLS)
        del REFERENCE_CALLS[:]
        message = {
            "id": request.get("id"), "result": result, "error": error, "seconds": time.perf_counter() - started,
            "printed": self.printed.printed_text, "printed_lines": self.printed.printed_lines,
            "printed_chars": self.printed.printed_chars,
            "denials": [str(d) for d in denials], "reference_calls": [str(c) for c in calls],
        }
        try:
            data = wire.encode(message, self.max_bytes)
        except wire.EncodeError as exc:
            message["result"] = None
            message["error"] = _error("TypeError", f"returned an object that cannot be graded: {exc}")
            data = wire.encode(message, self.max_bytes)
        wire.write_message(self.out_fd, data)

    # -- commands
    def op_cell(self, request):
        source, name = request["source"], request["name"]
        linecache.cache[name] = (len(source), None, source.splitlines(True), name)  # for the learner's tracebacks

        def run_cell():
            code = compile(source, name, "exec", dont_inherit=True)
            exec(code, self.namespace)

        _, error = self.run(run_cell, request.get("limit"))
        try:
            import matplotlib.pyplot as plt

            plt.close("all")
        except Exception:  # noqa: BLE001 - the learner may have broken matplotlib
            pass
        return None, error

    def op_names(self, request):
        found = {}
        for name in request["names"]:
            if name not in self.namespace:
                found[name] = "missing"
            else:
                found[name] = "callable" if callable(self.namespace[name]) else "not_callable"
        return found, None

    def _callable(self, request):
        name = request["function"]
        if name not in self.namespace:
            raise NameError(f"name '{name}' is not defined")
        fn = self.namespace[name]
        adapter = None
        if request.get("adapter"):
            adapter = getattr(self.adapters, request["adapter"])
        forward = None
        if request.get("forward"):
            forward_name = request["forward"]
            if forward_name not in self.namespace:
                raise NameError(f"name '{forward_name}' is not defined")
            forward = self.namespace[forward_name]
        elif request.get("forward_result") is not None:
            forward_result = request["forward_result"]

            def forward(*args, **kwargs):
                return forward_result

        return lambda args, kwargs: calling.call(fn, args, kwargs, adapter, forward)

    def _check_result(self, value):
        try:
            wire.encode(value, self.max_bytes)
        except wire.EncodeError as exc:
            return _error("TypeError", f"returned {exc}")
        return None

    def op_call(self, request):
        args, kwargs = tuple(request.get("args") or ()), dict(request.get("kwargs") or {})
        value, error = self.run(lambda: self._callable(request)(args, kwargs), request.get("limit"))
        if error is not None:
            return None, error
        error = self._check_result(value)
        if error is not None:
            return None, error
        if self._check_result([args, kwargs]) is not None:
            return None, _error("TypeError", "changed an argument into an object that cannot be graded")
        return [value, args, kwargs], None

    def op_call_many(self, request):
        calls = request["calls"]

        def run_all():
            call = self._callable(request)
            return [call(tuple(c.get("args") or ()), dict(c.get("kwargs") or {})) for c in calls]

        value, error = self.run(run_all, request.get("limit"))
        if error is None:
            error = self._check_result(value)
        return (None, error) if error is not None else (value, None)

    def op_count_lines(self, request):
        args, kwargs = tuple(request.get("args") or ()), dict(request.get("kwargs") or {})
        counts, error = self.run(lambda: self._callable(request)(args, kwargs), request.get("limit"), count_lines=True)
        return [[list(key), n] for key, n in counts.items()][:100000], error

    def serve(self):
        handlers = {"cell": self.op_cell, "names": self.op_names, "call": self.op_call,
                    "call_many": self.op_call_many, "count_lines": self.op_count_lines}
        while True:
            try:
                request = wire.receive(self.in_fd, None, self.max_bytes)
            except wire.ChannelClosed:
                os._exit(0)
            except wire.WireError as exc:
                self.respond({}, time.perf_counter(), error=_error("ValueError", f"bad request: {exc}"))
                continue
            started = time.perf_counter()
            self.printed = runner.Outcome()
            if not isinstance(request, dict) or request.get("op") == "shutdown":
                self.respond(request if isinstance(request, dict) else {}, started)
                os._exit(0)
            handler = handlers.get(request.get("op"))
            if handler is None:
                self.respond(request, started, error=_error("ValueError", f"unknown op {request.get('op')!r}"))
                continue
            try:
                result, error = handler(request)
            except BaseException as exc:  # noqa: BLE001 - a worker-side failure outside the learner's call
                result, error = None, _error(type(exc).__name__, _safe_text(exc), memory=isinstance(exc, MemoryError))
            self.respond(request, started, result, error)


def _prepare():
    """Everything before the sandbox closes: the stub checker, the pre-imports, a sys.path without the project."""
    os.umask(0o077)
    _install_checker_stub()
    _preimport()
    # the checker's own folder (reference included) and the project stay out of reach
    sys.path[:] = [p for p in sys.path if p and not os.path.realpath(p).startswith(os.path.dirname(CHECKER_DIR))
                   or "site-packages" in p]


def _use_matplotlib_data(folder):
    """Point matplotlib at ``folder``, a readable copy of its data (fonts are read lazily; see ``readable``)."""
    if not folder:
        return
    import dataclasses

    import matplotlib
    from matplotlib import font_manager

    original = matplotlib.get_data_path()
    if os.path.realpath(folder) == os.path.realpath(original):
        return
    matplotlib.get_data_path = lambda: folder
    manager = font_manager.fontManager
    for name in ("ttflist", "afmlist"):
        setattr(manager, name, [dataclasses.replace(entry, fname=folder + entry.fname[len(original):])
                                if entry.fname.startswith(original + os.sep) else entry
                                for entry in getattr(manager, name)])
    font_manager.FontManager._findfont_cached.cache_clear()
    font_manager._get_font.cache_clear()


def _serve_sandboxed(config):
    """Close the sandbox, greet the trusted side, serve its requests (never returns)."""
    _use_matplotlib_data(config.get("matplotlib_data"))
    info = sandbox.close(temp_dir=os.getcwd(), read_roots=config["read_roots"],
                         deny_roots=[CHECKER_DIR] + list(config.get("deny_roots", [])), limits=config.get("limits"))
    server = Server(config)
    hello = {"id": "ready", "ready": True, "pid": os.getpid(), "user": info["user"],
             "startup_seconds": time.perf_counter() - _STARTED, "result": None, "error": None}
    wire.write_message(server.out_fd, wire.encode(hello))
    server.serve()


def _forked_worker(config):
    """A worker forked by the warm sandbox (``forkserver.py``): what a cold worker would be, minus the imports."""
    global _STARTED
    _STARTED = time.perf_counter()
    sys.argv[1:] = [json.dumps(config)]  # as a cold worker sees its own configuration
    import tempfile

    tempfile.tempdir = None  # chosen again from this worker's TMPDIR
    sys.modules["numpy"].random.seed()  # a fresh global NumPy generator, as in a new process
    _serve_sandboxed(config)


def main():
    if sys.argv[1] == "--fork-server":
        _prepare()
        forkserver = _load("_grading_forkserver", os.path.join(HERE, "forkserver.py"))
        forkserver.serve(int(sys.argv[2]), _forked_worker)
        return
    config = json.loads(sys.argv[1])
    _prepare()
    _serve_sandboxed(config)


if __name__ == "__main__":
    main()
