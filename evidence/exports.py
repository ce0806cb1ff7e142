"""The auditor bundle: a framework's evidence in a window, as one ZIP built in a temporary file.

Layout: one folder per control (``<ref>-<slug of title>/``) holding its evidence files,
``manifest.json`` (framework, window, every file with its sha256 and size, and each control's
latest scan verdict in the window) and ``index.csv`` (the same files, one row each). Files
are copied from storage in chunks and re-hashed on the way, so the manifest says whether each
one still matches its recorded hash.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import tempfile
import uuid
import zipfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import IO, TYPE_CHECKING, Any, TypedDict, cast

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError, transaction
from django.db.models import Case, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, When
from django.utils import timezone
from django.utils.text import slugify

from complywise.celery import BROKER_ERRORS, BROKER_PUBLISH_RETRY
from complywise.exceptions import FieldValidationError, ServiceUnavailableError
from complywise.models import Tenant
from complywise.quotas import quota_check
from complywise.services import audit_record, real_user, tenant_lock
from frameworks.models import Control

from . import selectors
from .bundle_verify import sealed_refs
from .chain import CHAIN_FILE, VERIFIER_FILE, chain_head, verifier_source, write_chain_csv
from .choices import ExportStatus
from .integrity import sealed_fields
from .models import Evidence, EvidenceControlLink, EvidenceExport
from .signals import latest_verdicts_requested
from .sniffing import DOCX, IMAGES, PDF, PPTX, XLSX, ZIP
from .storage import (
    CHUNK_SIZE,
    delete_quietly,
    evidence_storage,
    export_key,
    open_for_read,
    safe_key_name,
    store_stream,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

logger = logging.getLogger(__name__)

# The build task's hard time limit; an export still "running" well after it was lost with its worker.
EXPORT_TIME_LIMIT = 30 * 60

MANIFEST_FORMAT = "complywise.evidence-export/1"
ZIP_CONTENT_TYPE = "application/zip"
ALREADY_COMPRESSED = frozenset({PDF, ZIP, DOCX, XLSX, PPTX, *IMAGES})
INDEX_COLUMNS = [
    "path",
    "evidence_id",
    "control_ref",
    "control_title",
    "type",
    "title",
    "filename",
    "content_type",
    "size",
    "sha256",
    "verified",
    "collected_at",
    "created_at",
    "sequence",
    "chain_hash",
]
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _claim(export_id: str) -> EvidenceExport | None:
    """Mark a queued (or abandoned running) export as running; return it, or the finished one untouched."""
    try:
        uuid.UUID(str(export_id))
    except ValueError:
        return None
    with transaction.atomic():
        export = (
            EvidenceExport.objects.select_for_update(of=("self",))
            .select_related("tenant", "framework")
            .filter(pk=export_id)
            .first()
        )
        if export is None or export.status in (ExportStatus.COMPLETED, ExportStatus.FAILED):
            return export
        export.status = ExportStatus.RUNNING
        export.save(update_fields=["status", "updated_at"])
    return export


def _mark_failed(export: EvidenceExport, reason: str) -> None:
    EvidenceExport.objects.filter(pk=export.pk, status=ExportStatus.RUNNING).update(
        status=ExportStatus.FAILED, error=reason[:2000], completed_at=timezone.now(), updated_at=timezone.now()
    )


def evidence_export_build(*, export_id: str) -> EvidenceExport | None:
    export = _claim(export_id)
    if export is None or export.status != ExportStatus.RUNNING:
        return export
    storage = evidence_storage()
    stored = None
    try:
        generated_at = timezone.now()
        with tempfile.TemporaryFile(dir=getattr(settings, "FILE_UPLOAD_TEMP_DIR", None)) as bundle:
            file_count, head = _write_bundle(export=export, storage=storage, target=bundle, generated_at=generated_at)
            key = export_key(
                tenant_id=export.tenant_id,
                export_id=export.pk,
                filename=f"{export.framework.key}-evidence-{generated_at:%Y%m%d-%H%M%S}.zip",
                when=generated_at,
            )
            stored = store_stream(storage=storage, key=key, source=bundle, content_type=ZIP_CONTENT_TYPE)
        with transaction.atomic():
            completed = EvidenceExport.objects.filter(pk=export.pk, status=ExportStatus.RUNNING).update(
                status=ExportStatus.COMPLETED,
                file_key=stored.key,
                sha256=stored.sha256,
                size=stored.size,
                file_count=file_count,
                error="",
                completed_at=timezone.now(),
                updated_at=timezone.now(),
            )
            if completed:
                # The chain head the bundle was built to, kept in the append-only log as well: an auditor can
                # compare a bundle's head with a record the bundle itself does not carry.
                audit_record(
                    tenant=export.tenant,
                    actor=None,
                    action="evidence.export_built",
                    target=export,
                    data={
                        "chain_head": {"sequence": head[0], "hash": head[1]},
                        "sha256": stored.sha256,
                        "files": file_count,
                    },
                )
    except DatabaseError:
        # The task retries on database errors; the bundle is rebuilt then, so this one must go.
        if stored is not None:
            delete_quietly(storage, [stored.key])
        raise
    except Exception as exc:  # the top of a background job: any failure must end as "failed" with a reason
        logger.exception("evidence export failed", extra={"export_id": str(export.pk)})
        if stored is not None:
            delete_quietly(storage, [stored.key])
        _mark_failed(export, f"{type(exc).__name__}: {exc}")
    export.refresh_from_db()
    return export


# --- the bundle -----------------------------------------------------------------------------------------------------


def _latest_verdicts(export: EvidenceExport, controls: list[Control]) -> dict[Any, dict[str, Any]]:
    """Each control's latest scan verdict in the window, as the apps above evidence report it."""
    verdicts: dict[Any, dict[str, Any]] = {}
    for _, answer in latest_verdicts_requested.send(
        sender=EvidenceExport, export=export, control_ids=[control.pk for control in controls]
    ):
        # The stubs type a receiver's answer as text; the signal's contract is a dict of verdicts (or nothing).
        verdicts.update(cast("dict[Any, dict[str, Any]] | None", answer) or {})
    return verdicts


