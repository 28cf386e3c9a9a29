"""Starts the API exactly as `make run` does (local.server) and talks HTTP to it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.conftest import ROOT, require_e2e_mark


@dataclass
class LocalServer:
    url: str
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)  # every line printed so far
    done: threading.Event = field(default_factory=threading.Event)

    def read_output(self) -> None:
        assert self.process.stdout  # started with stdout=PIPE
        for line in self.process.stdout:
            self.output.append(line)
        self.done.set()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen[str], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise RuntimeError(f"local server exited early:\n{output}")
        try:
            urllib.request.urlopen(f"{url}/hello/Nobody", timeout=1)
        except urllib.error.HTTPError:
            return  # any HTTP answer (404 here) means the API is up
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"local server did not answer on {url}")


# The tests' server gives a client this long per read, not `make run`'s READ_TIMEOUT_SECONDS:
# a test of a client that hangs waits for it. Loopback clients send at once; 2 s leaves room
# for a busy machine.
READ_TIMEOUT_S = 2.0


def start_local_server(port: int | None = None) -> LocalServer:
    """`python -m local.server` with PORT set (a free one unless given); the URL is the one
    it prints once the port is bound."""
    require_e2e_mark("starts the local server")
    env = {**os.environ, "PORT": str(free_port() if port is None else port)}
    env.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "local.server", "--read-timeout", str(READ_TIMEOUT_S)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = LocalServer(url="", process=process)
    reader = threading.Thread(target=server.read_output, daemon=True)
    reader.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and reader.is_alive():
        if found := re.search(r"Serving the hello API on (\S+)", "".join(server.output)):
            server.url = found.group(1)
            wait_until_serving(server.url, process)
            return server
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("local server did not start:\n" + "".join(server.output))


def stop(server: LocalServer) -> tuple[int, str]:
    """Ctrl-C, as a person would; returns the exit code and everything printed."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGINT)
    code = server.process.wait(timeout=15)
    server.done.wait(timeout=15)
    return code, "".join(server.output)


@pytest.fixture(scope="session")
def local_server() -> Iterator[LocalServer]:
    server = start_local_server()
    yield server
    code, output = stop(server)
    assert code == 0
    assert "Traceback" not in output, output  # whatever the tests sent it
