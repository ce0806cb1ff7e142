"""EC2 and VPC hygiene checks against moto: Network Firewall endpoints across Availability Zones, and the account's
own VPCs across regions."""

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
    ec2_error,
    inventory,
    json_reply,
    only,
    refused_in,
    run,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
FIREWALL_ZONES = "aws.networkfirewall.multiple_azs"
VPC_REGIONS = "aws.vpc.vpcs_in_multiple_regions"


def _reasons(outcomes: list[Any]) -> dict[str, str]:
    return {o.resource_id: o.reason for o in outcomes}


# --- Network Firewall endpoints across Availability Zones -----------------------------------------------------------


def _network(endpoint: str) -> tuple[str, dict[str, str]]:
    """A VPC with a firewall subnet in each of three zones (a, a again, b); the subnet ids by name."""
    ec2 = aws(endpoint, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    layout = {
        "a": (f"{REGION}a", "10.20.0.0/28"),
        "a2": (f"{REGION}a", "10.20.0.16/28"),
        "b": (f"{REGION}b", "10.20.0.32/28"),
    }
    subnets = {
        name: ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for name, (zone, cidr) in layout.items()
    }
    return vpc, subnets


def _firewall(endpoint: str, name: str, vpc: str, subnet_ids: list[str]) -> str:
    created = aws(endpoint, "network-firewall").create_firewall(
        FirewallName=name,
        FirewallPolicyArn=f"arn:aws:network-firewall:{REGION}:{ACCOUNT}:firewall-policy/egress",
        VpcId=vpc,
        SubnetMappings=[{"SubnetId": s} for s in subnet_ids],
        DeleteProtection=True,
    )
    return str(created["Firewall"]["FirewallArn"])


def test_firewalls_with_endpoints_in_one_zone_fail(moto_reset: str) -> None:
    # given a firewall mapped to subnets in two zones, one mapped to two subnets of one zone, and one in a subnet
    # that is not in the account's subnet listing
    vpc, subnets = _network(moto_reset)
    spread = _firewall(moto_reset, "spread", vpc, [subnets["a"], subnets["b"]])
    single = _firewall(moto_reset, "single", vpc, [subnets["a"], subnets["a2"]])
    unknown = _firewall(moto_reset, "elsewhere", vpc, ["subnet-0a1b2c3d"])
    # when the check runs
    outcomes = run(collect(moto_reset, [FIREWALL_ZONES]), FIREWALL_ZONES)
    # then the spread one passes, the single-zone one fails, and the unknown subnet is an error, not a fail
    assert statuses(outcomes) == {spread: PASS, single: FAIL, unknown: ERROR}
    assert _reasons(outcomes) == {
        spread: f"Network Firewall spread has endpoints in 2 Availability Zones ({REGION}a, {REGION}b)",
        single: f"Network Firewall single has endpoints in only 1 Availability Zone ({REGION}a)",
        unknown: "Could not tell the Availability Zones of Network Firewall elsewhere: subnets ['subnet-0a1b2c3d'] "
        "not found",
    }
    passed = next(o for o in outcomes if o.resource_id == spread)
    assert passed.observed["vpc_id"] == vpc
    assert passed.observed["subnet_ids"] == [subnets["a"], subnets["b"]]


def test_a_refused_describe_firewall_is_an_error_and_older_inventories_are_errors(moto_reset: str) -> None:
    # given a firewall Network Firewall refuses to describe
    vpc, subnets = _network(moto_reset)
    arn = _firewall(moto_reset, "hidden", vpc, [subnets["a"], subnets["b"]])
    built = connector(moto_reset)
    built.session.events.register(
        "before-send.network-firewall.DescribeFirewall",
        lambda **_: json_reply({"__type": "AccessDeniedException", "message": "denied"}, 403),
    )
    # when the firewalls and subnets are collected and the check runs
    collected = built.collect({"networkfirewall", "subnets"})
    outcome = only(run(collected, FIREWALL_ZONES))
    # then the firewall is an error naming the refused read
    assert (outcome.resource_id, outcome.status) == (arn, ERROR)
    assert "DescribeFirewall failed with AccessDeniedException" in outcome.reason
    # and a firewall stored before its subnets were kept is an error, not a fail
    stored = {"name": "old", "arn": "arn:old", "log_destinations": [], "delete_protection": True, "region": REGION}
    older = inventory(
        networkfirewall={"regions": {REGION: {"firewalls": [stored]}}}, subnets={"regions": {REGION: {"subnets": []}}}
    )
    outcome = only(run(older, FIREWALL_ZONES))
    assert (outcome.status, outcome.reason) == (ERROR, "The inventory predates firewall subnet collection")


# --- the account's own VPCs across regions --------------------------------------------------------------------------


def _vpc(endpoint: str, region: str, cidr: str = "10.30.0.0/16") -> str:
    return str(aws(endpoint, "ec2", region).create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"])


def test_own_vpcs_in_one_region_fail_and_in_two_pass(moto_reset: str) -> None:
    # given two VPCs of the account's own in one region (the other holding only its default VPC)
    east = [_vpc(moto_reset, REGION), _vpc(moto_reset, REGION, "10.31.0.0/16")]
    # when the check runs over both regions
    outcome = only(run(collect(moto_reset, [VPC_REGIONS], [REGION, OTHER_REGION]), VPC_REGIONS))
    # then the account fails, the reason naming the one region
    assert (outcome.resource_id, outcome.status, outcome.region) == (ACCOUNT, FAIL, "")
    assert outcome.reason == (
        f"The account's own VPCs (2) are all in {REGION}; the other scanned regions ({OTHER_REGION}) hold only "
        "default VPCs or none"
    )
    assert outcome.observed["vpcs_by_region"] == {REGION: sorted(east)}
    # and once the other region has a VPC of its own too, it passes
    west = _vpc(moto_reset, OTHER_REGION)
    outcome = only(run(collect(moto_reset, [VPC_REGIONS], [REGION, OTHER_REGION]), VPC_REGIONS))
    assert (outcome.status, outcome.reason) == (
        PASS,
        f"The account's own VPCs are in 2 regions ({OTHER_REGION}, {REGION})",
    )
    assert outcome.observed["vpcs_by_region"] == {REGION: sorted(east), OTHER_REGION: [west]}


def test_default_vpcs_alone_yield_no_outcome(moto_reset: str) -> None:
    # given only the default VPC moto makes in each region
    # when the check runs over both regions
    outcomes = run(collect(moto_reset, [VPC_REGIONS], [REGION, OTHER_REGION]), VPC_REGIONS)
    # then there is nothing of the account's own to judge
    assert outcomes == []


def test_a_scan_of_one_region_is_an_error_not_a_fail(moto_reset: str) -> None:
    # given a VPC of the account's own
    _vpc(moto_reset, REGION)
    # when only its region is scanned
    outcome = only(run(collect(moto_reset, [VPC_REGIONS], [REGION]), VPC_REGIONS))
    # then the check cannot tell, and says so
    assert (outcome.status, outcome.reason) == (
        ERROR,
        f"Only {REGION} was scanned, so VPCs the account may have in other regions cannot be seen",
    )


_refuse_west = refused_in(
    OTHER_REGION, lambda: ec2_error("UnauthorizedOperation", "You are not authorized to perform this operation.", 403)
)


def test_a_region_whose_vpcs_could_not_be_read_is_an_error_not_a_fail(moto_reset: str) -> None:
    # given a VPC of the account's own in one region, and a refused DescribeVpcs in the other
    _vpc(moto_reset, REGION)
    built = connector(moto_reset, [REGION, OTHER_REGION])
    built.session.events.register("before-send.ec2.DescribeVpcs", _refuse_west)
    # when the check runs
    collected = built.collect({"vpc"})
    assert set(collected.region_errors.get("vpc", {})) == {OTHER_REGION}
    outcomes = run(collected, VPC_REGIONS)
    # then the account is not failed for want of the other region: both are errors
    assert statuses(outcomes) == {ACCOUNT: ERROR, f"{ACCOUNT}/{OTHER_REGION}": ERROR}
    account = next(o for o in outcomes if o.resource_id == ACCOUNT)
    assert account.reason == (
        f"The account's own VPCs seen are all in {REGION}, but the VPCs of {OTHER_REGION} could not be read"
    )
