"""Done when the audit log shows every action of a scripted session.

One admin works through the web client and the API as a person would: a failed and a good login, a token made
on the settings page, an integration created and renamed, a framework activated, a scan run (eager tasks),
evidence uploaded, downloaded and verified (API and page), an auditor export built and downloaded, a schedule,
a retention change, a second token created and revoked. Then ``GET /api/audit-log`` must list each action
with its actor and target, and the CSV download the same.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from complywise.choices import Role
from frameworks.models import TenantFramework
from tests.evidence.factories import TEXT_BYTES, upload
from tests.factories import MembershipFactory
from tests.frameworks.factories import ControlFactory
from tests.integrations.host.support import non_compliant_host

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's
OFFICE_IP = "203.0.113.10"
CI_IP = "198.51.100.20"
ATTACKER_IP = "192.0.2.66"


def test_every_action_of_a_scripted_session_is_in_the_audit_log(tenant, tmp_path, django_capture_on_commit_callbacks):
    # given an admin with a password, and a framework the tenant has not activated yet
    admin = MembershipFactory(tenant=tenant, role=Role.ADMIN)
    email = admin.user.email
    control = ControlFactory()
    framework = control.framework
    assert not TenantFramework.objects.filter(tenant=tenant, framework=framework).exists()
    host_root = tmp_path / "host"
    non_compliant_host(host_root)
    web = Client(REMOTE_ADDR=OFFICE_IP, HTTP_USER_AGENT="Mozilla/5.0 (session test)")

    # when someone guesses the password, then the admin logs in on the web
    failed = web.post("/accounts/login/", {"username": email, "password": "wrong-password"}, REMOTE_ADDR=ATTACKER_IP)
    assert failed.status_code == 200  # the form again, with an error
    logged_in = web.post("/accounts/login/", {"username": email, "password": PASSWORD})
    assert logged_in.status_code == 302, logged_in.content

    # and makes an API token on the settings page, reading its secret once
    made = web.post("/settings/tokens/", {"name": "ci", "membership": str(admin.pk)})
    assert made.status_code == 302, made.content
    secret = re.search(r'value="(cw_[^"]+)"', web.get("/settings/tokens/created/").content.decode()).group(1)
    api = APIClient(REMOTE_ADDR=CI_IP, HTTP_USER_AGENT="ci-bot/1.0")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    ci_token_id = api.get("/api/tokens").json()["results"][0]["id"]

    # and, with the token, connects a host, renames it, activates the framework and runs a scan
    integration = api.post(
        "/api/integrations", {"type": "host", "name": "box", "config": {"root": str(host_root)}}, format="json"
    )
    assert integration.status_code == 201, integration.content
    integration_id = integration.json()["id"]
    assert api.patch(f"/api/integrations/{integration_id}", {"name": "box-2"}, format="json").status_code == 200
    assert api.post(f"/api/frameworks/{framework.pk}/activate").status_code in (200, 201)
    with django_capture_on_commit_callbacks(execute=True):
        triggered = api.post("/api/scans/trigger", {"integration_types": ["host"]}, format="json")
    assert triggered.status_code == 202, triggered.content
    scan_id = triggered.json()["scan_job_id"]
    assert api.get(f"/api/scans/{scan_id}").json()["status"] == "completed"

    # and files evidence, downloads it, verifies it through the API and on the page
    uploaded = api.post(
        "/api/evidence/upload",
        {"file": upload("review.txt", TEXT_BYTES), "control_id": str(control.pk), "title": "Access review"},
        format="multipart",
    )
    assert uploaded.status_code == 201, uploaded.content
    evidence_id = uploaded.json()["id"]
    downloaded = api.get(f"/api/evidence/{evidence_id}/download")
    assert downloaded.status_code == 200 and b"".join(downloaded.streaming_content) == TEXT_BYTES
    assert api.post(f"/api/evidence/{evidence_id}/verify").json()["ok"] is True
    assert web.post(f"/evidence/{evidence_id}/verify/").status_code == 302

    # and builds an auditor export and downloads it
    with django_capture_on_commit_callbacks(execute=True):
        export = api.post("/api/evidence/export", {"framework_id": str(framework.pk)}, format="json")
    assert export.status_code == 202, export.content
    export_id = export.json()["id"]
    assert api.get(f"/api/evidence/exports/{export_id}/download").status_code == 200

    # and schedules scans, shortens retention, and makes and revokes a second token
    schedule = api.post("/api/scan-schedules", {"name": "nightly", "cron": "0 3 * * *"}, format="json")
    assert schedule.status_code == 201, schedule.content
    assert api.patch("/api/tenant", {"retention_days": 90}, format="json").status_code == 200
    temp = api.post("/api/tokens", {"name": "temp"}, format="json").json()
    assert api.post(f"/api/tokens/{temp['id']}/revoke").status_code == 200

    # then the audit log, read through the API, holds every one of those actions
    log = api.get("/api/audit-log", {"limit": 1000}).json()["results"]
    expected = [
        # action, target type, target id, actor email (None: nobody signed in)
        ("auth.login_failed", "User", str(admin.user.pk), None),
        ("auth.login", "User", str(admin.user.pk), email),
        ("token.created", "ApiToken", ci_token_id, email),
        ("token.used_from_new_ip", "ApiToken", ci_token_id, email),
        ("integration.created", "Integration", integration_id, email),
        ("integration.updated", "Integration", integration_id, email),
        ("framework.activated", "Framework", str(framework.pk), email),
        ("scan.triggered", "ScanJob", scan_id, email),
        ("evidence.uploaded", "Evidence", evidence_id, email),
        ("evidence.downloaded", "Evidence", evidence_id, email),
        ("evidence.verified", "Evidence", evidence_id, email),
        ("evidence.export_requested", "EvidenceExport", export_id, email),
        ("evidence.export_built", "EvidenceExport", export_id, None),
        ("evidence.export_downloaded", "EvidenceExport", export_id, email),
        ("schedule.created", "ScanSchedule", schedule.json()["id"], email),
        ("tenant.settings_updated", "Tenant", str(tenant.pk), email),
        ("token.created", "ApiToken", temp["id"], email),
        ("token.revoked", "ApiToken", temp["id"], email),
    ]
    found = {(e["action"], e["target_type"], e["target_id"], e["actor_email"] or None) for e in log}
    missing = [item for item in expected if item not in found]
    assert not missing, f"not in the audit log: {missing}"
    # and who did it from where: the failed login names the attempt and its address, the API calls the token's
    by_action = {}
    for entry in log:
        by_action.setdefault(entry["action"], []).append(entry)
    attempt = by_action["auth.login_failed"][0]
    assert attempt["actor_id"] is None and attempt["data"]["username"] == email
    assert attempt["ip_address"] == ATTACKER_IP
    assert by_action["token.used_from_new_ip"][0]["data"]["ip"] == CI_IP
    assert by_action["integration.created"][0]["ip_address"] == CI_IP
    assert by_action["integration.created"][0]["user_agent"] == "ci-bot/1.0"
    assert by_action["integration.created"][0]["request_id"]
    verified_from = {e["ip_address"] for e in by_action["evidence.verified"]}
    assert verified_from == {CI_IP, OFFICE_IP}  # once through the API, once on the page
    assert by_action["tenant.settings_updated"][0]["data"]["retention_days"] == {"from": 365, "to": 90}
    # and the CSV download of the same log has the same actions
    response = api.get("/api/audit-log", {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {action for action, *_ in expected} <= {row["action"] for row in rows}
    # and the page shows them to the admin
    page = web.get("/settings/audit-log/", {"actor": email})
    assert page.status_code == 200
    for action in ("integration.updated", "scan.triggered", "evidence.downloaded", "token.revoked"):
        assert action in page.content.decode()
