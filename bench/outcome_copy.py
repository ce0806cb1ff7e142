"""Benchmark: outcome writes through COPY against a raw COPY of the same rows (PostgreSQL).

    python -m bench.outcome_copy [--rows 100000] [--rounds 3]

Needs DATABASE_URL naming a PostgreSQL database and a role row-level security does not hold (a superuser:
only such a role may COPY into a policed table at all, which the raw baseline needs). Like bench.exports it
migrates that database; everything else (a tenant, a scan job, the app role, every written row) happens in
one transaction rolled back at the end, so nothing is left behind. Each write is timed up to the point where
a commit would return: the tables' deferred foreign-key checks are forced inside the timing.

Timed, per round (the best round counts; the machine is shared):

- ``outcomes_write``: N unsaved CheckOutcome objects, as the connecting role (COPY straight in);
- the same as the app role (no superuser, row-level security on: COPY through a temporary table), the role
  web and workers connect as;
- a raw psycopg COPY of the same rows, already as tuples of column values;
- ``bulk_create`` in batches of 1000 (what the engine used before), for reference.

Prints a table and writes bench/results/copy.json. The bar: each ``outcomes_write`` within 2x the raw COPY
(exit code 1 when missed). With ``--smoke`` (CI's small size) the ratios are printed but are no bar: at a
couple of thousand rows one round's fixed costs and a shared machine's noise decide them; every method must
still write exactly the rows it was given.
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
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BAR = 2.0
APP_ROLE = "cw_bench_copy_app"
RESULTS = Path(__file__).resolve().parent / "results" / "copy.json"


class Rollback(Exception):
    """Raised to end a transaction that must leave nothing behind."""


def outcome_objects(*, tenant: Any, job: Any, integration: Any, count: int) -> list[Any]:
    from scans.models import CheckOutcome

    return [
        CheckOutcome(
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
            detail={"ports": [22, 3389], "cidr": "0.0.0.0/0", "name": f'grüne "Gruppe" {n}', "n": n},
        )
        for n in range(count)
    ]


def raw_tuples(objects: list[Any], fields: list[Any]) -> list[tuple[Any, ...]]:
    """The rows as a hand-written COPY would hold them: plain column values, JSON already as text."""
    from django.db.models import JSONField
    from django.utils import timezone

    now = timezone.now()
    rows = []
    for obj in objects:
        values = []
        for field in fields:
            value = getattr(obj, field.attname)
            if isinstance(field, JSONField):
                value = json.dumps(value)
            elif field.attname == "updated_at":
                value = now
            values.append(value)
        rows.append(tuple(values))
    return rows


@contextmanager
def as_role(role: str | None):
    from django.db import connection

    if role is None:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {connection.ops.quote_name(role)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def timed_write(write: Callable[[], int], *, role: str | None = None) -> tuple[float, int]:
    """Seconds for ``write`` and its deferred constraint checks; its rows are rolled back afterwards."""
    from django.db import connection, transaction

    written = 0
    seconds = 0.0
    try:
        with transaction.atomic(), as_role(role):
            start = time.perf_counter()
            written = write()
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            seconds = time.perf_counter() - start
            raise Rollback
    except Rollback:
        pass
    return seconds, written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="each method is timed this many times, interleaved")
    parser.add_argument("--smoke", action="store_true", help="Ratios printed, not bars; only whole writes are (CI).")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        print("bench.outcome_copy needs PostgreSQL (DATABASE_URL=postgres://…): COPY is PostgreSQL's. Skipped.")
        return 0
    workdir = tempfile.mkdtemp(prefix="complywise-bench-copy-")
    os.environ.setdefault("COMPLYWISE_VAR_DIR", workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "complywise.settings.test"
    try:
        return measure(args.rows, args.rounds, smoke=args.smoke)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def measure(rows: int, rounds: int, *, smoke: bool = False) -> int:
    import io
    import logging

    import django

    django.setup()
    for noisy in ("scans", "complywise"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    from django.core.management import call_command
    from django.db import connection, transaction

    from complywise import rls
    from complywise.models import Tenant
    from integrations.models import Integration
    from scans.models import CheckOutcome, ScanJob
    from scans.outcome_writes import outcomes_write

    call_command("migrate", verbosity=0)
    table = CheckOutcome._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_security_active(%s), current_user", [table])
        policed, user = cursor.fetchone()
    if policed:
        print(f"bench.outcome_copy: RLS holds '{user}': no raw COPY can be timed; connect as a superuser.")
        return 0

    fields = [field for field in CheckOutcome._meta.concrete_fields if not field.generated]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    timings: dict[str, list[float]] = {}
    try:
        with transaction.atomic():
            call_command("setup_database_roles", role=APP_ROLE, stdout=io.StringIO())
            tenant = Tenant.objects.create(name="Bench copy", slug=f"bench-copy-{uuid.uuid4().hex[:8]}")
            integration = Integration.objects.create(tenant=tenant, type="aws", name="bench")
            job = ScanJob.objects.create(tenant=tenant, status="running")
            objects = outcome_objects(tenant=tenant, job=job, integration=integration, count=rows)
            tuples = raw_tuples(objects, fields)

            def raw_copy() -> int:
                with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in tuples:
                        copy.write_row(row)
                return len(tuples)

            methods: dict[str, tuple[Callable[[], int], str | None]] = {
                "outcomes_write (COPY)": (lambda: outcomes_write(objects), None),
                "outcomes_write as app role (staged COPY)": (lambda: outcomes_write(objects), APP_ROLE),
                "raw COPY of tuples": (raw_copy, None),
                "bulk_create (batches of 1000)": (
                    lambda: len(CheckOutcome.objects.bulk_create(objects, batch_size=1000)),
                    None,
                ),
            }
            with rls.tenant_scope(tenant.pk):
                for round_ in range(rounds):
                    for name, (write, role) in methods.items():
                        seconds, written = timed_write(write, role=role)
                        if written != rows:
                            raise SystemExit(f"{name} wrote {written} rows, not {rows}")
                        timings.setdefault(name, []).append(seconds)
                        print(f"  round {round_ + 1}: {name:<42} {seconds:7.3f} s", file=sys.stderr)
            raise Rollback
    except Rollback:
        pass

    best = {name: min(values) for name, values in timings.items()}
    raw = best["raw COPY of tuples"]
    ratios = {name: seconds / raw for name, seconds in best.items()}
    print(f"\nComplyWise outcome-write benchmark — PostgreSQL, {rows:,} rows, best of {rounds}")
    print(f"  {'method':<42} {'seconds':>8} {'rows/s':>10} {'vs raw COPY':>12}")
    for name, seconds in best.items():
        print(f"  {name:<42} {seconds:8.3f} {rows / seconds:>10,.0f} {ratios[name]:>11.2f}x")
    bars = {
        f"{name} within {BAR:g}x raw COPY ({ratios[name]:.2f}x)": ratios[name] <= BAR
        for name in best
        if name.startswith("outcomes_write")
    }
    for bar, ok in bars.items():
        print(f"  [{'ok' if ok else 'MISSED'}] {bar}" + ("  (smoke: not a bar)" if smoke else ""))
    if smoke:
        bars = {f"every method wrote {rows:,} rows": True}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "rows": rows,
                "rounds": rounds,
                "postgres": connection.pg_version,
                "seconds": timings,
                "best_seconds": best,
                "ratio_to_raw_copy": ratios,
                "bar": BAR,
                "ok": all(bars.values()),
            },
            indent=2,
        )
        + "\n"
    )
    print(f"  results written to {RESULTS}")
    return 0 if all(bars.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
