"""`make run`: the API under `chalice local`, backed by moto's DynamoDB emulator on loopback.

Data lives in the emulator's memory and is gone when this process stops. The HTTP layer is
Chalice's local server with a sturdier request handler: every answer is JSON (also protocol
errors), a body that never arrives in full is a 400 after a few seconds, and a client that
hangs up prints nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import logging
import os
import re
import signal
import sys
from http import HTTPStatus
from pathlib import Path
from typing import Any

import boto3
from chalice.cli.factory import CLIFactory
from chalice.deploy.validate import validate_routes
from chalice.local import ChaliceRequestHandler, LocalDevServer
from moto.server import ThreadedMotoServer

from chalicelib.contract import LOCAL_TABLE_NAME, TABLE_NAME_ENV, create_table_request

PROJECT_DIR = Path(__file__).resolve().parent.parent / "hello_app"
LOOPBACK = "127.0.0.1"
DIGITS = re.compile(r"[0-9]+")  # str.isdigit() would also take "²"
CHALICE_STAGE = "dev"
# A slow client gets this long per read (request line, headers, body) before a 400.
READ_TIMEOUT_SECONDS = 5
# The app refuses bodies over 1 KiB itself; the server will not even read past this.
MAX_BODY_BYTES = 64 * 1024
# Chalice's error codes for what the HTTP layer refuses, in the app's {"Code", "Message"} shape.
ERROR_CODES = {
    HTTPStatus.BAD_REQUEST: "BadRequestError",
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "RequestEntityTooLarge",
}


class HttpError(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


class SturdyRequestHandler(ChaliceRequestHandler):
    """Chalice's local handler, answering JSON to whatever a client sends."""

    timeout = READ_TIMEOUT_SECONDS  # socketserver applies it to the connection's socket

    def __getattr__(self, name: str) -> Any:
        # Every method reaches Chalice (405 JSON for one the route does not serve, as for PATCH)
        # instead of http.server's 501 page for methods it has no do_X for (TRACE, QUERY...).
        if name.startswith("do_"):
            return self._generic_handle
        raise AttributeError(name)

    def _parse_payload(self) -> tuple[dict[str, str], bytes | None]:
        raw_length = self.headers.get("content-length", "0").strip()
        if not DIGITS.fullmatch(raw_length):
            raise HttpError(HTTPStatus.BAD_REQUEST, f"invalid Content-Length: {raw_length!r}")
        length = int(raw_length)
        if length > MAX_BODY_BYTES:
            raise HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request body is too large")
        body = bytearray()
        while len(body) < length:  # piece by piece, so a timeout keeps what did arrive
            try:
                chunk = self.rfile.read1(length - len(body))
            except TimeoutError:
                break
            if not chunk:
                break
            body += chunk
        if len(body) < length:
            raise HttpError(
                HTTPStatus.BAD_REQUEST,
                f"request body ended after {len(body)} of its {length} bytes",
            )
        return dict(self.headers), bytes(body) if length else None

    def _generic_handle(self) -> None:
        try:
            super()._generic_handle()
        except HttpError as error:
            self.send_error(error.status, str(error))

    # Chalice binds these to its own _generic_handle; bind them to this one.
    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's error page, as JSON; the connection is closed after it."""
        status = HTTPStatus(code)
        body = json.dumps(
            {
                "Code": ERROR_CODES.get(status, status.phrase.replace(" ", "")),
                "Message": message or status.phrase,
            }
        ).encode()
        self.log_error("code %d, message %s", code, message)
        self.close_connection = True
        # An unparsable request line leaves HTTP/0.9, which has no status line nor headers.
        self.request_version = self.protocol_version
        self.send_response(code, status.phrase)
        self.send_header("Connection", "close")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionError, TimeoutError):
            self.close_connection = True  # the client went away: nothing to tell anyone

    def finish(self) -> None:
        with contextlib.suppress(ConnectionError):
            super().finish()


def handler_class(read_timeout: float = READ_TIMEOUT_SECONDS) -> type[SturdyRequestHandler]:
    """SturdyRequestHandler giving a client `read_timeout` seconds per read."""
    return type(SturdyRequestHandler.__name__, (SturdyRequestHandler,), {"timeout": read_timeout})


