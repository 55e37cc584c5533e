"""Reference solutions of the `nn` notebook."""

from checker.reference import guard_module

guard_module(__name__)
