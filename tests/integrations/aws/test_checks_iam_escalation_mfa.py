"""IAM checks against moto: privilege escalation paths in customer and inline policies, a SecurityAudit role, and
hardware MFA for console users."""

from __future__ import annotations

import json
from typing import Any

import pytest

from integrations.providers.aws.checks.iam.escalation import ESCALATION_PATHS, escalation_paths
from integrations.registry import OutcomeStatus
from tests.conftest_moto import _post
from tests.integrations.aws.support import (
    ACCOUNT,
    TRUST_POLICY,
    aws,
    collect,
    connector,
    only,
    query_error,
    run,
    scan,
    services_for,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
ESCALATION = "aws.iam.policy_no_privilege_escalation"
HARDWARE_MFA = "aws.iam.user_hardware_mfa_console"


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _attached(endpoint: str, name: str, document: dict[str, Any]) -> str:
    iam = aws(endpoint, "iam")
    arn = str(iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document))["Policy"]["Arn"])
    iam.attach_role_policy(RoleName="worker", PolicyArn=arn)
    return arn


def test_policy_no_privilege_escalation(moto_reset: str) -> None:
    # given attached customer policies: a wildcard over IAM writes, PassRole with EC2 launches split over two
    # statements, PassRole with Lambda creation but not invocation, the same limited to one role, iam:* with the
    # escalating actions denied, and a role's inline policy granting everything but S3 (NotAction)
    iam = aws(moto_reset, "iam")
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_POLICY)
    putter = _attached(moto_reset, "PolicyWriter", _doc(_allow("iam:Put*Policy")))
    launcher = _attached(moto_reset, "Launcher", _doc(_allow("iam:PassRole"), _allow(["ec2:RunInstances"])))
    half = _attached(moto_reset, "HalfLambda", _doc(_allow(["iam:PassRole", "lambda:CreateFunction"])))
    scoped = _attached(
        moto_reset,
        "ScopedLambda",
        _doc(
            _allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/function-runner"),
            _allow(["lambda:CreateFunction", "lambda:InvokeFunction"]),
        ),
    )
    fenced = _attached(
        moto_reset,
        "FencedIam",
        _doc(
            _allow("iam:*"),
            {"Effect": "Deny", "Action": ["iam:Create*", "iam:Attach*", "iam:Put*", "iam:Update*"], "Resource": "*"},
            {"Effect": "Deny", "Action": ["iam:SetDefaultPolicyVersion", "iam:AddUserToGroup"], "Resource": "*"},
        ),
    )
    iam.put_role_policy(
        RoleName="worker",
        PolicyName="all-but-s3",
        PolicyDocument=json.dumps(_doc({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"})),
    )
    # when the check runs
    outcomes = scan(moto_reset, ESCALATION)
    # then the escalating grants fail, and the half path, the scoped PassRole and the fenced iam:* pass
    assert statuses(outcomes) == {
        putter: FAIL,
        launcher: FAIL,
        half: PASS,
        scoped: PASS,
        fenced: PASS,
        "role/worker/all-but-s3": FAIL,
    }
    by_id = {o.resource_id: o for o in outcomes}
    assert [p["actions"] for p in by_id[putter].observed["escalation_paths"]] == [
        ["iam:PutUserPolicy"],
        ["iam:PutGroupPolicy"],
        ["iam:PutRolePolicy"],
    ]
    assert by_id[launcher].reason == (
        "Policy Launcher allows privilege escalation on every resource: iam:PassRole + ec2:RunInstances"
    )
    assert len(by_id["role/worker/all-but-s3"].observed["escalation_paths"]) == len(ESCALATION_PATHS)


def test_full_admin_policies_are_left_to_the_full_admin_checks(moto_reset: str) -> None:
    # given an attached customer policy allowing everything
    iam = aws(moto_reset, "iam")
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_POLICY)
    everything = _attached(moto_reset, "GodMode", _doc(_allow("*")))
    # when the escalation check and the full-admin check run on it
    collected = collect(moto_reset, [ESCALATION, "aws.iam.no_full_admin_policies"])
    # then only the full-admin check judges it
    assert run(collected, ESCALATION) == []
    assert statuses(run(collected, "aws.iam.no_full_admin_policies")) == {everything: FAIL}


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("IAM:createpolicyversion", [("iam:CreatePolicyVersion",)]),
        ("iam:?etDefaultPolicyVersion", [("iam:SetDefaultPolicyVersion",)]),
        ("iam:*LoginProfile", [("iam:CreateLoginProfile",), ("iam:UpdateLoginProfile",)]),
        ("iam:Get*", []),
    ],
)
def test_action_wildcards_expand_to_the_paths_they_cover(action: str, expected: list[tuple[str, ...]]) -> None:
    # given a document allowing one action pattern on every resource
    # when its escalation paths are found
    found = escalation_paths(_doc(_allow(action)))
    # then case and IAM wildcards are honoured
    assert [p.actions for p in found] == expected