class _ExportRef(TypedDict):
    export_ref: str | None


def _unlinked(row: Evidence, sealed: dict[str, Any], framework_key: str, supports: list[str]) -> list[dict[str, str]]:
    """The controls of this framework the row's seal names but no longer supports because the control is gone.

    One whose control still stands is left out on purpose: nothing explains it, and ``verify.py`` then reports
    it, as the platform's own verification does (``selectors.link_problem``).
    """
    missing = sealed_refs(sealed, framework_key) - set(supports)
    if not missing:
        return []
    standing = {ref for _, ref in selectors.sealed_controls_standing(row, {(framework_key, r) for r in missing})}
    return [
        {"ref": ref, "reason": "the control is no longer in the framework (removed by a catalog change)"}
        for ref in sorted(missing - standing)
    ]


def _evidence_in_window(export: EvidenceExport, *, up_to: int) -> QuerySet[WithAnnotations[Evidence, _ExportRef]]:
    """The framework's own artifacts, plus documents filed under another framework but linked to one of its controls.

    ``export_ref`` is the control of this framework the row is filed under in the bundle: its own control, or
    (for a document uploaded once for several frameworks) the first control of this framework it is linked to.
    Only rows up to sequence ``up_to`` (the chain's head when the bundle began), so each is in its ``chain.csv``.
    """
    linked_here = EvidenceControlLink.objects.filter(
        evidence=OuterRef("pk"), control__framework_id=export.framework_id
    ).order_by("control__sort_key")
    rows = (
        Evidence.objects.for_tenant(export.tenant_id)
        .filter(Q(framework_id=export.framework_id) | Exists(linked_here), sequence__lte=up_to)
        .annotate(
            export_ref=Case(
                When(framework_id=export.framework_id, then=F("control_ref")),
                default=Subquery(linked_here.values("control__ref")[:1]),
            )
        )
        .prefetch_related(
            Prefetch(
                "control_links",
                queryset=EvidenceControlLink.objects.filter(control__framework_id=export.framework_id)
                .select_related("control")
                .order_by("control__sort_key"),
            )
        )
    )
    if export.period_start:
        rows = rows.filter(collected_at__gte=export.period_start)
    if export.period_end:
        rows = rows.filter(collected_at__lte=export.period_end)
    return rows.order_by("export_ref", "collected_at", "sequence")


def _folder_name(ref: str, title: str) -> str:
    ref_part = safe_key_name(ref, max_length=64)
    title_part = slugify(title)[:60].strip("-")
    return f"{ref_part}-{title_part}" if title_part else ref_part


def _zip_time(value: datetime) -> tuple[int, int, int, int, int, int]:
    value = max(value.astimezone(UTC), _ZIP_EPOCH)
    return (value.year, value.month, value.day, value.hour, value.minute, value.second)


def _copy_into(archive: zipfile.ZipFile, path: str, source: IO[bytes], row: Evidence) -> tuple[str, int]:
    info = zipfile.ZipInfo(path, date_time=_zip_time(row.collected_at))
    info.compress_type = zipfile.ZIP_STORED if row.content_type in ALREADY_COMPRESSED else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    hasher = hashlib.sha256()
    size = 0
    with archive.open(info, "w", force_zip64=True) as target:
        while chunk := source.read(CHUNK_SIZE):
            hasher.update(chunk)
            size += len(chunk)
            target.write(chunk)
    return hasher.hexdigest(), size


