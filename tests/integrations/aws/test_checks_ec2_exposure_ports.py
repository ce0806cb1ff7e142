"""EC2 exposure checks (high-risk ports, internet-exposed instances, launch-wizard and oversized security groups,
launch templates' public IP addresses) against moto."""

from __future__ import annotations

from typing import Any

from integrations.providers.aws.checks.ec2 import ADMIN_PORTS
from integrations.providers.aws.checks.ec2_exposure_ports import HIGH_RISK_PORTS, MAX_REVIEWABLE_RULES
from integrations.providers.aws.checks.network import DATABASE_PORTS, FILE_SHARING_PORTS
from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    aws,
    collect,
    inventory,
    only,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
AMI = "ami-12c6146b"
HIGH_RISK = "aws.ec2.sg_no_ingress_high_risk_ports"
INSTANCE = "aws.ec2.instance_no_internet_exposed_ports"
WIZARD = "aws.ec2.sg_not_launch_wizard"
REVIEWABLE = "aws.ec2.sg_rules_reviewable"
TEMPLATE = "aws.ec2.launch_template_no_public_ip"
WORLD = [{"CidrIp": "0.0.0.0/0"}]
WORLD6 = [{"CidrIpv6": "::/0"}]


def _default_vpc(ec2: Any) -> str:
    return str(ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"])


def _group(ec2: Any, name: str, *rules: tuple[str, int, int, dict[str, Any]], vpc: str | None = None) -> str:
    """A security group admitting ``rules``: (protocol, from port, to port, sources)."""
    gid = str(ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc or _default_vpc(ec2))["GroupId"])
    if rules:
        ec2.authorize_security_group_ingress(
            GroupId=gid,
            IpPermissions=[
                {"IpProtocol": protocol, "FromPort": low, "ToPort": high, **sources}
                for protocol, low, high, sources in rules
            ],
        )
    return gid


def _instance(ec2: Any, **placement: Any) -> str:
    launched = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, **placement)
    return str(launched["Instances"][0]["InstanceId"])


def test_the_high_risk_ports_are_none_the_other_exposure_checks_judge() -> None:
    # given the port sets of the admin, database and file-sharing checks
    judged_elsewhere = set(ADMIN_PORTS) | set(DATABASE_PORTS) | set(FILE_SHARING_PORTS)
    # then no high-risk port is counted twice
    assert not set(HIGH_RISK_PORTS) & judged_elsewhere
    assert {9092, 389, 636, 88, 5601, 9300, 7199, 9160, 8888} <= set(HIGH_RISK_PORTS)


def test_each_port_of_a_service_is_judged_not_only_its_best_known(moto_reset: str) -> None:
    # given groups opening to the internet only a service's lesser-known port: MongoDB's shard, Oracle's listeners,
    # the SQL Server Browser (over UDP), Cassandra's internode traffic and Kerberos administration
    ec2 = aws(moto_reset, "ec2")
    opened = {
        (port, protocol): _group(ec2, f"{protocol}-{port}", (protocol, port, port, {"IpRanges": WORLD}))
        for port, protocol in [
            (27018, "tcp"),
            (2483, "tcp"),
            (2484, "tcp"),
            (1434, "udp"),
            (7000, "tcp"),
            (7001, "tcp"),
            (464, "udp"),
            (749, "tcp"),
            (750, "udp"),
        ]
    }
    # when the database and high-risk checks run
    inv = collect(moto_reset, [HIGH_RISK])
    failing = {
        o.resource_id: o.reason
        for check in (HIGH_RISK, "aws.ec2.sg_no_ingress_database_ports")
        for o in run(inv, check)
        if o.status == FAIL
    }
    # then each group fails, its reason naming the port and the service
    for (port, _), gid in opened.items():
        assert f"port {port} (" in failing[gid], (port, failing.get(gid))
    assert "MongoDB shard" in failing[opened[(27018, "tcp")]]
    assert "SQL Server Browser" in failing[opened[(1434, "udp")]]
    assert "Kerberos administration" in failing[opened[(749, "tcp")]]


