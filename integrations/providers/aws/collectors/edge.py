"""Edge and certificate collection: CloudFront distributions (global) and ACM certificates (regional)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..shapes_network import AcmRegion, CloudFront
from ._common import Scope, paginate, plain

# ListCertificates answers RSA-2048 certificates only unless every key type is asked for.
_KEY_TYPES = ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]


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
            }
        )
    return plain({"distributions": distributions})


def collect_acm(scope: Scope) -> AcmRegion:
    acm = scope.client("acm")
    summaries = paginate(acm, "list_certificates", "CertificateSummaryList", Includes={"keyTypes": _KEY_TYPES})
    return plain(
        {
            "collected_at": datetime.now(UTC),
            "certificates": [
                {
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
                for c in summaries
            ],
        }
    )
