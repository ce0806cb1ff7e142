"""The access review pages: creating a review from the form, filtering its accounts, deciding them in bulk,
completing it into evidence, and who may see or change which review."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from complywise.choices import Role
from evidence.models import Evidence, EvidenceControlLink
from frameworks.models import Framework, TenantFramework
from integrations import registry
from integrations.accounts import accounts_refresh
from reviews import services
from reviews.choices import CampaignStatus, Decision
from reviews.models import ReviewCampaign, ReviewItem
from tests.integrations.factories import IntegrationFactory

pytestmark = pytest.mark.django_db

ACCOUNT_NAMES = ("alice", "bob", "carol", "dave", "deploy")


def account(name: str, *, admin: bool = False, days_idle: int | None = 1, kind=registry.AccountKind.USER):
    last = None if days_idle is None else timezone.now() - timedelta(days=days_idle)
    return registry.Account(
        id=f"arn:aws:iam::123456789012:user/{name}",
        name=name,
        kind=kind,
        email=f"{name}@acme.test" if kind == registry.AccountKind.USER else "",
        admin=admin,
        privileges=("AdministratorAccess",) if admin else ("ReadOnlyAccess", "job-function/ViewOnlyAccess"),
        last_activity=last,
    )


def seed(integration, accounts) -> None:
    accounts_refresh(integration=integration, accounts=accounts, seen_at=timezone.now(), scan_job_id=None)


def base_accounts():
    return [
        account("alice", admin=True, days_idle=2),
        account("bob", days_idle=200),
        account("carol", days_idle=None),
        account("dave", admin=True, days_idle=120),
        account("deploy", kind=registry.AccountKind.ROLE, days_idle=3),
    ]


@pytest.fixture
def integration(tenant):
    integration = IntegrationFactory(tenant=tenant, name="prod-aws")
    seed(integration, base_accounts())
    return integration


@pytest.fixture
def admin(web_login, tenant):
    return web_login(tenant, Role.ADMIN)


def open_campaign(tenant, integration, reviewer, *, name="Q4 access review", recurrence="quarterly"):
    return services.campaign_create(
        tenant=tenant,
        actor=reviewer,
        name=name,
        due_date=timezone.localdate() + timedelta(days=14),
        recurrence=recurrence,
        sources=[services.SourceInput(integration.pk, reviewer.pk)],
    )


def item_ids(campaign, *names) -> list[str]:
    items = ReviewItem.objects.filter(campaign=campaign)
    return [str(i.pk) for i in (items.filter(name__in=names) if names else items)]


def shown_accounts(html: str) -> list[str]:
    return sorted(re.findall(r'<strong class="account-name">([^<]+)</strong>', html))


def decisions(campaign) -> dict[str, str]:
    return dict(ReviewItem.objects.filter(campaign=campaign).values_list("name", "decision"))


def flash(client) -> str:
    """The messages the next page shows (the redirect target is fetched to read them)."""
    return " ".join(str(m) for m in client.get("/reviews/").context["messages"])


# --- creating ---------------------------------------------------------------------------------------------


def test_create_form_lists_reviewable_integrations_with_the_user_as_default_reviewer(admin, tenant, integration):
    # given an admin of a tenant with one AWS integration
    # when the form is opened
    response = admin.get("/reviews/new/")
    # then it offers the integration, the recurrences, and the admin preselected as its reviewer
    page = response.content.decode()
    assert response.status_code == 200
    assert "prod-aws" in page and "Quarterly" in page and "Every six months" in page
    reviewer = f'name="reviewer_{integration.pk}"'
    assert reviewer in page
    select = page[page.index(reviewer) : page.index("</select>", page.index(reviewer))]
    assert f'value="{admin.membership.user.pk}" selected' in select


def test_creating_a_review_from_the_form_opens_it_with_one_item_per_account(admin, tenant, integration, web_login):
    # given a member who may review
    member = web_login(tenant, Role.MEMBER)
    due = timezone.localdate() + timedelta(days=30)
    # when the admin creates a quarterly review of the integration, reviewed by the member
    response = admin.post(
        "/reviews/new/",
        {
            "name": "  Q4   2026 access review ",
            "due_date": due.isoformat(),
            "recurrence": "quarterly",
            "opens_on": "",
            f"include_{integration.pk}": "on",
            f"reviewer_{integration.pk}": str(member.membership.user.pk),
        },
    )
    # then it is open, with every account assigned to the member, and the page says so
    campaign = ReviewCampaign.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reviews/{campaign.pk}/"
    assert campaign.name == "Q4 2026 access review" and campaign.status == CampaignStatus.OPEN
    assert campaign.due_date == due and campaign.recurrence == "quarterly"
    items = ReviewItem.objects.filter(campaign=campaign)
    assert sorted(items.values_list("name", flat=True)) == sorted(ACCOUNT_NAMES)
    assert set(items.values_list("reviewer", flat=True)) == {member.membership.user.pk}
    page = admin.get(response["Location"])
    assert "5 account(s) to review" in " ".join(str(m) for m in page.context["messages"])
    assert shown_accounts(page.content.decode()) == sorted(ACCOUNT_NAMES)


def test_a_review_opening_later_is_scheduled_without_items(admin, tenant, integration):
    # when the review opens next week
    opens = timezone.localdate() + timedelta(days=7)
    admin.post(
        "/reviews/new/",
        {
            "name": "Next week",
            "due_date": (opens + timedelta(days=14)).isoformat(),
            "recurrence": "none",
            "opens_on": opens.isoformat(),
            f"include_{integration.pk}": "on",
            f"reviewer_{integration.pk}": str(admin.membership.user.pk),
        },
    )
    # then it is scheduled and no account is taken yet
    campaign = ReviewCampaign.objects.get()
    assert campaign.status == CampaignStatus.SCHEDULED and not ReviewItem.objects.exists()
    page = admin.get(f"/reviews/{campaign.pk}/").content.decode()
    assert "Scheduled: it opens on" in page


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": "   "}, "name", "This field is required."),
        ({"due_date": "not-a-date"}, "due_date", "Enter a valid date."),
        ({"due_date": "2000-01-01"}, "due_date", "Must be on or after the day the review opens."),
        ({"recurrence": "weekly"}, "recurrence", "Select a valid choice."),
        ({"include": False}, None, "Pick at least one integration"),
        ({"reviewer": ""}, "reviewer", "The reviewer must be an active admin or member"),
    ],
)
def test_invalid_input_re_renders_the_form_with_errors_and_creates_nothing(
    admin, tenant, integration, change, field, message
):
    # given valid input but for one field
    data = {
        "name": "Q4",
        "due_date": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "recurrence": "quarterly",
        f"include_{integration.pk}": "on",
        f"reviewer_{integration.pk}": str(admin.membership.user.pk),
    }
    for key, value in change.items():
        if key == "include":
            data.pop(f"include_{integration.pk}")
        elif key == "reviewer":
            data[f"reviewer_{integration.pk}"] = value
        else:
            data[key] = value
    # when it is posted
    response = admin.post("/reviews/new/", data)
    # then the form comes back with the error where it belongs, and nothing is created
    assert response.status_code == 400
    form = response.context["form"]
    target = {"reviewer": f"reviewer_{integration.pk}"}.get(field, field)
    errors = form.errors.get(target or "__all__", [])
    assert any(message in e for e in errors), form.errors
    assert message.split("“")[0] in response.content.decode().replace("&#x27;", "'")
    assert not ReviewCampaign.objects.exists()


def test_a_viewer_reviewer_is_refused_on_the_row_of_its_integration(admin, tenant, integration, web_login):
    # given a viewer (who may not review) posted as the reviewer of the second included integration
    viewer = web_login(tenant, Role.VIEWER)
    second = IntegrationFactory(tenant=tenant, name="staging-aws")
    seed(second, [account("erin")])
    response = admin.post(
        "/reviews/new/",
        {
            "name": "Q4",
            "due_date": (timezone.localdate() + timedelta(days=3)).isoformat(),
            "recurrence": "quarterly",
            f"include_{integration.pk}": "on",
            f"reviewer_{integration.pk}": str(admin.membership.user.pk),
            f"include_{second.pk}": "on",
            f"reviewer_{second.pk}": str(viewer.membership.user.pk),
        },
    )
    # then (the viewer is not even a choice) the error sits on that row only
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert f"reviewer_{second.pk}" in errors and f"reviewer_{integration.pk}" not in errors
    assert not ReviewCampaign.objects.exists()


def test_viewers_and_auditors_cannot_open_the_form_or_create(web_login, tenant, integration):
    for role in (Role.VIEWER, Role.AUDITOR):
        client = web_login(tenant, role)
        # when they open the form or post it
        assert client.get("/reviews/new/").status_code == 403
        response = client.post("/reviews/new/", {"name": "x"})
        # then the forbidden page answers
        assert response.status_code == 403 and b"Not allowed" in response.content
        # and the list offers no "New review"
        assert b"New review" not in client.get("/reviews/").content
    assert not ReviewCampaign.objects.exists()


# --- the list ---------------------------------------------------------------------------------------------


def test_list_shows_progress_counts_and_overdue(admin, tenant, integration):
    # given an open review with one account approved and one revoked, overdue since yesterday
    campaign = open_campaign(tenant, integration, admin.membership.user)
    user = admin.membership.user
    services.items_decide(
        tenant=tenant, actor=user, campaign=campaign, item_ids=item_ids(campaign, "alice"), decision="approved"
    )
    services.items_decide(
        tenant=tenant, actor=user, campaign=campaign, item_ids=item_ids(campaign, "bob"), decision="revoked", note="x"
    )
    yesterday = timezone.localdate() - timedelta(days=1)
    ReviewCampaign.objects.filter(pk=campaign.pk).update(opens_on=yesterday - timedelta(days=14), due_date=yesterday)
    # when the list is opened
    page = admin.get("/reviews/").content.decode()
    # then the review shows with its recurrence, progress (2 of 5) and counts, flagged overdue
    assert "Q4 access review" in page and "Quarterly" in page and "Overdue" in page
    assert 'value="2" max="5"' in page and "2 of 5 decided" in page
    row = page[page.index(f'data-review="{campaign.pk}"') :]
    counts = re.findall(r'<td class="num" data-label="(\w+)">(\d+)</td>', row)[:3]
    assert counts == [("Approved", "1"), ("Revoked", "1"), ("Pending", "3")]
    assert "New review" in page


# --- filters ----------------------------------------------------------------------------------------------


@pytest.fixture
def campaign(tenant, integration, admin):
    return open_campaign(tenant, integration, admin.membership.user)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ACCOUNT_NAMES),
        ("admins=on", ("alice", "dave")),
        ("inactive=on", ("bob", "carol", "dave")),
        ("admins=on&inactive=on", ("dave",)),
        ("q=ALI", ("alice",)),
        ("q=bob%40acme", ("bob",)),
        ("q=user%2Fdeploy", ("deploy",)),
        ("decision=pending", ACCOUNT_NAMES),
        ("decision=approved", ()),
    ],
)
def test_filters_return_the_matching_accounts(admin, campaign, query, expected):
    # when the review is filtered
    response = admin.get(f"/reviews/{campaign.pk}/?{query}")
    # then only the matching accounts are listed
    assert response.status_code == 200
    assert shown_accounts(response.content.decode()) == sorted(expected)


def test_assigned_to_me_lists_only_my_accounts(admin, tenant, campaign, web_login):
    # given two of the accounts reassigned to a member
    member = web_login(tenant, Role.MEMBER)
    services.items_reassign(
        tenant=tenant,
        actor=admin.membership.user,
        campaign=campaign,
        item_ids=item_ids(campaign, "bob", "carol"),
        reviewer_id=member.membership.user.pk,
    )
    # when each opens the review with mine=1 (the link of the reviewers' e-mail)
    # then each sees their own
    assert shown_accounts(member.get(f"/reviews/{campaign.pk}/?mine=1").content.decode()) == ["bob", "carol"]
    assert shown_accounts(admin.get(f"/reviews/{campaign.pk}/?mine=1").content.decode()) == [
        "alice",
        "dave",
        "deploy",
    ]


def test_new_since_last_review_lists_accounts_the_previous_review_did_not_have(admin, tenant, integration):
    # given a completed review of the integration, then a new account appearing in a scan
    user = admin.membership.user
    first = open_campaign(tenant, integration, user, name="Q3", recurrence="none")
    services.items_decide(tenant=tenant, actor=user, campaign=first, item_ids=item_ids(first), decision="approved")
    services.campaign_complete(tenant=tenant, actor=user, campaign=first)
    seed(integration, [*base_accounts(), account("mallory", days_idle=1)])
    second = open_campaign(tenant, integration, user, name="Q4")
    # when the new review is filtered to new accounts
    page = admin.get(f"/reviews/{second.pk}/?new=on").content.decode()
    # then only the newcomer is listed, badged "New"
    assert shown_accounts(page) == ["mallory"]
    assert "new-badge" in page


def test_source_filter_and_bad_filter_values_are_harmless(admin, tenant, campaign):
    source = campaign.sources.get()
    assert shown_accounts(admin.get(f"/reviews/{campaign.pk}/?source={source.pk}").content.decode()) == sorted(
        ACCOUNT_NAMES
    )
    # a source of nothing and an unknown decision filter nothing instead of failing
    response = admin.get(f"/reviews/{campaign.pk}/?source=nope&decision=maybe&page=999")
    assert response.status_code == 200
    assert shown_accounts(response.content.decode()) == sorted(ACCOUNT_NAMES)


def test_detail_shows_privileges_last_activity_and_admin_badges(admin, campaign):
    page = admin.get(f"/reviews/{campaign.pk}/").content.decode()
    assert "AdministratorAccess" in page and "ReadOnlyAccess, job-function/ViewOnlyAccess" in page
    assert "never" in page and page.count("admin-badge") == 2
    assert "prod-aws" in page and "Select all 5 accounts on this page" in page


# --- deciding ---------------------------------------------------------------------------------------------


def decide_url(campaign) -> str:
    return f"/reviews/{campaign.pk}/decide/"


def test_bulk_approve_of_the_admins_only_view_keeps_the_filters(admin, campaign):
    # given the review filtered to admins
    back = f"/reviews/{campaign.pk}/?admins=on"
    page = admin.get(back)
    page_items = [str(i.pk) for i in page.context["page"].object_list]
    # when every account of the page is approved
    response = admin.post(
        decide_url(campaign),
        {"action": "approve", "all_on_page": "on", "page_items": page_items, "note": "", "next": back},
    )
    # then the admins are approved, by the admin, and the page comes back filtered
    assert response.status_code == 302 and response["Location"] == back
    assert decisions(campaign) == {
        "alice": Decision.APPROVED,
        "dave": Decision.APPROVED,
        "bob": Decision.PENDING,
        "carol": Decision.PENDING,
        "deploy": Decision.PENDING,
    }
    item = ReviewItem.objects.get(campaign=campaign, name="alice")
    assert item.decided_by == admin.membership.user and item.decided_at is not None
    assert "Approved 2 account(s)." in flash(admin)


def test_revoke_needs_a_note_and_changes_nothing_without_one(admin, campaign):
    back = f"/reviews/{campaign.pk}/?q=bob"
    # when bob is revoked without a note
    response = admin.post(
        decide_url(campaign), {"action": "revoke", "items": item_ids(campaign, "bob"), "note": "  ", "next": back}
    )
    # then the same filtered page comes back with the reason, and nothing changed
    assert response.status_code == 302 and response["Location"] == back
    assert "Say why the access is revoked" in flash(admin)
    assert set(decisions(campaign).values()) == {Decision.PENDING}
    # when a note is given
    admin.post(
        decide_url(campaign),
        {"action": "revoke", "items": item_ids(campaign, "bob"), "note": "Left the company in May", "next": back},
    )
    # then bob is revoked with the note, which the page shows
    bob = ReviewItem.objects.get(campaign=campaign, name="bob")
    assert bob.decision == Decision.REVOKED and bob.note == "Left the company in May"
    assert "Left the company in May" in admin.get(back).content.decode()


def test_nothing_selected_or_a_bad_id_is_an_error_message_not_a_500(admin, campaign):
    for data in (
        {"action": "approve"},
        {"action": "approve", "items": ["not-a-uuid"]},
        {"action": "approve", "items": ["00000000-0000-0000-0000-000000000000"]},
        {"action": "destroy", "items": item_ids(campaign, "bob")},
    ):
        response = admin.post(decide_url(campaign), data)
        assert response.status_code == 302
        messages = list(admin.get(f"/reviews/{campaign.pk}/").context["messages"])
        assert [m.level_tag for m in messages] == ["error"], data
    assert set(decisions(campaign).values()) == {Decision.PENDING}


def test_quick_approve_decides_one_row_and_ignores_the_bulk_note(admin, campaign):
    carol = item_ids(campaign, "carol")[0]
    admin.post(
        decide_url(campaign),
        {"action": "revoke", "note": "meant for another", "items": item_ids(campaign, "bob"), "approve_item": carol},
    )
    assert decisions(campaign)["carol"] == Decision.APPROVED and decisions(campaign)["bob"] == Decision.PENDING
    assert ReviewItem.objects.get(pk=carol).note == ""


def test_reassign_hands_accounts_to_another_reviewer(admin, tenant, campaign, web_login):
    # given alice already approved
    member = web_login(tenant, Role.MEMBER)
    user = admin.membership.user
    services.items_decide(
        tenant=tenant, actor=user, campaign=campaign, item_ids=item_ids(campaign, "alice"), decision="approved"
    )
    # when alice and deploy are reassigned to the member
    admin.post(
        decide_url(campaign),
        {
            "action": "reassign",
            "items": item_ids(campaign, "alice", "deploy"),
            "reviewer": str(member.membership.user.pk),
            "note": "You own these",
        },
    )
    # then they are the member's, pending again, and the others stay with the admin
    moved = ReviewItem.objects.filter(campaign=campaign, name__in=["alice", "deploy"])
    assert {(i.reviewer_id, i.decision, i.reassigned_from_id) for i in moved} == {
        (member.membership.user.pk, Decision.PENDING, user.pk)
    }
    assert ReviewItem.objects.filter(campaign=campaign, reviewer=user).count() == 3
    assert "Reassigned 2 account(s)." in flash(admin)
    # and reassigning without a reviewer is refused
    admin.post(decide_url(campaign), {"action": "reassign", "items": item_ids(campaign, "bob")})
    assert "The reviewer must be an active admin or member" in flash(admin)


def test_a_member_cannot_decide_accounts_assigned_to_someone_else(web_login, tenant, campaign):
    member = web_login(tenant, Role.MEMBER)
    member.post(decide_url(campaign), {"action": "approve", "items": item_ids(campaign, "bob")})
    assert "Only the assigned reviewer" in flash(member)
    assert decisions(campaign)["bob"] == Decision.PENDING


# --- completing -------------------------------------------------------------------------------------------


def test_complete_is_blocked_while_accounts_are_pending(admin, campaign):
    # given a review with pending accounts
    page = admin.get(f"/reviews/{campaign.pk}/").content.decode()
    # then the button is disabled and says why
    assert re.search(r'<button type="submit" class="secondary" disabled [^>]*>Complete review', page)
    assert "5 account(s) are still pending" in page
    # and posting anyway is refused with the same reason
    response = admin.post(f"/reviews/{campaign.pk}/complete/")
    assert response.status_code == 302
    assert "still pending" in flash(admin)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN and not Evidence.objects.exists()


def test_completing_stores_csv_and_pdf_evidence_for_the_review_controls(admin, tenant, campaign, loaded_frameworks):
    # given SOC 2 active and every account decided
    soc2 = Framework.objects.get(key="soc2")
    TenantFramework.objects.create(tenant=tenant, framework=soc2)
    user = admin.membership.user
    services.items_decide(
        tenant=tenant, actor=user, campaign=campaign, item_ids=item_ids(campaign, "bob"), decision="revoked", note="x"
    )
    services.items_decide(
        tenant=tenant,
        actor=user,
        campaign=campaign,
        item_ids=item_ids(campaign, "alice", "carol", "dave", "deploy"),
        decision="approved",
    )
    assert b"complete-why" not in admin.get(f"/reviews/{campaign.pk}/").content
    # when it is completed
    response = admin.post(f"/reviews/{campaign.pk}/complete/")
    # then it is completed, with a CSV and a PDF document linked to CC6.2 and CC6.3
    assert response.status_code == 302 and response["Location"] == f"/reviews/{campaign.pk}/"
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.COMPLETED and campaign.completed_by == user
    manual = Evidence.objects.filter(tenant=tenant, type="manual")
    assert sorted(manual.values_list("filename", flat=True)) == sorted(
        [f"access-review-{campaign.due_date:%Y-%m-%d}.csv", f"access-review-{campaign.due_date:%Y-%m-%d}.pdf"]
    )
    refs = set(
        EvidenceControlLink.objects.filter(evidence=campaign.evidence_pdf).values_list("control__ref", flat=True)
    )
    assert refs == {"CC6.2", "CC6.3"}
    # and the page shows the sign-off, the hash, the downloads, the controls and the next review
    page = admin.get(f"/reviews/{campaign.pk}/").content.decode()
    assert campaign.decisions_sha256 in page and user.email in page
    assert f"/api/evidence/{campaign.evidence_csv_id}/download" in page
    assert f"/api/evidence/{campaign.evidence_pdf_id}/download" in page
    cc62 = soc2.controls.get(ref="CC6.2")
    assert f"/controls/{cc62.pk}/" in page
    successor = ReviewCampaign.objects.get(previous=campaign)
    assert successor.status == CampaignStatus.SCHEDULED and f"/reviews/{successor.pk}/" in page
    # and no bulk form is offered any more
    assert "review-decide" not in page and f"/reviews/{campaign.pk}/decide/" not in page
    listing = admin.get("/reviews/").content.decode()
    assert f"/api/evidence/{campaign.evidence_pdf_id}/download" in listing


def test_completing_twice_is_an_error_message(admin, tenant, campaign):
    user = admin.membership.user
    services.items_decide(
        tenant=tenant, actor=user, campaign=campaign, item_ids=item_ids(campaign), decision="approved"
    )
    admin.post(f"/reviews/{campaign.pk}/complete/")
    response = admin.post(f"/reviews/{campaign.pk}/complete/")
    assert response.status_code == 302
    assert "is completed; its items cannot change" in flash(admin)
    assert ReviewCampaign.objects.filter(previous=campaign).count() == 1


def test_a_member_who_reviews_nothing_cannot_complete(web_login, tenant, admin, campaign):
    services.items_decide(
        tenant=tenant, actor=admin.membership.user, campaign=campaign, item_ids=item_ids(campaign), decision="approved"
    )
    member = web_login(tenant, Role.MEMBER)
    assert "Only an admin or one of the review" in member.get(f"/reviews/{campaign.pk}/").content.decode()
    member.post(f"/reviews/{campaign.pk}/complete/")
    assert "Only an admin or one of the review" in flash(member)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN


def test_an_admin_cancels_with_a_reason(admin, tenant, campaign, web_login):
    admin.post(f"/reviews/{campaign.pk}/cancel/", {"reason": ""})
    assert "Say why" in flash(admin)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN
    # a member may not cancel
    member = web_login(tenant, Role.MEMBER)
    assert member.post(f"/reviews/{campaign.pk}/cancel/", {"reason": "x"}).status_code == 403
    admin.post(f"/reviews/{campaign.pk}/cancel/", {"reason": "Replaced by the yearly review"})
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CANCELLED


# --- tenancy and roles ------------------------------------------------------------------------------------


def test_another_tenants_review_is_404_like_a_missing_one(web_login, other_tenant, campaign):
    outsider = web_login(other_tenant, Role.ADMIN)
    missing = "00000000-0000-0000-0000-000000000000"
    for pk in (campaign.pk, missing):
        assert outsider.get(f"/reviews/{pk}/").status_code == 404
        for action, data in (
            ("decide", {"action": "approve", "items": item_ids(campaign)}),
            ("complete", {}),
            ("cancel", {"reason": "x"}),
        ):
            assert outsider.post(f"/reviews/{pk}/{action}/", data).status_code == 404
    assert "Q4 access review" not in outsider.get("/reviews/").content.decode()
    assert set(decisions(campaign).values()) == {Decision.PENDING}
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AUDITOR])
def test_viewers_and_auditors_may_look_but_not_post(web_login, tenant, campaign, role):
    client = web_login(tenant, role)
    # they see the review, without any form to change it
    page = client.get(f"/reviews/{campaign.pk}/").content.decode()
    assert "Q4 access review" in page and shown_accounts(page) == sorted(ACCOUNT_NAMES)
    assert f"/reviews/{campaign.pk}/decide/" not in page and "Complete review" not in page
    # and every post is the forbidden page
    for action, data in (
        ("decide", {"action": "approve", "items": item_ids(campaign)}),
        ("complete", {}),
        ("cancel", {"reason": "x"}),
    ):
        response = client.post(f"/reviews/{campaign.pk}/{action}/", data)
        assert response.status_code == 403 and b"Not allowed" in response.content
    assert set(decisions(campaign).values()) == {Decision.PENDING}


def test_pages_need_a_login(client, campaign):
    for url in ("/reviews/", "/reviews/new/", f"/reviews/{campaign.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_nav_links_to_access_reviews(admin):
    page = admin.get("/reviews/").content.decode()
    assert re.search(r'<a href="/reviews/" aria-current="page">Access reviews</a>', page)


def test_a_long_privilege_list_is_truncated_with_the_rest_in_its_tooltip(admin, tenant):
    # given a role holding six policies
    integration = IntegrationFactory(tenant=tenant, name="prod-aws")
    policies = tuple(f"policy-{n}" for n in range(6))
    seed(integration, [registry.Account(id="role/ci", name="ci", kind=registry.AccountKind.ROLE, privileges=policies)])
    campaign = open_campaign(tenant, integration, admin.membership.user)
    # when the review is opened
    page = admin.get(f"/reviews/{campaign.pk}/").content.decode()
    # then four are listed, with a count of the rest and the full list in the cell's title
    assert "policy-0, policy-1, policy-2, policy-3" in page and "+2 more" in page
    assert f'title="{", ".join(policies)}"' in page
