from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "complywise.accounts"
    label = "complywise_accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the login-failure audit
