"""IAM and S3 access checks against moto: full KMS and CloudTrail access in customer and inline policies,
AdministratorAccess on roles and groups, and bucket policies granting other AWS accounts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from integrations.registry import OutcomeStatus
from tests.conftest_moto import _post
from tests.integrations.aws.support import (
    ACCOUNT,
    TRUST_POLICY,
    answer,
    aws,
    collect,
    connector,
    fake_response,
    run,
    scan,
    services_for,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
KMS = "aws.iam.policy_no_full_kms_access"
CLOUDTRAIL = "aws.iam.policy_no_full_cloudtrail_access"
WILDCARD = "aws.iam.policy_no_wildcard_service_admin"
ROLE_ADMIN = "aws.iam.role_no_administrator_access"
GROUP_ADMIN = "aws.iam.group_no_administrator_access"
CROSS_ACCOUNT = "aws.s3.bucket_no_cross_account_access"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
OTHER, THIRD = "111122223333", "444455556666"


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(action: Any, resource: Any = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def _deny(action: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": "*"}


@pytest.fixture
def worker(moto_reset: str) -> str:
    """moto with a role named worker to attach policies to."""
    aws(moto_reset, "iam").create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_POLICY)
    return moto_reset


@pytest.fixture
def managed(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """moto with AWS's managed policies (AdministratorAccess, ReadOnlyAccess...) loaded."""
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    _post(f"{moto_reset}/moto-api/reset")
    return moto_reset


def _attached(endpoint: str, name: str, *statements: dict[str, Any]) -> str:
    iam = aws(endpoint, "iam")
    arn = str(iam.create_policy(PolicyName=name, PolicyDocument=_doc(*statements))["Policy"]["Arn"])
    iam.attach_role_policy(RoleName="worker", PolicyArn=arn)
    return arn


# --------------------------------------------------------------------------- KMS and CloudTrail


