"""ECS task definition checks against moto."""

from __future__ import annotations

import json
from typing import Any

import pytest

from integrations.providers.aws.collectors import ecs as ecs_collector
from integrations.providers.aws.secret_names import looks_secret
from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    aws,
    collect,
    connector,
    json_reply,
    only,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
TASK_CHECKS = [
    "aws.ecs.task_definition_no_privileged_containers",
    "aws.ecs.task_definition_read_only_root_filesystem",
    "aws.ecs.task_definition_logging_configured",
    "aws.ecs.task_definition_no_plaintext_secrets",
    "aws.ecs.task_definition_no_host_network_mode",
    "aws.ecs.task_definition_no_host_pid_mode",
]
LOGS = {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/app", "awslogs-region": REGION}}


def container(name: str = "app", **settings: Any) -> dict[str, Any]:
    """A container definition moto accepts (it wants memory), with ``settings`` of ECS's own names."""
    return {"name": name, "image": "public.ecr.aws/nginx/nginx:latest", "memory": 256, **settings}


def hardened(name: str = "app", **settings: Any) -> dict[str, Any]:
    """A container that passes every container check: unprivileged, read-only root, logging, no plain secrets."""
    return container(name, privileged=False, readonlyRootFilesystem=True, logConfiguration=LOGS, **settings)


def register(endpoint: str, family: str, containers: list[dict[str, Any]], region: str = REGION, **task: Any) -> str:
    """Register a revision of ``family`` (register_task_definition's own ``task`` settings); its ARN."""
    registered = aws(endpoint, "ecs", region).register_task_definition(
        family=family, containerDefinitions=containers, **task
    )
    return str(registered["taskDefinition"]["taskDefinitionArn"])


def test_task_definition_checks_pass_a_hardened_task_and_fail_a_loose_one(moto_reset: str) -> None:
    # given a task definition in awsvpc mode whose container is unprivileged, has a read-only root, logs to CloudWatch
    # and takes its password from Secrets Manager; and one on the host's network and PID namespace whose container is
    # privileged, writable, unlogged and has a password in its plain environment
    secret = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:db-password"
    safe = register(
        moto_reset,
        "web",
        [
            hardened(
                environment=[{"name": "LOG_LEVEL", "value": "info"}],
                secrets=[{"name": "DB_PASSWORD", "valueFrom": secret}],
            )
        ],
        networkMode="awsvpc",
    )
    loose = register(
        moto_reset,
        "legacy",
        [container(privileged=True, environment=[{"name": "DB_PASSWORD", "value": "hunter2-plaintext"}])],
        networkMode="host",
        pidMode="host",
    )
    # when the six task definition checks run on one collection
    collected = collect(moto_reset, TASK_CHECKS)
    # then the hardened task passes all six and the loose one fails all six
    assert {cid: statuses(run(collected, cid)) for cid in TASK_CHECKS} == {
        cid: {safe: PASS, loose: FAIL} for cid in TASK_CHECKS
    }
    # and the reasons name the revision, and the containers or settings at fault
    reasons = {(cid, o.resource_id): o.reason for cid in TASK_CHECKS for o in run(collected, cid)}
    web, legacy = "ECS task definition web:1", "ECS task definition legacy:1"
    assert reasons[(TASK_CHECKS[0], safe)] == f"{web}: every container runs unprivileged"
    assert reasons[(TASK_CHECKS[0], loose)] == f"{legacy}: container(s) app run privileged"
    assert reasons[(TASK_CHECKS[1], safe)] == f"{web}: every container has a read-only root filesystem"
    assert reasons[(TASK_CHECKS[1], loose)] == f"{legacy}: container(s) app have a writable root filesystem"
    assert reasons[(TASK_CHECKS[2], safe)] == f"{web}: every container has a log configuration"
    assert reasons[(TASK_CHECKS[2], loose)] == f"{legacy}: container(s) app have no log configuration"
    assert (
        reasons[(TASK_CHECKS[3], safe)] == f"{web} sets no secret-looking variable in its containers' plain environment"
    )
    assert reasons[(TASK_CHECKS[3], loose)] == (
        f"{legacy} sets secret-looking variable(s) in plain environment: app/DB_PASSWORD"
    )
    assert reasons[(TASK_CHECKS[4], safe)] == f"{web} has networkMode awsvpc, not the host's"
    assert reasons[(TASK_CHECKS[4], loose)] == (
        f"{legacy} has networkMode host, so its containers share the instance's network stack and ports"
    )
    assert reasons[(TASK_CHECKS[5], safe)] == f"{web} has pidMode not set, not the host's"
    assert reasons[(TASK_CHECKS[5], loose)] == (
        f"{legacy} has pidMode host, so its containers see and can reach every process there"
    )
    # and the plaintext value was never copied into the inventory, only the variable's name
    assert "hunter2-plaintext" not in json.dumps(collected.data)


def test_only_the_offending_containers_of_a_task_are_named(moto_reset: str) -> None:
    # given a task whose sidecar is privileged and unlogged beside a hardened app container
    arn = register(
        moto_reset, "mixed", [hardened("app"), container("sidecar", privileged=True, readonlyRootFilesystem=True)]
    )
    collected = collect(moto_reset, TASK_CHECKS[:3])
    # when the container checks run
    # then each failure names the sidecar alone
    assert (
        only(run(collected, TASK_CHECKS[0])).reason
        == "ECS task definition mixed:1: container(s) sidecar run privileged"
    )
    assert only(run(collected, TASK_CHECKS[1])).status == PASS
    logging = only(run(collected, TASK_CHECKS[2]))
    assert (logging.resource_id, logging.status) == (arn, FAIL)
    assert logging.observed == {"unlogged_containers": ["sidecar"]}


def test_only_the_latest_active_revision_of_a_family_is_judged(moto_reset: str) -> None:
    # given a family whose first revision ran privileged and whose second does not, and a family whose only revision
    # was deregistered
    register(moto_reset, "api", [container(privileged=True)])
    latest = register(moto_reset, "api", [container()])
    retired = register(moto_reset, "retired", [container(privileged=True)])
    aws(moto_reset, "ecs").deregister_task_definition(taskDefinition=retired)
    # when the privileged check runs
    # then only the family's latest revision is judged, and the deregistered family not at all
    assert statuses(scan(moto_reset, TASK_CHECKS[0])) == {latest: PASS}
    assert latest.endswith(":task-definition/api:2")


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("DB_PASSWORD", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("AWS_ACCESS_KEY_ID", True),
        ("GITHUB_TOKEN", True),
        ("stripe-api-key", True),
        ("SENDGRID_APIKEY", True),
        ("tls.private.key", True),
        ("MYSQL_PASSWD", True),
        ("GOOGLE_APPLICATION_CREDENTIALS", True),
        ("AWS_REGION", False),
        ("LOG_LEVEL", False),
        ("DATABASE_HOST", False),
    ],
)
def test_secret_looking_names(name: str, secret: bool) -> None:
    # given an environment variable's name
    # when it is matched against the secret-name markers
    # then only names saying they hold a credential are flagged
    assert looks_secret(name) is secret


