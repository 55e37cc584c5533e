"""``check``: run a learner's function on a task's cases and diagnose what differs."""

from __future__ import annotations

import os
import sys
import time

import numpy as np

from checker import diagnoses, registry
from checker.calling import LocalInvoker
from checker.compare import Comparison, Dims, diagnose_scalars, excerpt, is_number, type_words
from checker.findings import Finding
from checker.i18n import Text
from checker.precision import computed_in_float32, largest_difference, rounded_to_float32
from checker.report import Report
from checker.runner import Outcome
from checker.spec import PRACTICE_SEED, Case, Task

_history: list[Report] = []


def session_reports() -> list[Report]:
    """Every report produced in this Python session, oldest first."""
    return list(_history)


def _validate_callable(task_id, fn):
    if callable(fn):
        return
    extra = ""
    if fn is None or isinstance(fn, (np.ndarray, int, float, tuple, list, dict)):
        extra = " It looks like a result: pass the function itself, check(task, my_function), not my_function(...)."
    raise ValueError(f"check({task_id!r}, ...) needs your function, got {type(fn).__name__} instead.{extra}")


_reference_cache: dict = {}


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

    def _run_all(self, cases: list):
        """The learner's results on ``cases`` (one call of the invoker), or None if one of them failed."""
        outcome = self.invoker.outcomes(cases, self.time_limit)
        self.learner_seconds += outcome.seconds
        return None if outcome.error is not None else outcome.result

    def _float32_slack(self, case: Case, expected) -> dict:
        """For each output, how far the reference's result moves when the case's arrays are rounded to
        float32 (``checker.compare.tolerances``)."""
        args, kwargs = rounded_to_float32(case.args), rounded_to_float32(case.kwargs)
        try:
            moved = self.task.split_outputs(self._reference(Case(case.label, *args, **kwargs)))
        except Exception:  # noqa: BLE001 - a case the reference rejects once rounded: no slack
            return {}
        expected = self.task.split_outputs(expected)
        return {name: largest_difference(expected[name], moved[name]) for name in expected} if moved else {}

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
        hint = self.task.hints.get("exception", Text("hint.exception" if detail else "hint.exception.library"))
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
        float32 = computed_in_float32(result)
        slack = self._float32_slack(case, expected) if float32 and self.task.compare_values else None
        comparison = Comparison(self.task, dims, structure_only=not self.task.compare_values, float32=float32, slack=slack)
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
            findings = diagnoses.regularization(self.task, case, got_parts, expected_parts, findings, float32)
            values = Comparison(self.task, dims, values_only=True, float32=float32, slack=slack)
            findings = diagnoses.known_mistakes(self.task, case, got_parts, findings, values)
            findings += diagnoses.gradients(self.task, case, got_parts, float32, self.seed, self._run_all)
            if not any(f.failing for f in findings):
                findings += diagnoses.properties(self.task, case, got_parts, expected_parts, self._run)
        findings += self._mutations(case, args_after, kwargs_after)
        for finding in findings:
            finding.cases = [case.label]
        run.findings += findings
        run.passed = not any(f.failing for f in findings)
        return run

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
            line = Text("not_vectorized.line", line=busiest[1], count=lines_large[busiest]) if busiest else "?"
            return Finding("not_vectorized", Text("not_vectorized", small=n_small, large=n_large, line=line,
                                                  ratio=f"{outcome_large.seconds / reference_seconds:.0f}"),
                           self.task.hints.get("not_vectorized", Text("hint.not_vectorized")), cases=[large.label])
        return None


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
    task = task_id if isinstance(task_id, Task) else registry.resolve(task_id)
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
