"""Checks on the domains registered through Route 53: renewed automatically, locked against transfer, and their
contacts' details kept out of WHOIS."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_devtools import RegisteredDomain, Route53Domains
from ._common import Verdict, aws_check, error, result, service_data

DOMAIN = "AWS::Route53Domains::Domain"
CONTACTS = ("registrant", "admin", "tech")


def _domains(inventory: Inventory) -> Iterator[RegisteredDomain]:
    data: Route53Domains = service_data(inventory, "route53domains")
    yield from data.get("domains", [])


def _judge(inventory: Inventory, judge: Callable[[RegisteredDomain], Verdict], *, detail: bool) -> Iterator[Outcome]:
    for domain in _domains(inventory):
        name = str(domain["name"])
        if detail and domain.get("describe_error"):
            reason = f"Could not read the details of domain {name}: {domain['describe_error']}"
            yield error(name, DOMAIN, reason)
            continue
        ok, reason, observed = judge(domain)
        yield result(ok, name, DOMAIN, reason, **observed)


@aws_check(
    id="aws.route53domains.auto_renew_enabled",
    title="Domains registered through Route 53 renew automatically",
    severity=Severity.MEDIUM,
    service="route53domains",
    resource_type=DOMAIN,
    rationale="A domain that lapses stops resolving, so its web sites and mail stop, and after the grace period "
    "anyone may register it and receive the mail, password resets and traffic still sent to it.",
    remediation="Turn on automatic renewal for the domain (EnableDomainAutoRenew) and keep the account's payment "
    "method and the registrant contact's e-mail address current.",
)
def auto_renew_enabled(inventory: Inventory) -> Iterable[Outcome]:
    def judge(domain: RegisteredDomain) -> Verdict:
        on = bool(domain.get("auto_renew"))
        says = "renews automatically" if on else f"does not renew automatically (expires {domain.get('expiry')})"
        return on, f"Domain {domain['name']} {says}", {"auto_renew": on, "expiry": domain.get("expiry")}

    return _judge(inventory, judge, detail=False)


@aws_check(
    id="aws.route53domains.transfer_lock_enabled",
    title="Domains registered through Route 53 are locked against transfer",
    severity=Severity.MEDIUM,
    service="route53domains",
    resource_type=DOMAIN,
    rationale="The transfer lock (clientTransferProhibited) makes the registry refuse a transfer to another "
    "registrar; without it, whoever obtains the domain's authorization code, or talks a registrar into it, can move "
    "the domain, its DNS and its mail out of the account.",
    remediation="Turn on the transfer lock (EnableDomainTransferLock), and turn it off only for the length of a "
    "transfer you started. A few top-level domains have no lock; a domain of one of them fails here and can be "
    "accepted as a risk.",
)
def transfer_lock_enabled(inventory: Inventory) -> Iterable[Outcome]:
    def judge(domain: RegisteredDomain) -> Verdict:
        locked = bool(domain.get("transfer_lock"))
        says = "is locked against transfer" if locked else "is not locked against transfer"
        return locked, f"Domain {domain['name']} {says}", {"transfer_lock": locked}

    return _judge(inventory, judge, detail=True)


@aws_check(
    id="aws.route53domains.contact_privacy_enabled",
    title="Domains registered through Route 53 hide their contacts' details",
    severity=Severity.LOW,
    service="route53domains",
    resource_type=DOMAIN,
    rationale="Without privacy protection the registrant, administrative and technical contacts' names, e-mail "
    "addresses and phone numbers are published in WHOIS, where they feed phishing and social engineering aimed at the "
    "people who can change the domain.",
    remediation="Turn on privacy protection for the registrant, administrative and technical contacts "
    "(UpdateDomainContactPrivacy), where the top-level domain supports it.",
)
def contact_privacy_enabled(inventory: Inventory) -> Iterable[Outcome]:
    def judge(domain: RegisteredDomain) -> Verdict:
        privacy = domain.get("privacy")
        exposed = [contact for contact in CONTACTS if not (privacy and privacy.get(contact))]
        if exposed:
            reason = f"Domain {domain['name']} publishes the details of its {', '.join(exposed)} contact(s)"
        else:
            reason = f"Domain {domain['name']} hides the details of all its contacts"
        return not exposed, reason, {"exposed_contacts": exposed}

    return _judge(inventory, judge, detail=True)
