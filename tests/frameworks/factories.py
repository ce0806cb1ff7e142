import factory

from frameworks.choices import FrameworkSource
from frameworks.models import Control, ControlCheck, Framework, TenantFramework
from frameworks.naturalsort import natural_key
from tests.factories import TenantFactory


class FrameworkFactory(factory.django.DjangoModelFactory):
    """A global framework (tenant null), as shipped catalogs are."""

    class Meta:
        model = Framework

    tenant = None
    key = factory.Sequence(lambda n: f"framework-{n}")
    name = factory.Sequence(lambda n: f"Framework {n}")
    version = "1.0"
    source = FrameworkSource.SHIPPED


class CustomFrameworkFactory(FrameworkFactory):
    """A tenant's own framework."""

    tenant = factory.SubFactory(TenantFactory)
    key = factory.Sequence(lambda n: f"custom-{n}")
    source = FrameworkSource.CUSTOM


class ControlFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Control

    framework = factory.SubFactory(FrameworkFactory)
    ref = factory.Sequence(lambda n: f"C-{n}")
    title = factory.Sequence(lambda n: f"Control {n}")
    description = "What this control asks for."
    group = "General"
    # Set here too so bulk builds (which skip save()) still sort naturally.
    sort_key = factory.LazyAttribute(lambda control: natural_key(control.ref))


class ControlCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ControlCheck

    control = factory.SubFactory(ControlFactory)
    check_id = "aws.iam.root_mfa_enabled"


class TenantFrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TenantFramework

    tenant = factory.SubFactory(TenantFactory)
    framework = factory.SubFactory(FrameworkFactory)
