"""Checks on CodeBuild projects: build logs kept, no credentials in plain environment variables or source URLs,
build artifacts and S3 build logs left encrypted, and builds not shown to the public."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..secret_names import secret_variables
from ..shapes_devtools import CodeBuildProject
from ._common import aws_check, described_items, result

PROJECT = "AWS::CodeBuild::Project"
ENABLED = "ENABLED"
# What CodeBuild does when a project's logsConfig leaves a destination out: CloudWatch Logs on, S3 logs off.
DEFAULT_CLOUDWATCH_LOGS = ENABLED
DEFAULT_S3_LOGS = "DISABLED"
# The only artifacts type whose encryption can be turned off (encryptionDisabled is refused on any other).
S3_ARTIFACTS = "S3"


def projects(inventory: Inventory) -> Iterator[CodeBuildProject | Outcome]:
    return described_items(
        inventory,
        "codebuild",
        "projects",
        noun="build projects",
        resource_type=PROJECT,
        resource_id=lambda project: str(project["arn"]),
        label=_label,
    )


def _label(project: CodeBuildProject) -> str:
    return f"CodeBuild project {project['name']}"


@aws_check(
    id="aws.codebuild.project_logging_enabled",
    title="CodeBuild projects keep their build logs",
    severity=Severity.MEDIUM,
    service="codebuild",
    resource_type=PROJECT,
    rationale="A build's log is the record of what it fetched, ran and published with the project's role; with both "
    "CloudWatch Logs and S3 logs turned off nothing of it is kept, so a tampered dependency or a build that leaked or "
    "misused credentials cannot be looked into afterwards.",
    remediation="Turn on CloudWatch Logs (logsConfig.cloudWatchLogs.status ENABLED, with a group name) or S3 logs "
    "(logsConfig.s3Logs.status ENABLED, with a bucket location) in the project's settings (UpdateProject).",
)
def project_logging_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for project in projects(inventory):
        if isinstance(project, Outcome):
            yield project
            continue
        cloudwatch = project.get("cloudwatch_logs_status") or DEFAULT_CLOUDWATCH_LOGS
        s3 = project.get("s3_logs_status") or DEFAULT_S3_LOGS
        kept = [where for where, status in (("CloudWatch Logs", cloudwatch), ("S3", s3)) if status == ENABLED]
        if kept:
            reason = f"{_label(project)} sends its build logs to {' and '.join(kept)}"
        else:
            reason = f"{_label(project)} has both CloudWatch Logs and S3 logs disabled, so no build log is kept"
        yield result(
            bool(kept),
            project["arn"],
            PROJECT,
            reason,
            region=project["region"],
            cloudwatch_logs_status=cloudwatch,
            s3_logs_status=s3,
        )


@aws_check(
    id="aws.codebuild.project_no_plaintext_secrets",
    title="CodeBuild projects keep credentials out of plain environment variables",
    severity=Severity.HIGH,
    service="codebuild",
    resource_type=PROJECT,
    rationale="A PLAINTEXT environment variable is stored in the project itself: anyone allowed to read projects "
    "(SecurityAudit and ReadOnlyAccess included) reads its value, and it appears in every build's environment. AWS "
    "access keys and passwords belong in Secrets Manager or Parameter Store, referenced by the variable.",
    remediation="Store each such value in Secrets Manager or a SecureString parameter, change the variable's type to "
    "SECRETS_MANAGER or PARAMETER_STORE with the secret's name as its value, and rotate the exposed credential; give "
    "the build AWS access through the project's service role instead of access keys.",
)
def project_no_plaintext_secrets(inventory: Inventory) -> Iterable[Outcome]:
    for project in projects(inventory):
        if isinstance(project, Outcome):
            yield project
            continue
        values = project.get("plaintext_variable_findings") or {}
        found, shown = secret_variables({name: name for name in project["plaintext_variable_names"]}, values)
        if found:
            reason = f"{_label(project)} sets secret-looking plain environment variable(s): {shown}"
        else:
            reason = f"{_label(project)} sets no secret-looking plain environment variable"
        yield result(
            not found, project["arn"], PROJECT, reason, region=project["region"], secret_like=found, value_kinds=values
        )


@aws_check(
    id="aws.codebuild.project_source_url_no_credentials",
    title="CodeBuild project source URLs carry no credentials",
    severity=Severity.CRITICAL,
    service="codebuild",
    resource_type=PROJECT,
    rationale="Sign-in details in a source repository's URL (user:password@ or a token@) are stored in the project in "
    "clear: whoever can read the project, or its builds' logs, gets access to the repository, and through it to what "
    "the builds deploy.",
    remediation="Remove the credentials from the source location and connect CodeBuild to the provider with OAuth, a "
    "CodeConnections connection or source credentials stored by CodeBuild (ImportSourceCredentials); then revoke the "
    "exposed password or token.",
)
def project_source_url_no_credentials(inventory: Inventory) -> Iterable[Outcome]:
    for project in projects(inventory):
        if isinstance(project, Outcome):
            yield project
            continue
        leaking = [source["identifier"] for source in project["sources"] if source["url_has_credentials"]]
        if leaking:
            which = ", ".join(f"{identifier} source" for identifier in leaking)
            reason = f"{_label(project)}: the URL of its {which} carries sign-in credentials"
        else:
            reason = f"{_label(project)}: no source URL carries sign-in credentials"
        yield result(
            not leaking, project["arn"], PROJECT, reason, region=project["region"], sources_with_credentials=leaking
        )


@aws_check(
    id="aws.codebuild.project_artifacts_encrypted",
    title="CodeBuild projects do not turn off encryption of their S3 build artifacts",
    severity=Severity.MEDIUM,
    service="codebuild",
    resource_type=PROJECT,
    rationale="With encryptionDisabled CodeBuild writes the build's output to S3 unencrypted: the packages and "
    "bundles it produces, often with configuration and embedded keys, are then stored without the KMS protection "
    "and access logging the project's encryption key would give them.",
    remediation="Set encryptionDisabled to false (or leave it out) on the project's S3 artifacts and secondary "
    "artifacts (UpdateProject); CodeBuild then encrypts them with the project's KMS key (the AWS managed key for S3 "
    "unless another is set).",
)
def project_artifacts_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    for project in projects(inventory):
        if isinstance(project, Outcome):
            yield project
            continue
        stored = [a for a in project["artifacts"] if a["type"] == S3_ARTIFACTS]
        if not stored:
            continue  # no artifacts in S3: nothing whose encryption could be off
        plain = [a["identifier"] for a in stored if a["encryption_disabled"]]
        if plain:
            which = ", ".join(f"{identifier} artifacts" for identifier in plain)
            reason = f"{_label(project)} writes its {which} to S3 with encryption disabled"
        else:
            reason = f"{_label(project)} leaves encryption on for its S3 artifacts"
        yield result(not plain, project["arn"], PROJECT, reason, region=project["region"], unencrypted_artifacts=plain)


@aws_check(
    id="aws.codebuild.project_s3_logs_encrypted",
    title="CodeBuild projects do not turn off encryption of their S3 build logs",
    severity=Severity.MEDIUM,
    service="codebuild",
    resource_type=PROJECT,
    rationale="Build logs hold what the build printed: dependency sources, internal host names and, by accident, "
    "secrets. With encryptionDisabled on its S3 logs they are written to the bucket unencrypted.",
    remediation="Set logsConfig.s3Logs.encryptionDisabled to false (or leave it out) on the project (UpdateProject).",
)
def project_s3_logs_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    for project in projects(inventory):
        if isinstance(project, Outcome):
            yield project
            continue
        if (project.get("s3_logs_status") or DEFAULT_S3_LOGS) != ENABLED:
            continue  # no S3 logs: nothing whose encryption could be off
        disabled = project["s3_logs_encryption_disabled"]
        state = "disabled" if disabled else "enabled"
        reason = f"{_label(project)} writes its build logs to S3 with encryption {state}"
        yield result(
            not disabled, project["arn"], PROJECT, reason, region=project["region"], encryption_disabled=disabled
        )


@aws_check(
    id="aws.codebuild.project_not_public",
    title="CodeBuild projects do not show their builds to the public",
    severity=Severity.HIGH,
    service="codebuild",
    resource_type=PROJECT,
    rationale="A project with public visibility lets anyone on the internet, without an AWS account, read its builds' "
    "logs, results and artifacts through a public URL; build logs print environment details, internal host names and, "
    "by accident, secrets.",
    remediation="Set the project's visibility back to private (UpdateProjectVisibility with projectVisibility "
    "PRIVATE); rotate whatever its build logs printed while they were public.",
)
def project_not_public(inventory: Inventory) -> Iterable[Outcome]:
    for project in projects(inventory):
        if isinstance(project, Outcome):
            yield project
            continue
        if "visibility" not in project:
            continue  # collected before the visibility was kept
        visibility = project["visibility"]
        public = visibility == "PUBLIC_READ"
        reason = (
            f"{_label(project)} shows its builds, logs and artifacts to the public"
            if public
            else f"{_label(project)} keeps its builds private"
        )
        yield result(not public, project["arn"], PROJECT, reason, region=project["region"], visibility=visibility)
