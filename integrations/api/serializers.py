from __future__ import annotations

from rest_framework import serializers

from integrations.choices import IntegrationType
from integrations.equivalents import Match
from integrations.models import Integration
from integrations.registry import Severity


class IntegrationSerializer(serializers.ModelSerializer):
    """An integration as the API shows it: credentials are write-only and never returned."""

    has_credentials = serializers.BooleanField(read_only=True)
    credentials_hint = serializers.CharField(
        read_only=True, help_text="A non-secret reminder of the stored credential, e.g. 'access key …MPLE'."
    )

    class Meta:
        model = Integration
        fields = [
            "id",
            "type",
            "name",
            "config",
            "status",
            "has_credentials",
            "credentials_hint",
            "last_tested_at",
            "last_error",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class IntegrationCreateSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=IntegrationType.choices)
    name = serializers.CharField(max_length=100)
    config = serializers.DictField(default=dict, help_text="Non-secret settings; their shape depends on the type.")
    credentials = serializers.DictField(
        default=dict, write_only=True, help_text="Secrets; encrypted at rest and never returned."
    )


class IntegrationUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    config = serializers.DictField(
        required=False, help_text="Merged over the stored config; a null value clears a key."
    )
    credentials = serializers.DictField(
        required=False, write_only=True, help_text="Replaces the stored credentials entirely."
    )
    enabled = serializers.BooleanField(required=False, help_text="false disables the integration (scans skip it).")

    def validate(self, attrs):
        if "type" in self.initial_data:
            raise serializers.ValidationError({"type": ["The type of an integration cannot be changed."]})
        return attrs


class IntegrationTestResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    detail = serializers.CharField()
    status = serializers.CharField()
    last_tested_at = serializers.DateTimeField()


class CheckEquivalentSerializer(serializers.Serializer):
    scanner = serializers.CharField(help_text="The other scanner, e.g. 'prowler'.")
    id = serializers.CharField(help_text="That scanner's check id.")
    match = serializers.ChoiceField(
        choices=[Match.SAME.value, Match.PARTIAL.value],
        help_text="'same': this check (with the others listed for that id) tests what it tests; "
        "'partial': close, and the note says what differs.",
    )
    note = serializers.CharField(allow_blank=True)


class CheckSerializer(serializers.Serializer):
    id = serializers.CharField()
    integration_type = serializers.CharField()
    title = serializers.CharField()
    severity = serializers.CharField()
    service = serializers.CharField()
    resource_type = serializers.CharField()
    rationale = serializers.CharField()
    remediation = serializers.CharField()
    control_count = serializers.IntegerField(
        help_text="Controls of the frameworks visible to the tenant that this check serves."
    )
    equivalents = CheckEquivalentSerializer(
        many=True, help_text="Other scanners' checks this one answers (searchable by their ids)."
    )


class CheckQuerySerializer(serializers.Serializer):
    integration_type = serializers.ChoiceField(choices=IntegrationType.choices, required=False)
    severity = serializers.ChoiceField(choices=[s.value for s in Severity], required=False)
    service = serializers.CharField(required=False, max_length=64)
    search = serializers.CharField(
        required=False,
        max_length=200,
        help_text="Case-insensitive text in the id, title, service, resource type, rationale or the id of another "
        "scanner's check it answers (e.g. a Prowler check id).",
    )
