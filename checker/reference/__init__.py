"""Reference NumPy solutions, one module per notebook topic.

``checker.reference.<module>.<function>`` is the solution behind task id
``"<module>.<function>"``. Calls made from a learner's code are noticed and
reported as ``uses_reference``.
"""

import importlib
import inspect
import sys

from checker.runner import guarded_reference


def guard_module(module_name: str) -> None:
    """Wrap the public functions of a reference module (call at its end)."""
    module = sys.modules[module_name]
    short = module_name.rsplit(".", 1)[-1]
    for name, value in list(vars(module).items()):
        if name.startswith("_") or not inspect.isfunction(value) or value.__module__ != module_name:
            continue
        setattr(module, name, guarded_reference(value, f"checker.reference.{short}.{name}"))


def __getattr__(name):
    if name.startswith("_"):
        raise AttributeError(name)
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        raise AttributeError(f"checker.reference has no module {name!r}") from exc
