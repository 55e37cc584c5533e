"""The grading worker and its sandbox, request by request: what learner code may and may not do,
how calls, timeouts and deaths come back, and the RemoteInvoker against the engine."""

import os

import numpy as np
import pytest

from checker import registry
from checker.engine import run_check
from checker.grading.remote import RemoteInvoker, Worker, WorkerDied, WorkerLimits, WorkerTimeout, rebuild_exception
from checker.spec import Case, Task


@pytest.fixture(scope="module")
def worker():
    w = Worker(WorkerLimits()).start()
    yield w
    w.stop()


def cell(worker, source, limit=5):
    return worker.request({"op": "cell", "source": source, "name": "<cell 1>", "limit": limit}, limit + 5)


def error_of(response):
    error = response["error"]
    return None if error is None else f"{error['type']}: {error['message']}"


def test_the_worker_runs_as_nobody_when_started_as_root(worker):
    assert worker.startup_seconds < 30
    if os.getuid() == 0:
        assert worker.user == "nobody"
    response = cell(worker, "import os\nprint(os.getuid(), os.getcwd())")
    uid, cwd = response["printed"].split()
    assert int(uid) != 0 or os.getuid() != 0
    assert "grading-worker-" in cwd


DENIED = [
    ("open('{project}/README.md').read()", "open {project}/README.md"),
    ("open('{project}/checker/reference/warmup.py').read()", "open {project}/checker/reference/warmup.py"),
    ("import os\nos.listdir('{project}')", "os.listdir {project}"),
    ("import glob\nglob.glob('{project}/*')", "glob.glob"),
    ("open('/tmp/grading-escape.txt', 'w')", "for writing"),
    ("open('/proc/self/root{project}/README.md').read()", "open /proc/self/root"),
    ("import os\nos.chdir('/')\nopen('work/x')", "os.chdir /"),
    ("import os\nos.path.realpath = lambda p: p\nimport posixpath\nposixpath._joinrealpath = None\nopen('{project}/README.md')", "open {project}/README.md"),
    ("import builtins\nbuiltins.any = lambda *a: False\nopen('{site}/numpy/evil.py', 'w')", "for writing"),
    ("import os\nos.fork()", "os.fork"),
    ("import subprocess\nsubprocess.run(['true'])", "subprocess.Popen"),
    ("import os\nos.system('true')", "os.system"),
    ("import os\nos.execv('/bin/true', ['true'])", "os.exec"),
    ("import os\nos.posix_spawn('/bin/true', ['true'], {{}})", "os.posix_spawn"),
    ("import multiprocessing\nmultiprocessing.Process(target=print).start()", "os.fork"),
    ("import os, signal\nos.kill(os.getppid(), signal.SIGTERM)", "os.kill of process"),
    ("import os, signal\nos.killpg(0, signal.SIGTERM)", "os.killpg"),
    ("import ctypes\nctypes.CDLL(None)", "ctypes.dlopen"),
    ("import socket\nsocket.socket()", "socket.__new__"),
    ("import sqlite3", "import sqlite3"),
    ("import resource\nresource.setrlimit(resource.RLIMIT_AS, (-1, -1))", "resource.setrlimit"),
    ("import gc\ngc.get_objects()", "gc.get_objects"),
    ("import marshal\nmarshal.loads(marshal.dumps(1))", "marshal.loads"),
    ("def f(): pass\nf.__code__.replace(co_code=b'')", "code.__new__"),
    ("import shutil\nshutil.rmtree('{project}')", "shutil.rmtree"),
    ("import os\nos.symlink('{project}', 'project')", "os.symlink"),
    ("class Flip:\n    calls = 0\n    def __fspath__(self):\n        Flip.calls += 1\n"
     "        return '{project}/README.md' if Flip.calls == 1 else 'harmless.txt'\nopen(Flip())", "open {project}/README.md"),
    ("import os\nclass Flip:\n    calls = 0\n    def __fspath__(self):\n        Flip.calls += 1\n"
     "        return '{project}/README.md' if Flip.calls == 1 else 'harmless.txt'\nos.open(Flip(), os.O_RDONLY)",
     "open {project}/README.md"),
]


