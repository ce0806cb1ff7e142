"""Storage resilience checks against moto: backup vault keys, multi-Region KMS keys, FSx tag copying and Multi-AZ,
Neptune cluster snapshots, ElastiCache clusters in public subnets."""

from __future__ import annotations

from typing import Any

from integrations.registry import Inventory, OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    answer,
    aws,
    collect,
    connector,
    internet_route,
    json_reply,
    query_error,
    run,
    statuses,
    two_private_one_public_subnet,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
VAULT_CHECK = "aws.backup.vault_customer_managed_key"
MULTI_REGION_CHECK = "aws.kms.key_not_multi_region"
TAGS_TO_BACKUPS = "aws.fsx.file_system_copy_tags_to_backups"
TAGS_TO_VOLUMES = "aws.fsx.openzfs_copy_tags_to_volumes"
WINDOWS_MULTI_AZ = "aws.fsx.windows_file_system_multi_az"
SNAPSHOT_PUBLIC = "aws.neptune.cluster_snapshot_not_public"
SNAPSHOT_ENCRYPTED = "aws.neptune.cluster_snapshot_encrypted"
CACHE_SUBNETS = "aws.elasticache.cache_cluster_not_in_public_subnet"


def _reasons(inv: Inventory, check_id: str) -> dict[str, str]:
    return {o.resource_id: o.reason for o in run(inv, check_id)}


def _vault(endpoint: str, name: str, key: str | None = None) -> str:
    settings = {"EncryptionKeyArn": key} if key else {}
    return str(aws(endpoint, "backup").create_backup_vault(BackupVaultName=name, **settings)["BackupVaultArn"])


# --- AWS Backup vault keys -------------------------------------------------------------------------------------------


