"""Checks on Route 53 public hosted zones: their DNS queries are logged."""

from __future__ import annotations

from collections.abc import Iterable

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_devtools import Route53
from ._common import aws_check, error, result, service_data

HOSTED_ZONE = "AWS::Route53::HostedZone"


@aws_check(
    id="aws.route53.public_zone_query_logging_enabled",
    title="Route 53 public hosted zones log their DNS queries",
    severity=Severity.LOW,
    service="route53",
    resource_type=HOSTED_ZONE,
    rationale="Query logs record every name asked of the zone, by which resolver and with what answer: the evidence "
    "of reconnaissance against the domain, of DNS used to exfiltrate data, and of what was resolved during an "
    "incident. Without them Route 53 keeps no record of its queries.",
    remediation="Create a query logging configuration for the zone (CreateQueryLoggingConfig) sending its queries to "
    "a CloudWatch Logs group in us-east-1 whose resource policy lets route53.amazonaws.com write to it.",
)
def public_zone_query_logging_enabled(inventory: Inventory) -> Iterable[Outcome]:
    data: Route53 = service_data(inventory, "route53")
    problem = data.get("query_logging_error")
    for zone in data.get("hosted_zones", []):
        if zone["private"]:
            # It answers only inside its VPCs; their queries are logged by Resolver query logging, not by the zone.
            continue
        label = f"Route 53 public hosted zone {zone['name']} ({zone['id']})"
        if problem:
            yield error(zone["arn"], HOSTED_ZONE, f"Could not read the query logging of {label}: {problem}")
            continue
        group = zone["query_logging_log_group"]
        if group:
            reason = f"{label} logs its DNS queries to {group}"
        else:
            reason = f"{label} has no query logging configuration, so its DNS queries are not recorded"
        yield result(bool(group), zone["arn"], HOSTED_ZONE, reason, query_logging_log_group=group)