def create_server(port: int, read_timeout: float = READ_TIMEOUT_SECONDS) -> LocalDevServer:
    """Chalice's local server for the project, bound to loopback (port 0: any free port); a
    client gets `read_timeout` seconds per read."""
    factory = CLIFactory(project_dir=str(PROJECT_DIR))
    config = factory.create_config_obj(chalice_stage_name=CHALICE_STAGE)
    validate_routes(config.chalice_app.routes)
    server = factory.create_local_server(config.chalice_app, config, LOOPBACK, port)
    # Chalice offers no way to pass a handler class: give the bound socket server ours.
    server.server.RequestHandlerClass = functools.partial(
        handler_class(read_timeout), app_object=config.chalice_app, config=config
    )
    return server


def start_emulator() -> tuple[ThreadedMotoServer, str]:
    emulator = ThreadedMotoServer(ip_address=LOOPBACK, port=0, verbose=False)
    emulator.start()
    host, port = emulator.get_host_and_port()
    return emulator, f"http://{host}:{port}"


def point_at_emulator(endpoint: str, table_name: str) -> None:
    # Fake credentials on purpose: even with real ones in the shell, nothing reaches AWS.
    os.environ.update(
        {
            "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            TABLE_NAME_ENV: table_name,
        }
    )
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


def create_table_if_missing(table_name: str) -> None:
    client = boto3.client("dynamodb")
    # A shared emulator (--emulator): another server may have created it already.
    with contextlib.suppress(client.exceptions.ResourceInUseException):
        client.create_table(**create_table_request(table_name))


def port_number(text: str) -> int:
    """PORT as a person types it: a whole number from 0 (any free port) to 65535."""
    if not DIGITS.fullmatch(text.strip()) or int(text) > 65535:
        raise ValueError(
            f"PORT must be a whole number from 0 to 65535 (0: any free port), not {text!r}"
        )
    return int(text)


def positive_seconds(text: str) -> float:
    seconds = float(text)
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text!r}")
    return seconds


def stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # so a supervisor's SIGTERM stops as cleanly as Ctrl-C


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--table", default=LOCAL_TABLE_NAME)
    parser.add_argument(
        "--emulator",
        metavar="URL",
        help="use this running DynamoDB emulator (the table is created if missing) instead of"
        " starting one: the failover drill's regions share one",
    )
    parser.add_argument(
        "--read-timeout",
        type=positive_seconds,
        default=READ_TIMEOUT_SECONDS,
        help=f"seconds a client gets per read before a 400 (default {READ_TIMEOUT_SECONDS})",
    )
    args = parser.parse_args(argv)
    try:
        port = port_number(os.environ.get("PORT", "8000"))
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    # Shells start background jobs with SIGINT ignored; Ctrl-C / kill -INT must still stop us.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # The same stdout logging `chalice local` configures, without the emulator's own access log.
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    for noisy in ("werkzeug", "botocore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    emulator, endpoint = (None, args.emulator) if args.emulator else start_emulator()
    try:
        point_at_emulator(endpoint, args.table)
        create_table_if_missing(args.table)
        try:
            server = create_server(port, args.read_timeout)
        except OSError as error:  # typically the port is taken
            print(
                f"Cannot serve on {LOOPBACK}:{port}: {error.strerror or error}. "
                "Try PORT=<another port> make run.",
                file=sys.stderr,
            )
            return 1
        url = f"http://{LOOPBACK}:{server.server.server_address[1]}"
        print(f"DynamoDB emulator (in memory) on {endpoint}, table {args.table}")
        print(f"Serving the hello API on {url}   (Ctrl-C stops everything)")
        print(
            f"  curl -i -X PUT {url}/hello/Alice -H 'Content-Type: application/json' "
            """-d '{"dateOfBirth": "1990-05-17"}'"""
        )
        print(f"  curl -i {url}/hello/Alice", flush=True)
        try:
            server.server.serve_forever()
        finally:
            server.server.server_close()
    except KeyboardInterrupt:
        print("Stopped.")
    finally:
        if emulator is not None:
            emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