def test_backup_vaults_pass_with_a_customer_managed_key_and_fail_on_aws_backups_default(moto_reset: str) -> None:
    # given a vault under a customer managed key, one with no key named (AWS Backup's AWS managed key), one under
    # another account's key, and one naming a key of the account's that KMS does not know
    key = aws(moto_reset, "kms").create_key()["KeyMetadata"]["Arn"]
    own = _vault(moto_reset, "own-key", key)
    default = _vault(moto_reset, "default-key")
    foreign = _vault(moto_reset, "foreign-key", "arn:aws:kms:us-east-1:111122223333:key/shared")
    missing = _vault(moto_reset, "missing-key", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-0000-0000-0000")
    # when the check runs
    inv = collect(moto_reset, [VAULT_CHECK])
    # then the customer and foreign keys pass, the default fails, and the unknown key is an error
    assert statuses(run(inv, VAULT_CHECK)) == {own: PASS, default: FAIL, foreign: PASS, missing: ERROR}
    reasons = _reasons(inv, VAULT_CHECK)
    assert reasons[own] == f"Backup vault own-key is encrypted with customer managed KMS key {key}"
    assert "AWS Backup's AWS managed key (aws/backup)" in reasons[default]
    assert reasons[foreign].endswith("of account 111122223333")
    assert reasons[missing].startswith("Could not describe KMS key")


def test_a_backup_vault_under_an_aws_managed_key_fails(moto_reset: str) -> None:
    # given a vault naming a key that KMS describes as AWS managed (moto makes no AWS managed key: KMS's answer is
    # replayed)
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
    vault = _vault(moto_reset, "aws-key", key)
    built = connector(moto_reset)
    described = json_reply({"KeyMetadata": {"KeyId": key.rsplit("/", 1)[1], "Arn": key, "KeyManager": "AWS"}})
    built.session.events.register("before-send.kms.DescribeKey", answer([lambda: described]))
    # when the check runs
    inv = built.collect({"backup"})
    # then the vault fails, naming the key
    assert statuses(run(inv, VAULT_CHECK)) == {vault: FAIL}
    assert _reasons(inv, VAULT_CHECK)[vault] == f"Backup vault aws-key is encrypted with AWS managed KMS key {key}"


# --- multi-Region KMS keys -------------------------------------------------------------------------------------------


def test_multi_region_customer_keys_fail_in_every_region_they_are_in(moto_reset: str) -> None:
    # given a single-Region key, and a multi-Region key replicated to a second region
    kms = aws(moto_reset, "kms")
    single = kms.create_key()["KeyMetadata"]["KeyId"]
    multi = kms.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
    kms.replicate_key(KeyId=multi, ReplicaRegion=OTHER_REGION)
    # when the check runs over both regions
    inv = collect(moto_reset, [MULTI_REGION_CHECK], regions=(REGION, OTHER_REGION))
    outcomes = run(inv, MULTI_REGION_CHECK)
    # then the single-Region key passes, and the primary and its replica each fail
    assert sorted((o.resource_id, o.region, o.status) for o in outcomes) == sorted(
        [(single, REGION, PASS), (multi, REGION, FAIL), (multi, OTHER_REGION, FAIL)]
    )
    reasons = {(o.resource_id, o.region): o.reason for o in outcomes}
    assert reasons[(single, REGION)] == f"KMS key {single} is a single-Region key"
    assert reasons[(multi, OTHER_REGION)].startswith(f"KMS key {multi} is a multi-Region replica key")


# --- FSx ------------------------------------------------------------------------------------------------------------


def _subnets(endpoint: str) -> list[str]:
    ec2 = aws(endpoint, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.8.{n}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"]
        for n, zone in ((1, "a"), (2, "b"))
    ]
    return [str(s["SubnetId"]) for s in subnets]


def _file_system(endpoint: str, kind: str, subnets: list[str], **settings: Any) -> str:
    capacity = {"WINDOWS": 32, "LUSTRE": 1200, "OPENZFS": 64, "ONTAP": 1024}[kind]
    created = aws(endpoint, "fsx").create_file_system(
        FileSystemType=kind, StorageCapacity=capacity, SubnetIds=subnets, **settings
    )
    return str(created["FileSystem"]["ResourceARN"])


def test_fsx_file_systems_copy_tags_to_backups_and_volumes(moto_reset: str) -> None:
    # given Windows, persistent Lustre and OpenZFS file systems with and without tag copying, a scratch Lustre one
    # (no backups) and an ONTAP one (tags copied per volume): neither of the last two is judged
    a, b = _subnets(moto_reset)
    windows = {"ThroughputCapacity": 8}
    copying = _file_system(moto_reset, "WINDOWS", [a], WindowsConfiguration={**windows, "CopyTagsToBackups": True})
    silent = _file_system(moto_reset, "WINDOWS", [a], WindowsConfiguration=windows)
    lustre = _file_system(
        moto_reset, "LUSTRE", [a], LustreConfiguration={"DeploymentType": "PERSISTENT_2", "CopyTagsToBackups": False}
    )
    _file_system(moto_reset, "LUSTRE", [a], LustreConfiguration={"DeploymentType": "SCRATCH_2"})
    zfs = {"DeploymentType": "SINGLE_AZ_1", "ThroughputCapacity": 64}
    both = _file_system(
        moto_reset,
        "OPENZFS",
        [a],
        OpenZFSConfiguration={**zfs, "CopyTagsToBackups": True, "CopyTagsToVolumes": True},
    )
    backups_only = _file_system(
        moto_reset, "OPENZFS", [a], OpenZFSConfiguration={**zfs, "CopyTagsToBackups": True, "CopyTagsToVolumes": False}
    )
    _file_system(
        moto_reset, "ONTAP", [a, b], OntapConfiguration={"DeploymentType": "MULTI_AZ_1", "ThroughputCapacity": 128}
    )
    # when both checks run
    inv = collect(moto_reset, [TAGS_TO_BACKUPS, TAGS_TO_VOLUMES])
    # then each file system with the setting is judged on it
    assert statuses(run(inv, TAGS_TO_BACKUPS)) == {
        copying: PASS,
        silent: FAIL,
        lustre: FAIL,
        both: PASS,
        backups_only: PASS,
    }
    assert statuses(run(inv, TAGS_TO_VOLUMES)) == {both: PASS, backups_only: FAIL}
    fsid = lustre.rsplit("/", 1)[1]
    assert _reasons(inv, TAGS_TO_BACKUPS)[lustre] == f"Lustre file system {fsid} does not copy its tags to its backups"
    fsid = backups_only.rsplit("/", 1)[1]
    assert (
        _reasons(inv, TAGS_TO_VOLUMES)[backups_only]
        == f"OpenZFS file system {fsid} does not copy its tags to its volumes"
    )


def test_fsx_windows_file_systems_must_be_multi_az(moto_reset: str) -> None:
    # given a Multi-AZ Windows file system, a Single-AZ 2 one, one reporting no deployment type (AWS's default,
    # SINGLE_AZ_1), and a Lustre one (not judged)
    a, b = _subnets(moto_reset)
    config = {"ThroughputCapacity": 8}
    multi = _file_system(
        moto_reset,
        "WINDOWS",
        [a, b],
        WindowsConfiguration={**config, "DeploymentType": "MULTI_AZ_1", "PreferredSubnetId": a},
    )
    single = _file_system(moto_reset, "WINDOWS", [a], WindowsConfiguration={**config, "DeploymentType": "SINGLE_AZ_2"})
    unsaid = _file_system(moto_reset, "WINDOWS", [a], WindowsConfiguration=config)
    _file_system(moto_reset, "LUSTRE", [a], LustreConfiguration={"DeploymentType": "PERSISTENT_2"})
    # when the check runs
    inv = collect(moto_reset, [WINDOWS_MULTI_AZ])
    # then only the Multi-AZ one passes
    assert statuses(run(inv, WINDOWS_MULTI_AZ)) == {multi: PASS, single: FAIL, unsaid: FAIL}
    reasons = _reasons(inv, WINDOWS_MULTI_AZ)
    assert reasons[multi].endswith("is Multi-AZ (MULTI_AZ_1)")
    assert reasons[unsaid].endswith("is in a single Availability Zone (SINGLE_AZ_1)")


# --- Neptune cluster snapshots --------------------------------------------------------------------------------------


def _neptune_snapshot(endpoint: str, cluster: str, snapshot: str, **settings: Any) -> str:
    neptune = aws(endpoint, "neptune")
    neptune.create_db_cluster(DBClusterIdentifier=cluster, Engine="neptune", **settings)
    created = neptune.create_db_cluster_snapshot(DBClusterIdentifier=cluster, DBClusterSnapshotIdentifier=snapshot)
    return str(created["DBClusterSnapshot"]["DBClusterSnapshotArn"])


def test_neptune_cluster_snapshots_are_private_and_encrypted(moto_reset: str) -> None:
    # given a public unencrypted snapshot, one shared with a named account, an encrypted private one, and an Aurora
    # cluster snapshot (not Neptune's, not judged); the clusters' automated snapshots are not judged either
    neptune = aws(moto_reset, "neptune")
    public = _neptune_snapshot(moto_reset, "graph-a", "public")
    neptune.modify_db_cluster_snapshot_attribute(
        DBClusterSnapshotIdentifier="public", AttributeName="restore", ValuesToAdd=["all"]
    )
    shared = _neptune_snapshot(moto_reset, "graph-b", "shared")
    neptune.modify_db_cluster_snapshot_attribute(
        DBClusterSnapshotIdentifier="shared", AttributeName="restore", ValuesToAdd=["111122223333"]
    )
    private = _neptune_snapshot(moto_reset, "graph-c", "private", StorageEncrypted=True)
    rds = aws(moto_reset, "rds")
    rds.create_db_cluster(
        DBClusterIdentifier="orders",
        Engine="aurora-postgresql",
        MasterUsername="app",
        MasterUserPassword="a-long-password-1",
    )
    rds.create_db_cluster_snapshot(DBClusterIdentifier="orders", DBClusterSnapshotIdentifier="orders-manual")
    # when both checks run
    inv = collect(moto_reset, [SNAPSHOT_PUBLIC, SNAPSHOT_ENCRYPTED])
    # then only the public snapshot fails the sharing check, and only the encrypted one passes encryption
    assert statuses(run(inv, SNAPSHOT_PUBLIC)) == {public: FAIL, shared: PASS, private: PASS}
    assert statuses(run(inv, SNAPSHOT_ENCRYPTED)) == {public: FAIL, shared: FAIL, private: PASS}
    reasons = _reasons(inv, SNAPSHOT_PUBLIC)
    assert reasons[public] == "Neptune cluster snapshot public is public: any AWS account may restore it"
    assert reasons[shared] == "Neptune cluster snapshot shared is not public (shared with 1 named account(s))"
    assert _reasons(inv, SNAPSHOT_ENCRYPTED)[private] == "Neptune cluster snapshot private is encrypted"


def test_neptune_snapshot_reads_that_fail_are_errors_for_the_snapshot_checks_only(moto_reset: str) -> None:
    # given a Neptune cluster with a snapshot, and RDS refusing first the snapshot listing, then the attributes read
    snapshot = _neptune_snapshot(moto_reset, "graph", "nightly", DeletionProtection=True)
    cluster_arn = f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:graph"
    denied = answer([lambda: query_error("AccessDenied", "not authorized", status=403)])
    listing = connector(moto_reset)
    listing.session.events.register("before-send.neptune.DescribeDBClusterSnapshots", denied)
    attributes = connector(moto_reset)
    attributes.session.events.register("before-send.neptune.DescribeDBClusterSnapshotAttributes", denied)
    # when Neptune is collected each way
    no_listing, no_attributes = listing.collect({"neptune"}), attributes.collect({"neptune"})
    # then a refused listing is an error for the region from both snapshot checks, the cluster still judged
    for check_id in (SNAPSHOT_PUBLIC, SNAPSHOT_ENCRYPTED):
        assert statuses(run(no_listing, check_id)) == {ACCOUNT: ERROR}
    assert statuses(run(no_listing, "aws.neptune.cluster_deletion_protection")) == {cluster_arn: PASS}
    # and a refused attributes read is an error from the sharing check only
    assert statuses(run(no_attributes, SNAPSHOT_PUBLIC)) == {snapshot: ERROR}
    assert statuses(run(no_attributes, SNAPSHOT_ENCRYPTED)) == {snapshot: FAIL}


# --- ElastiCache clusters in public subnets --------------------------------------------------------------------------


def _cache_cluster(endpoint: str, name: str, group: str | None = None) -> str:
    settings = {"CacheSubnetGroupName": group} if group else {}
    created = aws(endpoint, "elasticache").create_cache_cluster(
        CacheClusterId=name, Engine="redis", CacheNodeType="cache.t3.micro", NumCacheNodes=1, **settings
    )
    return str(created["CacheCluster"]["ARN"])


def test_elasticache_clusters_in_subnets_routed_to_the_internet_fail(moto_reset: str) -> None:
    # given a subnet group of two private subnets (the VPC's main table routes locally only), one mixing a private
    # subnet with one routed to an internet gateway, and a cluster in each, plus one reporting no subnet group
    ec2, elasticache = aws(moto_reset, "ec2"), aws(moto_reset, "elasticache")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    private_a, private_b, public = (
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{n}.0/24")["Subnet"]["SubnetId"] for n in (1, 2, 3)
    )
    internet_route(moto_reset, vpc, public)
    for group, subnets in (("private", [private_a, private_b]), ("mixed", [private_a, public])):
        elasticache.create_cache_subnet_group(
            CacheSubnetGroupName=group, CacheSubnetGroupDescription=group, SubnetIds=subnets
        )
    inside = _cache_cluster(moto_reset, "sessions", "private")
    exposed = _cache_cluster(moto_reset, "exposed", "mixed")
    _cache_cluster(moto_reset, "no-group")
    # when the check runs
    inv = collect(moto_reset, [CACHE_SUBNETS])
    # then the cluster with a public subnet fails, naming it; the one with no subnet group is not judged
    assert statuses(run(inv, CACHE_SUBNETS)) == {inside: PASS, exposed: FAIL}
    reasons = _reasons(inv, CACHE_SUBNETS)
    assert reasons[exposed] == (
        f"Cache cluster exposed uses subnet group mixed with subnets routed to an internet gateway: ['{public}']"
    )
    assert reasons[inside].endswith("none of whose subnets routes to an internet gateway")


def test_an_unreadable_cache_subnet_group_listing_is_an_error_for_the_subnet_check_only(moto_reset: str) -> None:
    # given a cluster in a subnet group, and ElastiCache refusing DescribeCacheSubnetGroups
    ec2 = aws(moto_reset, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    aws(moto_reset, "elasticache").create_cache_subnet_group(
        CacheSubnetGroupName="cache", CacheSubnetGroupDescription="cache", SubnetIds=[subnet]
    )
    cluster = _cache_cluster(moto_reset, "sessions", "cache")
    built = connector(moto_reset)
    denied = answer([lambda: query_error("AccessDenied", "not authorized", status=403)])
    built.session.events.register("before-send.elasticache.DescribeCacheSubnetGroups", denied)
    # when ElastiCache and the route tables are collected
    inv = built.collect({"elasticache", "route_tables"})
    # then the subnet check reports an error for the cluster, and the other cluster check still judges it
    assert statuses(run(inv, CACHE_SUBNETS)) == {cluster: ERROR}
    assert "AccessDenied" in _reasons(inv, CACHE_SUBNETS)[cluster]
    assert statuses(run(inv, "aws.elasticache.cache_cluster_auto_minor_version_upgrade")) == {cluster: PASS}


EFS_SUBNETS = "aws.efs.mount_targets_not_in_public_subnets"


def test_efs_file_systems_with_a_mount_target_in_a_public_subnet_fail(moto_reset: str) -> None:
    # given a file system with mount targets in two private subnets, one with a mount target in a subnet routed to
    # an internet gateway, and one without mount targets
    efs = aws(moto_reset, "efs")
    private_a, private_b, public = two_private_one_public_subnet(moto_reset, 8)
    systems = {name: efs.create_file_system(CreationToken=name)["FileSystemId"] for name in ("home", "web", "spare")}
    for subnet in (private_a, private_b):
        efs.create_mount_target(FileSystemId=systems["home"], SubnetId=subnet)
    efs.create_mount_target(FileSystemId=systems["web"], SubnetId=public)
    # when the mount target check runs
    inv = collect(moto_reset, [EFS_SUBNETS])
    outcomes = {o.resource_id: o for o in run(inv, EFS_SUBNETS)}
    # then the file system reachable from a public subnet fails, naming it; the one without mount targets is not judged
    assert {fid: o.status for fid, o in outcomes.items()} == {systems["home"]: PASS, systems["web"]: FAIL}
    assert outcomes[systems["web"]].reason == (
        f"EFS file system {systems['web']} has mount targets in subnets routed to an internet gateway: ['{public}']"
    )
    assert outcomes[systems["home"]].reason == (
        f"EFS file system {systems['home']} has mount targets in 2 subnet(s), none routed to an internet gateway"
    )