def test_security_groups_admitting_the_internet_to_high_risk_ports(moto_reset: str) -> None:
    # given groups open to the internet on Kafka, on LDAP over UDP from ::/0, on a range holding Kibana, and on MySQL
    # only (the database check's); and groups admitting Kafka from a private range, or on UDP (Kafka is TCP)
    ec2 = aws(moto_reset, "ec2")
    kafka = _group(ec2, "kafka", ("tcp", 9092, 9092, {"IpRanges": WORLD}))
    ldap6 = _group(ec2, "ldap", ("udp", 389, 389, {"Ipv6Ranges": WORLD6}))
    kibana = _group(ec2, "dashboards", ("tcp", 5000, 6000, {"IpRanges": WORLD, "Ipv6Ranges": WORLD6}))
    mysql = _group(ec2, "mysql", ("tcp", 3306, 3306, {"IpRanges": WORLD}))
    private = _group(ec2, "kafka-private", ("tcp", 9092, 9092, {"IpRanges": [{"CidrIp": "10.0.0.0/8"}]}))
    udp = _group(ec2, "kafka-udp", ("udp", 9092, 9092, {"IpRanges": WORLD}))
    # when the check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, HIGH_RISK)}
    # then only the groups opening a high-risk port to everyone fail, the reason naming ports and services
    mine = {kafka, ldap6, kibana, mysql, private, udp}
    assert {k: o.status for k, o in outcomes.items() if k in mine} == {
        kafka: FAIL,
        ldap6: FAIL,
        kibana: FAIL,
        mysql: PASS,
        private: PASS,
        udp: PASS,
    }
    assert outcomes[kafka].reason == f"Security group {kafka} admits 0.0.0.0/0 to high-risk port 9092 (Kafka)"
    assert outcomes[ldap6].reason == f"Security group {ldap6} admits ::/0 to high-risk port 389 (LDAP)"
    assert (
        outcomes[kibana].reason == f"Security group {kibana} admits 0.0.0.0/0 and ::/0 to high-risk port 5601 (Kibana)"
    )
    assert outcomes[mysql].reason == f"Security group {mysql} admits the internet to no high-risk port"
    assert outcomes[kibana].observed["exposed_ports"] == {"5601": ["0.0.0.0/0", "::/0"]}


