"""Step Functions collection (regional): where each state machine logs its execution history, and at what level, which
key encrypts its data, and what in its definition looks like a credential (only the paths and kinds are kept: the
inventory is stored and must never hold the secrets it reports)."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_application import StepFunctionsRegion
from ..shapes_ec2 import NamedSecretFinding
from ._common import Scope, bounded_region, concurrently, describe_error, error_code, paginate_at_most
from .user_data import MAX_FINDINGS, document_findings, secret_findings

# The listing leaves out the logging configuration, so each state machine costs a DescribeStateMachine call. Past
# this many in a region the rest are left unread (and the check says so) rather than spend thousands of calls.
MAX_STATE_MACHINES = 1_000
# ListStateMachines gives at most 1,000 a page.
_PAGE_SIZE = 1_000


def collect_stepfunctions(scope: Scope) -> StepFunctionsRegion:
    sfn = scope.client("stepfunctions")
    listed, more = paginate_at_most(
        sfn, "list_state_machines", "stateMachines", MAX_STATE_MACHINES, PaginationConfig={"PageSize": _PAGE_SIZE}
    )
    machines = concurrently(functools.partial(_state_machine, sfn, scope), listed)
    return bounded_region("state_machines", [m for m in machines if m is not None], more, MAX_STATE_MACHINES)


def _state_machine(sfn: BaseClient, scope: Scope, listed: Mapping[str, Any]) -> dict[str, Any] | None:
    arn = listed["stateMachineArn"]
    machine: dict[str, Any] = {
        "name": listed.get("name") or arn.rsplit(":", 1)[-1],
        "arn": arn,
        "type": listed.get("type"),
        "log_level": None,
        "log_destinations": [],
        "region": scope.region,
    }
    try:
        described = sfn.describe_state_machine(stateMachineArn=arn)
    except ClientError as exc:
        if error_code(exc) == "StateMachineDoesNotExist":
            return None  # deleted between the listing and this read
        machine["describe_error"] = describe_error(exc)
        return machine
    logging = described.get("loggingConfiguration") or {}
    machine["type"] = described.get("type") or machine["type"]
    machine["log_level"] = logging.get("level")
    machine["log_destinations"] = [
        str(group["logGroupArn"])
        for destination in logging.get("destinations") or []
        if (group := destination.get("cloudWatchLogsLogGroup") or {}).get("logGroupArn")
    ]
    encryption = described.get("encryptionConfiguration") or {}
    # Not given: Step Functions' default, a key AWS owns.
    machine["encryption_type"] = encryption.get("type") or "AWS_OWNED_KEY"
    machine["kms_key_id"] = encryption.get("kmsKeyId") or None
    found = _definition_findings(described.get("definition"))
    machine["definition_secrets"] = found[:MAX_FINDINGS]
    machine["definition_secret_count"] = len(found)
    return machine


def _definition_findings(definition: object) -> list[NamedSecretFinding]:
    """What in the definition (Amazon States Language, JSON) holds a credential, by path; a definition that is not
    JSON is scanned as text, by line."""
    text = str(definition or "")
    try:
        document = json.loads(text) if text else {}
    except ValueError:
        return [{"name": f"line {f['line']}", "kinds": [f["kind"]]} for f in secret_findings(text)]
    return document_findings(document)
