"""The usable audit log: GET /api/audit-log (roles, filters, pages, CSV/JSON downloads), request metadata,
API tokens used from new addresses, append-only rows, retention, and the settings page."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from complywise import services
from complywise.audit import TOKEN_RECENT_IPS, audit_events_purge_expired
from complywise.choices import Role
from complywise.exports import csv_cell
from complywise.models import ApiToken, AuditEvent, AuditLogAppendOnlyError, Tenant
from scans.retention import scans_purge_expired
from tests.factories import MembershipFactory, UserFactory

from .accounts_support import verified_login

pytestmark = pytest.mark.django_db

URL = "/api/audit-log"


def event(tenant, action="thing.done", *, actor=None, target_type="", target_id="", data=None, at=None):
    """An audit event as audit_record writes it, optionally dated in the past (rows are insert-only)."""
    return AuditEvent.objects.create(
        tenant=tenant,
        actor=actor,
        actor_email=actor.email if actor else "",
        action=action,
        target_type=target_type,
        target_id=target_id,
        data=data or {},
        **({"created_at": at} if at else {}),
    )


def bearer(tenant, role=Role.ADMIN, *, ip="127.0.0.1"):
    membership = MembershipFactory(tenant=tenant, role=role)
    issued = services.api_token_create(membership=membership, name=f"t-{role}")
    client = APIClient(REMOTE_ADDR=ip)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    client.membership = membership
    client.token = issued.token
    return client


def csv_rows(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


# --- who may read it -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"), [(Role.ADMIN, 200), (Role.AUDITOR, 200), (Role.MEMBER, 403), (Role.VIEWER, 403)]
)
def test_admins_and_auditors_read_the_log_others_are_refused(tenant, role, status):
    # given
    client = bearer(tenant, role)
    # when
    response = client.get(URL)
    csv_response = client.get(URL, {"format": "csv"})
    # then
    assert response.status_code == status, response.content
    assert csv_response.status_code == status


def test_without_credentials_is_401(tenant):
    assert APIClient().get(URL).status_code == 401


def test_another_tenants_events_are_invisible(tenant, other_tenant):
    # given
    event(other_tenant, "secret.thing", target_id="theirs")
    client = bearer(tenant)
    # when
    listed = client.get(URL, {"limit": 1000}).json()["results"]
    exported = csv_rows(client.get(URL, {"format": "csv"}))
    # then
    assert all(e["action"] != "secret.thing" for e in listed)
    assert all(row["action"] != "secret.thing" for row in exported)


# --- the list: shape, order, filters ----------------------------------------------------------------------


def test_list_is_paginated_newest_first_with_actor_and_target(tenant):
    # given three events a minute apart
    client = bearer(tenant)
    alice = UserFactory(email="alice@acme.io", username="alice@acme.io")
    now = timezone.now()
    for minutes, action in ((3, "a.first"), (2, "a.second"), (1, "a.third")):
        event(tenant, action, actor=alice, target_type="Thing", target_id=action, at=now - timedelta(minutes=minutes))
    # when
    body = client.get(URL, {"action": "a.", "limit": 2}).json()
    # then
    assert body["count"] == 3
    assert body["next"] and body["previous"] is None
    assert [e["action"] for e in body["results"]] == ["a.third", "a.second"]
    first = body["results"][0]
    assert first["actor_email"] == "alice@acme.io" and first["actor_id"] == str(alice.pk)
    assert (first["target_type"], first["target_id"]) == ("Thing", "a.third")
    assert set(first) >= {"id", "created_at", "data", "ip_address", "user_agent", "request_id"}


def test_filters_by_actor_email_or_id_action_target_and_dates(tenant):
    # given
    client = bearer(tenant)
    alice = UserFactory(email="alice@acme.io", username="alice@acme.io")
    bob = UserFactory(email="bob@acme.io", username="bob@acme.io")
    now = timezone.now()
    event(
        tenant,
        "integration.created",
        actor=alice,
        target_type="Integration",
        target_id="i1",
        at=now - timedelta(days=3),
    )
    event(
        tenant,
        "integration.updated",
        actor=alice,
        target_type="Integration",
        target_id="i1",
        at=now - timedelta(days=1),
    )
    event(tenant, "token.revoked", actor=bob, target_type="ApiToken", target_id="t1", at=now - timedelta(hours=1))

    def actions(**params):
        response = client.get(URL, params)
        assert response.status_code == 200, response.content
        return [e["action"] for e in response.json()["results"] if not e["action"].startswith("token.created")]

    # then
    assert actions(actor="ALICE@acme.io") == ["integration.updated", "integration.created"]
    assert actions(actor=str(bob.pk)) == ["token.revoked"]
    assert actions(action="integration.") == ["integration.updated", "integration.created"]
    assert actions(action="integration*") == ["integration.updated", "integration.created"]
    assert actions(action="integration") == []  # exact unless it ends with "." or "*"
    assert actions(action="token.revoked") == ["token.revoked"]
    assert actions(target_type="integration", target_id="i1") == ["integration.updated", "integration.created"]
    assert actions(since=(now - timedelta(days=2)).isoformat(), until=(now - timedelta(minutes=30)).isoformat()) == [
        "token.revoked",
        "integration.updated",
    ]
    assert actions(action="integration.", until=(now - timedelta(days=2)).isoformat()) == ["integration.created"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-13-45T00:00:00Z"}, "until"),
        ({"since": "2026-02-02T00:00:00Z", "until": "2026-02-01T00:00:00Z"}, "until"),
        ({"action": "x" * 65}, "action"),
        ({"since": "yesterday", "format": "csv"}, "since"),
    ],
)
def test_bad_filters_answer_400_naming_the_field(tenant, params, field):
    # when
    response = bearer(tenant).get(URL, params)
    # then
    assert response.status_code == 400
    assert field in response.json(), response.json()


def test_query_count_does_not_grow_with_the_events(tenant):
    # given a client whose address is already known, and a few events
    client = bearer(tenant)
    client.get(URL)
    actor = UserFactory()
    for n in range(3):
        event(tenant, f"few.{n}", actor=actor, target_type="Thing", target_id=str(n))

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, {"limit": 100}).status_code == 200
        return len(queries)

    few = count_queries()
    # when forty more, by other actors
    for n in range(40):
        event(tenant, f"many.{n}", actor=UserFactory(), target_type="Thing", target_id=str(n), data={"n": n})
    # then
    assert count_queries() == few


# --- downloads ----------------------------------------------------------------------------------------


def test_csv_download_streams_the_whole_filtered_set_with_a_filename(tenant):
    # given more events than one page
    client = bearer(tenant)
    for n in range(120):
        event(tenant, "bulk.thing", target_type="Thing", target_id=str(n))
    event(tenant, "other.thing")
    # when
    response = client.get(URL, {"format": "csv", "action": "bulk."})
    # then
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-acme-')
    assert response["Content-Disposition"].endswith('.csv"')
    assert response["Cache-Control"] == "no-store"
    rows = csv_rows(response)
    assert len(rows) == 120
    assert {row["action"] for row in rows} == {"bulk.thing"}
    assert rows[0]["target_id"] == "119"  # newest first


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(tenant):
    # given values an attacker controls, starting with formula characters
    client = bearer(tenant)
    for n, payload in enumerate(['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]):
        event(tenant, "evil.thing", target_type="Thing", target_id=payload, data={"n": n})
    # when
    rows = csv_rows(client.get(URL, {"format": "csv", "action": "evil.thing"}))
    # then every one is prefixed with a quote, and data is JSON
    assert sorted(row["target_id"] for row in rows) == sorted(
        ['\'=HYPERLINK("http://x")', "'+1+1", "'-2+3", "'@SUM(A1)", "'\tcmd", "'\rcmd"]
    )
    assert {json.loads(row["data"])["n"] for row in rows} == set(range(6))


def test_csv_cell_leaves_numbers_and_plain_text_alone():
    assert csv_cell(-5) == "-5"
    assert csv_cell(None) == ""
    assert csv_cell("plain") == "plain"
    assert csv_cell({"a": "=1"}) == '{"a": "=1"}'


def test_json_download_is_one_array_of_the_whole_set_and_is_itself_audited(tenant):
    # given
    client = bearer(tenant)
    for n in range(60):
        event(tenant, "bulk.thing", target_id=str(n), data={"n": n})
    # when
    response = client.get(URL, {"format": "json", "action": "bulk.thing"})
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].endswith('.json"')
    items = json.loads(b"".join(response.streaming_content))
    assert [item["target_id"] for item in items] == [str(n) for n in reversed(range(60))]
    assert items[0]["data"] == {"n": 59}
    exported = AuditEvent.objects.get(tenant=tenant, action="audit.exported")
    assert exported.actor_id == client.membership.user_id
    assert exported.data == {"format": "json", "filters": {"action": "bulk.thing"}}


# --- request metadata ------------------------------------------------------------------------------------


def test_events_written_during_a_request_carry_ip_user_agent_and_request_id(tenant):
    # given
    client = bearer(tenant, ip="203.0.113.7")
    # when
    response = client.post(
        "/api/tokens",
        {"name": "ci"},
        format="json",
        HTTP_USER_AGENT="curl/8.0 " + "x" * 400,
        HTTP_X_REQUEST_ID="req-42",
    )
    # then
    assert response.status_code == 201
    created = AuditEvent.objects.get(tenant=tenant, action="token.created", target_id=response.json()["id"])
    assert created.ip_address == "203.0.113.7"
    assert created.user_agent.startswith("curl/8.0 ") and len(created.user_agent) == 256
    assert created.request_id == "req-42"
    assert created.actor_email == client.membership.user.email


def test_events_outside_a_request_have_no_request_metadata(tenant):
    # when an operator command writes one
    issued = services.api_token_create(membership=MembershipFactory(tenant=tenant), name="cli")
    # then
    created = AuditEvent.objects.get(action="token.created", target_id=str(issued.token.pk))
    assert (created.ip_address, created.user_agent, created.request_id, created.actor_id) == (None, "", "", None)


# --- API tokens used from new addresses -------------------------------------------------------------------


def test_a_token_used_from_a_new_address_is_audited_once_per_address(tenant):
    # given
    client = bearer(tenant, ip="198.51.100.1")
    token = client.token
    # when used twice from one address, then from another
    client.get("/api/me")
    client.get("/api/me")
    client.get("/api/me", REMOTE_ADDR="198.51.100.2")
    client.get("/api/me", REMOTE_ADDR="198.51.100.1")
    # then one event per address, with the address, the token as target and its user as actor
    events = AuditEvent.objects.filter(tenant=tenant, action="token.used_from_new_ip").order_by("created_at")
    assert [e.data["ip"] for e in events] == ["198.51.100.1", "198.51.100.2"]
    assert all(e.target_type == "ApiToken" and e.target_id == str(token.pk) for e in events)
    assert all(e.actor_id == client.membership.user_id for e in events)
    assert [e.data["first_use"] for e in events] == [True, False]
    assert events[1].ip_address == "198.51.100.2"
    token.refresh_from_db()
    assert token.recent_ips == ["198.51.100.2", "198.51.100.1"]
    # and the API shows them
    listed = client.get(URL, {"action": "token.used_from_new_ip"}).json()["results"]
    assert [e["data"]["ip"] for e in listed] == ["198.51.100.2", "198.51.100.1"]


def test_the_remembered_addresses_are_bounded(tenant):
    # given
    client = bearer(tenant)
    # when used from more addresses than a token remembers
    for n in range(TOKEN_RECENT_IPS + 5):
        assert client.get("/api/me", REMOTE_ADDR=f"10.0.0.{n + 1}").status_code == 200
    # then it keeps the newest ones only
    token = ApiToken.objects.get(pk=client.token.pk)
    assert len(token.recent_ips) == TOKEN_RECENT_IPS
    assert token.recent_ips[0] == f"10.0.0.{TOKEN_RECENT_IPS + 5}"
    assert AuditEvent.objects.filter(action="token.used_from_new_ip").count() == TOKEN_RECENT_IPS + 5


def test_a_forwarded_for_header_is_ignored_without_a_trusted_proxy(tenant, settings):
    # given no proxy is trusted (the default)
    settings.TRUSTED_PROXY_COUNT = 0
    client = bearer(tenant, ip="192.0.2.10")
    # when a client claims another address
    client.get("/api/me", HTTP_X_FORWARDED_FOR="203.0.113.99")
    # then the socket's address is the one recorded
    used = AuditEvent.objects.get(action="token.used_from_new_ip")
    assert used.data["ip"] == "192.0.2.10" and used.ip_address == "192.0.2.10"


def test_behind_a_trusted_proxy_the_address_it_saw_is_recorded(tenant, settings):
    # given one proxy in front of the web tier
    settings.TRUSTED_PROXY_COUNT = 1
    client = bearer(tenant, ip="10.1.1.1")
    # when
    client.get("/api/me", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    # then the client-supplied left part is ignored
    assert AuditEvent.objects.get(action="token.used_from_new_ip").data["ip"] == "203.0.113.5"


def test_an_invalid_token_records_nothing(tenant):
    # when
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer cw_nope_nope")
    # then
    assert client.get("/api/me").status_code == 401
    assert not AuditEvent.objects.filter(action="token.used_from_new_ip").exists()


# --- append-only ------------------------------------------------------------------------------------------


def test_the_application_cannot_change_or_delete_an_event(tenant):
    # given
    recorded = event(tenant, "thing.done", target_id="x")
    # then
    recorded.action = "thing.undone"
    with pytest.raises(AuditLogAppendOnlyError):
        recorded.save()
    with pytest.raises(AuditLogAppendOnlyError):
        recorded.delete()
    with pytest.raises(AuditLogAppendOnlyError):
        AuditEvent.objects.filter(pk=recorded.pk).update(action="thing.undone")
    with pytest.raises(AuditLogAppendOnlyError):
        AuditEvent.objects.filter(pk=recorded.pk).delete()
    assert AuditEvent.objects.get(pk=recorded.pk).action == "thing.done"


def test_the_api_has_no_write_methods(tenant):
    # given
    client = bearer(tenant)
    recorded = event(tenant, "thing.done")
    # then
    assert client.post(URL, {"action": "forged"}, format="json").status_code == 405
    assert client.delete(f"{URL}/{recorded.pk}").status_code in (404, 405)
    assert client.patch(f"{URL}/{recorded.pk}", {"action": "x"}, format="json").status_code in (404, 405)
    assert AuditEvent.objects.filter(action="forged").count() == 0


def test_the_django_admin_shows_events_read_only(tenant):
    # given a superuser in the admin
    recorded = event(tenant, "thing.done")
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    verified_login(client, superuser)
    # when
    page = client.get(f"/admin/complywise/auditevent/{recorded.pk}/change/")
    posted = client.post(f"/admin/complywise/auditevent/{recorded.pk}/change/", {"action": "thing.undone"})
    deleted = client.post(f"/admin/complywise/auditevent/{recorded.pk}/delete/", {"post": "yes"})
    # then it can be viewed, not changed or deleted
    assert page.status_code == 200
    assert posted.status_code == 403 and deleted.status_code == 403
    assert AuditEvent.objects.get(pk=recorded.pk).action == "thing.done"


def test_deleting_a_user_keeps_their_events_and_who_they_were(tenant):
    # given
    alice = MembershipFactory(tenant=tenant, role=Role.ADMIN).user
    issued = services.api_token_create(membership=alice.memberships.get(), name="ci", actor=alice)
    # when
    alice.delete()
    # then
    created = AuditEvent.objects.get(action="token.created", target_id=str(issued.token.pk))
    assert created.actor_id is None and created.actor_email == alice.email


def test_deleting_a_tenant_takes_its_audit_log_along(tenant, other_tenant):
    # given
    event(tenant, "thing.done")
    kept = event(other_tenant, "thing.done")
    # when
    Tenant.objects.filter(pk=tenant.pk).delete()
    # then
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [kept.pk]


# --- retention ---------------------------------------------------------------------------------------------


def test_retention_purge_deletes_only_events_past_the_tenants_retention(tenant, other_tenant):
    # given 30 days of retention here, 365 there, and events on both sides of the cutoff
    tenant.retention_days = 30
    tenant.save()
    now = timezone.now()
    old = event(tenant, "old.thing", at=now - timedelta(days=31))
    recent = event(tenant, "recent.thing", at=now - timedelta(days=29))
    theirs = event(other_tenant, "old.thing", at=now - timedelta(days=31))
    # when the retention purge runs (dry run first)
    assert audit_events_purge_expired(tenant=tenant, dry_run=True) == 1
    report = scans_purge_expired()
    # then
    assert report.tenants["acme"]["audit_events"] == 1
    assert "globex" not in report.tenants
    remaining = set(AuditEvent.objects.values_list("pk", flat=True))
    assert old.pk not in remaining
    assert {recent.pk, theirs.pk} <= remaining
    purged = AuditEvent.objects.get(tenant=tenant, action="audit.purged")
    assert purged.data["count"] == 1 and purged.data["retention_days"] == 30 and purged.actor_id is None


def test_purge_expired_command_reports_audit_events(tenant):
    # given
    tenant.retention_days = 7
    tenant.save()
    event(tenant, "old.thing", at=timezone.now() - timedelta(days=8))
    out = io.StringIO()
    # when
    call_command("purge_expired", "--dry-run", stdout=out)
    # then nothing deleted yet
    assert "Would delete 0 scan jobs" in out.getvalue() and "1 audit events" in out.getvalue()
    assert AuditEvent.objects.filter(action="old.thing").exists()
    # when for real
    call_command("purge_expired", stdout=io.StringIO())
    assert not AuditEvent.objects.filter(action="old.thing").exists()


# --- the page ----------------------------------------------------------------------------------------------


def web_client(tenant, role) -> Client:
    membership = MembershipFactory(tenant=tenant, role=role)
    client = Client()
    client.force_login(membership.user)
    return client


@pytest.mark.parametrize(
    ("role", "status"), [(Role.ADMIN, 200), (Role.AUDITOR, 200), (Role.MEMBER, 403), (Role.VIEWER, 403)]
)
def test_the_page_is_for_admins_and_auditors(tenant, role, status):
    # when
    response = web_client(tenant, role).get("/settings/audit-log/")
    # then
    assert response.status_code == status
    if status == 200:
        assert b'href="/settings/audit-log/"' in response.content  # in the main navigation


def test_the_page_filters_shows_failed_logins_and_links_filtered_downloads(tenant):
    # given a failed login (no actor, the name tried), and other events
    client = web_client(tenant, Role.AUDITOR)
    alice = UserFactory(email="alice@acme.io", username="alice@acme.io")
    event(tenant, "auth.login_failed", target_type="User", target_id=str(alice.pk), data={"username": "alice@acme.io"})
    event(tenant, "integration.created", actor=alice, target_type="Integration", target_id="i1")
    # when
    page = client.get("/settings/audit-log/", {"action": "auth.", "since": "2020-01-01T00:00"})
    # then
    assert page.status_code == 200
    html = page.content.decode()
    assert "auth.login_failed" in html and "alice@acme.io (not signed in)" in html
    assert "integration.created" not in html
    assert "/api/audit-log?action=auth.&amp;since=2020-01-01T00%3A00%3A00%2B00%3A00&amp;format=csv" in html
    assert "<script>" not in html and "<script " not in html.replace('<script src="/static/js/app.js" defer>', "")
    # and the CSV link works in the same session
    csv_response = client.get(
        "/api/audit-log", {"action": "auth.", "since": "2020-01-01T00:00:00+00:00", "format": "csv"}
    )
    assert [row["action"] for row in csv_rows(csv_response)] == ["auth.login_failed"]


def test_the_page_paginates_and_bad_dates_are_shown_not_raised(tenant):
    # given
    client = web_client(tenant, Role.ADMIN)
    for n in range(60):
        event(tenant, "bulk.thing", target_id=str(n))
    # when
    first = client.get("/settings/audit-log/", {"action": "bulk.thing"})
    second = client.get("/settings/audit-log/", {"action": "bulk.thing", "page": 2})
    bad = client.get("/settings/audit-log/", {"since": "not a date"})
    # then
    assert "Page 1 of 2" in first.content.decode()
    assert second.content.decode().count("bulk.thing</code>") == 10
    assert bad.status_code == 400 and "Enter a valid date/time" in bad.content.decode()
