"""A submission's grade cells put back as the source notebook declares them.

A learner may change a cell's nbgrader metadata without meaning to (copying a cell copies its
grade id) or on purpose (more points, a test cell marked ungraded, a renamed grade id). A submission
is graded from the SOURCE notebook's cells and points all the same; ``restore_grade_cells`` makes the
notebook nbgrader autogrades agree with the source and says what it changed, for the instructor:

- a cell whose grade id the source does not have (renamed, or a new grade cell) becomes an ordinary
  cell, as does the second cell with a grade id (a copied cell);
- a cell the source has keeps its grade id and gets the source's grade, solution, locked, task and
  points back;
- a grade cell the submission lacks is named (nbgrader adds it back: ``OverwriteCells.add_missing_cells``).

The learner's own file is never changed: this runs on the copy nbgrader writes into ``autograded/``
and, to name the changes, on a copy in the trusted grader.
"""

from __future__ import annotations

RESTORED_KEYS = ("grade", "solution", "locked", "task", "points")


def _nbgrader(cell) -> dict | None:
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return meta if isinstance(meta, dict) else None


def source_grade_cells(source_nb) -> dict:
    """``{grade_id: nbgrader metadata}`` of the source notebook's cells that have a grade id."""
    found = {}
    for cell in source_nb.cells:
        meta = _nbgrader(cell)
        if meta and isinstance(meta.get("grade_id"), str):
            found.setdefault(meta["grade_id"], meta)
    return found


def restore_grade_cells(nb, source_nb) -> list[tuple[str, str]]:
    """Make ``nb``'s nbgrader metadata agree with ``source_nb`` (in place); returns ``(where, what)``
    for every change, in the order of the cells."""
    declared = source_grade_cells(source_nb)
    seen, changes = set(), []
    for index, cell in enumerate(nb.cells):
        meta = _nbgrader(cell)
        if meta is None:
            continue
        grade_id, where = meta.get("grade_id"), f"cell {index}"
        if grade_id not in declared or grade_id in seen:
            why = "a copy of a cell with this grade id" if grade_id in seen else "not a grade id of the source notebook"
            changes.append((where, f"grade id {grade_id!r} ({why}): graded as an ordinary cell"))
            del cell.metadata["nbgrader"]
            continue
        seen.add(grade_id)
        original = declared[grade_id]
        changed = [k for k in RESTORED_KEYS if meta.get(k, False) != original.get(k, False)]
        if changed:
            was = ", ".join(f"{k} {meta.get(k)!r} -> {original.get(k)!r}" for k in changed)
            changes.append((where, f"grade cell {grade_id!r} changed ({was}): the source's values restored"))
            for key in changed:
                if key in original:
                    meta[key] = original[key]
                else:
                    meta.pop(key, None)
    for grade_id in declared:
        if grade_id not in seen:
            changes.append(("", f"grade cell {grade_id!r} is missing from the submission: added back from the source"))
    return changes
