"""Task specifications, one module per notebook topic (see ``checker.spec``).

To add a module, write ``checker/tasks/<module>.py`` with a ``TASKS`` list and
``checker/reference/<module>.py`` with the reference functions, then list the
module here in course order.
"""

COURSE_MODULES = [
    "warmup",
    "knn",
    "logreg",
    "linear",
    "backprop",
    "nn",
    "shapes",
]
