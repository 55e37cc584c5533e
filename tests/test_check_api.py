"""The public contract of ``check``: task ids, argument errors, and a Report whatever the learner's code does."""

import importlib
import signal
import sys

import numpy as np
import pytest

import checker
import checker.i18n
import checker.reference
from checker import Report, check, set_language, tasks
from checker.engine import run_check
from checker.spec import Case, Task

WARMUP = ["warmup.center", "warmup.normalize_rows", "warmup.one_hot", "warmup.squared_distances", "warmup.mse_loss"]


def center(X):
    return X - X.mean(axis=0)


def own_reference(task_id):
    """The reference behind a task id, unwrapped from the guard that reports learners calling it."""
    module, function = task_id.split(".", 1)
    fn = getattr(importlib.import_module(f"checker.reference.{module}"), function)
    return getattr(fn, "__wrapped__", fn)


# =========================================================================== task ids
def test_tasks_lists_the_warmup_first_in_course_order():
    ids = tasks()
    assert ids[: len(WARMUP)] == WARMUP, f"expected the warm-up tasks first, in order {WARMUP}, got {ids[:len(WARMUP)]}"
    assert [t for t in ids if t.startswith("warmup.")] == WARMUP
    assert len(ids) == len(set(ids)), f"duplicate task ids: {sorted(t for t in ids if ids.count(t) > 1)}"


@pytest.mark.parametrize("task_id", tasks())
def test_every_task_id_resolves_to_its_reference(task_id):
    module, function = task_id.split(".", 1)
    reference_module = getattr(checker.reference, module)
    assert reference_module.__name__ == f"checker.reference.{module}"
    fn = getattr(reference_module, function, None)
    assert callable(fn), f"expected checker.reference.{module}.{function} for task {task_id!r}, found {fn!r}"
    assert checker.registry.get(task_id).reference is fn


@pytest.mark.parametrize("task_id", tasks())
def test_reference_passes_its_own_check(task_id):
    report = check(task_id, own_reference(task_id))
    assert report.passed is True and report.codes == ["ok"], f"the reference fails its own task:\n{report.text()}"
    assert report.score == 1.0


def test_unknown_reference_module_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no module 'no_such_topic'"):
        checker.reference.no_such_topic  # noqa: B018


# =========================================================================== argument errors
def test_misspelt_task_id_suggests_the_right_one():
    with pytest.raises(KeyError) as raised:
        check("warmup.centre", center)
    message = str(raised.value)
    assert "warmup.centre" in message and "warmup.center" in message, f"expected a suggestion, got {message}"
    assert "checker.tasks()" in message


def test_task_id_without_module_suggests_the_full_id():
    with pytest.raises(KeyError) as raised:
        check("center", center)
    assert "Did you mean" in str(raised.value) and "warmup.center" in str(raised.value), str(raised.value)


def test_task_id_must_be_a_string():
    with pytest.raises(ValueError, match="task id"):
        check(center, "warmup.center")


def test_a_number_instead_of_a_function_is_refused():
    with pytest.raises(ValueError) as raised:
        check("warmup.center", 3)
    message = str(raised.value)
    assert "needs your function" in message and "int" in message, message


def test_a_result_instead_of_the_function_is_refused_with_the_fix():
    X = np.arange(6.0).reshape(3, 2)
    with pytest.raises(ValueError) as raised:
        check("warmup.center", center(X))
    message = str(raised.value)
    assert "ndarray" in message and "pass the function itself" in message, message


def test_none_instead_of_a_function_is_refused():
    with pytest.raises(ValueError, match="pass the function itself"):
        check("warmup.center", None)


# =========================================================================== whatever the learner does, a Report
def _tuple_of_three(pred, target):
    diff = pred - target
    return np.mean(diff * diff), 2 * diff / diff.size, "extra"


def _nan_everywhere(pred, target):
    return np.nan, np.full(pred.shape, np.nan)