def test_policy_no_full_kms_access(worker: str) -> None:
    # given attached customer policies granting all of KMS in several spellings, narrower grants, a kms:* taken back
    # whole by a Deny and one only in part, an unattached kms:* policy, and role inline policies
    iam = aws(worker, "iam")
    wildcard = _attached(worker, "KmsAdmin", _allow("kms:*"))
    upper = _attached(worker, "KmsUpper", _allow(["s3:GetObject", "KMS:*"]))
    every_service = _attached(worker, "StarStar", _allow("*:*"))
    not_action = _attached(worker, "AllButIam", {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    not_kms = _attached(worker, "AllButKms", {"Effect": "Allow", "NotAction": ["iam:*", "kms:*"], "Resource": "*"})
    use = _attached(worker, "KmsUse", _allow(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"]))
    scoped = _attached(worker, "KmsOneKey", _allow("kms:*", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/abcd"))
    fenced = _attached(worker, "KmsFenced", _allow("kms:*"), _deny("kms:*"))
    partly = _attached(worker, "KmsNoDelete", _allow("kms:*"), _deny("kms:ScheduleKeyDeletion"))
    iam.create_policy(PolicyName="Spare", PolicyDocument=_doc(_allow("kms:*")))
    iam.put_role_policy(RoleName="worker", PolicyName="keys", PolicyDocument=_doc(_allow("kms:*")))
    iam.put_role_policy(RoleName="worker", PolicyName="god", PolicyDocument=_doc(_allow("*")))
    # when the KMS check runs with the wildcard-service check
    collected = collect(worker, [KMS, WILDCARD])
    outcomes = run(collected, KMS)
    # then every grant of all of KMS fails (the partial Deny leaves kms:* and every future action in force); the
    # narrower ones pass, the unattached policy and the "*" on "*" one (the full-admin checks') are not judged
    assert statuses(outcomes) == {
        wildcard: FAIL,
        upper: FAIL,
        every_service: FAIL,
        not_action: FAIL,
        not_kms: PASS,
        use: PASS,
        scoped: PASS,
        fenced: PASS,
        partly: FAIL,
        "role/worker/keys": FAIL,
    }
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[wildcard] == (
        "Policy KmsAdmin allows every KMS action on every resource (kms:*), which includes decrypting with, "
        "disabling and scheduling the deletion of every key"
    )
    assert "(NotAction iam:*)" in reasons[not_action]
    assert reasons[use] == "Policy KmsUse does not allow every KMS action on every resource"
    assert {o.resource_id: o.observed["granted_by"] for o in outcomes}[upper] == ["KMS:*"]
    assert {o.resource_type for o in outcomes if o.resource_id == "role/worker/keys"} == {"AWS::IAM::Policy"}
    # and "*:*" and NotAction grants, which the generic wildcard check does not read, are what this one adds
    wildcard_check = statuses(run(collected, WILDCARD))
    assert (wildcard_check[wildcard], wildcard_check[every_service], wildcard_check[not_action]) == (FAIL, PASS, PASS)
    # (and a kms:* taken back whole by a Deny, which the generic check fails, passes here)
    assert wildcard_check[fenced] == FAIL


def test_policy_no_full_cloudtrail_access(worker: str) -> None:
    # given a CloudTrail wildcard, a NotAction grant of everything but IAM and Organizations, a read-only grant, and a
    # group's inline policy allowing all of CloudTrail
    iam = aws(worker, "iam")
    wildcard = _attached(worker, "TrailAdmin", _allow("cloudtrail:*"))
    everything_but = _attached(
        worker, "AllButIdentity", {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}
    )
    reader = _attached(worker, "TrailReader", _allow(["cloudtrail:Describe*", "cloudtrail:Get*", "cloudtrail:List*"]))
    iam.create_group(GroupName="auditors")
    iam.put_group_policy(GroupName="auditors", PolicyName="trails", PolicyDocument=_doc(_allow("CloudTrail:*")))
    # when the check runs
    outcomes = scan(worker, CLOUDTRAIL)
    # then the grants of every CloudTrail action fail, naming what grants it, and the read-only one passes
    assert statuses(outcomes) == {wildcard: FAIL, everything_but: FAIL, reader: PASS, "group/auditors/trails": FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons["group/auditors/trails"] == (
        "Inline policy trails of group auditors allows every CloudTrail action on every resource (CloudTrail:*), "
        "which includes stopping logging and deleting or redirecting every trail"
    )
    assert reasons[reader] == "Policy TrailReader does not allow every CloudTrail action on every resource"


# --------------------------------------------------------------------------- AdministratorAccess on roles and groups


def test_role_no_administrator_access(managed: str) -> None:
    # given a role with AdministratorAccess, one with ReadOnlyAccess, an IAM Identity Center role and a service-linked
    # role holding AdministratorAccess, a service-linked role without it, and a customer role at a lookalike path
    iam = aws(managed, "iam")
    for name, path in (("deployer", "/"), ("reader", "/"), ("lookalike", "/team/aws-reserved/sso.amazonaws.com/")):
        iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=TRUST_POLICY)
    sso = "AWSReservedSSO_Admin_0123abcd"
    iam.create_role(
        RoleName=sso, Path="/aws-reserved/sso.amazonaws.com/eu-west-1/", AssumeRolePolicyDocument=TRUST_POLICY
    )
    linked = iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")["Role"]["RoleName"]
    plain_linked = iam.create_service_linked_role(AWSServiceName="elasticbeanstalk.amazonaws.com")["Role"]["RoleName"]
    for name in ("deployer", sso, linked, "lookalike"):
        iam.attach_role_policy(RoleName=name, PolicyArn=ADMIN)
    iam.attach_role_policy(RoleName="reader", PolicyArn=READ_ONLY)
    # when the check runs
    outcomes = scan(managed, ROLE_ADMIN)
    # then the customer roles with AdministratorAccess fail; the AWS-managed ones pass, saying why they are exempt
    assert statuses(outcomes) == {
        "deployer": FAIL,
        "reader": PASS,
        "lookalike": FAIL,
        sso: PASS,
        linked: PASS,
        plain_linked: PASS,
    }
    by_id = {o.resource_id: o for o in outcomes}
    assert by_id["deployer"].reason == (
        f"Role deployer has AdministratorAccess attached; it trusts arn:aws:iam::{ACCOUNT}:root"
    )
    assert by_id[sso].reason == (
        f"Role {sso} has AdministratorAccess from an IAM Identity Center permission set "
        "(path /aws-reserved/sso.amazonaws.com/eu-west-1/): who receives it is assigned and reviewed in Identity Center"
    )
    assert by_id[sso].observed["exempt"] == "identity-center"
    assert by_id[linked].observed["exempt"] == "service-linked"
    assert by_id[linked].reason.startswith(f"Role {linked} has AdministratorAccess but is service-linked (path ")
    assert by_id[plain_linked].reason == f"Role {plain_linked} does not have AdministratorAccess"


def test_group_no_administrator_access(managed: str) -> None:
    # given a group with AdministratorAccess and two members, an empty one with it, and a read-only group
    iam = aws(managed, "iam")
    for group, policy in (("admins", ADMIN), ("standby", ADMIN), ("readers", READ_ONLY)):
        iam.create_group(GroupName=group)
        iam.attach_group_policy(GroupName=group, PolicyArn=policy)
    for user in ("bob", "alice"):
        iam.create_user(UserName=user)
        iam.add_user_to_group(GroupName="admins", UserName=user)
    # when the check runs
    outcomes = scan(managed, GROUP_ADMIN)
    # then both groups holding AdministratorAccess fail, naming the members it reaches
    assert statuses(outcomes) == {"admins": FAIL, "standby": FAIL, "readers": PASS}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons["admins"] == "Group admins has AdministratorAccess, handing it to 2 member(s): alice, bob"
    assert reasons["standby"] == "Group standby has AdministratorAccess (no members now; anyone added gets it)"
    assert reasons["readers"] == "Group readers does not have AdministratorAccess"


# --------------------------------------------------------------------------- S3 cross-account access


def _bucket_policy(endpoint: str, bucket: str, *statements: dict[str, Any]) -> None:
    s3 = aws(endpoint, "s3")
    s3.create_bucket(Bucket=bucket)
    resource = [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
    if statements:
        s3.put_bucket_policy(Bucket=bucket, Policy=_doc(*({**s, "Resource": resource} for s in statements)))


def _read(principal: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject", **extra}


def test_bucket_no_cross_account_access(moto_reset: str) -> None:
    # given buckets shared with other accounts (by ARN and by bare id, and through a "*" statement pinned to an
    # account by condition), one shared only within an organisation, one with the owner's principals, a public one,
    # one denying another account, one for a service principal, and one without a policy
    own_role = f"arn:aws:iam::{ACCOUNT}:role/worker"
    org = {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}
    _bucket_policy(moto_reset, "shared", _read({"AWS": [f"arn:aws:iam::{OTHER}:root", THIRD, own_role]}))
    _bucket_policy(moto_reset, "pinned", _read("*", Condition={"StringEquals": {"aws:PrincipalAccount": OTHER}}))
    _bucket_policy(moto_reset, "org-shared", _read({"AWS": f"arn:aws:iam::{OTHER}:role/reader"}, Condition=org))
    _bucket_policy(moto_reset, "own", _read({"AWS": [own_role, ACCOUNT]}))
    _bucket_policy(moto_reset, "public", _read("*"))
    _bucket_policy(moto_reset, "denied", {**_read({"AWS": OTHER}), "Effect": "Deny"})
    _bucket_policy(moto_reset, "logs", _read({"Service": "logging.s3.amazonaws.com"}))
    _bucket_policy(moto_reset, "bare")
    # when the check runs
    outcomes = scan(moto_reset, CROSS_ACCOUNT)
    # then only the buckets granting accounts outside an organisation condition fail, naming the accounts
    assert statuses(outcomes) == {
        "shared": FAIL,
        "pinned": FAIL,
        "org-shared": PASS,
        "own": PASS,
        "public": PASS,
        "denied": PASS,
        "logs": PASS,
        "bare": PASS,
    }
    by_id = {o.resource_id: o for o in outcomes}
    assert by_id["shared"].reason == f"Bucket shared's policy grants access to other account(s) {OTHER}, {THIRD}"
    assert by_id["shared"].observed["other_accounts"] == [OTHER, THIRD]
    assert by_id["pinned"].observed["other_accounts"] == [OTHER]
    assert by_id["org-shared"].reason == (
        f"Bucket org-shared's policy grants other account(s) {OTHER} access only within organization o-abc123"
    )
    assert by_id["public"].reason == (
        "Bucket public's policy grants no other account access "
        "(statements for any principal are judged by aws.s3.bucket_policy_not_public)"
    )
    assert by_id["bare"].reason == "Bucket bare has no bucket policy"


def test_bucket_no_cross_account_access_unreadable_policy(moto_reset: str) -> None:
    # given a bucket, and S3 refusing its policy
    aws(moto_reset, "s3").create_bucket(Bucket="guarded")
    built = connector(moto_reset)
    built.session.events.register("before-send.s3.GetBucketPolicy", answer([_access_denied]))
    # when S3 is collected and the check runs
    outcomes = run(built.collect(services_for([CROSS_ACCOUNT])), CROSS_ACCOUNT)
    # then the bucket is an error naming the cause, not a pass
    assert statuses(outcomes) == {"guarded": ERROR}
    assert "AccessDenied" in outcomes[0].reason


def _access_denied() -> AWSResponse:
    return fake_response(403, "<Error><Code>AccessDenied</Code><Message>denied</Message></Error>", "application/xml")
