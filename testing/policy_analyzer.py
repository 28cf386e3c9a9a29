"""The policy pack as Pulumi runs it: `policy/__main__.py` started from policy/, which serves
Pulumi's analyzer protocol over gRPC and prints its port; the CLI then sends it each resource
(Analyze) and the whole stack (AnalyzeStack). This client does what the CLI does."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from testing.paths import ROOT

PACK = ROOT / "policy"
MANDATORY = analyzer_pb2.MANDATORY


def struct(values: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


@dataclass
class Analyzer:
    stub: analyzer_pb2_grpc.AnalyzerStub

    def policies(self) -> dict[str, int]:
        """Each policy's name and enforcement level, as the pack declares them to Pulumi."""
        info = self.stub.GetAnalyzerInfo(empty_pb2.Empty())
        return {policy.name: policy.enforcementLevel for policy in info.policies}

    def violations(self, resources: list[dict[str, Any]]) -> list[tuple[str, str]]:
        """(policy, message) for every violation the pack reports on these resources."""
        custom = [
            r for r in resources if r.get("custom") and r["type"].startswith(("aws:", "random:"))
        ]
        diagnostics = []
        for r in custom:
            request = analyzer_pb2.AnalyzeRequest(
                type=r["type"], properties=struct(r["state"]), urn=r["urn"], name=r["name"]
            )
            diagnostics += self.stub.Analyze(request).diagnostics
        stack = analyzer_pb2.AnalyzeStackRequest(
            resources=[
                analyzer_pb2.AnalyzerResource(
                    type=r["type"],
                    properties=struct(r["state"]),
                    urn=r["urn"],
                    name=r["name"],
                    dependencies=[
                        u for u in r["dependencies"] if any(c["urn"] == u for c in custom)
                    ],
                )
                for r in custom
            ]
        )
        diagnostics += self.stub.AnalyzeStack(stack).diagnostics
        # A diagnostic's message is the policy's description, a newline, then what it reported.
        return [(d.policyName, d.message.split("\n", 1)[1]) for d in diagnostics]


@contextmanager
def running_pack() -> Iterator[Analyzer]:
    process = subprocess.Popen(
        [sys.executable, "__main__.py"], cwd=PACK, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None  # stdout=PIPE
        port = int(process.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield Analyzer(analyzer_pb2_grpc.AnalyzerStub(channel))
    finally:
        process.kill()
        process.wait()
