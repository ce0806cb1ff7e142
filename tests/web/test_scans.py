"""Scan pages: history, running a scan through the real services, results with filters, CSV, progress, cancel."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complywise.choices import Role
from frameworks.models import Framework
from scans.api.views import RESULT_COLUMNS
from scans.models import ScanJob, ScanResult

from .factories import completed_scan, custom_framework, map_checks, scan_job

pytestmark = pytest.mark.django_db

SG_CHECK = "aws.ec2.sg_no_ingress_admin_ports_ipv4"


def csv_rows(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


# --- running a real scan ---------------------------------------------------------------------------


def test_run_scan_form_triggers_a_ui_scan_and_shows_its_results(
    web_login, tenant, aws_integration, open_ssh_group, django_capture_on_commit_callbacks
):
    # given a member, an AWS account with a security group open on port 22, and CIS AWS active
    client = web_login(tenant, Role.MEMBER)
    cis = Framework.objects.get(key="cis-aws")
    form = client.get("/scans/").content.decode()
    assert 'value="aws"' in form and str(cis.pk) in form
    # when the form is submitted (the task runs in-process on commit)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/scans/run/", {"integration_types": ["aws"], "framework": str(cis.pk)})
    # then it redirects to the scan, which completed, triggered from the UI by this member
    job = ScanJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/scans/{job.pk}/"
    assert (job.status, job.trigger, job.triggered_by, job.integration_types) == (
        "completed",
        "ui",
        client.membership.user,
        ["aws"],
    )
    # and the scan page shows the failing CIS 5.2 control, naming the group among its failing resources
    page = client.get(f"/scans/{job.pk}/", {"status": "fail", "q": "5.2"}).content.decode()
    assert "5.2" in page
    assert open_ssh_group in page
    assert SG_CHECK in page
    assert "Download CSV" in page


def test_run_scan_form_shows_service_errors_on_the_form(web_login, tenant, scan_data):
    # given a framework the tenant has not activated (another tenant's custom one is not even visible)
    client = web_login(tenant, Role.ADMIN)
    inactive = Framework.objects.create(key="inactive", name="Inactive", version="1")
    # when
    response = client.post("/scans/run/", {"framework": str(inactive.pk), "integration_types": ["github"]})
    # then the form answers 400 with field errors, and no job was created
    assert response.status_code == 400
    page = response.content.decode()
    assert "Select a valid choice" in page
    assert ScanJob.objects.count() == 2  # the two from scan_data


def test_run_scan_with_an_invalid_scope_from_the_service_is_a_form_error(web_login, tenant):
    # given a tenant with no framework active at all
    client = web_login(tenant, Role.ADMIN)
    # when "all active frameworks" is chosen
    response = client.post("/scans/run/", {})
    # then the service's error is on the form
    assert response.status_code == 400
    assert "No framework is active" in response.content.decode()
    assert not ScanJob.objects.exists()


# --- history ------------------------------------------------------------------------------------------


def test_history_is_paginated_newest_first_with_status_filter(admin_web, tenant):
    # given 30 scans, the newest one failed
    now = timezone.now()
    for i in range(29):
        scan_job(tenant, created_at=now - timedelta(hours=i + 1), score=50.0)
    newest = scan_job(tenant, status="failed", created_at=now, error="cancelled by x")
    # when
    first = admin_web.get("/scans/").content.decode()
    second = admin_web.get("/scans/", {"page": 2}).content.decode()
    failed_only = admin_web.get("/scans/", {"status": "failed"}).content.decode()
    # then
    assert first.index(str(newest.pk)) < first.index("Page 1 of 2")
    assert "Page 2 of 2" in second and str(newest.pk) not in second
    assert failed_only.count('href="/scans/') - failed_only.count('href="/scans/"') == 1
    assert "garbage" not in admin_web.get("/scans/", {"page": "garbage"}).content.decode()


@pytest.mark.parametrize("rows", [2, 20])
def test_history_queries_do_not_grow_with_rows(admin_web, tenant, django_assert_max_num_queries, rows):
    # given scans triggered by users, for a framework
    framework, _ = custom_framework(tenant)
    user = admin_web.membership.user
    for _ in range(rows):
        scan_job(tenant, framework=framework, triggered_by=user, score=90.0)
    # when / then
    with django_assert_max_num_queries(9):
        response = admin_web.get("/scans/")
    assert response.content.decode().count(f"{framework.name}") >= rows


def test_history_and_detail_query_counts_are_the_same_for_2_and_20_rows(admin_web, tenant):
    # given two tenants' worth of data measured one after the other: 2 rows, then 20
    framework, controls = custom_framework(tenant, controls=20)
    map_checks(controls)
    small = completed_scan(tenant, framework, {c: "fail" for c in controls[:2]})
    large = completed_scan(tenant, framework, {c: "fail" for c in controls})

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert admin_web.get(url).status_code == 200
        return len(queries)

    # when / then: the scan page with 2 failing rows costs as much as with 20
    assert count(f"/scans/{small.pk}/") == count(f"/scans/{large.pk}/")
    for _ in range(18):
        scan_job(tenant, framework=framework, triggered_by=admin_web.membership.user)
    assert count("/scans/") == count("/scans/?page=1")


# --- one scan -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [2, 20])
def test_scan_detail_queries_do_not_grow_with_rows(admin_web, tenant, django_assert_max_num_queries, rows):
    # given a scan whose every control fails on several resources
    framework, controls = custom_framework(tenant, controls=rows)
    map_checks(controls)
    job = completed_scan(tenant, framework, {c: "fail" for c in controls}, resources=3)
    # when / then
    with django_assert_max_num_queries(12):
        response = admin_web.get(f"/scans/{job.pk}/")
    page = response.content.decode()
    assert page.count('class="result-fail"') == rows
    assert page.count("sg-ctl-") == rows * 3


def test_scan_detail_reads_none_of_the_large_columns_it_does_not_show(admin_web, tenant):
    # given a scan whose failing outcomes carry a detail document and whose controls have long texts
    framework, controls = custom_framework(tenant, controls=3)
    map_checks(controls)
    job = completed_scan(tenant, framework, {c: "fail" for c in controls}, resources=2)
    job.outcomes.update(detail={"policy": "x" * 5000})
    # when the page is read
    with CaptureQueriesContext(connection) as queries:
        page = admin_web.get(f"/scans/{job.pk}/").content.decode()
    # then it shows every failing resource, and the queries that read rows (results, outcomes) leave out the
    # outcomes' detail, the controls' descriptions and attributes and the frameworks' descriptions
    assert page.count("sg-ctl-") == 6
    per_row = [q["sql"] for q in queries.captured_queries if 'FROM "scans_scanresult"' in q["sql"]]
    per_row += [q["sql"] for q in queries.captured_queries if 'FROM "scans_checkoutcome"' in q["sql"]]
    assert len(per_row) >= 3  # the count, the page of results, the failing resources (and their ranking)
    for column in ('"detail"', '"description"', '"attributes"'):
        assert not [sql for sql in per_row if column in sql]


def test_scan_detail_keeps_each_finding_cell_for_the_next_reader(admin_web, web_login, tenant):
    # given a finished scan whose controls fail on several resources, its page read once by an admin
    framework, controls = custom_framework(tenant, controls=4)
    map_checks(controls)
    job = completed_scan(tenant, framework, {c: "fail" for c in controls}, resources=3)
    url = f"/scans/{job.pk}/"
    first = admin_web.get(url).content.decode()
    # when a viewer reads the same page
    viewer = web_login(tenant, Role.VIEWER)
    with CaptureQueriesContext(connection) as queries:
        second = viewer.get(url).content.decode()
    # then the rows are the same, and no outcome was read for them: the cells were kept
    assert _result_rows(second) == _result_rows(first)
    assert second.count("sg-ctl-") == 12
    assert not [q for q in queries.captured_queries if 'FROM "scans_checkoutcome"' in q["sql"]]


def test_scan_detail_finding_cell_follows_a_changed_result(admin_web, tenant):
    # given a scan page read once, after which one result's finding changes (a save stamps updated_at)
    framework, controls = custom_framework(tenant, controls=2)
    map_checks(controls)
    job = completed_scan(tenant, framework, {c: "fail" for c in controls}, resources=1)
    url = f"/scans/{job.pk}/"
    assert "Rewritten finding" not in admin_web.get(url).content.decode()
    result = ScanResult.objects.filter(scan_job=job).first()
    result.finding = "Rewritten finding"
    result.save()
    # when the page is read again / then the changed row shows its new finding, the other its kept cell
    page = admin_web.get(url).content.decode()
    assert "Rewritten finding" in page
    assert page.count("sg-ctl-") == 2


def _result_rows(page: str) -> str:
    """The results table's body, without what differs per reader (nothing in it should)."""
    return page[page.index("<tbody>") : page.index("</tbody>")]


