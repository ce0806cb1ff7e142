"""Read-only Okta connector over the Management API, authenticated with an API token (SSWS) or an OAuth service app.

The connector is the only part of the Okta provider that talks to Okta.  It collects one
inventory per scan (each service once, through ``collectors``; per-user reads run a few
at a time) and hands it to the pure check functions in ``checks``.  The wire (egress
guard, retries, Link-header paging, rate limits) is the shared ``providers._rest``.

Two ways in: an API token, sent as ``Authorization: SSWS …``; or an API service app
(``client_id`` and its private key), whose scoped access token ``oauth`` obtains with a
signed client assertion and sends as ``Authorization: Bearer …``.  The service app is
Okta's recommendation: its rights are the granted read scopes, not everything its creator
may do.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from integrations.registry import Inventory

from .._rest import RestClient, RestError, RestHttpError
from .._saas import collect_each, config_number
from .collectors import COLLECTORS, Collector, Scope
from .oauth import SCOPES, SCOPES_BY_SERVICE, OAuthRestClient, ServiceAppToken, TokenError

logger = logging.getLogger(__name__)

INTEGRATION_TYPE = "okta"
SERVICE = "Okta"
USER_AGENT = "ComplyWise-Okta-Connector"
TEST_TIMEOUT = 10.0

DEFAULT_INACTIVE_DAYS = 90
DEFAULT_STUCK_DAYS = 30
DEFAULT_MIN_SUPER_ADMINS = 2
DEFAULT_MAX_SUPER_ADMINS = 4
DEFAULT_MAX_TOKEN_AGE_DAYS = 90

# The role the token's owner needs: read-only administrator sees users, factors, roles, policies, apps and
# ThreatInsight and groups; only a super administrator sees every API token (others see their own).
REQUIRED_ROLE = "Read-Only Administrator (Super Administrator to list every API token)"
# A service app needs both: the scopes say which APIs its token may call, the admin role what it may see there.
APP_ROLE = "the Read-Only Administrator role (the app's Admin roles tab)"

# Okta's own error summaries that are safe and useful to repeat word for word.
KNOWN_MESSAGES = (
    "Invalid token provided",
    "You do not have permission to perform the requested action",
    "API call exceeded rate limit due to too many requests.",
    "Invalid session",
)

SUPPORTED_SERVICES: frozenset[str] = frozenset(COLLECTORS)
# Read first, so that a failure to list the users is reported once for every service that needs them.
_ORDER = ("org", "users", "factors", "admins", "groups", "policies", "apps", "api_tokens", "threat_insight")
_SERVICE_OF: dict[str, str] = {collector.label: service for service, collector in COLLECTORS.items()}

__all__ = ["SUPPORTED_SERVICES", "OktaConnector", "build_connector"]


class OktaConnector:
    """Collects an Okta org's users, factors, admins, policies, apps, API tokens and ThreatInsight, read-only."""

    def __init__(
        self,
        *,
        org_url: str,
        api_token: str = "",
        client_id: str = "",
        private_key: str = "",
        key_id: str = "",
        inactive_days: int = DEFAULT_INACTIVE_DAYS,
        stuck_days: int = DEFAULT_STUCK_DAYS,
        min_super_admins: int = DEFAULT_MIN_SUPER_ADMINS,
        max_super_admins: int = DEFAULT_MAX_SUPER_ADMINS,
        max_token_age_days: int = DEFAULT_MAX_TOKEN_AGE_DAYS,
    ) -> None:
        self._token = api_token.strip()
        self.oauth: ServiceAppToken | None = None
        self.api: RestClient
        if client_id.strip() and private_key.strip():
            # The schema accepts one method only; were both stored, the scoped app is the narrower access.
            self._token = ""
            self.oauth = ServiceAppToken(org_url=org_url, client_id=client_id, private_key=private_key, key_id=key_id)
            self.api = OAuthRestClient(
                tokens=self.oauth,
                base_url=org_url,
                service=SERVICE,
                headers={"User-Agent": USER_AGENT},
                known_messages=KNOWN_MESSAGES,
            )
        else:
            self.api = RestClient(
                base_url=org_url,
                auth=self._auth,
                service=SERVICE,
                headers={"User-Agent": USER_AGENT},
                known_messages=KNOWN_MESSAGES,
            )
        self.org_url = self.api.base_url
        self.inactive_days = inactive_days
        self.stuck_days = stuck_days
        self.min_super_admins = min_super_admins
        self.max_super_admins = max_super_admins
        self.max_token_age_days = max_token_age_days

    def __repr__(self) -> str:
        if self.oauth is not None:
            return f"OktaConnector(org_url={self.org_url!r}, client_id={self.oauth.client_id!r})"
        return f"OktaConnector(org_url={self.org_url!r})"

    @property
    def credential(self) -> str:
        """What authenticates, in messages."""
        return "the service app's access token" if self.oauth is not None else "the API token"

    def _auth(self) -> Mapping[str, str]:
        return {"Authorization": f"SSWS {self._token}"}

    @property
    def host(self) -> str:
        return self.org_url.split("://", 1)[-1]

    # -- Connector protocol -------------------------------------------------

    def test_connection(self) -> tuple[bool, str]:
        if self.oauth is None:
            return self._test_connection()
        # A person waits on this: the token request is not retried either.
        retries, timeout = self.oauth.retries, self.oauth.timeout
        self.oauth.retries, self.oauth.timeout = 0, TEST_TIMEOUT
        try:
            return self._test_connection()
        finally:
            self.oauth.retries, self.oauth.timeout = retries, timeout

    def _test_connection(self) -> tuple[bool, str]:
        try:
            # A person waits on this: no retries and no waiting out a rate limit.
            org = self.api.get_json("/api/v1/org", retries=0, max_wait=0.0, timeout=TEST_TIMEOUT)
        except RestHttpError as exc:
            detail = self._explain_connection(exc)
        except TokenError as exc:
            detail = f"could not obtain an access token for the Okta service app: {exc}"
        except RestError as exc:
            detail = str(exc)
        else:
            if isinstance(org, Mapping) and org.get("id"):
                name = org.get("companyName") or org.get("subdomain") or self.host
                return True, self._redact(f"Connected to Okta org {name} at {self.host}")
            detail = f"{self.org_url} did not answer like Okta (GET /api/v1/org is not an org)"
        detail = self._redact(detail)
        logger.warning("Okta connection test failed: %s", detail)
        return False, detail

    def collect(self, services: set[str]) -> Inventory:
        return collect_each(
            Inventory(integration_type=INTEGRATION_TYPE, account_id=self.host),
            services,
            order=_ORDER,
            collectors=COLLECTORS,
            product="Okta",
            missing="" if self._token or self.oauth is not None else "the integration has no Okta API token",
            scope=self.scope,
            describe=self._describe_read,
            logger=logger,
        )

    def scope(self) -> Scope:
        return Scope(
            api=self.api,
            inactive_days=self.inactive_days,
            stuck_days=self.stuck_days,
            min_super_admins=self.min_super_admins,
            max_super_admins=self.max_super_admins,
            max_token_age_days=self.max_token_age_days,
        )

    # -- messages -----------------------------------------------------------------

    def _describe_read(self, exc: RestError, collector: Collector) -> str:
        return self._describe(exc, collector.label)

    def _describe(self, exc: RestError, what: str) -> str:
        """One line saying what could not be read and why."""
        if isinstance(exc, TokenError):
            text = f"could not read {what} of {self.host}: no access token for the Okta service app ({exc})"
        elif isinstance(exc, RestHttpError):
            if exc.status == 401:
                text = f"Okta rejected {self.credential} ({exc}) while reading {what} of {self.host}"
            elif exc.status in (403, 404) and self.oauth is not None:
                scopes = ", ".join(SCOPES_BY_SERVICE.get(_SERVICE_OF.get(what, ""), SCOPES))
                text = (
                    f"the service app lacks permission to read {what} of {self.host} ({exc}); "
                    f"grant it the scopes {scopes} and {APP_ROLE}"
                )
            elif exc.status in (403, 404):
                text = f"the API token lacks permission to read {what} of {self.host} ({exc}); it needs {REQUIRED_ROLE}"
            else:
                text = f"Okta answered {exc} when reading {what} of {self.host}"
        else:
            text = f"could not read {what} of {self.host}: {exc}"
        return self._redact(text)

    def _explain_connection(self, exc: RestHttpError) -> str:
        if exc.status == 401 and self.oauth is not None:
            return f"Okta rejected the service app's access token ({exc}): is org_url the org the app belongs to?"
        if exc.status == 401:
            return f"Okta rejected the API token ({exc}): check that it is correct, active and not expired"
        if exc.status == 403 and self.oauth is not None:
            return (
                f"Okta refused to show the org settings ({exc}): grant the service app the scopes "
                f"{', '.join(SCOPES)} and {APP_ROLE}"
            )
        if exc.status == 403:
            return f"Okta refused to show the org settings ({exc}): the token's owner needs {REQUIRED_ROLE}"
        if exc.status == 404:
            return f"{self.org_url} is not an Okta org URL ({exc}); use https://<your-org>.okta.com"
        return f"Okta answered {exc} for {self.host}"

    def _redact(self, text: str) -> str:
        return self.api.redact(text.replace(self._token, "***") if self._token else text)


def build_connector(*, config: dict, credentials: dict) -> OktaConnector:
    """Build the connector from an integration's config and decrypted credentials."""
    return OktaConnector(
        org_url=str(config.get("org_url") or ""),
        api_token=str(credentials.get("api_token") or ""),
        client_id=str(credentials.get("client_id") or ""),
        private_key=str(credentials.get("private_key") or ""),
        key_id=str(credentials.get("key_id") or ""),
        inactive_days=config_number(config, "inactive_days", DEFAULT_INACTIVE_DAYS),
        stuck_days=config_number(config, "stuck_days", DEFAULT_STUCK_DAYS),
        min_super_admins=config_number(config, "min_super_admins", DEFAULT_MIN_SUPER_ADMINS),
        max_super_admins=config_number(config, "max_super_admins", DEFAULT_MAX_SUPER_ADMINS),
        max_token_age_days=config_number(config, "max_token_age_days", DEFAULT_MAX_TOKEN_AGE_DAYS),
    )
