"""SageMaker Studio domain checks (IAM Identity Center sign-in, VPC-only network access, customer managed key) against
moto, through botocore."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import ACCOUNT, REGION, aws, collect, connector, json_reply, only, run, statuses

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
SSO = "aws.sagemaker.domain_sso_auth"
VPC_ONLY = "aws.sagemaker.domain_vpc_only"
KEY = "aws.sagemaker.domain_customer_key"
CHECKS = [SSO, VPC_ONLY, KEY]


def _domain(endpoint: str, name: str, auth_mode: str, region: str = REGION, **settings: Any) -> str:
    ec2 = aws(endpoint, "ec2", region)
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"] if s["VpcId"] == vpc][:2]
    created = aws(endpoint, "sagemaker", region).create_domain(
        DomainName=name,
        AuthMode=auth_mode,
        DefaultUserSettings={"ExecutionRole": f"arn:aws:iam::{ACCOUNT}:role/studio"},
        SubnetIds=subnets,
        VpcId=vpc,
        **settings,
    )
    return str(created["DomainArn"])


def _reasons(outcomes: list[Any]) -> dict[str, str]:
    return {o.resource_id: o.reason for o in outcomes}


def test_a_locked_down_domain_passes_and_a_default_one_fails_each_check(moto_reset: str) -> None:
    # given a domain signing in through IAM Identity Center, in VPC-only mode, under a customer managed key; and one
    # with SageMaker's defaults in IAM mode
    key = aws(moto_reset, "kms").create_key()["KeyMetadata"]["Arn"]
    locked = _domain(moto_reset, "research", "SSO", AppNetworkAccessType="VpcOnly", KmsKeyId=key)
    default = _domain(moto_reset, "sandbox", "IAM")
    # when the domain checks run on one collection
    collected = collect(moto_reset, CHECKS)
    outcomes = {cid: run(collected, cid) for cid in CHECKS}
    # then the locked-down one passes each and the default one fails each, saying why
    assert {cid: statuses(found) for cid, found in outcomes.items()} == {
        cid: {locked: PASS, default: FAIL} for cid in CHECKS
    }
    assert _reasons(outcomes[SSO]) == {
        locked: "SageMaker domain research signs users in through IAM Identity Center",
        default: "SageMaker domain sandbox signs users in through IAM, not IAM Identity Center",
    }
    assert _reasons(outcomes[VPC_ONLY]) == {
        locked: "SageMaker domain research sends its apps' traffic through its VPC only",
        default: "SageMaker domain sandbox gives its apps internet access outside its VPC (PublicInternetOnly)",
    }
    assert _reasons(outcomes[KEY]) == {
        locked: f"SageMaker domain research encrypts its storage with customer managed key {key}",
        default: "SageMaker domain sandbox encrypts its storage with an AWS managed key",
    }
    assert all(o.resource_type == "AWS::SageMaker::Domain" and o.region == REGION for o in outcomes[SSO])


def test_domains_of_every_region_are_judged_and_a_refused_listing_errors_that_region_alone(moto_reset: str) -> None:
    # given a domain in each of two regions
    east = _domain(moto_reset, "east", "SSO", AppNetworkAccessType="VpcOnly")
    west = _domain(moto_reset, "west", "IAM", "eu-west-1", AppNetworkAccessType="PublicInternetOnly")
    both = connector(moto_reset, regions=[REGION, "eu-west-1"]).collect({"sagemaker"})
    # when the checks run, then each domain is judged in its own region
    assert statuses(run(both, VPC_ONLY)) == {east: PASS, west: FAIL}
    assert {o.resource_id: o.region for o in run(both, SSO)} == {east: REGION, west: "eu-west-1"}
    # given SageMaker refusing to list domains
    built = connector(moto_reset)
    refusal = json_reply({"__type": "AccessDeniedException", "message": "denied"}, status=400)
    built.session.events.register("before-send.sagemaker.ListDomains", lambda **_: refusal)
    inventory = built.collect({"sagemaker"})
    # then each domain check is one error for the region, naming the refusal, and notebooks are still read
    for cid in CHECKS:
        outcome = only(run(inventory, cid))
        assert (outcome.resource_id, outcome.region, outcome.status) == (ACCOUNT, REGION, ERROR)
        assert outcome.reason.startswith(f"Could not list the SageMaker domains in {REGION}: ListDomains failed")
    assert "notebook_instances" in inventory.data["sagemaker"]["regions"][REGION]
    # and an inventory collected before domains were read gives no domain outcome
    for data in inventory.data["sagemaker"]["regions"].values():
        del data["domains_error"]
        del data["domains"]
    assert all(run(inventory, cid) == [] for cid in CHECKS)


def test_a_domain_that_cannot_be_described_is_an_error_naming_it(moto_reset: str) -> None:
    # given a domain SageMaker lists but refuses to describe
    domain = _domain(moto_reset, "guarded", "SSO")
    built = connector(moto_reset)
    refusal = json_reply({"__type": "AccessDeniedException", "message": "denied"}, status=400)
    built.session.events.register("before-send.sagemaker.DescribeDomain", lambda **_: refusal)
    # when the checks run
    inventory = built.collect({"sagemaker"})
    # then each check errors that domain, naming it, rather than judging settings it could not read
    for cid in CHECKS:
        outcome = only(run(inventory, cid))
        assert (outcome.resource_id, outcome.status) == (domain, ERROR)
        assert outcome.reason.startswith("Could not describe SageMaker domain guarded: DescribeDomain failed")
