"""Hostile submissions against the trusted grader (00_warmup). Each ends with the score the same
submission gets without the attack, or 0 for the attacked task, with the attack named where it can be
recognised; the source notebook, a fake gradebook and another student's submission stay byte-for-byte
unchanged. What must not lower a score is checked too."""

import contextlib
import json
import os

import pytest

import grading_tools as gt
from checker import check
from checker.grading.grader import Limits, NotebookGrade, grade_notebook
from checker.spec import PRACTICE_SEED

SEED = 20261123
LIMITS = Limits(cell_seconds=4, grace_seconds=2, notebook_seconds=150)
FULL = {gid: 1.0 for gid in gt.WARMUP_TESTS}
WRONG = dict(FULL, check_center=0.0)


# COURSE_TEST_CLUSTER=local:2 runs every attack through `course grade --cluster`'s path instead: each
# submission graded by a Dask worker of a LocalCluster, as plain data there and back.
CLUSTER = os.environ.get("COURSE_TEST_CLUSTER")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    paths = gt.class_folder(tmp_path_factory.mktemp("course"))
    before = {k: gt.sha256(paths[k]) for k in ("source", "gradebook", "other")}
    with contextlib.ExitStack() as stack:
        if CLUSTER:
            from checker.grading.cluster import open_client

            paths["client"] = stack.enter_context(open_client(CLUSTER))
        yield paths
    assert {k: gt.sha256(paths[k]) for k in ("source", "gradebook", "other")} == before


def grade(course, nb, name="submission", limits=LIMITS):
    path = gt.write(nb, course["victim_dir"] / f"{name}.ipynb")
    if CLUSTER:
        from checker.grading.cluster import grade_remotely

        result = grade_remotely(course["client"], path, course["source"], seed=SEED, limits=limits)
    else:
        result = grade_notebook(path, course["source"], seed=SEED, limits=limits)
    for key in ("source", "gradebook", "other"):
        assert course[key].exists()
    return result


def scores(result):
    return {gid: t.score for gid, t in result.tasks.items()}


def details(result):
    return [f"{e['kind']}: {e['detail']}" for e in result.events]


def base():
    return gt.minimal(gt.load())


def wrong_base():
    return gt.replace_solution(base(), "center", gt.WRONG_CENTER)


def test_baselines(course):
    right = grade(course, base())
    assert scores(right) == FULL and right.score == right.max_score == 12
    assert right.events == [] and right.worker_starts == 1
    wrong = grade(course, wrong_base())
    assert scores(wrong) == WRONG and "offset" in wrong.tasks["check_center"].codes
    unsolved = grade(course, gt.unsolved(base()))
    assert unsolved.score == 0 and all(t.codes == ["not_implemented"] for t in unsolved.tasks.values())


def test_file_and_network_attacks_are_denied_and_named(course):
    names = ["read_gradebook", "write_gradebook", "overwrite_source", "read_other_student", "delete_other_student",
             "list_project", "socket"]
    result = grade(course, gt.insert_cells(base(), [gt.hostile(n, course) for n in names]))
    assert scores(result) == FULL
    denied = [e["detail"] for e in result.events if e["kind"] == "sandbox_denied"]
    for needle in (str(course["gradebook"]), f"{course['gradebook']} for writing", f"{course['source']} for writing",
                   str(course["other"]), f"os.remove {course['other']}", "os.listdir", "socket"):
        assert any(needle in d for d in denied), (needle, denied)


def test_process_attacks_are_denied_and_named(course):
    names = ["fork_bomb", "subprocess_loop", "multiprocessing", "kill_parent"]
    result = grade(course, gt.insert_cells(base(), [gt.hostile(n, course) for n in names]))
    assert scores(result) == FULL
    denied = " | ".join(e["detail"] for e in result.events if e["kind"] == "sandbox_denied")
    for needle in ("os.fork", "subprocess.Popen", "os.kill of process"):
        assert needle in denied