@pytest.mark.parametrize("path", ESCALATION_PATHS, ids=lambda p: p.label)
def test_each_path_is_found_when_all_its_actions_are_allowed_and_not_with_one_missing(path: Any) -> None:
    # given a document allowing exactly the path's actions on every resource
    found = escalation_paths(_doc(*(_allow(action) for action in path.actions)))
    # then the path is found
    assert path in found
    # and with any one of its actions denied, it is not
    for denied in path.actions:
        document = _doc(
            *(_allow(action) for action in path.actions), {"Effect": "Deny", "Action": denied, "Resource": "*"}
        )
        assert path not in escalation_paths(document), denied


def test_service_paths_that_run_code_as_a_passed_role_are_known() -> None:
    # given the paths through services that run code as a role the holder passes, or reuse one already there
    labels = {p.label for p in ESCALATION_PATHS}
    # then the well-known ones beyond EC2, Lambda and CloudFormation are among them
    assert {
        "lambda:UpdateFunctionCode",
        "iam:PassRole + glue:CreateDevEndpoint",
        "glue:UpdateDevEndpoint",
        "iam:PassRole + ecs:RegisterTaskDefinition + ecs:RunTask",
        "iam:PassRole + codebuild:CreateProject + codebuild:StartBuild",
        "sagemaker:CreatePresignedNotebookInstanceUrl",
        "ssm:SendCommand",
        "iam:PassRole + bedrock-agentcore:CreateAgentRuntime + bedrock-agentcore:InvokeAgentRuntime",
    } <= labels


