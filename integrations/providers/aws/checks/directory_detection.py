"""GuardDuty detectors under an organization's administrator and watching EKS audit logs, Directory Service
directories asking for a second factor through RADIUS and forwarding their security logs, and WorkSpaces with
encrypted volumes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_directory import Directory, Workspace
from ..shapes_network import Detector, GuardDutyRegion
from ._common import aws_check, error, items, partial_read, regions, result

DETECTOR = "AWS::GuardDuty::Detector"
DIRECTORY = "AWS::DirectoryService::Directory"
WORKSPACE = "AWS::WorkSpaces::Workspace"
EKS_AUDIT_LOGS = "EKS_AUDIT_LOGS"
# Directory types that can ask for a second factor through RADIUS; Simple AD cannot.
_RADIUS_TYPES = frozenset({"MicrosoftAD", "ADConnector"})
_DIRECTORY_GONE = frozenset({"Deleting", "Deleted", "Failed"})
_WORKSPACE_GONE = frozenset({"TERMINATING", "TERMINATED", "ERROR"})


def enabled_detectors(inventory: Inventory) -> Iterator[tuple[str, GuardDutyRegion, Detector]]:
    for region, data in regions(inventory, "guardduty"):
        for detector in data.get("detectors", []):
            if detector.get("status") == "ENABLED":
                yield region, data, detector


# --- GuardDuty -------------------------------------------------------------------------------------------------------


@aws_check(
    id="aws.guardduty.centrally_managed",
    title="GuardDuty detectors are managed by the organization's GuardDuty administrator",
    severity=Severity.LOW,
    service="guardduty",
    resource_type=DETECTOR,
    rationale="When every account's detector is a member of one delegated administrator, findings from the whole "
    "organization reach one security team, and a member cannot suspend its detector or change its protection "
    "plans on its own; a detector outside that arrangement is watched by whoever happens to look at that account.",
    remediation="Designate a GuardDuty delegated administrator from the organization's management account "
    "(EnableOrganizationAdminAccount) and, from that administrator, add this account as a member (or let "
    "auto-enable add new accounts) in every Region in use.",
)
def guardduty_centrally_managed(inventory: Inventory) -> Iterable[Outcome]:
    own = inventory.account_id
    for region, data, detector in enabled_detectors(inventory):
        did = str(detector.get("id"))
        name = f"GuardDuty detector {did} in {region}"
        if detector.get("administrator_error"):
            reason = f"Could not read the administrator of {name}: {detector['administrator_error']}"
            yield error(did, DETECTOR, reason, region=region)
            continue
        if "administrator" not in detector:
            continue  # collected before the detector's administrator was read
        administrator = detector.get("administrator")
        admin_id = administrator.get("account_id") if administrator else None
        relation = str(administrator.get("relationship_status") or "") if administrator else ""
        delegated = [str(a.get("account_id")) for a in data.get("organization_admins", [])]
        self_admin = bool(own) and own in delegated
        if admin_id and admin_id != own and relation.lower() == "enabled":
            ok, reason = True, f"{name} is a member managed by administrator account {admin_id}"
        elif self_admin:
            ok, reason = True, f"{name} belongs to this account, the organization's GuardDuty delegated administrator"
        elif not admin_id and detector.get("has_members"):
            ok, reason = True, f"{name} is an administrator: other accounts' detectors are its members"
        elif admin_id and admin_id != own:
            ok = False
            reason = (
                f"{name} is not yet managed by administrator account {admin_id} (relationship {relation or 'unknown'})"
            )
        elif delegated:
            ok = False
            reason = (
                f"{name} has no administrator: the organization's delegated administrator is {', '.join(delegated)}"
            )
        elif data.get("organization_admins_error"):
            ok = False
            reason = (
                f"{name} has no administrator account (the delegated administrators, which only the management "
                f"account may list, could not be read: {data['organization_admins_error']})"
            )
        else:
            ok, reason = (
                False,
                f"{name} has no administrator and the organization has no GuardDuty delegated administrator",
            )
        observed: dict[str, Any] = {"administrator": admin_id, "delegated_admins": delegated}
        if "has_members" in detector:
            observed["has_members"] = bool(detector["has_members"])
        yield result(ok, did, DETECTOR, reason, region=region, **observed)


@aws_check(
    id="aws.guardduty.eks_audit_logs_enabled",
    title="GuardDuty detectors monitor EKS audit logs",
    severity=Severity.MEDIUM,
    service="guardduty",
    resource_type=DETECTOR,
    rationale="EKS audit logs record every call to a cluster's Kubernetes API; with their monitoring on, GuardDuty "
    "reports anonymous access, privileged pods, credential theft and known attacker tooling inside the clusters, "
    "which the account-level sources it reads by default do not show.",
    remediation="Turn on EKS Audit Log Monitoring for the detector (UpdateDetector with feature EKS_AUDIT_LOGS "
    "ENABLED, or from the delegated administrator for every member).",
)
def guardduty_eks_audit_logs_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for region, _, detector in enabled_detectors(inventory):
        if "features" not in detector:
            continue  # collected before the detector's protection plans were kept
        did = str(detector.get("id"))
        features = detector.get("features") or {}
        # Features is how AWS reports protection plans today; DataSources is the older view of the same settings.
        status = features.get(EKS_AUDIT_LOGS) if EKS_AUDIT_LOGS in features else detector.get("kubernetes_audit_logs")
        ok = status == "ENABLED"
        verb = "monitors" if ok else "does not monitor"
        reason = f"GuardDuty detector {did} in {region} {verb} EKS audit logs ({status or 'not reported'})"
        yield result(ok, did, DETECTOR, reason, region=region, eks_audit_logs=status)


# --- Directory Service -----------------------------------------------------------------------------------------------


def _label(directory: Directory) -> str:
    return f"Directory {directory.get('id')} ({directory.get('name') or 'unnamed'}, {directory.get('type')})"


def _radius_directories(inventory: Inventory) -> Iterator[Directory]:
    for directory in items(inventory, "directoryservice", "directories"):
        if directory.get("type") in _RADIUS_TYPES and directory.get("stage") not in _DIRECTORY_GONE:
            yield directory


@aws_check(
    id="aws.directoryservice.radius_mfa_enabled",
    title="Directory Service directories require multi-factor authentication through RADIUS",
    severity=Severity.MEDIUM,
    service="directoryservice",
    resource_type=DIRECTORY,
    rationale="The directory signs users in to WorkSpaces, the AWS console through IAM Identity Center and other "
    "applications; with a password alone, one phished or reused password opens them all. A RADIUS server lets the "
    "directory ask for a one-time code as well.",
    remediation="Point the directory at the RADIUS servers of an MFA provider (EnableRadius, or Directory details > "
    "Networking & security > Multi-factor authentication) and confirm its RADIUS status reaches Completed.",
)
def directoryservice_radius_mfa_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for directory in _radius_directories(inventory):
        did, region = str(directory.get("id")), str(directory.get("region", ""))
        label = _label(directory)
        servers, status = directory.get("radius_servers") or [], directory.get("radius_status")
        ok = bool(servers) and status == "Completed"
        if ok:
            reason = f"{label} asks for a second factor through RADIUS servers {', '.join(servers)}"
        elif not servers and not status:
            reason = f"{label} has no RADIUS server configured: users sign in with a password alone"
        else:
            reason = f"{label} has RADIUS multi-factor authentication in status {status or 'unknown'}, not Completed"
        yield result(ok, did, DIRECTORY, reason, region=region, radius_status=status)


# The one protocol Directory Service offers that neither sends the password in the clear (PAP) nor rests on MD4 and
# DES challenges that are cracked offline (CHAP, MS-CHAPv1).
RADIUS_PROTOCOL = "MS-CHAPv2"


@aws_check(
    id="aws.directoryservice.radius_protocol_mschapv2",
    title="Directory Service directories talk to their RADIUS servers with MS-CHAPv2",
    severity=Severity.MEDIUM,
    service="directoryservice",
    resource_type=DIRECTORY,
    rationale="The RADIUS protocol decides how the user's password and one-time code travel to the MFA server: PAP "
    "sends them hidden only by the shared secret, and CHAP and MS-CHAPv1 answer challenges that anyone capturing the "
    "traffic can crack offline. MS-CHAPv2 is the strongest protocol Directory Service offers.",
    remediation="Set the directory's RADIUS authentication protocol to MS-CHAPv2 (UpdateRadius with "
    "AuthenticationProtocol MS-CHAPv2), after enabling MS-CHAPv2 on the RADIUS servers.",
)
def directoryservice_radius_protocol_mschapv2(inventory: Inventory) -> Iterable[Outcome]:
    for directory in _radius_directories(inventory):
        if not directory.get("radius_servers") or "radius_protocol" not in directory:
            continue  # no RADIUS (the MFA check fails it), or collected before the protocol was kept
        protocol = directory.get("radius_protocol")
        ok = protocol == RADIUS_PROTOCOL
        reason = f"{_label(directory)} authenticates to its RADIUS servers with {protocol or 'no protocol reported'}"
        reason += "" if ok else f" ({RADIUS_PROTOCOL} required)"
        yield result(
            ok, str(directory.get("id")), DIRECTORY, reason, region=str(directory.get("region", "")), protocol=protocol
        )


@aws_check(
    id="aws.directoryservice.log_forwarding_enabled",
    title="Managed Microsoft AD directories forward their security logs to CloudWatch Logs",
    severity=Severity.MEDIUM,
    service="directoryservice",
    resource_type=DIRECTORY,
    rationale="The domain controllers' security event log records sign-ins, failed passwords, lockouts and "
    "changes to users and groups. AWS runs the controllers, so unless the log is forwarded it cannot be searched, "
    "alarmed on or kept beyond what the controllers themselves hold.",
    remediation="Enable log forwarding on the directory (CreateLogSubscription, or Directory details > Networking & "
    "security > Log forwarding) to a CloudWatch Logs log group with a retention period of its own.",
)
def directoryservice_log_forwarding_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in regions(inventory, "directoryservice"):
        # Only AWS Managed Microsoft AD forwards logs; Simple AD and AD Connector have no such setting, and a shared
        # directory's logs belong to the account that owns it.
        for directory in data.get("directories", []):
            if directory.get("type") != "MicrosoftAD" or directory.get("stage") in _DIRECTORY_GONE:
                continue
            did = str(directory.get("id"))
            if data.get("log_subscriptions_error"):
                reason = (
                    f"Could not list the log subscriptions of {_label(directory)}: {data['log_subscriptions_error']}"
                )
                yield error(did, DIRECTORY, reason, region=region)
                continue
            if "log_groups" not in directory:
                continue  # collected before log subscriptions were read
            groups = [str(g) for g in directory.get("log_groups") or []]
            reason = (
                f"{_label(directory)} forwards its security logs to {', '.join(groups)}"
                if groups
                else f"{_label(directory)} forwards no security logs to CloudWatch Logs"
            )
            yield result(bool(groups), did, DIRECTORY, reason, region=region, log_groups=groups)


# --- WorkSpaces ------------------------------------------------------------------------------------------------------


@aws_check(
    id="aws.workspaces.volumes_encrypted",
    title="WorkSpaces encrypt their root and user volumes",
    severity=Severity.MEDIUM,
    service="workspaces",
    resource_type=WORKSPACE,
    rationale="A WorkSpace's root volume holds the operating system with its cached credentials and temporary files, "
    "and its user volume the user's profile and documents; unencrypted, every snapshot and backup of them is a "
    "readable copy.",
    remediation="Encryption is set when a WorkSpace is created: create a new WorkSpace for the user with root and "
    "user volume encryption on (and a KMS key), move the user's data to it, and remove the old one.",
)
def workspaces_volumes_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in regions(inventory, "workspaces"):
        workspace: Workspace
        for workspace in data.get("workspaces", []):
            if workspace.get("state") in _WORKSPACE_GONE:
                continue
            wid = str(workspace.get("id"))
            plain_volumes = [
                kind
                for kind, encrypted in (
                    ("root", workspace.get("root_volume_encrypted")),
                    ("user", workspace.get("user_volume_encrypted")),
                )
                if not encrypted
            ]
            label = f"WorkSpace {wid} of {workspace.get('user_name') or 'an unknown user'}"
            volumes = " and ".join(plain_volumes) + (" volumes" if len(plain_volumes) > 1 else " volume")
            reason = (
                f"{label} encrypts its root and user volumes"
                if not plain_volumes
                else f"{label} does not encrypt its {volumes}"
            )
            key = workspace.get("volume_encryption_key")
            yield result(
                not plain_volumes, wid, WORKSPACE, reason, region=region, unencrypted=plain_volumes, kms_key=key
            )
        partial = partial_read(inventory, region, data, noun="WorkSpaces", resource_type=WORKSPACE)
        if partial is not None:
            yield partial
