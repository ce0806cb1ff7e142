from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        from evidence.signals import evidence_uploaded
        from scans.signals import scan_finished

        from .receivers import on_evidence_uploaded, on_scan_finished

        scan_finished.connect(on_scan_finished, dispatch_uid="notifications.scan_finished")
        evidence_uploaded.connect(on_evidence_uploaded, dispatch_uid="notifications.evidence_uploaded")
