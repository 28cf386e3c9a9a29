"""docs/openapi.yaml is a valid OpenAPI 3 document, names exactly the app's routes, and the
running app conforms to it for whatever schemathesis generates."""

from __future__ import annotations

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.config import SchemathesisConfig
from schemathesis.config._checks import NegativeDataRejectionConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

import app as app_module
from tests.conftest import ROOT
from tests.e2e.conftest import LocalServer

SPEC_PATH = ROOT / "docs" / "openapi.yaml"
# Its plugin turns schema.parametrize() into a test per API operation (pyproject's addopts leave
# it to this module, the one that needs it).
pytest_plugins = ["schemathesis.pytest.plugin"]
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}

# A body over the size limit is refused with the documented 413, also when it is invalid in
# other ways too: schemathesis's default rejection codes lack 413, so it is added to them.
REJECTION_STATUSES = [*NegativeDataRejectionConfig._DEFAULT_EXPECTED_STATUSES, "413"]
schema = schemathesis.openapi.from_path(
    str(SPEC_PATH),
    config=SchemathesisConfig.from_dict(
        {"checks": {"negative_data_rejection": {"expected-statuses": REJECTION_STATUSES}}}
    ),
)


def test_spec_is_valid_openapi() -> None:
    validate(yaml.safe_load(SPEC_PATH.read_text()))


def test_spec_paths_and_methods_are_exactly_the_apps_routes() -> None:
    spec = yaml.safe_load(SPEC_PATH.read_text())
    documented = {
        (path, method.upper())
        for path, operations in spec["paths"].items()
        for method in operations
        if method in HTTP_METHODS
    }
    served = {
        (path, method) for path, methods in app_module.app.routes.items() for method in methods
    }
    assert documented == served


@pytest.fixture(scope="module")
def base_url(local_server: LocalServer) -> str:
    return local_server.url


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_app_conforms_to_spec(case: schemathesis.Case, base_url: str) -> None:
    # "Strictly before today" depends on the clock, which no schema can state: a schema-valid
    # future date is rightly refused with 400, so that one heuristic check is left out.
    # Every other check stays: no 5xx, documented status codes, headers and bodies.
    case.call_and_validate(base_url=base_url, excluded_checks=[positive_data_acceptance])
