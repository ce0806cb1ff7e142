"""Checks on Glue: the Data Catalog's encryption settings and resource policy in each region, and the encryption of
what ETL jobs write to S3 and to CloudWatch Logs (through their security configuration)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_devtools import GlueCatalogEncryption, GlueJob, GlueRegion
from ._common import aws_check, bounded_listed_items, error, listed_items, partial_read, regions, result
from ._policies import public_actions
from .user_data import judge_named_settings

CATALOG = "AWS::Glue::DataCatalogEncryptionSettings"
CATALOG_POLICY = "AWS::Glue::DataCatalog"
JOB = "AWS::Glue::Job"
# The catalog modes that encrypt its metadata with a KMS key (the second has Glue use a service role for the key).
KMS_CATALOG_MODES = frozenset({"SSE-KMS", "SSE-KMS-WITH-SERVICE-ROLE"})
DISABLED = "DISABLED"
KMS = "SSE-KMS"


def _catalogs(inventory: Inventory) -> Iterator[GlueCatalogEncryption | Outcome]:
    """Each collected region's catalog settings, or an error outcome for a region where they could not be read."""
    data: GlueRegion
    for region, data in regions(inventory, "glue"):
        settings = data.get("catalog_encryption")
        if settings is None:
            problem = data.get("catalog_encryption_error") or "not reported"
            reason = f"Could not read the Glue Data Catalog encryption settings in {region}: {problem}"
            yield error(inventory.account_id or "aws-account", CATALOG, reason, region=region)
        else:
            yield settings


def _catalog_label(settings: GlueCatalogEncryption) -> str:
    return f"The Glue Data Catalog in {settings['region']}"


@aws_check(
    id="aws.glue.data_catalog_metadata_encrypted",
    title="The Glue Data Catalog encrypts its metadata with KMS",
    severity=Severity.MEDIUM,
    service="glue",
    resource_type=CATALOG,
    rationale="The Data Catalog describes every table the account's analytics read: databases, schemas, column names "
    "and the S3 locations of the data. Encrypted at rest with a KMS key, it can be read only by those the key's "
    "policy allows, and each use of the key is logged.",
    remediation="Turn on metadata encryption in the region's Data Catalog settings (PutDataCatalogEncryptionSettings "
    "with CatalogEncryptionMode SSE-KMS and a KMS key), and let the roles that use the catalog use the key.",
)
def data_catalog_metadata_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    for settings in _catalogs(inventory):
        if isinstance(settings, Outcome):
            yield settings
            continue
        mode, key = settings.get("mode"), settings.get("kms_key_id")
        ok = mode in KMS_CATALOG_MODES
        if ok:
            reason = f"{_catalog_label(settings)} encrypts its metadata at rest ({mode}, KMS key {key or 'not named'})"
        else:
            reason = f"{_catalog_label(settings)} has metadata encryption {mode or 'not reported'}"
        yield result(ok, settings["arn"], CATALOG, reason, region=settings["region"], mode=mode, kms_key_id=key)


@aws_check(
    id="aws.glue.data_catalog_connection_passwords_encrypted",
    title="The Glue Data Catalog encrypts connection passwords",
    severity=Severity.HIGH,
    service="glue",
    resource_type=CATALOG,
    rationale="Glue connections hold the user names and passwords of the databases jobs and crawlers reach. Without "
    "connection password encryption GetConnection returns those passwords in clear to anyone allowed to read the "
    "catalog; with it they come back encrypted under a KMS key whose use is limited and logged.",
    remediation="Turn on connection password encryption in the region's Data Catalog settings "
    "(PutDataCatalogEncryptionSettings with ReturnConnectionPasswordEncrypted true and a KMS key), and allow the "
    "roles of the jobs and crawlers using connections to decrypt with the key.",
)
def data_catalog_connection_passwords_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    for settings in _catalogs(inventory):
        if isinstance(settings, Outcome):
            yield settings
            continue
        on, key = settings["connection_passwords_encrypted"], settings.get("connection_password_kms_key_id")
        if on:
            reason = f"{_catalog_label(settings)} encrypts connection passwords (KMS key {key or 'not named'})"
        else:
            reason = f"{_catalog_label(settings)} returns connection passwords unencrypted"
        yield result(
            on,
            settings["arn"],
            CATALOG,
            reason,
            region=settings["region"],
            connection_passwords_encrypted=on,
            kms_key_id=key,
        )