@pytest.mark.parametrize("source, denial", DENIED, ids=[d[1][:30] for d in DENIED])
def test_the_sandbox_denies_and_names_it(worker, source, denial):
    from checker.grading import remote

    project = str(remote.PROJECT_DATASETS.parent)
    site = next(r for r in remote._read_roots(worker.datasets_dir) if r.endswith("site-packages"))
    response = cell(worker, source.format(project=project, site=site))
    assert response["error"] is not None and "grading sandbox" in response["error"]["message"], error_of(response)
    assert any(denial.format(project=project, site=site) in d for d in response["denials"]), response["denials"]
    assert worker.alive


def test_what_learner_code_may_do():
    fresh = Worker().start()  # the shared worker has had os.path and builtins patched by the attacks above
    response = cell(fresh, "\n".join([
        "import numpy as np, matplotlib.pyplot as plt, warnings, sys",
        "from tqdm.auto import tqdm",
        "from checker import check, gradcheck, set_language",
        "from checker.data import load_digits",
        "d = load_digits(); print(d.X_train.shape)",
        "for _ in tqdm(range(3)): pass",
        "plt.plot([1, 2]); plt.savefig('figure.png'); plt.show()",
        "plt.contourf(np.random.rand(5, 5)); plt.colorbar(); plt.imshow(np.zeros((3, 3))); plt.savefig('f2.png')",
        "print('fft', np.fft.fft(np.ones(4))[0].real, np.linalg.svd(np.eye(3))[1].sum())",
        "import fractions, decimal, heapq, re, datetime; print(fractions.Fraction(1, 3))",
        "np.save('a.npy', np.arange(3)); print(np.load('a.npy').sum())",
        "from pathlib import Path; Path('p.txt').write_text('via pathlib'); print(Path('p.txt').read_text())",
        "warnings.warn('careful'); print('to stderr', file=sys.stderr)",
        "get_ipython().run_line_magic('matplotlib', 'inline'); display('x')",
        "print(check('warmup.center', print))",
        "print(gradcheck(lambda x: float((x ** 2).sum()), np.ones(3), 2 * np.ones(3)).passed)",
    ]))
    fresh.stop()
    assert response["error"] is None, error_of(response)
    assert response["denials"] == []
    printed = response["printed"]
    assert "(1079, 64)" in printed and "via pathlib" in printed and "fft 4.0 3.0" in printed and "1/3" in printed and "graded separately" in printed and "True" in printed and "to stderr" in printed


def test_the_reference_is_out_of_reach_and_its_use_recorded(worker):
    for source in ("from checker.reference import warmup", "import checker.reference.warmup",
                   "import checker\nchecker.reference.warmup.center"):
        response = cell(worker, source)
        assert response["error"]["type"] in ("ReferenceUnavailable", "ModuleNotFoundError")
        assert response["reference_calls"], source
    response = cell(worker, "import checker.engine")
    assert response["error"]["type"] == "ModuleNotFoundError" and "not available" in response["error"]["message"]


def test_printed_output_is_bounded_and_counted(worker):
    response = cell(worker, "for i in range(100000):\n    print('spam', i)")
    assert response["error"] is None
    assert len(response["printed"]) <= worker.limits.output_bytes
    assert response["printed_lines"] == 100000 and response["printed_chars"] > 1_000_000


def test_the_disk_a_worker_can_fill_is_bounded():
    with Worker(WorkerLimits(file_bytes=1024 ** 2)).start() as w:
        response = cell(w, "with open('big.bin', 'wb') as f:\n    f.write(b'x' * (2 * 1024 ** 2))")
        assert response["error"]["type"] == "OSError" and "too large" in response["error"]["message"].lower()
        response = cell(w, "for i in range(1000):\n    open(f'f{i}.txt', 'w').close()")
        assert response["error"] is not None and "for writing more than 200 times" in response["error"]["message"]
        assert w.alive


def test_memory_errors_are_errors_not_deaths(worker):
    response = cell(worker, "import numpy as np\nx = np.ones((10**6, 10**5))")
    assert response["error"]["type"] == "MemoryError" and response["error"]["memory"]
    assert worker.alive


