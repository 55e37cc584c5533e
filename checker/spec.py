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
import inspect
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from checker import adapters
from checker import calling as call_path

PRACTICE_SEED = 231
CACHE = "(cache: your own design, not compared)"  # what a forward task's cache is compared as


class Case:
    """One input to a task: a label (``"en"`` or ``("en", "zh")``) and the call's arguments."""

    def __init__(self, label, *args, **kwargs):
        self.label = label
        self.args = args
        self.kwargs = kwargs

    def copy_args(self):
        return copy.deepcopy(self.args), copy.deepcopy(self.kwargs)

    def named_arguments(self, arg_names: Sequence[str]) -> dict:
        """Arguments by parameter name: positional ones named by ``arg_names`` (``arg<i>`` past its end)."""
        named = {arg_names[i] if i < len(arg_names) else f"arg{i}": value for i, value in enumerate(self.args)}
        named.update(self.kwargs)
        return named

    def replace(self, arg_names: Sequence[str], name: str, value) -> "Case":
        """The same case with argument ``name`` set to ``value``; ``"params.W1"`` sets
        key ``W1`` of the dict argument ``params`` (in a copy of that dict)."""
        if "." in name:
            outer, key = name.split(".", 1)
            inner = dict(self.named_arguments(arg_names)[outer])
            inner[key] = value
            return self.replace(arg_names, outer, inner)
        names = list(self.named_arguments(arg_names))
        args, kwargs = list(self.args), dict(self.kwargs)
        if name in kwargs or name not in names[: len(args)]:
            kwargs[name] = value
        else:
            args[names.index(name)] = value
        return Case(self.label, *args, **kwargs)

    def __repr__(self) -> str:
        return f"Case({self.label!r})"


def positional_names(fn: Callable) -> list[str]:
    """Names of ``fn``'s positional parameters (empty when it has no signature)."""
    try:
        return [
            p.name
            for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        return []


def _takes_varargs(fn: Callable) -> bool:
    return any(p.kind == p.VAR_POSITIONAL for p in inspect.signature(fn).parameters.values())


@dataclass
class Gradient:
    """Check the analytic gradient output ``grad`` against the numerical gradient
    of the learner's own scalar output ``loss`` with respect to argument ``wrt``.

    A dotted name reaches into a dict output (``grad="grads.dw"``) or a dict
    argument (``wrt="params.W1"``)."""

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
class Property:
    """A property a randomised result must have (statistics, determinism, test mode).

    ``test(got, expected, case, call)`` gets the learner's and the reference's outputs
    (dicts by output name), the case, and ``call(**changes)``, which runs the learner's
    function again on the case with the named arguments replaced and returns its outputs.
    It returns ``None`` when the property holds, else a message (str or ``(en, zh)``)."""

    name: object
    test: Callable
    hint: object = None


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
    forward:        a backward task: the name of its forward function in the same module (an ad-hoc
                    task may give the reference forward itself). Cases
                    hold the forward's arguments plus ``dout=``; the learner's backward gets the
                    cache made by the learner's own forward (see ``checker.adapters.backward``).
    returns_cache:  a forward task: the function returns ``(out, cache)`` (a tuple or a list); ``out``
                    is compared, the cache only has to be there (it is the learner's own design, and
                    their backward is what checks it).
    adapter:        ``adapter(fn, *args, **kwargs)`` (backward tasks: ``adapter(fn, forward, ...)``)
                    is called instead of ``fn(*args, **kwargs)``: classes, callbacks by name. Only
                    functions of ``checker.adapters``, which the grading worker can import.
    compare_values: False for randomised results: the reference gives the structure (types, keys,
                    shapes) and ``properties`` check the values.
    properties:     ``Property`` list, checked on every case.
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
    forward: str | Callable | None = None
    returns_cache: bool = False
    adapter: Callable | None = None
    compare_values: bool = True
    properties: Sequence[Property] = ()

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

    @property
    def reference_forward(self) -> Callable | None:
        if self.forward is None or callable(self.forward):
            return self.forward  # a callable forward: an ad-hoc task's reference forward
        module = importlib.import_module(f"checker.reference.{self.module}")
        # unguarded: the engine, not the learner, calls it when the learner's forward is missing
        forward = getattr(module, self.forward)
        return getattr(forward, "__wrapped__", forward)

    @property
    def forward_name(self) -> str | None:
        """The name under which the learner's forward is looked up."""
        return getattr(self.forward, "__name__", self.forward)

    @property
    def calling(self) -> Callable | None:
        """The adapter in use: the declared one, or ``adapters.backward`` for a backward task."""
        if self.adapter is not None or self.forward is None:
            return self.adapter
        return adapters.backward

    def argument_names(self) -> list[str]:
        """Names of the positional arguments of a case (keyword ones name themselves)."""
        if self.forward is not None:
            return positional_names(self.reference_forward)
        if self.adapter is not None and not _takes_varargs(self.adapter):
            return positional_names(self.adapter)[1:]
        return positional_names(self.reference)

    def named_arguments(self, case: Case) -> dict:
        return case.named_arguments(self.argument_names())

    def replace(self, case: Case, name: str, value) -> Case:
        return case.replace(self.argument_names(), name, value)

    def forward_arguments(self, case: Case) -> tuple[list, dict]:
        """Fresh copies of a backward task's forward arguments (the case without ``dout``)."""
        return call_path.forward_arguments(*case.copy_args())

    def make_cases(self, seed: int = PRACTICE_SEED) -> list[Case]:
        return list(self.cases(np.random.default_rng(seed)))

    def tolerance(self, output: str) -> tuple[float, float]:
        return self.tolerances.get(output, (self.rtol, self.atol))

    def call(self, fn: Callable, case: Case, forward: Callable | None = None):
        """Run ``fn`` on a fresh copy of the case's arguments; returns (result, args, kwargs).

        A backward task runs ``forward`` (the reference forward when not given) first."""
        args, kwargs = case.copy_args()
        forward = (forward or self.reference_forward) if self.forward is not None else None
        result = call_path.call(fn, args, kwargs, self.calling, forward)
        return self.interpret(result, case), args, kwargs

    def interpret(self, result, case: Case):
        """Turn what the function returned into what is compared: a forward's cache becomes
        ``CACHE``, so that any cache matches any other (a task may also read a dict as a table,
        for instance). Runs in the trusted process only."""
        if self.returns_cache and isinstance(result, (tuple, list)) and len(result) == 2:
            return result[0], CACHE
        return result

    def split_outputs(self, result) -> dict | None:
        """Name the parts of a result by ``outputs``; ``None`` if the structure does not fit."""
        if len(self.outputs) == 1:
            return {self.outputs[0]: result}
        if isinstance(result, (tuple, list)) and len(result) == len(self.outputs):
            return dict(zip(self.outputs, result))
        return None
