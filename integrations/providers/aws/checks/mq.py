"""Checks on Amazon MQ brokers: logs sent to CloudWatch Logs, no public endpoint, minor engine upgrades, and brokers
deployed across Availability Zones."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_containers import MqBroker
from ._common import aws_check, described_items, error, result

BROKER = "AWS::AmazonMQ::Broker"
# Only ActiveMQ brokers have an audit log (of management actions through JMX and the web console).
AUDITED_ENGINE = "ACTIVEMQ"
# The deployment modes that keep a broker running through the loss of one Availability Zone: an ActiveMQ
# active/standby pair and a three-node RabbitMQ cluster, each spread over zones.
MULTI_AZ_MODES = frozenset({"ACTIVE_STANDBY_MULTI_AZ", "CLUSTER_MULTI_AZ"})


def _brokers(inventory: Inventory) -> Iterator[MqBroker | Outcome]:
    return described_items(
        inventory, "mq", "brokers", noun="brokers", resource_type=BROKER, resource_id=_id, label=_label
    )


def _id(broker: MqBroker) -> str:
    return str(broker["arn"])


def _label(broker: MqBroker) -> str:
    engine = str(broker.get("engine") or "").lower()
    kind = {"activemq": "ActiveMQ", "rabbitmq": "RabbitMQ"}.get(engine, "Amazon MQ")
    return f"{kind} broker {broker.get('name') or broker['id']}"


@aws_check(
    id="aws.mq.broker_logging_enabled",
    title="Amazon MQ brokers send their logs to CloudWatch Logs",
    severity=Severity.MEDIUM,
    service="mq",
    resource_type=BROKER,
    rationale="Without general logs a broker's connections, errors and configuration problems are not kept; without "
    "audit logs (ActiveMQ) nothing records who created or deleted destinations, or changed the broker, through its "
    "management interfaces.",
    remediation="Turn on general logging, and audit logging on ActiveMQ brokers (UpdateBroker with Logs), and allow "
    "Amazon MQ to write to CloudWatch Logs with a resource policy on the /aws/amazonmq/ log groups.",
)
def broker_logging_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for broker in _brokers(inventory):
        if isinstance(broker, Outcome):
            yield broker
            continue
        audited = str(broker.get("engine") or "").upper() == AUDITED_ENGINE
        wanted = {"general": broker["general_logs"]}
        if audited:
            wanted["audit"] = broker["audit_logs"]
        off = [kind for kind, on in wanted.items() if not on]
        if off:
            reason = f"{_label(broker)} does not send its {' and '.join(off)} logs to CloudWatch Logs"
        else:
            reason = f"{_label(broker)} sends its {' and '.join(wanted)} logs to CloudWatch Logs"
        observed = {"general_logs": broker["general_logs"], **({"audit_logs": broker["audit_logs"]} if audited else {})}
        yield result(not off, _id(broker), BROKER, reason, region=broker["region"], **observed)


@aws_check(
    id="aws.mq.broker_not_publicly_accessible",
    title="Amazon MQ brokers are not publicly accessible",
    severity=Severity.HIGH,
    service="mq",
    resource_type=BROKER,
    rationale="A publicly accessible broker has endpoints (its messaging protocols and web console) reachable from "
    "the internet, where its users' passwords are open to guessing and any flaw of the engine to exploitation.",
    remediation="Public accessibility is fixed at creation: create a private broker in the VPC's private subnets, "
    "with security groups admitting only the producers and consumers, move the clients to it and delete the public "
    "one.",
)
def broker_not_publicly_accessible(inventory: Inventory) -> Iterable[Outcome]:
    for broker in _brokers(inventory):
        if isinstance(broker, Outcome):
            yield broker
            continue
        public = broker.get("publicly_accessible")
        if public is None:
            # AWS always reports it (it is required at creation): an answer without it cannot be judged.
            reason = f"{_label(broker)} did not report whether it is publicly accessible"
            yield error(_id(broker), BROKER, reason, region=broker["region"])
            continue
        reason = f"{_label(broker)} is {'publicly accessible' if public else 'reachable only from its VPC'}"
        yield result(not public, _id(broker), BROKER, reason, region=broker["region"], publicly_accessible=public)


@aws_check(
    id="aws.mq.broker_auto_minor_version_upgrade",
    title="Amazon MQ brokers take minor engine upgrades automatically",
    severity=Severity.LOW,
    service="mq",
    resource_type=BROKER,
    rationale="Minor engine versions carry security and bug fixes; a broker that does not take them in its "
    "maintenance window stays on the flawed version until someone upgrades it by hand.",
    remediation="Turn on automatic minor version upgrades (UpdateBroker with AutoMinorVersionUpgrade) and set a "
    "maintenance window that suits the broker's clients.",
)
def broker_auto_minor_version_upgrade(inventory: Inventory) -> Iterable[Outcome]:
    for broker in _brokers(inventory):
        if isinstance(broker, Outcome):
            yield broker
            continue
        upgrade = broker.get("auto_minor_version_upgrade") is True
        verb = "takes" if upgrade else "does not take"
        reason = f"{_label(broker)} {verb} minor engine upgrades automatically"
        yield result(upgrade, _id(broker), BROKER, reason, region=broker["region"], auto_minor_version_upgrade=upgrade)


@aws_check(
    id="aws.mq.broker_multi_az",
    title="Amazon MQ brokers are deployed across Availability Zones",
    severity=Severity.MEDIUM,
    service="mq",
    resource_type=BROKER,
    rationale="A single-instance broker is one node in one zone: a zone failure, a host failure or its maintenance "
    "window stops every producer and consumer, and messages held on it wait until it returns. An ActiveMQ "
    "active/standby pair or a RabbitMQ cluster spread over zones keeps the queues served.",
    remediation="The deployment mode is fixed at creation: create an ActiveMQ broker with ACTIVE_STANDBY_MULTI_AZ "
    "(shared storage on EFS) or a RabbitMQ broker with CLUSTER_MULTI_AZ, move the clients and their queues to it, "
    "and delete the single-instance one.",
)
def broker_multi_az(inventory: Inventory) -> Iterable[Outcome]:
    for broker in _brokers(inventory):
        if isinstance(broker, Outcome):
            yield broker
            continue
        if "deployment_mode" not in broker:
            continue  # collected before the deployment mode was kept
        mode = broker.get("deployment_mode")
        if not mode:
            # AWS always reports it (it is chosen at creation): an answer without it cannot be judged.
            reason = f"{_label(broker)} did not report its deployment mode"
            yield error(_id(broker), BROKER, reason, region=broker["region"])
            continue
        ok = mode in MULTI_AZ_MODES
        says = "is deployed across Availability Zones" if ok else "runs in a single Availability Zone"
        reason = f"{_label(broker)} {says} ({mode})"
        yield result(ok, _id(broker), BROKER, reason, region=broker["region"], deployment_mode=mode)
