"""The database's own wall around the audit log: on PostgreSQL a trigger refuses UPDATE and DELETE of
``complywise_auditevent`` from anyone (raw SQL included) unless the transaction is the retention purge or a
tenant's deletion; a user's deletion may only null the actor."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from complywise import services
from complywise.audit import PURGE_SETTING, audit_events_purge_expired
from complywise.choices import Role
from complywise.models import AuditEvent, Tenant
from tests.factories import MembershipFactory, UserFactory

# Not the row-level-security tests' role: roles are cluster-wide, and both may run at once.
APP_ROLE = "cw_audit_app"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="the append-only trigger is PostgreSQL's; set DATABASE_URL=postgres://… to run these",
    ),
]


def event(tenant, action="thing.done", *, actor=None, at=None):
    return AuditEvent.objects.create(
        tenant=tenant,
        actor=actor,
        actor_email=actor.email if actor else "",
        action=action,
        **({"created_at": at} if at else {}),
    )


def run_sql(sql: str, params: list) -> int:
    """Raw SQL in its own savepoint, so a refusal leaves the test's transaction usable."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def test_raw_sql_update_is_refused(tenant):
    # given
    recorded = event(tenant)
    # when / then
    with pytest.raises(DatabaseError, match="append-only"):
        run_sql("UPDATE complywise_auditevent SET action = %s WHERE id = %s", ["thing.undone", recorded.pk])
    assert AuditEvent.objects.get(pk=recorded.pk).action == "thing.done"


def test_raw_sql_delete_is_refused(tenant):
    # given
    recorded = event(tenant)
    # when / then
    with pytest.raises(DatabaseError, match="append-only"):
        run_sql("DELETE FROM complywise_auditevent WHERE id = %s", [recorded.pk])
    assert AuditEvent.objects.filter(pk=recorded.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_purge_flag_allows_deletes_in_its_transaction_only(tenant):
    # given
    first, second = event(tenant), event(tenant)
    # when a transaction sets the flag, it may delete
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'on', true)", [PURGE_SETTING])
        cursor.execute("DELETE FROM complywise_auditevent WHERE id = %s", [first.pk])
    # then the next transaction is guarded again: the flag was local to that one
    with pytest.raises(DatabaseError, match="append-only"):
        run_sql("DELETE FROM complywise_auditevent WHERE id = %s", [second.pk])
    assert list(AuditEvent.objects.filter(pk__in=[first.pk, second.pk]).values_list("pk", flat=True)) == [second.pk]


def test_a_session_wide_flag_does_not_count_only_the_exact_value_on(tenant):
    # given
    recorded = event(tenant)
    # when someone sets another value
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'true', true)", [PURGE_SETTING])
        cursor.execute("DELETE FROM complywise_auditevent WHERE id = %s", [recorded.pk])
    # then
    assert AuditEvent.objects.filter(pk=recorded.pk).exists()


def test_the_retention_purge_is_allowed_and_leaves_the_guard_on(tenant):
    # given
    tenant.retention_days = 10
    tenant.save()
    old = event(tenant, "old.thing", at=timezone.now() - timedelta(days=11))
    recent = event(tenant, "recent.thing")
    # when
    deleted = audit_events_purge_expired(tenant=tenant)
    # then
    assert deleted == 1
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    with pytest.raises(DatabaseError, match="append-only"):
        run_sql("DELETE FROM complywise_auditevent WHERE id = %s", [recent.pk])


def test_deleting_a_user_may_only_null_the_actor(tenant):
    # given
    alice = UserFactory()
    recorded = event(tenant, actor=alice)
    # when the actor is nulled together with another column, it is refused
    with pytest.raises(DatabaseError, match="append-only"):
        run_sql("UPDATE complywise_auditevent SET actor_id = NULL, action = 'x' WHERE id = %s", [recorded.pk])
    # and deleting the user (SET_NULL) works, keeping who it was
    alice.delete()
    recorded = AuditEvent.objects.get(pk=recorded.pk)
    assert recorded.actor_id is None and recorded.actor_email == alice.email and recorded.action == "thing.done"


def test_deleting_a_tenant_still_cascades_and_leaves_the_guard_on(tenant, other_tenant):
    # given
    event(tenant)
    kept = event(other_tenant)
    # when
    Tenant.objects.filter(pk=tenant.pk).delete()
    # then
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [kept.pk]
    with pytest.raises(DatabaseError, match="append-only"):
        run_sql("DELETE FROM complywise_auditevent WHERE id = %s", [kept.pk])


# --- as the role web and workers connect as (no superuser: row-level security applies) ---------------------


@pytest.fixture
def app_role(db) -> str:
    # Created and granted by the real command, inside the test's transaction (rolled back with it).
    call_command("setup_database_roles", role=APP_ROLE, stdout=io.StringIO())
    return APP_ROLE


@contextmanager
def as_app_role() -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {APP_ROLE}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def test_as_the_app_role_the_log_lists_streams_records_new_addresses_and_purges(app_role, tenant, other_tenant):
    # given an auditor's token, an event of another tenant, and one of ours past retention
    issued = services.api_token_create(membership=MembershipFactory(tenant=tenant, role=Role.AUDITOR), name="ci")
    client = APIClient(REMOTE_ADDR="198.51.100.7")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    event(other_tenant, "their.thing")
    old = event(tenant, "old.thing", at=timezone.now() - timedelta(days=400))
    with as_app_role():
        # when the auditor reads the log and downloads it (the body is written after the request's scope ended)
        listed = client.get("/api/audit-log", {"limit": 1000})
        response = client.get("/api/audit-log", {"format": "csv"})
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
        # and the retention purge runs as a worker would, with no scope of its own
        purged = audit_events_purge_expired(tenant=tenant)
    # then the first use from the address was recorded under the tenant's scope, and both reads show our events only
    assert listed.status_code == 200, listed.content
    actions = [e["action"] for e in listed.json()["results"]]
    assert "token.used_from_new_ip" in actions and "old.thing" in actions and "their.thing" not in actions
    assert {row["action"] for row in rows} >= {"token.used_from_new_ip", "old.thing", "audit.exported"}
    assert "their.thing" not in {row["action"] for row in rows}
    assert purged == 1 and not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(tenant=tenant, action="audit.purged").exists()
