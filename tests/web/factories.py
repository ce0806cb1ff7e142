"""Builders for page tests: frameworks, finished and running scans with results and outcomes, evidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from frameworks.choices import FrameworkSource
from frameworks.models import Control, ControlCheck, Framework, TenantFramework
from scans.models import CheckOutcome, ScanJob, ScanResult
from tests.evidence.factories import manual_evidence

CHECK_FAIL = "aws.ec2.sg_no_ingress_admin_ports_ipv4"
CHECK_PASS = "aws.iam.root_mfa_enabled"


def custom_framework(tenant, *, key: str = "acme-controls", controls: int = 3) -> tuple[Framework, list[Control]]:
    """A framework owned by ``tenant`` (invisible to every other tenant), active, with CTL-1…CTL-n."""
    framework = Framework.objects.create(
        tenant=tenant, key=key, name=f"{tenant.name} controls", version="1", source=FrameworkSource.CUSTOM
    )
    TenantFramework.objects.create(tenant=tenant, framework=framework)
    made = [
        Control.objects.create(
            framework=framework, ref=f"CTL-{i}", title=f"Control number {i}", group="Access", description=f"Do {i}."
        )
        for i in range(1, controls + 1)
    ]
    return framework, made


def scan_job(tenant, *, status: str = "completed", created_at: datetime | None = None, **fields) -> ScanJob:
    created_at = created_at or timezone.now()
    defaults = {"started_at": created_at, "progress": 100 if status == "completed" else 0}
    if status in ("completed", "failed"):
        defaults["completed_at"] = created_at + timedelta(seconds=42)
    return ScanJob.objects.create(tenant=tenant, status=status, created_at=created_at, **{**defaults, **fields})


def completed_scan(
    tenant, framework: Framework, verdicts: dict[Control, str], *, created_at: datetime | None = None, resources=2
) -> ScanJob:
    """A completed scan with one result per control and ``resources`` failing outcomes per failed control."""
    passed = sum(1 for s in verdicts.values() if s == "pass")
    failed = sum(1 for s in verdicts.values() if s == "fail")
    not_applicable = len(verdicts) - passed - failed
    score = round(100 * passed / (passed + failed), 1) if passed + failed else None
    job = scan_job(
        tenant,
        created_at=created_at,
        framework_ids=[str(framework.pk)],
        total_controls=len(verdicts),
        passed_controls=passed,
        failed_controls=failed,
        not_applicable_controls=not_applicable,
        score=score,
        framework_scores=[
            {
                "framework_id": str(framework.pk),
                "framework_key": framework.key,
                "framework_name": framework.name,
                "total": len(verdicts),
                "passed": passed,
                "failed": failed,
                "not_applicable": not_applicable,
                "score": score,
            }
        ],
    )
    ScanResult.objects.bulk_create(
        [
            ScanResult(
                tenant=tenant,
                scan_job=job,
                framework=framework,
                control=control,
                status=status,
                finding=f"{control.ref}: {status}",
                sort_key=control.sort_key,
                created_at=job.created_at,
            )
            for control, status in verdicts.items()
        ]
    )
    for control, status in verdicts.items():
        if status == "fail":
            CheckOutcome.objects.bulk_create(
                [
                    CheckOutcome(
                        tenant=tenant,
                        scan_job=job,
                        check_id=f"{CHECK_FAIL}.{control.ref}",
                        resource_id=f"sg-{control.ref.lower()}-{n:04d}",
                        resource_type="AWS::EC2::SecurityGroup",
                        region="us-east-1",
                        status="fail",
                        reason="22/tcp open to 0.0.0.0/0",
                    )
                    for n in range(resources)
                ]
            )
    return job


def map_checks(controls: list[Control]) -> None:
    """Control i gets its own failing check id (so failing resources are per control) and a shared passing one."""
    ControlCheck.objects.bulk_create(
        [ControlCheck(control=c, check_id=f"{CHECK_FAIL}.{c.ref}") for c in controls]
        + [ControlCheck(control=c, check_id=CHECK_PASS) for c in controls]
    )


@dataclass
class ScanData:
    framework: Framework
    controls: list[Control]
    previous: ScanJob
    job: ScanJob

    @property
    def failing(self) -> Control:
        return self.controls[1]


def scan_data_for(tenant) -> ScanData:
    """Two completed scans: CTL-2 passed in the first and fails in the second (newly failing)."""
    framework, controls = custom_framework(tenant)
    map_checks(controls)
    now = timezone.now()
    previous = completed_scan(
        tenant,
        framework,
        {controls[0]: "pass", controls[1]: "pass", controls[2]: "not-applicable"},
        created_at=now - timedelta(days=2),
    )
    job = completed_scan(
        tenant,
        framework,
        {controls[0]: "pass", controls[1]: "fail", controls[2]: "not-applicable"},
        created_at=now - timedelta(hours=1),
    )
    return ScanData(framework=framework, controls=controls, previous=previous, job=job)


def evidence_for(tenant, control, **kwargs):
    return manual_evidence(tenant=tenant, control=control, **kwargs)
