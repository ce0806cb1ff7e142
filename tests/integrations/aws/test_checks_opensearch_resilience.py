"""OpenSearch Service domain resilience and sign-in checks against moto: data nodes with zone awareness, dedicated
master nodes, and the internal user database."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import ACCOUNT, OTHER_REGION, REGION, aws, collect, inventory, only, run, statuses

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
DATA_NODES = "aws.opensearch.data_nodes_fault_tolerant"
MASTERS = "aws.opensearch.dedicated_master_nodes_fault_tolerant"
INTERNAL_USERS = "aws.opensearch.internal_user_database_disabled"
CHECKS = [DATA_NODES, MASTERS, INTERNAL_USERS]


def _domain(endpoint: str, name: str, region: str = REGION, **settings: Any) -> str:
    """A domain made with create_domain's own ``settings``; its ARN."""
    return str(aws(endpoint, "opensearch", region).create_domain(DomainName=name, **settings)["DomainStatus"]["ARN"])


def _cluster(nodes: int, *, zones: int = 0, masters: int = 0) -> dict[str, Any]:
    config: dict[str, Any] = {"InstanceType": "r6g.large.search", "InstanceCount": nodes}
    if zones:
        config |= {"ZoneAwarenessEnabled": True, "ZoneAwarenessConfig": {"AvailabilityZoneCount": zones}}
    if masters:
        config |= {
            "DedicatedMasterEnabled": True,
            "DedicatedMasterCount": masters,
            "DedicatedMasterType": "m6g.large.search",
        }
    return config


def _reasons(outcomes: list) -> dict[str, str]:
    return {o.resource_id: o.reason for o in outcomes}


def test_data_nodes_pass_with_three_nodes_over_zones_and_fail_otherwise(moto_reset: str) -> None:
    # given a domain of three data nodes over three zones, one of three nodes in one zone, one of two nodes over two
    # zones, and one made with OpenSearch's defaults (a single node)
    spread = _domain(moto_reset, "spread", ClusterConfig=_cluster(3, zones=3))
    one_zone = _domain(moto_reset, "one-zone", ClusterConfig=_cluster(3))
    two_nodes = _domain(moto_reset, "two-nodes", ClusterConfig=_cluster(2, zones=2))
    default = _domain(moto_reset, "default")
    # when the check runs
    outcomes = run(collect(moto_reset, [DATA_NODES]), DATA_NODES)
    # then only the spread domain passes
    assert statuses(outcomes) == {spread: PASS, one_zone: FAIL, two_nodes: FAIL, default: FAIL}
    reasons = _reasons(outcomes)
    assert reasons[spread] == "OpenSearch domain spread is fault tolerant: 3 data node(s), zone awareness over 3 zones"
    assert reasons[one_zone] == "OpenSearch domain one-zone is not fault tolerant: 3 data node(s), no zone awareness"
    assert reasons[two_nodes].endswith("2 data node(s), zone awareness over 2 zones")


def test_dedicated_masters_pass_at_three_and_fail_below_or_without(moto_reset: str) -> None:
    # given domains with three dedicated masters, with two, and with none, in two regions
    three = _domain(moto_reset, "three-masters", ClusterConfig=_cluster(3, zones=3, masters=3))
    two = _domain(moto_reset, "two-masters", OTHER_REGION, ClusterConfig=_cluster(3, zones=3, masters=2))
    none = _domain(moto_reset, "no-masters", ClusterConfig=_cluster(3, zones=3))
    # when the check runs over both regions
    outcomes = run(collect(moto_reset, [MASTERS], [REGION, OTHER_REGION]), MASTERS)
    # then only three masters pass
    assert statuses(outcomes) == {three: PASS, two: FAIL, none: FAIL}
    reasons = _reasons(outcomes)
    assert reasons[three] == "OpenSearch domain three-masters has 3 dedicated master node(s)"
    assert reasons[two] == "OpenSearch domain two-masters has 2 dedicated master node(s), fewer than 3"
    assert reasons[none] == "OpenSearch domain no-masters has no dedicated master nodes"


