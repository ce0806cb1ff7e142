"""The scan report: gathered from a real scan, rendered as a PDF that opens and says the right things, and the API."""

from __future__ import annotations

import math
import re

import pypdfium2 as pdfium
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complywise.choices import Role
from frameworks.models import Control, Framework, TenantFramework
from frameworks.scope import control_applicability_set
from integrations.registry import get_check
from scans.models import ScanJob
from scans.report import scan_report
from scans.report_pdf import MARGIN, PAGE_HEIGHT, PAGE_WIDTH, scan_report_pdf
from tests.evidence.factories import manual_evidence
from tests.frameworks.factories import CustomFrameworkFactory
from tests.web.factories import completed_scan, custom_framework, scan_job

pytestmark = pytest.mark.django_db

SG_CHECK = "aws.ec2.sg_no_ingress_admin_ports_ipv4"
# Markup characters on purpose: reportlab must print them, not read them.
JUSTIFICATION = "Contact details are kept by the parent company <Group IT> & its legal team."


def cis(ref: str) -> Control:
    return Control.objects.get(framework__key="cis-aws", framework__tenant=None, ref=ref)


@pytest.fixture
def scanned(tenant, admin_client, aws_integration, open_ssh_group, run_scan):
    """A completed scan of SOC 2, ISO 27001 and CIS AWS: CIS 5.2 fails on the open SSH group, CIS 1.1 is excluded
    with a justification, CIS 1.2 has a document."""
    excluded = cis("1.1")
    response = admin_client.put(
        f"/api/controls/{excluded.pk}/applicability",
        {"applicable": False, "justification": JUSTIFICATION},
        format="json",
    )
    assert response.status_code == 200, response.content
    document = manual_evidence(tenant=tenant, control=cis("1.2"), name="security-contacts.txt")
    job = run_scan(admin_client)
    assert job["status"] == "completed", job
    return ScanJob.objects.get(pk=job["id"]), document


def pdf_text(content: bytes) -> str:
    pdf = pdfium.PdfDocument(content)
    text = " ".join(page.get_textpage().get_text_range() for page in pdf)
    # Lines wrap wherever the layout needs: compare words, not line breaks.
    return re.sub(r"\s+", " ", text)


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# --------------------------------------------------------------------------- gathering


def test_the_report_reads_the_scans_own_verdicts_scores_and_evidence(scanned):
    # given
    job, document = scanned
    framework = Framework.objects.get(key="cis-aws", tenant=None)
    # when
    report = scan_report(scan_job=job, framework=framework)
    # then score and coverage are the scan's framework_scores entry, to the digit
    entry = next(e for e in job.framework_scores if e["framework_key"] == "cis-aws")
    s = report.summary
    assert (s.score, s.coverage, s.passed, s.failed, s.could_not_evaluate) == (
        entry["score"],
        entry["coverage"],
        entry["passed"],
        entry["failed"],
        entry["could_not_evaluate"],
    )
    assert (s.excluded, s.unassessed, s.total) == (entry["excluded"], entry["unassessed"], entry["total"])
    assert s.findings == len(report.failing) and s.could_not_evaluate == len(report.could_not_evaluate)
    assert s.excluded == len(report.excluded) == 1
    # and CIS 5.2 fails naming the check, its severity and the registry's remediation
    failing = {c.ref: c for c in report.failing}
    check = next(c for c in failing["5.2"].checks if c.check_id == SG_CHECK)
    assert check.remediation == get_check(SG_CHECK).remediation and check.severity and not check.could_not_evaluate
    assert check.failed >= 1 and SG_CHECK in failing["5.2"].finding
    # and the exclusion carries its justification and who decided
    (excluded,) = report.excluded
    assert (excluded.ref, excluded.justification, excluded.still_excluded) == ("1.1", JUSTIFICATION, True)
    assert excluded.decided_by
    # and the document is indexed with its hash and control, next to the scan records of assessed results
    manual = [e for e in report.evidence if e.kind == "manual"]
    assert [(e.evidence_id, e.sha256, e.control_refs, e.freshness) for e in manual] == [
        (document.pk, document.sha256, ("1.2",), "fresh")
    ]
    auto = [e for e in report.evidence if e.kind == "auto"]
    assert len(auto) == s.passed + s.failed and all(len(e.sha256) == 64 for e in auto)


