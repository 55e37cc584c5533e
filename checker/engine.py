"""``check``: run a learner's function on a task's cases and diagnose what differs."""

from __future__ import annotations

import difflib
import os
import sys
import time
from collections.abc import Mapping

import numpy as np

from checker import registry
from checker.compare import Comparison, Dims, _float, allclose, diagnose_scalars, excerpt, is_number, type_words
from checker.findings import Finding
from checker.i18n import Text, render
from checker.report import Report
from checker.runner import Outcome, count_learner_lines, run_learner
from checker.spec import PRACTICE_SEED, Case, Task

_history: list[Report] = []


def session_reports() -> list[Report]:
    """Every report produced in this Python session, oldest first."""
    return list(_history)


def _resolve_task(task_id) -> Task:
    if not isinstance(task_id, str):
        raise ValueError(f"check() expects a task id such as 'warmup.center' as its first argument, got {task_id!r}")
    try:
        return registry.get(task_id)
    except KeyError:
        pass
    known = registry.task_ids()
    close = difflib.get_close_matches(task_id, known, n=5, cutoff=0.5)
    close += [t for t in known if t.split(".")[-1] == task_id.split(".")[-1] and t not in close]
    suggestion = f" Did you mean: {', '.join(close)}?" if close else ""
    raise KeyError(f"unknown task id {task_id!r}.{suggestion} checker.tasks() lists all {len(known)} tasks.")


def _validate_callable(task_id, fn):
    if callable(fn):
        return
    extra = ""
    if fn is None or isinstance(fn, (np.ndarray, int, float, tuple, list, dict)):
        extra = " It looks like a result: pass the function itself, check(task, my_function), not my_function(...)."
    raise ValueError(f"check({task_id!r}, ...) needs your function, got {type(fn).__name__} instead.{extra}")


_reference_cache: dict = {}

# How a regularization term is usually mis-scaled: 0.5 * reg vs reg, 2 * reg * W vs reg * W, or squared twice.
_REGULARIZATION_FACTORS = (0.5, 2.0, 0.25, 4.0)


def _expected(task: Task, seed: int, cases: list[Case]) -> list:
    if task.reference_function is not None:  # ad-hoc task: nothing to reuse
        return [task.call(task.reference, case)[0] for case in cases]
    key = (task.id, seed)
    if key not in _reference_cache:
        _reference_cache[key] = [task.call(task.reference, case)[0] for case in cases]
    return _reference_cache[key]


def _differs(before, after) -> int:
    """Number of entries of an array argument that the learner changed."""
    if not isinstance(before, np.ndarray) or not isinstance(after, np.ndarray):
        return 0
    if before.shape != after.shape or before.dtype != after.dtype:
        return int(before.size or 1)
    if before.dtype.kind == "f":
        same = np.isclose(after, before, rtol=1e-12, atol=0.0, equal_nan=True)
    else:
        same = after == before
    return int(np.size(same) - np.count_nonzero(same))


class LocalInvoker:
    """Runs the learner's code in this process (the notebook's own kernel).

    The engine runs learner code only through an invoker; the trusted grader supplies
    one that runs it in a sandboxed worker process instead. An invoker offers ``outcome``,
    ``outcomes`` and ``count_lines``, and says in ``forward_replaced`` whether a backward task's
    stub forward gave way to the reference forward."""

    def __init__(self, task: Task, fn, forward=None):
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

    def _probe_forward(self, case: Case, limit):
        """A learner's forward that is still a stub gives way to the reference forward."""
        self._forward_probed = True
        if not self.forward_is_learners:
            return
        args, kwargs = self.task.forward_arguments(case)
        outcome = run_learner(lambda: self.forward(*args, **kwargs), limit)
        if isinstance(outcome.error, NotImplementedError):
            self.forward, self.forward_is_learners = self.task.reference_forward, False
            self.forward_replaced = True

    def _call(self, case: Case):
        return self.task.call(self.fn, case, self.forward)

    def outcome(self, case: Case, limit) -> Outcome:
        if not self._forward_probed:
            self._probe_forward(case, limit)
        return run_learner(lambda: self._call(case), limit)

    def outcomes(self, cases: list, limit) -> Outcome:
        return run_learner(lambda: [self._call(case)[0] for case in cases], limit)

    def count_lines(self, case: Case, limit):
        return count_learner_lines(lambda: self._call(case), limit)


