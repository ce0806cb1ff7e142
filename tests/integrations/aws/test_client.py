"""The AWS connector itself: connection test, assume-role, retries, errors, collection shape."""

from __future__ import annotations

import fnmatch
import json
import logging
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.retries.bucket
import botocore.retries.standard
import pytest
from botocore.exceptions import ClientError
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.sts.models import sts_backends

from integrations.providers.aws import availability
from integrations.providers.aws import client as aws_client
from integrations.providers.aws.availability import offered
from integrations.providers.aws.client import (
    SUPPORTED_SERVICES,
    AwsConnectorError,
    build_connector,
    strip_account_host_prefix,
)
from integrations.providers.aws.collectors import iam as iam_collector
from integrations.providers.aws.loader import SHARED_LOADER
from integrations.providers.aws.permissions import BEYOND_SECURITY_AUDIT, REQUIRED_ACTIONS
from integrations.registry import OutcomeStatus
from tests.integrations.aws.seed_devtools import BUILD_ENVIRONMENT, DOCUMENT
from tests.integrations.aws.support import (
    ACCESS_KEY,
    ACCOUNT,
    OTHER_REGION,
    REGION,
    SECRET,
    answer,
    aws,
    aws_check_ids,
    connector,
    ec2_error,
    query_error,
    run,
    services_for,
)


@pytest.fixture
def moto_auth(moto_reset: str) -> Iterator[str]:
    """moto with request authentication on: unknown access keys are rejected."""
    _reset_auth(moto_reset, b"0")
    try:
        yield moto_reset
    finally:
        _reset_auth(moto_reset, b"inf")


def _reset_auth(endpoint: str, count: bytes) -> None:
    # moto reads the raw body, so it must not look like a form.
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth", data=count, method="POST", headers={"Content-Type": "text/plain"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def _secret_connector(endpoint: str, **config: Any) -> Any:
    return build_connector(
        config={"regions": [REGION], "endpoint_url": endpoint, **config},
        credentials={"access_key_id": ACCESS_KEY, "secret_access_key": SECRET, "session_token": "tok-" + SECRET},
    )


def _assert_no_secret(text: str) -> None:
    assert SECRET not in text
    assert ACCESS_KEY not in text


# --- building and connecting -------------------------------------------------------


def test_build_connector_reads_config_and_keeps_secrets_out_of_repr() -> None:
    # given a config with duplicate regions and full credentials
    config = {"regions": ["eu-west-1", "us-east-1", "eu-west-1"], "endpoint_url": None, "role_arn": None}
    # when the connector is built
    built = build_connector(config=config, credentials={"access_key_id": ACCESS_KEY, "secret_access_key": SECRET})
    # then regions are de-duplicated in order, the first serves global services, and repr hides the keys
    assert built.regions == ["eu-west-1", "us-east-1"]
    assert built.global_region == "eu-west-1"
    _assert_no_secret(repr(built))


def test_test_connection_succeeds_against_moto(moto_reset: str) -> None:
    # given a connector pointed at moto
    built = connector(moto_reset)
    # when the connection is tested
    ok, detail = built.test_connection()
    # then it reports the account it reached
    assert ok is True
    assert f"account {ACCOUNT}" in detail


def test_test_connection_reports_rejected_keys_without_leaking_them(
    moto_auth: str, caplog: pytest.LogCaptureFixture
) -> None:
    # given moto that authenticates requests, and keys it does not know
    caplog.set_level(logging.DEBUG, logger="integrations")
    built = _secret_connector(moto_auth)
    # when the connection is tested
    ok, detail = built.test_connection()
    # then it fails with a clear message that names the problem but not the secret
    assert ok is False
    assert "InvalidClientTokenId" in detail
    assert "rejected the access key" in detail
    _assert_no_secret(detail)
    for record in caplog.records:
        _assert_no_secret(record.getMessage())


def test_test_connection_reports_unreachable_endpoint(caplog: pytest.LogCaptureFixture) -> None:
    # given an endpoint where nothing listens
    caplog.set_level(logging.DEBUG, logger="integrations")
    built = _secret_connector("http://127.0.0.1:9")
    # when the connection is tested
    ok, detail = built.test_connection()
    # then it fails without raising, explaining the endpoint could not be reached
    assert ok is False
    assert "could not reach" in detail
    _assert_no_secret(detail)
    assert all(SECRET not in r.getMessage() for r in caplog.records)


