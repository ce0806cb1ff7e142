"""Shield Advanced coverage: in an account that subscribes, the internet-facing resources it can protect are named in
a protection (Application and classic load balancers, CloudFront distributions, Route 53 public hosted zones and
Elastic IP addresses attached to instances or interfaces).

Shield Advanced protects only the resources its protections name; the subscription alone covers nothing. An account
without it is not judged (there is nothing to add a protection to).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from integrations.registry import Inventory, Outcome, Severity

from ._common import aws_check, items, regional_arn, result, service_data
from .elb import CLASSIC_LOAD_BALANCER, LOAD_BALANCER_V2, classic_balancers, internet_facing_albs

DISTRIBUTION = "AWS::CloudFront::Distribution"
HOSTED_ZONE = "AWS::Route53::HostedZone"
ELASTIC_IP = "AWS::EC2::EIP"
_REMEDIATION_TAIL = "associate a Route 53 health check, and consider application-layer automatic mitigation."


@dataclass(frozen=True)
class _Protectable:
    arn: str
    resource_id: str
    resource_type: str
    label: str
    region: str = ""


def _judge(inventory: Inventory, resources: Iterable[_Protectable]) -> Iterator[Outcome]:
    shield = service_data(inventory, "shield")
    if not shield.get("subscribed"):
        return  # without Shield Advanced there is nothing to add a protection to: not judged
    protected = set(shield.get("protected_resources") or [])
    for resource in resources:
        ok = resource.arn in protected
        reason = f"{resource.label} {'is' if ok else 'is not'} protected by Shield Advanced"
        yield result(ok, resource.resource_id, resource.resource_type, reason, region=resource.region, arn=resource.arn)


@aws_check(
    id="aws.shield.internet_facing_alb_protected",
    title="Internet-facing Application Load Balancers are protected by Shield Advanced",
    severity=Severity.MEDIUM,
    service="shield",
    resource_type=LOAD_BALANCER_V2,
    rationale="An account that pays for Shield Advanced gets tailored detection, automatic application-layer "
    "mitigation, the response team's help and cost protection only for the resources it names; a public load "
    "balancer left out has Shield Standard's network-layer defence alone.",
    remediation="Add a Shield Advanced protection for the load balancer (CreateProtection with its ARN), associate a "
    "health check, and consider application-layer automatic mitigation with its WAF web ACL.",
    requires=("shield", "elbv2"),
)
def shield_internet_facing_alb_protected(inventory: Inventory) -> Iterable[Outcome]:
    return _judge(
        inventory,
        (
            _Protectable(
                str(lb.get("arn")),
                str(lb.get("arn")),
                LOAD_BALANCER_V2,
                f"Internet-facing Application Load Balancer {lb.get('name') or lb.get('arn')}",
                str(lb.get("region", "")),
            )
            for lb in internet_facing_albs(inventory)
        ),
    )


@aws_check(
    id="aws.shield.classic_load_balancer_protected",
    title="Internet-facing classic load balancers are protected by Shield Advanced",
    severity=Severity.MEDIUM,
    service="shield",
    resource_type=CLASSIC_LOAD_BALANCER,
    rationale="A classic load balancer facing the internet takes the same floods as any public endpoint; with "
    "Shield Advanced subscribed but no protection naming it, it has Shield Standard's defence alone and none of the "
    "response team's help or cost protection.",
    remediation=f"Add a Shield Advanced protection for the load balancer (CreateProtection with its ARN), "
    f"{_REMEDIATION_TAIL}",
    requires=("shield", "elb"),
)
def shield_classic_load_balancer_protected(inventory: Inventory) -> Iterable[Outcome]:
    account = inventory.account_id or ""

    def balancers() -> Iterator[_Protectable]:
        for lb in classic_balancers(inventory):
            if (lb.get("scheme") or "internet-facing") != "internet-facing":
                continue
            region, name = str(lb.get("region", "")), str(lb.get("name"))
            arn = regional_arn("elasticloadbalancing", region, account, f"loadbalancer/{name}")
            yield _Protectable(
                arn, name, CLASSIC_LOAD_BALANCER, f"Internet-facing classic load balancer {name}", region
            )

    return _judge(inventory, balancers())


@aws_check(
    id="aws.shield.cloudfront_distribution_protected",
    title="CloudFront distributions are protected by Shield Advanced",
    severity=Severity.MEDIUM,
    service="shield",
    resource_type=DISTRIBUTION,
    rationale="A distribution is the public front of what it serves and the first thing a layer 7 flood reaches; "
    "Shield Advanced's automatic application-layer mitigation and its response team act only for distributions a "
    "protection names.",
    remediation=f"Add a Shield Advanced protection for the distribution (CreateProtection with its ARN), "
    f"{_REMEDIATION_TAIL}",
    requires=("shield", "cloudfront"),
)
def shield_cloudfront_distribution_protected(inventory: Inventory) -> Iterable[Outcome]:
    distributions = service_data(inventory, "cloudfront").get("distributions", [])
    return _judge(
        inventory,
        (
            _Protectable(str(d.get("arn")), str(d.get("id")), DISTRIBUTION, f"CloudFront distribution {d.get('id')}")
            for d in distributions
            if d.get("enabled")
        ),
    )


@aws_check(
    id="aws.shield.route53_hosted_zone_protected",
    title="Route 53 public hosted zones are protected by Shield Advanced",
    severity=Severity.MEDIUM,
    service="shield",
    resource_type=HOSTED_ZONE,
    rationale="A public hosted zone answers for the whole domain; a DNS flood against it takes down every name in "
    "it at once, and Shield Advanced's response team and cost protection cover a zone only when a protection names "
    "it.",
    remediation="Add a Shield Advanced protection for the hosted zone (CreateProtection with its ARN).",
    requires=("shield", "route53"),
)
def shield_route53_hosted_zone_protected(inventory: Inventory) -> Iterable[Outcome]:
    zones = service_data(inventory, "route53").get("hosted_zones", [])
    return _judge(
        inventory,
        (
            _Protectable(str(z["arn"]), str(z["id"]), HOSTED_ZONE, f"Route 53 public hosted zone {z['name']}")
            for z in zones
            if not z.get("private")
        ),
    )


@aws_check(
    id="aws.shield.elastic_ip_protected",
    title="Elastic IP addresses in use are protected by Shield Advanced",
    severity=Severity.MEDIUM,
    service="shield",
    resource_type=ELASTIC_IP,
    rationale="An Elastic IP attached to an instance or interface is a public address attackers can flood directly; "
    "Shield Advanced places its network-layer mitigations at the VPC edge for the addresses a protection names, "
    "and for no other.",
    remediation=f"Add a Shield Advanced protection for the Elastic IP allocation (CreateProtection with its ARN), "
    f"{_REMEDIATION_TAIL}",
    requires=("shield", "eip"),
)
def shield_elastic_ip_protected(inventory: Inventory) -> Iterable[Outcome]:
    account = inventory.account_id or ""

    def addresses() -> Iterator[_Protectable]:
        for address in items(inventory, "eip", "addresses"):
            allocation = address.get("allocation_id")
            if not allocation or not address.get("association_id"):
                continue  # idle addresses are aws.ec2.eip_associated's; EC2-Classic ones cannot be protected
            region = str(address.get("region", ""))
            arn = regional_arn("ec2", region, account, f"eip-allocation/{allocation}")
            label = f"Elastic IP {address.get('public_ip')} ({allocation})"
            yield _Protectable(arn, str(allocation), ELASTIC_IP, label, region)

    return _judge(inventory, addresses())