def test_soft_time_limit_and_learner_alarm_tricks(worker):
    response = cell(worker, "while True:\n    pass", limit=1)
    assert response["error"]["timed_out"]
    response = cell(worker, "import signal\nsignal.alarm(1)")
    assert response["error"] is None
    import time

    time.sleep(1.5)  # the learner's alarm must not outlive its request
    assert cell(worker, "x = 1")["error"] is None and worker.alive


def test_calls_results_and_mutation_come_back_as_plain_data(worker):
    cell(worker, "import numpy as np\ndef double(x):\n    x *= 2\n    return x.sum(), x\n"
                 "def fake(x):\n    class Eq:\n        def __eq__(self, o): return True\n    return Eq()\n")
    x = np.arange(3.0)
    response = worker.request({"op": "call", "function": "double", "adapter": None, "args": (x,), "kwargs": {}, "limit": 5}, 10)
    (total, doubled), args_after, kwargs_after = response["result"]
    assert total == 6.0 and np.array_equal(args_after[0], [0.0, 2.0, 4.0]) and np.array_equal(x, [0.0, 1.0, 2.0])
    response = worker.request({"op": "call", "function": "fake", "adapter": None, "args": (x,), "kwargs": {}, "limit": 5}, 10)
    assert response["error"]["type"] == "TypeError" and "Eq" in response["error"]["message"]
    response = worker.request({"op": "call", "function": "nope", "adapter": None, "args": (), "kwargs": {}, "limit": 5}, 10)
    assert response["error"]["type"] == "NameError"


def test_patched_builtins_do_not_break_the_worker():
    with Worker().start() as w:
        response = cell(w, "import builtins\nbuiltins.isinstance = lambda *a: True\nbuiltins.type = lambda *a: int\n"
                           "builtins.len = lambda x: 0\ndef f(x):\n    return [x, (1, 2)]")
        assert response["error"] is None
        response = w.request({"op": "call", "function": "f", "adapter": None, "args": (np.ones(2),), "kwargs": {}, "limit": 5}, 10)
        result = response["result"][0]
        assert isinstance(result, list) and isinstance(result[1], tuple) and np.array_equal(result[0], np.ones(2))


@pytest.mark.parametrize("source, kind, words", [
    ("import os\nos._exit(7)", "worker_exit", "code 7"),
    ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "worker_signal", "SIGKILL"),
    ("import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    signal.signal(signal.SIGALRM, signal.SIG_IGN)", "timeout", "killed"),
])
def test_deaths_and_hard_time_outs_are_described(source, kind, words):
    w = Worker().start()
    try:
        with pytest.raises(WorkerDied) as info:
            w.request({"op": "cell", "source": source, "name": "<cell 1>", "limit": 1}, 3)
        assert w.death_kind == kind and words in str(info.value)
        assert isinstance(info.value, WorkerTimeout) == (kind == "timeout")
        assert not w.alive and w.process.poll() is not None
    finally:
        w.kill()


def test_rebuilt_exceptions_keep_their_builtin_class_and_message():
    error = rebuild_exception("NotImplementedError", "")
    assert isinstance(error, NotImplementedError)
    key = rebuild_exception("KeyError", "'w'")
    assert isinstance(key, KeyError) and str(key) == "'w'"
    custom = rebuild_exception("ShapeMismatch", "bad shape")
    assert type(custom).__name__ == "ShapeMismatch" and isinstance(custom, Exception) and str(custom) == "bad shape"
    for name in ("KeyboardInterrupt", "SystemExit", "GeneratorExit"):
        rebuilt = rebuild_exception(name, "x")
        assert isinstance(rebuilt, Exception) and type(rebuilt).__name__ == name
    assert type(rebuild_exception("not a name!", "m")).__name__ == "Exception"


class _Session:
    def __init__(self, worker):
        self.worker, self.events, self.grace_seconds = worker, [], 3.0


