"""IAM privilege escalation: customer and inline policies granting a known way for their holder to give itself more.

Each path below is a set of actions that, allowed together on every resource, lets the holder reach permissions it
was not given (most often AdministratorAccess). The list is short on purpose: the well-known paths, each with why it
escalates. Wildcards in a policy's actions (``iam:*``, ``iam:Put*``, ``*``) expand to every path they cover.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ...shapes import PolicyDocument
from .._common import as_list, aws_check, result, statements
from ._data import POLICY
from .admin import judged_documents
from .policies import grants_everything


@dataclass(frozen=True)
class EscalationPath:
    actions: tuple[str, ...]  # every one is needed
    why: str

    @property
    def label(self) -> str:
        return " + ".join(self.actions)


ESCALATION_PATHS: tuple[EscalationPath, ...] = (
    EscalationPath(
        ("iam:CreatePolicyVersion",),
        "writes a new default version of a policy attached to the holder, granting itself anything",
    ),
    EscalationPath(
        ("iam:SetDefaultPolicyVersion",),
        "puts an older, broader version of a policy attached to the holder back in force",
    ),
    EscalationPath(("iam:AttachUserPolicy",), "attaches AdministratorAccess to the holder (a user) or another user"),
    EscalationPath(("iam:AttachGroupPolicy",), "attaches AdministratorAccess to a group the holder belongs to"),
    EscalationPath(("iam:AttachRolePolicy",), "attaches AdministratorAccess to the holder's role or one it assumes"),
    EscalationPath(("iam:PutUserPolicy",), "writes an inline policy granting anything into the holder (a user)"),
    EscalationPath(("iam:PutGroupPolicy",), "writes an inline policy granting anything into the holder's group"),
    EscalationPath(("iam:PutRolePolicy",), "writes an inline policy granting anything into the holder's role"),
    EscalationPath(("iam:AddUserToGroup",), "adds the holder to a group with more permissions, administrators'"),
    EscalationPath(
        ("iam:UpdateAssumeRolePolicy",),
        "rewrites a privileged role's trust policy to name the holder, who may then assume it (within the account "
        "a trust policy naming the principal is enough)",
    ),
    EscalationPath(("iam:CreateAccessKey",), "creates an access key for a more privileged user and acts as it"),
    EscalationPath(("iam:CreateLoginProfile",), "gives a more privileged user without one a console password"),
    EscalationPath(("iam:UpdateLoginProfile",), "changes a more privileged user's console password"),
    EscalationPath(
        ("iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"),
        "creates a function running as a more privileged role and invokes it, acting as that role",
    ),
    EscalationPath(
        ("iam:PassRole", "ec2:RunInstances"),
        "launches an instance with a more privileged role and takes its credentials from the instance",
    ),
    EscalationPath(
        ("iam:PassRole", "cloudformation:CreateStack"),
        "creates a stack run by a more privileged service role, which creates whatever the template says",
    ),
    EscalationPath(
        ("iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"),
        "creates a function running as a more privileged role and has a stream or queue trigger it, without invoking",
    ),
    EscalationPath(
        ("lambda:UpdateFunctionCode",),
        "replaces the code of an existing function whose role is more privileged, which then runs as that role",
    ),
    EscalationPath(
        ("iam:PassRole", "glue:CreateDevEndpoint"),
        "creates a Glue development endpoint with a more privileged role and signs in to it over SSH",
    ),
    EscalationPath(
        ("glue:UpdateDevEndpoint",),
        "adds its own SSH key to an existing Glue development endpoint and uses the endpoint's role",
    ),
    EscalationPath(
        ("iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"),
        "runs a task whose task role is more privileged, with a command of its choosing",
    ),
    EscalationPath(
        ("iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild"),
        "creates a build project with a more privileged service role and runs a buildspec of its choosing",
    ),
    EscalationPath(
        ("iam:PassRole", "sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"),
        "creates a notebook instance with a more privileged role and opens its Jupyter terminal",
    ),
    EscalationPath(
        ("sagemaker:CreatePresignedNotebookInstanceUrl",),
        "opens the Jupyter terminal of an existing notebook instance and acts as its role",
    ),
    EscalationPath(
        ("iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"),
        "defines a pipeline that runs commands as a more privileged role",
    ),
    EscalationPath(
        ("iam:PassRole", "autoscaling:CreateLaunchConfiguration", "autoscaling:CreateAutoScalingGroup"),
        "has Auto Scaling launch instances with a more privileged role and takes its credentials from them",
    ),
    EscalationPath(
        ("ssm:SendCommand",),
        "runs commands on managed instances whose instance profiles may be more privileged",
    ),
    EscalationPath(
        (
            "iam:PassRole",
            "bedrock-agentcore:CreateCodeInterpreter",
            "bedrock-agentcore:StartCodeInterpreterSession",
            "bedrock-agentcore:InvokeCodeInterpreter",
        ),
        "creates a Bedrock AgentCore code interpreter with a more privileged execution role and runs code in it",
    ),
    EscalationPath(
        ("iam:PassRole", "bedrock-agentcore:CreateAgentRuntime", "bedrock-agentcore:InvokeAgentRuntime"),
        "deploys a Bedrock AgentCore agent runtime of its choosing with a more privileged role and invokes it",
    ),
)


@functools.cache
def _pattern(text: str) -> re.Pattern[str]:
    """An IAM action pattern (``*`` any run of characters, ``?`` one), matched case-insensitively."""
    parts = (re.escape(part).replace(r"\?", ".") for part in text.lower().split("*"))
    return re.compile(".*".join(parts) + r"\Z")


def _covers(patterns: Iterable[str], action: str) -> bool:
    return any(_pattern(p).match(action.lower()) for p in patterns)


def _on_everything(statement: Mapping[str, Any]) -> bool:
    return "*" in as_list(statement.get("Resource"))


def _granted(statement: Mapping[str, Any], action: str) -> bool:
    """Whether the statement names the action (Action) or leaves it out of what it excepts (NotAction)."""
    if "NotAction" in statement:
        return not _covers(map(str, as_list(statement.get("NotAction"))), action)
    return _covers(map(str, as_list(statement.get("Action"))), action)


def allowed_on_everything(document: PolicyDocument, action: str) -> bool:
    """Whether the document allows the action on every resource and does not deny it there without a condition."""
    found = statements(document)
    allowed = any(s.get("Effect") == "Allow" and _on_everything(s) and _granted(s, action) for s in found)
    denied = any(
        s.get("Effect") == "Deny" and _on_everything(s) and not s.get("Condition") and _granted(s, action)
        for s in found
    )
    return allowed and not denied


def escalation_paths(document: PolicyDocument) -> list[EscalationPath]:
    """The paths whose every action the document allows on every resource."""
    return [p for p in ESCALATION_PATHS if all(allowed_on_everything(document, a) for a in p.actions)]


@aws_check(
    id="aws.iam.policy_no_privilege_escalation",
    title="No customer or inline policy lets its holder escalate its own privileges",
    severity=Severity.HIGH,
    service="iam",
    resource_type=POLICY,
    rationale="Some permissions are administrator access in waiting: allowed on every resource, "
    "iam:CreatePolicyVersion, iam:Attach*Policy, iam:Put*Policy, iam:UpdateAssumeRolePolicy, or iam:PassRole with a "
    "service that runs code, let the holder grant itself, or borrow, far more than the policy shows; a review reading "
    "the policy for its intent misses it.",
    remediation="Remove the action, or limit its Resource to the users, groups, roles and policies the holder must "
    "manage (never its own) and to the roles it may pass; delegate IAM administration with permissions boundaries.",
)
def policy_no_privilege_escalation(inventory: Inventory) -> Iterable[Outcome]:
    # Attached customer-managed and inline policies, as for aws.iam.policy_no_wildcard_service_admin: AWS-managed ones
    # are AWS's to change. A policy allowing "*" on "*" already holds everything: the full-admin checks judge it.
    for resource_id, resource_type, label, document in judged_documents(inventory):
        if any(grants_everything(s) for s in statements(document)):
            continue
        paths = escalation_paths(document)
        if paths:
            shown = "; ".join(p.label for p in paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
            reason = f"{label} allows privilege escalation on every resource: {shown}"
        else:
            reason = f"{label} allows no known privilege escalation on every resource"
        yield result(
            not paths,
            resource_id,
            resource_type,
            reason,
            escalation_paths=[{"actions": list(p.actions), "why": p.why} for p in paths],
        )
