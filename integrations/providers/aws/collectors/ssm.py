"""Systems Manager collection (regional): the documents the account owns, with whom each is shared, and what in each
one's content looks like a credential (only the kind and line are kept, never the text); and whether the region lets
documents be shared publicly at all, the nodes whose SSM Agent reports to Systems Manager, and the patch compliance
each managed node last reported (each its own inventory service, so a refused read fails its check alone)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_devtools import SsmManagedNodesRegion, SsmPatchingRegion, SsmPublicSharingRegion, SsmRegion
from ._common import Scope, bounded_region, concurrently, describe_error, error_code, paginate_at_most
from .user_data import MAX_FINDINGS, secret_findings

# The listing leaves out who a document is shared with, so each costs a DescribeDocumentPermission call. Past this
# many owned documents in a region the rest are left unread (and the check says so).
MAX_DOCUMENTS = 1_000
# ListDocuments gives at most 50 a page; DescribeDocumentPermission at most 200 accounts.
_PAGE_SIZE = 50
_PERMISSION_PAGE = 200
# The account id DescribeDocumentPermission answers for a document shared with every AWS account.
PUBLIC = "all"
PUBLIC_SHARING_SETTING = "/ssm/documents/console/public-sharing-permission"
# One summary per managed node: a region with more nodes than this is read in part (and the check says so).
MAX_PATCH_SUMMARIES = 10_000
_PATCH_FILTER = [{"Key": "ComplianceType", "Values": ["Patch"], "Type": "EQUAL"}]
MAX_MANAGED_NODES = 10_000
# DescribeInstanceInformation gives at most 50 nodes a page.
_NODES_PAGE = 50


def collect_ssm(scope: Scope) -> SsmRegion:
    ssm = scope.client("ssm")
    # Owner Self: AWS's and Amazon's own documents (thousands, in every region) are not the account's to share.
    listed, more = paginate_at_most(
        ssm,
        "list_documents",
        "DocumentIdentifiers",
        MAX_DOCUMENTS,
        Filters=[{"Key": "Owner", "Values": ["Self"]}],
        PaginationConfig={"PageSize": _PAGE_SIZE},
    )
    documents = concurrently(functools.partial(_document, ssm, scope), listed)
    return bounded_region("documents", [d for d in documents if d is not None], more, MAX_DOCUMENTS)


def _document(ssm: BaseClient, scope: Scope, listed: Mapping[str, Any]) -> dict[str, Any] | None:
    name = str(listed["Name"])
    document: dict[str, Any] = {
        "name": name,
        "arn": f"arn:{scope.partition}:ssm:{scope.region}:{scope.account_id}:document/{name}",
        "document_type": listed.get("DocumentType"),
        "public": False,
        "shared_account_count": 0,
        "region": scope.region,
    }
    try:
        # As YAML, a format SSM converts any document to: one setting per line, so a finding's line points at it.
        content = ssm.get_document(Name=name, DocumentFormat="YAML").get("Content") or ""
    except ClientError as exc:
        if error_code(exc) == "InvalidDocument":
            return None  # deleted between the listing and this read
        document["content_error"] = describe_error(exc)
    else:
        findings = secret_findings(str(content))
        document["content_scan"] = {
            "present": bool(content),
            "findings": findings[:MAX_FINDINGS],
            "finding_count": len(findings),
            "scanned_bytes": len(str(content).encode()),
        }
    try:
        accounts = _shared_with(ssm, name)
    except ClientError as exc:
        if error_code(exc) == "InvalidDocument":
            return None  # deleted between the listing and this read
        document["describe_error"] = describe_error(exc)
        return document
    document["public"] = PUBLIC in accounts
    document["shared_account_count"] = len(accounts - {PUBLIC})
    return document


def _shared_with(ssm: BaseClient, name: str) -> set[str]:
    """The account ids the document is shared with ("all" for every account); botocore has no paginator for it."""
    accounts: set[str] = set()
    token: str | None = None
    while True:
        params: dict[str, Any] = {"Name": name, "PermissionType": "Share", "MaxResults": _PERMISSION_PAGE}
        if token:
            params["NextToken"] = token
        page = ssm.describe_document_permission(**params)
        accounts.update(str(account) for account in page.get("AccountIds") or [])
        token = page.get("NextToken")
        if not token:
            return accounts


def collect_ssm_public_sharing(scope: Scope) -> SsmPublicSharingRegion:
    setting = scope.client("ssm").get_service_setting(SettingId=PUBLIC_SHARING_SETTING).get("ServiceSetting") or {}
    return {"value": setting.get("SettingValue"), "status": setting.get("Status")}


def collect_ssm_patching(scope: Scope) -> SsmPatchingRegion:
    """What each managed node reported after its last patch scan (ListResourceComplianceSummaries, type Patch)."""
    listed, more = paginate_at_most(
        scope.client("ssm"),
        "list_resource_compliance_summaries",
        "ResourceComplianceSummaryItems",
        MAX_PATCH_SUMMARIES,
        Filters=_PATCH_FILTER,
    )
    return bounded_region("nodes", [_patch_summary(s, scope.region) for s in listed], more, MAX_PATCH_SUMMARIES)


def _patch_summary(summary: Mapping[str, Any], region: str) -> dict[str, Any]:
    missing = (summary.get("NonCompliantSummary") or {}).get("SeveritySummary") or {}
    return {
        "id": summary.get("ResourceId"),
        "status": summary.get("Status"),
        "missing_count": int((summary.get("NonCompliantSummary") or {}).get("NonCompliantCount") or 0),
        # Missing patches by severity, only the severities that have some.
        "missing_by_severity": {
            key.removesuffix("Count").lower(): int(count) for key, count in missing.items() if count
        },
        "scanned_at": (summary.get("ExecutionSummary") or {}).get("ExecutionTime"),  # made ISO by bounded_region
        "region": region,
    }


def collect_ssm_managed_nodes(scope: Scope) -> SsmManagedNodesRegion:
    """The nodes whose SSM Agent registered with Systems Manager in the region, with how they last reported."""
    listed, more = paginate_at_most(
        scope.client("ssm"),
        "describe_instance_information",
        "InstanceInformationList",
        MAX_MANAGED_NODES,
        PaginationConfig={"PageSize": _NODES_PAGE},
    )
    nodes = [
        {
            "id": node.get("InstanceId"),
            "ping_status": node.get("PingStatus"),
            "last_ping": node.get("LastPingDateTime"),
            "region": scope.region,
        }
        for node in listed
    ]
    return bounded_region("nodes", nodes, more, MAX_MANAGED_NODES)
