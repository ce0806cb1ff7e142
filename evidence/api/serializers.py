import uuid
from datetime import datetime

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from evidence.choices import ExportStatus, Freshness
from evidence.models import Evidence, EvidenceExport
from evidence.selectors import evidence_control_ids, evidence_validity


def _absolute(request, url_name: str, pk) -> str:
    url = reverse(url_name, args=[pk])
    return request.build_absolute_uri(url) if request is not None else url


class EvidenceSerializer(serializers.ModelSerializer):
    control_id = serializers.UUIDField(read_only=True, allow_null=True)
    framework_id = serializers.UUIDField(read_only=True, allow_null=True)
    scan_job_id = serializers.UUIDField(read_only=True, allow_null=True)
    is_expired = serializers.BooleanField(read_only=True, help_text="expires_at has passed: the evidence is stale.")
    control_ids = serializers.SerializerMethodField(
        help_text="Every control the artifact supports: the primary control_id first, then the linked ones."
    )
    valid_until = serializers.SerializerMethodField(
        help_text="Manual: when it stops counting (its expires_at, or its renewal date under the strictest "
        "requirement of its controls). Null: never goes stale, or auto evidence."
    )
    freshness = serializers.SerializerMethodField(
        help_text="Manual: fresh, expiring (within 30 days of valid_until) or expired. Null for auto evidence."
    )
    uploaded_by = serializers.EmailField(source="uploaded_by.email", read_only=True, allow_null=True, default=None)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "type",
            "title",
            "description",
            "control_id",
            "control_ids",
            "control_ref",
            "framework_id",
            "framework_key",
            "scan_job_id",
            "sha256",
            "size",
            "content_type",
            "filename",
            "created_at",
            "collected_at",
            "expires_at",
            "is_expired",
            "valid_until",
            "freshness",
            "uploaded_by",
            "download_url",
            "sequence",
            "chain_hash",
        ]
        read_only_fields = fields

    def get_control_ids(self, obj: Evidence) -> list[uuid.UUID]:
        return evidence_control_ids(obj)

    def get_valid_until(self, obj: Evidence) -> datetime | None:
        return evidence_validity(obj)[0]

    @extend_schema_field(serializers.ChoiceField(choices=Freshness.choices, allow_null=True))
    def get_freshness(self, obj: Evidence) -> str | None:
        return evidence_validity(obj)[1]

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, obj: Evidence) -> str:
        return _absolute(self.context.get("request"), "evidence-download", obj.pk)


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The evidence file (multipart). PDF, images, text, CSV, JSON, Office, ZIP.")
    control_id = serializers.UUIDField(help_text="The primary control.")
    control_ids = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        default=list,
        max_length=200,
        help_text="More controls the same file supports, in any framework (repeat the field once per control).",
    )
    framework_id = serializers.UUIDField(required=False, allow_null=True)
    title = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000, default="")
    collected_at = serializers.DateTimeField(required=False, allow_null=True)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class EvidenceDeleteSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why the evidence is deleted; recorded for audit.")


class EvidenceVerificationSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    sha256_expected = serializers.CharField()
    sha256_actual = serializers.CharField(allow_null=True)
    size_expected = serializers.IntegerField()
    size_actual = serializers.IntegerField(allow_null=True)
    chain_ok = serializers.BooleanField()
    detail = serializers.CharField()


class EvidenceExportCreateSerializer(serializers.Serializer):
    framework_id = serializers.CharField(max_length=100, help_text="The framework's id, or its key (e.g. soc2).")
    period_start = serializers.DateTimeField(required=False, allow_null=True)
    period_end = serializers.DateTimeField(required=False, allow_null=True)


class EvidenceExportSerializer(serializers.ModelSerializer):
    framework_id = serializers.UUIDField(read_only=True)
    framework_key = serializers.CharField(source="framework.key", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceExport
        fields = [
            "id",
            "status",
            "framework_id",
            "framework_key",
            "period_start",
            "period_end",
            "file_count",
            "sha256",
            "size",
            "error",
            "created_at",
            "completed_at",
            "download_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, obj: EvidenceExport) -> str | None:
        if obj.status != ExportStatus.COMPLETED:
            return None
        return _absolute(self.context.get("request"), "evidence-export-download", obj.pk)
