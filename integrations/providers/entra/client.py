"""Read-only Microsoft Entra ID connector over Microsoft Graph v1.0, as an app registration (client credentials).

The connector is the only part of the Entra provider that talks to Microsoft.  It gets an
access token for the app registration (``token.ClientCredentials``, cached until shortly
before it expires), collects one inventory per scan through ``collectors`` and hands it
to the pure check functions in ``checks``.  The Graph wire (egress guard, retries,
``@odata.nextLink`` paging, 429 ``Retry-After``) is the shared ``providers._rest``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from integrations.registry import Inventory

from .._rest import RestClient, RestError, RestHttpError
from .._saas import collect_each, config_number
from .collectors import COLLECTORS, Scope
from .token import ClientCredentials

logger = logging.getLogger(__name__)

INTEGRATION_TYPE = "entra"
SERVICE = "Microsoft Graph"
USER_AGENT = "ComplyWise-Entra-Connector"
TEST_TIMEOUT = 10.0

DEFAULT_AUTHORITY_URL = "https://login.microsoftonline.com"
DEFAULT_GRAPH_URL = "https://graph.microsoft.com"
DEFAULT_INACTIVE_DAYS = 90
DEFAULT_GUEST_INACTIVE_DAYS = 90
DEFAULT_NEVER_SIGNED_IN_DAYS = 30
DEFAULT_MIN_GLOBAL_ADMINS = 2
DEFAULT_MAX_GLOBAL_ADMINS = 4

# The application permissions (admin-consented) the app registration needs; all read-only.
REQUIRED_PERMISSIONS = (
    "User.Read.All",
    "AuditLog.Read.All",
    "Policy.Read.All",
    "RoleManagement.Read.Directory",
    "GroupMember.Read.All",
)

# Graph's own error messages that are safe and useful to repeat word for word.
KNOWN_MESSAGES = (
    "Insufficient privileges to complete the operation.",
    "Access token has expired or is not yet valid.",
    "Neither tenant is B2C or tenant doesn't have premium license",
)

SUPPORTED_SERVICES: frozenset[str] = frozenset(COLLECTORS)
_ORDER = ("users", "registration", "roles", "groups", "conditional_access", "authorization_policy")

__all__ = ["SUPPORTED_SERVICES", "EntraConnector", "build_connector"]


class EntraConnector:
    """Collects an Entra ID tenant's users, MFA registration, roles and policies, read-only."""

    def __init__(
        self,
        *,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        authority_url: str = DEFAULT_AUTHORITY_URL,
        graph_url: str = DEFAULT_GRAPH_URL,
        inactive_days: int = DEFAULT_INACTIVE_DAYS,
        guest_inactive_days: int = DEFAULT_GUEST_INACTIVE_DAYS,
        never_signed_in_days: int = DEFAULT_NEVER_SIGNED_IN_DAYS,
        min_global_admins: int = DEFAULT_MIN_GLOBAL_ADMINS,
        max_global_admins: int = DEFAULT_MAX_GLOBAL_ADMINS,
    ) -> None:
        self.tenant_id = tenant_id.strip()
        self._secret = client_secret.strip()
        self.credentials = ClientCredentials(
            authority_url=authority_url,
            tenant_id=self.tenant_id,
            client_id=client_id,
            client_secret=self._secret,
        )
        self.api = RestClient(
            base_url=graph_url,
            auth=self.credentials.headers,
            service=SERVICE,
            headers={"User-Agent": USER_AGENT},
            known_messages=KNOWN_MESSAGES,
        )
        self.inactive_days = inactive_days
        self.guest_inactive_days = guest_inactive_days
        self.never_signed_in_days = never_signed_in_days
        self.min_global_admins = min_global_admins
        self.max_global_admins = max_global_admins

    def __repr__(self) -> str:
        return f"EntraConnector(tenant_id={self.tenant_id!r}, client_id={self.credentials.client_id!r})"

    # -- Connector protocol -------------------------------------------------

    def test_connection(self) -> tuple[bool, str]:
        missing = self._missing()
        if missing:
            return False, missing
        retries, self.credentials.retries = self.credentials.retries, 0
        try:
            # A person waits on this: no retries and no waiting out a rate limit.
            users = self.api.get_json(
                "/v1.0/users", {"$top": 1, "$select": "id"}, retries=0, max_wait=0.0, timeout=TEST_TIMEOUT
            )
        except RestHttpError as exc:
            detail = self._explain_connection(exc)
        except RestError as exc:
            detail = str(exc)
        else:
            if isinstance(users, Mapping) and isinstance(users.get("value"), list):
                return True, self._redact(f"Connected to Microsoft Entra ID tenant {self.tenant_id} through Graph")
            detail = f"{self.api.base_url} did not answer like Microsoft Graph (GET /v1.0/users is not a user list)"
        finally:
            self.credentials.retries = retries
        detail = self._redact(detail)
        logger.warning("Entra ID connection test failed: %s", detail)
        return False, detail

    def collect(self, services: set[str]) -> Inventory:
        return collect_each(
            Inventory(integration_type=INTEGRATION_TYPE, account_id=self.tenant_id),
            services,
            order=_ORDER,
            collectors=COLLECTORS,
            product="Entra ID",
            missing=self._missing(),
            scope=self.scope,
            describe=lambda exc, collector: self._describe(exc, collector.label, collector.permission),
            logger=logger,
        )

    def _missing(self) -> str:
        if not self._secret or not self.credentials.client_id:
            return "the integration has no client id or client secret"
        return ""

    def scope(self) -> Scope:
        return Scope(
            api=self.api,
            inactive_days=self.inactive_days,
            guest_inactive_days=self.guest_inactive_days,
            never_signed_in_days=self.never_signed_in_days,
            min_global_admins=self.min_global_admins,
            max_global_admins=self.max_global_admins,
        )

    # -- messages -----------------------------------------------------------------

    def _describe(self, exc: RestError, what: str, permission: str) -> str:
        """One line saying what could not be read and why."""
        if isinstance(exc, RestHttpError):
            if exc.status == 401:
                text = f"Microsoft Graph rejected the access token ({exc}) while reading {what} of {self.tenant_id}"
            elif exc.status == 403:
                text = (
                    f"the app registration lacks permission to read {what} of {self.tenant_id} ({exc}); "
                    f"grant the application permission {permission} with admin consent"
                )
            else:
                text = f"Microsoft Graph answered {exc} when reading {what} of {self.tenant_id}"
        else:
            text = f"could not read {what} of {self.tenant_id}: {exc}"
        return self._redact(text)

    def _explain_connection(self, exc: RestHttpError) -> str:
        if exc.status == 401:
            return f"Microsoft Graph rejected the access token ({exc}): is graph_url Microsoft Graph's?"
        if exc.status == 403:
            return (
                f"Microsoft Graph refused to list users ({exc}): grant the app registration the application "
                f"permissions {', '.join(REQUIRED_PERMISSIONS)} and an administrator's consent"
            )
        if exc.status == 404:
            return f"{self.api.base_url} is not Microsoft Graph ({exc}); use {DEFAULT_GRAPH_URL}"
        return f"Microsoft Graph answered {exc} for tenant {self.tenant_id}"

    def _redact(self, text: str) -> str:
        return self.api.redact(text.replace(self._secret, "***") if self._secret else text)


def build_connector(*, config: dict, credentials: dict) -> EntraConnector:
    """Build the connector from an integration's config and decrypted credentials."""
    return EntraConnector(
        tenant_id=str(config.get("tenant_id") or ""),
        authority_url=str(config.get("authority_url") or DEFAULT_AUTHORITY_URL),
        graph_url=str(config.get("graph_url") or DEFAULT_GRAPH_URL),
        client_id=str(credentials.get("client_id") or ""),
        client_secret=str(credentials.get("client_secret") or ""),
        inactive_days=config_number(config, "inactive_days", DEFAULT_INACTIVE_DAYS),
        guest_inactive_days=config_number(config, "guest_inactive_days", DEFAULT_GUEST_INACTIVE_DAYS),
        never_signed_in_days=config_number(config, "never_signed_in_days", DEFAULT_NEVER_SIGNED_IN_DAYS),
        min_global_admins=config_number(config, "min_global_admins", DEFAULT_MIN_GLOBAL_ADMINS),
        max_global_admins=config_number(config, "max_global_admins", DEFAULT_MAX_GLOBAL_ADMINS),
    )
