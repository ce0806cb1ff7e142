"""Elastic IP, database / file-sharing / all-traffic exposure and public instance checks against moto."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    REGION,
    aws,
    collect,
    connector,
    failing,
    query_error,
    run,
    scan,
    services_for,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
AMI = "ami-12c6146b"


def _vpc(ec2: Any) -> str:
    return ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]


def _sg(ec2: Any, vpc_id: str, name: str, *permissions: dict[str, Any]) -> str:
    gid = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc_id)["GroupId"]
    if permissions:
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=list(permissions))
    return gid


def _rule(protocol: str, low: int, high: int, cidr: str = "0.0.0.0/0") -> dict[str, Any]:
    ranges = {"Ipv6Ranges": [{"CidrIpv6": cidr}]} if ":" in cidr else {"IpRanges": [{"CidrIp": cidr}]}
    return {"IpProtocol": protocol, "FromPort": low, "ToPort": high, **ranges}


def test_unassociated_elastic_ips_fail(moto_reset: str) -> None:
    # given one Elastic IP attached to an instance and one left allocated
    ec2 = aws(moto_reset, "ec2")
    instance = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    used = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ec2.associate_address(AllocationId=used, InstanceId=instance)
    idle = ec2.allocate_address(Domain="vpc")
    # when the check runs
    outcomes = scan(moto_reset, "aws.ec2.eip_associated")
    # then only the idle address fails
    assert statuses(outcomes) == {used: PASS, idle["AllocationId"]: FAIL}
    reason = next(o.reason for o in outcomes if o.status == FAIL)
    assert reason == f"Elastic IP {idle['PublicIp']} is not associated with any resource"


def test_security_groups_exposing_database_ports(moto_reset: str) -> None:
    # given groups opening PostgreSQL to the world, MongoDB to ::/0, a range spanning MySQL,
    # a UDP range that no database listens on, and a database port open to a private range only
    ec2 = aws(moto_reset, "ec2")
    vpc = _vpc(ec2)
    postgres = _sg(ec2, vpc, "pg", _rule("tcp", 5432, 5432))
    mongo6 = _sg(ec2, vpc, "mongo6", _rule("tcp", 27017, 27017, "::/0"))
    span = _sg(ec2, vpc, "span", _rule("tcp", 3000, 3400))
    udp = _sg(ec2, vpc, "udp", _rule("udp", 3000, 6000))
    private = _sg(ec2, vpc, "private", _rule("tcp", 5432, 5432, "10.0.0.0/8"))
    # when the check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, "aws.ec2.sg_no_ingress_database_ports")}
    # then the three exposed groups fail and the others pass
    mine = {postgres, mongo6, span, udp, private}
    assert {k: o.status for k, o in outcomes.items() if k in mine} == {
        postgres: FAIL,
        mongo6: FAIL,
        span: FAIL,
        udp: PASS,
        private: PASS,
    }
    assert outcomes[postgres].reason == f"Security group {postgres} admits 0.0.0.0/0 to database port 5432 (PostgreSQL)"
    assert outcomes[span].observed["exposed_ports"] == {"3306": ["0.0.0.0/0"]}
    assert outcomes[mongo6].observed["exposed_ports"] == {"27017": ["::/0"]}


def test_security_groups_exposing_file_sharing_ports(moto_reset: str) -> None:
    # given a group opening CIFS to the world, one opening NetBIOS over UDP, and a web-only group
    ec2 = aws(moto_reset, "ec2")
    vpc = _vpc(ec2)
    cifs = _sg(ec2, vpc, "cifs", _rule("tcp", 445, 445))
    netbios = _sg(ec2, vpc, "netbios", _rule("udp", 137, 138))
    web = _sg(ec2, vpc, "web", _rule("tcp", 443, 443))
    # when the check runs
    outcomes = scan(moto_reset, "aws.ec2.sg_no_ingress_file_sharing_ports")
    # then the file-sharing exposures fail
    assert {cifs, netbios} <= failing(outcomes)
    assert statuses(outcomes)[web] == PASS


def test_security_groups_admitting_all_traffic(moto_reset: str) -> None:
    # given a group admitting every protocol from the world and one admitting every protocol from a private range
    ec2 = aws(moto_reset, "ec2")
    vpc = _vpc(ec2)
    wide = _sg(ec2, vpc, "wide", {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})
    internal = _sg(ec2, vpc, "internal", {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]})
    # when the check runs (also over the database check: all traffic exposes every database port)
    inv = collect(moto_reset, ["aws.ec2.sg_no_ingress_all_traffic"])
    outcomes = statuses(run(inv, "aws.ec2.sg_no_ingress_all_traffic"))
    databases = statuses(run(inv, "aws.ec2.sg_no_ingress_database_ports"))
    # then only the world-open group fails, in both
    assert (outcomes[wide], outcomes[internal]) == (FAIL, PASS)
    assert (databases[wide], databases[internal]) == (FAIL, PASS)


def test_security_groups_admitting_wide_public_ranges_fail(moto_reset: str) -> None:
    # given groups admitting: the internet split in two halves; a mistyped public /8 and a public IPv6 /16; a /24 of
    # public IPv4 and a /56 of public IPv6 (one partner's network each); private and carrier-grade NAT ranges of any
    # width; and 0.0.0.0/0 and ::/0 on 443 (whole-internet rules, judged per port by the exposure checks)
    ec2 = aws(moto_reset, "ec2")
    vpc = _vpc(ec2)
    halves = _sg(ec2, vpc, "halves", _rule("tcp", 22, 22, "0.0.0.0/1"), _rule("tcp", 22, 22, "128.0.0.0/1"))
    mistyped = _sg(ec2, vpc, "mistyped", _rule("tcp", 443, 443, "52.0.0.0/8"), _rule("tcp", 443, 443, "2600::/16"))
    partner = _sg(
        ec2, vpc, "partner", _rule("tcp", 443, 443, "203.0.113.0/24"), _rule("tcp", 443, 443, "2600:1f18::/56")
    )
    private = _sg(
        ec2,
        vpc,
        "private",
        _rule("-1", -1, -1, "10.0.0.0/8"),
        _rule("tcp", 22, 22, "100.64.0.0/10"),
        _rule("tcp", 22, 22, "fd00::/8"),
    )
    web = _sg(ec2, vpc, "web", _rule("tcp", 443, 443), _rule("tcp", 443, 443, "::/0"))
    # when the check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, "aws.ec2.sg_no_wide_public_ingress")}
    # then only the groups with public ranges broader than a /24 (IPv4) or /48 (IPv6) fail; the default group passes
    judged = {gid: outcomes[gid].status for gid in (halves, mistyped, partner, private, web)}
    assert judged == {halves: FAIL, mistyped: FAIL, partner: PASS, private: PASS, web: PASS}
    # and the reasons and evidence name every wide range
    assert outcomes[halves].reason == (
        f"Security group {halves} admits public ranges 0.0.0.0/1, 128.0.0.0/1, broader than a /24 of IPv4 or a /48 of "
        "IPv6"
    )
    assert outcomes[mistyped].observed["wide_sources"] == ["52.0.0.0/8", "2600::/16"]
    assert outcomes[partner].reason == (
        f"Security group {partner} admits no public range broader than a /24 of IPv4 or a /48 of IPv6"
    )


def test_security_groups_opening_every_port_to_a_public_address_fail(moto_reset: str) -> None:
    # given groups opening: all traffic to one public address; every TCP port to a public IPv6 /64; HTTPS only to a
    # public address; all traffic to a private range; and all traffic to the whole internet (the all-traffic check's)
    ec2 = aws(moto_reset, "ec2")
    vpc = _vpc(ec2)
    home = _sg(ec2, vpc, "home", _rule("-1", -1, -1, "198.51.100.7/32"))
    partner = _sg(ec2, vpc, "partner", _rule("tcp", 0, 65535, "2600:1f18:1:2::/64"))
    https = _sg(ec2, vpc, "https", _rule("tcp", 443, 443, "198.51.100.7/32"))
    private = _sg(ec2, vpc, "private", _rule("-1", -1, -1, "10.0.0.0/8"))
    world = _sg(ec2, vpc, "world", _rule("-1", -1, -1))
    # when the check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, "aws.ec2.sg_no_all_ports_from_public_addresses")}
    # then the two groups opening every port to a public source fail, naming it
    judged = {gid: outcomes[gid].status for gid in (home, partner, https, private, world)}
    assert judged == {home: FAIL, partner: FAIL, https: PASS, private: PASS, world: PASS}
    assert outcomes[home].reason == f"Security group {home} opens every port to public source 198.51.100.7/32"
    assert outcomes[partner].observed["sources"] == ["2600:1f18:1:2::/64"]
    assert outcomes[https].reason == f"Security group {https} does not open every port to a public address"


def test_instances_with_a_public_ip_fail(moto_reset: str) -> None:
    # given an instance in a subnet that assigns public addresses and one in a private subnet
    ec2 = aws(moto_reset, "ec2")
    vpc = _vpc(ec2)
    public_subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=public_subnet, MapPublicIpOnLaunch={"Value": True})
    private_subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.2.0/24")["Subnet"]["SubnetId"]

    def launch(subnet: str) -> str:
        return ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=subnet)["Instances"][0]["InstanceId"]

    exposed, hidden = launch(public_subnet), launch(private_subnet)
    # when the check runs
    outcomes = scan(moto_reset, "aws.ec2.instance_no_public_ip")
    # then the instance with a public address fails
    assert statuses(outcomes) == {exposed: FAIL, hidden: PASS}


def test_a_refused_describe_addresses_errors_only_its_own_check(moto_reset: str) -> None:
    # given an account with an idle Elastic IP and a security group, where DescribeAddresses is denied
    ec2 = aws(moto_reset, "ec2")
    ec2.allocate_address(Domain="vpc")
    _sg(ec2, _vpc(ec2), "pg", _rule("tcp", 5432, 5432))
    built = connector(moto_reset)
    built.session.events.register(
        "before-send.ec2.DescribeAddresses", lambda **_: query_error("UnauthorizedOperation", "denied", 403)
    )
    # when both checks run on one collection
    inv = built.collect(services_for(["aws.ec2.eip_associated", "aws.ec2.sg_no_ingress_database_ports"]))
    # then the Elastic IP check reports an error and the security group check still judges
    eip = run(inv, "aws.ec2.eip_associated")
    assert [o.status for o in eip] == [ERROR]
    assert "UnauthorizedOperation" in eip[0].reason
    assert FAIL in {o.status for o in run(inv, "aws.ec2.sg_no_ingress_database_ports")}
    assert "ec2" not in inv.errors and REGION in inv.data["ec2"]["regions"]
