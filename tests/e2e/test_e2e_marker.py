"""The `e2e` marker names every test that starts the local server, so `-m "not e2e"` runs none."""

from __future__ import annotations

import pytest

from tests.conftest import require_e2e_mark
from tests.e2e.conftest import start_local_server


def test_a_test_not_marked_e2e_may_not_start_the_server() -> None:
    with pytest.raises(pytest.UsageError, match=r"test_e2e_marker\.py::.* starts the local server"):
        start_local_server()


@pytest.mark.e2e
def test_a_marked_test_passes_the_check() -> None:
    require_e2e_mark("starts the local server")  # no error


def test_tests_using_the_server_fixture_are_marked(request: pytest.FixtureRequest) -> None:
    using = [i for i in request.session.items if "local_server" in getattr(i, "fixturenames", ())]
    assert all(item.get_closest_marker("e2e") for item in using)
