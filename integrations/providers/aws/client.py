"""Read-only AWS connector built on boto3.

The connector is the only part of the AWS provider that talks to AWS.  It collects
one inventory per scan (every service once; regional services once per configured
region) and hands it to the pure check functions in ``checks``.  Everything it asks
for is covered by the AWS managed policy ``SecurityAudit``.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import boto3
import botocore.session
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)
from botocore.loaders import Loader, create_loader
from botocore.parsers import ResponseParserError

from complywise import egress
from integrations.registry import Inventory

from .transport import guard_client

logger = logging.getLogger(__name__)

INTEGRATION_TYPE = "aws"
DEFAULT_REGION = "us-east-1"
MAX_WORKERS = 8
# botocore counts max_attempts as retries after the first try: 1 + 5 calls at most.
RETRIES: dict[str, Any] = {"mode": "standard", "max_attempts": 5}
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 30
ROLE_SESSION_NAME = "complywise-scan"
ROLE_SESSION_SECONDS = 3600
# AWS builds the credential report asynchronously; poll with a growing pause, bounded.
CREDENTIAL_REPORT_ATTEMPTS = 10
CREDENTIAL_REPORT_FIRST_PAUSE = 0.2
CREDENTIAL_REPORT_MAX_PAUSE = 5.0

# Every IAM action the collectors call, for the permission documentation.  All are
# granted by the AWS managed policy SecurityAudit (sts:GetCallerIdentity needs no
# permission at all).  The principal whose keys are stored additionally needs
# sts:AssumeRole on the role when a role ARN is configured.
REQUIRED_ACTIONS: tuple[str, ...] = (
    "access-analyzer:ListAnalyzers",
    "cloudtrail:DescribeTrails",
    "cloudtrail:GetEventSelectors",
    "cloudtrail:GetTrailStatus",
    "cloudwatch:DescribeAlarms",
    "config:DescribeConfigurationRecorderStatus",
    "config:DescribeConfigurationRecorders",
    "ec2:DescribeFlowLogs",
    "ec2:DescribeInstances",
    "ec2:DescribeNetworkAcls",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeVolumes",
    "ec2:DescribeVpcs",
    "ec2:GetEbsEncryptionByDefault",
    "elasticfilesystem:DescribeFileSystems",
    "guardduty:GetDetector",
    "guardduty:ListDetectors",
    "iam:GenerateCredentialReport",
    "iam:GetAccountAuthorizationDetails",
    "iam:GetAccountPasswordPolicy",
    "iam:GetAccountSummary",
    "iam:GetCredentialReport",
    "iam:ListServerCertificates",
    "iam:ListVirtualMFADevices",
    "kms:DescribeKey",
    "kms:GetKeyRotationStatus",
    "kms:ListKeys",
    "logs:DescribeMetricFilters",
    "rds:DescribeDBInstances",
    "s3:GetAccountPublicAccessBlock",
    "s3:GetBucketAcl",
    "s3:GetBucketLocation",
    "s3:GetBucketLogging",
    "s3:GetBucketPolicy",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketVersioning",
    "s3:GetEncryptionConfiguration",
    "s3:ListAllMyBuckets",
    "securityhub:DescribeHub",
    "sns:ListSubscriptions",
)

GLOBAL_SERVICES: frozenset[str] = frozenset({"iam", "s3"})
REGIONAL_SERVICES: frozenset[str] = frozenset(
    {
        "accessanalyzer",
        "cloudtrail",
        "cloudwatch",
        "config",
        "ec2",
        "efs",
        "guardduty",
        "kms",
        "rds",
        "securityhub",
        "vpc",
    }
)
SUPPORTED_SERVICES: frozenset[str] = GLOBAL_SERVICES | REGIONAL_SERVICES

# Inventory service -> boto3 clients it needs; "@global" means one client in the
# global region rather than one per configured region.
_CLIENT_NEEDS: dict[str, tuple[str, ...]] = {
    "iam": ("iam@global",),
    "s3": ("s3@global", "s3", "s3control@global"),
    "accessanalyzer": ("accessanalyzer",),
    "cloudtrail": ("cloudtrail", "s3@global"),
    "cloudwatch": ("logs", "cloudwatch", "sns"),
    "config": ("config",),
    "ec2": ("ec2",),
    "efs": ("efs",),
    "guardduty": ("guardduty",),
    "kms": ("kms",),
    "rds": ("rds",),
    "securityhub": ("securityhub",),
    "vpc": ("ec2",),
}


# Parsing the service model files is a large part of building clients; one loader per
# process lets every scan reuse what an earlier scan already parsed.
_LOADER: Loader = create_loader()


def _new_session(access_key_id: str, secret_access_key: str, session_token: str | None, region: str) -> boto3.Session:
    core = botocore.session.get_session()
    core.register_component("data_loader", _LOADER)
    return boto3.Session(
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        aws_session_token=session_token,
        region_name=region,
        botocore_session=core,
    )


class AwsConnectorError(Exception):
    """A collection problem that is neither a ClientError nor a BotoCoreError."""


# What a call to AWS may fail with; ResponseParserError is botocore's answer to a body that is
# not AWS's (and is not a BotoCoreError).
_FAILURES = (ClientError, BotoCoreError, ResponseParserError, AwsConnectorError)


@dataclass(frozen=True)
class _Scope:
    """What one collection task may use: its region and the pre-built clients."""

    account_id: str
    partition: str
    region: str
    global_region: str
    clients: Mapping[tuple[str, str], BaseClient]
    report_attempts: int
    report_first_pause: float

    def client(self, name: str, region: str | None = None) -> BaseClient:
        key = (name, region or self.region)
        try:
            return self.clients[key]
        except KeyError:
            raise AwsConnectorError(f"no {name} client for {key[1]}") from None


# ---------------------------------------------------------------------------
# helpers


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def _plain(value: Any) -> Any:
    """Turn a boto3 response fragment into JSON-serialisable data."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _paginate(client: BaseClient, operation: str, key: str, **kwargs: Any) -> list[Any]:
    items: list[Any] = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        items.extend(page.get(key, []))
    return items


