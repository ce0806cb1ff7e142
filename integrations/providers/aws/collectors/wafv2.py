"""WAFv2 collection (regional): each web ACL's rules, their CloudWatch metrics and the logging configuration.

Regional web ACLs (load balancers, API Gateway, AppSync, Cognito) are read in every region; CloudFront's are global
resources that AWS keeps in us-east-1 and answers only there, so they are read in that region's unit alone.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_application import Wafv2Region
from ._common import Scope, bounded_region, concurrently, describe_error, error_code, optional

REGIONAL = "REGIONAL"
CLOUDFRONT = "CLOUDFRONT"
# Where the aws partition keeps CloudFront's web ACLs (asking for that scope anywhere else is refused).
CLOUDFRONT_REGION = "us-east-1"
# Each web ACL costs a GetWebACL and a GetLoggingConfiguration call beyond the listing; AWS's default quota is 100 per
# scope and region. Past this many in a scope the rest are left unread (and the checks say so).
MAX_WEB_ACLS = 1_000
# WAFv2's listings give at most 100 a page, and botocore has no paginator for them.
_PAGE_SIZE = 100


def collect_wafv2(scope: Scope) -> Wafv2Region:
    wafv2 = scope.client("wafv2")
    scopes = [REGIONAL, CLOUDFRONT] if scope.region == CLOUDFRONT_REGION else [REGIONAL]
    acls: list[dict[str, Any]] = []
    truncated = False
    for waf_scope in scopes:
        listed, more = _marker_pages(wafv2.list_web_acls, "WebACLs", MAX_WEB_ACLS, Scope=waf_scope)
        truncated |= more
        read = functools.partial(_web_acl, wafv2, scope.region, waf_scope)
        acls.extend(acl for acl in concurrently(read, listed) if acl is not None)
    return bounded_region("web_acls", acls, truncated, MAX_WEB_ACLS)


def _marker_pages(call: Callable[..., Any], key: str, limit: int, **kwargs: Any) -> tuple[list[Any], bool]:
    """The first ``limit`` items of a NextMarker listing, and whether there were more (``paginate_at_most`` for the
    listings botocore cannot paginate)."""
    items: list[Any] = []
    marker: str | None = None
    while True:
        page = call(Limit=_PAGE_SIZE, **kwargs, **({"NextMarker": marker} if marker else {}))
        items.extend(page.get(key, []))
        if len(items) > limit:
            return items[:limit], True
        marker = page.get("NextMarker")
        # An empty page ends the listing too: a marker that never runs out must not loop forever.
        if not marker or not page.get(key):
            return items, False


def _logging(wafv2: BaseClient, arn: str) -> dict[str, Any]:
    """The web ACL's log destinations ([] when it has no logging configuration), or the failure to read them."""
    try:
        # Asked per web ACL (a scope has at most a few hundred) rather than listed per scope: the answer is the ACL's
        # own, with nothing to match up by scope (moto's ListLoggingConfigurations files CloudFront's under REGIONAL).
        configuration = optional(
            lambda: wafv2.get_logging_configuration(ResourceArn=arn)["LoggingConfiguration"],
            {"WAFNonexistentItemException"},
        )
    except ClientError as exc:
        return {"logging_error": describe_error(exc)}
    destinations = (configuration or {}).get("LogDestinationConfigs") or []
    return {"logging_destinations": [str(d) for d in destinations]}


def _web_acl(wafv2: BaseClient, region: str, waf_scope: str, listed: Mapping[str, Any]) -> dict[str, Any] | None:
    acl: dict[str, Any] = {
        "name": listed["Name"],
        "id": listed["Id"],
        "arn": listed["ARN"],
        "scope": waf_scope,
        "rules": [],
        "logging_destinations": [],
        "region": region,
    }
    # Read before the ACL itself, so the logging check judges an ACL whose rules could not be read.
    acl.update(_logging(wafv2, acl["arn"]))
    try:
        described = wafv2.get_web_acl(Name=acl["name"], Scope=waf_scope, Id=acl["id"])["WebACL"]
    except ClientError as exc:
        if error_code(exc) == "WAFNonexistentItemException":
            return None  # deleted between the listing and this read
        acl["describe_error"] = describe_error(exc)
        return acl
    rules = described.get("Rules") or []
    acl["rules"] = [str(rule.get("Name")) for rule in rules]
    acl["metrics_enabled"] = _metrics_on(described)
    acl["rules_without_metrics"] = [str(rule.get("Name")) for rule in rules if not _metrics_on(rule)]
    # Firewall Manager's rule groups run before and after the ACL's own rules and can be managed ones too.
    fms = [
        *(described.get("PreProcessFirewallManagerRuleGroups") or []),
        *(described.get("PostProcessFirewallManagerRuleGroups") or []),
    ]
    statements = [rule.get("Statement") or {} for rule in rules] + [
        group.get("FirewallManagerStatement") or {} for group in fms
    ]
    acl["managed_rule_groups"] = sorted(
        {
            f"{managed.get('VendorName')}:{managed.get('Name')}"
            for statement in statements
            if (managed := statement.get("ManagedRuleGroupStatement"))
        }
    )
    return acl


def _metrics_on(item: Mapping[str, Any]) -> bool:
    # A visibility configuration is required on every web ACL and rule; one missing is read as metrics off, so an
    # unexpected answer never passes.
    return (item.get("VisibilityConfig") or {}).get("CloudWatchMetricsEnabled") is True
