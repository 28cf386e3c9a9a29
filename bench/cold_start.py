"""Cold start in a Lambda-shaped interpreter (only the unzipped package, the standard library and
boto3 on the path): import the handler and serve one GET against a stubbed DynamoDB client.

Floor: the same kind of fresh interpreter importing boto3, creating a DynamoDB client, making the
same stubbed call and returning a canned response. Rounds alternate app and floor.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.report import figure, median
from components.chalice_package import build_deployment_package
from hello_app.chalicelib.contract import PARTITION_KEY, TABLE_NAME_ENV
from tools.lambda_sandbox import api_gateway_event, lambda_python, provided_packages, unpack

ITEM = {"Item": {PARTITION_KEY: {"S": "Alice"}, "dateOfBirth": {"S": "1990-05-17"}}}

# Both scripts time from their first line to the response, so interpreter start-up (the same for
# both) is left out, and print the CPU time too (what Lambda's slice of a vCPU has to cover).
APP = """
import time; started = time.perf_counter(); cpu = time.process_time()
{prelude}
import json
import app as handler_module
from botocore.stub import Stubber
stub = Stubber(handler_module.store.client)  # the client the first request creates
stub.add_response("get_item", {item})
stub.activate()
response = handler_module.app({event}, None)
assert response["statusCode"] == 200, response
print("ELAPSED", time.perf_counter() - started, time.process_time() - cpu)
"""

FLOOR = """
import time; started = time.perf_counter(); cpu = time.process_time()
import json
import boto3
from botocore.stub import Stubber
client = boto3.client("dynamodb")
stub = Stubber(client)
stub.add_response("get_item", {item})
stub.activate()
client.get_item(TableName="t", Key={key}, ConsistentRead=True)
response = {{"statusCode": 200, "body": json.dumps({{"message": "Hello"}})}}
print("ELAPSED", time.perf_counter() - started, time.process_time() - cpu)
"""

XRAY_PATCH = "from aws_xray_sdk.core import patch; patch(['botocore'])"

ENV = {
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    TABLE_NAME_ENV: "t",
    "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
}


def run_script(code: Path, provided: Path, script: str) -> tuple[float, float]:
    result = lambda_python(code, provided, script, ENV)
    if result.returncode != 0:
        raise RuntimeError(result.stderr)
    line = next(x for x in result.stdout.splitlines() if x.startswith("ELAPSED"))
    _, wall, cpu = line.split()
    return float(wall) * 1000, float(cpu) * 1000


def main(rounds: int = 9) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        package = build_deployment_package("hello_app", "python3.12", "arm64")
        code = unpack(package, work / "code")
        provided = provided_packages(work / "provided")
        with_xray = provided_packages(work / "provided-xray", extra=("aws-xray-sdk", "wrapt"))

        event = api_gateway_event("GET", "Alice")
        app_script = APP.format(item=ITEM, event=event, prelude="")
        xray_script = APP.format(item=ITEM, event=event, prelude=XRAY_PATCH)
        floor_script = FLOOR.format(item=ITEM, key={PARTITION_KEY: {"S": "Alice"}})
        app, floor, xray, app_cpu = [], [], [], []
        run_script(code, provided, app_script)  # warm the OS file cache once, unmeasured
        for _ in range(rounds):
            wall, cpu = run_script(code, provided, app_script)
            app.append(wall)
            app_cpu.append(cpu)
            floor.append(run_script(code, provided, floor_script)[0])
            xray.append(run_script(code, with_xray, xray_script)[0])

    figure("cold_start_ms", median(app), "ms", f"median of {rounds}, target ratio <= 1.15")
    figure("cold_floor_ms", median(floor), "ms", "boto3 import + client + one stubbed call")
    figure("cold_start_ratio", median(app) / median(floor), "x")
    figure("cold_start_cpu_ms", median(app_cpu), "ms", "CPU time on one core of this machine")
    figure(
        "xray_patch_cold_ms",
        median(xray) - median(app),
        "ms",
        "added by aws-xray-sdk patch(['botocore']): not shipped",
    )


if __name__ == "__main__":
    main()
