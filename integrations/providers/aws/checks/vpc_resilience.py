"""VPC, EC2 and CloudTrail resilience checks: interface endpoints span zones, VPCs keep private subnets, endpoint
policies stay inside the account, in-use volumes have a recent snapshot, instances are relaunched on fresh images and
a trail watches for unusual API activity with CloudTrail Insights."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Instance, Volume, VpcEndpoint
from ..shapes_ec2 import Subnet
from ..shapes_logging import Trail
from ..shapes_network import RouteTable
from ..shapes_storage import EbsSnapshot
from ._common import (
    ACCOUNT,
    as_list,
    aws_check,
    error,
    items,
    parse_time,
    partial_read,
    principal_is_anyone,
    regions,
    result,
    scan_time,
    statements,
)
from .cloudtrail import trails

ENDPOINT = "AWS::EC2::VPCEndpoint"
VPC = "AWS::EC2::VPC"
VOLUME = "AWS::EC2::Volume"
INSTANCE = "AWS::EC2::Instance"
# Endpoints on their way out (or never made) carry no traffic to judge.
_GONE = frozenset({"deleting", "deleted", "failed", "rejected", "expired"})
SNAPSHOT_MAX_AGE = timedelta(days=7)
INSTANCE_MAX_AGE = timedelta(days=180)
# Condition keys that name the calling account (or its organisation) and so can pin an endpoint statement to it.
_ACCOUNT_KEYS = frozenset({"aws:principalaccount", "aws:sourceaccount"})
_ORG_KEY = "aws:principalorgid"
_ARN_KEY = "aws:principalarn"


def _live_endpoints(inventory: Inventory) -> Iterator[VpcEndpoint]:
    return (e for e in items(inventory, "vpc", "endpoints") if e.get("state") not in _GONE)


# --- interface endpoints across Availability Zones ------------------------------------------------------------------


@aws_check(
    id="aws.vpc.endpoint_multiple_azs",
    title="Interface VPC endpoints have subnets in at least two Availability Zones",
    severity=Severity.MEDIUM,
    service="vpc",
    resource_type=ENDPOINT,
    rationale="An interface endpoint places a network interface in each of its subnets; with all of them in one "
    "Availability Zone, an outage of that zone cuts every workload in the VPC off from the service behind it.",
    remediation="Add a subnet in a second (and ideally third) Availability Zone to the endpoint "
    "(ModifyVpcEndpoint AddSubnetIds).",
    requires=("vpc", "subnets"),
)
def endpoint_multiple_azs(inventory: Inventory) -> Iterable[Outcome]:
    zones = {s["id"]: s.get("availability_zone") for s in subnets(inventory)}
    for endpoint in _live_endpoints(inventory):
        if endpoint.get("type") != "Interface":
            continue  # gateway endpoints are route-table targets with no zone of their own
        eid, region = str(endpoint.get("id")), endpoint["region"]
        subnet_ids = endpoint.get("subnet_ids", [])
        found = sorted({str(zones[s]) for s in subnet_ids if zones.get(s)})
        unknown = sorted(s for s in subnet_ids if not zones.get(s))
        if len(found) < 2 and unknown:
            reason = f"Could not tell the Availability Zones of interface endpoint {eid}: subnets {unknown} not found"
            yield error(eid, ENDPOINT, reason, region=region, subnet_ids=subnet_ids)
            continue
        ok = len(found) >= 2
        spread = ", ".join(found) or "no subnet"
        reason = (
            f"Interface endpoint {eid} has subnets in {len(found)} Availability Zones ({spread})"
            if ok
            else f"Interface endpoint {eid} has subnets in only {len(found)} Availability Zone ({spread})"
        )
        yield result(ok, eid, ENDPOINT, reason, region=region, availability_zones=found, subnet_ids=subnet_ids)


# --- public and private subnets -------------------------------------------------------------------------------------


def subnets(inventory: Inventory) -> Iterator[Subnet]:
    return items(inventory, "subnets", "subnets")


def _route_tables(inventory: Inventory) -> Iterator[RouteTable]:
    return items(inventory, "route_tables", "route_tables")


@aws_check(
    id="aws.vpc.subnets_public_and_private",
    title="VPCs have private subnets, not only public ones",
    severity=Severity.MEDIUM,
    service="vpc",
    resource_type=VPC,
    rationale="When every subnet of a VPC routes to an internet gateway, there is nowhere to put databases and "
    "back-end services except on an internet-routable network, one security group mistake away from exposure; "
    "keeping private subnets separate from the public tier limits what the internet can reach.",
    remediation="Create subnets in the VPC whose route table has no route to an internet gateway (use a NAT "
    "gateway or VPC endpoints for outbound access) and move the workloads that need no inbound internet traffic "
    "into them.",
    requires=("subnets", "route_tables"),
)
def subnets_public_and_private(inventory: Inventory) -> Iterable[Outcome]:
    # A VPC with only private subnets passes: the rule is that nothing is forced onto a public subnet. A default VPC
    # left as AWS made it (only default-for-zone subnets) is not judged: its all-public layout is AWS's, not a design.
    tables = list(_route_tables(inventory))
    by_subnet = {(t["region"], s): t for t in tables for s in t.get("subnet_ids", [])}
    main = {(t["region"], t.get("vpc_id")): t for t in tables if t.get("main")}
    vpcs: dict[tuple[str, str], list[Subnet]] = {}
    for subnet in subnets(inventory):
        vpcs.setdefault((subnet["region"], str(subnet.get("vpc_id"))), []).append(subnet)
    for (region, vpc_id), in_vpc in sorted(vpcs.items()):
        if all(s.get("default_for_az") for s in in_vpc):
            continue
        public: list[str] = []
        private: list[str] = []
        unknown: list[str] = []
        for subnet in in_vpc:
            table = by_subnet.get((region, subnet["id"])) or main.get((region, vpc_id))
            if table is None:
                unknown.append(subnet["id"])
            else:
                (public if table.get("internet_gateway_route") else private).append(subnet["id"])
        counts = {"public_subnets": sorted(public), "private_subnets": sorted(private)}
        if not private and unknown:
            reason = f"Could not find the route table of subnets {sorted(unknown)} in VPC {vpc_id}"
            yield error(vpc_id, VPC, reason, region=region, **counts)
            continue
        ok = bool(private)
        reason = (
            f"VPC {vpc_id} has {len(private)} private and {len(public)} public subnets"
            if ok
            else f"VPC {vpc_id} has only public subnets ({len(public)} routing to an internet gateway, none private)"
        )
        yield result(ok, vpc_id, VPC, reason, region=region, **counts)


# --- endpoint policies ---------------------------------------------------------------------------------------------


def _arn_account(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""


def _pinned_to_account(condition: Any, account: str) -> bool:
    """Whether a condition limits the callers to ``account`` (or to a named organisation)."""
    if not isinstance(condition, Mapping):
        return False
    for operator, tests in condition.items():
        # "...IfExists" passes when the key is missing and Null pins no value: neither narrows the callers.
        if not isinstance(tests, Mapping) or str(operator).endswith("IfExists") or operator == "Null":
            continue
        if str(operator).startswith("ForAnyValue") or "Not" in str(operator):
            continue
        for key, value in tests.items():
            values = [str(v) for v in as_list(value)]
            if not values or any("*" in v or "?" in v for v in values):
                continue
            name = str(key).lower()
            if name in _ACCOUNT_KEYS and all(v == account for v in values):
                return True
            if name == _ARN_KEY and all(_arn_account(v) == account for v in values):
                return True
            if name == _ORG_KEY:
                return True
    return False


def _foreign_principals(principal: Any, account: str) -> list[str]:
    """The accounts or principals other than ``account``'s that a statement names outright."""
    if not isinstance(principal, Mapping):
        return []
    named = [str(p) for p in as_list(principal.get("AWS")) if p != "*"]
    return [p for p in named if (_arn_account(p) if p.startswith("arn:") else p) != account]