def _optional(call: Callable[[], Any], missing: Iterable[str]) -> Any:
    """Run ``call``; an error whose code says "not configured" means None, not a failure."""
    try:
        return call()
    except ClientError as exc:
        if _error_code(exc) in set(missing):
            return None
        raise


def _redact(text: str, secrets: Iterable[str | None]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def describe_error(exc: BaseException) -> str:
    """A one-line, human explanation of a boto3 failure (the connector redacts its credentials from it).

    Built from error codes and HTTP statuses only: the endpoint's own words (an error
    message, a body botocore could not parse) are never repeated, so a connection test
    cannot be used to read what some server answers.
    """
    refusal = egress.refusal_in(exc)
    if refusal is not None:
        return f"could not reach the AWS endpoint: {refusal}"
    if isinstance(exc, ClientError):
        raw_code = _error_code(exc)
        code = raw_code if _ERROR_CODE.match(raw_code) else "an unrecognised error"
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        text = f"{exc.operation_name} failed with {code}"
        if isinstance(status, int):
            text += f" (HTTP {status})"
        hint = _HINTS.get(raw_code)
        if hint:
            text += f": {hint}"
        return text
    endpoint = getattr(exc, "kwargs", {}).get("endpoint_url") or "(unknown)"
    if isinstance(exc, ReadTimeoutError):
        return f"AWS did not answer in time ({endpoint})"
    if isinstance(exc, ConnectTimeoutError):
        return f"could not reach the AWS endpoint {endpoint} (the connection timed out)"
    if isinstance(exc, EndpointConnectionError):
        return f"could not reach the AWS endpoint {endpoint} (the connection failed)"
    if isinstance(exc, NoCredentialsError):
        return "no AWS credentials were supplied"
    if isinstance(exc, ResponseParserError):
        return "the endpoint did not answer like AWS (its response could not be parsed)"
    return f"the AWS request failed ({type(exc).__name__})"


# What an AWS error code looks like; anything else is not repeated to the user.
_ERROR_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
_BAD_CREDENTIALS = "AWS rejected the access key; check the access key id and secret access key"
_HINTS: dict[str, str] = {
    "InvalidClientTokenId": _BAD_CREDENTIALS,
    "UnrecognizedClientException": _BAD_CREDENTIALS,
    "SignatureDoesNotMatch": _BAD_CREDENTIALS,
    "InvalidAccessKeyId": _BAD_CREDENTIALS,
    "AuthFailure": _BAD_CREDENTIALS,
    "ExpiredToken": "the session token has expired; supply fresh credentials",
    "ExpiredTokenException": "the session token has expired; supply fresh credentials",
    "AccessDenied": "the principal lacks a permission that SecurityAudit grants",
    "AccessDeniedException": "the principal lacks a permission that SecurityAudit grants",
}


def strip_account_host_prefix(params: dict[str, Any], **_: Any) -> None:
    """botocore ``before-call.s3-control`` hook for custom (local) endpoints only."""
    # S3 Control addresses "<account-id>.<endpoint host>".  A local endpoint such as
    # 127.0.0.1 has no such DNS names but serves the same paths, so send it there.
    parts = urlsplit(params["url"])
    head, _, rest = parts.netloc.partition(".")
    if len(head) == 12 and head.isdigit() and rest:
        params["url"] = urlunsplit(parts._replace(netloc=rest))


# ---------------------------------------------------------------------------
# collectors: each returns plain data for one service in one region (or globally)


_REPORT_PENDING = frozenset({"ReportInProgress", "ReportNotPresent", "ReportExpired"})


def _credential_report(iam: BaseClient, attempts: int, first_pause: float) -> list[dict[str, Any]]:
    # Generating returns at once (a report younger than four hours is simply reused);
    # fetching fails with ReportInProgress until the new one is written.
    iam.generate_credential_report()
    pause = first_pause
    for _ in range(attempts):
        try:
            content = iam.get_credential_report()["Content"]
            break
        except ClientError as exc:
            code = _error_code(exc)
            if code not in _REPORT_PENDING:
                raise
            if code != "ReportInProgress":
                iam.generate_credential_report()
        time.sleep(pause)
        pause = min(pause * 2, CREDENTIAL_REPORT_MAX_PAUSE)
    else:
        raise AwsConnectorError(f"the IAM credential report was not ready after {attempts} attempts")
    text = content.decode("utf-8") if isinstance(content, bytes) else str(content)
    rows: list[dict[str, Any]] = []
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


def _collect_iam(scope: _Scope) -> dict[str, Any]:
    iam = scope.client("iam", scope.global_region)
    collected_at = datetime.now(UTC)
    summary = iam.get_account_summary()["SummaryMap"]
    virtual = _paginate(iam, "list_virtual_mfa_devices", "VirtualMFADevices", AssignmentStatus="Assigned")
    password_policy = _optional(lambda: iam.get_account_password_policy()["PasswordPolicy"], {"NoSuchEntity"})
    report = _credential_report(iam, scope.report_attempts, scope.report_first_pause)

    users: list[dict[str, Any]] = []
    roles: list[dict[str, Any]] = []
    policies: list[dict[str, Any]] = []
    # One paginated call instead of several per user, role and policy.
    for page in iam.get_paginator("get_account_authorization_details").paginate(
        Filter=["User", "Role", "LocalManagedPolicy"]
    ):
        for user in page.get("UserDetailList", []):
            users.append(
                {
                    "name": user["UserName"],
                    "arn": user["Arn"],
                    "created": _plain(user.get("CreateDate")),
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
            default = next((v for v in policy.get("PolicyVersionList", []) if v.get("IsDefaultVersion")), {})
            policies.append(
                {
                    # Some emulators leave the name out; it is the ARN's last segment.
                    "name": policy.get("PolicyName") or policy["Arn"].rsplit("/", 1)[-1],
                    "arn": policy["Arn"],
                    "attachment_count": policy.get("AttachmentCount", 0),
                    "default_version": policy.get("DefaultVersionId"),
                    "document": _plain(_policy_document(default.get("Document"))),
                }
            )

    certificates = _paginate(iam, "list_server_certificates", "ServerCertificateMetadataList")
    return _plain(
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


def _bucket_region(s3: BaseClient, name: str, listed: Mapping[str, Any]) -> str:
    if listed.get("BucketRegion"):
        return str(listed["BucketRegion"])
    constraint = s3.get_bucket_location(Bucket=name).get("LocationConstraint")
    # Legacy location constraints: none means us-east-1 and "EU" means eu-west-1.
    return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(constraint, constraint)


def _bucket_details(s3: BaseClient, name: str) -> dict[str, Any]:
    pab = _optional(
        lambda: s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"],
        {"NoSuchPublicAccessBlockConfiguration"},
    )
    encryption = _optional(
        lambda: s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"],
        {"ServerSideEncryptionConfigurationNotFoundError"},
    )
    versioning = s3.get_bucket_versioning(Bucket=name)
    policy_text = _optional(lambda: s3.get_bucket_policy(Bucket=name)["Policy"], {"NoSuchBucketPolicy"})
    logging_status = s3.get_bucket_logging(Bucket=name).get("LoggingEnabled")
    try:
        policy = json.loads(policy_text) if policy_text else None
    except ValueError:
        policy = {"unparsable": policy_text}
    return {
        "public_access_block": pab,
        "encryption_rules": encryption,
        "versioning": {
            "status": versioning.get("Status", "Disabled"),
            "mfa_delete": versioning.get("MFADelete", "Disabled"),
        },
        "policy": policy,
        "logging": logging_status,
    }


def _collect_s3(scope: _Scope) -> dict[str, Any]:
    s3 = scope.client("s3", scope.global_region)
    control = scope.client("s3control", scope.global_region)
    account_pab = _optional(
        lambda: control.get_public_access_block(AccountId=scope.account_id)["PublicAccessBlockConfiguration"],
        {"NoSuchPublicAccessBlockConfiguration"},
    )
    buckets: list[dict[str, Any]] = []
    for listed in _paginate(s3, "list_buckets", "Buckets"):
        name = listed["Name"]
        entry: dict[str, Any] = {
            "name": name,
            "region": listed.get("BucketRegion", ""),
            "created": listed.get("CreationDate"),
        }
        try:
            entry["region"] = region = _bucket_region(s3, name, listed)
            # A client in the bucket's own region avoids a redirect round trip per call.
            entry.update(_bucket_details(scope.clients.get(("s3", region), s3), name))
        except ClientError as exc:
            if _error_code(exc) == "NoSuchBucket":
                # Deleted between listing and reading.
                continue
            # A bucket policy can deny even a SecurityAudit role; report that bucket, keep the rest.
            entry["error"] = describe_error(exc)
        buckets.append(entry)
    return _plain({"account_public_access_block": account_pab, "buckets": buckets})


def _collect_accessanalyzer(scope: _Scope) -> dict[str, Any]:
    client = scope.client("accessanalyzer")
    analyzers = _paginate(client, "list_analyzers", "analyzers")
    return _plain(
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


def _collect_ec2(scope: _Scope) -> dict[str, Any]:
    ec2 = scope.client("ec2")
    region = scope.region
    default_encryption = ec2.get_ebs_encryption_by_default()
    volumes = _paginate(ec2, "describe_volumes", "Volumes")
    groups = _paginate(ec2, "describe_security_groups", "SecurityGroups")
    acls = _paginate(ec2, "describe_network_acls", "NetworkAcls")
    reservations = _paginate(ec2, "describe_instances", "Reservations")
    instances = [i for r in reservations for i in r.get("Instances", [])]
    return _plain(
        {
            "ebs_encryption_by_default": bool(default_encryption.get("EbsEncryptionByDefault")),
            "volumes": [
                {
                    "id": v["VolumeId"],
                    "encrypted": bool(v.get("Encrypted")),
                    "kms_key_id": v.get("KmsKeyId"),
                    "state": v.get("State"),
                    "region": region,
                }
                for v in volumes
            ],
            "security_groups": [
                {
                    "id": g["GroupId"],
                    "name": g.get("GroupName"),
                    "vpc_id": g.get("VpcId"),
                    "ingress": g.get("IpPermissions", []),
                    "egress": g.get("IpPermissionsEgress", []),
                    "region": region,
                }
                for g in groups
            ],
            "network_acls": [
                {
                    "id": a["NetworkAclId"],
                    "vpc_id": a.get("VpcId"),
                    "is_default": bool(a.get("IsDefault")),
                    "entries": a.get("Entries", []),
                    "region": region,
                }
                for a in acls
            ],
            "instances": [
                {
                    "id": i["InstanceId"],
                    "state": i.get("State", {}).get("Name"),
                    "metadata_options": i.get("MetadataOptions", {}),
                    "region": region,
                }
                for i in instances
                if i.get("State", {}).get("Name") != "terminated"
            ],
        }
    )


def _collect_vpc(scope: _Scope) -> dict[str, Any]:
    ec2 = scope.client("ec2")
    vpcs = _paginate(ec2, "describe_vpcs", "Vpcs")
    flow_logs = _paginate(ec2, "describe_flow_logs", "FlowLogs")
    return _plain(
        {
            "vpcs": [{"id": v["VpcId"], "is_default": bool(v.get("IsDefault")), "region": scope.region} for v in vpcs],
            "flow_logs": [
                {
                    "id": f.get("FlowLogId"),
                    "resource_id": f.get("ResourceId"),
                    "traffic_type": f.get("TrafficType"),
                    "status": f.get("FlowLogStatus"),
                    "destination_type": f.get("LogDestinationType"),
                    "region": scope.region,
                }
                for f in flow_logs
            ],
        }
    )


def _collect_rds(scope: _Scope) -> dict[str, Any]:
    rds = scope.client("rds")
    instances = _paginate(rds, "describe_db_instances", "DBInstances")
    return _plain(
        {
            "db_instances": [
                {
                    "id": d["DBInstanceIdentifier"],
                    "arn": d.get("DBInstanceArn"),
                    "engine": d.get("Engine"),
                    "storage_encrypted": bool(d.get("StorageEncrypted")),
                    "auto_minor_version_upgrade": bool(d.get("AutoMinorVersionUpgrade")),
                    "publicly_accessible": bool(d.get("PubliclyAccessible")),
                    "region": scope.region,
                }
                for d in instances
            ]
        }
    )


def _collect_efs(scope: _Scope) -> dict[str, Any]:
    efs = scope.client("efs")
    systems = _paginate(efs, "describe_file_systems", "FileSystems")
    return _plain(
        {
            "file_systems": [
                {
                    "id": f["FileSystemId"],
                    "arn": f.get("FileSystemArn"),
                    "encrypted": bool(f.get("Encrypted")),
                    "kms_key_id": f.get("KmsKeyId"),
                    "region": scope.region,
                }
                for f in systems
            ]
        }
    )


def _collect_kms(scope: _Scope) -> dict[str, Any]:
    kms = scope.client("kms")
    keys: list[dict[str, Any]] = []
    for listed in _paginate(kms, "list_keys", "Keys"):
        meta = kms.describe_key(KeyId=listed["KeyId"])["KeyMetadata"]
        spec = meta.get("KeySpec") or meta.get("CustomerMasterKeySpec")
        rotatable = (
            meta.get("KeyManager") == "CUSTOMER"
            and spec == "SYMMETRIC_DEFAULT"
            and meta.get("KeyState") == "Enabled"
            and meta.get("Origin") == "AWS_KMS"
        )
        # Rotation status only exists for enabled symmetric keys with AWS-held material.
        rotation = kms.get_key_rotation_status(KeyId=listed["KeyId"]).get("KeyRotationEnabled") if rotatable else None
        keys.append(
            {
                "id": meta["KeyId"],
                "arn": meta.get("Arn"),
                "manager": meta.get("KeyManager"),
                "spec": spec,
                "state": meta.get("KeyState"),
                "origin": meta.get("Origin"),
                "rotation_enabled": rotation,
                "region": scope.region,
            }
        )
    return _plain({"keys": keys})


def _collect_config(scope: _Scope) -> dict[str, Any]:
    config = scope.client("config")
    recorders = config.describe_configuration_recorders().get("ConfigurationRecorders", [])
    statuses = {
        s["name"]: s for s in config.describe_configuration_recorder_status().get("ConfigurationRecordersStatus", [])
    }
    return _plain(
        {
            "recorders": [
                {
                    "name": r["name"],
                    "recording_group": r.get("recordingGroup", {}),
                    "recording": bool(statuses.get(r["name"], {}).get("recording")),
                    "last_status": statuses.get(r["name"], {}).get("lastStatus"),
                    "region": scope.region,
                }
                for r in recorders
            ]
        }
    )


def _trail_bucket(s3: BaseClient, name: str) -> dict[str, Any]:
    # The bucket often lives in a central log-archive account; a denial there is
    # reported on the trail's bucket checks rather than failing the whole service.
    try:
        acl = s3.get_bucket_acl(Bucket=name)
        policy_text = _optional(lambda: s3.get_bucket_policy(Bucket=name)["Policy"], {"NoSuchBucketPolicy"})
        pab = _optional(
            lambda: s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"],
            {"NoSuchPublicAccessBlockConfiguration"},
        )
        logging_status = s3.get_bucket_logging(Bucket=name).get("LoggingEnabled")
    except ClientError as exc:
        return {"name": name, "error": describe_error(exc)}
    try:
        policy = json.loads(policy_text) if policy_text else None
    except ValueError:
        policy = {"unparsable": policy_text}
    return {
        "name": name,
        "grants": acl.get("Grants", []),
        "policy": policy,
        "public_access_block": pab,
        "logging": logging_status,
    }


def _arn_account(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""


def _collect_cloudtrail(scope: _Scope) -> dict[str, Any]:
    cloudtrail = scope.client("cloudtrail")
    s3 = scope.client("s3", scope.global_region)
    # Shadow trails are included so that an organization trail created in the management
    # account counts for this member account too; each trail is kept only in its home
    # region, or a multi-region trail would be collected once per scanned region.
    trails = cloudtrail.describe_trails(includeShadowTrails=True).get("trailList", [])
    buckets: dict[str, dict[str, Any]] = {}
    collected: list[dict[str, Any]] = []
    for trail in trails:
        if trail.get("HomeRegion", scope.region) != scope.region:
            continue
        arn = trail["TrailARN"]
        status_error = None
        try:
            status = cloudtrail.get_trail_status(Name=arn)
            selectors = cloudtrail.get_event_selectors(TrailName=arn)
        except ClientError as exc:
            if _arn_account(arn) == scope.account_id:
                raise
            # Another account's organization trail may not disclose its status here.
            status, selectors, status_error = {}, {}, describe_error(exc)
        bucket_name = trail.get("S3BucketName")
        if bucket_name and bucket_name not in buckets:
            buckets[bucket_name] = _trail_bucket(s3, bucket_name)
        collected.append(
            {
                "name": trail.get("Name"),
                "arn": arn,
                "home_region": trail.get("HomeRegion", scope.region),
                "is_multi_region": bool(trail.get("IsMultiRegionTrail")),
                "is_organization_trail": bool(trail.get("IsOrganizationTrail")),
                "log_file_validation": bool(trail.get("LogFileValidationEnabled")),
                "kms_key_id": trail.get("KmsKeyId"),
                "s3_bucket": bucket_name,
                "cloudwatch_log_group_arn": trail.get("CloudWatchLogsLogGroupArn"),
                "is_logging": bool(status.get("IsLogging")),
                "status_error": status_error,
                "latest_cloudwatch_delivery": status.get("LatestCloudWatchLogsDeliveryTime"),
                "event_selectors": selectors.get("EventSelectors", []),
                "advanced_event_selectors": selectors.get("AdvancedEventSelectors", []),
                "bucket": buckets.get(bucket_name) if bucket_name else None,
                "region": scope.region,
            }
        )
    return _plain({"collected_at": datetime.now(UTC), "trails": collected})


def _collect_cloudwatch(scope: _Scope) -> dict[str, Any]:
    logs = scope.client("logs")
    cloudwatch = scope.client("cloudwatch")
    sns = scope.client("sns")
    filters = _paginate(logs, "describe_metric_filters", "metricFilters")
    alarms = _paginate(cloudwatch, "describe_alarms", "MetricAlarms")
    subscriptions = _paginate(sns, "list_subscriptions", "Subscriptions")
    confirmed: dict[str, int] = {}
    for sub in subscriptions:
        # Unconfirmed subscriptions carry this placeholder instead of an ARN.
        if sub.get("SubscriptionArn", "").startswith("arn:"):
            confirmed[sub["TopicArn"]] = confirmed.get(sub["TopicArn"], 0) + 1
    return _plain(
        {
            "metric_filters": [
                {
                    "name": f.get("filterName"),
                    "log_group": f.get("logGroupName"),
                    "pattern": f.get("filterPattern", ""),
                    "metrics": [
                        {"name": m.get("metricName"), "namespace": m.get("metricNamespace")}
                        for m in f.get("metricTransformations", [])
                    ],
                    "region": scope.region,
                }
                for f in filters
            ],
            "alarms": [
                {
                    "name": a.get("AlarmName"),
                    "arn": a.get("AlarmArn"),
                    "metric": a.get("MetricName"),
                    "namespace": a.get("Namespace"),
                    "actions_enabled": bool(a.get("ActionsEnabled", True)),
                    "alarm_actions": a.get("AlarmActions", []),
                    "region": scope.region,
                }
                for a in alarms
            ],
            "topic_subscriptions": confirmed,
        }
    )


def _collect_securityhub(scope: _Scope) -> dict[str, Any]:
    hub = _optional(
        lambda: scope.client("securityhub").describe_hub(),
        {"InvalidAccessException", "ResourceNotFoundException"},
    )
    return _plain(
        {
            "enabled": hub is not None,
            "hub_arn": (hub or {}).get("HubArn"),
            "subscribed_at": (hub or {}).get("SubscribedAt"),
        }
    )


def _collect_guardduty(scope: _Scope) -> dict[str, Any]:
    guardduty = scope.client("guardduty")
    detectors = []
    for detector_id in _paginate(guardduty, "list_detectors", "DetectorIds"):
        detector = guardduty.get_detector(DetectorId=detector_id)
        detectors.append({"id": detector_id, "status": detector.get("Status"), "region": scope.region})
    return _plain({"detectors": detectors})


_COLLECTORS: dict[str, Callable[[_Scope], dict[str, Any]]] = {
    "iam": _collect_iam,
    "s3": _collect_s3,
    "accessanalyzer": _collect_accessanalyzer,
    "cloudtrail": _collect_cloudtrail,
    "cloudwatch": _collect_cloudwatch,
    "config": _collect_config,
    "ec2": _collect_ec2,
    "efs": _collect_efs,
    "guardduty": _collect_guardduty,
    "kms": _collect_kms,
    "rds": _collect_rds,
    "securityhub": _collect_securityhub,
    "vpc": _collect_vpc,
}


# ---------------------------------------------------------------------------
# the connector


class AwsConnector:
    """Collects a read-only inventory of one AWS account."""

    def __init__(
        self,
        *,
        regions: Iterable[str],
        access_key_id: str,
        secret_access_key: str,
        session_token: str | None = None,
        endpoint_url: str | None = None,
        role_arn: str | None = None,
        external_id: str | None = None,
        max_workers: int = MAX_WORKERS,
    ) -> None:
        unique = list(dict.fromkeys(r.strip() for r in regions if r and r.strip()))
        self.regions: list[str] = unique or [DEFAULT_REGION]
        self.endpoint_url = endpoint_url or None
        self.role_arn = role_arn or None
        self.external_id = external_id or None
        self.max_workers = max(1, max_workers)
        self.report_attempts = CREDENTIAL_REPORT_ATTEMPTS
        self.report_first_pause = CREDENTIAL_REPORT_FIRST_PAUSE
        self._access_key_id = access_key_id or ""
        self._secret_access_key = secret_access_key or ""
        self._session_token = session_token or None
        self._session: boto3.Session | None = None
        self._assumed_secrets: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"AwsConnector(regions={self.regions!r}, role_arn={self.role_arn!r}, endpoint_url={self.endpoint_url!r})"

    @property
    def global_region(self) -> str:
        return self.regions[0]

    @property
    def session(self) -> boto3.Session:
        """The boto3 session scans run with (after assuming the role, if configured)."""
        if self._session is None:
            self._session = self._open_session()
        return self._session

    # -- Connector protocol -------------------------------------------------

    def test_connection(self) -> tuple[bool, str]:
        try:
            identity = self._identity(self._config(quick=True))
        except _FAILURES as exc:
            detail = self._explain(exc)
            logger.warning("AWS connection test failed: %s", detail)
            return False, detail
        return True, f"Connected to AWS account {identity['Account']} as {identity['Arn']}"

    def collect(self, services: set[str]) -> Inventory:
        inventory = Inventory(integration_type=INTEGRATION_TYPE)
        wanted = sorted(s for s in services if s in SUPPORTED_SERVICES)
        for unknown in sorted(set(services) - SUPPORTED_SERVICES):
            inventory.errors[unknown] = "the AWS connector does not collect this service"
        if not wanted:
            return inventory
        try:
            identity = self._identity(self._config())
        except _FAILURES as exc:
            detail = self._explain(exc)
            logger.warning("AWS collection could not start: %s", detail)
            for service in wanted:
                inventory.errors[service] = detail
            return inventory
        inventory.account_id = identity["Account"]
        partition = identity["Arn"].split(":")[1] if identity["Arn"].count(":") >= 2 else "aws"

        clients, client_errors = self._build_clients(wanted)
        tasks: list[tuple[str, str]] = []
        for service in wanted:
            for region in [self.global_region] if service in GLOBAL_SERVICES else self.regions:
                tasks.append((service, region))

        results: dict[tuple[str, str], tuple[dict[str, Any] | None, str | None]] = {}
        with ThreadPoolExecutor(
            max_workers=min(self.max_workers, len(tasks)), thread_name_prefix="aws-collect"
        ) as pool:
            futures = {}
            for service, region in tasks:
                scope = _Scope(
                    account_id=inventory.account_id,
                    partition=partition,
                    region=region,
                    global_region=self.global_region,
                    clients=clients,
                    report_attempts=self.report_attempts,
                    report_first_pause=self.report_first_pause,
                )
                missing = [e for (name, r), e in client_errors.items() if (name, r) in _needed(service, region, self)]
                if missing:
                    results[(service, region)] = (None, missing[0])
                    continue
                futures[(service, region)] = pool.submit(self._run, service, scope)
            for key, future in futures.items():
                results[key] = future.result()

        for (service, region), (data, error) in sorted(results.items()):
            if error is not None:
                prefix = "" if service in GLOBAL_SERVICES else f"{region}: "
                previous = inventory.errors.get(service)
                inventory.errors[service] = f"{previous}; {prefix}{error}" if previous else f"{prefix}{error}"
                continue
            if service in GLOBAL_SERVICES:
                inventory.data[service] = data
            else:
                inventory.data.setdefault(service, {"regions": {}})["regions"][region] = data
        return inventory

    # -- internals -----------------------------------------------------------

    def _run(self, service: str, scope: _Scope) -> tuple[dict[str, Any] | None, str | None]:
        started = time.monotonic()
        try:
            data = _COLLECTORS[service](scope)
        except _FAILURES as exc:
            detail = self._explain(exc)
            logger.warning("AWS collection of %s in %s failed: %s", service, scope.region, detail)
            return None, detail
        except (KeyError, TypeError) as exc:
            # A response without a field AWS documents as always present: report the
            # service as failed rather than abandon the other services of the scan.
            logger.exception("AWS collection of %s in %s got an unexpected response", service, scope.region)
            return None, f"unexpected response from AWS ({type(exc).__name__}: {exc})"
        logger.debug("collected %s in %s in %.2fs", service, scope.region, time.monotonic() - started)
        return data, None

    def _config(self, *, quick: bool = False) -> Config:
        # A connection test should answer quickly; a scan should ride out throttling.
        retries = {"mode": "standard", "max_attempts": 1} if quick else dict(RETRIES)
        return Config(
            retries=retries,
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=10 if quick else READ_TIMEOUT,
            max_pool_connections=max(10, self.max_workers * 2),
            user_agent_appid="complywise",
        )

    def _open_session(self) -> boto3.Session:
        if not self._access_key_id or not self._secret_access_key:
            # Never fall back to the ambient credential chain: that would scan the
            # platform's own account instead of the customer's.
            raise AwsConnectorError("the integration has no access key id or secret access key")
        base = _new_session(self._access_key_id, self._secret_access_key, self._session_token, self.global_region)
        if not self.role_arn:
            return base
        sts = guard_client(base.client("sts", endpoint_url=self.endpoint_url, config=self._config(quick=True)))
        params: dict[str, Any] = {
            "RoleArn": self.role_arn,
            "RoleSessionName": ROLE_SESSION_NAME,
            "DurationSeconds": ROLE_SESSION_SECONDS,
        }
        if self.external_id:
            params["ExternalId"] = self.external_id
        try:
            credentials = sts.assume_role(**params)["Credentials"]
        except ClientError as exc:
            raise AwsConnectorError(f"could not assume role {self.role_arn}: {describe_error(exc)}") from exc
        self._assumed_secrets = (credentials["SecretAccessKey"], credentials["SessionToken"])
        return _new_session(
            credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"], self.global_region
        )

    def _refuse_disallowed_endpoint(self) -> None:
        """Fail at once, without botocore's retries, when the endpoint's address is refused.

        Every connection is vetted again when it is opened (the resolved address may differ
        by then); this only spares a scan retrying what the policy will never allow.
        """
        if not self.endpoint_url:
            return
        parts = urlsplit(self.endpoint_url)
        try:
            egress.vetted_addresses(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
        except egress.EgressDeniedError as exc:
            raise AwsConnectorError(f"could not reach the AWS endpoint: {exc}") from None
        except (OSError, ValueError):
            # Unresolvable here, or a malformed port: botocore reports it in its own words.
            return

    def _identity(self, config: Config) -> dict[str, str]:
        self._refuse_disallowed_endpoint()
        sts = guard_client(
            self.session.client("sts", region_name=self.global_region, endpoint_url=self.endpoint_url, config=config)
        )
        identity = sts.get_caller_identity()
        return {"Account": identity["Account"], "Arn": identity["Arn"]}

    def _build_clients(
        self, services: Iterable[str]
    ) -> tuple[dict[tuple[str, str], BaseClient], dict[tuple[str, str], str]]:
        # boto3 sessions are not thread-safe but clients are: build them all here,
        # before any worker thread starts.
        session = self.session
        config = self._config()
        wanted: set[tuple[str, str]] = set()
        for service in services:
            for region in self.regions:
                wanted |= _needed(service, region, self)
        clients: dict[tuple[str, str], BaseClient] = {}
        errors: dict[tuple[str, str], str] = {}
        for name, region in sorted(wanted):
            try:
                client = guard_client(
                    session.client(name, region_name=region, endpoint_url=self.endpoint_url, config=config)
                )
            except BotoCoreError as exc:
                errors[(name, region)] = self._explain(exc)
                continue
            if name == "s3control" and self.endpoint_url:
                client.meta.events.register("before-call.s3-control", strip_account_host_prefix)
            clients[(name, region)] = client
        return clients, errors

    def _explain(self, exc: BaseException) -> str:
        text = str(exc) if isinstance(exc, AwsConnectorError) else describe_error(exc)
        return _redact(
            text, (self._secret_access_key, self._session_token, self._access_key_id, *self._assumed_secrets)
        )


def _needed(service: str, region: str, connector: AwsConnector) -> set[tuple[str, str]]:
    needs: set[tuple[str, str]] = set()
    for spec in _CLIENT_NEEDS.get(service, ()):
        name, _, scope = spec.partition("@")
        needs.add((name, connector.global_region if scope == "global" else region))
    return needs


def build_connector(*, config: dict, credentials: dict) -> AwsConnector:
    """Build the connector from an integration's config and decrypted credentials."""
    regions = config.get("regions") or [DEFAULT_REGION]
    if isinstance(regions, str):
        regions = [r for r in regions.split(",")]
    return AwsConnector(
        regions=regions,
        access_key_id=credentials.get("access_key_id") or "",
        secret_access_key=credentials.get("secret_access_key") or "",
        session_token=credentials.get("session_token"),
        endpoint_url=config.get("endpoint_url"),
        role_arn=config.get("role_arn"),
        external_id=config.get("external_id"),
    )
