from django.apps import AppConfig


class ScansConfig(AppConfig):
    name = "scans"

    def ready(self) -> None:
        from evidence.signals import latest_verdicts_requested

        from .receivers import answer_latest_verdicts

        latest_verdicts_requested.connect(answer_latest_verdicts, dispatch_uid="scans.latest_verdicts")
