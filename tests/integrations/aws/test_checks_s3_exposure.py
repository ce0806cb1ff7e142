"""S3 exposure and recoverability checks (public policy/ACL, replication, Object Lock, lifecycle) against moto."""

from __future__ import annotations

import json

from botocore.awsrequest import AWSResponse

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    answer,
    aws,
    connector,
    fake_response,
    run,
    scan,
    services_for,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
ALL_ON = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}


def _bucket(endpoint: str, name: str, **kwargs: object) -> str:
    aws(endpoint, "s3").create_bucket(Bucket=name, **kwargs)
    return name


def _policy(bucket: str, statement: dict) -> str:
    resource = [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
    return json.dumps({"Version": "2012-10-17", "Statement": [{**statement, "Resource": resource}]})


def test_bucket_policy_not_public(moto_reset: str) -> None:
    # given a bucket readable by anyone, one open to "*" but only within an organisation,
    # one with a public policy neutralised by RestrictPublicBuckets, and one without a policy
    s3 = aws(moto_reset, "s3")
    anyone = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}
    for name in ("open", "org-only", "restricted"):
        _bucket(moto_reset, name)
    s3.put_bucket_policy(Bucket="open", Policy=_policy("open", anyone))
    org = {**anyone, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}}
    s3.put_bucket_policy(Bucket="org-only", Policy=_policy("org-only", org))
    s3.put_bucket_policy(Bucket="restricted", Policy=_policy("restricted", {**anyone, "Principal": {"AWS": "*"}}))
    s3.put_public_access_block(Bucket="restricted", PublicAccessBlockConfiguration=ALL_ON)
    _bucket(moto_reset, "no-policy")
    # when the check runs
    outcomes = scan(moto_reset, "aws.s3.bucket_policy_not_public")
    # then only the bucket anyone can read fails, naming what anyone may do
    assert statuses(outcomes) == {"open": FAIL, "org-only": PASS, "restricted": PASS, "no-policy": PASS}
    assert {o.resource_id: o.reason for o in outcomes}["open"] == "Bucket open's policy lets anyone s3:GetObject"


def test_bucket_acl_not_public(moto_reset: str) -> None:
    # given a public-read bucket, an authenticated-read bucket and a private one
    _bucket(moto_reset, "public-read", ACL="public-read")
    _bucket(moto_reset, "any-account", ACL="authenticated-read")
    _bucket(moto_reset, "private")
    # when the check runs before and after IgnorePublicAcls is set on the account
    before = statuses(scan(moto_reset, "aws.s3.bucket_acl_not_public"))
    aws(moto_reset, "s3control").put_public_access_block(
        AccountId=ACCOUNT, PublicAccessBlockConfiguration={**ALL_ON, "BlockPublicAcls": False}
    )
    after = statuses(scan(moto_reset, "aws.s3.bucket_acl_not_public"))
    # then the public grants fail until the account ignores them
    assert before == {"public-read": FAIL, "any-account": FAIL, "private": PASS}
    assert after == {"public-read": PASS, "any-account": PASS, "private": PASS}


def test_bucket_acls_disabled(moto_reset: str) -> None:
    # given a bucket with ACLs disabled, one whose uploader-owned objects keep ACLs, and one with no ownership controls
    s3 = aws(moto_reset, "s3")
    for name, setting in (("enforced", "BucketOwnerEnforced"), ("writer-owned", "ObjectWriter"), ("legacy", None)):
        _bucket(moto_reset, name)
        if setting:
            s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": setting}]})
    # when the check runs
    outcomes = scan(moto_reset, "aws.s3.bucket_acls_disabled")
    # then only the bucket owner enforced passes, and the others say why ACLs are in force
    assert statuses(outcomes) == {"enforced": PASS, "writer-owned": FAIL, "legacy": FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons["writer-owned"] == "Bucket writer-owned keeps ACLs in force (object ownership ObjectWriter)"
    assert reasons["legacy"] == "Bucket legacy has no object ownership controls, so ACLs are in force"


def test_bucket_replication_enabled(moto_reset: str) -> None:
    # given a versioned bucket replicating to another, and the destination itself (no rule)
    s3 = aws(moto_reset, "s3")
    for name in ("source", "replica"):
        _bucket(moto_reset, name)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_replication(
        Bucket="source",
        ReplicationConfiguration={
            "Role": f"arn:aws:iam::{ACCOUNT}:role/replication",
            "Rules": [
                {
                    "ID": "all",
                    "Status": "Enabled",
                    "Priority": 1,
                    "Filter": {},
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                    "Destination": {"Bucket": "arn:aws:s3:::replica"},
                }
            ],
        },
    )
    # when the check runs
    outcomes = scan(moto_reset, "aws.s3.bucket_replication_enabled")
    # then the source passes with its destination and the replica fails
    assert statuses(outcomes) == {"source": PASS, "replica": FAIL}
    assert {o.resource_id: o.observed for o in outcomes}["source"] == {"destinations": ["arn:aws:s3:::replica"]}


def test_bucket_object_lock_enabled(moto_reset: str) -> None:
    # given a bucket created with Object Lock and one without
    _bucket(moto_reset, "locked", ObjectLockEnabledForBucket=True)
    _bucket(moto_reset, "unlocked")
    # when the check runs
    outcomes = scan(moto_reset, "aws.s3.bucket_object_lock_enabled")
    # then only the locked bucket passes
    assert statuses(outcomes) == {"locked": PASS, "unlocked": FAIL}


def test_bucket_lifecycle_configured(moto_reset: str) -> None:
    # given a bucket with an enabled expiry rule, one with only a disabled rule, and one with none
    s3 = aws(moto_reset, "s3")
    for name, status in (("expiring", "Enabled"), ("paused", "Disabled")):
        _bucket(moto_reset, name)
        rule = {"ID": "expire", "Status": status, "Filter": {"Prefix": ""}, "Expiration": {"Days": 365}}
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [rule]})
    _bucket(moto_reset, "forever")
    # when the check runs
    outcomes = scan(moto_reset, "aws.s3.bucket_lifecycle_configured")
    # then only the bucket with an enabled rule passes
    assert statuses(outcomes) == {"expiring": PASS, "paused": FAIL, "forever": FAIL}


def test_a_denied_read_is_an_error_for_its_own_check_only(moto_reset: str) -> None:
    # given a bucket, and S3 refusing GetBucketReplication (and only that)
    _bucket(moto_reset, "guarded")
    built = connector(moto_reset)
    denied = answer([lambda: _access_denied()])
    built.session.events.register("before-send.s3.GetBucketReplication", denied)
    check_ids = ["aws.s3.bucket_replication_enabled", "aws.s3.bucket_lifecycle_configured"]
    # when S3 is collected and both checks run
    inventory = built.collect(services_for(check_ids))
    replication = run(inventory, "aws.s3.bucket_replication_enabled")
    lifecycle = run(inventory, "aws.s3.bucket_lifecycle_configured")
    # then the replication check reports an error naming the cause, the lifecycle check still judges the bucket
    assert statuses(replication) == {"guarded": ERROR}
    assert "AccessDenied" in replication[0].reason
    assert statuses(lifecycle) == {"guarded": FAIL}
    assert inventory.errors == {}


def _access_denied() -> AWSResponse:
    body = "<Error><Code>AccessDenied</Code><Message>denied</Message></Error>"
    return fake_response(403, body, "application/xml")
