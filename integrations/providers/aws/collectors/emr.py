"""EMR collection (regional): each active cluster's log archive and the encryption its security configuration sets,
and the region's block public access setting."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_analytics import EmrRegion
from ._common import Scope, bounded_region, concurrently, describe_error, paginate_at_most, policy_document

# Clusters still running or about to; terminated ones stay listed for two months but hold no data any more.
ACTIVE_STATES = ("STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING")
# Each cluster costs a DescribeCluster call beyond the listing (50 a page); past this many active clusters in a region
# the rest are left unread (and the checks say so).
MAX_CLUSTERS = 1_000


def collect_emr(scope: Scope) -> EmrRegion:
    emr = scope.client("emr")
    listed, more = paginate_at_most(emr, "list_clusters", "Clusters", MAX_CLUSTERS, ClusterStates=list(ACTIVE_STATES))
    clusters = concurrently(functools.partial(_cluster, emr, scope), listed)
    # Many clusters usually share a few security configurations: each is read once.
    names = sorted({c["security_configuration"] for c in clusters if c.get("security_configuration")})
    encryption = dict(zip(names, concurrently(functools.partial(_encryption, emr), names), strict=True))
    for cluster in clusters:
        cluster.update(encryption.get(cluster.get("security_configuration") or "", {}))
    region = bounded_region("clusters", clusters, more, MAX_CLUSTERS)
    region.update(_block_public_access(emr))
    return region


def _cluster(emr: BaseClient, scope: Scope, listed: Mapping[str, Any]) -> dict[str, Any]:
    cid = listed["Id"]
    cluster: dict[str, Any] = {
        "id": cid,
        "arn": listed.get("ClusterArn")
        or f"arn:{scope.partition}:elasticmapreduce:{scope.region}:{scope.account_id}:cluster/{cid}",
        "name": listed.get("Name"),
        "state": (listed.get("Status") or {}).get("State"),
        "log_uri": None,
        "security_configuration": None,
        "at_rest_encryption": False,
        "in_transit_encryption": False,
        "region": scope.region,
    }
    try:
        described = emr.describe_cluster(ClusterId=cid)["Cluster"]
    except ClientError as exc:
        cluster["describe_error"] = describe_error(exc)
        return cluster
    cluster["log_uri"] = described.get("LogUri") or None
    cluster["security_configuration"] = described.get("SecurityConfiguration") or None
    attributes = described.get("Ec2InstanceAttributes") or {}
    # None until the master node is up (STARTING): its address is not known yet.
    cluster["master_public_dns"] = described.get("MasterPublicDnsName") or None
    cluster["master_security_groups"] = [
        str(g)
        for g in [
            attributes.get("EmrManagedMasterSecurityGroup"),
            *(attributes.get("AdditionalMasterSecurityGroups") or []),
        ]
        if g
    ]
    return cluster


def _block_public_access(emr: BaseClient) -> dict[str, Any]:
    """The region's block public access setting; a failed read is kept for the one check that needs it."""
    try:
        answer = emr.get_block_public_access_configuration()
    except ClientError as exc:
        return {"block_public_access_error": describe_error(exc)}
    config = answer.get("BlockPublicAccessConfiguration") or {}
    return {
        "block_public_access": {
            # None when EMR leaves it out, which is not taken for on.
            "block_public_security_group_rules": config.get("BlockPublicSecurityGroupRules"),
            # A range without MaxRange is the single port MinRange.
            "permitted_port_ranges": [
                [int(r["MinRange"]), int(r.get("MaxRange", r["MinRange"]))]
                for r in config.get("PermittedPublicSecurityGroupRuleRanges") or []
                if r.get("MinRange") is not None
            ],
        }
    }


def _encryption(emr: BaseClient, name: str) -> dict[str, Any]:
    try:
        text = emr.describe_security_configuration(Name=name).get("SecurityConfiguration")
    except ClientError as exc:
        return {"security_configuration_error": describe_error(exc)}
    # A security configuration is JSON text like a resource policy, and read the same way.
    document = policy_document(text) or {}
    if "unparsable" in document:
        return {"security_configuration_error": "its JSON document could not be parsed"}
    settings = document.get("EncryptionConfiguration") or {}
    return {
        "at_rest_encryption": settings.get("EnableAtRestEncryption") is True,
        "in_transit_encryption": settings.get("EnableInTransitEncryption") is True,
    }
