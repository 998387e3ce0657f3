"""Fixtures of the dissuasion tests: a warning may end in a fraud case, recorded as the fraud
tests record one."""

from pingan.fraud.tests.conftest import record  # noqa: F401 (a fixture, used by name)
