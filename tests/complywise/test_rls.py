"""The second tenancy wall: PostgreSQL row-level security, proven as a role the policy holds.

The suite connects as a superuser, whom row-level security never applies to. These tests grant the app's
privileges to ``cw_rls_app`` with the real ``setup_database_roles`` command and ``SET ROLE`` to it (no
superuser, no BYPASSRLS, owns nothing), exactly what web and workers connect as in production.
Everything runs inside the test's transaction, so the role's creation and grants roll back with it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from celery import shared_task
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from complywise import rls, services
from complywise.choices import Role
from complywise.models import AuditEvent, Invitation, Membership, Tenant
from evidence.models import EvidenceExport, EvidenceTombstone
from frameworks.choices import FrameworkSource
from frameworks.models import Framework
from integrations.services import integration_create
from scans.models import ScanJob, ScanPart, ScanSchedule
from scans.tasks import scans_reap_stale
from tests.factories import MembershipFactory, TenantFactory, UserFactory
from tests.integrations.factories import IntegrationFactory
from tests.integrations.host.support import non_compliant_host
from tests.web.factories import evidence_for, scan_data_for, scan_job

from .accounts_support import verified_login

ROLE = "cw_rls_app"
ROOT = Path(__file__).resolve().parents[2]
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
postgres_only = pytest.mark.skipif(
    not ON_POSTGRES, reason="row-level security is PostgreSQL's; set DATABASE_URL=postgres://… to run these"
)
pytestmark = pytest.mark.django_db

# Tables the world below puts rows in for each tenant; a tenant table missing here still gets every policy check.
POPULATED = {
    "complywise_membership",
    "complywise_apitoken",
    "complywise_auditevent",
    "complywise_invitation",
    "frameworks_framework",
    "frameworks_tenantframework",
    "integrations_integration",
    "scans_scanjob",
    "scans_scanpart",
    "scans_checkoutcome",
    "scans_scanresult",
    "scans_scanschedule",
    "evidence_evidence",
    "evidence_evidencetombstone",
    "evidence_evidenceexport",
}


@shared_task(name="tests.rls.count_scan_jobs")
def count_scan_jobs() -> int:
    """A task that never scopes itself: what it sees is what every task starts with."""
    return ScanJob.objects.count()


@contextmanager
def as_app_role() -> Iterator[None]:
    """The test connection acts as the app role until the block ends."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {ROLE}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


@pytest.fixture
def app_role(db) -> str:
    """``cw_rls_app`` created (if missing) and granted by the real command, as an operator would run it."""
    out = io.StringIO()
    call_command("setup_database_roles", role=ROLE, stdout=out)
    assert f"role {ROLE}" in out.getvalue()
    return ROLE


def build_world(tenant: Tenant) -> dict:
    """At least one row of ``tenant`` in every table of POPULATED."""
    member = MembershipFactory(tenant=tenant, role=Role.ADMIN)
    issued = services.api_token_create(membership=member, name="ci", actor=member.user)
    data = scan_data_for(tenant)
    integration = IntegrationFactory(tenant=tenant)
    ScanPart.objects.create(
        tenant=tenant, scan_job=data.job, integration=integration, integration_type="aws", integration_name="prod"
    )
    ScanSchedule.objects.create(tenant=tenant, name="hourly", interval_minutes=60)
    Invitation.objects.create(
        tenant=tenant, email="new@example.com", digest=secrets.token_hex(32), expires_at=timezone.now() + timedelta(1)
    )
    evidence = evidence_for(tenant, data.controls[0])
    EvidenceTombstone.objects.create(
        tenant=tenant,
        sequence=evidence.sequence + 100,
        evidence_id=evidence.pk,
        type=evidence.type,
        chain_hash="0" * 64,
        sha256="0" * 64,
        file_key="gone",
        reason="test",
    )
    EvidenceExport.objects.create(tenant=tenant, framework=data.framework)
    return {"member": member, "token": issued.secret, "data": data, "evidence": evidence}


@pytest.fixture
def world(db):
    acme, globex = TenantFactory(name="Acme", slug="acme"), TenantFactory(name="Globex", slug="globex")
    shared = Framework.objects.create(key="shared-catalog", name="Shared", version="1", source=FrameworkSource.SHIPPED)
    return {
        "acme": acme,
        "globex": globex,
        "shared": shared,
        acme.pk: build_world(acme),
        globex.pk: build_world(globex),
    }


