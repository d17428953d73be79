"""Fixtures for the security tests: staff personas come from the back office's fixtures."""

from tests.catalog.conftest import english, make_staff  # noqa: F401  (fixtures)
