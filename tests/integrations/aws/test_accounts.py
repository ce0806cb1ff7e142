"""The AWS account list for access reviews (IAM users and roles), from an inventory collected from moto."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from integrations.providers.aws.accounts import SOURCE
from integrations.registry import REVOCATION_CHECK_SUFFIX, Account, AccountKind, Inventory, OutcomeStatus, get_check
from tests.conftest_moto import _post
from tests.integrations.aws.support import ACCOUNT, REGION, TRUST_POLICY, aws, connector

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
EVERYTHING = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
SCOPED = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]}
)
CHECK_ID = f"aws.{REVOCATION_CHECK_SUFFIX}"


def user_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:user/{name}"


def role_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


@pytest.fixture
def account(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """moto, with AWS's managed policies loaded, holding users and roles of every kind the extractor tells apart."""
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    _post(f"{moto_reset}/moto-api/reset")
    iam = aws(moto_reset, "iam")
    # grace: AdministratorAccess through a group, a console password
    iam.create_group(GroupName="admins")
    iam.attach_group_policy(GroupName="admins", PolicyArn=ADMIN)
    iam.create_user(UserName="grace")
    iam.add_user_to_group(GroupName="admins", UserName="grace")
    iam.create_login_profile(UserName="grace", Password="Correct-Horse-Battery-1")
    # dev: read-only and a scoped inline policy, an access key that has been used
    iam.create_user(UserName="dev")
    iam.attach_user_policy(UserName="dev", PolicyArn=READ_ONLY)
    iam.put_user_policy(UserName="dev", PolicyName="describe", PolicyDocument=SCOPED)
    key = iam.create_access_key(UserName="dev")["AccessKey"]
    # ops: an inline policy allowing everything, an access key switched off
    iam.create_user(UserName="ops")
    iam.put_user_policy(UserName="ops", PolicyName="all", PolicyDocument=EVERYTHING)
    off = iam.create_access_key(UserName="ops")["AccessKey"]["AccessKeyId"]
    iam.update_access_key(UserName="ops", AccessKeyId=off, Status="Inactive")
    # roles: one administrator, one auditor, and one AWS service-linked role
    iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=TRUST_POLICY)
    iam.attach_role_policy(RoleName="deployer", PolicyArn=ADMIN)
    iam.create_role(RoleName="auditor", AssumeRolePolicyDocument=TRUST_POLICY)
    iam.attach_role_policy(RoleName="auditor", PolicyArn=READ_ONLY)
    iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")
    # dev's key signs a real request, so moto records its last use
    boto3.client(
        "sts",
        region_name=REGION,
        endpoint_url=moto_reset,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    ).get_caller_identity()
    return moto_reset


def collect(endpoint: str) -> Inventory:
    inventory = connector(endpoint).collect(set(SOURCE.services))
    assert inventory.errors == {}
    return inventory


def by_id(inventory: Inventory) -> dict[str, Account]:
    listed = SOURCE.accounts(inventory)
    assert listed is not None
    return {a.id: a for a in listed}


def test_users_and_roles_are_listed_with_their_privileges(account: str) -> None:
    # given the seeded account, collected through the connector
    inventory = collect(account)
    # when its accounts are extracted
    found = by_id(inventory)
    # then every user and every role but the service-linked one is listed, by ARN
    assert set(found) == {
        user_arn("grace"),
        user_arn("dev"),
        user_arn("ops"),
        role_arn("deployer"),
        role_arn("auditor"),
    }
    assert any(":role/aws-service-role/" in r["arn"] for r in inventory.data["iam"]["roles"])
    assert not any("aws-service-role" in arn for arn in found)
    grace, dev, ops = found[user_arn("grace")], found[user_arn("dev")], found[user_arn("ops")]
    assert (grace.name, grace.kind, grace.privileges) == ("grace", AccountKind.USER, ("group:admins",))
    assert dev.privileges == ("inline:describe", "policy:ReadOnlyAccess")
    assert ops.privileges == ("inline:all",)
    deployer, auditor = found[role_arn("deployer")], found[role_arn("auditor")]
    assert (deployer.kind, deployer.privileges) == (AccountKind.ROLE, ("policy:AdministratorAccess",))
    assert auditor.privileges == ("policy:ReadOnlyAccess",)


