"""The check catalog page: every check, searchable by our ids and by another scanner's, with the controls it serves."""

import pytest

from complywise.choices import Role
from frameworks.models import ControlCheck
from integrations.equivalents import Match, all_equivalents
from integrations.registry import all_checks

from .factories import custom_framework

pytestmark = pytest.mark.django_db


def test_lists_every_check_a_page_at_a_time(admin_web):
    # when the catalog is opened
    page = admin_web.get("/checks/")
    # then the first hundred checks by id are there, and the pager counts them all
    html = page.content.decode()
    checks = sorted(all_checks(), key=lambda c: c.id)
    assert page.status_code == 200
    assert f'id="{checks[0].id}"' in html and f'id="{checks[99].id}"' in html
    assert f'id="{checks[100].id}"' not in html
    assert f"({len(checks)} in all)" in html
    assert 'aria-current="page">Checks<' in html


def test_a_prowler_check_id_finds_ours(web_login, tenant):
    # given a Prowler check that ours answer, and one they answer in part
    same = next(e for e in all_equivalents() if e.match is Match.SAME)
    partial = next(e for e in all_equivalents() if e.match is Match.PARTIAL)
    web = web_login(tenant, Role.AUDITOR)
    # when an auditor searches for each id
    for equivalent in (same, partial):
        html = web.get("/checks/", {"q": equivalent.id.upper()}).content.decode()
        # then ours are listed, naming it
        for check_id in equivalent.check_ids:
            assert f'id="{check_id}"' in html
        assert f"<code>{equivalent.id}</code> (Prowler" in html
    # and the partial one says what differs
    assert "in part:" in web.get("/checks/", {"q": partial.id}).content.decode()


def test_filters_by_provider_and_severity(admin_web):
    html = admin_web.get("/checks/", {"integration_type": "host", "severity": "critical"}).content.decode()
    expected = [c.id for c in all_checks("host") if c.severity == "critical"]
    assert expected
    assert html.count('<tr id="') == len(expected)
    assert all(f'id="{check_id}"' in html for check_id in expected)


def test_shows_how_many_controls_of_the_tenant_each_check_serves(admin_web, tenant):
    # given a tenant framework whose two controls a check serves
    check = all_checks("host")[0]
    _, controls = custom_framework(tenant)
    for control in controls[:2]:
        ControlCheck.objects.create(control=control, check_id=check.id)
    # when the check is found
    html = admin_web.get("/checks/", {"q": check.id}).content.decode()
    # then its row counts them
    row = html.split(f'id="{check.id}"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">2</td>' in row


@pytest.mark.parametrize("query", [{"severity": "urgent"}, {"integration_type": "gcp"}, {"q": "x" * 201}])
def test_bad_filters_are_400_with_the_field_marked(admin_web, query):
    response = admin_web.get("/checks/", query)
    assert response.status_code == 400
    assert "Please correct the 1 field" in response.content.decode()
