"""Centralized root access check: moto has no IAM ListOrganizationsFeatures, so a before-send hook answers it
(in IAM's XML, as AWS does) while the organization itself lives in moto."""

from __future__ import annotations

from typing import Any

from integrations.registry import Inventory, OutcomeStatus
from tests.integrations.aws.support import ACCOUNT, aws, connector, features_reply, only, query_error, run

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
CHECK = "aws.iam.centralized_root_access"
EVENT = "before-send.iam.ListOrganizationsFeatures"


def _collect(endpoint: str, reply: Any) -> Inventory:
    built = connector(endpoint)
    built.session.events.register(EVENT, lambda **_: reply)
    inventory = built.collect({"organizations"})
    assert inventory.errors == {}
    return inventory


def test_both_root_access_features_enabled_pass(moto_reset: str) -> None:
    # given an organization managed by the scanned account with both root access features enabled
    aws(moto_reset, "organizations").create_organization(FeatureSet="ALL")
    # when the check runs
    outcome = only(run(_collect(moto_reset, features_reply("RootCredentialsManagement", "RootSessions")), CHECK))
    # then the account passes
    assert (outcome.resource_id, outcome.status, outcome.observed["missing_features"]) == (ACCOUNT, PASS, [])


def test_credentials_management_without_root_sessions_fails(moto_reset: str) -> None:
    # given an organization with root credentials management but no root sessions
    aws(moto_reset, "organizations").create_organization(FeatureSet="ALL")
    # when the check runs
    outcome = only(run(_collect(moto_reset, features_reply("RootCredentialsManagement")), CHECK))
    # then the account fails, naming what is missing
    assert (outcome.status, outcome.observed["missing_features"]) == (FAIL, ["RootSessions"])
    assert "RootSessions" in outcome.reason


def test_iam_without_trusted_access_fails(moto_reset: str) -> None:
    # given an organization where IAM has no trusted access, so the features cannot be on
    aws(moto_reset, "organizations").create_organization(FeatureSet="ALL")
    reply = query_error("ServiceAccessNotEnabledException", "not enabled")
    # when the check runs
    outcome = only(run(_collect(moto_reset, reply), CHECK))
    # then the account fails rather than erroring
    assert outcome.status == FAIL
    assert outcome.observed["missing_features"] == ["RootCredentialsManagement", "RootSessions"]


def test_a_member_account_scan_is_an_error_not_a_verdict(moto_reset: str) -> None:
    # given an organization, scanned with credentials IAM refuses the lookup to (a member account)
    aws(moto_reset, "organizations").create_organization(FeatureSet="ALL")
    reply = query_error("AccountNotManagementOrDelegatedAdministratorException", "not the management account")
    # when the check runs
    inventory = _collect(moto_reset, reply)
    outcome = only(run(inventory, CHECK))
    # then it reports an error, and the SCP check of the same collection still judges
    assert outcome.status == ERROR
    assert [o.status for o in run(inventory, "aws.organizations.scps_attached")] == [PASS]
    assert "AccountNotManagementOrDelegatedAdministratorException" in outcome.reason


def test_a_standalone_account_is_not_judged(moto_reset: str) -> None:
    # given an account outside any organization
    # when the check runs
    outcomes = run(_collect(moto_reset, features_reply()), CHECK)
    # then there is no outcome
    assert outcomes == []
