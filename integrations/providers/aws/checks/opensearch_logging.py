"""Checks on OpenSearch Service domains' logs and access control: error and audit logs published to CloudWatch Logs,
fine-grained access control on."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_storage import SearchDomain
from ._common import aws_check, result
from .opensearch import DOMAIN, domain_id, search_domains

# LogPublishingOptions' keys for the domain's error log and its audit log.
ERROR_LOGS = "ES_APPLICATION_LOGS"
AUDIT_LOGS = "AUDIT_LOGS"


def _publishes(
    inventory: Inventory, log_type: str, noun: str, why_not: Callable[[SearchDomain], str] = lambda _: ""
) -> Iterator[Outcome]:
    """One outcome per domain: whether it publishes ``log_type`` (called ``noun``) to CloudWatch Logs; ``why_not``
    adds to a failing reason."""
    for domain in search_domains(inventory):
        published = domain.get("published_logs")
        # Collected before log publishing was read: nothing to judge.
        if published is None:
            continue
        name, group = domain.get("name"), published.get(log_type)
        ok = log_type in published
        reason = (
            f"OpenSearch domain {name} publishes its {noun} to CloudWatch Logs"
            if ok
            else f"OpenSearch domain {name} does not publish its {noun} to CloudWatch Logs{why_not(domain)}"
        )
        yield result(
            ok,
            domain_id(domain),
            DOMAIN,
            reason,
            region=str(domain.get("region", "")),
            published_logs=sorted(published),
            log_group=group,
        )


@aws_check(
    id="aws.opensearch.cloudwatch_logging",
    title="OpenSearch domains publish their error logs to CloudWatch Logs",
    severity=Severity.LOW,
    service="opensearch",
    resource_type=DOMAIN,
    rationale="A domain's error log records its failures and warnings (shards it could not allocate, failed "
    "scripts, rejected requests); kept only on the nodes, it cannot be searched, alarmed on or read after the nodes "
    "are replaced. Slow logs are not required: they record nothing until thresholds are set on each index, and they "
    "serve performance tuning rather than security.",
    remediation="Enable error log publishing (ES_APPLICATION_LOGS) on the domain to a CloudWatch Logs log group whose "
    "resource policy lets OpenSearch Service write to it.",
)
def opensearch_cloudwatch_logging(inventory: Inventory) -> Iterable[Outcome]:
    return _publishes(inventory, ERROR_LOGS, "error logs")


def _audit_needs_fine_grained(domain: SearchDomain) -> str:
    if domain.get("fine_grained_access_control"):
        return ""
    return " (audit logs need fine-grained access control, which is off)"


@aws_check(
    id="aws.opensearch.audit_logging",
    title="OpenSearch domains publish audit logs to CloudWatch Logs",
    severity=Severity.MEDIUM,
    service="opensearch",
    resource_type=DOMAIN,
    rationale="Audit logs record who signed in to the domain, failed logins, and who read or changed which index or "
    "security setting; without them access to the data the domain holds cannot be reviewed or investigated.",
    remediation="Turn on fine-grained access control if it is off, then enable audit log publishing (AUDIT_LOGS) to "
    "a CloudWatch Logs log group and turn audit logging on in the domain's security settings.",
)
def opensearch_audit_logging(inventory: Inventory) -> Iterable[Outcome]:
    return _publishes(inventory, AUDIT_LOGS, "audit logs", _audit_needs_fine_grained)


@aws_check(
    id="aws.opensearch.fine_grained_access_control",
    title="OpenSearch domains have fine-grained access control on",
    severity=Severity.MEDIUM,
    service="opensearch",
    resource_type=DOMAIN,
    rationale="Without fine-grained access control, whoever the domain's access policy lets in may read and change "
    "every index and document: there are no roles limiting users to some indices, documents or fields, and no user "
    "to hold to account beyond the IAM principal.",
    remediation="Enable fine-grained access control on the domain (it needs HTTPS, node-to-node encryption and "
    "encryption at rest, and cannot be turned off again), map IAM roles or internal users to roles granting only the "
    "indices each needs.",
)
def opensearch_fine_grained_access_control(inventory: Inventory) -> Iterable[Outcome]:
    for domain in search_domains(inventory):
        name, on = domain.get("name"), bool(domain.get("fine_grained_access_control"))
        reason = f"OpenSearch domain {name} has fine-grained access control {'on' if on else 'off'}"
        yield result(on, domain_id(domain), DOMAIN, reason, region=str(domain.get("region", "")), fine_grained=on)
