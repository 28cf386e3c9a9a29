"""The release hooks: the new version's invocations answered by the real app in-process, the
status each reports to CodeDeploy through botocore's Stubber, and the public-URL check against
the local server."""

from __future__ import annotations

import io
import json
import urllib.error
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from botocore.stub import Stubber

from app import create_app
from chalicelib.contract import ORIGIN_HEADER, STAGE_NAME
from hooks import release_hook
from hooks.release_hook import CheckFailed, invoking, report, requesting, round_trip
from testing.fakes import InMemoryBirthdayStore
from tests.app.conftest import SETTINGS, TODAY
from tests.e2e.conftest import LocalServer

SECRET = "hook-secret"
EVENT = {"DeploymentId": "d-123", "LifecycleEventHookExecutionId": "hook-1"}
TARGET = "arn:aws:lambda:eu-west-1:123456789012:function:hello-prod-function:8"


def lambda_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "Invoke")


class NewVersion:
    """A Lambda client whose invoke() is answered by the real app, as the new version would."""

    def __init__(self, answer: Any = None) -> None:
        self.store = InMemoryBirthdayStore()
        self.app = create_app(SETTINGS._replace(origin_secret=SECRET), self.store, lambda: TODAY)
        self.answer = answer  # replaces the app's answers when set
        self.invoked: list[str] = []
        self.not_ready_for = 0  # how many invocations Lambda refuses as not ready
        self.not_ready_code = "SnapStartNotReadyException"

    def invoke(self, FunctionName: str, Payload: bytes) -> dict[str, Any]:
        self.invoked.append(FunctionName)
        if self.not_ready_for:  # Lambda's answer while a version cannot run yet
            self.not_ready_for -= 1
            raise lambda_error(self.not_ready_code)
        if isinstance(self.answer, Exception):
            raise self.answer
        response = self.answer or self.app(json.loads(Payload), None)
        result: dict[str, Any] = {
            "StatusCode": 200,
            "Payload": io.BytesIO(json.dumps(response).encode()),
        }
        if self.answer and "errorMessage" in self.answer:
            result["FunctionError"] = "Unhandled"
        return result


