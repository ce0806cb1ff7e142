"""Patch compliance of Systems Manager managed nodes, reported through moto's server (tests.moto_additions)."""

from __future__ import annotations

from datetime import UTC, datetime

import botocore.exceptions
import pytest

from integrations.providers.aws.collectors import ssm as ssm_collector
from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    aws,
    collect,
    connector,
    json_reply,
    refused_in,
    run,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
PATCHING = "aws.ssm.managed_instance_patch_compliant"
SCANNED = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def report(endpoint: str, node: str, *items: tuple[str, str, str], region: str = REGION, kind: str = "Patch") -> None:
    """What the SSM Agent reports after a patch scan: one item per patch, (id, severity, status)."""
    aws(endpoint, "ssm", region).put_compliance_items(
        ResourceId=node,
        ResourceType="ManagedInstance",
        ComplianceType=kind,
        ExecutionSummary={"ExecutionTime": SCANNED},
        Items=[{"Id": patch, "Severity": severity, "Status": status} for patch, severity, status in items],
    )


def test_nodes_pass_with_every_approved_patch_and_fail_missing_some(moto_reset: str) -> None:
    # given an instance up to date, one missing a critical and two high patches, an on-premises node up to date
    # (whose custom compliance type reports a failure, which is not patching), and in the other region a node
    # missing one low patch
    report(moto_reset, "i-0aaaaaaaaaaaaaaa1", ("KB5031356", "CRITICAL", "COMPLIANT"), ("KB5031364", "LOW", "COMPLIANT"))
    report(
        moto_reset,
        "i-0bbbbbbbbbbbbbbb2",
        ("KB5031356", "CRITICAL", "NON_COMPLIANT"),
        ("KB5032189", "HIGH", "NON_COMPLIANT"),
        ("KB5032190", "HIGH", "NON_COMPLIANT"),
        ("KB5031364", "LOW", "COMPLIANT"),
    )
    report(moto_reset, "mi-0ccccccccccccccc3", ("openssl.x86_64", "MEDIUM", "COMPLIANT"))
    report(moto_reset, "mi-0ccccccccccccccc3", ("antivirus", "HIGH", "NON_COMPLIANT"), kind="Custom:Antivirus")
    report(moto_reset, "i-0ddddddddddddddd4", ("curl.x86_64", "LOW", "NON_COMPLIANT"), region=OTHER_REGION)
    # when the check runs over both regions
    outcomes = {o.resource_id: o for o in run(collect(moto_reset, [PATCHING], [REGION, OTHER_REGION]), PATCHING)}
    # then the nodes missing patches fail, each reason counting them by severity, and the others pass
    assert {node: (o.status, o.region) for node, o in outcomes.items()} == {
        "i-0aaaaaaaaaaaaaaa1": (PASS, REGION),
        "i-0bbbbbbbbbbbbbbb2": (FAIL, REGION),
        "mi-0ccccccccccccccc3": (PASS, REGION),
        "i-0ddddddddddddddd4": (FAIL, OTHER_REGION),
    }
    assert outcomes["i-0bbbbbbbbbbbbbbb2"].reason == (
        "Managed node i-0bbbbbbbbbbbbbbb2 is missing 3 patches (1 critical, 2 high) its baseline approves; "
        "last patch scan 2026-12-01T03:00:00+00:00"
    )
    assert outcomes["i-0ddddddddddddddd4"].reason.startswith(
        "Managed node i-0ddddddddddddddd4 is missing 1 patch (1 low) its baseline approves"
    )
    assert outcomes["i-0aaaaaaaaaaaaaaa1"].reason == (
        "Managed node i-0aaaaaaaaaaaaaaa1 has every patch its baseline approves installed; "
        "last patch scan 2026-12-01T03:00:00+00:00"
    )
    assert outcomes["i-0bbbbbbbbbbbbbbb2"].observed == {
        "missing": {"critical": 1, "high": 2},
        "scanned_at": "2026-12-01T03:00:00+00:00",
    }


def test_a_node_that_installed_its_patches_passes_after_the_next_scan(moto_reset: str) -> None:
    # given a node that was missing a patch, then reported it installed on its next scan
    report(moto_reset, "i-0bbbbbbbbbbbbbbb2", ("KB5031356", "CRITICAL", "NON_COMPLIANT"))
    report(moto_reset, "i-0bbbbbbbbbbbbbbb2", ("KB5031356", "CRITICAL", "COMPLIANT"))
    # when the check runs, then the latest report is judged
    assert [o.status for o in run(collect(moto_reset, [PATCHING]), PATCHING)] == [PASS]


_refuse_other_region = refused_in(
    OTHER_REGION, lambda: json_reply({"__type": "AccessDeniedException", "message": "no"}, status=400)
)


def test_a_refused_read_is_an_error_for_its_region_alone(moto_reset: str) -> None:
    # given a node missing a patch in each region, and the compliance listing refused in one
    report(moto_reset, "i-0bbbbbbbbbbbbbbb2", ("KB5031356", "CRITICAL", "NON_COMPLIANT"))
    report(moto_reset, "i-0ddddddddddddddd4", ("curl.x86_64", "LOW", "NON_COMPLIANT"), region=OTHER_REGION)
    built = connector(moto_reset, [REGION, OTHER_REGION])
    built.session.events.register("before-send.ssm.ListResourceComplianceSummaries", _refuse_other_region)
    # when the check runs
    outcomes = run(built.collect({"ssm_patching"}), PATCHING)
    # then the readable region's node fails and the refused region is one error, naming the refusal
    assert sorted((o.region, o.status, o.resource_id) for o in outcomes) == [
        (OTHER_REGION, ERROR, f"{ACCOUNT}/{OTHER_REGION}"),
        (REGION, FAIL, "i-0bbbbbbbbbbbbbbb2"),
    ]
    refused = next(o for o in outcomes if o.status == ERROR)
    assert "AccessDeniedException" in refused.reason


def test_nodes_past_the_bound_are_left_unread_and_said_so(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # given three nodes, and a collector that reads at most two summaries per region
    monkeypatch.setattr(ssm_collector, "MAX_PATCH_SUMMARIES", 2)
    for node in ("i-01", "i-02", "i-03"):
        report(moto_reset, node, ("KB1", "LOW", "COMPLIANT"))
    # when the check runs
    outcomes = run(collect(moto_reset, [PATCHING]), PATCHING)
    # then two nodes are judged and the region gets an error saying the rest were not read
    assert sorted(o.status for o in outcomes) == sorted([PASS, PASS, ERROR])
    bound = next(o for o in outcomes if o.status == ERROR)
    assert "more than 2 managed nodes with patch data" in bound.reason


def test_moto_refuses_a_report_without_a_known_status(moto_reset: str) -> None:
    with pytest.raises(botocore.exceptions.ClientError, match="ValidationException"):
        report(moto_reset, "i-01", ("KB1", "LOW", "INSTALLED"))
