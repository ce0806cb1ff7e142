"""Benchmark: the retention purge of a year of hourly scans deletes in short, bounded transactions.

    python -m bench.purge [--outcomes 1000000] [--jobs 8760] [--batch 5000] [--keep]

Uses its own throwaway embedded database (or DATABASE_URL when set: PostgreSQL is the one that matters). Seeds
one tenant with ``--jobs`` scan jobs spread over the year up to now (hourly by default) holding ``--outcomes``
check outcomes between them (COPY on PostgreSQL, multi-row inserts on SQLite), a part and CONTROLS results per
job; its retention is 30 days, so about 11 months of the year are past it. A neighbour tenant's scans, as old,
stay within its own retention. Then runs ``scans_purge_expired`` and reports the total time, rows/s, the longest
single transaction (each committed batch is timed) and the most rows any one DELETE removed, and checks that
exactly the unexpired data is left. The bar: no transaction open longer than MAX_TRANSACTION_SECONDS (exit code
1 when missed, or when anything but the expired data went). Results also go to bench/results/purge.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

RETENTION_DAYS = 30
YEAR = timedelta(days=365)
CONTROLS = 20
# A batch of 5,000 outcome rows takes tens of milliseconds; a transaction near this bound means the batches
# no longer are the unit of work (or the database is starved), and readers and replication wait on it.
MAX_TRANSACTION_SECONDS = 2.0
INSERT_CHUNK = 5000
SLOWEST_SHOWN = 5
RESULTS_FILE = Path(__file__).resolve().parent / "results" / "purge.json"


def load(model: Any, rows: Iterable[list[Any]]) -> int:
    """Insert prepared rows (values in ``model``'s concrete-field order) the fastest way the database offers."""
    from django.db import connection, transaction

    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in model._meta.concrete_fields)
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        placeholders = ", ".join(["%s"] * len(model._meta.concrete_fields))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
        iterator = iter(rows)
        while chunk := list(islice(iterator, INSERT_CHUNK)):
            cursor.executemany(sql, chunk)
            count += len(chunk)
    return count


class Rows:
    """Rows of one model from a template of prepared values; only the named columns change per row."""

    def __init__(self, model: Any, **constants: Any) -> None:
        from django.db import connection

        self.connection = connection
        self.fields = model._meta.concrete_fields
        self.position = {f.attname: i for i, f in enumerate(self.fields)}
        defaults = {f.attname: f.get_default() for f in self.fields}
        self.template = self.prepare({**defaults, **constants})

    def prepare(self, values: dict[str, Any]) -> list[Any]:
        return [f.get_db_prep_save(values[f.attname], self.connection) for f in self.fields]

    def value(self, attname: str, value: Any) -> Any:
        return self.fields[self.position[attname]].get_db_prep_save(value, self.connection)

    def row(self, **changes: Any) -> list[Any]:
        row = self.template.copy()
        for attname, value in changes.items():
            row[self.position[attname]] = value
        return row


def outcome_rows(*, tenant: Any, integration: Any, jobs: list[tuple[Any, datetime, int]]) -> Iterator[list[Any]]:
    from scans.models import CheckOutcome

    base = Rows(CheckOutcome, tenant_id=tenant.pk, integration_id=integration.pk, resource_type="AWS::EC2::Volume")
    variants = [
        (base.value("status", status), base.value("reason", reason), base.value("detail", detail))
        for status, reason, detail in (
            ("fail", "volume not encrypted", {"encrypted": False, "size_gib": 8}),
            ("pass", "", {"encrypted": True, "size_gib": 8}),
            ("pass", "", {"encrypted": True, "size_gib": 100}),
            ("error", "AccessDenied", {}),
        )
    ]
    for job_id, created_at, count in jobs:
        prepared = {
            "scan_job_id": base.value("scan_job_id", job_id),
            "created_at": base.value("created_at", created_at),
            "updated_at": base.value("updated_at", created_at),
        }
        for n in range(count):
            status, reason, detail = variants[n % len(variants)]
            yield base.row(
                **prepared,
                id=base.value("id", uuid.uuid4()),
                check_id=f"aws.ec2.check_{n % 40:02d}",
                resource_id=f"arn:aws:ec2:us-east-1:123456789012:volume/vol-{n:012d}",
                status=status,
                reason=reason,
                detail=detail,
            )


def result_rows(*, tenant: Any, controls: list[Any], jobs: list[tuple[Any, datetime, int]]) -> Iterator[list[Any]]:
    from scans.models import ScanResult

    base = Rows(ScanResult, tenant_id=tenant.pk, framework_id=controls[0].framework_id, status="pass")
    control_ids = [base.value("control_id", control.pk) for control in controls]
    for job_id, created_at, _ in jobs:
        prepared = {
            "scan_job_id": base.value("scan_job_id", job_id),
            "created_at": base.value("created_at", created_at),
            "updated_at": base.value("updated_at", created_at),
        }
        for control_id in control_ids:
            yield base.row(**prepared, id=base.value("id", uuid.uuid4()), control_id=control_id)


