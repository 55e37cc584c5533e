"""Task specifications, one module per notebook topic (see ``checker.spec``).

To add a module, write ``checker/topics/<module>.py`` with a ``TASKS`` list and
``checker/reference/<module>.py`` with the reference functions, then list the
module here in course order. A topic that grows past about 400 lines becomes a
package of family files (``nn/layers.py``, ``nn/losses.py``, ...), each holding
its tasks' cases, mistakes and declarations together, and its ``__init__``
joins their ``TASKS`` in course order. Layer tasks (forward/backward pairs) are
written with ``checker.topics.layer_cases``.
"""

COURSE_MODULES = [
    "warmup",
    "knn",
    "logreg",
    "linear",
    "backprop",
    "nn",
    "optim",
    "bn",
    "shapes",
    "conv",
    "resnet",
]
