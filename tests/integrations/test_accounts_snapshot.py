"""The per-integration account snapshot a scan leaves for access reviews: added, changed, removed, back again."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.accounts import accounts_present, accounts_refresh, accounts_revoke, revocations_pending
from integrations.models import IntegrationAccount
from integrations.registry import Account, AccountKind
from tests.integrations.factories import IntegrationFactory

pytestmark = pytest.mark.django_db


def user(name: str, *, admin: bool = False, active: bool = True) -> Account:
    return Account(id=f"id-{name}", name=name, kind=AccountKind.USER, admin=admin, active=active)


def names(integration) -> list[str]:
    return [a.name for a in accounts_present(tenant=integration.tenant_id, integration=integration)]


def test_a_scan_adds_updates_and_removes_accounts_and_only_rewrites_what_changed():
    integration = IntegrationFactory()
    t0 = timezone.now()
    # given a first scan that saw alice and bob
    assert accounts_refresh(
        integration=integration, accounts=[user("alice"), user("bob")], seen_at=t0, scan_job_id=None
    ) == {
        "added": 2,
        "updated": 0,
        "removed": 0,
    }
    # when the next scan sees alice unchanged, bob made admin and carol new (dave never existed)
    t1 = t0 + timedelta(hours=1)
    counts = accounts_refresh(
        integration=integration,
        accounts=[user("alice"), user("bob", admin=True), user("carol")],
        seen_at=t1,
        scan_job_id=None,
    )
    # then only bob is rewritten, carol added, and every present account is seen at t1
    assert counts == {"added": 1, "updated": 1, "removed": 0}
    assert names(integration) == ["alice", "bob", "carol"]
    rows = {r.name: r for r in IntegrationAccount.objects.filter(integration=integration)}
    assert rows["bob"].admin and rows["alice"].first_seen_at == t0 and rows["carol"].first_seen_at == t1
    assert {r.last_seen_at for r in rows.values()} == {t1}
    # when a scan no longer sees bob, he is kept as removed, not deleted
    t2 = t1 + timedelta(hours=1)
    assert (
        accounts_refresh(
            integration=integration, accounts=[user("alice"), user("carol")], seen_at=t2, scan_job_id=None
        )["removed"]
        == 1
    )
    assert names(integration) == ["alice", "carol"]
    bob = IntegrationAccount.objects.get(integration=integration, name="bob")
    assert (bob.removed_at, bob.last_seen_at) == (t2, t1)


def test_a_revocation_is_pending_until_a_scan_finds_the_account_gone_and_a_comeback_clears_it():
    integration = IntegrationFactory()
    t0 = timezone.now()
    accounts_refresh(integration=integration, accounts=[user("alice"), user("bob")], seen_at=t0, scan_job_id=None)
    bob = IntegrationAccount.objects.get(integration=integration, name="bob")
    accounts_revoke(
        tenant=integration.tenant_id,
        account_ids=[bob.pk],
        reason="access review 'Q4'",
        revoked_by="a@x.io",
        revoked_at=t0,
    )
    scan_1, scan_2, scan_3 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    # a scan that still sees bob leaves the revocation pending
    assert [r["name"] for r in revocations_pending(integration=integration, scan_job_id=scan_1)] == ["bob"]
    accounts_refresh(integration=integration, accounts=[user("alice"), user("bob")], seen_at=t0, scan_job_id=scan_1)
    assert IntegrationAccount.objects.get(pk=bob.pk).revocation_verified_at is None
    # the scan that finds him gone verifies it; the same scan run again still judges him, a later one no longer
    accounts_refresh(integration=integration, accounts=[user("alice")], seen_at=t0, scan_job_id=scan_2)
    bob.refresh_from_db()
    assert bob.revocation_verified_scan_id == scan_2
    assert [r["id"] for r in revocations_pending(integration=integration, scan_job_id=scan_2)] == ["id-bob"]
    assert revocations_pending(integration=integration, scan_job_id=scan_3) == []
    # and when bob comes back, it is a new grant: the old revocation no longer follows him
    accounts_refresh(integration=integration, accounts=[user("alice"), user("bob")], seen_at=t0, scan_job_id=scan_3)
    bob.refresh_from_db()
    assert (bob.removed_at, bob.revocation_requested_at, bob.revocation_reason) == (None, None, "")


def test_an_account_that_can_no_longer_sign_in_counts_as_revoked():
    integration = IntegrationFactory()
    t0 = timezone.now()
    accounts_refresh(integration=integration, accounts=[user("bob")], seen_at=t0, scan_job_id=None)
    bob = IntegrationAccount.objects.get(integration=integration)
    accounts_revoke(tenant=integration.tenant_id, account_ids=[bob.pk], reason="r", revoked_by="a@x.io", revoked_at=t0)
    scan = uuid.uuid4()
    accounts_refresh(integration=integration, accounts=[user("bob", active=False)], seen_at=t0, scan_job_id=scan)
    bob.refresh_from_db()
    assert (bob.removed_at, bob.revocation_verified_scan_id, bob.active) == (None, scan, False)
