"""The access-review API: campaigns, their items and decisions, completion into evidence, roles and tenants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from complywise import services as core_services
from complywise.choices import Role
from complywise.models import Tenant
from evidence.models import Evidence
from frameworks.models import Framework, TenantFramework
from integrations import registry
from integrations.accounts import accounts_refresh
from integrations.models import Integration
from reviews.models import ReviewCampaign, ReviewItem
from tests.factories import MembershipFactory
from tests.integrations.factories import IntegrationFactory

pytestmark = pytest.mark.django_db

URL = "/api/access-reviews"


@dataclass
class Caller:
    client: APIClient
    user: AbstractBaseUser


@pytest.fixture
def caller():
    """A client signed in as a new member of ``tenant`` with ``role``, and that member's user."""

    def make(tenant: Tenant, role: str = Role.ADMIN) -> Caller:
        membership = MembershipFactory(tenant=tenant, role=role)
        client = APIClient()
        secret = core_services.api_token_create(membership=membership, name=f"review-{role}").secret
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return Caller(client=client, user=membership.user)

    return make


def account(account_id: str, *, admin: bool = False, idle_days: int | None = 1, **extra: Any) -> registry.Account:
    last = timezone.now() - timedelta(days=idle_days) if idle_days is not None else None
    return registry.Account(
        id=account_id,
        name=extra.pop("name", account_id),
        kind=registry.AccountKind.USER,
        admin=admin,
        privileges=extra.pop("privileges", ("ReadOnlyAccess",)),
        last_activity=last,
        **extra,
    )


def seed(integration: Integration, *accounts: registry.Account) -> None:
    accounts_refresh(integration=integration, accounts=list(accounts), seen_at=timezone.now(), scan_job_id=None)


@pytest.fixture
def aws(tenant) -> Integration:
    """An AWS integration whose last scan saw an admin, an idle user and an everyday user."""
    integration = IntegrationFactory(tenant=tenant, name="prod")
    seed(
        integration,
        account("arn:aws:iam::1:user/alice", admin=True, name="alice", email="alice@acme.test"),
        account("arn:aws:iam::1:user/bob", idle_days=200, name="bob"),
        account("arn:aws:iam::1:user/carol", name="carol"),
    )
    return integration


def body(integration: Integration, reviewer: AbstractBaseUser, **overrides: Any) -> dict[str, Any]:
    return {
        "name": "Q4 access review",
        "due_date": (timezone.localdate() + timedelta(days=14)).isoformat(),
        "recurrence": "quarterly",
        "sources": [{"integration_id": str(integration.pk), "reviewer_id": reviewer.pk}],
        **overrides,
    }


@pytest.fixture
def admin(caller, tenant) -> Caller:
    return caller(tenant, Role.ADMIN)


