"""IAM (global) and IAM Access Analyzer (regional) collection."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes import AccessAnalyzerRegion, CredentialReportRow, Iam, IamPolicy, IamRole, IamUser
from ._common import AwsConnectorError, Scope, error_code, optional, paginate, plain

# AWS builds the credential report asynchronously; poll with a growing pause, bounded.
CREDENTIAL_REPORT_ATTEMPTS = 10
CREDENTIAL_REPORT_FIRST_PAUSE = 0.2
CREDENTIAL_REPORT_MAX_PAUSE = 5.0

_REPORT_PENDING = frozenset({"ReportInProgress", "ReportNotPresent", "ReportExpired"})


def credential_report(iam: BaseClient, attempts: int, first_pause: float) -> list[CredentialReportRow]:
    # Generating returns at once (a report younger than four hours is simply reused);
    # fetching fails with ReportInProgress until the new one is written.
    iam.generate_credential_report()
    pause = first_pause
    for _ in range(attempts):
        try:
            content = iam.get_credential_report()["Content"]
            break
        except ClientError as exc:
            code = error_code(exc)
            if code not in _REPORT_PENDING:
                raise
            if code != "ReportInProgress":
                iam.generate_credential_report()
        time.sleep(pause)
        pause = min(pause * 2, CREDENTIAL_REPORT_MAX_PAUSE)
    else:
        raise AwsConnectorError(f"the IAM credential report was not ready after {attempts} attempts")
    text = content.decode("utf-8") if isinstance(content, bytes) else str(content)
    rows: list[CredentialReportRow] = []
    for row in csv.DictReader(io.StringIO(text)):
        rows.append({k: {"true": True, "false": False}.get(v, v) for k, v in row.items()})
    return rows


def _policy_document(raw: Any) -> Any:
    # botocore usually decodes IAM policy documents already; older paths return the
    # URL-encoded JSON string.
    if isinstance(raw, str):
        try:
            return json.loads(unquote(raw))
        except ValueError:
            return {}
    return raw or {}


def collect_iam(scope: Scope) -> Iam:
    iam = scope.client("iam", scope.global_region)
    collected_at = datetime.now(UTC)
    summary = iam.get_account_summary()["SummaryMap"]
    virtual = paginate(iam, "list_virtual_mfa_devices", "VirtualMFADevices", AssignmentStatus="Assigned")
    password_policy = optional(lambda: iam.get_account_password_policy()["PasswordPolicy"], {"NoSuchEntity"})
    report = credential_report(iam, scope.report_attempts, scope.report_first_pause)

    users: list[IamUser] = []
    roles: list[IamRole] = []
    policies: list[IamPolicy] = []
    # One paginated call instead of several per user, role and policy.
    for page in iam.get_paginator("get_account_authorization_details").paginate(
        Filter=["User", "Role", "LocalManagedPolicy"]
    ):
        for user in page.get("UserDetailList", []):
            users.append(
                {
                    "name": user["UserName"],
                    "arn": user["Arn"],
                    "created": plain(user.get("CreateDate")),
                    "groups": list(user.get("GroupList", [])),
                    "attached_policies": [p["PolicyArn"] for p in user.get("AttachedManagedPolicies", [])],
                    "inline_policies": [p["PolicyName"] for p in user.get("UserPolicyList", [])],
                }
            )
        for role in page.get("RoleDetailList", []):
            roles.append(
                {
                    "name": role["RoleName"],
                    "arn": role["Arn"],
                    "attached_policies": [p["PolicyArn"] for p in role.get("AttachedManagedPolicies", [])],
                }
            )
        for policy in page.get("Policies", []):
            default: dict[str, Any] = next(
                (v for v in policy.get("PolicyVersionList", []) if v.get("IsDefaultVersion")), {}
            )
            policies.append(
                {
                    # Some emulators leave the name out; it is the ARN's last segment.
                    "name": policy.get("PolicyName") or policy["Arn"].rsplit("/", 1)[-1],
                    "arn": policy["Arn"],
                    "attachment_count": policy.get("AttachmentCount", 0),
                    "default_version": policy.get("DefaultVersionId"),
                    "document": plain(_policy_document(default.get("Document"))),
                }
            )

    certificates = paginate(iam, "list_server_certificates", "ServerCertificateMetadataList")
    return plain(
        {
            "collected_at": collected_at,
            "partition": scope.partition,
            "summary": {
                "AccountMFAEnabled": summary.get("AccountMFAEnabled", 0),
                "AccountAccessKeysPresent": summary.get("AccountAccessKeysPresent", 0),
            },
            # Only serial and owner: the listing also carries the seed and QR code.
            "virtual_mfa_devices": [
                {"serial": d.get("SerialNumber", ""), "user_arn": d.get("User", {}).get("Arn", "")} for d in virtual
            ],
            "password_policy": password_policy,
            "credential_report": report,
            "users": users,
            "roles": roles,
            "policies": policies,
            "server_certificates": [
                {
                    "name": c["ServerCertificateName"],
                    "arn": c["Arn"],
                    "expiration": c.get("Expiration"),
                }
                for c in certificates
            ],
        }
    )


def collect_accessanalyzer(scope: Scope) -> AccessAnalyzerRegion:
    client = scope.client("accessanalyzer")
    analyzers = paginate(client, "list_analyzers", "analyzers")
    return plain(
        {
            "analyzers": [
                {
                    "name": a.get("name"),
                    "arn": a.get("arn"),
                    "type": a.get("type"),
                    "status": a.get("status"),
                    "region": scope.region,
                }
                for a in analyzers
            ]
        }
    )
