"""CloudWatch alarm checks (CIS AWS 4.1-4.15), all driven by one table.

Each control asks the same question about a different set of CloudTrail events: is
there a multi-region, logging trail delivering to a CloudWatch log group, a metric
filter on that group whose pattern covers the events, an alarm on the filter's
metric, and an SNS topic (with a confirmed subscriber) that the alarm notifies?
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from integrations.registry import Evaluator, Inventory, Outcome, Severity

from ..shapes import CloudWatchRegion
from ..shapes_logging import Trail
from ._common import ACCOUNT, aws_check, items, regions, result


def _events(*names: str) -> tuple[str, ...]:
    return tuple(f"$.eventName={name}" for name in names)


def _source(service: str) -> tuple[str, ...]:
    return (f"$.eventSource={service}.amazonaws.com",)


@dataclass(frozen=True)
class AlarmSpec:
    id: str
    title: str
    subject: str
    terms: tuple[str, ...]
    rationale: str
    severity: Severity = Severity.MEDIUM


ALARM_SPECS: tuple[AlarmSpec, ...] = (
    AlarmSpec(
        id="aws.cloudwatch.alarm_unauthorized_api_calls",
        title="Alarm on unauthorized API calls",
        subject="unauthorized API calls",
        terms=("$.errorCode=*UnauthorizedOperation", "$.errorCode=AccessDenied*"),
        rationale="A burst of denied calls is often the first sign of someone probing with stolen or "
        "under-privileged credentials.",
    ),
    AlarmSpec(
        id="aws.cloudwatch.alarm_console_login_no_mfa",
        title="Alarm on console sign-in without MFA",
        subject="console sign-ins without MFA",
        terms=("$.eventName=ConsoleLogin", "$.additionalEventData.MFAUsed!=Yes"),
        rationale="Console sessions opened without a second factor point at accounts that a phished "
        "password alone can take over.",
    ),
    AlarmSpec(
        id="aws.cloudwatch.alarm_root_usage",
        title="Alarm on root user activity",
        subject="root user activity",
        terms=("$.userIdentity.type=Root", "$.userIdentity.invokedByNOTEXISTS", "$.eventType!=AwsServiceEvent"),
        rationale="Root should almost never be used, so any use deserves immediate attention.",
        severity=Severity.HIGH,
    ),
    AlarmSpec(
        id="aws.cloudwatch.alarm_iam_policy_changes",
        title="Alarm on IAM policy changes",
        subject="IAM policy changes",
        terms=_events(
            "DeleteGroupPolicy",
            "DeleteRolePolicy",
            "DeleteUserPolicy",
            "PutGroupPolicy",
            "PutRolePolicy",
            "PutUserPolicy",
            "CreatePolicy",
            "DeletePolicy",
            "CreatePolicyVersion",
            "DeletePolicyVersion",
            "AttachRolePolicy",
            "DetachRolePolicy",
            "AttachUserPolicy",
            "DetachUserPolicy",
            "AttachGroupPolicy",
            "DetachGroupPolicy",
        ),
        rationale="Permission changes are how attackers escalate and persist; reviewing them as they happen "
        "shortens the window.",
    ),
    AlarmSpec(
        id="aws.cloudwatch.alarm_cloudtrail_changes",
        title="Alarm on CloudTrail configuration changes",
        subject="CloudTrail configuration changes",
        terms=_events("CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"),
        rationale="Stopping or redirecting the audit trail is a classic step before doing something that "
        "should not be seen.",
        severity=Severity.HIGH,
    ),
    AlarmSpec(
        id="aws.cloudwatch.alarm_console_auth_failures",
        title="Alarm on console authentication failures",
        subject="failed console sign-ins",
        terms=("$.eventName=ConsoleLogin", "$.errorMessage=Failedauthentication"),
        rationale="Repeated failed sign-ins suggest password guessing against console users.",
    ),
    AlarmSpec(
        id="aws.cloudwatch.alarm_cmk_disable_or_deletion",
        title="Alarm on disabling or scheduled deletion of KMS keys",
        subject="KMS keys being disabled or scheduled for deletion",
        terms=(*_source("kms"), *_events("DisableKey", "ScheduleKeyDeletion")),
        rationale="Data encrypted under a deleted key is lost for good; disabling a key is also a way to "
        "sabotage the services that depend on it.",
    ),
    AlarmSpec(
        id="aws.cloudwatch.alarm_s3_bucket_policy_changes",
        title="Alarm on S3 bucket policy changes",
        subject="S3 bucket policy changes",
        terms=(
            *_source("s3"),
            *_events(
                "PutBucketAcl",
                "PutBucketPolicy",
                "PutBucketCors",
                "PutBucketLifecycle",
                "PutBucketReplication",
                "DeleteBucketPolicy",
                "DeleteBucketCors",
                "DeleteBucketLifecycle",
                "DeleteBucketReplication",
            ),
        ),
        rationale="Loosened bucket permissions are the usual cause of data exposure; catching the change "
        "lets you revert it before the data is found.",
    ),
    AlarmSpec(
        id="aws.cloudwatch.alarm_config_changes",
        title="Alarm on AWS Config configuration changes",
        subject="AWS Config configuration changes",
        terms=(
            *_source("config"),
            *_events(
                "StopConfigurationRecorder",
                "DeleteDeliveryChannel",
                "PutDeliveryChannel",
                "PutConfigurationRecorder",
            ),
        ),
        rationale="Turning off Config removes the change history that investigations rely on.",
    ),
    AlarmSpec(
        id="aws.cloudwatch.alarm_security_group_changes",
        title="Alarm on security group changes",
        subject="security group changes",
        terms=_events(
            "AuthorizeSecurityGroupIngress",
            "AuthorizeSecurityGroupEgress",
            "RevokeSecurityGroupIngress",
            "RevokeSecurityGroupEgress",
            "CreateSecurityGroup",
            "DeleteSecurityGroup",
        ),
        rationale="A single new ingress rule can expose a service to the internet.",
    ),
    AlarmSpec(
        id="aws.cloudwatch.alarm_nacl_changes",
        title="Alarm on network ACL changes",
        subject="network ACL changes",
        terms=_events(
            "CreateNetworkAcl",
            "CreateNetworkAclEntry",
            "DeleteNetworkAcl",
            "DeleteNetworkAclEntry",
            "ReplaceNetworkAclEntry",
            "ReplaceNetworkAclAssociation",
        ),
        rationale="Network ACLs are a subnet-wide filter; changes to them alter what every instance in the "
        "subnet can receive.",
    ),
    AlarmSpec(
        id="aws.cloudwatch.alarm_network_gateway_changes",
        title="Alarm on network gateway changes",
        subject="network gateway changes",
        terms=_events(
            "CreateCustomerGateway",
            "DeleteCustomerGateway",
            "AttachInternetGateway",
            "CreateInternetGateway",
            "DeleteInternetGateway",
            "DetachInternetGateway",
        ),
        rationale="Gateways decide which traffic can enter or leave a VPC at all.",
    ),
    AlarmSpec(
        id="aws.cloudwatch.alarm_route_table_changes",
        title="Alarm on route table changes",
        subject="route table changes",
        terms=_events(
            "CreateRoute",
            "CreateRouteTable",
            "ReplaceRoute",
            "ReplaceRouteTableAssociation",
            "DeleteRouteTable",
            "DeleteRoute",
            "DisassociateRouteTable",
        ),
        rationale="A changed route can send private traffic through an unexpected path.",
    ),
    AlarmSpec(
        id="aws.cloudwatch.alarm_vpc_changes",
        title="Alarm on VPC changes",
        subject="VPC changes",
        terms=_events(
            "CreateVpc",
            "DeleteVpc",
            "ModifyVpcAttribute",
            "AcceptVpcPeeringConnection",
            "CreateVpcPeeringConnection",
            "DeleteVpcPeeringConnection",
            "RejectVpcPeeringConnection",
            "AttachClassicLinkVpc",
            "DetachClassicLinkVpc",
            "DisableVpcClassicLink",
            "EnableVpcClassicLink",
        ),
        rationale="New VPCs and peering connections can quietly join networks that were meant to stay apart.",
    ),
    AlarmSpec(
        id="aws.cloudwatch.alarm_organizations_changes",
        title="Alarm on AWS Organizations changes",
        subject="AWS Organizations changes",
        terms=(
            *_source("organizations"),
            *_events(
                "AcceptHandshake",
                "AttachPolicy",
                "CreateAccount",
                "CreateOrganizationalUnit",
                "CreatePolicy",
                "DeclineHandshake",
                "DeleteOrganization",
                "DeleteOrganizationalUnit",
                "DeletePolicy",
                "DetachPolicy",
                "DisablePolicyType",
                "EnablePolicyType",
                "InviteAccountToOrganization",
                "LeaveOrganization",
                "MoveAccount",
                "RemoveAccountFromOrganization",
                "UpdatePolicy",
                "UpdateOrganizationalUnit",
            ),
        ),
        rationale="Organization changes can detach guardrails (SCPs) or move accounts out from under them.",
    ),
)


def normalise_pattern(pattern: str) -> str:
    """Spacing, quoting and case do not change what a filter pattern matches here."""
    return re.sub(r'[\s"]', "", pattern).lower()


def missing_terms(pattern: str, terms: Iterable[str]) -> list[str]:
    text = normalise_pattern(pattern)
    return [term for term in terms if normalise_pattern(term) not in text]


def _log_group(arn: str) -> tuple[str, str] | None:
    # arn:<partition>:logs:<region>:<account>:log-group:<name>[:*]
    parts = arn.split(":")
    if len(parts) < 7 or parts[5] != "log-group":
        return None
    return parts[3], parts[6]


def evaluate_alarm(inventory: Inventory, spec: AlarmSpec) -> Iterable[Outcome]:
    if "cloudtrail" not in inventory.data or "cloudwatch" not in inventory.data:
        return []
    account = inventory.account_id or "aws-account"
    collected: Iterable[Trail] = items(inventory, "cloudtrail", "trails")
    trails = [
        t for t in collected if t.get("is_multi_region") and t.get("is_logging") and t.get("cloudwatch_log_group_arn")
    ]
    if not trails:
        return [
            result(
                False,
                account,
                ACCOUNT,
                f"No multi-region, logging trail delivers to CloudWatch Logs, so nothing can alarm on {spec.subject}",
            )
        ]
    watched: dict[str, CloudWatchRegion] = dict(regions(inventory, "cloudwatch"))
    # Keep the explanation from the trail that got furthest along the chain.
    best: tuple[int, str, dict[str, Any]] = (0, "", {})

    def note(stage: int, reason: str, **observed: Any) -> None:
        nonlocal best
        if stage > best[0]:
            best = (stage, reason, observed)

    for trail in trails:
        parsed = _log_group(str(trail.get("cloudwatch_log_group_arn")))
        if parsed is None:
            note(1, f"Trail {trail.get('name')} has an unreadable log group ARN", trail=trail.get("arn"))
            continue
        region, group = parsed
        data: CloudWatchRegion | None = watched.get(region)
        if data is None:
            note(1, f"Log group {group} is in {region}, which was not scanned", trail=trail.get("arn"))
            continue
        on_group = [f for f in data.get("metric_filters", []) if f.get("log_group") == group]
        matching = [f for f in on_group if not missing_terms(str(f.get("pattern", "")), spec.terms)]
        if not matching:
            closest = min(
                (missing_terms(str(f.get("pattern", "")), spec.terms) for f in on_group),
                key=len,
                default=list(spec.terms),
            )
            note(
                2,
                f"No metric filter on log group {group} watches for {spec.subject} (missing {', '.join(closest[:3])}"
                f"{' ...' if len(closest) > 3 else ''})",
                log_group=group,
                region=region,
            )
            continue
        subscriptions: Mapping[str, int] | None = data.get("topic_subscriptions")
        for metric_filter in matching:
            for metric in metric_filter.get("metrics", []):
                alarms = [
                    a
                    for a in data.get("alarms", [])
                    if a.get("metric") == metric.get("name") and a.get("namespace") == metric.get("namespace")
                ]
                if not alarms:
                    note(
                        3,
                        f"Metric filter {metric_filter.get('name')} on {group} has no alarm",
                        log_group=group,
                        metric_filter=metric_filter.get("name"),
                        region=region,
                    )
                    continue
                for alarm in alarms:
                    topics = [str(a) for a in alarm.get("alarm_actions", []) if ":sns:" in str(a)]
                    if not alarm.get("actions_enabled") or not topics:
                        note(
                            4,
                            f"Alarm {alarm.get('name')} does not notify an SNS topic",
                            alarm=alarm.get("name"),
                            region=region,
                        )
                        continue
                    notified = topics if subscriptions is None else [t for t in topics if subscriptions.get(t, 0) > 0]
                    if not notified:
                        note(
                            5,
                            f"Alarm {alarm.get('name')} notifies {', '.join(topics)}, with no confirmed subscriber",
                            alarm=alarm.get("name"),
                            topics=topics,
                            region=region,
                        )
                        continue
                    return [
                        result(
                            True,
                            account,
                            ACCOUNT,
                            f"Alarm {alarm.get('name')} fires on {spec.subject} and notifies {notified[0]}",
                            region=region,
                            trail=trail.get("arn"),
                            log_group=group,
                            metric_filter=metric_filter.get("name"),
                            alarm=alarm.get("name"),
                            topics=notified,
                        )
                    ]
    _, reason, observed = best
    region = str(observed.pop("region", ""))
    return [result(False, account, ACCOUNT, reason, region=region, **observed)]


def _evaluator(spec: AlarmSpec) -> Evaluator:
    def evaluate(inventory: Inventory) -> Iterable[Outcome]:
        return evaluate_alarm(inventory, spec)

    evaluate.__name__ = spec.id.rsplit(".", 1)[-1]
    evaluate.__qualname__ = evaluate.__name__
    return evaluate


for _spec in ALARM_SPECS:
    aws_check(
        id=_spec.id,
        title=_spec.title,
        severity=_spec.severity,
        service="cloudwatch",
        resource_type=ACCOUNT,
        rationale=_spec.rationale,
        remediation=(
            "On the log group of a multi-region trail, create a metric filter matching "
            f"{_spec.subject}, an alarm on its metric, and an SNS topic with at least one confirmed subscriber "
            "as the alarm action."
        ),
        requires=("cloudtrail", "cloudwatch"),
    )(_evaluator(_spec))


ALARM = "AWS::CloudWatch::Alarm"


@aws_check(
    id="aws.cloudwatch.alarm_has_action",
    title="CloudWatch metric alarms act when they go into ALARM",
    severity=Severity.LOW,
    service="cloudwatch",
    resource_type=ALARM,
    rationale="An alarm with no action for the ALARM state, or with its actions disabled, changes colour on a "
    "dashboard nobody may be watching: the condition it was made to catch goes unnoticed.",
    remediation="Give the alarm an ALARM-state action (an SNS topic that reaches the owners, an Auto Scaling or EC2 "
    "action) and enable its actions; delete alarms nobody needs.",
)
def alarm_has_action(inventory: Inventory) -> Iterable[Outcome]:
    # Every metric alarm DescribeAlarms answers (composite alarms are not read); the CIS 4.x checks above ask more of
    # the alarms on their own metrics (an SNS topic with a confirmed subscriber), this asks any alarm to act at all.
    for region, data in regions(inventory, "cloudwatch"):
        for alarm in data.get("alarms", []):
            name = str(alarm.get("name"))
            actions = [str(a) for a in alarm.get("alarm_actions") or []]
            enabled = bool(alarm.get("actions_enabled"))
            if not actions:
                reason = f"Alarm {name} has no action for the ALARM state"
            elif not enabled:
                reason = f"Alarm {name} has {len(actions)} ALARM action(s), but its actions are disabled"
            else:
                reason = f"Alarm {name} acts on ALARM ({len(actions)} action(s))"
            yield result(
                bool(actions) and enabled,
                str(alarm.get("arn") or name),
                ALARM,
                reason,
                region=region,
                actions_enabled=enabled,
                alarm_actions=actions,
            )