class _CaseRun:
    """Everything the engine learns from one case."""

    def __init__(self, case: Case):
        self.case = case
        self.findings: list[Finding] = []
        self.passed = False
        self.stop = False  # no point running further cases (time-out)


class Checker:
    def __init__(self, task: Task, invoker, seed: int, time_limit: float | None):
        self.task, self.invoker, self.seed = task, invoker, seed
        self.time_limit = task.time_limit if time_limit is None else time_limit
        self.learner_seconds = 0.0

    # -- calling the learner
    def _run(self, case: Case) -> Outcome:
        outcome = self.invoker.outcome(case, self.time_limit)
        self.learner_seconds += outcome.seconds
        return outcome

    def _reference(self, case: Case):
        return self.task.call(self.task.reference, case)[0]

    def _error_finding(self, outcome, case) -> Finding:
        error = outcome.error
        if outcome.timed_out:
            return Finding("timeout", Text("timeout", limit=f"{self.time_limit:g}"), Text("hint.timeout"), cases=[case.label])
        if isinstance(error, NotImplementedError):
            return Finding("not_implemented", Text("not_implemented"), Text("hint.not_implemented"), cases=[case.label])
        message = str(error).strip() or "(no message)"
        detail = "\n".join(outcome.learner_traceback) or None
        hint = self.task.hints.get("exception", Text("hint.exception"))
        return Finding("exception", Text("exception", type=type(error).__name__, message=message), hint,
                       cases=[case.label], detail=detail)

    # -- one case
    def run_case(self, case: Case, expected, scalar_pairs: dict) -> _CaseRun:
        run = _CaseRun(case)
        outcome = self._run(case)
        if outcome.printed_lines > 20 or len(outcome.printed_text) >= 2000:
            first = outcome.printed_text.strip().splitlines()[:3]
            run.findings.append(Finding("printed_output", Text("printed_output", lines=outcome.printed_lines),
                                        cases=[case.label], detail="\n".join(first)))
        if outcome.reference_calls:
            run.findings.append(Finding("uses_reference", Text("uses_reference", name=outcome.reference_calls[0]),
                                        Text("hint.uses_reference"), cases=[case.label]))
            return run
        if outcome.error is not None:
            run.findings.append(self._error_finding(outcome, case))
            run.stop = outcome.timed_out
            return run
        result, args_after, kwargs_after = outcome.result
        if result is None and expected is not None:
            run.findings.append(Finding("returned_none", Text("returned_none"), Text("hint.returned_none"), cases=[case.label]))
            return run

        dims = Dims(self.task.named_arguments(case))
        comparison = Comparison(self.task, dims, structure_only=not self.task.compare_values)
        got_parts = self.task.split_outputs(result)
        expected_parts = self.task.split_outputs(expected)
        findings: list[Finding] = []
        if got_parts is None:
            findings.append(Finding("wrong_type", Text("wrong_type.sequence", name=Text("word.return_value"),
                                                       n=len(self.task.outputs), got=type_words(result)),
                                    Text("hint.wrong_type.outputs", names=", ".join(self.task.outputs)),
                                    expected=excerpt(expected), got=excerpt(result)))
        else:
            for name, e in expected_parts.items():
                found = comparison.compare(name, e, got_parts[name])
                findings += found
                if self.task.compare_values and is_number(e) and is_number(got_parts[name]):
                    scalar_pairs.setdefault(name, []).append((e, got_parts[name], dims, not found, case.label))
            findings = self._regularization(case, got_parts, expected_parts, findings)
            findings = self._known_mistakes(case, got_parts, findings, dims)
            findings += self._gradients(case, got_parts)
            if not any(f.failing for f in findings):
                findings += self._properties(case, got_parts, expected_parts)
        findings += self._mutations(case, args_after, kwargs_after)
        for finding in findings:
            finding.cases = [case.label]
        run.findings += findings
        run.passed = not any(f.failing for f in findings)
        return run

    # -- task-declared diagnoses
    def _regularization(self, case, got_parts, expected_parts, findings):
        arg = self.task.regularization
        failing = {f.output for f in findings if f.code in ("mismatch", "scale", "offset", "sign")}
        failing = {name for name in failing if name in got_parts and _numeric(expected_parts[name])}
        if not arg or not failing:
            return findings
        strength = _pick(self.task.named_arguments(case), arg)  # "init.reg": key reg of the argument init
        if not strength:
            return findings
        without = self.task.split_outputs(self._reference(self.task.replace(case, arg, 0.0)))
        replaced = {}
        for name in failing:
            e, g, e0 = (np.asarray(_float(np.asarray(v))) for v in (expected_parts[name], got_parts[name], without[name]))
            if g.shape != e.shape:
                continue
            rtol, atol = self.task.tolerance(name)
            if allclose(e0, g, rtol, atol):
                replaced[name] = Finding("missing_regularization", Text("missing_regularization", name=name, arg=arg),
                                         self.task.hints.get("missing_regularization", Text("hint.missing_regularization")), output=name)
                continue
            term, got_term = e - e0, g - e0
            denominator = float(np.sum(term * term))
            if denominator > 0:
                factor = float(np.sum(got_term * term)) / denominator
                # one number can always be fitted with some factor: for a scalar only the factors
                # that real mistakes produce (a lost or extra 2, a squared 1/2) count as evidence
                plausible = term.size > 1 or any(np.isclose(factor, f, rtol=1e-6) for f in _REGULARIZATION_FACTORS)
                if plausible and abs(factor - 1) > 1e-6 and allclose(e0 + factor * term, g, rtol, atol):
                    replaced[name] = Finding("regularization_scale", Text("regularization_scale", name=name, factor=f"{factor:.6g}"),
                                             self.task.hints.get("regularization_scale", Text("hint.regularization_scale")), output=name)
        return [replaced.get(f.output, f) if f.output in replaced else f for f in findings]

    def _known_mistakes(self, case, got_parts, findings, dims):
        failing = [f for f in findings if f.code in _VALUE_CODES]
        if not self.task.mistakes or not failing:
            return findings
        comparison = Comparison(self.task, dims, values_only=True)
        names = sorted({_top_level(f.output) for f in failing})
        for mistake in self.task.mistakes:
            try:
                wrong = self.task.split_outputs(self.task.call(mistake.implementation, case)[0])
            except Exception:
                continue
            # the learner's outputs equal the mistake's, by the same comparison as against the reference
            if wrong and all(not comparison.compare(n, wrong[n], got_parts[n]) for n in names):
                keep = [f for f in findings if f not in failing]
                return keep + [Finding("known_mistake", Text("known_mistake", name=", ".join(names), mistake=mistake.name),
                                       mistake.hint, output=names[0])]
        return findings

    def _gradients(self, case, got_parts) -> list[Finding]:
        found = []
        for spec in self.task.gradients:
            x = _pick(self.task.named_arguments(case), spec.wrt)
            analytic = _pick(got_parts, spec.grad)
            if not (isinstance(x, np.ndarray) and isinstance(analytic, np.ndarray) and analytic.shape == x.shape):
                continue
            if not is_number(_pick(got_parts, spec.loss)):
                continue
            rng = np.random.default_rng(self.seed)
            count = min(spec.max_entries, x.size)
            picks = [np.unravel_index(i, x.shape) for i in rng.choice(x.size, size=count, replace=False)]
            # a float32 loss needs a larger step, and its numerical gradient is good to fewer digits
            eps = _resolution(_pick(got_parts, spec.loss), analytic)
            h = 1e-5 if eps <= np.finfo(np.float64).eps else float(np.cbrt(eps))
            tolerance = max(spec.tolerance, 1e4 * eps)
            trials = []
            for index in picks:
                for step in (h, -h):
                    moved = x.astype(np.float64).copy()
                    moved[index] += step
                    trials.append(self.task.replace(case, spec.wrt, moved))
            outcome = self.invoker.outcomes(trials, self.time_limit)
            self.learner_seconds += outcome.seconds
            if outcome.error is not None:
                continue
            try:
                losses = [float(_pick(self.task.split_outputs(r), spec.loss)) for r in outcome.result]
            except (TypeError, ValueError):
                continue
            numeric = [(plus - minus) / (2 * h) for plus, minus in zip(losses[0::2], losses[1::2])]
            losses = [1.0] + [abs(v) for v in losses]
            a = np.array([float(analytic[index]) for index in picks])
            n = np.array(numeric)
            denominator = np.linalg.norm(a) + np.linalg.norm(n)
            # differences within the rounding noise of the centred differences are zero (a zero gradient
            # has a numerical gradient of a few ulp, and their relative error would be 1)
            noise = 10 * eps * max(losses) / h * np.sqrt(a.size)
            difference = float(np.linalg.norm(a - n))
            error = 0.0 if denominator == 0 or difference <= noise else difference / float(denominator)
            if error > tolerance:
                found.append(Finding("gradient", Text("gradient", grad=spec.grad, loss=spec.loss, wrt=spec.wrt,
                                                      error=f"{error:.2e}", tol=f"{tolerance:.0e}"),
                                     self.task.hints.get("gradient", Text("hint.gradient")), output=spec.grad))
        return found

    def _properties(self, case, got_parts, expected_parts) -> list[Finding]:
        found = []

        def call(**changes):
            trial = case
            for name, value in changes.items():
                trial = self.task.replace(trial, name, value)
            outcome = self._run(trial)
            if outcome.error is not None:
                raise outcome.error
            parts = self.task.split_outputs(outcome.result[0])
            if parts is None:
                raise TypeError(f"the result has {type_words(outcome.result[0])}, not {len(self.task.outputs)} values")
            return parts

        for prop in self.task.properties:
            try:
                message = prop.test(got_parts, expected_parts, case, call)
            except BaseException as error:  # the learner's code, run again by the property, failed
                if isinstance(error, KeyboardInterrupt):
                    raise
                message = Text("property.error", type=type(error).__name__, message=str(error).strip() or "-")
            if message is not None:
                found.append(Finding("property", Text("property", name=prop.name, message=message),
                                     prop.hint or self.task.hints.get("property", Text("hint.property")),
                                     output=str(render(prop.name, "en"))))
        return found

    def _mutations(self, case, args_after, kwargs_after) -> list[Finding]:
        found = []
        names = self.task.argument_names()
        before = case.named_arguments(names)
        after = Case(case.label, *args_after, **kwargs_after).named_arguments(names)
        for name, original in before.items():
            if name in self.task.in_out:
                continue
            changed = _differs(original, after.get(name))
            if changed:
                found.append(Finding("mutates_input", Text("mutates_input", arg=name, count=changed),
                                     self.task.hints.get("mutates_input", Text("hint.mutates_input")), output=name))
        return found

    # -- loops
    def loop_check(self) -> Finding | None:
        small, large = self.task.loop_free(np.random.default_rng(self.seed))
        counts = []
        for case in (small, large):
            lines, outcome = self.invoker.count_lines(case, self.time_limit)
            self.learner_seconds += outcome.seconds
            if outcome.error is not None and not outcome.timed_out:
                return None
            counts.append((sum(v for k, v in lines.items() if len(k) == 2), lines, outcome))
        (n_small, _, _), (n_large, lines_large, outcome_large) = counts
        if outcome_large.timed_out or (n_large >= 1.5 * n_small and n_large - n_small >= 20):
            start = time.perf_counter()
            self._reference(large)
            reference_seconds = max(time.perf_counter() - start, 1e-6)
            busiest = max((k for k in lines_large if len(k) == 2), key=lambda k: lines_large[k], default=None)
            line = f"line {busiest[1]} ({lines_large[busiest]}x)" if busiest else "?"
            return Finding("not_vectorized", Text("not_vectorized", small=n_small, large=n_large, line=line,
                                                  ratio=f"{outcome_large.seconds / reference_seconds:.0f}"),
                           self.task.hints.get("not_vectorized", Text("hint.not_vectorized")), cases=[large.label])
        return None


