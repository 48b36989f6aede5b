"""Fixtures of the appeals tests (defined in fixtures.py so that tests/ can import them too)."""

from .fixtures import clock, world  # noqa: F401
