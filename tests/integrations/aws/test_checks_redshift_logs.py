"""Redshift cluster checks, RDS log exports and CloudWatch Logs log group checks against moto."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.providers.aws.collectors import logs as logs_collector
from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    answer,
    aws,
    collect,
    connector,
    db_instance,
    inventory,
    only,
    query_error,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
REDSHIFT_CHECKS = [
    "aws.redshift.audit_logging_enabled",
    "aws.redshift.not_publicly_accessible",
    "aws.redshift.automated_snapshots",
    "aws.redshift.encrypted",
]
LOG_GROUP_CHECKS = ["aws.logs.retention_at_least_365_days", "aws.logs.kms_encrypted"]


def _cluster(endpoint: str, name: str, region: str = REGION, **settings: object) -> None:
    aws(endpoint, "redshift", region).create_cluster(
        ClusterIdentifier=name,
        NodeType="ra3.xlplus",
        ClusterType="single-node",
        MasterUsername="warehouse",
        MasterUserPassword="A-long-password-1",
        **settings,
    )


# --- redshift ------------------------------------------------------------------------------------------------------


def test_redshift_cluster_checks_pass_a_hardened_cluster_and_fail_a_loose_one(moto_reset: str) -> None:
    # given a private, encrypted cluster with a week of snapshots that logs to S3, and a public, plain one with
    # the default single day of snapshots and no audit logging
    key = aws(moto_reset, "kms").create_key()["KeyMetadata"]["Arn"]
    aws(moto_reset, "s3").create_bucket(Bucket="warehouse-audit")
    _cluster(
        moto_reset,
        "hardened",
        PubliclyAccessible=False,
        Encrypted=True,
        KmsKeyId=key,
        AutomatedSnapshotRetentionPeriod=7,
    )
    aws(moto_reset, "redshift").enable_logging(ClusterIdentifier="hardened", BucketName="warehouse-audit")
    _cluster(moto_reset, "loose", PubliclyAccessible=True, Encrypted=False)
    # when the four cluster checks run on one collection
    collected = collect(moto_reset, REDSHIFT_CHECKS)
    # then the hardened cluster passes all four and the loose one fails all four
    assert {cid: statuses(run(collected, cid)) for cid in REDSHIFT_CHECKS} == {
        cid: {"hardened": PASS, "loose": FAIL} for cid in REDSHIFT_CHECKS
    }
    # and the reasons name the cluster and what was seen
    reasons = {(cid, o.resource_id): o.reason for cid in REDSHIFT_CHECKS for o in run(collected, cid)}
    assert reasons[("aws.redshift.audit_logging_enabled", "hardened")].endswith("to S3 bucket warehouse-audit")
    assert reasons[("aws.redshift.audit_logging_enabled", "loose")] == "Redshift cluster loose has audit logging off"
    assert reasons[("aws.redshift.automated_snapshots", "loose")].endswith("for 1 day(s), under 7")
    assert reasons[("aws.redshift.encrypted", "hardened")].endswith(f"is encrypted with KMS key {key}")
    assert reasons[("aws.redshift.not_publicly_accessible", "loose")] == "Redshift cluster loose is publicly accessible"


def test_redshift_logging_to_cloudwatch_passes_and_snapshots_switched_off_fail(moto_reset: str) -> None:
    # given a cluster in the other region that sends its audit logs to CloudWatch Logs, with automated snapshots
    # then switched off (retention 0)
    _cluster(moto_reset, "streamed", region=OTHER_REGION)
    redshift = aws(moto_reset, "redshift", OTHER_REGION)
    redshift.enable_logging(
        ClusterIdentifier="streamed", LogDestinationType="cloudwatch", LogExports=["connectionlog", "userlog"]
    )
    redshift.modify_cluster(ClusterIdentifier="streamed", AutomatedSnapshotRetentionPeriod=0)
    # when the logging and snapshot checks run over both regions
    collected = collect(moto_reset, REDSHIFT_CHECKS, regions=[REGION, OTHER_REGION])
    logging = only(run(collected, "aws.redshift.audit_logging_enabled"))
    snapshots = only(run(collected, "aws.redshift.automated_snapshots"))
    # then the CloudWatch destination counts as audit logging, and zero retention fails as "off"
    assert (logging.resource_id, logging.region, logging.status) == ("streamed", OTHER_REGION, PASS)
    assert logging.observed["log_destination"] == "cloudwatch"
    assert logging.reason == "Redshift cluster streamed delivers audit logs to CloudWatch Logs"
    assert (snapshots.status, snapshots.observed["snapshot_retention_days"]) == (FAIL, 0)
    assert "automated snapshots off" in snapshots.reason


def test_redshift_logging_status_denied_is_an_error_for_that_check_only(moto_reset: str) -> None:
    # given an encrypted cluster, and Redshift refusing DescribeLoggingStatus (and only that)
    _cluster(moto_reset, "guarded", Encrypted=True)
    built = connector(moto_reset)
    denied = answer([lambda: query_error("AccessDenied", "not authorized", status=403)])
    built.session.events.register("before-send.redshift.DescribeLoggingStatus", denied)
    # when Redshift is collected and the logging and encryption checks run
    collected = built.collect({"redshift"})
    logging = only(run(collected, "aws.redshift.audit_logging_enabled"))
    # then the logging check reports an error naming the refusal, and the encryption check still judges
    assert (logging.resource_id, logging.status) == ("guarded", ERROR)
    assert "AccessDenied" in logging.reason
    assert statuses(run(collected, "aws.redshift.encrypted")) == {"guarded": PASS}


def test_redshift_checks_keep_the_account_and_region_in_the_arn(moto_reset: str) -> None:
    # given one cluster
    _cluster(moto_reset, "analytics")
    # when Redshift is collected
    collected = collect(moto_reset, ["aws.redshift.encrypted"])
    # then the cluster's ARN is built from the account, partition and region (DescribeClusters gives none)
    (cluster,) = collected.data["redshift"]["regions"][REGION]["clusters"]
    assert cluster["arn"] == f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:analytics"


SSL_CHECK = "aws.redshift.cluster_requires_ssl"


def _parameter_group(endpoint: str, name: str, **values: str) -> str:
    redshift = aws(endpoint, "redshift")
    redshift.create_cluster_parameter_group(
        ParameterGroupName=name, ParameterGroupFamily="redshift-1.0", Description=name
    )
    if values:
        redshift.modify_cluster_parameter_group(
            ParameterGroupName=name, Parameters=[{"ParameterName": k, "ParameterValue": v} for k, v in values.items()]
        )
    return name


def test_redshift_clusters_pass_when_their_parameter_group_requires_ssl(moto_reset: str) -> None:
    # given two clusters sharing a group that requires SSL, one on a group of its own that does not, and one on
    # AWS's default group (require_ssl false, and it cannot be changed)
    strict = _parameter_group(moto_reset, "strict", require_ssl="true")
    loose = _parameter_group(moto_reset, "loose", require_ssl="false", enable_user_activity_logging="true")
    _cluster(moto_reset, "sales", ClusterParameterGroupName=strict)
    _cluster(moto_reset, "finance", ClusterParameterGroupName=strict)
    _cluster(moto_reset, "lab", ClusterParameterGroupName=loose)
    _cluster(moto_reset, "scratch")
    # when the check runs
    collected = collect(moto_reset, [SSL_CHECK])
    outcomes = {o.resource_id: o for o in run(collected, SSL_CHECK)}
    # then only the clusters whose group requires SSL pass, the reasons naming the group
    assert {cid: o.status for cid, o in outcomes.items()} == {
        "sales": PASS,
        "finance": PASS,
        "lab": FAIL,
        "scratch": FAIL,
    }
    assert (
        outcomes["sales"].reason == "Redshift cluster sales requires SSL (require_ssl true in parameter group strict)"
    )
    assert outcomes["scratch"].reason == (
        "Redshift cluster scratch accepts connections without SSL (require_ssl false in default.redshift-1.0)"
    )
    # and each group was read once for the region
    assert set(collected.data["redshift"]["regions"][REGION]["parameter_groups"]) == {
        "strict",
        "loose",
        "default.redshift-1.0",
    }


def test_a_parameter_group_that_cannot_be_read_is_an_error_for_its_clusters_only(moto_reset: str) -> None:
    # given a cluster on a group that requires SSL and one on the default group, and Redshift refusing the default
    # group's parameters
    _cluster(moto_reset, "sales", ClusterParameterGroupName=_parameter_group(moto_reset, "strict", require_ssl="true"))
    _cluster(moto_reset, "scratch")
    built = connector(moto_reset)

    def refuse_default(request: Any, **_: Any) -> Any:
        body = request.body or b""
        if "default.redshift-1.0" in (body.decode() if isinstance(body, bytes) else body):
            return query_error("AccessDenied", "not authorized", status=403)
        return None

    built.session.events.register("before-send.redshift.DescribeClusterParameters", refuse_default)
    # when Redshift is collected and the check runs
    outcomes = {o.resource_id: o for o in run(built.collect({"redshift"}), SSL_CHECK)}
    # then the cluster on the refused group is an error saying so, and the other is judged
    assert {cid: o.status for cid, o in outcomes.items()} == {"sales": PASS, "scratch": ERROR}
    assert outcomes["scratch"].reason.startswith(
        "Could not read parameter group default.redshift-1.0 of Redshift cluster scratch: "
    )
    assert "AccessDenied" in outcomes["scratch"].reason


def test_the_default_parameter_group_cannot_be_modified_in_moto_as_in_aws(moto_reset: str) -> None:
    with pytest.raises(Exception, match="InvalidParameterValue"):
        aws(moto_reset, "redshift").modify_cluster_parameter_group(
            ParameterGroupName="default.redshift-1.0",
            Parameters=[{"ParameterName": "require_ssl", "ParameterValue": "true"}],
        )


def test_redshift_ssl_is_not_judged_on_inventories_kept_before_groups_were_read() -> None:
    collected = inventory(redshift={"regions": {REGION: {"clusters": [{"id": "old", "region": REGION}]}}})
    assert run(collected, SSL_CHECK) == []


# --- rds log exports -----------------------------------------------------------------------------------------------


def test_rds_log_exports(moto_reset: str) -> None:
    # given an instance publishing its PostgreSQL and upgrade logs, and one publishing nothing
    db_instance(moto_reset, "observed", EnableCloudwatchLogsExports=["postgresql", "upgrade"])
    db_instance(moto_reset, "silent")
    # when the check runs
    outcomes = scan(moto_reset, "aws.rds.logs_exported_to_cloudwatch")
    # then the exporting instance passes, naming its log types, and the silent one fails
    assert statuses(outcomes) == {"observed": PASS, "silent": FAIL}
    passed = next(o for o in outcomes if o.resource_id == "observed")
    assert passed.reason == "DB instance observed exports postgresql, upgrade logs to CloudWatch Logs"


def test_rds_log_exports_skip_instances_stored_before_they_were_collected() -> None:
    # given an inventory stored before log exports were kept (the instance has every other field)
    old_db = {
        "id": "old",
        "arn": None,
        "engine": "postgres",
        "storage_encrypted": True,
        "auto_minor_version_upgrade": True,
        "publicly_accessible": False,
        "region": REGION,
        "backup_retention_period": 7,
        "cluster_id": None,
    }
    stored = inventory(rds={"regions": {REGION: {"db_instances": [old_db]}}})
    # when the check runs on it
    # then the instance is not judged, rather than failed or crashing the check
    assert run(stored, "aws.rds.logs_exported_to_cloudwatch") == []


# --- cloudwatch logs -----------------------------------------------------------------------------------------------


def test_log_group_retention_and_kms_key(moto_reset: str) -> None:
    # given a group kept 400 days under a KMS key, one kept 30 days without a key, and one never expiring
    logs = aws(moto_reset, "logs")
    key = aws(moto_reset, "kms").create_key()["KeyMetadata"]["Arn"]
    logs.create_log_group(logGroupName="/app/audit", kmsKeyId=key)
    logs.put_retention_policy(logGroupName="/app/audit", retentionInDays=400)
    logs.create_log_group(logGroupName="/app/debug")
    logs.put_retention_policy(logGroupName="/app/debug", retentionInDays=30)
    logs.create_log_group(logGroupName="/app/forever")
    # when both log group checks run on one collection
    collected = collect(moto_reset, LOG_GROUP_CHECKS)
    retention = run(collected, "aws.logs.retention_at_least_365_days")
    kms = run(collected, "aws.logs.kms_encrypted")
    # then retention passes at 400 days and when events never expire, and fails at 30 days
    assert statuses(retention) == {"/app/audit": PASS, "/app/debug": FAIL, "/app/forever": PASS}
    reasons = {o.resource_id: o.reason for o in retention}
    assert reasons["/app/debug"] == "Log group /app/debug keeps events for 30 days, under 365"
    assert reasons["/app/forever"] == "Log group /app/forever has no retention setting, so its events never expire"
    # and only the group with a key passes the KMS check
    assert statuses(kms) == {"/app/audit": PASS, "/app/debug": FAIL, "/app/forever": FAIL}
    assert collected.data["logs"]["regions"][REGION]["log_groups"][0]["arn"] == (
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app/audit"
    )


def test_log_groups_past_the_bound_are_left_unread_and_said_so(
    moto_reset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given three log groups and a collector that reads at most two per region
    monkeypatch.setattr(logs_collector, "MAX_LOG_GROUPS", 2)
    logs = aws(moto_reset, "logs")
    for name in ("a-first", "b-second", "c-third"):
        logs.create_log_group(logGroupName=name)
    # when the retention check runs
    outcomes = scan(moto_reset, "aws.logs.retention_at_least_365_days")
    # then the first two by name are judged and the region gets an error saying the rest were not read
    assert statuses(outcomes) == {"a-first": PASS, "b-second": PASS, ACCOUNT: ERROR}
    bound = next(o for o in outcomes if o.status == ERROR)
    assert bound.region == REGION and "more than 2 log groups" in bound.reason
