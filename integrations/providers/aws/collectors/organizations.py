"""AWS Organizations collection (global): the service control policies and tag policies that reach the organization's
accounts, the AI services opt-out policy in effect for each, whether IAM's centralized root access features are
enabled for the organization, and the organization's resource policy (which delegates policy management to a member
account).

Scanned from the management account, every member account is judged; from a member account, only itself
(AWS then usually refuses the policy lookups, which is kept as ``scps_error`` rather than failing the scan).
"""

from __future__ import annotations

import functools
import json
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from ..shapes_network import OrgAccount, OrgAiOptOut, Organizations, OrgDelegatedAdmin, OrgRootAccess
from ._common import AwsConnectorError, Scope, concurrently, describe_error, error_code, paginate, plain

_SCP = "SERVICE_CONTROL_POLICY"
_TAG_POLICY = "TAG_POLICY"
_AI_OPT_OUT_POLICY = "AISERVICES_OPT_OUT_POLICY"
# Accounts, OUs and roots nest at most six levels; a longer chain means a cycle in a fake answer.
_MAX_DEPTH = 8
# Answers of IAM's ListOrganizationsFeatures meaning the features are off (no IAM trusted access, or an organization
# with consolidated billing only), not that the scan failed.
_ROOT_ACCESS_OFF = {"ServiceAccessNotEnabledException", "OrganizationNotInAllFeaturesModeException"}


class _Walker:
    """Resolves each target's SCPs and parent once, however many accounts share it."""

    def __init__(self, client: BaseClient) -> None:
        self.client = client
        self.policies: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.parents: dict[str, dict[str, Any] | None] = {}

    def _policies(self, target: str, kind: str = _SCP) -> list[dict[str, Any]]:
        if (target, kind) not in self.policies:
            found = paginate(self.client, "list_policies_for_target", "Policies", TargetId=target, Filter=kind)
            self.policies[(target, kind)] = [
                {"target": target, "id": p.get("Id"), "name": p.get("Name"), "aws_managed": bool(p.get("AwsManaged"))}
                for p in found
            ]
        return self.policies[(target, kind)]

    def _parent(self, child: str) -> dict[str, Any] | None:
        if child not in self.parents:
            parents = paginate(self.client, "list_parents", "Parents", ChildId=child)
            self.parents[child] = parents[0] if parents else None
        return self.parents[child]

    def account(self, account_id: str) -> OrgAccount:
        scps: list[dict[str, Any]] = []
        tag_policies: list[dict[str, Any]] = []
        try:
            target: str | None = account_id
            for _ in range(_MAX_DEPTH):
                if target is None:
                    break
                scps.extend(self._policies(target))
                tag_policies.extend(self._policies(target, _TAG_POLICY))
                parent = self._parent(target) if not target.startswith("r-") else None
                target = parent.get("Id") if parent else None
        except (ClientError, BotoCoreError, ResponseParserError) as exc:
            return {"id": account_id, "scps": [], "scps_error": describe_error(exc)}
        return {"id": account_id, "scps": plain(scps), "tag_policies": plain(tag_policies)}


def _root_access(scope: Scope) -> OrgRootAccess:
    # Its own try: a refused lookup (only the management or a delegated account may ask) errors one check, not all.
    try:
        answer = scope.client("iam", scope.global_region).list_organizations_features()
    except ClientError as exc:
        if error_code(exc) in _ROOT_ACCESS_OFF:
            return {"features": [], "not_enabled": error_code(exc)}
        return {"features": [], "error": describe_error(exc)}
    except (BotoCoreError, ResponseParserError, AwsConnectorError) as exc:
        return {"features": [], "error": describe_error(exc)}
    return {"features": sorted(str(f) for f in answer.get("EnabledFeatures") or [])}


