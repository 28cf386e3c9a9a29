"""Routes only: parse the request, apply the birthday rules, answer JSON."""

from __future__ import annotations

from datetime import UTC, date, datetime

from chalice import Chalice, Response

from chalicelib.birthdays import greeting
from chalicelib.observability import request_logger
from chalicelib.responses import no_content, not_found, origin_guard, translate_errors
from chalicelib.settings import Settings
from chalicelib.storage import BirthdayStore, create_dynamodb_client
from chalicelib.validation import parse_date_of_birth_body, parse_username

app = Chalice(app_name="hello")
settings = Settings.from_environ()
store = BirthdayStore(settings.table_name, client_factory=create_dynamodb_client)

# Registered first, so it runs outermost and logs the guard's 403s too.
app.register_middleware(request_logger(settings.log_usernames), "http")
app.register_middleware(origin_guard(settings.origin_secret), "http")


def utc_today() -> date:
    return datetime.now(UTC).date()


@app.route("/hello/{username}", methods=["PUT"], content_types=["application/json"])
@translate_errors
def put_birthday(username: str) -> Response:
    """Save or replace a user's date of birth."""
    name = parse_username(username)
    date_of_birth = parse_date_of_birth_body(app.current_request.raw_body, utc_today())
    store.put(name, date_of_birth)
    return no_content()


@app.route("/hello/{username}", methods=["GET"])
@translate_errors
def get_greeting(username: str) -> Response | dict[str, str]:
    """Greet a user with the days left until their birthday."""
    name = parse_username(username)
    date_of_birth = store.get(name)
    if date_of_birth is None:
        return not_found(f"no date of birth is stored for {name}")
    return {"message": greeting(name, date_of_birth, utc_today())}


@app.route("/hello/{username}", methods=["DELETE"])
@translate_errors
def delete_user(username: str) -> Response:
    """Erase a user's data; succeeds whether or not the user exists."""
    store.delete(parse_username(username))
    return no_content()