def test_the_report_costs_the_same_few_queries_for_three_controls_or_a_whole_catalog(
    scanned, tenant, django_assert_max_num_queries
):
    # given the CIS AWS report of a real scan, and a three-control framework's scan, each with a document
    job, _ = scanned
    big = Framework.objects.get(key="cis-aws", tenant=None)
    small, controls = custom_framework(tenant)
    small_job = completed_scan(tenant, small, {controls[0]: "pass", controls[1]: "fail", controls[2]: "pass"})
    manual_evidence(tenant=tenant, control=controls[0])

    def queries(scan_id, framework) -> int:
        fresh = ScanJob.objects.get(pk=scan_id)
        with CaptureQueriesContext(connection) as captured:
            scan_report(scan_job=fresh, framework=framework)
        return len(captured)

    # when / then
    assert big.controls.count() > 40
    assert queries(job.pk, big) == queries(small_job.pk, small)
    # (documents per control take three queries: requirements, crosswalk equivalents, links)
    with django_assert_max_num_queries(8):
        scan_report(scan_job=ScanJob.objects.get(pk=job.pk), framework=big)


# --------------------------------------------------------------------------- the PDF


def test_the_pdf_opens_renders_a_page_and_says_what_failed_why_and_what_proves_the_rest(scanned):
    # given
    job, document = scanned
    report = scan_report(scan_job=job, framework=Framework.objects.get(key="cis-aws", tenant=None))
    # when
    content = scan_report_pdf(report)
    # then it is a PDF with pages of A4 size, the first one really drawn on
    assert content.startswith(b"%PDF-")
    pdf = pdfium.PdfDocument(content)
    assert len(pdf) >= 1
    assert pdf[0].get_size() == pytest.approx((PAGE_WIDTH, PAGE_HEIGHT), abs=0.01)
    image = pdf[0].render(scale=1).to_pil().convert("L")
    # At scale 1 a point is a pixel; pdfium rounds a partial pixel up.
    assert image.size == (math.ceil(PAGE_WIDTH), math.ceil(PAGE_HEIGHT))
    inked = sum(image.histogram()[:200]) / (image.size[0] * image.size[1])
    assert 0.01 < inked < 0.5, inked
    # and its text names the tenant, the failing control, the remediation, the justification and the hash
    text = pdf_text(content)
    assert "Acme" in text and str(job.pk) in text
    assert "5.2" in text and SG_CHECK in text
    assert words(get_check(SG_CHECK).remediation) in text
    assert JUSTIFICATION in text
    assert document.sha256 in text and "security-contacts.txt" in text
    # and every page says where it is
    assert f"Page 1 of {len(pdf)}" in text and f"Page {len(pdf)} of {len(pdf)}" in text


def test_long_text_wraps_inside_the_page_and_empty_sections_say_so(tenant):
    # given a failing control with a very long finding holding an unbroken token, and an excluded one whose
    # justification is as long as the API allows, in wide letters (its table row is taller than a page)
    framework, controls = custom_framework(tenant)
    justification = ("WWWWWWWWW MMMMMMMMM " * 100)[:2000]
    control_applicability_set(
        tenant=tenant, control=controls[2], applicable=False, justification=justification, actor=None
    )
    job = completed_scan(tenant, framework, {controls[0]: "fail", controls[1]: "pass", controls[2]: "not-applicable"})
    token = "arn:aws:iam::123456789012:role/" + "x" * 160
    job.results.filter(control=controls[0]).update(finding=("A resource fails here. " * 60) + token)
    job.results.filter(control=controls[2]).update(basis="excluded")
    # when
    content = scan_report_pdf(scan_report(scan_job=job, framework=framework))
    # then no character is drawn past the right margin on any page
    pdf = pdfium.PdfDocument(content)
    for page in pdf:
        textpage = page.get_textpage()
        rights = [textpage.get_charbox(i)[2] for i in range(textpage.count_chars())]
        assert max(rights) <= PAGE_WIDTH - MARGIN + 1
    # and the whole justification is there (its row split over pages), and empty sections say so in words
    text = pdf_text(content)
    assert text.count("WWWWWWWWW") == justification.count("WWWWWWWWW") == 100
    assert text.count("MMMMMMMMM") == justification.count("MMMMMMMMM") == 100
    assert "No control failed only because a check could not evaluate." in text
    assert "Every applicable control was assessed by a check or a document." in text
    assert "No document or scan record supports this framework's controls in this scan." in text


# --------------------------------------------------------------------------- the API


def test_the_api_answers_the_pdf_as_an_uncached_attachment_and_a_viewer_may_read_it(scanned, tenant, client_for):
    # given a viewer and a scan of three frameworks
    job, document = scanned
    viewer = client_for(tenant, Role.VIEWER)
    # when asked for CIS AWS by key
    response = viewer.get(f"/api/scans/{job.pk}/report", {"framework_id": "cis-aws"})
    # then
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="complywise-cis-aws-{str(job.pk)[:8]}.pdf"'
    assert response["Cache-Control"] == "no-store"
    assert document.sha256 in pdf_text(response.content)
    # and by id, with a PDF-only Accept header, the same report
    framework = Framework.objects.get(key="cis-aws", tenant=None)
    by_id = viewer.get(f"/api/scans/{job.pk}/report?framework_id={framework.pk}", HTTP_ACCEPT="application/pdf")
    assert by_id.status_code == 200 and by_id["Content-Type"] == "application/pdf"


