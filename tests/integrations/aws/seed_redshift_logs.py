"""Seeds for the end-to-end scan: a Redshift cluster of each kind and a short-lived, KMS-encrypted log group.

``seed_redshift_and_logs`` returns the failures it causes (``(check id, resource id, region)``).
"""

from __future__ import annotations

from tests.integrations.aws.support import aws


def seed_redshift_and_logs(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    redshift = aws(endpoint, "redshift", region)
    common = {
        "NodeType": "ra3.xlplus",
        "ClusterType": "single-node",
        "MasterUsername": "warehouse",
        "MasterUserPassword": "A-long-password-1",
    }
    # Private, encrypted, a week of snapshots, audit logs to CloudWatch Logs (no bucket: the S3 checks stay as
    # they are), enhanced VPC routing, compute in two zones, SSL required, a database of its own name: passes every
    # cluster check.
    redshift.create_cluster_parameter_group(
        ParameterGroupName="ssl-only", ParameterGroupFamily="redshift-1.0", Description="SSL only"
    )
    redshift.modify_cluster_parameter_group(
        ParameterGroupName="ssl-only", Parameters=[{"ParameterName": "require_ssl", "ParameterValue": "true"}]
    )
    redshift.create_cluster(
        ClusterIdentifier="warehouse",
        PubliclyAccessible=False,
        Encrypted=True,
        AutomatedSnapshotRetentionPeriod=7,
        EnhancedVpcRouting=True,
        MultiAZ=True,
        ClusterParameterGroupName="ssl-only",
        DBName="analytics",
        **{**common, "ClusterType": "multi-node", "NumberOfNodes": 2},
    )
    redshift.enable_logging(ClusterIdentifier="warehouse", LogDestinationType="cloudwatch", LogExports=["userlog"])
    # Public, plain, the default single day of snapshots, no audit logging, no major version upgrades, Redshift's
    # default routing, the console's default admin name and database name, one zone and AWS's default parameter group
    # (SSL not required): fails every cluster check.
    redshift.create_cluster(
        ClusterIdentifier="reporting",
        PubliclyAccessible=True,
        AllowVersionUpgrade=False,
        **{**common, "MasterUsername": "awsuser"},
    )
    # A log group under a rotating KMS key (so the key checks pass) that keeps events for 90 days only.
    kms = aws(endpoint, "kms", region)
    key = kms.create_key()["KeyMetadata"]
    kms.enable_key_rotation(KeyId=key["KeyId"])
    logs = aws(endpoint, "logs", region)
    logs.create_log_group(logGroupName="/app/requests", kmsKeyId=key["Arn"])
    logs.put_retention_policy(logGroupName="/app/requests", retentionInDays=90)
    return {
        *{
            (f"aws.redshift.{name}", "reporting", region)
            for name in (
                "audit_logging_enabled",
                "not_publicly_accessible",
                "automated_snapshots",
                "encrypted",
                "version_upgrade_allowed",
                "enhanced_vpc_routing",
                "not_default_admin_username",
                "non_default_database_name",
                "cluster_multi_az",
                "cluster_requires_ssl",
            )
        },
        ("aws.logs.retention_at_least_365_days", "/app/requests", region),
    }
