"""Routes only: parse the request, apply the birthday rules, answer JSON.

`create_app` composes the app from its settings, a store and a clock, so tests pass fakes;
the module-level `app` is the one Lambda serves.
"""

from __future__ import annotations

import gc
from collections.abc import Mapping
from typing import cast

# Init creates ~90,000 long-lived objects (boto3's service model, Chalice); cycle collections
# during init only scan them again and again (~80 ms of a cold start in the Lambda-shaped
# sandbox, see docs/operations.md, "Performance"). Off while the module loads; at its end they are
# frozen out of every later collection, and collection resumes for what requests allocate.
gc.disable()

from chalice.app import Chalice, Response

from chalicelib.birthdays import greeting
from chalicelib.clock import Clock, utc_today
from chalicelib.contract import HEALTH_PATH
from chalicelib.events import StrictChalice
from chalicelib.health import check_health
from chalicelib.lifecycle import prepare_in_lambda
from chalicelib.observability import request_logger
from chalicelib.responses import no_content, not_found, origin_guard, translate_errors
from chalicelib.settings import Settings, load_settings
from chalicelib.storage import BirthdayStore, DynamoBirthdayStore, create_dynamodb_client
from chalicelib.validation import (
    check_json_content_type,
    parse_date_of_birth_body,
    parse_username,
)


def create_app(settings: Settings, store: BirthdayStore, clock: Clock) -> Chalice:
    app = StrictChalice(app_name="hello")
    # Registered first, so it runs outermost and logs the guard's 403s too.
    app.register_middleware(request_logger(settings.log_usernames), "http")
    app.register_middleware(origin_guard(settings.origin_secret), "http")

    # content_types=[]: Chalice checks no Content-Type; PUT checks its own, GET and DELETE none.
    @app.route("/hello/{username}", methods=["PUT"], content_types=[])
    @translate_errors
    def put_birthday(username: str) -> Response:
        """Save or replace a user's date of birth."""
        name = parse_username(username)
        request = app.current_request
        assert request is not None  # Chalice sets it before any view runs
        # Chalice's CaseInsensitiveMapping takes no type parameters.
        headers = cast(Mapping[str, str], request.headers)
        check_json_content_type(headers.get("content-type"))
        # Chalice's hint says str | bytes; it encodes a text body, so a view gets bytes.
        date_of_birth = parse_date_of_birth_body(cast(bytes, request.raw_body), clock())
        store.put(name, date_of_birth)
        return no_content()

    @app.route("/hello/{username}", methods=["GET"], content_types=[])
    @translate_errors
    def get_greeting(username: str) -> Response | dict[str, str]:
        """Greet a user with the days left until their birthday."""
        name = parse_username(username)
        date_of_birth = store.get(name)
        if date_of_birth is None:
            return not_found(f"no date of birth is stored for {name}")
        return {"message": greeting(name, date_of_birth, clock())}

    @app.route("/hello/{username}", methods=["DELETE"], content_types=[])
    @translate_errors
    def delete_user(username: str) -> Response:
        """Erase a user's data; succeeds whether or not the user exists."""
        store.delete(parse_username(username))
        return no_content()

    @app.route(HEALTH_PATH, methods=["GET"], content_types=[])
    @translate_errors
    def health() -> dict[str, str]:
        """Whether this region can read its own table (for DNS failover); never any data."""
        return check_health(store)

    return app


try:
    settings = load_settings()
    store = DynamoBirthdayStore(settings.table_name, create_dynamodb_client)
    if settings.in_lambda:
        prepare_in_lambda(store)
    app = create_app(settings, store, utc_today)
finally:
    gc.freeze()
    gc.enable()