def test_instances_with_a_public_address_reachable_on_high_risk_ports(moto_reset: str) -> None:
    # given a group admitting the internet to SSH and Kafka, one admitting ::/0 to MySQL, and one serving HTTPS
    ec2 = aws(moto_reset, "ec2")
    vpc = _default_vpc(ec2)
    open4 = _group(ec2, "open", ("tcp", 22, 22, {"IpRanges": WORLD}), ("tcp", 9092, 9092, {"IpRanges": WORLD}))
    open6 = _group(ec2, "mysql6", ("tcp", 3306, 3306, {"Ipv6Ranges": WORLD6}))
    web = _group(ec2, "web", ("tcp", 443, 443, {"IpRanges": WORLD, "Ipv6Ranges": WORLD6}))
    # and instances: in the default subnets (moto, like AWS, gives them a public IPv4 address), in a private subnet,
    # and in a subnet of an IPv6 VPC with an IPv6 address only
    exposed = _instance(ec2, SecurityGroupIds=[open4, web])
    v6_rule_only = _instance(ec2, SecurityGroupIds=[open6])
    serving = _instance(ec2, SecurityGroupIds=[web])
    private_subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="172.31.200.0/24", AvailabilityZone=f"{REGION}a")
    private = _instance(
        ec2, NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": private_subnet["Subnet"]["SubnetId"], "Groups": [open4]}]
    )
    v6_vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]["VpcId"]
    block = ec2.describe_vpcs(VpcIds=[v6_vpc])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    v6_subnet = ec2.create_subnet(VpcId=v6_vpc, CidrBlock="10.9.1.0/24", Ipv6CidrBlock=block.replace("/56", "/64"))
    v6_group = _group(ec2, "mysql6-v6", ("tcp", 3306, 3306, {"Ipv6Ranges": WORLD6}), vpc=v6_vpc)
    v6_only = _instance(ec2, SubnetId=v6_subnet["Subnet"]["SubnetId"], Ipv6AddressCount=1, SecurityGroupIds=[v6_group])
    # when the check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, INSTANCE)}
    # then an instance fails when a source its addresses can be reached from is admitted to a high-risk port
    assert statuses(outcomes.values()) == {
        exposed: FAIL,
        v6_rule_only: PASS,
        serving: PASS,
        private: PASS,
        v6_only: FAIL,
    }
    public_ip = outcomes[exposed].observed["public_ip"]
    assert public_ip
    assert outcomes[exposed].reason == (
        f"Instance {exposed} (public IP {public_ip}) admits 0.0.0.0/0 to port 22 (SSH), 9092 (Kafka) through {open4}"
    )
    assert outcomes[exposed].observed["exposed_ports"]["22"] == {
        "service": "SSH",
        "sources": ["0.0.0.0/0"],
        "groups": [open4],
    }
    assert outcomes[private].reason == (
        f"Instance {private} has no public IPv4 or IPv6 address, so the internet cannot reach it directly"
    )
    assert outcomes[v6_rule_only].reason.endswith("its security groups admit the internet to no high-risk port")
    (address,) = outcomes[v6_only].observed["ipv6_addresses"]
    assert outcomes[v6_only].reason == (
        f"Instance {v6_only} (IPv6 {address}) admits ::/0 to port 3306 (MySQL) through {v6_group}"
    )


def test_an_instance_in_an_older_inventory_or_with_an_unread_group_is_not_judged() -> None:
    # given an instance collected before its groups were kept, and one carrying a group the listing lacked
    old = {"id": "i-old", "state": "running", "metadata_options": {}, "public_ip": "198.51.100.7", "region": REGION}
    unread = {**old, "id": "i-unread", "security_group_ids": ["sg-gone"], "ipv6_addresses": []}
    built = inventory(ec2={"regions": {REGION: {"security_groups": [], "instances": [old, unread]}}})
    # when the check runs / then neither is passed nor failed
    outcomes = {o.resource_id: o for o in run(built, INSTANCE)}
    assert statuses(outcomes.values()) == {"i-old": ERROR, "i-unread": ERROR}
    assert outcomes["i-unread"].reason == (
        "Instance i-unread (public IP 198.51.100.7) carries security group(s) not collected: sg-gone"
    )


def test_security_groups_made_by_the_launch_wizard(moto_reset: str) -> None:
    # given a group named as the console's launch wizard names its groups, and two that are not its
    ec2 = aws(moto_reset, "ec2")
    wizard = _group(ec2, "launch-wizard-3", ("tcp", 22, 22, {"IpRanges": WORLD}))
    lookalike = _group(ec2, "launch-wizard-web")
    web = _group(ec2, "web")
    # when the check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, WIZARD)}
    # then only the wizard's fails (the default group passes too)
    assert {k: o.status for k, o in outcomes.items() if k in {wizard, lookalike, web}} == {
        wizard: FAIL,
        lookalike: PASS,
        web: PASS,
    }
    assert outcomes[wizard].reason == (
        f"Security group {wizard} is launch-wizard-3, a group the EC2 console's launch wizard created"
    )
    assert outcomes[web].reason == f"Security group {web} (web) was not named by the EC2 console's launch wizard"
    assert {o.status for k, o in outcomes.items() if k != wizard} == {PASS}