def test_exits_kills_and_forged_messages_lose_only_their_cell(course):
    names = ["kill_self", "os_exit", "forge_protocol"]
    result = grade(course, gt.insert_cells(base(), [gt.hostile(n, course) for n in names]))
    assert scores(result) == FULL
    kinds = [e["kind"] for e in result.events]
    assert "worker_signal" in kinds and "worker_exit" in kinds and "worker_protocol" in kinds, details(result)
    assert result.worker_starts == 4
    assert [c.status for c in result.cells].count("crashed") == 3


def test_loops_memory_and_output_floods_in_cells(course):
    names = ["infinite_loop", "memory_bomb", "list_growth", "print_flood", "sys_exit"]
    result = grade(course, gt.insert_cells(base(), [gt.hostile(n, course) for n in names]))
    assert scores(result) == FULL
    kinds = set(result.event_kinds())
    assert {"timeout", "memory", "output_flood"} <= kinds, details(result)


def test_a_memory_hog_that_keeps_its_memory_costs_nothing_else(course):
    # the list stays referenced after the MemoryError: only a fresh worker without that cell recovers
    result = grade(course, gt.insert_cells(base(), [gt.hostile("list_growth", course)]))
    assert scores(result) == FULL, details(result)
    # (on a slow machine the cell may reach its time limit before the memory limit: either ends it)
    statuses = [c.status for c in result.cells]
    assert statuses.count("memory") + statuses.count("timeout") == 1, statuses


def test_breaking_builtins_for_ones_own_code_scores_zero_for_what_it_breaks(course):
    # isinstance always True breaks NumPy inside the learner's own functions: those tasks get 0, never more
    result = grade(course, gt.insert_cells(base(), ["import builtins\nbuiltins.isinstance = lambda *a: True"]))
    assert all(score in (0.0, FULL[gid]) for gid, score in scores(result).items()), details(result)
    assert sum(scores(result).values()) < sum(FULL.values())


MONKEYPATCHES = [
    "import checker\nchecker.check = lambda *a, **k: True",
    "import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"
    "np.testing.assert_allclose = lambda *a, **k: None\nnp.isclose = lambda a, b, **k: np.ones(np.shape(a), bool)",
    "import builtins\n_abs, _isinstance = builtins.abs, builtins.isinstance\n"
    "builtins.abs = lambda x: 0 * _abs(x)\nbuiltins.isinstance = lambda o, c: _isinstance(o, c)",
    "import sys, types\nfake = types.ModuleType('numpy')\nfake.allclose = lambda *a, **k: True\nsys.modules['numpy'] = fake\n"
    "sys.modules['checker'] = types.ModuleType('checker')",
    "ip = get_ipython()\nip.input_transformers_cleanup.append(lambda lines: ['center = lambda X: X\\n'])",
    "import atexit, os\natexit.register(lambda: os._exit(0))\n"
    "class Bomb:\n    def __del__(self):\n        print('boom')\n        raise SystemExit\nkeep = [Bomb() for _ in range(3)]\ndel keep",
]


def test_monkeypatching_changes_nothing(course):
    result = grade(course, gt.insert_cells(wrong_base(), MONKEYPATCHES))
    assert scores(result) == WRONG, details(result)
    assert "offset" in result.tasks["check_center"].codes


FAKES = {
    "center": "def center(X):\n    class Yes:\n        shape = X.shape\n        def __eq__(self, other):\n            return True\n"
              "        __array_priority__ = 1000\n    return Yes()\n",
    "normalize_rows": "import numpy as np\ndef normalize_rows(X):\n    class Garbage:\n"
                      "        def __array__(self, dtype=None, copy=None):\n            return np.zeros(X.shape)\n    return Garbage()\n",
    "one_hot": "import numpy as np\nclass Liar(np.ndarray):\n    def __eq__(self, other):\n        return np.ones(self.shape, bool)\n"
               "    def __array_ufunc__(self, *args, **kwargs):\n        return np.ones(self.shape, bool)\n"
               "def one_hot(y, num_classes):\n    return np.zeros((len(y), num_classes)).view(Liar)\n",
    "squared_distances": "import numpy as np\ndef squared_distances(A, B):\n    return np.full((A.shape[0], B.shape[0]), np.nan)\n",
    "mse_loss": "import numpy as np\ndef mse_loss(pred, target):\n    return float('nan'), np.full(pred.shape, np.nan)\n",
}


