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
