"""What no CI role may read: item data, log contents, traces, secret and parameter values.

Derived from AWS's ReadOnlyAccess (what the drift role holds) and the Service Authorization
Reference (which actions its wildcards grant): tools/data_reads.py expands the policy, and
tests/bootstrap/test_data_reads.py keeps DATA_READS equal to what it derives, so a new action
AWS adds to ReadOnlyAccess fails the test until it is classified here.

- In the services where the stage keeps such data (DynamoDB items, CloudWatch Logs events,
  X-Ray traces, Secrets Manager), every action ReadOnlyAccess grants is a data read unless
  CONFIGURATION_READS lists it: those read settings only (what a refresh needs).
- S3 and SSM hold nothing of the stage's: their ReadOnlyAccess grants are denied whole (a
  self-managed backend's state bucket and key excepted, for the roles that read the state).
- BEYOND_READ_ONLY: data reads ReadOnlyAccess does not grant, denied in case any policy does.
"""

from __future__ import annotations

SERVICES = ("dynamodb", "logs", "xray", "secretsmanager")
WHOLLY_DENIED = ("s3", "ssm")

CONFIGURATION_READS: dict[str, tuple[str, ...]] = {
    # Tables', backups', streams' and exports' settings, never an item or a stream record.
    "dynamodb": (
        "DescribeBackup",
        "DescribeContinuousBackups",
        "DescribeContributorInsights",
        "DescribeEndpoints",
        "DescribeExport",
        "DescribeGlobalTable",
        "DescribeGlobalTableSettings",
        "DescribeImport",
        "DescribeKinesisStreamingDestination",
        "DescribeLimits",
        "DescribeReservedCapacity",
        "DescribeReservedCapacityOfferings",
        "DescribeStream",
        "DescribeTable",
        "DescribeTableReplicaAutoScaling",
        "DescribeTimeToLive",
        "GetAbacStatus",
        "GetResourcePolicy",
        "ListBackups",
        "ListContributorInsights",
        "ListExports",
        "ListGlobalTables",
        "ListImports",
        "ListStreams",
        "ListTables",
        "ListTagsOfResource",
    ),
    # Log groups', streams' and deliveries' settings. Not: events, query results, live tails,
    # the field names found in events, anomalies (they quote events), lookup tables, queries.
    "logs": (
        "DescribeAccountPolicies",
        "DescribeConfigurationTemplates",
        "DescribeDeliveries",
        "DescribeDeliveryDestinations",
        "DescribeDeliverySources",
        "DescribeDestinations",
        "DescribeExportTasks",
        "DescribeFieldIndexes",
        "DescribeImportTaskBatches",
        "DescribeImportTasks",
        "DescribeIndexPolicies",
        "DescribeLogGroups",
        "DescribeLogStreams",
        "DescribeLookupTables",
        "DescribeMetricFilters",
        "DescribeQueryDefinitions",
        "DescribeResourcePolicies",
        "DescribeSubscriptionFilters",
        "GetDataProtectionPolicy",
        "GetDelivery",
        "GetDeliveryDestination",
        "GetDeliveryDestinationPolicy",
        "GetDeliverySource",
        "GetIntegration",
        "GetLogAnomalyDetector",
        "GetLogDelivery",
        "GetScheduledQuery",
        "GetTransformer",
        "ListAggregateLogGroupSummaries",
        "ListEntitiesForLogGroup",
        "ListIntegrations",
        "ListLogAnomalyDetectors",
        "ListLogDeliveries",
        "ListLogGroupsForEntity",
        "ListLogGroupsForQuery",
        "ListScheduledQueries",
        "ListSourcesForS3TableIntegration",
        "ListTagsForResource",
        "ListTagsLogGroup",
        "StopLiveTail",
        "StopQuery",
        "TestMetricFilter",  # runs a pattern over events the caller supplies
    ),
    # Sampling, groups, encryption, insights and service statistics. Not: traces, their
    # summaries (they carry URLs, users and annotations), trace graphs, retrievals.
    "xray": (
        "CancelTraceRetrieval",
        "GetEncryptionConfig",
        "GetGroup",
        "GetGroups",
        "GetIndexingRules",
        "GetInsight",
        "GetInsightEvents",
        "GetInsightImpactGraph",
        "GetInsightSummaries",
        "GetSamplingRules",
        "GetSamplingStatisticSummaries",
        "GetSamplingTargets",
        "GetServiceGraph",
        "GetTimeSeriesServiceStatistics",
        "GetTraceSegmentDestination",
        "ListResourcePolicies",
        "ListTagsForResource",
    ),
    # A secret's metadata, never its value (ReadOnlyAccess grants no GetSecretValue).
    "secretsmanager": (
        "DescribeSecret",
        "GetResourcePolicy",
        "ListSecretVersionIds",
        "ListSecrets",
    ),
}

BEYOND_READ_ONLY = (
    "secretsmanager:GetSecretValue",
    "secretsmanager:BatchGetSecretValue",
    "dynamodb:ExportTableToPointInTime",
    "kms:Decrypt",
    "logs:Unmask",
)

# Derived: `python -m tools.data_reads` prints it (sorted); the test keeps the two equal.
DATA_READS = (
    "dynamodb:BatchGetItem",
    "dynamodb:GetItem",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:PartiQLSelect",
    "dynamodb:Query",
    "dynamodb:Scan",
    "logs:DescribeQueries",
    "logs:FilterLogEvents",
    "logs:GetLogEvents",
    "logs:GetLogFields",
    "logs:GetLogGroupFields",
    "logs:GetLogRecord",
    "logs:GetLookupTable",
    "logs:GetQueryResults",
    "logs:GetScheduledQueryHistory",
    "logs:ListAnomalies",
    "logs:StartLiveTail",
    "logs:StartQuery",
    "s3:DescribeJob",
    "s3:Get*",
    "s3:List*",
    "ssm:Describe*",
    "ssm:Get*",
    "ssm:List*",
    "xray:BatchGetTraceSummaryById",
    "xray:BatchGetTraces",
    "xray:GetDistinctTraceGraphs",
    "xray:GetRetrievedTracesGraph",
    "xray:GetTraceGraph",
    "xray:GetTraceSummaries",
    "xray:ListRetrievedTraces",
    "xray:StartTraceRetrieval",
)
