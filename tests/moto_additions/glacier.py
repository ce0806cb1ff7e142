"""S3 Glacier vault access policies, which moto 5.2 does not serve (its server has no route for them).

``/{account}/vaults/{name}/access-policy`` is routed to moto's own Glacier responder, which gains
SetVaultAccessPolicy, GetVaultAccessPolicy and DeleteVaultAccessPolicy; the policy is kept on moto's vault. A vault
without a policy answers ResourceNotFoundException, as AWS does, and so does a vault that does not exist.
"""

from __future__ import annotations

import json
from typing import Any

import moto.glacier.urls
from moto.glacier.responses import GlacierResponse

from ._responder import add_methods

_PATH = "{0}/(?P<account_number>[^/]+)/vaults/(?P<vault_name>[^/]+)/access-policy$"


def _vault(response: Any) -> Any:
    name = response.uri.split("?", 1)[0].rstrip("/").split("/")[-2]
    return response.glacier_backend.vaults.get(name)


def _not_found(what: str) -> tuple[int, dict[str, Any], str]:
    body = {"code": "ResourceNotFoundException", "type": "Client", "message": f"{what} not found"}
    headers = {"status": 404, "content-type": "application/json", "x-amzn-ErrorType": "ResourceNotFoundException"}
    return 404, headers, json.dumps(body)


class GlacierResponses:
    """Methods set on moto's ``GlacierResponse``."""

    def set_vault_access_policy(self: Any) -> tuple[int, dict[str, Any], str]:
        vault = _vault(self)
        if vault is None:
            return _not_found("Vault")
        vault.complywise_access_policy = json.loads(self.body or b"{}")["Policy"]
        return 204, {"status": 204}, ""

    def get_vault_access_policy(self: Any) -> tuple[int, dict[str, Any], str]:
        vault = _vault(self)
        policy = getattr(vault, "complywise_access_policy", None) if vault is not None else None
        if policy is None:
            return _not_found("Vault access policy" if vault is not None else "Vault")
        # The answer's body is the VaultAccessPolicy itself (botocore's "policy" payload member).
        return 200, {"status": 200, "content-type": "application/json"}, json.dumps({"Policy": policy})

    def delete_vault_access_policy(self: Any) -> tuple[int, dict[str, Any], str]:
        vault = _vault(self)
        if vault is None:
            return _not_found("Vault")
        vault.complywise_access_policy = None
        return 204, {"status": 204}, ""


def install() -> None:
    moto.glacier.urls.url_paths[_PATH] = GlacierResponse.dispatch
    add_methods(GlacierResponses, GlacierResponse)
