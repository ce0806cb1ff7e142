"""Messaging and secrets collection (regional): SQS queues, SNS topics and subscriptions, Secrets Manager secrets and
their policies."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_storage import SecretsManagerRegion, SnsRegion, SqsRegion
from ._common import Scope, concurrently, describe_error, error_code, paginate, plain, policy_document


def collect_sqs(scope: Scope) -> SqsRegion:
    sqs = scope.client("sqs")
    queues = []
    for url in paginate(sqs, "list_queues", "QueueUrls"):
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]).get("Attributes", {})
        queues.append(
            {
                "url": url,
                "arn": attributes.get("QueueArn"),
                "kms_key_id": attributes.get("KmsMasterKeyId") or None,
                "sqs_managed_sse": str(attributes.get("SqsManagedSseEnabled", "")).lower() == "true",
                "policy": policy_document(attributes.get("Policy")),
                "region": scope.region,
            }
        )
    return plain({"queues": queues})


def collect_sns(scope: Scope) -> SnsRegion:
    sns = scope.client("sns")
    topics = []
    for listed in paginate(sns, "list_topics", "Topics"):
        arn = listed["TopicArn"]
        attributes = sns.get_topic_attributes(TopicArn=arn).get("Attributes", {})
        topics.append(
            {
                "arn": arn,
                "kms_key_id": attributes.get("KmsMasterKeyId") or None,
                "policy": policy_document(attributes.get("Policy")),
                "region": scope.region,
            }
        )
    return plain({"topics": topics, **_subscriptions(sns, scope.region)})


def _subscriptions(sns: BaseClient, region: str) -> dict[str, Any]:
    """The account's subscriptions in the region (one listing), or why they could not be listed."""
    try:
        listed = paginate(sns, "list_subscriptions", "Subscriptions")
    except ClientError as exc:
        # Only the subscription check depends on this listing.
        return {"subscriptions_error": describe_error(exc)}
    return {"subscriptions": [_subscription(s, region) for s in listed]}


def _subscription(s: Mapping[str, Any], region: str) -> dict[str, Any]:
    protocol = s.get("Protocol")
    # Only an http(s) endpoint's host is kept: the rest of a URL may carry credentials or tokens, and other protocols'
    # endpoints are e-mail addresses, phone numbers or ARNs the check does not need.
    host = None
    if protocol in ("http", "https"):
        try:
            host = urlsplit(str(s.get("Endpoint") or "")).hostname
        except ValueError:
            host = None
    return {
        "arn": s.get("SubscriptionArn"),
        "topic_arn": s.get("TopicArn"),
        "protocol": protocol,
        "endpoint_host": host,
        "region": region,
    }


def _secret_policy(secretsmanager: BaseClient, arn: str) -> dict[str, Any] | None:
    """``{"policy": ...}`` (the document, None when the secret has none), ``{"policy_error": ...}`` when it cannot be
    read, or None when the secret was deleted since the listing (it is then left out)."""
    try:
        text = secretsmanager.get_resource_policy(SecretId=arn).get("ResourcePolicy")
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        return {"policy_error": describe_error(exc)}
    return {"policy": policy_document(text)}


def collect_secretsmanager(scope: Scope) -> SecretsManagerRegion:
    secretsmanager = scope.client("secretsmanager")

    def read(s: Mapping[str, Any]) -> dict[str, Any] | None:
        # ListSecrets does not carry the resource policy: one GetResourcePolicy per secret.
        policy = _secret_policy(secretsmanager, s["ARN"])
        if policy is None:
            return None
        return {
            "name": s.get("Name") or s["ARN"],
            "arn": s["ARN"],
            "rotation_enabled": bool(s.get("RotationEnabled")),
            "rotation_days": (s.get("RotationRules") or {}).get("AutomaticallyAfterDays"),
            "last_accessed": s.get("LastAccessedDate"),
            "created": s.get("CreatedDate"),
            "region": scope.region,
            **policy,
        }

    read_secrets = concurrently(read, paginate(secretsmanager, "list_secrets", "SecretList"))
    secrets = [secret for secret in read_secrets if secret is not None]
    return plain({"collected_at": datetime.now(UTC), "secrets": secrets})