def untrusted_grants(document: Any, account: str) -> list[str]:
    """What each Allow statement of an endpoint policy lets in from outside ``account``, in words."""
    found: list[str] = []
    for statement in statements(document):
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if principal is None or principal_is_anyone(principal):
            if not _pinned_to_account(statement.get("Condition"), account):
                found.append(f"{statement.get('Sid') or 'a statement'} allows any principal")
            continue
        foreign = _foreign_principals(principal, account)
        if foreign:
            found.append(f"{statement.get('Sid') or 'a statement'} allows {', '.join(sorted(foreign))}")
    return found


@aws_check(
    id="aws.vpc.endpoint_policy_trusted_principals",
    title="VPC endpoint policies admit only the account's own principals",
    severity=Severity.MEDIUM,
    service="vpc",
    resource_type=ENDPOINT,
    rationale="An endpoint policy is the place to stop stolen credentials of another account, or an insider's own "
    "account, from using the endpoint to copy data out of the VPC; the default policy (any principal, any action) "
    "and any Allow for principal * not tied to this account by condition leave that path open.",
    remediation="Replace the endpoint policy with one whose Allow statements either name this account's principals "
    "or carry a condition such as aws:PrincipalAccount (or aws:PrincipalOrgID) equal to your account (organisation).",
)
def endpoint_policy_trusted_principals(inventory: Inventory) -> Iterable[Outcome]:
    account = inventory.account_id or ""
    for endpoint in _live_endpoints(inventory):
        eid, region, policy = str(endpoint.get("id")), endpoint["region"], endpoint.get("policy")
        if policy is None:
            continue  # endpoint types without a policy (Gateway Load Balancer) have nothing to judge
        if "unparsable" in policy:
            yield error(eid, ENDPOINT, f"The policy of VPC endpoint {eid} is not a JSON object", region=region)
            continue
        grants = untrusted_grants(policy, account)
        reason = (
            f"VPC endpoint {eid} ({endpoint.get('service_name')}) admits principals outside the account: "
            + "; ".join(grants)
            if grants
            else f"VPC endpoint {eid} ({endpoint.get('service_name')}) admits only the account's own principals"
        )
        yield result(not grants, eid, ENDPOINT, reason, region=region, untrusted=grants)


