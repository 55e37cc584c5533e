"""What the task families of notebook 06 share: bilingual texts and the opaque result wrapper."""


def t(en, zh):
    """A text in English and Chinese."""
    return (en, zh)


class Opaque:
    """A learner's result that is checked by its properties only.

    The engine compares the structure of a result with the reference's (types, lengths, shapes)
    before any property runs; for a shuffled result that comparison can only say "wrong length" or
    "wrong shape". Wrapped in ``Opaque`` (by a task's ``interpret``, in the trusted process) the
    result reaches the properties whole, and they name the cause with the case's own numbers."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return isinstance(other, Opaque)

    def __repr__(self):
        return f"Opaque({type(self.value).__name__})"
