"""The post-traffic check talks HTTP to the same local server the e2e tests start."""

from tests.e2e.conftest import local_server  # noqa: F401 - a fixture, used by name
