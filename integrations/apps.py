from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"

    def ready(self) -> None:
        # Importing each provider's checks registers them; done once here so the registry (the check
        # contract every layer reads) never imports the providers that implement it.
        from . import providers

        providers.load_all()
