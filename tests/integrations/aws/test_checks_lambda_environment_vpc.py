"""Lambda functions' environment variables (names only) and VPC placement, against moto."""

from __future__ import annotations

import json

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import REGION, aws, collect, inventory, lambda_function, run, scan, statuses

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
IN_VPC = "aws.lambda.function_in_vpc"
MULTI_AZ = "aws.lambda.vpc_multiple_azs"
CUSTOMER_KEY = "aws.lambda.environment_customer_key"


def _network(endpoint: str) -> tuple[list[str], str]:
    """A VPC with subnets in zones a, a and b, and a security group: (subnets, group)."""
    ec2 = aws(endpoint, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{n}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"][
            "SubnetId"
        ]
        for n, zone in ((1, "a"), (2, "a"), (3, "b"))
    ]
    group = ec2.create_security_group(GroupName="functions", Description="functions", VpcId=vpc)["GroupId"]
    return subnets, group


def test_environment_secrets_are_judged_by_name_and_values_are_never_kept(moto_reset: str) -> None:
    # given a function with a password and an access key in its environment, one with harmless settings, one bare
    leaky = lambda_function(
        moto_reset,
        "leaky",
        Environment={"Variables": {"DB_PASSWORD": "hunter2-hunter2", "aws.access-key": "AKIAEXAMPLE", "STAGE": "prod"}},
    )
    tidy = lambda_function(moto_reset, "tidy", Environment={"Variables": {"STAGE": "prod", "TABLE": "orders"}})
    bare = lambda_function(moto_reset, "bare")
    # when the inventory is collected and the check runs
    collected = collect(moto_reset, ["aws.lambda.environment_no_secrets"])
    outcomes = run(collected, "aws.lambda.environment_no_secrets")
    # then the function naming credentials fails, naming them, and the others pass
    assert statuses(outcomes) == {leaky: FAIL, tidy: PASS, bare: PASS}
    failed = next(o for o in outcomes if o.resource_id == leaky)
    assert failed.reason == "Function leaky sets secret-looking environment variable(s): DB_PASSWORD, aws.access-key"
    assert failed.observed["secret_like"] == ["DB_PASSWORD", "aws.access-key"]
    # and neither the inventory nor the outcomes hold a value
    stored = json.dumps(collected.data) + json.dumps([o.observed for o in outcomes])
    assert "hunter2" not in stored and "AKIAEXAMPLE" not in stored


def test_unreadable_environment_is_an_error_and_older_inventories_are_not_judged() -> None:
    # given a function whose variables Lambda could not decrypt, and one collected before names were kept
    # (moto cannot refuse a function's KMS key, so the inventory is built by hand)
    functions = [
        {"name": "locked", "region": REGION, "environment_variable_names": [], "environment_error": "KMSAccessDenied"},
        {"name": "older", "region": REGION},
    ]
    built = inventory(**{"lambda": {"regions": {REGION: {"functions": functions}}}})
    # when the check runs
    outcomes = run(built, "aws.lambda.environment_no_secrets")
    # then the unreadable one is an error and the older one yields nothing
    assert statuses(outcomes) == {"locked": ERROR}
    assert outcomes[0].reason == "Function locked's environment variables could not be read (KMSAccessDenied)"


def test_environment_variables_pass_under_a_customer_managed_key(moto_reset: str) -> None:
    # given functions with variables under a customer managed key and under Lambda's own key, one with no
    # variables, and one collected before keys were kept
    key = aws(moto_reset, "kms").create_key(Description="lambda")["KeyMetadata"]["Arn"]
    settings = {"Environment": {"Variables": {"STAGE": "prod"}}}
    guarded = lambda_function(moto_reset, "guarded", KMSKeyArn=key, **settings)
    plain = lambda_function(moto_reset, "plain", **settings)
    lambda_function(moto_reset, "bare")
    older = lambda_function(moto_reset, "older", KMSKeyArn=key, **settings)
    collected = collect(moto_reset, [CUSTOMER_KEY])
    for data in collected.data["lambda"]["regions"].values():
        for function in data["functions"]:
            if function["name"] == older:
                del function["environment_kms_key_arn"]
    # when the check runs
    outcomes = run(collected, CUSTOMER_KEY)
    # then only the functions with variables are judged, and the one under the customer managed key passes
    assert statuses(outcomes) == {guarded: PASS, plain: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[guarded] == f"Function guarded encrypts its environment variables with customer managed key {key}"
    assert reasons[plain] == "Function plain encrypts its environment variables with Lambda's AWS managed key"


def test_function_in_vpc(moto_reset: str) -> None:
    # given a function connected to a VPC's subnets and one that is not
    subnets, group = _network(moto_reset)
    inside = lambda_function(moto_reset, "inside", VpcConfig={"SubnetIds": subnets[:2], "SecurityGroupIds": [group]})
    outside = lambda_function(moto_reset, "outside")
    # when the check runs
    outcomes = scan(moto_reset, IN_VPC)
    # then the one outside any VPC fails
    assert statuses(outcomes) == {inside: PASS, outside: FAIL}
    assert next(o for o in outcomes if o.resource_id == outside).reason == "Function outside is not connected to a VPC"
    assert next(o for o in outcomes if o.resource_id == inside).observed["subnets"] == subnets[:2]


def test_vpc_functions_span_several_zones(moto_reset: str) -> None:
    # given functions on subnets in two zones, on two subnets of one zone, and outside any VPC
    subnets, group = _network(moto_reset)
    spread = lambda_function(
        moto_reset, "spread", VpcConfig={"SubnetIds": [subnets[0], subnets[2]], "SecurityGroupIds": [group]}
    )
    huddled = lambda_function(moto_reset, "huddled", VpcConfig={"SubnetIds": subnets[:2], "SecurityGroupIds": [group]})
    lambda_function(moto_reset, "outside")
    # when the check runs on the subnets the EC2 collection reads
    outcomes = scan(moto_reset, MULTI_AZ)
    # then the one-zone function fails and the one outside a VPC is left to the VPC check
    assert statuses(outcomes) == {spread: PASS, huddled: FAIL}
    by_id = {o.resource_id: o for o in outcomes}
    assert by_id[spread].observed["availability_zones"] == [f"{REGION}a", f"{REGION}b"]
    assert by_id[huddled].reason == f"Function huddled runs in one Availability Zone only ({REGION}a)"


def test_vpc_function_on_a_subnet_not_read_is_an_error() -> None:
    # given a function on a subnet the subnet listing did not hold (built: moto keeps a subnet a function uses)
    function = {"name": "orphan", "region": REGION, "vpc_subnet_ids": ["subnet-gone"]}
    built = inventory(
        **{
            "lambda": {"regions": {REGION: {"functions": [function]}}},
            "subnets": {"regions": {REGION: {"subnets": []}}},
        }
    )
    # when the check runs
    outcomes = run(built, MULTI_AZ)
    # then it says it cannot tell, rather than pass or fail
    assert statuses(outcomes) == {"orphan": ERROR}
    assert "subnet-gone" in outcomes[0].reason
