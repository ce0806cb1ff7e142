from django.apps import AppConfig


class FrameworksConfig(AppConfig):
    name = "frameworks"

    def ready(self) -> None:
        from complywise.signals import tenant_created

        from .services import on_tenant_created

        tenant_created.connect(on_tenant_created, dispatch_uid="frameworks.activate_defaults")
