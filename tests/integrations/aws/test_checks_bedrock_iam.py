"""AWS Marketplace subscriptions in customer and inline policies, AmazonBedrockFullAccess, and the encryption of
Bedrock invocation log destinations, against moto."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from integrations.registry import OutcomeStatus
from tests.conftest_moto import _post
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    TRUST_POLICY,
    aws,
    connector,
    fake_response,
    only,
    query_error,
    run,
    scan,
    services_for,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
MARKETPLACE = "aws.iam.policy_no_wildcard_marketplace_subscribe"
BEDROCK_FULL = "aws.iam.no_bedrock_full_access"
SAGEMAKER_FULL = "aws.iam.no_sagemaker_full_access"
LOG_KEYS = "aws.bedrock.invocation_log_destinations_kms_encrypted"
BEDROCK_FULL_ACCESS = "arn:aws:iam::aws:policy/AmazonBedrockFullAccess"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/bedrock-logging"
SUBSCRIBE = "aws-marketplace:Subscribe"


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(action: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": "*", **extra}


@pytest.fixture
def buyer(moto_reset: str) -> str:
    """moto with a role named buyer to attach policies to."""
    aws(moto_reset, "iam").create_role(RoleName="buyer", AssumeRolePolicyDocument=TRUST_POLICY)
    return moto_reset


def _attached(endpoint: str, name: str, *statements: dict[str, Any]) -> str:
    iam = aws(endpoint, "iam")
    arn = str(iam.create_policy(PolicyName=name, PolicyDocument=_doc(*statements))["Policy"]["Arn"])
    iam.attach_role_policy(RoleName="buyer", PolicyArn=arn)
    return arn


def _denied_iam(endpoint: str, check_id: str) -> list[Any]:
    built = connector(endpoint)
    refused = query_error("AccessDenied", "not authorized to perform iam:GetAccountAuthorizationDetails", 403)
    built.session.events.register("before-send.iam.GetAccountAuthorizationDetails", lambda **_: refused)
    return run(built.collect(services_for([check_id])), check_id)


# --- AWS Marketplace subscriptions ----------------------------------------------------------------------------------


def test_marketplace_subscribe_on_every_resource_without_a_condition_fails(buyer: str) -> None:
    # given attached customer policies granting Subscribe outright, through aws-marketplace:*, *:* and a NotAction,
    # one granting it only for one product (a condition), one taking it back with a Deny, one with other Marketplace
    # actions only, an unattached one, and role inline policies granting Sub* and "*" on "*"
    iam = aws(buyer, "iam")
    direct = _attached(buyer, "Buy", _allow([SUBSCRIBE, "aws-marketplace:ViewSubscriptions"]))
    service = _attached(buyer, "MarketplaceAll", _allow("aws-marketplace:*"))
    every = _attached(buyer, "StarStar", _allow("*:*"))
    not_action = _attached(buyer, "AllButIam", {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    product = {"StringEquals": {"aws-marketplace:ProductId": ["prod-abc123"]}}
    conditioned = _attached(buyer, "BuyOneProduct", _allow(SUBSCRIBE, Condition=product))
    fenced = _attached(
        buyer, "Fenced", _allow("aws-marketplace:*"), {"Effect": "Deny", "Action": SUBSCRIBE, "Resource": "*"}
    )
    viewer = _attached(buyer, "Viewer", _allow(["aws-marketplace:ViewSubscriptions", "aws-marketplace:Unsubscribe"]))
    iam.create_policy(PolicyName="Spare", PolicyDocument=_doc(_allow(SUBSCRIBE)))
    iam.put_role_policy(RoleName="buyer", PolicyName="shop", PolicyDocument=_doc(_allow("AWS-Marketplace:Sub*")))
    iam.put_role_policy(RoleName="buyer", PolicyName="god", PolicyDocument=_doc(_allow("*")))
    # when the check runs
    outcomes = scan(buyer, MARKETPLACE)
    # then every unconditioned grant of Subscribe on "*" fails; the conditioned, taken back and narrower ones pass;
    # the unattached policy and the "*" on "*" one (the full-admin checks') get no outcome
    assert statuses(outcomes) == {
        direct: FAIL,
        service: FAIL,
        every: FAIL,
        not_action: FAIL,
        conditioned: PASS,
        fenced: PASS,
        viewer: PASS,
        "role/buyer/shop": FAIL,
    }
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[direct] == (
        "Policy Buy allows aws-marketplace:Subscribe on every resource without a condition "
        "(aws-marketplace:Subscribe): its holder may subscribe to any Marketplace product"
    )
    assert reasons[not_action] == (
        "Policy AllButIam allows aws-marketplace:Subscribe on every resource without a condition "
        "(NotAction iam:*): its holder may subscribe to any Marketplace product"
    )
    assert reasons[conditioned] == "Policy BuyOneProduct allows aws-marketplace:Subscribe only under a condition"
    assert reasons[viewer] == "Policy Viewer does not allow aws-marketplace:Subscribe on every resource"
    observed = {o.resource_id: o.observed for o in outcomes}
    assert observed["role/buyer/shop"] == {"granted_by": ["AWS-Marketplace:Sub*"], "conditioned": False}
    assert observed[conditioned] == {"granted_by": [], "conditioned": True}


def test_marketplace_check_is_an_error_when_iam_cannot_be_read(buyer: str) -> None:
    # given a policy granting Subscribe, and IAM refusing the scanner its authorization details
    _attached(buyer, "Buy", _allow(SUBSCRIBE))
    # when the check runs, then it gives one error, never a pass
    outcome = only(_denied_iam(buyer, MARKETPLACE))
    assert outcome.status == ERROR
    assert "AccessDenied" in outcome.reason


# --- AmazonBedrockFullAccess ----------------------------------------------------------------------------------------


def test_bedrock_full_access_must_be_attached_nowhere(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # given moto with the AWS-managed policies loaded and a role holding another of them
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    _post(f"{moto_reset}/moto-api/reset")
    iam = aws(moto_reset, "iam")
    iam.create_role(RoleName="chatbot", AssumeRolePolicyDocument=TRUST_POLICY)
    iam.attach_role_policy(RoleName="chatbot", PolicyArn="arn:aws:iam::aws:policy/AmazonBedrockReadOnly")
    # when the check runs
    before = only(scan(moto_reset, BEDROCK_FULL))
    # then the account passes
    assert (before.resource_id, before.status, before.observed["holders"]) == (ACCOUNT, PASS, [])
    assert before.reason == "AmazonBedrockFullAccess is attached to no user, group or role"
    # given a user and the role holding AmazonBedrockFullAccess
    iam.create_user(UserName="data-scientist")
    iam.attach_user_policy(UserName="data-scientist", PolicyArn=BEDROCK_FULL_ACCESS)
    iam.attach_role_policy(RoleName="chatbot", PolicyArn=BEDROCK_FULL_ACCESS)
    # when the check runs again, then it fails naming both
    after = only(scan(moto_reset, BEDROCK_FULL))
    assert (after.status, after.observed["holders"]) == (FAIL, ["user data-scientist", "role chatbot"])
    assert after.reason == "AmazonBedrockFullAccess is attached to user data-scientist, role chatbot"


def test_sagemaker_full_access_must_be_attached_nowhere(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # given moto with the AWS-managed policies loaded, a notebook execution role holding AmazonSageMakerFullAccess
    # and a group holding AmazonSageMakerReadOnly
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    _post(f"{moto_reset}/moto-api/reset")
    iam = aws(moto_reset, "iam")
    iam.create_role(RoleName="notebook-exec", AssumeRolePolicyDocument=TRUST_POLICY)
    iam.attach_role_policy(RoleName="notebook-exec", PolicyArn="arn:aws:iam::aws:policy/AmazonSageMakerFullAccess")
    iam.create_group(GroupName="analysts")
    iam.attach_group_policy(GroupName="analysts", PolicyArn="arn:aws:iam::aws:policy/AmazonSageMakerReadOnly")
    # when the check runs
    outcome = only(scan(moto_reset, SAGEMAKER_FULL))
    # then it fails naming the role only; Bedrock's check, on the same account, passes
    assert (outcome.resource_id, outcome.status, outcome.observed["holders"]) == (ACCOUNT, FAIL, ["role notebook-exec"])
    assert outcome.reason == "AmazonSageMakerFullAccess is attached to role notebook-exec"
    assert only(scan(moto_reset, BEDROCK_FULL)).status == PASS
    # given the role moved to a policy of its own, when the check runs again, then it passes
    iam.detach_role_policy(RoleName="notebook-exec", PolicyArn="arn:aws:iam::aws:policy/AmazonSageMakerFullAccess")
    assert only(scan(moto_reset, SAGEMAKER_FULL)).status == PASS


def test_bedrock_full_access_is_an_error_when_iam_cannot_be_read(moto_reset: str) -> None:
    # given IAM refusing the scanner its authorization details
    # when the check runs, then it gives one error, never a pass
    outcome = only(_denied_iam(moto_reset, BEDROCK_FULL))
    assert outcome.status == ERROR


# --- Bedrock invocation log destinations ----------------------------------------------------------------------------


def _log_to(endpoint: str, region: str = REGION, **config: Any) -> None:
    aws(endpoint, "bedrock", region).put_model_invocation_logging_configuration(loggingConfig=config)


def _group(endpoint: str, name: str, *, keyed: bool, region: str = REGION) -> str | None:
    key = str(aws(endpoint, "kms", region).create_key()["KeyMetadata"]["Arn"]) if keyed else None
    aws(endpoint, "logs", region).create_log_group(logGroupName=name, **({"kmsKeyId": key} if key else {}))
    return key


def _bucket(endpoint: str, name: str, algorithm: str | None) -> None:
    s3 = aws(endpoint, "s3")
    s3.create_bucket(Bucket=name)
    if algorithm:
        default = {"SSEAlgorithm": algorithm, **({"KMSMasterKeyID": "alias/logs"} if algorithm == "aws:kms" else {})}
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": default}]},
        )


def _cloudwatch(group: str, large_bucket: str | None = None) -> dict[str, Any]:
    config: dict[str, Any] = {"logGroupName": group, "roleArn": ROLE}
    if large_bucket:
        config["largeDataDeliveryS3Config"] = {"bucketName": large_bucket}
    return config


def test_invocation_logs_pass_when_every_destination_is_under_a_kms_key(moto_reset: str) -> None:
    # given invocation logging in one of two regions, to a KMS-keyed log group, an SSE-KMS bucket and an SSE-KMS
    # bucket for large records
    key = _group(moto_reset, "bedrock-invocations", keyed=True)
    _bucket(moto_reset, "bedrock-logs", "aws:kms")
    _bucket(moto_reset, "bedrock-large", "aws:kms")
    _log_to(
        moto_reset,
        cloudWatchConfig=_cloudwatch("bedrock-invocations", "bedrock-large"),
        s3Config={"bucketName": "bedrock-logs"},
    )
    # when the check runs over both regions
    outcome = only(scan(moto_reset, LOG_KEYS, [REGION, OTHER_REGION]))
    # then the logging region passes, and the other (no logging: the logging check's to judge) has no outcome
    assert (outcome.status, outcome.resource_id, outcome.region) == (PASS, ACCOUNT, REGION)
    assert outcome.reason == (
        f"Bedrock invocation logs in {REGION} are kept under KMS keys: log bucket bedrock-logs encrypts new objects "
        f"with SSE-KMS under KMS key alias/logs; log group bedrock-invocations is encrypted with KMS key {key}; "
        "large-data bucket bedrock-large encrypts new objects with SSE-KMS under KMS key alias/logs"
    )
    assert outcome.observed["destinations"] == [
        {"kind": "s3", "name": "bedrock-logs", "encrypted": True},
        {"kind": "logs", "name": "bedrock-invocations", "encrypted": True},
        {"kind": "s3", "name": "bedrock-large", "encrypted": True},
    ]


def test_invocation_logs_fail_when_a_destination_has_no_kms_key(moto_reset: str) -> None:
    # given logging to a log group without a KMS key and to an SSE-KMS bucket
    _group(moto_reset, "bedrock-invocations", keyed=False)
    _bucket(moto_reset, "bedrock-logs", "aws:kms")
    _log_to(moto_reset, cloudWatchConfig=_cloudwatch("bedrock-invocations"), s3Config={"bucketName": "bedrock-logs"})
    # when the check runs, then the region fails naming the log group
    outcome = only(scan(moto_reset, LOG_KEYS))
    assert outcome.status == FAIL
    assert outcome.reason == (
        f"Bedrock invocation logs in {REGION} are not all under a KMS key: log bucket bedrock-logs encrypts new "
        "objects with SSE-KMS under KMS key alias/logs; log group bedrock-invocations has no KMS key (only "
        "CloudWatch Logs' own encryption)"
    )


def test_invocation_logs_fail_in_a_bucket_under_s3_managed_keys(moto_reset: str) -> None:
    # given logging to a bucket encrypted with SSE-S3 only
    _bucket(moto_reset, "bedrock-logs", "AES256")
    _log_to(moto_reset, s3Config={"bucketName": "bedrock-logs"})
    # when the check runs, then the region fails naming the bucket's encryption
    outcome = only(scan(moto_reset, LOG_KEYS))
    assert outcome.status == FAIL
    assert "log bucket bedrock-logs encrypts new objects with SSE-S3 (AES256) only" in outcome.reason


def test_invocation_logs_are_an_error_when_a_destination_was_not_read(moto_reset: str) -> None:
    # given logging to a log group that does not exist and a bucket not among the account's (another account's)
    _log_to(
        moto_reset,
        cloudWatchConfig=_cloudwatch("missing-group"),
        s3Config={"bucketName": "central-logging-bucket"},
    )
    # when the check runs, then the region is an error naming both, never a pass
    outcome = only(scan(moto_reset, LOG_KEYS))
    assert outcome.status == ERROR
    assert outcome.reason == (
        f"Could not judge the encryption of Bedrock invocation logs in {REGION}: log S3 bucket "
        "central-logging-bucket is not among the account's buckets read (it may belong to another account); "
        f"log group missing-group does not exist in {REGION}"
    )


def test_invocation_logs_are_an_error_when_the_bucket_cannot_be_read(moto_reset: str) -> None:
    # given logging to a KMS-keyed log group and a bucket whose encryption settings S3 refuses to show
    _group(moto_reset, "bedrock-invocations", keyed=True)
    _bucket(moto_reset, "bedrock-logs", "aws:kms")
    _log_to(moto_reset, cloudWatchConfig=_cloudwatch("bedrock-invocations"), s3Config={"bucketName": "bedrock-logs"})
    built = connector(moto_reset)

    def refuse(**_: Any) -> AWSResponse:
        return fake_response(403, "<Error><Code>AccessDenied</Code><Message>denied</Message></Error>")

    built.session.events.register("before-send.s3.GetBucketEncryption", refuse)
    # when the check runs
    outcome = only(run(built.collect(services_for([LOG_KEYS])), LOG_KEYS))
    # then the region is an error saying why, not a pass on the log group alone
    assert outcome.status == ERROR
    assert "log S3 bucket bedrock-logs could not be read" in outcome.reason
    assert "AccessDenied" in outcome.reason
