"""Starts the API exactly as `make run` does (tools.run_local) and talks HTTP to it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.conftest import ROOT


@dataclass
class LocalServer:
    url: str
    process: subprocess.Popen[str]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen[str], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"local server exited early:\n{process.stdout.read()}")
        try:
            urllib.request.urlopen(f"{url}/hello/Nobody", timeout=1)
        except urllib.error.HTTPError:
            return  # any HTTP answer (404 here) means the API is up
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"local server did not answer on {url}")


def start_local_server() -> LocalServer:
    port = free_port()
    env = {**os.environ, "PORT": str(port)}
    env.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.run_local"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_serving(url, process)
    return LocalServer(url=url, process=process)


def stop(server: LocalServer) -> tuple[int, str]:
    """Ctrl-C, as a person would; returns the exit code and everything printed."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGINT)
    output, _ = server.process.communicate(timeout=15)
    return server.process.returncode, output


@pytest.fixture(scope="session")
def local_server() -> Iterator[LocalServer]:
    server = start_local_server()
    yield server
    stop(server)
