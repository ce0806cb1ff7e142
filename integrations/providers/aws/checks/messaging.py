"""Messaging and secrets checks: SQS and SNS encryption and policies, Secrets Manager rotation, use and policies."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_storage import Queue, SecretsManagerRegion, Topic
from ._common import aws_check, error, items, parse_time, regions, result, scan_time
from ._policies import plain_http_verdict, public_actions

QUEUE = "AWS::SQS::Queue"
TOPIC = "AWS::SNS::Topic"
SECRET = "AWS::SecretsManager::Secret"
UNUSED_SECRET_DAYS = 90


def _queues(inventory: Inventory) -> Iterator[Queue]:
    return items(inventory, "sqs", "queues")


def _topics(inventory: Inventory) -> Iterator[Topic]:
    return items(inventory, "sns", "topics")


def _secret_regions(inventory: Inventory) -> Iterator[tuple[str, SecretsManagerRegion]]:
    return regions(inventory, "secretsmanager")


@aws_check(
    id="aws.sqs.queue_encrypted",
    title="SQS queues encrypt messages at rest",
    severity=Severity.MEDIUM,
    service="sqs",
    resource_type=QUEUE,
    rationale="Server-side encryption keeps queued messages, which often carry personal or business data, "
    "encrypted on AWS's storage.",
    remediation="Turn on SSE-SQS or SSE-KMS for the queue.",
)
def queue_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    for queue in _queues(inventory):
        qid = str(queue.get("arn") or queue.get("url"))
        key = queue.get("kms_key_id")
        managed = bool(queue.get("sqs_managed_sse"))
        if key:
            ok, reason = True, f"Queue {qid} is encrypted with KMS key {key}"
        elif managed:
            ok, reason = True, f"Queue {qid} is encrypted with SQS-managed keys"
        else:
            ok, reason = False, f"Queue {qid} is not encrypted at rest"
        yield result(ok, qid, QUEUE, reason, region=str(queue.get("region", "")), kms_key_id=key, sqs_managed=managed)


@aws_check(
    id="aws.sqs.queue_policy_not_public",
    title="SQS queue policies do not grant access to everyone",
    severity=Severity.HIGH,
    service="sqs",
    resource_type=QUEUE,
    rationale='A queue policy allowing Principal "*" without an account or source condition lets anyone '
    "read, inject or delete messages.",
    remediation="Name the principals in the policy, or add an aws:SourceArn, aws:SourceAccount or "
    "aws:PrincipalOrgID condition.",
)
def queue_policy_not_public(inventory: Inventory) -> Iterable[Outcome]:
    for queue in _queues(inventory):
        qid = str(queue.get("arn") or queue.get("url"))
        actions = public_actions(queue.get("policy"))
        reason = f"Queue {qid} lets anyone {', '.join(actions)}" if actions else f"Queue {qid} is not public"
        yield result(not actions, qid, QUEUE, reason, region=str(queue.get("region", "")), public_actions=actions)


@aws_check(
    id="aws.sqs.queue_deny_http",
    title="SQS queue policies deny requests over plain HTTP",
    severity=Severity.MEDIUM,
    service="sqs",
    resource_type=QUEUE,
    rationale="SQS still answers on plain HTTP endpoints, where messages, receipt handles and the request's signed "
    "headers cross the network unencrypted; only the queue policy can refuse such requests for every caller, "
    "whatever endpoint their SDK or script was given.",
    remediation='Add a queue policy statement with Effect Deny, Principal "*", Action sqs:* and the condition '
    '{"Bool": {"aws:SecureTransport": "false"}} (SetQueueAttributes, Policy).',
)
def queue_deny_http(inventory: Inventory) -> Iterable[Outcome]:
    for queue in _queues(inventory):
        qid = str(queue.get("arn") or queue.get("url"))
        policy = queue.get("policy")
        ok, reason = plain_http_verdict(policy, "sqs", f"Queue {qid}", "queue")
        yield result(ok, qid, QUEUE, reason, region=str(queue.get("region", "")), has_policy=bool(policy))


@aws_check(
    id="aws.sns.topic_encrypted",
    title="SNS topics encrypt messages at rest",
    severity=Severity.MEDIUM,
    service="sns",
    resource_type=TOPIC,
    rationale="Server-side encryption with a KMS key keeps published messages encrypted while SNS stores them.",
    remediation="Set a KMS key (AWS-managed alias/aws/sns or a customer-managed key) on the topic.",
)
def topic_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    for topic in _topics(inventory):
        arn, key = str(topic.get("arn")), topic.get("kms_key_id")
        reason = f"Topic {arn} is encrypted with KMS key {key}" if key else f"Topic {arn} is not encrypted at rest"
        yield result(bool(key), arn, TOPIC, reason, region=str(topic.get("region", "")), kms_key_id=key)


@aws_check(
    id="aws.sns.topic_policy_not_public",
    title="SNS topic policies do not grant access to everyone",
    severity=Severity.HIGH,
    service="sns",
    resource_type=TOPIC,
    rationale='A topic policy allowing Principal "*" without an owner or source condition lets anyone '
    "publish to the topic or subscribe to its messages.",
    remediation="Name the principals in the policy, or add an aws:SourceOwner, aws:SourceAccount or "
    "aws:PrincipalOrgID condition.",
)
def topic_policy_not_public(inventory: Inventory) -> Iterable[Outcome]:
    for topic in _topics(inventory):
        arn = str(topic.get("arn"))
        actions = public_actions(topic.get("policy"))
        reason = f"Topic {arn} lets anyone {', '.join(actions)}" if actions else f"Topic {arn} is not public"
        yield result(not actions, arn, TOPIC, reason, region=str(topic.get("region", "")), public_actions=actions)


@aws_check(
    id="aws.secretsmanager.rotation_enabled",
    title="Secrets Manager secrets rotate automatically",
    severity=Severity.MEDIUM,
    service="secretsmanager",
    resource_type=SECRET,
    rationale="Automatic rotation limits how long a leaked secret stays useful and removes the need to "
    "change credentials by hand.",
    remediation="Configure rotation for the secret with a rotation function and a schedule.",
)
def rotation_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for _, data in _secret_regions(inventory):
        for secret in data.get("secrets", []):
            arn, name = str(secret.get("arn")), secret.get("name")
            ok = bool(secret.get("rotation_enabled"))
            days = secret.get("rotation_days")
            reason = (
                f"Secret {name} rotates automatically" + (f" every {days} days" if days else "")
                if ok
                else f"Secret {name} has automatic rotation off"
            )
            yield result(ok, arn, SECRET, reason, region=str(secret.get("region", "")), rotation_days=days)


@aws_check(
    id="aws.secretsmanager.secret_used_recently",
    title="Secrets Manager secrets have been used in the last 90 days",
    severity=Severity.LOW,
    service="secretsmanager",
    resource_type=SECRET,
    rationale="A secret nobody has read for 90 days is probably a forgotten credential that still grants "
    "access; removing it shrinks what can leak.",
    remediation="Confirm the secret is no longer needed, then delete it (and revoke the credential it holds).",
)
def secret_used_recently(inventory: Inventory) -> Iterable[Outcome]:
    for _, data in _secret_regions(inventory):
        now = scan_time(data)
        cutoff = now - timedelta(days=UNUSED_SECRET_DAYS)
        for secret in data.get("secrets", []):
            arn, name = str(secret.get("arn")), secret.get("name")
            accessed, created = parse_time(secret.get("last_accessed")), parse_time(secret.get("created"))
            # A secret created in the window has not had the chance to go unused yet.
            latest = max((t for t in (accessed, created) if t is not None), default=None)
            ok = latest is not None and latest >= cutoff
            if accessed is not None:
                reason = f"Secret {name} was last read on {accessed.date().isoformat()}"
            elif ok:
                reason = f"Secret {name} was created within the last {UNUSED_SECRET_DAYS} days"
            else:
                reason = f"Secret {name} has not been read in the last {UNUSED_SECRET_DAYS} days"
            yield result(
                ok, arn, SECRET, reason, region=str(secret.get("region", "")), last_accessed=secret.get("last_accessed")
            )


@aws_check(
    id="aws.secretsmanager.policy_not_public",
    title="Secrets Manager resource policies do not grant access to everyone",
    severity=Severity.CRITICAL,
    service="secretsmanager",
    resource_type=SECRET,
    rationale='A secret\'s resource policy allowing Principal "*" without an account, organisation or source '
    "condition lets principals of any AWS account read the credential it holds, or change it.",
    remediation="Name the principals in the policy, or add an aws:PrincipalOrgID or aws:PrincipalAccount "
    "condition; turn on BlockPublicPolicy when putting the policy (PutResourcePolicy) so AWS refuses public ones.",
)
def policy_not_public(inventory: Inventory) -> Iterable[Outcome]:
    for _, data in _secret_regions(inventory):
        for secret in data.get("secrets", []):
            arn, name, region = str(secret.get("arn")), secret.get("name"), str(secret.get("region", ""))
            if secret.get("policy_error"):
                yield error(
                    arn, SECRET, f"Could not read the policy of secret {name}: {secret['policy_error']}", region=region
                )
                continue
            # Collected before policies were read: nothing to judge.
            if "policy" not in secret:
                continue
            policy = secret.get("policy")
            if policy and "unparsable" in policy:
                yield error(arn, SECRET, f"Secret {name} has a resource policy that is not JSON", region=region)
                continue
            actions = public_actions(policy)
            if actions:
                reason = f"Secret {name} lets anyone {', '.join(actions)}"
            elif policy:
                reason = f"Secret {name} grants access to named or conditioned principals only"
            else:
                reason = f"Secret {name} has no resource policy: only IAM policies of its own account grant access"
            yield result(not actions, arn, SECRET, reason, region=region, public_actions=actions)
