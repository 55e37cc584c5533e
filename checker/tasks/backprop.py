"""Tasks of the `backprop` notebook."""

from checker.spec import Case, Task

TASKS: list[Task] = []