def test_objects_faking_comparisons_score_zero(course):
    nb = base()
    for name, source in FAKES.items():
        nb = gt.replace_solution(nb, name, source)
    result = grade(course, nb)
    assert scores(result) == {gid: 0.0 for gid in gt.WARMUP_TESTS}
    assert "exception" in result.tasks["check_center"].codes  # "cannot be graded"
    assert "cannot be graded" in result.tasks["check_center"].text
    assert "non_finite" in result.tasks["check_squared_distances"].codes


def _practice_lookup_center():
    """A center() that answers the practice cases from a table and anything else with garbage."""
    from checker import registry

    task = registry.get("warmup.center")
    table = {}
    for case in task.make_cases(PRACTICE_SEED):
        X = case.args[0]
        table[X.tobytes().hex()] = (list(X.shape), (X - X.mean(axis=0)).ravel().tolist())
    return ("import numpy as np\nANSWERS = " + json.dumps(table) + "\n"
            "def center(X):\n    shape, values = ANSWERS.get(X.tobytes().hex(), (list(X.shape), [0.0] * X.size))\n"
            "    return np.array(values).reshape(shape)\n")


def test_answers_hard_coded_for_the_practice_cases_fail_at_the_grading_seed(course):
    source = _practice_lookup_center()
    namespace = {}
    exec(source, namespace)
    assert check("warmup.center", namespace["center"]).passed  # it does fool the practice check
    result = grade(course, gt.replace_solution(base(), "center", source))
    # only the one-sample case, whose centred answer is all zeros like the fallback, still passes
    assert not result.tasks["check_center"].passed and result.tasks["check_center"].score <= 0.25
    assert {g: s for g, s in scores(result).items() if g != "check_center"} == {g: 1.0 for g in FULL if g != "check_center"}


def test_calling_the_reference_scores_zero_and_is_named(course):
    nb = gt.replace_solution(base(), "center", "def center(X):\n    from checker.reference.warmup import center as c\n    return c(X)\n")
    nb = gt.replace_solution(nb, "normalize_rows", "import checker\ndef normalize_rows(X):\n"
                                                   "    return checker.reference.warmup.normalize_rows(X)\n")
    nb = gt.insert_cells(nb, "try:\n    import checker.reference.warmup as ref\nexcept Exception as e:\n    print(e)")
    result = grade(course, nb)
    assert scores(result) == dict(FULL, check_center=0.0, check_normalize_rows=0.0)
    assert "uses_reference" in result.tasks["check_center"].codes
    assert "uses_reference" in result.tasks["check_normalize_rows"].codes
    assert "uses_reference" in result.event_kinds()


def test_edited_deleted_duplicated_and_reordered_test_cells_change_nothing(course):
    nb = base()
    nb.cells[gt.cell_index(nb, "check_center")].source = "pass"
    nb = gt.edit_metadata(nb, "check_one_hot", points=1000)
    nb.cells.insert(0, nb.cells.pop(gt.cell_index(nb, "check_squared_distances")))
    duplicate = gt.load().cells[gt.cell_index(gt.load(), "check_normalize_rows")]
    duplicate.id = "duplicated-check"
    nb.cells.append(duplicate)
    del nb.cells[gt.cell_index(nb, "check_mse_loss")]
    result = grade(course, nb)
    assert scores(result) == FULL and result.max_score == 12
    assert result.tasks["check_one_hot"].points == 2
    assert any(e["kind"] == "test_cell_changed" for e in result.events)


def test_a_test_grade_id_moved_onto_a_solution_cell_loses_only_that_task(course):
    nb = base()
    nb = gt.edit_metadata(nb, "check_center", grade_id="check_center_moved")
    nb = gt.edit_metadata(nb, "center", grade_id="check_center")
    result = grade(course, nb)
    assert scores(result) == dict(FULL, check_center=0.0)
    assert result.tasks["check_center"].codes == ["not_defined"]


