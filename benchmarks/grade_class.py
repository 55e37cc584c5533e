"""Grade a made-up class with `course grade`, and the honest part of it with plain `nbgrader autograde`.

    .venv/bin/python benchmarks/grade_class.py [--students 60] [--assignment 00_warmup] [--jobs N]
                                               [--compare 12] [--keep DIR] [--side-by-side [A ...]]

In a temporary course folder: release the assignment, write ``--students`` submissions built
from the source notebook (correct ones, partly wrong ones, hostile ones that attack the grader),
import them with ``course grade --submissions`` and time the whole run. Then, on ``--compare``
honest submissions in a fresh course, time ``course grade`` (nothing cached) against nbgrader's own
``nbgrader autograde`` with nbgrader's default preprocessors (one kernel per submission, learner code
next to the tests; the course's ``nbgrader_config.py`` replaces them, ``PLAIN_NBGRADER`` puts them back) and print
seconds per submission for each, and the scores both give.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import nbformat

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# Wrong but honest versions of the warm-up functions (a real learner's mistakes).
WRONG_WARMUP = {
    "center": "def center(X):\n    return X - X.mean()          # one mean for the whole array\n",
    "normalize_rows": "def normalize_rows(X):\n    return X / np.linalg.norm(X, axis=0)\n",
    "one_hot": "def one_hot(y, num_classes):\n    out = np.zeros((len(y), num_classes))\n"
               "    out[:, y] = 1.0\n    return out\n",
    "squared_distances": "def squared_distances(A, B):\n    return np.sum(A**2, 1)[:, None] + np.sum(B**2, 1) - A @ B.T\n",
    "mse_loss": "def mse_loss(pred, target):\n    r = pred - target\n    return np.mean(r**2), r / r.size\n",
}

# Attacks on the grader, each a cell added after the setup cell of an otherwise correct notebook.
# "{root}" is replaced by the course folder (a learner who guesses the instructor's paths). Part A's
# catalogue (tests/grading_tools.py HOSTILE_CELLS) is added to these when it is there.
HOSTILE = {
    "patch_numpy": "import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"
                   "np.testing.assert_allclose = lambda *a, **k: None\n",
    "patch_checker": "import sys\nsys.modules['checker'].check = lambda *a, **k: 'passed'\n"
                     "import builtins\nbuiltins.isinstance = lambda *a: True\n",
    "gradebook": "open('{root}/gradebook.db', 'wb').write(b'gone')\n",
    "secret": "print(open('{root}/.course-secret').read())\n",
    "listdir": "import os\nprint(os.listdir('{root}/submitted'))\n",
    "kill": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
    "exit": "import os\nos._exit(0)\n",
    "fork": "import os\nfor _ in range(1000):\n    os.fork()\n",
    "subprocess": "import subprocess\nsubprocess.run(['touch', '{root}/pwned'])\n",
    "memory": "import numpy as np\nbig = np.ones((10**6, 10**5))\n",
    "flood": "for i in range(2_000_000):\n    print('spam', i)\n",
    "fake_equal": None,  # special: center returns an object that claims to equal anything
}


def _part_a_attacks() -> dict:
    """Part A's hostile cells (tests/grading_tools.py), as format strings over {gradebook} {source} {other} {root}."""
    sys.path.insert(0, str(PROJECT_ROOT / "tests"))
    try:
        from grading_tools import HOSTILE_CELLS
    except ImportError:
        return {}
    return {f"a:{name}": source for name, source in HOSTILE_CELLS.items()}


ATTACKS_A = _part_a_attacks()
COVERED_BY_A = {"gradebook", "listdir", "kill", "exit", "fork", "memory", "flood"}  # same attacks in part A's table


FAKE_EQUAL_CENTER = '''def center(X):
    class Anything(np.ndarray):
        def __eq__(self, other): return np.ones(np.shape(other), dtype=bool)
        def __array_ufunc__(self, *a, **k): return np.zeros(1)
    return np.zeros(X.shape).view(Anything)
'''


def _read(path: Path):
    return nbformat.read(str(path), as_version=4)


