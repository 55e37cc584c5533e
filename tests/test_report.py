"""Reports as text and HTML, in English and Chinese, and the message catalogue behind them."""

import ast
import re
import string
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import checker
import checker.i18n
from checker import check, set_language
from checker.findings import CODES, describe
from checker.i18n import Text, get_language
from checker.messages import MESSAGES

CHECKER_SOURCE = Path(checker.__file__).resolve().parent
CJK = re.compile(r"[\u4e00-\u9fff]")


def center(X):
    return X - X.mean(axis=0)


def squared_distances_sqrt(A, B):
    return np.sqrt(np.sum((A[:, None, :] - B[None, :, :]) ** 2, axis=2))


def center_global_mean(X):
    return X - X.mean()


def center_raises_markup(X):
    raise ValueError("<script>alert('x')</script> & <b>bold</b>")


@pytest.fixture
def passing():
    return check("warmup.center", center)


@pytest.fixture
def mismatch():
    return check("warmup.squared_distances", squared_distances_sqrt)


@pytest.fixture
def offset():
    return check("warmup.center", center_global_mean)


class Markup(HTMLParser):
    """Collects tags and text, and notes every end tag that does not close the innermost open tag."""

    VOID = {"br", "hr", "img", "input", "meta", "wbr"}

    def __init__(self, source):
        super().__init__(convert_charrefs=True)
        self.open, self.problems, self.tags, self.texts = [], [], [], []
        self.feed(source)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> while {self.open[-1:] or 'nothing'} is open")
        else:
            self.open.pop()

    def handle_data(self, data):
        self.texts.append(data)

    @property
    def text(self):
        return "".join(self.texts)


def well_formed(source) -> Markup:
    markup = Markup(source)
    assert not markup.problems, f"unbalanced HTML: {markup.problems}"
    assert not markup.open, f"tags left open: {markup.open}"
    assert markup.tags and markup.tags[0][0] == "div", f"expected one enclosing div, got {markup.tags[:1]}"
    starts = sum(1 for tag, _ in markup.tags if tag == "div")
    assert source.count("</div>") == starts, f"{starts} <div> against {source.count('</div>')} </div>"
    return markup


# =========================================================================== text
def test_text_of_a_pass(passing):
    text = str(passing)
    assert text.splitlines()[0] == "[PASS] warmup.center: passed (4/4 cases)", text
    assert "[ok]" not in text and " - [" not in text, f"a plain pass lists no findings:\n{text}"
    assert repr(passing) == text


def test_text_of_a_failure_shows_code_case_excerpts_and_first_index(mismatch):
    text = str(mismatch)
    lines = text.splitlines()
    assert lines[0] == "[FAIL] warmup.squared_distances: not yet (0/4 cases pass, score 0.00)", lines[0]
    assert lines[1].startswith("  - [mismatch] dists differs in 15 of 15 entries"), lines[1]
    assert "    Case: 3 points against 5 points in 4-D" in lines, text
    assert any(line.startswith("    Also in: one point against 6 points") for line in lines), text
    assert "    First difference at index: [0, 0]" in lines, text
    expected = next(line for line in lines if line.startswith("    Expected: "))
    got = next(line for line in lines if line.startswith("    Got: "))
    assert "618." in expected and "24.8596" in got, (expected, got)


def test_text_shows_the_hint(offset):
    text = offset.text()
    assert "    Hint: Subtract one mean per column, X.mean(axis=0)" in text, text
    assert "[offset]" in text and "[known_mistake]" in text


def test_text_shows_the_learners_frames():
    report = check("warmup.center", center_raises_markup)
    text = report.text()
    assert "[exception] Your code raised ValueError: <script>" in text, text
    assert "in center_raises_markup" in text and 'raise ValueError("<script>' in text, text


