"""SQS, SNS and Secrets Manager checks against moto."""

from __future__ import annotations

import contextlib
import json

from botocore.exceptions import ClientError

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import ACCOUNT, REGION, aws, connector, json_reply, run, scan, statuses

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR


def _anyone(resource: str, action: str, condition: dict | None = None) -> str:
    statement: dict = {"Effect": "Allow", "Principal": "*", "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _queue(endpoint: str, name: str, **attributes: str) -> str:
    sqs = aws(endpoint, "sqs")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])


def test_sqs_queues_encrypted(moto_reset: str) -> None:
    # given a queue with a KMS key, one with SQS-managed encryption, and one with encryption turned off
    kms_queue = _queue(moto_reset, "kms", KmsMasterKeyId="alias/aws/sqs")
    managed = _queue(moto_reset, "managed", SqsManagedSseEnabled="true")
    plain = _queue(moto_reset, "plain", SqsManagedSseEnabled="false")
    # when the check runs
    outcomes = scan(moto_reset, "aws.sqs.queue_encrypted")
    # then only the unencrypted queue fails
    assert statuses(outcomes) == {kms_queue: PASS, managed: PASS, plain: FAIL}


def _deny_http(resource: str, action: str = "sqs:*", secure_transport: str = "false") -> dict:
    return {
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": resource,
        "Condition": {"Bool": {"aws:SecureTransport": secure_transport}},
    }


def test_sqs_queue_policies_deny_plain_http(moto_reset: str) -> None:
    # given a queue whose policy denies sqs:* without TLS beside a grant, one denying only SendMessage, one whose
    # condition is inverted (denies TLS requests), and one without a policy
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}"
    grant = {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sqs:SendMessage", "Resource": f"{arn}:tls"}

    def policy(*statements: dict) -> str:
        return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})

    tls = _queue(moto_reset, "tls", Policy=policy(grant, _deny_http(f"{arn}:tls")))
    narrow = _queue(moto_reset, "narrow", Policy=policy(_deny_http(f"{arn}:narrow", "sqs:SendMessage")))
    inverted = _queue(moto_reset, "inverted", Policy=policy(_deny_http(f"{arn}:inverted", secure_transport="true")))
    bare = _queue(moto_reset, "bare")
    # when the check runs
    outcomes = scan(moto_reset, "aws.sqs.queue_deny_http")
    # then only the queue refusing every action over plain HTTP passes
    assert statuses(outcomes) == {tls: PASS, narrow: FAIL, inverted: FAIL, bare: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[tls] == f"Queue {tls}'s policy denies requests without TLS"
    assert reasons[bare] == f"Queue {bare} has no queue policy, so plain HTTP requests are allowed"


def test_sqs_queue_policies_not_public(moto_reset: str) -> None:
    # given a queue anyone may send to, one open to "*" only for one SNS topic, and one without a policy
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}"
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:events"
    opened = _queue(moto_reset, "opened", Policy=_anyone(f"{arn}:opened", "sqs:SendMessage"))
    condition = {"ArnEquals": {"aws:SourceArn": topic}}
    fed = _queue(moto_reset, "fed", Policy=_anyone(f"{arn}:fed", "sqs:SendMessage", condition))
    private = _queue(moto_reset, "private")
    # when the check runs
    outcomes = scan(moto_reset, "aws.sqs.queue_policy_not_public")
    # then only the queue anyone may use fails
    assert statuses(outcomes) == {opened: FAIL, fed: PASS, private: PASS}


def test_sns_topics_encrypted(moto_reset: str) -> None:
    # given a topic with a KMS key and one without
    sns = aws(moto_reset, "sns")
    sealed = sns.create_topic(Name="sealed", Attributes={"KmsMasterKeyId": "alias/aws/sns"})["TopicArn"]
    plain = sns.create_topic(Name="plain")["TopicArn"]
    # when the check runs
    outcomes = scan(moto_reset, "aws.sns.topic_encrypted")
    # then the topic without a key fails
    assert statuses(outcomes) == {sealed: PASS, plain: FAIL}


def test_sns_topic_policies_not_public(moto_reset: str) -> None:
    # given a topic with SNS's default policy ("*" limited by aws:SourceOwner) and one anyone may publish to
    sns = aws(moto_reset, "sns")
    default = sns.create_topic(Name="default")["TopicArn"]
    opened = sns.create_topic(Name="opened")["TopicArn"]
    sns.set_topic_attributes(TopicArn=opened, AttributeName="Policy", AttributeValue=_anyone(opened, "SNS:Publish"))
    # when the check runs
    outcomes = scan(moto_reset, "aws.sns.topic_policy_not_public")
    # then the default policy passes and the open one fails
    assert statuses(outcomes) == {default: PASS, opened: FAIL}


