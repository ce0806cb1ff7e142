"""Control posture on the staff pages, from real scans of a host: failing checks, coverage, "could not evaluate"."""

import csv
import io

import pytest
from django.utils.html import escape

from complywise.choices import Role
from frameworks.models import TenantFramework
from frameworks.scope import control_applicability_set, control_evidence_requirement_set
from integrations.registry import get_check
from integrations.services import integration_create
from scans.models import ScanJob, ScanResult
from tests.frameworks.factories import ControlCheckFactory, ControlFactory, CustomFrameworkFactory
from tests.integrations.host.support import compliant_host, non_compliant_host

pytestmark = pytest.mark.django_db

SSH_CHECK = "host.ssh.root_login_disabled"


@pytest.fixture
def host_scope(tenant, tmp_path, settings):
    """An active custom framework: A-1 on a host check (and an AWS one), A-2 needing a document nobody uploaded."""
    settings.HOST_SCAN_ALLOWED_ROOTS = [str(tmp_path)]
    framework = CustomFrameworkFactory(tenant=tenant, key="acme-posture")
    TenantFramework.objects.create(tenant=tenant, framework=framework)
    checked = ControlCheckFactory(control__framework=framework, control__ref="A-1", check_id=SSH_CHECK).control
    ControlCheckFactory(control=checked, check_id="aws.iam.root_mfa_enabled")
    documented = ControlFactory(framework=framework, ref="A-2")
    control_evidence_requirement_set(tenant=tenant, control=documented, renewal_days=365, actor=None)
    return {"framework": framework, "checked": checked, "documented": documented, "root": tmp_path / "host"}


def connect_host(tenant, root) -> None:
    integration_create(tenant=tenant, actor=None, type="host", name="web-1", config={"root": str(root)}, credentials={})


def run_ui_scan(client, capture) -> ScanJob:
    """Through the "Run scan" form, as staff do it (the task runs in-process on commit)."""
    with capture(execute=True):
        response = client.post("/scans/run/", {})
    assert response.status_code == 302, response.content
    job = ScanJob.objects.get(pk=response["Location"].split("/")[2])
    assert job.status == "completed", job.error
    return job


def section(page: str, start: str, end: str) -> str:
    """The text from ``start`` to the next ``end``."""
    begin = page.index(start)
    return page[begin : page.index(end, begin)]


def test_scan_page_lists_failing_checks_with_remediation_and_csv_carries_posture_columns(
    web_login, tenant, host_scope, django_capture_on_commit_callbacks
):
    # given a neglected host, scanned from the UI
    non_compliant_host(host_scope["root"])
    connect_host(tenant, host_scope["root"])
    client = web_login(tenant, Role.MEMBER)
    job = run_ui_scan(client, django_capture_on_commit_callbacks)
    check = get_check(SSH_CHECK)
    # when the failing results are opened
    page = client.get(f"/scans/{job.pk}/", {"status": "fail"}).content.decode()
    # then A-1 names its failing check by title, with severity and the registry's remediation
    assert f"<strong>{escape(check.title)}</strong>" in page
    assert f"{check.severity} severity" in page
    assert f"Remediation: {escape(check.remediation)}" in page
    # with how the verdict was reached: automated checks, 1 of 2 ran for lack of an AWS integration
    assert "Automated checks" in page and "1 of 2 checks ran; no aws integration" in page
    # and A-2 fails on its missing document, basis documents
    assert "Documents" in page and "badge-missing" in page
    # and coverage sits next to the score
    assert "<dt>Coverage</dt>" in page
    # when the CSV of the same results is downloaded
    response = client.get(f"/scans/{job.pk}/results.csv")
    rows = {r["control_ref"]: r for r in csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))}
    # then it has the posture columns, failing checks with remediation, and the finding whole
    a1 = ScanResult.objects.get(scan_job=job, control=host_scope["checked"])
    assert len(a1.finding) > 200
    assert rows["A-1"]["finding"] == a1.finding
    assert rows["A-1"]["failing_checks"].startswith(f"FAIL [{check.severity}] {check.title} ({SSH_CHECK})")
    assert check.remediation in rows["A-1"]["failing_checks"]
    assert (rows["A-1"]["basis"], rows["A-1"]["could_not_evaluate"]) == ("automated", "False")
    assert (rows["A-1"]["checks_ran"], rows["A-1"]["checks_mapped"]) == ("1", "2")
    assert rows["A-1"]["missing_integration_types"] == '["aws"]'
    assert (rows["A-2"]["basis"], rows["A-2"]["evidence_state"]) == ("manual", "missing")