def test_results_filter_by_status_framework_and_search(admin_web, scan_data):
    # given the scan of scan_data: CTL-1 pass, CTL-2 fail, CTL-3 not applicable
    url = f"/scans/{scan_data.job.pk}/"
    # when / then
    failing = admin_web.get(url, {"status": "fail"}).content.decode()
    assert "CTL-2" in failing and "CTL-1" not in failing and "CTL-3" not in failing
    searched = admin_web.get(url, {"q": "number 3"}).content.decode()
    assert "CTL-3" in searched and "CTL-2" not in searched
    by_framework = admin_web.get(url, {"framework": str(scan_data.framework.pk)}).content.decode()
    assert all(ref in by_framework for ref in ("CTL-1", "CTL-2", "CTL-3"))
    # and a bad filter is shown as an error, not a 500
    bad = admin_web.get(url, {"status": "nonsense", "framework": "not-a-uuid"})
    assert bad.status_code == 200
    assert "Select a valid choice" in bad.content.decode()


def test_failing_row_expands_to_its_capped_failing_resources(admin_web, tenant):
    # given a control failing on 25 resources
    framework, controls = custom_framework(tenant, controls=1)
    map_checks(controls)
    job = completed_scan(tenant, framework, {controls[0]: "fail"}, resources=25)
    # when
    page = admin_web.get(f"/scans/{job.pk}/").content.decode()
    # then the first 10 are listed, and the rest counted
    assert "<details>" in page
    assert page.count("sg-ctl-1-") == 10
    assert "first 10 of 25" in page
    assert "15 more" in page


