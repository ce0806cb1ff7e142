from . import views


def register(router):
    """Register this app's viewsets on the shared API router; return extra url patterns."""
    router.register("integrations", views.IntegrationViewSet, basename="integration")
    router.register("checks", views.CheckViewSet, basename="check")
    return []
