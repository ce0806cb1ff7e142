"""GuardDuty protection plans: S3 Protection, RDS Protection, Lambda Protection, Malware Protection for EC2 and EKS
Runtime Monitoring, each judged on an enabled detector in a region holding what the plan watches.

A detector reads CloudTrail management events, VPC flow logs and DNS logs by default; what happens inside buckets,
database logins, function traffic, instance disks and containers is seen only through the plan for it. A region with
nothing of a plan's kind gets no outcome for that plan (the plan would watch nothing there), unless the plan is on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from integrations.registry import Inventory, Outcome, Severity

from ._common import aws_check, items, regions, result, service_data
from .directory_detection import DETECTOR, enabled_detectors

_LEAVING_INSTANCES = frozenset({"shutting-down", "terminated"})


@dataclass(frozen=True)
class _Plan:
    name: str  # as the console names it
    features: tuple[str, ...]  # GetDetector feature names, any of which ENABLED turns the plan on
    noun: str  # what it watches, plural
    watched: Callable[[Inventory], Counter[str]]  # region -> how many of them the region holds


def _plan_outcomes(inventory: Inventory, plan: _Plan) -> Iterator[Outcome]:
    held = plan.watched(inventory)
    for region, _, detector in enabled_detectors(inventory):
        features = detector.get("features")
        if features is None:
            continue  # collected before the detector's protection plans were kept
        did = str(detector.get("id"))
        statuses = {name: features.get(name) for name in plan.features}
        on = any(status == "ENABLED" for status in statuses.values())
        count = held.get(region, 0)
        if not on and not count:
            continue
        where = f"GuardDuty detector {did} in {region}"
        reason = (
            f"{where} has {plan.name} on"
            if on
            else f"{where} has {plan.name} off while the region holds {count} {plan.noun}"
        )
        shown = {name: status for name, status in statuses.items() if status is not None}
        yield result(on, did, DETECTOR, reason, region=region, features=shown, watched=count)


def _buckets(inventory: Inventory) -> Counter[str]:
    return Counter(str(b.get("region")) for b in service_data(inventory, "s3").get("buckets", []))


def _databases(inventory: Inventory) -> Counter[str]:
    found: Counter[str] = Counter()
    for region, data in regions(inventory, "rds"):
        found[region] = len(data.get("db_instances") or []) + len(data.get("db_clusters") or [])
    return found


def _functions(inventory: Inventory) -> Counter[str]:
    return Counter(str(f.get("region")) for f in items(inventory, "lambda", "functions"))


def _instances(inventory: Inventory) -> Counter[str]:
    return Counter(
        str(i.get("region")) for i in items(inventory, "ec2", "instances") if i.get("state") not in _LEAVING_INSTANCES
    )


def _clusters(inventory: Inventory) -> Counter[str]:
    return Counter(str(c.get("region")) for c in items(inventory, "eks", "clusters"))


S3_PROTECTION = _Plan("S3 Protection", ("S3_DATA_EVENTS",), "S3 buckets", _buckets)
RDS_PROTECTION = _Plan("RDS Protection", ("RDS_LOGIN_EVENTS",), "RDS databases", _databases)
LAMBDA_PROTECTION = _Plan("Lambda Protection", ("LAMBDA_NETWORK_LOGS",), "Lambda functions", _functions)
EC2_MALWARE_PROTECTION = _Plan("Malware Protection for EC2", ("EBS_MALWARE_PROTECTION",), "EC2 instances", _instances)
# RUNTIME_MONITORING replaced EKS_RUNTIME_MONITORING (which still reports detectors set up before the change).
EKS_RUNTIME_MONITORING = _Plan(
    "Runtime Monitoring", ("RUNTIME_MONITORING", "EKS_RUNTIME_MONITORING"), "EKS clusters", _clusters
)


@aws_check(
    id="aws.guardduty.s3_protection_enabled",
    title="GuardDuty watches S3 data events",
    severity=Severity.MEDIUM,
    service="guardduty",
    requires=("guardduty", "s3"),
    resource_type=DETECTOR,
    rationale="Reads, writes and deletes of objects are data events that a detector's default sources never see; "
    "with S3 Protection GuardDuty reports buckets read from known attacker addresses, unusual bulk downloads and "
    "deletions, and access from Tor, which is how exfiltration and ransom of bucket data show up.",
    remediation="Enable S3 Protection on the detector (UpdateDetector with feature S3_DATA_EVENTS ENABLED), or from "
    "the GuardDuty delegated administrator for every member account.",
)
def guardduty_s3_protection_enabled(inventory: Inventory) -> Iterable[Outcome]:
    return _plan_outcomes(inventory, S3_PROTECTION)


@aws_check(
    id="aws.guardduty.rds_protection_enabled",
    title="GuardDuty watches RDS login activity",
    severity=Severity.MEDIUM,
    service="guardduty",
    requires=("guardduty", "rds"),
    resource_type=DETECTOR,
    rationale="Database sign-ins never pass through CloudTrail; RDS Protection profiles the login activity of the "
    "region's supported databases and reports brute force, logins from unusual places and successful logins after "
    "a run of failures, the first signs of a stolen database password.",
    remediation="Enable RDS Protection on the detector (UpdateDetector with feature RDS_LOGIN_EVENTS ENABLED); no "
    "change to the databases is needed.",
)
def guardduty_rds_protection_enabled(inventory: Inventory) -> Iterable[Outcome]:
    return _plan_outcomes(inventory, RDS_PROTECTION)


@aws_check(
    id="aws.guardduty.lambda_protection_enabled",
    title="GuardDuty watches Lambda network activity",
    severity=Severity.MEDIUM,
    service="guardduty",
    requires=("guardduty", "lambda"),
    resource_type=DETECTOR,
    rationale="A function abused by injected code calls out like any compromised host, but its traffic is not in "
    "the account's VPC flow logs unless the function runs in a VPC; Lambda Protection reads the network activity "
    "of every function and reports cryptomining, command-and-control and calls to known bad addresses.",
    remediation="Enable Lambda Protection on the detector (UpdateDetector with feature LAMBDA_NETWORK_LOGS ENABLED).",
)
def guardduty_lambda_protection_enabled(inventory: Inventory) -> Iterable[Outcome]:
    return _plan_outcomes(inventory, LAMBDA_PROTECTION)


@aws_check(
    id="aws.guardduty.ec2_malware_protection_enabled",
    title="GuardDuty scans EC2 instances' volumes for malware when it suspects them",
    severity=Severity.MEDIUM,
    service="guardduty",
    requires=("guardduty", "ec2"),
    resource_type=DETECTOR,
    rationale="A finding on an instance says it behaves badly, not what is on its disks; with Malware Protection "
    "for EC2 GuardDuty snapshots the instance's EBS volumes when it raises such a finding and scans them without "
    "an agent, naming the malware and the files that carry it for the response that follows.",
    remediation="Enable Malware Protection for EC2 on the detector (UpdateDetector with feature "
    "EBS_MALWARE_PROTECTION ENABLED); it needs the GuardDuty malware protection service-linked role.",
)
def guardduty_ec2_malware_protection_enabled(inventory: Inventory) -> Iterable[Outcome]:
    return _plan_outcomes(inventory, EC2_MALWARE_PROTECTION)


@aws_check(
    id="aws.guardduty.eks_runtime_monitoring_enabled",
    title="GuardDuty watches EKS workloads at runtime",
    severity=Severity.MEDIUM,
    service="guardduty",
    requires=("guardduty", "eks"),
    resource_type=DETECTOR,
    rationale="Audit logs show calls to the Kubernetes API, not what runs inside the containers; Runtime Monitoring's "
    "agent reports process, file and network events on the nodes, so a reverse shell, a miner or a container "
    "escape is seen while it happens.",
    remediation="Enable Runtime Monitoring on the detector (UpdateDetector with feature RUNTIME_MONITORING ENABLED) "
    "and let GuardDuty manage the security agent add-on for EKS (EKS_ADDON_MANAGEMENT), or deploy the add-on "
    "to each cluster yourself.",
)
def guardduty_eks_runtime_monitoring_enabled(inventory: Inventory) -> Iterable[Outcome]:
    return _plan_outcomes(inventory, EKS_RUNTIME_MONITORING)