def test_results_are_paginated(admin_web, tenant):
    # given 120 results
    framework, controls = custom_framework(tenant, controls=120)
    job = completed_scan(tenant, framework, {c: "pass" for c in controls})
    # when
    first = admin_web.get(f"/scans/{job.pk}/").content.decode()
    third = admin_web.get(f"/scans/{job.pk}/", {"page": 3}).content.decode()
    # then natural order: CTL-1 … CTL-50 on page 1, CTL-101 … CTL-120 on page 3
    assert "CTL-50<" in first and "CTL-51<" not in first
    assert "Page 3 of 3" in third and "CTL-120<" in third and "CTL-100<" not in third


def test_csv_download_streams_the_filtered_results(admin_web, scan_data):
    # when
    response = admin_web.get(f"/scans/{scan_data.job.pk}/results.csv", {"status": "fail"})
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.streaming
    rows = csv_rows(response)
    assert [(r["control_ref"], r["status"]) for r in rows] == [("CTL-2", "fail")]
    # with the API's columns, in the API's order
    assert list(rows[0]) == [column.name for column in RESULT_COLUMNS]
    # and without a filter, every result
    assert len(csv_rows(admin_web.get(f"/scans/{scan_data.job.pk}/results.csv"))) == 3


def test_csv_cells_that_look_like_formulas_are_neutralised(admin_web, scan_data):
    # given a finding that a spreadsheet would run as a formula
    scan_data.job.results.filter(control=scan_data.failing).update(finding='=HYPERLINK("http://evil","x")')
    # when
    rows = csv_rows(admin_web.get(f"/scans/{scan_data.job.pk}/results.csv", {"status": "fail"}))
    # then
    assert rows[0]["finding"].startswith("'=")


def test_running_scan_page_polls_for_progress_and_shows_no_results(web_login, tenant, scan_data):
    # given a running scan at 40 %
    client = web_login(tenant, Role.MEMBER)
    job = scan_job(tenant, status="running", progress=40)
    # when
    page = client.get(f"/scans/{job.pk}/").content.decode()
    progress = client.get(f"/scans/{job.pk}/progress/")
    # then the page carries the polling script and the progress, and a cancel button for a member
    assert f'data-progress-url="/scans/{job.pk}/progress/"' in page
    assert "js/scan-progress" in page
    assert 'value="40"' in page
    assert "Cancel scan" in page
    assert "Download CSV" not in page
    assert progress.json() == {"status": "running", "status_display": "Running", "progress": 40, "finished": False}
    assert progress["Cache-Control"] == "no-store"
    # and the CSV of an unfinished scan is refused politely
    assert client.get(f"/scans/{job.pk}/results.csv").status_code == 302