def _csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # Spreadsheet apps execute cells starting with these; an auditor opening the index must not.
    return f"'{text}" if text.startswith(_FORMULA_PREFIXES) else text


def _write_bundle(
    *, export: EvidenceExport, storage: Any, target: IO[bytes], generated_at: datetime
) -> tuple[int, tuple[int, str]]:
    """Write the ZIP; the number of files in it and the chain head (sequence, hash) it was built to."""
    controls = list(Control.objects.filter(framework_id=export.framework_id).order_by("sort_key"))
    verdicts = _latest_verdicts(export, controls)
    folders: dict[str, str] = {}
    used: set[str] = set()
    for control in controls:
        folder = _folder_name(control.ref, control.title)
        while folder in used:
            folder = f"{folder}-{control.pk.hex[:6]}"
        used.add(folder)
        folders[control.ref] = folder
    titles = {control.ref: control.title for control in controls}
    head_sequence, head_hash = chain_head(export.tenant_id)

    files: list[dict[str, Any]] = []
    per_control: Counter[str] = Counter()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for row in _evidence_in_window(export, up_to=head_sequence).iterator(chunk_size=200):
            ref = row.export_ref or row.control_ref
            folder = folders.get(ref) or _folder_name(ref or "unassigned", "removed-control")
            path = f"{folder}/{row.pk.hex[:8]}-{safe_key_name(row.filename)}"
            supports = [link.control.ref for link in row.control_links.all()] or [ref]
            sealed = sealed_fields(row)
            entry: dict[str, Any] = {
                "path": path,
                "evidence_id": str(row.pk),
                "control_id": str(row.control_id) if row.control_id else None,
                "control_ref": ref,
                "control_title": titles.get(ref, ""),
                # Where the file was filed (sealed in the chain), and every control of this framework it supports.
                "filed_under": f"{row.framework_key} {row.control_ref}".strip(),
                "supports": supports,
                # Controls of this framework the seal names that the file no longer supports, each explained.
                "unlinked": _unlinked(row, sealed, export.framework.key, supports),
                "type": row.type,
                "title": row.title,
                "filename": row.filename,
                "content_type": row.content_type,
                "size": row.size,
                "sha256": row.sha256,
                "collected_at": _iso(row.collected_at),
                "created_at": _iso(row.created_at),
                "expires_at": _iso(row.expires_at),
                "scan_job_id": str(row.scan_job_id) if row.scan_job_id else None,
                "sequence": row.sequence,
                "chain_hash": row.chain_hash,
                # What verify.py needs to recompute chain_hash without the platform.
                "previous_hash": row.previous_hash,
                "sealed": sealed,
            }
            try:
                with open_for_read(storage, row.file_key) as source:
                    sha256, size = _copy_into(archive, path, source, row)
            except FileNotFoundError:
                entry.update(path=None, verified=False, missing=True)
            else:
                entry["verified"] = sha256 == row.sha256 and size == row.size
                if not entry["verified"]:
                    entry.update(sha256_actual=sha256, size_actual=size)
                per_control[ref] += 1
            files.append(entry)

        manifest: dict[str, Any] = {
            "format": MANIFEST_FORMAT,
            "export_id": str(export.pk),
            "generated_at": _iso(generated_at),
            "tenant": {"id": str(export.tenant_id), "slug": export.tenant.slug, "name": export.tenant.name},
            "framework": {
                "id": str(export.framework_id),
                "key": export.framework.key,
                "name": export.framework.name,
                "version": export.framework.version,
            },
            "window": {
                "start": _iso(export.period_start),
                "end": _iso(export.period_end),
                "evidence_by": "collected_at",
                "scan_results_by": "created_at",
            },
            "controls": [
                {
                    "control_id": str(control.pk),
                    "ref": control.ref,
                    "title": control.title,
                    "folder": folders[control.ref] if per_control[control.ref] else None,
                    "evidence_count": per_control[control.ref],
                    "latest_scan_result": (
                        {
                            "status": verdicts[control.pk]["status"],
                            "scan_job_id": str(verdicts[control.pk]["scan_job_id"]),
                            "created_at": _iso(verdicts[control.pk]["created_at"]),
                        }
                        if control.pk in verdicts
                        else None
                    ),
                }
                for control in controls
            ],
            "chain": {
                "file": CHAIN_FILE,
                "verifier": VERIFIER_FILE,
                "head": {"sequence": head_sequence, "hash": head_hash},
            },
            "files": files,
            "totals": {
                "files": sum(1 for f in files if not f.get("missing")),
                "missing": sum(1 for f in files if f.get("missing")),
                "not_verified": sum(1 for f in files if not f["verified"]),
            },
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8"))
        with archive.open(CHAIN_FILE, "w", force_zip64=True) as raw:
            write_chain_csv(raw, export.tenant_id, up_to=head_sequence)
        archive.writestr(VERIFIER_FILE, verifier_source())
        with archive.open("index.csv", "w") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
            writer = csv.writer(text)
            writer.writerow(INDEX_COLUMNS)
            for entry in files:
                writer.writerow([_csv_cell(entry.get(column)) for column in INDEX_COLUMNS])
    return manifest["totals"]["files"], (head_sequence, head_hash)


# --- requests and the reaper ------------------------------------------------------------------------------------------


def _check_export_quota(*, tenant: Tenant) -> None:
    pending = EvidenceExport.objects.for_tenant(tenant).filter(status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING])
    quota_check(pending=pending, limit=settings.TENANT_MAX_PENDING_EXPORTS, what="exports being built")


