"""Checks on Step Functions state machines: execution history logged to CloudWatch Logs."""

from __future__ import annotations

from collections.abc import Iterable

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_application import StateMachine
from ._common import aws_check, described_items, result

STATE_MACHINE = "AWS::StepFunctions::StateMachine"
# Logging levels that send execution events to the log group ("OFF", Step Functions' default, sends none).
LOGGING_LEVELS = frozenset({"ALL", "ERROR", "FATAL"})


def _id(machine: StateMachine) -> str:
    return str(machine.get("arn") or machine.get("name"))


def _label(machine: StateMachine) -> str:
    kind = str(machine.get("type") or "").lower()
    return f"Step Functions {kind + ' ' if kind else ''}state machine {machine.get('name')}"


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
    machines = described_items(
        inventory,
        "stepfunctions",
        "state_machines",
        noun="state machines",
        resource_type=STATE_MACHINE,
        resource_id=_id,
        label=_label,
    )
    for machine in machines:
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