# findings that say how the values differ (a known mistake may explain them better)
_VALUE_CODES = ("mismatch", "scale", "offset", "sign", "transposed", "dtype")


def _top_level(output: str) -> str:
    """``"grads['dw']"`` belongs to the output ``"grads"``."""
    return output.split("[", 1)[0]


def _numeric(value) -> bool:
    return is_number(value) or (isinstance(value, np.ndarray) and value.dtype.kind in "biuf")


def _pick(parts: dict, path: str):
    """The output named ``path``; ``"grads.dw"`` is key ``"dw"`` of the output ``grads``."""
    value = parts
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def _resolution(*values) -> float:
    """Machine epsilon of the least precise floating-point value among ``values`` (float64 for the rest)."""
    eps = float(np.finfo(np.float64).eps)
    for value in values:
        dtype = getattr(value, "dtype", None)
        if dtype is not None and dtype.kind == "f":
            eps = max(eps, float(np.finfo(dtype).eps))
    return eps


def _merge(findings: list[Finding]) -> list[Finding]:
    merged: dict = {}
    for finding in findings:
        key = finding.key()
        if key in merged:
            for label in finding.cases:
                if label not in merged[key].cases:
                    merged[key].cases.append(label)
        else:
            merged[key] = finding
    return list(merged.values())


