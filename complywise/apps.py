from django.apps import AppConfig


class ComplywiseConfig(AppConfig):
    name = "complywise"
    verbose_name = "Tenancy"

    def ready(self) -> None:
        from .api import schema  # noqa: F401 - registers the OpenAPI auth extension
