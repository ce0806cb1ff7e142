"""Messaging and secrets collection (regional): SQS queues, SNS topics, Secrets Manager secrets."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..shapes_storage import SecretsManagerRegion, SnsRegion, SqsRegion
from ._common import Scope, paginate, plain, policy_document


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
    return plain({"topics": topics})


def collect_secretsmanager(scope: Scope) -> SecretsManagerRegion:
    secretsmanager = scope.client("secretsmanager")
    secrets: list[dict[str, Any]] = [
        {
            "name": s.get("Name") or s["ARN"],
            "arn": s["ARN"],
            "rotation_enabled": bool(s.get("RotationEnabled")),
            "rotation_days": (s.get("RotationRules") or {}).get("AutomaticallyAfterDays"),
            "last_accessed": s.get("LastAccessedDate"),
            "created": s.get("CreatedDate"),
            "region": scope.region,
        }
        for s in paginate(secretsmanager, "list_secrets", "SecretList")
    ]
    return plain({"collected_at": datetime.now(UTC), "secrets": secrets})
