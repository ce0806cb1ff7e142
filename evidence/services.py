"""Writes of evidence: auto artifacts from scans, manual uploads, deletion with tombstones, exports.

Every new row joins its tenant's hash chain under a lock on the tenant row; files are written
before the database row and removed again if the row cannot be written, so storage never holds
an artifact the database does not know (nor the database a row without its file).
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from complywise.exceptions import (
    FieldValidationError,
    NotFoundError,
    PayloadTooLargeError,
    ServiceUnavailableError,
    UnsupportedMediaTypeError,
)
from complywise.models import Tenant
from complywise.services import audit_record, real_user, tenant_lock
from frameworks.models import Control, Framework

from . import selectors
from .chain import chain_head
from .choices import EvidenceType
from .integrity import link_pairs, seal
from .models import Evidence, EvidenceControlLink, EvidenceTombstone
from .signals import evidence_uploaded
from .sniffing import ALLOWED, UnsupportedContentError, sniff_content_type
from .storage import (
    STORAGE_ERRORS,
    StoredFile,
    UploadTooLargeError,
    delete_quietly,
    evidence_key,
    evidence_storage,
    sanitize_filename,
    store_stream,
)

logger = logging.getLogger(__name__)

PURGE_BATCH = 500
BULK_CREATE_BATCH = 500
STORE_WORKERS = 8
# Clients' clocks drift; evidence "collected" further in the future than this is a mistake.
COLLECTED_AT_SKEW = timedelta(minutes=5)
JSON_CONTENT_TYPE = "application/json"
# An auto evidence document larger than this is assembled in a temporary file: a writer thread holds no more.
DOCUMENT_SPOOL_BYTES = 1 << 16


# --- the chain ----------------------------------------------------------------------------------------


def _append_to_chain(tenant_id: Any, rows: list[Evidence]) -> None:
    """Seal new rows in order after the current head; the caller holds the tenant lock."""
    sequence, previous_hash = chain_head(tenant_id)
    for row in rows:
        sequence += 1
        seal(row, sequence=sequence, previous_hash=previous_hash)
        previous_hash = row.chain_hash


def _tombstone_and_delete(
    rows: list[Evidence], *, reason: str, actor: AbstractBaseUser | None
) -> list[EvidenceTombstone]:
    """Replace rows by tombstones in one go; the caller holds the tenant lock and deletes the files on commit."""
    deleted_by = real_user(actor)
    now = timezone.now()
    tombstones = EvidenceTombstone.objects.bulk_create(
        [
            EvidenceTombstone(
                tenant_id=row.tenant_id,
                sequence=row.sequence,
                evidence_id=row.pk,
                type=row.type,
                previous_hash=row.previous_hash,
                chain_hash=row.chain_hash,
                sha256=row.sha256,
                file_key=row.file_key,
                control_ref=row.control_ref,
                framework_key=row.framework_key,
                scan_job_id=row.scan_job_id,
                reason=reason,
                deleted_by=deleted_by,
                deleted_at=now,
            )
            for row in rows
        ]
    )
    Evidence.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return tombstones


def _clean_reason(reason: str | None) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise FieldValidationError({"reason": "A reason is required to delete evidence."})
    if len(reason) > 500:
        raise FieldValidationError({"reason": "At most 500 characters."})
    return reason


# --- auto evidence (scan engine) -------------------------------------------------------------------------


@dataclass(frozen=True)
class AutoEvidenceItem:
    """One control's scan result as an evidence document; ``document`` must be JSON-serialisable.

    ``splices`` keep large values out of memory: where ``document`` holds a splice's key as a string value
    (once), the bytes its callable yields (the ``canonical_json`` of the real value) are written in its place
    while the file is stored, so the stored bytes are those of the whole document.
    """

    control: Control
    framework: Framework
    title: str
    document: dict
    splices: Mapping[str, Callable[[], Iterable[bytes]]] = field(default_factory=dict)


def canonical_json(value: Any) -> bytes:
    """Canonical: the same document always gives the same bytes, hence the same sha256."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder).encode(
        "utf-8"
    )


