"""EBS checks on snapshots (sharing, encryption) and on volumes left unattached."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Volume
from ..shapes_storage import EbsSnapshot
from ._common import aws_check, error, items, partial_read, regions, result

SNAPSHOT = "AWS::EC2::Snapshot"
VOLUME = "AWS::EC2::Volume"


def _snapshots(inventory: Inventory) -> Iterator[EbsSnapshot | Outcome]:
    """Every owned snapshot read, and an error outcome for each region holding more than its collector reads."""
    for region, data in regions(inventory, "ebs"):
        yield from data.get("snapshots", [])
        partial = partial_read(inventory, region, data, noun="owned snapshots", resource_type=SNAPSHOT)
        if partial is not None:
            yield partial


def _volumes(inventory: Inventory) -> Iterator[Volume]:
    return items(inventory, "ec2", "volumes")


@aws_check(
    id="aws.ebs.snapshot_not_public",
    title="EBS snapshots are not public",
    severity=Severity.CRITICAL,
    service="ebs",
    resource_type=SNAPSHOT,
    rationale="Anyone can create a volume from a public snapshot and read every block of the disk it copied.",
    remediation="Remove the 'all' group from the snapshot's createVolumePermission (share with named accounts "
    "only) and turn on Block Public Access for EBS snapshots.",
)
def snapshot_not_public(inventory: Inventory) -> Iterable[Outcome]:
    for snapshot in _snapshots(inventory):
        if isinstance(snapshot, Outcome):
            yield snapshot
            continue
        sid, region = str(snapshot.get("id")), str(snapshot.get("region", ""))
        if snapshot.get("permission_error"):
            reason = f"Could not read who may use snapshot {sid}: {snapshot['permission_error']}"
            yield error(sid, SNAPSHOT, reason, region=region)
            continue
        public = "all" in snapshot.get("create_volume_groups", [])
        accounts = snapshot.get("create_volume_accounts", [])
        if public:
            reason = f"Snapshot {sid} is public: any AWS account can create a volume from it"
        elif accounts:
            reason = f"Snapshot {sid} is shared with {len(accounts)} named account(s) only"
        else:
            reason = f"Snapshot {sid} is private"
        yield result(not public, sid, SNAPSHOT, reason, region=region, public=public, shared_with=accounts)


@aws_check(
    id="aws.ebs.snapshot_encrypted",
    title="EBS snapshots are encrypted",
    severity=Severity.MEDIUM,
    service="ebs",
    resource_type=SNAPSHOT,
    rationale="An unencrypted snapshot holds a plain copy of the disk; encryption keeps it unreadable "
    "without the KMS key, wherever it is copied or shared.",
    remediation="Copy the snapshot with encryption on, delete the unencrypted one, and turn on EBS "
    "encryption by default.",
)
def snapshot_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    for snapshot in _snapshots(inventory):
        if isinstance(snapshot, Outcome):
            yield snapshot
            continue
        sid = str(snapshot.get("id"))
        ok = bool(snapshot.get("encrypted"))
        reason = f"Snapshot {sid} is encrypted" if ok else f"Snapshot {sid} is not encrypted"
        yield result(ok, sid, SNAPSHOT, reason, region=str(snapshot.get("region", "")), encrypted=ok)


@aws_check(
    id="aws.ec2.ebs_volume_in_use",
    title="EBS volumes are attached to an instance",
    severity=Severity.LOW,
    service="ec2",
    resource_type=VOLUME,
    rationale="A volume left unattached still holds the data of the instance it served, is easy to forget "
    "when access is reviewed, and keeps costing money.",
    remediation="Snapshot the volume if its data must be kept, then delete it.",
)
def ebs_volume_in_use(inventory: Inventory) -> Iterable[Outcome]:
    for volume in _volumes(inventory):
        vid, state = str(volume.get("id")), volume.get("state")
        # "available" is AWS's word for a volume that no instance has attached.
        ok = state != "available"
        reason = f"Volume {vid} is {state}" if ok else f"Volume {vid} is not attached to any instance"
        yield result(ok, vid, VOLUME, reason, region=str(volume.get("region", "")), state=state)
