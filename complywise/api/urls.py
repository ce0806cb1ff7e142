"""All API routes under /api/; each app contributes its own router registrations.

URL wiring, like complywise/urls.py: the one place of the core that names the domain apps.
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from evidence.api.urls import register as register_evidence
from frameworks.api.urls import register as register_frameworks
from integrations.api.urls import register as register_integrations
from notifications.api.urls import register as register_notifications
from reviews.api.urls import register as register_reviews
from scans.api.urls import register as register_scans

from . import views
from .audit import AuditLogViewSet


class Router(SimpleRouter):
    # Accept both /api/scans and /api/scans/ — the seed contract writes no trailing slash.
    def __init__(self) -> None:
        super().__init__(trailing_slash=False)
        self.trailing_slash = "/?"


router = Router()
router.register("tokens", views.ApiTokenViewSet, basename="token")
router.register("members", views.MembershipViewSet, basename="member")
router.register("invitations", views.InvitationViewSet, basename="invitation")
router.register("audit-log", AuditLogViewSet, basename="audit-log")

urlpatterns = [
    path("me", views.MeView.as_view(), name="me"),
    path("tenant", views.TenantSettingsView.as_view(), name="tenant-settings"),
]


def build_urlpatterns():
    extra = []
    for register in (
        register_frameworks,
        register_integrations,
        register_scans,
        register_evidence,
        register_notifications,
        register_reviews,
    ):
        extra += register(router) or []
    return urlpatterns + extra + router.urls


urlpatterns = build_urlpatterns()
