"""Checks on Athena workgroups: query results encrypted (and clients unable to turn it off), and query metrics
published to CloudWatch. The primary workgroup, which every region has, is judged only where it has run queries."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_analytics import AthenaWorkGroup
from ._common import Verdict, aws_check, judge_described

WORK_GROUP = "AWS::Athena::WorkGroup"
# What each outcome keeps of the workgroup's settings.
_OBSERVED = ("encryption_option", "enforced", "minimum_encryption", "managed_results", "metrics")


def _label(work_group: AthenaWorkGroup) -> str:
    return f"Workgroup {work_group['name']}"


def _resource_id(work_group: AthenaWorkGroup) -> str:
    return f"{work_group['region']}/{work_group['name']}"


def _judge(inventory: Inventory, verdict: Callable[[AthenaWorkGroup, str], tuple[bool, str]]) -> Iterable[Outcome]:
    def judge(work_group: AthenaWorkGroup) -> Verdict | None:
        if work_group.get("has_queries") is False:
            return None  # a primary workgroup nobody has queried in: nothing it does to judge
        passed, reason = verdict(work_group, _label(work_group))
        observed = {name: work_group.get(name) for name in _OBSERVED}
        return passed, reason, observed

    return judge_described(
        inventory,
        "athena",
        "work_groups",
        noun="Athena workgroups",
        resource_type=WORK_GROUP,
        resource_id=_resource_id,
        label=_label,
        judge=judge,
    )


@aws_check(
    id="aws.athena.workgroup_results_encrypted",
    title="Athena workgroups encrypt query results, and queries cannot opt out",
    severity=Severity.MEDIUM,
    service="athena",
    resource_type=WORK_GROUP,
    rationale="Athena writes every query's results to S3: often the very rows of the tables queried, personal data "
    "included. A workgroup's encryption setting is only a default unless the workgroup enforces its settings (or a "
    "minimum encryption), so a client that names its own result configuration writes them unencrypted.",
    remediation="In the workgroup's settings, encrypt query results (SSE_KMS or CSE_KMS with a customer managed key, "
    "or SSE_S3) and turn on 'Override client-side settings' (EnforceWorkGroupConfiguration) or a minimum encryption "
    "(EnableMinimumEncryptionConfiguration); or use Athena's managed query results.",
)
def workgroup_results_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    def verdict(work_group: AthenaWorkGroup, label: str) -> tuple[bool, str]:
        option = work_group.get("encryption_option")
        if work_group.get("managed_results"):
            return True, f"{label} keeps query results in Athena's managed storage, which is always encrypted"
        if not option:
            return False, f"{label} does not encrypt query results"
        if work_group.get("enforced"):
            return True, f"{label} encrypts query results ({option}) and clients cannot override its settings"
        if work_group.get("minimum_encryption"):
            return True, f"{label} encrypts query results ({option}), the minimum a client may ask for"
        return False, (
            f"{label} encrypts query results ({option}) by default only: a query naming its own result "
            "configuration can write them unencrypted (EnforceWorkGroupConfiguration is off)"
        )

    return _judge(inventory, verdict)


@aws_check(
    id="aws.athena.workgroup_query_metrics_enabled",
    title="Athena workgroups publish query metrics to CloudWatch",
    severity=Severity.LOW,
    service="athena",
    resource_type=WORK_GROUP,
    rationale="Published query metrics (data scanned, run time, failed queries, per workgroup) are what alarms on "
    "unusual use watch: a sudden bulk read of a data lake, or a runaway query, shows there and nowhere else in real "
    "time.",
    remediation="Turn on 'Publish query metrics to AWS CloudWatch' in the workgroup's settings "
    "(UpdateWorkGroup ConfigurationUpdates PublishCloudWatchMetricsEnabled true).",
)
def workgroup_query_metrics_enabled(inventory: Inventory) -> Iterable[Outcome]:
    def verdict(work_group: AthenaWorkGroup, label: str) -> tuple[bool, str]:
        if work_group.get("metrics"):
            return True, f"{label} publishes query metrics to CloudWatch"
        return False, f"{label} does not publish query metrics to CloudWatch"

    return _judge(inventory, verdict)