def _document_file(item: AutoEvidenceItem) -> IO[bytes]:
    """The item's canonical bytes, with its splices streamed into place, in a file rewound for reading."""
    data = canonical_json(item.document)
    cuts = sorted((data.index(canonical_json(marker)), marker) for marker in item.splices)
    target = tempfile.SpooledTemporaryFile(max_size=DOCUMENT_SPOOL_BYTES)  # noqa: SIM115 - the caller closes it
    try:
        position = 0
        for start, marker in cuts:
            target.write(data[position:start])
            for chunk in item.splices[marker]():
                target.write(chunk)
            position = start + len(canonical_json(marker))
        target.write(data[position:])
        target.seek(0)
    except BaseException:
        target.close()
        raise
    return target


def _existing_auto(tenant_id: Any, scan_job_id: Any, control_ids: Iterable[Any]) -> dict[Any, Evidence]:
    rows = Evidence.objects.filter(
        tenant_id=tenant_id, scan_job_id=scan_job_id, type=EvidenceType.AUTO, control_id__in=list(control_ids)
    )
    return {row.control_id: row for row in rows}


def evidence_store_auto_batch(
    *, tenant: Tenant, scan_job: Any, items: list[AutoEvidenceItem], collected_at: datetime
) -> list[Evidence]:
    """Store one canonical JSON artifact per item and its chained row; idempotent per (scan job, control).

    Returns the rows in the order of ``items`` (an item repeating an earlier control gets that row).
    Files are written in parallel before the one short transaction that seals and bulk-inserts the
    rows; if that transaction fails, the files written here are deleted again.
    """
    if not items:
        return []
    for item in items:
        if item.framework.pk != item.control.framework_id:
            raise ValueError(f"control {item.control.ref} is not a control of framework {item.framework.key}")
    control_ids = {item.control.pk for item in items}
    by_control = _existing_auto(tenant.pk, scan_job.pk, control_ids)

    storage = evidence_storage()
    now = timezone.now()
    pending: list[tuple[Evidence, AutoEvidenceItem]] = []
    seen = set(by_control)
    for item in items:
        if item.control.pk in seen:
            continue
        seen.add(item.control.pk)
        filename = sanitize_filename(f"{item.framework.key}-{item.control.ref}.json")
        row = Evidence(
            tenant=tenant,
            type=EvidenceType.AUTO,
            control=item.control,
            framework=item.framework,
            control_ref=item.control.ref,
            framework_key=item.framework.key,
            title=(item.title or filename)[:300],
            filename=filename,
            content_type=JSON_CONTENT_TYPE,
            scan_job=scan_job,
            collected_at=collected_at,
            created_at=now,
        )
        row.file_key = evidence_key(tenant_id=tenant.pk, evidence_id=row.pk, filename=filename, when=now)
        pending.append((row, item))

    if pending:
        _store_auto_rows(tenant=tenant, scan_job=scan_job, pending=pending, storage=storage, by_control=by_control)
    return [by_control[item.control.pk] for item in items]


def _store_auto_rows(
    *, tenant: Tenant, scan_job: Any, pending: list[tuple[Evidence, AutoEvidenceItem]], storage: Any, by_control: dict
) -> None:
    written: list[str] = []

    def write(entry: tuple[Evidence, AutoEvidenceItem]) -> StoredFile:
        row, item = entry
        with _document_file(item) as source:
            stored = store_stream(storage=storage, key=row.file_key, source=source, content_type=JSON_CONTENT_TYPE)
        written.append(stored.key)
        return stored

    try:
        with ThreadPoolExecutor(max_workers=min(STORE_WORKERS, len(pending))) as pool:
            stored_files = list(pool.map(write, pending))
        rows = []
        for (row, _), stored in zip(pending, stored_files, strict=True):
            row.file_key, row.sha256, row.size = stored.key, stored.sha256, stored.size
            rows.append(row)
        with transaction.atomic():
            tenant_lock(tenant_id=tenant.pk)
            # A redelivered task may have stored the same controls while these files were written.
            raced = _existing_auto(tenant.pk, scan_job.pk, [row.control_id for row in rows])
            if raced:
                by_control.update(raced)
                duplicates = [row.file_key for row in rows if row.control_id in raced]
                transaction.on_commit(partial(delete_quietly, storage, duplicates))
                rows = [row for row in rows if row.control_id not in raced]
            _append_to_chain(tenant.pk, rows)
            Evidence.objects.bulk_create(rows, batch_size=BULK_CREATE_BATCH)
    except BaseException:
        # Re-raised: this only removes the files that no committed row will ever point to.
        delete_quietly(storage, list(written))
        raise
    by_control.update({row.control_id: row for row in rows})


