"""OpenSearch Service domain resilience and sign-in checks: data nodes spread over Availability Zones, three
dedicated master nodes, no internal user database beside the account's identities, and Dashboards users signed in by
the organisation's identity provider."""

from __future__ import annotations

from collections.abc import Iterable

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_storage import SearchDomain
from ._common import aws_check, error, result
from .opensearch import DOMAIN, domain_id, search_domains

# Three data nodes, spread by zone awareness, keep a primary or a replica of every shard through the loss of one node
# or of one Availability Zone; three dedicated masters keep a quorum (two of three) through the loss of one.
MIN_DATA_NODES = 3
MIN_DEDICATED_MASTERS = 3


def _label(domain: SearchDomain) -> str:
    return f"OpenSearch domain {domain.get('name')}"


def _not_yet_read(domain: SearchDomain, field: str) -> Outcome | None:
    """An error outcome for a domain collected before ``field`` was kept: it cannot be judged on it."""
    if field in domain:
        return None
    reason = f"{_label(domain)} was collected before its cluster and security settings were read"
    return error(domain_id(domain), DOMAIN, reason, region=str(domain.get("region", "")))


@aws_check(
    id="aws.opensearch.data_nodes_fault_tolerant",
    title="OpenSearch domains run at least three data nodes with zone awareness",
    severity=Severity.MEDIUM,
    service="opensearch",
    resource_type=DOMAIN,
    rationale="With zone awareness OpenSearch places each shard's replica in a different Availability Zone from its "
    "primary; with fewer than three data nodes, or all of them in one zone, losing a node or a zone leaves shards "
    "without a copy, and the domain turns read-only or loses data until the node is replaced.",
    remediation="Turn on zone awareness (two or, better, three Availability Zones) and raise the data node count to "
    "at least three, a multiple of the zone count, in the domain's cluster configuration; keep at least one replica "
    "per index so each zone holds a copy.",
)
def opensearch_data_nodes_fault_tolerant(inventory: Inventory) -> Iterable[Outcome]:
    for domain in search_domains(inventory):
        missing = _not_yet_read(domain, "zone_awareness")
        if missing is not None:
            yield missing
            continue
        count, zones = domain.get("data_node_count") or 0, bool(domain.get("zone_awareness"))
        ok = zones and count >= MIN_DATA_NODES
        zone_count = domain.get("availability_zone_count") or 2  # AWS's default when zone awareness is on
        spread = f"zone awareness over {zone_count} zones" if zones else "no zone awareness"
        verdict = "is" if ok else "is not"
        reason = f"{_label(domain)} {verdict} fault tolerant: {count} data node(s), {spread}"
        yield result(
            ok,
            domain_id(domain),
            DOMAIN,
            reason,
            region=str(domain.get("region", "")),
            data_nodes=count,
            zone_awareness=zones,
        )


@aws_check(
    id="aws.opensearch.dedicated_master_nodes_fault_tolerant",
    title="OpenSearch domains run three dedicated master nodes",
    severity=Severity.MEDIUM,
    service="opensearch",
    resource_type=DOMAIN,
    rationale="Master nodes keep the cluster state: which node holds which shard. Without dedicated masters, busy "
    "data nodes also carry that duty and can stall the whole cluster; with fewer than three, losing one master "
    "leaves no quorum to elect a new one, and the domain stops taking writes.",
    remediation="Turn on dedicated master nodes in the domain's cluster configuration with a count of three (or "
    "five for very large clusters), of an instance type sized for the cluster's node and shard count.",
)
def opensearch_dedicated_master_nodes_fault_tolerant(inventory: Inventory) -> Iterable[Outcome]:
    for domain in search_domains(inventory):
        missing = _not_yet_read(domain, "dedicated_master")
        if missing is not None:
            yield missing
            continue
        enabled, count = bool(domain.get("dedicated_master")), domain.get("dedicated_master_count") or 0
        ok = enabled and count >= MIN_DEDICATED_MASTERS
        if not enabled:
            reason = f"{_label(domain)} has no dedicated master nodes"
        else:
            reason = f"{_label(domain)} has {count} dedicated master node(s)" + ("" if ok else ", fewer than 3")
        yield result(
            ok,
            domain_id(domain),
            DOMAIN,
            reason,
            region=str(domain.get("region", "")),
            dedicated_master=enabled,
            dedicated_master_count=count if enabled else 0,
        )


@aws_check(
    id="aws.opensearch.internal_user_database_disabled",
    title="OpenSearch domains do not keep an internal user database",
    severity=Severity.MEDIUM,
    service="opensearch",
    resource_type=DOMAIN,
    rationale="Users of the internal user database sign in with a name and password stored in the domain itself, "
    "outside the account's identity provider: they escape its MFA, password rules and leaver process, and their "
    "sign-ins are not in CloudTrail. Mapping IAM roles, or SAML or Cognito identities, to the domain's roles keeps "
    "every user under the organisation's own identity management.",
    remediation="Make an IAM role the master user of fine-grained access control (UpdateDomainConfig "
    "AdvancedSecurityOptions with MasterUserARN, which turns the internal user database off), map the existing "
    "users' roles to IAM roles or SAML groups, and delete the internal users.",
)
def opensearch_internal_user_database_disabled(inventory: Inventory) -> Iterable[Outcome]:
    for domain in search_domains(inventory):
        missing = _not_yet_read(domain, "internal_user_database")
        if missing is not None:
            yield missing
            continue
        internal = bool(domain.get("internal_user_database"))
        reason = (
            f"{_label(domain)} keeps an internal user database: users sign in with passwords stored in the domain"
            if internal
            else f"{_label(domain)} has no internal user database"
        )
        yield result(
            not internal,
            domain_id(domain),
            DOMAIN,
            reason,
            region=str(domain.get("region", "")),
            internal_user_database=internal,
        )


@aws_check(
    id="aws.opensearch.dashboards_identity_provider",
    title="OpenSearch Dashboards sign users in through Cognito or SAML",
    severity=Severity.MEDIUM,
    service="opensearch",
    resource_type=DOMAIN,
    rationale="Without Cognito or SAML authentication, people reach OpenSearch Dashboards with the domain's own "
    "internal users' passwords or with signed AWS requests through a proxy, outside the workforce's identity "
    "provider, its MFA and its leaver process; Cognito or a SAML provider signs each person in with their "
    "organisation identity and maps their groups to the domain's roles.",
    remediation="Turn on SAML authentication for Dashboards with the organisation's identity provider "
    "(UpdateDomainConfig AdvancedSecurityOptions SAMLOptions, fine-grained access control on) or Amazon Cognito "
    "authentication (CognitoOptions with a user pool federated to it), and map its groups to the domain's roles.",
)
def opensearch_dashboards_identity_provider(inventory: Inventory) -> Iterable[Outcome]:
    for domain in search_domains(inventory):
        providers = domain.get("dashboards_identity_providers")
        if providers is None:
            continue  # collected before Dashboards sign-in was read
        reason = (
            f"{_label(domain)} signs Dashboards users in through {' and '.join(providers)}"
            if providers
            else f"{_label(domain)} signs Dashboards users in through neither Cognito nor SAML"
        )
        yield result(
            bool(providers),
            domain_id(domain),
            DOMAIN,
            reason,
            region=str(domain.get("region", "")),
            identity_providers=providers,
        )
