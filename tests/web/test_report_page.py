"""The print-ready report page and its PDF download: the same facts as the API's report, for this tenant only."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from complywise.choices import Role
from frameworks.models import Control, Framework
from integrations.registry import get_check
from scans.models import ScanJob
from scans.report import scan_report
from tests.evidence.factories import manual_evidence
from tests.web.factories import completed_scan, custom_framework, scan_job

pytestmark = pytest.mark.django_db

SG_CHECK = "aws.ec2.sg_no_ingress_admin_ports_ipv4"
JUSTIFICATION = "Kept by the parent company <Group IT> & its legal team."


def page_url(job, framework) -> str:
    return reverse("web:scan-report", kwargs={"pk": job.pk, "framework_pk": framework.pk})


def pdf_url(job, framework) -> str:
    return reverse("web:scan-report-pdf", kwargs={"pk": job.pk, "framework_pk": framework.pk})


@pytest.fixture
def scanned(tenant, admin_client, aws_integration, open_ssh_group, run_scan):
    """A real scan in which CIS 5.2 fails, CIS 1.1 is excluded with a justification and CIS 1.2 has a document."""
    cis = Framework.objects.get(key="cis-aws", tenant=None)
    excluded = Control.objects.get(framework=cis, ref="1.1")
    response = admin_client.put(
        f"/api/controls/{excluded.pk}/applicability",
        {"applicable": False, "justification": JUSTIFICATION},
        format="json",
    )
    assert response.status_code == 200, response.content
    document = manual_evidence(tenant=tenant, control=Control.objects.get(framework=cis, ref="1.2"))
    job = ScanJob.objects.get(pk=run_scan(admin_client)["id"])
    return job, cis, document


def test_the_page_shows_what_the_report_says_escaped_and_ready_to_print(scanned, tenant, web_login):
    # given a viewer and the report the API would render
    job, cis, document = scanned
    client = web_login(tenant, Role.VIEWER)
    report = scan_report(scan_job=job, framework=cis)
    # when
    response = client.get(page_url(job, cis))
    # then the same score, failing control with its check and remediation, exclusion and evidence hash
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Score {report.summary.score:.1f}%" in page and f"Coverage {report.summary.coverage:.1f}%" in page
    assert "5.2 · " in page and SG_CHECK in page
    assert escape(get_check(SG_CHECK).remediation) in page
    assert escape(JUSTIFICATION) in page and "<Group IT>" not in page
    assert document.sha256 in page
    assert all(e.sha256 in page for e in report.evidence)
    assert str(job.pk) in page and "Acme" in page
    # and it is a page to print: its own stylesheet (the CSP allows no inline style), no site navigation
    assert "css/report.css" in page and "style=" not in page and "main-nav" not in page
    assert reverse("web:scan-report-pdf", kwargs={"pk": job.pk, "framework_pk": cis.pk}) in page


def test_the_pdf_download_and_the_links_from_the_scan_page(scanned, tenant, web_login):
    # given
    job, cis, _ = scanned
    client = web_login(tenant, Role.VIEWER)
    # when
    detail = client.get(reverse("web:scan-detail", kwargs={"pk": job.pk})).content.decode()
    response = client.get(pdf_url(job, cis))
    # then the scan page links a report per framework it scored
    for entry in job.framework_scores:
        framework = Framework.objects.get(pk=entry["framework_id"])
        assert page_url(job, framework) in detail and pdf_url(job, framework) in detail
    # and the download is the PDF, named after the framework and the scan
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"] == f'attachment; filename="complywise-cis-aws-{str(job.pk)[:8]}.pdf"'
    assert response["Cache-Control"] == "no-store"


def test_another_tenants_scan_or_a_framework_not_in_the_scan_is_404(tenant, other_tenant, web_login):
    # given a completed scan of another tenant, and one of this tenant covering only its own framework
    foreign_framework, foreign_controls = custom_framework(other_tenant)
    foreign = completed_scan(other_tenant, foreign_framework, {c: "pass" for c in foreign_controls})
    framework, controls = custom_framework(tenant)
    own = completed_scan(tenant, framework, {c: "pass" for c in controls})
    other_framework, _ = custom_framework(tenant, key="second")
    client = web_login(tenant, Role.ADMIN)
    # when / then
    for url in (page_url, pdf_url):
        assert client.get(url(foreign, foreign_framework)).status_code == 404
        assert client.get(url(own, foreign_framework)).status_code == 404
        assert client.get(url(own, other_framework)).status_code == 404
        assert client.get(url(own, framework)).status_code == 200


def test_a_scan_still_running_sends_the_browser_back_to_it(tenant, web_login):
    # given
    framework, _ = custom_framework(tenant)
    running = scan_job(tenant, status="running", framework_ids=[str(framework.pk)])
    client = web_login(tenant, Role.MEMBER)
    # when
    response = client.get(page_url(running, framework))
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("web:scan-detail", kwargs={"pk": running.pk})
