"""Trusted grading: learner notebooks run in a sandboxed worker process, checks run here.

    from checker.grading.grader import grade_notebook, Limits
    grade = grade_notebook(Path("submitted/alice/00_warmup/00_warmup.ipynb"),
                           Path("notebooks/00_warmup/00_warmup.ipynb"), seed=123456)

Modules: ``wire`` (plain-data messages), ``worker``, ``sandbox`` and ``forkserver`` (the untrusted side,
loaded by file path in a separate interpreter), ``warm`` (the warm sandbox: workers forked from an
already-imported parent), ``remote`` (the worker's handle and the engine's invoker), ``cluster``
(``course grade --cluster``: phase 1 on Dask),
``grader`` (``grade_notebook``), and for nbgrader: ``preprocessors`` (autograde through the
trusted grader), ``course_grade`` (the phases, the pool, the stored grades), ``gradebook`` (the course
folder, feedback, export).
"""
