"""Applicability on the control page (shown to all, decided by admins) and the printable Statement of Applicability."""

import pytest

from complywise.choices import Role
from complywise.models import AuditEvent
from frameworks.models import ControlApplicability, ControlEvidenceRequirement

pytestmark = pytest.mark.django_db

JUSTIFICATION = "We run no offices: physical security is the data centre provider's."


def applicability_url(control) -> str:
    return f"/controls/{control.pk}/applicability/"


def test_an_admin_excludes_a_control_from_its_page_and_the_page_shows_why(admin_web, tenant, scan_data):
    # given an admin on the page of an applicable control, which offers the form
    control = scan_data.failing
    page = admin_web.get(f"/controls/{control.pk}/").content.decode()
    assert "In scope" in page and f'action="{applicability_url(control)}"' in page
    # when they exclude it with a justification
    response = admin_web.post(applicability_url(control), {"applicable": "false", "justification": JUSTIFICATION})
    # then they are back on the control, which now says excluded, by whom and why
    assert response.status_code == 302
    assert response["Location"] == f"/controls/{control.pk}/#applicability"
    page = admin_web.get(response["Location"]).content.decode()
    assert "Excluded from scope by" in page and admin_web.membership.user.email in page
    assert JUSTIFICATION.replace("'", "&#x27;") in page
    assert ControlApplicability.objects.for_tenant(tenant).get(control=control).applicable is False
    assert AuditEvent.objects.for_tenant(tenant).filter(action="control.applicability_changed").count() == 1


def test_excluding_without_a_justification_shows_the_error_on_the_field(admin_web, tenant, scan_data):
    # given
    control = scan_data.failing
    # when
    response = admin_web.post(applicability_url(control), {"applicable": "false", "justification": "  "})
    # then the page comes back with the error next to the justification and nothing is stored
    assert response.status_code == 400
    assert "Say why this control is excluded from scope." in response.content.decode()
    assert not ControlApplicability.objects.exists()


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VIEWER, Role.AUDITOR])
def test_only_admins_see_and_use_the_form(web_login, tenant, scan_data, role):
    # given a non-admin
    client = web_login(tenant, role)
    control = scan_data.failing
    # when
    page = client.get(f"/controls/{control.pk}/").content.decode()
    response = client.post(applicability_url(control), {"applicable": "false", "justification": JUSTIFICATION})
    # then they see the applicability but no form, and a post is refused
    assert "Applicability" in page and applicability_url(control) not in page
    assert response.status_code == 403
    assert not ControlApplicability.objects.exists()


def test_the_framework_page_links_to_a_printable_soa_with_every_control(admin_web, tenant, scan_data):
    # given one excluded control of the framework
    admin_web.post(applicability_url(scan_data.failing), {"applicable": "false", "justification": JUSTIFICATION})
    framework = scan_data.framework
    # when
    detail = admin_web.get(f"/frameworks/{framework.pk}/").content.decode()
    soa = admin_web.get(f"/frameworks/{framework.pk}/soa/").content.decode()
    # then
    assert f'href="/frameworks/{framework.pk}/soa/"' in detail
    assert "Statement of Applicability" in soa
    for control in framework.controls.all():
        assert control.ref in soa
    assert JUSTIFICATION.replace("'", "&#x27;") in soa


def test_excluding_a_control_that_fails_on_documents_takes_it_out_of_the_score_at_once(admin_web, tenant, scan_data):
    # given CTL-1 (passing its checks) requires a document nobody uploaded: it fails now
    control = scan_data.controls[0]
    ControlEvidenceRequirement.objects.create(tenant=tenant, control=control, renewal_days=365)
    before = admin_web.get(f"/controls/{control.pk}/").content.decode()
    assert 'data-status="fail" data-basis="automated+manual"' in before
    soa_url = f"/frameworks/{scan_data.framework.pk}/soa/"
    assert "<dt>Score</dt><dd>0%</dd>" in admin_web.get(soa_url).content.decode()
    # when an admin excludes it, without any new scan
    admin_web.post(applicability_url(control), {"applicable": "false", "justification": JUSTIFICATION})
    # then the control page and the SoA show it excluded, and the score no longer counts it
    after = admin_web.get(f"/controls/{control.pk}/").content.decode()
    assert 'data-status="not-applicable" data-basis="excluded"' in after
    soa = admin_web.get(soa_url).content.decode()
    assert "<dt>Score</dt><dd>0%</dd>" in soa  # CTL-2 still fails its checks, nothing else is assessed
    assert "<dt>Excluded</dt><dd>1</dd>" in soa
    row = soa[soa.index(f'data-control="{control.ref}"') :]
    assert 'data-basis="excluded"' in row[: row.index("</tr>")]
