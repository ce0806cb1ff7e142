"""Load balancer resilience checks, Redshift cluster settings and EMR block public access against moto."""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import pytest

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    aws,
    collect,
    connector,
    emr_by_region,
    inventory,
    json_reply,
    only,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
CLASSIC_CHECKS = ("aws.elb.multiple_azs", "aws.elb.cross_zone_load_balancing")
REDSHIFT_CHECKS = (
    "aws.redshift.version_upgrade_allowed",
    "aws.redshift.enhanced_vpc_routing",
    "aws.redshift.not_default_admin_username",
)
EMR_CHECK = "aws.emr.account_public_access_block"


# --- load balancers --------------------------------------------------------------------------------------------------


def _default_subnets(endpoint: str) -> list[str]:
    """The default VPC's subnets, one per Availability Zone, in the zones' order."""
    subnets = aws(endpoint, "ec2").describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])
    return [s["SubnetId"] for s in sorted(subnets["Subnets"], key=lambda s: s["AvailabilityZone"])]


def _balancer(endpoint: str, name: str, zones: int, kind: str = "application", **attributes: str) -> str:
    """An ELBv2 load balancer of type ``kind`` in the first ``zones`` default subnets; returns its ARN."""
    subnets = _default_subnets(endpoint)[:zones]
    elbv2 = aws(endpoint, "elbv2")
    arn = str(elbv2.create_load_balancer(Name=name, Subnets=subnets, Type=kind)["LoadBalancers"][0]["LoadBalancerArn"])
    if attributes:
        elbv2.modify_load_balancer_attributes(
            LoadBalancerArn=arn, Attributes=[{"Key": k, "Value": v} for k, v in attributes.items()]
        )
    return arn


