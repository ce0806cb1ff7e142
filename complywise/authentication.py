from __future__ import annotations

from rest_framework import authentication, exceptions

from . import rls
from .accounts.lockout import client_ip
from .audit import api_token_note_client_ip
from .services import api_token_authenticate


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer cw_…``; the token decides the user, tenant and role."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid Authorization header: expected 'Bearer <token>'.")
        try:
            raw = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        # Which tenant is not known until the digest matches: the lookup itself spans tenants.
        with rls.system_scope(reason="bearer token lookup") as scope:
            token = api_token_authenticate(raw=raw)
            if token is not None:
                # The token decides the request's tenant (the permission activates the same one next).
                scope.leave_to_tenant(token.tenant_id)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        # A stolen token tends to show up from somewhere new: the first use from each address is audited.
        api_token_note_client_ip(token=token, ip_address=client_ip(request))
        return token.membership.user, token

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return self.keyword
