"""IAM administrative-access checks against moto: attached full-admin policies (CIS AWS 1.16), AdministratorAccess
on users, inline policies, sensitive service wildcards and role trust policies."""

from __future__ import annotations

import json
from typing import Any

import pytest

from integrations.registry import OutcomeStatus
from tests.conftest_moto import _post
from tests.integrations.aws.support import ACCOUNT, TRUST_POLICY, aws, scan, statuses

PASS, FAIL = OutcomeStatus.PASS, OutcomeStatus.FAIL
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


EVERYTHING = _doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
SCOPED_STATEMENT = {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}
SCOPED = _doc(SCOPED_STATEMENT)


@pytest.fixture
def managed(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """moto with AWS's managed policies (AdministratorAccess, ReadOnlyAccess...) loaded."""
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    _post(f"{moto_reset}/moto-api/reset")
    return moto_reset


def _attach(endpoint: str, kind: str, name: str, arn: str) -> None:
    iam = aws(endpoint, "iam")
    if kind == "user":
        iam.create_user(UserName=name)
        iam.attach_user_policy(UserName=name, PolicyArn=arn)
    elif kind == "group":
        iam.create_group(GroupName=name)
        iam.attach_group_policy(GroupName=name, PolicyArn=arn)
    else:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST_POLICY)
        iam.attach_role_policy(RoleName=name, PolicyArn=arn)


@pytest.mark.parametrize("kind", ["user", "group", "role"])
def test_attached_administrator_access_fails_full_admin_check(managed: str, kind: str) -> None:
    # given AdministratorAccess attached to a user, a group or a role, and ReadOnlyAccess attached elsewhere
    _attach(managed, kind, "holder", ADMIN)
    _attach(managed, "role", "auditor", READ_ONLY)
    # when the CIS 1.16 check runs
    outcomes = scan(managed, "aws.iam.no_full_admin_policies")
    # then the AWS-managed AdministratorAccess fails and ReadOnlyAccess passes
    assert statuses(outcomes) == {ADMIN: FAIL, READ_ONLY: PASS}
    admin = next(o for o in outcomes if o.resource_id == ADMIN)
    assert admin.reason == 'AWS-managed policy AdministratorAccess is attached and allows "*" actions on "*" resources'
    assert admin.observed["aws_managed"] is True


def test_unattached_full_admin_customer_policy_is_not_judged(moto_reset: str) -> None:
    # given a customer policy allowing everything attached to a role, the same unattached, and a scoped attached one
    iam = aws(moto_reset, "iam")
    attached = iam.create_policy(PolicyName="GodMode", PolicyDocument=EVERYTHING)["Policy"]["Arn"]
    unattached = iam.create_policy(PolicyName="Dormant", PolicyDocument=EVERYTHING)["Policy"]["Arn"]
    scoped = iam.create_policy(PolicyName="Viewer", PolicyDocument=SCOPED)["Policy"]["Arn"]
    _attach(moto_reset, "role", "deployer", attached)
    _attach(moto_reset, "group", "viewers", scoped)
    # when the CIS 1.16 check runs
    outcomes = scan(moto_reset, "aws.iam.no_full_admin_policies")
    # then the attached admin policy fails, the scoped one passes, and the unattached one is not judged at all
    assert statuses(outcomes) == {attached: FAIL, scoped: PASS}
    assert unattached not in statuses(outcomes)


def test_unattached_customer_policies_granting_everything_fail_their_own_check(moto_reset: str) -> None:
    # given an unattached customer policy allowing everything, an unattached scoped one, and an attached admin one
    iam = aws(moto_reset, "iam")
    dormant = iam.create_policy(PolicyName="Dormant", PolicyDocument=EVERYTHING)["Policy"]["Arn"]
    spare = iam.create_policy(PolicyName="Spare", PolicyDocument=SCOPED)["Policy"]["Arn"]
    attached = iam.create_policy(PolicyName="GodMode", PolicyDocument=EVERYTHING)["Policy"]["Arn"]
    _attach(moto_reset, "role", "deployer", attached)
    # when the unattached-policy check runs
    outcomes = scan(moto_reset, "aws.iam.unattached_policy_no_full_admin")
    # then the dormant admin policy fails, the scoped one passes, and the attached one is left to the CIS 1.16 check
    assert statuses(outcomes) == {dormant: FAIL, spare: PASS}
    failed = next(o for o in outcomes if o.resource_id == dormant)
    assert failed.reason == 'Policy Dormant is attached to nobody but allows "*" actions on "*" resources'


def test_user_no_administrator_access(managed: str) -> None:
    # given a user with AdministratorAccess directly, one through a group, one with only ReadOnlyAccess, one bare
    iam = aws(managed, "iam")
    _attach(managed, "user", "direct", ADMIN)
    _attach(managed, "group", "admins", ADMIN)
    _attach(managed, "user", "reader", READ_ONLY)
    for name in ("grouped", "plain"):
        iam.create_user(UserName=name)
    iam.add_user_to_group(GroupName="admins", UserName="grouped")
    # when the check runs
    outcomes = scan(managed, "aws.iam.user_no_administrator_access")
    # then the two users holding it fail, each saying how
    assert statuses(outcomes) == {"direct": FAIL, "grouped": FAIL, "reader": PASS, "plain": PASS}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons["direct"] == "User direct has AdministratorAccess directly"
    assert reasons["grouped"] == "User grouped has AdministratorAccess through group(s) admins"


