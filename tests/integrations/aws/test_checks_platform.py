"""Amazon MSK, AppSync, Transfer Family and EventBridge checks against moto."""

from __future__ import annotations

import json
from typing import Any

import pytest

from integrations.providers.aws.collectors import transfer as transfer_collector
from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    aws,
    collect,
    connector,
    json_reply,
    only,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
MSK_CHECKS = [
    "aws.msk.cluster_encryption_in_transit",
    "aws.msk.cluster_encrypted_with_customer_key",
    "aws.msk.cluster_not_publicly_accessible",
    "aws.msk.cluster_broker_logging_enabled",
]
CLIENT_AUTH = "aws.msk.cluster_client_authentication_required"
MONITORING = "aws.msk.cluster_enhanced_monitoring_enabled"
APPSYNC_CHECKS = ["aws.appsync.graphql_api_field_logging_enabled", "aws.appsync.graphql_api_not_api_key_authenticated"]
FTP_CHECK = "aws.transfer.server_no_ftp"
BUS_CHECK = "aws.eventbridge.bus_policy_not_public"
LOG_ROLE = f"arn:aws:iam::{ACCOUNT}:role/appsync-logs"


def msk_cluster(endpoint: str, name: str, public: bool = False, region: str = REGION, **settings: Any) -> str:
    """Create provisioned MSK cluster ``name`` (create_cluster's own ``settings``: EncryptionInfo, LoggingInfo); its
    ARN."""
    access = "SERVICE_PROVIDED_EIPS" if public else "DISABLED"
    return str(
        aws(endpoint, "kafka", region).create_cluster(
            ClusterName=name,
            KafkaVersion="3.6.0",
            NumberOfBrokerNodes=2,
            BrokerNodeGroupInfo={
                "InstanceType": "kafka.m5.large",
                "ClientSubnets": ["subnet-0a", "subnet-0b"],
                "ConnectivityInfo": {"PublicAccess": {"Type": access}},
            },
            **settings,
        )["ClusterArn"]
    )


def test_msk_checks_pass_a_hardened_cluster_and_fail_a_loose_one(moto_reset: str) -> None:
    # given a private cluster with TLS only, a customer managed key and broker logs in CloudWatch Logs, and a public
    # one accepting plain text, replicating in clear, on MSK's own key and logging nothing
    key = aws(moto_reset, "kms").create_key(Description="msk")["KeyMetadata"]["Arn"]
    hardened = msk_cluster(
        moto_reset,
        "orders",
        EncryptionInfo={
            "EncryptionAtRest": {"DataVolumeKMSKeyId": key},
            "EncryptionInTransit": {"ClientBroker": "TLS", "InCluster": True},
        },
        LoggingInfo={"BrokerLogs": {"CloudWatchLogs": {"Enabled": True, "LogGroup": "/msk/orders"}}},
    )
    loose = msk_cluster(
        moto_reset,
        "legacy",
        public=True,
        EncryptionInfo={"EncryptionInTransit": {"ClientBroker": "TLS_PLAINTEXT", "InCluster": False}},
        LoggingInfo={"BrokerLogs": {"S3": {"Enabled": False}}},
    )
    # when the four checks run on one collection
    collected = collect(moto_reset, MSK_CHECKS)
    # then the hardened cluster passes all four and the loose one fails all four
    assert {cid: statuses(run(collected, cid)) for cid in MSK_CHECKS} == {
        cid: {hardened: PASS, loose: FAIL} for cid in MSK_CHECKS
    }
    # and the reasons say what was seen
    reasons = {(cid, o.resource_id): o.reason for cid in MSK_CHECKS for o in run(collected, cid)}
    assert reasons[(MSK_CHECKS[0], hardened)] == (
        "MSK cluster orders accepts TLS only from clients and encrypts traffic between brokers"
    )
    assert reasons[(MSK_CHECKS[0], loose)] == (
        "MSK cluster legacy accepts TLS_PLAINTEXT from clients and replicates between brokers in clear"
    )
    assert (
        reasons[(MSK_CHECKS[1], hardened)] == "MSK cluster orders encrypts its storage with a customer managed KMS key"
    )
    assert reasons[(MSK_CHECKS[1], loose)] == "MSK cluster legacy encrypts its storage with MSK's AWS managed key"
    assert reasons[(MSK_CHECKS[2], loose)] == "MSK cluster legacy gives its brokers public IP addresses"
    assert reasons[(MSK_CHECKS[2], hardened)] == "MSK cluster orders is reachable only from its VPC"
    assert reasons[(MSK_CHECKS[3], hardened)] == "MSK cluster orders delivers its broker logs to CloudWatchLogs"
    assert reasons[(MSK_CHECKS[3], loose)] == "MSK cluster legacy delivers its broker logs nowhere"


