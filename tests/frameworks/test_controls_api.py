"""/api/frameworks/{id}/controls and /api/controls/{id}: natural order, filters, detail, custom controls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complywise.choices import Role
from evidence.models import Evidence
from evidence.services import AutoEvidenceItem, evidence_store_auto_batch
from frameworks.models import Control, ControlCheck, Framework
from integrations.registry import all_checks, get_check
from scans.models import ScanJob, ScanResult
from tests.contracts import ObjectEndpointContract, random_id
from tests.evidence.factories import active_control, manual_evidence
from tests.frameworks.factories import ControlCheckFactory, ControlFactory, CustomFrameworkFactory, FrameworkFactory

pytestmark = pytest.mark.django_db

ADMIN_ONLY = (Role.ADMIN,)


def custom_control_url(tenant, suffix: str = "") -> str:
    control = ControlFactory(framework=CustomFrameworkFactory(tenant=tenant))
    return f"/api/controls/{control.pk}{suffix}"


def refs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["ref"] for item in response.json()["results"]]


# --------------------------------------------------------------------------- contracts


class TestControlDetailContract(ObjectEndpointContract):
    def url(self, tenant):
        return custom_control_url(tenant)

    def missing_url(self):
        return f"/api/controls/{random_id()}"


class TestControlUpdateContract(ObjectEndpointContract):
    method = "patch"
    allowed_roles = ADMIN_ONLY

    def url(self, tenant):
        return custom_control_url(tenant)

    def missing_url(self):
        return f"/api/controls/{random_id()}"

    def payload(self, tenant):
        return {"title": "Renamed"}


class TestControlDeleteContract(ObjectEndpointContract):
    method = "delete"
    allowed_roles = ADMIN_ONLY

    def url(self, tenant):
        return custom_control_url(tenant)

    def missing_url(self):
        return f"/api/controls/{random_id()}"


class TestControlChecksContract(ObjectEndpointContract):
    method = "put"
    allowed_roles = ADMIN_ONLY

    def url(self, tenant):
        return custom_control_url(tenant, "/checks")

    def missing_url(self):
        return f"/api/controls/{random_id()}/checks"

    def payload(self, tenant):
        return {"check_ids": [check.id for check in all_checks()[:1]]}


# --------------------------------------------------------------------------- listing


def test_controls_are_listed_in_natural_order(client_for, tenant):
    # given refs created out of order
    framework = CustomFrameworkFactory(tenant=tenant)
    for ref in ["CC6.10", "AC-3", "CC6.2", "AC-2(1)", "CC6.1", "AC-2", "AC-10"]:
        ControlFactory(framework=framework, ref=ref)
    # when a viewer lists them
    response = client_for(tenant, Role.VIEWER).get(f"/api/frameworks/{framework.pk}/controls")
    # then they read like the standard numbers them
    assert refs(response) == ["AC-2", "AC-2(1)", "AC-3", "AC-10", "CC6.1", "CC6.2", "CC6.10"]


def test_shipped_nist_enhancements_follow_their_base_control(admin_client, loaded_frameworks):
    # given the shipped NIST moderate catalog
    framework = Framework.objects.get(key="nist-800-53-r5-moderate")
    # when listing its AC family through the API
    listed = refs(admin_client.get(f"/api/frameworks/{framework.pk}/controls?group=AC Access Control&limit=1000"))
    # then AC-2 comes before its enhancements, which come before AC-3
    assert listed.index("AC-2") < listed.index("AC-2(1)") < listed.index("AC-2(13)") < listed.index("AC-3")
    assert listed.index("AC-3") < listed.index("AC-11") < listed.index("AC-20")


def test_control_list_fields_and_pagination(admin_client, tenant):
    # given a framework with a base control, an automated enhancement and a third control
    framework = FrameworkFactory()
    base = ControlFactory(framework=framework, ref="X-1", group="X group")
    enhancement = ControlFactory(framework=framework, ref="X-1(1)", parent=base)
    ControlCheckFactory(control=enhancement, check_id="b.check")
    ControlCheckFactory(control=enhancement, check_id="a.check")
    ControlFactory(framework=framework, ref="X-2")
    # when reading the first page of two
    response = admin_client.get(f"/api/frameworks/{framework.pk}/controls?limit=2")
    # then
    body = response.json()
    assert body["count"] == 3 and body["next"] and len(body["results"]) == 2
    assert body["results"][1] == {
        "id": str(enhancement.pk),
        "framework_id": str(framework.pk),
        "ref": "X-1(1)",
        "title": enhancement.title,
        "description": enhancement.description,
        "group": "General",
        "parent_ref": "X-1",
        "automated": True,
        "check_ids": ["a.check", "b.check"],
        "attributes": {},
    }
    assert body["results"][0]["parent_ref"] is None and body["results"][0]["automated"] is False


def test_control_filters(admin_client):
    # given
    framework = FrameworkFactory()
    ControlFactory(framework=framework, ref="A-1", title="Account management", group="Access")
    automated = ControlFactory(framework=framework, ref="A-11", title="Session lock", group="Access")
    ControlCheckFactory(control=automated)
    ControlFactory(framework=framework, ref="B-1", title="Backups", description="Keep account data safe.", group="Ops")
    url = f"/api/frameworks/{framework.pk}/controls"
    # when / then
    assert refs(admin_client.get(f"{url}?ref=A-1")) == ["A-1"]
    assert refs(admin_client.get(f"{url}?search=account")) == ["A-1", "B-1"]
    assert refs(admin_client.get(f"{url}?search=a-1")) == ["A-1", "A-11"]
    assert refs(admin_client.get(f"{url}?automated=true")) == ["A-11"]
    assert refs(admin_client.get(f"{url}?automated=false")) == ["A-1", "B-1"]
    assert refs(admin_client.get(f"{url}?group=Ops")) == ["B-1"]
    bad = admin_client.get(f"{url}?automated=yes-please")
    assert bad.status_code == 400 and set(bad.json()) == {"automated"}


def test_controls_list_query_count_does_not_grow_with_controls(admin_client, django_assert_max_num_queries):
    # given a framework with a few controls (with parents and checks), listed once
    framework = FrameworkFactory()

    def add_controls(count: int) -> None:
        for _ in range(count):
            parent = ControlFactory(framework=framework)
            ControlCheckFactory(control=ControlFactory(framework=framework, parent=parent))

    add_controls(2)
    url = f"/api/frameworks/{framework.pk}/controls?limit=1000"
    admin_client.get(url)  # the first request also records the token's last use
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url).status_code == 200
    # when there are many more
    add_controls(60)
    # then the page takes no more queries
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client.get(url)
    assert response.json()["count"] == 124


# --------------------------------------------------------------------------- detail


def test_control_detail_shows_checks_latest_result_and_evidence_of_this_tenant_only(
    client_for, tenant, other_tenant, check_ids
):
    # given a shipped control mapped to a registered check and to an id no connector provides
    framework = FrameworkFactory(key="shipped")
    parent = ControlFactory(framework=framework, ref="S-1")
    control = ControlFactory(framework=framework, ref="S-1(1)", parent=parent)
    ControlCheckFactory(control=control, check_id=check_ids[0])
    ControlCheckFactory(control=control, check_id="zz.retired.check")
    # and two scans of this tenant and a newer one of another tenant
    now = timezone.now()
    for owner, status, age in [(tenant, "fail", 2), (tenant, "pass", 1), (other_tenant, "fail", 0)]:
        job = ScanJob.objects.create(tenant=owner, status="completed", created_at=now - timedelta(hours=age))
        ScanResult.objects.create(
            tenant=owner,
            scan_job=job,
            framework=framework,
            control=control,
            status=status,
            created_at=now - timedelta(hours=age),
        )
    latest_job = ScanJob.objects.for_tenant(tenant).order_by("-created_at").first()
    # and evidence for the control in both tenants
    for owner, sequence in [(tenant, 1), (tenant, 2), (other_tenant, 1)]:
        Evidence.objects.create(
            tenant=owner,
            type="manual",
            control=control,
            framework=framework,
            title="Proof",
            file_key=f"{owner.slug}/{sequence}",
            sha256="0" * 64,
            size=1,
            content_type="text/plain",
            filename="proof.txt",
            collected_at=now,
            sequence=sequence,
            chain_hash="0" * 64,
        )
    # when a viewer of this tenant reads the control
    response = client_for(tenant, Role.VIEWER).get(f"/api/controls/{control.pk}")
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["framework_id"] == str(framework.pk) and body["framework_key"] == "shipped"
    assert body["ref"] == "S-1(1)" and body["parent_ref"] == "S-1" and body["is_custom"] is False
    check = get_check(check_ids[0])
    assert body["checks"] == [
        {
            "check_id": check.id,
            "title": check.title,
            "severity": str(check.severity),
            "integration_type": check.integration_type,
            "registered": True,
        },
        {
            "check_id": "zz.retired.check",
            "title": None,
            "severity": None,
            "integration_type": None,
            "registered": False,
        },
    ]
    assert body["latest_result"]["status"] == "pass"
    assert body["latest_result"]["scan_job_id"] == str(latest_job.pk)
    assert body["evidence_count"] == 2


def test_control_detail_without_results(admin_client):
    # given a control never scanned
    control = ControlFactory()
    # when
    body = admin_client.get(f"/api/controls/{control.pk}").json()
    # then
    assert body["latest_result"] is None and body["evidence_count"] == 0 and body["checks"] == []


# --------------------------------------------------------------------------- custom controls


def test_admin_adds_controls_to_a_custom_framework(admin_client, tenant, check_ids):
    # given a custom framework with a base control
    framework = CustomFrameworkFactory(tenant=tenant)
    ControlFactory(framework=framework, ref="POL-1")
    # when adding an enhancement mapped to two registered checks
    response = admin_client.post(
        f"/api/frameworks/{framework.pk}/controls",
        {
            "ref": "POL-1(1)",
            "title": "Automated policy review",
            "description": "Checked by scans.",
            "group": "Policies",
            "parent_ref": "POL-1",
            "check_ids": [check_ids[1], check_ids[0], check_ids[0]],
        },
        format="json",
    )
    # then it is created under its parent with the (deduplicated) checks
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["ref"] == "POL-1(1)" and body["parent_ref"] == "POL-1" and body["group"] == "Policies"
    assert body["automated"] is True and body["check_ids"] == sorted(check_ids)
    assert body["is_custom"] is True
    listed = admin_client.get(f"/api/frameworks/{framework.pk}").json()
    assert (listed["control_count"], listed["automated_control_count"]) == (2, 1)


@pytest.mark.parametrize(
    ("payload", "fields", "detail"),
    [
        (
            {"ref": "POL-2", "title": "X", "check_ids": ["nope.check"]},
            {"check_ids"},
            "Unknown check id(s): 'nope.check'",
        ),
        ({"ref": "POL-2", "title": "X", "parent_ref": "NOPE"}, {"parent_ref"}, "No control 'NOPE'"),
        ({"ref": "POL-1", "title": "Duplicate"}, {"ref"}, "already has a control 'POL-1'"),
        ({"title": "", "check_ids": "not-a-list"}, {"ref", "title", "check_ids"}, None),
        ({"ref": "x" * 65, "title": "Too long"}, {"ref"}, None),
        ({"ref": ".".join(["1"] * 30), "title": "Too many numbers"}, {"ref"}, "too many numbers"),
    ],
)
def test_bad_control_input_is_400_with_field_errors(admin_client, tenant, payload, fields, detail):
    # given a custom framework with one control
    framework = CustomFrameworkFactory(tenant=tenant)
    ControlFactory(framework=framework, ref="POL-1")
    # when
    response = admin_client.post(f"/api/frameworks/{framework.pk}/controls", payload, format="json")
    # then
    assert response.status_code == 400
    assert set(response.json()) == fields
    if detail:
        assert detail in str(response.json())
    assert framework.controls.count() == 1


def test_update_a_custom_control(admin_client, tenant, check_ids):
    # given a custom framework with two controls
    framework = CustomFrameworkFactory(tenant=tenant)
    first = ControlFactory(framework=framework, ref="P-1")
    second = ControlFactory(framework=framework, ref="P-2")
    url = f"/api/controls/{second.pk}"
    # when editing the second, putting it under the first, and mapping a check
    response = admin_client.patch(
        url, {"ref": "P-1(1)", "title": "Renamed", "parent_ref": "P-1", "check_ids": check_ids[:1]}, format="json"
    )
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["ref"], body["title"], body["parent_ref"], body["check_ids"]) == (
        "P-1(1)",
        "Renamed",
        "P-1",
        check_ids[:1],
    )
    second.refresh_from_db()
    assert second.sort_key > first.sort_key
    # and a cycle, a clash and a blank title are refused
    cycle = admin_client.patch(f"/api/controls/{first.pk}", {"parent_ref": "P-1(1)"}, format="json")
    assert cycle.status_code == 400 and set(cycle.json()) == {"parent_ref"}
    clash = admin_client.patch(url, {"ref": "P-1"}, format="json")
    assert clash.status_code == 400 and set(clash.json()) == {"ref"}
    blank = admin_client.patch(url, {"title": ""}, format="json")
    assert blank.status_code == 400 and set(blank.json()) == {"title"}
    # and the parent can be cleared
    cleared = admin_client.patch(url, {"parent_ref": None}, format="json")
    assert cleared.json()["parent_ref"] is None


def test_set_the_checks_of_a_custom_control(admin_client, tenant, check_ids):
    # given a custom control mapped to one check
    control = ControlFactory(framework=CustomFrameworkFactory(tenant=tenant))
    ControlCheckFactory(control=control, check_id=check_ids[0])
    url = f"/api/controls/{control.pk}/checks"
    # when replacing the mapping, then clearing it
    replaced = admin_client.put(url, {"check_ids": [check_ids[1]]}, format="json")
    assert replaced.status_code == 200, replaced.content
    assert [check["check_id"] for check in replaced.json()["checks"]] == [check_ids[1]]
    assert list(ControlCheck.objects.filter(control=control).values_list("check_id", flat=True)) == [check_ids[1]]
    cleared = admin_client.put(url, {"check_ids": []}, format="json")
    # then
    assert cleared.status_code == 200 and cleared.json()["automated"] is False
    assert not ControlCheck.objects.filter(control=control).exists()
    # and unknown ids or a missing body are refused, naming the field
    unknown = admin_client.put(url, {"check_ids": ["aws.nope", check_ids[0]]}, format="json")
    assert unknown.status_code == 400 and "'aws.nope'" in unknown.json()["check_ids"][0]
    assert admin_client.put(url, {}, format="json").json() == {"check_ids": ["This field is required."]}


def test_shipped_controls_are_read_only(admin_client, check_ids):
    # given a shipped control with a mapping
    control = ControlFactory(framework=FrameworkFactory(), title="Shipped")
    ControlCheckFactory(control=control, check_id=check_ids[0])
    url = f"/api/controls/{control.pk}"
    # when an admin tries to edit, remap or delete it
    patched = admin_client.patch(url, {"title": "Hacked"}, format="json")
    remapped = admin_client.put(f"{url}/checks", {"check_ids": []}, format="json")
    deleted = admin_client.delete(url)
    # then each is refused and nothing changed
    assert (patched.status_code, remapped.status_code, deleted.status_code) == (403, 403, 403)
    assert "read-only" in patched.json()["detail"]
    control.refresh_from_db()
    assert control.title == "Shipped" and control.checks.count() == 1


def test_delete_a_custom_control_with_its_enhancements(admin_client, tenant):
    # given a custom control with an enhancement
    framework = CustomFrameworkFactory(tenant=tenant)
    base = ControlFactory(framework=framework, ref="P-1")
    ControlFactory(framework=framework, ref="P-1(1)", parent=base)
    # when
    response = admin_client.delete(f"/api/controls/{base.pk}")
    # then
    assert response.status_code == 204
    assert not Control.objects.filter(framework=framework).exists()


def test_evidence_count_counts_what_proves_something_not_not_assessed_stubs(admin_client, tenant):
    # given a control with a scan artifact of an assessed result, one of a "not assessed" result, and a document
    # filed under another control but linked to this one
    control = active_control(tenant)
    other = active_control(tenant)
    for status in ("pass", "not-applicable"):
        job = ScanJob.objects.create(tenant=tenant, status="completed")
        (artifact,) = evidence_store_auto_batch(
            tenant=tenant,
            scan_job=job,
            items=[AutoEvidenceItem(control=control, framework=control.framework, title=status, document={})],
            collected_at=timezone.now(),
        )
        ScanResult.objects.create(
            tenant=tenant, scan_job=job, framework=control.framework, control=control, status=status, evidence=artifact
        )
    manual_evidence(tenant=tenant, control=other, control_ids=[control.pk])
    # when
    body = admin_client.get(f"/api/controls/{control.pk}").json()
    # then the assessed artifact and the linked document count, the stub does not
    assert body["evidence_count"] == 2


def test_controls_carry_catalog_attributes_and_filter_on_them(admin_client, tenant):
    # given CIS-like controls with a profile level and an assessment status
    framework = FrameworkFactory()
    ControlFactory(framework=framework, ref="1.1", attributes={"level": 1, "assessment": "manual"})
    ControlFactory(framework=framework, ref="1.2", attributes={"level": 2, "assessment": "automated"})
    ControlFactory(framework=framework, ref="1.3", attributes={"level": 1, "assessment": "automated", "ig1": True})
    url = f"/api/frameworks/{framework.pk}/controls"
    # when / then the attributes are shown and each filter narrows by name:value
    listed = admin_client.get(url).json()["results"]
    assert listed[0]["attributes"] == {"level": 1, "assessment": "manual"}
    assert refs(admin_client.get(f"{url}?attribute=level:1")) == ["1.1", "1.3"]
    assert refs(admin_client.get(f"{url}?attribute=assessment:automated")) == ["1.2", "1.3"]
    assert refs(admin_client.get(f"{url}?attribute=ig1:true")) == ["1.3"]
    # and a malformed filter is a 400 naming it
    bad = admin_client.get(f"{url}?attribute=level")
    assert bad.status_code == 400 and "attribute" in bad.json()
