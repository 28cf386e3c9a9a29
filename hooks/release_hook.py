"""CodeDeploy lifecycle hooks for the API function: a release reaches users only after these pass.

`before_allow_traffic` invokes the new version directly (before the alias moves) with API Gateway
REST proxy events; `after_allow_traffic` sends the same requests through the public URL once the
alias serves the new version (in a multi-region stack, through the region's own API URL with the
origin secret: the public name may be serving another region). Either way: a PUT, GET and
DELETE round trip on a fresh random user, a 404 for an unknown user and a 400 for a bad date.
Any failure, exception or timeout reports "Failed" to CodeDeploy, which then rolls back.
Standard library and boto3 only (the Lambda runtime provides boto3); one file, zipped on its own.

A version that cannot be invoked yet (SnapStart still making its snapshot, or the function
Pending: Lambda answers with the errors in NOT_READY) is "not ready", not broken: the
before-traffic hook waits for it a little, and if it stays so reports Failed with the reason
`not_ready` in its log line, apart from `broken` (a wrong answer or an error of the code).
deploy/shift_traffic.py waits for Active before CodeDeploy starts, so this is the exception.
"""

from __future__ import annotations

import json
import os
import secrets
import string
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

TARGET_ENV = "HOOK_TARGET_VERSION_ARN"  # the version `pulumi up` published
PUBLIC_URL_ENV = "HOOK_PUBLIC_URL"
ORIGIN_SECRET_ENV = "HOOK_ORIGIN_SECRET"  # noqa: S105 - a variable's name, not a secret
ORIGIN_HEADER_ENV = "HOOK_ORIGIN_HEADER"
# "true" where PUBLIC_URL_ENV is the region's own API URL, not CloudFront's: the after-traffic
# requests then carry the origin secret the app checks, as CloudFront's would.
DIRECT_ENV = "HOOK_CALLS_REGION_DIRECTLY"
STAGE_ENV = "HOOK_STAGE_NAME"
TIMEOUT_S = 10
# Lambda's Invoke errors for a version that exists but cannot run yet (botocore's model:
# SnapStart initialising, a Pending function, an inactive VPC connection or ENI).
NOT_READY = (
    "SnapStartNotReadyException",
    "CodeArtifactUserPendingException",
    "ResourceConflictException",
    "ResourceNotReadyException",
    "ENINotReadyException",
)
READY_ATTEMPTS = 6
READY_DELAY_S = 5
CHECKS = 5  # round_trip's requests, each one check (a test counts them)
# The function's timeout: every check at TIMEOUT_S with one retry, after waiting for readiness.
FUNCTION_TIMEOUT_S = CHECKS * TIMEOUT_S * 2 + (READY_ATTEMPTS - 1) * READY_DELAY_S + 20

Send = Callable[[str, str, str | None], tuple[int, dict[str, Any] | None]]


class CheckFailed(Exception):
    pass


class NotReady(CheckFailed):
    """The version cannot be invoked yet: not a verdict on its code."""


def api_gateway_event(
    method: str,
    username: str,
    body: str | None,
    headers: dict[str, str] | None,
    stage: str,
) -> dict[str, Any]:
    """An API Gateway REST API Lambda-proxy event for /hello/{username}, as AWS sends it."""
    request_id = str(uuid.uuid4())
    all_headers = {"Host": "abc123.execute-api.eu-west-1.amazonaws.com", **(headers or {})}
    path = f"/hello/{username}"
    return {
        "resource": "/hello/{username}",
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {key: [value] for key, value in all_headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"username": username},
        "stageVariables": None,
        "requestContext": {
            "resourceId": "abc1de",
            "resourcePath": "/hello/{username}",
            "httpMethod": method,
            "extendedRequestId": request_id,
            "requestTime": "28/Nov/2026:10:00:00 +0000",
            "path": f"/{stage}{path}",
            "accountId": "123456789012",
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainPrefix": "abc123",
            "requestTimeEpoch": 1795860000000,
            "requestId": request_id,
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "hello-release-hook"},
            "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
            "apiId": "abc123",
        },
        "body": body,
        "isBase64Encoded": False,
    }


