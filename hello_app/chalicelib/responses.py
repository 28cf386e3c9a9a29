"""Maps domain failures to JSON error responses in Chalice's own error shape."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import Any

from chalice.app import Response, error_response

from chalicelib.contract import HEALTH_PATH, ORIGIN_HEADER, STORAGE_MISCONFIGURED_EVENT
from chalicelib.observability import log_exception
from chalicelib.storage import StorageMisconfigured, StorageUnavailable
from chalicelib.validation import BodyTooLarge, InvalidInput, UnsupportedMediaType

RETRY_AFTER_SECONDS = "1"


def no_content() -> Response:
    return Response(body="", status_code=204)


def not_found(message: str) -> Response:
    return error_response(message, "NotFoundError", 404)


def internal_error() -> Response:
    """Chalice's own 500 answer: nothing about the cause reaches the client."""
    return error_response("An internal server error occurred.", "InternalServerError", 500)


def translate_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """Turns InvalidInput into 400/413/415, StorageUnavailable (transient) into 503 with
    Retry-After, StorageMisconfigured (it will not fix itself) and any other exception into
    Chalice's own 500 answer, each logged as one JSON line with the request id and its own
    event name."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except BodyTooLarge as error:
            return error_response(str(error), "RequestEntityTooLarge", 413)
        except UnsupportedMediaType as error:
            return error_response(str(error), "UnsupportedMediaType", 415)
        except InvalidInput as error:
            return error_response(str(error), "BadRequestError", 400)
        except StorageUnavailable as error:
            log_exception("storage_unavailable", error)
            return error_response(
                "the service is temporarily unavailable, please retry",
                "ServiceUnavailable",
                503,
                headers={"Retry-After": RETRY_AFTER_SECONDS},
            )
        except StorageMisconfigured as error:
            log_exception(STORAGE_MISCONFIGURED_EVENT, error)
            return internal_error()
        except Exception as error:
            log_exception("unhandled_error", error)
            return internal_error()

    return wrapper


def origin_guard(secret: str | None) -> Callable[[Any, Callable[[Any], Any]], Any]:
    """Chalice HTTP middleware: with a secret set, serve only requests that came via CloudFront,
    except on the health route (Route 53's health checks cannot send the header). `request.path`
    is the matched route's template (API Gateway's resourcePath), never a user's path, so only
    that one route is exempt; other methods on it reach Chalice, which answers them 405."""

    def check_origin(request: Any, get_response: Callable[[Any], Any]) -> Any:
        if secret is not None and request.path != HEALTH_PATH:
            presented = request.headers.get(ORIGIN_HEADER)  # Chalice's headers ignore case
            if presented is None or not hmac.compare_digest(presented.encode(), secret.encode()):
                return error_response("requests must come through the CDN", "ForbiddenError", 403)
        return get_response(request)

    return check_origin
