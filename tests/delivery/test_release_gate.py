"""deploy/release_gate.py against an HTTP server answering as GitHub's REST API does for the two
questions it asks: the actor's role on the repository, and whether the commit is on main."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from deploy import release_gate

REPOSITORY = "acme/hello"
SHA = "0123456789abcdef0123456789abcdef01234567"
# What GitHub answers, by path: the role of each user, the status of each comparison.
ROLES = {"maya": "maintain", "ada": "admin", "wes": "write", "tri": "triage"}
COMPARISONS = {f"main...{SHA}": "behind", "main...fedcba": "diverged", "main...0a0a0a": "ahead"}


class GitHub(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        assert self.headers["Authorization"] == "Bearer t0ken"
        prefix = f"/repos/{REPOSITORY}/"
        body: dict[str, Any] | None = None
        if self.path.startswith(prefix + "collaborators/") and self.path.endswith("/permission"):
            user = self.path.split("/")[-2]
            if user in ROLES:
                body = {"permission": "write", "role_name": ROLES[user]}
        elif self.path.startswith(prefix + "compare/"):
            status = COMPARISONS.get(self.path.removeprefix(prefix + "compare/"))
            body = {"status": status} if status else None
        payload = json.dumps(body or {"message": "Not Found"}).encode()
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def github() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), GitHub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def gate(monkeypatch: pytest.MonkeyPatch, api: str, actor: str, sha: str = SHA) -> int:
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    monkeypatch.setenv("GITHUB_API_URL", api)
    return release_gate.main(["--repository", REPOSITORY, "--actor", actor, "--sha", sha])


@pytest.mark.parametrize("actor", ["maya", "ada"])
def test_a_maintainer_releasing_a_commit_on_main_opens_the_gate(
    monkeypatch: pytest.MonkeyPatch, github: str, actor: str, capsys: pytest.CaptureFixture
) -> None:
    assert gate(monkeypatch, github, actor) == 0
    assert f"prod gate open: {actor} released {SHA}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("actor", "sha", "reason"),
    [
        ("wes", SHA, "wes is 'write' on acme/hello: only admin or maintain may release"),
        ("tri", SHA, "tri is 'triage'"),
        ("stranger", SHA, "GitHub API /repos/acme/hello/collaborators/stranger/permission"),
        ("maya", "fedcba", "fedcba is not on main ('diverged'): release from main"),
        ("maya", "0a0a0a", "0a0a0a is not on main ('ahead')"),
        ("maya", "unknown", "GitHub API /repos/acme/hello/compare/main...unknown"),
    ],
)
def test_anything_else_closes_it_saying_why(
    monkeypatch: pytest.MonkeyPatch,
    github: str,
    capsys: pytest.CaptureFixture,
    actor: str,
    sha: str,
    reason: str,
) -> None:
    assert gate(monkeypatch, github, actor, sha) == 1
    assert reason in capsys.readouterr().err


def test_without_a_token_or_with_a_strange_api_url_it_stays_closed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    assert release_gate.main(["--repository", REPOSITORY, "--actor", "ada", "--sha", SHA]) == 1
    assert "GITHUB_TOKEN is not set" in capsys.readouterr().err
    assert gate(monkeypatch, "file:///etc", "ada") == 1
    assert "is not an HTTP(S) URL" in capsys.readouterr().err
