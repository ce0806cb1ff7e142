import itertools
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import RestrictedError
from django.utils import timezone

from complywise.choices import Role
from complywise.models import AuditEvent, Tenant
from evidence import services
from evidence.integrity import compute_chain_hash
from evidence.models import Evidence, EvidenceTombstone

from .conftest import stored_files
from .factories import PDF_BYTES, active_control, auto_items, manual_evidence, scan_job

pytestmark = pytest.mark.django_db


def verify_command(*args) -> tuple[bool, str]:
    out = StringIO()
    try:
        call_command("verify_evidence", *args, stdout=out)
    except CommandError as exc:
        return False, out.getvalue() + str(exc)
    return True, out.getvalue()


@pytest.fixture
def three(tenant):
    control = active_control(tenant)
    return [
        manual_evidence(tenant=tenant, control=control, name=f"{i}.txt", content=f"v{i}\n".encode()) for i in range(3)
    ]


def test_rows_form_a_chain_per_tenant(tenant, other_tenant, three):
    # given evidence in another tenant too
    manual_evidence(tenant=other_tenant, control=active_control(other_tenant))
    # when
    rows = list(Evidence.objects.for_tenant(tenant).order_by("sequence"))
    # then each tenant's sequences start at 1 and each row links to the previous one
    assert [r.sequence for r in rows] == [1, 2, 3]
    assert rows[0].previous_hash == ""
    for previous, row in itertools.pairwise(rows):
        assert row.previous_hash == previous.chain_hash
        assert row.chain_hash == compute_chain_hash(row.previous_hash, row)
    assert Evidence.objects.get(tenant=other_tenant).sequence == 1


def test_verify_endpoint_ok(client_for, tenant, three):
    # when an auditor verifies
    response = client_for(tenant, Role.AUDITOR).post(f"/api/evidence/{three[1].pk}/verify")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["chain_ok"] is True
    assert body["sha256_expected"] == body["sha256_actual"] == three[1].sha256
    assert body["size_expected"] == body["size_actual"] == three[1].size


def test_tampered_file_fails_verify_and_command(client_for, tenant, three, local_evidence_storage):
    # given the stored bytes of the second item are overwritten
    (local_evidence_storage / three[1].file_key).write_bytes(b"forged\n")
    # when
    body = client_for(tenant, Role.VIEWER).post(f"/api/evidence/{three[1].pk}/verify").json()
    ok, output = verify_command()
    # then
    assert body["ok"] is False and body["chain_ok"] is True
    assert body["sha256_actual"] != body["sha256_expected"]
    assert body["size_actual"] == 7
    assert "sha256" in body["detail"]
    assert not ok
    assert f"evidence {three[1].pk}" in output and "acme: FAILED" in output


def test_missing_file_fails_verify(client_for, tenant, three, local_evidence_storage):
    # given
    (local_evidence_storage / three[0].file_key).unlink()
    # when
    body = client_for(tenant, Role.VIEWER).post(f"/api/evidence/{three[0].pk}/verify").json()
    ok, output = verify_command("--tenant", "acme")
    # then
    assert body["ok"] is False and body["sha256_actual"] is None and "missing" in body["detail"]
    assert not ok and "file missing" in output


@pytest.mark.parametrize("field", ["sha256", "title", "collected_at"])
def test_tampered_row_breaks_the_chain_at_that_row(client_for, tenant, three, field):
    # given one sealed field of the second row is changed behind the application's back
    value = {"sha256": "0" * 64, "title": "forged", "collected_at": timezone.now()}[field]
    Evidence.objects.filter(pk=three[1].pk).update(**{field: value})
    # when
    body = client_for(tenant, Role.AUDITOR).post(f"/api/evidence/{three[1].pk}/verify").json()
    ok, output = verify_command("--skip-files")
    # then
    assert body["chain_ok"] is False and body["ok"] is False
    assert not ok
    assert f"first broken link: sequence 2 (evidence {three[1].pk}): row content does not match" in output
    # and the rows after it still verify their own link
    assert client_for(tenant, Role.AUDITOR).post(f"/api/evidence/{three[2].pk}/verify").json()["chain_ok"] is True


def test_moving_evidence_to_another_control_is_detected(tenant, three):
    # given the row's foreign key is pointed at another control
    other = active_control(tenant)
    Evidence.objects.filter(pk=three[0].pk).update(control=other, framework=other.framework)
    # when
    ok, output = verify_command()
    # then
    assert not ok and "no longer matches the sealed control_ref" in output


def test_row_deleted_without_tombstone_is_an_unexplained_gap(tenant, three):
    # given a row removed with a raw delete
    Evidence.objects.filter(pk=three[1].pk).delete()
    # when
    ok, output = verify_command()
    # then
    assert not ok
    assert f"first broken link: sequence 3 (evidence {three[2].pk}): sequence 2 missing with no tombstone" in output


