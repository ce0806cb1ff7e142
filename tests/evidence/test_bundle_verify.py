"""An auditor verifies a bundle with the verify.py it carries, without the platform: the chain's hashes, each
row's seal, each file's bytes, and that nothing was rewritten since an earlier bundle."""

import csv
import hashlib
import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.utils import timezone

from complywise.models import AuditEvent
from evidence import bundle_verify, exports, services
from evidence.models import Evidence, EvidenceControlLink, EvidenceExport, EvidenceTombstone
from tests.frameworks.factories import FrameworkFactory

from .factories import CSV_BYTES, PDF_BYTES, active_control, auto_items, manual_evidence, scan_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(tenant):
    """Evidence of two frameworks (the bundle holds one's), one artifact of the other deleted (a tombstone)."""
    soc2 = FrameworkFactory(key="soc2-v", name="SOC 2")
    iso = FrameworkFactory(key="iso-v", name="ISO 27001")
    cc61 = active_control(tenant, framework=soc2, ref="CC6.1", title="Logical access security")
    cc62 = active_control(tenant, framework=soc2, ref="CC6.2", title="User registration")
    a515 = active_control(tenant, framework=iso, ref="5.15", title="Access control")
    manual_evidence(tenant=tenant, control=cc61, name="access review.pdf", content=PDF_BYTES)
    doomed = manual_evidence(tenant=tenant, control=a515, name="old.csv", content=CSV_BYTES)
    manual_evidence(tenant=tenant, control=a515, name="policy.pdf", content=PDF_BYTES)
    services.evidence_store_auto_batch(
        tenant=tenant, scan_job=scan_job(tenant), items=auto_items([cc61, cc62]), collected_at=timezone.now()
    )
    services.evidence_delete(evidence=doomed, actor=None, reason="uploaded to the wrong control")
    return {"soc2": soc2, "cc61": cc61, "cc62": cc62, "a515": a515}


def build(tenant, framework, storage_root: Path, into: Path) -> Path:
    export = EvidenceExport.objects.create(tenant=tenant, framework=framework)
    exports.evidence_export_build(export_id=str(export.pk))
    export.refresh_from_db()
    assert export.status == "completed", export.error
    into.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(storage_root / export.file_key, into)
    return into


def extract(bundle: Path, into: Path) -> Path:
    zipfile.ZipFile(bundle).extractall(into)
    return into


def run(location: Path, previous: Path | None = None) -> tuple[int, str]:
    out = io.StringIO()
    code = bundle_verify.verify(location, previous, out=out)
    return code, out.getvalue()


def test_an_auditor_verifies_the_extracted_bundle_with_the_script_it_carries(
    tenant, chain, local_evidence_storage, tmp_path
):
    # given a bundle of SOC 2 as downloaded, and extracted
    bundle = build(tenant, chain["soc2"], local_evidence_storage, tmp_path / "soc2.zip")
    folder = extract(bundle, tmp_path / "soc2")
    # when the auditor runs its verify.py with a plain Python, from the folder, and on the ZIP
    in_folder = subprocess.run(
        [sys.executable, "-I", "verify.py"], cwd=folder, capture_output=True, text=True, timeout=60
    )
    on_zip = subprocess.run(
        [sys.executable, "-I", str(folder / "verify.py"), str(bundle)], capture_output=True, text=True, timeout=60
    )
    # then both pass: three SOC 2 files, in a chain of five positions of which one is a tombstone
    head = Evidence.objects.filter(tenant=tenant).order_by("-sequence").first()
    for result in (in_folder, on_zip):
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.strip() == f"ok: 3 files, chain of 5 (1 tombstones), head {head.chain_hash}"
    # and the script is the platform's own verifier, byte for byte
    assert (folder / "verify.py").read_bytes() == Path(bundle_verify.__file__).read_bytes()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["chain"] == {
        "file": "chain.csv",
        "verifier": "verify.py",
        "head": {"sequence": 5, "hash": head.chain_hash},
    }
    kinds = [row["kind"] for row in csv.DictReader((folder / "chain.csv").open())]
    assert kinds == ["evidence", "tombstone", "evidence", "evidence", "evidence"]
    # and the append-only audit log holds the same head and the bundle's hash, a record the bundle does not carry
    (event,) = AuditEvent.objects.filter(tenant=tenant, action="evidence.export_built")
    assert event.data == {
        "chain_head": manifest["chain"]["head"],
        "sha256": hashlib.sha256(bundle.read_bytes()).hexdigest(),
        "files": 3,
    }


def altered(folder: Path, tmp_path: Path, name: str) -> Path:
    copy = tmp_path / name
    shutil.copytree(folder, copy)
    return copy


