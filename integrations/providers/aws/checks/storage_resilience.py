"""Storage resilience checks: AWS Backup vaults under a customer managed key, customer keys kept to one Region, FSx
file systems that copy their tags and Windows ones spread over two zones, and ElastiCache clusters kept off subnets
routed to the internet (Neptune's cluster snapshots: ``cluster_snapshots``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import KmsKey
from ..shapes_containers import CacheCluster, CacheSubnetGroup
from ..shapes_databases import DbSubnetGroup
from ..shapes_network import RouteTable
from ..shapes_storage import BackupVault, FsxFileSystem
from ._common import aws_check, error, items, regions, result

VAULT = "AWS::Backup::BackupVault"
KEY = "AWS::KMS::Key"
FILE_SYSTEM = "AWS::FSx::FileSystem"
CACHE_CLUSTER = "AWS::ElastiCache::CacheCluster"
# File systems on their way out are not judged.
_FSX_GONE = frozenset({"DELETING", "FAILED"})
WINDOWS_MULTI_AZ = "MULTI_AZ_1"


# --- AWS Backup vault keys -----------------------------------------------------------------------------------------


def _vaults(inventory: Inventory) -> Iterator[BackupVault]:
    return items(inventory, "backup", "vaults")


def _key_account(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if arn.startswith("arn:") and len(parts) > 4 else None


@aws_check(
    id="aws.backup.vault_customer_managed_key",
    title="AWS Backup vaults encrypt recovery points with a customer managed KMS key",
    severity=Severity.LOW,
    service="backup",
    resource_type=VAULT,
    rationale="Every vault is encrypted, by default under AWS Backup's AWS managed key (aws/backup), whose policy "
    "the account cannot change. A customer managed key lets the account decide who may use it to read backups, "
    "revoke that use after a compromise, and keep the key in a separate security account.",
    remediation="A vault's key cannot be changed: create a new vault with a customer managed KMS key, point the "
    "backup plans' rules at it, and retire the old vault once its recovery points expire.",
)
def backup_vault_customer_managed_key(inventory: Inventory) -> Iterable[Outcome]:
    for vault in _vaults(inventory):
        name, region = str(vault.get("name")), str(vault.get("region", ""))
        vid, key = str(vault.get("arn") or name), vault.get("encryption_key_arn")
        if vault.get("key_error"):
            reason = f"Could not describe KMS key {key} of backup vault {name}: {vault['key_error']}"
            yield error(vid, VAULT, reason, region=region)
            continue
        manager = vault.get("key_manager")
        owner = _key_account(str(key or ""))
        foreign = owner is not None and owner != inventory.account_id
        if key and manager is None and not foreign:
            yield error(vid, VAULT, f"Could not tell who manages KMS key {key} of backup vault {name}", region=region)
            continue
        ok = manager == "CUSTOMER" or foreign
        if not key:
            reason = f"Backup vault {name} reports no KMS key, which means AWS Backup's AWS managed key (aws/backup)"
        elif foreign:
            reason = f"Backup vault {name} is encrypted with KMS key {key} of account {owner}"
        elif ok:
            reason = f"Backup vault {name} is encrypted with customer managed KMS key {key}"
        else:
            reason = f"Backup vault {name} is encrypted with AWS managed KMS key {key}"
        yield result(ok, vid, VAULT, reason, region=region, kms_key=key, key_manager=manager)


# --- KMS keys kept to one Region -------------------------------------------------------------------------------------


def _customer_keys(inventory: Inventory) -> Iterator[KmsKey]:
    return (k for k in items(inventory, "kms", "keys") if k.get("manager") == "CUSTOMER" and "multi_region" in k)


@aws_check(
    id="aws.kms.key_not_multi_region",
    title="Customer managed KMS keys are single-Region keys",
    severity=Severity.LOW,
    service="kms",
    resource_type=KEY,
    rationale="A multi-Region key shares its key material with its replicas, so data encrypted in one Region can "
    "be decrypted in every Region holding a replica, under that replica's own key policy. Unless cross-Region "
    "decryption is a designed need (global tables, disaster recovery), a single-Region key keeps the data's key, "
    "and the policies guarding it, in one place.",
    remediation="Encrypt new data under a single-Region customer managed key and re-encrypt what the multi-Region "
    "key protects; schedule the replicas and then the primary key for deletion once nothing uses them. Keep a "
    "multi-Region key only where cross-Region decryption is required, and record why.",
)
def kms_key_not_multi_region(inventory: Inventory) -> Iterable[Outcome]:
    for key in _customer_keys(inventory):
        kid, kind = str(key.get("id")), key.get("multi_region")
        ok = not kind
        reason = (
            f"KMS key {kid} is a single-Region key"
            if ok
            else f"KMS key {kid} is a multi-Region {str(kind).lower()} key: its key material is shared across Regions"
        )
        yield result(ok, kid, KEY, reason, region=str(key.get("region", "")), multi_region=kind)


# --- FSx file systems ------------------------------------------------------------------------------------------------


def _file_systems(inventory: Inventory, *types: str) -> Iterator[FsxFileSystem]:
    for fs in items(inventory, "fsx", "file_systems"):
        if fs.get("type") in types and fs.get("lifecycle") not in _FSX_GONE:
            yield fs


def _fsx_label(fs: FsxFileSystem) -> str:
    return f"{str(fs.get('type') or 'FSx').capitalize().replace('Openzfs', 'OpenZFS')} file system {fs.get('id')}"


@aws_check(
    id="aws.fsx.file_system_copy_tags_to_backups",
    title="FSx file systems copy their tags to their backups",
    severity=Severity.LOW,
    service="fsx",
    resource_type=FILE_SYSTEM,
    rationale="Tags carry the owner, data classification and retention of a file system; backups made without them "
    "escape the tag-based access policies, cost allocation and backup selections that the file system is under.",
    remediation="Turn on CopyTagsToBackups for the file system (UpdateFileSystem, in the configuration of its type).",
)
def fsx_copy_tags_to_backups(inventory: Inventory) -> Iterable[Outcome]:
    # ONTAP sets tag copying per volume, not per file system; scratch Lustre file systems take no backups.
    for fs in _file_systems(inventory, "WINDOWS", "LUSTRE", "OPENZFS"):
        if fs.get("type") == "LUSTRE" and str(fs.get("deployment_type") or "").startswith("SCRATCH"):
            continue
        ok = fs.get("copy_tags_to_backups") is True
        reason = f"{_fsx_label(fs)} {'copies' if ok else 'does not copy'} its tags to its backups"
        yield result(ok, str(fs.get("arn") or fs.get("id")), FILE_SYSTEM, reason, region=str(fs.get("region", "")))


@aws_check(
    id="aws.fsx.openzfs_copy_tags_to_volumes",
    title="FSx for OpenZFS file systems copy their tags to their volumes",
    severity=Severity.LOW,
    service="fsx",
    resource_type=FILE_SYSTEM,
    rationale="Volumes created without the file system's tags lose its owner and classification, and fall outside "
    "the tag-based access policies and backup selections written for it.",
    remediation="Turn on CopyTagsToVolumes for the file system (UpdateFileSystem, OpenZFSConfiguration).",
)
def fsx_openzfs_copy_tags_to_volumes(inventory: Inventory) -> Iterable[Outcome]:
    for fs in _file_systems(inventory, "OPENZFS"):
        ok = fs.get("copy_tags_to_volumes") is True
        reason = f"{_fsx_label(fs)} {'copies' if ok else 'does not copy'} its tags to its volumes"
        yield result(ok, str(fs.get("arn") or fs.get("id")), FILE_SYSTEM, reason, region=str(fs.get("region", "")))


@aws_check(
    id="aws.fsx.windows_file_system_multi_az",
    title="FSx for Windows File Server file systems are Multi-AZ",
    severity=Severity.MEDIUM,
    service="fsx",
    resource_type=FILE_SYSTEM,
    rationale="A Single-AZ file system lives in one Availability Zone: an outage there leaves every share "
    "unreachable until the zone recovers. A Multi-AZ one keeps a standby file server in a second zone and fails "
    "over to it on its own.",
    remediation="The deployment type cannot be changed: restore a backup of the file system into a new MULTI_AZ_1 "
    "file system (with a preferred subnet and a standby subnet in two zones) and move the shares' users to it.",
)
def fsx_windows_multi_az(inventory: Inventory) -> Iterable[Outcome]:
    for fs in _file_systems(inventory, "WINDOWS"):
        # AWS always reports the deployment type; a missing one is read as its default, SINGLE_AZ_1.
        deployment = fs.get("deployment_type") or "SINGLE_AZ_1"
        ok = deployment == WINDOWS_MULTI_AZ
        reason = f"{_fsx_label(fs)} is {'Multi-AZ' if ok else 'in a single Availability Zone'} ({deployment})"
        fid, region = str(fs.get("arn") or fs.get("id")), str(fs.get("region", ""))
        yield result(ok, fid, FILE_SYSTEM, reason, region=region, deployment_type=deployment)


# --- ElastiCache clusters and public subnets -------------------------------------------------------------------------


def route_tables_by_subnet(tables: list[RouteTable]) -> dict[tuple[str, str], RouteTable]:
    """(region, subnet id) -> its route table: the explicitly associated one, else (keyed by the VPC) the main one."""
    found: dict[tuple[str, str], RouteTable] = {}
    for table in tables:
        if table.get("main"):
            found[(table["region"], f"main:{table.get('vpc_id')}")] = table
        for subnet in table.get("subnet_ids", []):
            found[(table["region"], subnet)] = table
    return found


@aws_check(
    id="aws.elasticache.cache_cluster_not_in_public_subnet",
    title="ElastiCache clusters are not in subnets routed to an internet gateway",
    severity=Severity.MEDIUM,
    service="elasticache",
    resource_type=CACHE_CLUSTER,
    rationale="A cache holds session tokens and copies of database rows and is rarely meant to face the internet; "
    "placing its nodes in subnets that route to an internet gateway leaves one security group mistake between the "
    "cache and the internet.",
    remediation="Create a cache subnet group of private subnets (no route to an internet gateway) and move the "
    "cluster to it (a new cluster restored from a backup, as a cluster's subnet group cannot be changed).",
    requires=("elasticache", "route_tables"),
)
def elasticache_not_in_public_subnet(inventory: Inventory) -> Iterable[Outcome]:
    tables = route_tables_by_subnet(list(items(inventory, "route_tables", "route_tables")))
    for region, data in regions(inventory, "elasticache"):
        groups: dict[str, CacheSubnetGroup] = {g["name"]: g for g in data.get("subnet_groups", [])}
        cluster: CacheCluster
        for cluster in data.get("cache_clusters", []):
            group_name = cluster.get("cache_subnet_group")
            if not group_name:
                continue  # no subnet group reported: not placed in a VPC's subnets
            cid, label = str(cluster.get("arn") or cluster.get("id")), f"Cache cluster {cluster.get('id')}"
            placement = subnet_group_placement(
                tables, region, label, group_name, groups.get(group_name), data.get("subnet_groups_error")
            )
            yield placement.outcome(cid, CACHE_CLUSTER, region)


@dataclass(frozen=True)
class Placement:
    passed: bool | None  # None: not judged (the reason says what could not be read)
    reason: str
    public: list[str]  # the group's subnets routed to an internet gateway

    def outcome(self, resource_id: str, resource_type: str, region: str, **observed: object) -> Outcome:
        """The resource's outcome: an error when the placement could not be judged."""
        if self.passed is None:
            return error(resource_id, resource_type, self.reason, region=region)
        return result(
            self.passed, resource_id, resource_type, self.reason, region=region, public_subnets=self.public, **observed
        )


