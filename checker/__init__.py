"""Deep learning from scratch in NumPy: the checker.

    from checker import check, gradcheck, tasks, set_language
    report = check("warmup.center", center)
"""

from checker import reference
from checker.engine import check, tasks
from checker.findings import CODES, Finding
from checker.gradcheck import gradcheck
from checker.i18n import get_language, set_language
from checker.report import Report

__all__ = ["check", "gradcheck", "tasks", "set_language", "get_language", "Report", "Finding", "CODES", "reference"]
