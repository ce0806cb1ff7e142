"""Bedrock, DataSync, SageMaker training and endpoint configuration, Glue continuous logging and DMS task logging
checks against moto."""

from __future__ import annotations

import json
from typing import Any

from integrations.registry import Inventory, OutcomeStatus
from tests.integrations.aws.support import ACCOUNT, REGION, aws, collect, only, run, scan, statuses

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
ROLE = f"arn:aws:iam::{ACCOUNT}:role/analytics"
LOG_GROUP = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/datasync/tasks"


def _reasons(inv: Inventory, check_id: str) -> dict[str, str]:
    return {o.resource_id: o.reason for o in run(inv, check_id)}


# --- Bedrock -------------------------------------------------------------------------------------------------------


def test_bedrock_invocation_logging_is_judged_per_region(moto_reset: str) -> None:
    check = "aws.bedrock.model_invocation_logging_enabled"
    # given a region with no invocation logging configured
    # when the check runs, then the region fails
    outcome = only(scan(moto_reset, check))
    assert (outcome.status, outcome.resource_id, outcome.region) == (FAIL, ACCOUNT, REGION)
    assert outcome.reason == f"Bedrock model invocation logging is not configured in {REGION}"
    # given invocations logged to a CloudWatch Logs group and an S3 bucket
    aws(moto_reset, "bedrock").put_model_invocation_logging_configuration(
        loggingConfig={
            "cloudWatchConfig": {"logGroupName": "bedrock-invocations", "roleArn": ROLE},
            "s3Config": {"bucketName": "bedrock-invocation-logs"},
            "textDataDeliveryEnabled": True,
        }
    )
    # when the check runs again, then the region passes and the reason names both destinations
    outcome = only(scan(moto_reset, check))
    assert outcome.status == PASS
    assert outcome.reason == (
        f"Bedrock model invocations in {REGION} are logged to S3 bucket bedrock-invocation-logs and log group "
        "bedrock-invocations"
    )


def test_bedrock_invocation_logs_fail_when_they_leave_out_the_text(moto_reset: str) -> None:
    check = "aws.bedrock.model_invocation_logging_text_data"
    # given a region without invocation logging, then it is not judged here (the logging check fails it)
    assert scan(moto_reset, check) == []
    bedrock = aws(moto_reset, "bedrock")
    # given invocations logged without their text, then the region fails saying so
    config = {"cloudWatchConfig": {"logGroupName": "bedrock-invocations", "roleArn": ROLE}}
    bedrock.put_model_invocation_logging_configuration(loggingConfig={**config, "textDataDeliveryEnabled": False})
    outcome = only(scan(moto_reset, check))
    assert (outcome.status, outcome.resource_id, outcome.region) == (FAIL, ACCOUNT, REGION)
    assert outcome.reason == (
        f"Bedrock model invocation logs in {REGION} leave out the text of prompts and completions"
    )
    # and with the text delivered, it passes
    bedrock.put_model_invocation_logging_configuration(loggingConfig={**config, "textDataDeliveryEnabled": True})
    assert only(scan(moto_reset, check)).status == PASS


# --- DataSync ------------------------------------------------------------------------------------------------------


def _datasync_task(endpoint: str, name: str, **settings: Any) -> str:
    datasync = aws(endpoint, "datasync")
    locations = [
        datasync.create_location_s3(S3BucketArn=f"arn:aws:s3:::{name}-{side}", S3Config={"BucketAccessRoleArn": ROLE})[
            "LocationArn"
        ]
        for side in ("source", "destination")
    ]
    created = datasync.create_task(
        SourceLocationArn=locations[0], DestinationLocationArn=locations[1], Name=name, **settings
    )
    return str(created["TaskArn"])


