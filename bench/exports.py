"""Benchmark: a CSV (or JSON) download of N scan outcomes streams in flat memory.

    python -m bench.exports [--outcomes 100000] [--format csv]

Uses its own throwaway embedded database (or DATABASE_URL when set), bulk-inserts ``--outcomes`` check
outcomes for one scan job of one tenant (and a tenth as many for a second job), then reads
``GET /api/scans/{id}/outcomes?format=...`` through the API with a viewer's token, consuming the streamed
body chunk by chunk. Per size it reports rows, bytes, seconds and rows/s (a pass without tracing), and the
Python allocation peak (tracemalloc) and RSS growth during the stream (a second, traced pass). The bar:
the large export's allocation peak stays within 2x the small one's (exit code 1 when missed).
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

INSERT_BATCH = 5000
# Current RSS is read every this many streamed chunks (64 KiB each): often enough to catch growth, cheap.
RSS_SAMPLE_EVERY = 16
FLAT_FACTOR = 2.0


@dataclass
class Run:
    outcomes: int
    rows: int = 0
    bytes: int = 0
    seconds: float = 0.0
    peak_python: int = 0
    rss_growth: int = 0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def current_rss() -> int:
    """Resident set size now (Linux /proc); the lifetime peak where /proc is missing."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def outcome_rows(*, tenant: Any, job: Any, integration: Any, count: int) -> Iterator[Any]:
    from scans.models import CheckOutcome

    for n in range(count):
        yield CheckOutcome(
            id=uuid.uuid4(),
            tenant=tenant,
            scan_job=job,
            integration=integration,
            check_id="aws.ec2.sg_no_ingress_admin_ports_ipv4" if n % 3 else "aws.iam.root_mfa_enabled",
            resource_id=f"arn:aws:ec2:us-east-1:123456789012:security-group/sg-{n:012d}",
            resource_type="AWS::EC2::SecurityGroup",
            region="us-east-1",
            status="fail" if n % 4 == 0 else "pass",
            severity="high",
            reason="22/tcp open to 0.0.0.0/0" if n % 4 == 0 else "",
            detail={"ports": [22], "cidr": "0.0.0.0/0", "n": n},
        )


def insert_outcomes(*, tenant: Any, job: Any, integration: Any, count: int) -> None:
    """Bulk insert in batches, never holding all rows, so the process starts each export lean."""
    from scans.models import CheckOutcome

    rows = outcome_rows(tenant=tenant, job=job, integration=integration, count=count)
    while batch := [row for _, row in zip(range(INSERT_BATCH), rows, strict=False)]:
        CheckOutcome.objects.bulk_create(batch)


def stream(client: Any, url: str, fmt: str, *, trace: bool) -> Run:
    """One download read to the end; ``trace`` measures memory (slower), otherwise time."""
    run = Run(outcomes=0)
    gc.collect()
    rss_before = current_rss()
    rss_peak = rss_before
    if trace:
        tracemalloc.start()
        tracemalloc.reset_peak()
    start = time.perf_counter()
    response = client.get(url, {"format": fmt})
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}: {response.content[:500]!r}")
    newlines = 0
    for index, chunk in enumerate(response.streaming_content):
        run.bytes += len(chunk)
        newlines += chunk.count(b"\n")
        if index % RSS_SAMPLE_EVERY == 0:
            rss_peak = max(rss_peak, current_rss())
    response.close()
    run.seconds = time.perf_counter() - start
    if trace:
        run.peak_python = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    run.rss_growth = max(rss_peak, current_rss()) - rss_before
    # The bench's cells hold no line breaks. CSV: a header line, then a line per row. JSON: a line break
    # before each row and two around the closing bracket.
    run.rows = newlines - 1 if fmt == "csv" else newlines - 2
    return run


def mib(value: int) -> str:
    return f"{value / 2**20:8.2f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outcomes", type=int, default=100_000, help="rows of the large export (the small: 1/10)")
    parser.add_argument("--format", choices=["csv", "json"], default="csv")
    parser.add_argument("--smoke", action="store_true", help="Correctness only: no memory ratio at tiny sizes (CI).")
    args = parser.parse_args()
    sizes = [max(args.outcomes // 10, 1), args.outcomes]

    workdir = tempfile.mkdtemp(prefix="complywise-bench-exports-")
    os.environ.setdefault("COMPLYWISE_VAR_DIR", workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "complywise.settings.test"
    try:
        return measure(sizes, args.format, smoke=args.smoke)
    finally:
        # The embedded database of 110,000 rows is ~80 MB: nothing of it is worth keeping.
        shutil.rmtree(workdir, ignore_errors=True)


def measure(sizes: list[int], fmt: str, *, smoke: bool = False) -> int:

    import logging

    import django

    django.setup()
    for noisy in ("scans", "complywise", "django.request"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    from django.core.management import call_command
    from django.db import connection
    from rest_framework.test import APIClient

    from complywise.choices import Role
    from complywise.services import api_token_create, membership_ensure, tenant_create, user_get_or_create
    from integrations.models import Integration
    from scans.models import ScanJob

    call_command("migrate", verbosity=0)
    tenant, _ = tenant_create(name="Bench exports", slug=f"bench-exports-{int(time.time())}")
    integration = Integration.objects.create(tenant=tenant, type="aws", name="bench")
    jobs = {}
    for size in sizes:
        started = time.perf_counter()
        jobs[size] = ScanJob.objects.create(tenant=tenant, status="completed")
        insert_outcomes(tenant=tenant, job=jobs[size], integration=integration, count=size)
        print(f"  inserted {size:>9,} outcomes in {time.perf_counter() - started:6.2f} s", file=sys.stderr)

    user = user_get_or_create(email="bench-exports@example.com")
    token = api_token_create(membership=membership_ensure(tenant=tenant, user=user, role=Role.VIEWER), name="b").secret
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    # One small request first: schema-derived input rules and other first-use caches are not the export's cost.
    stream(client, f"/api/scans/{jobs[sizes[0]].pk}/outcomes", fmt, trace=False)

    runs = []
    for size in sizes:
        url = f"/api/scans/{jobs[size].pk}/outcomes"
        timed = stream(client, url, fmt, trace=False)
        traced = stream(client, url, fmt, trace=True)
        timed.outcomes, timed.peak_python, timed.rss_growth = size, traced.peak_python, traced.rss_growth
        runs.append(timed)

    print(f"\nComplyWise export benchmark — {connection.vendor}, GET /api/scans/{{id}}/outcomes?format={fmt}")
    print(f"  {'rows':>9} {'bytes':>13} {'seconds':>8} {'rows/s':>9} {'python peak':>13} {'RSS growth':>13}")
    for run in runs:
        print(
            f"  {run.rows:>9,} {run.bytes:>13,} {run.seconds:8.2f} {run.rows_per_second:>9,.0f}"
            f" {mib(run.peak_python):>13} {mib(run.rss_growth):>13}"
        )
    small, large = runs
    ratio = large.peak_python / small.peak_python if small.peak_python else float("inf")
    bars = {
        "every row streamed": all(run.rows == run.outcomes for run in runs),
        f"flat memory: {large.outcomes:,}-row peak within {FLAT_FACTOR:g}x the {small.outcomes:,}-row one"
        f" ({ratio:.2f}x)": ratio <= FLAT_FACTOR,
    }
    if smoke:
        # At smoke sizes interpreter noise outweighs the data: only correctness is a bar.
        bars = {name: ok for name, ok in bars.items() if not name.startswith("flat memory")}
    for bar, ok in bars.items():
        print(f"  [{'ok' if ok else 'MISSED'}] {bar}")
    return 0 if all(bars.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
