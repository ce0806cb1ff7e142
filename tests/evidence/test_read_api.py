from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complywise.choices import Role
from evidence import services
from evidence.models import Evidence
from tests.factories import UserFactory

from .factories import CSV_BYTES, PDF_BYTES, active_control, auto_items, manual_evidence, scan_job, upload

pytestmark = pytest.mark.django_db


def test_list_is_newest_first_paginated_and_scoped_to_the_tenant(client_for, tenant, other_tenant):
    # given three items here and one in another tenant
    control = active_control(tenant)
    first = manual_evidence(tenant=tenant, control=control, name="a.txt")
    second = manual_evidence(tenant=tenant, control=control, name="b.txt")
    third = manual_evidence(tenant=tenant, control=control, name="c.txt")
    manual_evidence(tenant=other_tenant, control=active_control(other_tenant))
    client = client_for(tenant, Role.VIEWER)
    # when
    page = client.get("/api/evidence?limit=2").json()
    rest = client.get("/api/evidence?limit=2&offset=2").json()
    # then
    assert page["count"] == 3
    assert [r["id"] for r in page["results"]] == [str(third.pk), str(second.pk)]
    assert [r["id"] for r in rest["results"]] == [str(first.pk)]


def test_filters(client_for, tenant):
    # given manual evidence on two controls and auto evidence of a scan
    control_a = active_control(tenant)
    control_b = active_control(tenant)
    manual_a = manual_evidence(tenant=tenant, control=control_a)
    manual_b = manual_evidence(tenant=tenant, control=control_b)
    job = scan_job(tenant)
    (auto_a,) = services.evidence_store_auto_batch(
        tenant=tenant, scan_job=job, items=auto_items([control_a]), collected_at=timezone.now()
    )
    client = client_for(tenant, Role.AUDITOR)

    def ids(query):
        response = client.get(f"/api/evidence?{query}")
        assert response.status_code == 200, response.content
        return {r["id"] for r in response.json()["results"]}

    # when / then
    assert ids(f"control_id={control_a.pk}") == {str(manual_a.pk), str(auto_a.pk)}
    assert ids(f"framework_id={control_b.framework_id}") == {str(manual_b.pk)}
    assert ids("type=auto") == {str(auto_a.pk)}
    assert ids("type=manual") == {str(manual_a.pk), str(manual_b.pk)}
    assert ids(f"scan_job_id={job.pk}") == {str(auto_a.pk)}
    Evidence.objects.filter(pk=manual_a.pk).update(created_at=timezone.now() - timedelta(days=10))
    week_ago = (timezone.now() - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(f"created_before={week_ago}") == {str(manual_a.pk)}
    assert str(manual_a.pk) not in ids(f"created_after={week_ago}")


def test_bad_filter_values_are_400(client_for, tenant):
    # when
    response = client_for(tenant, Role.ADMIN).get("/api/evidence?control_id=nope&type=other&created_after=soon")
    # then
    assert response.status_code == 400
    assert set(response.json()) == {"control_id", "type", "created_after"}


def test_detail_has_the_documented_fields(client_for, tenant):
    # given expired manual evidence
    control = active_control(tenant)
    evidence = manual_evidence(
        tenant=tenant,
        control=control,
        name="old.csv",
        content=CSV_BYTES,
        collected_at=timezone.now() - timedelta(days=400),
        expires_at=timezone.now() - timedelta(days=35),
    )
    # when
    body = client_for(tenant, Role.VIEWER).get(f"/api/evidence/{evidence.pk}").json()
    # then
    assert set(body) == {
        "id", "type", "title", "description", "control_id", "control_ids", "control_ref", "framework_id",
        "framework_key", "scan_job_id", "sha256", "size", "content_type", "filename", "created_at", "collected_at",
        "expires_at", "is_expired", "valid_until", "freshness", "uploaded_by", "download_url", "sequence",
        "chain_hash",
    }  # fmt: skip
    assert body["freshness"] == "expired" and body["control_ids"] == [body["control_id"]]
    assert body["is_expired"] is True
    assert body["uploaded_by"] is None
    assert body["scan_job_id"] is None
    assert body["sequence"] == 1 and len(body["chain_hash"]) == 64


def _count_list_queries(client) -> int:
    client.get("/api/evidence")  # the token's last_used_at write happens on first use only
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/evidence?limit=100")
    assert response.status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow_with_rows(client_for, tenant, django_assert_max_num_queries):
    # given 5 rows, then 50 (manual with uploaders, and auto)
    control = active_control(tenant)
    client = client_for(tenant, Role.ADMIN)
    for i in range(5):
        manual_evidence(tenant=tenant, control=control, name=f"{i}.txt", actor=UserFactory())
    small = _count_list_queries(client)
    for i in range(20):
        manual_evidence(tenant=tenant, control=control, name=f"more-{i}.txt", actor=UserFactory())
    controls = [active_control(tenant) for _ in range(25)]
    services.evidence_store_auto_batch(
        tenant=tenant, scan_job=scan_job(tenant), items=auto_items(controls), collected_at=timezone.now()
    )
    # when / then the count is the same for 50 rows as for 5
    with django_assert_max_num_queries(small):
        response = client.get("/api/evidence?limit=100")
    assert response.json()["count"] == 50


def test_uploaded_by_is_the_uploaders_email(client_for, tenant):
    # given
    control = active_control(tenant)
    client = client_for(tenant, Role.MEMBER)
    response = client.post(
        "/api/evidence/upload",
        {"file": upload(), "control_id": str(control.pk)},
        format="multipart",
    )
    # when
    listed = client.get("/api/evidence").json()["results"][0]
    # then
    assert listed["uploaded_by"] == response.json()["uploaded_by"]
    assert "@" in listed["uploaded_by"]


def test_local_download_streams_the_file_as_an_attachment(client_for, tenant):
    # given evidence with a non-ASCII name
    control = active_control(tenant)
    evidence = manual_evidence(tenant=tenant, control=control, name="Prüfbericht 2026.pdf", content=PDF_BYTES)
    # when
    response = client_for(tenant, Role.AUDITOR).get(f"/api/evidence/{evidence.pk}/download", HTTP_ACCEPT="*/*")
    # then
    assert response.status_code == 200
    assert response.streaming
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert 'filename="Prufbericht 2026.pdf"' in disposition
    assert "filename*=UTF-8''Pr%C3%BCfbericht%202026.pdf" in disposition


def test_download_ignores_an_unsatisfiable_accept_header(client_for, tenant):
    # given
    evidence = manual_evidence(tenant=tenant, control=active_control(tenant), name="a.pdf", content=PDF_BYTES)
    # when
    response = client_for(tenant, Role.VIEWER).get(f"/api/evidence/{evidence.pk}/download", HTTP_ACCEPT="image/png")
    # then
    assert response.status_code == 200


def test_download_of_a_missing_file_is_404(client_for, tenant, local_evidence_storage):
    # given a row whose file vanished
    evidence = manual_evidence(tenant=tenant, control=active_control(tenant))
    (local_evidence_storage / evidence.file_key).unlink()
    # when
    response = client_for(tenant, Role.ADMIN).get(f"/api/evidence/{evidence.pk}/download")
    # then
    assert response.status_code == 404
    assert "missing" in response.json()["detail"]


def test_there_is_no_update_endpoint(client_for, tenant):
    # given
    evidence = manual_evidence(tenant=tenant, control=active_control(tenant))
    client = client_for(tenant, Role.ADMIN)
    # when
    put = client.put(f"/api/evidence/{evidence.pk}", {"title": "forged"}, format="json")
    patch = client.patch(f"/api/evidence/{evidence.pk}", {"title": "forged"}, format="json")
    # then
    assert put.status_code == 405 and patch.status_code == 405
    evidence.refresh_from_db()
    assert evidence.title == "review.txt"
