"""CloudFront and ACM checks: HTTPS to viewers and origins, TLS versions, certificates for aliases, S3 origins behind
origin access control, logging, WAF, certificate expiry and key strength."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import timedelta
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_network import Certificate, Distribution
from ._common import aws_check, error, items, parse_time, regions, result, scan_time, service_data

DISTRIBUTION = "AWS::CloudFront::Distribution"
CERTIFICATE = "AWS::CertificateManager::Certificate"

EXPIRY_WARNING_DAYS = 30
# Security policies for viewers that accept TLS 1.2 or later only.
MODERN_VIEWER_TLS = {"TLSv1.2_2018", "TLSv1.2_2019", "TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"}
_WEAK_ORIGIN_PROTOCOLS = {"SSLv3", "TLSv1", "TLSv1.1"}
# ACM's key algorithm names: "RSA_<bits>" or "EC_<curve>" (EC_prime256v1, EC_secp384r1, EC_secp521r1).
_RSA_KEY = re.compile(r"RSA_(\d+)")
_EC_KEY = re.compile(r"EC_\w+")
MIN_RSA_BITS = 2048
# A bucket's REST endpoint (bucket.s3.amazonaws.com, bucket.s3.<region>.amazonaws.com, the dual-stack and legacy
# s3-<region> forms); website endpoints (s3-website) serve public buckets and cannot take origin access control.
_S3_REST_DOMAIN = re.compile(r"^.+\.s3(?:[.-](?!website)[a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$")


def _distributions(inventory: Inventory) -> Iterator[Distribution]:
    yield from service_data(inventory, "cloudfront").get("distributions", [])


def _custom_certificate(certificate: Mapping[str, Any]) -> str | None:
    """The ACM certificate ARN or IAM certificate id a distribution serves viewers, None for the default
    *.cloudfront.net one. A custom certificate replaces the default (some answers still flag the default as well)."""
    return str(certificate.get("ACMCertificateArn") or certificate.get("IAMCertificateId") or "") or None


def _certificates(inventory: Inventory) -> Iterator[tuple[str, Certificate, timedelta]]:
    for _, data in regions(inventory, "acm"):
        now = scan_time(data)
        for certificate in data.get("certificates", []):
            expires = parse_time(certificate.get("not_after"))
            if expires is not None:
                yield str(certificate.get("arn")), certificate, expires - now


@aws_check(
    id="aws.cloudfront.viewer_https_only",
    title="CloudFront distributions serve viewers over HTTPS only",
    severity=Severity.HIGH,
    service="cloudfront",
    resource_type=DISTRIBUTION,
    rationale="A cache behaviour that allows HTTP sends content and cookies to viewers unencrypted.",
    remediation="Set every cache behaviour's viewer protocol policy to redirect-to-https or https-only.",
)
def cloudfront_viewer_https_only(inventory: Inventory) -> Iterable[Outcome]:
    for distribution in _distributions(inventory):
        did = str(distribution.get("id"))
        policies = list(distribution.get("viewer_protocol_policies", []))
        ok = "allow-all" not in policies
        reason = (
            f"Distribution {did} serves viewers over HTTPS only"
            if ok
            else f"Distribution {did} has a cache behaviour allowing HTTP (allow-all)"
        )
        yield result(ok, did, DISTRIBUTION, reason, viewer_protocol_policies=policies)


@aws_check(
    id="aws.cloudfront.viewer_tls_modern",
    title="CloudFront distributions accept TLS 1.2 or later from viewers",
    severity=Severity.MEDIUM,
    service="cloudfront",
    resource_type=DISTRIBUTION,
    rationale="The viewer security policy decides the oldest protocol a browser may negotiate; TLS 1.0 and "
    "1.1 are deprecated. The default *.cloudfront.net certificate always allows TLS 1.0.",
    remediation="Use a custom (ACM) certificate with SNI and a TLSv1.2_2021 or newer security policy.",
)
def cloudfront_viewer_tls_modern(inventory: Inventory) -> Iterable[Outcome]:
    for distribution in _distributions(inventory):
        did = str(distribution.get("id"))
        certificate = distribution.get("viewer_certificate") or {}
        default = bool(certificate.get("CloudFrontDefaultCertificate")) and not _custom_certificate(certificate)
        if default:
            ok, reason = False, f"Distribution {did} uses the default CloudFront certificate, which allows TLS 1.0"
        else:
            version = str(certificate.get("MinimumProtocolVersion"))
            ok = version in MODERN_VIEWER_TLS
            reason = f"Distribution {did} accepts {version} and later from viewers"
        yield result(
            ok,
            did,
            DISTRIBUTION,
            reason,
            minimum_protocol_version=certificate.get("MinimumProtocolVersion"),
            default_certificate=default,
        )


@aws_check(
    id="aws.cloudfront.aliases_custom_certificate",
    title="CloudFront distributions with alternate domain names serve their own certificate",
    severity=Severity.MEDIUM,
    service="cloudfront",
    resource_type=DISTRIBUTION,
    rationale="The default certificate covers *.cloudfront.net only: a distribution answering for its own domain "
    "names on it leaves viewers of those names a certificate that does not match them, which browsers refuse or "
    "users learn to click through. A certificate of the domain's own (from ACM) proves to viewers it is the site.",
    remediation="Request or import an ACM certificate (us-east-1) covering every alternate domain name and set it "
    "as the distribution's viewer certificate, with SNI.",
)
def cloudfront_aliases_custom_certificate(inventory: Inventory) -> Iterable[Outcome]:
    for distribution in _distributions(inventory):
        aliases = list(distribution.get("aliases") or [])
        # Without alternate domain names viewers reach *.cloudfront.net, which the default certificate does cover.
        if not aliases:
            continue
        did = str(distribution.get("id"))
        custom = _custom_certificate(distribution.get("viewer_certificate") or {})
        names = ", ".join(aliases)
        reason = (
            f"Distribution {did} serves {names} with certificate {custom}"
            if custom
            else f"Distribution {did} serves {names} with the default *.cloudfront.net certificate"
        )
        yield result(bool(custom), did, DISTRIBUTION, reason, aliases=aliases, certificate=custom)


@aws_check(
    id="aws.cloudfront.origin_https",
    title="CloudFront reaches custom origins over modern HTTPS",
    severity=Severity.MEDIUM,
    service="cloudfront",
    resource_type=DISTRIBUTION,
    rationale="Encrypting only the viewer leg leaves content in the clear between CloudFront and the origin, "
    "or protected by SSLv3/TLS 1.0.",
    remediation="Set each custom origin's protocol policy to https-only and drop SSLv3, TLSv1 and TLSv1.1 from "
    "its origin SSL protocols.",
)
def cloudfront_origin_https(inventory: Inventory) -> Iterable[Outcome]:
    for distribution in _distributions(inventory):
        did = str(distribution.get("id"))
        problems = []
        for origin in distribution.get("origins", []):
            config = origin.get("CustomOriginConfig")
            # S3 origins are reached over AWS's own HTTPS; only custom origins can be downgraded.
            if not config:
                continue
            if config.get("OriginProtocolPolicy") != "https-only":
                problems.append(f"{origin.get('Id')}: {config.get('OriginProtocolPolicy')}")
            weak = sorted(_WEAK_ORIGIN_PROTOCOLS & set((config.get("OriginSslProtocols") or {}).get("Items") or []))
            if weak:
                problems.append(f"{origin.get('Id')}: allows {', '.join(weak)}")
        reason = (
            f"Distribution {did} reaches origins insecurely ({'; '.join(problems)})"
            if problems
            else f"Distribution {did} reaches its custom origins over HTTPS with TLS 1.2"
        )
        yield result(not problems, did, DISTRIBUTION, reason, problems=problems)


def _s3_origin_problem(origin: Mapping[str, Any]) -> str | None:
    """Why an S3 bucket origin is not behind origin access control ("" when it is); None for other origins."""
    domain = str(origin.get("DomainName") or "").lower()
    if "S3OriginConfig" not in origin:
        if _S3_REST_DOMAIN.match(domain):
            return "an S3 bucket reached as a custom origin, so the bucket must be public"
        return None
    if origin.get("OriginAccessControlId"):
        return ""
    if (origin.get("S3OriginConfig") or {}).get("OriginAccessIdentity"):
        return "a legacy origin access identity"
    return "no origin access control, so the bucket must be public"


@aws_check(
    id="aws.cloudfront.s3_origin_bucket_exists",
    title="CloudFront S3 origins serve from buckets that exist",
    severity=Severity.HIGH,
    service="cloudfront",
    resource_type=DISTRIBUTION,
    rationale="Bucket names are global: once the bucket behind an S3 origin is deleted, anyone can create a bucket "
    "of that name in their own account, and the distribution then serves their objects under the site's own "
    "domain and certificate, to its users and with its cookies.",
    remediation="Recreate the bucket in this account at once (keep it private behind origin access control), or "
    "remove the origin and the cache behaviours that use it, or the distribution itself if nothing else uses it.",
)
def cloudfront_s3_origin_bucket_exists(inventory: Inventory) -> Iterable[Outcome]:
    for distribution in _distributions(inventory):
        buckets = distribution.get("origin_buckets")
        if not buckets:
            continue  # no bucket origin, or collected before the origins' buckets were looked up
        did = str(distribution.get("id"))
        missing = sorted(f"{o} ({b['bucket']})" for o, b in buckets.items() if b["state"] == "missing")
        unread = sorted(
            f"{o} ({b['bucket']}): {b['state'].removeprefix('unread: ')}"
            for o, b in buckets.items()
            if b["state"] not in ("missing", "exists")
        )
        observed = {origin: bucket["bucket"] for origin, bucket in buckets.items()}
        if missing:
            reason = (
                f"Distribution {did} serves from buckets that do not exist, free for anyone to create: "
                + ", ".join(missing)
            )
            yield result(False, did, DISTRIBUTION, reason, origin_buckets=observed, missing=missing)
        elif unread:
            reason = f"Could not tell whether the buckets of distribution {did} exist: {'; '.join(unread)}"
            yield error(did, DISTRIBUTION, reason)
        else:
            reason = f"Distribution {did} serves from existing buckets ({', '.join(sorted(set(observed.values())))})"
            yield result(True, did, DISTRIBUTION, reason, origin_buckets=observed, missing=[])


@aws_check(
    id="aws.cloudfront.s3_origin_access_control",
    title="CloudFront reaches S3 origins through origin access control",
    severity=Severity.MEDIUM,
    service="cloudfront",
    resource_type=DISTRIBUTION,
    rationale="With origin access control CloudFront signs its requests to the bucket, so the bucket can stay "
    "private and admit the distribution alone; without it the bucket must be public, and readers can bypass the "
    "distribution's HTTPS, WAF, geo and signed-URL rules by asking S3 directly. Legacy origin access identities "
    "work with fewer buckets (no SSE-KMS) and fewer regions, and AWS now recommends moving off them.",
    remediation="Create an origin access control (signing always, SigV4), set it on each S3 origin, give the bucket "
    "a policy admitting cloudfront.amazonaws.com for this distribution's ARN only, then remove the origin access "
    "identity and any public access from the bucket.",
)
def cloudfront_s3_origin_access_control(inventory: Inventory) -> Iterable[Outcome]:
    for distribution in _distributions(inventory):
        did = str(distribution.get("id"))
        judged = {
            str(origin.get("Id")): problem
            for origin in distribution.get("origins", [])
            if (problem := _s3_origin_problem(origin)) is not None
        }
        if not judged:
            continue  # no S3 bucket origin
        problems = {origin_id: problem for origin_id, problem in judged.items() if problem}
        if problems:
            shown = "; ".join(f"{origin_id}: {problem}" for origin_id, problem in sorted(problems.items()))
            reason = f"Distribution {did} reaches S3 origins without origin access control ({shown})"
        else:
            reason = (
                f"Distribution {did} reaches its S3 origins ({', '.join(sorted(judged))}) through origin access control"
            )
        yield result(not problems, did, DISTRIBUTION, reason, s3_origins=sorted(judged), problems=problems)


@aws_check(
    id="aws.cloudfront.logging_enabled",
    title="CloudFront distributions write standard access logs",
    severity=Severity.MEDIUM,
    service="cloudfront",
    resource_type=DISTRIBUTION,
    rationale="Access logs record each viewer request, which is the evidence needed to trace abuse or data "
    "exfiltration through the CDN.",
    remediation="Enable standard logging on the distribution to an S3 bucket (or configure log delivery).",
)
def cloudfront_logging_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for distribution in _distributions(inventory):
        did = str(distribution.get("id"))
        logging = distribution.get("logging") or {}
        ok = bool(logging.get("Enabled"))
        reason = f"Distribution {did} writes access logs" if ok else f"Distribution {did} has access logging off"
        yield result(ok, did, DISTRIBUTION, reason, bucket=logging.get("Bucket") or None)


@aws_check(
    id="aws.cloudfront.waf_enabled",
    title="CloudFront distributions are protected by AWS WAF",
    severity=Severity.MEDIUM,
    service="cloudfront",
    resource_type=DISTRIBUTION,
    rationale="A web ACL at the edge filters common exploits, bots and floods before they reach the origin.",
    remediation="Associate an AWS WAF web ACL (global scope) with the distribution.",
)
def cloudfront_waf_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for distribution in _distributions(inventory):
        did = str(distribution.get("id"))
        acl = distribution.get("web_acl_id")
        reason = f"Distribution {did} is protected by web ACL {acl}" if acl else f"Distribution {did} has no web ACL"
        yield result(bool(acl), did, DISTRIBUTION, reason, web_acl_id=acl)


@aws_check(
    id="aws.acm.certificate_not_expiring",
    title="ACM certificates are not expiring within 30 days",
    severity=Severity.HIGH,
    service="acm",
    resource_type=CERTIFICATE,
    rationale="An expired certificate breaks TLS for every client; imported certificates, and issued ones whose "
    "renewal validation fails, are not renewed by AWS.",
    remediation="Renew or re-import the certificate (fix DNS validation for Amazon-issued ones) before it expires.",
)
def acm_certificate_not_expiring(inventory: Inventory) -> Iterable[Outcome]:
    for arn, certificate, remaining in _certificates(inventory):
        # Certificates that never became valid (pending, failed, revoked) have nothing to expire.
        if certificate.get("status") not in ("ISSUED", "EXPIRED"):
            continue
        days = remaining.days
        ok = remaining > timedelta(days=EXPIRY_WARNING_DAYS)
        domain = certificate.get("domain_name")
        if remaining <= timedelta(0):
            reason = f"Certificate for {domain} has expired"
        elif ok:
            reason = f"Certificate for {domain} is valid for {days} more days"
        else:
            reason = f"Certificate for {domain} expires in {days} day(s)"
        yield result(
            ok,
            arn,
            CERTIFICATE,
            reason,
            region=str(certificate.get("region", "")),
            domain_name=domain,
            not_after=certificate.get("not_after"),
            type=certificate.get("type"),
            in_use=bool(certificate.get("in_use")),
        )


@aws_check(
    id="aws.acm.certificate_key_strength",
    title="ACM certificates use an RSA key of at least 2048 bits or an EC key",
    severity=Severity.MEDIUM,
    service="acm",
    resource_type=CERTIFICATE,
    rationale="A 1024-bit RSA key is within reach of well-funded attackers and is no longer accepted by NIST or the "
    "CA/Browser Forum: whoever factors it can impersonate the site or read recorded traffic. RSA keys of 2048 bits "
    "and more and elliptic-curve keys are not.",
    remediation="Issue or import a replacement certificate with an RSA-2048 (or larger) or ECDSA key, move the "
    "services using this one to it, and delete the old certificate.",
)
def acm_certificate_key_strength(inventory: Inventory) -> Iterable[Outcome]:
    for certificate in items(inventory, "acm", "certificates"):
        # Collected before the key algorithm was read: nothing to judge.
        if "key_algorithm" not in certificate:
            continue
        arn, region = str(certificate.get("arn")), str(certificate.get("region", ""))
        domain, algorithm = certificate.get("domain_name"), certificate.get("key_algorithm")
        rsa = _RSA_KEY.fullmatch(str(algorithm or ""))
        if rsa:
            ok = int(rsa.group(1)) >= MIN_RSA_BITS
            reason = f"Certificate for {domain} uses a {rsa.group(1)}-bit RSA key"
        elif _EC_KEY.fullmatch(str(algorithm or "")):
            ok, reason = True, f"Certificate for {domain} uses an elliptic-curve key ({algorithm})"
        else:
            reason = f"ACM did not name the key algorithm of the certificate for {domain} (answered {algorithm!r})"
            yield error(arn, CERTIFICATE, reason, region=region)
            continue
        yield result(ok, arn, CERTIFICATE, reason, region=region, domain_name=domain, key_algorithm=algorithm)
