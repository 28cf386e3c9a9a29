"""The IAM policy simulator runs in one Node process per test process, which answers every batch
in order; a simulator that crashed says why, and the next batch gets a new one."""

from __future__ import annotations

import pytest

from tests.bootstrap.conftest import ALLOWED, DENIED, Simulator, simulator

ROLE = "arn:aws:iam::123456789012:role/reader"
READ_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}


def case(action: str) -> dict[str, object]:
    return {"identityPolicies": [READ_ONLY], "principal": ROLE, "action": action,
            "resource": "arn:aws:s3:::bucket/key"}  # fmt: skip


def test_one_process_answers_each_batch_in_order() -> None:
    first = simulator()
    assert [a["result"] for a in first.ask([case("s3:GetObject")])] == [ALLOWED]
    two = first.ask([case("s3:PutObject"), case("s3:GetObject")])
    assert [a["result"] for a in two] == [DENIED, ALLOWED]
    assert simulator() is first and first.process.poll() is None


def test_a_crash_says_why_and_the_next_batch_gets_a_new_simulator() -> None:
    broken = Simulator()
    with pytest.raises(AssertionError, match=r"(?s)iam-simulate\.mjs ended: .*TypeError"):
        broken.ask([{"principal": 5}])  # not an ARN: the script fails on it
    assert broken.process.returncode != 0
    current = simulator()
    current.process.kill()
    current.process.wait()
    replaced = simulator()
    assert replaced is not current
    assert [a["result"] for a in replaced.ask([case("s3:GetObject")])] == [ALLOWED]
