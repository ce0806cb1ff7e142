from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.http import FileResponse, HttpResponseBase, HttpResponseRedirect
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response

from complywise.api.parsers import MultiPartParser
from complywise.api.validation import validated
from complywise.api.viewsets import TenantScopedGenericViewSet
from complywise.choices import ADMIN_ROLES, READ_ROLES, WRITE_ROLES
from complywise.exceptions import ConflictError, FieldValidationError, NotFoundError, PayloadTooLargeError
from complywise.exports import (
    Column,
    ExportFormatMixin,
    attribute_column,
    export_audit,
    export_format_parameter,
    export_response,
)
from complywise.services import audit_record
from complywise.throttling import EvidenceExportThrottle, EvidenceUploadThrottle
from evidence import exports, selectors, services
from evidence.choices import ExportStatus
from evidence.filtersets import EvidenceFilterSet
from evidence.models import Evidence, EvidenceExport
from evidence.storage import (
    STORAGE_ERRORS,
    content_disposition,
    evidence_storage,
    presigned_download_url,
    supports_presigned_urls,
)
from frameworks.selectors import framework_resolve

from .serializers import (
    EvidenceDeleteSerializer,
    EvidenceExportCreateSerializer,
    EvidenceExportSerializer,
    EvidenceSerializer,
    EvidenceUploadSerializer,
    EvidenceVerificationSerializer,
)
from .uploads import MULTIPART_OVERHEAD_BYTES, TOO_LARGE_FLAG, UploadLimitHandler, content_length