def count_rows(table: str, where: str = "", params=None) -> int:
    with connection.cursor() as cursor:
        # Table names come from the model registry, quoted; values are parameters.
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)} {where}", params)  # noqa: S608
        return cursor.fetchone()[0]


def tenant_ids_in(table: str) -> set:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT tenant_id FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return {row[0] for row in cursor.fetchall()}


# --- which tables --------------------------------------------------------------------------------


def test_every_model_with_a_foreign_key_to_tenant_is_a_tenant_table():
    # given every concrete model of every installed app
    covered = {table.model_label for table in rls.tenant_tables()}
    # then each one with a foreign key to Tenant is found (under the name `tenant`, which the policy uses)
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if getattr(field, "many_to_one", False) and field.related_model is Tenant and field.concrete:
                assert field.name == "tenant", f"{model._meta.label}.{field.name}: name it `tenant`"
                assert model._meta.label in covered, model._meta.label
    assert {"complywise.Membership", "complywise.ApiToken", "scans.ScanJob", "frameworks.Framework"} <= covered
    assert {t.table for t in rls.tenant_tables() if t.shared_rows} == {"frameworks_framework"}


@postgres_only
def test_migrate_left_every_tenant_table_enabled_forced_and_policed():
    # when the test database was migrated (post_migrate applied the policies)
    # then nothing is missing and a second application changes nothing
    assert rls.policies_missing() == []
    assert rls.policies_apply() == []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND relrowsecurity AND relforcerowsecurity",
            [[t.table for t in rls.tenant_tables()]],
        )
        assert {row[0] for row in cursor.fetchall()} == {t.table for t in rls.tenant_tables()}


@postgres_only
def test_a_dropped_policy_is_detected_and_restored_by_the_next_migrate():
    # given a tenant table whose policy someone dropped
    with connection.cursor() as cursor:
        cursor.execute('DROP POLICY "cw_tenant_v1" ON "scans_scanjob"')
    assert rls.policies_missing() == ["scans_scanjob"]
    # when migrate's hook runs again
    rls.on_post_migrate(sender=None, using="default")
    # then it is back
    assert rls.policies_missing() == []


# --- the wall, as the app role ---------------------------------------------------------------------


@postgres_only
def test_unscoped_queries_return_nothing_from_any_tenant_table(app_role, world):
    # given rows of two tenants in every populated table (seen as the superuser)
    tables = rls.tenant_tables()
    seen_by_superuser = {t.table: count_rows(t.table) for t in tables}
    assert {t for t, n in seen_by_superuser.items() if n} >= POPULATED
    with as_app_role():
        # when the app role queries with no tenant set
        assert rls.current_scope() == ""
        # then neither raw SQL nor the ORM sees a single tenant row (only the shared catalog)
        for table in tables:
            expected = count_rows(table.table, "WHERE tenant_id IS NULL") if table.shared_rows else 0
            assert count_rows(table.table) == expected, table.table
        for model in apps.get_models():
            if model._meta.label in {t.model_label for t in tables}:
                assert not model.objects.exclude(tenant__isnull=True).exists(), model._meta.label


@postgres_only
def test_a_tenant_scope_shows_exactly_that_tenants_rows(app_role, world):
    acme = world["acme"]
    expected = {
        t.table: count_rows(t.table, "WHERE tenant_id = %s OR tenant_id IS NULL", [acme.pk])
        for t in rls.tenant_tables()
    }
    with as_app_role(), rls.tenant_scope(acme.pk):
        # then every table shows Acme's rows (and the shared catalog), all of them, and nothing of Globex
        for table in rls.tenant_tables():
            assert count_rows(table.table) == expected[table.table], table.table
            assert tenant_ids_in(table.table) <= {acme.pk, None}, table.table
        assert set(Framework.objects.values_list("key", flat=True)) == {"shared-catalog", "acme-controls"}
    # and the scope is gone after the block
    assert rls.current_scope() == ""


