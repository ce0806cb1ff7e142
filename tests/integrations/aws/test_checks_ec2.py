"""EC2 and VPC checks against moto."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    aws,
    by_region,
    collect,
    failing,
    inventory,
    run,
    scan,
    statuses,
)

PASS, FAIL = OutcomeStatus.PASS, OutcomeStatus.FAIL
AMI = "ami-12c6146b"


def _sg(ec2: Any, vpc_id: str, name: str, *permissions: dict[str, Any]) -> str:
    gid = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc_id)["GroupId"]
    if permissions:
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=list(permissions))
    return gid


def _tcp(low: int, high: int, cidr: str = "0.0.0.0/0") -> dict[str, Any]:
    ranges = {"Ipv6Ranges": [{"CidrIpv6": cidr}]} if ":" in cidr else {"IpRanges": [{"CidrIp": cidr}]}
    return {"IpProtocol": "tcp", "FromPort": low, "ToPort": high, **ranges}


def _default_vpc(ec2: Any) -> str:
    return ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]


def _default_group(ec2: Any, vpc_id: str) -> str:
    groups = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    return groups[0]["GroupId"]


def test_ebs_default_encryption_in_every_region(moto_reset: str) -> None:
    # given EBS encryption by default turned on in one region only
    aws(moto_reset, "ec2", REGION).enable_ebs_encryption_by_default()
    # when the check runs over both regions
    outcomes = scan(moto_reset, "aws.ec2.ebs_default_encryption", [REGION, OTHER_REGION])
    # then the region without it fails, on the account
    assert by_region(outcomes) == {REGION: PASS, OTHER_REGION: FAIL}
    assert {o.resource_id for o in outcomes} == {ACCOUNT}


def test_ebs_volumes_encrypted(moto_reset: str) -> None:
    # given an encrypted and an unencrypted volume
    ec2 = aws(moto_reset, "ec2")
    sealed = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8, Encrypted=True)["VolumeId"]
    plain = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
    # when the check runs
    outcomes = scan(moto_reset, "aws.ec2.ebs_volume_encrypted")
    # then the unencrypted one fails
    assert statuses(outcomes) == {sealed: PASS, plain: FAIL}


def test_security_groups_exposing_admin_ports(moto_reset: str) -> None:
    # given security groups with open SSH, all traffic, a range spanning Telnet, IPv6 RDP, and safe rules
    ec2 = aws(moto_reset, "ec2")
    vpc = _default_vpc(ec2)
    ssh = _sg(ec2, vpc, "ssh-world", _tcp(22, 22))
    everything = _sg(ec2, vpc, "all-traffic", {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})
    span = _sg(ec2, vpc, "span", _tcp(20, 25))
    rdp6 = _sg(ec2, vpc, "rdp-v6", _tcp(3389, 3389, "::/0"))
    web = _sg(ec2, vpc, "web", _tcp(443, 443), _tcp(80, 80, "::/0"))
    internal = _sg(ec2, vpc, "internal", _tcp(22, 22, "10.0.0.0/8"))
    default = _default_group(ec2, vpc)
    # when both admin-port checks run on one collection
    inv = collect(moto_reset, ["aws.ec2.sg_no_ingress_admin_ports_ipv4"])
    ipv4 = run(inv, "aws.ec2.sg_no_ingress_admin_ports_ipv4")
    ipv6 = run(inv, "aws.ec2.sg_no_ingress_admin_ports_ipv6")
    # then IPv4 exposure fails the IPv4 check, IPv6 exposure the IPv6 one, and the rest pass
    every = {ssh, everything, span, rdp6, web, internal, default}
    assert set(statuses(ipv4)) == set(statuses(ipv6)) == every
    assert failing(ipv4) == {ssh, everything, span}
    assert failing(ipv6) == {rdp6}
    reasons = {o.resource_id: o.reason for o in ipv4 + ipv6 if o.status == FAIL}
    assert reasons[ssh] == f"Security group {ssh} allows 0.0.0.0/0 on port 22 (SSH)"
    assert reasons[everything] == f"Security group {everything} allows 0.0.0.0/0 on all ports"
    assert reasons[span] == f"Security group {span} allows 0.0.0.0/0 on port 22 (SSH), 23 (Telnet)"
    assert reasons[rdp6] == f"Security group {rdp6} allows ::/0 on port 3389 (RDP)"


def test_network_acls_exposing_admin_ports(moto_reset: str) -> None:
    # given a VPC whose default ACL allows everything, and custom ACLs with various rules
    ec2 = aws(moto_reset, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    default_acl = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkAcls"][0]
    web_only = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(
        NetworkAclId=web_only,
        RuleNumber=100,
        Protocol="6",
        RuleAction="allow",
        Egress=False,
        CidrBlock="0.0.0.0/0",
        PortRange={"From": 443, "To": 443},
    )
    ssh_denied_first = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    for number, action, protocol, ports in ((50, "deny", "6", {"From": 22, "To": 22}), (100, "allow", "-1", None)):
        extra = {"PortRange": ports} if ports else {}
        ec2.create_network_acl_entry(
            NetworkAclId=ssh_denied_first,
            RuleNumber=number,
            Protocol=protocol,
            RuleAction=action,
            Egress=False,
            CidrBlock="0.0.0.0/0",
            **extra,
        )
    rdp6 = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(
        NetworkAclId=rdp6,
        RuleNumber=10,
        Protocol="6",
        RuleAction="allow",
        Egress=False,
        Ipv6CidrBlock="::/0",
        PortRange={"From": 3389, "To": 3389},
    )
    # when the check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, "aws.ec2.nacl_no_ingress_admin_ports")}
    # then ACLs letting the internet reach an admin port fail (moto's default VPC ACL included)
    mine = {default_acl["NetworkAclId"], web_only, ssh_denied_first, rdp6}
    assert {k: o.status for k, o in outcomes.items() if k in mine} == {
        default_acl["NetworkAclId"]: FAIL,
        web_only: PASS,
        ssh_denied_first: FAIL,
        rdp6: FAIL,
    }
    assert {k for k, o in outcomes.items() if o.status == FAIL} - mine == {
        a["NetworkAclId"] for a in ec2.describe_network_acls()["NetworkAcls"] if a["VpcId"] != vpc
    }
    # and the earlier deny closes SSH while the later allow still opens the other admin ports
    assert outcomes[ssh_denied_first].observed["exposed_ports"]["0.0.0.0/0"] == [23, 3389, 5900, 5985, 5986]
    assert outcomes[rdp6].reason == f"Network ACL {rdp6} allows ::/0 to port 3389 (RDP) (rule 10)"


def test_network_acl_rule_order_from_a_built_inventory() -> None:
    # given an ACL that denies every admin port before allowing all traffic, and one allowing a UDP range
    def entry(number: int, action: str, protocol: str, low: int | None = None, high: int | None = None) -> dict:
        ports = {"PortRange": {"From": low, "To": high}} if low is not None else {}
        return {
            "RuleNumber": number,
            "RuleAction": action,
            "Protocol": protocol,
            "Egress": False,
            "CidrBlock": "0.0.0.0/0",
            **ports,
        }

    acls = [
        {"id": "acl-closed", "region": REGION, "entries": [entry(10, "deny", "6", 0, 65535), entry(20, "allow", "-1")]},
        {"id": "acl-udp", "region": REGION, "entries": [entry(10, "allow", "17", 0, 65535)]},
        {"id": "acl-egress", "region": REGION, "entries": [{**entry(10, "allow", "-1"), "Egress": True}]},
    ]
    inv = inventory(ec2={"regions": {REGION: {"network_acls": acls}}})
    # when the check runs
    # then none of them exposes an admin port over TCP
    assert statuses(run(inv, "aws.ec2.nacl_no_ingress_admin_ports")) == {
        "acl-closed": PASS,
        "acl-udp": PASS,
        "acl-egress": PASS,
    }


def test_default_security_groups_have_no_rules(moto_reset: str) -> None:
    # given a VPC whose default group was emptied, and the default VPC's untouched default group
    ec2 = aws(moto_reset, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    emptied = _default_group(ec2, vpc)
    egress = ec2.describe_security_groups(GroupIds=[emptied])["SecurityGroups"][0]["IpPermissionsEgress"]
    ec2.revoke_security_group_egress(GroupId=emptied, IpPermissions=egress)
    untouched = _default_group(ec2, _default_vpc(ec2))
    _sg(ec2, vpc, "not-default", _tcp(443, 443))
    # when the check runs
    outcomes = scan(moto_reset, "aws.ec2.default_sg_restricts_all")
    # then only default groups are judged and the one with rules fails
    assert statuses(outcomes) == {emptied: PASS, untouched: FAIL}


def test_instances_require_imdsv2(moto_reset: str) -> None:
    # given an instance requiring IMDSv2, one allowing IMDSv1, and one with the metadata service off
    ec2 = aws(moto_reset, "ec2")

    def launch(**options: str) -> str:
        return ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, MetadataOptions=options)["Instances"][0][
            "InstanceId"
        ]

    v2 = launch(HttpTokens="required")
    v1 = launch(HttpTokens="optional")
    off = launch(HttpEndpoint="disabled")
    # when the check runs
    outcomes = scan(moto_reset, "aws.ec2.imdsv2_required")
    # then only the IMDSv1 instance fails
    assert statuses(outcomes) == {v2: PASS, v1: FAIL, off: PASS}
    assert next(o for o in outcomes if o.resource_id == v1).observed["http_tokens"] == "optional"


def test_vpcs_have_flow_logs(moto_reset: str) -> None:
    # given a VPC logging all traffic, one logging accepted traffic only, and the default VPC without logs
    ec2 = aws(moto_reset, "ec2")
    logged = ec2.create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
    accept_only = ec2.create_vpc(CidrBlock="10.4.0.0/16")["Vpc"]["VpcId"]
    aws(moto_reset, "s3").create_bucket(Bucket="flow-logs")
    for vpc, traffic in ((logged, "ALL"), (accept_only, "ACCEPT")):
        ec2.create_flow_logs(
            ResourceIds=[vpc],
            ResourceType="VPC",
            TrafficType=traffic,
            LogDestinationType="s3",
            LogDestination="arn:aws:s3:::flow-logs",
        )
    default = _default_vpc(ec2)
    # when the check runs
    outcomes = scan(moto_reset, "aws.vpc.flow_logs_enabled")
    # then only the VPC capturing all traffic passes
    assert statuses(outcomes) == {logged: PASS, accept_only: FAIL, default: FAIL}


@pytest.mark.parametrize(
    ("protocol", "low", "high", "expected"),
    [
        ("tcp", 5800, 6000, [5900, 5985, 5986]),
        ("6", 22, 22, [22]),
        ("udp", 0, 65535, []),
        ("-1", None, None, [22, 23, 3389, 5900, 5985, 5986]),
        ("tcp", None, None, [22, 23, 3389, 5900, 5985, 5986]),
        ("icmp", -1, -1, []),
    ],
)
def test_admin_port_ranges(protocol: str, low: int | None, high: int | None, expected: list[int]) -> None:
    # given a rule's protocol and port range
    from integrations.providers.aws.checks.ec2 import _admin_ports

    # when the admin ports it opens are computed
    # then ranges, protocol numbers and "all" protocols are honoured
    assert _admin_ports(protocol, low, high) == expected