def test_missing_credentials_never_fall_back_to_ambient_ones(moto_reset: str) -> None:
    # given moto and fake credentials in the environment, but none stored for the integration
    built = build_connector(config={"regions": [REGION], "endpoint_url": moto_reset}, credentials={})
    # when the connection is tested and a collection is attempted
    ok, detail = built.test_connection()
    inventory = built.collect({"iam"})
    # then both refuse to use the environment's credentials
    assert ok is False
    assert "no access key" in detail
    assert inventory.errors == {"iam": detail}


def test_assume_role_uses_the_external_id_and_the_role_credentials(moto_reset: str) -> None:
    # given a role in another account and an external id
    role_arn = "arn:aws:iam::111111111111:role/ComplyWiseAudit"
    built = connector(moto_reset, role_arn=role_arn, external_id="cw-ext-42")
    # when the connection is tested and an inventory collected
    ok, detail = built.test_connection()
    inventory = built.collect({"iam"})
    # then every call ran as the assumed role, which moto saw assumed with the external id
    assert ok is True
    assert "111111111111" in detail
    assert inventory.account_id == "111111111111"
    assert not inventory.errors
    assumed = sts_backends["111111111111"]["aws"].assumed_roles
    assert [(r.role_arn, r.external_id) for r in assumed] == [(role_arn, "cw-ext-42")]


def test_failed_assume_role_is_explained(moto_auth: str, caplog: pytest.LogCaptureFixture) -> None:
    # given keys moto rejects and a role to assume with them
    caplog.set_level(logging.DEBUG, logger="integrations")
    built = _secret_connector(moto_auth, role_arn="arn:aws:iam::111111111111:role/Audit", external_id="x-1")
    # when the connection is tested
    ok, detail = built.test_connection()
    # then the message says which role could not be assumed, without the secret
    assert ok is False
    assert "could not assume role arn:aws:iam::111111111111:role/Audit" in detail
    _assert_no_secret(detail)
    assert all(SECRET not in r.getMessage() for r in caplog.records)


# --- retries and errors --------------------------------------------------------------


def test_throttled_call_is_retried_and_succeeds(moto_reset: str) -> None:
    # given a connector whose first DescribeSecurityGroups call is throttled
    built = connector(moto_reset)
    throttle = answer([lambda: ec2_error("Throttling", "Rate exceeded"), lambda: None])
    built.session.events.register("before-send.ec2.DescribeSecurityGroups", throttle)
    # when EC2 is collected
    inventory = built.collect({"ec2"})
    # then the call was retried and the collection succeeded
    assert len(throttle.calls) == 2
    assert inventory.errors == {}
    assert inventory.data["ec2"]["regions"][REGION]["security_groups"]