def subnet_group_placement(
    tables: dict[tuple[str, str], RouteTable],
    region: str,
    label: str,
    group_name: str,
    group: CacheSubnetGroup | DbSubnetGroup | None,
    listing_error: str | None,
) -> Placement:
    """Whether a resource placed by a subnet group (ElastiCache's, Neptune's) keeps out of subnets routed out."""
    if group is None:
        failure = listing_error or "the group was not listed"
        return Placement(None, f"Could not read subnet group {group_name} of {label}: {failure}", [])
    public, unknown = _public_subnets(tables, region, [(subnet, group.get("vpc_id")) for subnet in group["subnet_ids"]])
    if unknown and not public:
        return Placement(None, f"Could not find the route tables of subnets {unknown} of {label}", [])
    if public:
        reason = f"{label} uses subnet group {group_name} with subnets routed to an internet gateway: {public}"
    else:
        reason = f"{label} uses subnet group {group_name}, none of whose subnets routes to an internet gateway"
    return Placement(not public, reason, public)


def _public_subnets(
    tables: dict[tuple[str, str], RouteTable], region: str, subnets: list[tuple[str, str | None]]
) -> tuple[list[str], list[str]]:
    """(subnets routed to an internet gateway, subnets whose route table was not found) among (subnet, VPC) pairs."""
    public, unknown = set(), set()
    for subnet, vpc in subnets:
        table = tables.get((region, subnet)) or tables.get((region, f"main:{vpc}"))
        if table is None:
            unknown.add(subnet)
        elif table.get("internet_gateway_route"):
            public.add(subnet)
    return sorted(public), sorted(unknown)


