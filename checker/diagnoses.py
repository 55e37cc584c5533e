"""The diagnoses a task declares: regularization, known mistakes, gradients against the learner's own
loss, properties of randomised results.

Each runs on one case after the values were compared, and returns the case's findings with the
causes it can name put in place of the generic ones (``mismatch``, ``scale``, ``offset``...).
``float32`` says that the learner computed in float32 (``checker.compare.computed_in_float32``): its
round-off is judged at float32's precision, never as a mistake.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from checker.compare import allclose, is_number, type_words
from checker.precision import _float
from checker.findings import Finding
from checker.i18n import Text, render

# findings that say how the values differ (a known mistake may explain them better)
VALUE_CODES = ("mismatch", "scale", "offset", "sign", "transposed", "dtype")
# How a regularization term is usually mis-scaled: 0.5 * reg vs reg, 2 * reg * W vs reg * W, or squared twice.
_REGULARIZATION_FACTORS = (0.5, 2.0, 0.25, 4.0)
_EPS = {False: float(np.finfo(np.float64).eps), True: float(np.finfo(np.float32).eps)}


def pick(parts, path: str):
    """The output named ``path``; ``"grads.dw"`` is key ``"dw"`` of the output ``grads``."""
    value = parts
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def regularization(task, case, got_parts, expected_parts, findings, float32):
    """A failing output explained by a missing or mis-scaled regularization term: the reference run
    with strength 0 (``missing_regularization``), or the term times a factor (``regularization_scale``)."""
    failing = {f.output for f in findings if f.code in ("mismatch", "scale", "offset", "sign")}
    failing = {name for name in failing if name in got_parts and _numeric(expected_parts[name])}
    strength = pick(task.named_arguments(case), task.regularization) if task.regularization and failing else None
    if not strength:
        return findings
    without = task.split_outputs(task.call(task.reference, task.replace(case, task.regularization, 0.0))[0])
    hint = lambda code: task.hints.get(code, Text(f"hint.{code}"))  # noqa: E731
    replaced = {}
    for name in failing:
        e, g, e0 = (np.asarray(_float(np.asarray(v))) for v in (expected_parts[name], got_parts[name], without[name]))
        if g.shape != e.shape:
            continue
        rtol, atol = task.tolerance(name)
        if allclose(e0, g, rtol, atol, float32):
            replaced[name] = Finding("missing_regularization", Text("missing_regularization", name=name, arg=task.regularization),
                                     hint("missing_regularization"), output=name)
            continue
        term, got_term = e - e0, g - e0
        denominator = float(np.sum(term * term))
        if denominator > 0:
            factor = float(np.sum(got_term * term)) / denominator
            # one number can always be fitted with some factor: for a scalar only the factors
            # that real mistakes produce (a lost or extra 2, a squared 1/2) count as evidence
            plausible = term.size > 1 or any(np.isclose(factor, f, rtol=1e-6) for f in _REGULARIZATION_FACTORS)
            if plausible and abs(factor - 1) > 1e-6 and allclose(e0 + factor * term, g, rtol, atol, float32):
                replaced[name] = Finding("regularization_scale", Text("regularization_scale", name=name, factor=f"{factor:.6g}"),
                                         hint("regularization_scale"), output=name)
    return [replaced.get(f.output, f) for f in findings]


def known_mistakes(task, case, got_parts, findings, comparison):
    """Failing values that equal what a declared ``KnownMistake`` returns (by ``comparison``, values
    only) become one ``known_mistake``."""
    failing = [f for f in findings if f.code in VALUE_CODES]
    if not task.mistakes or not failing:
        return findings
    names = sorted({f.output.split("[", 1)[0] for f in failing})  # grads['dw'] belongs to grads
    for mistake in task.mistakes:
        try:
            wrong = task.split_outputs(task.call(mistake.implementation, case)[0])
        except Exception:
            continue
        # the learner's outputs equal the mistake's, by the same comparison as against the reference
        if wrong and all(not comparison.compare(n, wrong[n], got_parts[n]) for n in names):
            keep = [f for f in findings if f not in failing]
            return keep + [Finding("known_mistake", Text("known_mistake", name=", ".join(names), mistake=mistake.name),
                                   mistake.hint, output=names[0])]
    return findings


def gradients(task, case, got_parts, float32, seed, run_all) -> list[Finding]:
    """Each declared ``Gradient`` against centred differences of the learner's own loss.

    ``run_all(cases)`` runs the learner on a list of cases and returns their results, or None when
    that failed. A float32 loss is good to about 7 digits, so its differences take a step near
    eps^(1/3) and are taken again at half that step: the spread of the two is the differences' own
    uncertainty (round-off, a kink within the step), and only a gap well beyond it is a finding."""
    found = []
    for spec in task.gradients:
        x, analytic, loss = pick(task.named_arguments(case), spec.wrt), pick(got_parts, spec.grad), pick(got_parts, spec.loss)
        if not (isinstance(x, np.ndarray) and isinstance(analytic, np.ndarray) and analytic.shape == x.shape):
            continue
        if not is_number(loss):
            continue
        low = float32 or any(getattr(v, "dtype", np.dtype(float)).itemsize < 8 for v in (loss, analytic))
        eps = _EPS[bool(low)]
        steps = (float(np.cbrt(eps)), float(np.cbrt(eps)) / 2) if low else (1e-5,)
        rng = np.random.default_rng(seed)
        picks = [np.unravel_index(i, x.shape) for i in rng.choice(x.size, size=min(spec.max_entries, x.size), replace=False)]
        trials = []
        for h in steps:
            for index in picks:
                for step in (h, -h):
                    moved = x.astype(np.float64).copy()
                    moved[index] += step
                    trials.append(task.replace(case, spec.wrt, moved))
        results = run_all(trials)
        if results is None:
            continue
        try:
            losses = np.array([float(pick(task.split_outputs(r), spec.loss)) for r in results]).reshape(len(steps), -1, 2)
        except (TypeError, ValueError):
            continue
        numeric = (losses[:, :, 0] - losses[:, :, 1]) / (2 * np.array(steps)[:, None])
        a = np.array([float(analytic[index]) for index in picks])
        # differences within the rounding noise of the centred differences are zero (a zero gradient
        # has a numerical gradient of a few ulp, and their relative error would be 1)
        noise = 10 * eps * max(1.0, float(np.abs(losses).max())) / steps[0] * np.sqrt(a.size)
        spread = float(np.linalg.norm(numeric[0] - numeric[-1]))
        difference = float(np.linalg.norm(a - numeric[0]))
        denominator = float(np.linalg.norm(a) + np.linalg.norm(numeric[0]))
        tolerance = max(spec.tolerance, 1e4 * eps)
        if difference <= noise + 4 * spread or denominator == 0 or difference / denominator <= tolerance:
            continue
        found.append(Finding("gradient", Text("gradient", grad=spec.grad, loss=spec.loss, wrt=spec.wrt,
                                              error=f"{difference / denominator:.2e}", tol=f"{tolerance:.0e}"),
                             task.hints.get("gradient", Text("hint.gradient")), output=spec.grad))
    return found


def properties(task, case, got_parts, expected_parts, run) -> list[Finding]:
    """Each declared ``Property`` of the learner's outputs; ``run(case)`` runs the learner again."""
    found = []

    def call(**changes):
        trial = case
        for name, value in changes.items():
            trial = task.replace(trial, name, value)
        outcome = run(trial)
        if outcome.error is not None:
            raise outcome.error
        parts = task.split_outputs(outcome.result[0])
        if parts is None:
            raise TypeError(f"the result has {type_words(outcome.result[0])}, not {len(task.outputs)} values")
        return parts

    for prop in task.properties:
        try:
            message = prop.test(got_parts, expected_parts, case, call)
        except BaseException as error:  # the learner's code, run again by the property, failed
            if isinstance(error, KeyboardInterrupt):
                raise
            message = Text("property.error", type=type(error).__name__, message=str(error).strip() or "-")
        if message is not None:
            found.append(Finding("property", Text("property", name=prop.name, message=message),
                                 prop.hint or task.hints.get("property", Text("hint.property")),
                                 output=str(render(prop.name, "en"))))
    return found


def _numeric(value) -> bool:
    return is_number(value) or (isinstance(value, np.ndarray) and value.dtype.kind in "biuf")
