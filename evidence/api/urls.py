from .views import EvidenceExportViewSet, EvidenceViewSet


def register(router):
    """Register this app's viewsets on the shared API router; return extra url patterns."""
    # Exports first: "evidence/exports" must not be read as the evidence id "exports".
    router.register("evidence/exports", EvidenceExportViewSet, basename="evidence-export")
    router.register("evidence", EvidenceViewSet, basename="evidence")
    return []