def test_datasync_tasks_pass_only_with_a_log_group_and_a_log_level(moto_reset: str) -> None:
    # given a task logging BASIC to a log group, one with a log group but no level (DataSync's default is OFF),
    # one with a log group and level OFF, and one with no log group at all
    logged = _datasync_task(moto_reset, "logged", CloudWatchLogGroupArn=LOG_GROUP, Options={"LogLevel": "BASIC"})
    no_level = _datasync_task(moto_reset, "no-level", CloudWatchLogGroupArn=LOG_GROUP)
    off = _datasync_task(moto_reset, "off", CloudWatchLogGroupArn=LOG_GROUP, Options={"LogLevel": "OFF"})
    no_group = _datasync_task(moto_reset, "no-group", Options={"LogLevel": "TRANSFER"})
    # when the check runs
    inv = collect(moto_reset, ["aws.datasync.task_logging_enabled"])
    # then only the task with both a log group and a log level passes
    assert statuses(run(inv, "aws.datasync.task_logging_enabled")) == {
        logged: PASS,
        no_level: FAIL,
        off: FAIL,
        no_group: FAIL,
    }
    reasons = _reasons(inv, "aws.datasync.task_logging_enabled")
    assert reasons[logged] == f"DataSync task logged publishes BASIC logs to {LOG_GROUP}"
    assert reasons[no_level] == (
        f"DataSync task no-level publishes no logs to {LOG_GROUP}: log level not reported, so DataSync's default OFF"
    )
    assert reasons[off] == f"DataSync task off publishes no logs to {LOG_GROUP}: log level OFF"
    assert (
        reasons[no_group] == "DataSync task no-group names no CloudWatch Logs group for its logs (log level TRANSFER)"
    )


def test_an_enhanced_mode_task_logs_to_the_datasync_group_without_naming_one(moto_reset: str) -> None:
    # given a task with log level BASIC and no log group, collected as an Enhanced mode task (moto keeps no TaskMode,
    # so the collected inventory says what DescribeTask answers for one)
    task = _datasync_task(moto_reset, "enhanced", Options={"LogLevel": "BASIC"})
    inv = collect(moto_reset, ["aws.datasync.task_logging_enabled"])
    inv.data["datasync"]["regions"][REGION]["tasks"][0]["task_mode"] = "ENHANCED"
    # when the check runs, then it passes, logging to /aws/datasync
    outcome = only(run(inv, "aws.datasync.task_logging_enabled"))
    assert (outcome.resource_id, outcome.status) == (task, PASS)
    assert outcome.reason == "DataSync task enhanced publishes BASIC logs to /aws/datasync"


# --- SageMaker training jobs ---------------------------------------------------------------------------------------


def _training_job(endpoint: str, name: str, count: int = 1, **settings: Any) -> str:
    output = settings.pop("output", {})
    resources = settings.pop("resources", {})
    created = aws(endpoint, "sagemaker").create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={
            "TrainingImage": "382416733822.dkr.ecr.us-east-1.amazonaws.com/xgboost:1",
            "TrainingInputMode": "File",
        },
        RoleArn=ROLE,
        OutputDataConfig={"S3OutputPath": f"s3://models/{name}", **output},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": count, "VolumeSizeInGB": 10, **resources},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
        **settings,
    )
    return str(created["TrainingJobArn"])


TRAINING_CHECKS = (
    "aws.sagemaker.training_job_kms_encrypted",
    "aws.sagemaker.training_job_in_vpc",
    "aws.sagemaker.training_job_inter_container_encryption",
    "aws.sagemaker.training_job_network_isolation",
)


