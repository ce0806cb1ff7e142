"""Glue collection (regional): the Data Catalog's encryption settings and resource policy, and how each ETL job's
security configuration encrypts what the job writes to S3 and to CloudWatch Logs.

Each of the reads fails on its own: a refused catalog read leaves the jobs judged, a refused policy read is an error
for the policy check only, and a refused listing of security configurations makes only the jobs that name one
unjudged. Only when neither the catalog nor the jobs could be read does the region's Glue collection fail as a whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_devtools import GlueRegion
from ._common import Scope, bounded_region, describe_error, optional, paginate, paginate_at_most, policy_document
from .user_data import named_values_findings

# GetJobs carries each job's security configuration name, so jobs cost no call of their own; the bound only keeps a
# region with a great many jobs from being listed without end (and the checks say so).
MAX_JOBS = 5_000
# GetJobs gives at most 1,000 a page; GetSecurityConfigurations at most 1,000.
_PAGE_SIZE = 1_000


def collect_glue(scope: Scope) -> GlueRegion:
    glue = scope.client("glue")
    catalog: dict[str, Any] | None = None
    catalog_failure: ClientError | None = None
    try:
        catalog = _catalog_encryption(glue, scope)
    except ClientError as exc:
        catalog_failure = exc
    try:
        jobs, more = paginate_at_most(glue, "get_jobs", "Jobs", MAX_JOBS, PaginationConfig={"PageSize": _PAGE_SIZE})
        jobs_error = None
    except ClientError as exc:
        if catalog_failure is not None:
            # Neither read answered: Glue failed in this region as a whole, and is reported so like any service
            # (a region that answers nothing must not pass for one collected).
            raise catalog_failure from None
        jobs, more, jobs_error = [], False, describe_error(exc)
    # Read only when a job names one: most regions have no jobs at all.
    named = any(job.get("SecurityConfiguration") for job in jobs)
    configurations, problem = _security_configurations(glue) if named else ({}, None)
    data = bounded_region("jobs", [_job(scope, job, configurations, problem) for job in jobs], more, MAX_JOBS)
    data["catalog_encryption"] = catalog
    data.update(_catalog_policy(glue, scope))
    if catalog_failure is not None:
        data["catalog_encryption_error"] = describe_error(catalog_failure)
    if jobs_error:
        data["jobs_error"] = jobs_error
    return data


def _catalog_policy(glue: BaseClient, scope: Scope) -> dict[str, Any]:
    """The region's Data Catalog resource policy (None: it has none), or why it could not be read."""
    found: dict[str, Any] = {"catalog_arn": f"arn:{scope.partition}:glue:{scope.region}:{scope.account_id}:catalog"}
    try:
        # AWS answers a catalog without a policy with EntityNotFoundException; an answer without the text says the same.
        answer = optional(glue.get_resource_policy, {"EntityNotFoundException"}) or {}
    except ClientError as exc:
        found["catalog_policy_error"] = describe_error(exc)
        return found
    found["catalog_policy"] = policy_document(answer.get("PolicyInJson"))
    return found


def _catalog_encryption(glue: BaseClient, scope: Scope) -> dict[str, Any]:
    settings = glue.get_data_catalog_encryption_settings().get("DataCatalogEncryptionSettings") or {}
    at_rest = settings.get("EncryptionAtRest") or {}
    passwords = settings.get("ConnectionPasswordEncryption") or {}
    return {
        "arn": f"arn:{scope.partition}:glue:{scope.region}:{scope.account_id}:catalog",
        "mode": at_rest.get("CatalogEncryptionMode"),
        "kms_key_id": at_rest.get("SseAwsKmsKeyId"),
        "connection_passwords_encrypted": passwords.get("ReturnConnectionPasswordEncrypted") is True,
        "connection_password_kms_key_id": passwords.get("AwsKmsKeyId"),
        "region": scope.region,
    }


def _security_configurations(glue: BaseClient) -> tuple[dict[str, Mapping[str, Any]], str | None]:
    """Every security configuration of the region by name (one listing, not one read per job), or the error."""
    try:
        listed = paginate(glue, "get_security_configurations", "SecurityConfigurations")
    except ClientError as exc:
        return {}, describe_error(exc)
    return {str(c["Name"]): c.get("EncryptionConfiguration") or {} for c in listed if c.get("Name")}, None


def _job(
    scope: Scope, job: Mapping[str, Any], configurations: Mapping[str, Mapping[str, Any]], problem: str | None
) -> dict[str, Any]:
    name = str(job["Name"])
    config = job.get("SecurityConfiguration") or None
    arguments = job.get("DefaultArguments") or {}
    found: dict[str, Any] = {
        "name": name,
        "arn": f"arn:{scope.partition}:glue:{scope.region}:{scope.account_id}:job/{name}",
        "security_configuration": config,
        "s3_encryption_modes": [],
        "cloudwatch_encryption_mode": None,
        # From GetJobs itself: the job's kind (glueetl, gluestreaming, pythonshell, glueray), its Glue version and
        # its --enable-continuous-cloudwatch-log default argument (None when the job does not set it).
        "command": (job.get("Command") or {}).get("Name"),
        "glue_version": job.get("GlueVersion"),
        "continuous_logging": arguments.get("--enable-continuous-cloudwatch-log"),
        "bookmark_option": arguments.get("--job-bookmark-option"),
        "bookmarks_encryption_mode": None,
        "region": scope.region,
        # Which default arguments hold a credential, by name and kind; never their values.
        "argument_secrets": named_values_findings(arguments),
    }
    if config is None:
        return found
    if problem is not None:
        found["security_configuration_error"] = problem
        return found
    encryption = configurations.get(config)
    if encryption is None:
        # Deleted after the job was pointed at it: the job's runs fail until it names an existing one.
        found["security_configuration_error"] = "it does not exist in the region"
        return found
    found["s3_encryption_modes"] = [
        str(s.get("S3EncryptionMode") or "DISABLED") for s in encryption.get("S3Encryption") or []
    ]
    found["cloudwatch_encryption_mode"] = (encryption.get("CloudWatchEncryption") or {}).get("CloudWatchEncryptionMode")
    found["bookmarks_encryption_mode"] = (encryption.get("JobBookmarksEncryption") or {}).get(
        "JobBookmarksEncryptionMode"
    )
    return found
