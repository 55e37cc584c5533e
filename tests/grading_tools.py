"""Submission builders for the trusted grader's tests (shared with the instructor tests and the
grading benchmark).

Every submission is made from a source notebook (``notebooks/00_warmup/00_warmup.ipynb`` by
default): the source itself is a fully correct submission; the helpers below replace a solution,
add cells, drop cells or edit metadata, always on a deep copy.
"""

from __future__ import annotations

import copy
import hashlib
import uuid
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
WARMUP = ROOT / "notebooks" / "00_warmup" / "00_warmup.ipynb"

# The warm-up's graded tests: grade_id -> (function, points).
WARMUP_TESTS = {
    "check_center": ("center", 2), "check_normalize_rows": ("normalize_rows", 2), "check_one_hot": ("one_hot", 2),
    "check_squared_distances": ("squared_distances", 3), "check_mse_loss": ("mse_loss", 3),
}

# A wrong center (one mean for the whole matrix): the check reports `offset`.
WRONG_CENTER = '''def center(X):
    return X - X.mean()
'''


def load(path: Path = WARMUP):
    """The notebook at ``path`` (a fresh object each call)."""
    return nbformat.read(str(path), as_version=4)


def write(nb, path: Path) -> Path:
    """Write ``nb`` to ``path`` (parents created); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def grade_id(cell) -> str | None:
    """The nbgrader grade_id of a cell, or None."""
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def cell_index(nb, gid: str) -> int:
    """Index of the cell whose grade_id is ``gid`` (KeyError if none)."""
    for i, cell in enumerate(nb.cells):
        if grade_id(cell) == gid:
            return i
    raise KeyError(gid)


def replace_solution(nb, gid: str, source: str):
    """A copy of ``nb`` whose solution cell ``gid`` holds ``source`` instead."""
    nb = copy.deepcopy(nb)
    nb.cells[cell_index(nb, gid)].source = source
    return nb


def new_code_cell(source: str, **nbgrader):
    """A code cell with a fresh id (and nbgrader metadata if given)."""
    cell = nbformat.v4.new_code_cell(source)
    cell.id = uuid.uuid4().hex[:12]
    if nbgrader:
        cell.metadata["nbgrader"] = dict(nbgrader)
    return cell


def insert_cells(nb, sources, after: str | None = "setup"):
    """A copy of ``nb`` with code cells ``sources`` inserted after the cell with grade_id ``after``
    (None: appended at the end)."""
    nb = copy.deepcopy(nb)
    cells = [new_code_cell(s) for s in ([sources] if isinstance(sources, str) else sources)]
    position = len(nb.cells) if after is None else cell_index(nb, after) + 1
    nb.cells[position:position] = cells
    return nb


def minimal(nb):
    """A copy of ``nb`` with only the setup cell, the solution cells and the test cells (faster to grade;
    the demonstrations and timing cells are dropped)."""
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if c.cell_type == "code" and grade_id(c)]
    return nb


def unsolved(nb):
    """A copy of ``nb`` with every ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` block replaced by the
    stub nbgrader leaves in the student version (``raise NotImplementedError()``)."""
    import re

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code" and "### BEGIN SOLUTION" in cell.source:
            cell.source = re.sub(r"### BEGIN SOLUTION.*?### END SOLUTION", "# YOUR CODE HERE\n    raise NotImplementedError()",
                                 cell.source, flags=re.S)
    return nb


def edit_metadata(nb, gid: str, **changes):
    """A copy of ``nb`` whose cell ``gid`` has its nbgrader metadata updated with ``changes``."""
    nb = copy.deepcopy(nb)
    nb.cells[cell_index(nb, gid)].metadata["nbgrader"].update(changes)
    return nb


def sha256(path: Path) -> str:
    """Hex digest of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def class_folder(root: Path, source: Path = WARMUP) -> dict:
    """A course-like folder under ``root`` with the things an attack must not touch: a copy of the
    source notebook, a fake ``gradebook.db`` and another student's submission. Returns their paths
    (``source``, ``gradebook``, ``other``) and ``victim_dir``, where the attacked submission goes."""
    root = Path(root)
    paths = {
        "source": write(load(source), root / "source" / "00_warmup" / "00_warmup.ipynb"),
        "gradebook": root / "gradebook.db",
        "other": write(load(source), root / "submitted" / "bob" / "00_warmup" / "00_warmup.ipynb"),
        "victim_dir": root / "submitted" / "mallory" / "00_warmup",
    }
    paths["gradebook"].write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 16)
    paths["victim_dir"].mkdir(parents=True, exist_ok=True)
    return paths


# Hostile cells, each a string (format fields: {gradebook}, {source}, {other}, {root}). A cell that
# only attacks (and does not change the functions) must leave the score of the rest of the notebook
# as it was. Used by tests/test_grading_attacks.py and benchmarks/grade_class.py.
HOSTILE_CELLS = {
    "read_gradebook": "print(open({gradebook!r}, 'rb').read()[:100])",
    "write_gradebook": "open({gradebook!r}, 'wb').write(b'pwned')",
    "overwrite_source": "open({source!r}, 'w').write('{{}}')",
    "read_other_student": "print(open({other!r}).read()[:200])",
    "delete_other_student": "import os\nos.remove({other!r})",
    "list_project": "import os\nprint(os.listdir({root!r}))",
    "fork_bomb": "import os\nwhile True:\n    os.fork()",
    "subprocess_loop": "import subprocess\nfor _ in range(100):\n    subprocess.Popen(['sleep', '100'])",
    "multiprocessing": "import multiprocessing\nmultiprocessing.Process(target=print).start()",
    "kill_parent": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)",
    "kill_self": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
    "os_exit": "import os\nos._exit(3)",
    "sys_exit": "import sys\nsys.exit(0)",
    "infinite_loop": "while True:\n    pass",
    "memory_bomb": "import numpy as np\nbig = np.ones((10**6, 10**5))",
    "list_growth": "grow = []\nwhile True:\n    grow.append([0] * 1000)",
    "print_flood": "for i in range(300000):\n    print('spam spam spam spam spam', i)",
    "forge_protocol": "import sys, json, os\nos.write(json.loads(sys.argv[1])['out_fd'], b'DLGW' + bytes(12) + b'garbage')",
    "socket": "import socket\nsocket.create_connection(('127.0.0.1', 22))",
}


def hostile(name: str, paths: dict) -> str:
    """The source of hostile cell ``name`` with the paths of ``class_folder`` filled in."""
    fields = {k: str(v) for k, v in paths.items()}
    fields.setdefault("root", str(Path(paths["source"]).parent.parent.parent))
    return HOSTILE_CELLS[name].format(**fields)
