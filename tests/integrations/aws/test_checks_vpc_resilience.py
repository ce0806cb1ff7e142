"""VPC, EC2 and CloudTrail resilience checks against moto."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from integrations.registry import Inventory, OutcomeStatus
from tests.integrations.aws.support import ACCOUNT, REGION, aws, collect, only, run, statuses

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
AMI = "ami-12c6146b"


def _vpc(endpoint: str, cidr: str) -> str:
    return str(aws(endpoint, "ec2").create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"])


def _subnet(endpoint: str, vpc: str, cidr: str, zone: str = "us-east-1a") -> str:
    created = aws(endpoint, "ec2").create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)
    return str(created["Subnet"]["SubnetId"])


def _internet_route(endpoint: str, vpc: str, table: str | None = None) -> str:
    """Route ``table`` (a new one when None) to a new internet gateway attached to ``vpc``."""
    ec2 = aws(endpoint, "ec2")
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    table = table or ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    return str(table)


def _endpoint(endpoint: str, vpc: str, service: str, kind: str = "Interface", **settings: Any) -> str:
    created = aws(endpoint, "ec2").create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.{service}", VpcEndpointType=kind, **settings
    )
    return str(created["VpcEndpoint"]["VpcEndpointId"])


def _reasons(inv: Inventory, check_id: str) -> dict[str, str]:
    return {o.resource_id: o.reason for o in run(inv, check_id)}


def test_interface_endpoints_span_availability_zones(moto_reset: str) -> None:
    # given an interface endpoint over two zones, one in a single zone, and a gateway endpoint (not judged)
    vpc = _vpc(moto_reset, "10.0.0.0/16")
    a, b = _subnet(moto_reset, vpc, "10.0.1.0/24"), _subnet(moto_reset, vpc, "10.0.2.0/24", "us-east-1b")
    spread = _endpoint(moto_reset, vpc, "sqs", SubnetIds=[a, b])
    single = _endpoint(moto_reset, vpc, "sns", SubnetIds=[a])
    _endpoint(moto_reset, vpc, "s3", "Gateway")
    # when the check runs
    inv = collect(moto_reset, ["aws.vpc.endpoint_multiple_azs"])
    # then only the interface endpoints are judged, by their zones
    assert statuses(run(inv, "aws.vpc.endpoint_multiple_azs")) == {spread: PASS, single: FAIL}
    reasons = _reasons(inv, "aws.vpc.endpoint_multiple_azs")
    assert reasons[single] == f"Interface endpoint {single} has subnets in only 1 Availability Zone (us-east-1a)"
    assert (
        reasons[spread] == f"Interface endpoint {spread} has subnets in 2 Availability Zones (us-east-1a, us-east-1b)"
    )


def test_vpcs_keep_private_subnets(moto_reset: str) -> None:
    ec2 = aws(moto_reset, "ec2")
    # given a VPC with a public and a private subnet
    tiered = _vpc(moto_reset, "10.1.0.0/16")
    public = _subnet(moto_reset, tiered, "10.1.1.0/24")
    _subnet(moto_reset, tiered, "10.1.2.0/24")
    ec2.associate_route_table(RouteTableId=_internet_route(moto_reset, tiered), SubnetId=public)
    # a VPC whose only subnet is explicitly routed to the internet
    exposed = _vpc(moto_reset, "10.2.0.0/16")
    only_public = _subnet(moto_reset, exposed, "10.2.1.0/24")
    ec2.associate_route_table(RouteTableId=_internet_route(moto_reset, exposed), SubnetId=only_public)
    # a VPC whose main route table leads to the internet (its subnet has no table of its own)
    main_public = _vpc(moto_reset, "10.3.0.0/16")
    _subnet(moto_reset, main_public, "10.3.1.0/24")
    main = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [main_public]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"][0]["RouteTableId"]
    _internet_route(moto_reset, main_public, main)
    # and a VPC with private subnets only
    private_only = _vpc(moto_reset, "10.4.0.0/16")
    _subnet(moto_reset, private_only, "10.4.1.0/24")
    # when the check runs (moto's untouched default VPC is not judged)
    inv = collect(moto_reset, ["aws.vpc.subnets_public_and_private"])
    outcomes = run(inv, "aws.vpc.subnets_public_and_private")
    # then a VPC fails only when every subnet routes to an internet gateway
    assert statuses(outcomes) == {tiered: PASS, exposed: FAIL, main_public: FAIL, private_only: PASS}
    reasons = _reasons(inv, "aws.vpc.subnets_public_and_private")
    assert reasons[exposed] == f"VPC {exposed} has only public subnets (1 routing to an internet gateway, none private)"
    assert reasons[tiered] == f"VPC {tiered} has 1 private and 1 public subnets"


def _policy(**statement: Any) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", **statement}]})


def test_endpoint_policies_admit_only_the_account(moto_reset: str) -> None:
    vpc = _vpc(moto_reset, "10.5.0.0/16")
    # given an endpoint with the default full-access policy, one pinned to the account, one pinned to another
    # account, and one naming another account's role
    default = _endpoint(moto_reset, vpc, "s3", "Gateway")
    pinned = _endpoint(
        moto_reset,
        vpc,
        "dynamodb",
        "Gateway",
        PolicyDocument=_policy(
            Sid="OwnAccount", Principal="*", Resource="*", Condition={"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}
        ),
    )
    elsewhere = _endpoint(
        moto_reset,
        vpc,
        "sqs",
        PolicyDocument=_policy(
            Sid="Partner",
            Principal="*",
            Resource="*",
            Condition={"StringEquals": {"aws:PrincipalAccount": "210987654321"}},
        ),
    )
    foreign = _endpoint(
        moto_reset,
        vpc,
        "sns",
        PolicyDocument=_policy(Principal={"AWS": "arn:aws:iam::210987654321:role/reader"}, Resource="*"),
    )
    # when the check runs
    inv = collect(moto_reset, ["aws.vpc.endpoint_policy_trusted_principals"])
    # then only the endpoint tied to the account passes
    outcomes = run(inv, "aws.vpc.endpoint_policy_trusted_principals")
    assert statuses(outcomes) == {default: FAIL, pinned: PASS, elsewhere: FAIL, foreign: FAIL}
    reasons = _reasons(inv, "aws.vpc.endpoint_policy_trusted_principals")
    assert reasons[elsewhere] == (
        f"VPC endpoint {elsewhere} (com.amazonaws.{REGION}.sqs) admits principals outside the account: "
        "Partner allows any principal"
    )
    assert reasons[foreign].endswith("a statement allows arn:aws:iam::210987654321:role/reader")
    assert reasons[default].endswith("a statement allows any principal")


def _shift_scan(inv: Inventory, service: str, days: int) -> None:
    """Judge the collected data as if the scan had happened ``days`` later (moto stamps everything with now)."""
    inv.data[service]["regions"][REGION]["collected_at"] = (datetime.now(UTC) + timedelta(days=days)).isoformat()


def test_in_use_volumes_have_a_recent_snapshot(moto_reset: str) -> None:
    ec2 = aws(moto_reset, "ec2")
    # given an instance with its root volume (never snapshotted) and a data volume snapshotted now, and a detached
    # volume (not judged)
    instance = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    data = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8)["VolumeId"]
    ec2.attach_volume(VolumeId=data, InstanceId=instance, Device="/dev/sdf")
    ec2.create_snapshot(VolumeId=data)
    ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8)
    root = next(v["VolumeId"] for v in ec2.describe_volumes()["Volumes"] if v["VolumeId"] != data and v["Attachments"])
    # when the check runs at once, and again as if eight days later
    check = "aws.ec2.ebs_volume_has_recent_snapshot"
    inv = collect(moto_reset, [check])
    assert statuses(run(inv, check)) == {root: FAIL, data: PASS}
    assert _reasons(inv, check)[root] == f"EBS volume {root} is in use and has no completed snapshot"
    _shift_scan(inv, "ebs", 8)
    # then the snapshot goes stale
    assert statuses(run(inv, check)) == {root: FAIL, data: FAIL}
    assert "over 7 days before the scan" in _reasons(inv, check)[data]


def test_running_instances_are_recent(moto_reset: str) -> None:
    # given a running instance launched now
    instance = aws(moto_reset, "ec2").run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    check = "aws.ec2.instance_not_older_than_180_days"
    inv = collect(moto_reset, [check])
    # then it passes now, and fails when judged 200 days on
    assert only(run(inv, check)).status == PASS
    _shift_scan(inv, "ec2", 200)
    outcome = only(run(inv, check))
    assert (outcome.resource_id, outcome.status) == (instance, FAIL)
    assert outcome.reason.startswith(f"EC2 instance {instance} has been running since ")
    assert outcome.reason.endswith("days (over 180) before the scan")


def test_instances_left_stopped_over_30_days_fail(moto_reset: str) -> None:
    # given a running instance and one stopped now
    ec2 = aws(moto_reset, "ec2")
    running, stopped = (i["InstanceId"] for i in ec2.run_instances(ImageId=AMI, MinCount=2, MaxCount=2)["Instances"])
    ec2.stop_instances(InstanceIds=[stopped])
    check = "aws.ec2.instance_not_stopped_over_30_days"
    inv = collect(moto_reset, [check])
    # then both pass today, the stopped one saying since when
    assert statuses(run(inv, check)) == {running: PASS, stopped: PASS}
    today = datetime.now(UTC).date().isoformat()
    assert _reasons(inv, check)[stopped] == (
        f"EC2 instance {stopped} has been stopped since {today}, 0 days before the scan"
    )
    assert _reasons(inv, check)[running] == f"EC2 instance {running} is running, not stopped"
    # and judged 31 days on, the stopped one fails and the running one still passes
    _shift_scan(inv, "ec2", 31)
    assert statuses(run(inv, check)) == {running: PASS, stopped: FAIL}
    assert _reasons(inv, check)[stopped].endswith("31 days before the scan (over 30)")


def test_a_stopped_instance_without_a_time_of_stopping_is_an_error_and_older_inventories_are_not_judged(
    moto_reset: str,
) -> None:
    # given a stopped instance whose transition reason carries no date (as AWS gives for some stops)
    ec2 = aws(moto_reset, "ec2")
    instance = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    ec2.stop_instances(InstanceIds=[instance])
    check = "aws.ec2.instance_not_stopped_over_30_days"
    inv = collect(moto_reset, [check])
    (found,) = inv.data["ec2"]["regions"][REGION]["instances"]
    found["state_transition_reason"] = "Server.ScheduledStop"
    # then it is an error saying so, never a pass
    outcome = only(run(inv, check))
    assert (outcome.resource_id, outcome.status) == (instance, ERROR)
    assert outcome.reason == (
        f"EC2 instance {instance} is stopped and AWS gives no time of stopping (Server.ScheduledStop)"
    )
    # and an instance collected before the reason was kept is not judged
    del found["state_transition_reason"]
    assert run(inv, check) == []


def test_cloudtrail_insights(moto_reset: str) -> None:
    # given a logging multi-region trail without Insights
    aws(moto_reset, "s3").create_bucket(Bucket="trail-logs-insights")
    cloudtrail = aws(moto_reset, "cloudtrail")
    cloudtrail.create_trail(Name="org-trail", S3BucketName="trail-logs-insights", IsMultiRegionTrail=True)
    cloudtrail.start_logging(Name="org-trail")
    check = "aws.cloudtrail.insights_enabled"
    # then the account fails
    outcome = only(run(collect(moto_reset, [check]), check))
    assert (outcome.resource_id, outcome.status) == (ACCOUNT, FAIL)
    assert outcome.reason == "No logging multi-region trail has CloudTrail Insights on"
    # and passes once the trail records API call rate Insights
    cloudtrail.put_insight_selectors(TrailName="org-trail", InsightSelectors=[{"InsightType": "ApiCallRateInsight"}])
    outcome = only(run(collect(moto_reset, [check]), check))
    assert outcome.status == PASS
    assert outcome.reason == "Trail org-trail is multi-region, logging and has Insights on (ApiCallRateInsight)"
