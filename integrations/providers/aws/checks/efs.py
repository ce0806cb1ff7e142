"""EFS checks: access points confined to a directory and a POSIX identity, file system policies not open to everyone,
file systems stored across Availability Zones (encryption and backups are judged in ``data_stores`` and
``backup``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_storage import EfsAccessPoint, FileSystem
from ._common import aws_check, error, items, listed_items, result
from ._policies import public_actions

FILE_SYSTEM = "AWS::EFS::FileSystem"
ACCESS_POINT = "AWS::EFS::AccessPoint"
# The file system's root: an access point exposing it gives its clients every directory of the file system.
ROOT = "/"


def _access_points(inventory: Inventory) -> Iterator[EfsAccessPoint | Outcome]:
    return listed_items(inventory, "efs", "access_points", noun="EFS access points", resource_type=ACCESS_POINT)


def _file_systems(inventory: Inventory) -> Iterator[FileSystem]:
    return items(inventory, "efs", "file_systems")


def _label(access_point: EfsAccessPoint) -> str:
    return f"Access point {access_point.get('id')} of file system {access_point.get('file_system_id')}"


@aws_check(
    id="aws.efs.access_point_root_directory",
    title="EFS access points confine clients to a directory other than the root",
    severity=Severity.MEDIUM,
    service="efs",
    resource_type=ACCESS_POINT,
    rationale="An access point's root directory is all its clients can see of the file system. One that exposes "
    "/ gives every application mounting through it the whole file system, other applications' data included, "
    "instead of the one directory it needs.",
    remediation="Access points cannot be changed: create one whose root directory is the application's own "
    "directory (with creation info for its owner and permissions), move the clients to it and delete this one.",
)
def efs_access_point_root_directory(inventory: Inventory) -> Iterable[Outcome]:
    for found in _access_points(inventory):
        if isinstance(found, Outcome):
            yield found
            continue
        path = str(found.get("root_directory") or ROOT)
        ok = path != ROOT
        reason = (
            f"{_label(found)} confines its clients to {path}"
            if ok
            else f"{_label(found)} exposes the file system's root directory"
        )
        yield result(
            ok, str(found.get("arn") or found.get("id")), ACCESS_POINT, reason, region=found["region"], path=path
        )


@aws_check(
    id="aws.efs.access_point_posix_user",
    title="EFS access points enforce a POSIX user",
    severity=Severity.MEDIUM,
    service="efs",
    resource_type=ACCESS_POINT,
    rationale="Without a POSIX user on the access point, NFS clients act under whatever user and group ids they "
    "claim, root included, so file permissions protect nothing from a client that lies. An enforced user and group "
    "replace every id the clients send.",
    remediation="Access points cannot be changed: create one with a POSIX user (user and group id of the "
    "application), move the clients to it and delete this one.",
)
def efs_access_point_posix_user(inventory: Inventory) -> Iterable[Outcome]:
    for found in _access_points(inventory):
        if isinstance(found, Outcome):
            yield found
            continue
        user = found.get("posix_user") or {}
        uid, gid = user.get("Uid"), user.get("Gid")
        ok = uid is not None and gid is not None
        reason = (
            f"{_label(found)} enforces user {uid} and group {gid}"
            if ok
            else f"{_label(found)} enforces no POSIX user: clients act under the ids they send"
        )
        yield result(
            ok, str(found.get("arn") or found.get("id")), ACCESS_POINT, reason, region=found["region"], uid=uid, gid=gid
        )


@aws_check(
    id="aws.efs.file_system_policy_not_public",
    title="EFS file system policies do not grant access to everyone",
    severity=Severity.HIGH,
    service="efs",
    resource_type=FILE_SYSTEM,
    rationale='A file system policy allowing Principal "*" without a condition on account, organisation, source '
    "or network lets any client that can reach a mount target mount, write and act as root. A file system "
    "without a policy is in the same state: AWS then applies a default policy granting all of that to any "
    "principal reaching a mount target.",
    remediation="Attach a file system policy naming the roles that may mount it (or with an aws:PrincipalOrgID, "
    "aws:SourceVpc or similar condition), and without elasticfilesystem:ClientRootAccess unless needed.",
)
def efs_file_system_policy_not_public(inventory: Inventory) -> Iterable[Outcome]:
    for fs in _file_systems(inventory):
        fsid, region = str(fs.get("id")), str(fs.get("region", ""))
        if fs.get("policy_error"):
            yield error(
                fsid,
                FILE_SYSTEM,
                f"Could not read the policy of file system {fsid}: {fs['policy_error']}",
                region=region,
            )
            continue
        # Collected before policies were read: nothing to judge.
        if "policy" not in fs:
            continue
        policy = fs.get("policy")
        if policy is None:
            reason = f"File system {fsid} has no policy, so AWS's default lets any principal reaching a mount target in"
            yield result(False, fsid, FILE_SYSTEM, reason, region=region, has_policy=False, public_actions=[])
            continue
        if "unparsable" in policy:
            yield error(fsid, FILE_SYSTEM, f"File system {fsid} has a policy that is not JSON", region=region)
            continue
        actions = public_actions(policy)
        reason = (
            f"File system {fsid} lets anyone {', '.join(actions)}"
            if actions
            else f"File system {fsid} grants access to named or conditioned principals only"
        )
        yield result(not actions, fsid, FILE_SYSTEM, reason, region=region, has_policy=True, public_actions=actions)


@aws_check(
    id="aws.efs.file_system_multi_az",
    title="EFS file systems store their data across Availability Zones",
    severity=Severity.MEDIUM,
    service="efs",
    resource_type=FILE_SYSTEM,
    rationale="A One Zone file system keeps its data in a single Availability Zone: when that zone fails the files "
    "cannot be read until it recovers, and data on a damaged zone can be lost; Regional storage keeps copies in "
    "several zones and stays available through the loss of one.",
    remediation="Create a Regional file system (no AvailabilityZoneName), copy the data over (EFS replication or "
    "DataSync), add mount targets in each zone the clients run in, and move the clients to it.",
)
def efs_file_system_multi_az(inventory: Inventory) -> Iterable[Outcome]:
    for fs in _file_systems(inventory):
        if "availability_zone" not in fs:
            continue  # collected before the storage class's zone was kept
        fsid, zone = str(fs.get("id")), fs.get("availability_zone")
        reason = (
            f"File system {fsid} is One Zone: its data is stored in {zone} only"
            if zone
            else f"File system {fsid} is Regional: its data is stored across Availability Zones"
        )
        yield result(not zone, fsid, FILE_SYSTEM, reason, region=str(fs.get("region", "")), availability_zone=zone)
