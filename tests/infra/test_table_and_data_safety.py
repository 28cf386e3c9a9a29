"""BirthdayTable and what keeps its data: PITR, encryption, protection, backups."""

from __future__ import annotations

from tests.infra.conftest import Stack

TABLE = "aws:dynamodb/table:Table"


def test_table_properties(stack: Stack) -> None:
    table = stack.state(TABLE)
    assert table["billingMode"] == "PAY_PER_REQUEST"
    assert table["hashKey"] == "username"
    assert table["attributes"] == [{"name": "username", "type": "S"}]
    assert "rangeKey" not in table
    assert table["pointInTimeRecovery"] == {
        "enabled": True,
        "recoveryPeriodInDays": stack.settings["pitr_recovery_days"],
    }
    assert table["serverSideEncryption"] == {"enabled": True}
    assert stack.provider_region(stack.one(TABLE)) == stack.expected["region"]


def test_prod_destroy_cannot_delete_the_table(prod: Stack) -> None:
    table = prod.one(TABLE)
    assert table["protect"] is True  # `pulumi destroy` refuses
    assert table["retainOnDelete"] is True  # removed from the stack, kept in AWS
    assert table["state"]["deletionProtectionEnabled"] is True  # DynamoDB refuses DeleteTable


def test_dev_table_can_be_torn_down(dev: Stack) -> None:
    table = dev.one(TABLE)
    assert table["protect"] is False
    assert table["retainOnDelete"] is False
    assert table["state"]["deletionProtectionEnabled"] is False


def test_prod_backs_the_table_up_daily(prod: Stack) -> None:
    plan = prod.state("aws:backup/plan:Plan")
    vault = prod.state("aws:backup/vault:Vault")
    (rule,) = plan["rules"]
    assert rule["targetVaultName"] == vault["name"]
    assert rule["schedule"] == "cron(0 3 * * ? *)"
    assert rule["lifecycle"]["deleteAfter"] == prod.settings["backup_retention_days"]
    selection = prod.state("aws:backup/selection:Selection")
    assert selection["resources"] == [prod.state(TABLE)["arn"]]
    assert selection["planId"] == prod.one("aws:backup/plan:Plan")["id"]
    assert selection["iamRoleArn"] == prod.state("aws:iam/role:Role", "-backup-role")["arn"]
