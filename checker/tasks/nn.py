"""Tasks of the `nn` notebook."""

from checker.spec import Case, Task

TASKS: list[Task] = []