def round_trip(send: Send) -> list[str]:
    """Every check, in order; raises CheckFailed at the first wrong answer."""
    user = "Releasecheck" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(20))
    done = []

    def expect(what: str, method: str, name: str, body: str | None, status: int) -> Any:
        actual, answer = send(method, name, body)
        if actual != status:
            raise CheckFailed(f"{what}: expected {status}, got {actual}: {answer}")
        done.append(what)
        return answer

    try:
        expect("PUT", "PUT", user, '{"dateOfBirth": "1990-05-17"}', 204)
        answer = expect("GET", "GET", user, None, 200)
        if not (answer or {}).get("message", "").startswith(f"Hello, {user}! "):
            raise CheckFailed(f"GET: not a greeting for {user}: {answer}")
        expect("unknown user is 404", "GET", user + "x", None, 404)
        expect("bad date is 400", "PUT", user, '{"dateOfBirth": "1990-02-30"}', 400)
    finally:
        expect("DELETE", "DELETE", user, None, 204)  # never leave the check's user behind
    return done


def invoking(
    lambda_client: Any,
    target_arn: str,
    headers: dict[str, str],
    stage: str,
    sleep: Callable[[float], None] = time.sleep,
) -> Send:
    """Sends each request as an API Gateway event straight to one function version, waiting
    (READY_ATTEMPTS times READY_DELAY_S at most) while the version is not ready."""
    from botocore.exceptions import ClientError

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        code = None
        for attempt in range(READY_ATTEMPTS):
            if attempt:
                sleep(READY_DELAY_S)
            try:
                return lambda_client.invoke(
                    FunctionName=target_arn, Payload=json.dumps(event).encode()
                )
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code")
                if code not in NOT_READY:
                    raise
        raise NotReady(f"{target_arn} is not ready after {READY_ATTEMPTS} attempts: {code}")

    def send(method: str, user: str, body: str | None) -> tuple[int, dict[str, Any] | None]:
        json_headers = {"Content-Type": "application/json", **headers}
        event = api_gateway_event(method, user, body, json_headers, stage)
        result = invoke(event)
        payload = json.loads(result["Payload"].read() or b"null")
        if result.get("FunctionError"):
            raise CheckFailed(f"{method} {user}: the function failed: {payload}")
        answer = json.loads(payload["body"]) if payload.get("body") else None
        return payload["statusCode"], answer

    return send


def requesting(base_url: str, sent_headers: dict[str, str] | None = None) -> Send:
    """Sends each request over HTTPS to the public URL (or a region's own, with `sent_headers`)."""

    def send(method: str, user: str, body: str | None) -> tuple[int, dict[str, Any] | None]:
        request = urllib.request.Request(  # noqa: S310 - our own https URL, from the stack
            f"{base_url.rstrip('/')}/hello/{user}",
            data=body.encode() if body is not None else None,
            method=method,
            headers={
                "Content-Type": "application/json",
                "User-Agent": "hello-release-hook",
                **(sent_headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        return status, json.loads(raw) if raw else None

    return send


def report(codedeploy: Any, event: dict[str, Any], check: Callable[[], list[str]]) -> str:
    """Runs the check and tells CodeDeploy how it went; returns the status sent."""
    status = "Succeeded"
    try:
        done = check()
        print(json.dumps({"event": "release_check", "status": status, "passed": done}))
    except Exception as error:  # any failure at all must fail the deployment, never hang it
        status = "Failed"
        reason = "not_ready" if isinstance(error, NotReady) else "broken"
        line = {"event": "release_check", "status": status, "reason": reason}
        # The deployment's id: what deploy/shift_traffic.py names when it refuses a version.
        line |= {"deploymentId": event.get("DeploymentId"), "error": repr(error)}
        print(json.dumps(line))
    codedeploy.put_lifecycle_event_hook_execution_status(
        deploymentId=event["DeploymentId"],
        lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status=status,
    )
    return status


def clients() -> tuple[Any, Any]:
    import boto3
    from botocore.config import Config

    config = Config(read_timeout=TIMEOUT_S, retries={"mode": "standard", "total_max_attempts": 2})
    return boto3.client("lambda", config=config), boto3.client("codedeploy")


def before_allow_traffic(event: dict[str, Any], context: Any) -> str:
    lambda_client, codedeploy = clients()

    def check() -> list[str]:  # inside report(): even a missing setting is a reported failure
        headers = {os.environ[ORIGIN_HEADER_ENV]: os.environ[ORIGIN_SECRET_ENV]}
        target, stage = os.environ[TARGET_ENV], os.environ[STAGE_ENV]
        return round_trip(invoking(lambda_client, target, headers, stage))

    return report(codedeploy, event, check)


def after_allow_traffic(event: dict[str, Any], context: Any) -> str:
    _, codedeploy = clients()

    def check() -> list[str]:
        direct = os.environ.get(DIRECT_ENV) == "true"
        headers = {os.environ[ORIGIN_HEADER_ENV]: os.environ[ORIGIN_SECRET_ENV]} if direct else {}
        return round_trip(requesting(os.environ[PUBLIC_URL_ENV], headers))

    return report(codedeploy, event, check)
