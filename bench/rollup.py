"""Benchmark: the roll-up of a scan of N resources (results + auto evidence) runs in flat memory.

    python -m bench.rollup [--sizes 1000,5000,20000] [--checks-per-resource 3]

Uses its own throwaway embedded database (or DATABASE_URL when set) and evidence folder. Per size it
seeds one tenant with SOC 2, NIST SP 800-53 rev5 MODERATE and CIS AWS Foundations active, and a
RUNNING scan job with one finished AWS part whose outcomes cover every registered AWS check, spread
over N resources (each resource evaluated by ``--checks-per-resource`` checks, half of the outcomes
failing), then runs ``scan_finalize`` twice on two such jobs: once plainly for the time, once under
tracemalloc for the Python allocation peak. RSS growth (this process's resident set, sampled every few
milliseconds during the roll-up, less its size before) and the ru_maxrss delta are reported too; the
allocation peak is the figure that counts. Writes bench/results/rollup.json; exit code 1 when the
largest size's peak is more than 1.5x the smallest's.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

INSERT_BATCH = 5000
RSS_SAMPLE_SECONDS = 0.005
FLAT_FACTOR = 1.5
FRAMEWORK_KEYS = ("soc2", "nist-800-53-r5-moderate", "cis-aws")
RESULTS_FILE = Path(__file__).resolve().parent / "results" / "rollup.json"


@dataclass
class Run:
    resources: int
    outcomes: int = 0
    failing: int = 0
    controls: int = 0
    evidence: int = 0
    seconds: float = 0.0
    traced_seconds: float = 0.0
    queries: int = 0
    peak_python: int = 0
    rss_growth: int = 0
    maxrss_growth: int = 0
    timings: dict | None = None


def current_rss() -> int:
    """Resident set size now (Linux /proc); the lifetime peak where /proc is missing."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return max_rss()