def test_text_in_chinese(mismatch, offset):
    set_language("zh")
    text = str(mismatch)
    assert text.startswith("[FAIL] warmup.squared_distances：尚未通过（0/4 个用例通过，得分 0.00）"), text
    for label in ("用例: 3 个点对 5 个点，4 维", "第一个不同之处的下标: [0, 0]", "期望: ", "实际: "):
        assert label in text, f"expected {label!r} in:\n{text}"
    assert "提示: 每一列减去自己的均值" in str(offset), str(offset)
    assert "Case:" not in text and "Expected:" not in text, f"English labels in the Chinese report:\n{text}"


def test_explicit_language_argument_does_not_change_the_setting(mismatch):
    assert "用例" in mismatch.text("zh") and "Case" in mismatch.text("en")
    assert get_language() == "en"


def test_checker_lang_environment_variable(monkeypatch, passing, mismatch):
    monkeypatch.setattr(checker.i18n, "_language", None)
    monkeypatch.setenv("CHECKER_LANG", "zh_CN.UTF-8")
    assert get_language() == "zh"
    assert "通过（4/4 个用例）" in str(passing), str(passing)
    assert "期望" in str(mismatch) and "实际" in str(mismatch)
    monkeypatch.setenv("CHECKER_LANG", "klingon")
    assert get_language() == "en", "an unknown CHECKER_LANG falls back to English"
    set_language("en")
    monkeypatch.setenv("CHECKER_LANG", "zh")
    assert get_language() == "en", "set_language wins over CHECKER_LANG"


def test_a_note_is_shown_on_a_pass():
    def chatty(X):
        for i in range(100):
            print(i)
        return center(X)

    report = check("warmup.center", chatty)
    text = report.text()
    assert text.startswith("[PASS]") and "[printed_output] Your function printed 100 lines" in text, text


# =========================================================================== HTML
def test_html_of_a_pass(passing):
    html = passing._repr_html_()
    assert html == passing.html()
    markup = well_formed(html)
    assert markup.tags[0][1]["data-passed"] == "true"
    assert "warmup.center: passed (4/4 cases)" in markup.text, markup.text


def test_html_of_a_failure(mismatch):
    markup = well_formed(mismatch._repr_html_())
    assert markup.tags[0][1]["data-passed"] == "false"
    for part in ("not yet (0/4 cases pass", "mismatch", "Case:", "3 points against 5 points in 4-D",
                 "Expected", "Got", "618.", "24.8596", "First difference at index", "[0, 0]"):
        assert part in markup.text, f"expected {part!r} in the HTML's text:\n{markup.text}"


def test_html_shows_the_hint(offset):
    markup = well_formed(offset.html())
    assert "Hint:" in markup.text and "Subtract one mean per column" in markup.text, markup.text


def test_html_escapes_the_learners_markup():
    report = check("warmup.center", center_raises_markup)
    source = report.html()
    markup = well_formed(source)
    assert "<script>" not in source and "<b>bold" not in source, "the learner's message must be escaped"
    assert "&lt;script&gt;" in source
    assert "ValueError: <script>alert('x')</script> & <b>bold</b>" in markup.text, markup.text
    tags = {tag for tag, _ in markup.tags}
    assert tags <= {"div", "code", "b", "pre", "table", "tr", "th", "td"}, f"unexpected tags {tags}"


def test_html_in_chinese(mismatch, offset):
    set_language("zh")
    markup = well_formed(mismatch._repr_html_())
    for part in ("尚未通过", "用例", "3 个点对 5 个点，4 维", "期望", "实际", "第一个不同之处的下标"):
        assert part in markup.text, f"expected {part!r} in the Chinese HTML:\n{markup.text}"
    assert "提示" in well_formed(offset.html()).text


# =========================================================================== catalogue
PLACEHOLDERS = string.Formatter()


def placeholders(template):
    return {name for _, name, _, _ in PLACEHOLDERS.parse(template) if name is not None}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_message_has_both_languages_with_the_same_placeholders(key):
    entry = MESSAGES[key]
    assert set(entry) == {"en", "zh"}, f"{key}: expected languages en and zh, got {sorted(entry)}"
    assert entry["en"].strip() and entry["zh"].strip(), f"{key}: empty message"
    assert placeholders(entry["en"]) == placeholders(entry["zh"]), (
        f"{key}: placeholders differ: en {sorted(placeholders(entry['en']))}, zh {sorted(placeholders(entry['zh']))}")
    assert CJK.search(entry["zh"]), f"{key}: the Chinese message has no Chinese: {entry['zh']!r}"