def test_elbv2_load_balancers_span_two_zones(moto_reset: str) -> None:
    # given an application load balancer in two zones, and a network and a gateway load balancer in one each
    spread = _balancer(moto_reset, "spread", 2)
    single = _balancer(moto_reset, "single", 1, "network")
    gateway = _balancer(moto_reset, "inspect", 1, "gateway")
    # when the check runs
    outcomes = run(collect(moto_reset, ["aws.elbv2.multiple_azs"]), "aws.elbv2.multiple_azs")
    # then the two-zone balancer passes and both single-zone ones fail, their zones named
    assert statuses(outcomes) == {spread: PASS, single: FAIL, gateway: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[spread] == "Application load balancer spread spans 2 Availability Zones (us-east-1a, us-east-1b)"
    assert reasons[single] == "Network load balancer single is in fewer than 2 Availability Zones (us-east-1a)"
    assert next(o for o in outcomes if o.resource_id == gateway).observed["availability_zones"] == ["us-east-1a"]


def test_application_load_balancers_mitigate_desync(moto_reset: str) -> None:
    # given ALBs in strictest mode, in monitor mode and on AWS's default (moto reports no mode then), and an NLB
    strict = _balancer(moto_reset, "strict", 2, **{"routing.http.desync_mitigation_mode": "strictest"})
    monitor = _balancer(moto_reset, "monitor", 2, **{"routing.http.desync_mitigation_mode": "monitor"})
    default = _balancer(moto_reset, "default", 2)
    _balancer(moto_reset, "network", 2, "network")
    # when the check runs
    outcomes = run(collect(moto_reset, ["aws.elbv2.desync_mitigation_mode"]), "aws.elbv2.desync_mitigation_mode")
    # then monitor mode fails, the others pass, and the network load balancer is not judged
    assert statuses(outcomes) == {strict: PASS, monitor: FAIL, default: PASS}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[monitor] == "Application load balancer monitor only monitors HTTP desync (monitor mode)"
    assert reasons[default] == (
        "Application load balancer default mitigates HTTP desync in defensive mode (not reported: AWS's default)"
    )


def _classic(endpoint: str, name: str, zones: list[str], cross_zone: bool = False) -> None:
    elb = aws(endpoint, "elb")
    listener = {"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 8080}
    elb.create_load_balancer(LoadBalancerName=name, Listeners=[listener], AvailabilityZones=zones)
    if cross_zone:
        elb.modify_load_balancer_attributes(
            LoadBalancerName=name, LoadBalancerAttributes={"CrossZoneLoadBalancing": {"Enabled": True}}
        )


def test_classic_load_balancers_span_and_balance_across_zones(moto_reset: str) -> None:
    # given a classic load balancer in two zones balancing across them, and one in a single zone without
    _classic(moto_reset, "spread", ["us-east-1a", "us-east-1b"], cross_zone=True)
    _classic(moto_reset, "single", ["us-east-1c"])
    # when both checks run on one collection
    collected = collect(moto_reset, CLASSIC_CHECKS)
    # then the first passes both and the second fails both
    assert {cid: statuses(run(collected, cid)) for cid in CLASSIC_CHECKS} == {
        cid: {"spread": PASS, "single": FAIL} for cid in CLASSIC_CHECKS
    }
    reasons = {(cid, o.resource_id): o.reason for cid in CLASSIC_CHECKS for o in run(collected, cid)}
    assert reasons[("aws.elb.multiple_azs", "single")] == (
        "Classic load balancer single is in fewer than 2 Availability Zones (us-east-1c)"
    )
    assert reasons[("aws.elb.multiple_azs", "spread")].endswith("spans 2 Availability Zones (us-east-1a, us-east-1b)")
    assert reasons[("aws.elb.cross_zone_load_balancing", "single")] == (
        "Classic load balancer single has cross-zone load balancing off"
    )


def test_balancers_collected_before_the_new_fields_are_not_judged() -> None:
    # given an inventory from before the zones and cross-zone setting were kept
    old = inventory(
        elb={"regions": {REGION: {"load_balancers": [{"name": "old", "listeners": [], "region": REGION}]}}},
        elbv2={"regions": {REGION: {"load_balancers": [{"arn": "arn:old", "type": "network", "region": REGION}]}}},
    )
    # when the zone checks run, then they say nothing rather than guessing
    for check_id in ("aws.elbv2.multiple_azs", *CLASSIC_CHECKS):
        assert run(old, check_id) == []


# --- redshift --------------------------------------------------------------------------------------------------------


def _cluster(endpoint: str, name: str, username: str, region: str = REGION, **settings: Any) -> None:
    aws(endpoint, "redshift", region).create_cluster(
        ClusterIdentifier=name,
        MasterUsername=username,
        MasterUserPassword="A-long-password-1",
        **{"NodeType": "ra3.xlplus", "ClusterType": "single-node", **settings},
    )


def test_redshift_cluster_settings(moto_reset: str) -> None:
    # given a cluster taking upgrades, routing through its VPC and with its own admin name (in the other region), and
    # one refusing upgrades, on Redshift's default routing and with the console's default admin name
    _cluster(moto_reset, "tidy", "warehouse_admin", OTHER_REGION, AllowVersionUpgrade=True, EnhancedVpcRouting=True)
    _cluster(moto_reset, "lax", "awsuser", AllowVersionUpgrade=False)
    # when the three checks run on one collection over both regions
    collected = collect(moto_reset, REDSHIFT_CHECKS, [REGION, OTHER_REGION])
    # then the first passes all three and the second fails all three
    assert {cid: statuses(run(collected, cid)) for cid in REDSHIFT_CHECKS} == {
        cid: {"tidy": PASS, "lax": FAIL} for cid in REDSHIFT_CHECKS
    }
    reasons = {(cid, o.resource_id): o.reason for cid in REDSHIFT_CHECKS for o in run(collected, cid)}
    assert reasons[(REDSHIFT_CHECKS[0], "lax")] == (
        "Redshift cluster lax does not allow major version upgrades (AllowVersionUpgrade false)"
    )
    assert reasons[(REDSHIFT_CHECKS[1], "lax")] == "Redshift cluster lax does not use enhanced VPC routing"
    assert reasons[(REDSHIFT_CHECKS[2], "lax")] == "Redshift cluster lax has the default master user name awsuser"
    assert (
        reasons[(REDSHIFT_CHECKS[2], "tidy")]
        == "Redshift cluster tidy has a master user name of its own, not the default"
    )
    # a name of the cluster's own is never repeated in an outcome
    tidy = next(o for o in run(collected, REDSHIFT_CHECKS[2]) if o.resource_id == "tidy")
    assert "warehouse_admin" not in repr(tidy)
    assert {o.resource_id: o.region for o in run(collected, REDSHIFT_CHECKS[1])} == {
        "tidy": OTHER_REGION,
        "lax": REGION,
    }


def test_redshift_settings_not_reported_are_errors_and_older_inventories_are_skipped() -> None:
    # given a cluster whose description lacked the three settings, and one collected before they were kept
    base = {"arn": "arn", "publicly_accessible": False, "encrypted": True, "region": REGION}
    unreported = {**base, "id": "bare", "allow_version_upgrade": None, "enhanced_vpc_routing": None}
    collected = inventory(
        redshift={"regions": {REGION: {"clusters": [{**unreported, "master_username": None}, {**base, "id": "old"}]}}}
    )
    # when the checks run, then the first is an error saying what was missing and the second is not judged
    fields = ("AllowVersionUpgrade", "EnhancedVpcRouting", "MasterUsername")
    for check_id, field in zip(REDSHIFT_CHECKS, fields, strict=True):
        outcome = only(run(collected, check_id))
        assert (outcome.resource_id, outcome.status) == ("bare", ERROR)
        assert outcome.reason == f"Redshift did not report {field} for cluster bare"


MULTI_AZ_CHECK = "aws.redshift.cluster_multi_az"


def test_redshift_clusters_pass_across_two_zones_and_fail_in_one(moto_reset: str) -> None:
    # given an RA3 cluster made Multi-AZ at creation, one made Multi-AZ later, and one left in one zone
    _cluster(moto_reset, "spread", "warehouse_admin", MultiAZ=True, ClusterType="multi-node", NumberOfNodes=2)
    _cluster(moto_reset, "moved", "warehouse_admin")
    aws(moto_reset, "redshift").modify_cluster(ClusterIdentifier="moved", MultiAZ=True)
    _cluster(moto_reset, "single", "warehouse_admin")
    # when the check runs
    outcomes = {o.resource_id: o for o in run(collect(moto_reset, [MULTI_AZ_CHECK]), MULTI_AZ_CHECK)}
    # then the two Multi-AZ clusters pass and the single-zone one fails, saying so
    assert {cid: o.status for cid, o in outcomes.items()} == {"spread": PASS, "moved": PASS, "single": FAIL}
    assert outcomes["single"].reason == "Redshift cluster single runs in one Availability Zone (MultiAZ Disabled)"
    assert outcomes["spread"].reason == "Redshift cluster spread is deployed across two Availability Zones"
    assert outcomes["single"].observed == {"multi_az": "Disabled"}


def test_redshift_multi_az_not_reported_reads_as_one_zone_and_older_inventories_are_skipped() -> None:
    # given a cluster whose description left MultiAZ out, and one collected before the setting was kept
    base = {"arn": "arn", "publicly_accessible": False, "encrypted": True, "region": REGION}
    collected = inventory(
        redshift={"regions": {REGION: {"clusters": [{**base, "id": "bare", "multi_az": None}, {**base, "id": "old"}]}}}
    )
    # when the check runs, then the first fails on Redshift's default and the second is not judged
    outcome = only(run(collected, MULTI_AZ_CHECK))
    assert (outcome.resource_id, outcome.status) == ("bare", FAIL)
    assert outcome.reason == "Redshift cluster bare reports no Multi-AZ setting, so it runs in one Availability Zone"


def test_moto_refuses_multi_az_on_node_types_aws_refuses_it_for(moto_reset: str) -> None:
    # given the addition serving Multi-AZ: a DC2 cluster asking for it is refused, as AWS refuses it
    with pytest.raises(botocore.exceptions.ClientError, match="InvalidParameterCombination"):
        aws(moto_reset, "redshift").create_cluster(
            ClusterIdentifier="old-nodes",
            NodeType="dc2.large",
            ClusterType="single-node",
            MasterUsername="warehouse_admin",
            MasterUserPassword="A-long-password-1",
            MultiAZ=True,
        )


# --- emr -------------------------------------------------------------------------------------------------------------


def test_emr_block_public_access_per_region(moto_reset: str) -> None:
    # given block public access turned on in one region (with SSH left as an exception) and never set in the other
    aws(moto_reset, "emr").put_block_public_access_configuration(
        BlockPublicAccessConfiguration={
            "BlockPublicSecurityGroupRules": True,
            "PermittedPublicSecurityGroupRuleRanges": [{"MinRange": 22, "MaxRange": 22}],
        }
    )
    built = connector(moto_reset, [REGION, OTHER_REGION])
    built.session.events.register("before-send.emr", emr_by_region)
    # when EMR is collected over both regions and the check runs
    outcomes = run(built.collect({"emr"}), EMR_CHECK)
    # then the account passes in the first region and fails in the second, each reason naming its region
    assert {(o.resource_id, o.region): o.status for o in outcomes} == {
        (ACCOUNT, REGION): PASS,
        (ACCOUNT, OTHER_REGION): FAIL,
    }
    reasons = {o.region: o.reason for o in outcomes}
    assert reasons[REGION] == f"EMR block public access is on in {REGION} (public rules still allowed on port(s) 22)"
    assert reasons[OTHER_REGION] == (
        f"EMR block public access is not set in {OTHER_REGION} (no BlockPublicSecurityGroupRules reported)"
    )
    assert next(o for o in outcomes if o.region == REGION).observed["permitted_port_ranges"] == ["22"]


def test_emr_block_public_access_explicitly_off_fails() -> None:
    # given a region where block public access was turned off (moto turns every False it is sent into True, so this
    # answer is written out) with a range of ports excepted
    setting = {"block_public_security_group_rules": False, "permitted_port_ranges": [[22, 22], [8000, 8100]]}
    collected = inventory(emr={"regions": {REGION: {"clusters": [], "block_public_access": setting}}})
    # when the check runs, then it fails for that region
    outcome = only(run(collected, EMR_CHECK))
    assert (outcome.status, outcome.reason) == (FAIL, f"EMR block public access is off in {REGION}")
    assert outcome.observed["permitted_port_ranges"] == ["22", "8000-8100"]


def test_a_refused_emr_block_public_access_read_is_an_error_for_that_check_only(moto_reset: str) -> None:
    # given EMR refusing GetBlockPublicAccessConfiguration (and only that)
    built = connector(moto_reset)
    refusal = json_reply({"__type": "AccessDeniedException", "Message": "denied"}, 400)
    built.session.events.register("before-send.emr.GetBlockPublicAccessConfiguration", lambda **_: refusal)
    # when EMR is collected
    collected = built.collect({"emr"})
    # then the collection itself succeeded and the check reports an error naming the refused call
    assert not collected.errors
    outcome = only(run(collected, EMR_CHECK))
    assert (outcome.resource_id, outcome.status) == (ACCOUNT, ERROR)
    assert outcome.reason.startswith(
        f"Could not read the EMR block public access setting in {REGION}: GetBlockPublicAccessConfiguration failed "
        "with AccessDeniedException"
    )


DATABASE_NAME = "aws.redshift.non_default_database_name"


def test_redshift_clusters_keeping_the_default_database_name_fail(moto_reset: str) -> None:
    # given a cluster created with a database of its own name and one created without (Redshift names it dev)
    _cluster(moto_reset, "named", "warehouse_admin", DBName="orders")
    _cluster(moto_reset, "unnamed", "warehouse_admin")
    # when the database name check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, DATABASE_NAME)}
    # then the one on the default name fails
    assert statuses(outcomes.values()) == {"named": PASS, "unnamed": FAIL}
    assert outcomes["unnamed"].reason == "Redshift cluster unnamed keeps the default database name dev"