def test_finished_scan_reports_finished_to_the_poller(admin_web, scan_data):
    assert admin_web.get(f"/scans/{scan_data.job.pk}/progress/").json()["finished"] is True


def test_cancel_a_running_scan(web_login, tenant):
    # given a member and a running scan
    client = web_login(tenant, Role.MEMBER)
    job = scan_job(tenant, status="running", progress=10)
    # when
    response = client.post(f"/scans/{job.pk}/cancel/", follow=True)
    # then
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == f"cancelled by {client.membership.user.email}"
    assert "The scan was cancelled." in response.content.decode()


def test_cancel_a_finished_scan_is_a_message_not_an_error_page(admin_web, scan_data):
    # when
    response = admin_web.post(f"/scans/{scan_data.job.pk}/cancel/", follow=True)
    # then
    assert response.status_code == 200
    assert "already completed" in response.content.decode()


def test_failed_scan_shows_its_error(admin_web, tenant):
    # given
    job = scan_job(tenant, status="failed", error="No worker started this scan within 30 minutes.")
    # when
    page = admin_web.get(f"/scans/{job.pk}/").content.decode()
    # then
    assert "No worker started this scan" in page
    assert "Failed" in page


def test_api_results_page_and_both_csvs_list_the_same_rows(admin_web, client_for, tenant, scan_data):
    # given the scan of scan_data: CTL-1 pass, CTL-2 fail, CTL-3 not applicable
    job, framework = scan_data.job, scan_data.framework
    api = client_for(tenant, Role.AUDITOR)

    def api_ids(**query):
        response = api.get(f"/api/scans/{job.pk}/results", {**query, "limit": 100})
        assert response.status_code == 200, response.content
        return [r["control_id"] for r in response.json()["results"]]

    def api_csv_ids(**query):
        return [r["control_id"] for r in csv_rows(api.get(f"/api/scans/{job.pk}/results", {**query, "format": "csv"}))]

    def page_ids(**query):
        response = admin_web.get(f"/scans/{job.pk}/", query)
        assert response.status_code == 200
        return [str(result.control_id) for result in response.context["page"].object_list]

    def page_csv_ids(**query):
        return [r["control_id"] for r in csv_rows(admin_web.get(f"/scans/{job.pk}/results.csv", query))]

    # when / then: the same rows, in the same order, for the same status and framework
    for api_query, page_query in [
        ({}, {}),
        ({"status": "pass"}, {"status": "pass"}),
        ({"status": "not-applicable"}, {"status": "not-applicable"}),
        ({"framework_id": str(framework.pk)}, {"framework": str(framework.pk)}),
        ({"status": "pass", "framework_id": str(framework.pk)}, {"status": "pass", "framework": str(framework.pk)}),
    ]:
        expected = api_ids(**api_query)
        assert expected
        assert api_csv_ids(**api_query) == page_ids(**page_query) == page_csv_ids(**page_query) == expected


def test_a_control_failing_many_checks_shows_the_worst_ten_and_links_to_the_rest(admin_web, tenant):
    # given a control whose result lists 13 failing checks, worst first, and 2 passing ones
    framework, controls = custom_framework(tenant, controls=1)
    job = completed_scan(tenant, framework, {controls[0]: "fail"}, resources=1)
    rows = [
        {"id": f"aws.demo.check_{n:02d}", "title": f"Demo check {n:02d}", "severity": "high", "status": "fail"}
        for n in range(13)
    ] + [
        {"id": f"aws.demo.ok_{n}", "title": f"Passing check {n}", "severity": "low", "status": "pass"} for n in range(2)
    ]
    ScanResult.objects.filter(scan_job=job).update(checks=rows)

    # when the scan page is opened
    page = admin_web.get(f"/scans/{job.pk}/").content.decode()

    # then the first ten failing checks are listed, no passing one, and the other three are a link away
    assert [n for n in range(13) if f"<strong>Demo check {n:02d}</strong>" in page] == list(range(10))
    assert "Passing check" not in page
    assert "and 3 more failing checks" in page
    assert f'href="/controls/{controls[0].pk}/">all on the control' in page
