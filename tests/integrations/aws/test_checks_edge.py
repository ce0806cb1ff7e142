"""CloudFront, ACM and Amazon Inspector checks against moto."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.certificates import self_signed
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    aws,
    by_region,
    collect,
    run,
    scan,
    statuses,
)

PASS, FAIL = OutcomeStatus.PASS, OutcomeStatus.FAIL
CLOUDFRONT_CHECKS = (
    "aws.cloudfront.viewer_https_only",
    "aws.cloudfront.viewer_tls_modern",
    "aws.cloudfront.origin_https",
    "aws.cloudfront.logging_enabled",
    "aws.cloudfront.waf_enabled",
)


def _distribution(endpoint: str, reference: str, *, hardened: bool) -> str:
    origin_policy = "https-only" if hardened else "http-only"
    config: dict[str, Any] = {
        "CallerReference": reference,
        "Comment": reference,
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "app",
                    "DomainName": "app.example.com",
                    "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": origin_policy},
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "app",
            "ViewerProtocolPolicy": "redirect-to-https" if hardened else "allow-all",
            "MinTTL": 0,
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
        },
        "Logging": {"Enabled": hardened, "IncludeCookies": False, "Bucket": "cdn-logs.s3.amazonaws.com", "Prefix": ""},
    }
    if hardened:
        certificate = aws(endpoint, "acm", REGION).request_certificate(DomainName="cdn.example.com")["CertificateArn"]
        config["ViewerCertificate"] = {
            "ACMCertificateArn": certificate,
            "SSLSupportMethod": "sni-only",
            "MinimumProtocolVersion": "TLSv1.2_2021",
        }
        config["WebACLId"] = f"arn:aws:wafv2:us-east-1:{ACCOUNT}:global/webacl/edge/1234"
    else:
        config["ViewerCertificate"] = {"CloudFrontDefaultCertificate": True}
    return aws(endpoint, "cloudfront").create_distribution(DistributionConfig=config)["Distribution"]["Id"]


def _certificate(endpoint: str, domain: str, days_left: int) -> str:
    certificate, key = self_signed(domain, days_left)
    return aws(endpoint, "acm").import_certificate(Certificate=certificate, PrivateKey=key)["CertificateArn"]


def test_cloudfront_distributions(moto_reset: str) -> None:
    # given a hardened distribution and one on defaults (HTTP allowed, default certificate, HTTP origin, no logs,
    # no web ACL)
    hardened = _distribution(moto_reset, "hardened", hardened=True)
    loose = _distribution(moto_reset, "loose", hardened=False)
    # when every CloudFront check runs on one collection over two regions
    inv = collect(moto_reset, CLOUDFRONT_CHECKS, [REGION, OTHER_REGION])
    # then the distributions are judged once each (a global service), the loose one failing every check
    for check_id in CLOUDFRONT_CHECKS:
        outcomes = run(inv, check_id)
        assert len(outcomes) == 2, check_id
        assert statuses(outcomes) == {hardened: PASS, loose: FAIL}, check_id


def test_certificates_expiring_soon_fail(moto_reset: str) -> None:
    # given an imported certificate with 10 days left and one with 200 days left
    soon = _certificate(moto_reset, "soon.example.com", 10)
    later = _certificate(moto_reset, "later.example.com", 200)
    # when the check runs
    outcomes = scan(moto_reset, "aws.acm.certificate_not_expiring")
    # then the one expiring within 30 days fails
    assert statuses(outcomes) == {soon: FAIL, later: PASS}
    reason = next(o.reason for o in outcomes if o.resource_id == soon)
    assert reason.startswith("Certificate for soon.example.com expires in ")


def test_inspector_enabled_in_every_region(moto_reset: str) -> None:
    # given Inspector scanning EC2 and ECR in one region and EC2 only in the other
    aws(moto_reset, "inspector2", REGION).enable(resourceTypes=["EC2", "ECR"], accountIds=[ACCOUNT])
    aws(moto_reset, "inspector2", OTHER_REGION).enable(resourceTypes=["EC2"], accountIds=[ACCOUNT])
    # when the check runs over both regions
    outcomes = scan(moto_reset, "aws.inspector2.enabled", [REGION, OTHER_REGION])
    # then the region not scanning ECR fails, on the account
    assert by_region(outcomes) == {REGION: PASS, OTHER_REGION: FAIL}
    assert {o.resource_id for o in outcomes} == {ACCOUNT}
    assert next(o.reason for o in outcomes if o.region == OTHER_REGION) == (
        f"Amazon Inspector in {OTHER_REGION} does not scan ECR"
    )


def test_inspector_never_enabled_fails(moto_reset: str) -> None:
    # given an account that never enabled Inspector
    # when the check runs
    outcomes = scan(moto_reset, "aws.inspector2.enabled")
    # then the region fails
    assert by_region(outcomes) == {REGION: FAIL}