def test_agentcore_paths_fail_an_unscoped_pass_role_and_pass_one_limited_to_a_role(moto_reset: str) -> None:
    # given attached customer policies granting Bedrock AgentCore's code interpreter actions (a service prefix
    # wildcard) with iam:PassRole on every role, and the same with PassRole limited to one execution role
    iam = aws(moto_reset, "iam")
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_POLICY)
    interpreter = ["bedrock-agentcore:*CodeInterpreter*"]
    open_pass = _attached(moto_reset, "AgentBuilder", _doc(_allow("iam:PassRole"), _allow(interpreter)))
    pinned = _attached(
        moto_reset,
        "PinnedAgentBuilder",
        _doc(_allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/agent-sandbox"), _allow(interpreter)),
    )
    # when the check runs
    outcomes = scan(moto_reset, ESCALATION)
    # then the unscoped grant fails naming the code interpreter path, and the one limited to a role passes
    assert statuses(outcomes) == {open_pass: FAIL, pinned: PASS}
    failed = next(o for o in outcomes if o.resource_id == open_pass)
    assert [p["actions"][1] for p in failed.observed["escalation_paths"]] == ["bedrock-agentcore:CreateCodeInterpreter"]


def test_security_audit_role_exists(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # given moto with AWS managed policies loaded, a role with SecurityAudit and one with ReadOnlyAccess
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    _post(f"{moto_reset}/moto-api/reset")
    iam = aws(moto_reset, "iam")
    for role, policy in (("auditor", "SecurityAudit"), ("reader", "ReadOnlyAccess")):
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST_POLICY)
        iam.attach_role_policy(RoleName=role, PolicyArn=f"arn:aws:iam::aws:policy/{policy}")
    # when the check runs
    outcome = only(scan(moto_reset, "aws.iam.security_audit_role_exists"))
    # then it passes naming the auditors' role
    assert (outcome.resource_id, outcome.status) == (ACCOUNT, PASS)
    assert outcome.observed == {"audit_roles": ["auditor"]}


def test_security_audit_role_missing(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # given moto with AWS managed policies loaded and only a ReadOnlyAccess role
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    _post(f"{moto_reset}/moto-api/reset")
    iam = aws(moto_reset, "iam")
    iam.create_role(RoleName="reader", AssumeRolePolicyDocument=TRUST_POLICY)
    iam.attach_role_policy(RoleName="reader", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    # when the check runs
    outcome = only(scan(moto_reset, "aws.iam.security_audit_role_exists"))
    # then it fails on the account
    assert (outcome.status, outcome.reason) == (FAIL, "No role has SecurityAudit attached")


def _console_user(endpoint: str, name: str) -> None:
    iam = aws(endpoint, "iam")
    iam.create_user(UserName=name)
    iam.create_login_profile(UserName=name, Password="Correct-Horse-Battery-9")


def _enable(endpoint: str, user: str, serial: str) -> None:
    aws(endpoint, "iam").enable_mfa_device(
        UserName=user, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
    )


def _virtual(endpoint: str, user: str) -> None:
    serial = aws(endpoint, "iam").create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"]
    _enable(endpoint, user, serial["SerialNumber"])


def test_console_users_have_a_hardware_mfa_device(moto_reset: str) -> None:
    # given console users with a hardware token, with a virtual device only, with both, and with no MFA, and an
    # API-only user with a virtual device
    for name in ("token", "phone", "both", "none"):
        _console_user(moto_reset, name)
    _enable(moto_reset, "token", "GAHT12345678")
    _virtual(moto_reset, "phone")
    _virtual(moto_reset, "both")
    _enable(moto_reset, "both", "GAHT87654321")
    aws(moto_reset, "iam").create_user(UserName="api-only")
    _virtual(moto_reset, "api-only")
    # when the check runs
    outcomes = scan(moto_reset, HARDWARE_MFA)
    # then the users with a hardware device pass, the virtual-only and MFA-less ones fail, the API user is not judged
    assert statuses(outcomes) == {"token": PASS, "phone": FAIL, "both": PASS, "none": FAIL}
    by_id = {o.resource_id: o for o in outcomes}
    assert by_id["phone"].reason == f"User phone's only MFA is virtual (arn:aws:iam::{ACCOUNT}:mfa/phone)"
    assert by_id["both"].observed["hardware_devices"] == ["GAHT87654321"]
    assert by_id["none"].reason == "User none has a console password and no MFA device at all"


def test_unreadable_mfa_devices_are_an_error(moto_reset: str) -> None:
    # given a console user with a virtual device, and ListMFADevices refused
    _console_user(moto_reset, "phone")
    _virtual(moto_reset, "phone")
    built = connector(moto_reset)
    denied = query_error("AccessDenied", "not allowed", 403)
    built.session.events.register("before-send.iam.ListMFADevices", lambda **_: denied)
    # when the check runs
    outcomes = run(built.collect(services_for([HARDWARE_MFA])), HARDWARE_MFA)
    # then the user is an error naming the refused call, not a pass or a fail
    assert statuses(outcomes) == {"phone": ERROR}
    assert "ListMFADevices failed with AccessDenied" in outcomes[0].reason