def seed(*, tenant: Any, jobs: int, outcomes: int, now: datetime) -> list[tuple[Any, datetime, int]]:
    """``jobs`` completed scans evenly over the year up to ``now``; returns (job id, created at, outcomes) per job."""
    from frameworks.models import Control, Framework
    from integrations.models import Integration
    from scans.models import CheckOutcome, ScanJob, ScanPart, ScanResult

    integration = Integration.objects.create(tenant=tenant, type="aws", name="bench")
    framework = Framework.objects.create(tenant=tenant, key=f"bench-{tenant.slug}", name="Bench", source="custom")
    controls = Control.objects.bulk_create(
        Control(framework=framework, ref=f"B{i:02d}", title=f"Bench control {i}", sort_key=f"{i:04d}")
        for i in range(CONTROLS)
    )
    plan = []
    for index in range(jobs):
        created_at = now - YEAR * (jobs - index) / jobs
        plan.append((uuid.uuid4(), created_at, outcomes // jobs + (1 if index < outcomes % jobs else 0)))
    ScanJob.objects.bulk_create(
        (
            ScanJob(id=job_id, tenant=tenant, status="completed", created_at=at, started_at=at, completed_at=at)
            for job_id, at, _ in plan
        ),
        batch_size=1000,
    )
    ScanPart.objects.bulk_create(
        (
            ScanPart(
                tenant=tenant,
                scan_job_id=job_id,
                integration=integration,
                integration_type="aws",
                integration_name="bench",
                status="completed",
                outcome_count=count,
                created_at=at,
            )
            for job_id, at, count in plan
        ),
        batch_size=1000,
    )
    load(ScanResult, result_rows(tenant=tenant, controls=controls, jobs=plan))
    load(CheckOutcome, outcome_rows(tenant=tenant, integration=integration, jobs=plan))
    return plan


def left_per_job(tenant: Any) -> tuple[Counter, Counter, Counter]:
    """Outcomes, results and parts left per scan job of ``tenant``."""
    from django.db.models import Count

    from scans.models import CheckOutcome, ScanPart, ScanResult

    def per_job(model: Any) -> Counter:
        rows = model.objects.for_tenant(tenant).values("scan_job_id").annotate(n=Count("pk")).order_by()
        return Counter({row["scan_job_id"]: row["n"] for row in rows})

    return per_job(CheckOutcome), per_job(ScanResult), per_job(ScanPart)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outcomes", type=int, default=1_000_000)
    parser.add_argument("--jobs", type=int, default=8760, help="scans spread over the year: 8,760 is hourly")
    parser.add_argument("--batch", type=int, default=None, help="rows per DELETE (default scans.retention.PURGE_BATCH)")
    parser.add_argument("--keep", action="store_true", help="leave the bench tenants in the database")
    parser.add_argument(
        "--smoke", action="store_true", help="The longest transaction is printed, not a bar; the rest are (CI)."
    )
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="complywise-bench-purge-")
    os.environ.setdefault("COMPLYWISE_VAR_DIR", workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "complywise.settings.test"
    try:
        return measure(args)
    finally:
        # The embedded database of a million outcomes is hundreds of MB: nothing of it is worth keeping.
        shutil.rmtree(workdir, ignore_errors=True)


def measure(args: argparse.Namespace) -> int:
    import logging

    import django

    django.setup()
    for noisy in ("scans", "complywise", "evidence"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from complywise.models import Tenant
    from complywise.services import tenant_create
    from scans import retention
    from scans.models import ScanJob

    call_command("migrate", verbosity=0)
    vendor = connection.vendor
    if vendor != "postgresql":
        print("  DATABASE_URL is unset: measuring on SQLite (PostgreSQL is the database this bar is for)")
    stamp = int(time.time())
    now = timezone.now()
    tenant, _ = tenant_create(name="Bench purge", slug=f"bench-purge-{stamp}", retention_days=RETENTION_DAYS)
    neighbour, _ = tenant_create(name="Bench neighbour", slug=f"bench-neighbour-{stamp}", retention_days=3650)
    started = time.perf_counter()
    plan = seed(tenant=tenant, jobs=args.jobs, outcomes=args.outcomes, now=now)
    # Its year ends 200 days ago: past the bench tenant's retention, well within its own.
    seed(tenant=neighbour, jobs=24, outcomes=24 * 10, now=now - timedelta(days=200))
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            # What autovacuum would have done for a table that grew over a year: the planner needs the stats.
            cursor.execute("ANALYZE")
    seeded = time.perf_counter() - started
    print(f"  seeded {args.jobs:,} jobs, {args.outcomes:,} outcomes in {seeded:6.1f} s", file=sys.stderr)

    cutoff = now - timedelta(days=RETENTION_DAYS)
    kept = {job_id: count for job_id, at, count in plan if at >= cutoff}
    expired_outcomes = sum(count for job_id, _, count in plan if job_id not in kept)
    neighbour_before = left_per_job(neighbour)

    steps: list[retention.PurgeBatch] = []
    deletes: list[tuple[str, int]] = []
    slow_statements: list[tuple[float, str]] = []

    def record(execute, sql, params, many, context):
        started = time.perf_counter()
        result = execute(sql, params, many, context)
        slow_statements.append((time.perf_counter() - started, sql[:90]))
        slow_statements.sort(reverse=True)
        del slow_statements[SLOWEST_SHOWN:]
        if sql.lstrip().upper().startswith("DELETE"):
            deletes.append((sql.split('"')[1], context["cursor"].rowcount))
        return result

    started = time.perf_counter()
    with connection.execute_wrapper(record):
        report = retention.scans_purge_expired(now=now, batch=args.batch, on_batch=steps.append)
    seconds = time.perf_counter() - started

    outcomes_left, results_left, parts_left = left_per_job(tenant)
    jobs_left = set(ScanJob.objects.for_tenant(tenant).values_list("pk", flat=True))
    counts = report.tenants.get(tenant.slug, {})
    rows = sum(step.rows for step in steps)
    longest = max(steps, key=lambda step: step.seconds, default=retention.PurgeBatch(table="-", rows=0, seconds=0.0))
    biggest = max(deletes, key=lambda delete: delete[1], default=("-", 0))
    per_table: dict[str, list[retention.PurgeBatch]] = {}
    for step in steps:
        per_table.setdefault(step.table, []).append(step)

    print(
        f"\nComplyWise retention purge benchmark — {vendor}, {args.jobs:,} jobs over a year, {args.outcomes:,} outcomes"
    )
    print(f"  retention {RETENTION_DAYS} days: {args.jobs - len(kept):,} jobs and {expired_outcomes:,} outcomes expire")
    print(f"  {'table':<20} {'rows':>10} {'batches':>8} {'longest s':>10} {'mean s':>8}")
    for table, table_steps in per_table.items():
        total = sum(s.rows for s in table_steps)
        slowest = max(s.seconds for s in table_steps)
        mean = sum(s.seconds for s in table_steps) / len(table_steps)
        print(f"  {table:<20} {total:>10,} {len(table_steps):>8,} {slowest:>10.3f} {mean:>8.3f}")
    print(f"  total {seconds:.1f} s, {rows / seconds:,.0f} rows/s over {len(steps):,} transactions")
    print(f"  longest transaction {longest.seconds:.3f} s ({longest.rows:,} rows of {longest.table})")
    print(f"  most rows in one DELETE {biggest[1]:,} ({biggest[0]}), over {len(deletes):,} DELETE statements")
    print("  slowest statements:")
    for statement_seconds, sql in slow_statements:
        print(f"    {statement_seconds:7.3f} s  {sql}")

    bars = {
        f"longest transaction under {MAX_TRANSACTION_SECONDS:g} s ({longest.seconds:.3f} s)": (
            longest.seconds < MAX_TRANSACTION_SECONDS
        ),
        f"no DELETE over the batch ({biggest[1]:,} rows)": biggest[1] <= (args.batch or retention.PURGE_BATCH),
        "reported what it deleted": counts.get("scan_jobs") == args.jobs - len(kept)
        and counts.get("outcomes") == expired_outcomes,
        "exactly the unexpired jobs left, each whole": jobs_left == set(kept)
        and outcomes_left == Counter({job_id: n for job_id, n in kept.items() if n})
        and results_left == Counter(dict.fromkeys(kept, CONTROLS))
        and parts_left == Counter(dict.fromkeys(kept, 1)),
        "the neighbour tenant untouched": left_per_job(neighbour) == neighbour_before,
    }
    if args.smoke:
        # A time bound at smoke size measures the shared CI machine more than the purge; what it deleted still counts.
        timed = next(iter(bars))
        print(f"  [{'ok' if bars.pop(timed) else 'slow'}] {timed}  (smoke: not a bar)")
    for bar, ok in bars.items():
        print(f"  [{'ok' if ok else 'MISSED'}] {bar}")

    RESULTS_FILE.parent.mkdir(exist_ok=True)
    RESULTS_FILE.write_text(
        json.dumps(
            {
                "database": vendor,
                "jobs": args.jobs,
                "outcomes": args.outcomes,
                "retention_days": RETENTION_DAYS,
                "batch": args.batch or retention.PURGE_BATCH,
                "jobs_per_round": retention.PURGE_JOBS,
                "seed_seconds": round(seeded, 2),
                "deleted": counts,
                "seconds": round(seconds, 2),
                "rows_per_second": round(rows / seconds),
                "transactions": len(steps),
                "delete_statements": len(deletes),
                "longest_transaction": {"seconds": round(longest.seconds, 4), "table": longest.table},
                "max_rows_per_delete": biggest[1],
                "max_transaction_bound_seconds": MAX_TRANSACTION_SECONDS,
                "per_table": {
                    table: {
                        "rows": sum(s.rows for s in table_steps),
                        "transactions": len(table_steps),
                        "longest_seconds": round(max(s.seconds for s in table_steps), 4),
                    }
                    for table, table_steps in per_table.items()
                },
                "bars": bars,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"  written to {RESULTS_FILE}")
    if not args.keep:
        # Whatever is left goes with the tenants (one cascade; not part of what is measured).
        Tenant.objects.filter(pk__in=[tenant.pk, neighbour.pk]).delete()
    return 0 if all(bars.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
