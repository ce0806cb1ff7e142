"""Neptune cluster checks and DMS replication instance and endpoint checks against moto."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    OTHER_REGION,
    REGION,
    aws,
    collect,
    connector,
    db_instance,
    json_reply,
    only,
    query_error,
    run,
    scan,
    statuses,
    two_private_one_public_subnet,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
NEPTUNE_CHECKS = [
    "aws.neptune.cluster_storage_encrypted",
    "aws.neptune.cluster_backup_retention_7_days",
    "aws.neptune.cluster_audit_logs_exported",
    "aws.neptune.cluster_deletion_protection",
]
INSTANCE_CHECKS = [
    "aws.dms.replication_instance_not_public",
    "aws.dms.replication_instance_multi_az",
    "aws.dms.replication_instance_auto_minor_version_upgrade",
]
ENDPOINT_CHECK = "aws.dms.endpoint_ssl_enabled"
PUBLIC_SUBNETS = "aws.neptune.cluster_not_in_public_subnets"


# --- neptune -------------------------------------------------------------------------------------------------------


def _neptune(endpoint: str, name: str, region: str = REGION, **settings: Any) -> str:
    """Create Neptune cluster ``name`` (create_db_cluster's own ``settings``) and return its ARN."""
    created = aws(endpoint, "neptune", region).create_db_cluster(DBClusterIdentifier=name, Engine="neptune", **settings)
    return str(created["DBCluster"]["DBClusterArn"])


def test_neptune_checks_pass_a_hardened_cluster_and_fail_a_bare_one(moto_reset: str) -> None:
    # given a cluster encrypted, keeping a week of backups, exporting its audit log and protected from deletion; and
    # a cluster created with Neptune's defaults
    hardened = _neptune(
        moto_reset,
        "graph",
        StorageEncrypted=True,
        BackupRetentionPeriod=7,
        EnableCloudwatchLogsExports=["audit"],
        DeletionProtection=True,
    )
    bare = _neptune(moto_reset, "scratch-graph")
    # when the Neptune checks run on one collection
    collected = collect(moto_reset, NEPTUNE_CHECKS)
    # then the hardened cluster passes each and the bare one fails each
    assert {cid: statuses(run(collected, cid)) for cid in NEPTUNE_CHECKS} == {
        cid: {hardened: PASS, bare: FAIL} for cid in NEPTUNE_CHECKS
    }
    # and the reasons name the cluster and what was seen
    reasons = {(cid, o.resource_id): o.reason for cid in NEPTUNE_CHECKS for o in run(collected, cid)}
    encrypted, retention, audit, protection = NEPTUNE_CHECKS
    assert reasons[(encrypted, hardened)].startswith("Neptune cluster graph encrypts its storage (KMS key ")
    assert reasons[(encrypted, bare)] == "Neptune cluster scratch-graph does not encrypt its storage"
    assert reasons[(retention, hardened)] == "Neptune cluster graph keeps automated backups for 7 days"
    assert reasons[(retention, bare)] == "Neptune cluster scratch-graph keeps automated backups for 1 day, under 7"
    assert reasons[(audit, hardened)] == "Neptune cluster graph exports its audit log to CloudWatch Logs"
    assert reasons[(audit, bare)] == "Neptune cluster scratch-graph exports no logs to CloudWatch Logs"
    assert reasons[(protection, hardened)] == "Neptune cluster graph has deletion protection on"
    assert reasons[(protection, bare)] == "Neptune cluster scratch-graph has deletion protection off"
    # and each outcome is filed in the cluster's region with what it judged
    outcome = next(o for o in run(collected, retention) if o.resource_id == bare)
    assert (outcome.region, outcome.observed) == (REGION, {"backup_retention_period": 1})


def test_a_cluster_copying_tags_with_replicas_in_two_zones_passes_and_a_lone_primary_fails(moto_reset: str) -> None:
    # given a cluster copying its tags to snapshots with a primary and a replica in two zones, and a cluster with
    # Neptune's defaults and one instance
    spread = _neptune(moto_reset, "graph", CopyTagsToSnapshot=True)
    lone = _neptune(moto_reset, "scratch-graph")
    neptune = aws(moto_reset, "neptune")
    members = (("graph-1", "graph", "a"), ("graph-2", "graph", "b"), ("scratch-1", "scratch-graph", "a"))
    for name, cluster, zone in members:
        neptune.create_db_instance(
            DBInstanceIdentifier=name,
            DBClusterIdentifier=cluster,
            Engine="neptune",
            DBInstanceClass="db.r5.large",
            AvailabilityZone=f"{REGION}{zone}",
        )
    checks = ["aws.neptune.cluster_copy_tags_to_snapshot", "aws.neptune.cluster_multi_az"]
    # when both checks run on one collection
    collected = collect(moto_reset, checks)
    # then the spread cluster passes both and the lone one fails both, the reasons saying what was seen
    assert {cid: statuses(run(collected, cid)) for cid in checks} == {cid: {spread: PASS, lone: FAIL} for cid in checks}
    reasons = {(cid, o.resource_id): o.reason for cid in checks for o in run(collected, cid)}
    tags, zones = checks
    assert reasons[(tags, spread)] == "Neptune cluster graph copies its tags to snapshots"
    assert reasons[(tags, lone)] == "Neptune cluster scratch-graph does not copy its tags to snapshots"
    assert reasons[(zones, spread)] == "Neptune cluster graph has instances in more than one Availability Zone"
    assert reasons[(zones, lone)] == (
        "Neptune cluster scratch-graph has no instance in a second Availability Zone to fail over to (1 instance)"
    )
    outcome = next(o for o in run(collected, zones) if o.resource_id == spread)
    assert outcome.observed == {"multi_az": True, "instances": 2}
    # and clusters collected before these fields were kept are judged by neither
    for data in collected.data["neptune"]["regions"].values():
        for cluster in data["clusters"]:
            del cluster["copy_tags_to_snapshot"], cluster["multi_az"], cluster["members"]
    assert [o for cid in checks for o in run(collected, cid)] == []


def test_iam_database_authentication_passes_when_on_and_fails_when_off(moto_reset: str) -> None:
    # given a cluster requiring IAM database authentication and one with Neptune's default (off)
    signed = _neptune(moto_reset, "graph", EnableIAMDatabaseAuthentication=True)
    open_graph = _neptune(moto_reset, "open-graph")
    check = "aws.neptune.cluster_iam_authentication_enabled"
    # when the check runs
    collected = collect(moto_reset, [check])
    outcomes = run(collected, check)
    # then the first passes and the second fails, saying so
    assert statuses(outcomes) == {signed: PASS, open_graph: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[open_graph] == "Neptune cluster open-graph has IAM database authentication off"
    # and clusters collected before the setting was kept are not judged on it
    for data in collected.data["neptune"]["regions"].values():
        for cluster in data["clusters"]:
            del cluster["iam_auth"]
    assert run(collected, check) == []


def test_neptune_clusters_fail_when_their_subnet_group_holds_a_subnet_routed_to_the_internet(moto_reset: str) -> None:
    # given a VPC with two private subnets and one routed to an internet gateway, a subnet group of the private two
    # and one mixing a private subnet with the public one, and a cluster in each
    neptune = aws(moto_reset, "neptune")
    private_a, private_b, public = two_private_one_public_subnet(moto_reset, 9)
    for name, subnets in (("graph-private", [private_a, private_b]), ("graph-mixed", [private_a, public])):
        neptune.create_db_subnet_group(DBSubnetGroupName=name, DBSubnetGroupDescription=name, SubnetIds=subnets)
    hidden = _neptune(moto_reset, "graph", DBSubnetGroupName="graph-private")
    exposed = _neptune(moto_reset, "exposed", DBSubnetGroupName="graph-mixed")
    # when the check runs
    collected = collect(moto_reset, [PUBLIC_SUBNETS])
    outcomes = run(collected, PUBLIC_SUBNETS)
    # then the cluster beside the public subnet fails, naming it
    assert statuses(outcomes) == {hidden: PASS, exposed: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[exposed] == (
        "Neptune cluster exposed uses subnet group graph-mixed with subnets routed to an internet gateway: "
        f"['{public}']"
    )
    assert reasons[hidden] == (
        "Neptune cluster graph uses subnet group graph-private, none of whose subnets routes to an internet gateway"
    )
    # and clusters collected before the subnet group was kept are not judged on it
    for data in collected.data["neptune"]["regions"].values():
        for cluster in data["clusters"]:
            del cluster["subnet_group"]
    assert run(collected, PUBLIC_SUBNETS) == []


def test_a_neptune_subnet_group_that_cannot_be_listed_is_an_error(moto_reset: str) -> None:
    # given a cluster in a subnet group, and RDS refusing to list subnet groups
    subnet = aws(moto_reset, "ec2").describe_subnets()["Subnets"][0]["SubnetId"]
    aws(moto_reset, "neptune").create_db_subnet_group(
        DBSubnetGroupName="graph", DBSubnetGroupDescription="graph", SubnetIds=[subnet]
    )
    arn = _neptune(moto_reset, "graph", DBSubnetGroupName="graph")
    built = connector(moto_reset)
    refused = query_error("AccessDenied", "not allowed")
    built.session.events.register("before-send.neptune.DescribeDBSubnetGroups", lambda **_: refused)
    # when the check runs
    outcome = only(run(built.collect({"neptune", "route_tables"}), PUBLIC_SUBNETS))
    # then the cluster is an error naming the refusal
    assert (outcome.resource_id, outcome.status) == (arn, ERROR)
    assert outcome.reason.startswith("Could not read subnet group graph of Neptune cluster graph: ")
    assert "AccessDenied" in outcome.reason


def test_exporting_only_the_slow_query_log_fails_the_audit_check(moto_reset: str) -> None:
    # given a cluster exporting its slow query log but not its audit log
    arn = _neptune(moto_reset, "slow", EnableCloudwatchLogsExports=["slowquery"])
    # when the audit log check runs
    outcome = only(scan(moto_reset, "aws.neptune.cluster_audit_logs_exported"))
    # then it fails, saying what is exported
    assert (outcome.resource_id, outcome.status) == (arn, FAIL)
    assert outcome.reason == "Neptune cluster slow exports slowquery logs to CloudWatch Logs but not its audit log"
    assert outcome.observed == {"log_exports": ["slowquery"]}


def test_rds_clusters_are_not_judged_as_neptune_and_neptune_storage_is_judged_once(moto_reset: str) -> None:
    # given an unencrypted Neptune cluster with an instance, an Aurora cluster beside it, and a plain RDS instance:
    # RDS's API answers the Neptune instance among its own, and Neptune's the Aurora cluster among its own
    graph = _neptune(moto_reset, "graph")
    aws(moto_reset, "neptune").create_db_instance(
        DBInstanceIdentifier="graph-1", DBClusterIdentifier="graph", Engine="neptune", DBInstanceClass="db.r5.large"
    )
    aws(moto_reset, "rds").create_db_cluster(
        DBClusterIdentifier="orders",
        Engine="aurora-postgresql",
        MasterUsername="app",
        MasterUserPassword="a-long-password-1",
    )
    db_instance(moto_reset, "billing")
    listed = aws(moto_reset, "rds").describe_db_instances()["DBInstances"]
    assert {d["DBInstanceIdentifier"] for d in listed} == {"graph-1", "billing"}
    # when the Neptune and RDS storage encryption checks run on one collection
    encryption = ["aws.neptune.cluster_storage_encrypted", "aws.rds.storage_encrypted"]
    collected = collect(moto_reset, encryption)
    # then the Neptune cluster is judged once, by the Neptune check, and the Aurora cluster not at all by it; the RDS
    # check judges the RDS instance only
    assert statuses(run(collected, "aws.neptune.cluster_storage_encrypted")) == {graph: FAIL}
    assert statuses(run(collected, "aws.rds.storage_encrypted")) == {"billing": FAIL}
    # and the RDS checks of a member's own settings still see the Neptune instance
    assert set(statuses(run(collected, "aws.rds.auto_minor_version_upgrade"))) == {"graph-1", "billing"}


def test_an_endpoint_ignoring_the_engine_filter_still_gets_only_neptune_clusters_judged(moto_reset: str) -> None:
    # given a Neptune cluster and an Aurora cluster, and a connector whose Neptune listing is sent without its filter
    # (as an endpoint ignoring it would answer)
    graph = _neptune(moto_reset, "graph", DeletionProtection=True)
    aws(moto_reset, "rds").create_db_cluster(
        DBClusterIdentifier="orders",
        Engine="aurora-postgresql",
        MasterUsername="app",
        MasterUserPassword="a-long-password-1",
    )
    built = connector(moto_reset)

    def drop_filters(params: dict[str, Any], **_: Any) -> None:
        params.pop("Filters", None)

    built.session.events.register("provide-client-params.neptune.DescribeDBClusters", drop_filters)
    # when the deletion protection check runs
    outcomes = run(built.collect({"neptune"}), "aws.neptune.cluster_deletion_protection")
    # then only the Neptune cluster is judged
    assert statuses(outcomes) == {graph: PASS}


def test_neptune_clusters_are_judged_in_their_own_region_only(moto_reset: str) -> None:
    # given a cluster in the other region only
    arn = _neptune(moto_reset, "west-graph", region=OTHER_REGION)
    # when the encryption check scans both regions
    outcome = only(scan(moto_reset, "aws.neptune.cluster_storage_encrypted", [REGION, OTHER_REGION]))
    # then the cluster is judged once, in its region
    assert (outcome.resource_id, outcome.region, outcome.status) == (arn, OTHER_REGION, FAIL)


# --- dms -----------------------------------------------------------------------------------------------------------


def _replication_instance(endpoint: str, name: str, region: str = REGION, **settings: Any) -> str:
    """Create replication instance ``name`` (create_replication_instance's own ``settings``) and return its ARN."""
    created = aws(endpoint, "dms", region).create_replication_instance(
        ReplicationInstanceIdentifier=name, ReplicationInstanceClass="dms.t3.medium", **settings
    )
    return str(created["ReplicationInstance"]["ReplicationInstanceArn"])


def _endpoint(endpoint: str, name: str, engine: str, **settings: Any) -> str:
    """Create DMS endpoint ``name`` of ``engine`` (create_endpoint's own ``settings``) and return its ARN."""
    if engine != "s3":
        server = {"ServerName": "db.internal", "Port": 5432, "Username": "dms", "Password": "a-long-password-1"}
        settings = {**server, "DatabaseName": "orders", **settings}
    created = aws(endpoint, "dms").create_endpoint(
        EndpointIdentifier=name, EndpointType="source", EngineName=engine, **settings
    )
    return str(created["Endpoint"]["EndpointArn"])


def test_replication_instance_checks_pass_a_private_redundant_instance_and_fail_an_exposed_one(
    moto_reset: str,
) -> None:
    # given an instance private, Multi-AZ and upgrading minor versions; and one public, in one zone, not upgrading
    hardened = _replication_instance(
        moto_reset, "migrate", PubliclyAccessible=False, MultiAZ=True, AutoMinorVersionUpgrade=True
    )
    exposed = _replication_instance(
        moto_reset, "legacy", PubliclyAccessible=True, MultiAZ=False, AutoMinorVersionUpgrade=False
    )
    # when the instance checks run on one collection
    collected = collect(moto_reset, INSTANCE_CHECKS)
    # then the hardened instance passes each and the exposed one fails each
    assert {cid: statuses(run(collected, cid)) for cid in INSTANCE_CHECKS} == {
        cid: {hardened: PASS, exposed: FAIL} for cid in INSTANCE_CHECKS
    }
    reasons = {(cid, o.resource_id): o.reason for cid in INSTANCE_CHECKS for o in run(collected, cid)}
    public, multi_az, upgrades = INSTANCE_CHECKS
    assert reasons[(public, hardened)] == "DMS replication instance migrate is not publicly accessible"
    assert reasons[(public, exposed)] == "DMS replication instance legacy is publicly accessible"
    assert reasons[(multi_az, hardened)] == "DMS replication instance migrate is Multi-AZ"
    assert reasons[(multi_az, exposed)] == "DMS replication instance legacy runs in a single Availability Zone"
    assert (
        reasons[(upgrades, hardened)] == "DMS replication instance migrate applies minor engine upgrades automatically"
    )
    assert reasons[(upgrades, exposed)] == "DMS replication instance legacy has auto minor version upgrade off"


def test_settings_a_replication_instance_does_not_report_are_read_as_dms_defaults(moto_reset: str) -> None:
    # given an instance created without any of the three settings (moto then reports none of them; DMS's defaults
    # are a public address, one zone and minor upgrades on)
    arn = _replication_instance(moto_reset, "defaults")
    # when the instance checks run
    collected = collect(moto_reset, INSTANCE_CHECKS)
    outcomes = {cid: only(run(collected, cid)) for cid in INSTANCE_CHECKS}
    # then it is judged on those defaults, and the reasons say so
    public, multi_az, upgrades = INSTANCE_CHECKS
    assert {cid: (o.resource_id, o.status) for cid, o in outcomes.items()} == {
        public: (arn, FAIL),
        multi_az: (arn, FAIL),
        upgrades: (arn, PASS),
    }
    assert outcomes[public].reason == (
        "DMS replication instance defaults is publicly accessible (not reported, so DMS's default)"
    )
    assert outcomes[upgrades].observed == {"auto_minor_version_upgrade": True}


def test_database_endpoints_pass_with_ssl_and_fail_without_and_service_endpoints_are_not_judged(
    moto_reset: str,
) -> None:
    # given database endpoints verifying the server's certificate, with SSL mode none, and with no SSL mode given;
    # and an S3 endpoint, which has no SSL mode of its own
    verified = _endpoint(moto_reset, "orders-src", "postgres", SslMode="verify-full")
    plain = _endpoint(moto_reset, "orders-copy", "postgres", SslMode="none")
    unset = _endpoint(moto_reset, "shop-src", "mysql", Port=3306)
    _endpoint(
        moto_reset,
        "lake",
        "s3",
        S3Settings={"BucketName": "lake", "ServiceAccessRoleArn": "arn:aws:iam::123456789012:role/dms"},
    )
    # when the endpoint check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, ENDPOINT_CHECK)}
    # then the verified endpoint passes, the two without SSL fail, and the S3 endpoint is not judged
    assert {arn: o.status for arn, o in outcomes.items()} == {verified: PASS, plain: FAIL, unset: FAIL}
    assert outcomes[verified].reason == "DMS source endpoint orders-src (postgres) connects with SSL mode verify-full"
    assert outcomes[plain].reason == "DMS source endpoint orders-copy (postgres) connects without SSL (SSL mode none)"
    assert outcomes[unset].reason == (
        "DMS source endpoint shop-src (mysql) connects without SSL (SSL mode not reported, so DMS's default none)"
    )
    assert outcomes[plain].observed == {"engine": "postgres", "ssl_mode": "none"}


def test_redis_targets_are_judged_by_their_own_tls_setting(moto_reset: str) -> None:
    # given Redis target endpoints: TLS asked for, plaintext, and no protocol given (DMS's default is TLS); each
    # reports SslMode none, as Redis endpoints do whatever their TLS
    def redis(name: str, **tls: str) -> str:
        created = aws(moto_reset, "dms").create_endpoint(
            EndpointIdentifier=name,
            EndpointType="target",
            EngineName="redis",
            RedisSettings={"ServerName": "cache.internal", "Port": 6379, **tls},
        )
        return str(created["Endpoint"]["EndpointArn"])

    tls = redis("cache-tls", SslSecurityProtocol="ssl-encryption")
    plain = redis("cache-plain", SslSecurityProtocol="plaintext")
    unset = redis("cache-default")
    # when the endpoint check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, ENDPOINT_CHECK)}
    # then the plaintext one fails and the other two pass, the reasons naming the setting
    assert {arn: o.status for arn, o in outcomes.items()} == {tls: PASS, plain: FAIL, unset: PASS}
    assert outcomes[plain].reason == (
        "DMS target endpoint cache-plain (redis) connects without TLS (Redis security protocol plaintext)"
    )
    assert outcomes[unset].reason == (
        "DMS target endpoint cache-default (redis) connects with TLS "
        "(Redis security protocol not reported, so DMS's default ssl-encryption)"
    )
    assert outcomes[plain].observed == {"engine": "redis", "redis_ssl_protocol": "plaintext"}


def test_endpoints_that_cannot_be_listed_are_an_error_for_the_endpoint_check_only(moto_reset: str) -> None:
    # given a private replication instance and an endpoint, and a connector DMS refuses the endpoint listing
    arn = _replication_instance(moto_reset, "migrate", PubliclyAccessible=False)
    _endpoint(moto_reset, "orders-src", "postgres", SslMode="require")
    built = connector(moto_reset)
    refusal = json_reply({"__type": "AccessDeniedFault", "Message": "denied"}, 400)
    built.session.events.register("before-send.database-migration-service.DescribeEndpoints", lambda **_: refusal)
    # when DMS is collected and the checks run
    collected = built.collect({"dms"})
    # then the endpoint check reports an error for the region, saying why, and the instance checks still judge
    outcome = only(run(collected, ENDPOINT_CHECK))
    assert (outcome.status, outcome.region) == (ERROR, REGION)
    assert outcome.reason.startswith(
        f"Could not list the DMS endpoints in {REGION}: DescribeEndpoints failed with AccessDeniedFault"
    )
    assert statuses(run(collected, "aws.dms.replication_instance_not_public")) == {arn: PASS}


MONGODB_AUTH = "aws.dms.endpoint_mongodb_authentication_enabled"
NEPTUNE_IAM = "aws.dms.endpoint_neptune_iam_authorization_enabled"


def test_mongodb_endpoints_pass_unless_they_connect_without_signing_in(moto_reset: str) -> None:
    # given MongoDB source endpoints signing in with a password, connecting without authentication, and giving no
    # authentication type (DMS's default, password); and a PostgreSQL endpoint, which this check does not judge
    def mongodb(name: str, **auth: str) -> str:
        return _endpoint(moto_reset, name, "mongodb", MongoDbSettings={"ServerName": "docs.internal", **auth})

    signed = mongodb("catalog", AuthType="password", AuthMechanism="scram_sha_1")
    open_door = mongodb("reviews", AuthType="no")
    unset = mongodb("carts")
    _endpoint(moto_reset, "orders", "postgres")
    # when the MongoDB check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, MONGODB_AUTH)}
    # then only the one without authentication fails
    assert {arn: o.status for arn, o in outcomes.items()} == {signed: PASS, open_door: FAIL, unset: PASS}
    assert outcomes[open_door].reason == (
        "DMS source endpoint reviews (mongodb) connects without signing in: authentication type no"
    )
    assert outcomes[unset].reason == (
        "DMS source endpoint carts (mongodb) signs in with authentication type password (not reported: DMS's default)"
    )


def test_neptune_targets_pass_only_with_iam_authorization(moto_reset: str) -> None:
    # given Neptune target endpoints with IAM authorization on, off, and not given (DMS's default, off)
    def neptune(name: str, **iam: bool) -> str:
        created = aws(moto_reset, "dms").create_endpoint(
            EndpointIdentifier=name,
            EndpointType="target",
            EngineName="neptune",
            NeptuneSettings={"S3BucketName": "graph-staging", "S3BucketFolder": name, **iam},
        )
        return str(created["Endpoint"]["EndpointArn"])

    authorized = neptune("graph", IamAuthEnabled=True)
    anonymous = neptune("legacy-graph", IamAuthEnabled=False)
    unset = neptune("new-graph")
    # when the Neptune check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, NEPTUNE_IAM)}
    # then only the one authorized with IAM passes
    assert {arn: o.status for arn, o in outcomes.items()} == {authorized: PASS, anonymous: FAIL, unset: FAIL}
    assert outcomes[anonymous].reason == "DMS target endpoint legacy-graph (neptune) is not authorized with IAM"
    assert outcomes[authorized].observed == {"iam_auth_enabled": True}