def _text_keys():
    """Message keys named by ``Text(...)`` calls in checker/: literal keys, both branches of a
    conditional, and the literal prefix of an f-string key."""
    keys, prefixes = set(), set()
    for path in sorted(CHECKER_SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Text" and node.args):
                continue
            arg = node.args[0]
            options = [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]
            for option in options:
                where = f"{path.relative_to(CHECKER_SOURCE.parent)}:{node.lineno}"
                if isinstance(option, ast.Constant) and isinstance(option.value, str):
                    keys.add((option.value, where))
                elif isinstance(option, ast.JoinedStr) and option.values and isinstance(option.values[0], ast.Constant):
                    prefixes.add((option.values[0].value, where))
    return keys, prefixes


def test_every_text_key_in_the_source_exists():
    keys, prefixes = _text_keys()
    assert len(keys) > 40, f"expected to find the Text keys of the engine, found {len(keys)}"
    missing = sorted(f"{key} ({where})" for key, where in keys if key not in MESSAGES)
    assert not missing, f"Text keys missing from checker.messages.MESSAGES: {missing}"
    for prefix, where in prefixes:
        assert any(k.startswith(prefix) for k in MESSAGES), f"no message starts with {prefix!r} ({where})"


def test_keys_chosen_at_run_time_exist():
    for key in ("report.passed", "report.failed", "gradcheck.great", "gradcheck.kinks", "gradcheck.bug"):
        assert key in MESSAGES, f"{key} is built at run time and must be in MESSAGES"


def test_unknown_message_key_is_an_error():
    with pytest.raises(KeyError, match="no.such.key"):
        Text("no.such.key")


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_code_is_documented_in_both_languages(code):
    english, chinese = describe(code, "en"), describe(code, "zh")
    assert english and not CJK.search(english), f"{code}: {english!r}"
    assert CJK.search(chinese), f"{code}: the Chinese description has no Chinese: {chinese!r}"


def test_a_pair_renders_in_the_current_language():
    pair = ("one sample", "一个样本")
    assert checker.i18n.render(pair) == "one sample"
    set_language("zh")
    assert checker.i18n.render(pair) == "一个样本"
    assert checker.i18n.render([pair, pair]) == "一个样本、一个样本"


# =========================================================================== wording a reader can trust
def test_other_cases_stay_apart_when_their_names_hold_commas():
    def center_not_implemented(X):
        raise NotImplementedError()

    report = check("warmup.center", center_not_implemented)
    [finding] = [f for f in report.findings if f.code == "not_implemented"]
    names = [checker.i18n.render(c, "en") for c in finding.cases]
    assert any("," in name for name in names[1:4]), f"this test needs a case name with a comma: {names}"
    [line] = [line for line in report.text("en").splitlines() if line.startswith("    Also in: ")]
    assert line[len("    Also in: "):].split("; ") == names[1:4], line
    [line_zh] = [line for line in report.text("zh").splitlines() if line.startswith("    也出现在: ")]
    assert line_zh[len("    也出现在: "):].split("；") == [checker.i18n.render(c, "zh") for c in finding.cases[1:4]]


def test_a_headline_with_every_case_matching_says_why_it_is_not_a_pass():
    def squared_distances_loop(A, B):
        out = np.zeros((A.shape[0], B.shape[0]))
        for i in range(A.shape[0]):
            out[i] = np.sum((A[i] - B) ** 2, axis=1)
        return out

    report = check("warmup.squared_distances", squared_distances_loop)
    assert not report.passed and report.cases_passed == report.cases_total
    headline = report.text("en").splitlines()[0]
    assert "cases pass, score" not in headline, headline
    assert f"all {report.cases_total} cases match, but the findings below lower the score to {report.score:.2f}" in headline
    assert "尚未通过（全部" in report.text("zh").splitlines()[0]


def test_backticks_in_messages_become_code_in_html():
    def center_not_implemented(X):
        raise NotImplementedError()

    page = check("warmup.center", center_not_implemented).html()
    assert "<code>raise NotImplementedError()</code>" in page and "`" not in page, page


def test_the_exception_hint_points_at_the_lines_where_they_are():
    report = check("warmup.center", center_raises_markup)
    lines = report.text("en").splitlines()
    frame = next(i for i, line in enumerate(lines) if "in center_raises_markup" in line)
    hint = next(i for i, line in enumerate(lines) if line.startswith("    Hint: "))
    assert frame < hint and "listed above" in lines[hint] and "below" not in lines[hint], lines


def test_a_factor_found_across_cases_is_not_claimed_for_every_case():
    for lang in ("en", "zh"):
        words = Text("scale.across", name="dW", size="N").render(lang)
        assert ("every case that differs" in words) if lang == "en" else ("每个不一致的用例" in words), words


def test_expected_and_got_keep_their_numbers_whole_in_html():
    def squared_distances_scaled(A, B):
        return 1.5 * np.sum((A[:, None, :] - B[None, :, :]) ** 2, axis=2)

    page = check("warmup.squared_distances", squared_distances_scaled).html()
    markup = well_formed(page)
    pres = [attrs for tag, attrs in markup.tags if tag == "pre" and "white-space:pre;" in (attrs.get("style") or "") + ";"]
    assert len(pres) >= 2, f"Expected and Got must not wrap inside a number: {markup.tags}"
    for attrs in pres:  # JupyterLab and nbconvert style <pre> with pre-wrap and break-all: overridden here
        assert "word-break:normal" in attrs["style"] and "overflow-wrap:normal" in attrs["style"]
    tables = [attrs for tag, attrs in markup.tags if tag == "div" and "overflow-x:auto" in (attrs.get("style") or "")]
    assert tables, "a wide table must scroll, never be clipped"


# =========================================================================== wording (issue 11, item 8)
def _drops_last_row(X):
    return (X - X.mean(axis=0))[:-1]


def _gradient_one_short(pred, target):
    diff = pred - target
    return float(np.mean(diff ** 2)), (2 * diff / len(pred))[1:]


def test_a_shape_with_the_right_number_of_axes_names_the_axis_that_differs():
    report = check("warmup.center", _drops_last_row)
    shape = next(f for f in report.findings if f.code == "shape")
    assert "axis 0" in shape.message and "2 axes, got 2" not in shape.message, shape.message
    one_axis = check("warmup.mse_loss", _gradient_one_short)
    message = next(f for f in one_axis.findings if f.code == "shape").message
    assert "1 axes" not in message and "axis 0" in message, message


def _distances_in_loops(A, B):
    out = np.zeros((A.shape[0], B.shape[0]))
    for i in range(A.shape[0]):
        for j in range(B.shape[0]):
            out[i, j] = np.sum((A[i] - B[j]) ** 2)
    return out


def test_the_busiest_line_is_written_in_the_report_language():
    report = check("warmup.squared_distances", _distances_in_loops)
    loops = next(f for f in report.findings if f.code == "not_vectorized")
    set_language("zh")
    try:
        zh = loops.message
    finally:
        set_language("en")
    assert re.search(r"第 \d+ 行（\d+ 次）", zh) and not re.search(r"line \d+ \(\d+x\)", zh), zh
    assert re.search(r"line \d+ \(\d+x\)", loops.message), loops.message


def test_an_error_without_lines_of_the_learners_code_does_not_point_at_them():
    import functools

    report = check("warmup.center", functools.partial(np.reshape, shape=(7, 5)))  # raises inside NumPy
    error = next(f for f in report.findings if f.code == "exception")
    assert not error.detail, error.detail
    assert "listed above" not in error.hint and "below" not in error.hint and "library" in error.hint, error.hint
    own = check("warmup.center", lambda X: X.reshape(7, 5))  # a line of the learner's own: the hint may point at it
    assert next(f for f in own.findings if f.code == "exception").detail