class AnyAcceptNegotiation(BaseContentNegotiation):
    """Downloads answer with the file whatever the client's Accept header says."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def file_download(*, key: str, filename: str, content_type: str):
    """S3: a redirect to a short-lived presigned URL. Local files: streamed from disk as an attachment."""
    storage = evidence_storage()
    if supports_presigned_urls(storage):
        url = presigned_download_url(storage, key, filename=filename, content_type=content_type)
        response: HttpResponseBase = HttpResponseRedirect(url)
    else:
        try:
            handle = storage.open(key, "rb")
        except FileNotFoundError:
            raise NotFoundError("The stored file is missing; run verify.") from None
        except STORAGE_ERRORS as exc:
            raise NotFoundError("The stored file could not be read.") from exc
        response = FileResponse(handle, content_type=content_type or "application/octet-stream")
        response["Content-Disposition"] = content_disposition(filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _control_refs(row: Evidence) -> list[str]:
    """``framework:ref`` of every control the artifact supports, from the prefetched links (no query per row)."""
    refs = [f"{link.control.framework.key}:{link.control.ref}" for link in row.control_links.all()]
    linked = {link.control_id for link in row.control_links.all()}
    if row.control_ref and (row.control_id is None or row.control_id not in linked):
        # Auto artifacts have no links, and a control that left the catalog is only in the sealed snapshot.
        refs.insert(0, f"{row.framework_key}:{row.control_ref}")
    return refs


def evidence_export_columns(*, now: datetime) -> list[Column]:
    """The register as a download; validity is judged at one instant for the whole file."""
    return [
        attribute_column("id"),
        attribute_column("type"),
        attribute_column("title"),
        attribute_column("filename"),
        attribute_column("content_type"),
        attribute_column("framework_key"),
        attribute_column("control_ref"),
        Column("control_refs", _control_refs),
        Column("control_ids", selectors.evidence_control_ids),
        attribute_column("sha256"),
        attribute_column("size"),
        attribute_column("created_at"),
        attribute_column("collected_at"),
        attribute_column("expires_at"),
        Column("valid_until", lambda row: selectors.evidence_validity(row, now=now)[0]),
        Column("freshness", lambda row: selectors.evidence_validity(row, now=now)[1]),
        attribute_column("uploaded_by", "uploaded_by.email"),
        attribute_column("scan_job_id"),
        attribute_column("sequence"),
        attribute_column("chain_hash"),
    ]


class EvidenceViewSet(ExportFormatMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedGenericViewSet):
    """Evidence of the tenant: list, read, upload, download, verify, delete (admins, with a reason), export.

    An unknown control or one of another tenant in an upload is a 400 with a field error on
    ``control_id``; an evidence id of another tenant is a 404 like a missing one.
    """

    queryset = Evidence.objects.select_related("uploaded_by").order_by("-created_at", "-sequence")
    serializer_class = EvidenceSerializer
    filterset_class = EvidenceFilterSet

    def scope_queryset(self, queryset, tenant):
        return selectors.evidence_annotated(queryset.for_tenant(tenant))

    # OpenAPI describes no body on DELETE, but the reason may come as JSON as well as ?reason=.
    accepted_body_fields = {"destroy": ["reason"]}
    action_roles = {
        "list": READ_ROLES,
        "retrieve": READ_ROLES,
        "download": READ_ROLES,
        "verify": READ_ROLES,
        "export": READ_ROLES,
        "upload": WRITE_ROLES,
        "destroy": ADMIN_ROLES,
    }

    def initialize_request(self, request, *args, **kwargs):
        drf_request = super().initialize_request(request, *args, **kwargs)
        if self.action == "upload":
            # Installed before anything reads the body, so an oversized file never fills a temp file.
            request.upload_handlers = [
                UploadLimitHandler(request, max_bytes=settings.EVIDENCE_MAX_UPLOAD_BYTES),
                *request.upload_handlers,
            ]
        return drf_request

    def export_format(self, request) -> str | None:
        # Only the list downloads as CSV/JSON; a file download keeps its own any-Accept negotiation.
        return super().export_format(request) if self.action == "list" else None

    @extend_schema(parameters=[export_format_parameter(what="every matching evidence item")])
    def list(self, request, *args, **kwargs):
        fmt = self.export_format(request)
        if fmt is None:
            return super().list(request, *args, **kwargs)
        # Prefetched per chunk of the streamed iterator: the linked controls' refs cost no query per row.
        rows = self.filter_queryset(self.get_queryset()).prefetch_related("control_links__control__framework")
        now = timezone.now()
        export_audit(request, what="evidence list", fmt=fmt)
        return export_response(
            rows=rows,
            columns=evidence_export_columns(now=now),
            filename=f"evidence-{request.tenant.slug}-{now:%Y%m%dT%H%M%SZ}",
            fmt=fmt,
            tenant_id=request.tenant.pk,
        )

    @extend_schema(
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={
            201: EvidenceSerializer,
            400: OpenApiResponse(description="Bad input (field errors), e.g. unknown control_id or empty file."),
            413: OpenApiResponse(description="The file is larger than EVIDENCE_MAX_UPLOAD_BYTES."),
            415: OpenApiResponse(description="The file's content is not an accepted type."),
            429: OpenApiResponse(description="Over this credential's upload rate (Retry-After)."),
        },
    )
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser], throttle_classes=[EvidenceUploadThrottle])
    def upload(self, request):
        limit = settings.EVIDENCE_MAX_UPLOAD_BYTES
        length = content_length(request)
        if length is not None and length > limit + MULTIPART_OVERHEAD_BYTES:
            raise PayloadTooLargeError(f"The file is larger than the limit of {limit} bytes.")
        # Not validated(): the size flag is only known once the body has been parsed, and must win over field errors.
        body = EvidenceUploadSerializer(data=request.data)
        if getattr(request._request, TOO_LARGE_FLAG, False):
            raise PayloadTooLargeError(f"The file is larger than the limit of {limit} bytes.")
        body.is_valid(raise_exception=True)
        data = body.validated_data
        evidence = services.evidence_upload(
            tenant=request.tenant,
            actor=request.user,
            file=data["file"],
            control_id=data["control_id"],
            framework_id=data.get("framework_id"),
            title=data.get("title", ""),
            description=data.get("description", ""),
            collected_at=data.get("collected_at"),
            expires_at=data.get("expires_at"),
            control_ids=data.get("control_ids", []),
        )
        evidence = selectors.evidence_annotated(Evidence.objects.filter(pk=evidence.pk)).get()
        return Response(self.get_serializer(evidence).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(description="The file (local storage)."),
            302: OpenApiResponse(description="Redirect to a short-lived presigned URL (S3 storage)."),
        }
    )
    @action(detail=True, methods=["get"], content_negotiation_class=AnyAcceptNegotiation)
    def download(self, request, pk=None):
        evidence = self.get_object()
        audit_record(tenant=request.tenant, actor=request.user, action="evidence.downloaded", target=evidence)
        return file_download(key=evidence.file_key, filename=evidence.filename, content_type=evidence.content_type)

    @extend_schema(request=None, responses=EvidenceVerificationSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        evidence = self.get_object()
        result = selectors.evidence_verify(evidence=evidence)
        audit_record(
            tenant=request.tenant,
            actor=request.user,
            action="evidence.verified",
            target=evidence,
            data={"ok": result.ok},
        )
        return Response(EvidenceVerificationSerializer(result).data)

    @extend_schema(
        request=EvidenceDeleteSerializer,
        parameters=[OpenApiParameter("reason", OpenApiTypes.STR, description="Or `reason` in a JSON body.")],
        responses={204: None},
    )
    def destroy(self, request, pk=None):
        evidence = self.get_object()
        reason = request.query_params.get("reason")
        if reason is None and isinstance(request.data, dict):
            reason = request.data.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise FieldValidationError({"reason": "A reason is required to delete evidence."})
        body = validated(EvidenceDeleteSerializer, {"reason": reason})
        services.evidence_delete(evidence=evidence, actor=request.user, reason=body["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=EvidenceExportCreateSerializer,
        responses={
            202: EvidenceExportSerializer,
            429: OpenApiResponse(
                description="Rate limit of this credential or export quota of the tenant (Retry-After)."
            ),
            503: OpenApiResponse(description="The task broker is unreachable; the export is failed with a reason."),
        },
    )
    @action(detail=False, methods=["post"], throttle_classes=[EvidenceExportThrottle])
    def export(self, request):
        body = validated(EvidenceExportCreateSerializer, request.data)
        framework = framework_resolve(tenant=request.tenant, ref=body["framework_id"])
        if framework is None:
            raise FieldValidationError({"framework_id": "No such framework (give its id or its key)."})
        export = exports.evidence_export_request(
            tenant=request.tenant,
            actor=request.user,
            framework_id=framework.pk,
            period_start=body.get("period_start"),
            period_end=body.get("period_end"),
        )
        data = EvidenceExportSerializer(export, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_202_ACCEPTED)


class EvidenceExportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedGenericViewSet):
    """Auditor bundles of the tenant: poll one, then download its ZIP."""

    queryset = EvidenceExport.objects.select_related("framework").order_by("-created_at")
    serializer_class = EvidenceExportSerializer
    action_roles = {"list": READ_ROLES, "retrieve": READ_ROLES, "download": READ_ROLES}

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        if response.data["status"] in (ExportStatus.QUEUED, ExportStatus.RUNNING):
            response["Retry-After"] = "5"
        return response

    @extend_schema(
        responses={
            (200, "application/zip"): OpenApiResponse(description="The ZIP bundle (local storage)."),
            302: OpenApiResponse(description="Redirect to a short-lived presigned URL (S3 storage)."),
            409: OpenApiResponse(description="The export is not completed."),
        }
    )
    @action(detail=True, methods=["get"], content_negotiation_class=AnyAcceptNegotiation)
    def download(self, request, pk=None):
        export = self.get_object()
        if export.status != ExportStatus.COMPLETED or not export.file_key:
            raise ConflictError(f"The export is {export.status}; download it once it is completed.")
        filename = export.file_key.rsplit("/", 1)[-1]
        audit_record(tenant=request.tenant, actor=request.user, action="evidence.export_downloaded", target=export)
        return file_download(key=export.file_key, filename=filename, content_type="application/zip")