def _list_result(X):
    return (X - X.mean(axis=0)).tolist()


def _string_result(X):
    return "centered"


def _dict_result(X):
    return {"X_centered": X - X.mean(axis=0)}


def _object_array(X):
    return np.array([object()] * X.size, dtype=object).reshape(X.shape)


def _complex_result(X):
    return (X - X.mean(axis=0)) + 0j


def _generator(X):
    yield X - X.mean(axis=0)


def _scalar_result(X):
    return float(np.mean(X))


def _sys_exit(X):
    sys.exit()


def _system_exit_code(X):
    raise SystemExit(3)


def _zero_division(X):
    return 1 / 0


def _index_error(X):
    return X[X.shape[0]]


def _wrong_arguments():
    return None


def _custom_base_exception(X):
    class Stop(BaseException):
        pass

    raise Stop("stopped")


def _assertion(X):
    assert X.shape == (0,), "my own assertion"


def _swallows_everything(X):
    while True:
        try:
            sum(range(1000))
        except Exception:
            pass


def _sleeps(X):
    import time

    time.sleep(30)


MISBEHAVING = [
    ("warmup.mse_loss", _tuple_of_three, "wrong_type"),
    ("warmup.mse_loss", _nan_everywhere, "non_finite"),
    ("warmup.center", _list_result, "wrong_type"),
    ("warmup.center", _string_result, "wrong_type"),
    ("warmup.center", _dict_result, "wrong_type"),
    ("warmup.center", _object_array, "wrong_type"),
    ("warmup.center", _complex_result, "wrong_type"),
    ("warmup.center", _generator, "wrong_type"),
    ("warmup.center", _scalar_result, "shape"),
    ("warmup.center", _sys_exit, "exception"),
    ("warmup.center", _system_exit_code, "exception"),
    ("warmup.center", _zero_division, "exception"),
    ("warmup.center", _index_error, "exception"),
    ("warmup.center", _wrong_arguments, "exception"),
    ("warmup.center", _custom_base_exception, "exception"),
    ("warmup.center", _assertion, "exception"),
    ("warmup.center", _swallows_everything, "timeout"),
    ("warmup.center", _sleeps, "timeout"),
]


@pytest.mark.parametrize("task_id, fn, code", [pytest.param(*row, id=row[1].__name__.strip("_")) for row in MISBEHAVING])
def test_misbehaving_learner_code_gets_a_report(task_id, fn, code):
    report = check(task_id, fn, time_limit=0.2)
    assert isinstance(report, Report), f"expected a Report, got {type(report).__name__}"
    assert code in report.codes, f"expected {code!r}, got {report.codes}:\n{report.text()}"
    assert report.passed is False and 0.0 <= report.score < 1.0, (report.passed, report.score)
    assert report.text() and report.html(), "the report must render"


def test_sys_exit_does_not_end_the_process():
    report = check("warmup.center", _system_exit_code)
    exception = next(f for f in report.findings if f.code == "exception")
    assert "SystemExit" in exception.message and "3" in exception.message, exception.message
    # still running: this line is reached, and the next check works
    assert check("warmup.center", center).passed is True


def test_keyboard_interrupt_is_not_swallowed():
    def interrupted(X):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        check("warmup.center", interrupted)


def test_float32_array_passes():
    report = check("warmup.center", lambda X: (X - X.mean(axis=0)).astype(np.float32))
    assert report.passed is True, report.text()


def test_printing_to_stdout_and_stderr_is_captured(capsys):
    def noisy(X):
        print("to stdout " * 100)
        print("to stderr " * 100, file=sys.stderr)
        return X - X.mean(axis=0)

    report = check("warmup.center", noisy)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == "", f"the learner's prints leaked: {captured.out[:80]!r} {captured.err[:80]!r}"
    assert report.passed is True and "printed_output" in report.codes, report.codes