@postgres_only
def test_writes_for_another_tenant_are_refused_and_its_rows_untouchable(app_role, world):
    acme, globex = world["acme"], world["globex"]
    theirs = ScanSchedule.objects.get(tenant=globex)
    mine = ScanSchedule.objects.get(tenant=acme)
    with as_app_role(), rls.tenant_scope(acme.pk):
        # when Acme's scope inserts a row for Globex, or moves its own row to Globex
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            ScanSchedule.objects.create(tenant=globex, name="forged", interval_minutes=5)
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            ScanSchedule.objects.filter(pk=mine.pk).update(tenant=globex)
        # or writes to the shared catalog
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Framework.objects.create(key="forged", name="Forged", version="1", source=FrameworkSource.SHIPPED)
        # then Globex's rows can be neither changed nor deleted (they are not there)
        assert ScanSchedule.objects.filter(pk=theirs.pk).update(name="tampered") == 0
        assert ScanSchedule.objects.filter(pk=theirs.pk).delete()[0] == 0
        # while Acme's own writes go through
        assert ScanSchedule.objects.filter(pk=mine.pk).update(name="renamed") == 1
        assert AuditEvent.objects.create(tenant=acme, action="fine").pk
    theirs.refresh_from_db()
    assert theirs.name == "hourly"


@postgres_only
def test_system_scope_sees_every_tenant_and_a_tenant_scope_cannot_be_forged(app_role, world):
    with as_app_role():
        with rls.system_scope(reason="test"):
            assert ScanJob.objects.values("tenant").distinct().count() == 2
        assert ScanJob.objects.count() == 0
        # a tenant scope only ever takes a UUID: never the system marker
        with pytest.raises(ValueError):
            rls.tenant_activate("*")


@postgres_only
def test_a_credential_lookup_may_leave_system_scope_straight_into_the_tenant_it_found(app_role, world):
    acme = world["acme"]
    with as_app_role():
        # when a lookup in system scope names the tenant its answer decided
        with rls.system_scope(reason="test") as scope:
            scope.leave_to_tenant(acme.pk)
        # then the connection is in that tenant's scope, not back to unset
        assert rls.current_scope() == str(acme.pk)
        assert set(ScanJob.objects.values_list("tenant", flat=True)) == {acme.pk}
        rls.clear()
        # and a lookup that fails after naming one goes back to the scope it started from
        with pytest.raises(LookupError), rls.system_scope(reason="test") as scope:
            scope.leave_to_tenant(acme.pk)
            raise LookupError
        assert rls.current_scope() == ""
        assert ScanJob.objects.count() == 0
        # and only a tenant can be named
        with pytest.raises(ValueError), rls.system_scope(reason="test") as scope:
            scope.leave_to_tenant("*")


# --- requests and tasks, end to end, as the app role --------------------------------------------------


