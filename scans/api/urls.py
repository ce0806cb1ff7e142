from .oscal import ScanOscalViewSet
from .posture import FrameworkPostureViewSet, FrameworkSoaViewSet
from .report import ScanReportViewSet
from .views import ScanJobViewSet, ScanScheduleViewSet


def register(router):
    """Register this app's viewsets on the shared API router; return extra url patterns."""
    router.register("scans", ScanJobViewSet, basename="scan")
    router.register(r"scans/(?P<scan_pk>[^/.]+)/report", ScanReportViewSet, basename="scan-report")
    router.register("scan-schedules", ScanScheduleViewSet, basename="scan-schedule")
    router.register(
        r"frameworks/(?P<framework_pk>[^/.]+)/posture", FrameworkPostureViewSet, basename="framework-posture"
    )
    router.register(r"frameworks/(?P<framework_pk>[^/.]+)/soa", FrameworkSoaViewSet, basename="framework-soa")
    router.register(r"scans/(?P<scan_pk>[^/.]+)/oscal", ScanOscalViewSet, basename="scan-oscal")
    return []
