"""Checks on Step Functions state machines: execution history logged to CloudWatch Logs, data encrypted with a key of
the account's, and no credentials written into the definition."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_application import StateMachine
from ._common import Verdict, aws_check, described_items, judge_described, result
from .user_data import judge_named_settings

STATE_MACHINE = "AWS::StepFunctions::StateMachine"
# Logging levels that send execution events to the log group ("OFF", Step Functions' default, sends none).
LOGGING_LEVELS = frozenset({"ALL", "ERROR", "FATAL"})


def _id(machine: StateMachine) -> str:
    return str(machine.get("arn") or machine.get("name"))


def _label(machine: StateMachine) -> str:
    kind = str(machine.get("type") or "").lower()
    return f"Step Functions {kind + ' ' if kind else ''}state machine {machine.get('name')}"


def _machines(inventory: Inventory) -> Iterator[StateMachine | Outcome]:
    """Every state machine read, and the listings' and reads' error outcomes."""
    return described_items(
        inventory,
        "stepfunctions",
        "state_machines",
        noun="state machines",
        resource_type=STATE_MACHINE,
        resource_id=_id,
        label=_label,
    )


@aws_check(
    id="aws.stepfunctions.state_machine_logging_enabled",
    title="Step Functions state machines log their executions to CloudWatch Logs",
    severity=Severity.MEDIUM,
    service="stepfunctions",
    resource_type=STATE_MACHINE,
    rationale="A state machine runs the steps of a business process with its own IAM role; without execution "
    "logging, failed, retried or unexpected executions leave no lasting record (express workflows keep none at "
    "all), so misuse and errors cannot be detected or looked into afterwards.",
    remediation="Update the state machine's logging configuration to level ERROR or ALL with a CloudWatch Logs log "
    "group as destination (its role needs the CloudWatch Logs delivery permissions).",
)
def state_machine_logging_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for machine in _machines(inventory):
        if isinstance(machine, Outcome):
            yield machine
            continue
        level = str(machine.get("log_level") or "OFF").upper()
        destinations = sorted(str(d) for d in machine.get("log_destinations") or [])
        ok = level in LOGGING_LEVELS and bool(destinations)
        if ok:
            reason = f"{_label(machine)} logs executions at {level} level to {', '.join(destinations)}"
        elif level in LOGGING_LEVELS:
            # Step Functions refuses such a configuration; were one seen, its events would go nowhere.
            reason = f"{_label(machine)} has logging level {level} but no log group to send it to"
        else:
            reason = f"{_label(machine)} has logging off (level {level})"
        yield result(
            ok,
            _id(machine),
            STATE_MACHINE,
            reason,
            region=str(machine.get("region", "")),
            log_level=level,
            log_destinations=destinations,
        )


def _judge_machines(inventory: Inventory, judge: Callable[[StateMachine], Verdict | None]) -> Iterator[Outcome]:
    return judge_described(
        inventory,
        "stepfunctions",
        "state_machines",
        noun="state machines",
        resource_type=STATE_MACHINE,
        resource_id=_id,
        label=_label,
        judge=judge,
    )


@aws_check(
    id="aws.stepfunctions.state_machine_encrypted_with_cmk",
    title="Step Functions state machines encrypt their data with a customer managed KMS key",
    severity=Severity.LOW,
    service="stepfunctions",
    resource_type=STATE_MACHINE,
    rationale="A state machine's definition and its executions' input, output and history carry the business data it "
    "handles; with a key AWS owns, the account's key policy and CloudTrail have no say over who may decrypt it, and "
    "the data cannot be made unreadable by disabling the key.",
    remediation="Update the state machine's encryption configuration to CUSTOMER_MANAGED_KMS_KEY with a key of the "
    "account's whose policy lets the state machine's role and the Step Functions service use it.",
)
def state_machine_encrypted_with_cmk(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_machines(inventory, _customer_key)


def _customer_key(machine: StateMachine) -> Verdict | None:
    if "encryption_type" not in machine:
        return None  # collected before the encryption configuration was kept
    kind, key = machine["encryption_type"], machine.get("kms_key_id")
    ok = kind == "CUSTOMER_MANAGED_KMS_KEY" and bool(key)
    reason = (
        f"{_label(machine)} encrypts its data with KMS key {key}"
        if ok
        else f"{_label(machine)} encrypts its data with a key AWS owns ({kind}), not one of the account's"
    )
    return ok, reason, {"encryption_type": kind, "kms_key_id": key}


@aws_check(
    id="aws.stepfunctions.state_machine_no_secrets_in_definition",
    title="Step Functions state machine definitions hold no credentials",
    severity=Severity.HIGH,
    service="stepfunctions",
    resource_type=STATE_MACHINE,
    rationale="A state machine's definition is configuration, not secret storage: anyone allowed to describe state "
    "machines (SecurityAudit and ReadOnlyAccess included) reads it, and every version and alias keeps it. An API key, "
    "token or password written into a task's parameters is a credential in clear.",
    remediation="Keep the credential in Secrets Manager (or an EventBridge connection for HTTP tasks) and have the "
    "task read it at run time; publish a definition without it, delete the versions that hold it, and rotate the "
    "credential, as it has been readable all along.",
)
def state_machine_no_secrets_in_definition(inventory: Inventory) -> Iterable[Outcome]:
    for machine in _machines(inventory):
        if isinstance(machine, Outcome):
            yield machine
            continue
        if "definition_secrets" not in machine:
            continue  # collected before the definition was scanned
        yield judge_named_settings(
            machine["definition_secrets"],
            total=machine.get("definition_secret_count"),
            label=_label(machine),
            resource_id=_id(machine),
            resource_type=STATE_MACHINE,
            region=str(machine.get("region", "")),
            what="definition's values",
        )
