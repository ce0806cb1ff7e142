from rest_framework import serializers

from complywise.choices import Role
from complywise.models import ApiToken, Membership


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
    email = serializers.EmailField(required=False, help_text="Issue for this member; default: yourself.")
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    expires_days = serializers.IntegerField(required=False, min_value=1, max_value=3650)


class ApiTokenIssuedSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="The secret; shown only once.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]


class MembershipSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "role", "created_at"]


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    tenant_id = serializers.UUIDField()
    tenant_slug = serializers.CharField()
    tenant_name = serializers.CharField()
    role = serializers.CharField()
    retention_days = serializers.IntegerField()