@pytest.fixture
def review(admin, aws) -> dict[str, Any]:
    """An open review of ``aws`` whose reviewer is ``admin``."""
    response = admin.client.post(URL, body(aws, admin.user), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def items_of(client: APIClient, review: dict[str, Any], **query: Any) -> list[dict[str, Any]]:
    response = client.get(f"{URL}/{review['id']}/items", query)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def item_ids(client: APIClient, review: dict[str, Any], **query: Any) -> list[str]:
    return [item["id"] for item in items_of(client, review, **query)]


def decide(client: APIClient, review: dict[str, Any], **payload: Any):
    return client.post(f"{URL}/{review['id']}/decisions", payload, format="json")


# --- create -----------------------------------------------------------------------------------------------------


def test_create_opens_the_review_with_the_accounts_of_the_latest_scan(admin, aws):
    # when an admin creates a review of the AWS integration
    response = admin.client.post(URL, body(aws, admin.user), format="json")
    # then it opens at once with one pending item per account, the source and its reviewer named
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "open" and data["name"] == "Q4 access review" and data["recurrence"] == "quarterly"
    assert data["progress"] == {"total": 3, "pending": 3, "approved": 0, "revoked": 0, "decided": 0, "percent": 0}
    [source] = data["sources"]
    assert source["integration"] == {"id": str(aws.pk), "name": "prod", "type": "aws"}
    assert source["reviewer"] == admin.user.email and source["reviewer_id"] == admin.user.pk
    assert source["accounts_as_of"] is not None
    assert data["created_by"] == admin.user.email
    assert data["evidence_csv_id"] is None and data["next_review_id"] is None
    assert ReviewItem.objects.filter(campaign_id=data["id"]).count() == 3


def test_a_review_opening_later_is_scheduled_without_items(admin, aws):
    # when the review opens next week
    opens = timezone.localdate() + timedelta(days=7)
    response = admin.client.post(URL, body(aws, admin.user, opens_on=opens.isoformat()), format="json")
    # then it waits, with nothing to decide yet
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "scheduled"
    assert response.json()["progress"]["total"] == 0


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        (lambda b, o: {**b, "name": ""}, {"name"}),
        (lambda b, o: {k: v for k, v in b.items() if k != "due_date"}, {"due_date"}),
        (lambda b, o: {**b, "recurrence": "weekly"}, {"recurrence"}),
        (lambda b, o: {**b, "due_date": "2020-01-01"}, {"due_date"}),
        (lambda b, o: {**b, "opens_on": "2020-01-01"}, {"opens_on"}),
        (lambda b, o: {**b, "sources": []}, {"sources"}),
        (lambda b, o: {**b, "sources": [{"integration_id": "nope", "reviewer_id": 1}]}, {"sources"}),
        (
            lambda b, o: {**b, "sources": [{**b["sources"][0], "integration_id": o.foreign}]},
            {"sources.0.integration_id"},
        ),
        (lambda b, o: {**b, "sources": [{**b["sources"][0], "reviewer_id": o.viewer}]}, {"sources.0.reviewer_id"}),
        (lambda b, o: {**b, "sources": [b["sources"][0]] * 2}, {"sources.1.integration_id"}),
        (lambda b, o: {**b, "owner": "me"}, {"owner"}),
    ],
    ids=[
        "blank name",
        "no due date",
        "unknown recurrence",
        "due before opening",
        "opens in the past",
        "no source",
        "malformed source",
        "another tenant's integration",
        "viewer as reviewer",
        "integration twice",
        "unknown field",
    ],
)
def test_create_with_bad_input_is_a_400_naming_the_fields_and_creates_nothing(
    admin, aws, tenant, other_tenant, change, fields
):
    # given another tenant's integration and a viewer of this one
    others = type(
        "Others",
        (),
        {
            "foreign": str(IntegrationFactory(tenant=other_tenant).pk),
            "viewer": MembershipFactory(tenant=tenant, role=Role.VIEWER).user.pk,
        },
    )
    # when the body is wrong in one way
    response = admin.client.post(URL, change(body(aws, admin.user), others), format="json")
    # then the answer names the field, and no review exists
    assert response.status_code == 400, response.content
    assert set(response.json()) == fields
    assert not ReviewCampaign.objects.exists()


# --- read -------------------------------------------------------------------------------------------------------


def test_list_shows_progress_filters_by_status_and_orders_by_due_date(admin, aws, review):
    # given a second, later review that is then cancelled, and one approved item in the first
    later = admin.client.post(
        URL,
        body(aws, admin.user, name="Later", due_date=(date.today() + timedelta(days=60)).isoformat()),
        format="json",
    ).json()
    admin.client.post(f"{URL}/{later['id']}/cancel", {"reason": "Merged into Q4."}, format="json")
    first = item_ids(admin.client, review)[0]
    assert decide(admin.client, review, items=[first], decision="approved").status_code == 200
    # when listed
    listed = admin.client.get(URL).json()
    soonest_first = admin.client.get(URL, {"ordering": "due_date"}).json()["results"]
    open_only = admin.client.get(URL, {"status": "open"}).json()["results"]
    # then each carries its progress, the latest due first by default
    assert listed["count"] == 2
    assert [r["name"] for r in listed["results"]] == ["Later", "Q4 access review"]
    assert [r["name"] for r in soonest_first] == ["Q4 access review", "Later"]
    assert [r["id"] for r in open_only] == [review["id"]]
    assert open_only[0]["progress"] == {
        "total": 3,
        "pending": 2,
        "approved": 1,
        "revoked": 0,
        "decided": 1,
        "percent": 33,
    }


def test_listing_costs_the_same_queries_for_one_review_or_many(admin, aws, review):
    # given the queries to list one review
    with CaptureQueriesContext(connection) as one:
        assert admin.client.get(URL).status_code == 200
    # when two more exist
    for name in ("Second", "Third"):
        admin.client.post(URL, body(aws, admin.user, name=name), format="json")
    with CaptureQueriesContext(connection) as three:
        listed = admin.client.get(URL).json()
    # then
    assert listed["count"] == 3
    assert len(three.captured_queries) == len(one.captured_queries)


def test_list_refuses_an_unknown_filter_value(admin, review):
    # when / then
    assert admin.client.get(URL, {"status": "archived"}).status_code == 400
    assert admin.client.get(URL, {"ordering": "name"}).status_code == 400


