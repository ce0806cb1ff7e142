"""CloudFront, ACM and Amazon Inspector checks against moto."""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from integrations.registry import OutcomeStatus
from tests.certificates import self_signed
from tests.conftest_moto import _post
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    aws,
    by_region,
    cloudfront_distribution,
    collect,
    connector,
    custom_origin,
    fake_response,
    inventory,
    only,
    origin_access_control,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
CLOUDFRONT_CHECKS = (
    "aws.cloudfront.viewer_https_only",
    "aws.cloudfront.viewer_tls_modern",
    "aws.cloudfront.origin_https",
    "aws.cloudfront.logging_enabled",
    "aws.cloudfront.waf_enabled",
)


def _distribution(endpoint: str, reference: str, *, hardened: bool, aliases: list[str] | None = None) -> str:
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
    if aliases:
        config["Aliases"] = {"Quantity": len(aliases), "Items": aliases}
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


def _certificate(
    endpoint: str, domain: str, days_left: int, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | None = None
) -> str:
    certificate, key_pem = self_signed(domain, days_left, key)
    return aws(endpoint, "acm").import_certificate(Certificate=certificate, PrivateKey=key_pem)["CertificateArn"]


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


OAC_CHECK = "aws.cloudfront.s3_origin_access_control"


def _s3_origin(origin_id: str, bucket: str, *, control: str = "", identity: str = "") -> dict[str, Any]:
    return {
        "Id": origin_id,
        "DomainName": f"{bucket}.s3.{REGION}.amazonaws.com",
        "S3OriginConfig": {"OriginAccessIdentity": identity},
        "OriginAccessControlId": control,
    }


def test_s3_origins_pass_behind_origin_access_control_and_fail_otherwise(moto_reset: str) -> None:
    # given an origin access control, and a legacy origin access identity
    control = origin_access_control(moto_reset, "assets")
    # (moto serves no origin access identities; the origin names one as an operator names an existing one)
    identity = "origin-access-identity/cloudfront/E2QWRUHAPOMQZL"
    # and distributions: two S3 origins behind the control beside an API origin; one S3 origin on the identity; one
    # on neither; a bucket's REST endpoint set up as a custom origin; and only an API and a bucket website endpoint
    # (which cannot take origin access control)
    guarded = cloudfront_distribution(
        moto_reset,
        "guarded",
        _s3_origin("assets", "assets", control=control),
        _s3_origin("media", "media", control=control),
        custom_origin("api", "api.example.com"),
    )
    legacy = cloudfront_distribution(
        moto_reset,
        "legacy",
        _s3_origin("assets", "old-assets", identity=identity),
    )
    open_bucket = cloudfront_distribution(moto_reset, "open", _s3_origin("files", "files"))
    as_custom = cloudfront_distribution(
        moto_reset, "as-custom", custom_origin("raw", f"raw-files.s3.{REGION}.amazonaws.com")
    )
    cloudfront_distribution(
        moto_reset,
        "no-bucket",
        custom_origin("api", "api.example.com"),
        custom_origin("site", f"site.s3-website-{REGION}.amazonaws.com"),
    )
    # when the check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, OAC_CHECK)}
    # then the distribution whose S3 origins all use the control passes, the other three with a bucket origin fail,
    # each saying why, and the one without a bucket REST origin is not judged
    assert {did: o.status for did, o in outcomes.items()} == {
        guarded: PASS,
        legacy: FAIL,
        open_bucket: FAIL,
        as_custom: FAIL,
    }
    assert outcomes[guarded].reason == (
        f"Distribution {guarded} reaches its S3 origins (assets, media) through origin access control"
    )
    assert outcomes[legacy].reason == (
        f"Distribution {legacy} reaches S3 origins without origin access control "
        "(assets: a legacy origin access identity)"
    )
    assert "files: no origin access control, so the bucket must be public" in outcomes[open_bucket].reason
    assert "raw: an S3 bucket reached as a custom origin" in outcomes[as_custom].reason
    assert outcomes[guarded].observed == {"s3_origins": ["assets", "media"], "problems": {}}


BUCKET_CHECK = "aws.cloudfront.s3_origin_bucket_exists"