def _ai_opt_out(client: BaseClient, account_id: str) -> OrgAiOptOut:
    """The account's effective AI services opt-out policy, as AWS merges the policies of its root, OUs and itself."""
    try:
        answer = client.describe_effective_policy(PolicyType=_AI_OPT_OUT_POLICY, TargetId=account_id)
    except ClientError as exc:
        if error_code(exc) == "EffectivePolicyNotFoundException":
            return {"services": None}
        return {"error": describe_error(exc)}
    except (BotoCoreError, ResponseParserError) as exc:
        return {"error": describe_error(exc)}
    try:
        content = json.loads((answer.get("EffectivePolicy") or {}).get("PolicyContent") or "{}")
        services = content.get("services") or {}
        settings = {name: s.get("opt_out_policy") for name, s in services.items() if isinstance(s, dict)}
        return {"services": {str(name): str(value) for name, value in settings.items() if value}}
    except (TypeError, ValueError, AttributeError):
        return {"error": "DescribeEffectivePolicy answered content that is not an AI opt-out policy"}


def _delegated_admins(client: BaseClient) -> list[OrgDelegatedAdmin]:
    admins = paginate(client, "list_delegated_administrators", "DelegatedAdministrators")
    return [
        {
            "id": str(a.get("Id")),
            "name": a.get("Name"),
            "status": a.get("Status"),
            "services": sorted(
                str(s.get("ServicePrincipal"))
                for s in paginate(client, "list_delegated_services_for_account", "DelegatedServices", AccountId=a["Id"])
            ),
        }
        for a in admins
    ]


def _resource_policy(client: BaseClient, found: Organizations) -> None:
    # Only the management account and a delegated administrator may read it; a plain member is refused, which is
    # kept for the one check that reads it.
    try:
        content = (client.describe_resource_policy().get("ResourcePolicy") or {}).get("Content")
    except ClientError as exc:
        if error_code(exc) == "ResourcePolicyNotFoundException":
            found["resource_policy"] = None
            return
        found["resource_policy_error"] = describe_error(exc)
        return
    except (BotoCoreError, ResponseParserError) as exc:
        found["resource_policy_error"] = describe_error(exc)
        return
    if not content:
        found["resource_policy"] = None
        return
    try:
        document = json.loads(content)
    except (TypeError, ValueError):
        document = None
    if not isinstance(document, dict):
        # Judging an unreadable policy as "delegates nothing" would be a guess: leave it unjudged.
        found["resource_policy_error"] = "DescribeResourcePolicy answered a policy that is not a JSON object"
        return
    found["resource_policy"] = document


def collect_organizations(scope: Scope) -> Organizations:
    client = scope.client("organizations", scope.global_region)
    try:
        organization = client.describe_organization()["Organization"]
    except ClientError as exc:
        if error_code(exc) == "AWSOrganizationsNotInUseException":
            return {"in_organization": False, "accounts": []}
        raise
    management = organization.get("MasterAccountId")
    if not isinstance(management, str):
        raise AwsConnectorError("DescribeOrganization answered no management account")
    walker = _Walker(client)
    if management == scope.account_id:
        members = [
            a["Id"] for a in paginate(client, "list_accounts", "Accounts") if a.get("Status", "ACTIVE") == "ACTIVE"
        ]
        # SCPs never restrict the management account itself, so only the members are judged.
        account_ids = [a for a in members if a != management]
    else:
        account_ids = [scope.account_id]
    found: Organizations = {
        "in_organization": True,
        "feature_set": organization.get("FeatureSet"),
        "management_account": management,
        "accounts": [walker.account(a) for a in account_ids],
        "root_access": _root_access(scope),
    }
    _resource_policy(client, found)
    if organization.get("FeatureSet") == "ALL":
        # Unlike SCPs, AI opt-out policies bind the management account too.
        judged = [*account_ids, management] if management == scope.account_id else account_ids
        policies = concurrently(functools.partial(_ai_opt_out, client), judged)
        found["ai_opt_out"] = dict(zip(judged, policies, strict=True))
    if management == scope.account_id:
        try:
            found["delegated_admins"] = plain(_delegated_admins(client))
        except (ClientError, BotoCoreError, ResponseParserError) as exc:
            found["delegated_admins_error"] = describe_error(exc)
    return found
