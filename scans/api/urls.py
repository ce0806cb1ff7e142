from .posture import FrameworkPostureViewSet, FrameworkSoaViewSet
from .views import ScanJobViewSet, ScanScheduleViewSet


def register(router):
    """Register this app's viewsets on the shared API router; return extra url patterns."""
    router.register("scans", ScanJobViewSet, basename="scan")
    router.register("scan-schedules", ScanScheduleViewSet, basename="scan-schedule")
    router.register(
        r"frameworks/(?P<framework_pk>[^/.]+)/posture", FrameworkPostureViewSet, basename="framework-posture"
    )
    router.register(r"frameworks/(?P<framework_pk>[^/.]+)/soa", FrameworkSoaViewSet, basename="framework-soa")
    return []