def test_could_not_evaluate_is_kept_apart_from_failing_on_dashboard_and_scan_page(
    web_login, tenant, host_scope, django_capture_on_commit_callbacks
):
    # given a first scan of a healthy host
    compliant_host(host_scope["root"])
    connect_host(tenant, host_scope["root"])
    client = web_login(tenant, Role.ADMIN)
    run_ui_scan(client, django_capture_on_commit_callbacks)
    # then the dashboard shows no "unchanged" counts for a first scan
    first = section(client.get("/").content.decode(), "Newly failing", "Last scans")
    assert "A-2" in first  # its document is missing
    assert "Unchanged:" not in first and "could not be evaluated" not in first
    # when the host is gone by the next scan
    host_scope["root"].rename(host_scope["root"].with_name("gone"))
    second = run_ui_scan(client, django_capture_on_commit_callbacks)
    page = client.get("/").content.decode()
    # then the framework card counts A-1 as "could not evaluate", not failed, and shows coverage
    card = section(page, "Active frameworks", "Documents before the audit")
    assert "<dt>Failed</dt><dd>" in card
    assert section(card, "<dt>Failed</dt>", "</dd>").endswith(" 1")  # A-2 only
    assert section(card, "<dt>Could not evaluate</dt>", "</dd>").endswith(" 1")
    assert "Coverage <strong>50%</strong>" in card and "1 of 2 applicable controls assessed" in card
    # and A-1 is not newly failing but its own line naming the integration; A-2 is unchanged
    newly = section(page, "Newly failing", "Last scans")
    assert "A-1" not in newly
    assert "1 control could not be evaluated: " in newly and "web-1" in newly
    assert "Unchanged: 1 still failing, 0 still passing." in newly
    # and the scan page badges A-1 "could not evaluate", and names the missing integration
    scan_page = client.get(f"/scans/{second.pk}/").content.decode()
    a1_row = section(scan_page, f"/controls/{host_scope['checked'].pk}/", "</tr>")
    assert "Could not evaluate" in a1_row and "badge-fail" not in a1_row
    assert "1 could not be evaluated" in scan_page
    assert second.partial and "web-1" in section(scan_page, 'class="notice"', "</div>")
    # and the results filter keeps them apart too: "Fail (findings)" lists A-2 only, "Could not evaluate" A-1 only
    findings = client.get(f"/scans/{second.pk}/?status=fail").content.decode()
    errors = client.get(f"/scans/{second.pk}/?status=could-not-evaluate").content.decode()
    checked, documented = host_scope["checked"].pk, host_scope["documented"].pk
    assert f"/controls/{documented}/" in findings and f"/controls/{checked}/" not in findings
    assert f"/controls/{checked}/" in errors and f"/controls/{documented}/" not in errors


def test_not_applicable_is_told_apart_as_not_assessed_or_excluded(
    web_login, client_for, tenant, host_scope, django_capture_on_commit_callbacks
):
    # given the scope's framework with one more control nothing assesses and one excluded from scope, scanned
    framework = host_scope["framework"]
    unassessed = ControlFactory(framework=framework, ref="A-3")
    excluded = ControlFactory(framework=framework, ref="A-4")
    control_applicability_set(
        tenant=tenant, control=excluded, applicable=False, justification="No offices.", actor=None
    )
    compliant_host(host_scope["root"])
    connect_host(tenant, host_scope["root"])
    admin = web_login(tenant, Role.ADMIN)
    job = run_ui_scan(admin, django_capture_on_commit_callbacks)

    # when an admin opens the dashboard
    card = section(admin.get("/").content.decode(), "Active frameworks", "Documents before the audit")
    # then the card counts one control not assessed and one excluded, never a lump of "not applicable"
    assert "<dt>Not assessed</dt><dd>" in card and "<dt>Excluded</dt><dd>" in card
    assert "<dt>Not applicable</dt>" not in card
    assert "Not assessed</span> 1</dd>" in card and "Excluded</span> 1</dd>" in card
    # and says what to do about the one not assessed, linking to where documents are required
    assert "1 control in scope has no automated check and no document required" in card
    assert f'href="/frameworks/{framework.pk}/#require-documents"' in card

    # when the scan's results are filtered on each kind
    def refs(status: str) -> set[str]:
        page = admin.get(f"/scans/{job.pk}/", {"status": status}).content.decode()
        return {ref for ref in ("A-1", "A-2", "A-3", "A-4") if f"<strong>{ref}</strong>" in page}

    # then each filter lists its own, and "not assessed or excluded" both
    assert refs("not-assessed") == {"A-3"}
    assert refs("excluded") == {"A-4"}
    assert refs("not-applicable") == {"A-3", "A-4"}
    page = admin.get(f"/scans/{job.pk}/", {"status": "not-assessed"}).content.decode()
    assert "badge-not-assessed" in page and "badge-not-applicable" not in section(page, "<tbody>", "</tbody>")
    # and the scan's summary and framework table count them apart, each count linking to its filter
    assert "1 not assessed, 1 excluded from scope" in page
    assert f"?framework={framework.pk}&amp;status=not-assessed#results" in page
    assert f"?framework={framework.pk}&amp;status=excluded#results" in page
    # and the live framework page says the same
    detail = admin.get(f"/frameworks/{framework.pk}/").content.decode()
    assert "badge-not-assessed" in detail and "badge-excluded" in detail

    # when a viewer opens the dashboard, the way forward is to see which controls (they cannot require documents)
    viewer_card = section(
        web_login(tenant, Role.VIEWER).get("/").content.decode(), "Active frameworks", "Documents before the audit"
    )
    assert f'href="/frameworks/{framework.pk}/">See which' in viewer_card
    assert unassessed.ref == "A-3"

    # when the API's results are filtered by basis
    api = client_for(tenant, Role.VIEWER)

    def api_refs(query: str) -> set[str]:
        response = api.get(f"/api/scans/{job.pk}/results?{query}")
        assert response.status_code == 200, response.content
        return {row["control_ref"] for row in response.json()["results"]}

    # then the same split is there, alone or with other bases and statuses
    assert api_refs("basis=unassessed") == {"A-3"}
    assert api_refs("basis=excluded") == {"A-4"}
    assert api_refs("basis=unassessed,manual") == {"A-2", "A-3"}
    assert api_refs("status=not-applicable&basis=manual") == set()
    # and the live posture answers the same question as of now
    live = api.get(f"/api/frameworks/{framework.pk}/posture?basis=unassessed")
    assert live.status_code == 200, live.content
    assert [row["control_ref"] for row in live.json()["controls"]] == ["A-3"]
    # and an unknown basis is a 400 naming the field and the choices
    response = api.get(f"/api/scans/{job.pk}/results?basis=guessed")
    assert response.status_code == 400
    assert "unassessed" in str(response.json()["basis"])
