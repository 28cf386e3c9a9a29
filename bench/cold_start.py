"""Cold start in a Lambda-shaped interpreter (only the unzipped package, the standard library and
boto3 on the path): import the handler and serve one GET against a stubbed DynamoDB client.

Floor: the same kind of fresh interpreter importing boto3, creating a DynamoDB client, making the
same stubbed call and returning a canned response. Rounds alternate app and floor.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.report import AtMost, figure, median
from chalicelib.contract import (
    LAMBDA_FUNCTION_NAME_ENV,
    ORIGIN_HEADER,
    ORIGIN_SECRET_ENV,
    PARTITION_KEY,
    TABLE_NAME_ENV,
)
from pulumi_chalice.chalice_package import build_deployment_package, building_runtime
from testing.lambda_sandbox import api_gateway_event, lambda_python, provided_packages, unpack

ITEM = {"Item": {PARTITION_KEY: {"S": "Alice"}, "dateOfBirth": {"S": "1990-05-17"}}}

# Both scripts time from their first line to the response, so interpreter start-up (the same for
# both) is left out, and print the CPU time too (what Lambda's slice of a vCPU has to cover).
APP = """
import time; started = time.perf_counter(); cpu = time.process_time()
{prelude}
import json
import app as handler_module  # in Lambda mode: the client is created here, during init
from botocore.stub import Stubber
stub = Stubber(handler_module.store.client)
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
SECRET = "bench-secret"  # noqa: S105 - a made-up origin secret for the sandbox

# What the Lambda runtime and the stack give a deployed function.
ENV = {
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
    LAMBDA_FUNCTION_NAME_ENV: "hello-bench",
    TABLE_NAME_ENV: "t",
    ORIGIN_SECRET_ENV: SECRET,
}
TARGET_RATIO = AtMost(1.10)


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
        runtime = building_runtime()
        builds = {
            "bytecode": build_deployment_package("hello_app", runtime, "arm64"),
            "source_only": build_deployment_package("hello_app", runtime, "arm64", False),
        }
        code = {name: unpack(zip_path, work / name) for name, zip_path in builds.items()}
        provided = provided_packages(work / "provided")
        with_xray = provided_packages(work / "provided-xray", extra=("aws-xray-sdk", "wrapt"))

        event = api_gateway_event("GET", "Alice", headers={ORIGIN_HEADER: SECRET})
        app_script = APP.format(item=ITEM, event=event, prelude="")
        xray_script = APP.format(item=ITEM, event=event, prelude=XRAY_PATCH)
        floor_script = FLOOR.format(item=ITEM, key={PARTITION_KEY: {"S": "Alice"}})
        times: dict[str, list[float]] = {"bytecode": [], "source_only": [], "floor": [], "xray": []}
        cpu: list[float] = []
        for name in builds:  # warm the OS file cache once, unmeasured
            run_script(code[name], provided, app_script)
        for _ in range(rounds):  # alternating, so that load drifts touch every figure alike
            wall, app_cpu = run_script(code["bytecode"], provided, app_script)
            times["bytecode"].append(wall)
            cpu.append(app_cpu)
            times["source_only"].append(run_script(code["source_only"], provided, app_script)[0])
            times["floor"].append(run_script(code["bytecode"], provided, floor_script)[0])
            times["xray"].append(run_script(code["bytecode"], with_xray, xray_script)[0])

    floor = median(times["floor"])
    note = f"median of {rounds}, init + first GET in Lambda mode"
    figure("cold_start_ms", median(times["bytecode"]), "ms", f"{runtime} bytecode; {note}")
    figure("cold_floor_ms", floor, "ms", "boto3 import + client + one stubbed call")
    figure("cold_start_ratio", median(times["bytecode"]) / floor, "x", "", TARGET_RATIO)
    figure(
        "cold_start_ratio_source_only",
        median(times["source_only"]) / floor,
        "x",
        "the same package without bytecode",
        TARGET_RATIO,
    )
    figure("cold_start_cpu_ms", median(cpu), "ms", "CPU time on one core of this machine")
    figure(
        "xray_patch_cold_ms",
        median(times["xray"]) - median(times["bytecode"]),
        "ms",
        "added by aws-xray-sdk patch(['botocore']): not shipped",
    )


if __name__ == "__main__":
    main()
