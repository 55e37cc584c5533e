"""Declarative task specifications.

A task says which reference it checks against, how its cases are made, what is
compared and how tightly, and which extra diagnoses apply. Everything else
(shape, transpose, scale, sign, offset, NaN, dtype, mutation, exceptions,
time-outs, loops, use of the reference) every task gets from the engine.

Example, a whole task::

    Task(
        "warmup.center",
        cases=lambda rng: [Case("4 x 3 matrix", rng.normal(size=(4, 3)))],
        outputs=("X_centered",),
    )
"""

from __future__ import annotations

import copy
import importlib
from dataclasses import dataclass, field
from typing import Callable, Sequence

PRACTICE_SEED = 231


class Case:
    """One input to a task: a label (``"en"`` or ``("en", "zh")``) and the call's arguments."""

    def __init__(self, label, *args, **kwargs):
        self.label = label
        self.args = args
        self.kwargs = kwargs

    def copy_args(self):
        return copy.deepcopy(self.args), copy.deepcopy(self.kwargs)

    def named_arguments(self, fn: Callable) -> dict:
        """Arguments by parameter name (positional ones named from ``fn``'s signature)."""
        import inspect

        try:
            params = [
                p.name
                for p in inspect.signature(fn).parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            ]
        except (TypeError, ValueError):
            params = []
        named = {}
        for i, value in enumerate(self.args):
            named[params[i] if i < len(params) else f"arg{i}"] = value
        named.update(self.kwargs)
        return named

    def replace(self, fn: Callable, name: str, value) -> "Case":
        """The same case with argument ``name`` set to ``value``."""
        names = list(self.named_arguments(fn))
        args, kwargs = list(self.args), dict(self.kwargs)
        if name in kwargs or name not in names[: len(args)]:
            kwargs[name] = value
        else:
            args[names.index(name)] = value
        return Case(self.label, *args, **kwargs)

    def __repr__(self) -> str:
        return f"Case({self.label!r})"


@dataclass
class Gradient:
    """Check the analytic gradient output ``grad`` against the numerical gradient
    of the learner's own scalar output ``loss`` with respect to argument ``wrt``.

    A dotted name reaches into a dict output: ``grad="grads.dw"``."""

    loss: str
    grad: str
    wrt: str
    max_entries: int = 24
    tolerance: float = 1e-6


@dataclass
class KnownMistake:
    """A named wrong implementation: when the learner's output equals what
    ``implementation`` returns (and not the reference), the report says so."""

    name: str
    implementation: Callable
    hint: object


@dataclass
class Task:
    """A graded task ``<module>.<function>``.

    cases:          ``rng -> iterable of Case``; the rng is seeded (practice seed by default).
    outputs:        names of the returned values, in order (one name: the value itself).
    rtol, atol:     float64 tolerances; float32 results get a tolerance scaled to the values.
    tolerances:     per-output overrides ``{"dW": (rtol, atol)}``.
    integer_outputs: outputs whose values must be integers (labels, counts, sizes).
    regularization: the name of the argument holding the regularization strength, if any.
    gradients:      ``Gradient`` checks of the learner's gradients against their own loss.
    loop_free:      ``rng -> (small Case, larger Case)``: Python loops that grow with the data fail.
    mistakes:       ``KnownMistake`` list: task-specific diagnoses.
    hints:          ``{finding code: hint}`` shown with that finding for this task.
    in_out:         argument names that are in-out parameter dicts (not checked for mutation).
    time_limit:     seconds per case before a ``timeout`` finding.
    reference_function: overrides ``checker.reference.<module>.<function>`` (ad-hoc tasks, tests).
    """

    id: str
    cases: Callable
    outputs: Sequence[str] = ("result",)
    rtol: float = 1e-7
    atol: float = 1e-9
    tolerances: dict = field(default_factory=dict)
    integer_outputs: Sequence[str] = ()
    regularization: str | None = None
    gradients: Sequence[Gradient] = ()
    loop_free: Callable | None = None
    mistakes: Sequence[KnownMistake] = ()
    hints: dict = field(default_factory=dict)
    in_out: Sequence[str] = ()
    time_limit: float = 10.0
    title: object = None
    reference_function: Callable | None = None

    @property
    def module(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def function(self) -> str:
        return self.id.split(".", 1)[1]

    @property
    def reference(self) -> Callable:
        if self.reference_function is not None:
            return self.reference_function
        module = importlib.import_module(f"checker.reference.{self.module}")
        return getattr(module, self.function)

    def make_cases(self, seed: int = PRACTICE_SEED) -> list[Case]:
        import numpy as np

        return list(self.cases(np.random.default_rng(seed)))

    def tolerance(self, output: str) -> tuple[float, float]:
        return self.tolerances.get(output, (self.rtol, self.atol))

    def call(self, fn: Callable, case: Case):
        """Run ``fn`` on a fresh copy of the case's arguments; returns (result, args, kwargs)."""
        args, kwargs = case.copy_args()
        return fn(*args, **kwargs), args, kwargs

    def split_outputs(self, result) -> dict | None:
        """Name the parts of a result by ``outputs``; ``None`` if the structure does not fit."""
        if len(self.outputs) == 1:
            return {self.outputs[0]: result}
        if isinstance(result, (tuple, list)) and len(result) == len(self.outputs):
            return dict(zip(self.outputs, result))
        return None