# --- EBS volumes with a recent snapshot ----------------------------------------------------------------------------


def _latest_snapshots(data: Mapping[str, Any]) -> dict[str, datetime]:
    """Each volume's newest completed snapshot time in one region's snapshot data."""
    latest: dict[str, datetime] = {}
    snapshots: list[EbsSnapshot] = data.get("snapshots", [])
    for snapshot in snapshots:
        started, volume = parse_time(snapshot.get("start_time")), snapshot.get("volume_id")
        if snapshot.get("state") == "completed" and started and volume:
            latest[volume] = max(started, latest.get(volume, started))
    return latest


@aws_check(
    id="aws.ec2.ebs_volume_has_recent_snapshot",
    title="In-use EBS volumes have a snapshot from the last 7 days",
    severity=Severity.MEDIUM,
    service="ec2",
    resource_type=VOLUME,
    rationale="A snapshot is the recovery point for a volume that is deleted, corrupted or encrypted by "
    "ransomware; a volume in use with no completed snapshot in a week can lose more than a week of data.",
    remediation="Back the volume up on a schedule: an AWS Backup plan or a Data Lifecycle Manager policy that takes "
    "at least weekly (better daily) snapshots of it.",
    requires=("ec2", "ebs"),
)
def ebs_volume_has_recent_snapshot(inventory: Inventory) -> Iterable[Outcome]:
    snapshot_regions = dict(regions(inventory, "ebs"))
    for region, data in regions(inventory, "ec2"):
        if region not in snapshot_regions:
            continue  # a region whose snapshots failed to collect gets the runner's own error outcome
        snapshots = snapshot_regions[region]
        latest, now = _latest_snapshots(snapshots), scan_time(snapshots)
        partial = partial_read(inventory, region, snapshots, noun="snapshots", resource_type=VOLUME)
        volumes: list[Volume] = data.get("volumes", [])
        for volume in volumes:
            if volume.get("state") != "in-use":
                continue
            vid, taken = volume["id"], latest.get(volume["id"])
            ok = taken is not None and now - taken <= SNAPSHOT_MAX_AGE
            if not ok and partial is not None:
                continue  # the missing snapshot may be among those not read; the partial read is said once below
            when = taken.isoformat() if taken else None
            if ok:
                reason = f"EBS volume {vid} has a completed snapshot from {when}"
            elif taken:
                reason = f"EBS volume {vid}'s newest completed snapshot is from {when}, over 7 days before the scan"
            else:
                reason = f"EBS volume {vid} is in use and has no completed snapshot"
            yield result(ok, vid, VOLUME, reason, region=region, latest_snapshot=when)
        if partial is not None:
            yield partial