def test_s3_origins_serve_from_buckets_that_exist(moto_reset: str) -> None:
    # given buckets "assets" (here) and "media" (in another region); a distribution serving from both; one whose
    # website origin's bucket was deleted beside a REST origin to "assets"; and one with an API origin only
    aws(moto_reset, "s3").create_bucket(Bucket="assets")
    aws(moto_reset, "s3", OTHER_REGION).create_bucket(
        Bucket="media", CreateBucketConfiguration={"LocationConstraint": OTHER_REGION}
    )
    live = cloudfront_distribution(moto_reset, "live", _s3_origin("assets", "assets"), _s3_origin("media", "media"))
    dangling = cloudfront_distribution(
        moto_reset,
        "dangling",
        _s3_origin("assets", "assets"),
        custom_origin("site", f"old-site.s3-website-{REGION}.amazonaws.com"),
    )
    cloudfront_distribution(moto_reset, "api-only", custom_origin("api", "api.example.com"))
    # when the check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, BUCKET_CHECK)}
    # then the distribution serving from a bucket anyone may now create fails, naming it; the API-only one is not
    # judged
    assert {did: o.status for did, o in outcomes.items()} == {live: PASS, dangling: FAIL}
    assert outcomes[dangling].reason == (
        f"Distribution {dangling} serves from buckets that do not exist, free for anyone to create: site (old-site)"
    )
    assert outcomes[live].observed == {"origin_buckets": {"assets": "assets", "media": "media"}, "missing": []}


def test_an_origin_bucket_s3_will_not_describe_is_an_error_not_a_pass(moto_reset: str) -> None:
    # given a distribution serving from a bucket, and S3 answering HeadBucket with a server error
    aws(moto_reset, "s3").create_bucket(Bucket="assets")
    did = cloudfront_distribution(moto_reset, "busy", _s3_origin("assets", "assets"))
    built = connector(moto_reset)
    built.session.events.register("before-send.s3.HeadBucket", lambda **_: fake_response(500, b""))
    # when the check runs on what was collected
    outcomes = run(built.collect({"cloudfront"}), BUCKET_CHECK)
    # then it is one error for the distribution, saying the bucket could not be looked up
    assert [(o.resource_id, o.status) for o in outcomes] == [(did, ERROR)]
    assert outcomes[0].reason.startswith(f"Could not tell whether the buckets of distribution {did} exist: assets")


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


