"""Outcome writes: COPY on PostgreSQL (straight in, or staged for a role row-level security holds), bulk_create
elsewhere — the same rows come back either way, written lazily, and one tenant's scope writes only its rows.

The suite connects as a superuser (straight COPY); the app-role cases ``SET ROLE`` to a role granted by the real
``setup_database_roles`` command, inside the test's transaction (rolled back with it), like tests/complywise.
"""

from __future__ import annotations

import io
import uuid
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from complywise import rls
from scans.models import CheckOutcome
from scans.outcome_writes import outcomes_write
from tests.integrations.factories import IntegrationFactory
from tests.web.factories import scan_job

ON_POSTGRES = connection.vendor == "postgresql"
APP_ROLE = "cw_outcome_writes_app"
postgres_only = pytest.mark.skipif(
    not ON_POSTGRES, reason="row-level security is PostgreSQL's; set DATABASE_URL=postgres://… to run these"
)
pytestmark = pytest.mark.django_db

AWKWARD = {
    "name": "grüne Gruppe — 安全组 🔒",
    "quotes": 'it\'s "quoted"',
    "backslashes": "C:\\temp\\new \\N \\. \\\\",
    "control": "tab\there\nnew line\r\nand a vertical\x0btab",
    "nested": {"ports": [22, 3389], "open": True, "none": None, "ratio": 0.25},
    "empty": {},
}


@contextmanager
def as_app_role() -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {APP_ROLE}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


@pytest.fixture(params=["connecting role", pytest.param("app role", marks=postgres_only)])
def writer(request, db):
    """Who writes: the suite's own connection (COPY straight in on PostgreSQL) or the app role (staged COPY)."""
    if request.param == "connecting role":
        return lambda tenant: nullcontext()
    call_command("setup_database_roles", role=APP_ROLE, stdout=io.StringIO())

    @contextmanager
    def app_role_in(tenant):
        with as_app_role(), rls.tenant_scope(tenant.pk):
            yield

    return app_role_in


def outcome(tenant, job, integration, n: int, **fields) -> CheckOutcome:
    values = {
        "check_id": f"aws.check_{n % 7}",
        "resource_id": f"arn:aws:ec2:us-east-1:123456789012:security-group/sg-{n:08d}",
        "resource_type": "AWS::EC2::SecurityGroup",
        "region": "us-east-1",
        "status": "fail" if n % 3 else "pass",
        "severity": "high",
        "reason": "",
        "detail": {"n": n},
    }
    return CheckOutcome(tenant=tenant, scan_job=job, integration=integration, **{**values, **fields})


def stored(row: CheckOutcome) -> dict:
    return {field.attname: getattr(row, field.attname) for field in CheckOutcome._meta.concrete_fields}


def test_rows_come_back_field_by_field_with_awkward_text_and_nulls(tenant, writer):
    # given outcomes with unicode, quotes, backslashes and control characters in text and JSON, one without an
    # integration (NULL), one with JSON null and empty values, and one whose id and creation time were chosen
    job = scan_job(tenant, status="running")
    integration = IntegrationFactory(tenant=tenant)
    created = timezone.now() - timedelta(days=3)
    chosen = uuid.uuid4()
    rows = [
        outcome(tenant, job, integration, 1, reason="tab\there\nline two \\ back\\slash \"q\" 'q' ✓", detail=AWKWARD),
        outcome(tenant, job, None, 2, resource_type="", region="", severity="", detail=[None, "", 0, False]),
        outcome(tenant, job, integration, 3, id=chosen, created_at=created, detail="just a string"),
    ]
    before = timezone.now()
    # when they are written
    with writer(tenant):
        written = outcomes_write(iter(rows))
        back = {row.pk: row for row in CheckOutcome.objects.filter(scan_job=job)}
    # then every column of every row reads back as the object held it
    assert written == 3
    assert set(back) == {row.pk for row in rows}
    for row in rows:
        assert stored(back[row.pk]) == stored(row)
    assert back[chosen].created_at == created
    assert back[rows[1].pk].integration_id is None
    assert back[rows[0].pk].detail == AWKWARD
    # and ids and timestamps were filled as bulk_create fills them, the objects marked saved
    assert all(isinstance(row.pk, uuid.UUID) for row in rows)
    assert all(row.updated_at >= before and not row._state.adding for row in rows)


