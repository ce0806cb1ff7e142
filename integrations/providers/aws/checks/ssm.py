"""Checks on the Systems Manager documents the account owns: none is shared with every AWS account."""

from __future__ import annotations

from collections.abc import Iterable

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_devtools import SsmDocument
from ._common import aws_check, described_items, result

DOCUMENT = "AWS::SSM::Document"


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
