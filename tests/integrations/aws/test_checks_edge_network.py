"""Edge and network checks against moto: CloudFront failover, SNI and root objects; EC2 instances' virtualisation,
interfaces and role credentials within the internet's reach; endpoint services; Network Firewall deletion protection."""

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
    run,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
HVM_AMI = "ami-12c6146b"
PV_AMI = "ami-8104a4f8"  # a paravirtual image of moto's catalogue
CERTIFICATE = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/0d3c8a2e-5b1f-4c6e-9a7d-2f4e6b8c0a1d"
FAILOVER, SNI, ROOT = "aws.cloudfront.origin_failover", "aws.cloudfront.sni_only", "aws.cloudfront.default_root_object"
PARAVIRTUAL = "aws.ec2.instance_not_paravirtual"
SINGLE_ENI = "aws.ec2.instance_single_network_interface"
EXPOSED_ROLE = "aws.ec2.internet_facing_instance_no_profile"
PRINCIPALS = "aws.vpc.endpoint_service_principals_restricted"
ACCEPTANCE = "aws.vpc.endpoint_service_acceptance_required"
FIREWALL_PROTECTION = "aws.networkfirewall.deletion_protection"


def _reasons(outcomes: list[Any]) -> dict[str, str]:
    return {o.resource_id: o.reason for o in outcomes}


# --- CloudFront ----------------------------------------------------------------------------------------------------


