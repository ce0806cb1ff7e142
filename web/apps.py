from django.apps import AppConfig


class WebConfig(AppConfig):
    """The staff web UI: server-rendered pages over the apps' services and selectors."""

    name = "web"
    verbose_name = "Staff web UI"