def test_detail_names_sources_progress_and_completion(admin, aws, review):
    # when read by a viewer
    response = admin.client.get(f"{URL}/{review['id']}")
    # then
    assert response.status_code == 200
    data = response.json()
    assert data["id"] == review["id"] and data["status"] == "open"
    assert data["sources"][0]["integration"]["name"] == "prod"
    assert data["progress"]["pending"] == 3
    assert data["completed_by"] is None and data["completed_at"] is None and data["decisions_sha256"] == ""
    assert data["evidence_csv_id"] is None and data["evidence_pdf_id"] is None
    assert data["previous_review_id"] is None and data["next_review_id"] is None


def test_a_malformed_id_is_a_404(admin):
    assert admin.client.get(f"{URL}/not-a-uuid").status_code == 404


def test_items_are_paginated_with_the_account_snapshot(admin, aws, review):
    # when
    response = admin.client.get(f"{URL}/{review['id']}/items", {"limit": 2})
    # then
    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    alice = page["results"][0]
    assert alice["name"] == "alice" and alice["account_id"] == "arn:aws:iam::1:user/alice"
    assert alice["email"] == "alice@acme.test" and alice["kind"] == "user" and alice["admin"] is True
    assert alice["integration"] == {"id": str(aws.pk), "name": "prod", "type": "aws"}
    assert alice["privileges"] == ["ReadOnlyAccess"] and alice["active"] is True
    assert alice["last_activity_at"] and alice["first_seen_at"]
    assert alice["new_since_last_review"] is False
    assert alice["reviewer"] == admin.user.email and alice["decision"] == "pending"
    assert alice["note"] == "" and alice["decided_by"] == "" and alice["decided_at"] is None


def test_items_filter_as_a_reviewer_works_through_them(admin, aws, review):
    # given one item approved
    carol = item_ids(admin.client, review, q="carol")
    decide(admin.client, review, items=carol, decision="approved")
    source_id = review["sources"][0]["id"]

    def names(**query: Any) -> list[str]:
        return [item["name"] for item in items_of(admin.client, review, **query)]

    # when / then each filter keeps what it says
    assert names(admin="true") == ["alice"]
    assert names(inactive="true") == ["bob"]
    assert names(decision="approved") == ["carol"]
    assert names(decision="pending") == ["alice", "bob"]
    assert names(q="ALI") == ["alice"]
    assert names(q="user/bob") == ["bob"]
    assert names(q="") == ["alice", "bob", "carol"]
    assert names(source=source_id) == ["alice", "bob", "carol"]
    assert names(mine="true") == ["alice", "bob", "carol"]
    assert names(new="true") == []
    assert names(source="00000000-0000-0000-0000-000000000000") == []


def test_items_refuse_bad_filters(admin, review):
    for query in ({"decision": "maybe"}, {"source": "x"}, {"admin": "perhaps"}, {"reviewer": "me"}):
        assert admin.client.get(f"{URL}/{review['id']}/items", query).status_code == 400, query


def test_reviewers_lists_who_may_review(admin, caller, tenant):
    # given a member and a viewer
    member = caller(tenant, Role.MEMBER)
    caller(tenant, Role.VIEWER)
    # when
    response = admin.client.get(f"{URL}/reviewers")
    # then only those who can write are offered, with the id reviewer_id takes
    assert response.status_code == 200
    assert {(r["id"], r["email"]) for r in response.json()["results"]} == {
        (admin.user.pk, admin.user.email),
        (member.user.pk, member.user.email),
    }


# --- decisions --------------------------------------------------------------------------------------------------


def test_approve_and_revoke_in_bulk(admin, review):
    # given
    alice, bob, carol = item_ids(admin.client, review)
    # when two are approved and one revoked with a reason
    approved = decide(admin.client, review, items=[alice, carol], decision="approved")
    revoked = decide(admin.client, review, items=[bob], decision="revoked", note="Left the company in June.")
    # then each answer counts what it changed, and the items say who decided what
    assert approved.status_code == 200 and approved.json() == {"updated": 2}
    assert revoked.status_code == 200 and revoked.json() == {"updated": 1}
    by_name = {item["name"]: item for item in items_of(admin.client, review)}
    assert by_name["bob"]["decision"] == "revoked" and by_name["bob"]["note"] == "Left the company in June."
    assert by_name["alice"]["decision"] == "approved" and by_name["alice"]["decided_by"] == admin.user.email
    assert by_name["alice"]["decided_at"] is not None


