"""The framework catalog with activation toggles, and one framework's controls with their latest verdicts."""

import pytest

from complywise.models import AuditEvent
from frameworks.models import Framework, TenantFramework

from .factories import custom_framework

pytestmark = pytest.mark.django_db


def test_list_shows_counts_and_active_state(admin_web, tenant, scan_data):
    # given a global framework not activated
    Framework.objects.create(key="nist", name="NIST test", version="5")
    # when
    page = admin_web.get("/frameworks/").content.decode()
    # then
    assert "Acme controls" in page and "NIST test" in page
    assert page.index("Acme controls") < page.index("NIST test")  # active first
    assert "Active" in page and "Inactive" in page
    assert ">3<" in page.replace(" ", "")  # control count of the custom framework


def test_admin_activates_and_deactivates(admin_web, tenant):
    # given
    framework = Framework.objects.create(key="nist", name="NIST test", version="5")
    url = f"/frameworks/{framework.pk}/activation/"
    # when
    activated = admin_web.post(url, {"active": "true"}, follow=True)
    # then
    assert TenantFramework.objects.filter(tenant=tenant, framework=framework).exists()
    assert "NIST test 5 activated" in activated.content.decode()
    # when
    admin_web.post(url, {"active": "false", "next": "/settings/#frameworks"})
    # then
    assert not TenantFramework.objects.filter(tenant=tenant, framework=framework).exists()
    assert AuditEvent.objects.filter(action="framework.deactivated").exists()


def test_detail_lists_controls_in_natural_order_with_latest_verdicts(admin_web, scan_data):
    # when
    page = admin_web.get(f"/frameworks/{scan_data.framework.pk}/").content.decode()
    # then the latest scan's verdicts, linked to that scan filtered on the control
    assert page.index("CTL-1") < page.index("CTL-2") < page.index("CTL-3")
    assert f"/scans/{scan_data.job.pk}/?q=CTL-2#results" in page
    rows = page[page.index("<tbody>") :]
    assert rows.count("badge-pass") == 1 and rows.count("badge-fail") == 1 and rows.count("badge-not-applicable") == 1
    # and the summary counts
    assert "Latest verdicts" in page


def test_detail_search(admin_web, tenant):
    framework, _ = custom_framework(tenant, controls=12)
    page = admin_web.get(f"/frameworks/{framework.pk}/", {"q": "number 11"}).content.decode()
    assert "CTL-11" in page and "CTL-1<" not in page


def test_another_tenants_custom_framework_is_404(web_login, other_tenant, scan_data):
    outsider = web_login(other_tenant)
    assert outsider.get(f"/frameworks/{scan_data.framework.pk}/").status_code == 404
    assert "Acme controls" not in outsider.get("/frameworks/").content.decode()