def test_each_kind_of_tampering_fails_verification_and_is_named(tenant, chain, local_evidence_storage, tmp_path):
    # given an extracted bundle that verifies
    folder = extract(build(tenant, chain["soc2"], local_evidence_storage, tmp_path / "b.zip"), tmp_path / "b")
    assert run(folder)[0] == 0
    manifest = json.loads((folder / "manifest.json").read_text())
    entry = next(f for f in manifest["files"] if f["content_type"] == "application/pdf")

    # when a file's bytes are changed
    copy = altered(folder, tmp_path, "file")
    (copy / entry["path"]).write_bytes(PDF_BYTES + b"%forged")
    code, out = run(copy)
    # then
    assert code == 1 and f"FAIL {entry['path']}: SHA-256" in out and "altered file" in out

    # when a sealed field is changed in the manifest (a title), or the manifest points at another hash
    for field, value in (("title", "Something else"), ("sha256", "0" * 64)):
        copy = altered(folder, tmp_path, f"sealed-{field}")
        edited = json.loads((copy / "manifest.json").read_text())
        target = next(f for f in edited["files"] if f["evidence_id"] == entry["evidence_id"])
        target["sealed"][field] = value
        (copy / "manifest.json").write_text(json.dumps(edited))
        code, out = run(copy)
        # then
        assert code == 1 and "do not hash to its chain_hash" in out, out

    # when a position is dropped from the chain, or one hash in it is replaced
    lines = (folder / "chain.csv").read_text().splitlines()
    dropped = altered(folder, tmp_path, "dropped")
    (dropped / "chain.csv").write_text("\n".join(lines[:2] + lines[3:]) + "\n")
    replaced = altered(folder, tmp_path, "replaced")
    sequence, kind, evidence_id, previous, _ = lines[1].split(",")
    (replaced / "chain.csv").write_text(
        "\n".join([lines[0], f"{sequence},{kind},{evidence_id},{previous},{'f' * 64}", *lines[2:]]) + "\n"
    )
    # then
    code, out = run(dropped)
    assert code == 1 and "position 2 holds sequence 3" in out
    code, out = run(replaced)
    assert code == 1 and "sequence 2's previous_hash is not the chain_hash before it" in out

    # when a file is missing from the bundle
    copy = altered(folder, tmp_path, "missing")
    (copy / entry["path"]).unlink()
    code, out = run(copy)
    assert code == 1 and "the file is not in the bundle" in out


def test_a_later_bundle_proves_nothing_was_rewritten_in_between(tenant, chain, local_evidence_storage, tmp_path):
    # given a bundle, then one more document, then a second bundle
    first = build(tenant, chain["soc2"], local_evidence_storage, tmp_path / "first.zip")
    manual_evidence(tenant=tenant, control=chain["cc62"], name="registration.csv", content=CSV_BYTES)
    second = build(tenant, chain["soc2"], local_evidence_storage, tmp_path / "second.zip")
    # when the auditor checks the second against the first
    code, out = run(second, first)
    # then it extends it
    assert code == 0 and out.strip().endswith(f"extends {first}")
    assert "ok: 4 files, chain of 6" in out

    # when history was rewritten between the two (the first bundle holds another hash at a position)
    forged = extract(first, tmp_path / "forged")
    lines = (forged / "chain.csv").read_text().splitlines()
    lines[3] = ",".join([*lines[3].split(",")[:4], "e" * 64])
    (forged / "chain.csv").write_text("\n".join(lines) + "\n")
    code, out = run(second, forged)
    # then
    assert code == 1 and "sequence 3 was " + "e" * 64 in out and "(rewritten)" in out
    # and an older bundle cannot be longer than the newer one
    code, out = run(first, second)
    assert code == 1 and "has 6 chain positions, this bundle only 5" in out


def test_input_that_is_not_a_bundle_is_refused_with_status_2(tmp_path):
    # given a folder without a manifest, and a file that is not a ZIP
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("hello")
    # then
    assert run(tmp_path / "empty") == (2, f"cannot verify: {tmp_path / 'empty'}: no manifest.json in it\n")
    assert run(tmp_path / "notes.txt")[0] == 2


def test_what_a_file_is_said_to_support_must_be_what_its_seal_names(tenant, chain, local_evidence_storage, tmp_path):
    # given an ISO 27001 document linked at upload to SOC 2 CC6.2, in the SOC 2 bundle
    document = manual_evidence(
        tenant=tenant, control=chain["a515"], name="onboarding.pdf", content=PDF_BYTES, control_ids=[chain["cc62"].pk]
    )
    folder = extract(build(tenant, chain["soc2"], local_evidence_storage, tmp_path / "b.zip"), tmp_path / "b")
    entry = next(
        f for f in json.loads((folder / "manifest.json").read_text())["files"] if f["evidence_id"] == str(document.pk)
    )
    assert (entry["supports"], entry["filed_under"]) == (["CC6.2"], "iso-v 5.15")
    assert run(folder)[0] == 0

    # when a link to CC6.1 is added in the database afterwards, and a new bundle built
    EvidenceControlLink.objects.create(tenant=tenant, evidence=document, control=chain["cc61"])
    later = extract(build(tenant, chain["soc2"], local_evidence_storage, tmp_path / "c.zip"), tmp_path / "c")
    code, out = run(later)
    # then the offline check names the claim the seal does not make
    assert code == 1 and "said to support CC6.1, which its seal does not name" in out

    # when the manifest says it was filed somewhere else
    edited = json.loads((folder / "manifest.json").read_text())
    next(f for f in edited["files"] if f["evidence_id"] == str(document.pk))["filed_under"] = "soc2-v CC6.2"
    (folder / "manifest.json").write_text(json.dumps(edited))
    code, out = run(folder)
    # then
    assert code == 1 and "filed under 'soc2-v CC6.2', sealed under 'iso-v 5.15'" in out


