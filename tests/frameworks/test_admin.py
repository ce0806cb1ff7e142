"""The Django admin pages of frameworks render for staff."""

from __future__ import annotations

import pytest

from frameworks.scope import control_evidence_requirement_set
from tests.complywise.accounts_support import verified_login
from tests.evidence.factories import active_control, manual_evidence
from tests.factories import MembershipFactory, UserFactory
from tests.frameworks.factories import ControlCheckFactory, TenantFrameworkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    verified_login(client, user)
    return client


def test_admin_pages_render(staff_client, tenant):
    # given a framework with a mapped control, activated by a tenant
    mapping = ControlCheckFactory()
    control = mapping.control
    TenantFrameworkFactory(tenant=tenant, framework=control.framework)
    pages = [
        "/admin/frameworks/framework/",
        "/admin/frameworks/framework/?q=framework",
        f"/admin/frameworks/framework/{control.framework.pk}/change/",
        "/admin/frameworks/control/",
        f"/admin/frameworks/control/?q={control.ref}&framework__id__exact={control.framework.pk}",
        f"/admin/frameworks/control/{control.pk}/change/",
        "/admin/frameworks/tenantframework/",
    ]
    for page in pages:
        # when
        response = staff_client.get(page)
        # then
        assert response.status_code == 200, page
    assert mapping.check_id in staff_client.get(f"/admin/frameworks/control/{control.pk}/change/").content.decode()


def test_requirement_and_linked_evidence_admin_pages_render_read_only(staff_client, tenant):
    # given a requirement with an owner, and a document linked to two controls
    control, other = active_control(tenant), active_control(tenant)
    owner = MembershipFactory(tenant=tenant)
    requirement = control_evidence_requirement_set(
        tenant=tenant, control=control, renewal_days=90, owner_id=owner.pk, actor=None
    )
    document = manual_evidence(tenant=tenant, control=control, control_ids=[other.pk])
    # when
    listing = staff_client.get("/admin/frameworks/controlevidencerequirement/")
    detail = staff_client.get(f"/admin/frameworks/controlevidencerequirement/{requirement.pk}/change/")
    evidence = staff_client.get(f"/admin/evidence/evidence/{document.pk}/change/")
    # then
    assert listing.status_code == 200 and owner.user.email in listing.content.decode()
    assert detail.status_code == 200 and b"Save" not in detail.content
    assert evidence.status_code == 200 and other.ref in evidence.content.decode()
