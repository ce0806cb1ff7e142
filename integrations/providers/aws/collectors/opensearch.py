"""OpenSearch Service collection (regional): each domain's encryption, endpoint, network placement, access policy,
the logs it publishes, its data and dedicated master nodes, whether it keeps an internal user database and who signs
people in to its Dashboards.

Elasticsearch domains are listed and described by the same API, so they are collected alike.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient

from ..shapes_storage import OpenSearchRegion
from ._common import Scope, concurrently, plain, policy_document

# DescribeDomains takes at most five domain names a call.
DESCRIBE_BATCH = 5


def collect_opensearch(scope: Scope) -> OpenSearchRegion:
    opensearch = scope.client("opensearch")
    # ListDomainNames is not paginated: one answer names every domain of the region.
    names = [d["DomainName"] for d in opensearch.list_domain_names().get("DomainNames", [])]
    batches = [names[i : i + DESCRIBE_BATCH] for i in range(0, len(names), DESCRIBE_BATCH)]
    described = concurrently(functools.partial(_describe, opensearch), batches)
    # A domain being deleted still answers for a while; it is not judged.
    domains = [_domain(scope, status) for batch in described for status in batch if not status.get("Deleted")]
    return plain({"domains": sorted(domains, key=lambda d: d["name"])})


def _describe(opensearch: BaseClient, names: list[str]) -> list[Mapping[str, Any]]:
    return list(opensearch.describe_domains(DomainNames=names).get("DomainStatusList", []))


def _domain(scope: Scope, d: Mapping[str, Any]) -> dict[str, Any]:
    at_rest = d.get("EncryptionAtRestOptions") or {}
    endpoint = d.get("DomainEndpointOptions") or {}
    security = d.get("AdvancedSecurityOptions") or {}
    cluster = d.get("ClusterConfig") or {}
    return {
        "name": d["DomainName"],
        "arn": d.get("ARN"),
        "engine_version": d.get("EngineVersion"),
        "encrypted_at_rest": bool(at_rest.get("Enabled")),
        "kms_key_id": at_rest.get("KmsKeyId"),
        "node_to_node_encryption": bool((d.get("NodeToNodeEncryptionOptions") or {}).get("Enabled")),
        "enforce_https": bool(endpoint.get("EnforceHTTPS")),
        "tls_policy": endpoint.get("TLSSecurityPolicy"),
        "vpc_subnet_ids": list((d.get("VPCOptions") or {}).get("SubnetIds") or []),
        "fine_grained_access_control": bool(security.get("Enabled")),
        "internal_user_database": bool(security.get("InternalUserDatabaseEnabled")),
        # Who signs people in to OpenSearch Dashboards besides the domain itself: Cognito user pools, a SAML provider.
        "dashboards_identity_providers": [
            name
            for name, options in (("Cognito", d.get("CognitoOptions")), ("SAML", security.get("SAMLOptions")))
            if (options or {}).get("Enabled")
        ],
        "access_policy": policy_document(d.get("AccessPolicies")),
        "region": scope.region,
        "published_logs": _published_logs(d.get("LogPublishingOptions") or {}),
        "data_node_count": cluster.get("InstanceCount"),
        "zone_awareness": bool(cluster.get("ZoneAwarenessEnabled")),
        "availability_zone_count": (cluster.get("ZoneAwarenessConfig") or {}).get("AvailabilityZoneCount"),
        "dedicated_master": bool(cluster.get("DedicatedMasterEnabled")),
        "dedicated_master_count": cluster.get("DedicatedMasterCount"),
    }


def _published_logs(options: Mapping[str, Any]) -> dict[str, str | None]:
    """The log types the domain publishes (their option Enabled), each with its CloudWatch Logs log group ARN."""
    return {
        str(kind): option.get("CloudWatchLogsLogGroupArn")
        for kind, option in options.items()
        if isinstance(option, Mapping) and option.get("Enabled")
    }
