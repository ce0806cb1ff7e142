"""Checks on OpenSearch Service domains: encryption at rest and between nodes, HTTPS with TLS 1.2, exposure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_storage import SearchDomain
from ._common import aws_check, error, items, result
from ._policies import public_actions

DOMAIN = "AWS::OpenSearchService::Domain"
# The domain endpoint policies that refuse anything below TLS 1.2 (Policy-Min-TLS-1-2-2019-07 and the
# forward-secrecy Policy-Min-TLS-1-2-PFS-2023-10); Policy-Min-TLS-1-0-2019-07 still accepts TLS 1.0 and 1.1.
MODERN_TLS_POLICY = re.compile(r"^Policy-Min-TLS-1-[23]-")


def search_domains(inventory: Inventory) -> Iterator[SearchDomain]:
    return items(inventory, "opensearch", "domains")


def domain_id(domain: SearchDomain) -> str:
    return str(domain.get("arn") or domain.get("name"))


@aws_check(
    id="aws.opensearch.encrypted_at_rest",
    title="OpenSearch domains are encrypted at rest",
    severity=Severity.HIGH,
    service="opensearch",
    resource_type=DOMAIN,
    rationale="Search domains often hold copies of application data and logs; encryption at rest protects the "
    "indices, swap files and automated snapshots if the storage beneath them is ever exposed.",
    remediation="Turn on encryption at rest for the domain with an AWS-owned or customer-managed KMS key (domains "
    "on older engine versions must first be upgraded to one that supports it).",
)
def encrypted_at_rest(inventory: Inventory) -> Iterable[Outcome]:
    for domain in search_domains(inventory):
        name, ok, key = str(domain.get("name")), bool(domain.get("encrypted_at_rest")), domain.get("kms_key_id")
        if ok:
            reason = f"OpenSearch domain {name} is encrypted at rest" + (f" with KMS key {key}" if key else "")
        else:
            reason = f"OpenSearch domain {name} is not encrypted at rest"
        yield result(
            ok,
            domain_id(domain),
            DOMAIN,
            reason,
            region=str(domain.get("region", "")),
            encrypted_at_rest=ok,
            kms_key_id=key,
        )


@aws_check(
    id="aws.opensearch.node_to_node_encryption",
    title="OpenSearch domains encrypt traffic between their nodes",
    severity=Severity.MEDIUM,
    service="opensearch",
    resource_type=DOMAIN,
    rationale="Without node-to-node encryption the documents a domain spreads across its nodes, and the "
    "queries it routes between them, cross the network in clear text.",
    remediation="Turn on node-to-node encryption for the domain (supported from Elasticsearch 6.0 and on every "
    "OpenSearch version; it cannot be turned off again).",
)
def node_to_node_encryption(inventory: Inventory) -> Iterable[Outcome]:
    for domain in search_domains(inventory):
        name, ok = str(domain.get("name")), bool(domain.get("node_to_node_encryption"))
        reason = f"OpenSearch domain {name} has node-to-node encryption {'on' if ok else 'off'}"
        yield result(ok, domain_id(domain), DOMAIN, reason, region=str(domain.get("region", "")), node_to_node=ok)


@aws_check(
    id="aws.opensearch.https_tls12_required",
    title="OpenSearch domains accept HTTPS only, with TLS 1.2 or later",
    severity=Severity.HIGH,
    service="opensearch",
    resource_type=DOMAIN,
    rationale="A domain that answers plain HTTP lets credentials, queries and documents travel unencrypted, and "
    "TLS 1.0 and 1.1 have known weaknesses and no longer count as strong cryptography.",
    remediation="In the domain's endpoint options require HTTPS and choose the Policy-Min-TLS-1-2-2019-07 (or "
    "Policy-Min-TLS-1-2-PFS-2023-10) security policy; check first that every client speaks TLS 1.2.",
)
def https_tls12_required(inventory: Inventory) -> Iterable[Outcome]:
    for domain in search_domains(inventory):
        name, https, policy = str(domain.get("name")), bool(domain.get("enforce_https")), domain.get("tls_policy")
        modern = bool(MODERN_TLS_POLICY.match(str(policy or "")))
        if not https:
            reason = f"OpenSearch domain {name} does not require HTTPS (TLS policy {policy or 'not set'})"
        elif modern:
            reason = f"OpenSearch domain {name} requires HTTPS with TLS policy {policy}"
        elif policy:
            reason = f"OpenSearch domain {name} requires HTTPS, but TLS policy {policy} accepts versions below TLS 1.2"
        else:
            reason = f"OpenSearch domain {name} requires HTTPS, but names no TLS policy"
        yield result(
            https and modern,
            domain_id(domain),
            DOMAIN,
            reason,
            region=str(domain.get("region", "")),
            enforce_https=https,
            tls_policy=policy,
        )


@aws_check(
    id="aws.opensearch.not_publicly_accessible",
    title="OpenSearch domains are in a VPC or let no one in anonymously",
    severity=Severity.HIGH,
    service="opensearch",
    resource_type=DOMAIN,
    rationale="A domain outside a VPC has an endpoint on the internet; if its access policy also allows any "
    "principal, anyone can read and change its indices. Fine-grained access control is not accepted in place of "
    "either: it still leaves the domain's login reachable from the whole internet.",
    remediation="Create the domain in a VPC (placement cannot be changed later: migrate the data to a new "
    "domain), or until then limit its access policy to named IAM principals or to your source IP ranges.",
)
def not_publicly_accessible(inventory: Inventory) -> Iterable[Outcome]:
    for domain in search_domains(inventory):
        name, region = str(domain.get("name")), str(domain.get("region", ""))
        subnets = list(domain.get("vpc_subnet_ids") or [])
        policy = domain.get("access_policy")
        fgac = bool(domain.get("fine_grained_access_control"))
        if subnets:
            reason = f"OpenSearch domain {name} is in a VPC (subnets {', '.join(subnets)})"
            yield result(
                True, domain_id(domain), DOMAIN, reason, region=region, vpc_subnet_ids=subnets, fine_grained=fgac
            )
            continue
        if isinstance(policy, dict) and "unparsable" in policy:
            reason = f"OpenSearch domain {name} has a public endpoint and an access policy that is not valid JSON"
            yield error(domain_id(domain), DOMAIN, reason, region=region)
            continue
        actions = public_actions(policy)
        if actions:
            reason = (
                f"OpenSearch domain {name} has a public endpoint and its access policy lets anyone {', '.join(actions)}"
            )
        else:
            reason = f"OpenSearch domain {name} has a public endpoint, but its access policy lets no one in anonymously"
        yield result(
            not actions,
            domain_id(domain),
            DOMAIN,
            reason,
            region=region,
            vpc_subnet_ids=subnets,
            public_actions=actions,
            fine_grained=fgac,
        )
