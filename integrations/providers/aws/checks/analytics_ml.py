"""Checks on analytics and machine-learning services: Bedrock model invocation logging, DataSync task logs, Glue
continuous logging and the logging of DMS replication tasks (SageMaker jobs and endpoints: ``sagemaker_jobs``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_analytics import BedrockRegion, DataSyncTask
from ..shapes_databases import ReplicationTask
from ..shapes_devtools import GlueJob
from ._common import ACCOUNT, aws_check, described_items, error, regions, result

TASK = "AWS::DataSync::Task"
GLUE_JOB = "AWS::Glue::Job"
REPLICATION_TASK = "AWS::DMS::ReplicationTask"


# --- Bedrock model invocation logging -------------------------------------------------------------------------------


@aws_check(
    id="aws.bedrock.model_invocation_logging_enabled",
    title="Bedrock model invocation logging is enabled in each region",
    severity=Severity.MEDIUM,
    service="bedrock",
    resource_type=ACCOUNT,
    rationale="Without model invocation logging nothing records which principal called which foundation model with "
    "what prompt and got what answer: misuse of the account's models, prompt injection and leaks of sensitive data "
    "through prompts or completions leave no trace to investigate.",
    remediation="Turn on model invocation logging in the region's Bedrock settings "
    "(PutModelInvocationLoggingConfiguration) with a CloudWatch Logs group, an S3 bucket or both as destination.",
)
def bedrock_model_invocation_logging_enabled(inventory: Inventory) -> Iterable[Outcome]:
    data: BedrockRegion
    for region, data in regions(inventory, "bedrock"):
        logging = data.get("invocation_logging") or {}
        bucket, group = logging.get("s3_bucket"), logging.get("cloudwatch_log_group")
        destinations = [
            d for d in (f"S3 bucket {bucket}" if bucket else "", f"log group {group}" if group else "") if d
        ]
        ok = bool(destinations)
        if ok:
            reason = f"Bedrock model invocations in {region} are logged to {' and '.join(destinations)}"
        else:
            reason = f"Bedrock model invocation logging is not configured in {region}"
        yield result(
            ok,
            inventory.account_id or "aws-account",
            ACCOUNT,
            reason,
            region=region,
            s3_bucket=bucket,
            cloudwatch_log_group=group,
        )


@aws_check(
    id="aws.bedrock.model_invocation_logging_text_data",
    title="Bedrock model invocation logs keep the text of prompts and completions",
    severity=Severity.LOW,
    service="bedrock",
    resource_type=ACCOUNT,
    rationale="Invocation logging can be set to leave out the text of requests and responses; its records then say "
    "that a model was called and by whom, but not what was asked or answered, which is what an investigation of "
    "prompt injection, data leaking through prompts or misuse of a model needs.",
    remediation="Turn on text data delivery in the region's model invocation logging (PutModelInvocationLogging"
    "Configuration with textDataDeliveryEnabled true), and keep the log group or bucket encrypted and access to it "
    "narrow, since it then holds whatever users send to the models.",
)
def bedrock_model_invocation_logging_text_data(inventory: Inventory) -> Iterable[Outcome]:
    data: BedrockRegion
    for region, data in regions(inventory, "bedrock"):
        logging = data.get("invocation_logging") or {}
        if not (logging.get("s3_bucket") or logging.get("cloudwatch_log_group")):
            continue  # not logging at all: aws.bedrock.model_invocation_logging_enabled fails the region
        # Not reported: AWS's default, which delivers text data.
        ok = logging.get("text_data_delivery") is not False
        reason = (
            f"Bedrock model invocation logs in {region} keep the text of prompts and completions"
            if ok
            else f"Bedrock model invocation logs in {region} leave out the text of prompts and completions"
        )
        yield result(ok, inventory.account_id or "aws-account", ACCOUNT, reason, region=region, text_data_delivery=ok)


# --- DataSync task logging ------------------------------------------------------------------------------------------

# What a DataSync task publishes when its Options name no LogLevel: nothing.
DEFAULT_DATASYNC_LOG_LEVEL = "OFF"
_DATASYNC_LOGGING_LEVELS = frozenset({"BASIC", "TRANSFER"})


def _task_label(task: DataSyncTask) -> str:
    return f"DataSync task {task.get('name') or task['arn'].rsplit('/', 1)[-1]}"


@aws_check(
    id="aws.datasync.task_logging_enabled",
    title="DataSync tasks publish their logs to CloudWatch Logs",
    severity=Severity.LOW,
    service="datasync",
    resource_type=TASK,
    rationale="A DataSync task copies data between storage systems, often across accounts or out of AWS; without its "
    "logs there is no record of which files it moved, which transfers failed or which integrity checks did not hold.",
    remediation="Update the task with a CloudWatch Logs group (CloudWatchLogGroupArn) and a log level of BASIC or "
    "TRANSFER (Options LogLevel); Enhanced mode tasks log to /aws/datasync once their log level is not OFF.",
)
def datasync_task_logging_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for task in described_items(
        inventory,
        "datasync",
        "tasks",
        noun="DataSync tasks",
        resource_type=TASK,
        resource_id=lambda t: str(t["arn"]),
        label=_task_label,
    ):
        if isinstance(task, Outcome):
            yield task
            continue
        reported = task.get("log_level")
        level = str(reported or DEFAULT_DATASYNC_LOG_LEVEL).upper()
        shown = level if reported else f"not reported, so DataSync's default {DEFAULT_DATASYNC_LOG_LEVEL}"
        enhanced = str(task.get("task_mode") or "").upper() == "ENHANCED"
        group = task.get("log_group_arn")
        destination = group or ("/aws/datasync" if enhanced else None)
        ok = bool(destination) and level in _DATASYNC_LOGGING_LEVELS
        label = _task_label(task)
        if ok:
            reason = f"{label} publishes {level} logs to {destination}"
        elif not destination:
            reason = f"{label} names no CloudWatch Logs group for its logs (log level {shown})"
        else:
            reason = f"{label} publishes no logs to {destination}: log level {shown}"
        yield result(
            ok,
            task["arn"],
            TASK,
            reason,
            region=task["region"],
            log_group_arn=group,
            log_level=level,
            enhanced=enhanced,
        )


# --- Glue continuous logging ----------------------------------------------------------------------------------------

# Continuous logging is a setting of Spark jobs (ETL and streaming) on Glue 4.0 and earlier; from Glue 5.0 every job
# logs in real time, and Python shell and Ray jobs do not take it.
_SPARK_COMMANDS = frozenset({"glueetl", "gluestreaming"})
_ALWAYS_LOGGING_VERSION = 5.0


def _before_glue_5(version: str | None) -> bool:
    try:
        return float(version or 0) < _ALWAYS_LOGGING_VERSION
    except ValueError:
        return True


@aws_check(
    id="aws.glue.job_continuous_logging_enabled",
    title="Glue Spark jobs before Glue 5.0 have continuous logging enabled",
    severity=Severity.LOW,
    service="glue",
    resource_type=GLUE_JOB,
    rationale="Without continuous logging a Spark job on Glue 4.0 or earlier sends its driver and executor logs to "
    "CloudWatch only when it ends, and not at all when it is killed or times out; what the job did while running, "
    "and why it failed, is then lost.",
    remediation="Set the job parameter --enable-continuous-cloudwatch-log to true (in the job's default arguments), "
    "or move the job to Glue 5.0, where every job logs in real time.",
)
def glue_job_continuous_logging_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in regions(inventory, "glue"):
        if data.get("jobs_error"):
            reason = f"Could not list the Glue jobs in {region}: {data['jobs_error']}"
            yield error(inventory.account_id or "aws-account", GLUE_JOB, reason, region=region)
            continue
        job: GlueJob
        for job in data.get("jobs", []):
            yield from _judge_glue_job(job)
        limit = data.get("truncated_at")
        if limit:
            reason = f"{region} holds more than {limit} Glue jobs; only the first {limit} were read and judged"
            yield error(inventory.account_id or "aws-account", GLUE_JOB, reason, region=region, read=limit)


def _judge_glue_job(job: GlueJob) -> Iterator[Outcome]:
    label = f"Glue job {job['name']}"
    if "command" not in job:
        reason = f"{label} was collected before its command and arguments were kept; scan again to judge it"
        yield error(job["arn"], GLUE_JOB, reason, region=job["region"])
        return
    command, version = job.get("command"), job.get("glue_version")
    if command not in _SPARK_COMMANDS or not _before_glue_5(version):
        return
    value = job.get("continuous_logging")
    on = str(value or "").strip().lower() == "true"
    shown = f"Glue {version}" if version else "no Glue version named"
    if on:
        reason = f"{label} ({command}, {shown}) logs continuously to CloudWatch"
    else:
        setting = f"set to {value}" if value is not None else "not set"
        reason = (
            f"{label} ({command}, {shown}) has continuous logging off (--enable-continuous-cloudwatch-log {setting})"
        )
    yield result(
        on, job["arn"], GLUE_JOB, reason, region=job["region"], command=command, glue_version=version, setting=value
    )


# --- DMS replication task logging -----------------------------------------------------------------------------------

# The severity DMS gives a component its task settings leave out, and the levels that record at least what it does
# (errors, warnings and informational messages). ERROR and WARNING alone record less.
DEFAULT_SEVERITY = "LOGGER_SEVERITY_DEFAULT"
_ENOUGH = frozenset(
    {"LOGGER_SEVERITY_DEFAULT", "LOGGER_SEVERITY_INFO", "LOGGER_SEVERITY_DEBUG", "LOGGER_SEVERITY_DETAILED_DEBUG"}
)
# The components that read from the source (full load, then ongoing changes) and write to the target.
_SOURCE: dict[str, tuple[str, ...]] = {"full-load": ("SOURCE_UNLOAD",), "cdc": ("SOURCE_CAPTURE",)}
_TARGET: dict[str, tuple[str, ...]] = {"full-load": ("TARGET_LOAD",), "cdc": ("TARGET_APPLY",)}


def _components(task: ReplicationTask, by_phase: dict[str, tuple[str, ...]]) -> list[str]:
    kind = str(task.get("migration_type") or "full-load-and-cdc").lower()
    phases = [p for p in ("full-load", "cdc") if p == kind] or ["full-load", "cdc"]
    return [c for p in phases for c in by_phase[p]]


def _judge_task_logging(inventory: Inventory, by_phase: dict[str, tuple[str, ...]], side: str) -> Iterator[Outcome]:
    for region, data in regions(inventory, "dms"):
        if data.get("replication_tasks_error"):
            reason = f"Could not list the DMS replication tasks in {region}: {data['replication_tasks_error']}"
            yield error(inventory.account_id or "aws-account", REPLICATION_TASK, reason, region=region)
            continue
        task: ReplicationTask
        for task in data.get("replication_tasks", []):
            resource_id, label = str(task.get("arn") or task["id"]), f"DMS replication task {task['id']}"
            if task.get("settings_error"):
                reason = f"Could not read the logging settings of {label}: {task['settings_error']}"
                yield error(resource_id, REPLICATION_TASK, reason, region=region)
                continue
            severities = task.get("log_severities") or {}
            levels = {c: severities.get(c) or DEFAULT_SEVERITY for c in _components(task, by_phase)}
            low = sorted(f"{c} at {s}" for c, s in levels.items() if s not in _ENOUGH)
            enabled = task.get("logging_enabled") is True
            ok = enabled and not low
            if not enabled:
                reason = f"{label} has CloudWatch logging off, so its {side} components log nothing"
            elif low:
                reason = f"{label} logs its {side} components below DMS's default level: {', '.join(low)}"
            else:
                shown = ", ".join(f"{c} {s.removeprefix('LOGGER_SEVERITY_')}" for c, s in sorted(levels.items()))
                reason = f"{label} logs its {side} components ({shown})"
            yield result(
                ok, resource_id, REPLICATION_TASK, reason, region=region, logging_enabled=enabled, severities=levels
            )


@aws_check(
    id="aws.dms.replication_task_source_logging",
    title="DMS replication tasks log what they read from the source",
    severity=Severity.LOW,
    service="dms",
    resource_type=REPLICATION_TASK,
    rationale="The source components of a replication task unload tables and capture ongoing changes from the "
    "source database; without their logs, rows that were skipped, failed or read out of order during a migration "
    "cannot be traced.",
    remediation="Modify the task settings: set Logging EnableLogging to true and give SOURCE_UNLOAD and "
    "SOURCE_CAPTURE a severity of LOGGER_SEVERITY_DEFAULT or more detailed.",
)
def dms_replication_task_source_logging(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_task_logging(inventory, _SOURCE, "source")


@aws_check(
    id="aws.dms.replication_task_target_logging",
    title="DMS replication tasks log what they write to the target",
    severity=Severity.LOW,
    service="dms",
    resource_type=REPLICATION_TASK,
    rationale="The target components of a replication task load tables and apply ongoing changes to the target "
    "database; without their logs, rows that failed to load or changes that were not applied cannot be traced.",
    remediation="Modify the task settings: set Logging EnableLogging to true and give TARGET_LOAD and TARGET_APPLY "
    "a severity of LOGGER_SEVERITY_DEFAULT or more detailed.",
)
def dms_replication_task_target_logging(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_task_logging(inventory, _TARGET, "target")
