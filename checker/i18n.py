"""Language selection and lazily translated text.

Messages are stored as ``Text(key, **params)`` and rendered only when read, so
``set_language("zh")`` changes every report already on screen the next time it
is displayed or printed.
"""

from __future__ import annotations

import os

LANGUAGES = ("en", "zh")
_language = None


def _normalise(lang: str) -> str:
    lang = str(lang).strip().lower().replace("_", "-")
    if lang.startswith("zh") or lang in ("cn", "chinese", "中文"):
        return "zh"
    if lang.startswith("en") or lang == "english":
        return "en"
    raise ValueError(
        f"unknown language {lang!r}: choose one of {', '.join(LANGUAGES)} "
        "(for example set_language('zh'))"
    )


def set_language(lang: str) -> None:
    """Choose the language of checker messages: ``"en"`` or ``"zh"``."""
    global _language
    _language = _normalise(lang)


def get_language() -> str:
    """The current language; ``CHECKER_LANG`` decides until ``set_language`` is called."""
    if _language is not None:
        return _language
    try:
        return _normalise(os.environ.get("CHECKER_LANG", "en") or "en")
    except ValueError:
        return "en"


def _catalogue():
    from checker.messages import MESSAGES

    return MESSAGES


class Text:
    """A message key with parameters, rendered in the current language when read.

    Parameters may themselves be ``Text`` (rendered recursively), a pair
    ``(english, chinese)``, or any value (rendered with ``str``).
    """

    __slots__ = ("key", "params")

    def __init__(self, key: str, **params):
        if key not in _catalogue():
            raise KeyError(f"no message {key!r} in checker.messages")
        self.key = key
        self.params = params

    def render(self, lang: str | None = None) -> str:
        lang = lang or get_language()
        template = _catalogue()[self.key][lang]
        values = {name: render(value, lang) for name, value in self.params.items()}
        return template.format(**values)

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Text({self.key!r})"


def render(value, lang: str | None = None) -> str:
    """Render a ``Text``, an ``(en, zh)`` pair, a list of those, or any value."""
    lang = lang or get_language()
    if isinstance(value, Text):
        return value.render(lang)
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return value[LANGUAGES.index(lang)]
    if isinstance(value, list):
        sep = "、" if lang == "zh" else ", "
        return sep.join(render(v, lang) for v in value)
    return str(value)