def test_secrets_rotation_enabled(moto_reset: str) -> None:
    # given a secret with rotation configured and one without
    secrets = aws(moto_reset, "secretsmanager")
    rotated = secrets.create_secret(Name="rotated", SecretString="s3cr3t")["ARN"]
    # moto records the rotation settings, then fails to invoke the (absent) rotation function
    with contextlib.suppress(ClientError):
        secrets.rotate_secret(
            SecretId="rotated",
            RotationLambdaARN=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:rotate",
            RotationRules={"AutomaticallyAfterDays": 30},
        )
    static = secrets.create_secret(Name="static", SecretString="s3cr3t")["ARN"]
    # when the check runs
    outcomes = scan(moto_reset, "aws.secretsmanager.rotation_enabled")
    # then only the rotated secret passes
    assert statuses(outcomes) == {rotated: PASS, static: FAIL}
    assert {o.resource_id: o.reason for o in outcomes}[rotated] == "Secret rotated rotates automatically every 30 days"


def test_secrets_used_recently(moto_reset: str) -> None:
    # given a secret just created in moto, and (moto cannot backdate secrets, so ListSecrets is answered
    # through a botocore hook) one read last year and one created two years ago and never read
    fresh = aws(moto_reset, "secretsmanager").create_secret(Name="fresh", SecretString="x")["ARN"]
    arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:"
    listing = {
        "SecretList": [
            {"ARN": f"{arn}read-a", "Name": "read", "CreatedDate": 1.6e9, "LastAccessedDate": 1.7e9},
            {"ARN": f"{arn}never-b", "Name": "never", "CreatedDate": 1.6e9},
        ]
    }
    built = connector(moto_reset)
    # when the check runs on moto's secret, then on the backdated listing
    fresh_outcomes = run(built.collect({"secretsmanager"}), "aws.secretsmanager.secret_used_recently")
    built.session.events.register("before-send.secrets-manager.ListSecrets", lambda **_: json_reply(listing))
    # (the backdated secrets are not moto's: their resource policies are answered too, as none)
    built.session.events.register("before-send.secrets-manager.GetResourcePolicy", lambda **_: json_reply({}))
    old_outcomes = run(built.collect({"secretsmanager"}), "aws.secretsmanager.secret_used_recently")
    # then the new secret passes and the two unused for 90 days fail
    assert statuses(fresh_outcomes) == {fresh: PASS}
    assert statuses(old_outcomes) == {f"{arn}read-a": FAIL, f"{arn}never-b": FAIL}


def test_secret_policies_not_public(moto_reset: str) -> None:
    # given a secret anyone may read, one the organisation may read, and one without a resource policy
    secrets = aws(moto_reset, "secretsmanager")
    arns = {name: secrets.create_secret(Name=name, SecretString="s3cr3t")["ARN"] for name in ("open", "org", "plain")}
    secrets.put_resource_policy(SecretId="open", ResourcePolicy=_anyone("*", "secretsmanager:GetSecretValue"))
    org_only = {"StringEquals": {"aws:PrincipalOrgID": "o-example1234"}}
    secrets.put_resource_policy(SecretId="org", ResourcePolicy=_anyone("*", "secretsmanager:GetSecretValue", org_only))
    # when the check runs
    outcomes = scan(moto_reset, "aws.secretsmanager.policy_not_public")
    # then only the open one fails
    assert statuses(outcomes) == {arns["open"]: FAIL, arns["org"]: PASS, arns["plain"]: PASS}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[arns["open"]] == "Secret open lets anyone secretsmanager:GetSecretValue"
    assert (
        reasons[arns["plain"]]
        == "Secret plain has no resource policy: only IAM policies of its own account grant access"
    )


def test_secret_policy_unreadable_is_an_error(moto_reset: str) -> None:
    # given a secret whose resource policy the scanner may not read
    guarded = aws(moto_reset, "secretsmanager").create_secret(Name="guarded", SecretString="s3cr3t")["ARN"]
    built = connector(moto_reset)
    denied = json_reply({"__type": "AccessDeniedException", "Message": "denied"}, 400)
    built.session.events.register("before-send.secrets-manager.GetResourcePolicy", lambda **_: denied)
    # when Secrets Manager is collected
    inv = built.collect({"secretsmanager"})
    # then the policy check is an error for it, and rotation is still judged
    assert inv.errors == {}
    assert statuses(run(inv, "aws.secretsmanager.policy_not_public")) == {guarded: ERROR}
    assert statuses(run(inv, "aws.secretsmanager.rotation_enabled")) == {guarded: FAIL}
