"""The task registry: every task module listed in course order, loaded on first use."""

from __future__ import annotations

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