def test_hangs_memory_and_exits_inside_graded_functions_lose_that_task_only(course):
    nb = gt.replace_solution(base(), "center", "def center(X):\n    while True:\n        pass\n")
    nb = gt.replace_solution(nb, "normalize_rows", "import signal\ndef normalize_rows(X):\n"
                                                   "    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n    while True:\n        pass\n")
    nb = gt.replace_solution(nb, "one_hot", "import numpy as np\ndef one_hot(y, num_classes):\n"
                                            "    return np.ones((10**6, 10**5))\n")
    nb = gt.replace_solution(nb, "squared_distances", "import os\ndef squared_distances(A, B):\n    os._exit(0)\n")
    result = grade(course, nb, limits=Limits(cell_seconds=4, grace_seconds=2, notebook_seconds=150, call_seconds=2))
    assert scores(result) == dict(check_center=0.0, check_normalize_rows=0.0, check_one_hot=0.0,
                                  check_squared_distances=0.0, check_mse_loss=1.0), details(result)
    assert "timeout" in result.tasks["check_center"].codes
    assert "timeout" in result.tasks["check_normalize_rows"].codes
    assert "exception" in result.tasks["check_one_hot"].codes and "MemoryError" in result.tasks["check_one_hot"].text
    assert "worker_exit" in result.event_kinds()


HARMLESS_HELPERS = '''import sys, time, warnings
import numpy as np
import matplotlib.pyplot as plt

def center(X):
    warnings.warn("about to center")
    print("centering", X.shape, file=sys.stderr)
    time.sleep(0.02)                                  # slow but well within the limits
    order = np.random.default_rng().permutation(X.shape[0])
    return X - _column_means(X[order])               # a helper defined further down

def normalize_rows(X):
    plt.figure(); plt.plot(X[0]); plt.show()
    for i in range(50):
        print("row norms, pass", i)
    return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-300)
'''


def test_what_must_not_lower_a_score(course):
    nb = gt.replace_solution(base(), "center", HARMLESS_HELPERS)
    nb = gt.replace_solution(nb, "normalize_rows", "# moved above")
    nb = gt.insert_cells(nb, ["def _column_means(X):\n    return X.mean(axis=0)\n", "print('an extra cell')"], after=None)
    result = grade(course, nb)
    assert scores(result) == FULL, [t.text for t in result.tasks.values() if t.score < 1]
    assert "printed_output" in result.tasks["check_normalize_rows"].codes


def test_grades_are_deterministic_and_round_trip(course):
    nb = gt.replace_solution(wrong_base(), "mse_loss", "def mse_loss(pred, target):\n"
                                                       "    d = pred - target\n    return float((d ** 2).mean()), d / len(d)\n")
    first = grade(course, nb, "det1")
    second = grade(course, nb, "det2")
    strip = lambda g: [(t.grade_id, t.score, t.codes, t.text, t.html) for t in g.tasks.values()]
    assert strip(first) == strip(second)
    again = NotebookGrade.from_json(first.to_json())
    assert strip(again) == strip(first) and again.events == first.events and again.score == first.score
    assert first.tasks["check_mse_loss"].score < 1


def test_the_practice_seed_and_unreadable_submissions(course, tmp_path):
    with pytest.raises(ValueError, match="practice seed"):
        grade_notebook(course["source"], course["source"], seed=PRACTICE_SEED)
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{ not a notebook")
    result = grade_notebook(broken, course["source"], seed=SEED, limits=LIMITS)
    assert result.score == 0 and result.max_score == 12 and result.event_kinds() == ["unreadable_submission"]


def test_the_notebook_time_limit_caps_slow_submissions(course):
    nb = gt.replace_solution(base(), "center", "import time\ndef center(X):\n    time.sleep(2)\n    return X - X.mean(axis=0)\n")
    path = gt.write(nb, course["victim_dir"] / "slow.ipynb")
    limits = Limits(cell_seconds=4, grace_seconds=2, notebook_seconds=7)
    result = grade_notebook(path, course["source"], seed=SEED, limits=limits)
    assert "notebook_time_limit" in result.event_kinds(), details(result)
    assert result.tasks["check_center"].score < 1
    assert result.tasks["check_mse_loss"].codes == ["grading_failed"]
    assert result.seconds < 7 + 2 + 5  # the limit, one grace period, some slack for a loaded machine
