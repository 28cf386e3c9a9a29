"""What one hello request is, in the units AWS bills and limits: the assumptions the cost model
(cost/) and the limits (hello_stack/limits.py) share, written once.

These are estimates, not measurements on AWS (nothing here ran there): each says where it comes
from. The Lambda architecture is Chalice's setting (hello_app/.chalice/config.json), not a copy.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

CHALICE_CONFIG = Path(__file__).resolve().parents[1] / "hello_app" / ".chalice" / "config.json"

# The request mix: half `GET /hello/<username>`, half `PUT` (DELETE is rare enough to ignore).
GET_SHARE = 0.5
PUT_SHARE = 1 - GET_SHARE
# A GET is one strongly consistent GetItem (hello_app/chalicelib/storage.py: ConsistentRead) of
# an item under 4 KB: 1 read unit. A PUT is one PutItem of an item under 1 KB: 1 write unit.
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
READ_UNITS_PER_GET = 1.0
WRITE_UNITS_PER_PUT = 1.0
# Lambda gives one vCPU at 1,769 MB and CPU in proportion below it, so CPU-bound work takes
# FULL_VCPU_MB / memory times longer there; waiting on the network does not.
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
FULL_VCPU_MB = 1769
# A warm invocation at one full vCPU: ~1 ms of CPU (the app's ~0.13 ms, docs/operations.md,
# "Lambda memory", plus botocore building, signing and parsing its one DynamoDB call: an
# estimate, not measured here) and ~9 ms of waiting (the DynamoDB round trip and the runtime
# API's hand-offs), 10 ms.
# Only the CPU part slows down below one vCPU.
WARM_CPU_MS = 1.0
WARM_WAIT_MS = 9.0
# Init (cold start) CPU at one full vCPU (bench's cold_start_ms, docs/benchmarks.md).
INIT_CPU_SECONDS = 0.25
# Bytes per request: the response CloudFront sends the client (headers + a JSON body under
# 100 bytes), and the request CloudFront forwards to API Gateway (headers, origin secret, body).
RESPONSE_BYTES = 500
REQUEST_BYTES = 700
# Log bytes per request: the app's JSON line, Lambda's START/END/REPORT lines, the access log line.
APP_LOG_BYTES = 250
PLATFORM_LOG_BYTES = 350
ACCESS_LOG_BYTES = 350
# Busiest minute over the month's average rate: what always-on capacity and limits must absorb.
PEAK_TO_AVERAGE = 3.0
# Seconds in AWS's billing month (730 hours).
MONTH_SECONDS = 730 * 3600


def lambda_architecture() -> str:
    """arm64 or x86_64, as Chalice deploys the function."""
    return json.loads(CHALICE_CONFIG.read_text()).get("lambda_architecture", "x86_64")


def average_rps(requests_per_month: float) -> float:
    return requests_per_month / MONTH_SECONDS


def peak_rps(requests_per_month: float) -> float:
    return average_rps(requests_per_month) * PEAK_TO_AVERAGE


def cpu_slowdown(memory_mb: int) -> float:
    """How much longer CPU-bound work takes at this memory than at one full vCPU."""
    return max(1.0, FULL_VCPU_MB / memory_mb)


def init_seconds(memory_mb: int) -> float:
    """A cold start's init at this memory: CPU-bound, so slower below one vCPU."""
    return INIT_CPU_SECONDS * cpu_slowdown(memory_mb)


def warm_billed_ms(memory_mb: int) -> int:
    """A warm invocation's billed duration at this memory: its CPU part slowed below one vCPU,
    its waiting not; Lambda rounds each invocation up to the millisecond.
    https://aws.amazon.com/lambda/pricing/"""
    return math.ceil(WARM_CPU_MS * cpu_slowdown(memory_mb) + WARM_WAIT_MS)


def warm_seconds(memory_mb: int) -> float:
    return warm_billed_ms(memory_mb) / 1000