# --- old instances -------------------------------------------------------------------------------------------------


@aws_check(
    id="aws.ec2.instance_not_older_than_180_days",
    title="Running EC2 instances were launched within the last 180 days",
    severity=Severity.LOW,
    service="ec2",
    resource_type=INSTANCE,
    rationale="An instance running for half a year still boots from the image it was launched with; unless it is "
    "patched in place it misses the fixes of every newer AMI, and long-lived hosts drift from their definition.",
    remediation="Replace the instance with one launched from a current, patched AMI (or patch it in place with "
    "Systems Manager Patch Manager and relaunch it regularly, e.g. through an Auto Scaling instance refresh).",
)
def instance_not_older_than_180_days(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in regions(inventory, "ec2"):
        now = scan_time(data)
        instances: list[Instance] = data.get("instances", [])
        for instance in instances:
            if instance.get("state") != "running":
                continue
            iid, launched = instance["id"], parse_time(instance.get("launch_time"))
            if launched is None:
                yield error(iid, INSTANCE, f"EC2 instance {iid} has no launch time on record", region=region)
                continue
            days = (now - launched).days
            ok = now - launched <= INSTANCE_MAX_AGE
            reason = (
                f"EC2 instance {iid} was launched {days} days before the scan"
                if ok
                else f"EC2 instance {iid} has been running since {launched.date().isoformat()}, {days} days "
                "(over 180) before the scan"
            )
            yield result(ok, iid, INSTANCE, reason, region=region, launch_time=launched.isoformat(), age_days=days)


# --- CloudTrail Insights -------------------------------------------------------------------------------------------


def _insight_trail(trail: Trail) -> bool:
    return bool(trail.get("is_multi_region") and trail.get("is_logging") and trail.get("insight_types"))


@aws_check(
    id="aws.cloudtrail.insights_enabled",
    title="A logging multi-region trail has CloudTrail Insights on",
    severity=Severity.LOW,
    service="cloudtrail",
    resource_type=ACCOUNT,
    rationale="CloudTrail Insights learns the account's normal rate of write API calls and errors and flags bursts "
    "- a script deleting resources, credentials being brute-forced, a runaway deployment - that a log alone "
    "records but nobody notices.",
    remediation="Turn on Insights (ApiCallRateInsight and ApiErrorRateInsight) on the account's multi-region trail "
    "(PutInsightSelectors) and route Insights events to your alerting.",
)
def insights_enabled(inventory: Inventory) -> Iterable[Outcome]:
    if "cloudtrail" not in inventory.data:
        return
    account = inventory.account_id or "aws-account"
    candidates = trails(inventory)
    good = [t for t in candidates if _insight_trail(t)]
    if good:
        trail = good[0]
        types = trail.get("insight_types", [])
        reason = f"Trail {trail.get('name')} is multi-region, logging and has Insights on ({', '.join(types)})"
        yield result(True, account, ACCOUNT, reason, trail=trail.get("arn"), insight_types=types)
        return
    hidden = [t for t in candidates if t.get("status_error") and t.get("is_multi_region")]
    if hidden:
        reason = f"Could not read the settings of trail {hidden[0].get('name')}: {hidden[0]['status_error']}"
        yield error(account, ACCOUNT, reason)
        return
    described = [
        {"name": t.get("name"), "multi_region": t.get("is_multi_region"), "insight_types": t.get("insight_types", [])}
        for t in candidates
    ]
    reason = (
        "No logging multi-region trail has CloudTrail Insights on"
        if candidates
        else "The account has no CloudTrail trail in the scanned regions, so no Insights"
    )
    yield result(False, account, ACCOUNT, reason, trails=described)
