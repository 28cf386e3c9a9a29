"""What the app and the infrastructure must agree on, written once.

The app reads these names; the Pulumi program imports this module (as
`chalicelib.contract`) to build the function's environment, its IAM statement, the
table's key schema, CloudFront's origin header and the alarms per DynamoDB operation; the local
runner creates its table from it. Standard library only: it is imported by both halves.
"""

from __future__ import annotations

from typing import Any

# The function's environment.
TABLE_NAME_ENV = "HELLO_TABLE_NAME"
ORIGIN_SECRET_ENV = "HELLO_ORIGIN_SECRET"  # noqa: S105 - a variable's name, not a secret
LOG_USERNAMES_ENV = "HELLO_LOG_USERNAMES"
# Set by the Lambda runtime in every function: its presence means "deployed".
LAMBDA_FUNCTION_NAME_ENV = "AWS_LAMBDA_FUNCTION_NAME"

# Every answer names the function version that produced it, so that a probe watching a
# release can tell the old version from the new (chalice local answers $LATEST).
VERSION_HEADER = "X-Function-Version"

# Outside Lambda (chalice local, tests, packaging) the table defaults to the local runner's.
LOCAL_TABLE_NAME = "hello-local"

# Log events the operators' alarms count (a metric filter on the function's log group).
STORAGE_MISCONFIGURED_EVENT = "storage_misconfigured"

# CloudFront adds this header with the secret; the app refuses requests without it.
ORIGIN_HEADER = "X-Origin-Verify"

# The table: one item per user, keyed by the username as sent (case-sensitive), paid per request.
PARTITION_KEY = "username"
PARTITION_KEY_TYPE = "S"
BILLING_MODE = "PAY_PER_REQUEST"

# The DynamoDB operations the app performs, by their API names: the IAM actions
# (dynamodb:<operation>), the per-operation metrics and the storage calls all derive from these.
GET_ITEM = "GetItem"
PUT_ITEM = "PutItem"
DELETE_ITEM = "DeleteItem"
DYNAMODB_OPERATIONS = (GET_ITEM, PUT_ITEM, DELETE_ITEM)

# The health route a region's DNS health check calls (Route 53 health checks send no headers,
# so it is the one route exempt from the origin check): it reads HEALTH_KEY from the region's
# own replica, strongly consistent, and answers 200 or 503, never data. HEALTH_KEY is no
# username (usernames are letters only), so it can never collide with a user's item.
HEALTH_PATH = "/health"
HEALTH_KEY = "#health"

# API Gateway's stage, the first segment of every URL path behind the stage URL.
STAGE_NAME = "api"


def dynamodb_actions() -> list[str]:
    """The IAM actions the app's role needs on its table, and no others."""
    return [f"dynamodb:{operation}" for operation in DYNAMODB_OPERATIONS]


def create_table_request(table_name: str) -> dict[str, Any]:
    """DynamoDB CreateTable's arguments for the table, as the local runner and tests create it."""
    return {
        "TableName": table_name,
        "BillingMode": BILLING_MODE,
        "KeySchema": [{"AttributeName": PARTITION_KEY, "KeyType": "HASH"}],
        "AttributeDefinitions": [
            {"AttributeName": PARTITION_KEY, "AttributeType": PARTITION_KEY_TYPE}
        ],
    }
