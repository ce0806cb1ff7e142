"""Read-only Google Workspace connector over the Admin SDK Directory API.

It authenticates as a service account with domain-wide delegation acting for an
administrator (``auth``: a signed JWT exchanged for a one-hour token, cached), collects
one inventory per scan (each service once, through ``collectors``; per-user reads a few
at a time) and hands it to the pure check functions in ``checks``.  The wire (egress
guard, retries, ``nextPageToken`` paging, rate limits) is the shared ``providers._rest``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from integrations.registry import Inventory

from .._rest import RestClient, RestError, RestHttpError
from .._saas import collect_each, config_number
from .auth import ServiceAccountAuth, TokenError
from .collectors import COLLECTORS, Scope
from .collectors._common import segment

logger = logging.getLogger(__name__)

INTEGRATION_TYPE = "google_workspace"
SERVICE = "Google"
USER_AGENT = "ComplyWise-Google-Workspace-Connector"
TEST_TIMEOUT = 10.0
DEFAULT_API_URL = "https://admin.googleapis.com"
DEFAULT_CUSTOMER = "my_customer"

DEFAULT_INACTIVE_DAYS = 90
DEFAULT_NEVER_SIGNED_IN_DAYS = 30
DEFAULT_ADMIN_INACTIVE_DAYS = 30
DEFAULT_MIN_SUPER_ADMINS = 2
DEFAULT_MAX_SUPER_ADMINS = 4

# Least privilege: read-only scopes, except tokens.list, which Google serves under user.security only (a scope
# that could also revoke tokens and backup codes; the connector only ever GETs).
SCOPES: tuple[str, ...] = (
    "https://www.googleapis.com/auth/admin.directory.user.readonly",
    "https://www.googleapis.com/auth/admin.directory.domain.readonly",
    "https://www.googleapis.com/auth/admin.directory.rolemanagement.readonly",
    "https://www.googleapis.com/auth/admin.directory.user.security",
)
# Who is in a group that holds an admin role (members.list, nested groups expanded). Optional, so an account
# that delegated only the scopes above still scans; the admin checks then name the groups they could not read.
GROUP_MEMBER_SCOPE = "https://www.googleapis.com/auth/admin.directory.group.member.readonly"
OPTIONAL_SCOPES: tuple[str, ...] = (GROUP_MEMBER_SCOPE,)
REQUIRED = "domain-wide delegation of the scopes listed in the docs to the service account's client id"

# Google's own error messages that are safe and useful to repeat word for word.
KNOWN_MESSAGES = (
    "Not Authorized to access this resource/api",
    "Request had insufficient authentication scopes.",
    "Bad Request",
    "Resource Not Found: userKey",
    "Domain not found.",
)

SUPPORTED_SERVICES: frozenset[str] = frozenset(COLLECTORS)
_ORDER = ("users", "admins", "tokens")

__all__ = ["SUPPORTED_SERVICES", "GoogleWorkspaceConnector", "build_connector"]


class GoogleWorkspaceConnector:
    """Collects a Workspace customer's users, admin role assignments and OAuth grants, read-only."""

    def __init__(
        self,
        *,
        service_account: Mapping[str, Any],
        admin_email: str,
        domain: str,
        customer_id: str = DEFAULT_CUSTOMER,
        api_url: str = DEFAULT_API_URL,
        inactive_days: int = DEFAULT_INACTIVE_DAYS,
        never_signed_in_days: int = DEFAULT_NEVER_SIGNED_IN_DAYS,
        admin_inactive_days: int = DEFAULT_ADMIN_INACTIVE_DAYS,
        min_super_admins: int = DEFAULT_MIN_SUPER_ADMINS,
        max_super_admins: int = DEFAULT_MAX_SUPER_ADMINS,
        trusted_clients: Sequence[str] = (),
    ) -> None:
        self.auth = ServiceAccountAuth(
            service_account=service_account,
            subject=admin_email,
            scopes=SCOPES,
            optional_scopes=OPTIONAL_SCOPES,
            service=SERVICE,
        )
        self._has_key = bool(service_account.get("private_key") and service_account.get("client_email"))
        self.api = RestClient(
            base_url=api_url,
            auth=self.auth,
            service=SERVICE,
            headers={"User-Agent": USER_AGENT},
            known_messages=KNOWN_MESSAGES,
        )
        self.admin_email = admin_email
        self.domain = domain.lower()
        self.customer_id = customer_id or DEFAULT_CUSTOMER
        self.inactive_days = inactive_days
        self.never_signed_in_days = never_signed_in_days
        self.admin_inactive_days = admin_inactive_days
        self.min_super_admins = min_super_admins
        self.max_super_admins = max_super_admins
        self.trusted_clients = tuple(trusted_clients)

    def __repr__(self) -> str:
        return f"GoogleWorkspaceConnector(domain={self.domain!r}, client_email={self.auth.client_email!r})"

    # -- Connector protocol -------------------------------------------------

    def test_connection(self) -> tuple[bool, str]:
        if not self._has_key:
            return False, "the integration has no service account key"
        path = f"/admin/directory/v1/customer/{segment(self.customer_id)}/domains"
        try:
            # A person waits on this: no retries and no waiting out a rate limit.
            body = self.api.get_json(path, retries=0, max_wait=0.0, timeout=TEST_TIMEOUT)
        except RestHttpError as exc:
            detail = self._explain(exc, "the customer's domains")
        except RestError as exc:
            detail = self._explain(exc, "the customer's domains")
        else:
            domains = body.get("domains") if isinstance(body, Mapping) else None
            if isinstance(domains, list):
                names = {str(d.get("domainName") or "").lower(): d for d in domains if isinstance(d, Mapping)}
                found = names.get(self.domain)
                if found is None:
                    detail = f"{self.domain} is not a domain of this Google Workspace account"
                elif found.get("verified") is not True:
                    detail = f"{self.domain} is not verified in this Google Workspace account"
                else:
                    return True, self._redact(f"Connected to Google Workspace {self.domain} as {self.admin_email}")
            else:
                detail = f"{self.api.base_url} did not answer like the Admin SDK (GET {path} lists no domains)"
        detail = self._redact(detail)
        logger.warning("Google Workspace connection test failed: %s", detail)
        return False, detail

    def collect(self, services: set[str]) -> Inventory:
        return collect_each(
            Inventory(integration_type=INTEGRATION_TYPE, account_id=self.domain),
            services,
            order=_ORDER,
            collectors=COLLECTORS,
            product="Google Workspace",
            missing="" if self._has_key else "the integration has no service account key",
            scope=self.scope,
            describe=lambda exc, collector: self._redact(self._explain(exc, collector.label)),
            logger=logger,
        )

    def scope(self) -> Scope:
        return Scope(
            api=self.api,
            customer=self.customer_id,
            inactive_days=self.inactive_days,
            never_signed_in_days=self.never_signed_in_days,
            admin_inactive_days=self.admin_inactive_days,
            min_super_admins=self.min_super_admins,
            max_super_admins=self.max_super_admins,
            trusted_clients=self.trusted_clients,
        )

    # -- messages -----------------------------------------------------------------

    def _explain(self, exc: RestError, what: str) -> str:
        """One line saying what could not be read and why."""
        if isinstance(exc, TokenError):
            hint = ""
            if exc.code == "unauthorized_client":
                hint = f"; grant {REQUIRED} in the Admin console (Security → API controls → Domain-wide delegation)"
            elif exc.code == "invalid_grant":
                hint = f"; check that the key is active and that {self.admin_email} is an administrator"
            return f"Google refused the service account while reading {what} of {self.domain} ({exc}){hint}"
        if isinstance(exc, RestHttpError):
            if exc.status == 401:
                return f"Google rejected the access token ({exc}) while reading {what} of {self.domain}"
            if exc.status == 403:
                return (
                    f"{self.admin_email} may not read {what} of {self.domain} ({exc}); it needs an administrator "
                    f"role with those privileges and {REQUIRED}"
                )
            if exc.status == 404:
                return f"Google found no {what} for customer {self.customer_id} ({exc})"
            return f"Google answered {exc} when reading {what} of {self.domain}"
        return f"could not read {what} of {self.domain}: {exc}"

    def _redact(self, text: str) -> str:
        for secret in sorted(self.auth.secrets, key=len, reverse=True):
            text = text.replace(secret, "***")
        return self.api.redact(text)


def build_connector(*, config: dict, credentials: dict) -> GoogleWorkspaceConnector:
    """Build the connector from an integration's config and decrypted credentials."""
    key = credentials.get("service_account")
    return GoogleWorkspaceConnector(
        service_account=key if isinstance(key, Mapping) else {},
        admin_email=str(config.get("admin_email") or ""),
        domain=str(config.get("domain") or ""),
        customer_id=str(config.get("customer_id") or DEFAULT_CUSTOMER),
        api_url=str(config.get("api_url") or DEFAULT_API_URL),
        inactive_days=config_number(config, "inactive_days", DEFAULT_INACTIVE_DAYS),
        never_signed_in_days=config_number(config, "never_signed_in_days", DEFAULT_NEVER_SIGNED_IN_DAYS),
        admin_inactive_days=config_number(config, "admin_inactive_days", DEFAULT_ADMIN_INACTIVE_DAYS),
        min_super_admins=config_number(config, "min_super_admins", DEFAULT_MIN_SUPER_ADMINS),
        max_super_admins=config_number(config, "max_super_admins", DEFAULT_MAX_SUPER_ADMINS),
        trusted_clients=[str(c) for c in config.get("trusted_clients") or []],
    )
