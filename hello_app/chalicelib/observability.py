"""One structured JSON log line per request, and error lines that carry the request id."""

from __future__ import annotations

import contextvars
import json
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any, TextIO

from chalicelib.contract import VERSION_HEADER

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def write_log(record: dict[str, Any], stream: TextIO | None = None) -> None:
    # Plain JSON on stdout: the Lambda runtime ships it to CloudWatch as one event, which
    # Logs Insights parses field by field.
    print(json.dumps(record, separators=(",", ":"), default=str), file=stream or sys.stdout)


def log_exception(event: str, error: BaseException) -> None:
    write_log(
        {
            "level": "ERROR",
            "event": event,
            "requestId": _request_id.get(),
            "error": f"{type(error).__name__}: {error}",
            "traceback": "".join(traceback.format_exception(error)),
        }
    )


def request_logger(
    log_usernames: bool, timer: Callable[[], float] = time.perf_counter
) -> Callable[[Any, Callable[[Any], Any]], Any]:
    """Chalice HTTP middleware: time the request and log its outcome. Never logs bodies."""

    def log_request(request: Any, get_response: Callable[[Any], Any]) -> Any:
        context: dict[str, Any] = request.context or {}
        # API Gateway's id ties the line to the access log; locally only the Lambda id exists.
        request_id: str | None = context.get("requestId") or getattr(
            request.lambda_context, "aws_request_id", None
        )
        token = _request_id.set(request_id)
        started = timer()
        try:
            response = get_response(request)
        finally:
            _request_id.reset(token)
        version = getattr(request.lambda_context, "function_version", None)
        if version:
            response.headers[VERSION_HEADER] = version
        record: dict[str, Any] = {
            "level": "INFO",
            "event": "request",
            "requestId": request_id,
            "method": request.method,
            "route": context.get("resourcePath"),
            "status": response.status_code,
            "latencyMs": round((timer() - started) * 1000, 3),
            "version": version,
        }
        if log_usernames:
            parameters: dict[str, str] = request.uri_params or {}
            record["username"] = parameters.get("username")
        write_log(record)
        return response

    return log_request
