"""Evidence requirements: "this control needs a document, renewed every N days", set per tenant by admins."""

from __future__ import annotations

import pytest

from complywise.choices import Role
from complywise.models import AuditEvent
from frameworks.models import ControlApplicability, ControlEvidenceRequirement, TenantFramework
from tests.contracts import ObjectEndpointContract, random_id
from tests.factories import MembershipFactory
from tests.frameworks.factories import ControlCheckFactory, ControlFactory, CustomFrameworkFactory, FrameworkFactory

pytestmark = pytest.mark.django_db


def requirement_url(control) -> str:
    return f"/api/controls/{control.pk}/evidence-requirement"


def defaults_url(framework) -> str:
    return f"/api/frameworks/{framework.pk}/require-documents"


class TestSetRequirementContract(ObjectEndpointContract):
    method = "put"
    allowed_roles = (Role.ADMIN,)

    def url(self, tenant):
        return requirement_url(ControlFactory(framework=CustomFrameworkFactory(tenant=tenant)))

    def missing_url(self):
        return f"/api/controls/{random_id()}/evidence-requirement"

    def payload(self, tenant):
        return {"renewal_days": 365}


class TestDeleteRequirementContract(ObjectEndpointContract):
    method = "delete"
    allowed_roles = (Role.ADMIN,)

    def url(self, tenant):
        return requirement_url(ControlFactory(framework=CustomFrameworkFactory(tenant=tenant)))

    def missing_url(self):
        return f"/api/controls/{random_id()}/evidence-requirement"


class TestRequireDocumentsContract(ObjectEndpointContract):
    method = "post"
    allowed_roles = (Role.ADMIN,)

    def url(self, tenant):
        return defaults_url(CustomFrameworkFactory(tenant=tenant))

    def missing_url(self):
        return f"/api/frameworks/{random_id()}/require-documents"


def test_an_admin_requires_a_document_with_owner_and_due_date_and_the_detail_shows_it(admin_client, tenant):
    # given a shipped control and a member who will own the document
    control = ControlFactory()
    owner = MembershipFactory(tenant=tenant, role=Role.MEMBER)
    # when
    response = admin_client.put(
        requirement_url(control),
        {"renewal_days": 365, "owner_id": str(owner.pk), "due_date": "2027-01-31"},
        format="json",
    )
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["renewal_days"] == 365
    assert body["owner_id"] == str(owner.pk)
    assert body["owner_email"] == owner.user.email
    assert body["due_date"] == "2027-01-31"
    assert body["set_by"]
    stored = ControlEvidenceRequirement.objects.for_tenant(tenant).get(control=control)
    assert stored.renewal_days == 365 and stored.owner == owner
    # and the control detail shows the same requirement
    assert admin_client.get(f"/api/controls/{control.pk}").json()["evidence_requirement"] == body
    # and the change is in the audit log
    event = AuditEvent.objects.for_tenant(tenant).get(action="control.evidence_requirement_set")
    assert event.data["from"] is None
    assert event.data["to"] == {"renewal_days": 365, "owner": owner.user.email, "due_date": "2027-01-31"}


def test_setting_again_replaces_and_audits_from_and_to(admin_client, tenant):
    # given a requirement of a year
    control = ControlFactory()
    admin_client.put(requirement_url(control), {"renewal_days": 365}, format="json")
    # when it is shortened to a quarter
    response = admin_client.put(requirement_url(control), {"renewal_days": 90}, format="json")
    # then there is still one requirement, now of 90 days, and the trail says so
    assert response.status_code == 200
    assert ControlEvidenceRequirement.objects.for_tenant(tenant).get(control=control).renewal_days == 90
    last = AuditEvent.objects.for_tenant(tenant).filter(action="control.evidence_requirement_set").latest("created_at")
    assert last.data["from"]["renewal_days"] == 365 and last.data["to"]["renewal_days"] == 90


def test_delete_drops_it_is_audited_and_is_idempotent(admin_client, tenant):
    # given
    control = ControlFactory()
    admin_client.put(requirement_url(control), {"renewal_days": 30}, format="json")
    # when
    first = admin_client.delete(requirement_url(control))
    again = admin_client.delete(requirement_url(control))
    # then
    assert first.status_code == 204 and again.status_code == 204
    assert not ControlEvidenceRequirement.objects.for_tenant(tenant).exists()
    assert admin_client.get(f"/api/controls/{control.pk}").json()["evidence_requirement"] is None
    assert AuditEvent.objects.for_tenant(tenant).filter(action="control.evidence_requirement_deleted").count() == 1


@pytest.mark.parametrize("days", [0, -1, 3651, "a year", None, 1.5])
def test_renewal_days_out_of_range_is_400_naming_it_and_stores_nothing(admin_client, tenant, days):
    # given
    control = ControlFactory()
    # when
    response = admin_client.put(requirement_url(control), {"renewal_days": days}, format="json")
    # then
    assert response.status_code == 400, response.content
    assert "renewal_days" in response.json()
    assert not ControlEvidenceRequirement.objects.exists()


