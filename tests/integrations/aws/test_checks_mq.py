"""Amazon MQ broker checks against moto."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.providers.aws.collectors import mq as mq_collector
from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    aws,
    collect,
    connector,
    inventory,
    json_reply,
    only,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
BROKER_CHECKS = [
    "aws.mq.broker_logging_enabled",
    "aws.mq.broker_not_publicly_accessible",
    "aws.mq.broker_auto_minor_version_upgrade",
]
VERSIONS = {"ACTIVEMQ": "5.18", "RABBITMQ": "3.13"}
BROKER_DEFAULTS = {"DeploymentMode": "SINGLE_INSTANCE", "PubliclyAccessible": False, "AutoMinorVersionUpgrade": False}


def broker(endpoint: str, name: str, engine: str = "ACTIVEMQ", region: str = REGION, **settings: Any) -> str:
    """Create broker ``name`` (create_broker's own ``settings``: PubliclyAccessible, Logs, ...); its ARN."""
    created = aws(endpoint, "mq", region).create_broker(
        BrokerName=name,
        EngineType=engine,
        EngineVersion=VERSIONS[engine],
        HostInstanceType="mq.t3.micro",
        Users=[{"Username": "admin", "Password": "a-long-password-1"}],
        **{**BROKER_DEFAULTS, **settings},
    )
    return str(created["BrokerArn"])


def test_broker_checks_pass_a_private_logged_broker_and_fail_an_open_one(moto_reset: str) -> None:
    # given a private ActiveMQ broker logging generally and for audit and taking minor upgrades, and a public one
    # logging nothing and not taking them
    private = broker(moto_reset, "orders", Logs={"General": True, "Audit": True}, AutoMinorVersionUpgrade=True)
    public = broker(moto_reset, "legacy", PubliclyAccessible=True)
    # when the three broker checks run on one collection
    collected = collect(moto_reset, BROKER_CHECKS)
    # then the private broker passes all three and the public one fails all three
    assert {cid: statuses(run(collected, cid)) for cid in BROKER_CHECKS} == {
        cid: {private: PASS, public: FAIL} for cid in BROKER_CHECKS
    }
    # and the reasons name the broker and what was seen
    reasons = {(cid, o.resource_id): o.reason for cid in BROKER_CHECKS for o in run(collected, cid)}
    assert reasons[(BROKER_CHECKS[0], private)] == (
        "ActiveMQ broker orders sends its general and audit logs to CloudWatch Logs"
    )
    assert reasons[(BROKER_CHECKS[0], public)] == (
        "ActiveMQ broker legacy does not send its general and audit logs to CloudWatch Logs"
    )
    assert reasons[(BROKER_CHECKS[1], private)] == "ActiveMQ broker orders is reachable only from its VPC"
    assert reasons[(BROKER_CHECKS[1], public)] == "ActiveMQ broker legacy is publicly accessible"
    assert reasons[(BROKER_CHECKS[2], private)] == "ActiveMQ broker orders takes minor engine upgrades automatically"
    assert reasons[(BROKER_CHECKS[2], public)] == (
        "ActiveMQ broker legacy does not take minor engine upgrades automatically"
    )


def test_activemq_needs_audit_logs_and_rabbitmq_general_logs_only(moto_reset: str) -> None:
    # given an ActiveMQ broker with general logs only, and a RabbitMQ broker with general logs (it has no audit log)
    activemq = broker(moto_reset, "jms", Logs={"General": True})
    rabbitmq = broker(moto_reset, "amqp", engine="RABBITMQ", Logs={"General": True})
    # when the logging check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, BROKER_CHECKS[0])}
    # then the ActiveMQ broker fails for its audit log and the RabbitMQ broker passes
    assert {arn: o.status for arn, o in outcomes.items()} == {activemq: FAIL, rabbitmq: PASS}
    assert outcomes[activemq].reason == "ActiveMQ broker jms does not send its audit logs to CloudWatch Logs"
    assert outcomes[activemq].observed == {"general_logs": True, "audit_logs": False}
    assert outcomes[rabbitmq].reason == "RabbitMQ broker amqp sends its general logs to CloudWatch Logs"
    assert outcomes[rabbitmq].observed == {"general_logs": True}


def test_brokers_spread_over_zones_pass_and_single_instance_brokers_fail(moto_reset: str) -> None:
    # given an ActiveMQ active/standby pair and a RabbitMQ cluster across zones, and a single instance of each
    pair = broker(moto_reset, "orders", DeploymentMode="ACTIVE_STANDBY_MULTI_AZ")
    cluster = broker(moto_reset, "events", engine="RABBITMQ", DeploymentMode="CLUSTER_MULTI_AZ")
    single = broker(moto_reset, "jms-dev")
    lone = broker(moto_reset, "amqp-dev", engine="RABBITMQ")
    # when the zone check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, "aws.mq.broker_multi_az")}
    # then the brokers across zones pass and the single instances fail, each reason naming the mode
    assert statuses(outcomes.values()) == {pair: PASS, cluster: PASS, single: FAIL, lone: FAIL}
    assert outcomes[pair].reason == (
        "ActiveMQ broker orders is deployed across Availability Zones (ACTIVE_STANDBY_MULTI_AZ)"
    )
    assert outcomes[cluster].reason == "RabbitMQ broker events is deployed across Availability Zones (CLUSTER_MULTI_AZ)"
    assert outcomes[single].reason == "ActiveMQ broker jms-dev runs in a single Availability Zone (SINGLE_INSTANCE)"
    assert outcomes[lone].observed == {"deployment_mode": "SINGLE_INSTANCE"}


def test_a_broker_reporting_no_deployment_mode_is_an_error_and_an_old_inventory_is_not_judged() -> None:
    # given brokers as AWS would never describe them (no deployment mode) and as stored before the mode was kept
    arn = f"arn:aws:mq:{REGION}:{ACCOUNT}:broker:b-1"
    described = {"id": "b-1", "arn": arn, "name": "orders", "engine": "ACTIVEMQ", "region": REGION}
    unsaid = inventory(mq={"regions": {REGION: {"brokers": [{**described, "deployment_mode": None}]}}})
    older = inventory(mq={"regions": {REGION: {"brokers": [described]}}})
    # when the zone check runs on each
    # then the first is an error naming the broker, never a pass, and the second yields nothing
    outcome = only(run(unsaid, "aws.mq.broker_multi_az"))
    assert (outcome.resource_id, outcome.status) == (arn, ERROR)
    assert outcome.reason == "ActiveMQ broker orders did not report its deployment mode"
    assert run(older, "aws.mq.broker_multi_az") == []


def test_brokers_are_judged_in_their_own_region(moto_reset: str) -> None:
    # given a public broker in the other region only
    arn = broker(moto_reset, "west", region=OTHER_REGION, PubliclyAccessible=True)
    # when the exposure check runs over both regions
    outcome = only(scan(moto_reset, BROKER_CHECKS[1], regions=[REGION, OTHER_REGION]))
    # then the broker is judged once, in its region
    assert (outcome.resource_id, outcome.region, outcome.status) == (arn, OTHER_REGION, FAIL)


def test_a_broker_that_cannot_be_described_is_an_error_and_a_deleted_one_is_left_out(moto_reset: str) -> None:
    # given two brokers: Amazon MQ refuses to describe one and no longer knows the other when it is described
    guarded = broker(moto_reset, "guarded")
    gone_id = broker(moto_reset, "gone").rsplit(":", 1)[1]
    built = connector(moto_reset)

    def answer(request: Any = None, **_: Any) -> Any:
        if request.url.endswith(f"/brokers/{gone_id}"):
            return json_reply({"__type": "NotFoundException", "message": "gone"}, 404)
        return json_reply({"__type": "ForbiddenException", "message": "denied"}, 403)

    built.session.events.register("before-send.mq.DescribeBroker", answer)
    # when Amazon MQ is collected and the checks run
    collected = built.collect({"mq"})
    # then the refused broker is an error for each check, naming the refusal, and the deleted one is not judged
    assert collected.errors == {}
    for cid in BROKER_CHECKS:
        outcome = only(run(collected, cid))
        assert (outcome.resource_id, outcome.status) == (guarded, ERROR)
        assert outcome.reason.startswith(
            "Could not describe ActiveMQ broker guarded: DescribeBroker failed with ForbiddenException"
        )


def test_brokers_past_the_bound_are_left_unread_and_said_so(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # given three private brokers, and a collector that reads at most two per region
    monkeypatch.setattr(mq_collector, "MAX_BROKERS", 2)
    for name in ("one", "two", "three"):
        broker(moto_reset, name)
    # when the exposure check runs
    outcomes = scan(moto_reset, BROKER_CHECKS[1])
    # then two brokers are judged and the region gets an error saying the rest were not read
    assert sorted(o.status for o in outcomes) == sorted([PASS, PASS, ERROR])
    bound = next(o for o in outcomes if o.status == ERROR)
    assert (bound.resource_id, bound.region) == (ACCOUNT, REGION)
    assert bound.reason == f"{REGION} holds more than 2 brokers; only the first 2 were read and judged"
