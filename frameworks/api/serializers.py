from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from frameworks.models import Control, Framework


class FrameworkSerializer(serializers.ModelSerializer):
    is_custom = serializers.BooleanField(read_only=True, help_text="Owned by your organisation (editable).")
    active = serializers.BooleanField(read_only=True, help_text="Evaluated by your organisation's scans.")
    control_count = serializers.IntegerField(read_only=True)
    automated_control_count = serializers.IntegerField(
        read_only=True, help_text="Controls with at least one mapped automated check."
    )

    class Meta:
        model = Framework
        fields = [
            "id",
            "key",
            "name",
            "version",
            "description",
            "source",
            "publisher",
            "is_custom",
            "active",
            "control_count",
            "automated_control_count",
            "created_at",
            "updated_at",
        ]


class FrameworkCreateSerializer(serializers.Serializer):
    key = serializers.SlugField(max_length=100)
    name = serializers.CharField(max_length=200)
    version = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")


class ControlSerializer(serializers.ModelSerializer):
    framework_id = serializers.UUIDField(read_only=True)
    parent_ref = serializers.CharField(source="parent.ref", read_only=True, allow_null=True, default=None)
    automated = serializers.BooleanField(read_only=True, help_text="Has at least one mapped automated check.")
    check_ids = serializers.SerializerMethodField()

    class Meta:
        model = Control
        fields = [
            "id",
            "framework_id",
            "ref",
            "title",
            "description",
            "group",
            "parent_ref",
            "automated",
            "check_ids",
        ]

    def get_check_ids(self, control) -> list[str]:
        return [mapping.check_id for mapping in control.checks.all()]


class MappedCheckSerializer(serializers.Serializer):
    check_id = serializers.CharField()
    title = serializers.CharField(allow_null=True)
    severity = serializers.CharField(allow_null=True)
    integration_type = serializers.CharField(allow_null=True)
    registered = serializers.BooleanField(help_text="False when no connector provides this check (any more).")


class LatestResultSerializer(serializers.Serializer):
    status = serializers.CharField()
    scan_job_id = serializers.UUIDField()
    created_at = serializers.DateTimeField()


class ApplicabilitySerializer(serializers.Serializer):
    applicable = serializers.BooleanField(help_text="False when your organisation excluded the control from scope.")
    justification = serializers.CharField(allow_blank=True)
    decided_by = serializers.CharField(allow_null=True, help_text="Email of the admin who decided.")
    decided_at = serializers.DateTimeField(allow_null=True)


class ApplicabilityUpdateSerializer(serializers.Serializer):
    applicable = serializers.BooleanField()
    justification = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text="Required when excluding."
    )


class SoaRowSerializer(serializers.Serializer):
    """One line of a framework's Statement of Applicability."""

    control_id = serializers.UUIDField(source="pk")
    control_ref = serializers.CharField(source="ref")
    control_title = serializers.CharField(source="title")
    applicable = serializers.BooleanField()
    justification = serializers.CharField()
    decided_by = serializers.CharField(source="decided_by_email", allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    implementation_status = serializers.CharField(
        allow_null=True, help_text="Status of the control in your latest completed scan, null if never evaluated."
    )
    evidence_count = serializers.IntegerField(help_text="Manual evidence linked to the control.")


class ControlDetailSerializer(ControlSerializer):
    """A control with its mapped checks, the tenant's latest scan result and how much evidence it has."""

    framework_key = serializers.CharField(source="framework.key", read_only=True)
    framework_name = serializers.CharField(source="framework.name", read_only=True)
    is_custom = serializers.BooleanField(source="framework.is_custom", read_only=True)
    checks = serializers.SerializerMethodField()
    latest_result = serializers.SerializerMethodField()
    evidence_count = serializers.SerializerMethodField()
    applicability = serializers.SerializerMethodField()

    class Meta(ControlSerializer.Meta):
        fields = [
            *ControlSerializer.Meta.fields,
            "framework_key",
            "framework_name",
            "is_custom",
            "checks",
            "latest_result",
            "evidence_count",
            "applicability",
        ]

    # The detail parts come from frameworks.selectors.control_detail, passed in the context.
    @extend_schema_field(MappedCheckSerializer(many=True))
    def get_checks(self, control):
        return MappedCheckSerializer(self.context["detail"]["checks"], many=True).data

    @extend_schema_field(LatestResultSerializer(allow_null=True))
    def get_latest_result(self, control):
        latest = self.context["detail"]["latest_result"]
        return LatestResultSerializer(latest).data if latest else None

    def get_evidence_count(self, control) -> int:
        return self.context["detail"]["evidence_count"]

    @extend_schema_field(ApplicabilitySerializer)
    def get_applicability(self, control):
        return ApplicabilitySerializer(self.context["detail"]["applicability"]).data


class ControlCreateSerializer(serializers.Serializer):
    ref = serializers.CharField(max_length=64)
    title = serializers.CharField(max_length=500)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    group = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    parent_ref = serializers.CharField(max_length=64, required=False, allow_blank=True, allow_null=True, default=None)
    check_ids = serializers.ListField(
        child=serializers.CharField(max_length=128), required=False, default=list, max_length=500
    )


class ControlChecksSerializer(serializers.Serializer):
    check_ids = serializers.ListField(child=serializers.CharField(max_length=128), allow_empty=True, max_length=500)
