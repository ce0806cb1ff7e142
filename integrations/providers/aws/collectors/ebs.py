"""EBS snapshot collection (regional): the account's own snapshots and who may create volumes from them."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from ..shapes_storage import EbsRegion
from ._common import Scope, describe_error, paginate, plain


def collect_ebs(scope: Scope) -> EbsRegion:
    ec2 = scope.client("ec2")
    snapshots: list[dict[str, Any]] = []
    for s in paginate(ec2, "describe_snapshots", "Snapshots", OwnerIds=["self"]):
        # "self" already limits the listing; the owner test guards against an endpoint that ignores the filter.
        if s.get("OwnerId") and s["OwnerId"] != scope.account_id:
            continue
        entry: dict[str, Any] = {
            "id": s["SnapshotId"],
            "volume_id": s.get("VolumeId"),
            "encrypted": bool(s.get("Encrypted")),
            "create_volume_groups": [],
            "create_volume_accounts": [],
            "region": scope.region,
        }
        try:
            permissions = ec2.describe_snapshot_attribute(
                SnapshotId=entry["id"], Attribute="createVolumePermission"
            ).get("CreateVolumePermissions", [])
        except ClientError as exc:
            # Only the sharing check needs this; the encryption check can still judge the snapshot.
            entry["permission_error"] = describe_error(exc)
        else:
            entry["create_volume_groups"] = [p["Group"] for p in permissions if p.get("Group")]
            entry["create_volume_accounts"] = [p["UserId"] for p in permissions if p.get("UserId")]
        snapshots.append(entry)
    return plain({"snapshots": snapshots})
