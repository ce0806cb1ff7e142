"""Checks on SageMaker Studio domains: users sign in through IAM Identity Center, apps reach the network only through
the domain's VPC, and the domain's storage is under a customer managed key."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_analytics import SageMakerDomain
from ._common import Verdict, aws_check, regional_listing, result

DOMAIN = "AWS::SageMaker::Domain"


def _domain_id(domain: SageMakerDomain) -> str:
    return str(domain.get("arn") or domain["id"])


def _label(domain: SageMakerDomain) -> str:
    return f"SageMaker domain {domain.get('name') or domain['id']}"


def _judge(inventory: Inventory, judge: Callable[[SageMakerDomain], Verdict]) -> Iterator[Outcome]:
    """One outcome per Studio domain of every region from ``judge``; error outcomes for a region whose domains could
    not be listed and for a domain that could not be described."""
    for found in regional_listing(
        inventory,
        "sagemaker",
        "domains",
        noun="SageMaker domains",
        resource_type=DOMAIN,
        resource_id=_domain_id,
        label=_label,
    ):
        if isinstance(found, Outcome):
            yield found
            continue
        region, domain = found
        ok, reason, observed = judge(domain)
        yield result(ok, _domain_id(domain), DOMAIN, reason, region=region, **observed)


@aws_check(
    id="aws.sagemaker.domain_sso_auth",
    title="SageMaker Studio domains sign users in through IAM Identity Center",
    severity=Severity.MEDIUM,
    service="sagemaker",
    resource_type=DOMAIN,
    rationale="A domain in IAM mode lets in whoever holds IAM permissions to create a presigned Studio URL, outside "
    "the workforce's identity provider; in IAM Identity Center mode people sign in with their organisation's "
    "identity, its MFA and its offboarding, and each action is traced to that person.",
    remediation="A domain's authentication mode is chosen when it is created: create a new domain with AuthMode SSO, "
    "assign the Identity Center users and groups that need Studio, move their spaces and data to it and delete the "
    "IAM-mode domain.",
)
def domain_sso_auth(inventory: Inventory) -> Iterable[Outcome]:
    return _judge(inventory, _sso)


def _sso(domain: SageMakerDomain) -> Verdict:
    mode = domain.get("auth_mode")
    if mode == "SSO":
        return True, f"{_label(domain)} signs users in through IAM Identity Center", {"auth_mode": mode}
    return (
        False,
        f"{_label(domain)} signs users in through {mode or 'an unreported mode'}, not IAM Identity Center",
        {"auth_mode": mode},
    )


@aws_check(
    id="aws.sagemaker.domain_vpc_only",
    title="SageMaker Studio domains reach the network only through their VPC",
    severity=Severity.MEDIUM,
    service="sagemaker",
    resource_type=DOMAIN,
    rationale="In PublicInternetOnly mode, SageMaker's default, Studio apps reach the internet through a network "
    "SageMaker manages, outside the account's security groups, network ACLs, endpoints and flow logs, so notebooks "
    "holding the organisation's data can send it anywhere unseen. VpcOnly sends all their traffic through the "
    "domain's VPC, where those controls apply.",
    remediation="Create the domain (or a new one) with AppNetworkAccessType VpcOnly in private subnets, with VPC "
    "endpoints or a NAT gateway for the services the notebooks need, and move its users to it; for an existing "
    "domain, update it to VpcOnly once every app in it is deleted (UpdateDomain).",
)
def domain_vpc_only(inventory: Inventory) -> Iterable[Outcome]:
    return _judge(inventory, _vpc_only)


def _vpc_only(domain: SageMakerDomain) -> Verdict:
    access = domain.get("app_network_access_type")
    if access == "VpcOnly":
        return True, f"{_label(domain)} sends its apps' traffic through its VPC only", {"network_access": access}
    # Not reported: SageMaker's default, public internet access.
    access = access or "PublicInternetOnly"
    return (
        False,
        f"{_label(domain)} gives its apps internet access outside its VPC ({access})",
        {"network_access": access},
    )


@aws_check(
    id="aws.sagemaker.domain_customer_key",
    title="SageMaker Studio domains encrypt their storage with a customer managed key",
    severity=Severity.LOW,
    service="sagemaker",
    resource_type=DOMAIN,
    rationale="A domain's EFS volume holds every user's home directory, notebooks and the data they pulled into "
    "them; under an AWS managed key the account can neither restrict who may use the key nor revoke it. A customer "
    "managed key puts each use in CloudTrail under a key policy the account writes.",
    remediation="A domain's key is set when it is created: create a new domain with KmsKeyId set to a customer "
    "managed key, move the users' spaces and files to it and delete the old domain.",
)
def domain_customer_key(inventory: Inventory) -> Iterable[Outcome]:
    return _judge(inventory, _customer_key)


def _customer_key(domain: SageMakerDomain) -> Verdict:
    key = domain.get("kms_key_id")
    if key:
        return True, f"{_label(domain)} encrypts its storage with customer managed key {key}", {"kms_key_id": key}
    return False, f"{_label(domain)} encrypts its storage with an AWS managed key", {"kms_key_id": None}