def _jobs(inventory: Inventory, judged: Callable[[GlueJob], bool] = lambda _: True) -> Iterator[GlueJob | Outcome]:
    """Every ``judged`` job, an error outcome for a region whose jobs could not be listed, and one for a region read
    in part; a judged job whose security configuration could not be read becomes an error outcome naming it."""
    for job in listed_items(inventory, "glue", "jobs", noun="Glue jobs", resource_type=JOB):
        if not isinstance(job, Outcome) and not judged(job):
            continue
        if isinstance(job, Outcome) or not job.get("security_configuration_error"):
            yield job
            continue
        config, problem = job["security_configuration"], job["security_configuration_error"]
        reason = f"Could not read security configuration {config} of Glue job {job['name']}: {problem}"
        yield error(job["arn"], JOB, reason, region=job["region"], security_configuration=config)
    for region, data in regions(inventory, "glue"):
        partial = partial_read(inventory, region, data, noun="Glue jobs", resource_type=JOB)
        if partial is not None:
            yield partial


@aws_check(
    id="aws.glue.data_catalog_policy_not_public",
    title="The Glue Data Catalog's resource policy does not grant access to everyone",
    severity=Severity.HIGH,
    service="glue",
    resource_type=CATALOG_POLICY,
    rationale="A Data Catalog resource policy granting to any principal lets every AWS account read (or change) the "
    "catalog's databases and tables: their schemas, column names and the S3 locations of the data, a map of what "
    "the account holds and where.",
    remediation="Rewrite the catalog's resource policy (PutResourcePolicy) to name the accounts, roles or "
    "organization that need it, or condition the grant on aws:PrincipalOrgID; delete it if Lake Formation or IAM "
    "alone grants access.",
)
def data_catalog_policy_not_public(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in regions(inventory, "glue"):
        arn = data.get("catalog_arn")
        if not arn:
            continue  # collected before the catalog's policy was read
        label = f"The Glue Data Catalog in {region}"
        if data.get("catalog_policy_error"):
            problem = data["catalog_policy_error"]
            reason = f"Could not read the resource policy of the Glue Data Catalog in {region}: {problem}"
            yield error(arn, CATALOG_POLICY, reason, region=region)
            continue
        policy = data.get("catalog_policy")
        if policy is None:
            reason = f"{label} has no resource policy: only IAM policies of its own account grant access"
            yield result(True, arn, CATALOG_POLICY, reason, region=region, has_policy=False, public_actions=[])
            continue
        if "unparsable" in policy:
            yield error(arn, CATALOG_POLICY, f"{label} has a resource policy that is not JSON", region=region)
            continue
        actions = public_actions(policy)
        reason = (
            f"{label} lets anyone {', '.join(actions)}"
            if actions
            else f"{label} grants access to named or conditioned principals only"
        )
        yield result(not actions, arn, CATALOG_POLICY, reason, region=region, has_policy=True, public_actions=actions)


@aws_check(
    id="aws.glue.job_s3_encryption_enabled",
    title="Glue jobs encrypt the data they write to S3",
    severity=Severity.MEDIUM,
    service="glue",
    resource_type=JOB,
    rationale="A job's security configuration decides how what it writes to S3 is encrypted. A job with none, or "
    "with S3 encryption disabled in it, writes its output with no more than the bucket's defaults, which may be none "
    "and are not the job's to guarantee.",
    remediation="Create a Glue security configuration with S3 encryption SSE-KMS (or SSE-S3) and set it on the job "
    "(UpdateJob with SecurityConfiguration); the job's role needs to use the KMS key.",
)
def job_s3_encryption_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for job in _jobs(inventory):
        if isinstance(job, Outcome):
            yield job
            continue
        config, modes = job["security_configuration"], job["s3_encryption_modes"]
        ok = bool(modes) and DISABLED not in modes
        label = f"Glue job {job['name']}"
        if not config:
            reason = f"{label} has no security configuration, so it does not encrypt what it writes to S3"
        elif ok:
            reason = f"{label} encrypts what it writes to S3 ({', '.join(modes)}, security configuration {config})"
        else:
            reason = f"{label} has security configuration {config}, which leaves S3 encryption disabled"
        yield result(
            ok, job["arn"], JOB, reason, region=job["region"], security_configuration=config, s3_encryption_modes=modes
        )


@aws_check(
    id="aws.glue.job_cloudwatch_logs_encrypted",
    title="Glue jobs encrypt the logs they write to CloudWatch Logs",
    severity=Severity.LOW,
    service="glue",
    resource_type=JOB,
    rationale="A job's logs hold what its scripts print, which for ETL often includes records of the data it moves. "
    "Only a security configuration with CloudWatch encryption SSE-KMS has them encrypted under a KMS key whose "
    "policy limits who may read them.",
    remediation="Create a Glue security configuration with CloudWatch encryption SSE-KMS and set it on the job "
    "(UpdateJob with SecurityConfiguration); the key's policy must let CloudWatch Logs in the region use it.",
)
def job_cloudwatch_logs_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    for job in _jobs(inventory):
        if isinstance(job, Outcome):
            yield job
            continue
        config, mode = job["security_configuration"], job["cloudwatch_encryption_mode"]
        ok = mode == KMS
        label = f"Glue job {job['name']}"
        if not config:
            reason = f"{label} has no security configuration, so its CloudWatch logs are not encrypted with KMS"
        elif ok:
            reason = f"{label} encrypts its CloudWatch logs with KMS (security configuration {config})"
        else:
            reason = f"{label} has security configuration {config}, with CloudWatch encryption {mode or 'not set'}"
        yield result(
            ok,
            job["arn"],
            JOB,
            reason,
            region=job["region"],
            security_configuration=config,
            cloudwatch_encryption_mode=mode,
        )


# Job bookmarks are a Spark ETL feature; these default arguments turn them on for the job's runs.
_BOOKMARKS_ON = frozenset({"job-bookmark-enable", "job-bookmark-pause"})


def _keeps_bookmarks(job: GlueJob) -> bool:
    # Jobs without bookmarks keep no such state (the default), and inventories collected before the option was kept
    # cannot tell: neither is judged.
    return job.get("command") == "glueetl" and job.get("bookmark_option") in _BOOKMARKS_ON


@aws_check(
    id="aws.glue.job_bookmarks_encrypted",
    title="Glue jobs that keep bookmarks encrypt them with KMS",
    severity=Severity.LOW,
    service="glue",
    resource_type=JOB,
    rationale="A job bookmark records what a job has already processed: object keys, partitions and table "
    "positions of the data it reads. Only a security configuration with job bookmark encryption CSE-KMS has that "
    "state encrypted under a key whose policy limits who may read it.",
    remediation="Create a Glue security configuration with job bookmark encryption CSE-KMS (and S3 and CloudWatch "
    "encryption) and set it on the job (UpdateJob with SecurityConfiguration).",
)
def job_bookmarks_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    for job in _jobs(inventory, judged=_keeps_bookmarks):
        if isinstance(job, Outcome):
            yield job
            continue
        config, mode = job["security_configuration"], job.get("bookmarks_encryption_mode")
        ok = mode == "CSE-KMS"
        label = f"Glue job {job['name']} ({job.get('bookmark_option')})"
        if not config:
            reason = f"{label} has no security configuration, so its bookmarks are not encrypted with KMS"
        elif ok:
            reason = f"{label} encrypts its bookmarks with KMS (security configuration {config})"
        else:
            reason = f"{label} has security configuration {config}, with job bookmark encryption {mode or 'not set'}"
        yield result(
            ok, job["arn"], JOB, reason, region=job["region"], security_configuration=config, bookmarks_encryption=mode
        )


@aws_check(
    id="aws.glue.job_no_secrets_in_arguments",
    title="Glue jobs' default arguments hold no credentials",
    severity=Severity.HIGH,
    service="glue",
    resource_type=JOB,
    rationale="A job's default arguments are configuration, not secret storage: anyone allowed to read jobs "
    "(glue:GetJob, in SecurityAudit and ReadOnlyAccess) reads them, and every run's arguments are shown beside it. A "
    "database password or API key passed as --password is a credential in clear.",
    remediation="Keep the credential in Secrets Manager (or a Glue connection, whose password the Data Catalog can "
    "encrypt) and have the script read it with the job's role; pass only the secret's name as an argument, then "
    "rotate the credential, as it has been readable all along.",
)
def job_no_secrets_in_arguments(inventory: Inventory) -> Iterable[Outcome]:
    for job in bounded_listed_items(inventory, "glue", "jobs", noun="Glue jobs", resource_type=JOB):
        if isinstance(job, Outcome):
            yield job
        elif "argument_secrets" in job:  # absent: collected before the arguments were scanned
            yield judge_named_settings(
                job["argument_secrets"],
                label=f"Glue job {job['name']}",
                resource_id=job["arn"],
                resource_type=JOB,
                region=job["region"],
                what="default arguments",
            )
