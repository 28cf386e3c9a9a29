"""The floor of `make bench`'s warm figure: the smallest Chalice app serving the same two
requests with the same DynamoDB calls as hello's (the key, ConsistentRead and projection of the
read; the item of the write), and nothing else: no validation, no middleware, no logging, no
error mapping. hello's warm time over this one's is a ratio that holds on a faster machine."""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice, Response

from chalicelib.contract import PARTITION_KEY
from chalicelib.storage import DATE_OF_BIRTH_ATTRIBUTE as DATE_OF_BIRTH


def create_minimal_app(client: Any, table_name: str) -> Chalice:
    app = Chalice(app_name="minimal")

    @app.route("/hello/{username}", methods=["PUT"])
    def put(username: str) -> Response:
        request = app.current_request
        assert request is not None  # Chalice sets it for every request it routes
        date_of_birth = request.json_body[DATE_OF_BIRTH]
        item = {PARTITION_KEY: {"S": username}, DATE_OF_BIRTH: {"S": date_of_birth}}
        client.put_item(TableName=table_name, Item=item)
        return Response(body="", status_code=204)

    @app.route("/hello/{username}", methods=["GET"])
    def get(username: str) -> dict[str, str]:
        item = client.get_item(
            TableName=table_name,
            Key={PARTITION_KEY: {"S": username}},
            ConsistentRead=True,
            ProjectionExpression=DATE_OF_BIRTH,
        )["Item"]
        return {"message": f"Hello, {username}! Born {item[DATE_OF_BIRTH]['S']}"}

    return app
