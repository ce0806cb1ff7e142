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
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from ..shapes import (
    AccessAnalyzerRegion,
    CredentialReportRow,
    Iam,
    IamGroup,
    IamInlinePolicy,
    IamPolicy,
    IamRole,
    IamUser,
)
from ._common import (
    AwsConnectorError,
    Scope,
    concurrently,
    describe_error,
    error_code,
    optional,
    paginate,
    plain,
)

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


def _inline(owner_type: str, detail: dict[str, Any], name_key: str, list_key: str) -> list[IamInlinePolicy]:
    return [
        {
            "owner_type": owner_type,
            "owner": detail[name_key],
            "owner_arn": detail["Arn"],
            "name": p["PolicyName"],
            "document": plain(_policy_document(p.get("PolicyDocument"))),
        }
        for p in detail.get(list_key, [])
    ]


def attached_aws_policies(iam: BaseClient) -> list[IamPolicy]:
    """The AWS-managed policies attached to at least one user, group or role, with their documents.

    Only the attached ones: there are over a thousand AWS-managed policies, and an unattached
    one grants nothing, so collection grows with what the account uses, not with AWS's catalogue.
    """
    policies: list[IamPolicy] = []
    for policy in paginate(iam, "list_policies", "Policies", Scope="AWS", OnlyAttached=True):
        version = policy.get("DefaultVersionId")
        document: Any = {}
        if version:
            document = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId=version)["PolicyVersion"].get(
                "Document"
            )
        policies.append(
            {
                "name": policy.get("PolicyName") or policy["Arn"].rsplit("/", 1)[-1],
                "arn": policy["Arn"],
                "attachment_count": policy.get("AttachmentCount", 0),
                "default_version": version,
                "document": plain(_policy_document(document)),
                "aws_managed": True,
            }
        )
    return policies


def _console_users_mfa_devices(
    iam: BaseClient, report: list[CredentialReportRow], virtual: list[dict[str, Any]]
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Every MFA device's serial number (ListMFADevices) of the console users holding a virtual device, and the
    failed reads by user name: only they need a call, as a user with MFA and no virtual device has hardware alone."""
    holders = {str((d.get("User") or {}).get("Arn", "")) for d in virtual}
    users = [
        str(row.get("user"))
        for row in report
        if row.get("password_enabled") is True and row.get("mfa_active") is True and row.get("arn") in holders
    ]

    def read(user: str) -> tuple[str, list[str] | None, str | None]:
        try:
            devices = paginate(iam, "list_mfa_devices", "MFADevices", UserName=user)
        except ClientError as exc:
            if error_code(exc) == "NoSuchEntity":
                return user, None, None  # deleted since the credential report was written
            return user, None, describe_error(exc)
        except (BotoCoreError, ResponseParserError) as exc:
            # Kept on the user, so one failed read errs its own outcome and not the whole IAM collection.
            return user, None, describe_error(exc)
        return user, [str(d.get("SerialNumber", "")) for d in devices], None

    devices: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    for user, serials, failure in concurrently(read, users):
        if failure:
            errors[user] = failure
        elif serials is not None:
            devices[user] = serials
    return devices, errors


def collect_iam(scope: Scope) -> Iam:
    iam = scope.client("iam", scope.global_region)
    collected_at = datetime.now(UTC)
    summary = iam.get_account_summary()["SummaryMap"]
    virtual = paginate(iam, "list_virtual_mfa_devices", "VirtualMFADevices", AssignmentStatus="Assigned")
    password_policy = optional(lambda: iam.get_account_password_policy()["PasswordPolicy"], {"NoSuchEntity"})
    report = credential_report(iam, scope.report_attempts, scope.report_first_pause)
    user_mfa_devices, user_mfa_device_errors = _console_users_mfa_devices(iam, report, virtual)

    users: list[IamUser] = []
    groups: list[IamGroup] = []
    roles: list[IamRole] = []
    inline: list[IamInlinePolicy] = []
    policies: list[IamPolicy] = []
    # One paginated call instead of several per user, group, role and policy; it carries the
    # inline policy documents and the role trust policies too.
    for page in iam.get_paginator("get_account_authorization_details").paginate(
        Filter=["User", "Group", "Role", "LocalManagedPolicy"]
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
            inline.extend(_inline("user", user, "UserName", "UserPolicyList"))
        for group in page.get("GroupDetailList", []):
            groups.append(
                {
                    "name": group["GroupName"],
                    "arn": group["Arn"],
                    "attached_policies": [p["PolicyArn"] for p in group.get("AttachedManagedPolicies", [])],
                }
            )
            inline.extend(_inline("group", group, "GroupName", "GroupPolicyList"))
        for role in page.get("RoleDetailList", []):
            roles.append(
                {
                    "name": role["RoleName"],
                    "arn": role["Arn"],
                    "attached_policies": [p["PolicyArn"] for p in role.get("AttachedManagedPolicies", [])],
                    "trust_policy": plain(_policy_document(role.get("AssumeRolePolicyDocument"))),
                    # When the role was last assumed (AWS tracks about 400 days back): what an access reviewer asks.
                    "last_used": _iso((role.get("RoleLastUsed") or {}).get("LastUsedDate")),
                    "created": _iso(role.get("CreateDate")),
                }
            )
            inline.extend(_inline("role", role, "RoleName", "RolePolicyList"))
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
    policies.extend(attached_aws_policies(iam))

    certificates = paginate(iam, "list_server_certificates", "ServerCertificateMetadataList")
    # Neither listing is paginated: an account holds at most a hundred of each.
    providers = [p["Arn"] for p in iam.list_saml_providers().get("SAMLProviderList", [])]
    providers += [p["Arn"] for p in iam.list_open_id_connect_providers().get("OpenIDConnectProviderList", [])]
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
            "user_mfa_devices": user_mfa_devices,
            "user_mfa_device_errors": user_mfa_device_errors,
            "password_policy": password_policy,
            "credential_report": report,
            "users": users,
            "roles": roles,
            "groups": groups,
            "identity_providers": providers,
            "inline_policies": inline,
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


# Analyzers whose findings ListFindings returns (external access); unused-access analyzers report elsewhere.
_EXTERNAL_ACCESS_TYPES = frozenset({"ACCOUNT", "ORGANIZATION"})
# Enough findings to name in a report; the count covers the rest.
FINDING_SAMPLES = 20


def _active_findings(client: BaseClient, analyzer: dict[str, Any]) -> dict[str, Any]:
    """The analyzer's active findings, or ``findings_error`` when they could not be read.

    A failure here is kept on the analyzer instead of failing the service, so the "analyzer
    enabled" check still judges the region and only the findings check reports the error.
    """
    if analyzer.get("status") != "ACTIVE" or analyzer.get("type") not in _EXTERNAL_ACCESS_TYPES:
        return {}
    try:
        findings = paginate(
            client, "list_findings", "findings", analyzerArn=analyzer["arn"], filter={"status": {"eq": ["ACTIVE"]}}
        )
    except (ClientError, BotoCoreError, ResponseParserError) as exc:
        return {"findings_error": describe_error(exc)}
    return {
        "active_findings": len(findings),
        "findings": [
            {"id": f.get("id"), "resource_type": f.get("resourceType"), "resource": f.get("resource")}
            for f in findings[:FINDING_SAMPLES]
        ],
    }


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
                    **_active_findings(client, a),
                }
                for a in analyzers
            ]
        }
    )


def _iso(value: Any) -> str | None:
    """A boto3 datetime (or an emulator's string) as ISO 8601 text, None when absent."""
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
