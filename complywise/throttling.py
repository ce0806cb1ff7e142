"""Per-credential request rates on the expensive write endpoints (scan trigger, upload, export).

Counted in the Django cache (per process with the embedded LocMem cache, shared across web
replicas when REDIS_URL is set). Over the rate, DRF answers 429 with a Retry-After header.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class CredentialRateThrottle(SimpleRateThrottle):
    """Counts requests per API token (or per signed-in user for the browser session).

    Subclasses name the setting holding their rate; it is read at request time so an operator's
    environment (and a test's override) applies without reloading DRF's settings.
    """

    rate_setting = ""

    def __init__(self) -> None:
        # The rate is resolved per request in allow_request, not once at construction from DRF's table.
        pass

    def get_rate(self) -> str | None:
        return getattr(settings, self.rate_setting, None) or None

    def allow_request(self, request, view) -> bool:
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str | None:
        token = request.auth
        if token is not None and getattr(token, "pk", None) is not None:
            ident = f"token:{token.pk}"
        elif request.user is not None and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            # Unauthenticated requests are refused by the permission check; nothing to count.
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ScanTriggerThrottle(CredentialRateThrottle):
    scope = "scan_trigger"
    rate_setting = "API_THROTTLE_TRIGGER"


class EvidenceUploadThrottle(CredentialRateThrottle):
    scope = "evidence_upload"
    rate_setting = "API_THROTTLE_UPLOAD"


class EvidenceExportThrottle(CredentialRateThrottle):
    scope = "evidence_export"
    rate_setting = "API_THROTTLE_EXPORT"
