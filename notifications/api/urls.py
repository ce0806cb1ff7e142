from .views import EmailDigestViewSet, EventViewSet, WebhookDeliveryViewSet, WebhookViewSet


def register(router):
    """Register this app's viewsets on the shared API router; return extra url patterns."""
    router.register("webhooks", WebhookViewSet, basename="webhook")
    router.register(r"webhooks/(?P<webhook_pk>[^/.]+)/deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")
    router.register("email-digests", EmailDigestViewSet, basename="email-digest")
    router.register("events", EventViewSet, basename="event")
    return []
