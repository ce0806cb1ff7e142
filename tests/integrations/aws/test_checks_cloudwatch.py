"""The 15 CloudWatch alarm checks, against moto (trail -> log group -> filter -> alarm -> SNS)."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.providers.aws.checks.cloudwatch import ALARM_SPECS, missing_terms
from integrations.registry import OutcomeStatus
from tests.integrations.aws.filter_patterns import PATTERNS
from tests.integrations.aws.support import ACCOUNT, REGION, aws, collect, inventory, only, run

PASS, FAIL = OutcomeStatus.PASS, OutcomeStatus.FAIL
ALARM_IDS = [spec.id for spec in ALARM_SPECS]
LOG_GROUP = "org-trail-events"


def _monitored_trail(endpoint: str, *, multi_region: bool = True) -> None:
    aws(endpoint, "s3").create_bucket(Bucket="trail-archive")
    aws(endpoint, "logs").create_log_group(logGroupName=LOG_GROUP)
    cloudtrail = aws(endpoint, "cloudtrail")
    cloudtrail.create_trail(
        Name="org-trail",
        S3BucketName="trail-archive",
        IsMultiRegionTrail=multi_region,
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{LOG_GROUP}:*",
        CloudWatchLogsRoleArn=f"arn:aws:iam::{ACCOUNT}:role/trail-to-logs",
    )
    cloudtrail.start_logging(Name="org-trail")


def _topic(endpoint: str, *, subscribed: bool = True) -> str:
    sns = aws(endpoint, "sns")
    arn = sns.create_topic(Name="security-alerts")["TopicArn"]
    if subscribed:
        sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="secops@example.com")
    return arn


def _watch(endpoint: str, check_id: str, topic: str | None, *, alarm: bool = True, pattern: str | None = None) -> None:
    metric = check_id.rsplit(".", 1)[-1]
    aws(endpoint, "logs").put_metric_filter(
        logGroupName=LOG_GROUP,
        filterName=f"{metric}-filter",
        filterPattern=pattern or PATTERNS[check_id],
        metricTransformations=[{"metricName": metric, "metricNamespace": "CISBenchmark", "metricValue": "1"}],
    )
    if alarm:
        aws(endpoint, "cloudwatch").put_metric_alarm(
            AlarmName=f"{metric}-alarm",
            MetricName=metric,
            Namespace="CISBenchmark",
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            AlarmActions=[topic] if topic else [],
        )


def _outcomes(endpoint: str) -> dict[str, tuple[str, OutcomeStatus, str]]:
    inv = collect(endpoint, ALARM_IDS)
    assert not inv.errors, inv.errors
    return {cid: (lambda o: (o.resource_id, o.status, o.reason))(only(run(inv, cid))) for cid in ALARM_IDS}


def test_every_pattern_in_the_fixture_is_complete() -> None:
    # given the fixture patterns
    # when each is compared with its check's required terms
    # then none is missing a term (so a failure below is the checker's, not the fixture's)
    assert {spec.id: missing_terms(PATTERNS[spec.id], spec.terms) for spec in ALARM_SPECS} == {
        spec.id: [] for spec in ALARM_SPECS
    }


def test_all_fifteen_alarms_pass_when_fully_wired(moto_reset: str) -> None:
    # given a multi-region logging trail into CloudWatch, and a filter + alarm + subscribed topic per control
    _monitored_trail(moto_reset)
    topic = _topic(moto_reset)
    for check_id in ALARM_IDS:
        _watch(moto_reset, check_id, topic)
    # when the fifteen checks run on one collection
    outcomes = _outcomes(moto_reset)
    # then every one passes on the account
    assert {cid: status for cid, (_, status, _) in outcomes.items()} == dict.fromkeys(ALARM_IDS, PASS)
    assert {rid for rid, _, _ in outcomes.values()} == {ACCOUNT}
    assert outcomes["aws.cloudwatch.alarm_root_usage"][2] == (
        f"Alarm alarm_root_usage-alarm fires on root user activity and notifies {topic}"
    )


def test_all_fifteen_alarms_fail_without_filters(moto_reset: str) -> None:
    # given the trail and log group but no metric filters
    _monitored_trail(moto_reset)
    # when the checks run
    outcomes = _outcomes(moto_reset)
    # then every one fails, pointing at the missing filter
    assert {cid: status for cid, (_, status, _) in outcomes.items()} == dict.fromkeys(ALARM_IDS, FAIL)
    assert all(reason.startswith(f"No metric filter on log group {LOG_GROUP}") for _, _, reason in outcomes.values())


@pytest.mark.parametrize(
    ("case", "reason_start"),
    [
        ("no-alarm", "Metric filter alarm_cloudtrail_changes-filter on org-trail-events has no alarm"),
        ("no-action", "Alarm alarm_cloudtrail_changes-alarm does not notify an SNS topic"),
        ("no-subscriber", "Alarm alarm_cloudtrail_changes-alarm notifies arn:aws:sns:"),
        ("partial-pattern", "No metric filter on log group org-trail-events watches for CloudTrail configuration"),
        ("regional-trail", "No multi-region, logging trail delivers to CloudWatch Logs"),
    ],
    ids=lambda value: value if "-" in value and " " not in value else "",
)
def test_alarm_chain_breaks_are_reported(moto_reset: str, case: str, reason_start: str) -> None:
    # given one control wired with a single broken link
    check_id = "aws.cloudwatch.alarm_cloudtrail_changes"
    _monitored_trail(moto_reset, multi_region=case != "regional-trail")
    topic = _topic(moto_reset, subscribed=case != "no-subscriber")
    pattern = "{ ($.eventName = CreateTrail) || ($.eventName = DeleteTrail) }" if case == "partial-pattern" else None
    _watch(moto_reset, check_id, None if case == "no-action" else topic, alarm=case != "no-alarm", pattern=pattern)
    # when the check runs
    inv = collect(moto_reset, [check_id])
    outcome = only(run(inv, check_id))
    # then it fails on the account, naming the broken link
    assert (outcome.resource_id, outcome.status) == (ACCOUNT, FAIL)
    assert outcome.reason.startswith(reason_start), outcome.reason


def test_alarm_checks_need_no_subscriber_data_when_it_was_not_collectable() -> None:
    # given a fully wired chain, but no subscription listing in the inventory
    trail = {
        "name": "t",
        "arn": "arn:aws:cloudtrail:us-east-1:1:trail/t",
        "is_multi_region": True,
        "is_logging": True,
        "cloudwatch_log_group_arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{LOG_GROUP}:*",
    }
    watched = {
        "metric_filters": [
            {
                "name": "f",
                "log_group": LOG_GROUP,
                "pattern": PATTERNS["aws.cloudwatch.alarm_vpc_changes"],
                "metrics": [{"name": "m", "namespace": "n"}],
            }
        ],
        "alarms": [
            {
                "name": "a",
                "metric": "m",
                "namespace": "n",
                "actions_enabled": True,
                "alarm_actions": ["arn:aws:sns:us-east-1:1:x"],
            }
        ],
    }
    inv = inventory(cloudtrail={"regions": {REGION: {"trails": [trail]}}}, cloudwatch={"regions": {REGION: watched}})
    # when the VPC-changes check runs
    # then the SNS action alone is enough
    assert only(run(inv, "aws.cloudwatch.alarm_vpc_changes")).status == PASS


def _alarm(endpoint: str, name: str, **settings: Any) -> str:
    cloudwatch = aws(endpoint, "cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        MetricName="Errors",
        Namespace="AWS/Lambda",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        **settings,
    )
    return str(cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["AlarmArn"])


def test_alarm_has_action(moto_reset: str) -> None:
    # given an alarm notifying a topic, one with no ALARM action (only an OK one) and one whose actions are disabled
    topic = _topic(moto_reset)
    acting = _alarm(moto_reset, "errors-paged", AlarmActions=[topic])
    silent = _alarm(moto_reset, "errors-silent", OKActions=[topic])
    disabled = _alarm(moto_reset, "errors-muted", AlarmActions=[topic], ActionsEnabled=False)
    # when the check runs
    outcomes = run(collect(moto_reset, ["aws.cloudwatch.alarm_has_action"]), "aws.cloudwatch.alarm_has_action")
    # then only the alarm that acts on ALARM passes, and the others say why not
    assert {o.resource_id: o.status for o in outcomes} == {acting: PASS, silent: FAIL, disabled: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[silent] == "Alarm errors-silent has no action for the ALARM state"
    assert reasons[disabled] == "Alarm errors-muted has 1 ALARM action(s), but its actions are disabled"
    assert {o.region for o in outcomes} == {REGION}
