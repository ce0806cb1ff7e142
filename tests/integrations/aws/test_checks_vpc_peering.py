"""VPC peering least-access routing check against moto."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import REGION, aws, connector, ec2_error, run, scan, services_for, statuses

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
CHECK = "aws.vpc.peering_routes_least_access"


def _peering(ec2: Any) -> tuple[str, str]:
    """Two peered VPCs; returns (the requester VPC, the peering connection)."""
    requester = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    accepter = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    peering = ec2.create_vpc_peering_connection(VpcId=requester, PeerVpcId=accepter)["VpcPeeringConnection"]
    return requester, peering["VpcPeeringConnectionId"]


def _table(ec2: Any, vpc: str, peering: str, **destination: str) -> str:
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, VpcPeeringConnectionId=peering, **destination)
    return str(table)


def test_broad_peering_routes_fail_and_narrow_ones_pass(moto_reset: str) -> None:
    # given peering routes to the peer's /16, to the whole IPv4 internet, to ::/0 and to a /8
    ec2 = aws(moto_reset, "ec2")
    vpc, peering = _peering(ec2)
    narrow = _table(ec2, vpc, peering, DestinationCidrBlock="10.2.0.0/16")
    world4 = _table(ec2, vpc, peering, DestinationCidrBlock="0.0.0.0/0")
    world6 = _table(ec2, vpc, peering, DestinationIpv6CidrBlock="::/0")
    wide = _table(ec2, vpc, peering, DestinationCidrBlock="10.0.0.0/8")
    # when the check runs
    outcomes = scan(moto_reset, CHECK)
    # then only the narrow table passes; tables without peering routes (the main ones) are not judged
    assert statuses(outcomes) == {narrow: PASS, world4: FAIL, world6: FAIL, wide: FAIL}
    failed = next(o for o in outcomes if o.resource_id == world4)
    assert failed.observed["broad_routes"] == [{"destination": "0.0.0.0/0", "peering_id": peering}]
    assert failed.region == REGION and failed.observed["vpc_id"] == vpc


def test_an_account_without_peering_routes_gives_no_outcome(moto_reset: str) -> None:
    # given only the default VPC and its main route table
    # when the check runs
    outcomes = scan(moto_reset, CHECK)
    # then there is nothing to judge
    assert outcomes == []


def test_a_refused_describe_route_tables_errors_the_check(moto_reset: str) -> None:
    # given a broad peering route, with DescribeRouteTables denied
    ec2 = aws(moto_reset, "ec2")
    vpc, peering = _peering(ec2)
    _table(ec2, vpc, peering, DestinationCidrBlock="0.0.0.0/0")
    built = connector(moto_reset)
    built.session.events.register(
        "before-send.ec2.DescribeRouteTables", lambda **_: ec2_error("UnauthorizedOperation", "denied", 403)
    )
    # when the check and a VPC check run on one collection
    inventory = built.collect(services_for([CHECK, "aws.vpc.flow_logs_enabled"]))
    # then the peering check reports the error and the flow log check still judges
    outcomes = run(inventory, CHECK)
    assert [o.status for o in outcomes] == [ERROR]
    assert "UnauthorizedOperation" in outcomes[0].reason
    assert {o.status for o in run(inventory, "aws.vpc.flow_logs_enabled")} == {FAIL}
