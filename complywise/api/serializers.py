from collections.abc import Mapping

from rest_framework import serializers

from complywise.choices import Role
from complywise.models import ApiToken, Invitation, Membership, Tenant
from complywise.selectors import invitation_status


class ApiTokenSerializer(serializers.ModelSerializer):
    user_email = serializers.EmailField(source="membership.user.email", read_only=True)
    role = serializers.CharField(source="membership.role", read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "user_email",
            "role",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "is_active",
        ]


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    email = serializers.EmailField(
        required=False, help_text="Issue for this existing member of the tenant; default: yourself."
    )
    expires_days = serializers.IntegerField(required=False, min_value=1, max_value=3650)

    ROLE_REFUSED = "Tokens carry their member's role; change the member's role with PATCH /api/members/{id}."

    def to_internal_value(self, data):
        # A role here used to re-role the member as a side effect: refuse it loudly, not ignore it.
        errors: dict = {}
        value = None
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors = dict(exc.detail)
        if isinstance(data, Mapping) and "role" in data:
            errors["role"] = [self.ROLE_REFUSED]
        if errors:
            raise serializers.ValidationError(errors)
        return value


class ApiTokenIssuedSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="The secret; shown only once.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]


class MembershipSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "role", "created_at"]
        read_only_fields = fields


class MembershipRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()
    invited_by_email = serializers.EmailField(source="invited_by.email", read_only=True, default=None)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "role",
            "status",
            "invited_by_email",
            "created_at",
            "expires_at",
            "accepted_at",
            "revoked_at",
        ]
        read_only_fields = fields

    def get_status(self, invitation: Invitation) -> str:
        return invitation_status(invitation)


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)


class InvitationIssuedSerializer(InvitationSerializer):
    link = serializers.CharField(read_only=True, help_text="The accept link with its secret; shown only once.")
    emailed = serializers.BooleanField(read_only=True, help_text="Whether the link was e-mailed to the invitee.")

    class Meta(InvitationSerializer.Meta):
        fields = [*InvitationSerializer.Meta.fields, "link", "emailed"]
        read_only_fields = fields


class TenantSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tenant
        fields = ["id", "name", "slug", "retention_days", "require_mfa"]
        read_only_fields = ["id", "name", "slug"]
        extra_kwargs = {
            "retention_days": {"min_value": 1, "max_value": 3650 * 3},
            "require_mfa": {"help_text": "Every member must use two-factor authentication to sign in."},
        }


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    tenant_id = serializers.UUIDField()
    tenant_slug = serializers.CharField()
    tenant_name = serializers.CharField()
    role = serializers.CharField()
    retention_days = serializers.IntegerField()
    require_mfa = serializers.BooleanField()