def _enqueue_export(export_id: str) -> None:
    from .tasks import evidence_export_build_task  # noqa: PLC0415 - tasks import this module

    evidence_export_build_task.apply_async(args=[export_id], retry=True, retry_policy=BROKER_PUBLISH_RETRY)


def evidence_export_request(
    *,
    tenant: Tenant,
    actor: AbstractBaseUser | None,
    framework_id: Any,
    period_start: datetime | None = None,
    period_end: datetime | None = None,
) -> EvidenceExport:
    """Queue the build of an auditor bundle of a framework's evidence (the task runs after commit).

    429 when the tenant is at its export quota; 503 (and a failed export) if the broker is down.
    """
    framework = selectors.framework_visible(tenant=tenant, framework_id=framework_id)
    if framework is None:
        raise FieldValidationError({"framework_id": "No such framework."})
    if period_start and period_end and period_start > period_end:
        raise FieldValidationError({"period_end": "Must not be before period_start."})
    enqueue_error: list[Exception] = []
    with transaction.atomic():
        # Serialise requests per tenant so concurrent ones cannot overshoot the quota.
        tenant_lock(tenant_id=tenant.pk)
        _check_export_quota(tenant=tenant)
        export = EvidenceExport.objects.create(
            tenant=tenant,
            framework=framework,
            period_start=period_start,
            period_end=period_end,
            requested_by=real_user(actor),
        )
        audit_record(
            tenant=tenant,
            actor=actor,
            action="evidence.export_requested",
            target=export,
            data={
                "framework_key": framework.key,
                "period_start": period_start.isoformat() if period_start else None,
                "period_end": period_end.isoformat() if period_end else None,
            },
        )
        export_id = str(export.pk)

        def enqueue() -> None:
            try:
                _enqueue_export(export_id)
            except BROKER_ERRORS as exc:
                enqueue_error.append(exc)

        transaction.on_commit(enqueue)
    if enqueue_error:
        reason = f"Could not enqueue the export: the task broker is unreachable ({type(enqueue_error[0]).__name__})."
        EvidenceExport.objects.filter(pk=export.pk, status=ExportStatus.QUEUED).update(
            status=ExportStatus.FAILED, error=reason, completed_at=timezone.now(), updated_at=timezone.now()
        )
        logger.error("export enqueue failed", extra={"export_id": export_id})
        raise ServiceUnavailableError(reason, extra={"export_id": export_id})
    return export


def evidence_exports_reap_stale(*, now: datetime | None = None) -> int:
    """Fail exports no worker started within EXPORT_QUEUED_DEADLINE_SECONDS, or whose build outlived its time limit.

    A build is killed at the task's hard time limit, so one still ``running`` well after it was lost with its worker.
    """
    now = now or timezone.now()
    queued_deadline = now - timedelta(seconds=settings.EXPORT_QUEUED_DEADLINE_SECONDS)
    running_deadline = now - timedelta(seconds=EXPORT_TIME_LIMIT + 5 * 60)
    never_started = EvidenceExport.objects.filter(status=ExportStatus.QUEUED, created_at__lt=queued_deadline).update(
        status=ExportStatus.FAILED,
        completed_at=now,
        updated_at=now,
        error=f"No worker started this export within {settings.EXPORT_QUEUED_DEADLINE_SECONDS // 60} minutes.",
    )
    # updated_at is set when a worker claims the export, so it marks the start of the current build.
    lost = EvidenceExport.objects.filter(status=ExportStatus.RUNNING, updated_at__lt=running_deadline).update(
        status=ExportStatus.FAILED,
        completed_at=now,
        updated_at=now,
        error=f"The build did not finish within {(EXPORT_TIME_LIMIT + 5 * 60) // 60} minutes (worker lost or killed).",
    )
    if never_started or lost:
        logger.warning("reaped stale exports", extra={"queued": never_started, "running": lost})
    return never_started + lost
