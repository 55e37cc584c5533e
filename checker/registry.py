"""The task registry: every task module listed in course order, loaded on first use."""

from __future__ import annotations

import difflib
import importlib

from checker.topics import COURSE_MODULES

_tasks: dict | None = None


def _load() -> dict:
    global _tasks
    if _tasks is None:
        tasks = {}
        for module_name in COURSE_MODULES:
            module = importlib.import_module(f"checker.topics.{module_name}")
            for task in module.TASKS:
                if task.module != module_name:
                    raise RuntimeError(f"task {task.id} is declared in checker.topics.{module_name}")
                if task.id in tasks:
                    raise RuntimeError(f"task {task.id} is declared twice")
                tasks[task.id] = task
        _tasks = tasks
    return _tasks


def get(task_id: str):
    return _load()[task_id]


def task_ids() -> list[str]:
    return list(_load())


def resolve(task_id):
    """The task of ``task_id``; a ``KeyError`` that suggests close ids for a typo."""
    if not isinstance(task_id, str):
        raise ValueError(f"check() expects a task id such as 'warmup.center' as its first argument, got {task_id!r}")
    known = _load()
    if task_id in known:
        return known[task_id]
    close = difflib.get_close_matches(task_id, list(known), n=5, cutoff=0.5)
    close += [t for t in known if t.split(".")[-1] == task_id.split(".")[-1] and t not in close]
    suggestion = f" Did you mean: {', '.join(close)}?" if close else ""
    raise KeyError(f"unknown task id {task_id!r}.{suggestion} checker.tasks() lists all {len(known)} tasks.")