EFS_FILE_SYSTEM = "AWS::EFS::FileSystem"


@aws_check(
    id="aws.efs.mount_targets_not_in_public_subnets",
    title="EFS file systems have no mount targets in subnets routed to an internet gateway",
    severity=Severity.MEDIUM,
    service="efs",
    resource_type=EFS_FILE_SYSTEM,
    rationale="A mount target is the file system's NFS endpoint in a subnet; in a subnet routed to an internet "
    "gateway it sits beside what faces the internet, under routes and network ACLs made for that, so one security "
    "group mistake leaves the shared files one hop from the internet. File storage belongs in private subnets.",
    remediation="Create mount targets in private subnets (no route to an internet gateway) of the same zones, move "
    "the clients to them, and delete the mount targets in public subnets.",
    requires=("efs", "route_tables"),
)
def efs_mount_targets_not_in_public_subnets(inventory: Inventory) -> Iterable[Outcome]:
    tables = route_tables_by_subnet(list(items(inventory, "route_tables", "route_tables")))
    for region, data in regions(inventory, "efs"):
        for fs in data.get("file_systems", []):
            if "mount_targets" not in fs and "mount_targets_error" not in fs:
                continue  # collected before mount targets were read
            fid, label = str(fs["id"]), f"EFS file system {fs['id']}"  # as the other EFS checks name it
            if fs.get("mount_targets_error"):
                reason = f"Could not read the mount targets of {label}: {fs['mount_targets_error']}"
                yield error(fid, EFS_FILE_SYSTEM, reason, region=region)
                continue
            targets = fs.get("mount_targets") or []
            if not targets:
                continue  # no mount target: nothing reaches the file system over the network
            public, unknown = _public_subnets(tables, region, [(t["subnet_id"], t.get("vpc_id")) for t in targets])
            if unknown and not public:
                reason = f"Could not find the route tables of subnets {unknown} of {label}'s mount targets"
                yield error(fid, EFS_FILE_SYSTEM, reason, region=region)
                continue
            reason = (
                f"{label} has mount targets in subnets routed to an internet gateway: {public}"
                if public
                else f"{label} has mount targets in {len(targets)} subnet(s), none routed to an internet gateway"
            )
            yield result(not public, fid, EFS_FILE_SYSTEM, reason, region=region, public_subnets=public)