def check(task_id: str, fn, *, seed: int | None = None, time_limit: float | None = None, forward=None) -> Report:
    """Check the learner's ``fn`` against task ``task_id``; returns a ``Report``.

    Never raises because ``fn`` is wrong: exceptions, ``None``, wrong types and
    time-outs become findings. Raises ``KeyError`` for an unknown task id and
    ``ValueError`` when ``fn`` is not callable.

    A backward task (``nn.affine_backward``) builds its caches with the learner's own
    forward: ``forward=`` if given, else the function of the forward's name next to
    ``fn`` (its module's globals, i.e. the notebook), else the reference forward.
    """
    task = task_id if isinstance(task_id, Task) else _resolve_task(task_id)
    _validate_callable(task.id, fn)
    if forward is not None:
        if task.forward is None:
            raise ValueError(f"{task.id} is not a backward task: it takes no forward= function")
        _validate_callable(task.id, forward)
    return run_check(task, fn, seed=seed, time_limit=time_limit, forward=forward)


def run_check(task: Task, fn, *, seed: int | None = None, time_limit: float | None = None, forward=None,
              invoker=None) -> Report:
    """``check`` for a ``Task`` object (ad-hoc tasks and the grader, which passes its own ``invoker``)."""
    started = time.perf_counter()
    seed = PRACTICE_SEED if seed is None else int(seed)
    cases = task.make_cases(seed)
    expected = _expected(task, seed, cases)
    invoker = invoker or LocalInvoker(task, fn, forward)
    checker = Checker(task, invoker, seed, time_limit)
    findings: list[Finding] = []
    passed = 0
    scalar_pairs: dict = {}
    stopped = False
    for case, want in zip(cases, expected):
        if stopped:
            break
        run = checker.run_case(case, want, scalar_pairs)
        findings += run.findings
        passed += run.passed
        stopped = run.stop
    for name, pairs in scalar_pairs.items():
        across = diagnose_scalars(name, pairs, task.hints)
        if across is not None:
            findings = [f for f in findings if not (f.output == name and f.code == "mismatch")] + [across]
    if task.loop_free is not None and not stopped and not any(
        f.code in ("not_implemented", "exception", "timeout", "returned_none") for f in findings
    ):
        loops = checker.loop_check()
        if loops is not None:
            findings.append(loops)
    # a note about the forward is noise while the backward itself is still a stub
    if invoker.forward_replaced and not any(f.code == "not_implemented" for f in findings):
        findings.append(Finding("note", Text("note.reference_forward", forward=task.forward_name)))
    findings = _merge(findings)
    any_failing = any(f.failing for f in findings)
    if passed == len(cases) and not any_failing:
        findings.insert(0, Finding("ok", Text("ok", total=len(cases))))
    score = passed / len(cases) if cases else 0.0
    if any(f.code == "not_vectorized" for f in findings):
        score = min(score, 0.5)
    report = Report(task, passed=not any_failing and passed == len(cases), score=score, findings=findings,
                    cases_passed=passed, cases_total=len(cases),
                    seconds=time.perf_counter() - started, learner_seconds=checker.learner_seconds)
    _history.append(report)
    if not report.passed and os.environ.get("NBGRADER_EXECUTION"):
        # nbgrader gives no points to a test cell that writes to stderr
        print(report.text(), file=sys.stderr)
    return report


def tasks() -> list[str]:
    """Every task id, in course order."""
    return registry.task_ids()


__all__ = ["check", "tasks", "session_reports"]
