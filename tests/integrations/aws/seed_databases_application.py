"""Seeds for the end-to-end scan: Neptune, DocumentDB and MemoryDB clusters, DMS instances and endpoints, Step
Functions state machines, WAF web ACLs, an HTTP API and SES identities, one of each kind passing and one failing.

``seed_databases_and_application`` returns the failures it causes (``(check id, resource id, region)``).
"""

from __future__ import annotations

import json

from tests.integrations.aws.support import ACCOUNT, aws


def seed_databases_and_application(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    failures: set[tuple[str, str, str]] = set()

    neptune = aws(endpoint, "neptune", region)
    # Both clusters in the default VPC's subnets, none routed to an internet gateway: both pass the subnet check.
    default_subnets = aws(endpoint, "ec2", region).describe_subnets(
        Filters=[{"Name": "default-for-az", "Values": ["true"]}]
    )["Subnets"]
    neptune.create_db_subnet_group(
        DBSubnetGroupName="graph-private",
        DBSubnetGroupDescription="private",
        SubnetIds=[s["SubnetId"] for s in default_subnets[:2]],
    )
    # Encrypted, a week of backups, its audit log exported, protected, copying its tags, IAM authentication, with a
    # primary and a replica in two zones: passes every Neptune check.
    neptune.create_db_cluster(
        DBClusterIdentifier="graph",
        Engine="neptune",
        DBSubnetGroupName="graph-private",
        StorageEncrypted=True,
        BackupRetentionPeriod=7,
        EnableCloudwatchLogsExports=["audit"],
        DeletionProtection=True,
        CopyTagsToSnapshot=True,
        EnableIAMDatabaseAuthentication=True,
    )
    for name, zone in (("graph-1", "a"), ("graph-2", "b")):
        neptune.create_db_instance(
            DBInstanceIdentifier=name,
            DBClusterIdentifier="graph",
            Engine="neptune",
            DBInstanceClass="db.r5.large",
            AvailabilityZone=f"{region}{zone}",
            AutoMinorVersionUpgrade=True,
        )
    # Neptune's defaults, no instance: fails every one.
    bare = neptune.create_db_cluster(
        DBClusterIdentifier="scratch-graph", Engine="neptune", DBSubnetGroupName="graph-private"
    )["DBCluster"]
    failures |= {
        (f"aws.neptune.{name}", bare["DBClusterArn"], region)
        for name in (
            "cluster_storage_encrypted",
            "cluster_backup_retention_7_days",
            "cluster_audit_logs_exported",
            "cluster_deletion_protection",
            "cluster_copy_tags_to_snapshot",
            "cluster_multi_az",
            "cluster_iam_authentication_enabled",
        )
    }
    failures |= _seed_docdb(endpoint, region)

    dms = aws(endpoint, "dms", region)
    # Private, Multi-AZ, upgrading: passes the instance checks; public, one zone, not upgrading: fails them.
    dms.create_replication_instance(
        ReplicationInstanceIdentifier="migrate",
        ReplicationInstanceClass="dms.t3.medium",
        PubliclyAccessible=False,
        MultiAZ=True,
        AutoMinorVersionUpgrade=True,
    )
    legacy = dms.create_replication_instance(
        ReplicationInstanceIdentifier="legacy-migrate",
        ReplicationInstanceClass="dms.t3.medium",
        PubliclyAccessible=True,
        MultiAZ=False,
        AutoMinorVersionUpgrade=False,
    )["ReplicationInstance"]["ReplicationInstanceArn"]
    failures |= {
        (f"aws.dms.replication_instance_{name}", legacy, region)
        for name in ("not_public", "multi_az", "auto_minor_version_upgrade")
    }
    server = {"ServerName": "db.internal", "Port": 5432, "DatabaseName": "orders", "Username": "dms"}
    # A source verifying the server's certificate passes; a target without SSL fails.
    dms.create_endpoint(
        EndpointIdentifier="orders-src", EndpointType="source", EngineName="postgres", SslMode="verify-full", **server
    )
    plain = dms.create_endpoint(
        EndpointIdentifier="orders-copy", EndpointType="target", EngineName="postgres", SslMode="none", **server
    )["Endpoint"]["EndpointArn"]
    failures.add(("aws.dms.endpoint_ssl_enabled", plain, region))
    # A MongoDB source read without signing in fails; a Neptune target DMS reaches through IAM passes.
    reviews = dms.create_endpoint(
        EndpointIdentifier="reviews-src",
        EndpointType="source",
        EngineName="mongodb",
        SslMode="require",
        MongoDbSettings={"ServerName": "docs.internal", "Port": 27017, "AuthType": "no"},
    )["Endpoint"]["EndpointArn"]
    failures.add(("aws.dms.endpoint_mongodb_authentication_enabled", reviews, region))
    dms.create_endpoint(
        EndpointIdentifier="graph-copy",
        EndpointType="target",
        EngineName="neptune",
        NeptuneSettings={"S3BucketName": "graph-staging", "S3BucketFolder": "load", "IamAuthEnabled": True},
    )

    states = aws(endpoint, "stepfunctions", region)
    definition = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})
    role = f"arn:aws:iam::{ACCOUNT}:role/workflows"
    group = f"arn:aws:logs:{region}:{ACCOUNT}:log-group:/aws/vendedlogs/states/orders:*"
    logging = {"level": "ERROR", "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": group}}]}
    # Logging errors to a log group under the account's key passes; no logging configuration, AWS's key and a
    # password written into a task's parameters fail.
    kms = aws(endpoint, "kms", region)
    key = kms.create_key(Description="workflows")["KeyMetadata"]["Arn"]
    kms.enable_key_rotation(KeyId=key)
    states.create_state_machine(
        name="orders",
        definition=definition,
        roleArn=role,
        loggingConfiguration=logging,
        encryptionConfiguration={"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": key},
    )
    login = {"Type": "Pass", "Parameters": {"username": "reports", "password": "Rep0rts-2026"}, "End": True}
    quiet = states.create_state_machine(
        name="reports", definition=json.dumps({"StartAt": "Login", "States": {"Login": login}}), roleArn=role
    )["stateMachineArn"]
    failures.add(("aws.stepfunctions.state_machine_logging_enabled", quiet, region))
    failures.add(("aws.stepfunctions.state_machine_encrypted_with_cmk", quiet, region))
    failures.add(("aws.stepfunctions.state_machine_no_secrets_in_definition", quiet, region))

    wafv2 = aws(endpoint, "wafv2", region)
    visibility = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "waf"}
    rules = [
        {
            "Name": "aws-common",
            "Priority": 0,
            "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet"}},
            "OverrideAction": {"None": {}},
            "VisibilityConfig": visibility,
        }
    ]
    acl = {"Scope": "REGIONAL", "DefaultAction": {"Allow": {}}, "VisibilityConfig": visibility}
    # The managed core rules, logging, metrics: passes every web ACL check; no rules, no logging and its metrics
    # off: fails them all.
    guarded = wafv2.create_web_acl(Name="shop-edge", Rules=rules, **acl)["Summary"]["ARN"]
    destination = f"arn:aws:logs:{region}:{ACCOUNT}:log-group:aws-waf-logs-shop-edge"
    wafv2.put_logging_configuration(
        LoggingConfiguration={"ResourceArn": guarded, "LogDestinationConfigs": [destination]}
    )
    quiet = {**acl, "VisibilityConfig": {**visibility, "CloudWatchMetricsEnabled": False}}
    empty = wafv2.create_web_acl(Name="placeholder", **quiet)["Summary"]["ARN"]
    failures |= {
        (f"aws.wafv2.{name}", empty, region)
        for name in (
            "web_acl_logging_enabled",
            "web_acl_has_rules",
            "web_acl_metrics_enabled",
            "web_acl_managed_rule_groups",
        )
    }

    gateway = aws(endpoint, "apigatewayv2", region)
    api = gateway.create_api(Name="orders-http", ProtocolType="HTTP")["ApiId"]
    access = {
        "DestinationArn": f"arn:aws:logs:{region}:{ACCOUNT}:log-group:orders-http",
        "Format": "$context.requestId",
    }
    # Its one route takes IAM authorization: passes the route check.
    gateway.create_route(ApiId=api, RouteKey="GET /orders", AuthorizationType="AWS_IAM")
    # The prod stage logs access and passes; the dev stage does not and fails.
    gateway.create_stage(ApiId=api, StageName="prod", AccessLogSettings=access)
    gateway.create_stage(ApiId=api, StageName="dev")
    dev = f"arn:aws:apigateway:{region}::/apis/{api}/stages/dev"
    failures.add(("aws.apigatewayv2.stage_access_logging_enabled", dev, region))
    return failures | _seed_ses(endpoint, region) | _seed_memorydb(endpoint, region)