def test_cloudfront_aliases_served_with_their_own_certificate(moto_reset: str) -> None:
    # given a distribution answering for its own name on an ACM certificate, one answering for its name on the
    # default *.cloudfront.net certificate, and one without alternate domain names (on the default certificate)
    own = _distribution(moto_reset, "own", hardened=True, aliases=["cdn.example.com"])
    borrowed = _distribution(moto_reset, "borrowed", hardened=False, aliases=["www.example.com", "example.com"])
    _distribution(moto_reset, "unnamed", hardened=False)
    # when the check runs
    outcomes = scan(moto_reset, "aws.cloudfront.aliases_custom_certificate")
    # then the one serving its names on the default certificate fails and the one without names is not judged
    assert statuses(outcomes) == {own: PASS, borrowed: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[borrowed] == (
        f"Distribution {borrowed} serves www.example.com, example.com with the default *.cloudfront.net certificate"
    )


def test_certificate_key_strength(moto_reset: str) -> None:
    # given imported certificates on a 1024-bit RSA key, a 2048-bit RSA key and a P-384 EC key
    weak_key = rsa.generate_private_key(65537, 1024)  # noqa: S505 - the weak key the check must fail
    weak = _certificate(moto_reset, "legacy.example.com", 200, weak_key)
    strong = _certificate(moto_reset, "app.example.com", 200)
    curve = _certificate(moto_reset, "api.example.com", 200, ec.generate_private_key(ec.SECP384R1()))
    # when the check runs
    outcomes = scan(moto_reset, "aws.acm.certificate_key_strength")
    # then only the 1024-bit key fails, as ACM names it
    assert statuses(outcomes) == {weak: FAIL, strong: PASS, curve: PASS}
    observed = {o.resource_id: o.observed["key_algorithm"] for o in outcomes}
    assert observed == {weak: "RSA_1024", strong: "RSA_2048", curve: "EC_secp384r1"}
    assert {o.resource_id: o.reason for o in outcomes}[
        weak
    ] == "Certificate for legacy.example.com uses a 1024-bit RSA key"


def test_certificate_key_strength_unnamed_algorithm_is_an_error() -> None:
    # given a collected certificate whose key algorithm ACM did not report (moto always reports it)
    certificate = {"arn": "arn:aws:acm:us-east-1:123456789012:certificate/x", "domain_name": "x.example.com"}
    acm = {"regions": {REGION: {"certificates": [{**certificate, "region": REGION, "key_algorithm": None}]}}}
    # when the check runs
    outcomes = run(inventory(acm=acm), "aws.acm.certificate_key_strength")
    # then it is an error, neither a pass nor a fail
    assert statuses(outcomes) == {certificate["arn"]: ERROR}


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


CRITICAL_FINDINGS = "aws.inspector2.no_active_critical_findings"


def _inspector_finding(vulnerability: str, severity: str, status: str, resource: str) -> dict[str, Any]:
    return {
        "awsAccountId": ACCOUNT,
        "findingArn": f"arn:aws:inspector2:{REGION}:{ACCOUNT}:finding/{vulnerability}-{resource}",
        "severity": severity,
        "status": status,
        "type": "PACKAGE_VULNERABILITY",
        "packageVulnerabilityDetails": {"vulnerabilityId": vulnerability, "source": "NVD"},
        "resources": [{"id": resource, "type": "AWS_EC2_INSTANCE"}],
    }


def _queue_inspector_findings(endpoint: str, findings: list[dict[str, Any]]) -> None:
    """What moto's ListFindings answers next in REGION (moto ignores the filter; the collector judges each finding)."""
    body = json.dumps({"results": [findings], "account_id": ACCOUNT, "region": REGION}).encode()
    _post(f"{endpoint}/moto-api/static/inspector2/findings-results", body)


def test_active_critical_inspector_findings_fail_the_region_naming_the_vulnerabilities(moto_reset: str) -> None:
    # given Inspector enabled with two active critical findings, an active high one and a closed critical one; and a
    # region where Inspector is off
    aws(moto_reset, "inspector2", REGION).enable(resourceTypes=["EC2", "ECR"], accountIds=[ACCOUNT])
    _queue_inspector_findings(
        moto_reset,
        [
            _inspector_finding("CVE-2024-3094", "CRITICAL", "ACTIVE", "i-0aaa"),
            _inspector_finding("CVE-2021-44228", "CRITICAL", "ACTIVE", "i-0bbb"),
            _inspector_finding("CVE-2023-38545", "HIGH", "ACTIVE", "i-0aaa"),
            _inspector_finding("CVE-2014-0160", "CRITICAL", "CLOSED", "i-0ccc"),
        ],
    )
    # when the findings check runs over both regions
    outcomes = scan(moto_reset, CRITICAL_FINDINGS, [REGION, OTHER_REGION])
    # then the enabled region fails, counting and naming the active critical ones only; the other is not judged
    outcome = only(outcomes)
    assert (outcome.resource_id, outcome.region, outcome.status) == (ACCOUNT, REGION, FAIL)
    assert outcome.reason == (
        f"Amazon Inspector in {REGION} has 2 active critical finding(s): CVE-2021-44228, CVE-2024-3094"
    )
    assert outcome.observed["resources"] == ["i-0aaa", "i-0bbb"]


def test_inspector_without_critical_findings_passes_and_a_refused_read_is_an_error(moto_reset: str) -> None:
    # given Inspector enabled with no finding
    aws(moto_reset, "inspector2", REGION).enable(resourceTypes=["EC2", "ECR"], accountIds=[ACCOUNT])
    # when the findings check runs, then it passes
    assert by_region(scan(moto_reset, CRITICAL_FINDINGS)) == {REGION: PASS}
    # and when ListFindings is refused, the region is an error saying so
    built = connector(moto_reset)
    refusal = fake_response(403, json.dumps({"message": "denied"}), "application/json")
    built.session.events.register("before-send.inspector2.ListFindings", lambda **_: refusal)
    outcome = only(run(built.collect({"inspector2"}), CRITICAL_FINDINGS))
    assert (outcome.status, outcome.region) == (ERROR, REGION)
    assert outcome.reason.startswith(f"Could not read Amazon Inspector findings in {REGION}: ListFindings failed")