def test_training_jobs_are_judged_on_keys_network_and_traffic_encryption(moto_reset: str) -> None:
    # given a hardened distributed job, a bare distributed job, a bare single-instance job and one naming only a
    # volume key
    hardened = _training_job(
        moto_reset,
        "hardened",
        count=2,
        output={"KmsKeyId": "alias/models"},
        resources={"VolumeKmsKeyId": "alias/volumes"},
        VpcConfig={"SecurityGroupIds": ["sg-12345678"], "Subnets": ["subnet-12345678"]},
        EnableInterContainerTrafficEncryption=True,
        EnableNetworkIsolation=True,
    )
    bare = _training_job(moto_reset, "bare", count=3)
    single = _training_job(moto_reset, "single")
    volume_only = _training_job(moto_reset, "volume-only", resources={"VolumeKmsKeyId": "alias/volumes"})
    # when the checks run
    inv = collect(moto_reset, TRAINING_CHECKS)
    # then the hardened job passes each, the bare ones fail, and the single-instance job has no inter-container check
    assert statuses(run(inv, "aws.sagemaker.training_job_kms_encrypted")) == {
        hardened: PASS,
        bare: FAIL,
        single: FAIL,
        volume_only: FAIL,
    }
    assert statuses(run(inv, "aws.sagemaker.training_job_in_vpc")) == {
        hardened: PASS,
        bare: FAIL,
        single: FAIL,
        volume_only: FAIL,
    }
    assert statuses(run(inv, "aws.sagemaker.training_job_inter_container_encryption")) == {hardened: PASS, bare: FAIL}
    assert statuses(run(inv, "aws.sagemaker.training_job_network_isolation")) == {
        hardened: PASS,
        bare: FAIL,
        single: FAIL,
        volume_only: FAIL,
    }
    keys = _reasons(inv, "aws.sagemaker.training_job_kms_encrypted")
    assert keys[hardened] == (
        "SageMaker training job hardened encrypts its storage volumes with KMS key alias/volumes and its output with "
        "alias/models"
    )
    assert keys[bare] == "SageMaker training job bare names no KMS key for its storage volumes or its output"
    assert keys[volume_only] == "SageMaker training job volume-only names no KMS key for its output"
    assert _reasons(inv, "aws.sagemaker.training_job_in_vpc")[hardened] == (
        "SageMaker training job hardened runs in VPC subnet(s) subnet-12345678"
    )
    traffic = _reasons(inv, "aws.sagemaker.training_job_inter_container_encryption")
    assert traffic[bare] == (
        "SageMaker training job bare does not encrypt the traffic between its containers (across 3 instances)"
    )
    isolation = _reasons(inv, "aws.sagemaker.training_job_network_isolation")
    assert isolation[single] == "SageMaker training job single does not run with network isolation"


def test_a_failed_training_job_listing_is_an_error_for_the_region_only(moto_reset: str) -> None:
    # given an inventory whose training job listing was refused in one region and read in another
    inv = collect(moto_reset, ["aws.sagemaker.training_job_in_vpc"])
    data = inv.data["sagemaker"]["regions"][REGION]
    data["training_jobs"], data["training_jobs_error"] = [], "ListTrainingJobs failed with AccessDenied (HTTP 403)"
    # when the check runs, then the region gets one error outcome naming the failure
    outcome = only(run(inv, "aws.sagemaker.training_job_in_vpc"))
    assert (outcome.status, outcome.region) == (ERROR, REGION)
    assert outcome.reason == (
        f"Could not list the SageMaker training jobs in {REGION}: ListTrainingJobs failed with AccessDenied (HTTP 403)"
    )


# --- SageMaker endpoint configurations -----------------------------------------------------------------------------


