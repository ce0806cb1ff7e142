"""Shield Advanced coverage of classic load balancers, CloudFront distributions, Route 53 public hosted zones and
Elastic IPs in use, against moto (the Application Load Balancer check is with the other detection checks)."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    REGION,
    aws,
    cloudfront_distribution,
    collect,
    custom_origin,
    run,
    statuses,
)

PASS, FAIL = OutcomeStatus.PASS, OutcomeStatus.FAIL
CLASSIC = "aws.shield.classic_load_balancer_protected"
DISTRIBUTION = "aws.shield.cloudfront_distribution_protected"
ZONE = "aws.shield.route53_hosted_zone_protected"
EIP = "aws.shield.elastic_ip_protected"
CHECKS = [CLASSIC, DISTRIBUTION, ZONE, EIP]
AMI = "ami-12c6146b"


def _classic(endpoint: str, name: str, scheme: str) -> str:
    aws(endpoint, "elb").create_load_balancer(
        LoadBalancerName=name,
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}],
        AvailabilityZones=[f"{REGION}a"],
        Scheme=scheme,
    )
    return f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/{name}"


def _zone(endpoint: str, name: str, vpc: str | None = None) -> str:
    params: dict[str, Any] = {"Name": name, "CallerReference": name}
    if vpc:
        params["VPC"] = {"VPCRegion": REGION, "VPCId": vpc}
        params["HostedZoneConfig"] = {"PrivateZone": True}
    return str(aws(endpoint, "route53").create_hosted_zone(**params)["HostedZone"]["Id"]).split("/")[-1]


def _address(endpoint: str, attach: bool) -> str:
    ec2 = aws(endpoint, "ec2")
    allocation = str(ec2.allocate_address(Domain="vpc")["AllocationId"])
    if attach:
        instance = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
        ec2.associate_address(AllocationId=allocation, InstanceId=instance)
    return allocation


def test_public_resources_pass_only_when_a_protection_names_them(moto_reset: str) -> None:
    # given two of each kind Shield Advanced can protect, one protected and one not, beside what is never judged: an
    # internal classic load balancer, a private hosted zone and an idle Elastic IP
    covered_lb = _classic(moto_reset, "covered", "internet-facing")
    _classic(moto_reset, "exposed", "internet-facing")
    _classic(moto_reset, "inside", "internal")
    api = custom_origin("app", "app.example.com")
    covered_cdn = cloudfront_distribution(moto_reset, "covered", api)
    exposed_cdn = cloudfront_distribution(moto_reset, "exposed", api)
    covered_zone, exposed_zone = _zone(moto_reset, "covered.example.com"), _zone(moto_reset, "exposed.example.com")
    vpc = aws(moto_reset, "ec2").create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    _zone(moto_reset, "internal.example.com", vpc)
    covered_ip, exposed_ip = _address(moto_reset, attach=True), _address(moto_reset, attach=True)
    _address(moto_reset, attach=False)
    # when the checks run without a Shield Advanced subscription, then nothing is judged
    collected = collect(moto_reset, CHECKS)
    assert all(run(collected, cid) == [] for cid in CHECKS)
    # given a subscription with a protection for the covered one of each kind
    shield = aws(moto_reset, "shield")
    shield.create_subscription()
    for name, arn in (
        ("lb", covered_lb),
        ("cdn", f"arn:aws:cloudfront::{ACCOUNT}:distribution/{covered_cdn}"),
        ("zone", f"arn:aws:route53:::hostedzone/{covered_zone}"),
        ("ip", f"arn:aws:ec2:{REGION}:{ACCOUNT}:eip-allocation/{covered_ip}"),
    ):
        shield.create_protection(Name=name, ResourceArn=arn)
    # when the checks run again
    collected = collect(moto_reset, CHECKS)
    # then each judges only what faces the internet, passing the protected one and failing the other
    assert {cid: statuses(run(collected, cid)) for cid in CHECKS} == {
        CLASSIC: {"covered": PASS, "exposed": FAIL},
        DISTRIBUTION: {covered_cdn: PASS, exposed_cdn: FAIL},
        ZONE: {covered_zone: PASS, exposed_zone: FAIL},
        EIP: {covered_ip: PASS, exposed_ip: FAIL},
    }
    reasons = {o.resource_id: o.reason for cid in CHECKS for o in run(collected, cid)}
    assert reasons["exposed"] == "Internet-facing classic load balancer exposed is not protected by Shield Advanced"
    assert (
        reasons[exposed_zone] == "Route 53 public hosted zone exposed.example.com. is not protected by Shield Advanced"
    )
