"""deploy/probe.py against `make run`'s server: a steady stream with no failure while the server
is up, and every failure counted when it goes away half-way."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from deploy.probe import Probe, main
from tests.e2e.conftest import LocalServer, start_local_server, stop


def test_twenty_requests_a_second_for_three_seconds_without_a_failure(
    local_server: LocalServer,
) -> None:
    report = Probe(local_server.url, rate=20).run(3, threading.Event())
    assert report.failures == []
    assert 50 <= report.requests <= 62  # the seed PUT and 20/s for 3 s, give or take a slot
    assert report.versions == {"$LATEST": report.requests}  # chalice local names no version
    assert 0 < report.percentile(0.5) <= report.percentile(0.99)


@pytest.mark.e2e
def test_a_server_that_stops_half_way_fails_the_probe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    server = start_local_server()
    threading.Timer(0.75, stop, args=[server]).start()
    code = main([server.url, "--rate", "20", "--duration", "1.5"])
    assert code == 1
    printed = capsys.readouterr().out
    first = printed.splitlines()[0]
    assert " failures; " in first and not first.split(", ")[1].startswith("0 failures")
    assert "Connection refused" in printed  # each failure says what went wrong
    assert summary.read_text().startswith("### Live probe during the release")
    assert first in summary.read_text()


def test_a_stop_request_ends_the_probe_early(local_server: LocalServer) -> None:
    stop_now = threading.Event()
    threading.Timer(0.5, stop_now.set).start()
    report = Probe(local_server.url, rate=20).run(30, stop_now)
    assert report.seconds < 2 and report.failures == []


def test_a_url_without_a_rate_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """The rate is the WAF's to decide: no default that could exceed a stack's limit."""
    with pytest.raises(SystemExit) as exit_:
        main(["https://cdn.example"])
    assert exit_.value.code == 2
    assert "a URL needs --rate" in capsys.readouterr().err


def test_the_stack_outputs_give_the_url_and_the_rate(
    local_server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = tmp_path / "stack-outputs.json"
    outputs.write_text(json.dumps({"url": local_server.url, "release_probe_rate_per_s": 4.0}))
    ready = tmp_path / "probe.ready"
    assert main(["--outputs", str(outputs), "--duration", "1", "--ready-file", str(ready)]) == 0
    assert ready.exists()
    requests = int(capsys.readouterr().out.split("probe: ")[1].split(" requests")[0])
    assert 4 <= requests <= 6  # the seed PUT and 4 a second for 1 s, give or take a slot
