"""How a task's function is called: the one call path of the notebook, the grader and its worker.

The engine (in the learner's kernel), the trusted grader and the sandboxed grading worker all
call the learner's code through these two functions, so a result cannot differ with where it
was computed. The worker loads this file by its path (as it loads ``adapters.py``): it imports
nothing, and takes only plain data and the functions it is handed.

- ``call(fn, args, kwargs, adapter, forward)``: ``fn(*args, **kwargs)``; with an adapter
  ``adapter(fn, *args, **kwargs)``; for a backward task ``adapter(fn, forward, *args, **kwargs)``
  (``checker.adapters.backward`` runs the forward for the cache, then ``fn(dout, cache)``).
- ``forward_arguments(args, kwargs)``: a backward case's arguments for its forward, that is
  without the upstream gradient ``dout``.
- ``LocalInvoker``: the engine's invoker in the learner's own kernel, on top of ``task.call`` (the
  grader's invoker is ``checker.grading.remote.RemoteInvoker``).
"""

UPSTREAM_GRADIENT = "dout"  # the keyword by which a backward case passes the upstream gradient


def call(fn, args, kwargs, adapter=None, forward=None):
    """Call ``fn`` on ``args``/``kwargs`` the way its task says (see the module docstring)."""
    if forward is not None:
        return adapter(fn, forward, *args, **kwargs)
    if adapter is not None:
        return adapter(fn, *args, **kwargs)
    return fn(*args, **kwargs)


def forward_arguments(args, kwargs):
    """``(args, kwargs)`` of a backward case without ``dout`` (new containers; values shared)."""
    forward_kwargs = dict(kwargs)
    forward_kwargs.pop(UPSTREAM_GRADIENT, None)
    return list(args), forward_kwargs


class LocalInvoker:
    """Runs the learner's code in this process (the notebook's own kernel), through ``task.call``.

    The engine runs learner code only through an invoker; the trusted grader supplies one that runs
    it in a sandboxed worker process instead (``checker.grading.remote.RemoteInvoker``). An invoker
    offers ``outcome``, ``outcomes`` and ``count_lines``, and says in ``forward_replaced`` whether a
    backward task's stub forward gave way to the reference forward. (The worker loads this file for
    ``call`` alone; the runner is imported where the kernel uses it.)"""

    def __init__(self, task, fn, forward=None):
        self.task, self.fn = task, fn
        self.forward, self.forward_is_learners = self._find_forward(forward)
        self._forward_probed = forward is not None
        self.forward_replaced = False

    def _find_forward(self, forward):
        if self.task.forward is None:
            return None, False
        if forward is not None:
            return forward, True
        candidate = getattr(self.fn, "__globals__", {}).get(self.task.forward_name)
        if callable(candidate) and not hasattr(candidate, "__checker_reference__"):
            return candidate, True
        return self.task.reference_forward, False

    def _probe_forward(self, case, limit):
        """A learner's forward that is still a stub gives way to the reference forward."""
        from checker.runner import run_learner

        self._forward_probed = True
        if not self.forward_is_learners:
            return
        args, kwargs = self.task.forward_arguments(case)
        outcome = run_learner(lambda: self.forward(*args, **kwargs), limit)
        if isinstance(outcome.error, NotImplementedError):
            self.forward, self.forward_is_learners = self.task.reference_forward, False
            self.forward_replaced = True

    def _call(self, case):
        return self.task.call(self.fn, case, self.forward)

    def outcome(self, case, limit):
        from checker.runner import run_learner

        if not self._forward_probed:
            self._probe_forward(case, limit)
        return run_learner(lambda: self._call(case), limit)

    def outcomes(self, cases: list, limit):
        from checker.runner import run_learner

        return run_learner(lambda: [self._call(case)[0] for case in cases], limit)

    def count_lines(self, case, limit):
        from checker.runner import count_learner_lines

        return count_learner_lines(lambda: self._call(case), limit)
