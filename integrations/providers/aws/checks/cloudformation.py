"""CloudFormation checks: no credentials in stack outputs, termination protection on root stacks, and CDK bootstrap
stacks on a template version with the staging bucket guard."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_devtools import CloudFormationStack
from ._common import aws_check, described_items, result
from .user_data import judge_named_settings

STACK = "AWS::CloudFormation::Stack"
# Stacks that hold no deployed resources to protect: created for a change set never executed, rolled back on
# creation (they can only be deleted), or on their way out.
_NOTHING_DEPLOYED = frozenset({"REVIEW_IN_PROGRESS", "ROLLBACK_COMPLETE", "DELETE_IN_PROGRESS", "DELETE_FAILED"})
# The first CDK bootstrap template version whose roles only use a staging bucket the account owns.
MIN_BOOTSTRAP_VERSION = 21


def _stacks(inventory: Inventory) -> Iterator[CloudFormationStack | Outcome]:
    return described_items(
        inventory,
        "cloudformation",
        "stacks",
        noun="CloudFormation stacks",
        resource_type=STACK,
        resource_id=lambda s: str(s["arn"]),
        label=_label,
    )


def _label(stack: CloudFormationStack) -> str:
    return f"CloudFormation stack {stack['name']}"


@aws_check(
    id="aws.cloudformation.stack_outputs_no_secrets",
    title="CloudFormation stack outputs hold no credentials",
    severity=Severity.HIGH,
    service="cloudformation",
    resource_type=STACK,
    rationale="Stack outputs are published for anyone allowed to describe stacks (SecurityAudit and ReadOnlyAccess "
    "included) and can be imported by every other stack of the region; a password, key or token returned as an "
    "output is a credential in clear, kept for as long as the stack lives.",
    remediation="Return the name or ARN of a Secrets Manager secret or SSM SecureString parameter instead of the "
    "value (dynamic references such as {{resolve:secretsmanager:...}} keep it out of the template too), update the "
    "stack, and rotate the credential, as it has been readable all along.",
)
def stack_outputs_no_secrets(inventory: Inventory) -> Iterable[Outcome]:
    for stack in _stacks(inventory):
        if isinstance(stack, Outcome):
            yield stack
            continue
        yield judge_named_settings(
            stack["output_secrets"],
            label=_label(stack),
            resource_id=stack["arn"],
            resource_type=STACK,
            region=stack["region"],
            what="outputs",
        )


@aws_check(
    id="aws.cloudformation.stack_termination_protection",
    title="CloudFormation root stacks have termination protection",
    severity=Severity.LOW,
    service="cloudformation",
    resource_type=STACK,
    rationale="Deleting a stack deletes every resource it manages (databases and buckets included, unless each is "
    "set to be retained) in one call; termination protection makes that call fail until someone turns it off on "
    "purpose.",
    remediation="Turn on termination protection for the stack (UpdateTerminationProtection, or "
    "--termination-protection on cdk deploy); nested stacks take their root stack's.",
)
def stack_termination_protection(inventory: Inventory) -> Iterable[Outcome]:
    for stack in _stacks(inventory):
        if isinstance(stack, Outcome):
            yield stack
            continue
        if stack["parent_id"] or stack["status"] in _NOTHING_DEPLOYED:
            continue  # nested stacks are protected through their root; these hold nothing deployed
        on = stack["termination_protection"]
        reason = f"{_label(stack)} {'has' if on else 'does not have'} termination protection"
        yield result(on, stack["arn"], STACK, reason, region=stack["region"], status=stack["status"])


@aws_check(
    id="aws.cloudformation.cdk_bootstrap_version_current",
    title=f"CDK bootstrap stacks run bootstrap template version {MIN_BOOTSTRAP_VERSION} or later",
    severity=Severity.MEDIUM,
    service="cloudformation",
    resource_type=STACK,
    rationale="The CDK bootstrap stack holds the roles every CDK deployment of the account uses and names the "
    f"staging bucket they upload assets to. Templates before version {MIN_BOOTSTRAP_VERSION} do not check who owns "
    "that bucket: were it deleted, another account could create a bucket of the same name and have deployments "
    "write templates and assets to it, or read them from it.",
    remediation="Bootstrap the account and region again with a current CDK (cdk bootstrap aws://ACCOUNT/REGION, "
    "keeping any custom qualifier and trust options); it updates the stack in place.",
)
def cdk_bootstrap_version_current(inventory: Inventory) -> Iterable[Outcome]:
    for stack in _stacks(inventory):
        if isinstance(stack, Outcome):
            yield stack
            continue
        version = stack["bootstrap_version"]
        if version is None:
            continue  # not a CDK bootstrap stack
        ok = version >= MIN_BOOTSTRAP_VERSION
        reason = f"{_label(stack)} runs CDK bootstrap template version {version}"
        reason += "" if ok else f" (version {MIN_BOOTSTRAP_VERSION} or later needed)"
        yield result(ok, stack["arn"], STACK, reason, region=stack["region"], bootstrap_version=version)