def test_persistent_throttling_stops_after_the_configured_attempts(
    moto_reset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given every DescribeVolumes call throttled (and no back-off sleep nor rate-limiter wait, to keep the test fast)
    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    monkeypatch.setattr(botocore.retries.bucket.TokenBucket, "acquire", lambda self, amount=1, block=True: True)
    built = connector(moto_reset)
    throttle = answer([lambda: ec2_error("Throttling", "Rate exceeded")])
    built.session.events.register("before-send.ec2.DescribeVolumes", throttle)
    # when EC2 is collected
    inventory = built.collect({"ec2", "vpc"})
    # then the first try plus max_attempts retries were made, ec2 records the error and vpc is unaffected
    assert len(throttle.calls) == 1 + aws_client.RETRIES["max_attempts"]
    # with the adaptive mode, whose rate limiter slows the client while AWS throttles
    assert built.session.client("ec2", region_name=REGION, config=built._config()).meta.config.retries["mode"] == (
        "adaptive"
    )
    assert "Throttling" in inventory.errors["ec2"]
    assert "vpc" not in inventory.errors
    assert inventory.data["vpc"]["regions"][REGION]["vpcs"]


def test_denied_service_gives_error_outcomes_while_others_still_evaluate(
    moto_reset: str, caplog: pytest.LogCaptureFixture
) -> None:
    # given moto with an unencrypted EFS file system, and RDS answering AccessDenied
    caplog.set_level(logging.DEBUG, logger="integrations")
    aws(moto_reset, "efs").create_file_system(CreationToken="plain")
    built = _secret_connector(moto_reset)
    built.session.events.register(
        "before-send.rds", answer([lambda: query_error("AccessDenied", "not authorized", status=403)])
    )
    # when RDS and EFS are collected and their checks run
    inventory = built.collect({"rds", "efs"})
    rds_outcomes = run(inventory, "aws.rds.storage_encrypted")
    efs_outcomes = run(inventory, "aws.efs.encrypted")
    # then RDS checks report an error naming the cause, EFS still fails its resource
    assert [o.status for o in rds_outcomes] == [OutcomeStatus.ERROR]
    assert "AccessDenied" in rds_outcomes[0].reason
    assert [o.status for o in efs_outcomes] == [OutcomeStatus.FAIL]
    assert set(inventory.errors) == {"rds"}
    for record in caplog.records:
        _assert_no_secret(record.getMessage())


def test_service_moto_does_not_implement_is_recorded_as_an_error(
    moto_reset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given moto, which has no Access Analyzer and answers 500 (no back-off sleep between retries)
    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    built = connector(moto_reset)
    # when Access Analyzer and KMS are collected
    inventory = built.collect({"accessanalyzer", "kms"})
    # then Access Analyzer's check errors and KMS is collected normally
    assert set(inventory.errors) == {"accessanalyzer"}
    assert [o.status for o in run(inventory, "aws.accessanalyzer.enabled")] == [OutcomeStatus.ERROR]
    assert inventory.data["kms"]["regions"][REGION] == {"keys": []}


def test_unknown_service_is_an_error_not_a_crash(moto_reset: str) -> None:
    # given a request for a service the connector does not know
    built = connector(moto_reset)
    # when it is collected alongside a known one
    inventory = built.collect({"lightsail", "efs"})
    # then the unknown one is reported and the known one collected
    assert set(inventory.errors) == {"lightsail"}
    assert "efs" in inventory.data


def test_credential_report_is_fetched_once_generation_finishes() -> None:
    # given an IAM client whose report is in progress for the first fetch
    class SlowReport:
        fetches = 0

        def generate_credential_report(self) -> dict[str, str]:
            return {"State": "STARTED"}

        def get_credential_report(self) -> dict[str, Any]:
            SlowReport.fetches += 1
            if SlowReport.fetches == 1:
                raise ClientError({"Error": {"Code": "ReportInProgress", "Message": "wait"}}, "GetCredentialReport")
            return {"Content": b"user,arn,password_enabled\nann,arn:aws:iam::1:user/ann,true\n"}

    # when the report is requested
    rows = iam_collector.credential_report(SlowReport(), attempts=5, first_pause=0)  # type: ignore[arg-type]
    # then the second fetch returned it, with booleans parsed
    assert SlowReport.fetches == 2
    assert rows == [{"user": "ann", "arn": "arn:aws:iam::1:user/ann", "password_enabled": True}]


def test_credential_report_polling_is_bounded() -> None:
    # given an IAM client whose credential report stays in progress
    class NeverReady:
        fetches = 0

        def generate_credential_report(self) -> dict[str, str]:
            return {"State": "STARTED"}

        def get_credential_report(self) -> dict[str, Any]:
            NeverReady.fetches += 1
            raise ClientError({"Error": {"Code": "ReportInProgress", "Message": "wait"}}, "GetCredentialReport")

    # when the report is requested with three attempts
    with pytest.raises(AwsConnectorError, match="not ready after 3 attempts"):
        iam_collector.credential_report(NeverReady(), attempts=3, first_pause=0)  # type: ignore[arg-type]
    # then it gave up after three fetches
    assert NeverReady.fetches == 3


# --- collection shape ------------------------------------------------------------------


def test_each_service_is_collected_once_per_region(moto_reset: str) -> None:
    # given a connector over two regions that counts API calls
    built = connector(moto_reset, [REGION, OTHER_REGION])
    calls: list[str] = []
    built.session.events.register("before-call.*.*", lambda event_name, **_: calls.append(event_name))
    # when all services of every check are collected (Access Analyzer left to its own test)
    inventory = built.collect(services_for(aws_check_ids()) - {"accessanalyzer"})
    # then regional listings ran once per region and global ones once
    assert inventory.errors == {}
    assert calls.count("before-call.ec2.DescribeSecurityGroups") == 2
    assert calls.count("before-call.ec2.DescribeVpcs") == 2
    assert calls.count("before-call.cloudtrail.DescribeTrails") == 2
    assert calls.count("before-call.redshift.DescribeClusters") == 2
    assert calls.count("before-call.cloudwatch-logs.DescribeLogGroups") == 2
    assert calls.count("before-call.api-gateway.GetRestApis") == 2
    assert calls.count("before-call.opensearch.ListDomainNames") == 2
    assert calls.count("before-call.sagemaker.ListNotebookInstances") == 2
    assert calls.count("before-call.emr.ListClusters") == 2
    assert calls.count("before-call.ecs.ListTaskDefinitionFamilies") == 2
    assert calls.count("before-call.elasticache.DescribeReplicationGroups") == 2
    assert calls.count("before-call.kinesis.ListStreams") == 2
    assert calls.count("before-call.mq.ListBrokers") == 2
    assert calls.count("before-call.neptune.DescribeDBClusters") == 2
    assert calls.count("before-call.docdb.DescribeDBClusters") == 2
    assert calls.count("before-call.rds.DescribeDBClusters") == 2
    assert calls.count("before-call.database-migration-service.DescribeReplicationInstances") == 2
    assert calls.count("before-call.sfn.ListStateMachines") == 2
    # WAF's regional web ACLs in each region, CloudFront's in us-east-1 alone
    assert calls.count("before-call.wafv2.ListWebACLs") == 3
    assert calls.count("before-call.apigatewayv2.GetApis") == 2
    assert calls.count("before-call.auto-scaling.DescribeAutoScalingGroups") == 2
    # once per region for every template's default and latest versions (IMDSv2 and user data both read from it)
    assert calls.count("before-call.ec2.DescribeLaunchTemplateVersions") == 2
    assert calls.count("before-call.kafka.ListClustersV2") == 2
    assert calls.count("before-call.appsync.ListGraphqlApis") == 2
    assert calls.count("before-call.transfer.ListServers") == 2
    assert calls.count("before-call.eventbridge.ListEventBuses") == 2
    assert calls.count("before-call.codebuild.ListProjects") == 2
    assert calls.count("before-call.ssm.ListDocuments") == 2
    assert calls.count("before-call.glue.GetDataCatalogEncryptionSettings") == 2
    assert calls.count("before-call.route-53.ListHostedZones") == 1
    assert calls.count("before-call.ec2.DescribeImages") == 2
    assert calls.count("before-call.ec2.DescribeSubnets") == 2
    assert calls.count("before-call.ec2.DescribeTransitGateways") == 2
    # S3 access points, EFS access points and DAX clusters are regional listings
    assert calls.count("before-call.s3-control.ListAccessPoints") == 2
    assert calls.count("before-call.efs.DescribeAccessPoints") == 2
    assert calls.count("before-call.dax.DescribeClusters") == 2
    # DescribeInstances by the ec2 and instance_user_data collectors, each once per region
    assert calls.count("before-call.ec2.DescribeInstances") == 4
    assert calls.count("before-call.iam.GetAccountAuthorizationDetails") == 1
    assert calls.count("before-call.s3.ListBuckets") == 1
    assert calls.count("before-call.sts.GetCallerIdentity") == 1
    # and the inventory is plain JSON with regions tagged on regional resources
    json.dumps(inventory.data)
    assert set(inventory.data["ec2"]["regions"]) == {REGION, OTHER_REGION}
    for region, data in inventory.data["ec2"]["regions"].items():
        assert {g["region"] for g in data["security_groups"]} == {region}


# IAM action names for the API operations whose names differ from them.
_ACTION_FOR_OPERATION = {
    "s3:ListBuckets": "s3:ListAllMyBuckets",
    "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "s3-control:GetPublicAccessBlock": "s3:GetAccountPublicAccessBlock",
    "s3-control:ListAccessPoints": "s3:ListAccessPoints",
    "s3-control:GetAccessPoint": "s3:GetAccessPoint",
    "s3-control:ListMultiRegionAccessPoints": "s3:ListMultiRegionAccessPoints",
    "s3:GetBucketReplication": "s3:GetReplicationConfiguration",
    "s3:GetObjectLockConfiguration": "s3:GetBucketObjectLockConfiguration",
    "s3:GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
    "s3:GetBucketNotificationConfiguration": "s3:GetBucketNotification",
    "s3:HeadBucket": "s3:ListBucket",
    # API Gateway's IAM actions are the HTTP methods of its management API.
    "api-gateway:GetRestApis": "apigateway:GET",
    "api-gateway:GetStages": "apigateway:GET",
    "api-gateway:GetResources": "apigateway:GET",
    "api-gateway:GetDomainNames": "apigateway:GET",
    "apigatewayv2:GetApis": "apigateway:GET",
    "apigatewayv2:GetStages": "apigateway:GET",
    "apigatewayv2:GetRoutes": "apigateway:GET",
}
_PREFIX_FOR_SERVICE = {
    "efs": "elasticfilesystem",
    "accessanalyzer": "access-analyzer",
    "cloudwatch-logs": "logs",
    "config-service": "config",
    "elastic-load-balancing": "elasticloadbalancing",
    "elastic-load-balancing-v2": "elasticloadbalancing",
    "secrets-manager": "secretsmanager",
    "opensearch": "es",
    "emr": "elasticmapreduce",
    # Neptune's and DocumentDB's management API is RDS's, and so are their IAM actions.
    "neptune": "rds",
    "docdb": "rds",
    "database-migration-service": "dms",
    "directory-service": "ds",
    "cognito-identity-provider": "cognito-idp",
    "elastic-beanstalk": "elasticbeanstalk",
    "sfn": "states",
    "route-53": "route53",
    "route-53-domains": "route53domains",
    # SES v2's API is authorised by the ses actions.
    "sesv2": "ses",
    "auto-scaling": "autoscaling",
    "eventbridge": "events",
    "direct-connect": "directconnect",
    "application-auto-scaling": "application-autoscaling",
    # Bedrock Agents' API (bedrock-agent) is authorised by bedrock actions.
    "bedrock-agent": "bedrock",
}


def test_required_actions_cover_every_call_and_are_granted_by_security_audit(moto_reset: str) -> None:
    # given a full two-region collection with every API call recorded
    built = connector(moto_reset, [REGION, OTHER_REGION])
    aws(moto_reset, "cloudtrail").create_trail(Name="main", S3BucketName=_bucket(moto_reset, "trail-logs"))
    aws(moto_reset, "kms").create_key()
    aws(moto_reset, "guardduty").create_detector(Enable=True)
    # a Redshift cluster, so its per-cluster logging status is read too
    aws(moto_reset, "redshift").create_cluster(
        ClusterIdentifier="warehouse",
        NodeType="ra3.xlplus",
        ClusterType="single-node",
        MasterUsername="warehouse",
        MasterUserPassword="A-long-password-1",
    )
    # a REST API with a stage and an OpenSearch domain, so their stages and the domain are read too
    apigateway = aws(moto_reset, "apigateway")
    api = apigateway.create_rest_api(name="orders")["id"]
    root = apigateway.get_resources(restApiId=api)["items"][0]["id"]
    apigateway.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigateway.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
    apigateway.create_deployment(restApiId=api, stageName="prod")
    aws(moto_reset, "opensearch").create_domain(DomainName="search")
    # a notebook instance and an EMR cluster with a security configuration, so each is described too
    aws(moto_reset, "sagemaker").create_notebook_instance(
        NotebookInstanceName="research", InstanceType="ml.t3.medium", RoleArn=f"arn:aws:iam::{ACCOUNT}:role/notebooks"
    )
    emr = aws(moto_reset, "emr")
    emr.create_security_configuration(Name="encrypted", SecurityConfiguration='{"EncryptionConfiguration": {}}')
    emr.run_job_flow(
        Name="etl",
        ReleaseLabel="emr-7.1.0",
        Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
        JobFlowRole="EMR_EC2_DefaultRole",
        ServiceRole="EMR_DefaultRole",
        SecurityConfiguration="encrypted",
    )
    # a task definition, a stream and a broker, so each is described too
    aws(moto_reset, "mq").create_broker(
        BrokerName="jobs",
        EngineType="RABBITMQ",
        EngineVersion="3.13",
        HostInstanceType="mq.t3.micro",
        DeploymentMode="SINGLE_INSTANCE",
        PubliclyAccessible=False,
        Users=[{"Username": "admin", "Password": "a-long-password-1"}],
    )
    aws(moto_reset, "kinesis").create_stream(StreamName="events", ShardCount=1)
    aws(moto_reset, "ecs").register_task_definition(
        family="web", containerDefinitions=[{"name": "app", "image": "nginx", "memory": 128}]
    )
    # a Neptune cluster, a DMS instance and endpoint, a state machine, a web ACL and an HTTP API with a stage, so each
    # is read or described too
    aws(moto_reset, "neptune").create_db_cluster(DBClusterIdentifier="graph", Engine="neptune")
    dms = aws(moto_reset, "dms")
    dms.create_replication_instance(ReplicationInstanceIdentifier="migrate", ReplicationInstanceClass="dms.t3.medium")
    dms.create_endpoint(EndpointIdentifier="source", EndpointType="source", EngineName="s3")
    aws(moto_reset, "stepfunctions").create_state_machine(
        name="orders",
        definition='{"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": true}}}',
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/workflows",
    )
    visibility = {"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled": False, "MetricName": "waf"}
    aws(moto_reset, "wafv2").create_web_acl(
        Name="edge", Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=visibility
    )
    http_api = aws(moto_reset, "apigatewayv2").create_api(Name="orders", ProtocolType="HTTP")["ApiId"]
    aws(moto_reset, "apigatewayv2").create_stage(ApiId=http_api, StageName="prod")
    # an MSK cluster on a key of the account's, so the key is described too, and a Transfer Family server
    msk_key = aws(moto_reset, "kms").create_key()["KeyMetadata"]["Arn"]
    aws(moto_reset, "kafka").create_cluster(
        ClusterName="events",
        KafkaVersion="3.6.0",
        NumberOfBrokerNodes=2,
        BrokerNodeGroupInfo={"InstanceType": "kafka.m5.large", "ClientSubnets": ["subnet-0a", "subnet-0b"]},
        EncryptionInfo={"EncryptionAtRest": {"DataVolumeKMSKeyId": msk_key}},
    )
    aws(moto_reset, "transfer").create_server(Protocols=["SFTP"])
    # a CodeBuild project, a document, a Glue job with a security configuration and a hosted zone, so each is
    # described or looked up too
    aws(moto_reset, "codebuild").create_project(
        name="web",
        source={"type": "S3", "location": "build-sources/web.zip"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment=BUILD_ENVIRONMENT,
        serviceRole=f"arn:aws:iam::{ACCOUNT}:role/builds",
    )
    aws(moto_reset, "ssm").create_document(Content=DOCUMENT, Name="restart-web", DocumentType="Command")
    glue = aws(moto_reset, "glue")
    glue.create_security_configuration(Name="etl", EncryptionConfiguration={})
    glue.create_job(
        Name="nightly",
        Role="etl",
        Command={"Name": "glueetl", "ScriptLocation": "s3://etl/n.py"},
        SecurityConfiguration="etl",
    )
    aws(moto_reset, "route53").create_hosted_zone(Name="example.com", CallerReference="example")
    # an instance and a snapshot the account owns, so the instance's user data and the snapshot's sharing are read too
    ec2 = aws(moto_reset, "ec2")
    ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)
    ec2.create_snapshot(VolumeId=ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8)["VolumeId"])
    # an organization, so the organization's own reads (its resource policy included) are made too
    aws(moto_reset, "organizations").create_organization(FeatureSet="ALL")
    # a console user with a virtual MFA device, so the user's MFA devices are listed too
    iam = aws(moto_reset, "iam")
    iam.create_user(UserName="console")
    iam.create_login_profile(UserName="console", Password="Correct-Horse-Battery-1")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="console")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(
        UserName="console", SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
    )
    # an S3 access point, an EFS file system and a secret, so the access point and the two policies are read too
    aws(moto_reset, "s3control").create_access_point(AccountId=ACCOUNT, Name="shared", Bucket="trail-logs")
    aws(moto_reset, "efs").create_file_system(CreationToken="shared")
    aws(moto_reset, "secretsmanager").create_secret(Name="db-password", SecretString="s3cr3t")
    calls: set[str] = set()

    def record(event_name: str, **_: Any) -> None:
        _, service, operation = event_name.split(".")
        name = f"{service}:{operation}"
        name = _ACTION_FOR_OPERATION.get(name, name)
        prefix, _, action = name.partition(":")
        calls.add(f"{_PREFIX_FOR_SERVICE.get(prefix, prefix)}:{action}")

    built.session.events.register("before-call.*.*", record)
    built.collect(services_for(aws_check_ids()) - {"accessanalyzer"})
    # then every call made is documented (GetCallerIdentity needs no permission) ...
    assert calls - {"sts:GetCallerIdentity"} <= set(REQUIRED_ACTIONS) - {"access-analyzer:ListAnalyzers"}
    # ... and SecurityAudit, as published by AWS (moto ships a copy), grants every documented action but the few
    # listed apart (which the README's permission section names)
    document = json.loads(aws_managed_policies_data)["SecurityAudit"]["Document"]
    granted = [
        a for s in document["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    ]
    missing = [a for a in REQUIRED_ACTIONS if not any(fnmatch.fnmatchcase(a.lower(), g.lower()) for g in granted)]
    assert missing == list(BEYOND_SECURITY_AUDIT)
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    assert all(f"`{action}`" in readme for action in BEYOND_SECURITY_AUDIT)
    assert all(
        re.fullmatch(r"[a-z0-9-]+:(List|Get|Describe|Generate|BatchGet)[A-Za-z0-9]+|apigateway:GET", a)
        for a in REQUIRED_ACTIONS
    )


def test_supported_services_match_what_checks_require() -> None:
    # given every registered AWS check
    # when their required services are gathered
    needed = services_for(aws_check_ids())
    # then the connector collects exactly those services
    assert needed == set(SUPPORTED_SERVICES)


def test_s3_control_host_prefix_is_dropped_only_for_an_account_prefix() -> None:
    # given S3 Control URLs with and without the account-id host prefix
    prefixed = {"url": "http://123456789012.127.0.0.1:5000/v20180820/configuration/publicAccessBlock"}
    bare = {"url": "http://127.0.0.1:5000/v20180820/configuration/publicAccessBlock"}
    # when the hook runs on both
    strip_account_host_prefix(prefixed)
    strip_account_host_prefix(bare)
    # then only the account prefix is removed
    assert prefixed["url"] == bare["url"] == "http://127.0.0.1:5000/v20180820/configuration/publicAccessBlock"


def _bucket(endpoint: str, name: str) -> str:
    aws(endpoint, "s3").create_bucket(Bucket=name)
    return name


@pytest.mark.parametrize(
    "body",
    [
        b"<Whatever><Hello/></Whatever>",
        # the right wrapper, but no account in it
        b"<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>x</Arn></GetCallerIdentityResult>"
        b"</GetCallerIdentityResponse>",
    ],
)
def test_an_endpoint_that_answers_200_but_not_like_aws_is_explained_not_raised(httpserver, body: bytes) -> None:
    # given an HTTP server that answers every call with 200 and XML that is not AWS's
    httpserver.expect_request("/").respond_with_data(body, status=200, content_type="text/xml")
    built = _secret_connector(httpserver.url_for("/").rstrip("/"))
    # when the connection is tested and a collection starts
    ok, detail = built.test_connection()
    inventory = built.collect({"iam", "ec2"})
    # then both say the endpoint did not answer like AWS, and nothing raised
    assert ok is False and "did not answer like AWS" in detail
    assert set(inventory.errors) == {"iam", "ec2"}
    assert all("did not answer like AWS" in message for message in inventory.errors.values())
    _assert_no_secret(detail)


def test_sessions_do_not_grow_the_shared_loader(moto_reset: str) -> None:
    # given a connector built once (one session)
    _secret_connector(moto_reset).test_connection()
    before = list(SHARED_LOADER.search_paths)
    # when many more sessions are made, as every scan and connection test does
    for _ in range(5):
        _secret_connector(moto_reset).test_connection()
    # then the loader's search path is the same list, each folder once
    assert SHARED_LOADER.search_paths == before
    assert len(before) == len(set(before))


def test_region_lookups_parse_models_through_the_clients_loader(moto_reset: str) -> None:
    # given a connection test (its clients' sessions) and a region lookup for a service
    _secret_connector(moto_reset).test_connection()
    assert offered("memorydb", "us-east-1")
    # then both read botocore's files through the one loader: each model is parsed once per process
    assert aws_client.SHARED_LOADER is SHARED_LOADER
    assert availability._SESSION.get_component("data_loader") is SHARED_LOADER
    cached = [args for (name, *args) in SHARED_LOADER._cache if name == "load_service_model"]
    assert ("memorydb", "service-2") in [tuple(args[:2]) for args in cached]