def test_a_sealed_link_the_bundle_drops_must_be_explained(tenant, chain, local_evidence_storage, tmp_path):
    # given a SOC 2 access policy filed under CC6.1 and linked at upload to CC6.3 as well
    cc63 = active_control(tenant, framework=chain["soc2"], ref="CC6.3", title="Role changes")
    policy = manual_evidence(
        tenant=tenant, control=chain["cc61"], name="policy.pdf", content=PDF_BYTES, control_ids=[cc63.pk]
    )

    def bundle_entry(name: str) -> tuple[Path, dict]:
        folder = extract(
            build(tenant, chain["soc2"], local_evidence_storage, tmp_path / f"{name}.zip"), tmp_path / name
        )
        files = json.loads((folder / "manifest.json").read_text())["files"]
        return folder, next(f for f in files if f["evidence_id"] == str(policy.pk))

    folder, entry = bundle_entry("whole")
    assert (entry["supports"], entry["unlinked"]) == (["CC6.1", "CC6.3"], [])
    assert run(folder)[0] == 0

    # when the link to CC6.3 is deleted in the database while CC6.3 still exists
    EvidenceControlLink.objects.filter(evidence=policy, control=cc63).delete()
    folder, entry = bundle_entry("dropped")
    code, out = run(folder)
    # then the bundle does not explain it and the offline check names it
    assert (entry["supports"], entry["unlinked"]) == (["CC6.1"], [])
    assert code == 1
    assert "its seal names CC6.3, which it no longer supports, and the bundle does not say why" in out

    # when instead CC6.3 leaves the framework (its links go with it)
    cc63.delete()
    folder, entry = bundle_entry("removed")
    # then the bundle says why the sealed link is gone, and the bundle verifies
    assert entry["unlinked"] == [
        {"ref": "CC6.3", "reason": "the control is no longer in the framework (removed by a catalog change)"}
    ]
    assert run(folder)[0] == 0
    # and an explanation the bundle itself contradicts (the control still listed in the framework) is refused
    edited = json.loads((folder / "manifest.json").read_text())
    listed = json.loads(json.dumps(edited))
    listed["controls"].append({"control_id": str(cc63.pk), "ref": "CC6.3", "title": "Role changes"})
    (folder / "manifest.json").write_text(json.dumps(listed))
    code, out = run(folder)
    assert code == 1
    assert "said to no longer support CC6.3 because the control left the framework, yet the manifest lists it" in out
    assert "its seal names CC6.3, which it no longer supports" in out
    # and an explanation taken out of the manifest is missed
    next(f for f in edited["files"] if f["evidence_id"] == str(policy.pk))["unlinked"] = []
    (folder / "manifest.json").write_text(json.dumps(edited))
    code, out = run(folder)
    assert code == 1 and "its seal names CC6.3" in out


@pytest.mark.django_db(transaction=True)
def test_a_bundle_built_outside_any_transaction_reads_its_chain_from_one_snapshot(
    tenant, local_evidence_storage, tmp_path
):
    # given evidence with a tombstone, and no transaction around the build (as in a worker)
    framework = FrameworkFactory(key="soc2-t", name="SOC 2")
    control = active_control(tenant, framework=framework, ref="CC6.1", title="Logical access security")
    manual_evidence(tenant=tenant, control=control, name="kept.pdf", content=PDF_BYTES)
    gone = manual_evidence(tenant=tenant, control=control, name="gone.csv", content=CSV_BYTES)
    services.evidence_delete(evidence=gone, actor=None, reason="duplicate")
    # when the bundle is built (on PostgreSQL its chain is read in one repeatable-read, read-only transaction)
    bundle = build(tenant, framework, local_evidence_storage, tmp_path / "t.zip")
    # then it verifies: the kept row and the tombstone (the head), each once
    code, out = run(bundle)
    assert code == 0, out
    head = EvidenceTombstone.objects.get(evidence_id=gone.pk).chain_hash
    assert out.strip() == f"ok: 1 files, chain of 2 (1 tombstones), head {head}"