@pytest.mark.parametrize("days", [1, 3650])
def test_renewal_days_bounds_are_accepted(admin_client, days):
    # given
    control = ControlFactory()
    # when
    response = admin_client.put(requirement_url(control), {"renewal_days": days}, format="json")
    # then
    assert response.status_code == 200, response.content
    assert response.json()["renewal_days"] == days


def test_an_owner_of_another_tenant_or_unknown_is_400_and_stores_nothing(admin_client, tenant, other_tenant):
    # given a member of another tenant
    control = ControlFactory()
    foreigner = MembershipFactory(tenant=other_tenant)
    for owner_id in (str(foreigner.pk), random_id()):
        # when
        response = admin_client.put(requirement_url(control), {"renewal_days": 90, "owner_id": owner_id}, format="json")
        # then
        assert response.status_code == 400, response.content
        assert "owner_id" in response.json()
    assert not ControlEvidenceRequirement.objects.exists()


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VIEWER, Role.AUDITOR])
def test_non_admins_cannot_set_or_drop(client_for, tenant, role):
    # given
    control = ControlFactory()
    client = client_for(tenant, role)
    # when
    put = client.put(requirement_url(control), {"renewal_days": 90}, format="json")
    delete = client.delete(requirement_url(control))
    defaults = client.post(defaults_url(control.framework), {}, format="json")
    # then
    assert (put.status_code, delete.status_code, defaults.status_code) == (403, 403, 403)
    assert not ControlEvidenceRequirement.objects.exists()


def test_when_the_owner_leaves_the_requirement_shows_no_owner(admin_client, tenant):
    # given a requirement owned by a member
    control = ControlFactory()
    owner = MembershipFactory(tenant=tenant)
    admin_client.put(requirement_url(control), {"renewal_days": 90, "owner_id": str(owner.pk)}, format="json")
    # when the member leaves
    owner.delete()
    # then the requirement stays, without an owner
    body = admin_client.get(f"/api/controls/{control.pk}").json()["evidence_requirement"]
    assert body["renewal_days"] == 90 and body["owner_id"] is None and body["owner_email"] is None


# --------------------------------------------------------------------------- one click for unautomated controls


def test_one_click_requires_documents_only_where_no_check_covers_and_keeps_existing(admin_client, tenant):
    # given a framework with an automated control, two unautomated ones (one an access review), one excluded,
    # and one that already has its own requirement
    framework = FrameworkFactory()
    TenantFramework.objects.create(tenant=tenant, framework=framework)
    automated = ControlCheckFactory(control__framework=framework).control
    policy = ControlFactory(framework=framework, ref="P-1", title="Information security policy")
    review = ControlFactory(framework=framework, ref="P-2", title="Periodic user access review")
    excluded = ControlFactory(framework=framework, ref="P-3")
    ControlApplicability.objects.create(
        tenant=tenant, control=excluded, applicable=False, justification="No office.", decided_at="2026-01-01T00:00Z"
    )
    custom = ControlFactory(framework=framework, ref="P-4")
    admin_client.put(requirement_url(custom), {"renewal_days": 30}, format="json")
    # when
    response = admin_client.post(defaults_url(framework), {}, format="json")
    # then
    assert response.status_code == 201, response.content
    assert response.json() == {"created": 2, "control_refs": ["P-1", "P-2"]}
    days = dict(ControlEvidenceRequirement.objects.for_tenant(tenant).values_list("control__ref", "renewal_days"))
    assert days == {"P-1": 365, "P-2": 90, "P-4": 30}
    assert automated.ref not in days and excluded.ref not in days
    assert policy.ref in days and review.ref in days
    # and a second click creates nothing more
    assert admin_client.post(defaults_url(framework), {}, format="json").json()["created"] == 0


def test_one_click_with_renewal_and_owner_applies_them(admin_client, tenant):
    # given
    framework = FrameworkFactory()
    ControlFactory(framework=framework)
    owner = MembershipFactory(tenant=tenant)
    # when
    response = admin_client.post(
        defaults_url(framework), {"renewal_days": 180, "owner_id": str(owner.pk)}, format="json"
    )
    # then
    assert response.status_code == 201
    requirement = ControlEvidenceRequirement.objects.for_tenant(tenant).get()
    assert requirement.renewal_days == 180 and requirement.owner == owner


def test_one_click_on_another_tenants_framework_is_404(admin_client, other_tenant):
    # given
    foreign = CustomFrameworkFactory(tenant=other_tenant)
    ControlFactory(framework=foreign)
    # when
    response = admin_client.post(defaults_url(foreign), {}, format="json")
    # then
    assert response.status_code == 404
    assert not ControlEvidenceRequirement.objects.exists()
