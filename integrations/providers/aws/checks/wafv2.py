"""Checks on WAFv2 web ACLs: logging configured, at least one rule or rule group to inspect requests with, at least
one managed rule group among them, and CloudWatch metrics from the ACL and every rule."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_application import Wafv2Region, WebAcl
from ._common import aws_check, described_items, error, partial_read, regions, result

WEB_ACL = "AWS::WAFv2::WebACL"
NOUN = "web ACLs in one scope"


def _id(acl: WebAcl) -> str:
    return str(acl.get("arn") or acl.get("id"))


def _label(acl: WebAcl) -> str:
    kind = "CloudFront" if acl.get("scope") == "CLOUDFRONT" else "regional"
    return f"WAF {kind} web ACL {acl.get('name')}"


def _web_acls(inventory: Inventory) -> Iterator[WebAcl | Outcome]:
    """Every web ACL whatever could be read of it, and an error outcome for a region read only in part."""
    data: Wafv2Region
    for region, data in regions(inventory, "wafv2"):
        yield from data.get("web_acls", [])
        partial = partial_read(inventory, region, data, noun=NOUN, resource_type=WEB_ACL)
        if partial is not None:
            yield partial


def _described_acls(inventory: Inventory) -> Iterator[WebAcl | Outcome]:
    """Every web ACL GetWebACL described, and an error outcome for each it could not or a region read in part."""
    return described_items(
        inventory, "wafv2", "web_acls", noun=NOUN, resource_type=WEB_ACL, resource_id=_id, label=_label
    )


@aws_check(
    id="aws.wafv2.web_acl_logging_enabled",
    title="WAF web ACLs log the requests they inspect",
    severity=Severity.MEDIUM,
    service="wafv2",
    resource_type=WEB_ACL,
    rationale="A web ACL's logs record each request it inspected, the rule that matched and what was done; without "
    "them an attack it blocked, or let through, cannot be investigated, and rules cannot be tuned against real "
    "traffic.",
    remediation="Enable logging on the web ACL to a CloudWatch Logs log group, S3 bucket or Firehose stream whose "
    "name starts with aws-waf-logs-, redacting fields that carry credentials or personal data.",
)
def web_acl_logging_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for acl in _web_acls(inventory):
        if isinstance(acl, Outcome):
            yield acl
            continue
        region = str(acl.get("region", ""))
        if acl.get("logging_error"):
            reason = f"Could not read the logging configuration of {_label(acl)}: {acl['logging_error']}"
            yield error(_id(acl), WEB_ACL, reason, region=region)
            continue
        destinations = sorted(str(d) for d in acl.get("logging_destinations") or [])
        reason = f"{_label(acl)} logs to {', '.join(destinations)}" if destinations else f"{_label(acl)} has no logging"
        yield result(bool(destinations), _id(acl), WEB_ACL, reason, region=region, log_destinations=destinations)


@aws_check(
    id="aws.wafv2.web_acl_has_rules",
    title="WAF web ACLs hold at least one rule or rule group",
    severity=Severity.MEDIUM,
    service="wafv2",
    resource_type=WEB_ACL,
    rationale="A web ACL without rules applies its default action to every request: whatever it is attached to "
    "looks protected by a firewall while nothing is inspected or blocked.",
    remediation="Add rules to the web ACL, for example the AWS managed core rule set and known bad inputs rule "
    "groups, or rate-based and IP set rules of your own; or detach and delete a web ACL that is not needed.",
)
def web_acl_has_rules(inventory: Inventory) -> Iterable[Outcome]:
    for acl in _described_acls(inventory):
        if isinstance(acl, Outcome):
            yield acl
            continue
        rules = [str(r) for r in acl.get("rules") or []]
        reason = (
            f"{_label(acl)} holds {len(rules)} rule{'' if len(rules) == 1 else 's'} or rule group"
            f"{'' if len(rules) == 1 else 's'} ({', '.join(rules)})"
            if rules
            else f"{_label(acl)} holds no rules or rule groups, so every request gets its default action"
        )
        yield result(bool(rules), _id(acl), WEB_ACL, reason, region=str(acl.get("region", "")), rules=rules)


@aws_check(
    id="aws.wafv2.web_acl_managed_rule_groups",
    title="WAF web ACLs run at least one managed rule group",
    severity=Severity.MEDIUM,
    service="wafv2",
    resource_type=WEB_ACL,
    rationale="Managed rule groups (AWS Managed Rules, or a Marketplace seller's) are kept up to date by their "
    "vendor against common web exploits, known bad inputs and malicious sources as new ones appear; a web ACL of "
    "custom rules only blocks what its authors thought of when they wrote them.",
    remediation="Add a managed rule group to the web ACL, starting with AWSManagedRulesCommonRuleSet and "
    "AWSManagedRulesKnownBadInputsRuleSet (in count mode first, to see what they would block), or have Firewall "
    "Manager apply them across the organization.",
)
def web_acl_managed_rule_groups(inventory: Inventory) -> Iterable[Outcome]:
    for acl in _described_acls(inventory):
        if isinstance(acl, Outcome):
            yield acl
            continue
        if "managed_rule_groups" not in acl:
            continue  # collected before managed rule groups were read
        groups = [str(g) for g in acl["managed_rule_groups"]]
        reason = (
            f"{_label(acl)} runs managed rule groups {', '.join(groups)}"
            if groups
            else f"{_label(acl)} runs no managed rule group, only rules of its own"
        )
        yield result(bool(groups), _id(acl), WEB_ACL, reason, region=str(acl.get("region", "")), managed=groups)


@aws_check(
    id="aws.wafv2.web_acl_metrics_enabled",
    title="WAF web ACLs and their rules send CloudWatch metrics",
    severity=Severity.LOW,
    service="wafv2",
    resource_type=WEB_ACL,
    rationale="A web ACL's CloudWatch metrics count the requests it and each rule allowed, blocked or counted; they "
    "are what an alarm on a surge of blocked requests, or on a rule that suddenly stops matching, is built on. A rule "
    "with metrics off is invisible to monitoring, however well its logs are kept.",
    remediation="Turn on CloudWatch metrics in the visibility configuration of the web ACL and of each of its rules "
    "and rule group references (CloudWatchMetricsEnabled, with a metric name).",
)
def web_acl_metrics_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for acl in _described_acls(inventory):
        if isinstance(acl, Outcome):
            yield acl
            continue
        if "metrics_enabled" not in acl:
            continue  # collected before the visibility configurations were kept
        region = str(acl.get("region", ""))
        silent = [str(r) for r in acl.get("rules_without_metrics") or []]
        missing = ([] if acl["metrics_enabled"] else ["the web ACL itself"]) + [f"rule {name}" for name in silent]
        count = len(acl.get("rules") or [])
        if missing:
            reason = f"{_label(acl)} sends no CloudWatch metrics for {', '.join(missing)}"
        elif count == 1:
            reason = f"{_label(acl)} and its one rule send CloudWatch metrics"
        elif count:
            reason = f"{_label(acl)} and all {count} of its rules send CloudWatch metrics"
        else:
            reason = f"{_label(acl)} sends CloudWatch metrics (it holds no rules)"
        yield result(
            not missing,
            _id(acl),
            WEB_ACL,
            reason,
            region=region,
            acl_metrics_enabled=acl["metrics_enabled"],
            rules_without_metrics=silent,
        )
