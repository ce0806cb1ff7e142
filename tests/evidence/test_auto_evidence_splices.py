"""Auto evidence with spliced values: the stored file is the canonical JSON of the whole document."""

import hashlib

import pytest
from django.utils import timezone

from evidence import services
from evidence.selectors import tenant_evidence_verify
from tests.frameworks.factories import FrameworkFactory

from .factories import active_control, scan_job

pytestmark = pytest.mark.django_db


def _outcomes(n: int) -> list[dict]:
    return [
        {"resource_id": f"r-{i:05d}", "status": "fail", "reason": "ouvert à tous", "detail": {"i": i}} for i in range(n)
    ]


def _streamed(value):
    """The value's canonical bytes in small pieces, as a spool file would give them."""
    data = services.canonical_json(value)
    return lambda: (data[i : i + 100] for i in range(0, len(data), 100))


@pytest.mark.parametrize("spool_bytes", [1 << 20, 256], ids=["in-memory", "on-disk"])
def test_spliced_document_is_stored_as_the_whole_documents_bytes(
    tenant, local_evidence_storage, monkeypatch, spool_bytes
):
    # given a document whose two outcome lists are markers, and their values streamed
    monkeypatch.setattr(services, "DOCUMENT_SPOOL_BYTES", spool_bytes)
    control = active_control(tenant, framework=FrameworkFactory(key="soc2-splice"), ref="CC6.1")
    whole = {
        "status": "fail",
        "checks": [
            {"id": "b.check", "outcomes": _outcomes(40), "passed": 0},
            {"id": "a.check", "outcomes": _outcomes(3), "passed": 1},
            {"id": "c.check", "outcomes": [], "passed": 2},
        ],
        "z_after": "tail",
    }
    with_markers = {
        **whole,
        "checks": [
            {**whole["checks"][0], "outcomes": "marker-0"},
            {**whole["checks"][1], "outcomes": "marker-1"},
            whole["checks"][2],
        ],
    }
    item = services.AutoEvidenceItem(
        control=control,
        framework=control.framework,
        title="Scan result",
        document=with_markers,
        splices={"marker-1": _streamed(whole["checks"][1]["outcomes"]), "marker-0": _streamed(_outcomes(40))},
    )
    # when
    (row,) = services.evidence_store_auto_batch(
        tenant=tenant, scan_job=scan_job(tenant), items=[item], collected_at=timezone.now()
    )
    # then the file is byte for byte the canonical document, sealed into the chain
    stored = (local_evidence_storage / row.file_key).read_bytes()
    assert stored == services.canonical_json(whole)
    assert row.sha256 == hashlib.sha256(stored).hexdigest() and row.size == len(stored)
    assert tenant_evidence_verify(tenant=tenant).ok


def test_a_marker_missing_from_the_document_stores_nothing(tenant, local_evidence_storage):
    # given a splice whose marker the document does not hold
    control = active_control(tenant, framework=FrameworkFactory(key="soc2-splice"), ref="CC6.2")
    item = services.AutoEvidenceItem(
        control=control,
        framework=control.framework,
        title="Scan result",
        document={"checks": []},
        splices={"marker-0": _streamed([])},
    )
    # when / then
    with pytest.raises(ValueError):
        services.evidence_store_auto_batch(
            tenant=tenant, scan_job=scan_job(tenant), items=[item], collected_at=timezone.now()
        )
    assert not [p for p in local_evidence_storage.rglob("*") if p.is_file()]
