"""Amazon MSK collection (regional): each provisioned cluster's encryption, public access, client authentication,
broker logs and monitoring level, and who manages the KMS key of its storage."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_platform import MskRegion
from ._common import Scope, concurrently, describe_error, paginate, plain

# Only provisioned clusters have broker settings to judge: MSK Serverless always encrypts in transit and at rest
# with keys of its own, has no public access and no broker logs.
PROVISIONED = "PROVISIONED"
# ListClustersV2 carries every setting judged (no per-cluster call), and MSK's default quota of 90 brokers per account
# and region keeps it short: it is read whole.
_LOG_DESTINATIONS = ("CloudWatchLogs", "Firehose", "S3")


def collect_msk(scope: Scope) -> MskRegion:
    kafka = scope.client("kafka")
    listed = paginate(kafka, "list_clusters_v2", "ClusterInfoList", ClusterTypeFilter=PROVISIONED)
    clusters = [_cluster(scope, c) for c in listed if c.get("ClusterType", PROVISIONED) == PROVISIONED]
    # Each distinct key of this account is described once, whatever number of clusters use it.
    own_keys = sorted({str(c["kms_key_id"]) for c in clusters if c["kms_key_id"] and _own_key(scope, c["kms_key_id"])})
    managers: dict[str, dict[str, Any]] = {}
    if own_keys:
        read = functools.partial(_key_manager, scope.client("kms"))
        managers = dict(zip(own_keys, concurrently(read, own_keys), strict=True))
    for cluster in clusters:
        found = managers.get(str(cluster["kms_key_id"]))
        if found is not None:
            cluster.update(found)
    return plain({"clusters": clusters})


def _own_key(scope: Scope, key_id: str) -> bool:
    """Whether the key belongs to the scanned account: an ARN names its account; a bare key id is the account's own."""
    if not key_id.startswith("arn:"):
        return True
    parts = key_id.split(":")
    return len(parts) > 4 and parts[4] == scope.account_id


def _key_manager(kms: BaseClient, key_id: str) -> dict[str, Any]:
    try:
        metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    except ClientError as exc:
        return {"key_error": describe_error(exc)}
    return {"key_manager": metadata.get("KeyManager")}


def _cluster(scope: Scope, cluster: Mapping[str, Any]) -> dict[str, Any]:
    provisioned = cluster.get("Provisioned") or {}
    encryption = provisioned.get("EncryptionInfo") or {}
    in_transit = encryption.get("EncryptionInTransit") or {}
    in_cluster = in_transit.get("InCluster")
    connectivity = (provisioned.get("BrokerNodeGroupInfo") or {}).get("ConnectivityInfo") or {}
    broker_logs = (provisioned.get("LoggingInfo") or {}).get("BrokerLogs") or {}
    return {
        "name": cluster.get("ClusterName"),
        "arn": cluster["ClusterArn"],
        "state": cluster.get("State"),
        "client_broker": in_transit.get("ClientBroker"),
        "in_cluster": in_cluster if isinstance(in_cluster, bool) else None,
        "kms_key_id": (encryption.get("EncryptionAtRest") or {}).get("DataVolumeKMSKeyId") or None,
        "key_manager": None,
        "public_access": (connectivity.get("PublicAccess") or {}).get("Type"),
        "broker_log_destinations": [
            kind for kind in _LOG_DESTINATIONS if (broker_logs.get(kind) or {}).get("Enabled") is True
        ],
        **_client_authentication(provisioned.get("ClientAuthentication") or {}),
        "enhanced_monitoring": provisioned.get("EnhancedMonitoring"),
        "region": scope.region,
    }


def _client_authentication(auth: Mapping[str, Any]) -> dict[str, Any]:
    sasl = auth.get("Sasl") or {}
    tls = auth.get("Tls") or {}
    methods = []
    if (sasl.get("Iam") or {}).get("Enabled") is True:
        methods.append("IAM")
    if (sasl.get("Scram") or {}).get("Enabled") is True:
        methods.append("SASL/SCRAM")
    # A TLS block naming certificate authorities turns mutual TLS on even where AWS leaves Enabled out.
    if tls.get("Enabled") is True or (tls.get("Enabled") is None and tls.get("CertificateAuthorityArnList")):
        methods.append("TLS")
    return {
        "auth_methods": methods,
        "unauthenticated_access": (auth.get("Unauthenticated") or {}).get("Enabled") is True,
    }
