from .views import ControlViewSet, FrameworkControlViewSet, FrameworkViewSet


def register(router):
    """Register this app's viewsets on the shared API router; return extra url patterns."""
    router.register("frameworks", FrameworkViewSet, basename="framework")
    router.register(
        r"frameworks/(?P<framework_pk>[^/.]+)/controls", FrameworkControlViewSet, basename="framework-control"
    )
    router.register("controls", ControlViewSet, basename="control")
    return []