@postgres_only
def test_api_requests_with_bearer_tokens_work_and_stay_in_their_tenant(
    app_role, world, tmp_path, django_capture_on_commit_callbacks
):
    acme, globex = world["acme"], world["globex"]
    mine, theirs = world[acme.pk], world[globex.pk]
    tree = non_compliant_host(tmp_path / "host")
    integration_create(
        tenant=acme, actor=None, type="host", name="web-1", config={"root": str(tree.root)}, credentials={}
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {mine['token']}")
    with as_app_role():
        # when Acme lists its scans
        listed = client.get("/api/scans?limit=100")
        # then it sees its own and only its own
        assert listed.status_code == 200, listed.content
        ids = {row["id"] for row in listed.json()["results"]}
        assert ids == {str(mine["data"].job.pk), str(mine["data"].previous.pk)}
        # and Globex's scan and evidence answer 404, like missing ones
        assert client.get(f"/api/scans/{theirs['data'].job.pk}").status_code == 404
        assert client.get(f"/api/evidence/{theirs['evidence'].pk}").status_code == 404
        # when it triggers a host scan (the eager tasks run as the app role too, after the request)
        with django_capture_on_commit_callbacks(execute=True):
            triggered = client.post("/api/scans/trigger", {"integration_types": ["host"]}, format="json")
        assert triggered.status_code == 202, triggered.content
        job = client.get(f"/api/scans/{triggered.json()['scan_job_id']}").json()
        # then the scan ran through every task to the end
        assert job["status"] == "completed", job
        outcomes = client.get(f"/api/scans/{job['id']}/outcomes?status=fail&limit=5").json()
        assert outcomes["count"] > 0
        # when it uploads evidence
        uploaded = client.post(
            "/api/evidence/upload",
            {
                "file": io.BytesIO(b"quarterly access review\n"),
                "control_id": str(mine["data"].controls[0].pk),
                "title": "Access review",
            },
            format="multipart",
        )
        # then it is stored in Acme's chain
        assert uploaded.status_code == 201, uploaded.content
        assert client.get(f"/api/evidence/{uploaded.json()['id']}").status_code == 200
        assert rls.current_scope() == ""
    with rls.system_scope(reason="test"):
        assert ScanJob.objects.get(pk=job["id"]).tenant_id == acme.pk


@postgres_only
def test_pages_work_as_the_app_role_and_another_tenants_scan_is_404(app_role, world):
    acme, globex = world["acme"], world["globex"]
    browser = Client()
    browser.force_login(world[acme.pk]["member"].user)
    with as_app_role():
        # when a member of Acme opens the scan list and a scan, then Globex's scan
        scans = browser.get("/scans/")
        mine = browser.get(f"/scans/{world[acme.pk]['data'].job.pk}/")
        theirs = browser.get(f"/scans/{world[globex.pk]['data'].job.pk}/")
    # then Acme's pages render with Acme's data, and Globex's scan is a 404
    assert scans.status_code == 200
    assert str(world[acme.pk]["data"].job.pk) in scans.content.decode()
    assert str(world[globex.pk]["data"].job.pk) not in scans.content.decode()
    assert mine.status_code == 200
    assert theirs.status_code == 404


@postgres_only
def test_a_streamed_download_is_read_in_the_requests_tenant_then_cleared(app_role, world):
    acme = world["acme"]
    browser = Client()
    browser.force_login(world[acme.pk]["member"].user)
    with as_app_role():
        # when a member downloads a scan's results as CSV (the body streams after the view returned)
        response = browser.get(f"/scans/{world[acme.pk]['data'].job.pk}/results.csv")
        body = b"".join(response.streaming_content).decode()
        # then every result row is there, and once the response is closed the connection is unset again
        assert rls.current_scope() == ""
    assert response.status_code == 200
    assert body.count("\n") == 1 + len(world[acme.pk]["data"].controls)
    assert "CTL-2" in body


@postgres_only
def test_the_admin_shows_staff_every_tenant(app_role, world):
    staff = UserFactory(is_staff=True, is_superuser=True)
    browser = Client()
    verified_login(browser, staff)
    with as_app_role():
        page = browser.get("/admin/scans/scanjob/")
        assert rls.current_scope() == ""
    assert page.status_code == 200
    body = page.content.decode()
    assert str(world[world["acme"].pk]["data"].job.pk) in body
    assert str(world[world["globex"].pk]["data"].job.pk) in body


@postgres_only
def test_a_tenant_never_leaks_into_the_next_request_on_the_same_connection(app_role, world):
    acme, globex = world["acme"], world["globex"]
    acme_client, globex_client = APIClient(), APIClient()
    acme_client.credentials(HTTP_AUTHORIZATION=f"Bearer {world[acme.pk]['token']}")
    globex_client.credentials(HTTP_AUTHORIZATION=f"Bearer {world[globex.pk]['token']}")
    with as_app_role():
        raw = connection.connection
        # given a request of Acme's, one that succeeds and one that ends in a 404
        assert acme_client.get("/api/scans").status_code == 200
        assert acme_client.get(f"/api/scans/{world[globex.pk]['data'].job.pk}").status_code == 404
        # then the connection (the same one) is back to no tenant at all
        assert connection.connection is raw
        assert rls.current_scope() == ""
        assert ScanJob.objects.count() == 0
        # and the next request, Globex's, sees Globex's scans only
        ids = {row["id"] for row in globex_client.get("/api/scans").json()["results"]}
        assert ids == {str(world[globex.pk]["data"].job.pk), str(world[globex.pk]["data"].previous.pk)}
        # and an unauthenticated one sees nothing and sets nothing
        assert APIClient().get("/api/scans").status_code == 401
        assert rls.current_scope() == ""


@dataclass
class KeptConnection:
    client: APIClient
    member: Membership
    backend: int  # the server process of the connection kept from the earlier request
    health_checks: list[int]  # Django's own checks (``is_usable``) since the new request began


@pytest.fixture
def kept_connection(monkeypatch) -> KeptConnection:
    """A token's client after one request, and the connection as gunicorn keeps it, at the next request's start."""
    member = MembershipFactory(role=Role.ADMIN)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {services.api_token_create(membership=member, name='ci').secret}")
    assert client.get("/api/scans").status_code == 200
    assert connection.health_check_enabled, "kept connections are health-checked (CONN_HEALTH_CHECKS)"
    checks: list[int] = []
    usable = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(1) or usable())
    connection.close_if_unusable_or_obsolete()  # what request_started does before every request
    return KeptConnection(client, member, connection.connection.info.backend_pid, checks)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_request_on_a_kept_connection_writes_its_scope_without_a_separate_health_check(kept_connection):
    # when the next request comes on the kept connection
    assert kept_connection.client.get("/api/scans").status_code == 200
    # then the scope write was the connection's check: no SELECT 1 before it, the same server process
    assert kept_connection.health_checks == []
    assert connection.connection.info.backend_pid == kept_connection.backend


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_kept_connection_prepares_the_statements_its_requests_repeat(kept_connection):
    # when the same API page is read a few more times on the kept connection
    for _ in range(5):
        assert kept_connection.client.get("/api/scans").status_code == 200
    # then PostgreSQL holds the credential lookup and the scope write prepared for it (parsed and planned once)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('"complywise_apitoken"."digest" = $' in statement for statement in prepared)
    assert any(statement.startswith("SELECT set_config($1, $2, false)") for statement in prepared)
    assert connection.connection.info.backend_pid == kept_connection.backend


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_request_on_a_kept_connection_that_died_is_answered_on_a_new_one(kept_connection):
    # given the kept connection's server process ended between two requests (a database restart)
    other = connection.copy()  # a second connection to the same database
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [kept_connection.backend])
            assert cursor.fetchone() == (True,)
    finally:
        other.close()
    # when the next request comes
    response = kept_connection.client.get("/api/scans")
    # then it is answered, on a new connection; the dead one was found by one check
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 0
    assert connection.connection.info.backend_pid != kept_connection.backend
    assert kept_connection.health_checks == [1]
    # and the new connection serves the next request as the old one did
    scan_job(kept_connection.member.tenant)
    assert kept_connection.client.get("/api/scans").json()["count"] == 1