def test_customer_copy_of_administrator_access_is_not_that_policy(moto_reset: str) -> None:
    # given a user with a customer policy that merely shares AdministratorAccess's name
    iam = aws(moto_reset, "iam")
    copy = iam.create_policy(PolicyName="AdministratorAccess", PolicyDocument=EVERYTHING)["Policy"]["Arn"]
    _attach(moto_reset, "user", "copycat", copy)
    # when the user check runs
    outcomes = scan(moto_reset, "aws.iam.user_no_administrator_access")
    # then it passes (the full-admin policy check is the one that judges the copy)
    assert statuses(outcomes) == {"copycat": PASS}


def test_inline_policy_no_full_admin(moto_reset: str) -> None:
    # given inline policies on a user, a group and a role, two of them allowing everything
    iam = aws(moto_reset, "iam")
    iam.create_user(UserName="ops")
    iam.put_user_policy(UserName="ops", PolicyName="all", PolicyDocument=EVERYTHING)
    iam.create_group(GroupName="viewers")
    iam.put_group_policy(GroupName="viewers", PolicyName="describe", PolicyDocument=SCOPED)
    iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=TRUST_POLICY)
    iam.put_role_policy(
        RoleName="deployer",
        PolicyName="all",
        PolicyDocument=_doc(SCOPED_STATEMENT, {"Effect": "Allow", "Action": ["s3:*", "*"], "Resource": ["*"]}),
    )
    # when the check runs
    outcomes = scan(moto_reset, "aws.iam.inline_policy_no_full_admin")
    # then each inline policy is judged, named by its owner
    assert statuses(outcomes) == {"user/ops/all": FAIL, "group/viewers/describe": PASS, "role/deployer/all": FAIL}
    role = next(o for o in outcomes if o.resource_id == "role/deployer/all")
    assert role.observed["owner_arn"] == f"arn:aws:iam::{ACCOUNT}:role/deployer"
    assert role.reason == 'Inline policy all of role deployer allows "*" actions on "*" resources'


def test_policy_no_wildcard_service_admin(moto_reset: str) -> None:
    # given attached customer policies with kms:* and with a narrow S3 action, an unattached one with iam:*, and a
    # role's inline policy with IAM:* in capitals
    iam = aws(moto_reset, "iam")
    keys = iam.create_policy(
        PolicyName="KeyAdmin", PolicyDocument=_doc({"Effect": "Allow", "Action": ["kms:*"], "Resource": "*"})
    )["Policy"]["Arn"]
    narrow = iam.create_policy(
        PolicyName="Reader", PolicyDocument=_doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    )["Policy"]["Arn"]
    dormant = iam.create_policy(
        PolicyName="Dormant", PolicyDocument=_doc({"Effect": "Allow", "Action": "iam:*", "Resource": "*"})
    )["Policy"]["Arn"]
    _attach(moto_reset, "user", "keeper", keys)
    _attach(moto_reset, "group", "readers", narrow)
    iam.create_role(RoleName="builder", AssumeRolePolicyDocument=TRUST_POLICY)
    iam.put_role_policy(
        RoleName="builder",
        PolicyName="grant",
        PolicyDocument=_doc({"Effect": "Allow", "Action": "IAM:*", "Resource": "*"}),
    )
    # when the check runs
    outcomes = scan(moto_reset, "aws.iam.policy_no_wildcard_service_admin")
    # then the kms:* and IAM:* grants fail, the narrow one passes and the unattached one is not judged
    assert statuses(outcomes) == {keys: FAIL, narrow: PASS, "role/builder/grant": FAIL}
    assert dormant not in statuses(outcomes)
    assert next(o for o in outcomes if o.resource_id == keys).observed["wildcards"] == ["kms:*"]


def _trust(principal: Any, condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return _doc(statement)


def test_role_trust_no_public_principal(moto_reset: str) -> None:
    # given roles trusting anyone, anyone under an unrelated condition, anyone of one organization, an account,
    # and a service
    iam = aws(moto_reset, "iam")
    roles = {
        "open-star": _trust("*"),
        "open-aws-star": _trust({"AWS": ["*"]}),
        "open-tls-only": _trust({"AWS": "*"}, {"Bool": {"aws:SecureTransport": "true"}}),
        "org-only": _trust({"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
        "partner": _trust({"AWS": "*"}, {"StringEquals": {"sts:ExternalId": "partner-secret"}}),
        "named-account": TRUST_POLICY,
        "service": _trust({"Service": "lambda.amazonaws.com"}),
    }
    for name, trust in roles.items():
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
    # when the check runs
    outcomes = scan(moto_reset, "aws.iam.role_trust_no_public_principal")
    # then only the roles anyone may assume fail
    assert statuses(outcomes) == {
        "open-star": FAIL,
        "open-aws-star": FAIL,
        "open-tls-only": FAIL,
        "org-only": PASS,
        "partner": PASS,
        "named-account": PASS,
        "service": PASS,
    }
    star = next(o for o in outcomes if o.resource_id == "open-star")
    assert star.reason == "Role open-star trusts any AWS principal without a condition restricting who"
    assert star.observed["arn"] == f"arn:aws:iam::{ACCOUNT}:role/open-star"
