"""Notification and certificate checks: SNS subscriptions deliver over HTTPS, and the certificates ACM issues are
published to certificate transparency logs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_network import Certificate
from ..shapes_storage import SnsSubscription
from ._common import aws_check, error, items, listed_items, result

SUBSCRIPTION = "AWS::SNS::Subscription"
# The ACM neighbours' resource type (CloudFormation's name for an ACM certificate).
CERTIFICATE = "AWS::CertificateManager::Certificate"
WEB_PROTOCOLS = ("http", "https")
CT_DISABLED = "DISABLED"


def _subscriptions(inventory: Inventory) -> Iterator[SnsSubscription | Outcome]:
    """Every subscription read, or an error outcome for a region whose subscriptions could not be listed."""
    return listed_items(inventory, "sns", "subscriptions", noun="SNS subscriptions", resource_type=SUBSCRIPTION)


@aws_check(
    id="aws.sns.subscription_https_only",
    title="SNS subscriptions deliver to HTTPS endpoints, not plain HTTP",
    severity=Severity.MEDIUM,
    service="sns",
    resource_type=SUBSCRIPTION,
    rationale="An http subscription receives every message of its topic, and the confirmation link that activates "
    "it, in clear text, where anyone on the network path can read or alter them; https encrypts them and lets SNS "
    "check the endpoint's certificate.",
    remediation="Subscribe the endpoint again with protocol https (an https URL), confirm it, and unsubscribe the "
    "http subscription.",
)
def subscription_https_only(inventory: Inventory) -> Iterable[Outcome]:
    for subscription in _subscriptions(inventory):
        if isinstance(subscription, Outcome):
            yield subscription
            continue
        protocol = subscription.get("protocol")
        if protocol not in WEB_PROTOCOLS:
            continue  # queues, functions, e-mail and the like: no web endpoint to judge
        arn = str(subscription.get("arn") or "")
        topic, host = subscription.get("topic_arn"), subscription.get("endpoint_host")
        if arn.startswith("arn:"):
            resource, label = arn, f"SNS subscription {arn}"
        else:
            # Unconfirmed subscriptions have no ARN yet ("PendingConfirmation"): named by topic and endpoint host.
            resource, label = f"{topic}/pending/{host}", f"Unconfirmed SNS subscription of topic {topic}"
        ok = protocol == "https"
        reason = (
            f"{label} delivers to an HTTPS endpoint on {host}"
            if ok
            else f"{label} delivers to a plain HTTP endpoint on {host}: messages cross the network unencrypted"
        )
        observed = {"protocol": protocol, "endpoint_host": host, "topic_arn": topic}
        yield result(ok, resource, SUBSCRIPTION, reason, region=str(subscription.get("region", "")), **observed)


def _certificates(inventory: Inventory) -> Iterator[Certificate]:
    return items(inventory, "acm", "certificates")


@aws_check(
    id="aws.acm.certificate_transparency_logging",
    title="ACM certificates are published to certificate transparency logs",
    severity=Severity.LOW,
    service="acm",
    resource_type=CERTIFICATE,
    rationale="Browsers reject a public certificate that is missing from the certificate transparency logs, and the "
    "logs are how a domain's owner spots certificates issued for it by mistake or to an attacker; opting out breaks "
    "both.",
    remediation="Update the certificate's options to set CertificateTransparencyLoggingPreference to ENABLED "
    "(aws acm update-certificate-options); it takes effect when ACM next issues or renews it.",
)
def certificate_transparency_logging(inventory: Inventory) -> Iterable[Outcome]:
    # Only ISSUED and PENDING_VALIDATION certificates ACM issues carry the preference (read by the collector):
    # imported and private-CA certificates are never logged by ACM, and others are not or no longer valid.
    for certificate in _certificates(inventory):
        arn, region = str(certificate.get("arn")), str(certificate.get("region", ""))
        domain = certificate.get("domain_name")
        if certificate.get("describe_error"):
            reason = f"Could not describe the certificate for {domain}: {certificate['describe_error']}"
            yield error(arn, CERTIFICATE, reason, region=region)
            continue
        if "transparency_logging" not in certificate:
            continue  # imported, private, not valid, or collected before the preference was read
        preference = certificate.get("transparency_logging")
        ok = preference != CT_DISABLED
        if preference is None:
            reason = (
                f"Certificate for {domain} is logged to certificate transparency logs (ACM's default; not reported)"
            )
        elif ok:
            reason = f"Certificate for {domain} is logged to certificate transparency logs (preference {preference})"
        else:
            reason = f"Certificate for {domain} opts out of certificate transparency logging (preference {preference})"
        yield result(ok, arn, CERTIFICATE, reason, region=region, domain_name=domain, preference=preference)