@postgres_only
def test_operator_tasks_span_tenants_and_give_back_the_callers_scope(app_role, world):
    # given a scan of each tenant queued long ago (no worker ever took it)
    long_ago = timezone.now() - timedelta(seconds=settings.SCAN_QUEUED_DEADLINE_SECONDS + 60)
    stale = [scan_job(world[key], status="queued", created_at=long_ago) for key in ("acme", "globex")]
    with as_app_role(), rls.tenant_scope(world["acme"].pk):
        # when the reaper runs (eagerly, inside Acme's scope)
        reaped = scans_reap_stale.apply().get()
        # then it reaped both tenants' jobs in its own system scope, and Acme's scope is back
        assert reaped == 2
        assert rls.current_scope() == str(world["acme"].pk)
    assert {job.status for job in ScanJob.objects.filter(pk__in=[j.pk for j in stale])} == {"failed"}


@postgres_only
def test_a_task_starts_with_no_tenant_even_when_run_inside_one(app_role, world):
    with as_app_role(), rls.tenant_scope(world["acme"].pk):
        assert ScanJob.objects.count() == 2
        # when a task that does not scope itself runs (eagerly) inside Acme's scope
        seen = count_scan_jobs.apply().get()
        # then it saw nothing, and Acme's scope is back afterwards
        assert seen == 0
        assert ScanJob.objects.count() == 2


# --- roles, processes, SQLite ----------------------------------------------------------------------------


@postgres_only
def test_setup_database_roles_refuses_roles_the_wall_would_not_hold(db):
    # the role running it (the owner)
    with pytest.raises(CommandError, match="owner"):
        call_command("setup_database_roles", role=connection.settings_dict["USER"] or "postgres")
    # a superuser
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE cw_rls_super SUPERUSER NOLOGIN")
    with pytest.raises(CommandError, match="superuser"):
        call_command("setup_database_roles", role="cw_rls_super")
    # no role named at all, or one that is not a plain name
    with pytest.raises(CommandError, match="Name the app role"):
        call_command("setup_database_roles")
    with pytest.raises(CommandError, match="plain role name"):
        call_command("setup_database_roles", role='x"; DROP TABLE scans_scanjob; --')


