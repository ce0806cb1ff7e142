"""With 100 scans and a 10,000-result scan, every page reads one page of rows, never the whole set."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from frameworks.models import Control, TenantFramework
from frameworks.naturalsort import natural_key
from scans.models import ScanResult

from .factories import custom_framework, scan_job

pytestmark = pytest.mark.django_db

RESULTS = 10_000
STATUSES = ("pass", "fail", "not-applicable")


@pytest.fixture
def big(tenant):
    framework, _ = custom_framework(tenant, key="big", controls=0)
    TenantFramework.objects.get_or_create(tenant=tenant, framework=framework)
    controls = Control.objects.bulk_create(
        [
            Control(framework=framework, ref=f"B-{i}", title=f"Big control {i}", sort_key=natural_key(f"B-{i}"))
            for i in range(RESULTS)
        ],
        batch_size=2000,
    )
    now = timezone.now()
    for i in range(99):
        scan_job(
            tenant, created_at=now - timedelta(days=1, hours=i), score=float(i % 100), framework_ids=[str(framework.pk)]
        )
    job = scan_job(tenant, created_at=now, score=33.3, framework_ids=[str(framework.pk)])
    ScanResult.objects.bulk_create(
        [
            ScanResult(
                tenant=tenant,
                scan_job=job,
                framework=framework,
                control=control,
                status=STATUSES[i % 3],
                finding=f"finding {i}",
                sort_key=control.sort_key,
                created_at=now,
            )
            for i, control in enumerate(controls)
        ],
        batch_size=2000,
    )
    return {"framework": framework, "job": job}


def fetched_rows_per_select(url, client) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    result_selects = [
        q["sql"]
        for q in queries.captured_queries
        if re.search(r'FROM "(scans_scanresult|frameworks_control)"', q["sql"])
    ]
    return response.content.decode(), result_selects


def test_pages_read_one_page_of_a_10000_result_scan(admin_web, big):
    job, framework = big["job"], big["framework"]
    for url, rows in [
        (f"/scans/{job.pk}/", 50),
        (f"/scans/{job.pk}/?status=fail", 50),
        (f"/frameworks/{framework.pk}/", 100),
    ]:
        # when
        page, selects = fetched_rows_per_select(url, admin_web)
        # then one page of rows is rendered, and every query of results/controls is a COUNT, a
        # grouped count or a LIMITed page: none reads all 10,000 rows
        assert page.count("<tr") - page.count("<thead") <= rows + 5, url
        for sql in selects:
            assert "COUNT(" in sql or "LIMIT" in sql, (url, sql[:300])
    # and the dashboard and history with 100 scans
    assert "Page 1 of 4" in admin_web.get("/scans/").content.decode()
    assert admin_web.get("/").status_code == 200


def test_csv_of_a_10000_result_scan_streams_every_row(admin_web, big):
    response = admin_web.get(f"/scans/{big['job'].pk}/results.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == RESULTS
    assert rows[0]["control_ref"] == "B-0" and rows[-1]["control_ref"] == f"B-{RESULTS - 1}"
