"""Seeds for the end-to-end scan: an ECS task definition family, an ElastiCache replication group and cache cluster,
a Kinesis stream and an Amazon MQ broker of each kind.

``seed_containers`` returns the failures it causes (``(check id, resource id, region)``).
"""

from __future__ import annotations

from typing import Any

from tests.integrations.aws.support import aws

IMAGE = "public.ecr.aws/nginx/nginx:latest"


def seed_containers(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    return (
        _seed_ecs(endpoint, region)
        | _seed_elasticache(endpoint, region)
        | _seed_kinesis(endpoint, region)
        | _seed_mq(endpoint, region)
    )


def _seed_ecs(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    ecs = aws(endpoint, "ecs", region)
    logs = {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/storefront", "awslogs-region": region}}
    hardened: dict[str, Any] = {
        "name": "web",
        "image": IMAGE,
        "memory": 256,
        "readonlyRootFilesystem": True,
        "logConfiguration": logs,
        "environment": [{"name": "LOG_LEVEL", "value": "info"}],
    }
    # In awsvpc mode, unprivileged, read-only, logging, no plain secrets: passes every task definition check.
    ecs.register_task_definition(family="storefront", networkMode="awsvpc", containerDefinitions=[hardened])
    # On the host's network and PID namespace, privileged, writable, unlogged, a token in plain sight: fails all six.
    loose = {
        "name": "agent",
        "image": IMAGE,
        "memory": 256,
        "privileged": True,
        "environment": [{"name": "GITHUB_TOKEN", "value": "not-a-real-token"}],
    }
    arn = ecs.register_task_definition(
        family="node-agent", networkMode="host", pidMode="host", containerDefinitions=[loose]
    )["taskDefinition"]["taskDefinitionArn"]
    return {
        (f"aws.ecs.{name}", arn, region)
        for name in (
            "task_definition_no_privileged_containers",
            "task_definition_read_only_root_filesystem",
            "task_definition_logging_configured",
            "task_definition_no_plaintext_secrets",
            "task_definition_no_host_network_mode",
            "task_definition_no_host_pid_mode",
        )
    }


def _seed_elasticache(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    elasticache = aws(endpoint, "elasticache", region)
    group = {"CacheNodeType": "cache.t3.micro", "NumCacheClusters": 2, "Engine": "redis"}
    # Encrypted both ways, clients signing in with its AUTH token, failing over across zones, a week of backups:
    # passes every replication group check.
    elasticache.create_replication_group(
        ReplicationGroupId="sessions",
        ReplicationGroupDescription="web sessions",
        AtRestEncryptionEnabled=True,
        TransitEncryptionEnabled=True,
        AuthToken="sessions-auth-token-of-32-characters",
        TransitEncryptionMode="required",
        AutomaticFailoverEnabled=True,
        MultiAZEnabled=True,
        SnapshotRetentionLimit=7,
        **group,
    )
    # None of it: fails all six.
    bare = elasticache.create_replication_group(
        ReplicationGroupId="page-cache", ReplicationGroupDescription="rendered pages", **group
    )["ReplicationGroup"]["ARN"]
    # A cache cluster taking minor upgrades passes; one that does not fails.
    elasticache.create_cache_cluster(
        CacheClusterId="rate-limits",
        Engine="redis",
        CacheNodeType="cache.t3.micro",
        NumCacheNodes=1,
        AutoMinorVersionUpgrade=True,
    )
    frozen = elasticache.create_cache_cluster(
        CacheClusterId="fragments",
        Engine="memcached",
        CacheNodeType="cache.t3.micro",
        NumCacheNodes=1,
        AutoMinorVersionUpgrade=False,
    )["CacheCluster"]["ARN"]
    return {
        *{
            (f"aws.elasticache.replication_group_{name}", bare, region)
            for name in (
                "encrypted_at_rest",
                "encrypted_in_transit",
                "automatic_failover",
                "multi_az",
                "backups_enabled",
                "auth_required",
            )
        },
        ("aws.elasticache.cache_cluster_auto_minor_version_upgrade", frozen, region),
    }


def _seed_kinesis(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    kinesis = aws(endpoint, "kinesis", region)
    # A rotating KMS key, so the key checks pass on it.
    kms = aws(endpoint, "kms", region)
    key = kms.create_key(Description="streams")["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=key)
    # Encrypted under the key and keeping a week of records: passes both stream checks.
    kinesis.create_stream(StreamName="orders", ShardCount=1)
    kinesis.start_stream_encryption(StreamName="orders", EncryptionType="KMS", KeyId=key)
    kinesis.increase_stream_retention_period(StreamName="orders", RetentionPeriodHours=168)
    # Kinesis's defaults, unencrypted and a day of records: fails both.
    kinesis.create_stream(StreamName="clickstream", ShardCount=1)
    clicks = kinesis.describe_stream_summary(StreamName="clickstream")["StreamDescriptionSummary"]["StreamARN"]
    return {(f"aws.kinesis.{name}", clicks, region) for name in ("stream_encrypted", "stream_retention_7_days")}


def _seed_mq(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    mq = aws(endpoint, "mq", region)
    broker = {
        "EngineType": "ACTIVEMQ",
        "EngineVersion": "5.18",
        "HostInstanceType": "mq.t3.micro",
        "Users": [{"Username": "admin", "Password": "a-long-password-1"}],
    }
    # Private, general and audit logs on, taking minor upgrades, an active/standby pair: passes every broker check.
    mq.create_broker(
        BrokerName="orders",
        DeploymentMode="ACTIVE_STANDBY_MULTI_AZ",
        PubliclyAccessible=False,
        AutoMinorVersionUpgrade=True,
        Logs={"General": True, "Audit": True},
        **broker,
    )
    # Public, logging nothing, not upgraded, a single instance: fails all four.
    legacy = mq.create_broker(
        BrokerName="legacy-jms",
        DeploymentMode="SINGLE_INSTANCE",
        PubliclyAccessible=True,
        AutoMinorVersionUpgrade=False,
        **broker,
    )["BrokerArn"]
    checks = ("logging_enabled", "not_publicly_accessible", "auto_minor_version_upgrade", "multi_az")
    return {(f"aws.mq.broker_{name}", legacy, region) for name in checks}