def test_internal_user_database_fails_when_on_and_passes_with_an_iam_master_or_without_fine_grained_control(
    moto_reset: str,
) -> None:
    # given a domain whose fine-grained access control keeps an internal user database, one whose master user is an
    # IAM role, and one without fine-grained access control
    internal = _domain(
        moto_reset,
        "internal-users",
        AdvancedSecurityOptions={
            "Enabled": True,
            "InternalUserDatabaseEnabled": True,
            "MasterUserOptions": {"MasterUserName": "admin", "MasterUserPassword": "A-long-password-1"},
        },
    )
    iam_master = _domain(
        moto_reset,
        "iam-master",
        AdvancedSecurityOptions={
            "Enabled": True,
            "InternalUserDatabaseEnabled": False,
            "MasterUserOptions": {"MasterUserARN": f"arn:aws:iam::{ACCOUNT}:role/search-admin"},
        },
    )
    plain = _domain(moto_reset, "plain")
    # when the check runs
    outcomes = run(collect(moto_reset, [INTERNAL_USERS]), INTERNAL_USERS)
    # then the internal user database fails and the other two pass
    assert statuses(outcomes) == {internal: FAIL, iam_master: PASS, plain: PASS}
    reasons = _reasons(outcomes)
    assert reasons[internal] == (
        "OpenSearch domain internal-users keeps an internal user database: users sign in with passwords stored in "
        "the domain"
    )
    assert reasons[plain] == "OpenSearch domain plain has no internal user database"


def test_domains_collected_before_their_cluster_settings_were_kept_are_errors() -> None:
    # given an inventory stored before the cluster and security settings were kept
    arn = f"arn:aws:es:{REGION}:{ACCOUNT}:domain/old"
    domain = {"name": "old", "arn": arn, "region": REGION, "encrypted_at_rest": True}
    stored = inventory(opensearch={"regions": {REGION: {"domains": [domain]}}})
    # when each check runs, then the domain is an error for each, not a judgement
    for check_id in CHECKS:
        outcome = only(run(stored, check_id))
        assert (outcome.resource_id, outcome.status) == (arn, ERROR)
        assert (
            outcome.reason == "OpenSearch domain old was collected before its cluster and security settings were read"
        )


DASHBOARDS = "aws.opensearch.dashboards_identity_provider"


def test_dashboards_pass_only_behind_cognito_or_saml(moto_reset: str) -> None:
    # given a domain signing Dashboards users in through Cognito, one through SAML, and one through neither
    cognito = _domain(
        moto_reset,
        "cognito",
        CognitoOptions={
            "Enabled": True,
            "UserPoolId": f"{REGION}_Pool1",
            "IdentityPoolId": f"{REGION}:identities",
            "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/dashboards",
        },
    )
    saml = _domain(
        moto_reset,
        "saml",
        AdvancedSecurityOptions={
            "Enabled": True,
            "InternalUserDatabaseEnabled": False,
            "MasterUserOptions": {"MasterUserARN": f"arn:aws:iam::{ACCOUNT}:role/search-admin"},
            "SAMLOptions": {"Enabled": True, "Idp": {"MetadataContent": "<md/>" * 20, "EntityId": "https://idp"}},
        },
    )
    neither = _domain(moto_reset, "neither", "eu-west-1")
    # when the check runs over both regions
    outcomes = run(collect(moto_reset, [DASHBOARDS], [REGION, "eu-west-1"]), DASHBOARDS)
    # then only the domain behind neither fails, each saying who signs users in
    assert statuses(outcomes) == {cognito: PASS, saml: PASS, neither: FAIL}
    assert _reasons(outcomes) == {
        cognito: "OpenSearch domain cognito signs Dashboards users in through Cognito",
        saml: "OpenSearch domain saml signs Dashboards users in through SAML",
        neither: "OpenSearch domain neither signs Dashboards users in through neither Cognito nor SAML",
    }
    assert next(o for o in outcomes if o.resource_id == neither).region == "eu-west-1"
    # and a domain collected before Dashboards sign-in was read is not judged
    stored = inventory(opensearch={"regions": {REGION: {"domains": [{"name": "old", "region": REGION}]}}})
    assert run(stored, DASHBOARDS) == []