@pytest.fixture
def codedeploy() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("codedeploy", region_name="eu-west-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def expect_status(stubber: Stubber, status: str) -> None:
    stubber.add_response(
        "put_lifecycle_event_hook_execution_status",
        {"lifecycleEventHookExecutionId": "hook-1"},
        {"deploymentId": "d-123", "lifecycleEventHookExecutionId": "hook-1", "status": status},
    )


def pre_traffic(version: NewVersion, codedeploy: tuple[Any, Stubber]) -> str:
    send = invoking(version, TARGET, {ORIGIN_HEADER: SECRET}, STAGE_NAME)
    return report(codedeploy[0], EVENT, lambda: round_trip(send))


def test_a_good_new_version_passes_and_leaves_nothing_behind(
    codedeploy: tuple[Any, Stubber],
) -> None:
    version = NewVersion()
    expect_status(codedeploy[1], "Succeeded")
    assert pre_traffic(version, codedeploy) == "Succeeded"
    assert set(version.invoked) == {TARGET}  # the version itself, never the alias
    assert len(version.invoked) == 5  # PUT, GET, unknown GET, bad PUT, DELETE
    assert version.store.items == {}


def test_the_checks_are_the_documented_ones() -> None:
    assert round_trip(invoking(NewVersion(), TARGET, {ORIGIN_HEADER: SECRET}, STAGE_NAME)) == [
        "PUT",
        "GET",
        "unknown user is 404",
        "bad date is 400",
        "DELETE",
    ]


@pytest.mark.parametrize(
    "answer",
    [
        {"statusCode": 500, "body": '{"Code": "InternalServerError", "Message": "x"}'},
        {"statusCode": 204, "body": ""},  # a GET that greets nobody
        {"errorMessage": "Task timed out after 10.00 seconds", "errorType": "Sandbox.Timedout"},
        ReadTimeoutError(endpoint_url="https://lambda.eu-west-1.amazonaws.com"),
    ],
    ids=["5xx", "wrong answer", "function error", "invoke timeout"],
)
def test_a_failing_new_version_fails_the_deployment(
    codedeploy: tuple[Any, Stubber], answer: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    expect_status(codedeploy[1], "Failed")
    assert pre_traffic(NewVersion(answer), codedeploy) == "Failed"
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert line["event"] == "release_check" and line["status"] == "Failed" and line["error"]


def test_a_new_version_without_the_origin_secret_fails(codedeploy: tuple[Any, Stubber]) -> None:
    expect_status(codedeploy[1], "Failed")
    send = invoking(NewVersion(), TARGET, {ORIGIN_HEADER: "wrong"}, STAGE_NAME)
    assert report(codedeploy[0], EVENT, lambda: round_trip(send)) == "Failed"


def test_the_public_url_check_passes_against_a_working_api(local_server: LocalServer) -> None:
    assert round_trip(requesting(local_server.url))[-1] == "DELETE"


def test_the_public_url_check_fails_against_a_wrong_one(local_server: LocalServer) -> None:
    with pytest.raises(CheckFailed, match="expected 204, got 403"):
        round_trip(requesting(local_server.url + "/nowhere"))


def test_the_handlers_read_their_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, codedeploy: tuple[Any, Stubber], local_server: LocalServer
) -> None:
    version = NewVersion()
    monkeypatch.setattr(release_hook, "clients", lambda: (version, codedeploy[0]))
    for name, value in {
        release_hook.TARGET_ENV: TARGET,
        release_hook.ORIGIN_HEADER_ENV: ORIGIN_HEADER,
        release_hook.ORIGIN_SECRET_ENV: SECRET,
        release_hook.STAGE_ENV: STAGE_NAME,
        release_hook.PUBLIC_URL_ENV: local_server.url,
    }.items():
        monkeypatch.setenv(name, value)
    expect_status(codedeploy[1], "Succeeded")
    expect_status(codedeploy[1], "Succeeded")
    assert release_hook.before_allow_traffic(EVENT, None) == "Succeeded"
    assert release_hook.after_allow_traffic(EVENT, None) == "Succeeded"
    assert len(version.invoked) == 5


def test_a_region_called_directly_gets_the_origin_secret(
    monkeypatch: pytest.MonkeyPatch, codedeploy: tuple[Any, Stubber]
) -> None:
    """In a multi-region stack the after-traffic check calls the region's own API, which
    refuses requests without the origin secret CloudFront would have added."""
    seen: list[dict[str, str]] = []

    def send(request: Any, timeout: float) -> Any:
        seen.append(dict(request.header_items()))
        raise urllib.error.URLError("recorded")

    monkeypatch.setattr(release_hook.urllib.request, "urlopen", send)
    for name, value in {
        release_hook.ORIGIN_HEADER_ENV: ORIGIN_HEADER,
        release_hook.ORIGIN_SECRET_ENV: SECRET,
        release_hook.PUBLIC_URL_ENV: "https://abc.execute-api.eu-west-2.amazonaws.com/api",
        release_hook.DIRECT_ENV: "true",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(release_hook, "clients", lambda: (None, codedeploy[0]))
    expect_status(codedeploy[1], "Failed")  # the recorded request got no answer
    release_hook.after_allow_traffic(EVENT, None)
    assert seen[0][ORIGIN_HEADER.capitalize()] == SECRET
    # Through CloudFront (one region) the secret is never sent: CloudFront adds it.
    seen.clear()
    monkeypatch.delenv(release_hook.DIRECT_ENV)
    expect_status(codedeploy[1], "Failed")
    release_hook.after_allow_traffic(EVENT, None)
    assert ORIGIN_HEADER.capitalize() not in seen[0]


def test_a_hook_missing_a_setting_still_reports_failure(
    monkeypatch: pytest.MonkeyPatch, codedeploy: tuple[Any, Stubber]
) -> None:
    monkeypatch.setattr(release_hook, "clients", lambda: (NewVersion(), codedeploy[0]))
    monkeypatch.delenv(release_hook.TARGET_ENV, raising=False)
    expect_status(codedeploy[1], "Failed")  # never left for CodeDeploy to time out
    assert release_hook.before_allow_traffic(EVENT, None) == "Failed"


def pre_traffic_waiting(version: NewVersion, codedeploy: tuple[Any, Stubber]) -> list[float]:
    """The before-traffic check with its pauses recorded instead of slept."""
    slept: list[float] = []
    send = invoking(version, TARGET, {ORIGIN_HEADER: SECRET}, STAGE_NAME, sleep=slept.append)
    report(codedeploy[0], EVENT, lambda: round_trip(send))
    return slept


@pytest.mark.parametrize("code", release_hook.NOT_READY)
def test_a_version_that_becomes_ready_is_waited_for_and_passes(
    codedeploy: tuple[Any, Stubber], code: str
) -> None:
    version = NewVersion()
    version.not_ready_for, version.not_ready_code = 2, code
    expect_status(codedeploy[1], "Succeeded")
    slept = pre_traffic_waiting(version, codedeploy)
    assert slept == [release_hook.READY_DELAY_S] * 2
    assert version.store.items == {}


def test_a_version_never_ready_fails_as_not_ready_not_broken(
    codedeploy: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    version = NewVersion()
    version.not_ready_for = release_hook.READY_ATTEMPTS
    expect_status(codedeploy[1], "Failed")
    slept = pre_traffic_waiting(version, codedeploy)
    assert len(slept) == release_hook.READY_ATTEMPTS - 1  # bounded: the hook has 120 s
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    (line,) = [x for x in lines if x["event"] == "release_check"]
    assert line["status"] == "Failed" and line["reason"] == "not_ready"
    assert "SnapStartNotReadyException" in line["error"]


@pytest.mark.parametrize("code", ["SnapStartException", "SnapStartTimeoutException"])
def test_a_version_whose_restore_breaks_fails_as_broken_at_once(
    codedeploy: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str], code: str
) -> None:
    """An afterRestore hook that raises, or a restore that times out, is the code's fault."""
    expect_status(codedeploy[1], "Failed")
    slept = pre_traffic_waiting(NewVersion(lambda_error(code)), codedeploy)
    assert slept == []
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert line["reason"] == "broken" and code in line["error"]
