"""The health route's answer: whether this region's API can read its own table, and nothing else.

Route 53 health checks send no headers and count only 2xx and 3xx as healthy
(https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html),
so the route is exempt from the origin check and must be cheap and data-free: one strongly
consistent GetItem of `HEALTH_KEY` (no username can be that key) that projects only the key and
writes nothing. In a multi-Region strongly consistent table a strongly consistent read is served
only with the other Regions' agreement, so it fails in a Region that cannot reach them: the
store raises StorageUnavailable or StorageMisconfigured, which `translate_errors` turns into
503 (retry) or 500 (a configuration fault, e.g. no table), both unhealthy to Route 53.
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
