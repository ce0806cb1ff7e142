"""KMS checks on customer-managed keys: key policies open to everyone, keys scheduled for deletion."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import KmsKey
from ._common import aws_check, error, items, result
from ._policies import public_actions

KEY = "AWS::KMS::Key"


def customer_keys(inventory: Inventory) -> Iterator[KmsKey]:
    return (k for k in items(inventory, "kms", "keys") if k.get("manager") == "CUSTOMER")


@aws_check(
    id="aws.kms.key_policy_not_public",
    title="KMS key policies do not grant access to everyone",
    severity=Severity.CRITICAL,
    service="kms",
    resource_type=KEY,
    rationale='A key policy that allows Principal "*" without a condition on account or caller lets any '
    "AWS principal use or manage the key, and so read whatever it protects.",
    remediation='Replace the "*" principal with the account\'s own principals, or add a kms:CallerAccount '
    "or aws:PrincipalOrgID condition to the statement.",
)
def key_policy_not_public(inventory: Inventory) -> Iterable[Outcome]:
    for key in customer_keys(inventory):
        kid, region = str(key.get("id")), str(key.get("region", ""))
        if key.get("policy_error"):
            yield error(kid, KEY, f"Could not read the policy of KMS key {kid}: {key['policy_error']}", region=region)
            continue
        if "policy" not in key:
            continue
        actions = public_actions(key.get("policy"))
        reason = (
            f"KMS key {kid}'s policy lets anyone {', '.join(actions)}"
            if actions
            else f"KMS key {kid}'s policy grants nothing to everyone"
        )
        yield result(not actions, kid, KEY, reason, region=region, public_actions=actions)


@aws_check(
    id="aws.kms.key_not_pending_deletion",
    title="Customer-managed KMS keys are not scheduled for deletion",
    severity=Severity.HIGH,
    service="kms",
    resource_type=KEY,
    rationale="Once a key is deleted, everything encrypted under it is lost for good; a scheduled deletion "
    "should be a reviewed decision, cancelled if the key still protects data.",
    remediation="If the key still protects data, cancel the key deletion and re-enable the key.",
)
def key_not_pending_deletion(inventory: Inventory) -> Iterable[Outcome]:
    for key in customer_keys(inventory):
        kid, state = str(key.get("id")), str(key.get("state"))
        pending = state in ("PendingDeletion", "PendingReplicaDeletion")
        reason = f"KMS key {kid} is scheduled for deletion" if pending else f"KMS key {kid} is {state}"
        yield result(not pending, kid, KEY, reason, region=str(key.get("region", "")), key_state=state)
