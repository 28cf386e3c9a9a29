"""How fast one public name stops sending requests to a failed region: one owner of the timings.

A region is taken out of DNS answers after `FAILURE_THRESHOLD` failed health checks
`CHECK_INTERVAL_S` apart; resolvers that cached the old answer keep using it for at most
`DNS_TTL_S`. The worst case, from the first failed request to the last one sent to the failed
region, is therefore interval x threshold + TTL (`failover_bound_s`).
Route 53: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-creating-values.html
(request interval 10 or 30 s, failure threshold 1-10) and
https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html.
The local drill (a health-checking router on loopback) uses the same formula with its own,
shorter interval.
"""

from __future__ import annotations

# A failover record's role (Route 53's values): the primary answers while its check passes.
PRIMARY, SECONDARY = "PRIMARY", "SECONDARY"
CHECK_INTERVAL_S = 10  # Route 53's "fast" interval
FAILURE_THRESHOLD = 3
DNS_TTL_S = 60
# The type of every record a two-region stage writes in the operator's hosted zone (the failover
# name's two and each region's health name): a CNAME, not an alias, so that the TTL is ours
# (components/regional_endpoint.py). The bootstrap holds the deploy role's record changes to it.
RECORD_TYPE = "CNAME"


def failover_bound_s(
    interval_s: float = CHECK_INTERVAL_S,
    threshold: int = FAILURE_THRESHOLD,
    ttl_s: float = DNS_TTL_S,
) -> float:
    """Worst-case seconds a failed region keeps receiving requests."""
    return interval_s * threshold + ttl_s


def health_domain(failover_domain: str, region: str) -> str:
    """The name a region's health check calls (`<region>.<failover name>`): one region's own
    API Gateway custom domain, so that the check goes through what CloudFront's requests go
    through there (the custom domain, its base path mapping and the certificate) and still watches
    one region. The failover name itself would watch whichever region Route 53 answers with, and
    Route 53 sends a check's domain name as its Host header and SNI, so the custom domain's own
    `d-….execute-api` target would answer 403. One certificate per region covers both names
    (e.g. SANs `<failover name>` and `*.<failover name>`: docs/failover.md)."""
    return f"{region}.{failover_domain}"