def evidence_purge_for_scan_jobs(
    *, tenant: Tenant, scan_job_ids: list, reason: str, actor: AbstractBaseUser | None = None
) -> int:
    """Delete the evidence of these scan jobs in batches, leaving tombstones; files go once the rows are gone."""
    if not scan_job_ids:
        return 0
    reason = _clean_reason(reason)
    storage = evidence_storage()
    remaining = Evidence.objects.for_tenant(tenant).filter(scan_job_id__in=list(scan_job_ids)).order_by("sequence")
    total = 0
    while True:
        with transaction.atomic():
            tenant_lock(tenant_id=tenant.pk)
            batch = list(remaining[:PURGE_BATCH])
            if not batch:
                break
            _tombstone_and_delete(batch, reason=reason, actor=actor)
            # After the outermost commit: a rolled-back purge must still find its files.
            transaction.on_commit(partial(delete_quietly, storage, [row.file_key for row in batch]))
        total += len(batch)
    if total:
        audit_record(
            tenant=tenant,
            actor=actor,
            action="evidence.purged",
            data={"count": total, "scan_jobs": len(scan_job_ids), "reason": reason},
        )
    return total


# --- manual evidence ----------------------------------------------------------------------------------------


def evidence_upload(
    *,
    tenant: Tenant,
    actor: AbstractBaseUser | None,
    file: UploadedFile,
    control_id: Any,
    framework_id: Any = None,
    title: str = "",
    description: str = "",
    collected_at: datetime | None = None,
    expires_at: datetime | None = None,
    control_ids: Iterable[Any] = (),
) -> Evidence:
    """Store an uploaded file as manual evidence of a control: sniffed, size-capped, hashed while streamed.

    ``control_id`` is the primary control; ``control_ids`` links the same file to more controls, in any
    framework the tenant may attach evidence to (upload once, satisfy every mapped control).
    """
    control = selectors.control_for_evidence(tenant=tenant, control_id=control_id)
    if control is None:
        raise FieldValidationError(
            {"control_id": "No such control in a framework that is active for your organisation or your own."}
        )
    if framework_id is not None and str(framework_id) != str(control.framework_id):
        raise FieldValidationError({"framework_id": "Must be the framework of the control."})
    linked = _linked_controls(tenant=tenant, primary=control, control_ids=control_ids)

    now = timezone.now()
    collected_at = collected_at or now
    if collected_at > now + COLLECTED_AT_SKEW:
        raise FieldValidationError({"collected_at": "Cannot be in the future."})
    if expires_at is not None and expires_at <= collected_at:
        raise FieldValidationError({"expires_at": "Must be after collected_at."})

    max_bytes = settings.EVIDENCE_MAX_UPLOAD_BYTES
    if not file.size:
        raise FieldValidationError({"file": "The submitted file is empty."})
    if file.size > max_bytes:
        raise PayloadTooLargeError(f"The file is larger than the limit of {max_bytes} bytes.")

    filename = sanitize_filename(file.name)
    try:
        content_type = sniff_content_type(file, filename=filename, size=file.size)
    except UnsupportedContentError as exc:
        raise UnsupportedMediaTypeError(
            "This type of file is not accepted as evidence.",
            extra={"detected": exc.detected, "accepted": sorted(ALLOWED)},
        ) from exc

    evidence = Evidence(
        tenant=tenant,
        type=EvidenceType.MANUAL,
        control=control,
        framework=control.framework,
        control_ref=control.ref,
        framework_key=control.framework.key,
        title=(" ".join(title.split()) or filename)[:300],
        description=description,
        filename=filename,
        content_type=content_type,
        uploaded_by=real_user(actor),
        collected_at=collected_at,
        expires_at=expires_at,
        created_at=now,
        sealed_links=link_pairs(linked),
    )
    storage = evidence_storage()
    key = evidence_key(tenant_id=tenant.pk, evidence_id=evidence.pk, filename=filename, when=now)
    try:
        stored = store_stream(storage=storage, key=key, source=file, content_type=content_type, max_bytes=max_bytes)
    except UploadTooLargeError:
        raise PayloadTooLargeError(f"The file is larger than the limit of {max_bytes} bytes.") from None
    except STORAGE_ERRORS as exc:
        logger.exception("evidence upload could not be stored", extra={"key": key})
        raise ServiceUnavailableError("Evidence storage is unavailable; try again later.") from exc
    evidence.file_key, evidence.sha256, evidence.size = stored.key, stored.sha256, stored.size

    try:
        with transaction.atomic():
            tenant_lock(tenant_id=tenant.pk)
            _append_to_chain(tenant.pk, [evidence])
            evidence.save(force_insert=True)
            EvidenceControlLink.objects.bulk_create(
                [EvidenceControlLink(tenant=tenant, evidence=evidence, control=c) for c in linked]
            )
            audit_record(
                tenant=tenant,
                actor=actor,
                action="evidence.uploaded",
                target=evidence,
                data={
                    "control_ref": control.ref,
                    # Sealed in the row as well (format 2); rows sealed before kept this event as their record.
                    "linked_controls": [f"{c.framework.key} {c.ref}" for c in linked],
                    "filename": filename,
                    "sha256": stored.sha256,
                    "size": stored.size,
                },
            )
    except BaseException:
        # Re-raised: the row did not commit, so its file must not stay behind.
        delete_quietly(storage, [stored.key])
        raise
    transaction.on_commit(lambda: _announce_upload(evidence))
    return evidence


