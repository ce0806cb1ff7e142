"""S3 checks against moto."""

from __future__ import annotations

import json
from typing import Any

import pytest

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    aws,
    connector,
    fake_response,
    inventory,
    only,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
ALL_ON = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}


def _tls_only_policy(bucket: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "TlsOnly",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
    )


@pytest.mark.parametrize(
    ("block", "expected"),
    [(ALL_ON, PASS), ({**ALL_ON, "RestrictPublicBuckets": False}, FAIL), (None, FAIL)],
    ids=["all-on", "one-off", "unset"],
)
def test_account_public_access_block(moto_reset: str, block: dict | None, expected: str) -> None:
    # given the account-level Block Public Access fully on, partly on, or never set
    if block:
        aws(moto_reset, "s3control").put_public_access_block(AccountId=ACCOUNT, PublicAccessBlockConfiguration=block)
    # when the check runs
    outcome = only(scan(moto_reset, "aws.s3.account_public_access_block"))
    # then the account gets the expected status
    assert (outcome.resource_id, outcome.status) == (ACCOUNT, expected)


def test_bucket_public_access_block(moto_reset: str) -> None:
    # given a bucket with all four settings, one with only some, and one with none
    s3 = aws(moto_reset, "s3")
    for name in ("locked", "partial", "open"):
        s3.create_bucket(Bucket=name)
    s3.put_public_access_block(Bucket="locked", PublicAccessBlockConfiguration=ALL_ON)
    s3.put_public_access_block(Bucket="partial", PublicAccessBlockConfiguration={**ALL_ON, "BlockPublicPolicy": False})
    # when the check runs
    outcomes = scan(moto_reset, "aws.s3.bucket_public_access_block")
    # then only the fully blocked bucket passes
    assert statuses(outcomes) == {"locked": PASS, "partial": FAIL, "open": FAIL}
    assert next(o for o in outcomes if o.resource_id == "partial").reason == (
        "Bucket partial does not block public access: BlockPublicPolicy off"
    )


def test_account_level_block_covers_every_bucket(moto_reset: str) -> None:
    # given the account-level setting fully on and a bucket with no setting of its own
    aws(moto_reset, "s3control").put_public_access_block(AccountId=ACCOUNT, PublicAccessBlockConfiguration=ALL_ON)
    aws(moto_reset, "s3").create_bucket(Bucket="inherits")
    # when the check runs
    # then the bucket passes through the account setting
    assert statuses(scan(moto_reset, "aws.s3.bucket_public_access_block")) == {"inherits": PASS}


