"""Load balancer checks: encrypted listeners, modern and post-quantum TLS policies, access logs, deletion
protection, header hygiene (ELBv2 and classic load balancers)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_network import ClassicLoadBalancer, ListenerV2, LoadBalancerV2, NegotiationPolicy
from ._common import aws_check, error, items, result

LOAD_BALANCER_V2 = "AWS::ElasticLoadBalancingV2::LoadBalancer"
CLASSIC_LOAD_BALANCER = "AWS::ElasticLoadBalancing::LoadBalancer"

_ENCRYPTED_V2 = {"HTTPS", "TLS"}
_ENCRYPTED_CLASSIC = {"HTTPS", "SSL"}
# Predefined ELB security policies that accept TLS 1.2 and later only (TLS13-1-2*, TLS13-1-3*,
# TLS-1-2*, FS-1-2*, with their FIPS and post-quantum variants); TLS13-1-0/1-1, FS-2018 and 2016-08 do not.
MODERN_TLS_POLICY = re.compile(r"^ELBSecurityPolicy-(TLS13-1-[23]|TLS-1-2|FS-1-2)-")
# AWS names the policies that add hybrid ML-KEM key exchange with a PQ part (…-TLS13-1-2-Res-PQ-2025-09,
# …-TLS13-1-3-FIPS-PQ-2025-09); a custom name cannot be given to a listener's policy.
POST_QUANTUM_POLICY = re.compile(r"-PQ(-|$)")


def v2_balancers(inventory: Inventory) -> Iterator[LoadBalancerV2]:
    return items(inventory, "elbv2", "load_balancers")


def internet_facing_albs(inventory: Inventory) -> Iterator[LoadBalancerV2]:
    """Application load balancers open to the internet (internet-facing is AWS's default when no scheme was asked)."""
    for lb in v2_balancers(inventory):
        if lb.get("type") == "application" and (lb.get("scheme") or "internet-facing") == "internet-facing":
            yield lb


def classic_balancers(inventory: Inventory) -> Iterator[ClassicLoadBalancer]:
    return items(inventory, "elb", "load_balancers")


def _redirects_to_https(listener: ListenerV2) -> bool:
    actions = listener.get("default_actions") or []
    return bool(actions) and all(
        a.get("Type") == "redirect" and str((a.get("RedirectConfig") or {}).get("Protocol")).upper() == "HTTPS"
        for a in actions
    )


def _attribute_on(lb: LoadBalancerV2, key: str) -> bool:
    return str(lb.get("attributes", {}).get(key, "false")).lower() == "true"


def _name(lb: LoadBalancerV2) -> str:
    return str(lb.get("name") or lb.get("arn"))


@aws_check(
    id="aws.elbv2.listeners_encrypted",
    title="Application load balancers serve HTTPS only",
    severity=Severity.HIGH,
    service="elbv2",
    resource_type=LOAD_BALANCER_V2,
    rationale="Plain HTTP exposes credentials, session cookies and data to anyone on the path; an HTTP "
    "listener is acceptable only when it redirects every request to HTTPS.",
    remediation="Add an HTTPS listener with an ACM certificate and make the HTTP listener's default action "
    "a redirect to HTTPS.",
)
def elbv2_listeners_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    for lb in v2_balancers(inventory):
        # Network and gateway load balancers may pass TLS through to the targets: only ALBs are judged.
        if lb.get("type") != "application":
            continue
        plain = [
            f"{listener.get('protocol')}:{listener.get('port')}"
            for listener in lb.get("listeners", [])
            if str(listener.get("protocol")).upper() not in _ENCRYPTED_V2 and not _redirects_to_https(listener)
        ]
        name = _name(lb)
        reason = (
            f"Load balancer {name} serves unencrypted listener(s) {', '.join(plain)}"
            if plain
            else f"Load balancer {name} serves HTTPS only (or redirects to it)"
        )
        yield result(
            not plain,
            str(lb.get("arn")),
            LOAD_BALANCER_V2,
            reason,
            region=str(lb.get("region", "")),
            name=name,
            unencrypted_listeners=plain,
        )


def _tls_policy_outcomes(
    inventory: Inventory, fits: Callable[[str], bool], observed_as: str, failing: str, passing: str
) -> Iterator[Outcome]:
    """One outcome per load balancer with HTTPS or TLS listeners: whether every such listener's policy ``fits``; the
    listeners whose policy does not are named in the reason and observed as ``observed_as``."""
    for lb in v2_balancers(inventory):
        secure = [x for x in lb.get("listeners", []) if str(x.get("protocol")).upper() in _ENCRYPTED_V2]
        if not secure:
            continue
        unfit = {
            f"{x.get('protocol')}:{x.get('port')}": x.get("ssl_policy")
            for x in secure
            if not fits(str(x.get("ssl_policy") or ""))
        }
        name = _name(lb)
        reason = (
            f"Load balancer {name} has listener(s) {failing}: "
            + ", ".join(f"{where} ({policy})" for where, policy in unfit.items())
            if unfit
            else f"Load balancer {name} {passing}"
        )
        yield result(
            not unfit,
            str(lb.get("arn")),
            LOAD_BALANCER_V2,
            reason,
            region=str(lb.get("region", "")),
            name=name,
            **{observed_as: unfit},
        )


@aws_check(
    id="aws.elbv2.tls_policy_modern",
    title="Load balancer TLS listeners accept TLS 1.2 or later only",
    severity=Severity.MEDIUM,
    service="elbv2",
    resource_type=LOAD_BALANCER_V2,
    rationale="TLS 1.0 and 1.1 have known weaknesses and are no longer accepted by PCI DSS or most browsers; "
    "the listener's security policy decides which versions a client may negotiate.",
    remediation="Set the listener's security policy to ELBSecurityPolicy-TLS13-1-2-2021-06 (or another TLS 1.2+ "
    "policy).",
)
def elbv2_tls_policy_modern(inventory: Inventory) -> Iterable[Outcome]:
    return _tls_policy_outcomes(
        inventory,
        lambda policy: bool(MODERN_TLS_POLICY.match(policy)),
        "weak_policies",
        "with an outdated TLS policy",
        "accepts TLS 1.2 or later only",
    )


@aws_check(
    id="aws.elbv2.listener_post_quantum_tls",
    title="Load balancer TLS listeners offer hybrid post-quantum key exchange",
    severity=Severity.LOW,
    service="elbv2",
    resource_type=LOAD_BALANCER_V2,
    rationale="Traffic recorded today can be decrypted once a quantum computer breaks the classical key exchange "
    "that protected it (harvest now, decrypt later); a security policy with PQ in its name adds ML-KEM to the key "
    "exchange, still accepting clients that only speak the classical one, and is what the console now offers first.",
    remediation="Move each HTTPS and TLS listener to a post-quantum policy that keeps its TLS floor, such as "
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09 (or its FIPS variant); clients without ML-KEM keep connecting.",
)
def elbv2_listener_post_quantum_tls(inventory: Inventory) -> Iterable[Outcome]:
    return _tls_policy_outcomes(
        inventory,
        lambda policy: bool(POST_QUANTUM_POLICY.search(policy)),
        "classical_policies",
        "without post-quantum key exchange",
        "offers hybrid post-quantum key exchange on every TLS listener",
    )


@aws_check(
    id="aws.elbv2.access_logging_enabled",
    title="Application and network load balancers write access logs",
    severity=Severity.MEDIUM,
    service="elbv2",
    resource_type=LOAD_BALANCER_V2,
    rationale="Access logs record every request with client address and result, which investigations and "
    "abuse reports need long after the fact.",
    remediation="Turn on access logs (access_logs.s3.enabled) with an S3 bucket the load balancer may write to.",
)
def elbv2_access_logging_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for lb in v2_balancers(inventory):
        if lb.get("type") not in ("application", "network"):
            continue
        ok = _attribute_on(lb, "access_logs.s3.enabled")
        name = _name(lb)
        reason = f"Load balancer {name} writes access logs" if ok else f"Load balancer {name} has access logs off"
        yield result(
            ok,
            str(lb.get("arn")),
            LOAD_BALANCER_V2,
            reason,
            region=str(lb.get("region", "")),
            name=name,
            bucket=lb.get("attributes", {}).get("access_logs.s3.bucket") or None,
        )


@aws_check(
    id="aws.elbv2.deletion_protection",
    title="Load balancers have deletion protection",
    severity=Severity.LOW,
    service="elbv2",
    resource_type=LOAD_BALANCER_V2,
    rationale="Deleting a production load balancer takes the service down and loses its DNS name; protection "
    "makes that a deliberate two-step act.",
    remediation="Turn on deletion protection in the load balancer's attributes.",
)
def elbv2_deletion_protection(inventory: Inventory) -> Iterable[Outcome]:
    for lb in v2_balancers(inventory):
        ok = _attribute_on(lb, "deletion_protection.enabled")
        name = _name(lb)
        reason = (
            f"Load balancer {name} has deletion protection"
            if ok
            else f"Load balancer {name} has deletion protection off"
        )
        yield result(ok, str(lb.get("arn")), LOAD_BALANCER_V2, reason, region=str(lb.get("region", "")), name=name)


@aws_check(
    id="aws.elbv2.drop_invalid_header_fields",
    title="Application load balancers drop invalid HTTP headers",
    severity=Severity.MEDIUM,
    service="elbv2",
    resource_type=LOAD_BALANCER_V2,
    rationale="Headers that are not valid HTTP are a vehicle for request smuggling and header injection "
    "against the targets behind the load balancer.",
    remediation="Set routing.http.drop_invalid_header_fields.enabled to true on the load balancer.",
)
def elbv2_drop_invalid_header_fields(inventory: Inventory) -> Iterable[Outcome]:
    for lb in v2_balancers(inventory):
        if lb.get("type") != "application":
            continue
        ok = _attribute_on(lb, "routing.http.drop_invalid_header_fields.enabled")
        name = _name(lb)
        reason = (
            f"Load balancer {name} drops invalid header fields"
            if ok
            else f"Load balancer {name} forwards invalid header fields"
        )
        yield result(ok, str(lb.get("arn")), LOAD_BALANCER_V2, reason, region=str(lb.get("region", "")), name=name)


@aws_check(
    id="aws.elb.listeners_encrypted",
    title="Classic load balancers use HTTPS or SSL listeners only",
    severity=Severity.HIGH,
    service="elb",
    resource_type=CLASSIC_LOAD_BALANCER,
    rationale="Classic load balancers cannot redirect HTTP to HTTPS, so any HTTP or TCP listener carries "
    "traffic in the clear.",
    remediation="Replace HTTP/TCP listeners with HTTPS/SSL ones, or migrate to an application load balancer.",
)
def elb_listeners_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    for lb in classic_balancers(inventory):
        name = str(lb.get("name"))
        plain = [
            f"{x.get('Protocol')}:{x.get('LoadBalancerPort')}"
            for x in lb.get("listeners", [])
            if str(x.get("Protocol")).upper() not in _ENCRYPTED_CLASSIC
        ]
        reason = (
            f"Classic load balancer {name} has unencrypted listener(s) {', '.join(plain)}"
            if plain
            else f"Classic load balancer {name} has encrypted listeners only"
        )
        yield result(
            not plain,
            name,
            CLASSIC_LOAD_BALANCER,
            reason,
            region=str(lb.get("region", "")),
            unencrypted_listeners=plain,
        )


# Protocols a classic SSL negotiation policy must not enable, and the predefined policies that enable none of them
# (read when a policy reports only the predefined policy it was made from).
OUTDATED_PROTOCOLS = ("SSLv2", "SSLv3", "TLSv1", "TLSv1.1")
MODERN_CLASSIC_POLICIES = frozenset({"ELBSecurityPolicy-TLS-1-2-2017-01", "ELBSecurityPolicy-TLS-1-2-Ext-2018-06"})
# What a classic HTTPS or SSL listener negotiates under when it names no policy of its own.
DEFAULT_CLASSIC_POLICY = "ELBSecurityPolicy-2016-08"


def _classic_policy_problem(names: list[str], policies: Mapping[str, NegotiationPolicy]) -> str | None:
    """Why a listener with these PolicyNames accepts an outdated protocol, or None when it does not."""
    own = [(name, policies[name]) for name in names if name in policies]
    if not own:
        return f"no negotiation policy of its own, so {DEFAULT_CLASSIC_POLICY}, which accepts TLS 1.0 and 1.1"
    name, policy = own[0]
    if policy["protocols"]:
        outdated = [p for p in OUTDATED_PROTOCOLS if p in policy["protocols"]]
        return f"policy {name} enables {', '.join(outdated)}" if outdated else None
    reference = policy["reference"]
    if reference in MODERN_CLASSIC_POLICIES:
        return None
    return (
        f"policy {name} is made from {reference}, which accepts TLS 1.0"
        if reference
        else (f"policy {name} names neither its protocols nor a predefined policy")
    )


@aws_check(
    id="aws.elb.tls_policy_modern",
    title="Classic load balancer HTTPS and SSL listeners accept TLS 1.2 or later only",
    severity=Severity.MEDIUM,
    service="elb",
    resource_type=CLASSIC_LOAD_BALANCER,
    rationale="A classic listener negotiates TLS under its SSL negotiation policy; AWS's default one and most older "
    "predefined policies still accept TLS 1.0 and 1.1, whose weaknesses let an attacker in the path downgrade or "
    "attack the connection, and which PCI DSS no longer accepts.",
    remediation="Create a policy from ELBSecurityPolicy-TLS-1-2-2017-01 (CreateLoadBalancerPolicy with "
    "Reference-Security-Policy) and set it on each HTTPS and SSL listener (SetLoadBalancerPoliciesOfListener), or "
    "move to an application or network load balancer with a TLS 1.2+ policy.",
)
def elb_tls_policy_modern(inventory: Inventory) -> Iterable[Outcome]:
    for lb in classic_balancers(inventory):
        listeners = lb.get("secure_listener_policies")
        if not listeners:
            continue  # no HTTPS or SSL listener, or collected before the policies were kept
        name, region = str(lb.get("name")), str(lb.get("region", ""))
        if "negotiation_policies_error" in lb:
            reason = f"Could not read the SSL negotiation policies of classic load balancer {name}: "
            yield error(name, CLASSIC_LOAD_BALANCER, reason + lb["negotiation_policies_error"], region=region)
            continue
        policies = lb.get("negotiation_policies") or {}
        weak = {
            where: problem
            for where, names in sorted(listeners.items())
            if (problem := _classic_policy_problem(names, policies)) is not None
        }
        reason = (
            f"Classic load balancer {name} has listener(s) accepting outdated TLS: "
            + "; ".join(f"{where} ({problem})" for where, problem in weak.items())
            if weak
            else f"Classic load balancer {name} accepts TLS 1.2 or later only on {', '.join(sorted(listeners))}"
        )
        yield result(not weak, name, CLASSIC_LOAD_BALANCER, reason, region=region, weak_listeners=weak)


@aws_check(
    id="aws.elb.access_logging_enabled",
    title="Classic load balancers write access logs",
    severity=Severity.MEDIUM,
    service="elb",
    resource_type=CLASSIC_LOAD_BALANCER,
    rationale="Access logs record every request with client address and result, which investigations need.",
    remediation="Enable access logs in the load balancer's attributes, delivered to an S3 bucket.",
)
def elb_access_logging_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for lb in classic_balancers(inventory):
        name = str(lb.get("name"))
        log = lb.get("access_log") or {}
        ok = bool(log.get("Enabled"))
        reason = (
            f"Classic load balancer {name} writes access logs"
            if ok
            else f"Classic load balancer {name} has access logs off"
        )
        yield result(
            ok, name, CLASSIC_LOAD_BALANCER, reason, region=str(lb.get("region", "")), bucket=log.get("S3BucketName")
        )


@aws_check(
    id="aws.elbv2.waf_enabled",
    title="Internet-facing application load balancers have a WAF web ACL",
    severity=Severity.MEDIUM,
    service="elbv2",
    resource_type=LOAD_BALANCER_V2,
    rationale="A web ACL in front of a public application filters common exploits, bad bots and request "
    "floods before they reach the targets.",
    remediation="Associate an AWS WAF (WAFv2) regional web ACL, for example with the AWS managed core rule set, "
    "with the load balancer.",
)
def elbv2_waf_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for lb in internet_facing_albs(inventory):
        arn, name, region = str(lb.get("arn")), _name(lb), str(lb.get("region", ""))
        if "web_acl_error" in lb:
            yield error(arn, LOAD_BALANCER_V2, f"Could not read the web ACL: {lb['web_acl_error']}", region=region)
        elif "web_acl" not in lb:
            yield error(arn, LOAD_BALANCER_V2, "The inventory predates web ACL collection", region=region)
        else:
            acl = lb.get("web_acl")
            reason = (
                f"Load balancer {name} is protected by web ACL {acl}" if acl else f"Load balancer {name} has no web ACL"
            )
            yield result(bool(acl), arn, LOAD_BALANCER_V2, reason, region=region, web_acl=acl)


# Desync mitigation modes that refuse requests AWS classes as severe risks (defensive) or every non-compliant
# request (strictest); "monitor" forwards them all.
SAFE_DESYNC_MODES = frozenset({"defensive", "strictest"})
# What a classic or application load balancer does when the attribute was never set (AWS reports it as such).
DEFAULT_DESYNC_MODE = "defensive"
_DESYNC_ATTRIBUTE = "elb.http.desyncmitigationmode"


def desync_verdict(set_mode: object) -> tuple[str, bool, str]:
    """(the mode in force, whether it refuses risky requests, a note when AWS's default applies) for an attribute
    value a classic or application load balancer reported (None or "" when it reported none)."""
    mode = str(set_mode or DEFAULT_DESYNC_MODE).lower()
    return mode, mode in SAFE_DESYNC_MODES, "" if set_mode else " (not reported: AWS's default)"


@aws_check(
    id="aws.elb.desync_mitigation_mode",
    title="Classic load balancers mitigate HTTP desync",
    severity=Severity.MEDIUM,
    service="elb",
    resource_type=CLASSIC_LOAD_BALANCER,
    rationale="Ambiguous requests (conflicting Content-Length and Transfer-Encoding, malformed headers) let an "
    "attacker smuggle a request past the load balancer and poison other users' responses; in monitor mode the "
    "load balancer forwards them all.",
    remediation="Set the load balancer's elb.http.desyncmitigationmode attribute to defensive or strictest.",
)
def elb_desync_mitigation_mode(inventory: Inventory) -> Iterable[Outcome]:
    for lb in classic_balancers(inventory):
        if "additional_attributes" not in lb:
            continue  # collected before the attributes were kept
        # The mode applies to HTTP and HTTPS listeners; a TCP or SSL balancer never parses a request.
        if not any(str(x.get("Protocol")).upper() in {"HTTP", "HTTPS"} for x in lb.get("listeners", [])):
            continue
        name = str(lb.get("name"))
        mode, ok, how = desync_verdict((lb.get("additional_attributes") or {}).get(_DESYNC_ATTRIBUTE))
        reason = (
            f"Classic load balancer {name} mitigates HTTP desync in {mode} mode{how}"
            if ok
            else f"Classic load balancer {name} only monitors HTTP desync ({mode} mode)"
        )
        yield result(ok, name, CLASSIC_LOAD_BALANCER, reason, region=str(lb.get("region", "")), mode=mode)


def _certificate_service(certificate_id: str) -> str:
    """The service an SSLCertificateId ARN names: "acm" or "iam" (arn:<partition>:<service>:...)."""
    parts = certificate_id.split(":")
    return parts[2] if len(parts) > 2 and parts[0] == "arn" else ""


@aws_check(
    id="aws.elb.acm_certificates",
    title="Classic load balancers use ACM certificates",
    severity=Severity.LOW,
    service="elb",
    resource_type=CLASSIC_LOAD_BALANCER,
    rationale="ACM renews the certificates it issues before they expire and keeps their private keys out of "
    "reach; an IAM server certificate's key was handled by whoever uploaded it, and it must be renewed and "
    "uploaded again by hand before it lapses.",
    remediation="Issue or import the certificate in AWS Certificate Manager and set it on the HTTPS/SSL listeners.",
)
def elb_acm_certificates(inventory: Inventory) -> Iterable[Outcome]:
    for lb in classic_balancers(inventory):
        secure = [x for x in lb.get("listeners", []) if str(x.get("Protocol")).upper() in _ENCRYPTED_CLASSIC]
        if not secure:
            continue  # no certificate to judge
        name = str(lb.get("name"))
        others = {
            f"{x.get('Protocol')}:{x.get('LoadBalancerPort')}": str(x.get("SSLCertificateId") or "")
            for x in secure
            if _certificate_service(str(x.get("SSLCertificateId") or "")) != "acm"
        }
        reason = (
            f"Classic load balancer {name} has listener(s) without an ACM certificate: "
            + ", ".join(f"{where} ({cert or 'none'})" for where, cert in others.items())
            if others
            else f"Classic load balancer {name} uses ACM certificates on all its HTTPS/SSL listeners"
        )
        yield result(
            not others,
            name,
            CLASSIC_LOAD_BALANCER,
            reason,
            region=str(lb.get("region", "")),
            non_acm_certificates=others,
        )