def test_administrators_are_those_the_iam_checks_call_administrators(account: str) -> None:
    # given the seeded account
    found = by_id(collect(account))
    # when / then: AdministratorAccess through a group, an inline "*" on "*", and the admin role are admins
    admins = {a.name for a in found.values() if a.admin}
    assert admins == {"grace", "ops", "deployer"}


def test_activity_and_whether_each_user_can_still_sign_in(account: str) -> None:
    # given the seeded account
    found = by_id(collect(account))
    now = datetime.now(UTC)
    grace, dev, ops = found[user_arn("grace")], found[user_arn("dev")], found[user_arn("ops")]
    # then the console user and the user with an active key have access; the one whose only key is off does not
    assert (grace.active, dev.active, ops.active) == (True, True, False)
    # and only the key that signed a request gives a last activity, a recent one
    assert dev.last_activity is not None and now - dev.last_activity < timedelta(hours=1)
    assert grace.last_activity is None and ops.last_activity is None
    assert grace.created is not None and now - grace.created < timedelta(hours=1)
    # and roles are always usable by whom they trust; their creation is known, and a role never assumed
    # has no last use (moto reports none)
    deployer = found[role_arn("deployer")]
    assert deployer.active is True
    assert deployer.created is not None and now - deployer.created < timedelta(hours=1)
    assert deployer.last_activity is None


def revoked(arn: str, name: str) -> dict[str, str]:
    return {
        "id": arn,
        "name": name,
        "reason": "access review Q4",
        "revoked_by": "a@example.com",
        "revoked_at": "2026-12-01T00:00:00Z",
    }


def test_revocation_check_fails_for_a_revoked_user_still_present_and_passes_for_one_gone(account: str) -> None:
    # given a review that revoked grace (still there), ops (there, but its only key is off) and a deleted user
    inventory = collect(account)
    inventory.context["revoked_accounts"] = [
        revoked(user_arn("grace"), "grace"),
        revoked(user_arn("ops"), "ops"),
        revoked(user_arn("leaver"), "leaver"),
    ]
    check = get_check(CHECK_ID)
    assert check is not None
    # when the revocation check runs
    outcomes = {o.resource_id: o for o in check.run(inventory)}
    # then grace fails, while ops and the deleted user pass
    assert {k: o.status for k, o in outcomes.items()} == {
        user_arn("grace"): OutcomeStatus.FAIL,
        user_arn("ops"): OutcomeStatus.PASS,
        user_arn("leaver"): OutcomeStatus.PASS,
    }
    assert outcomes[user_arn("grace")].reason == "grace was revoked (access review Q4) but still has access"
    assert outcomes[user_arn("grace")].observed == {
        "revoked_by": "a@example.com",
        "revoked_at": "2026-12-01T00:00:00Z",
        "present": True,
    }
    assert outcomes[user_arn("leaver")].observed["present"] is False


def test_revocation_check_passes_once_the_user_is_deleted(account: str) -> None:
    # given grace revoked in a review, then removed from the account
    iam = aws(account, "iam")
    iam.delete_login_profile(UserName="grace")
    iam.remove_user_from_group(GroupName="admins", UserName="grace")
    iam.delete_user(UserName="grace")
    inventory = collect(account)
    inventory.context["revoked_accounts"] = [revoked(user_arn("grace"), "grace")]
    # when the check runs on the new scan
    check = get_check(CHECK_ID)
    assert check is not None
    outcomes = check.run(inventory)
    # then it passes
    assert [(o.resource_id, o.status) for o in outcomes] == [(user_arn("grace"), OutcomeStatus.PASS)]