def _origin(origin_id: str, bucket: str) -> dict[str, Any]:
    return {"Id": origin_id, "DomainName": f"{bucket}.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}


def _distribution(endpoint: str, reference: str, *, hardened: bool, certificate: dict[str, Any] | None = None) -> str:
    origins = [_origin("primary", f"{reference}-site"), *([_origin("secondary", f"{reference}-replica")] * hardened)]
    config: dict[str, Any] = {
        "CallerReference": reference,
        "Comment": reference,
        "Enabled": True,
        "Origins": {"Quantity": len(origins), "Items": origins},
        "DefaultCacheBehavior": {
            "TargetOriginId": "primary",
            "ViewerProtocolPolicy": "redirect-to-https",
            "MinTTL": 0,
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
        },
    }
    if hardened:
        config["DefaultRootObject"] = "index.html"
        members = {"Quantity": 2, "Items": [{"OriginId": "primary"}, {"OriginId": "secondary"}]}
        criteria = {"StatusCodes": {"Quantity": 3, "Items": [500, 502, 503]}}
        group = {"Id": "site-failover", "FailoverCriteria": criteria, "Members": members}
        config["OriginGroups"] = {"Quantity": 1, "Items": [group]}
    if certificate is not None:
        config["ViewerCertificate"] = certificate
    created = aws(endpoint, "cloudfront").create_distribution(DistributionConfig=config)
    return str(created["Distribution"]["Id"])


def _acm(method: str) -> dict[str, Any]:
    return {"ACMCertificateArn": CERTIFICATE, "SSLSupportMethod": method, "MinimumProtocolVersion": "TLSv1.2_2021"}


def test_distributions_with_failover_root_object_and_sni_pass_and_others_fail(moto_reset: str) -> None:
    # given a distribution with an origin group, a default root object and an ACM certificate served with SNI
    hardened = _distribution(moto_reset, "hardened", hardened=True, certificate=_acm("sni-only"))
    # a single-origin distribution without a root object, its ACM certificate on dedicated IP addresses (vip)
    plain = _distribution(moto_reset, "plain", hardened=False, certificate=_acm("vip"))
    # and one on the default *.cloudfront.net certificate
    default = _distribution(moto_reset, "default-cert", hardened=False)
    # when the three checks run
    inv = collect(moto_reset, [FAILOVER, SNI, ROOT])
    # then the hardened distribution passes each, the others fail, and the SNI check leaves the default one out
    assert statuses(run(inv, FAILOVER)) == {hardened: PASS, plain: FAIL, default: FAIL}
    assert statuses(run(inv, ROOT)) == {hardened: PASS, plain: FAIL, default: FAIL}
    assert statuses(run(inv, SNI)) == {hardened: PASS, plain: FAIL}
    assert _reasons(run(inv, FAILOVER)) == {
        hardened: f"Distribution {hardened} has origin group site-failover with a secondary origin to fail over to",
        plain: f"Distribution {plain} has no origin group: a failing origin has no second one behind it",
        default: f"Distribution {default} has no origin group: a failing origin has no second one behind it",
    }
    roots = _reasons(run(inv, ROOT))
    assert roots[hardened] == f"Distribution {hardened} answers its root URL with index.html"
    assert (
        roots[plain] == f"Distribution {plain} has no default root object: its root URL is passed to the origin as is"
    )
    sni = {o.resource_id: o for o in run(inv, SNI)}
    assert sni[plain].reason == (
        f"Distribution {plain} serves certificate {CERTIFICATE} from dedicated IP addresses (vip), not sni-only"
    )
    assert sni[hardened].observed["ssl_support_method"] == "sni-only"


def test_an_origin_group_of_one_member_is_no_failover_and_older_inventories_are_errors() -> None:
    # given a distribution whose only origin group has a single member, and one collected before groups were kept
    lone = {"Id": "lonely", "Members": {"Quantity": 1, "Items": [{"OriginId": "primary"}]}}
    distributions = [
        {"id": "E1LONE", "origin_groups": [lone], "default_root_object": None, "viewer_certificate": {}},
        {"id": "E2OLD", "viewer_certificate": {"IAMCertificateId": "ASCAEXAMPLE", "SSLSupportMethod": "static-ip"}},
    ]
    inv = inventory(cloudfront={"distributions": distributions})
    # when the checks run
    # then the single-member group fails, the old inventory errors for what it lacks, and static-ip fails SNI
    assert statuses(run(inv, FAILOVER)) == {"E1LONE": FAIL, "E2OLD": ERROR}
    assert statuses(run(inv, ROOT)) == {"E1LONE": FAIL, "E2OLD": ERROR}
    assert statuses(run(inv, SNI)) == {"E2OLD": FAIL}


# --- EC2 instances -------------------------------------------------------------------------------------------------


def _instance(endpoint: str, image: str = HVM_AMI, **settings: Any) -> str:
    created = aws(endpoint, "ec2").run_instances(ImageId=image, MinCount=1, MaxCount=1, **settings)
    return str(created["Instances"][0]["InstanceId"])


def test_paravirtual_instances_fail(moto_reset: str) -> None:
    # given an instance from an HVM image and one from a paravirtual image
    hvm, pv = _instance(moto_reset), _instance(moto_reset, PV_AMI)
    # when the check runs
    outcomes = run(collect(moto_reset, [PARAVIRTUAL]), PARAVIRTUAL)
    # then only the paravirtual one fails
    assert statuses(outcomes) == {hvm: PASS, pv: FAIL}
    assert _reasons(outcomes) == {
        hvm: f"EC2 instance {hvm} uses hvm virtualisation",
        pv: f"EC2 instance {pv} is paravirtual (PV), a previous-generation virtualisation type",
    }


def test_instances_with_a_second_network_interface_fail(moto_reset: str) -> None:
    ec2 = aws(moto_reset, "ec2")
    # given an instance with one interface and one with a second interface attached from another subnet
    vpc = ec2.create_vpc(CidrBlock="10.4.0.0/16")["Vpc"]["VpcId"]
    front = ec2.create_subnet(VpcId=vpc, CidrBlock="10.4.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    back = ec2.create_subnet(VpcId=vpc, CidrBlock="10.4.2.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    single = _instance(moto_reset, SubnetId=front)
    bridge = _instance(moto_reset, SubnetId=front)
    extra = ec2.create_network_interface(SubnetId=back)["NetworkInterface"]["NetworkInterfaceId"]
    ec2.attach_network_interface(NetworkInterfaceId=extra, InstanceId=bridge, DeviceIndex=1)
    # when the check runs
    outcomes = run(collect(moto_reset, [SINGLE_ENI]), SINGLE_ENI)
    # then the instance bridging two subnets fails, naming both
    assert statuses(outcomes) == {single: PASS, bridge: FAIL}
    failed = next(o for o in outcomes if o.resource_id == bridge)
    assert failed.observed["subnets"] == sorted([front, back])
    assert extra in failed.observed["network_interfaces"]
    assert failed.reason.startswith(f"EC2 instance {bridge} has 2 network interfaces (")


def test_efa_only_interfaces_do_not_count_and_older_inventories_are_errors() -> None:
    # given an HPC instance with an EFA-only interface beside its one IP interface, and one from an older inventory
    interfaces = [
        {"id": "eni-1", "subnet_id": "subnet-1", "type": "interface"},
        {"id": "eni-2", "subnet_id": "subnet-1", "type": "efa-only"},
    ]
    instances = [
        {"id": "i-hpc", "state": "running", "network_interfaces": interfaces, "region": REGION},
        {"id": "i-old", "state": "running", "region": REGION},
    ]
    inv = inventory(ec2={"regions": {REGION: {"instances": instances}}})
    # when the checks run
    # then the EFA-only interface is not counted, and the old inventory is an error for both checks
    assert statuses(run(inv, SINGLE_ENI)) == {"i-hpc": PASS, "i-old": ERROR}
    assert statuses(run(inv, PARAVIRTUAL)) == {"i-hpc": ERROR, "i-old": ERROR}


def _group(endpoint: str, name: str, vpc: str | None = None, *, world: bool) -> str:
    ec2 = aws(endpoint, "ec2")
    created = ec2.create_security_group(GroupName=name, Description=name, **({"VpcId": vpc} if vpc else {}))
    group = str(created["GroupId"])
    source = "0.0.0.0/0" if world else "10.0.0.0/8"
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": source}]}],
    )
    return group


def test_instances_with_a_role_open_to_the_internet_fail(moto_reset: str) -> None:
    ec2 = aws(moto_reset, "ec2")
    aws(moto_reset, "iam").create_instance_profile(InstanceProfileName="web")
    role: dict[str, Any] = {"IamInstanceProfile": {"Name": "web"}}
    # given instances in the default subnets (which give a public IPv4 address) with a role: one behind a group open
    # to the internet, one behind a group open to 10.0.0.0/8 only
    exposed = _instance(moto_reset, SecurityGroupIds=[_group(moto_reset, "public-web", world=True)], **role)
    fenced = _instance(moto_reset, SecurityGroupIds=[_group(moto_reset, "internal-web", world=False)], **role)
    # an instance with a role in a private subnet (no public address) behind a group open to the internet
    vpc = ec2.create_vpc(CidrBlock="10.5.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.5.1.0/24")["Subnet"]["SubnetId"]
    private = _instance(
        moto_reset, SubnetId=subnet, SecurityGroupIds=[_group(moto_reset, "app", vpc, world=True)], **role
    )
    # and an instance open to the internet with no role at all (not judged here)
    _instance(moto_reset, SecurityGroupIds=[_group(moto_reset, "no-role", world=True)])
    # when the check runs
    outcomes = run(collect(moto_reset, [EXPOSED_ROLE]), EXPOSED_ROLE)
    # then only the instance whose role the internet can reach fails
    assert statuses(outcomes) == {exposed: FAIL, fenced: PASS, private: PASS}
    reasons = _reasons(outcomes)
    assert "open to the internet and instance profile arn:aws:iam::" in reasons[exposed]
    assert reasons[fenced].endswith("but no security group admitting the internet")
    assert reasons[private].endswith("and no public address")


# --- VPC endpoint services -----------------------------------------------------------------------------------------


def _endpoint_service(endpoint: str, name: str, region: str = REGION, *, accept: bool, principals: list[str]) -> str:
    ec2, elbv2 = aws(endpoint, "ec2", region), aws(endpoint, "elbv2", region)
    vpc = ec2.create_vpc(CidrBlock="10.6.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.6.1.0/24", AvailabilityZone=f"{region}a")["Subnet"]
    balancer = elbv2.create_load_balancer(Name=name, Subnets=[subnet["SubnetId"]], Type="network")
    created = ec2.create_vpc_endpoint_service_configuration(
        NetworkLoadBalancerArns=[balancer["LoadBalancers"][0]["LoadBalancerArn"]], AcceptanceRequired=accept
    )
    service = str(created["ServiceConfiguration"]["ServiceId"])
    if principals:
        ec2.modify_vpc_endpoint_service_permissions(ServiceId=service, AddAllowedPrincipals=principals)
    return service


def test_endpoint_services_open_to_everyone_or_without_acceptance_fail(moto_reset: str) -> None:
    # given a service open to any account (*) that accepts every request, in one region
    open_service = _endpoint_service(moto_reset, "open", accept=False, principals=["*"])
    # a service for a named partner account that requires acceptance, in another region
    partner = _endpoint_service(
        moto_reset, "partner", OTHER_REGION, accept=True, principals=["arn:aws:iam::210987654321:root"]
    )
    # and a service for the account's own role only, accepting without review
    internal = _endpoint_service(
        moto_reset, "internal", accept=False, principals=[f"arn:aws:iam::{ACCOUNT}:role/consumer"]
    )
    # when both checks run over both regions
    inv = collect(moto_reset, [PRINCIPALS, ACCEPTANCE], [REGION, OTHER_REGION])
    # then "*" fails the principals check, named principals pass it, and acceptance decides the other
    assert statuses(run(inv, PRINCIPALS)) == {open_service: FAIL, partner: PASS, internal: PASS}
    assert statuses(run(inv, ACCEPTANCE)) == {open_service: FAIL, partner: PASS, internal: FAIL}
    found = {o.resource_id: o for o in run(inv, PRINCIPALS)}
    assert found[open_service].reason == f"Endpoint service {open_service} allows any AWS account (*) to connect"
    assert found[partner].region == OTHER_REGION
    assert found[partner].observed["other"] == ["arn:aws:iam::210987654321:root"]
    assert found[internal].reason == f"Endpoint service {internal} allows only principals of this account"


def test_a_refused_permissions_read_is_an_error_for_that_service_only(moto_reset: str) -> None:
    # given a service whose allowed principals EC2 refuses to describe
    service = _endpoint_service(moto_reset, "guarded", accept=True, principals=["*"])
    built = connector(moto_reset)
    built.session.events.register(
        "before-send.ec2.DescribeVpcEndpointServicePermissions",
        lambda **_: ec2_error("UnauthorizedOperation", "denied", 403),
    )
    # when the services are collected and the checks run
    collected = built.collect({"vpc_endpoint_services"})
    # then the principals check errors for it, and the acceptance check still judges it
    assert collected.errors == {} and collected.region_errors == {}
    outcome = only(run(collected, PRINCIPALS))
    assert (outcome.resource_id, outcome.status) == (service, ERROR)
    assert "DescribeVpcEndpointServicePermissions failed with UnauthorizedOperation" in outcome.reason
    assert statuses(run(collected, ACCEPTANCE)) == {service: PASS}


# --- Network Firewall ----------------------------------------------------------------------------------------------


def _firewall(endpoint: str, name: str, **settings: Any) -> str:
    created = aws(endpoint, "network-firewall").create_firewall(
        FirewallName=name,
        FirewallPolicyArn=f"arn:aws:network-firewall:{REGION}:{ACCOUNT}:firewall-policy/egress",
        VpcId="vpc-0f1e2d3c",
        SubnetMappings=[{"SubnetId": "subnet-0a1b2c3d"}],
        **settings,
    )
    return str(created["Firewall"]["FirewallArn"])


def test_firewalls_without_deletion_protection_fail(moto_reset: str) -> None:
    # given a firewall made with deletion protection and one made without (moto's default is on)
    guarded = _firewall(moto_reset, "guarded", DeleteProtection=True)
    exposed = _firewall(moto_reset, "exposed", DeleteProtection=False)
    # when the check runs
    outcomes = run(collect(moto_reset, [FIREWALL_PROTECTION]), FIREWALL_PROTECTION)
    # then only the protected one passes
    assert statuses(outcomes) == {guarded: PASS, exposed: FAIL}
    assert _reasons(outcomes) == {
        guarded: "Network Firewall guarded has deletion protection on",
        exposed: "Network Firewall exposed can be deleted: deletion protection is off",
    }


def test_a_refused_describe_firewall_is_an_error_for_the_protection_check_only(moto_reset: str) -> None:
    # given a firewall Network Firewall refuses to describe
    arn = _firewall(moto_reset, "hidden", DeleteProtection=True)
    built = connector(moto_reset)
    built.session.events.register(
        "before-send.network-firewall.DescribeFirewall",
        lambda **_: json_reply({"__type": "AccessDeniedException", "message": "denied"}, 403),
    )
    # when the firewalls are collected and both firewall checks run
    collected = built.collect({"networkfirewall"})
    # then the protection check errors for it, and the logging check still judges it
    outcome = only(run(collected, FIREWALL_PROTECTION))
    assert (outcome.resource_id, outcome.status) == (arn, ERROR)
    assert "DescribeFirewall failed with AccessDeniedException" in outcome.reason
    assert statuses(run(collected, "aws.networkfirewall.logging_enabled")) == {arn: FAIL}