def _announce_upload(evidence: Evidence) -> None:
    # A listener's failure (a webhook table problem, say) must never turn a stored upload into an error.
    for _receiver, result in evidence_uploaded.send_robust(
        sender=None, evidence_id=str(evidence.pk), tenant_id=str(evidence.tenant_id)
    ):
        if isinstance(result, Exception):
            logger.error("evidence_uploaded receiver failed", exc_info=result, extra={"evidence_id": str(evidence.pk)})


MAX_LINKED_CONTROLS = 200


def _linked_controls(*, tenant: Tenant, primary: Control, control_ids: Iterable[Any]) -> list[Control]:
    """The primary control then each other one once; any unknown or foreign id is a 400 naming it."""
    wanted: list[str] = []
    for raw in control_ids:
        value = str(raw)
        if value != str(primary.pk) and value not in wanted:
            wanted.append(value)
    if len(wanted) + 1 > MAX_LINKED_CONTROLS:
        raise FieldValidationError({"control_ids": f"At most {MAX_LINKED_CONTROLS} controls per document."})
    found = selectors.controls_for_evidence(tenant=tenant, control_ids=wanted)
    unknown = [value for value in wanted if value not in found]
    if unknown:
        raise FieldValidationError(
            {
                "control_ids": [
                    f"No such control in a framework that is active for your organisation or your own: {value}."
                    for value in unknown
                ]
            }
        )
    return [primary, *(found[value] for value in wanted)]


def evidence_delete(*, evidence: Evidence, actor: AbstractBaseUser | None, reason: str) -> EvidenceTombstone:
    """Delete one artifact (admins, with a recorded reason): tombstone, audit event, file removed on commit."""
    reason = _clean_reason(reason)
    storage = evidence_storage()
    with transaction.atomic():
        tenant_lock(tenant_id=evidence.tenant_id)
        if not Evidence.objects.filter(pk=evidence.pk).exists():
            # Deleted by a concurrent request while this one waited for the lock.
            raise NotFoundError()
        audit_record(
            tenant=evidence.tenant,
            actor=actor,
            action="evidence.deleted",
            target=evidence,
            data={
                "reason": reason,
                "type": evidence.type,
                "sequence": evidence.sequence,
                "sha256": evidence.sha256,
                "filename": evidence.filename,
                "control_ref": evidence.control_ref,
            },
        )
        (tombstone,) = _tombstone_and_delete([evidence], reason=reason, actor=actor)
        transaction.on_commit(partial(delete_quietly, storage, [evidence.file_key]))
    return tombstone
