"""Checks on the Systems Manager documents the account owns: none is shared with every AWS account, and none holds
a credential in its content; each region blocks public sharing of documents altogether; running EC2 instances are
managed by Systems Manager; and managed nodes report every patch their baseline approves installed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Instance
from ..shapes_devtools import SsmDocument, SsmManagedNodesRegion, SsmPatchingRegion, SsmPublicSharingRegion
from ._common import ACCOUNT, aws_check, described_items, error, partial_read, regions, result
from .user_data import judge_scanned_text

DOCUMENT = "AWS::SSM::Document"
PATCH_COMPLIANCE = "AWS::SSM::PatchCompliance"
INSTANCE = "AWS::EC2::Instance"


@aws_check(
    id="aws.ssm.document_not_public",
    title="Systems Manager documents the account owns are not shared publicly",
    severity=Severity.HIGH,
    service="ssm",
    resource_type=DOCUMENT,
    rationale="A document shared with all accounts can be read, copied and run by anyone with an AWS account: its "
    "scripts and parameters disclose how the account's instances are built and administered, and often internal "
    "names, paths and, by mistake, credentials.",
    remediation="Remove the public share (ModifyDocumentPermission with AccountIdsToRemove all) and share the "
    "document with the accounts that need it by id; turn on the account's block public sharing setting for "
    "documents so none can be made public again.",
)
def document_not_public(inventory: Inventory) -> Iterable[Outcome]:
    document: SsmDocument | Outcome
    for document in described_items(
        inventory,
        "ssm",
        "documents",
        noun="owned documents",
        resource_type=DOCUMENT,
        resource_id=lambda d: str(d["arn"]),
        label=lambda d: f"SSM document {d['name']}",
    ):
        if isinstance(document, Outcome):
            yield document
            continue
        label, shared = f"SSM document {document['name']}", document["shared_account_count"]
        if document["public"]:
            reason = f"{label} is shared publicly, with every AWS account"
        elif shared:
            reason = f"{label} is not public; it is shared with {shared} account(s) by id"
        else:
            reason = f"{label} is not shared"
        yield result(
            not document["public"],
            document["arn"],
            DOCUMENT,
            reason,
            region=document["region"],
            public=document["public"],
            shared_account_count=shared,
        )


@aws_check(
    id="aws.ssm.document_no_secrets",
    title="Systems Manager documents the account owns hold no credentials",
    severity=Severity.HIGH,
    service="ssm",
    resource_type=DOCUMENT,
    rationale="A document's content is readable by everyone allowed to describe documents in the account (and by "
    "every account it is shared with) and is copied into each command or automation run's record; an access key, "
    "private key or password written into it is a credential in clear, kept in every version of the document.",
    remediation="Take the value out of the document: pass it as a parameter resolved at run time from a SecureString "
    "parameter ({{ssm-secure:name}}) or Secrets Manager, or let the instance's role grant the access; delete the "
    "document versions that hold it, then rotate the credential, as it has been readable all along.",
)
def document_no_secrets(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in regions(inventory, "ssm"):
        document: SsmDocument
        for document in data.get("documents", []):
            label = f"SSM document {document['name']}"
            if document.get("content_error"):
                reason = f"Could not read the content of {label}: {document['content_error']}"
                yield error(document["arn"], DOCUMENT, reason, region=region)
            elif "content_scan" in document:
                yield judge_scanned_text(
                    document["content_scan"],
                    label=label,
                    resource_id=document["arn"],
                    resource_type=DOCUMENT,
                    region=region,
                    what="content",
                    document_type=document.get("document_type"),
                )
            # else: collected before documents' content was scanned
        partial = partial_read(inventory, region, data, noun="owned documents", resource_type=DOCUMENT)
        if partial is not None:
            yield partial


@aws_check(
    id="aws.ssm.document_public_sharing_blocked",
    title="Systems Manager blocks public sharing of documents in every scanned region",
    severity=Severity.MEDIUM,
    service="ssm",
    requires=("ssm_public_sharing",),
    resource_type=ACCOUNT,
    rationale="With public sharing allowed (AWS's default), anyone allowed ssm:ModifyDocumentPermission can make a "
    "document readable and runnable by every AWS account, and documents carry the scripts, parameters and internal "
    "names of the account's operations. Blocking public sharing holds whatever one document's permissions say.",
    remediation="In each region: Systems Manager, Documents, Preferences, turn on 'Block public sharing' "
    "(UpdateServiceSetting /ssm/documents/console/public-sharing-permission Disable).",
)
def document_public_sharing_blocked(inventory: Inventory) -> Iterable[Outcome]:
    account = inventory.account_id or "aws-account"
    data: SsmPublicSharingRegion
    for region, data in regions(inventory, "ssm_public_sharing"):
        blocked = data["value"] == "Disable"
        if blocked:
            reason = f"Public sharing of Systems Manager documents is blocked in {region}"
        else:
            reason = f"Systems Manager documents can be shared publicly in {region} (public sharing {data['value']})"
        yield result(blocked, account, ACCOUNT, reason, region=region, setting=data["value"], status=data["status"])


def _missing(node: Mapping[str, Any]) -> str:
    by_severity = node.get("missing_by_severity") or {}
    shown = ", ".join(f"{count} {severity}" for severity, count in by_severity.items())
    count = int(node.get("missing_count") or 0)
    return f"{count} patch{'es' if count != 1 else ''}" + (f" ({shown})" if shown else "")


@aws_check(
    id="aws.ssm.managed_instance_patch_compliant",
    title="Systems Manager managed nodes have every approved patch installed",
    severity=Severity.HIGH,
    service="ssm",
    requires=("ssm_patching",),
    resource_type=PATCH_COMPLIANCE,
    rationale="Patch Manager compares each node with its patch baseline: a node reported non-compliant is missing "
    "security updates the baseline approves, and known vulnerabilities stay exploitable on it until they are "
    "installed.",
    remediation="Install the missing patches (Patch Manager, run AWS-RunPatchBaseline with Operation Install, or "
    "a patch policy on a maintenance window), then scan again so the node reports compliant; if a patch cannot be "
    "installed, reject it in the baseline with a recorded exception.",
)
def managed_instance_patch_compliant(inventory: Inventory) -> Iterable[Outcome]:
    data: SsmPatchingRegion
    for region, data in regions(inventory, "ssm_patching"):
        for node in data.get("nodes", []):
            node_id, scanned = str(node.get("id")), node.get("scanned_at")
            when = f"; last patch scan {scanned}" if scanned else ""
            status = node.get("status")
            if status not in ("COMPLIANT", "NON_COMPLIANT"):
                reason = f"Systems Manager reported no patch compliance status for managed node {node_id}"
                yield error(node_id, PATCH_COMPLIANCE, reason, region=region)
                continue
            ok = status == "COMPLIANT"
            if ok:
                reason = f"Managed node {node_id} has every patch its baseline approves installed{when}"
            else:
                reason = f"Managed node {node_id} is missing {_missing(node)} its baseline approves{when}"
            observed = {"missing": node.get("missing_by_severity") or {}, "scanned_at": scanned}
            yield result(ok, node_id, PATCH_COMPLIANCE, reason, region=region, **observed)
        partial = partial_read(
            inventory, region, data, noun="managed nodes with patch data", resource_type=PATCH_COMPLIANCE
        )
        if partial is not None:
            yield partial


def _instance_managed(instance: Instance, node: Mapping[str, Any] | None) -> tuple[bool, str]:
    instance_id = str(instance.get("id"))
    if node is None:
        return False, f"Instance {instance_id} is not managed by Systems Manager: no SSM Agent has registered it"
    status, seen = node.get("ping_status"), node.get("last_ping")
    if status == "Online":
        return True, f"Instance {instance_id} is managed by Systems Manager (agent online)"
    return False, f"Instance {instance_id}'s SSM Agent is {status}, last seen {seen or 'never'}"


@aws_check(
    id="aws.ec2.instance_managed_by_ssm",
    title="Running EC2 instances are managed by Systems Manager",
    severity=Severity.MEDIUM,
    service="ec2",
    requires=("ec2", "ssm_managed_nodes"),
    resource_type=INSTANCE,
    rationale="An instance Systems Manager manages can be patched, inventoried, configured and reached for "
    "investigation without opening SSH or RDP; one outside it is patched and checked only if someone remembers it, "
    "and never appears in patch compliance reports.",
    remediation="Give the instance a profile with AmazonSSMManagedInstanceCore, run the SSM Agent (preinstalled on "
    "Amazon Linux, Ubuntu and Windows AMIs from AWS), let it reach Systems Manager (a VPC endpoint or outbound "
    "HTTPS), or turn on Default Host Management Configuration for the region.",
)
def instance_managed_by_ssm(inventory: Inventory) -> Iterable[Outcome]:
    managed: dict[str, tuple[SsmManagedNodesRegion, dict[str, Any]]] = {}
    for region, data in regions(inventory, "ssm_managed_nodes"):
        managed[region] = (data, {str(n.get("id")): n for n in data.get("nodes", [])})
    for region, ec2 in regions(inventory, "ec2"):
        if region not in managed:
            continue  # the managed nodes were not read in that region
        data, nodes = managed[region]
        partial = partial_read(inventory, region, data, noun="managed nodes", resource_type=INSTANCE)
        for instance in ec2.get("instances", []):
            if instance.get("state") != "running":
                continue  # a stopped instance's agent is silent whatever its setup
            node = nodes.get(str(instance.get("id")))
            if node is None and partial is not None:
                continue  # perhaps among the nodes left unread: the region's error says so
            ok, reason = _instance_managed(instance, node)
            observed = {"ping_status": node.get("ping_status") if node else None}
            yield result(ok, str(instance.get("id")), INSTANCE, reason, region=region, **observed)
        if partial is not None:
            yield partial
