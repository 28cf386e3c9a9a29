"""The local server `make run` serves: the app under Chalice's local server, DynamoDB emulated."""
