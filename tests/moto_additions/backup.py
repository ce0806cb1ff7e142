"""AWS Backup plan selections (which resources a plan backs up) and region settings, which moto 5.2 does not serve.

Added to moto's own Backup responder (its URL map already routes ``/backup/plans/{id}/selections/...`` to it):
CreateBackupSelection, ListBackupSelections, GetBackupSelection and DeleteBackupSelection, each selection kept on
moto's plan. A plan that does not exist answers ResourceNotFoundException, as from AWS.

DescribeRegionSettings and UpdateRegionSettings (``/account-settings``, routed here) keep the region's service opt-in
on moto's backend, starting where AWS starts an account: the long-supported resource types opted in, the newer ones
(S3, Redshift, Timestream, VMware, CloudFormation, SAP HANA) left out until someone opts in.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import moto.backup.urls
from moto.backup.responses import BackupResponse
from moto.core.utils import unix_time

from ._responder import add_methods, state_on

_OPERATORS = ("StringEquals", "StringNotEquals", "StringLike", "StringNotLike")
_PATHS = {"{0}/account-settings$": BackupResponse.dispatch}
# ResourceTypeOptInPreference of an account that never changed it.
OPT_IN_DEFAULTS = {
    "Aurora": True,
    "CloudFormation": False,
    "DocumentDB": True,
    "DynamoDB": True,
    "EBS": True,
    "EC2": True,
    "EFS": True,
    "FSx": True,
    "Neptune": True,
    "RDS": True,
    "Redshift": False,
    "S3": False,
    "SAP HANA on Amazon EC2": False,
    "Storage Gateway": True,
    "Timestream": False,
    "VirtualMachine": False,
}
# ResourceTypeManagementPreference: whether AWS Backup manages these types' backups itself (advanced features).
MANAGEMENT_DEFAULTS = {"DynamoDB": False, "EFS": True}


def _plan_and_selection(response: Any) -> tuple[Any, str | None]:
    # /backup/plans/{backupPlanId}/selections/[{selectionId}]
    after = response.path.split("/backup/plans/", 1)[1]
    plan_id, _, rest = after.partition("/selections")
    selection_id = rest.strip("/") or None
    plan = response.backup_backend.plans.get(plan_id)
    return plan, selection_id


def _missing(what: str) -> tuple[str, dict[str, int]]:
    body = {"__type": "ResourceNotFoundException", "Message": f"{what} not found", "Type": "User"}
    return json.dumps(body), {"status": 404}


def _selections(plan: Any) -> dict[str, dict[str, Any]]:
    return state_on(plan, "selections", dict)


def _region_settings(response: Any) -> dict[str, dict[str, bool]]:
    def start() -> dict[str, dict[str, bool]]:
        return {
            "ResourceTypeOptInPreference": dict(OPT_IN_DEFAULTS),
            "ResourceTypeManagementPreference": dict(MANAGEMENT_DEFAULTS),
        }

    return state_on(response.backup_backend, "region_settings", start)


class BackupResponses:
    """Methods set on moto's ``BackupResponse``."""

    def create_backup_selection(self: Any) -> str | tuple[str, dict[str, int]]:
        plan, _ = _plan_and_selection(self)
        if plan is None:
            return _missing("Backup plan")
        params = json.loads(self.body)
        selection_id = str(uuid.uuid4())
        created = unix_time()
        _selections(plan)[selection_id] = {
            "SelectionId": selection_id,
            "BackupPlanId": plan.backup_plan_id,
            "CreationDate": created,
            "BackupSelection": params["BackupSelection"],
        }
        return json.dumps({"SelectionId": selection_id, "BackupPlanId": plan.backup_plan_id, "CreationDate": created})

    def list_backup_selections(self: Any) -> str | tuple[str, dict[str, int]]:
        plan, _ = _plan_and_selection(self)
        if plan is None:
            return _missing("Backup plan")
        listed = [
            {
                "SelectionId": kept["SelectionId"],
                "SelectionName": kept["BackupSelection"]["SelectionName"],
                "BackupPlanId": kept["BackupPlanId"],
                "CreationDate": kept["CreationDate"],
                "IamRoleArn": kept["BackupSelection"].get("IamRoleArn"),
            }
            for kept in _selections(plan).values()
        ]
        return json.dumps({"BackupSelectionsList": listed})

    def get_backup_selection(self: Any) -> str | tuple[str, dict[str, int]]:
        plan, selection_id = _plan_and_selection(self)
        kept = _selections(plan).get(str(selection_id)) if plan is not None else None
        if kept is None:
            return _missing("Backup selection")
        # AWS answers every condition operator, those the selection does not use with an empty list.
        chosen = dict(kept["BackupSelection"])
        given = chosen.get("Conditions") or {}
        chosen["Conditions"] = {op: given.get(op, []) for op in _OPERATORS}
        return json.dumps({**kept, "BackupSelection": chosen})

    def delete_backup_selection(self: Any) -> str | tuple[str, dict[str, int]]:
        plan, selection_id = _plan_and_selection(self)
        if plan is None or _selections(plan).pop(str(selection_id), None) is None:
            return _missing("Backup selection")
        return "{}"

    def describe_region_settings(self: Any) -> str:
        return json.dumps(_region_settings(self))

    def update_region_settings(self: Any) -> str | tuple[str, dict[str, int]]:
        params = json.loads(self.body or "{}")
        members = {
            "ResourceTypeOptInPreference": OPT_IN_DEFAULTS,
            "ResourceTypeManagementPreference": MANAGEMENT_DEFAULTS,
        }
        unknown = sorted(
            kind for member, known in members.items() for kind in params.get(member) or {} if kind not in known
        )
        if unknown:
            body = {"__type": "InvalidParameterValueException", "Message": f"Unsupported resource types: {unknown}"}
            return json.dumps(body), {"status": 400}
        kept = _region_settings(self)
        for member in members:
            kept[member].update({kind: bool(value) for kind, value in (params.get(member) or {}).items()})
        return "{}"


def install() -> None:
    moto.backup.urls.url_paths.update(_PATHS)
    add_methods(BackupResponses, BackupResponse)
