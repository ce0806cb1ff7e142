"""Edge and certificate collection: CloudFront distributions (global) with whether their S3 origins' buckets exist, and
ACM certificates (regional), with the certificate transparency logging preference of those ACM issues."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_network import AcmRegion, CloudFront
from ._common import Scope, concurrently, describe_error, error_code, paginate, plain

# ListCertificates answers RSA-2048 certificates only unless every key type is asked for.
_KEY_TYPES = ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]
# The certificates whose transparency logging preference is read: those ACM issues (imported and private ones are
# never logged by ACM) that are valid or may become so.
_LOGGED_TYPE = "AMAZON_ISSUED"
_LOGGED_STATUSES = frozenset({"ISSUED", "PENDING_VALIDATION"})
# An origin served from a bucket: its REST endpoint (bucket.s3.amazonaws.com, bucket.s3.<region>.amazonaws.com, the
# dual-stack and legacy s3-<region> forms) or its website endpoint (bucket.s3-website[.-]<region>.amazonaws.com).
_BUCKET_ORIGIN = re.compile(r"^(?P<bucket>.+)\.s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$")


def collect_cloudfront(scope: Scope) -> CloudFront:
    cloudfront = scope.client("cloudfront", scope.global_region)
    summaries: list[dict[str, Any]] = []
    for page in cloudfront.get_paginator("list_distributions").paginate():
        summaries.extend(page.get("DistributionList", {}).get("Items", []))
    distributions = []
    for summary in summaries:
        # Logging is only in the full configuration, not in the list's summaries.
        config = cloudfront.get_distribution_config(Id=summary["Id"]).get("DistributionConfig", {})
        behaviours = [summary.get("DefaultCacheBehavior", {}), *summary.get("CacheBehaviors", {}).get("Items", [])]
        distributions.append(
            {
                "id": summary["Id"],
                "arn": summary.get("ARN"),
                "domain_name": summary.get("DomainName"),
                "enabled": bool(summary.get("Enabled")),
                "viewer_protocol_policies": [str(b.get("ViewerProtocolPolicy")) for b in behaviours],
                "viewer_certificate": summary.get("ViewerCertificate", {}),
                "aliases": [str(alias) for alias in summary.get("Aliases", {}).get("Items") or []],
                "origins": summary.get("Origins", {}).get("Items", []),
                "web_acl_id": summary.get("WebACLId") or None,
                "logging": config.get("Logging"),
                "default_root_object": config.get("DefaultRootObject") or None,
                "origin_groups": summary.get("OriginGroups", {}).get("Items") or [],
            }
        )
    _add_origin_buckets(scope.client("s3", scope.global_region), distributions)
    return plain({"distributions": distributions})


def _add_origin_buckets(s3: BaseClient, distributions: list[dict[str, Any]]) -> None:
    """Give each distribution ``origin_buckets``: origin id -> the bucket it serves from and whether that exists."""
    by_origin = [
        {str(o.get("Id")): m["bucket"] for o in d["origins"] if (m := _BUCKET_ORIGIN.match(str(o.get("DomainName"))))}
        for d in distributions
    ]
    names = sorted({bucket for origins in by_origin for bucket in origins.values()})
    states = dict(zip(names, concurrently(lambda name: _bucket_state(s3, name), names), strict=True))
    for distribution, origins in zip(distributions, by_origin, strict=True):
        distribution["origin_buckets"] = {
            origin: {"bucket": bucket, "state": states[bucket]} for origin, bucket in origins.items()
        }


def _bucket_state(s3: BaseClient, name: str) -> str:
    """ "exists", "missing" (S3 knows no such bucket: anyone may create it) or "unread: <why>"."""
    try:
        s3.head_bucket(Bucket=name)
    except ClientError as exc:
        code = error_code(exc)
        if code in ("404", "NoSuchBucket"):
            return "missing"
        # Another account's bucket refuses us, which says that it exists.
        if code in ("403", "AccessDenied"):
            return "exists"
        return f"unread: {describe_error(exc)}"
    return "exists"


def collect_acm(scope: Scope) -> AcmRegion:
    acm = scope.client("acm")
    summaries = paginate(acm, "list_certificates", "CertificateSummaryList", Includes={"keyTypes": _KEY_TYPES})
    options = concurrently(lambda c: _transparency_logging(acm, c), summaries)
    return plain(
        {
            "collected_at": datetime.now(UTC),
            "certificates": [
                {
                    **extra,
                    "arn": c["CertificateArn"],
                    "domain_name": c.get("DomainName"),
                    "status": c.get("Status"),
                    "type": c.get("Type"),
                    "not_after": c.get("NotAfter"),
                    "in_use": bool(c.get("InUse")),
                    # The summary names the key ("RSA_2048", "EC_prime256v1"), which spares a DescribeCertificate.
                    "key_algorithm": c.get("KeyAlgorithm"),
                    "region": scope.region,
                }
                for c, extra in zip(summaries, options, strict=True)
            ],
        }
    )


def _transparency_logging(acm: BaseClient, summary: Mapping[str, Any]) -> dict[str, Any]:
    """``{"transparency_logging": ...}`` for a certificate ACM issues (one DescribeCertificate: the summary lacks its
    Options), ``{"describe_error": ...}`` when that read fails, {} for any other certificate or one deleted since."""
    if summary.get("Type") != _LOGGED_TYPE or summary.get("Status") not in _LOGGED_STATUSES:
        return {}
    try:
        described = acm.describe_certificate(CertificateArn=summary["CertificateArn"])["Certificate"]
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return {}
        return {"describe_error": describe_error(exc)}
    return {"transparency_logging": (described.get("Options") or {}).get("CertificateTransparencyLoggingPreference")}