def _seed_memorydb(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    memorydb = aws(endpoint, "memorydb", region)
    # TLS, a named users' list, a week of snapshots, minor upgrades (the default): passes every MemoryDB check.
    memorydb.create_cluster(
        ClusterName="sessions-store", NodeType="db.t4g.small", ACLName="sessions-users", SnapshotRetentionLimit=7
    )
    # No TLS (so open-access), no snapshots, no minor upgrades, no replicas: fails them all.
    bare = memorydb.create_cluster(
        ClusterName="scratch-store",
        NodeType="db.t4g.small",
        ACLName="open-access",
        TLSEnabled=False,
        AutoMinorVersionUpgrade=False,
        NumReplicasPerShard=0,
    )["Cluster"]["ARN"]
    return {
        (f"aws.memorydb.cluster_{name}", bare, region)
        for name in (
            "tls_enabled",
            "acl_not_open_access",
            "snapshots_enabled",
            "auto_minor_version_upgrade",
            "multi_az",
        )
    }


def _seed_ses(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    sesv2 = aws(endpoint, "sesv2", region)
    # A domain signing with DKIM whose sending policy names a partner account: passes both SES checks.
    sesv2.create_email_identity(
        EmailIdentity="example.com", DkimSigningAttributes={"NextSigningKeyLength": "RSA_2048_BIT"}
    )

    def sending(principal: object, domain: str) -> str:
        statement = {
            "Effect": "Allow",
            "Principal": principal,
            "Action": "ses:SendEmail",
            "Resource": f"arn:aws:ses:{region}:{ACCOUNT}:identity/{domain}",
        }
        return json.dumps({"Version": "2012-10-17", "Statement": [statement]})

    partner = {"AWS": "arn:aws:iam::111122223333:root"}
    sesv2.create_email_identity_policy(
        EmailIdentity="example.com", PolicyName="partner", Policy=sending(partner, "example.com")
    )
    # A domain not signing, whose policy lets anyone send as it: fails both.
    sesv2.create_email_identity(EmailIdentity="legacy.example.org")
    sesv2.create_email_identity_policy(
        EmailIdentity="legacy.example.org", PolicyName="anyone", Policy=sending("*", "legacy.example.org")
    )
    return {
        ("aws.ses.domain_dkim_signing", "legacy.example.org", region),
        ("aws.ses.identity_policy_not_public", "legacy.example.org", region),
    }


def _seed_docdb(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    docdb = aws(endpoint, "docdb", region)
    login = {"Engine": "docdb", "MasterUsername": "docadmin", "MasterUserPassword": "a-long-password-1"}
    # Encrypted, a week of backups, audit and profiler logs exported, protected, two instances in two zones, and a
    # private snapshot (encrypted, as its cluster is): passes every DocumentDB check.
    docdb.create_db_cluster(
        DBClusterIdentifier="catalog",
        StorageEncrypted=True,
        BackupRetentionPeriod=7,
        EnableCloudwatchLogsExports=["audit", "profiler"],
        DeletionProtection=True,
        **login,
    )
    for name, zone in (("catalog-1", "a"), ("catalog-2", "b")):
        docdb.create_db_instance(
            DBInstanceIdentifier=name,
            DBClusterIdentifier="catalog",
            Engine="docdb",
            DBInstanceClass="db.r6g.large",
            AvailabilityZone=f"{region}{zone}",
            AutoMinorVersionUpgrade=True,
        )
    docdb.create_db_cluster_snapshot(DBClusterIdentifier="catalog", DBClusterSnapshotIdentifier="catalog-monthly")
    # DocumentDB's defaults, no instance, and a snapshot anyone may restore: fails every one.
    bare = docdb.create_db_cluster(DBClusterIdentifier="scratch-docs", **login)["DBCluster"]["DBClusterArn"]
    snapshot = docdb.create_db_cluster_snapshot(
        DBClusterIdentifier="scratch-docs", DBClusterSnapshotIdentifier="scratch-docs-export"
    )["DBClusterSnapshot"]["DBClusterSnapshotArn"]
    docdb.modify_db_cluster_snapshot_attribute(
        DBClusterSnapshotIdentifier="scratch-docs-export", AttributeName="restore", ValuesToAdd=["all"]
    )
    cluster_checks = (
        "cluster_storage_encrypted",
        "cluster_backup_retention_7_days",
        "cluster_audit_logs_exported",
        "cluster_deletion_protection",
        "cluster_multi_az",
    )
    return {
        *{(f"aws.docdb.{name}", bare, region) for name in cluster_checks},
        *{
            (f"aws.docdb.{name}", snapshot, region)
            for name in ("cluster_snapshot_not_public", "cluster_snapshot_encrypted")
        },
    }
