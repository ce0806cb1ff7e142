"""Result and outcome pages (API and staff page) cost the same number of queries whatever the size of the scan."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from complywise.choices import Role
from frameworks.models import Control, ControlCheck
from frameworks.naturalsort import natural_key
from scans.models import CheckOutcome, ScanJob, ScanResult
from tests.factories import MembershipFactory
from tests.integrations.factories import IntegrationFactory
from tests.web.factories import custom_framework, scan_job

pytestmark = pytest.mark.django_db

PAGE = 50  # the API's default limit and the staff page's results per page
CHECKS = 20
RESULT_STATUSES = ("pass", "fail", "not-applicable")


@pytest.fixture
def web_viewer(tenant) -> Client:
    """A logged-in browser session of a viewer of ``tenant``."""
    client = Client()
    client.force_login(MembershipFactory(tenant=tenant, role=Role.VIEWER).user)
    return client


def _controls(framework, count: int) -> list[Control]:
    controls = Control.objects.bulk_create(
        [
            Control(framework=framework, ref=f"P-{i}", title=f"Paged control {i}", sort_key=natural_key(f"P-{i}"))
            for i in range(count)
        ]
    )
    ControlCheck.objects.bulk_create(
        [ControlCheck(control=control, check_id=f"bench.check.{i % CHECKS}") for i, control in enumerate(controls)]
    )
    return controls


def _scan(tenant, framework, controls: list[Control], *, outcomes: int) -> ScanJob:
    """A completed scan: a result per control (pass, fail, n/a in turn) and ``outcomes`` outcomes of one integration."""
    job = scan_job(tenant, framework_ids=[str(framework.pk)], total_controls=len(controls))
    integration = IntegrationFactory(tenant=tenant)
    ScanResult.objects.bulk_create(
        [
            ScanResult(
                tenant=tenant,
                scan_job=job,
                framework=framework,
                control=control,
                status=RESULT_STATUSES[i % 3],
                finding=f"finding {i}",
                sort_key=control.sort_key,
                checks=[{"id": f"bench.check.{i % CHECKS}", "title": "A check", "severity": "high", "status": "fail"}],
            )
            for i, control in enumerate(controls)
        ]
    )
    CheckOutcome.objects.bulk_create(
        [
            CheckOutcome(
                tenant=tenant,
                scan_job=job,
                integration=integration,
                check_id=f"bench.check.{n % CHECKS}",
                resource_id=f"sg-{n:06d}",
                region="us-east-1",
                status="fail" if n % 2 else "pass",
                detail={"n": n},
            )
            for n in range(outcomes)
        ]
    )
    return job


def _query_counts(api, web, job: ScanJob, *, results: int, outcomes: int) -> dict[str, int]:
    """Queries per page: the first, the last full one (deep in the large scan) and a filtered one."""
    urls = {
        "api results first": f"/api/scans/{job.pk}/results",
        "api results later": f"/api/scans/{job.pk}/results?offset={results - PAGE}",
        "api results fail": f"/api/scans/{job.pk}/results?status=fail",
        "api outcomes first": f"/api/scans/{job.pk}/outcomes",
        "api outcomes later": f"/api/scans/{job.pk}/outcomes?offset={max(outcomes - PAGE, 5)}",
        "api outcomes fail": f"/api/scans/{job.pk}/outcomes?status=fail",
        "page first": f"/scans/{job.pk}/",
        "page later": f"/scans/{job.pk}/?page={results // PAGE}",
        "page fail": f"/scans/{job.pk}/?status=fail",
    }
    counts = {}
    for name, url in urls.items():
        client = web if name.startswith("page") else api
        # Cold (the finished scan's count not kept yet), then warm.
        cache.clear()
        for state in ("cold", "warm"):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200, (url, response.content[:300])
            counts[f"{name} ({state})"] = len(queries)
    return counts


def test_pages_cost_the_same_queries_for_10_and_500_outcomes(tenant, client_for, web_viewer):
    # given a scan of 60 results and 10 outcomes, and one of 500 of each: the small scan's pages hold fewer
    # rows than the large one's (10 or 5 outcomes against 50), so a query per row would show
    framework, _ = custom_framework(tenant, key="paged", controls=0)
    controls = _controls(framework, 500)
    small = _scan(tenant, framework, controls[:60], outcomes=10)
    large = _scan(tenant, framework, controls, outcomes=500)
    api, web = client_for(tenant, Role.VIEWER), web_viewer
    _query_counts(api, web, small, results=60, outcomes=10)  # first-use caches (schema, templates) warmed

    # when every page is fetched from both
    small_counts = _query_counts(api, web, small, results=60, outcomes=10)
    large_counts = _query_counts(api, web, large, results=500, outcomes=500)

    # then each page costs as many queries on the large scan as on the small one, and few
    assert large_counts == small_counts
    assert max(large_counts.values()) <= 20, large_counts
    # and a finished scan's count is kept: the next API page of the same list does not count again
    for name, count in large_counts.items():
        if name.startswith("api") and name.endswith("(warm)"):
            assert count == large_counts[name.replace("(warm)", "(cold)")] - 1, name


def test_a_running_scans_outcomes_are_counted_afresh(tenant, client_for):
    # given a running scan with 3 outcomes whose count was read once
    framework, _ = custom_framework(tenant, key="running", controls=0)
    job = _scan(tenant, framework, [], outcomes=3)
    job.status = "running"
    job.save(update_fields=["status"])
    api = client_for(tenant, Role.VIEWER)
    assert api.get(f"/api/scans/{job.pk}/outcomes").json()["count"] == 3

    # when more outcomes arrive
    CheckOutcome.objects.bulk_create(
        [
            CheckOutcome(tenant=tenant, scan_job=job, check_id="late", resource_id=f"r-{n}", status="pass")
            for n in range(2)
        ]
    )

    # then the next page counts them
    assert api.get(f"/api/scans/{job.pk}/outcomes").json()["count"] == 5


def test_one_frameworks_pages_keep_the_order_of_the_whole_list(tenant, client_for):
    # given a scan over two frameworks, whose results the framework filter pages in another (index) order
    first, _ = custom_framework(tenant, key="alpha", controls=0)
    second, _ = custom_framework(tenant, key="beta", controls=0)
    job = _scan(tenant, first, _controls(first, 30), outcomes=0)
    job.framework_ids = [str(first.pk), str(second.pk)]
    job.save(update_fields=["framework_ids"])
    ScanResult.objects.bulk_create(
        [
            ScanResult(tenant=tenant, scan_job=job, framework=second, control=c, status="pass", sort_key=c.sort_key)
            for c in _controls(second, 30)
        ]
    )
    api = client_for(tenant, Role.VIEWER)

    def refs(query: str) -> list[tuple[str, str]]:
        rows, offset = [], 0
        while True:
            page = api.get(f"/api/scans/{job.pk}/results?limit=7&offset={offset}{query}").json()
            rows += [(r["framework_key"], r["control_ref"]) for r in page["results"]]
            offset += 7
            if not page["next"]:
                return rows

    # when the whole list and each framework's are read page by page
    everything = refs("")
    by_framework = refs(f"&framework_id={first.pk}") + refs(f"&framework_id={second.pk}")

    # then both hold every result once, in the natural order of the refs, framework by framework
    assert by_framework == everything
    assert len(set(everything)) == 60
    assert everything[:3] == [("alpha", "P-0"), ("alpha", "P-1"), ("alpha", "P-2")]
    assert everything[10] == ("alpha", "P-10")


@pytest.mark.parametrize("query", ["", "&status=fail", "&check_id=bench.check.3"])
def test_deep_outcome_pages_seek_from_an_anchor_and_match_the_plain_order(tenant, client_for, monkeypatch, query):
    # given a finished scan of 230 outcomes where several share a check and a resource (only the id tells them
    # apart), and an anchor every 7 rows so that most pages start from one
    from scans import selectors

    monkeypatch.setattr(selectors, "ANCHOR_EVERY", 7)
    framework, _ = custom_framework(tenant, key="deep", controls=0)
    job = _scan(tenant, framework, [], outcomes=200)
    CheckOutcome.objects.bulk_create(
        [
            CheckOutcome(
                tenant=tenant, scan_job=job, check_id=f"bench.check.{n % 4}", resource_id="sg-000008", status="fail"
            )
            for n in range(30)
        ]
    )
    api = client_for(tenant, Role.VIEWER)
    cache.clear()
    everything = [
        str(pk)
        for pk in selectors.scan_outcomes(scan_job=job)
        .filter(**dict([query.lstrip("&").split("=")]) if query else {})
        .values_list("pk", flat=True)
    ]
    assert len(everything) > 2 * 7

    # when every offset from 0 to the end is read, 5 rows at a time, and a few pages are read again warm
    pages = {
        offset: [
            row["id"]
            for row in api.get(f"/api/scans/{job.pk}/outcomes?limit=5&offset={offset}{query}").json()["results"]
        ]
        for offset in range(len(everything) + 2)
    }
    with CaptureQueriesContext(connection) as deep:
        api.get(f"/api/scans/{job.pk}/outcomes?limit=5&offset={len(everything) - 9}{query}")
    with CaptureQueriesContext(connection) as first:
        api.get(f"/api/scans/{job.pk}/outcomes?limit=5&offset=0{query}")

    # then each page is exactly that slice of the whole list, anchored or not
    for offset, ids in pages.items():
        assert ids == everything[offset : offset + 5], offset
    # and a deep page costs no more queries than the first once the anchors are kept
    assert len(deep) == len(first)


def test_failing_resources_of_a_finished_scan_are_kept_per_check_and_a_running_scans_are_not(tenant):
    # given a finished scan whose 60 controls map 20 checks failing on every other of 500 resources
    from scans.selectors import failing_resources

    framework, _ = custom_framework(tenant, key="failing", controls=0)
    controls = _controls(framework, 60)
    job = _scan(tenant, framework, controls, outcomes=500)
    first_page, second_page = [c.pk for c in controls[:30]], [c.pk for c in controls[30:]]
    cache.clear()

    # when a page's failing resources are read cold, then again, then the next page (same checks)
    with CaptureQueriesContext(connection) as cold:
        before = failing_resources(scan_job=job, control_ids=first_page, cap=3)
    with CaptureQueriesContext(connection) as warm:
        again = failing_resources(scan_job=job, control_ids=first_page, cap=3)
    with CaptureQueriesContext(connection) as next_page:
        failing_resources(scan_job=job, control_ids=second_page, cap=3)

    # then both reads show the same three resources per control, errors and fails in resource order, and totals
    def shown(found):
        return {k: ([o.resource_id for o in v.outcomes], v.total) for k, v in found.items()}

    assert shown(again) == shown(before)
    assert shown(before)[controls[1].pk] == (["sg-000001", "sg-000021", "sg-000041"], 25)
    # and what was kept answers the second read and the next page's checks: mappings and the rows shown only
    assert (len(cold), len(warm), len(next_page)) == (3, 2, 2)

    # and a running scan is read afresh: a failure found later shows at once
    job.status = "running"
    job.save(update_fields=["status"])
    CheckOutcome.objects.create(
        tenant=tenant, scan_job=job, check_id="bench.check.1", resource_id="sg-0", status="fail"
    )
    assert shown(failing_resources(scan_job=job, control_ids=first_page, cap=3))[controls[1].pk][1] == 26


@pytest.mark.parametrize("rows", ["results", "outcomes"])
def test_a_scans_pages_read_only_the_state_of_the_job(tenant, client_for, rows):
    # given a finished scan with a page of results and outcomes
    framework, _ = custom_framework(tenant, key="state-only", controls=0)
    job = _scan(tenant, framework, _controls(framework, 3), outcomes=3)
    api = client_for(tenant, Role.VIEWER)

    # when a page of its rows is read
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"/api/scans/{job.pk}/{rows}")

    # then the job is read once, on its own, without the columns only the job's own answer shows
    assert response.status_code == 200 and len(response.json()["results"]) == 3
    job_reads = [q["sql"] for q in queries if 'FROM "scans_scanjob"' in q["sql"]]
    assert len(job_reads) == 1, job_reads
    assert "JOIN" not in job_reads[0]
    for column in ("timings", "framework_scores", "framework_ids", "error"):
        assert f'"scans_scanjob"."{column}"' not in job_reads[0]
