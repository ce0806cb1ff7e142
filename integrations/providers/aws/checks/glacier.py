"""Checks on S3 Glacier vaults: no access policy grants everyone access to the archives."""

from __future__ import annotations

from collections.abc import Iterable

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_storage import GlacierVault
from ._common import aws_check, error, items, result
from ._policies import public_actions

VAULT = "AWS::Glacier::Vault"


@aws_check(
    id="aws.glacier.vault_policy_not_public",
    title="S3 Glacier vault access policies do not grant access to everyone",
    severity=Severity.HIGH,
    service="glacier",
    resource_type=VAULT,
    rationale="A vault's archives are usually backups and records kept for years. An access policy granting any "
    "principal lets every AWS account retrieve them (InitiateJob), list them, or, with delete actions, destroy "
    "them.",
    remediation="Rewrite the vault's access policy (SetVaultAccessPolicy) to name the accounts or roles that need "
    "it, or condition the grant on aws:PrincipalOrgID; delete it (DeleteVaultAccessPolicy) if IAM policies alone "
    "should grant access.",
)
def vault_policy_not_public(inventory: Inventory) -> Iterable[Outcome]:
    vault: GlacierVault
    for vault in items(inventory, "glacier", "vaults"):
        resource, label = str(vault["arn"] or vault["name"]), f"Vault {vault['name']}"
        if vault.get("policy_error"):
            reason = f"Could not read the access policy of vault {vault['name']}: {vault['policy_error']}"
            yield error(resource, VAULT, reason, region=vault["region"])
            continue
        policy = vault["policy"]
        if policy is None:
            reason = f"{label} has no access policy: only IAM policies of its own account grant access"
            yield result(True, resource, VAULT, reason, region=vault["region"], has_policy=False, public_actions=[])
            continue
        if "unparsable" in policy:
            yield error(resource, VAULT, f"{label} has an access policy that is not JSON", region=vault["region"])
            continue
        actions = public_actions(policy)
        if actions:
            reason = f"{label} lets anyone {', '.join(actions)}"
        else:
            reason = f"{label} grants access to named or conditioned principals only"
        yield result(
            not actions, resource, VAULT, reason, region=vault["region"], has_policy=True, public_actions=actions
        )
