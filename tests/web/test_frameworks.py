"""The framework catalog with activation toggles, and one framework's controls with their latest verdicts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complywise.choices import Role
from complywise.models import AuditEvent
from frameworks.models import ControlCheck, ControlEvidenceRequirement, Framework, TenantFramework
from frameworks.scope import control_applicability_set
from scans.posture_selectors import framework_posture

from .factories import custom_framework, evidence_for

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


def test_detail_lists_controls_in_natural_order_with_their_status_now(admin_web, scan_data):
    # when
    page = admin_web.get(f"/frameworks/{scan_data.framework.pk}/").content.decode()
    # then each control's live status (the latest scan's checks, no documents), linked to that scan's result
    assert page.index("CTL-1") < page.index("CTL-2") < page.index("CTL-3")
    assert f"/scans/{scan_data.job.pk}/?q=CTL-2#results" in page
    rows = page[page.index("<tbody>") :]
    assert rows.count('data-status="pass" data-basis="automated"') == 1
    assert rows.count('data-status="fail" data-basis="automated"') == 1
    assert rows.count('data-status="not-applicable" data-basis="unassessed"') == 1
    # and the summary of the latest scan
    assert "Latest scan" in page and "score 50%" in page


def test_detail_search(admin_web, tenant):
    framework, _ = custom_framework(tenant, controls=12)
    page = admin_web.get(f"/frameworks/{framework.pk}/", {"q": "number 11"}).content.decode()
    assert "CTL-11" in page and "CTL-1<" not in page


def test_another_tenants_custom_framework_is_404(web_login, other_tenant, scan_data):
    outsider = web_login(other_tenant)
    assert outsider.get(f"/frameworks/{scan_data.framework.pk}/").status_code == 404
    assert "Acme controls" not in outsider.get("/frameworks/").content.decode()


# --- the one-click default: documents for every control no check covers ---------------------------------------


def require_url(framework) -> str:
    return f"/frameworks/{framework.pk}/require-documents/"


@pytest.fixture
def manual_framework(tenant):
    """CTL-1 has a check, CTL-2 is excluded, CTL-3 already requires a document; CTL-4 and CTL-5 need one."""
    framework, controls = custom_framework(tenant, key="manual", controls=5)
    ControlCheck.objects.create(control=controls[0], check_id="aws.iam.root_mfa_enabled")
    control_applicability_set(
        tenant=tenant, control=controls[1], applicable=False, justification="No office.", actor=None
    )
    ControlEvidenceRequirement.objects.create(tenant=tenant, control=controls[2], renewal_days=30)
    return framework, controls


def test_an_admin_requires_documents_for_every_unautomated_control_in_one_click(admin_web, tenant, manual_framework):
    # given
    framework, _ = manual_framework
    page = admin_web.get(f"/frameworks/{framework.pk}/").content.decode()
    assert "Require documents for every unautomated control" in page
    # when the admin clicks with the defaults
    response = admin_web.post(require_url(framework), {"renewal_days": "", "owner": ""}, follow=True)
    # then only the two applicable controls without a check and without a requirement get one, with the default
    required = dict(ControlEvidenceRequirement.objects.for_tenant(tenant).values_list("control__ref", "renewal_days"))
    assert required == {"CTL-3": 30, "CTL-4": 365, "CTL-5": 365}
    page = response.content.decode()
    assert "2 controls without automated checks now require a document" in page
    # and the page shows them failing on a missing document
    rows = page[page.index("<tbody>") :]
    assert rows.count('data-state="missing"') == 3
    # when clicked again nothing more is created
    again = admin_web.post(require_url(framework), {}, follow=True).content.decode()
    assert "already requires a document" in again
    assert ControlEvidenceRequirement.objects.count() == 3


def test_the_one_click_takes_a_renewal_and_an_owner(admin_web, web_login, tenant, manual_framework):
    # given
    framework, _ = manual_framework
    owner = web_login(tenant, Role.MEMBER).membership
    # when
    admin_web.post(require_url(framework), {"renewal_days": "90", "owner": str(owner.pk)})
    # then
    created = ControlEvidenceRequirement.objects.for_tenant(tenant).exclude(control__ref="CTL-3")
    assert sorted(created.values_list("renewal_days", "owner_id")) == [(90, owner.pk), (90, owner.pk)]


@pytest.mark.parametrize("days", ["0", "3651"])
def test_the_one_click_refuses_a_renewal_out_of_range(admin_web, manual_framework, days):
    # when
    response = admin_web.post(require_url(manual_framework[0]), {"renewal_days": days})
    # then
    assert response.status_code == 400
    page = response.content.decode()
    field = page[page.index('for="require_renewal_days"') :]
    assert 'class="error"' in field[: field.index("</div>")]
    assert ControlEvidenceRequirement.objects.count() == 1


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VIEWER, Role.AUDITOR])
def test_only_admins_get_the_one_click(web_login, tenant, manual_framework, role):
    # given
    client = web_login(tenant, role)
    framework, _ = manual_framework
    # when
    page = client.get(f"/frameworks/{framework.pk}/").content.decode()
    response = client.post(require_url(framework), {})
    # then
    assert require_url(framework) not in page
    assert response.status_code == 403
    assert ControlEvidenceRequirement.objects.count() == 1


# --- the Statement of Applicability, live --------------------------------------------------------------------


def test_the_soa_shows_every_control_with_scope_status_basis_documents_owner_and_next_due(
    admin_web, web_login, tenant, scan_data
):
    # given CTL-1 passing its checks, CTL-2 failing them, CTL-3 excluded; a requirement with an owner on CTL-1
    # and a fresh document for it; a requirement on CTL-2 with no document
    ctl1, ctl2, ctl3 = scan_data.controls
    owner = web_login(tenant, Role.MEMBER).membership
    ControlEvidenceRequirement.objects.create(tenant=tenant, control=ctl1, renewal_days=365, owner=owner)
    ControlEvidenceRequirement.objects.create(tenant=tenant, control=ctl2, renewal_days=90)
    collected = timezone.now() - timedelta(days=10)
    evidence_for(tenant, ctl1, name="policy.txt", title="Access policy", collected_at=collected)
    control_applicability_set(tenant=tenant, control=ctl3, applicable=False, justification="No office.", actor=None)
    # when
    page = admin_web.get(f"/frameworks/{scan_data.framework.pk}/soa/").content.decode()

    # then each control's row says it
    def row(ref: str) -> str:
        start = page.index(f'data-control="{ref}"')
        return page[start : page.index("</tr>", start)]

    assert 'data-status="pass" data-basis="automated+manual"' in row("CTL-1")
    assert 'data-state="fresh"' in row("CTL-1") and "Access policy" in row("CTL-1") and owner.user.email in row("CTL-1")
    assert (collected + timedelta(days=365)).strftime("%-d %b %Y") in row("CTL-1")
    assert 'data-status="fail" data-basis="automated+manual"' in row("CTL-2")
    assert 'data-state="missing"' in row("CTL-2") and "no owner" in row("CTL-2")
    assert 'data-status="not-applicable" data-basis="excluded"' in row("CTL-3")
    assert ">No<" in row("CTL-3") and "No office." in row("CTL-3")
    # and the summary: 1 pass of 2 assessed, both applicable controls assessed, nothing that could not evaluate
    summary = page[page.index("soa-summary") : page.index("</dl>", page.index("soa-summary"))]
    assert "<dt>Score</dt><dd>50%</dd>" in summary
    assert "<dt>Coverage</dt><dd>100%" in summary
    assert "<dt>Could not evaluate</dt><dd>0</dd>" in summary
    assert "<dt>Excluded</dt><dd>1</dd>" in summary


def test_the_framework_page_and_the_soa_agree_with_the_live_posture(admin_web, tenant, scan_data):
    # given documents that change CTL-1 (expired) and CTL-3 (now assessed on documents) since the scan
    ctl1, _, ctl3 = scan_data.controls
    ControlEvidenceRequirement.objects.create(tenant=tenant, control=ctl1, renewal_days=30)
    evidence_for(tenant, ctl1, name="old.txt", collected_at=timezone.now() - timedelta(days=31))
    evidence_for(tenant, ctl3, name="new.txt")
    expected = {
        p.control.ref: f'data-status="{p.verdict.status}" data-basis="{p.verdict.basis}"'
        for p in framework_posture(tenant=tenant, framework=scan_data.framework).controls
    }
    assert expected["CTL-1"] == 'data-status="fail" data-basis="automated+manual"'
    assert expected["CTL-3"] == 'data-status="pass" data-basis="manual"'
    # when
    detail = admin_web.get(f"/frameworks/{scan_data.framework.pk}/").content.decode()
    soa = admin_web.get(f"/frameworks/{scan_data.framework.pk}/soa/").content.decode()
    # then both pages show, for each control, the status and basis the posture selector gives
    for page in (detail, soa):
        for ref, marker in expected.items():
            start = page.index(f'data-control="{ref}"')
            assert marker in page[start : page.index("</tr>", start)], (ref, marker)
