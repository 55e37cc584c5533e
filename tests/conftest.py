import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests' own helper modules (notebook_tools, report_tools)


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """Checker messages in English unless a test chooses otherwise; the language in force before is put back."""
    import checker.i18n

    monkeypatch.setattr(checker.i18n, "_language", "en")
