from rest_framework import serializers

from integrations.providers.schema import StrictSerializer


class ConfigSerializer(StrictSerializer):
    root = serializers.CharField()


# No CredentialsSerializer: this type takes no secrets.
