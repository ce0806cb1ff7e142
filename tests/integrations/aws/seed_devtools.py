"""Seeds for the end-to-end scan: CodeBuild projects, SSM documents and managed nodes' patch scans, the Glue Data
Catalog and Glue jobs, Route 53 public hosted zones and CloudFormation stacks, one of each kind passing and one
failing.

``seed_devtools`` returns the failures it causes (``(check id, resource id, region)``). The Glue Data Catalog of every
other scanned region keeps Glue's defaults (no encryption), which fail there: the scan test lists those itself.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from tests.integrations.aws.support import ACCOUNT, aws

ROLE = f"arn:aws:iam::{ACCOUNT}:role/builds"
BUILD_ENVIRONMENT = {
    "type": "LINUX_CONTAINER",
    "image": "aws/codebuild/standard:7.0",
    "computeType": "BUILD_GENERAL1_SMALL",
}
DOCUMENT = json.dumps(
    {
        "schemaVersion": "2.2",
        "description": "Restart the web server",
        "mainSteps": [
            {"action": "aws:runShellScript", "name": "restart", "inputs": {"runCommand": ["systemctl restart nginx"]}}
        ],
    }
)


def seed_devtools(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    kms = aws(endpoint, "kms", region)
    key = kms.create_key()["KeyMetadata"]
    # Rotating, so the key checks pass on it.
    kms.enable_key_rotation(KeyId=key["KeyId"])
    return (
        _seed_codebuild(endpoint, region)
        | _seed_ssm(endpoint, region)
        | _seed_glue(endpoint, region, key["Arn"])
        | _seed_route53(endpoint, region, key["Arn"])
        | _seed_cloudformation(endpoint, region)
        | _seed_batch(endpoint, region)
    )


def _seed_batch(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    def definition(name: str, environment: dict[str, str]) -> str:
        container = {
            "image": "public.ecr.aws/docker/library/busybox:latest",
            "vcpus": 1,
            "memory": 512,
            "command": ["echo", name],
            "environment": [{"name": k, "value": v} for k, v in environment.items()],
        }
        registered = aws(endpoint, "batch", region).register_job_definition(
            jobDefinitionName=name, type="container", containerProperties=container
        )
        return str(registered["jobDefinitionArn"])

    # One naming where its secret is (passes), one holding an API key in clear (fails).
    definition("reports", {"API_KEY_SECRET_ARN": f"arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:reports"})
    export = definition("export", {"PARTNER_API_KEY": "pk-4f1e2d3c4b5a69788796"})
    return {("aws.batch.job_definition_no_secrets", export, region)}


def _seed_cloudformation(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    def stack(name: str, outputs: dict[str, str], protected: bool) -> str:
        template = {
            "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
            "Outputs": {key: {"Value": value} for key, value in outputs.items()},
        }
        return str(
            aws(endpoint, "cloudformation", region).create_stack(
                StackName=name, TemplateBody=json.dumps(template), EnableTerminationProtection=protected
            )["StackId"]
        )

    # A protected CDK bootstrap stack on a template from before the staging bucket fix: fails that check only.
    toolkit = stack("CDKToolkit", {"BootstrapVersion": "19", "BucketName": "cdk-hnb659fds-assets"}, protected=True)
    # An unprotected stack returning its database password: fails the other two.
    orders = stack("orders-db", {"DbPassword": "Orders-db-2026", "DbPort": "5432"}, protected=False)
    return {
        ("aws.cloudformation.cdk_bootstrap_version_current", toolkit, region),
        ("aws.cloudformation.stack_outputs_no_secrets", orders, region),
        ("aws.cloudformation.stack_termination_protection", orders, region),
    }


def hardened_project(endpoint: str, name: str, region: str, **changes: Any) -> str:
    """Create project ``name`` passing every CodeBuild check, but for ``changes`` (create_project's own); its ARN."""
    settings: dict[str, Any] = {
        "source": {"type": "GITHUB", "location": "https://github.com/example/storefront.git"},
        "artifacts": {"type": "S3", "location": "build-output"},
        "environment": {
            **BUILD_ENVIRONMENT,
            "environmentVariables": [
                {"name": "LOG_LEVEL", "value": "info", "type": "PLAINTEXT"},
                {"name": "DB_PASSWORD", "value": "storefront/db", "type": "SECRETS_MANAGER"},
            ],
        },
        "logsConfig": {
            "cloudWatchLogs": {"status": "ENABLED", "groupName": "/codebuild/storefront"},
            "s3Logs": {"status": "ENABLED", "location": "build-logs/storefront"},
        },
        **changes,
    }
    created = aws(endpoint, "codebuild", region).create_project(name=name, serviceRole=ROLE, **settings)
    return str(created["project"]["arn"])


def _seed_codebuild(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    hardened_project(endpoint, "storefront", region)
    codebuild = aws(endpoint, "codebuild", region)
    # The storefront builds pull requests from two named accounts only (anchored) and pushes to main: passes both
    # webhook checks; the nightly project builds pull requests from an account id left unanchored: fails both.
    pull_requests = {"type": "EVENT", "pattern": "PULL_REQUEST_CREATED, PULL_REQUEST_UPDATED"}
    codebuild.create_webhook(
        projectName="storefront",
        filterGroups=[
            [pull_requests, {"type": "ACTOR_ACCOUNT_ID", "pattern": "^(1234567|7654321)$"}],
            [{"type": "EVENT", "pattern": "PUSH"}, {"type": "HEAD_REF", "pattern": "^refs/heads/main$"}],
        ],
    )
    # Logs nothing, a plain access key pair, a token in its source URL, unencrypted artifacts: fails four checks (the
    # S3 logs check does not judge a project keeping no S3 logs).
    loose = hardened_project(
        endpoint,
        "legacy-deploy",
        region,
        source={"type": "GITHUB", "location": "https://ghp_notarealtoken@github.com/example/legacy.git"},
        artifacts={"type": "S3", "location": "build-output", "encryptionDisabled": True},
        environment={
            **BUILD_ENVIRONMENT,
            "environmentVariables": [
                {"name": "AWS_ACCESS_KEY_ID", "value": "AKIAEXAMPLE"},
                {"name": "AWS_SECRET_ACCESS_KEY", "value": "not-a-real-key", "type": "PLAINTEXT"},
            ],
        },
        logsConfig={"cloudWatchLogs": {"status": "DISABLED"}, "s3Logs": {"status": "DISABLED"}},
    )
    # S3 logs with encryption disabled, otherwise hardened: fails the S3 logs check alone (and, with its webhook below,
    # the two webhook checks).
    plain_logs = hardened_project(
        endpoint,
        "nightly",
        region,
        logsConfig={"s3Logs": {"status": "ENABLED", "location": "build-logs/nightly", "encryptionDisabled": True}},
    )
    codebuild.create_webhook(
        projectName="nightly", filterGroups=[[pull_requests, {"type": "ACTOR_ACCOUNT_ID", "pattern": "1234567"}]]
    )
    return {
        ("aws.codebuild.webhook_filters_anchored", plain_logs, region),
        ("aws.codebuild.webhook_pull_requests_need_approval", plain_logs, region),
        *{
            (f"aws.codebuild.{name}", loose, region)
            for name in (
                "project_logging_enabled",
                "project_no_plaintext_secrets",
                "project_source_url_no_credentials",
                "project_artifacts_encrypted",
            )
        },
        ("aws.codebuild.project_s3_logs_encrypted", plain_logs, region),
    }


def _seed_ssm(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    ssm = aws(endpoint, "ssm", region)
    # Shared with one partner account by id: passes.
    ssm.create_document(Content=DOCUMENT, Name="restart-web", DocumentType="Command")
    ssm.modify_document_permission(Name="restart-web", PermissionType="Share", AccountIdsToAdd=["111122223333"])
    # Shared with every AWS account: fails.
    ssm.create_document(Content=DOCUMENT, Name="bootstrap", DocumentType="Command")
    ssm.modify_document_permission(Name="bootstrap", PermissionType="Share", AccountIdsToAdd=["all"])
    # Two managed nodes' last patch scans: one up to date, one missing a critical patch.
    for node, status in (("i-0patched00000001", "COMPLIANT"), ("i-0behind000000002", "NON_COMPLIANT")):
        ssm.put_compliance_items(
            ResourceId=node,
            ResourceType="ManagedInstance",
            ComplianceType="Patch",
            ExecutionSummary={"ExecutionTime": datetime(2026, 12, 1, tzinfo=UTC)},
            Items=[{"Id": "KB5031356", "Severity": "CRITICAL", "Status": status}],
        )
    return {
        ("aws.ssm.document_not_public", f"arn:aws:ssm:{region}:{ACCOUNT}:document/bootstrap", region),
        ("aws.ssm.managed_instance_patch_compliant", "i-0behind000000002", region),
    }


def security_configuration(
    endpoint: str, name: str, region: str, *, s3: str, cloudwatch: str, key: str, bookmarks: str = "DISABLED"
) -> str:
    """Create Glue security configuration ``name`` encrypting S3 with ``s3``, CloudWatch Logs with ``cloudwatch`` and
    job bookmarks with ``bookmarks``."""
    s3_encryption: dict[str, str] = {"S3EncryptionMode": s3}
    watch_encryption: dict[str, str] = {"CloudWatchEncryptionMode": cloudwatch}
    bookmark_encryption: dict[str, str] = {"JobBookmarksEncryptionMode": bookmarks}
    if s3 == "SSE-KMS":
        s3_encryption["KmsKeyArn"] = key
    if cloudwatch == "SSE-KMS":
        watch_encryption["KmsKeyArn"] = key
    if bookmarks == "CSE-KMS":
        bookmark_encryption["KmsKeyArn"] = key
    aws(endpoint, "glue", region).create_security_configuration(
        Name=name,
        EncryptionConfiguration={
            "S3Encryption": [s3_encryption],
            "CloudWatchEncryption": watch_encryption,
            "JobBookmarksEncryption": bookmark_encryption,
        },
    )
    return name


def glue_job(endpoint: str, name: str, region: str, **settings: Any) -> str:
    """Create Glue job ``name`` (create_job's own ``settings``); its ARN."""
    aws(endpoint, "glue", region).create_job(
        Name=name,
        Role=f"arn:aws:iam::{ACCOUNT}:role/etl",
        Command={"Name": "glueetl", "ScriptLocation": f"s3://etl-scripts/{name}.py"},
        **settings,
    )
    return f"arn:aws:glue:{region}:{ACCOUNT}:job/{name}"


def _seed_glue(endpoint: str, region: str, key: str) -> set[tuple[str, str, str]]:
    # The catalog's metadata and connection passwords encrypted: passes both catalog checks here.
    aws(endpoint, "glue", region).put_data_catalog_encryption_settings(
        DataCatalogEncryptionSettings={
            "EncryptionAtRest": {"CatalogEncryptionMode": "SSE-KMS", "SseAwsKmsKeyId": key},
            "ConnectionPasswordEncryption": {"ReturnConnectionPasswordEncrypted": True, "AwsKmsKeyId": key},
        }
    )
    encrypted = security_configuration(
        endpoint, "encrypted", region, s3="SSE-KMS", cloudwatch="SSE-KMS", key=key, bookmarks="CSE-KMS"
    )
    bookmarked = {"DefaultArguments": {"--job-bookmark-option": "job-bookmark-enable"}}
    glue_job(endpoint, "nightly-etl", region, SecurityConfiguration=encrypted, **bookmarked)
    # Bookmarks kept, but no security configuration: fails the three job encryption checks.
    bare = glue_job(endpoint, "adhoc-etl", region, **bookmarked)
    return {
        (f"aws.glue.{name}", bare, region)
        for name in ("job_s3_encryption_enabled", "job_cloudwatch_logs_encrypted", "job_bookmarks_encrypted")
    }


def _seed_route53(endpoint: str, region: str, key: str) -> set[tuple[str, str, str]]:
    route53 = aws(endpoint, "route53", region)
    logged = route53.create_hosted_zone(Name="example.com", CallerReference="example")["HostedZone"]["Id"]
    quiet = route53.create_hosted_zone(Name="example.org", CallerReference="quiet")["HostedZone"]["Id"]
    # Query logs go to a log group in us-east-1 (where Route 53 requires it), kept a year under a rotating key, so the
    # log group checks pass on it.
    logs = aws(endpoint, "logs", "us-east-1")
    logs.create_log_group(logGroupName="/aws/route53/example.com", kmsKeyId=key)
    logs.put_retention_policy(logGroupName="/aws/route53/example.com", retentionInDays=365)
    group = next(g["arn"] for g in logs.describe_log_groups(logGroupNamePrefix="/aws/route53/")["logGroups"])
    route53.create_query_logging_config(HostedZoneId=logged, CloudWatchLogsLogGroupArn=group)
    zone_id = quiet.removeprefix("/hostedzone/")
    return {
        ("aws.route53.public_zone_query_logging_enabled", f"arn:aws:route53:::hostedzone/{zone_id}", ""),
        *_seed_domains(endpoint),
    }


DOMAIN_CONTACT = {
    "FirstName": "Dana",
    "LastName": "Ops",
    "ContactType": "COMPANY",
    "OrganizationName": "Example Corp",
    "AddressLine1": "1 Main Street",
    "City": "Springfield",
    "CountryCode": "US",
    "ZipCode": "12345",
    "PhoneNumber": "+1.5555550100",
    "Email": "dns@example.com",
    "State": "OR",
}


def register_domain(endpoint: str, name: str, **settings: Any) -> str:
    """Register ``name`` through Route 53 Domains, in us-east-1 where it answers (register_domain's own ``settings``:
    AutoRenew, PrivacyProtect*Contact); the name."""
    contacts = {"AdminContact": DOMAIN_CONTACT, "RegistrantContact": DOMAIN_CONTACT, "TechContact": DOMAIN_CONTACT}
    aws(endpoint, "route53domains", "us-east-1").register_domain(
        DomainName=name, DurationInYears=2, **contacts, **settings
    )
    return name


def _seed_domains(endpoint: str) -> set[tuple[str, str, str]]:
    """A registered domain renewing, locked and private, and one that is none of these."""
    domains = aws(endpoint, "route53domains", "us-east-1")
    route53 = aws(endpoint, "route53", "us-east-1")

    def zones() -> set[str]:
        return {z["Id"].removeprefix("/hostedzone/") for z in route53.list_hosted_zones()["HostedZones"]}

    before = zones()
    register_domain(endpoint, "example.com")
    register_domain(
        endpoint,
        "example.net",
        AutoRenew=False,
        PrivacyProtectAdminContact=False,
        PrivacyProtectRegistrantContact=False,
        PrivacyProtectTechContact=False,
    )
    domains.disable_domain_transfer_lock(DomainName="example.net")
    # Registering a domain creates its public hosted zone, as in AWS, and logs none of its queries.
    created = {
        ("aws.route53.public_zone_query_logging_enabled", f"arn:aws:route53:::hostedzone/{z}", "")
        for z in zones() - before
    }
    return created | {
        (f"aws.route53domains.{name}", "example.net", "")
        for name in ("auto_renew_enabled", "transfer_lock_enabled", "contact_privacy_enabled")
    }
