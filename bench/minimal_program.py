"""The floor of `make bench`'s evaluation figure: a Pulumi program of one DynamoDB table,
evaluated as hello's is (a fresh process, pulumi-aws imported, the same mocks and harness:
testing/evaluate_stack.py). hello's evaluation time over this one's is a ratio that holds on a
faster machine. Run as `python -m bench.minimal_program`."""

from __future__ import annotations

import pulumi_aws as aws

from testing.evaluate_stack import record


def program() -> None:
    aws.dynamodb.Table(
        "table",
        attributes=[{"name": "username", "type": "S"}],
        hash_key="username",
        billing_mode="PAY_PER_REQUEST",
    )


def main() -> None:
    recorded = record(program, "minimal", "dev", {"aws:region": "eu-west-1"})
    assert [r["type"] for r in recorded["resources"] if r["id"]] == ["aws:dynamodb/table:Table"]


if __name__ == "__main__":
    main()