def test_a_revocation_without_a_note_is_a_400_on_note(admin, review):
    # when
    response = decide(admin.client, review, items=item_ids(admin.client, review)[:1], decision="revoked")
    # then nothing is decided
    assert response.status_code == 400 and set(response.json()) == {"note"}
    assert not ReviewItem.objects.exclude(decision="pending").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"items": [], "decision": "approved"}, "items"),
        ({"items": ["x"], "decision": "approved"}, "items"),
        ({"items": ["00000000-0000-0000-0000-000000000000"], "decision": "approved"}, "items"),
        ({"decision": "approved"}, "items"),
        ({"items": None, "decision": "pending"}, "decision"),
        ({"items": None, "decision": "reassign"}, "reviewer_id"),
        ({"items": None, "decision": "approved", "reviewer": 1}, "reviewer"),
    ],
    ids=["no items", "malformed id", "item not in review", "items missing", "pending", "reassign to no one", "unknown"],
)
def test_bad_decisions_are_400s_naming_the_field(admin, review, payload, field):
    # given the review's first item wherever the payload says None
    if payload.get("items", []) is None:
        payload = {**payload, "items": item_ids(admin.client, review)[:1]}
    # when / then
    response = decide(admin.client, review, **payload)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_reassign_hands_items_to_another_reviewer_who_sees_them_as_theirs(admin, caller, tenant, review):
    # given a member, and one item the admin had approved
    member = caller(tenant, Role.MEMBER)
    alice = item_ids(admin.client, review, q="alice")
    decide(admin.client, review, items=alice, decision="approved")
    # when the admin hands it to the member
    response = decide(admin.client, review, items=alice, decision="reassign", reviewer_id=member.user.pk, note="Yours")
    # then it is pending again, theirs, and they can decide it (and nothing else)
    assert response.status_code == 200 and response.json() == {"updated": 1}
    [mine] = items_of(member.client, review, mine="true")
    assert mine["id"] == alice[0] and mine["decision"] == "pending" and mine["reviewer"] == member.user.email
    assert decide(member.client, review, items=alice, decision="approved").status_code == 200
    others = item_ids(admin.client, review, q="bob")
    assert decide(member.client, review, items=others, decision="approved").status_code == 403


def test_reassign_to_someone_who_cannot_review_is_a_400_on_reviewer_id(admin, caller, tenant, review):
    viewer = caller(tenant, Role.VIEWER)
    response = decide(
        admin.client, review, items=item_ids(admin.client, review)[:1], decision="reassign", reviewer_id=viewer.user.pk
    )
    assert response.status_code == 400 and set(response.json()) == {"reviewer_id"}


# --- complete and cancel ----------------------------------------------------------------------------------------


def test_complete_is_a_409_while_items_are_pending(admin, review):
    # given one item still pending
    alice, bob, _ = item_ids(admin.client, review)
    decide(admin.client, review, items=[alice, bob], decision="approved")
    # when
    response = admin.client.post(f"{URL}/{review['id']}/complete")
    # then the review stays open
    assert response.status_code == 409 and "pending" in response.json()["detail"]
    assert ReviewCampaign.objects.get(pk=review["id"]).status == "open"
    assert not Evidence.objects.exists()


def test_complete_stores_the_decisions_as_evidence_and_schedules_the_next_review(
    admin, tenant, review, loaded_frameworks
):
    # given SOC 2 active, and every account decided
    TenantFramework.objects.get_or_create(tenant=tenant, framework=Framework.objects.get(key="soc2"))
    alice, bob, carol = item_ids(admin.client, review)
    decide(admin.client, review, items=[alice, carol], decision="approved")
    decide(admin.client, review, items=[bob], decision="revoked", note="Idle for 200 days.")
    # when
    response = admin.client.post(f"{URL}/{review['id']}/complete")
    # then the review is completed, its evidence stored, the next quarter scheduled
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "completed" and data["completed_by"] == admin.user.email and data["completed_at"]
    assert len(data["decisions_sha256"]) == 64
    assert data["progress"] == {"total": 3, "pending": 0, "approved": 2, "revoked": 1, "decided": 3, "percent": 100}
    evidence = Evidence.objects.filter(tenant=tenant, pk__in=[data["evidence_csv_id"], data["evidence_pdf_id"]])
    assert {e.filename.rsplit(".", 1)[-1] for e in evidence} == {"csv", "pdf"}
    successor = admin.client.get(f"{URL}/{data['next_review_id']}").json()
    assert successor["status"] == "scheduled" and successor["previous_review_id"] == review["id"]
    assert successor["due_date"] > data["due_date"]
    # and a completed review takes no more decisions
    assert decide(admin.client, review, items=[alice], decision="approved").status_code == 409


