"""End to end in headless Chromium against a live server: log in, scan, filter, open a control, upload evidence.

Screenshots go to test-artifacts/web/ (gitignored). Without /usr/bin/chromium these tests skip.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from complywise.choices import Role
from frameworks.models import Framework
from scans.models import ScanJob
from tests.evidence.factories import PDF_BYTES
from tests.factories import MembershipFactory

from .factories import scan_job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "web"
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium); browser tests skipped.")
    from playwright.sync_api import expect, sync_playwright

    # The default timeout of a context covers actions only; assertions keep Playwright's 5 s unless told.
    expect.set_options(timeout=TIMEOUT_MS)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the tests (and the
    # database teardown) are still plain synchronous code, so Django's async guard is lifted here only.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                yield launched
            finally:
                launched.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    # Every request must stay on the site: no CDN, no external font or script.
    tab.outside_requests = []
    tab.on(
        "request",
        lambda request: (
            None if request.url.startswith((live_server.url, "data:")) else tab.outside_requests.append(request.url)
        ),
    )
    tab.console_errors = []
    tab.on("console", lambda message: tab.console_errors.append(message.text) if message.type == "error" else None)
    yield tab
    context.close()


def log_in(page, membership) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email or username").fill(membership.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))


def shot(page, name: str, *, full_page: bool = True) -> Path:
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def test_scan_filter_open_control_and_upload_evidence(page, tenant, aws_integration, open_ssh_group):
    from playwright.sync_api import expect

    # given a member of a tenant with an AWS account where one security group is open on port 22
    member = MembershipFactory(tenant=tenant, role=Role.MEMBER)
    cis = Framework.objects.get(key="cis-aws")
    log_in(page, member)
    expect(page.get_by_role("heading", name="Compliance dashboard")).to_be_visible()

    # when a CIS AWS scan of the AWS integration is run from the scans page
    page.get_by_role("link", name="Scans", exact=True).click()
    page.get_by_label("Amazon Web Services").check()
    page.get_by_label("Framework").select_option(str(cis.pk))
    page.get_by_role("button", name="Run scan").click()

    # then the scan page shows the completed scan with its results
    page.wait_for_url(re.compile(r"/scans/[0-9a-f-]{36}/$"))
    expect(page.get_by_text("Scan started.")).to_be_visible()
    expect(page.locator(".page-head .badge")).to_have_text(re.compile("Completed"))
    job = ScanJob.objects.get()
    assert job.status == "completed" and job.trigger == "ui"

    # when the results are filtered to failing controls
    page.locator("#id_status").select_option("fail")
    page.get_by_role("button", name="Filter", exact=True).click()
    page.wait_for_url(re.compile(r"status=fail"))
    rows = page.locator("table.results tbody tr")
    expect(rows.first).to_be_visible()
    statuses = rows.locator("td:nth-child(3)").all_inner_texts()
    # (a fail that only comes from checks that could not evaluate is badged as such)
    assert statuses and all("Fail" in s or "Could not evaluate" in s for s in statuses), statuses
    assert any("Fail" in s for s in statuses), statuses

    # and the failing CIS 5.2 control is expanded: it names the open group
    row = rows.filter(has=page.locator("a", has_text=re.compile(r"^5\.2$")))
    row.locator("summary").click()
    expect(row.get_by_text(open_ssh_group).first).to_be_visible()
    shot(page, "01-scan-failing-results")

    # when the control is opened and a PDF uploaded as evidence
    row.get_by_role("link", name="5.2", exact=True).click()
    page.wait_for_url(re.compile(r"/controls/[0-9a-f-]{36}/"))
    expect(page.locator("h1")).to_contain_text("5.2")
    page.get_by_label("File").set_input_files(
        {"name": "firewall-review.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    page.get_by_label("Title").fill("Firewall review Q1")
    page.get_by_role("button", name="Upload").click()

    # then it shows up with its SHA-256 (shortened in the table, in full in the title and the message)
    sha256 = hashlib.sha256(PDF_BYTES).hexdigest()
    expect(page.locator(".message-success")).to_contain_text(sha256)
    cell = page.locator(f'code.sha[title="{sha256}"]')
    expect(cell).to_have_text(sha256[:12] + "…")
    expect(page.locator("table.evidence-table")).to_contain_text("Firewall review Q1")
    shot(page, "02-control-after-upload")

    # and the dashboard shows the framework's score and trend chart
    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator("svg.chart").first).to_be_visible()
    shot(page, "03-dashboard")
    assert page.outside_requests == []
    assert page.console_errors == []


def test_upload_of_a_refused_file_shows_the_reason_on_the_form(page, tenant, scan_data):
    from playwright.sync_api import expect

    # given an admin on a control page
    admin = MembershipFactory(tenant=tenant, role=Role.ADMIN)
    log_in(page, admin)
    page.goto(f"/controls/{scan_data.controls[0].pk}/")
    # when an executable is uploaded
    page.get_by_label("File").set_input_files(
        {"name": "tool.csv", "mimeType": "text/csv", "buffer": b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120}
    )
    page.get_by_role("button", name="Upload").click()
    # then the page answers with the error next to the file input, not an error page
    expect(page.locator("#upload .error")).to_contain_text("not accepted as evidence")
    expect(page.get_by_role("heading", name=re.compile("CTL-1"))).to_be_visible()
    shot(page, "04-upload-refused", full_page=False)


def test_running_scan_page_follows_progress_and_shows_results_when_done(page, tenant, scan_data):
    from playwright.sync_api import expect

    # given a viewer and a scan running at 30 %
    viewer = MembershipFactory(tenant=tenant, role=Role.VIEWER)
    job = scan_job(tenant, status="running", progress=30, framework_ids=[str(scan_data.framework.pk)])
    log_in(page, viewer)
    page.goto(f"/scans/{job.pk}/")
    expect(page.locator("[data-progress-percent]")).to_have_text("30%")
    # when the worker reports progress
    ScanJob.objects.filter(pk=job.pk).update(progress=70)
    # then the page follows without a reload
    expect(page.locator("[data-progress-percent]")).to_have_text("70%")
    expect(page.locator("progress")).to_have_attribute("value", "70")
    shot(page, "05-scan-running", full_page=False)
    # when the scan completes
    ScanJob.objects.filter(pk=job.pk).update(status="completed", progress=100, score=88.0)
    # then the page turns into the result view
    expect(page.get_by_role("heading", name="Results")).to_be_visible()
    expect(page.locator("[data-progress-url]")).to_have_count(0)


def test_small_screen_keyboard_and_skip_link(browser, live_server, tenant, scan_data):
    from playwright.sync_api import expect

    # given a phone-sized window
    context = browser.new_context(viewport={"width": 375, "height": 812}, base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        admin = MembershipFactory(tenant=tenant, role=Role.ADMIN)
        log_in(page, admin)
        for name, url in [
            ("06-mobile-dashboard", "/"),
            ("07-mobile-scan", f"/scans/{scan_data.job.pk}/"),
            ("08-mobile-settings", "/settings/"),
        ]:
            page.goto(url)
            # then nothing makes the page scroll sideways (wide tables scroll inside their own box)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (url, overflow)
            shot(page, name)
        # and the first Tab reaches the skip link, which is then visible and moves focus to the content
        page.goto("/")
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to content")
        expect(skip).to_be_focused()
        expect(skip).to_be_in_viewport()
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_be_focused()
        # and with JavaScript the trend period applies on change (its fallback button is hidden)
        expect(page.get_by_role("button", name="Show")).to_be_hidden()
        page.get_by_label("Trend over").select_option("30")
        page.wait_for_url(re.compile(r"days=30"))
    finally:
        context.close()


AUDIT_JS = """
() => {
  const problems = [];
  if (!document.documentElement.lang) problems.push("no lang on <html>");
  const controls = document.querySelectorAll("input:not([type=hidden]):not([type=submit]), select, textarea");
  for (const el of controls) {
    const named = (el.labels && el.labels.length)
      || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
    if (!named) problems.push("unlabelled " + el.outerHTML.slice(0, 120));
  }
  const headings = [...document.querySelectorAll("main h1, main h2, main h3, main h4, main h5, main h6")];
  if (document.querySelectorAll("h1").length !== 1) problems.push("expected exactly one h1");
  let level = 1;
  for (const h of headings) {
    const next = parseInt(h.tagName[1], 10);
    if (next > level + 1) problems.push("heading jumps from h" + level + " to " + h.outerHTML.slice(0, 80));
    level = next;
  }
  for (const svg of document.querySelectorAll("svg[role=img]")) {
    const ids = (svg.getAttribute("aria-labelledby") || "").split(" ").filter(Boolean);
    if (!ids.length || ids.some((id) => !document.getElementById(id))) problems.push("svg without a name");
  }
  for (const button of document.querySelectorAll("button, a[href]")) {
    if (!button.textContent.trim() && !button.getAttribute("aria-label")) {
      problems.push("empty " + button.outerHTML.slice(0, 80));
    }
  }
  const seen = new Set();
  for (const el of document.querySelectorAll("[id]")) {
    if (seen.has(el.id)) problems.push("duplicate id " + el.id);
    seen.add(el.id);
  }
  return problems;
}
"""


def test_every_page_has_labelled_inputs_ordered_headings_and_named_charts(page, tenant, scan_data):
    # given an admin of a tenant with scans, evidence and an integration
    from tests.integrations.factories import IntegrationFactory

    from .factories import evidence_for

    admin = MembershipFactory(tenant=tenant, role=Role.ADMIN)
    evidence_for(tenant, scan_data.failing)
    IntegrationFactory(tenant=tenant)
    page.goto("/accounts/login/")
    assert page.evaluate(AUDIT_JS) == []
    log_in(page, admin)
    pages = {
        "dashboard": "/",
        "scans": "/scans/",
        "scan": f"/scans/{scan_data.job.pk}/",
        "control": f"/controls/{scan_data.failing.pk}/",
        "evidence": "/evidence/",
        "frameworks": "/frameworks/",
        "framework": f"/frameworks/{scan_data.framework.pk}/",
        "checks": "/checks/?q=s3_bucket",
        "integrations": "/integrations/",
        "integration-new-aws": "/integrations/new/?type=aws",
        "settings": "/settings/",
    }
    # when / then
    for number, (name, url) in enumerate(pages.items(), start=10):
        page.goto(url)
        assert page.evaluate(AUDIT_JS) == [], url
        shot(page, f"{number}-{name}")
    assert page.outside_requests == []
    assert page.console_errors == []
