from .views import AccessReviewViewSet


def register(router):
    """Register this app's viewsets on the shared API router; return extra url patterns."""
    router.register("access-reviews", AccessReviewViewSet, basename="access-review")
    return []
