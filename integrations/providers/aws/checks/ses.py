"""Checks on Amazon SES sending identities: domains that sign their mail with DKIM, and sending authorization
policies that admit no one at all."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_application import SesIdentity
from ._common import Verdict, aws_check, judge_described
from ._policies import public_actions

IDENTITY = "AWS::SES::EmailIdentity"
DOMAIN = "DOMAIN"
MANAGED_DOMAIN = "MANAGED_DOMAIN"
DKIM_VERIFIED = "SUCCESS"


def _label(identity: SesIdentity) -> str:
    return f"SES identity {identity['name']}"


def _judge(inventory: Inventory, judge: Callable[[SesIdentity], Verdict | None]) -> Iterator[Outcome]:
    return judge_described(
        inventory,
        "ses",
        "identities",
        noun="SES identities",
        resource_type=IDENTITY,
        resource_id=lambda identity: str(identity["name"]),
        label=_label,
        judge=judge,
    )


@aws_check(
    id="aws.ses.domain_dkim_signing",
    title="SES domain identities sign their mail with DKIM",
    severity=Severity.MEDIUM,
    service="ses",
    resource_type=IDENTITY,
    rationale="DKIM signs each message with a key published in the domain's DNS, so receivers can tell mail the "
    "domain sent from mail forged in its name, and DMARC can have the forgeries rejected; unsigned mail from the "
    "domain is easier to spoof and more often marked as spam.",
    remediation="Turn on DKIM signing for the domain identity (Easy DKIM, or BYODKIM with a key of your own) and "
    "publish the CNAME or TXT records SES gives until the DKIM status is SUCCESS (PutEmailIdentityDkimAttributes).",
)
def domain_dkim_signing(inventory: Inventory) -> Iterable[Outcome]:
    return _judge(inventory, _dkim)


def _dkim(identity: SesIdentity) -> Verdict | None:
    if identity.get("type") not in (DOMAIN, MANAGED_DOMAIN):
        return None  # an address identity signs with its domain's DKIM, judged on the domain
    enabled, status = bool(identity.get("dkim_signing_enabled")), identity.get("dkim_status")
    observed = {"dkim_signing_enabled": enabled, "dkim_status": status}
    if enabled and status == DKIM_VERIFIED:
        return True, f"{_label(identity)} signs its mail with DKIM", observed
    if not enabled:
        return False, f"{_label(identity)} does not sign its mail with DKIM", observed
    reason = f"{_label(identity)} has DKIM signing on, but its DKIM records are {status or 'not verified'}"
    return False, reason, observed


@aws_check(
    id="aws.ses.identity_policy_not_public",
    title="SES sending authorization policies do not let anyone send as the identity",
    severity=Severity.HIGH,
    service="ses",
    resource_type=IDENTITY,
    rationale="A sending authorization policy lets other principals send mail from the identity's address or domain "
    "through SES; a statement for any principal lets every AWS account send as it, with the domain's DKIM signature "
    "on phishing that passes every receiver's checks.",
    remediation="Name the accounts or roles allowed to send in each of the identity's sending authorization policies "
    "(PutEmailIdentityPolicy), narrow them with conditions on the sender and the From addresses, or delete the "
    "policy (DeleteEmailIdentityPolicy).",
)
def identity_policy_not_public(inventory: Inventory) -> Iterable[Outcome]:
    return _judge(inventory, _policies)


def _policies(identity: SesIdentity) -> Verdict:
    policies = identity.get("policies") or {}
    open_to_all = {name: found for name, document in sorted(policies.items()) if (found := public_actions(document))}
    observed = {"policies": sorted(policies), "public": open_to_all}
    if open_to_all:
        reason = f"{_label(identity)}'s policy {', '.join(open_to_all)} lets any principal " + ", ".join(
            sorted({a for actions in open_to_all.values() for a in actions})
        )
        return False, reason, observed
    if not policies:
        return True, f"{_label(identity)} has no sending authorization policy", observed
    return True, f"{_label(identity)}'s sending authorization policies name who may send", observed
