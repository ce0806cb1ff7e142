"""S3 Glacier vault access policies not public: vaults and policies made through moto's server (access policies from
tests.moto_additions)."""

from __future__ import annotations

import json
from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    answer,
    aws,
    collect,
    connector,
    json_reply,
    run,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
PUBLIC = "aws.glacier.vault_policy_not_public"


def _vault(endpoint: str, name: str, region: str = REGION, *statements: dict[str, Any]) -> str:
    glacier = aws(endpoint, "glacier", region)
    glacier.create_vault(vaultName=name)
    if statements:
        document = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
        glacier.set_vault_access_policy(vaultName=name, policy={"Policy": document})
    return f"arn:aws:glacier:{region}:{ACCOUNT}:vaults/{name}"


def _grant(principal: Any, **condition: Any) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": principal, "Action": ["glacier:InitiateJob", "glacier:GetJobOutput"]}
    return {**statement, "Resource": "*", **({"Condition": condition} if condition else {})}


def test_vaults_granting_everyone_fail(moto_reset: str) -> None:
    # given a vault open to anyone, one open to anyone in the organization only, one shared with a named account, one
    # with no policy, and in another region one open to anyone again
    public = _vault(moto_reset, "Public-Archive", REGION, _grant("*"))
    org = _vault(moto_reset, "org-archive", REGION, _grant("*", StringEquals={"aws:PrincipalOrgID": "o-example"}))
    shared = _vault(moto_reset, "partner", REGION, _grant({"AWS": "arn:aws:iam::210987654321:root"}))
    private = _vault(moto_reset, "private")
    west = _vault(moto_reset, "west-archive", OTHER_REGION, _grant({"AWS": "*"}))
    # when the check runs over both regions
    outcomes = run(collect(moto_reset, [PUBLIC], [REGION, OTHER_REGION]), PUBLIC)
    # then the two open vaults fail, naming what anyone may do
    assert statuses(outcomes) == {public: FAIL, org: PASS, shared: PASS, private: PASS, west: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[public] == "Vault Public-Archive lets anyone glacier:GetJobOutput, glacier:InitiateJob"
    assert reasons[private] == "Vault private has no access policy: only IAM policies of its own account grant access"


def test_a_policy_deleted_later_passes(moto_reset: str) -> None:
    # given a vault whose public policy was then deleted
    vault = _vault(moto_reset, "archive", REGION, _grant("*"))
    aws(moto_reset, "glacier").delete_vault_access_policy(vaultName="archive")
    # when the check runs
    outcomes = run(collect(moto_reset, [PUBLIC]), PUBLIC)
    # then it passes
    assert statuses(outcomes) == {vault: PASS}


def test_an_unreadable_policy_is_an_error_naming_the_vault(moto_reset: str) -> None:
    # given a vault whose policy the role may not read
    vault = _vault(moto_reset, "archive", REGION, _grant("*"))
    built = connector(moto_reset)
    refusal = answer([lambda: json_reply({"code": "AccessDeniedException", "message": "no", "type": "Client"}, 403)])
    built.session.events.register("before-send.glacier.GetVaultAccessPolicy", refusal)
    # when the check runs
    outcomes = run(built.collect({"glacier"}), PUBLIC)
    # then it is an error for that vault, not a pass
    assert statuses(outcomes) == {vault: ERROR}
    assert outcomes[0].reason.startswith("Could not read the access policy of vault archive: GetVaultAccessPolicy")