def solution_cell(nb, function: str):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == function and cell.metadata["nbgrader"].get("solution"):
            return cell
    raise KeyError(f"no solution cell {function!r}")


def solution_functions(nb) -> list[str]:
    """Grade ids of the solution code cells (= the exercise functions), in notebook order."""
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")]


def with_function(nb, function: str, source: str):
    """A copy of ``nb`` whose solution cell ``function`` holds ``source`` instead."""
    nb = copy.deepcopy(nb)
    solution_cell(nb, function).source = source
    return nb


def with_cell(nb, source: str, after_grade_id: str = "setup"):
    """A copy of ``nb`` with a new code cell after the cell ``after_grade_id``."""
    nb = copy.deepcopy(nb)
    index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == after_grade_id)
    cell = nbformat.v4.new_code_cell(source)
    cell.id = f"extra-{hashlib.sha1(source.encode()).hexdigest()[:8]}"
    nb.cells.insert(index + 1, cell)
    return nb


def wrong(nb, assignment: str, function: str):
    """``nb`` with ``function`` wrong: a known mistake for the warm-up, the unfinished stub otherwise."""
    if assignment == "00_warmup" and function in WRONG_WARMUP:
        return with_function(nb, function, WRONG_WARMUP[function])
    name = function
    return with_function(nb, function, f"def {name}(*args, **kwargs):\n    raise NotImplementedError()\n")


def hostile(nb, attack: str, root: Path, assignment: str = "00_warmup"):
    """A correct notebook plus one attack from ``HOSTILE`` (or part A's ``a:<name>``)."""
    if attack == "fake_equal":
        return with_function(nb, "center", FAKE_EQUAL_CENTER)
    if attack in ATTACKS_A:
        paths = {"gradebook": root / "gradebook.db", "source": root / "notebooks" / assignment / f"{assignment}.ipynb",
                 "other": root / "submitted" / "s000" / assignment / f"{assignment}.ipynb", "root": root}
        return with_cell(nb, ATTACKS_A[attack].format(**{k: str(v) for k, v in paths.items()}))
    return with_cell(nb, HOSTILE[attack].replace("{root}", str(root)))


def make_class(source: Path, assignment: str, count: int, root: Path) -> list[tuple[str, str, object]]:
    """``count`` submissions (student id, kind, notebook): in every 10, 4 correct, 2 partly wrong, 4 hostile
    (each attack once before any repeats)."""
    nb = _read(source)
    functions = solution_functions(nb)
    ours = [a for a in HOSTILE if (assignment == "00_warmup" or a != "fake_equal")
            and not (ATTACKS_A and a in COVERED_BY_A)]
    attacks = ours + list(ATTACKS_A)
    pattern = ["correct", "wrong", "hostile", "correct", "hostile", "correct", "wrong", "hostile", "hostile", "correct"]
    out, wrong_count, hostile_count = [], 0, 0
    for i in range(count):
        kind = pattern[i % len(pattern)]
        student = f"s{i:03d}"
        if kind == "correct":
            out.append((student, "correct", nb))
        elif kind == "wrong":
            picked = [functions[wrong_count % len(functions)]]
            if wrong_count % 3 == 2:
                picked.append(functions[(wrong_count + 1) % len(functions)])
            sub = nb
            for function in picked:
                sub = wrong(sub, assignment, function)
            out.append((student, "wrong:" + "+".join(picked), sub))
            wrong_count += 1
        else:
            attack = attacks[hostile_count % len(attacks)]
            out.append((student, "hostile:" + attack, hostile(nb, attack, root, assignment)))
            hostile_count += 1
    return out


def _env() -> dict:
    env = dict(os.environ)
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")
    return env


# For the comparison only: nbgrader's own autograde (Execute runs the learner's code next to the tests)
# instead of the course's trusted preprocessors.
PLAIN_NBGRADER = """
from nbgrader.converters import Autograde as _Autograde
c.Autograde.autograde_preprocessors = list(_Autograde.class_traits()["autograde_preprocessors"].default())
"""


def _run(command: list[str], cwd: Path | None = None) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=_env(), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        print(f"$ {' '.join(command)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}", file=sys.stderr)
        raise SystemExit(f"failed with exit code {result.returncode}: {' '.join(command)}")
    return seconds


