"""The Django admin pages of frameworks render for staff."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory
from tests.frameworks.factories import ControlCheckFactory, TenantFrameworkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
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
