import factory

from integrations import crypto
from integrations.choices import IntegrationType
from integrations.models import Integration
from tests.factories import TenantFactory

# AWS's documented example keys: realistic shapes, and no real account behind them.
AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
AWS_CREDENTIALS = {"access_key_id": AWS_ACCESS_KEY_ID, "secret_access_key": AWS_SECRET_ACCESS_KEY}


def aws_config(**overrides):
    return {"regions": ["us-east-1"], "endpoint_url": None, "role_arn": None, "external_id": None, **overrides}


class IntegrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Integration

    tenant = factory.SubFactory(TenantFactory)
    type = IntegrationType.AWS
    name = factory.Sequence(lambda n: f"aws-{n}")
    config = factory.LazyFunction(aws_config)
    credentials_encrypted = factory.LazyFunction(lambda: crypto.encrypt_json(AWS_CREDENTIALS))
    credentials_hint = "access key …MPLE"
