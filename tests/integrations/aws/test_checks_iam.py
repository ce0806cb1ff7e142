"""IAM and Access Analyzer checks, against moto where it can build the state."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from integrations.registry import OutcomeStatus
from tests.conftest_moto import _post
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    TRUST_POLICY,
    aws,
    collect,
    connector,
    inventory,
    json_reply,
    only,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
ROOT_ROW = "<root_account>"


def _user(endpoint: str, name: str, *, password: bool = False, mfa: bool = False, keys: int = 0) -> list[str]:
    iam = aws(endpoint, "iam")
    iam.create_user(UserName=name)
    if password:
        iam.create_login_profile(UserName=name, Password="Correct-Horse-Battery-1")
    if mfa:
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]["SerialNumber"]
        iam.enable_mfa_device(
            UserName=name, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
        )
    return [iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"] for _ in range(keys)]


def _later(inv: Any, days: int) -> None:
    """Pretend the scan ran ``days`` later, so keys moto created just now look old."""
    inv.data["iam"]["collected_at"] = (datetime.now(UTC) + timedelta(days=days)).isoformat()


def _root_row(**fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "user": ROOT_ROW,
        "password_last_used": "N/A",
        "access_key_1_active": False,
        "access_key_1_last_used_date": "N/A",
        "access_key_2_active": False,
        "access_key_2_last_used_date": "N/A",
    }
    row.update(fields)
    return row


def _iam(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "collected_at": "2026-06-01T00:00:00+00:00",
        "summary": {"AccountMFAEnabled": 0, "AccountAccessKeysPresent": 0},
        "virtual_mfa_devices": [],
        "password_policy": None,
        "credential_report": [_root_row()],
        "users": [],
        "roles": [],
        "policies": [],
        "server_certificates": [],
    }
    data.update(fields)
    return data


# --- root user ---------------------------------------------------------------------------


def test_root_checks_on_a_fresh_moto_account(moto_reset: str) -> None:
    # given a fresh moto account (no root MFA, no root keys; moto's report has no root row)
    # when the root checks run on what the connector collects
    inv = collect(moto_reset, ["aws.iam.root_mfa_enabled"])
    # then MFA checks fail, the keys check passes, and last use cannot be judged without the root row
    assert only(run(inv, "aws.iam.root_mfa_enabled")).status == FAIL
    assert only(run(inv, "aws.iam.root_hardware_mfa_enabled")).status == FAIL
    assert only(run(inv, "aws.iam.root_no_access_keys")).status == PASS
    assert only(run(inv, "aws.iam.root_not_used_recently")).status == ERROR
    assert {o.resource_id for o in run(inv, "aws.iam.root_mfa_enabled")} == {ACCOUNT}


@pytest.mark.parametrize(
    ("summary", "devices", "mfa", "hardware"),
    [
        ({"AccountMFAEnabled": 1}, [], PASS, PASS),
        (
            {"AccountMFAEnabled": 1},
            [
                {
                    "serial": f"arn:aws:iam::{ACCOUNT}:mfa/root-account-mfa-device",
                    "user_arn": f"arn:aws:iam::{ACCOUNT}:root",
                }
            ],
            PASS,
            FAIL,
        ),
        ({"AccountMFAEnabled": 0}, [], FAIL, FAIL),
    ],
    ids=["hardware", "virtual", "none"],
)
def test_root_mfa_checks_from_a_built_inventory(summary: dict, devices: list, mfa: str, hardware: str) -> None:
    # given root MFA states moto cannot create
    inv = inventory(iam=_iam(summary={**summary, "AccountAccessKeysPresent": 0}, virtual_mfa_devices=devices))
    # when both MFA checks run
    # then each reports the expected status on the account
    assert statuses(run(inv, "aws.iam.root_mfa_enabled")) == {ACCOUNT: mfa}
    assert statuses(run(inv, "aws.iam.root_hardware_mfa_enabled")) == {ACCOUNT: hardware}


def test_root_access_keys_fail_from_a_built_inventory() -> None:
    # given an account summary reporting root access keys
    inv = inventory(iam=_iam(summary={"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 1}))
    # when the check runs
    outcome = only(run(inv, "aws.iam.root_no_access_keys"))
    # then it fails on the account
    assert (outcome.resource_id, outcome.status) == (ACCOUNT, FAIL)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"password_last_used": "2026-05-20T10:00:00+00:00"}, FAIL),
        ({"access_key_1_active": True, "access_key_2_last_used_date": "2026-04-01T00:00:00+00:00"}, FAIL),
        ({"password_last_used": "2025-12-01T10:00:00+00:00"}, PASS),
        ({"password_last_used": "no_information"}, PASS),
    ],
    ids=["password-recent", "key-recent", "password-old", "never"],
)
def test_root_not_used_recently_from_a_built_inventory(row: dict, expected: str) -> None:
    # given a credential report root row (the scan ran on 2026-06-01)
    inv = inventory(iam=_iam(credential_report=[_root_row(**row)]))
    # when the check runs
    # then recent use within 90 days fails
    assert statuses(run(inv, "aws.iam.root_not_used_recently")) == {ACCOUNT: expected}


# --- password policy ---------------------------------------------------------------------

_STRONG = {
    "MinimumPasswordLength": 16,
    "RequireSymbols": True,
    "RequireNumbers": True,
    "RequireUppercaseCharacters": True,
    "RequireLowercaseCharacters": True,
    "MaxPasswordAge": 60,
    "PasswordReusePrevention": 24,
}
_WEAK = {"MinimumPasswordLength": 8, "RequireNumbers": True, "MaxPasswordAge": 365, "PasswordReusePrevention": 5}
_POLICY_CHECKS = [
    "aws.iam.password_policy_min_length",
    "aws.iam.password_policy_reuse_prevention",
    "aws.iam.password_policy_max_age",
    "aws.iam.password_policy_complexity",
]


@pytest.mark.parametrize(
    ("policy", "expected"), [(_STRONG, PASS), (_WEAK, FAIL), (None, FAIL)], ids=["strong", "weak", "none"]
)
def test_password_policy_checks(moto_reset: str, policy: dict | None, expected: str) -> None:
    # given a strong, a weak or no account password policy
    if policy:
        aws(moto_reset, "iam").update_account_password_policy(**policy)
    # when the four password policy checks run
    inv = collect(moto_reset, _POLICY_CHECKS)
    # then each gives the expected status on the account
    assert {cid: statuses(run(inv, cid)) for cid in _POLICY_CHECKS} == {
        cid: {ACCOUNT: expected} for cid in _POLICY_CHECKS
    }


def test_password_policy_reasons_name_the_gaps(moto_reset: str) -> None:
    # given a weak policy
    aws(moto_reset, "iam").update_account_password_policy(**_WEAK)
    # when the checks run
    inv = collect(moto_reset, _POLICY_CHECKS)
    # then the reasons carry the observed values
    assert "is 8 (14 required)" in only(run(inv, "aws.iam.password_policy_min_length")).reason
    assert only(run(inv, "aws.iam.password_policy_max_age")).observed == {
        "ExpirePasswords": True,
        "MaxPasswordAge": 365,
    }
    assert "a symbol" in only(run(inv, "aws.iam.password_policy_complexity")).reason


# --- users --------------------------------------------------------------------------------


def test_console_users_need_mfa(moto_reset: str) -> None:
    # given a console user with MFA, one without, and an API-only user
    _user(moto_reset, "alice", password=True, mfa=True)
    _user(moto_reset, "bob", password=True)
    _user(moto_reset, "robot", keys=1)
    # when the check runs
    outcomes = scan(moto_reset, "aws.iam.user_mfa_enabled_console")
    # then only console users are judged, and bob fails
    assert statuses(outcomes) == {"alice": PASS, "bob": FAIL}
    assert next(o for o in outcomes if o.resource_id == "bob").reason == "User bob has a console password but no MFA"


def test_console_users_without_never_used_keys(moto_reset: str) -> None:
    # given a console user with a key that was never used, and one without keys
    _user(moto_reset, "carol", password=True, keys=1)
    _user(moto_reset, "dave", password=True)
    # when the check runs
    outcomes = scan(moto_reset, "aws.iam.user_no_initial_access_key")
    # then carol fails
    assert statuses(outcomes) == {"carol": FAIL, "dave": PASS}


def test_used_key_passes_initial_access_key_check() -> None:
    # given a console user whose key has been used (moto cannot record key use)
    row = {
        "user": "erin",
        "password_enabled": True,
        "access_key_1_active": True,
        "access_key_1_last_rotated": "2026-01-01T00:00:00+00:00",
        "access_key_1_last_used_date": "2026-05-30T00:00:00+00:00",
    }
    inv = inventory(iam=_iam(credential_report=[_root_row(), row]))
    # when the check runs
    # then erin passes
    assert statuses(run(inv, "aws.iam.user_no_initial_access_key")) == {"erin": PASS}


def test_unused_credentials_after_45_days(moto_reset: str) -> None:
    # given a user with a console password and a key created now, and a user with no credentials
    _user(moto_reset, "frank", password=True, keys=1)
    _user(moto_reset, "nobody")
    inv = collect(moto_reset, ["aws.iam.user_unused_credentials_45_days"])
    # when the check runs now, and as if 60 days later
    now = statuses(run(inv, "aws.iam.user_unused_credentials_45_days"))
    _later(inv, 60)
    later = run(inv, "aws.iam.user_unused_credentials_45_days")
    # then fresh credentials pass, idle ones fail, and a user without credentials is not judged
    assert now == {"frank": PASS}
    assert statuses(later) == {"frank": FAIL}
    assert "password idle 60 days" in later[0].reason
    assert "access key 1 idle 60 days" in later[0].reason


def test_at_most_one_active_access_key(moto_reset: str) -> None:
    # given users with two active keys, one active and one inactive key, and no key
    _user(moto_reset, "two", keys=2)
    keys = _user(moto_reset, "rotated", keys=2)
    aws(moto_reset, "iam").update_access_key(UserName="rotated", AccessKeyId=keys[0], Status="Inactive")
    _user(moto_reset, "none")
    # when the check runs
    outcomes = scan(moto_reset, "aws.iam.user_one_active_access_key")
    # then only the user with two active keys fails
    assert statuses(outcomes) == {"two": FAIL, "rotated": PASS, "none": PASS}


def test_access_keys_rotated_within_90_days(moto_reset: str) -> None:
    # given a user with an active key created now and one with an inactive key
    _user(moto_reset, "grace", keys=1)
    keys = _user(moto_reset, "idle", keys=1)
    aws(moto_reset, "iam").update_access_key(UserName="idle", AccessKeyId=keys[0], Status="Inactive")
    inv = collect(moto_reset, ["aws.iam.access_keys_rotated_90_days"])
    # when the check runs now and as if 100 days later
    now = statuses(run(inv, "aws.iam.access_keys_rotated_90_days"))
    _later(inv, 100)
    later = run(inv, "aws.iam.access_keys_rotated_90_days")
    # then the active key passes now and fails later; inactive keys are not judged
    assert now == {"grace": PASS}
    assert statuses(later) == {"grace": FAIL}
    assert "key 1 is 100 days old" in later[0].reason


def test_users_get_permissions_through_groups(moto_reset: str) -> None:
    # given a user with a managed policy, one with an inline policy, and one only in a group
    iam = aws(moto_reset, "iam")
    doc = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:List*", "Resource": "*"}]}
    )
    arn = iam.create_policy(PolicyName="ReadBuckets", PolicyDocument=doc)["Policy"]["Arn"]
    for name in ("direct", "inline", "grouped"):
        _user(moto_reset, name)
    iam.attach_user_policy(UserName="direct", PolicyArn=arn)
    iam.put_user_policy(UserName="inline", PolicyName="own", PolicyDocument=doc)
    iam.create_group(GroupName="readers")
    iam.attach_group_policy(GroupName="readers", PolicyArn=arn)
    iam.add_user_to_group(GroupName="readers", UserName="grouped")
    # when the check runs
    outcomes = scan(moto_reset, "aws.iam.user_no_attached_policies")
    # then the two users with their own policies fail
    assert statuses(outcomes) == {"direct": FAIL, "inline": FAIL, "grouped": PASS}
    assert next(o for o in outcomes if o.resource_id == "direct").observed["attached_policies"] == [arn]


def test_no_full_admin_customer_policies(moto_reset: str) -> None:
    # given a customer policy allowing everything and a scoped one, both attached, and an unattached admin policy
    iam = aws(moto_reset, "iam")
    admin = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["*"], "Resource": "*"}]}
    scoped = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}}
    admin_arn = iam.create_policy(PolicyName="GodMode", PolicyDocument=json.dumps(admin))["Policy"]["Arn"]
    scoped_arn = iam.create_policy(PolicyName="Viewer", PolicyDocument=json.dumps(scoped))["Policy"]["Arn"]
    iam.create_policy(PolicyName="UnusedGodMode", PolicyDocument=json.dumps(admin))
    iam.create_group(GroupName="ops")
    for arn in (admin_arn, scoped_arn):
        iam.attach_group_policy(GroupName="ops", PolicyArn=arn)
    # when the check runs
    outcomes = scan(moto_reset, "aws.iam.no_full_admin_policies")
    # then the attached admin policy fails, the scoped one passes, and the unattached one grants nothing to judge
    assert statuses(outcomes) == {admin_arn: FAIL, scoped_arn: PASS}


def test_support_role_exists(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # given moto with AWS managed policies loaded and a role with AWSSupportAccess
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    _post(f"{moto_reset}/moto-api/reset")
    iam = aws(moto_reset, "iam")
    iam.create_role(RoleName="support-desk", AssumeRolePolicyDocument=TRUST_POLICY)
    iam.attach_role_policy(RoleName="support-desk", PolicyArn="arn:aws:iam::aws:policy/AWSSupportAccess")
    # when the check runs
    outcome = only(scan(moto_reset, "aws.iam.support_role_exists"))
    # then it passes naming the role
    assert (outcome.resource_id, outcome.status) == (ACCOUNT, PASS)
    assert outcome.observed == {"support_roles": ["support-desk"]}


def test_support_role_missing(moto_reset: str) -> None:
    # given a role without the support policy
    aws(moto_reset, "iam").create_role(RoleName="app", AssumeRolePolicyDocument=TRUST_POLICY)
    # when the check runs
    # then it fails on the account
    assert statuses(scan(moto_reset, "aws.iam.support_role_exists")) == {ACCOUNT: FAIL}


def test_expired_server_certificate_fails(moto_reset: str) -> None:
    # given a server certificate (moto records every upload as expired in 2012)
    aws(moto_reset, "iam").upload_server_certificate(
        ServerCertificateName="legacy-lb",
        CertificateBody="-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
        PrivateKey="-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----",
    )
    # when the check runs
    outcome = only(scan(moto_reset, "aws.iam.server_certificates_not_expired"))
    # then it fails
    assert (outcome.resource_id, outcome.status) == ("legacy-lb", FAIL)
    assert outcome.reason.startswith("Server certificate legacy-lb expired on 2012-")


def test_valid_server_certificate_passes() -> None:
    # given a certificate that expires after the scan (moto cannot store one)
    cert = {
        "name": "current-lb",
        "arn": "arn:aws:iam::1:server-certificate/current-lb",
        "expiration": "2027-01-01T00:00:00Z",
    }
    inv = inventory(iam=_iam(server_certificates=[cert]))
    # when the check runs
    # then it passes
    assert statuses(run(inv, "aws.iam.server_certificates_not_expired")) == {"current-lb": PASS}


# --- Access Analyzer (not implemented by moto) ------------------------------------------------


def test_access_analyzer_collection_and_check_per_region(moto_reset: str) -> None:
    # given Access Analyzer answering (in place of moto) with an active analyzer in one region only
    built = connector(moto_reset, [REGION, OTHER_REGION])
    analyzer = {
        "arn": f"arn:aws:access-analyzer:{REGION}:{ACCOUNT}:analyzer/main",
        "name": "main",
        "type": "ACCOUNT",
        "status": "ACTIVE",
        "createdAt": "2026-01-01T00:00:00Z",
    }

    def reply(request: Any = None, **_: Any) -> Any:
        # The signature's credential scope names the region the request is for.
        in_region = f"/{REGION}/access-analyzer/" in request.headers["Authorization"].decode()
        return json_reply({"analyzers": [analyzer] if in_region else []})

    built.session.events.register("before-send.accessanalyzer.ListAnalyzers", reply)
    # when the connector collects it and the check runs
    inv = built.collect({"accessanalyzer"})
    outcomes = run(inv, "aws.accessanalyzer.enabled")
    # then the region with the analyzer passes and the other fails
    assert inv.errors == {}
    assert {(o.resource_id, o.region, o.status) for o in outcomes} == {
        (ACCOUNT, REGION, PASS),
        (ACCOUNT, OTHER_REGION, FAIL),
    }
    assert inv.data["accessanalyzer"]["regions"][REGION]["analyzers"][0]["status"] == "ACTIVE"