def test_a_scan_of_one_framework_needs_no_framework_id(admin_client, tenant):
    # given a completed scan of a single framework
    framework, controls = custom_framework(tenant)
    job = completed_scan(tenant, framework, {controls[0]: "pass", controls[1]: "fail", controls[2]: "not-applicable"})
    # when
    response = admin_client.get(f"/api/scans/{job.pk}/report")
    # then
    assert response.status_code == 200, response.content
    assert f"complywise-{framework.key}-{str(job.pk)[:8]}.pdf" in response["Content-Disposition"]


def test_the_framework_must_be_given_known_and_in_the_scan(scanned, tenant, other_tenant, admin_client):
    # given a scan of three frameworks
    job, _ = scanned
    url = f"/api/scans/{job.pk}/report"
    own_custom = CustomFrameworkFactory(tenant=tenant)
    TenantFramework.objects.create(tenant=tenant, framework=own_custom)
    foreign = CustomFrameworkFactory(tenant=other_tenant)
    # when / then: none given among several, unknown, another tenant's, or one the scan did not evaluate: 400
    missing = admin_client.get(url)
    assert missing.status_code == 400 and "3 frameworks" in missing.json()["framework_id"][0]
    for ref in ("no-such-framework", str(foreign.pk), foreign.key):
        response = admin_client.get(url, {"framework_id": ref})
        assert response.status_code == 400, ref
        assert response.json() == {"framework_id": ["No such framework (give its id or its key)."]}
    not_scanned = admin_client.get(url, {"framework_id": str(own_custom.pk)})
    assert not_scanned.status_code == 400
    assert not_scanned.json() == {"framework_id": ["This scan did not evaluate that framework."]}
    # and an undeclared parameter is refused like everywhere in the API
    assert admin_client.get(url, {"framework_id": "cis-aws", "fmt": "x"}).status_code == 400


def test_a_scan_not_completed_is_409_and_another_tenants_scan_404(tenant, other_tenant, admin_client):
    # given a running scan of the tenant and a completed one of another tenant
    framework, _ = custom_framework(tenant)
    running = scan_job(tenant, status="running", framework_ids=[str(framework.pk)])
    failed = scan_job(tenant, status="failed", framework_ids=[str(framework.pk)])
    foreign_framework, foreign_controls = custom_framework(other_tenant)
    foreign = completed_scan(other_tenant, foreign_framework, {c: "pass" for c in foreign_controls})
    # when / then
    assert admin_client.get(f"/api/scans/{running.pk}/report").status_code == 409
    assert admin_client.get(f"/api/scans/{failed.pk}/report").status_code == 409
    for scan_id in (foreign.pk, "not-a-uuid"):
        response = admin_client.get(f"/api/scans/{scan_id}/report")
        assert response.status_code == 404, scan_id


def test_a_key_names_the_version_the_scan_evaluated_even_after_a_newer_one(admin_client, tenant):
    # given a scan of version 1 of a framework, then a version 2 of the same key
    framework, controls = custom_framework(tenant)
    job = completed_scan(tenant, framework, {c: "pass" for c in controls})
    Framework.objects.create(tenant=tenant, key=framework.key, name="Acme controls", version="2")
    # when asked by key
    response = admin_client.get(f"/api/scans/{job.pk}/report", {"framework_id": framework.key})
    # then the report is of the version the scan evaluated
    assert response.status_code == 200, response.content
    assert "version 1)" in pdf_text(response.content)


def test_a_partial_scan_says_so_and_names_what_was_not_collected(tenant):
    # given a completed scan that could not collect one integration
    framework, controls = custom_framework(tenant)
    job = completed_scan(tenant, framework, {c: "pass" for c in controls})
    ScanJob.objects.filter(pk=job.pk).update(partial=True, error="Partial scan; not collected: aws 'prod': timed out")
    job.refresh_from_db()
    # when
    text = pdf_text(scan_report_pdf(scan_report(scan_job=job, framework=framework)))
    # then
    assert "results cover only part of the scope" in text and "aws 'prod': timed out" in text


def test_the_evidence_index_lists_the_documents_as_the_scan_saw_them(tenant):
    # given a document uploaded before a scan completed, and one uploaded after
    framework, controls = custom_framework(tenant)
    before = manual_evidence(tenant=tenant, control=controls[0], name="before.txt")
    job = completed_scan(tenant, framework, {c: "pass" for c in controls})
    ScanJob.objects.filter(pk=job.pk).update(completed_at=timezone.now())
    job.refresh_from_db()
    manual_evidence(tenant=tenant, control=controls[0], name="after.txt")
    # when
    report = scan_report(scan_job=job, framework=framework)
    # then only the first is indexed: the later one played no part in these verdicts
    assert [(e.name, e.sha256) for e in report.evidence if e.kind == "manual"] == [("before.txt", before.sha256)]
