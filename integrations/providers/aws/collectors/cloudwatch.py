"""CloudWatch collection (regional): metric filters, alarms and which SNS topics have confirmed subscribers."""

from __future__ import annotations

from ..shapes import CloudWatchRegion
from ._common import Scope, paginate, plain


def collect_cloudwatch(scope: Scope) -> CloudWatchRegion:
    logs = scope.client("logs")
    cloudwatch = scope.client("cloudwatch")
    sns = scope.client("sns")
    filters = paginate(logs, "describe_metric_filters", "metricFilters")
    alarms = paginate(cloudwatch, "describe_alarms", "MetricAlarms")
    subscriptions = paginate(sns, "list_subscriptions", "Subscriptions")
    confirmed: dict[str, int] = {}
    for sub in subscriptions:
        # Unconfirmed subscriptions carry this placeholder instead of an ARN.
        if sub.get("SubscriptionArn", "").startswith("arn:"):
            confirmed[sub["TopicArn"]] = confirmed.get(sub["TopicArn"], 0) + 1
    return plain(
        {
            "metric_filters": [
                {
                    "name": f.get("filterName"),
                    "log_group": f.get("logGroupName"),
                    "pattern": f.get("filterPattern", ""),
                    "metrics": [
                        {"name": m.get("metricName"), "namespace": m.get("metricNamespace")}
                        for m in f.get("metricTransformations", [])
                    ],
                    "region": scope.region,
                }
                for f in filters
            ],
            "alarms": [
                {
                    "name": a.get("AlarmName"),
                    "arn": a.get("AlarmArn"),
                    "metric": a.get("MetricName"),
                    "namespace": a.get("Namespace"),
                    "actions_enabled": bool(a.get("ActionsEnabled", True)),
                    "alarm_actions": a.get("AlarmActions", []),
                    "region": scope.region,
                }
                for a in alarms
            ],
            "topic_subscriptions": confirmed,
        }
    )
