"""The loopback servers of tests/e2e, for the evil registry."""

from tests.e2e.conftest import loopback_factory  # noqa: F401