def test_a_generator_of_2500_rows_is_written_across_batches_without_holding_them(tenant, writer):
    # given a generator of 2,500 outcomes that notes how many of them are still alive as it yields each
    job = scan_job(tenant, status="running")
    integration = IntegrationFactory(tenant=tenant)
    alive: weakref.WeakSet[CheckOutcome] = weakref.WeakSet()
    most_alive = 0

    def rows() -> Iterator[CheckOutcome]:
        nonlocal most_alive
        for n in range(2500):
            row = outcome(tenant, job, integration, n, detail={"n": n, "text": f"row\t{n}\n"})
            alive.add(row)
            most_alive = max(most_alive, len(alive))
            yield row
            del row

    # when they are written in batches of 1,000
    with writer(tenant):
        written = outcomes_write(rows(), batch_size=1000)
        back = sorted(CheckOutcome.objects.filter(scan_job=job).values_list("detail", flat=True), key=lambda d: d["n"])
    # then all of them arrived, once each, and never more than a batch was held at once
    assert written == 2500
    assert back == [{"n": n, "text": f"row\t{n}\n"} for n in range(2500)]
    assert most_alive <= 1001


def test_two_writes_in_one_transaction_both_land(tenant, writer):
    # given a job (a redelivered part writes again in the same transaction as its delete)
    job = scan_job(tenant, status="running")
    # when two writes run in one transaction
    with writer(tenant), transaction.atomic():
        first = outcomes_write(outcome(tenant, job, None, n) for n in range(3))
        second = outcomes_write(outcome(tenant, job, None, n) for n in range(3, 5))
        count = CheckOutcome.objects.filter(scan_job=job).count()
    # then both wrote their rows
    assert (first, second, count) == (3, 2, 5)


def test_nothing_to_write_writes_nothing(tenant, writer):
    with writer(tenant):
        assert outcomes_write([]) == 0
        assert CheckOutcome.objects.count() == 0


def test_a_failed_write_leaves_no_row_behind(tenant, writer):
    # given a batch whose last row has no detail (a NOT NULL column), and one related to an unsaved integration
    job = scan_job(tenant, status="running")
    broken = [outcome(tenant, job, None, n) for n in range(3)] + [outcome(tenant, job, None, 3, detail=None)]
    unsaved = IntegrationFactory.build(tenant=tenant, id=None)
    # when each is written
    with writer(tenant):
        with pytest.raises(IntegrityError), transaction.atomic():
            outcomes_write(broken)
        with pytest.raises(ValueError, match="unsaved related object 'integration'"), transaction.atomic():
            outcomes_write([outcome(tenant, job, None, 9), outcome(tenant, job, unsaved, 10)])
        # then neither wrote anything
        assert CheckOutcome.objects.filter(scan_job=job).count() == 0


@postgres_only
def test_a_tenant_scope_writes_only_its_own_rows_as_the_app_role(tenant, other_tenant):
    # given the app role, and a job of each tenant
    call_command("setup_database_roles", role=APP_ROLE, stdout=io.StringIO())
    mine, theirs = scan_job(tenant, status="running"), scan_job(other_tenant, status="running")
    with as_app_role():
        # when Acme's scope writes a batch that ends with a row of Globex's
        with rls.tenant_scope(tenant.pk):
            rows = [outcome(tenant, mine, None, n) for n in range(5)] + [outcome(other_tenant, theirs, None, 5)]
            with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
                outcomes_write(rows, batch_size=2)
            # then the whole write was refused, Acme's rows with it
            assert CheckOutcome.objects.count() == 0
        # when no tenant is in scope at all
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            outcomes_write([outcome(tenant, mine, None, 0)])
        # when each scope writes its own rows
        for owner, job in ((tenant, mine), (other_tenant, theirs)):
            with rls.tenant_scope(owner.pk):
                assert outcomes_write(outcome(owner, job, None, n) for n in range(4)) == 4
        # then each scope sees its own four rows and no other
        for owner in (tenant, other_tenant):
            with rls.tenant_scope(owner.pk):
                assert set(CheckOutcome.objects.values_list("tenant_id", flat=True)) == {owner.pk}
                assert CheckOutcome.objects.count() == 4


@postgres_only
def test_without_temporary_tables_the_app_role_still_writes_its_rows(tenant):
    # given the app role on a database where it may not create temporary tables (a hardened setup)
    call_command("setup_database_roles", role=APP_ROLE, stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        database = connection.ops.quote_name(cursor.fetchone()[0])
        cursor.execute(f"REVOKE TEMPORARY ON DATABASE {database} FROM PUBLIC")
    job = scan_job(tenant, status="running")
    # when it writes in its tenant's scope
    with as_app_role(), rls.tenant_scope(tenant.pk):
        written = outcomes_write((outcome(tenant, job, None, n, detail=AWKWARD) for n in range(7)), batch_size=3)
        back = list(CheckOutcome.objects.filter(scan_job=job).values_list("detail", flat=True))
    # then the rows went in all the same (as batched inserts)
    assert written == 7
    assert back == [AWKWARD] * 7
