"""Checks added late in #15 against moto: instance roles, CloudShell, federation, S3 endpoints, ALB WAF."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.registry import OutcomeStatus
from tests.conftest_moto import _post
from tests.integrations.aws.support import (
    ACCOUNT,
    REGION,
    TRUST_POLICY,
    aws,
    collect,
    connector,
    json_reply,
    only,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
AMI = "ami-12c6146b"
CLOUDSHELL = "arn:aws:iam::aws:policy/AWSCloudShellFullAccess"


def _instance(endpoint: str, **params: Any) -> str:
    reply = aws(endpoint, "ec2").run_instances(ImageId=AMI, MinCount=1, MaxCount=1, **params)
    return str(reply["Instances"][0]["InstanceId"])


def test_running_instances_need_an_instance_profile(moto_reset: str) -> None:
    # given a running instance with a role, one without, and a stopped one without
    aws(moto_reset, "iam").create_instance_profile(InstanceProfileName="app")
    with_role = _instance(moto_reset, IamInstanceProfile={"Name": "app"})
    without = _instance(moto_reset)
    stopped = _instance(moto_reset)
    aws(moto_reset, "ec2").stop_instances(InstanceIds=[stopped])
    # when the check runs
    outcomes = scan(moto_reset, "aws.ec2.instance_profile_attached")
    # then the running instance without a role fails and the stopped one is not judged
    assert statuses(outcomes) == {with_role: PASS, without: FAIL}
    assert next(o for o in outcomes if o.resource_id == with_role).observed["instance_profile"] == (
        f"arn:aws:iam::{ACCOUNT}:instance-profile/app"
    )


def test_cloudshell_full_access_must_be_attached_nowhere(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # given moto with the AWS-managed policies loaded and a role holding another AWS-managed policy
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    _post(f"{moto_reset}/moto-api/reset")
    iam = aws(moto_reset, "iam")
    iam.create_role(RoleName="support-desk", AssumeRolePolicyDocument=TRUST_POLICY)
    iam.attach_role_policy(RoleName="support-desk", PolicyArn="arn:aws:iam::aws:policy/AWSSupportAccess")
    # when the check runs
    before = only(scan(moto_reset, "aws.iam.no_cloudshell_full_access"))
    # then the account passes; once a group and a role hold AWSCloudShellFullAccess it fails naming both
    assert (before.resource_id, before.status, before.observed["holders"]) == (ACCOUNT, PASS, [])
    iam.create_group(GroupName="ops")
    iam.attach_group_policy(GroupName="ops", PolicyArn=CLOUDSHELL)
    iam.attach_role_policy(RoleName="support-desk", PolicyArn=CLOUDSHELL)
    after = only(scan(moto_reset, "aws.iam.no_cloudshell_full_access"))
    assert (after.status, after.observed["holders"]) == (FAIL, ["group ops", "role support-desk"])


def test_identity_federation_needs_a_saml_or_oidc_provider(moto_reset: str) -> None:
    # given an account without identity providers
    # when the check runs
    before = only(scan(moto_reset, "aws.iam.identity_federation_configured"))
    # then it fails; after an OpenID Connect provider is added it passes and names the provider
    assert before.status == FAIL
    arn = aws(moto_reset, "iam").create_open_id_connect_provider(
        Url="https://idp.example.com", ThumbprintList=["a" * 40], ClientIDList=["complywise"]
    )["OpenIDConnectProviderArn"]
    after = only(scan(moto_reset, "aws.iam.identity_federation_configured"))
    assert (after.status, after.observed["providers"]) == (PASS, [arn])


def test_vpcs_need_a_gateway_endpoint_for_s3(moto_reset: str) -> None:
    # given a VPC with an S3 gateway endpoint, one with only an S3 interface endpoint, and the default VPC
    ec2 = aws(moto_reset, "ec2")
    default = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    gateway = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    interface = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    s3 = f"com.amazonaws.{REGION}.s3"
    ec2.create_vpc_endpoint(VpcId=gateway, ServiceName=s3, VpcEndpointType="Gateway")
    ec2.create_vpc_endpoint(VpcId=interface, ServiceName=s3, VpcEndpointType="Interface")
    # when the check runs
    outcomes = scan(moto_reset, "aws.vpc.s3_gateway_endpoint")
    # then only the VPC with the gateway endpoint passes
    assert statuses(outcomes) == {gateway: PASS, interface: FAIL, default: FAIL}


def _subnets(endpoint: str) -> list[str]:
    return [s["SubnetId"] for s in aws(endpoint, "ec2").describe_subnets()["Subnets"] if s["DefaultForAz"]][:2]


def _balancer(endpoint: str, name: str, **params: Any) -> str:
    reply = aws(endpoint, "elbv2").create_load_balancer(Name=name, Subnets=_subnets(endpoint), **params)
    return str(reply["LoadBalancers"][0]["LoadBalancerArn"])


def _web_acl(endpoint: str) -> str:
    return str(
        aws(endpoint, "wafv2").create_web_acl(
            Name="core",
            Scope="REGIONAL",
            DefaultAction={"Allow": {}},
            VisibilityConfig={"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "core"},
        )["Summary"]["ARN"]
    )


def test_internet_facing_application_load_balancers_need_a_web_acl(moto_reset: str) -> None:
    # given a public ALB behind a web ACL, a public ALB without one, an internal ALB and a network load balancer
    protected = _balancer(moto_reset, "protected", Scheme="internet-facing")
    acl = _web_acl(moto_reset)
    aws(moto_reset, "wafv2").associate_web_acl(WebACLArn=acl, ResourceArn=protected)
    exposed = _balancer(moto_reset, "exposed")
    _balancer(moto_reset, "internal", Scheme="internal")
    _balancer(moto_reset, "network", Type="network")
    # when the check runs
    outcomes = scan(moto_reset, "aws.elbv2.waf_enabled")
    # then the unprotected public ALB fails (no scheme given means internet-facing) and the others are not judged
    assert statuses(outcomes) == {protected: PASS, exposed: FAIL}
    assert next(o for o in outcomes if o.resource_id == protected).observed["web_acl"] == acl


def test_a_refused_web_acl_lookup_errors_only_the_waf_check(moto_reset: str) -> None:
    # given a public ALB, and GetWebACLForResource denied
    arn = _balancer(moto_reset, "web")
    built = connector(moto_reset)
    built.session.events.register(
        "before-send.wafv2.GetWebACLForResource",
        lambda **_: json_reply({"__type": "WAFAccessDeniedException", "message": "denied"}, 400),
    )
    # when the load balancer checks run on one collection
    inv = built.collect({"elbv2"})
    # then the WAF check reports the error and another load balancer check still judges the balancer
    assert inv.errors == {}
    outcome = only(run(inv, "aws.elbv2.waf_enabled"))
    assert (outcome.resource_id, outcome.status) == (arn, ERROR)
    assert "WAFAccessDeniedException" in outcome.reason
    assert statuses(run(inv, "aws.elbv2.deletion_protection")) == {arn: FAIL}
    assert collect(moto_reset, ["aws.elbv2.waf_enabled"]).errors == {}