def new_course(folder: Path, assignment: str) -> Path:
    """A course folder with the assignment's source notebook, released, and the course's nbgrader_config.py."""
    folder.mkdir(parents=True)
    shutil.copytree(PROJECT_ROOT / "notebooks" / assignment, folder / "notebooks" / assignment)
    shutil.copy(PROJECT_ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    _run([str(BIN / "course"), "release", assignment, "--course-dir", str(folder)])
    return folder


def scores(root: Path, assignment: str) -> dict[str, float]:
    from nbgrader.api import Gradebook, MissingEntry

    out = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for student in gb.students:
            try:
                out[student.id] = float(gb.find_submission(assignment, student.id).score)
            except MissingEntry:
                pass
    return out


def write_submissions(folder: Path, submissions) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for student, _, nb in submissions:
        nbformat.write(nb, str(folder / f"{student}.ipynb"))


def worker_start_seconds(times: int = 5) -> dict[str, float]:
    """Median seconds from ``Worker.start()`` to the worker's greeting: cold (a fresh interpreter that
    imports NumPy and the rest) and warm (forked from the fork server, which is started before timing)."""
    import statistics

    code = ("import statistics, time\nfrom checker.grading.remote import Worker\n"
            "Worker().start().stop()\nt = []\n"
            f"for _ in range({times}):\n    s = time.perf_counter(); w = Worker().start(); t.append(time.perf_counter() - s); w.stop()\n"
            "print(statistics.median(t))\n")
    out = {}
    for mode, cold in (("cold", "1"), ("warm", "0")):
        result = subprocess.run([sys.executable, "-c", code], env=dict(_env(), COURSE_GRADING_COLD=cold),
                                capture_output=True, text=True, check=True)
        out[mode] = float(result.stdout.split()[-1])
    return out


def side_by_side(base: Path, assignments: list[str], count: int, jobs: int) -> None:
    """Seconds per honest submission of each assignment: course grade with the local pool, on a
    LocalCluster (``--cluster local:JOBS``) and plain ``nbgrader autograde``, in this one run."""
    print(f"\nper-submission seconds, {count} honest submissions each, {jobs} job(s) / Dask workers:")
    print(f"{'assignment':12} {'local pool':>11} {'cluster':>9} {'nbgrader':>9}  pool/nbgrader")
    for A in assignments:
        source = PROJECT_ROOT / "notebooks" / A / f"{A}.ipynb"
        honest = [s for s in make_class(source, A, count * 3, base) if not s[1].startswith("hostile")][:count]
        template = new_course(base / f"side-{A}", A)
        write_submissions(base / f"side-{A}-in", honest)
        figures = []
        for how, extra in (("pool", ["--jobs", str(jobs)]), ("cluster", ["--cluster", f"local:{jobs}"])):
            root = base / f"side-{A}-{how}"
            shutil.copytree(template, root)
            seconds = _run([str(BIN / "course"), "grade", A, "--submissions", str(base / f"side-{A}-in"), *extra,
                            "--quiet", "--course-dir", str(root)])
            figures.append(seconds / len(honest))
        plain = base / f"side-{A}-plain"
        shutil.copytree(template, plain)
        for student, _, nb in honest:
            folder = plain / "submitted" / student / A
            folder.mkdir(parents=True)
            nbformat.write(nb, str(folder / f"{A}.ipynb"))
        with (plain / "nbgrader_config.py").open("a") as config:
            config.write(PLAIN_NBGRADER)
        figures.append(_run([str(BIN / "nbgrader"), "autograde", A, "--force"], cwd=plain) / len(honest))
        print(f"{A:12} {figures[0]:11.2f} {figures[1]:9.2f} {figures[2]:9.2f}  {figures[0] / figures[2]:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--assignment", default="00_warmup")
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--compare", type=int, default=12,
                        help="honest submissions graded both ways for the comparison (0: skip it)")
    parser.add_argument("--keep", help="build the courses in this folder and keep them (default: a temporary one)")
    parser.add_argument("--side-by-side", nargs="*", metavar="ASSIGNMENT",
                        help="also time the local pool, --cluster local:JOBS and plain nbgrader per submission of "
                             "these assignments (default with no names: 00_warmup 05_nn), and the worker start, "
                             "cold and warm")
    parser.add_argument("--side-count", type=int, default=16,
                        help="honest submissions per assignment for --side-by-side (course grade has a fixed start-up cost of a few "
                             "seconds, spread over the class)")
    args = parser.parse_args(argv)

    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="grade-class-"))
    try:
        A = args.assignment
        source = PROJECT_ROOT / "notebooks" / A / f"{A}.ipynb"
        print(f"course folder: {base}; {args.students} submissions of {A}; {args.jobs} parallel job(s) "
              f"on {os.cpu_count()} CPU(s)")

        template = new_course(base / "template", A)  # released once, copied for each run
        root = base / "class"
        shutil.copytree(template, root)
        guarded = [root / ".course-secret", root / "notebooks" / A / f"{A}.ipynb"]
        before = {p: p.read_bytes() for p in guarded}
        submissions = make_class(source, A, args.students, root)
        write_submissions(base / "incoming", submissions)
        seconds = _run([str(BIN / "course"), "grade", A, "--submissions", str(base / "incoming"), "--jobs",
                        str(args.jobs), "--quiet", "--course-dir", str(root)])
        got = scores(root, A)
        print(f"\ncourse grade, whole class: {seconds:.1f} s for {len(submissions)} submissions = "
              f"{seconds / len(submissions):.2f} s per submission (jobs={args.jobs})")
        by_kind = defaultdict(list)
        for student, kind, _ in submissions:
            by_kind[kind].append(got.get(student))
        print(f"{'kind':40} {'n':>3}  scores")
        for kind in sorted(by_kind):
            values = by_kind[kind]
            print(f"{kind:40} {len(values):>3}  {', '.join('-' if v is None else f'{v:g}' for v in sorted(values, key=str))}")
        first = root / "submitted" / submissions[0][0] / A / f"{A}.ipynb"
        print(f"secret and source notebook unchanged: {all(p.read_bytes() == before[p] for p in guarded)}; "
              f"first student's submission intact: {first.is_file() and first.read_bytes() == (base / 'incoming' / f'{submissions[0][0]}.ipynb').read_bytes()}; "
              f"file planted by an attack: {(root / 'pwned').exists()}; "
              f"students in the gradebook: {len(got)} of {len(submissions)}")

        honest = [s for s in submissions if not s[1].startswith("hostile")][: args.compare]
        if honest:
            compare = base / "compare"
            shutil.copytree(template, compare)
            write_submissions(base / "honest", honest)
            ours = _run([str(BIN / "course"), "grade", A, "--submissions", str(base / "honest"), "--jobs", str(args.jobs),
                         "--quiet", "--no-cache", "--course-dir", str(compare)])
            our_scores = scores(compare, A)
            with (compare / "nbgrader_config.py").open("a") as config:
                config.write(PLAIN_NBGRADER)
            theirs = _run([str(BIN / "nbgrader"), "autograde", A, "--force"], cwd=compare)
            their_scores = scores(compare, A)
            n = len(honest)
            print(f"\nthe same {n} honest submissions:")
            print(f"  course grade (sandboxed, jobs={args.jobs}):   {ours:7.1f} s = {ours / n:6.2f} s per submission")
            print(f"  nbgrader autograde (one kernel each, serial): {theirs:7.1f} s = {theirs / n:6.2f} s per submission")
            print(f"{'student':8} {'kind':36} {'course grade':>12} {'nbgrader':>9}")
            for student, kind, _ in honest:
                print(f"{student:8} {kind:36} {our_scores.get(student, float('nan')):12g} "
                      f"{their_scores.get(student, float('nan')):9g}")
        if args.side_by_side is not None:
            starts = worker_start_seconds()
            print(f"\nworker start (median of 5): cold {starts['cold']:.3f} s, warm (forked) {starts['warm']:.3f} s")
            side_by_side(base, args.side_by_side or ["00_warmup", "05_nn"], args.side_count, args.jobs)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
