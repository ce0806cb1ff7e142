"""Seeds for the end-to-end scan: RDS DB clusters and a classic load balancer on an ACM certificate.

A hardened Aurora cluster (two monitored members in two zones, TLS forced by its cluster parameter group) and an
HTTPS classic load balancer on an ACM certificate in strictest desync mode pass; a bare Aurora cluster fails every
cluster check. ``seed_service_gaps`` returns those failures and the ones the earlier seeds now cause as well: the
``legacy-db`` instance has no Enhanced Monitoring and does not copy its tags to snapshots, and the ``platform`` EKS
cluster (moto's default Kubernetes version, long out of standard support) keeps its secrets without a KMS key.
"""

from __future__ import annotations

from tests.integrations.aws.support import ACCOUNT, aws

CLUSTER_CHECKS = (
    "storage_encrypted",
    "logs_exported_to_cloudwatch",
    "iam_authentication_enabled",
    "deletion_protection",
    "backup_retention_7_days",
    "copy_tags_to_snapshot",
    "multi_az",
    "transport_encrypted",
    "non_default_port",
)


def _cluster_parameters(rds, name: str, family: str, **parameters: str) -> str:
    """A cluster parameter group (moto keeps no default ones, which AWS has for every family)."""
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName=name, DBParameterGroupFamily=family, Description=name
    )
    values = [{"ParameterName": k, "ParameterValue": v, "ApplyMethod": "immediate"} for k, v in parameters.items()]
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=name, Parameters=values)
    return name


def seed_service_gaps(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    """Seed ``region`` (after ``seed_added_later``); return the failures to expect from these checks."""
    rds = aws(endpoint, "rds", region)
    login = {"MasterUsername": "app", "MasterUserPassword": "a-long-password-1"}
    rds.create_db_cluster(
        DBClusterIdentifier="ledger",
        Engine="aurora-postgresql",
        Port=15432,
        StorageEncrypted=True,
        EnableCloudwatchLogsExports=["postgresql"],
        EnableIAMDatabaseAuthentication=True,
        DeletionProtection=True,
        BackupRetentionPeriod=7,
        CopyTagsToSnapshot=True,
        DBClusterParameterGroupName=_cluster_parameters(
            rds, "ledger-tls", "aurora-postgresql15", **{"rds.force_ssl": "1"}
        ),
        **login,
    )
    # The members share a DB parameter group of their own, whose changes no event subscription reports.
    rds.create_db_parameter_group(
        DBParameterGroupName="ledger-instances", DBParameterGroupFamily="aurora-postgresql15", Description="ledger"
    )
    for name, zone in (("ledger-1", f"{region}a"), ("ledger-2", f"{region}b")):
        rds.create_db_instance(
            DBInstanceIdentifier=name,
            DBClusterIdentifier="ledger",
            DBParameterGroupName="ledger-instances",
            Engine="aurora-postgresql",
            DBInstanceClass="db.r5.large",
            AvailabilityZone=zone,
            MonitoringInterval=60,
            MonitoringRoleArn=f"arn:aws:iam::{ACCOUNT}:role/rds-monitoring",
            AutoMinorVersionUpgrade=True,
            PubliclyAccessible=False,
        )
    bare = rds.create_db_cluster(
        DBClusterIdentifier="scratch-aurora",
        Engine="aurora-mysql",
        DBClusterParameterGroupName=_cluster_parameters(
            rds, "scratch-defaults", "aurora-mysql8.0", require_secure_transport="OFF"
        ),
        **login,
    )["DBCluster"]
    failures = {(f"aws.rds.cluster_{name}", bare["DBClusterArn"], region) for name in CLUSTER_CHECKS}
    # An Aurora MySQL cluster without a backtrack window.
    failures.add(("aws.rds.cluster_backtrack_enabled", bare["DBClusterArn"], region))
    failures.add(("aws.rds.parameter_group_event_subscription", ACCOUNT, region))
    # A manual snapshot of each: the encrypted cluster's kept private passes both cluster snapshot checks; the bare
    # one's, unencrypted and restorable by any account, fails both.
    rds.create_db_cluster_snapshot(DBClusterIdentifier="ledger", DBClusterSnapshotIdentifier="ledger-monthly")
    leaked = rds.create_db_cluster_snapshot(
        DBClusterIdentifier="scratch-aurora", DBClusterSnapshotIdentifier="scratch-aurora-export"
    )["DBClusterSnapshot"]["DBClusterSnapshotArn"]
    rds.modify_db_cluster_snapshot_attribute(
        DBClusterSnapshotIdentifier="scratch-aurora-export", AttributeName="restore", ValuesToAdd=["all"]
    )
    failures |= {
        (f"aws.rds.{name}", leaked, region) for name in ("cluster_snapshot_not_public", "cluster_snapshot_encrypted")
    }

    certificate = aws(endpoint, "acm", region).request_certificate(DomainName="legacy.example.com")["CertificateArn"]
    elb = aws(endpoint, "elb", region)
    elb.create_load_balancer(
        LoadBalancerName="managed-elb",
        Listeners=[
            {
                "Protocol": "HTTPS",
                "LoadBalancerPort": 443,
                "InstanceProtocol": "HTTP",
                "InstancePort": 80,
                "SSLCertificateId": certificate,
            }
        ],
        AvailabilityZones=[f"{region}a", f"{region}b"],
    )
    elb.modify_load_balancer_attributes(
        LoadBalancerName="managed-elb",
        LoadBalancerAttributes={
            "AccessLog": {"Enabled": True, "S3BucketName": "cw-access-logs"},
            "CrossZoneLoadBalancing": {"Enabled": True},
            "AdditionalAttributes": [{"Key": "elb.http.desyncmitigationmode", "Value": "strictest"}],
            "ConnectionDraining": {"Enabled": True, "Timeout": 300},
        },
    )
    # Its HTTPS listener negotiates under a policy made from the TLS 1.2 predefined policy.
    elb.create_load_balancer_policy(
        LoadBalancerName="managed-elb",
        PolicyName="tls-1-2",
        PolicyTypeName="SSLNegotiationPolicyType",
        PolicyAttributes=[
            {"AttributeName": "Reference-Security-Policy", "AttributeValue": "ELBSecurityPolicy-TLS-1-2-2017-01"}
        ],
    )
    elb.set_load_balancer_policies_of_listener(
        LoadBalancerName="managed-elb", LoadBalancerPort=443, PolicyNames=["tls-1-2"]
    )

    failures |= {
        (f"aws.rds.{name}", "legacy-db", region) for name in ("enhanced_monitoring_enabled", "copy_tags_to_snapshot")
    }
    platform = f"arn:aws:eks:{region}:{ACCOUNT}:cluster/platform"
    failures |= {
        (f"aws.eks.{name}", platform, region) for name in ("secrets_encrypted_with_kms", "version_in_standard_support")
    }
    return failures
