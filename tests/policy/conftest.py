"""The stacks as evaluated for tests/infra, shared here."""

from tests.infra.conftest import dev, prod  # noqa: F401 - fixtures
