"""EC2 and VPC network hygiene checks against moto."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    aws,
    collect,
    inventory,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
AMI = "ami-12c6146b"


def _vpc(ec2: Any, cidr: str) -> str:
    return str(ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"])


def _subnet(ec2: Any, vpc: str, cidr: str, zone: str = f"{REGION}a") -> str:
    return str(ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"])


def _acl(ec2: Any, vpc: str, *rules: tuple[int, str, str, dict[str, Any]]) -> str:
    """A network ACL with inbound ``rules``: (number, action, protocol, source and port range)."""
    aid = str(ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"])
    for number, action, protocol, extra in rules:
        ec2.create_network_acl_entry(
            NetworkAclId=aid, RuleNumber=number, Protocol=protocol, RuleAction=action, Egress=False, **extra
        )
    return aid


def _default_acl(ec2: Any, vpc: str) -> str:
    filters = [{"Name": "vpc-id", "Values": [vpc]}, {"Name": "default", "Values": ["true"]}]
    return str(ec2.describe_network_acls(Filters=filters)["NetworkAcls"][0]["NetworkAclId"])


WORLD = {"CidrBlock": "0.0.0.0/0"}
WORLD6 = {"Ipv6CidrBlock": "::/0"}


def test_network_acls_admitting_the_internet_on_every_port(moto_reset: str) -> None:
    # given a new VPC (its default ACL allows everything) and custom ACLs with various inbound rules
    ec2 = aws(moto_reset, "ec2")
    vpc = _vpc(ec2, "10.1.0.0/16")
    default = _default_acl(ec2, vpc)
    web = _acl(ec2, vpc, (100, "allow", "6", {**WORLD, "PortRange": {"From": 443, "To": 443}}))
    denied_first = _acl(ec2, vpc, (50, "deny", "-1", WORLD), (100, "allow", "-1", WORLD))
    udp6 = _acl(ec2, vpc, (10, "allow", "17", {**WORLD6, "PortRange": {"From": 0, "To": 65535}}))
    ssh_denied_only = _acl(
        ec2, vpc, (50, "deny", "6", {**WORLD, "PortRange": {"From": 22, "To": 22}}), (100, "allow", "-1", WORLD)
    )
    tcp_denied_first = _acl(
        ec2,
        vpc,
        (50, "deny", "6", {**WORLD, "PortRange": {"From": 0, "To": 65535}}),
        (100, "allow", "6", {**WORLD, "PortRange": {"From": 0, "To": 65535}}),
    )
    internal = _acl(ec2, vpc, (100, "allow", "-1", {"CidrBlock": "10.0.0.0/8"}))
    # when the check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, "aws.ec2.nacl_no_ingress_all_ports")}
    # then an uncovered every-port allow from anywhere fails; a whole deny before it, or a narrower rule, passes
    mine = {default, web, denied_first, udp6, ssh_denied_only, tcp_denied_first, internal}
    assert {k: o.status for k, o in outcomes.items() if k in mine} == {
        default: FAIL,
        web: PASS,
        denied_first: PASS,
        udp6: FAIL,
        ssh_denied_only: FAIL,
        tcp_denied_first: PASS,
        internal: PASS,
    }
    assert outcomes[default].reason == f"Network ACL {default} allows all traffic from 0.0.0.0/0 (rule 100)"
    assert outcomes[udp6].reason == f"Network ACL {udp6} allows every UDP port from ::/0 (rule 10)"
    assert outcomes[web].reason == f"Network ACL {web} admits neither 0.0.0.0/0 nor ::/0 on every port"
    assert outcomes[ssh_denied_only].observed["open_rules"] == [{"source": "0.0.0.0/0", "rule": 100, "protocol": "-1"}]
    assert outcomes[default].observed["is_default"] is True


def test_network_acls_associated_with_no_subnet(moto_reset: str) -> None:
    # given a VPC whose subnet was moved to a custom ACL, and another custom ACL nothing uses
    ec2 = aws(moto_reset, "ec2")
    vpc = _vpc(ec2, "10.2.0.0/16")
    subnet = _subnet(ec2, vpc, "10.2.1.0/24")
    used, unused = _acl(ec2, vpc), _acl(ec2, vpc)
    default = _default_acl(ec2, vpc)
    association = ec2.describe_network_acls(NetworkAclIds=[default])["NetworkAcls"][0]["Associations"][0]
    ec2.replace_network_acl_association(AssociationId=association["NetworkAclAssociationId"], NetworkAclId=used)
    # when the check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, "aws.ec2.nacl_in_use")}
    # then the unused ACL fails, the used one passes, and no default ACL (now holding no subnet) is judged
    assert statuses(outcomes.values()) == {used: PASS, unused: FAIL}
    assert outcomes[unused].reason == f"Network ACL {unused} is associated with no subnet"
    assert outcomes[used].reason == f"Network ACL {used} is associated with 1 subnet(s) ({subnet})"


def test_network_acl_associations_missing_from_an_older_inventory_are_an_error() -> None:
    # given an inventory stored before network ACL associations were collected
    acl = {"id": "acl-1", "vpc_id": "vpc-1", "is_default": False, "entries": [], "region": REGION}
    built = inventory(ec2={"regions": {REGION: {"network_acls": [acl]}}})
    # when / then the ACL is not judged either way
    assert statuses(run(built, "aws.ec2.nacl_in_use")) == {"acl-1": ERROR}


def _sg(ec2: Any, vpc: str, name: str) -> str:
    return str(ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"])


def test_security_groups_attached_to_no_network_interface(moto_reset: str) -> None:
    # given groups carried by an instance and by a detached interface, one referenced by the instance's group only,
    # one referenced only by a group nothing carries, and that group itself (the VPC's default group is left alone)
    ec2 = aws(moto_reset, "ec2")
    vpc = _vpc(ec2, "10.3.0.0/16")
    subnet = _subnet(ec2, vpc, "10.3.1.0/24")
    names = ("web", "spare", "peer", "orphan", "dead-peer")
    web, spare, peer, orphan, dead_peer = (_sg(ec2, vpc, name) for name in names)
    ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=subnet, SecurityGroupIds=[web])
    ec2.create_network_interface(SubnetId=subnet, Groups=[spare])
    for holder, source in ((web, peer), (orphan, dead_peer)):
        ec2.authorize_security_group_ingress(
            GroupId=holder,
            IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": source}]}
            ],
        )
    # when the check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, "aws.ec2.security_group_in_use")}
    # then a group carried by an interface, or referenced by a group that is, passes; the others fail
    assert {k: o.status for k, o in outcomes.items() if k in {web, spare, peer, orphan, dead_peer}} == {
        web: PASS,
        spare: PASS,
        peer: PASS,
        orphan: FAIL,
        dead_peer: FAIL,
    }
    assert outcomes[peer].reason == (
        f"Security group {peer} (peer) is attached to no network interface but is referenced by rules of {web}, in use"
    )
    assert outcomes[dead_peer].reason == (
        f"Security group {dead_peer} (dead-peer) is attached to no network interface and is referenced only by rules "
        f"of {orphan}, attached to no network interface either"
    )
    assert outcomes[dead_peer].observed["referenced_by"] == [orphan]
    assert outcomes[orphan].reason == (
        f"Security group {orphan} (orphan) is attached to no network interface and no other group references it"
    )
    assert outcomes[web].observed["network_interfaces"] == 1
    # and no default group is judged
    assert "default" not in {o.observed["group_name"] for o in outcomes.values()}


def test_instances_with_and_without_detailed_monitoring(moto_reset: str) -> None:
    # given an instance launched with detailed monitoring, one on basic monitoring, and a terminated one
    ec2 = aws(moto_reset, "ec2")
    watched = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, Monitoring={"Enabled": True})
    basic = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)
    gone = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, Monitoring={"Enabled": True})
    watched_id, basic_id = watched["Instances"][0]["InstanceId"], basic["Instances"][0]["InstanceId"]
    ec2.terminate_instances(InstanceIds=[gone["Instances"][0]["InstanceId"]])
    # when the check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, "aws.ec2.instance_detailed_monitoring")}
    # then the basic one fails and the terminated one is not judged
    assert statuses(outcomes.values()) == {watched_id: PASS, basic_id: FAIL}
    assert outcomes[basic_id].reason == (
        f"Instance {basic_id} has basic (5-minute) monitoring only (monitoring state disabled)"
    )


def test_vpcs_with_instances_have_an_ec2_interface_endpoint(moto_reset: str) -> None:
    # given a VPC with an instance and an EC2 interface endpoint, one with an instance and a private-DNS-less
    # endpoint, one with an instance and an S3 gateway endpoint only, and one with no instance
    ec2 = aws(moto_reset, "ec2")
    covered, no_dns, gateway_only, empty = (_vpc(ec2, f"10.{n}.0.0/16") for n in (4, 5, 6, 7))
    endpoints = {}
    for vpc, n in ((covered, 4), (no_dns, 5), (gateway_only, 6)):
        subnet = _subnet(ec2, vpc, f"10.{n}.1.0/24")
        ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=subnet)
        if vpc != gateway_only:
            endpoints[vpc] = ec2.create_vpc_endpoint(
                VpcId=vpc,
                ServiceName=f"com.amazonaws.{REGION}.ec2",
                VpcEndpointType="Interface",
                SubnetIds=[subnet],
                PrivateDnsEnabled=vpc == covered,
            )["VpcEndpoint"]["VpcEndpointId"]
    ec2.create_vpc_endpoint(VpcId=gateway_only, ServiceName=f"com.amazonaws.{REGION}.s3", VpcEndpointType="Gateway")
    # when the check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, "aws.vpc.ec2_interface_endpoint")}
    # then only VPCs holding instances are judged, and the one without an EC2 endpoint fails
    assert statuses(outcomes.values()) == {covered: PASS, no_dns: PASS, gateway_only: FAIL}
    assert empty not in outcomes
    assert outcomes[gateway_only].reason == f"VPC {gateway_only} has no EC2 interface endpoint for its 1 instance(s)"
    assert outcomes[covered].reason == f"VPC {covered} has EC2 interface endpoint {endpoints[covered]}"
    assert outcomes[no_dns].reason == (
        f"VPC {no_dns} has EC2 interface endpoint {endpoints[no_dns]} (private DNS off: only clients naming the "
        "endpoint's own DNS names use it)"
    )


def test_vpc_subnets_spread_over_availability_zones(moto_reset: str) -> None:
    # given a VPC with subnets in two zones, one with two subnets in one zone, and one (in another region) with one
    ec2, other = aws(moto_reset, "ec2"), aws(moto_reset, "ec2", OTHER_REGION)
    spread, single, far = _vpc(ec2, "10.8.0.0/16"), _vpc(ec2, "10.9.0.0/16"), _vpc(other, "10.10.0.0/16")
    _subnet(ec2, spread, "10.8.1.0/24", f"{REGION}a")
    _subnet(ec2, spread, "10.8.2.0/24", f"{REGION}b")
    _subnet(ec2, single, "10.9.1.0/24", f"{REGION}c")
    _subnet(ec2, single, "10.9.2.0/24", f"{REGION}c")
    _subnet(other, far, "10.10.1.0/24", f"{OTHER_REGION}a")
    # when the check runs over both regions
    inv = collect(moto_reset, ["aws.vpc.subnets_in_multiple_azs"], [REGION, OTHER_REGION])
    outcomes = {o.resource_id: o for o in run(inv, "aws.vpc.subnets_in_multiple_azs")}
    # then the VPCs with every subnet in one zone fail (moto's default VPCs span every zone and pass)
    assert {k: o.status for k, o in outcomes.items() if k in {spread, single, far}} == {
        spread: PASS,
        single: FAIL,
        far: FAIL,
    }
    assert {o.status for k, o in outcomes.items() if k not in {spread, single, far}} == {PASS}
    assert outcomes[single].reason == f"VPC {single} has its 2 subnet(s) in one Availability Zone only ({REGION}c)"
    assert outcomes[far].region == OTHER_REGION
    assert outcomes[spread].observed["availability_zones"] == [f"{REGION}a", f"{REGION}b"]


def test_a_region_whose_interfaces_could_not_be_read_is_an_error_not_a_fail() -> None:
    # given an inventory whose network interface listing failed in the one region its groups were read in
    group = {"id": "sg-1", "name": "web", "vpc_id": "vpc-1", "ingress": [], "egress": [], "region": REGION}
    other_group = {**group, "id": "sg-2", "region": OTHER_REGION}
    built = inventory(
        ec2={"regions": {REGION: {"security_groups": [group]}, OTHER_REGION: {"security_groups": [other_group]}}},
        network_interfaces={"regions": {OTHER_REGION: {"network_interfaces": []}}},
    )
    built.region_errors["network_interfaces"] = {REGION: "DescribeNetworkInterfaces failed with AccessDenied"}
    # when the check runs
    outcomes = run(built, "aws.ec2.security_group_in_use")
    # then the group of that region is not failed for want of the interfaces: the region is an error instead
    assert statuses(outcomes) == {"sg-2": FAIL, f"{ACCOUNT}/{REGION}": ERROR}