def max_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class RssSampler(threading.Thread):
    """The highest RSS seen while the roll-up runs (the lifetime peak, ru_maxrss, says little after seeding)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = current_rss()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(RSS_SAMPLE_SECONDS):
            self.peak = max(self.peak, current_rss())

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return max(self.peak, current_rss())


def outcome_rows(*, job: Any, integration: Any, checks: list[Any], resources: int, per_resource: int) -> Iterator[Any]:
    from scans.models import CheckOutcome

    for n in range(resources):
        for k in range(per_resource):
            check = checks[(n * per_resource + k) % len(checks)]
            failing = (n + k) % 2 == 0
            yield CheckOutcome(
                id=uuid.uuid4(),
                tenant_id=job.tenant_id,
                scan_job=job,
                integration=integration,
                check_id=check.id,
                resource_id=f"arn:aws:ec2:us-east-1:123456789012:resource/r-{n:09d}",
                resource_type="AWS::EC2::Instance",
                region="us-east-1",
                status="fail" if failing else "pass",
                severity=str(check.severity),
                reason="not configured as the check requires" if failing else "",
                detail={"n": n, "k": k, "tags": {"team": "bench"}},
            )


def seed_job(*, tenant: Any, integration: Any, frameworks: list[Any], resources: int, per_resource: int) -> Any:
    """A RUNNING job whose one part is done, with its outcomes inserted in batches (never all in memory)."""
    from django.utils import timezone

    from integrations.registry import all_checks
    from scans.models import CheckOutcome, ScanJob, ScanPart

    now = timezone.now()
    job = ScanJob.objects.create(
        tenant=tenant,
        status="running",
        started_at=now,
        progress=90,
        progress_at=now,
        integration_types=["aws"],
        framework_ids=[str(f.pk) for f in frameworks],
    )
    rows = outcome_rows(
        job=job, integration=integration, checks=all_checks("aws"), resources=resources, per_resource=per_resource
    )
    count = 0
    while batch := [row for _, row in zip(range(INSERT_BATCH), rows, strict=False)]:
        CheckOutcome.objects.bulk_create(batch)
        count += len(batch)
    ScanPart.objects.create(
        tenant=tenant,
        scan_job=job,
        integration=integration,
        integration_type="aws",
        integration_name=integration.name,
        status="done",
        outcome_count=count,
        started_at=now,
        completed_at=now,
    )
    return job


def finalize(job: Any, *, trace: bool) -> Run:
    from django.db import connection

    from scans.rollup import scan_finalize

    run = Run(resources=0)
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    gc.collect()
    rss_before, maxrss_before = current_rss(), max_rss()
    sampler = RssSampler()
    sampler.start()
    if trace:
        tracemalloc.start()
        tracemalloc.reset_peak()
    start = time.perf_counter()
    with connection.execute_wrapper(count):
        scan_finalize(scan_job_id=str(job.pk))
    seconds = time.perf_counter() - start
    if trace:
        run.peak_python = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        run.traced_seconds = seconds
    else:
        run.seconds = seconds
    run.rss_growth = sampler.stop() - rss_before
    run.maxrss_growth = max_rss() - maxrss_before
    run.queries = queries
    job.refresh_from_db()
    if job.status != "completed":
        raise SystemExit(f"scan {job.pk} ended {job.status}: {job.error}")
    run.timings = job.timings if hasattr(job, "timings") else None
    return run


def mib(value: int) -> str:
    return f"{value / 2**20:8.2f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000", help="comma-separated resource counts")
    parser.add_argument("--smoke", action="store_true", help="Correctness only: no memory ratio at tiny sizes (CI).")
    parser.add_argument("--checks-per-resource", type=int, default=3)
    parser.add_argument("--no-timed", action="store_true", help="only the traced run (half the seeding)")
    parser.add_argument(
        "--storage-read-bytes",
        type=int,
        default=None,
        help="Try another evidence.storage.CHUNK_SIZE: each of the evidence writer threads holds one such read.",
    )
    parser.add_argument("--output", default=str(RESULTS_FILE))
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))

    workdir = tempfile.mkdtemp(prefix="complywise-bench-rollup-")
    os.environ.setdefault("COMPLYWISE_VAR_DIR", workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "complywise.settings.test"
    os.environ.pop("AWS_STORAGE_BUCKET_NAME", None)
    try:
        return measure(
            sizes,
            args.checks_per_resource,
            timed=not args.no_timed,
            output=Path(args.output),
            storage_read_bytes=args.storage_read_bytes,
            smoke=args.smoke,
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def measure(
    sizes: list[int],
    per_resource: int,
    *,
    timed: bool,
    output: Path,
    storage_read_bytes: int | None = None,
    smoke: bool = False,
) -> int:
    import logging

    import django

    django.setup()
    for noisy in ("scans", "evidence", "complywise", "django.request"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    from django.core.management import call_command
    from django.db import connection

    from evidence import storage

    if storage_read_bytes:
        storage.CHUNK_SIZE = storage_read_bytes
    from complywise.services import tenant_create
    from evidence.models import Evidence
    from frameworks.models import Framework, TenantFramework
    from integrations.models import Integration
    from integrations.registry import all_checks
    from scans import rollup
    from scans.models import ScanResult

    call_command("migrate", verbosity=0)
    call_command("load_frameworks", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    frameworks = list(Framework.objects.filter(tenant__isnull=True, key__in=FRAMEWORK_KEYS).order_by("key"))
    missing = set(FRAMEWORK_KEYS) - {f.key for f in frameworks}
    if missing:
        raise SystemExit(f"frameworks not loaded: {', '.join(sorted(missing))}")

    def seeded(size: int) -> Any:
        tenant, _ = tenant_create(name=f"Bench roll-up {size}", slug=f"bench-rollup-{uuid.uuid4().hex[:12]}")
        for framework in frameworks:
            TenantFramework.objects.get_or_create(tenant=tenant, framework=framework)
        integration = Integration.objects.create(tenant=tenant, type="aws", name="bench")
        started = time.perf_counter()
        job = seed_job(
            tenant=tenant, integration=integration, frameworks=frameworks, resources=size, per_resource=per_resource
        )
        print(f"  seeded {size:>7,} resources in {time.perf_counter() - started:6.2f} s", file=sys.stderr)
        return job

    # A small roll-up first: imports, the check registry and other first-use caches are not the roll-up's cost.
    finalize(seeded(50), trace=False)

    runs = []
    for size in sizes:
        traced_job = seeded(size)
        run = finalize(traced_job, trace=True)
        if timed:
            plain = finalize(seeded(size), trace=False)
            run.seconds, run.queries = plain.seconds, plain.queries
        run.resources = size
        run.outcomes = traced_job.outcomes.count()
        run.failing = traced_job.outcomes.filter(status="fail").count()
        run.controls = ScanResult.objects.filter(scan_job=traced_job).count()
        run.evidence = Evidence.objects.filter(scan_job=traced_job).count()
        runs.append(run)

    chunk = getattr(rollup, "ROLLUP_CHUNK_CONTROLS", None)
    print(
        f"\nComplyWise roll-up benchmark — {connection.vendor}, {len(all_checks('aws'))} AWS checks, "
        f"{per_resource} per resource, frameworks {', '.join(FRAMEWORK_KEYS)}, chunk {chunk or 'none'}, "
        f"storage reads {storage.CHUNK_SIZE // 1024} KiB"
    )
    print(
        f"  {'resources':>9} {'outcomes':>9} {'failing':>8} {'controls':>8} {'seconds':>8} {'queries':>8}"
        f" {'python peak':>13} {'RSS growth':>13} {'maxrss Δ':>13}"
    )
    for run in runs:
        print(
            f"  {run.resources:>9,} {run.outcomes:>9,} {run.failing:>8,} {run.controls:>8,}"
            f" {run.seconds or run.traced_seconds:8.2f} {run.queries:>8,}"
            f" {mib(run.peak_python):>13} {mib(run.rss_growth):>13} {mib(run.maxrss_growth):>13}"
        )
    small, large = runs[0], runs[-1]
    ratio = large.peak_python / small.peak_python if small.peak_python else float("inf")
    bars = {
        "one result and one evidence artifact per control": all(r.controls == r.evidence > 0 for r in runs),
        f"flat memory: {large.resources:,}-resource peak within {FLAT_FACTOR:g}x the {small.resources:,}-resource"
        f" one ({ratio:.2f}x)": ratio <= FLAT_FACTOR,
    }
    if smoke:
        # At smoke sizes interpreter noise outweighs the data: only correctness is a bar.
        bars = {name: ok for name, ok in bars.items() if not name.startswith("flat memory")}
    for bar, ok in bars.items():
        print(f"  [{'ok' if ok else 'MISSED'}] {bar}")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        json.dumps(
            {
                "database": connection.vendor,
                "checks_per_resource": per_resource,
                "frameworks": list(FRAMEWORK_KEYS),
                "chunk_controls": chunk,
                "storage_read_bytes": storage.CHUNK_SIZE,
                "flat_factor": FLAT_FACTOR,
                "peak_ratio": round(ratio, 3),
                "runs": [asdict(run) for run in runs],
                "bars": bars,
            },
            indent=2,
        )
        + "\n"
    )
    return 0 if all(bars.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
