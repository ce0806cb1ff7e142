"""Network Firewall logging and OpenSearch Service logging and access control checks against moto."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    aws,
    collect,
    connector,
    inventory,
    json_reply,
    only,
    run,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
FIREWALL_CHECK = "aws.networkfirewall.logging_enabled"
DOMAIN_CHECKS = (
    "aws.opensearch.cloudwatch_logging",
    "aws.opensearch.audit_logging",
    "aws.opensearch.fine_grained_access_control",
)


# --- network firewall ----------------------------------------------------------------------------------------------


def _firewall(endpoint: str, name: str, region: str = REGION, **logs: dict[str, str]) -> str:
    """A firewall sending each log type named in ``logs`` (ALERT=..., FLOW=..., TLS=...) to the CloudWatch Logs log
    group, S3 bucket or Firehose stream given as ``{"CloudWatchLogs": "group"}`` and the like."""
    firewall = aws(endpoint, "network-firewall", region)
    arn = str(
        firewall.create_firewall(
            FirewallName=name,
            FirewallPolicyArn=f"arn:aws:network-firewall:{region}:{ACCOUNT}:firewall-policy/egress",
            VpcId="vpc-0f1e2d3c",
            SubnetMappings=[{"SubnetId": "subnet-0a1b2c3d"}],
        )["Firewall"]["FirewallArn"]
    )
    keys = {"CloudWatchLogs": "logGroup", "S3": "bucketName", "KinesisDataFirehose": "deliveryStream"}
    configs = [
        {"LogType": kind, "LogDestinationType": dest, "LogDestination": {keys[dest]: target}}
        for kind, where in logs.items()
        for dest, target in where.items()
    ]
    if configs:
        firewall.update_logging_configuration(FirewallArn=arn, LoggingConfiguration={"LogDestinationConfigs": configs})
    return arn


def test_firewalls_pass_with_flow_or_alert_logs_and_fail_with_none_or_tls_only(moto_reset: str) -> None:
    # given a firewall sending alert logs to CloudWatch Logs, one sending flow logs to S3 (in another region), one
    # sending TLS inspection logs only, and one with no logging configuration
    alerts = _firewall(moto_reset, "alerts", ALERT={"CloudWatchLogs": "nfw-alerts"})
    flows = _firewall(moto_reset, "flows", OTHER_REGION, FLOW={"S3": "nfw-flow-logs"})
    tls = _firewall(moto_reset, "tls-only", TLS={"KinesisDataFirehose": "nfw-tls"})
    silent = _firewall(moto_reset, "silent")
    # when the check runs on a collection over both regions
    outcomes = run(collect(moto_reset, [FIREWALL_CHECK], [REGION, OTHER_REGION]), FIREWALL_CHECK)
    # then only the firewalls recording traffic decisions pass
    assert statuses(outcomes) == {alerts: PASS, flows: PASS, tls: FAIL, silent: FAIL}
    found = {o.resource_id: o for o in outcomes}
    assert found[alerts].reason == "Network Firewall alerts sends ALERT logs to CloudWatchLogs nfw-alerts"
    assert found[flows].region == OTHER_REGION
    assert found[flows].observed["destinations"] == ["FLOW logs to S3 nfw-flow-logs"]
    assert found[tls].reason == "Network Firewall tls-only sends no flow or alert logs (only TLS logs)"
    assert found[silent].reason == "Network Firewall silent sends no logs anywhere"
    assert found[silent].observed["log_types"] == []


def test_a_refused_logging_configuration_is_an_error_for_that_firewall(moto_reset: str) -> None:
    # given a firewall whose logging configuration Network Firewall refuses to describe
    arn = _firewall(moto_reset, "guarded", ALERT={"CloudWatchLogs": "nfw-alerts"})
    built = connector(moto_reset)
    built.session.events.register(
        "before-send.network-firewall.DescribeLoggingConfiguration",
        lambda **_: json_reply({"__type": "AccessDeniedException", "message": "denied"}, 403),
    )
    # when the firewalls are collected and the check runs
    collected = built.collect({"networkfirewall"})
    outcome = only(run(collected, FIREWALL_CHECK))
    # then the firewall gets an error naming the refusal, not a fail
    assert collected.errors == {} and collected.region_errors == {}
    assert (outcome.resource_id, outcome.status) == (arn, ERROR)
    assert "DescribeLoggingConfiguration failed with AccessDeniedException" in outcome.reason


# --- opensearch ----------------------------------------------------------------------------------------------------


def _log_group(name: str) -> str:
    return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}"


def _domain(endpoint: str, name: str, **settings: Any) -> str:
    opensearch = aws(endpoint, "opensearch")
    return str(
        opensearch.create_domain(DomainName=name, EngineVersion="OpenSearch_2.11", **settings)["DomainStatus"]["ARN"]
    )


def test_domains_pass_with_error_and_audit_logs_and_fine_grained_access_and_fail_without(moto_reset: str) -> None:
    # given a domain with fine-grained access control publishing error and audit logs; one publishing error logs only
    # (its search slow logs configured but disabled); and one on the defaults
    audited = _domain(
        moto_reset,
        "audited",
        AdvancedSecurityOptions={
            "Enabled": True,
            "MasterUserOptions": {"MasterUserARN": f"arn:aws:iam::{ACCOUNT}:role/search-admin"},
        },
        LogPublishingOptions={
            "ES_APPLICATION_LOGS": {"CloudWatchLogsLogGroupArn": _log_group("search-errors"), "Enabled": True},
            "AUDIT_LOGS": {"CloudWatchLogsLogGroupArn": _log_group("search-audit"), "Enabled": True},
        },
    )
    errors_only = _domain(
        moto_reset,
        "errors-only",
        LogPublishingOptions={
            "ES_APPLICATION_LOGS": {"CloudWatchLogsLogGroupArn": _log_group("search-errors"), "Enabled": True},
            "SEARCH_SLOW_LOGS": {"CloudWatchLogsLogGroupArn": _log_group("search-slow"), "Enabled": False},
        },
    )
    bare = _domain(moto_reset, "bare")
    # when the three checks run on one collection
    collected = collect(moto_reset, DOMAIN_CHECKS)
    # then each is judged on its own setting
    assert statuses(run(collected, "aws.opensearch.cloudwatch_logging")) == {
        audited: PASS,
        errors_only: PASS,
        bare: FAIL,
    }
    assert statuses(run(collected, "aws.opensearch.audit_logging")) == {audited: PASS, errors_only: FAIL, bare: FAIL}
    assert statuses(run(collected, "aws.opensearch.fine_grained_access_control")) == {
        audited: PASS,
        errors_only: FAIL,
        bare: FAIL,
    }
    # and the reasons and evidence say what was found; a disabled log type is not counted as published
    error_logs = {o.resource_id: o for o in run(collected, "aws.opensearch.cloudwatch_logging")}
    assert error_logs[bare].reason == "OpenSearch domain bare does not publish its error logs to CloudWatch Logs"
    assert error_logs[errors_only].observed["published_logs"] == ["ES_APPLICATION_LOGS"]
    assert error_logs[audited].observed["log_group"] == _log_group("search-errors")
    audit = {o.resource_id: o for o in run(collected, "aws.opensearch.audit_logging")}
    assert audit[errors_only].reason == (
        "OpenSearch domain errors-only does not publish its audit logs to CloudWatch Logs (audit logs need "
        "fine-grained access control, which is off)"
    )
    assert audit[audited].reason == "OpenSearch domain audited publishes its audit logs to CloudWatch Logs"
    fine_grained = {o.resource_id: o.reason for o in run(collected, "aws.opensearch.fine_grained_access_control")}
    assert fine_grained[bare] == "OpenSearch domain bare has fine-grained access control off"


def test_audit_logging_turned_on_later_passes_and_the_fine_grained_hint_is_left_out_when_it_is_on(
    moto_reset: str,
) -> None:
    # given a domain with fine-grained access control but no logs, and one whose audit logs were enabled afterwards
    fine = _domain(
        moto_reset,
        "fine",
        AdvancedSecurityOptions={
            "Enabled": True,
            "MasterUserOptions": {"MasterUserARN": f"arn:aws:iam::{ACCOUNT}:role/search-admin"},
        },
    )
    later = _domain(moto_reset, "later")
    aws(moto_reset, "opensearch").update_domain_config(
        DomainName="later",
        LogPublishingOptions={"AUDIT_LOGS": {"CloudWatchLogsLogGroupArn": _log_group("audit"), "Enabled": True}},
    )
    # when the audit check runs
    outcomes = run(collect(moto_reset, ["aws.opensearch.audit_logging"]), "aws.opensearch.audit_logging")
    # then the updated domain passes, and the failing one with fine-grained access control gets no hint about it
    assert statuses(outcomes) == {fine: FAIL, later: PASS}
    failed = next(o for o in outcomes if o.resource_id == fine)
    assert failed.reason == "OpenSearch domain fine does not publish its audit logs to CloudWatch Logs"


def test_domains_collected_before_log_publishing_was_read_are_not_judged_for_logs() -> None:
    # given a stored inventory whose domain has no published_logs (collected by an earlier version)
    domain = {
        "name": "old",
        "arn": f"arn:aws:es:{REGION}:{ACCOUNT}:domain/old",
        "fine_grained_access_control": True,
        "region": REGION,
    }
    stored = inventory(opensearch={"regions": {REGION: {"domains": [domain]}}})
    # when the checks run, then the log checks say nothing and fine-grained access control is still judged
    assert run(stored, "aws.opensearch.cloudwatch_logging") == []
    assert run(stored, "aws.opensearch.audit_logging") == []
    assert statuses(run(stored, "aws.opensearch.fine_grained_access_control")) == {domain["arn"]: PASS}