def test_msk_reads_missing_settings_as_aws_defaults_and_skips_serverless_clusters(moto_reset: str) -> None:
    # given a provisioned cluster created without encryption settings (MSK then uses TLS both ways), and a serverless
    # cluster (no broker settings of its own)
    arn = msk_cluster(moto_reset, "defaults")
    aws(moto_reset, "kafka").create_cluster_v2(
        ClusterName="events", Serverless={"VpcConfigs": [{"SubnetIds": ["subnet-0a", "subnet-0b"]}]}
    )
    # when the in-transit check runs
    outcome = only(scan(moto_reset, MSK_CHECKS[0]))
    # then only the provisioned cluster is judged, and passes on AWS's defaults
    assert (outcome.resource_id, outcome.status) == (arn, PASS)
    assert outcome.observed == {"client_broker": "TLS", "in_cluster": True}


def test_msk_clusters_pass_only_when_every_client_authenticates(moto_reset: str) -> None:
    # given clusters with IAM access control, with mutual TLS named only by its certificate authorities, with SCRAM
    # but unauthenticated access left on, and with no client authentication at all
    def auth(**settings: Any) -> dict[str, Any]:
        return {"ClientAuthentication": settings}

    iam = msk_cluster(moto_reset, "orders", **auth(Sasl={"Iam": {"Enabled": True}}, Unauthenticated={"Enabled": False}))
    ca = f"arn:aws:acm-pca:{REGION}:{ACCOUNT}:certificate-authority/kafka"
    mtls = msk_cluster(moto_reset, "ledger", **auth(Tls={"CertificateAuthorityArnList": [ca]}))
    mixed = msk_cluster(
        moto_reset, "billing", **auth(Sasl={"Scram": {"Enabled": True}}, Unauthenticated={"Enabled": True})
    )
    bare = msk_cluster(moto_reset, "legacy")
    # when the client authentication check runs
    outcomes = scan(moto_reset, CLIENT_AUTH)
    # then only the clusters authenticating every client pass
    assert statuses(outcomes) == {iam: PASS, mtls: PASS, mixed: FAIL, bare: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[iam] == "MSK cluster orders authenticates every client (IAM)"
    assert reasons[mtls] == "MSK cluster ledger authenticates every client (TLS)"
    assert reasons[mixed] == "MSK cluster billing admits unauthenticated clients beside SASL/SCRAM"
    assert reasons[bare] == (
        "MSK cluster legacy has no client authentication: every client that reaches a broker is admitted"
    )


def test_an_msk_cluster_collected_before_its_client_authentication_was_kept_is_not_judged(moto_reset: str) -> None:
    # given a cluster collected, then stripped of the client authentication fields (as an older inventory holds it)
    msk_cluster(moto_reset, "legacy")
    collected = collect(moto_reset, [CLIENT_AUTH])
    for data in collected.data["msk"]["regions"].values():
        for cluster in data["clusters"]:
            del cluster["auth_methods"], cluster["unauthenticated_access"]
    # when the check runs, then there is nothing to judge
    assert run(collected, CLIENT_AUTH) == []


def test_msk_clusters_pass_enhanced_monitoring_only_above_the_default_level(moto_reset: str) -> None:
    # given clusters monitored per broker and per topic, one left at MSK's default, and one collected before the
    # level was kept
    per_broker = msk_cluster(moto_reset, "orders", EnhancedMonitoring="PER_BROKER")
    per_topic = msk_cluster(moto_reset, "ledger", EnhancedMonitoring="PER_TOPIC_PER_PARTITION")
    default = msk_cluster(moto_reset, "legacy")
    older = msk_cluster(moto_reset, "older", EnhancedMonitoring="PER_BROKER")
    collected = collect(moto_reset, [MONITORING])
    for data in collected.data["msk"]["regions"].values():
        for cluster in data["clusters"]:
            if cluster["arn"] == older:
                del cluster["enhanced_monitoring"]
    # when the check runs
    outcomes = run(collected, MONITORING)
    # then the clusters above DEFAULT pass, the default one fails, and the older inventory is not judged
    assert statuses(outcomes) == {per_broker: PASS, per_topic: PASS, default: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[per_topic] == "MSK cluster ledger sends CloudWatch metrics at the PER_TOPIC_PER_PARTITION level"
    assert reasons[default] == "MSK cluster legacy sends CloudWatch only the DEFAULT level of metrics, none per broker"
    assert {o.resource_id: o.observed for o in outcomes}[default] == {"enhanced_monitoring": "DEFAULT"}


def test_a_key_of_another_account_is_customer_managed_and_an_unreadable_key_is_an_error(moto_reset: str) -> None:
    # given a cluster on another account's key, and one on a key of this account that KMS refuses to describe
    foreign = msk_cluster(
        moto_reset,
        "shared-key",
        EncryptionInfo={"EncryptionAtRest": {"DataVolumeKMSKeyId": f"arn:aws:kms:{REGION}:111111111111:key/abc"}},
    )
    key = aws(moto_reset, "kms").create_key()["KeyMetadata"]["Arn"]
    guarded = msk_cluster(moto_reset, "guarded", EncryptionInfo={"EncryptionAtRest": {"DataVolumeKMSKeyId": key}})
    built = connector(moto_reset)
    denied = json_reply({"__type": "AccessDeniedException", "message": "denied"}, 400)
    built.session.events.register("before-send.kms.DescribeKey", lambda **_: denied)
    # when MSK is collected and the key check runs
    outcomes = {o.resource_id: o for o in run(built.collect({"msk"}), MSK_CHECKS[1])}
    # then the foreign key passes without being asked about, and the refused one is an error naming the refusal
    assert {arn: o.status for arn, o in outcomes.items()} == {foreign: PASS, guarded: ERROR}
    assert outcomes[foreign].reason == (
        "MSK cluster shared-key encrypts its storage with a customer managed key of another account"
    )
    assert outcomes[guarded].reason.startswith(
        "Could not read who manages the KMS key of MSK cluster guarded: DescribeKey failed with AccessDeniedException"
    )


def test_appsync_checks_pass_a_logged_iam_api_and_fail_an_unlogged_api_key_one(moto_reset: str) -> None:
    # given an API on IAM logging its resolvers' errors, one on an API key logging nothing, and one on IAM with an
    # API key as an additional mode whose field logs are NONE
    appsync = aws(moto_reset, "appsync")
    logged = appsync.create_graphql_api(
        name="orders",
        authenticationType="AWS_IAM",
        logConfig={"fieldLogLevel": "ERROR", "cloudWatchLogsRoleArn": LOG_ROLE},
    )["graphqlApi"]["arn"]
    bare = appsync.create_graphql_api(name="catalog", authenticationType="API_KEY")["graphqlApi"]["arn"]
    mixed = appsync.create_graphql_api(
        name="storefront",
        authenticationType="AMAZON_COGNITO_USER_POOLS",
        userPoolConfig={"userPoolId": f"{REGION}_abcdefghi", "awsRegion": REGION, "defaultAction": "ALLOW"},
        additionalAuthenticationProviders=[{"authenticationType": "API_KEY"}],
        logConfig={"fieldLogLevel": "NONE", "cloudWatchLogsRoleArn": LOG_ROLE},
    )["graphqlApi"]["arn"]
    # when both checks run on one collection
    collected = collect(moto_reset, APPSYNC_CHECKS)
    logging, api_key = ({o.resource_id: o for o in run(collected, cid)} for cid in APPSYNC_CHECKS)
    # then logging passes only at a level above NONE, and an API key fails only as the default mode
    assert {arn: o.status for arn, o in logging.items()} == {logged: PASS, bare: FAIL, mixed: FAIL}
    assert {arn: o.status for arn, o in api_key.items()} == {logged: PASS, bare: FAIL, mixed: PASS}
    assert logging[logged].reason == "GraphQL API orders logs its resolvers at level ERROR"
    assert logging[bare].reason == "GraphQL API catalog has no logging configuration"
    assert logging[mixed].reason == "GraphQL API storefront has logging on but its field log level is NONE"
    assert api_key[bare].reason == "GraphQL API catalog authenticates with an API key by default"
    assert api_key[mixed].reason == (
        "GraphQL API storefront authenticates with AMAZON_COGNITO_USER_POOLS by default, and with an API key only on "
        "the fields marked for it"
    )


def test_transfer_servers_fail_with_plain_ftp(moto_reset: str) -> None:
    # given an SFTP server, a server of the default protocols (SFTP), and one accepting FTP beside SFTP
    transfer = aws(moto_reset, "transfer")
    sftp = transfer.create_server(Protocols=["SFTP"])["ServerId"]
    default = transfer.create_server()["ServerId"]
    ftp = transfer.create_server(
        Protocols=["SFTP", "FTP"],
        EndpointType="VPC",
        EndpointDetails={"VpcId": "vpc-0a", "SubnetIds": ["subnet-0a"]},
        IdentityProviderType="API_GATEWAY",
        IdentityProviderDetails={
            "Url": "https://idp.example.com",
            "InvocationRole": f"arn:aws:iam::{ACCOUNT}:role/idp",
        },
    )["ServerId"]
    # when the FTP check runs
    outcomes = {o.resource_id.rsplit("/", 1)[1]: o for o in scan(moto_reset, FTP_CHECK)}
    # then only the FTP server fails
    assert {sid: o.status for sid, o in outcomes.items()} == {sftp: PASS, default: PASS, ftp: FAIL}
    assert outcomes[ftp].reason == f"Transfer Family server {ftp} accepts plain FTP (SFTP, FTP)"
    assert outcomes[default].reason == f"Transfer Family server {default} accepts SFTP only"


def test_a_server_that_cannot_be_described_is_an_error_and_the_bound_is_said(
    moto_reset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given three servers, a collector reading at most two a region, and Transfer Family refusing to describe any
    monkeypatch.setattr(transfer_collector, "MAX_SERVERS", 2)
    for _ in range(3):
        aws(moto_reset, "transfer").create_server(Protocols=["SFTP"])
    built = connector(moto_reset)
    denied = json_reply({"__type": "AccessDeniedException", "Message": "denied"}, 400)
    built.session.events.register("before-send.transfer.DescribeServer", lambda **_: denied)
    # when the FTP check runs
    outcomes = run(built.collect({"transfer"}), FTP_CHECK)
    # then the two servers read are errors naming the refusal, and the region says the third was not read
    assert [o.status for o in outcomes] == [ERROR, ERROR, ERROR]
    assert all("DescribeServer failed with AccessDeniedException" in o.reason for o in outcomes[:2])
    assert (outcomes[2].resource_id, outcomes[2].reason) == (
        ACCOUNT,
        f"{REGION} holds more than 2 servers; only the first 2 were read and judged",
    )


def _bus_policy(bus: str, principal: Any, condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {
        "Sid": "put",
        "Effect": "Allow",
        "Principal": principal,
        "Action": "events:PutEvents",
        "Resource": f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{bus}",
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_event_bus_policies_fail_only_when_anyone_may_put_events(moto_reset: str) -> None:
    # given the default bus without a policy, a bus open to anyone, one open to an organization's accounts only, and
    # one open to a named account
    events = aws(moto_reset, "events")
    for name in ("partners", "org-events", "audit", "webhooks"):
        events.create_event_bus(Name=name)
    events.put_permission(EventBusName="partners", Policy=_bus_policy("partners", "*"))
    org_only = {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}
    events.put_permission(EventBusName="org-events", Policy=_bus_policy("org-events", "*", org_only))
    events.put_permission(EventBusName="audit", Action="events:PutEvents", Principal="111111111111", StatementId="a")
    # and one opened to everyone with PutPermission's Principal "*" (which moto writes as every account's root)
    events.put_permission(EventBusName="webhooks", Action="events:PutEvents", Principal="*", StatementId="b")
    # when the bus policy check runs
    outcomes = {o.resource_id.rsplit("/", 1)[1]: o for o in scan(moto_reset, BUS_CHECK)}
    # then only the buses open to anyone fail
    assert {name: o.status for name, o in outcomes.items()} == {
        "default": PASS,
        "partners": FAIL,
        "org-events": PASS,
        "audit": PASS,
        "webhooks": FAIL,
    }
    assert outcomes["partners"].reason == "Event bus partners lets anyone put events (events:PutEvents)"
    assert outcomes["org-events"].reason == "Event bus org-events lets only named or conditioned principals put events"
    assert outcomes["default"].reason == "Event bus default has no resource policy: only its own account can put events"


def test_platform_services_are_judged_in_their_own_region(moto_reset: str) -> None:
    # given an FTP server and a GraphQL API on an API key in the other region only
    ftp = aws(moto_reset, "transfer", OTHER_REGION).create_server(Protocols=["FTP"], EndpointType="VPC")
    api = aws(moto_reset, "appsync", OTHER_REGION).create_graphql_api(name="west", authenticationType="API_KEY")
    # when their checks run over both regions
    regions = [REGION, OTHER_REGION]
    server = only(scan(moto_reset, FTP_CHECK, regions=regions))
    graphql = only(scan(moto_reset, APPSYNC_CHECKS[1], regions=regions))
    # then each is judged once, in its region
    assert (server.resource_id.rsplit("/", 1)[1], server.region, server.status) == (ftp["ServerId"], OTHER_REGION, FAIL)
    assert (graphql.resource_id, graphql.region, graphql.status) == (api["graphqlApi"]["arn"], OTHER_REGION, FAIL)
