"""The health route's answer: whether this region's API can read its own table, and nothing else.

Route 53 health checks send no headers and count only 2xx and 3xx as healthy
(https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html),
so the route is exempt from the origin check and must be cheap and data-free: one strongly
consistent GetItem of `HEALTH_KEY` (no username can be that key) that projects only the key and
writes nothing. On a multi-Region strongly consistent (MRSC) replica a strongly consistent read
returns the latest version written in any Region
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html),
so a Region cut off from the others cannot serve it. Whatever DynamoDB answers then (the pages
read for this do not name the error), the store raises StorageUnavailable (throttling, 5xx,
timeouts, connection errors) or StorageMisconfigured (anything else, e.g. no table), which
`translate_errors` turns into 503 (retry) or 500: both unhealthy to Route 53.
"""

from __future__ import annotations

from typing import Protocol

HEALTHY = {"status": "ok"}


class Pingable(Protocol):
    def ping(self) -> None: ...


def check_health(store: Pingable) -> dict[str, str]:
    """200 `{"status": "ok"}` when the table answered, whether or not the health item exists."""
    store.ping()
    return dict(HEALTHY)