def test_delete_with_reason_leaves_tombstone_audit_and_a_verifiable_chain(
    client_for, tenant, three, local_evidence_storage, django_capture_on_commit_callbacks
):
    # given
    admin = client_for(tenant, Role.ADMIN)
    # when an admin deletes the middle item with a reason
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.delete(f"/api/evidence/{three[1].pk}?reason=Uploaded to the wrong control")
    # then
    assert response.status_code == 204
    assert not Evidence.objects.filter(pk=three[1].pk).exists()
    tombstone = EvidenceTombstone.objects.get(tenant=tenant)
    assert tombstone.sequence == 2 and tombstone.evidence_id == three[1].pk
    assert tombstone.chain_hash == three[1].chain_hash and tombstone.reason == "Uploaded to the wrong control"
    assert tombstone.deleted_by is not None
    event = AuditEvent.objects.get(tenant=tenant, action="evidence.deleted")
    assert event.data["reason"] == "Uploaded to the wrong control" and event.target_id == str(three[1].pk)
    assert not (local_evidence_storage / three[1].file_key).exists()
    assert len(stored_files(local_evidence_storage)) == 2
    ok, output = verify_command()
    assert ok, output
    assert "acme: OK (2 evidence, 1 tombstones, 2 files re-hashed)" in output
    # and the next row links to the chain after the tombstone
    assert admin.post(f"/api/evidence/{three[2].pk}/verify").json()["ok"] is True


def test_deleting_the_last_row_continues_the_chain_from_its_tombstone(tenant, three):
    # given the newest row is deleted
    services.evidence_delete(evidence=three[2], actor=None, reason="duplicate")
    # when a new row is added
    new = manual_evidence(tenant=tenant, control=three[0].control, name="new.pdf", content=PDF_BYTES)
    # then it takes the next sequence and links to the deleted row's hash
    assert new.sequence == 4 and new.previous_hash == three[2].chain_hash
    assert verify_command()[0]


def test_delete_body_reason_is_accepted(client_for, tenant, three):
    # when
    response = client_for(tenant, Role.ADMIN).delete(
        f"/api/evidence/{three[0].pk}", {"reason": "test data"}, format="json"
    )
    # then
    assert response.status_code == 204
    assert EvidenceTombstone.objects.get().reason == "test data"


@pytest.mark.parametrize("reason", [None, "", "   ", "x" * 501])
def test_delete_without_a_valid_reason_is_400(client_for, tenant, three, reason):
    # given
    url = f"/api/evidence/{three[0].pk}" + (f"?reason={reason}" if reason is not None else "")
    # when
    response = client_for(tenant, Role.ADMIN).delete(url)
    # then
    assert response.status_code == 400
    assert "reason" in response.json()
    assert Evidence.objects.filter(pk=three[0].pk).exists()


def test_member_cannot_delete_manual_evidence(client_for, tenant, three):
    # when
    response = client_for(tenant, Role.MEMBER).delete(f"/api/evidence/{three[0].pk}?reason=mine")
    # then
    assert response.status_code == 403
    assert Evidence.objects.filter(pk=three[0].pk).exists()


def test_command_checks_all_tenants_and_reports_each(tenant, other_tenant, three):
    # given a second tenant whose file was tampered
    theirs = manual_evidence(tenant=other_tenant, control=active_control(other_tenant))
    Evidence.objects.filter(pk=theirs.pk).update(size=1)
    # when
    ok, output = verify_command()
    # then
    assert not ok
    assert "acme: OK" in output and "globex: FAILED" in output
    assert "Checked 2 tenant(s)" in output and "globex" in output.splitlines()[-1]


def test_command_unknown_tenant_is_an_error(db):
    # when
    ok, output = verify_command("--tenant", "nope")
    # then
    assert not ok and "nope" in output


def test_command_with_no_evidence_passes(db):
    assert verify_command() == (
        True,
        "Checked 0 tenant(s): 0 evidence, 0 tombstones, 0 files re-hashed; 0 tenant(s) failed.\n",
    )


def test_scan_job_with_evidence_cannot_be_deleted_before_its_evidence_is_purged(tenant):
    # given
    job = scan_job(tenant)
    control = active_control(tenant)
    services.evidence_store_auto_batch(
        tenant=tenant, scan_job=job, items=auto_items([control]), collected_at=timezone.now()
    )
    # when / then
    with pytest.raises(RestrictedError):
        job.delete()
    services.evidence_purge_for_scan_jobs(tenant=tenant, scan_job_ids=[job.pk], reason="retention")
    job.delete()


def test_deleting_a_tenant_still_cascades(tenant, three):
    # given auto evidence too
    services.evidence_store_auto_batch(
        tenant=tenant, scan_job=scan_job(tenant), items=auto_items([three[0].control]), collected_at=timezone.now()
    )
    # when
    Tenant.objects.filter(pk=tenant.pk).delete()
    # then
    assert not Evidence.objects.exists()


def test_orphan_files_are_listed_but_do_not_fail_the_check(tenant, three, local_evidence_storage):
    # given a file in the tenant's namespace that no row points to
    stray = local_evidence_storage / f"tenants/{tenant.pk}/evidence/2026/01/{three[0].pk.hex}/stray.txt"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"left behind")
    # when
    ok, output = verify_command("--orphans")
    # then
    assert ok, output
    assert (
        f"acme: orphan file (no evidence row): tenants/{tenant.pk}/evidence/2026/01/{three[0].pk.hex}/stray.txt"
        in output
    )
    assert output.count("orphan file") == 1
