"""On PostgreSQL, as the application's role: events, deliveries and sweeps run in the right tenant's scope."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import connection

from complywise import rls
from notifications import services, tasks
from notifications.models import Delivery, Event

APP_ROLE = "cw_rls_app"
ON_POSTGRES = connection.vendor == "postgresql"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not ON_POSTGRES, reason="row-level security is PostgreSQL's; set DATABASE_URL=postgres://…"),
]


@contextmanager
def as_app_role() -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {APP_ROLE}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def test_a_delivery_task_sees_only_its_tenant_and_sends(admin_client, tenant, other_tenant, receiver, create_webhook):
    # given webhooks in two tenants and an event in each, recorded without running their tasks
    call_command("setup_database_roles", role=APP_ROLE, stdout=io.StringIO())
    create_webhook(receiver.url, ["scan.failed"])
    for owner in (tenant, other_tenant):
        with rls.tenant_scope(owner.pk):
            services.event_record(tenant_id=owner.pk, type="scan.failed", key=f"k-{owner.slug}", data={"scan": {}})
    ours = Delivery.objects.get(tenant=tenant)
    with as_app_role():
        # when the task runs as the app role, with nothing in scope but the delivery id
        tasks.deliver(str(ours.pk))
        # then it found its row in its tenant's scope, sent it, and left the connection unset
        assert rls.current_scope() == ""
        # and unset, the tables show nothing of any tenant
        assert Event.objects.count() == 0
    assert len(receiver.received) == 1
    assert Delivery.objects.get(pk=ours.pk).status == "succeeded"
