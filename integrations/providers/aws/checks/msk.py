"""Checks on Amazon MSK provisioned clusters: TLS in transit, a customer managed key at rest, no public access,
broker logs delivered somewhere, every client authenticated and per-broker monitoring. MSK Serverless clusters are
not judged (see collectors/msk.py)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_platform import MskCluster
from ._common import aws_check, error, items, result

CLUSTER = "AWS::MSK::Cluster"
# What MSK applies when a cluster is created without saying (and reports for it ever after).
DEFAULT_CLIENT_BROKER = "TLS"
DEFAULT_IN_CLUSTER = True
DEFAULT_PUBLIC_ACCESS = "DISABLED"
# The public access type that gives each broker an Elastic IP reachable from the internet.
PUBLIC = "SERVICE_PROVIDED_EIPS"
CUSTOMER = "CUSTOMER"
# The monitoring level MSK applies when a cluster is created without saying: cluster and broker basics only.
DEFAULT_MONITORING = "DEFAULT"


def _clusters(inventory: Inventory) -> Iterator[MskCluster]:
    return items(inventory, "msk", "clusters")


def _label(cluster: MskCluster) -> str:
    return f"MSK cluster {cluster.get('name') or cluster['arn']}"


@aws_check(
    id="aws.msk.cluster_encryption_in_transit",
    title="MSK clusters encrypt traffic with TLS, from clients and between brokers",
    severity=Severity.MEDIUM,
    service="msk",
    resource_type=CLUSTER,
    rationale="Kafka records, and the SASL credentials of clients that use them, cross the network in clear unless "
    "clients must use TLS (ClientBroker TLS, not TLS_PLAINTEXT or PLAINTEXT) and the brokers replicate over TLS "
    "(InCluster).",
    remediation="Update the cluster's security (UpdateSecurity) to ClientBroker TLS once every client connects with "
    "TLS; encryption between brokers can only be chosen at creation, so a cluster without it must be replaced.",
)
def cluster_encryption_in_transit(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        client_broker = cluster.get("client_broker") or DEFAULT_CLIENT_BROKER
        in_cluster = cluster.get("in_cluster")
        in_cluster = DEFAULT_IN_CLUSTER if in_cluster is None else in_cluster
        gaps = []
        if client_broker != DEFAULT_CLIENT_BROKER:
            gaps.append(f"accepts {client_broker} from clients")
        if not in_cluster:
            gaps.append("replicates between brokers in clear")
        if gaps:
            reason = f"{_label(cluster)} {' and '.join(gaps)}"
        else:
            reason = f"{_label(cluster)} accepts TLS only from clients and encrypts traffic between brokers"
        yield result(
            not gaps,
            cluster["arn"],
            CLUSTER,
            reason,
            region=cluster["region"],
            client_broker=client_broker,
            in_cluster=in_cluster,
        )


@aws_check(
    id="aws.msk.cluster_encrypted_with_customer_key",
    title="MSK clusters encrypt their storage with a customer managed KMS key",
    severity=Severity.LOW,
    service="msk",
    resource_type=CLUSTER,
    rationale="MSK always encrypts broker storage, by default with its AWS managed key, whose policy no one can "
    "change: with a customer managed key the account decides, and CloudTrail shows, who may decrypt the data, and "
    "can revoke it.",
    remediation="The key is chosen at creation: create a cluster with a customer managed KMS key "
    "(EncryptionAtRest.DataVolumeKMSKeyId), move the topics to it (MirrorMaker or MSK Replicator) and delete the old "
    "one.",
)
def cluster_encrypted_with_customer_key(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        key, manager = cluster.get("kms_key_id"), cluster.get("key_manager")
        if cluster.get("key_error"):
            reason = f"Could not read who manages the KMS key of {_label(cluster)}: {cluster['key_error']}"
            yield error(cluster["arn"], CLUSTER, reason, region=cluster["region"], kms_key_id=key)
            continue
        if not key:
            ok, reason = False, f"{_label(cluster)} encrypts its storage with MSK's AWS managed key"
        elif manager is None:
            # A key of another account: AWS managed keys are always the cluster's own account's.
            ok, reason = True, f"{_label(cluster)} encrypts its storage with a customer managed key of another account"
        elif manager == CUSTOMER:
            ok, reason = True, f"{_label(cluster)} encrypts its storage with a customer managed KMS key"
        else:
            ok, reason = False, f"{_label(cluster)} encrypts its storage with an AWS managed KMS key"
        yield result(ok, cluster["arn"], CLUSTER, reason, region=cluster["region"], kms_key_id=key, key_manager=manager)


@aws_check(
    id="aws.msk.cluster_not_publicly_accessible",
    title="MSK clusters are not publicly accessible",
    severity=Severity.HIGH,
    service="msk",
    resource_type=CLUSTER,
    rationale="With public access on, every broker gets an Elastic IP address reachable from the internet, where "
    "its listeners are open to credential guessing and to any flaw of Kafka.",
    remediation="Turn public access off (UpdateConnectivity with PublicAccess DISABLED) and reach the cluster from "
    "the VPC, over peering, Transit Gateway or MSK multi-VPC private connectivity.",
)
def cluster_not_publicly_accessible(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        access = cluster.get("public_access") or DEFAULT_PUBLIC_ACCESS
        public = access == PUBLIC
        reason = (
            f"{_label(cluster)} gives its brokers public IP addresses"
            if public
            else f"{_label(cluster)} is reachable only from its VPC"
        )
        yield result(not public, cluster["arn"], CLUSTER, reason, region=cluster["region"], public_access=access)


@aws_check(
    id="aws.msk.cluster_broker_logging_enabled",
    title="MSK clusters deliver their broker logs",
    severity=Severity.MEDIUM,
    service="msk",
    resource_type=CLUSTER,
    rationale="Broker logs record client connections, authentication and authorisation failures and broker errors; "
    "without a destination they stay on the brokers, out of reach of monitoring and lost with them.",
    remediation="Turn on broker log delivery to CloudWatch Logs, Kinesis Data Firehose or S3 (UpdateMonitoring with "
    "LoggingInfo.BrokerLogs).",
)
def cluster_broker_logging_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        destinations = list(cluster.get("broker_log_destinations") or [])
        reason = (
            f"{_label(cluster)} delivers its broker logs to {', '.join(destinations)}"
            if destinations
            else f"{_label(cluster)} delivers its broker logs nowhere"
        )
        yield result(
            bool(destinations), cluster["arn"], CLUSTER, reason, region=cluster["region"], destinations=destinations
        )


@aws_check(
    id="aws.msk.cluster_client_authentication_required",
    title="MSK clusters authenticate every client",
    severity=Severity.HIGH,
    service="msk",
    resource_type=CLUSTER,
    rationale="A cluster that admits unauthenticated clients lets anything that reaches a broker read and write "
    "every topic, and leaves Kafka's ACLs nothing to tell clients apart by; with no authentication method at all, "
    "that is every client.",
    remediation="Turn on IAM access control, SASL/SCRAM or mutual TLS client authentication and turn unauthenticated "
    "access off (UpdateSecurity with ClientAuthentication), once the clients authenticate.",
)
def cluster_client_authentication_required(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        if "auth_methods" not in cluster:
            continue  # collected before client authentication was kept
        methods = list(cluster.get("auth_methods") or [])
        open_access = bool(cluster.get("unauthenticated_access"))
        ok = bool(methods) and not open_access
        if ok:
            reason = f"{_label(cluster)} authenticates every client ({', '.join(methods)})"
        elif methods:
            reason = f"{_label(cluster)} admits unauthenticated clients beside {', '.join(methods)}"
        else:
            reason = f"{_label(cluster)} has no client authentication: every client that reaches a broker is admitted"
        yield result(
            ok,
            cluster["arn"],
            CLUSTER,
            reason,
            region=cluster["region"],
            auth_methods=methods,
            unauthenticated_access=open_access,
        )


@aws_check(
    id="aws.msk.cluster_enhanced_monitoring_enabled",
    title="MSK clusters send per-broker metrics to CloudWatch (enhanced monitoring)",
    severity=Severity.LOW,
    service="msk",
    resource_type=CLUSTER,
    rationale="At the DEFAULT level MSK sends CloudWatch only a cluster's basic metrics; from PER_BROKER up it adds "
    "each broker's network, disk, request-time and replication metrics, the ones that show a broker running out of "
    "capacity or falling behind before its clients fail, and that an alarm can be set on.",
    remediation="Raise the cluster's monitoring level to PER_BROKER or finer (UpdateMonitoring with "
    "EnhancedMonitoring); the levels above DEFAULT are billed as CloudWatch custom metrics.",
)
def cluster_enhanced_monitoring_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        if "enhanced_monitoring" not in cluster:
            continue  # collected before the monitoring level was kept
        level = cluster.get("enhanced_monitoring") or DEFAULT_MONITORING
        ok = level != DEFAULT_MONITORING
        reason = (
            f"{_label(cluster)} sends CloudWatch metrics at the {level} level"
            if ok
            else f"{_label(cluster)} sends CloudWatch only the DEFAULT level of metrics, none per broker"
        )
        yield result(ok, cluster["arn"], CLUSTER, reason, region=cluster["region"], enhanced_monitoring=level)