def test_a_review_after_a_completed_one_flags_new_accounts(admin, aws, review):
    # given the first review completed, then a new account seen by a scan
    ids = item_ids(admin.client, review)
    decide(admin.client, review, items=ids, decision="approved")
    assert admin.client.post(f"{URL}/{review['id']}/complete").status_code == 200
    seed(aws, account("arn:aws:iam::1:user/alice", admin=True), account("arn:aws:iam::1:user/dave", name="dave"))
    # when a new review of the same integration opens
    second = admin.client.post(URL, body(aws, admin.user, name="Q1 access review"), format="json").json()
    # then only the account absent from the first review is new
    assert [item["name"] for item in items_of(admin.client, second, new="true")] == ["dave"]


def test_cancel_needs_an_admin_and_a_reason(admin, caller, tenant, review):
    # given a member
    member = caller(tenant, Role.MEMBER)
    # when / then
    assert member.client.post(f"{URL}/{review['id']}/cancel", {"reason": "x"}, format="json").status_code == 403
    missing = admin.client.post(f"{URL}/{review['id']}/cancel", {}, format="json")
    assert missing.status_code == 400 and set(missing.json()) == {"reason"}
    response = admin.client.post(f"{URL}/{review['id']}/cancel", {"reason": "Duplicate."}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    again = admin.client.post(f"{URL}/{review['id']}/cancel", {"reason": "Duplicate."}, format="json")
    assert again.status_code == 409


# --- roles and tenants ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AUDITOR])
def test_read_roles_read_but_cannot_write(caller, tenant, aws, admin, review, role):
    # given a reader
    reader = caller(tenant, role)
    first = item_ids(admin.client, review)[:1]
    # when / then reads answer, every write is refused
    assert reader.client.get(URL).status_code == 200
    assert reader.client.get(f"{URL}/{review['id']}").status_code == 200
    assert reader.client.get(f"{URL}/{review['id']}/items").status_code == 200
    assert reader.client.post(URL, body(aws, admin.user), format="json").status_code == 403
    assert decide(reader.client, review, items=first, decision="approved").status_code == 403
    assert reader.client.post(f"{URL}/{review['id']}/complete").status_code == 403
    assert reader.client.post(f"{URL}/{review['id']}/cancel", {"reason": "x"}, format="json").status_code == 403
    assert ReviewCampaign.objects.count() == 1
    assert not ReviewItem.objects.exclude(decision="pending").exists()


def test_a_member_who_is_not_a_reviewer_cannot_complete(caller, tenant, admin, review):
    # given every item decided
    decide(admin.client, review, items=item_ids(admin.client, review), decision="approved")
    # when a member who reviews nothing completes it
    response = caller(tenant, Role.MEMBER).client.post(f"{URL}/{review['id']}/complete")
    # then
    assert response.status_code == 403


def test_another_tenants_review_is_a_404(caller, other_tenant, admin, review):
    # given an admin of another tenant
    stranger = caller(other_tenant, Role.ADMIN)
    item = item_ids(admin.client, review)[:1]
    path = f"{URL}/{review['id']}"
    # when / then every route answers as for a missing review, and nothing changes
    assert stranger.client.get(path).status_code == 404
    assert stranger.client.get(f"{path}/items").status_code == 404
    assert decide(stranger.client, review, items=item, decision="approved").status_code == 404
    assert stranger.client.post(f"{path}/complete").status_code == 404
    assert stranger.client.post(f"{path}/cancel", {"reason": "x"}, format="json").status_code == 404
    assert stranger.client.get(URL).json()["count"] == 0
    assert ReviewCampaign.objects.get(pk=review["id"]).status == "open"


# --- schema -----------------------------------------------------------------------------------------------------


def test_the_schema_describes_the_endpoints_without_warnings():
    # given no warning left from earlier generations
    GENERATOR_STATS.reset()
    # when the schema is generated
    schema = SchemaGenerator().get_schema(request=None, public=True)
    # then every endpoint is there, and drf-spectacular had nothing to guess about
    assert {
        "/api/access-reviews",
        "/api/access-reviews/{id}",
        "/api/access-reviews/{id}/items",
        "/api/access-reviews/{id}/decisions",
        "/api/access-reviews/{id}/complete",
        "/api/access-reviews/{id}/cancel",
        "/api/access-reviews/reviewers",
    } <= set(schema["paths"])
    problems = [m for m in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache] if "AccessReview" in m]
    assert not problems
    items = schema["paths"]["/api/access-reviews/{id}/items"]["get"]
    assert {"source", "decision", "admin", "inactive", "new", "mine", "q", "limit", "offset"} <= {
        p["name"] for p in items["parameters"]
    }
