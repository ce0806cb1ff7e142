"""ElastiCache replication group and cache cluster checks against moto."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import OTHER_REGION, REGION, aws, collect, only, run, scan, statuses

PASS, FAIL = OutcomeStatus.PASS, OutcomeStatus.FAIL
GROUP_CHECKS = [
    "aws.elasticache.replication_group_encrypted_at_rest",
    "aws.elasticache.replication_group_encrypted_in_transit",
    "aws.elasticache.replication_group_automatic_failover",
    "aws.elasticache.replication_group_multi_az",
    "aws.elasticache.replication_group_backups_enabled",
]
UPGRADES = "aws.elasticache.cache_cluster_auto_minor_version_upgrade"


def replication_group(endpoint: str, name: str, region: str = REGION, **settings: Any) -> str:
    """Create a two-node replication group ``name`` (create_replication_group's own ``settings``); its ARN."""
    created = aws(endpoint, "elasticache", region).create_replication_group(
        ReplicationGroupId=name,
        ReplicationGroupDescription=name,
        CacheNodeType="cache.t3.micro",
        NumCacheClusters=2,
        **{"Engine": "redis", **settings},
    )
    return str(created["ReplicationGroup"]["ARN"])


def cache_cluster(endpoint: str, name: str, engine: str = "redis", **settings: Any) -> str:
    created = aws(endpoint, "elasticache").create_cache_cluster(
        CacheClusterId=name, Engine=engine, CacheNodeType="cache.t3.micro", NumCacheNodes=1, **settings
    )
    return str(created["CacheCluster"]["ARN"])


HARDENED: dict[str, Any] = {
    "AtRestEncryptionEnabled": True,
    "TransitEncryptionEnabled": True,
    "TransitEncryptionMode": "required",
    "AutomaticFailoverEnabled": True,
    "MultiAZEnabled": True,
    "SnapshotRetentionLimit": 7,
}


def test_group_checks_pass_a_hardened_group_and_fail_a_bare_one(moto_reset: str) -> None:
    # given a Valkey group encrypted at rest and in transit, failing over across zones and backed up for a week; and
    # a Redis group created with none of that
    hardened = replication_group(moto_reset, "sessions", Engine="valkey", **HARDENED)
    bare = replication_group(moto_reset, "scratch")
    # when the five group checks run on one collection
    collected = collect(moto_reset, GROUP_CHECKS)
    # then the hardened group passes all five and the bare one fails all five
    assert {cid: statuses(run(collected, cid)) for cid in GROUP_CHECKS} == {
        cid: {hardened: PASS, bare: FAIL} for cid in GROUP_CHECKS
    }
    # and the reasons name the group, its engine and what was seen
    reasons = {(cid, o.resource_id): o.reason for cid in GROUP_CHECKS for o in run(collected, cid)}
    good, poor = "ElastiCache replication group sessions (valkey)", "ElastiCache replication group scratch (redis)"
    assert reasons[(GROUP_CHECKS[0], hardened)] == f"{good} encrypts its data at rest"
    assert reasons[(GROUP_CHECKS[0], bare)] == f"{poor} does not encrypt its data at rest"
    assert reasons[(GROUP_CHECKS[1], hardened)] == f"{good} requires TLS for connections (in-transit encryption on)"
    assert reasons[(GROUP_CHECKS[1], bare)] == (
        f"{poor} has in-transit encryption off, so clients connect and send data unencrypted"
    )
    assert reasons[(GROUP_CHECKS[2], hardened)] == f"{good} has automatic failover enabled"
    assert reasons[(GROUP_CHECKS[2], bare)] == f"{poor} has automatic failover disabled"
    assert reasons[(GROUP_CHECKS[3], hardened)] == f"{good} has Multi-AZ enabled"
    assert reasons[(GROUP_CHECKS[3], bare)] == f"{poor} has Multi-AZ disabled"
    assert reasons[(GROUP_CHECKS[4], hardened)] == f"{good} keeps automatic backups for 7 day(s)"
    assert reasons[(GROUP_CHECKS[4], bare)] == f"{poor} keeps no automatic backups (snapshot retention limit 0)"


def test_transit_encryption_in_preferred_mode_fails(moto_reset: str) -> None:
    # given a group with TLS on but in preferred mode, still taking plain connections
    arn = replication_group(moto_reset, "migrating", TransitEncryptionEnabled=True, TransitEncryptionMode="preferred")
    # when the in-transit check runs
    outcome = only(scan(moto_reset, GROUP_CHECKS[1]))
    # then it fails, saying why
    assert (outcome.resource_id, outcome.status) == (arn, FAIL)
    assert outcome.reason.endswith(
        "has in-transit encryption in preferred mode, so it still accepts unencrypted connections"
    )
    assert outcome.observed == {"transit_encryption": True, "transit_encryption_mode": "preferred"}


def test_one_day_of_backups_is_enough(moto_reset: str) -> None:
    # given a group keeping its automatic backups for a single day
    arn = replication_group(moto_reset, "daily", SnapshotRetentionLimit=1)
    # when the backup check runs
    # then it passes
    assert statuses(scan(moto_reset, GROUP_CHECKS[4])) == {arn: PASS}


def test_groups_are_judged_in_their_own_region(moto_reset: str) -> None:
    # given a group in the other region only
    arn = replication_group(moto_reset, "west", region=OTHER_REGION, MultiAZEnabled=True, AutomaticFailoverEnabled=True)
    # when the Multi-AZ check runs over both regions
    outcome = only(scan(moto_reset, GROUP_CHECKS[3], regions=[REGION, OTHER_REGION]))
    # then the group is judged once, in its region
    assert (outcome.resource_id, outcome.region, outcome.status) == (arn, OTHER_REGION, PASS)


def test_cache_clusters_pass_with_minor_upgrades_on_and_fail_with_them_off(moto_reset: str) -> None:
    # given a Redis cluster taking minor upgrades, a Memcached one that does not, and one created without the setting
    on = cache_cluster(moto_reset, "redis-on", AutoMinorVersionUpgrade=True)
    off = cache_cluster(moto_reset, "memcached-off", engine="memcached", AutoMinorVersionUpgrade=False)
    unset = cache_cluster(moto_reset, "redis-default")
    # when the upgrade check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, UPGRADES)}
    # then the first passes, the second fails, and the third passes on AWS's default (moto leaves it unreported)
    assert {arn: o.status for arn, o in outcomes.items()} == {on: PASS, off: FAIL, unset: PASS}
    assert outcomes[on].reason == "ElastiCache cache cluster redis-on (redis) takes minor engine upgrades automatically"
    assert outcomes[off].reason == (
        "ElastiCache cache cluster memcached-off (memcached) does not take minor engine upgrades automatically"
    )
    assert outcomes[unset].reason.endswith("(not reported, so on by AWS's default)")


AUTH = "aws.elasticache.replication_group_auth_required"


def test_groups_pass_when_clients_authenticate_by_token_or_user_group(moto_reset: str) -> None:
    # given a group with an AUTH token, one with role-based access control, and one open to any client
    token = replication_group(
        moto_reset, "sessions", TransitEncryptionEnabled=True, AuthToken="a-long-auth-token-of-32-characters"
    )
    users = replication_group(moto_reset, "carts", TransitEncryptionEnabled=True, UserGroupIds=["app-users"])
    open_group = replication_group(moto_reset, "scratch")
    # when the authentication check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, AUTH)}
    # then the open one fails; each says how clients authenticate
    assert statuses(outcomes.values()) == {token: PASS, users: PASS, open_group: FAIL}
    assert outcomes[token].reason == (
        "ElastiCache replication group sessions (redis) requires clients to present its AUTH token"
    )
    assert outcomes[users].reason == (
        "ElastiCache replication group carts (redis) requires clients to sign in as users of app-users "
        "(role-based access control)"
    )
    assert outcomes[open_group].reason == (
        "ElastiCache replication group scratch (redis) lets any client that reaches it run commands without "
        "authenticating"
    )
