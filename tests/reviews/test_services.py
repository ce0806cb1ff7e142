"""Access review campaigns through their services: open, decide, reassign, complete, recur, remind."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from complywise.choices import Role
from complywise.exceptions import ConflictError, FieldValidationError, PermissionDeniedError
from evidence.models import Evidence, EvidenceControlLink
from evidence.selectors import tenant_evidence_verify
from evidence.storage import evidence_storage
from frameworks.models import Control, Framework
from integrations.models import IntegrationAccount
from notifications.models import Event
from reviews import recurrence, reminders, selectors, services
from reviews.choices import CampaignStatus, Decision, Recurrence
from reviews.models import ReviewCampaign, ReviewItem
from scans.posture_selectors import framework_posture

from .support import account, activate, member, open_review, reviewable, seed_accounts

pytestmark = pytest.mark.django_db


def decide_all(tenant, actor, campaign, decision=Decision.APPROVED, note=""):
    ids = list(ReviewItem.objects.filter(campaign=campaign).values_list("pk", flat=True))
    return services.items_decide(
        tenant=tenant, actor=actor, campaign=campaign, item_ids=ids, decision=decision, note=note
    )


def test_opening_takes_every_present_account_as_a_pending_item(tenant):
    # given an integration whose last scan saw 20 accounts (one more was removed earlier)
    admin = member(tenant)
    integration = reviewable(tenant)
    IntegrationAccount.objects.filter(integration=integration, name="user20").update(removed_at=timezone.now())
    # when a review of it is created today
    campaign = open_review(tenant, admin, integration)
    # then it is open with the 19 present accounts, pending, assigned to the source's reviewer
    assert campaign.status == CampaignStatus.OPEN
    items = ReviewItem.objects.filter(campaign=campaign)
    assert items.count() == 19
    assert set(items.values_list("decision", flat=True)) == {Decision.PENDING}
    assert set(items.values_list("reviewer", flat=True)) == {admin.pk}
    user05 = items.get(name="user05")
    assert user05.admin and user05.privileges == ["AdministratorAccess"]
    assert not user05.new_since_last_review  # nothing to compare with on a first review
    # and the channels hear of it
    assert Event.objects.filter(tenant=tenant, type="access_review.opened").count() == 1


def test_bad_input_is_refused_field_by_field_and_creates_nothing(tenant, other_tenant):
    admin = member(tenant)
    foreign = reviewable(other_tenant, name="theirs")
    viewer = member(tenant, Role.VIEWER)
    with pytest.raises(FieldValidationError) as error:
        services.campaign_create(
            tenant=tenant,
            actor=admin,
            name=" ",
            due_date=timezone.localdate() - timedelta(days=1),
            recurrence="weekly",
            sources=[services.SourceInput(integration_id=foreign.pk, reviewer_id=viewer.pk)],
        )
    assert set(error.value.errors) == {"name", "recurrence", "due_date"}
    with pytest.raises(FieldValidationError) as error:
        services.campaign_create(
            tenant=tenant,
            actor=admin,
            name="Q4",
            due_date=timezone.localdate(),
            sources=[services.SourceInput(integration_id=foreign.pk, reviewer_id=viewer.pk)],
        )
    # another tenant's integration does not exist here; a viewer cannot review
    assert set(error.value.errors) == {"sources.0.integration_id", "sources.0.reviewer_id"}
    assert not ReviewCampaign.objects.exists()


def test_filters_find_admins_inactive_new_and_mine(tenant):
    admin = member(tenant)
    other = member(tenant, Role.MEMBER)
    integration = reviewable(tenant)
    first = open_review(tenant, admin, integration, recurrence=Recurrence.NONE)
    decide_all(tenant, admin, first)
    services.campaign_complete(tenant=tenant, actor=admin, campaign=first)
    # a new admin joins between the reviews
    seed_accounts(integration, [account(n) for n in range(1, 21)] + [account(21, admin=True, days_idle=None)])
    campaign = open_review(tenant, admin, integration, name="Q1 2027")
    items = ReviewItem.objects.filter(campaign=campaign)
    services.items_reassign(
        tenant=tenant,
        actor=admin,
        campaign=campaign,
        item_ids=[items.get(name="user01").pk],
        reviewer_id=other.pk,
    )

    def names(**filters):
        return sorted(i.name for i in selectors.campaign_items(campaign=campaign, **filters))

    assert names(admins_only=True) == ["user21"]
    assert names(inactive=True) == ["user21"]  # never signed in
    assert names(new_only=True) == ["user21"]
    assert names(reviewer=other) == ["user01"]
    assert names(search="user1") == [f"user{n}" for n in range(10, 20)]


def test_a_revocation_needs_a_note_and_only_the_reviewer_or_an_admin_decides(tenant):
    admin = member(tenant)
    reviewer = member(tenant, Role.MEMBER)
    bystander = member(tenant, Role.MEMBER)
    campaign = open_review(tenant, admin, reviewable(tenant), reviewer=reviewer)
    item = ReviewItem.objects.filter(campaign=campaign).first()
    with pytest.raises(FieldValidationError) as error:
        services.items_decide(
            tenant=tenant, actor=reviewer, campaign=campaign, item_ids=[item.pk], decision=Decision.REVOKED
        )
    assert "note" in error.value.errors
    with pytest.raises(PermissionDeniedError):
        services.items_decide(
            tenant=tenant, actor=bystander, campaign=campaign, item_ids=[item.pk], decision=Decision.APPROVED
        )
    item.refresh_from_db()
    assert item.decision == Decision.PENDING
    # when the assigned reviewer revokes with a note
    services.items_decide(
        tenant=tenant,
        actor=reviewer,
        campaign=campaign,
        item_ids=[item.pk],
        decision=Decision.REVOKED,
        note="left the company in October",
    )
    item.refresh_from_db()
    assert (item.decision, item.note, item.decided_by_email) == (
        Decision.REVOKED,
        "left the company in October",
        reviewer.email,
    )


def test_completing_requires_every_decision(tenant):
    admin = member(tenant)
    campaign = open_review(tenant, admin, reviewable(tenant))
    with pytest.raises(ConflictError, match="20 account"):
        services.campaign_complete(tenant=tenant, actor=admin, campaign=campaign)


def test_completion_stores_signed_off_evidence_linked_to_every_active_frameworks_review_controls(
    tenant, loaded_frameworks
):
    # given SOC 2 and ISO 27001 active and a review with one revocation
    activate(tenant, "soc2", "iso27001-2022")
    admin = member(tenant)
    integration = reviewable(tenant)
    campaign = open_review(tenant, admin, integration)
    decide_all(tenant, admin, campaign)
    leaver = ReviewItem.objects.get(campaign=campaign, name="user07")
    services.items_decide(
        tenant=tenant,
        actor=admin,
        campaign=campaign,
        item_ids=[leaver.pk],
        decision=Decision.REVOKED,
        note="contractor, engagement ended",
    )
    # when it is completed
    campaign = services.campaign_complete(tenant=tenant, actor=admin, campaign=campaign)
    # then a CSV and a PDF are manual evidence, in the chain, linked to CC6.2, CC6.3 and 5.18
    assert campaign.status == CampaignStatus.COMPLETED
    documents = Evidence.objects.filter(tenant=tenant, type="manual")
    assert documents.count() == 2
    linked = {
        (link.control.framework.key, link.control.ref)
        for link in EvidenceControlLink.objects.filter(evidence=campaign.evidence_csv).select_related(
            "control__framework"
        )
    }
    assert linked == {("soc2", "CC6.2"), ("soc2", "CC6.3"), ("iso27001-2022", "5.18")}
    assert tenant_evidence_verify(tenant=tenant).ok
    # the CSV holds every decision with its reviewer and time, and its hash is the one the PDF vouches for
    with evidence_storage().open(campaign.evidence_csv.file_key) as stored:
        content = stored.read()
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert len(rows) == 20
    revoked = [r for r in rows if r["decision"] == "revoked"]
    assert [(r["account"], r["note"], r["decided_by"]) for r in revoked] == [
        ("user07", "contractor, engagement ended", admin.email)
    ]
    assert all(r["decided_at"] for r in rows)
    assert campaign.decisions_sha256 == campaign.evidence_csv.sha256
    assert campaign.evidence_pdf.content_type == "application/pdf"
    # the quarterly review's record stays valid until the next one is due, and the next one is scheduled
    successor = ReviewCampaign.objects.get(previous=campaign)
    assert successor.status == CampaignStatus.SCHEDULED
    assert successor.due_date == recurrence.add_months(campaign.due_date, 3)
    assert campaign.evidence_csv.expires_at.date() == successor.due_date + timedelta(days=1)
    # the revoked account is recorded for the next scan to verify
    account_row = IntegrationAccount.objects.get(integration=integration, name="user07")
    assert account_row.revocation_requested_at is not None
    assert "Q4 2026 access review" in account_row.revocation_reason
    # and the SOC 2 access-review control passes on its document
    soc2 = Framework.objects.get(key="soc2")
    cc62 = Control.objects.get(framework=soc2, ref="CC6.2")
    posture = framework_posture(tenant=tenant, framework=soc2, controls=[cc62])
    assert posture.controls[0].verdict.status == "pass"


def test_completing_twice_is_refused(tenant):
    admin = member(tenant)
    campaign = open_review(tenant, admin, reviewable(tenant, count=2), recurrence=Recurrence.NONE)
    decide_all(tenant, admin, campaign)
    services.campaign_complete(tenant=tenant, actor=admin, campaign=campaign)
    with pytest.raises(ConflictError):
        services.campaign_complete(tenant=tenant, actor=admin, campaign=campaign)
    with pytest.raises(ConflictError):
        decide_all(tenant, admin, campaign)
    # no active framework: decisions are kept, no document is invented
    assert not Evidence.objects.filter(tenant=tenant).exists()
    assert not ReviewCampaign.objects.filter(previous=campaign).exists()


def test_tick_opens_scheduled_reviews_and_reminds_once_a_day(tenant, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    admin = member(tenant)
    integration = reviewable(tenant, count=3)
    today = timezone.localdate()
    campaign = open_review(
        tenant, admin, integration, opens_on=today + timedelta(days=2), due_date=today + timedelta(days=5)
    )
    assert campaign.status == CampaignStatus.SCHEDULED
    assert not ReviewItem.objects.filter(campaign=campaign).exists()
    # when the daily tick runs on the opening day
    later = timezone.now() + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.reviews_tick(tenant_id=tenant.pk, now=later) == {"opened": 1, "reminded": 1}
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN
    assert ReviewItem.objects.filter(campaign=campaign).count() == 3
    # then the reviewer was mailed (opening and reminder) and a reminder event went out, once that day
    assert Event.objects.filter(tenant=tenant, type="access_review.reminder").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.reviews_tick(tenant_id=tenant.pk, now=later) == {"opened": 0, "reminded": 0}
    assert [m.to for m in mail.outbox] == [[admin.email], [admin.email]]
    assert "3 account(s)" in mail.outbox[-1].body


def test_add_months_keeps_the_day_or_the_months_last_one():
    assert recurrence.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert recurrence.add_months(date(2026, 12, 31), 1) == date(2027, 1, 31)
    assert recurrence.add_months(date(2027, 11, 15), 12) == date(2028, 11, 15)
