"""The synthetic checks' metric names, written once: the function publishes them
(synthetics/handler.py) and the SLO reads them (hello_stack/slo.py)."""

CHECK_REQUESTS = "CheckRequests"  # the cycle's requests sent through the public URL
# Every request API Gateway answered (its request id header), the seed and a second DELETE
# included: what the server-side SLI subtracts from API Gateway's Count.
CHECK_API_REQUESTS = "CheckApiRequests"
CHECK_FAILURES = "CheckFailures"  # of which answered wrong, 5xx, timed out or refused
CHECK_SERVER_ERRORS = "CheckServerErrors"  # of CheckApiRequests, answered 5xx
CHECK_LATENCY = "CheckLatency"  # milliseconds per request
LOCATION = "Location"  # the dimension naming the check location (its region)
# The schedule (components/synthetic_checks.py) and what the silence alarm and the release gate
# expect of it (hello_stack/slo.py).
CHECK_EVERY_MINUTES = 1
