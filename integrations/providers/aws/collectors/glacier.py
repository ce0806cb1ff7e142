"""S3 Glacier collection (regional): each vault's access policy."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_storage import GlacierRegion
from ._common import Scope, concurrently, describe_error, error_code, paginate, plain, policy_document


def collect_glacier(scope: Scope) -> GlacierRegion:
    client = scope.client("glacier")
    # accountId "-" means the credentials' own account.
    listed = paginate(client, "list_vaults", "VaultList", accountId="-")
    return plain({"vaults": concurrently(functools.partial(_vault, client, scope.region), listed)})


def _vault(client: BaseClient, region: str, listed: Mapping[str, Any]) -> dict[str, Any]:
    vault: dict[str, Any] = {
        "name": str(listed["VaultName"]),
        "arn": listed.get("VaultARN"),
        "policy": None,
        "region": region,
    }
    try:
        answer = client.get_vault_access_policy(accountId="-", vaultName=vault["name"])
    except ClientError as exc:
        # A vault without an access policy answers ResourceNotFoundException: only IAM policies grant access to it.
        if error_code(exc) != "ResourceNotFoundException":
            vault["policy_error"] = describe_error(exc)
        return vault
    vault["policy"] = policy_document((answer.get("policy") or {}).get("Policy"))
    return vault