def test_endpoint_configs_are_judged_on_their_key_and_instance_counts(moto_reset: str) -> None:
    sagemaker = aws(moto_reset, "sagemaker")
    sagemaker.create_model(ModelName="churn", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "churn:1"})

    def config(name: str, *variants: dict[str, Any], **settings: Any) -> str:
        created = sagemaker.create_endpoint_config(
            EndpointConfigName=name,
            ProductionVariants=[{"ModelName": "churn", **v} for v in variants],
            **settings,
        )
        return str(created["EndpointConfigArn"])

    def instances(name: str, count: int) -> dict[str, Any]:
        return {"VariantName": name, "InitialInstanceCount": count, "InstanceType": "ml.m5.large"}

    # given a configuration with a KMS key and two variants on two instances each, one without a key whose second
    # variant has a single instance, and a serverless-only one (no instances, so judged by neither check)
    resilient = config("resilient", instances("a", 2), instances("b", 3), KmsKeyId="alias/endpoints")
    single = config("single", instances("a", 2), instances("b", 1))
    serverless = config(
        "serverless", {"VariantName": "a", "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 1}}
    )
    # when the checks run
    checks = ["aws.sagemaker.endpoint_config_kms_encrypted", "aws.sagemaker.endpoint_config_variant_multiple_instances"]
    inv = collect(moto_reset, checks)
    # then
    assert statuses(run(inv, checks[0])) == {resilient: PASS, single: FAIL}
    assert statuses(run(inv, checks[1])) == {resilient: PASS, single: FAIL}
    assert serverless not in statuses(run(inv, checks[0]))
    assert _reasons(inv, checks[0])[single] == "SageMaker endpoint configuration single names no KMS key"
    variants = _reasons(inv, checks[1])
    assert variants[single] == (
        "SageMaker endpoint configuration single has production variants without a second instance: b (1 instance)"
    )
    assert variants[resilient] == (
        "SageMaker endpoint configuration resilient starts each of its 2 production variants on more than one instance"
    )


# --- Glue continuous logging ---------------------------------------------------------------------------------------


def test_glue_spark_jobs_before_glue_5_need_continuous_logging(moto_reset: str) -> None:
    glue = aws(moto_reset, "glue")

    def job(name: str, command: str, version: str | None, arguments: dict[str, str] | None = None) -> str:
        settings: dict[str, Any] = {"DefaultArguments": arguments} if arguments else {}
        if version:
            settings["GlueVersion"] = version
        glue.create_job(
            Name=name, Role=ROLE, Command={"Name": command, "ScriptLocation": "s3://scripts/x.py"}, **settings
        )
        return f"arn:aws:glue:{REGION}:{ACCOUNT}:job/{name}"

    # given Spark jobs on Glue 4.0 with and without continuous logging, a streaming job with it set to false, a
    # Glue 5.0 job and a Python shell job (neither takes the setting)
    logged = job("logged", "glueetl", "4.0", {"--enable-continuous-cloudwatch-log": "true"})
    silent = job("silent", "glueetl", "4.0")
    streaming = job("streaming", "gluestreaming", "3.0", {"--enable-continuous-cloudwatch-log": "false"})
    job("modern", "glueetl", "5.0")
    job("shell", "pythonshell", "3.0")
    # when the check runs
    inv = collect(moto_reset, ["aws.glue.job_continuous_logging_enabled"])
    # then only the older Spark jobs are judged, by their argument
    outcomes = run(inv, "aws.glue.job_continuous_logging_enabled")
    assert statuses(outcomes) == {logged: PASS, silent: FAIL, streaming: FAIL}
    reasons = _reasons(inv, "aws.glue.job_continuous_logging_enabled")
    assert reasons[logged] == "Glue job logged (glueetl, Glue 4.0) logs continuously to CloudWatch"
    assert reasons[silent] == (
        "Glue job silent (glueetl, Glue 4.0) has continuous logging off (--enable-continuous-cloudwatch-log not set)"
    )
    assert reasons[streaming] == (
        "Glue job streaming (gluestreaming, Glue 3.0) has continuous logging off "
        "(--enable-continuous-cloudwatch-log set to false)"
    )


def test_a_glue_job_collected_before_its_arguments_were_kept_is_an_error(moto_reset: str) -> None:
    # given a Glue job in an inventory stored before the job's command and arguments were kept
    aws(moto_reset, "glue").create_job(Name="legacy", Role=ROLE, Command={"Name": "glueetl"})
    inv = collect(moto_reset, ["aws.glue.job_continuous_logging_enabled"])
    job = inv.data["glue"]["regions"][REGION]["jobs"][0]
    for field in ("command", "glue_version", "continuous_logging"):
        del job[field]
    # when the check runs, then the job gets an error outcome, not a judgement
    outcome = only(run(inv, "aws.glue.job_continuous_logging_enabled"))
    assert outcome.status == ERROR
    assert (
        outcome.reason
        == "Glue job legacy was collected before its command and arguments were kept; scan again to judge it"
    )


# --- DMS replication task logging ----------------------------------------------------------------------------------


def _replication_task(endpoint: str, name: str, migration: str, settings: Any) -> str:
    dms = aws(endpoint, "dms")

    def dms_endpoint(kind: str) -> str:
        return str(
            dms.create_endpoint(
                EndpointIdentifier=f"{name}-{kind}",
                EndpointType=kind,
                EngineName="postgres",
                ServerName="db.internal",
                Port=5432,
                DatabaseName="app",
                Username="dms",
                Password="example-password",
            )["Endpoint"]["EndpointArn"]
        )

    instance = dms.create_replication_instance(
        ReplicationInstanceIdentifier=f"{name}-instance", ReplicationInstanceClass="dms.t3.micro"
    )["ReplicationInstance"]["ReplicationInstanceArn"]
    created = dms.create_replication_task(
        ReplicationTaskIdentifier=name,
        SourceEndpointArn=dms_endpoint("source"),
        TargetEndpointArn=dms_endpoint("target"),
        ReplicationInstanceArn=instance,
        MigrationType=migration,
        TableMappings=json.dumps({"rules": []}),
        ReplicationTaskSettings=settings if isinstance(settings, str) else json.dumps(settings),
    )
    return str(created["ReplicationTask"]["ReplicationTaskArn"])


def _logging(enabled: bool, **severities: str) -> dict[str, Any]:
    components = [{"Id": c, "Severity": f"LOGGER_SEVERITY_{s}"} for c, s in severities.items()]
    return {"Logging": {"EnableLogging": enabled, "LogComponents": components}}


def test_dms_tasks_log_their_source_and_target_components(moto_reset: str) -> None:
    source, target = "aws.dms.replication_task_source_logging", "aws.dms.replication_task_target_logging"
    # given a task logging with DMS's default severities (components left out), one with logging off, a CDC task
    # capturing at ERROR only, a full-load task whose CDC components are low (unused, so not held against it), and
    # one whose settings are not JSON
    default = _replication_task(moto_reset, "default", "full-load-and-cdc", _logging(True))
    off = _replication_task(moto_reset, "off", "full-load-and-cdc", _logging(False))
    quiet = _replication_task(moto_reset, "quiet", "cdc", _logging(True, SOURCE_CAPTURE="ERROR", TARGET_APPLY="DEBUG"))
    full = _replication_task(
        moto_reset, "full", "full-load", _logging(True, SOURCE_CAPTURE="ERROR", TARGET_APPLY="WARNING")
    )
    broken = _replication_task(moto_reset, "broken", "full-load", "{not json")
    # when the checks run
    inv = collect(moto_reset, [source, target])
    # then
    assert statuses(run(inv, source)) == {default: PASS, off: FAIL, quiet: FAIL, full: PASS, broken: ERROR}
    assert statuses(run(inv, target)) == {default: PASS, off: FAIL, quiet: PASS, full: PASS, broken: ERROR}
    reasons = _reasons(inv, source)
    assert reasons[off] == "DMS replication task off has CloudWatch logging off, so its source components log nothing"
    assert reasons[quiet] == (
        "DMS replication task quiet logs its source components below DMS's default level: "
        "SOURCE_CAPTURE at LOGGER_SEVERITY_ERROR"
    )
    assert (
        reasons[default]
        == "DMS replication task default logs its source components (SOURCE_CAPTURE DEFAULT, SOURCE_UNLOAD DEFAULT)"
    )
    assert _reasons(inv, target)[quiet] == "DMS replication task quiet logs its target components (TARGET_APPLY DEBUG)"
    assert reasons[broken] == (
        "Could not read the logging settings of DMS replication task broken: its task settings are not valid JSON"
    )