def test_remote_invoker_matches_the_local_check(worker):
    cell(worker, "import numpy as np\n"
                 "def center(X):\n    return X - X.mean()\n"
                 "def squared_distances(A, B):\n    out = np.zeros((A.shape[0], B.shape[0]))\n"
                 "    for i in range(A.shape[0]):\n        for j in range(B.shape[0]):\n"
                 "            out[i, j] = ((A[i] - B[j]) ** 2).sum()\n    return out\n"
                 "def mse_loss(pred, target):\n    d = pred - target\n    return float((d ** 2).mean()), d / len(d)\n")
    from checker import check

    def center(X):
        return X - X.mean()

    for name, codes in (("center", {"offset"}), ("squared_distances", {"not_vectorized"}), ("mse_loss", {"scale", "gradient"})):
        task = registry.get(f"warmup.{name}")
        remote = run_check(task, None, seed=4242, invoker=RemoteInvoker(_Session(worker), task, name))
        assert codes & set(remote.codes), (name, remote.codes)
    task = registry.get("warmup.center")
    remote = run_check(task, None, seed=4242, invoker=RemoteInvoker(_Session(worker), task, "center"))
    local = check("warmup.center", center, seed=4242)
    assert remote.codes == local.codes and remote.score == local.score


def _scale_forward(x, w):
    return x * w, (x, w)


def _scale_backward(dout, cache):
    x, w = cache
    return dout * w, float((dout * x).sum())


def test_backward_tasks_use_the_learners_forward_or_ship_the_reference_cache(worker):
    task = Task("adhoc.scale_backward", outputs=("dx", "dw"), forward=_scale_forward, reference_function=_scale_backward,
                cases=lambda rng: [Case("3 numbers", rng.normal(size=3), 2.0, dout=rng.normal(size=3))])
    cell(worker, "def _scale_forward(x, w):\n    raise NotImplementedError()\n"
                 "def my_backward(dout, cache):\n    x, w = cache\n    x[0] = 0.0\n    return dout * w, float((dout * x).sum())\n")
    invoker = RemoteInvoker(_Session(worker), task, "my_backward")
    report = run_check(task, None, seed=5, invoker=invoker)
    assert invoker.forward_mode == "reference" and "note" in report.codes
    assert "mutates_input" in report.codes  # the reference cache aliases the argument x, as locally
    cell(worker, "def _scale_forward(x, w):\n    return x * w, (x, w)\n"
                 "def good_backward(dout, cache):\n    x, w = cache\n    return dout * w, float((dout * x).sum())\n")
    invoker = RemoteInvoker(_Session(worker), task, "good_backward")
    report = run_check(task, None, seed=5, invoker=invoker)
    assert invoker.forward_mode == "learner" and report.passed and invoker.describe_forward() == "your _scale_forward"


def test_warm_workers_are_forked_fresh_confined_and_hold_no_other_descriptor():
    """Workers forked by the warm sandbox (checker.grading.warm): nothing of one is in another, each has
    only its own pipes (never the fork server's socket), and its parent, the fork server, is out of reach."""
    from checker.grading import warm

    if not warm.warm_enabled():
        pytest.skip("COURSE_GRADING_COLD is set")
    first, second = Worker().start(), Worker().start()
    try:
        assert first.warm and second.warm and first.process.pid != second.process.pid
        assert error_of(cell(first, "left_behind = 42")) is None
        assert cell(second, "print('left_behind' in globals())")["printed"].strip() == "False"
        listing = cell(second, "import os\nfor fd in sorted(os.listdir('/proc/self/fd')):\n"
                               "    try:\n        print(fd, os.readlink('/proc/self/fd/' + fd))\n"
                               "    except FileNotFoundError:\n        pass  # the listing's own descriptor")
        assert error_of(listing) is None
        targets = [line.split(" ", 1)[1] for line in listing["printed"].strip().splitlines()]
        assert not any(t.startswith("socket:") for t in targets), targets
        assert sum(t.startswith("pipe:") for t in targets) == 2, targets
        killed = cell(second, "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)")
        assert error_of(killed).startswith("PermissionError: grading sandbox: os.kill")
        if os.getuid() == 0:
            assert second.user == "nobody"
        assert cell(second, "print(1)")["printed"].strip() == "1" and first.alive
    finally:
        first.stop()
        second.stop()
