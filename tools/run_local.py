"""`make run`: the API under `chalice local`, backed by moto's DynamoDB emulator on loopback.

Data lives in the emulator's memory and is gone when this process stops.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path

import boto3
from chalice.cli import run_local_server
from chalice.cli.factory import CLIFactory
from chalice.local import ChaliceRequestHandler
from moto.server import ThreadedMotoServer

from hello_app.chalicelib.contract import LOCAL_TABLE_NAME, TABLE_NAME_ENV, create_table_request

PROJECT_DIR = Path(__file__).resolve().parent.parent / "hello_app"
LOOPBACK = "127.0.0.1"


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


def route_every_method() -> None:
    """Let Chalice answer every HTTP method (405 JSON for one a route does not serve, as for
    PATCH) instead of http.server's 501 HTML page for methods it has no do_X for (TRACE, QUERY...).
    """

    def any_method(handler: ChaliceRequestHandler, name: str) -> object:
        if name.startswith("do_"):
            return handler._generic_handle
        raise AttributeError(name)

    ChaliceRequestHandler.__getattr__ = any_method  # type: ignore[attr-defined]


def stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # so a supervisor's SIGTERM stops as cleanly as Ctrl-C


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--table", default=LOCAL_TABLE_NAME)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    # Shells start background jobs with SIGINT ignored; Ctrl-C / kill -INT must still stop us.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    route_every_method()
    # The same stdout logging `chalice local` configures, without the emulator's own access log.
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    for noisy in ("werkzeug", "botocore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    emulator, endpoint = start_emulator()
    url = f"http://{LOOPBACK}:{args.port}"
    try:
        point_at_emulator(endpoint, args.table)
        boto3.client("dynamodb").create_table(**create_table_request(args.table))
        print(f"DynamoDB emulator (in memory) on {endpoint}, table {args.table}")
        print(f"Serving the hello API on {url}   (Ctrl-C stops everything)")
        print(
            f"  curl -i -X PUT {url}/hello/Alice -H 'Content-Type: application/json' "
            """-d '{"dateOfBirth": "1990-05-17"}'"""
        )
        print(f"  curl -i {url}/hello/Alice", flush=True)
        run_local_server(CLIFactory(project_dir=str(PROJECT_DIR)), LOOPBACK, args.port, "dev")
    except KeyboardInterrupt:
        print("Stopped.")
    except OSError as error:  # typically the port is taken
        print(f"Cannot serve on {url}: {error}. Try PORT=<another port> make run.", file=sys.stderr)
        return 1
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
