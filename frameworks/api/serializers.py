from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from frameworks.models import RENEWAL_DAYS_MAX, RENEWAL_DAYS_MIN, Control, Framework


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
    attributes = serializers.JSONField(
        read_only=True, help_text="Catalog facts: CIS profile level and assessment status, HIPAA type, CIS IGs."
    )

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
            "attributes",
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


class EvidenceRequirementSerializer(serializers.Serializer):
    renewal_days = serializers.IntegerField(help_text="A document must be renewed this often (days).")
    owner_id = serializers.UUIDField(
        allow_null=True, help_text="The member (id from /api/members) who keeps the document current."
    )
    owner_email = serializers.EmailField(source="owner.user.email", allow_null=True, default=None)
    due_date = serializers.DateField(allow_null=True, help_text="When the first document is due.")
    set_by = serializers.EmailField(source="set_by.email", allow_null=True, default=None)
    updated_at = serializers.DateTimeField()


class EvidenceRequirementUpdateSerializer(serializers.Serializer):
    renewal_days = serializers.IntegerField(min_value=RENEWAL_DAYS_MIN, max_value=RENEWAL_DAYS_MAX)
    owner_id = serializers.UUIDField(
        required=False, allow_null=True, default=None, help_text="A member id from /api/members."
    )
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class RequireDocumentsSerializer(serializers.Serializer):
    renewal_days = serializers.IntegerField(
        min_value=RENEWAL_DAYS_MIN,
        max_value=RENEWAL_DAYS_MAX,
        required=False,
        allow_null=True,
        default=None,
        help_text="Default: 90 days for access reviews, 365 for everything else.",
    )
    owner_id = serializers.UUIDField(required=False, allow_null=True, default=None)


class RequireDocumentsResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Requirements created (controls that had one are left alone).")
    control_refs = serializers.ListField(child=serializers.CharField())


class EquivalentControlSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    framework_key = serializers.CharField(source="framework.key")
    ref = serializers.CharField()
    title = serializers.CharField()


class ControlDetailSerializer(ControlSerializer):
    """A control with its mapped checks, the tenant's latest scan result and how much evidence it has."""

    framework_key = serializers.CharField(source="framework.key", read_only=True)
    framework_name = serializers.CharField(source="framework.name", read_only=True)
    is_custom = serializers.BooleanField(source="framework.is_custom", read_only=True)
    checks = serializers.SerializerMethodField()
    latest_result = serializers.SerializerMethodField()
    evidence_count = serializers.SerializerMethodField()
    applicability = serializers.SerializerMethodField()
    evidence_requirement = serializers.SerializerMethodField()
    equivalents = serializers.SerializerMethodField(
        help_text="Controls of other frameworks asking the same (crosswalks); documents filed for one count for all."
    )

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
            "evidence_requirement",
            "equivalents",
        ]

    @extend_schema_field(EquivalentControlSerializer(many=True))
    def get_equivalents(self, control):
        return EquivalentControlSerializer(self.context["detail"]["equivalents"], many=True).data

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

    @extend_schema_field(EvidenceRequirementSerializer(allow_null=True))
    def get_evidence_requirement(self, control):
        requirement = self.context["detail"]["evidence_requirement"]
        return EvidenceRequirementSerializer(requirement).data if requirement else None


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