def test_time_limit_puts_back_an_alarm_that_was_already_set():
    fired = []

    def outer_handler(signum, frame):
        fired.append(signum)

    previous = signal.signal(signal.SIGALRM, outer_handler)
    outer = signal.setitimer(signal.ITIMER_REAL, 30.0)
    try:
        check("warmup.center", center)
        check("warmup.center", _swallows_everything, time_limit=0.1)
        remaining = signal.getitimer(signal.ITIMER_REAL)[0]
        handler = signal.getsignal(signal.SIGALRM)
    finally:
        signal.setitimer(signal.ITIMER_REAL, *outer)
        signal.signal(signal.SIGALRM, previous)
    assert 25.0 < remaining <= 30.0, f"expected the outer alarm still set with about 30 s left, got {remaining:.3f} s"
    assert handler is outer_handler, f"expected the outer alarm's handler back, got {handler!r}"
    assert not fired, "the outer alarm must not fire early"


# =========================================================================== reports
def test_score_is_a_fraction_of_cases():
    def wrong_on_one_label(y, num_classes):
        Y = np.eye(num_classes)[y]
        return Y if y.shape[0] > 1 else Y * 2

    report = check("warmup.one_hot", wrong_on_one_label)
    assert 0.0 <= report.score <= 1.0
    assert report.score == pytest.approx(3 / 4), f"one of four cases is wrong, got score {report.score}"
    assert (report.cases_passed, report.cases_total) == (3, 4)


def test_finding_message_follows_the_language():
    report = check("warmup.center", lambda X: X - X.mean())
    finding = report.findings[0]
    english = finding.message
    set_language("zh")
    chinese = finding.message
    set_language("en")
    assert english != chinese, "the message should change with the language"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese), f"expected Chinese, got {chinese!r}"
    assert finding.message == english
    assert finding.hint and finding.hint != checker.i18n.render(finding.hint_text, "zh")


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="zh"):
        set_language("fr")


def test_check_hands_each_call_fresh_copies():
    X = np.arange(12.0).reshape(4, 3)
    original = X.copy()
    seen = []

    def centers_in_place(A):
        seen.append(A)
        A -= A.mean(axis=0)
        return A

    task = Task("adhoc.center", cases=lambda rng: [Case("4 x 3", X), Case("the same array again", X)],
                reference_function=center)
    first = run_check(task, centers_in_place)
    second = run_check(task, centers_in_place)
    np.testing.assert_array_equal(X, original, err_msg="the case's array was changed by the learner's call")
    assert all(a is not X for a in seen), "the learner was handed the case's own array"
    assert len({id(a) for a in seen}) == len(seen), "every call should get its own copy"
    assert first.codes == second.codes == ["mutates_input"], (first.codes, second.codes)
    assert first.cases_passed == second.cases_passed == 0


def test_seed_changes_the_cases_not_the_verdict():
    first = check("warmup.center", center, seed=1)
    second = check("warmup.center", center, seed=2)
    assert first.passed and second.passed, (first.codes, second.codes)
    wrong = check("warmup.center", lambda X: X - X.mean(), seed=3)
    assert wrong.passed is False


def test_session_reports_keep_every_report():
    from checker.engine import session_reports

    before = len(session_reports())
    report = check("warmup.center", center)
    reports = session_reports()
    assert len(reports) == before + 1 and reports[-1] is report


def test_under_nbgrader_a_failing_check_writes_to_stderr_so_the_test_cell_earns_no_points(monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    check("warmup.center", lambda X: X - X.mean())
    failing = capsys.readouterr()
    assert "[FAIL] warmup.center" in failing.err and "offset" in failing.err, failing.err
    check("warmup.center", lambda X: X - X.mean(axis=0))
    assert capsys.readouterr().err == "", "a passing check must leave stderr empty (nbgrader would give 0 points)"
    monkeypatch.delenv("NBGRADER_EXECUTION")
    check("warmup.center", lambda X: X - X.mean())
    assert capsys.readouterr().err == "", "outside nbgrader a failing check prints nothing to stderr"
