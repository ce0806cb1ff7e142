"""EBS snapshot collection (regional): the account's own snapshots and who may create volumes from them."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_storage import EbsRegion
from ._common import Scope, bounded_region, concurrently, describe_error, error_code, paginate_at_most, plain

# The listing leaves out who may create volumes from a snapshot, so each costs a DescribeSnapshotAttribute call.
# Past this many owned snapshots in a region the rest are left unread (and both snapshot checks say so).
MAX_SNAPSHOTS = 1_000
# DescribeSnapshots gives at most 1,000 a page.
_PAGE_SIZE = 1_000


def collect_ebs(scope: Scope) -> EbsRegion:
    ec2 = scope.client("ec2")
    # OwnerIds self and the owner-id filter say the same to AWS; the filter also narrows endpoints that ignore
    # OwnerIds (moto lists its whole public catalogue then), so the bound counts the account's own snapshots.
    listed, more = paginate_at_most(
        ec2,
        "describe_snapshots",
        "Snapshots",
        MAX_SNAPSHOTS,
        OwnerIds=["self"],
        Filters=[{"Name": "owner-id", "Values": [scope.account_id]}],
        PaginationConfig={"PageSize": _PAGE_SIZE},
    )
    # "self" already limits the listing; the owner test guards against an endpoint that ignores the filter.
    owned = [s for s in listed if not s.get("OwnerId") or s["OwnerId"] == scope.account_id]
    snapshots = concurrently(functools.partial(_snapshot, ec2, scope), owned)
    region = bounded_region("snapshots", [s for s in snapshots if s is not None], more, MAX_SNAPSHOTS)
    region["collected_at"] = plain(datetime.now(UTC))
    return region


def _snapshot(ec2: BaseClient, scope: Scope, listed: Mapping[str, Any]) -> dict[str, Any] | None:
    entry: dict[str, Any] = {
        "id": listed["SnapshotId"],
        "volume_id": listed.get("VolumeId"),
        "encrypted": bool(listed.get("Encrypted")),
        "state": listed.get("State"),
        "start_time": listed.get("StartTime"),
        "create_volume_groups": [],
        "create_volume_accounts": [],
        "region": scope.region,
    }
    try:
        permissions = ec2.describe_snapshot_attribute(SnapshotId=entry["id"], Attribute="createVolumePermission").get(
            "CreateVolumePermissions", []
        )
    except ClientError as exc:
        if error_code(exc) == "InvalidSnapshot.NotFound":
            return None  # deleted between the listing and this read
        # Only the sharing check needs this; the encryption check can still judge the snapshot.
        entry["permission_error"] = describe_error(exc)
    else:
        entry["create_volume_groups"] = [p["Group"] for p in permissions if p.get("Group")]
        entry["create_volume_accounts"] = [p["UserId"] for p in permissions if p.get("UserId")]
    return entry