def test_secret_variables_are_named_per_container(moto_reset: str) -> None:
    # given a task whose two containers each set plain variables, some of them secret-looking
    arn = register(
        moto_reset,
        "worker",
        [
            hardened("app", environment=[{"name": "API_KEY", "value": "k"}, {"name": "REGION", "value": REGION}]),
            hardened("agent", environment=[{"name": "agent-token", "value": "t"}]),
        ],
    )
    # when the plaintext secrets check runs
    outcome = only(scan(moto_reset, TASK_CHECKS[3]))
    # then it fails, naming each container and variable, and never a value
    assert (outcome.resource_id, outcome.status) == (arn, FAIL)
    assert outcome.observed == {"secret_like": ["agent/agent-token", "app/API_KEY"], "value_kinds": {}}


def test_plain_variables_whose_values_hold_credentials_fail_whatever_they_are_named(moto_reset: str) -> None:
    # given a task whose containers' innocently named variables hold a Slack token and a PEM private key, beside
    # ordinary settings
    token = "xoxb-" + "1234-5678-abcdefgh"
    key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"
    arn = register(
        moto_reset,
        "notifier",
        [
            hardened("app", environment=[{"name": "NOTIFY", "value": token}, {"name": "REGION", "value": REGION}]),
            hardened("tls", environment=[{"name": "BUNDLE", "value": key}]),
        ],
    )
    # when the plaintext secrets check runs
    collected = collect(moto_reset, [TASK_CHECKS[3]])
    outcome = only(run(collected, TASK_CHECKS[3]))
    # then it fails, naming each container and variable with what its value holds, never the value
    assert (outcome.resource_id, outcome.status) == (arn, FAIL)
    assert outcome.reason.endswith(
        "sets secret-looking variable(s) in plain environment: app/NOTIFY (its value holds service_token), "
        "tls/BUNDLE (its value holds private_key)"
    )
    assert token not in str(collected.data) and "MIIEpAIBAAKCAQEA" not in str(collected.data)


def test_a_task_definition_that_cannot_be_described_is_an_error(moto_reset: str) -> None:
    # given a family ECS refuses to describe
    register(moto_reset, "locked", [hardened()])
    built = connector(moto_reset)
    refusal = json_reply({"__type": "AccessDeniedException", "Message": "denied"}, 400)
    built.session.events.register("before-send.ecs.DescribeTaskDefinition", lambda **_: refusal)
    # when ECS is collected and the checks run
    collected = built.collect({"ecs"})
    # then each check reports an error for the family, naming the refusal
    assert collected.errors == {}
    family = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/locked"
    for cid in TASK_CHECKS:
        outcome = only(run(collected, cid))
        assert (outcome.resource_id, outcome.status) == (family, ERROR)
        assert outcome.reason.startswith("Could not describe ECS task definition locked: DescribeTaskDefinition failed")


def test_task_definitions_are_judged_in_their_own_region(moto_reset: str) -> None:
    # given a host-network task definition in the other region only
    arn = register(moto_reset, "edge", [hardened()], region=OTHER_REGION, networkMode="host")
    # when the network mode check runs over both regions
    outcome = only(scan(moto_reset, TASK_CHECKS[4], regions=[REGION, OTHER_REGION]))
    # then it is judged once, in its region
    assert (outcome.resource_id, outcome.region, outcome.status) == (arn, OTHER_REGION, FAIL)


def test_families_past_the_bound_are_left_unread_and_said_so(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # given three families, and a collector that reads at most two per region
    monkeypatch.setattr(ecs_collector, "MAX_FAMILIES", 2)
    for family in ("one", "two", "three"):
        register(moto_reset, family, [hardened()])
    # when the privileged check runs
    outcomes = scan(moto_reset, TASK_CHECKS[0])
    # then two families are judged and the region gets an error saying the rest were not read
    assert sorted(o.status for o in outcomes) == sorted([PASS, PASS, ERROR])
    bound = next(o for o in outcomes if o.status == ERROR)
    assert (bound.resource_id, bound.region) == (ACCOUNT, REGION)
    assert bound.reason == f"{REGION} holds more than 2 task definition families; only the first 2 were read and judged"
