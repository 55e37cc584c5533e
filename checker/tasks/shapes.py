"""Tasks of the `shapes` notebook."""

from checker.spec import Case, Task

TASKS: list[Task] = []
