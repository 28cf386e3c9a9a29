"""The synthetic checks' metric names, written once: the function publishes them
(synthetics/handler.py) and the SLO reads them (hello_stack/slo.py)."""

CHECK_REQUESTS = "CheckRequests"  # requests sent through the public URL
CHECK_FAILURES = "CheckFailures"  # of which answered wrong, 5xx, timed out or refused
CHECK_SERVER_ERRORS = "CheckServerErrors"  # of which answered 5xx by API Gateway itself
CHECK_LATENCY = "CheckLatency"  # milliseconds per request
LOCATION = "Location"  # the dimension naming the check location (its region)