def test_security_groups_with_more_rules_than_can_be_reviewed(moto_reset: str) -> None:
    # given a group of 61 rules (60 inbound sources, the default outbound rule), and one of exactly 50 (49 + 1)
    ec2 = aws(moto_reset, "ec2")
    sources = [{"CidrIp": f"10.0.{n}.0/24"} for n in range(10)]
    large = _group(ec2, "large", *[("tcp", 8000 + n, 8000 + n, {"IpRanges": sources}) for n in range(6)])
    edge = _group(
        ec2,
        "edge",
        *[("tcp", 8000 + n, 8000 + n, {"IpRanges": sources}) for n in range(4)],
        ("tcp", 9000, 9000, {"IpRanges": sources[:9]}),
    )
    # when the check runs over two regions
    inv = collect(moto_reset, [REVIEWABLE], [REGION, OTHER_REGION])
    outcomes = {o.resource_id: o for o in run(inv, REVIEWABLE)}
    # then the group past the limit fails, the one at it passes, and so do the default groups of both regions
    assert outcomes[large].status == FAIL and outcomes[edge].status == PASS
    assert outcomes[large].reason == (
        f"Security group {large} has 61 rules (60 inbound, 1 outbound), more than {MAX_REVIEWABLE_RULES}"
    )
    assert outcomes[edge].reason == f"Security group {edge} has 50 rules (49 inbound, 1 outbound)"
    others = [o for k, o in outcomes.items() if k not in {large, edge}]
    assert {o.status for o in others} == {PASS} and {o.region for o in others} == {REGION, OTHER_REGION}


def _template(ec2: Any, name: str, *public: bool | None) -> str:
    """A launch template whose versions (the first is the default) ask, refuse or say nothing of a public IP."""

    def data(asked: bool | None) -> dict[str, Any]:
        if asked is None:
            return {"ImageId": AMI}
        return {"ImageId": AMI, "NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": asked}]}

    created = ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData=data(public[0]))
    tid = str(created["LaunchTemplate"]["LaunchTemplateId"])
    for asked in public[1:]:
        ec2.create_launch_template_version(LaunchTemplateId=tid, LaunchTemplateData=data(asked))
    return f"arn:aws:ec2:{REGION}:{ACCOUNT}:launch-template/{tid}"


def test_launch_templates_assigning_public_ip_addresses(moto_reset: str) -> None:
    # given templates whose default version asks for a public IP (fixed in a newer version), whose latest version asks
    # for one, which refuse one, and which say nothing
    ec2 = aws(moto_reset, "ec2")
    default_public = _template(ec2, "default-public", True, False)
    latest_public = _template(ec2, "latest-public", False, None, True)
    refused = _template(ec2, "refused", False)
    unset = _template(ec2, "unset", None)
    # when the check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, TEMPLATE)}
    # then a default or latest version asking for a public address fails
    assert statuses(outcomes.values()) == {default_public: FAIL, latest_public: FAIL, refused: PASS, unset: PASS}
    assert outcomes[default_public].reason == (
        "Launch template default-public: version 1 (default) assigns a public IP address "
        "(AssociatePublicIpAddress true)"
    )
    assert outcomes[latest_public].reason.endswith(
        "version 3 (latest) assigns a public IP address (AssociatePublicIpAddress true)"
    )
    assert (
        outcomes[refused].reason
        == "Launch template refused: version 1 (default and latest) assigns no public IP address"
    )
    assert outcomes[unset].reason == (
        "Launch template unset: version 1 (default and latest) does not ask for a public IP address"
    )
    assert outcomes[default_public].observed["versions"] == {
        "1": {"associate_public_ip_address": True},
        "2": {"associate_public_ip_address": False},
    }


def test_a_launch_template_in_an_older_inventory_is_not_judged() -> None:
    version = {"number": 1, "default": True, "latest": True, "http_tokens": None, "http_endpoint": None}
    template = {"id": "lt-1", "name": "old", "arn": "arn:lt-1", "versions": [version], "region": REGION}
    built = inventory(launch_templates={"regions": {REGION: {"launch_templates": [template]}}})
    outcome = only(run(built, TEMPLATE))
    assert outcome.status == ERROR
    assert outcome.reason == "The inventory predates launch template public IP collection (Launch template old)"