@postgres_only
def test_setup_database_roles_takes_role_and_password_from_database_app_url(db, settings):
    # given the app URL operators configure
    settings.DATABASE_APP_URL = f"postgres://{ROLE}:s3cr%40t@db.internal:5432/complywise"
    # when the command runs with no argument
    call_command("setup_database_roles", stdout=io.StringIO())
    # then the role exists, may log in, and holds none of the attributes that would lift the wall
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolcanlogin, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [ROLE])
        assert cursor.fetchone() == (True, False, False)
        cursor.execute("SELECT has_table_privilege(%s, 'scans_scanjob', 'SELECT, INSERT, UPDATE, DELETE')", [ROLE])
        assert cursor.fetchone()[0] is True
        # and a table a later migration creates (as the owner) is granted as it appears
        cursor.execute("CREATE TABLE cw_rls_later (id integer)")
        cursor.execute("SELECT has_table_privilege(%s, 'cw_rls_later', 'SELECT, INSERT, UPDATE, DELETE')", [ROLE])
        assert cursor.fetchone()[0] is True
        # but not the right to change the schema
        cursor.execute("SELECT has_schema_privilege(%s, current_schema(), 'CREATE')", [ROLE])
        assert cursor.fetchone()[0] is False


def _scram_verifies(stored: str, password: str) -> bool:
    """Whether PostgreSQL's SCRAM-SHA-256 verifier (RFC 5803) was made from ``password``."""
    scheme, _, rest = stored.partition("$")
    iterations_salt, _, keys = rest.partition("$")
    iterations, _, salt = iterations_salt.partition(":")
    stored_key, _, server_key = keys.partition(":")
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return scheme == "SCRAM-SHA-256" and (
        hashlib.sha256(client_key).digest() == base64.b64decode(stored_key)
        and hmac.new(salted, b"Server Key", "sha256").digest() == base64.b64decode(server_key)
    )


@postgres_only
def test_setup_database_roles_stores_a_password_holding_quotes_as_given(db, monkeypatch):
    # given a password holding quotes, a backslash and SQL, where utility statements take no bound parameters
    password = 'it\'s a \\ "test"; DROP ROLE cw_rls_app; --'
    monkeypatch.setenv("CW_RLS_APP_PASSWORD", password)
    for _ in ("create", "alter"):
        # when the command creates the role, and then runs again on it (which sets the password anew)
        call_command("setup_database_roles", role=ROLE, password_env="CW_RLS_APP_PASSWORD", stdout=io.StringIO())
        # then the role may log in with exactly that password
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolcanlogin, rolpassword FROM pg_authid WHERE rolname = %s", [ROLE])
            can_login, stored = cursor.fetchone()
        assert can_login is True
        assert _scram_verifies(stored, password)
        assert not _scram_verifies(stored, password + "x")


def test_only_manage_py_commands_other_than_servers_are_operator_jobs():
    assert rls.is_operator_command(["manage.py", "purge_expired"])
    assert rls.is_operator_command(["/app/manage.py", "migrate", "--noinput"])
    assert not rls.is_operator_command(["manage.py", "runserver"])
    assert not rls.is_operator_command(["manage.py", "runstack"])
    assert not rls.is_operator_command(["/usr/local/bin/celery", "-A", "complywise", "worker"])
    assert not rls.is_operator_command(["/usr/local/bin/gunicorn", "complywise.wsgi:application"])
    assert not rls.is_operator_command(["manage.py"])


def _scope_seen_by(argv_prefix: list[str]) -> str:
    db = connection.settings_dict
    url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    code = "from complywise import rls; print('scope=' + repr(rls.current_scope()))"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "complywise.settings.base"}
    result = subprocess.run(
        [*argv_prefix, code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return result.stdout.strip().splitlines()[-1]


@postgres_only
def test_an_operator_command_process_starts_in_system_scope_and_a_plain_process_does_not(db):
    # when a real manage.py command connects, and a process that is not one
    command = _scope_seen_by([sys.executable, "manage.py", "shell", "-c"])
    plain = _scope_seen_by([sys.executable, "-c", "import django; django.setup(); exec(__import__('sys').argv[1])"])
    # then only the operator's command spans tenants
    assert command == "scope='*'"
    assert plain == "scope=''"


@pytest.mark.skipif(ON_POSTGRES, reason="the SQLite behaviour; PostgreSQL is covered above")
def test_on_sqlite_the_helpers_do_nothing_and_the_command_says_why(world):
    # when scoped to one tenant on SQLite
    with rls.tenant_scope(world["acme"].pk):
        # then nothing is filtered by the database (the application's for_tenant() is the only wall)
        assert ScanJob.objects.values("tenant").distinct().count() == 2
        assert rls.current_scope() is None
    assert rls.policies_apply() == []
    assert rls.policies_missing() == []
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("setup_database_roles", role=ROLE)
