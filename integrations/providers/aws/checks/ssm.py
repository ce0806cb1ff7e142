"""Checks on the Systems Manager documents the account owns: none is shared with every AWS account, and none holds
a credential in its content; each region blocks public sharing of documents altogether; and managed nodes report
every patch their baseline approves installed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_devtools import SsmDocument, SsmPatchingRegion, SsmPublicSharingRegion
from ._common import ACCOUNT, aws_check, described_items, error, partial_read, regions, result
from .user_data import judge_scanned_text

DOCUMENT = "AWS::SSM::Document"
PATCH_COMPLIANCE = "AWS::SSM::PatchCompliance"


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
