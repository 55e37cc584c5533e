"""What a check found: one ``Finding`` per cause, with the cases it showed up in."""

from __future__ import annotations

from dataclasses import dataclass, field

from checker.i18n import Text, render

# Every finding code, in the order a report lists them. The descriptions are the
# documentation of the codes (README and ``checker.findings.describe``).
CODES = {
    "ok": ("every case matches the reference", "所有用例都与参考实现一致"),
    "not_implemented": ("the function still raises NotImplementedError", "函数仍然抛出 NotImplementedError"),
    "returned_none": ("the function returned None (a missing return?)", "函数返回了 None（缺少 return？）"),
    "exception": ("the function raised an exception; only your own frames are shown", "函数抛出了异常；只显示你自己代码中的调用帧"),
    "timeout": ("one case ran longer than the per-case time limit", "某个用例超过了单个用例的时间限制"),
    "uses_reference": ("the function called checker.reference instead of computing the answer", "函数调用了 checker.reference，而不是自己计算"),
    "wrong_type": ("the result has the wrong type or structure (list for array, wrong tuple length, missing key)", "返回值的类型或结构不对（例如应为数组却返回列表、元组长度不对、缺少键）"),
    "shape": ("the result has the wrong shape, explained axis by axis", "返回值的形状不对（逐轴解释）"),
    "transposed": ("the result is the transpose of the expected one", "返回值是期望结果的转置"),
    "non_finite": ("the result contains NaN or infinity where the expected values are finite", "返回值中有 NaN 或无穷大，而期望值是有限的"),
    "dtype": ("the element type changes the values (integer truncation, too little precision) or an integer type is required", "元素类型改变了数值（整数截断、精度不足），或任务要求整数类型"),
    "sign": ("the result has the opposite sign", "返回值的符号相反"),
    "scale": ("the result is off by a constant factor (e.g. a missing 1/N)", "返回值差一个常数倍（例如缺少 1/N）"),
    "offset": ("the result is off by a constant added to every value (or to every row or column)", "返回值的每个元素（或每行、每列）都差一个常数"),
    "missing_regularization": ("the regularization term is missing from this output", "这个输出缺少正则化项"),
    "regularization_scale": ("the regularization term is there but scaled wrongly (e.g. reg * W instead of 2 * reg * W)", "有正则化项，但系数不对（例如写成 reg * W 而不是 2 * reg * W）"),
    "gradient": ("the analytic gradient disagrees with the numerical gradient of your own loss", "解析梯度与你自己的损失函数的数值梯度不一致"),
    "known_mistake": ("the result equals what a known, named mistake produces", "返回值与某个已知的常见错误的结果相同"),
    "mismatch": ("values differ and no more specific cause was found", "数值不同，且没有找到更具体的原因"),
    "mutates_input": ("the function changed one of its input arrays in place", "函数原地修改了输入数组"),
    "not_vectorized": ("a task that must be loop-free runs Python-level loops whose work grows with the data", "要求无循环的任务中，Python 循环的次数随数据规模增长"),
    "property": ("a randomised result breaks a property it must have (statistics, kept fraction, determinism for a seed, test mode)", "随机结果不满足它必须具有的性质（统计量、保留比例、给定种子时的确定性、测试模式）"),
    "note": ("note only: something worth knowing that does not fail the check", "仅提示：值得知道但不影响通过的信息"),
    "printed_output": ("note only: the function printed a lot (hidden from the report)", "仅提示：函数打印了大量内容（报告中已隐藏）"),
}

# Codes that never fail a check on their own.
NOTE_CODES = {"ok", "printed_output", "note"}


def describe(code: str, lang: str | None = None) -> str:
    """One line saying what a finding code means."""
    return render(CODES[code], lang)


@dataclass
class Finding:
    """One cause found by a check.

    ``code`` is one of ``CODES``; ``message`` and ``hint`` are rendered in the current
    language each time they are read. ``case`` names the first case it showed up in,
    ``cases`` all of them; ``expected``/``got`` are short excerpts and ``where`` the
    first differing index, when they apply.
    """

    code: str
    text: Text | tuple | str
    hint_text: Text | tuple | str | None = None
    output: str | None = None
    cases: list = field(default_factory=list)
    expected: str | None = None
    got: str | None = None
    where: str | None = None
    detail: str | None = None

    def __post_init__(self):
        if self.code not in CODES:
            raise ValueError(f"unknown finding code {self.code!r}")

    @property
    def message(self) -> str:
        return render(self.text)

    @property
    def hint(self) -> str:
        return render(self.hint_text) if self.hint_text is not None else ""

    @property
    def case(self):
        return render(self.cases[0]) if self.cases else None

    @property
    def failing(self) -> bool:
        return self.code not in NOTE_CODES

    def key(self):
        """Findings with the same key are one cause seen in several cases (two different known
        mistakes are two causes, even on the same output)."""
        named = render(self.text, "en") if self.code == "known_mistake" else None
        return (self.code, self.output, named)

    def __repr__(self) -> str:
        return f"Finding(code={self.code!r}, message={self.message!r})"