def test_bucket_default_encryption(moto_reset: str) -> None:
    # given an encrypted bucket (in another region) and one without default encryption
    s3 = aws(moto_reset, "s3")
    s3.create_bucket(Bucket="sealed", CreateBucketConfiguration={"LocationConstraint": OTHER_REGION})
    s3.put_bucket_encryption(
        Bucket="sealed",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    s3.create_bucket(Bucket="plain")
    # when the check runs
    outcomes = scan(moto_reset, "aws.s3.bucket_default_encryption")
    # then the unencrypted bucket fails, and the other is tagged with its own region
    assert statuses(outcomes) == {"sealed": PASS, "plain": FAIL}
    assert {o.resource_id: o.region for o in outcomes} == {"sealed": OTHER_REGION, "plain": "us-east-1"}


def test_bucket_versioning_and_mfa_delete(moto_reset: str) -> None:
    # given a versioned bucket and an unversioned one (moto cannot turn on MFA Delete)
    s3 = aws(moto_reset, "s3")
    s3.create_bucket(Bucket="versioned")
    s3.put_bucket_versioning(Bucket="versioned", VersioningConfiguration={"Status": "Enabled"})
    s3.create_bucket(Bucket="unversioned")
    inv_checks = ["aws.s3.bucket_versioning_enabled", "aws.s3.bucket_mfa_delete_enabled"]
    # when both checks run
    results = {cid: statuses(scan(moto_reset, cid)) for cid in inv_checks}
    # then versioning follows the setting and MFA Delete is off on both
    assert results == {
        "aws.s3.bucket_versioning_enabled": {"versioned": PASS, "unversioned": FAIL},
        "aws.s3.bucket_mfa_delete_enabled": {"versioned": FAIL, "unversioned": FAIL},
    }


def test_mfa_delete_passes_when_enabled() -> None:
    # given a bucket whose versioning reports MFA Delete enabled (moto ignores the setting)
    bucket = {"name": "vault", "region": "us-east-1", "versioning": {"status": "Enabled", "mfa_delete": "Enabled"}}
    inv = inventory(s3={"account_public_access_block": None, "buckets": [bucket]})
    # when the check runs
    # then it passes
    assert statuses(run(inv, "aws.s3.bucket_mfa_delete_enabled")) == {"vault": PASS}


def test_bucket_policy_denies_plain_http(moto_reset: str) -> None:
    # given a bucket with a TLS-only policy, one with an unrelated policy, and one with none
    s3 = aws(moto_reset, "s3")
    for name in ("tls-only", "other-policy", "no-policy"):
        s3.create_bucket(Bucket=name)
    s3.put_bucket_policy(Bucket="tls-only", Policy=_tls_only_policy("tls-only"))
    unrelated = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::other-policy/*",
            }
        ],
    }
    s3.put_bucket_policy(Bucket="other-policy", Policy=json.dumps(unrelated))
    # when the check runs
    outcomes = scan(moto_reset, "aws.s3.bucket_deny_http")
    # then only the TLS-only bucket passes
    assert statuses(outcomes) == {"tls-only": PASS, "other-policy": FAIL, "no-policy": FAIL}


def test_bucket_server_access_logging(moto_reset: str) -> None:
    # given a log bucket writable by log delivery, and a bucket logging into it
    s3 = aws(moto_reset, "s3")
    s3.create_bucket(Bucket="access-logs")
    s3.put_bucket_acl(Bucket="access-logs", ACL="log-delivery-write")
    s3.create_bucket(Bucket="app-data")
    s3.put_bucket_logging(
        Bucket="app-data",
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": "access-logs", "TargetPrefix": "app-data/"}},
    )
    # when the check runs
    outcomes = scan(moto_reset, "aws.s3.bucket_server_access_logging")
    # then the logged bucket passes and the log bucket itself fails
    assert statuses(outcomes) == {"app-data": PASS, "access-logs": FAIL}
    assert next(o for o in outcomes if o.resource_id == "app-data").observed["target_bucket"] == "access-logs"


def test_unreadable_bucket_is_an_error_for_that_bucket_only(moto_reset: str) -> None:
    # given two buckets, one of which denies the scanner GetBucketPolicy
    s3 = aws(moto_reset, "s3")
    s3.create_bucket(Bucket="locked-down")
    s3.create_bucket(Bucket="ordinary")
    built = connector(moto_reset)

    def deny_locked(request: Any = None, **_: Any) -> Any:
        if "locked-down" in request.url:
            return fake_response(403, "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>")
        return None

    built.session.events.register("before-send.s3.GetBucketPolicy", deny_locked)
    # when S3 is collected and the versioning check runs
    inv = built.collect({"s3"})
    outcomes = run(inv, "aws.s3.bucket_versioning_enabled")
    # then the service collected, the denied bucket errors and the other is judged normally
    assert inv.errors == {}
    assert statuses(outcomes) == {"locked-down": ERROR, "ordinary": FAIL}
    assert "AccessDenied" in next(o.reason for o in outcomes if o.resource_id == "locked-down")


def _access_point(endpoint: str, name: str, bucket: str, **block: bool) -> str:
    """An access point on ``bucket``; ``block`` turns Block Public Access settings off (AWS's default is all on)."""
    control = aws(endpoint, "s3control")
    settings = {"PublicAccessBlockConfiguration": {**ALL_ON, **block}} if block else {}
    return str(control.create_access_point(AccountId=ACCOUNT, Name=name, Bucket=bucket, **settings)["AccessPointArn"])


def test_access_point_public_access_block(moto_reset: str) -> None:
    # given a bucket with an access point on AWS's defaults (all four on) and one letting public policies through
    aws(moto_reset, "s3").create_bucket(Bucket="shared-data")
    locked = _access_point(moto_reset, "analytics", "shared-data")
    open_point = _access_point(
        moto_reset, "partners", "shared-data", BlockPublicPolicy=False, RestrictPublicBuckets=False
    )
    # when the check runs over two regions (access points are regional; both live in the first)
    outcomes = scan(moto_reset, "aws.s3.access_point_public_access_block", ["us-east-1", OTHER_REGION])
    # then each is judged once, in its region, and the one with settings off fails naming them
    assert statuses(outcomes) == {locked: PASS, open_point: FAIL}
    assert {o.region for o in outcomes} == {"us-east-1"}
    failed = next(o for o in outcomes if o.resource_id == open_point)
    assert failed.reason == (
        "Access point partners does not block public access: BlockPublicPolicy, RestrictPublicBuckets off"
    )
    assert failed.observed["bucket"] == "shared-data"


def test_unreadable_access_point_is_an_error_for_that_access_point_only(moto_reset: str) -> None:
    # given two access points, one of which the scanner may not describe
    aws(moto_reset, "s3").create_bucket(Bucket="shared-data")
    hidden = _access_point(moto_reset, "hidden", "shared-data")
    visible = _access_point(moto_reset, "visible", "shared-data")
    built = connector(moto_reset)

    def deny_hidden(request: Any = None, **_: Any) -> Any:
        if request.url.endswith("/accesspoint/hidden"):
            return fake_response(403, "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>")
        return None

    built.session.events.register("before-send.s3-control.GetAccessPoint", deny_hidden)
    # when the access points are collected and the check runs
    inv = built.collect({"s3_access_points"})
    outcomes = run(inv, "aws.s3.access_point_public_access_block")
    # then the denied one is an error and the other is judged
    assert inv.errors == {}
    assert statuses(outcomes) == {hidden: ERROR, visible: PASS}
    assert "AccessDenied" in next(o.reason for o in outcomes if o.resource_id == hidden)


def test_access_points_beyond_the_bound_are_said_to_be_unread(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # given a region with two access points, and a collector reading one per region
    monkeypatch.setattr("integrations.providers.aws.collectors.s3.MAX_ACCESS_POINTS", 1)
    aws(moto_reset, "s3").create_bucket(Bucket="shared-data")
    first = _access_point(moto_reset, "first", "shared-data")
    _access_point(moto_reset, "second", "shared-data")
    # when the check runs
    outcomes = scan(moto_reset, "aws.s3.access_point_public_access_block")
    # then the one read is judged and the region says it was read in part
    assert statuses(outcomes) == {first: PASS, ACCOUNT: ERROR}
    assert only([o for o in outcomes if o.resource_id == ACCOUNT]).reason == (
        "us-east-1 holds more than 1 access points; only the first 1 were read and judged"
    )
