"""A fake Microsoft Entra ID tenant served by pytest-httpserver: the token endpoint and Microsoft Graph v1.0.

One local server plays both origins (the connector's ``authority_url`` and ``graph_url``
both point at it).  The token endpoint takes the client-credentials grant as a form POST
and answers AADSTS errors in the identity platform's shape; Graph answers only the token
it issued (401 ``InvalidAuthenticationToken`` otherwise), pages every list with an
absolute ``@odata.nextLink`` carrying a ``$skiptoken``, can answer 429 with
``Retry-After`` first, and answers 404 to anything it does not serve, so an unexpected
call shows up as a collection error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from integrations.providers.entra.client import EntraConnector, build_connector
from integrations.registry import Check, Inventory, Outcome, OutcomeStatus, get_check

TENANT_ID = "6a1c4f3e-8b2d-4e5f-9a7b-1c2d3e4f5a6b"
CLIENT_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
# Shaped like a client secret's Value (40 characters with ~ and .); it opens nothing.
SECRET = "Xq8~Fake.Secret_For-Tests0123456789abcdE"
ACCESS_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.fake-graph-token.signature"
DOMAIN = "contoso.example"

GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1"
GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
BREAK_GLASS = "00000000-0000-0000-0000-0000000000bb"

PASS = OutcomeStatus.PASS
FAIL = OutcomeStatus.FAIL
ERROR = OutcomeStatus.ERROR


def ago(days: float) -> str:
    """A Graph timestamp ``days`` before now."""
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def upn(name: str) -> str:
    return f"{name}@{DOMAIN}"


def guest_upn(name: str) -> str:
    return f"{name}_partner.example#EXT#@{DOMAIN}"


def graph_error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "innerError": {"request-id": "f00d", "date": ago(0)}}}


# --- Graph's objects -------------------------------------------------------------------------------


def user_object(
    name: str,
    *,
    guest: bool = False,
    enabled: bool = True,
    last_sign_in_days: float | None = 2,
    created_days: float = 400,
) -> dict[str, Any]:
    """One item of GET /v1.0/users?$select=…,signInActivity."""
    activity = None
    if last_sign_in_days is not None:
        activity = {
            "lastSignInDateTime": ago(last_sign_in_days + 1),
            "lastSignInRequestId": "req1",
            "lastNonInteractiveSignInDateTime": ago(last_sign_in_days),
            "lastNonInteractiveSignInRequestId": "req2",
            "lastSuccessfulSignInDateTime": ago(last_sign_in_days),
            "lastSuccessfulSignInRequestId": "req2",
        }
    return {
        "id": f"{name}-0000-4000-8000-{name.ljust(12, '0')[:12]}",
        "userPrincipalName": guest_upn(name) if guest else upn(name),
        "displayName": name.title(),
        "accountEnabled": enabled,
        "userType": "Guest" if guest else "Member",
        "createdDateTime": ago(created_days),
        "signInActivity": activity,
    }


def registration_object(user: dict[str, Any], methods: Iterable[str], *, admin: bool = False) -> dict[str, Any]:
    """One item of GET /v1.0/reports/authenticationMethods/userRegistrationDetails."""
    listed = list(methods)
    strong = [m for m in listed if m not in ("email", "securityQuestion")]
    return {
        "id": user["id"],
        "userPrincipalName": user["userPrincipalName"],
        "userDisplayName": user["displayName"],
        "userType": user["userType"].lower(),
        "isAdmin": admin,
        "isSsprRegistered": bool(listed),
        "isSsprEnabled": True,
        "isSsprCapable": bool(listed),
        "isMfaRegistered": bool(strong),
        "isMfaCapable": bool(strong),
        "isPasswordlessCapable": "fido2SecurityKey" in listed,
        "methodsRegistered": listed,
        "isSystemPreferredAuthenticationMethodEnabled": True,
        "userPreferredMethodForSecondaryAuthentication": strong[0] if strong else "none",
        "lastUpdatedDateTime": ago(1),
    }


def role_object(name: str, template_id: str) -> dict[str, Any]:
    """One item of GET /v1.0/directoryRoles (an activated role)."""
    return {
        "id": f"role-{template_id[:8]}",
        "deletedDateTime": None,
        "description": f"{name} role",
        "displayName": name,
        "roleTemplateId": template_id,
    }


def member_object(user: dict[str, Any]) -> dict[str, Any]:
    """One item of GET /v1.0/directoryRoles/{id}/members (a user)."""
    return {
        "@odata.type": "#microsoft.graph.user",
        "id": user["id"],
        "displayName": user["displayName"],
        "userPrincipalName": user["userPrincipalName"],
    }


def group_member(name: str) -> dict[str, Any]:
    return {"@odata.type": "#microsoft.graph.group", "id": f"grp-{name}", "displayName": name}


def group_object(name: str, *, role_assignable: bool = False) -> dict[str, Any]:
    """One item of GET /v1.0/groups; its id is the one ``group_member`` gives a role member."""
    return {
        "id": f"grp-{name}",
        "displayName": name,
        "description": f"{name} group",
        "isAssignableToRole": role_assignable,
        "securityEnabled": True,
        "mailEnabled": False,
        "groupTypes": [],
        "createdDateTime": ago(400),
    }


def ca_policy(
    policy_id: str,
    name: str,
    *,
    state: str = "enabled",
    include_users: Iterable[str] = ("All",),
    exclude_users: Iterable[str] = (BREAK_GLASS,),
    include_roles: Iterable[str] = (),
    client_app_types: Iterable[str] = ("all",),
    user_risk: Iterable[str] = (),
    sign_in_risk: Iterable[str] = (),
    controls: Iterable[str] = ("mfa",),
    operator: str = "OR",
    strength: str | None = None,
) -> dict[str, Any]:
    """One item of GET /v1.0/identity/conditionalAccess/policies."""
    return {
        "id": policy_id,
        "templateId": None,
        "displayName": name,
        "createdDateTime": ago(200),
        "modifiedDateTime": ago(20),
        "state": state,
        "sessionControls": None,
        "conditions": {
            "userRiskLevels": list(user_risk),
            "signInRiskLevels": list(sign_in_risk),
            "clientAppTypes": list(client_app_types),
            "platforms": None,
            "locations": None,
            "applications": {"includeApplications": ["All"], "excludeApplications": [], "includeUserActions": []},
            "users": {
                "includeUsers": list(include_users),
                "excludeUsers": list(exclude_users),
                "includeGroups": [],
                "excludeGroups": [],
                "includeRoles": list(include_roles),
                "excludeRoles": [],
            },
        },
        "grantControls": {
            "operator": operator,
            "builtInControls": list(controls),
            "customAuthenticationFactors": [],
            "termsOfUse": [],
            "authenticationStrength": {"id": "00000000-0000-0000-0000-000000000004", "displayName": strength}
            if strength
            else None,
        },
    }


def authorization_policy(*, invites: str, guest_role: str, create_apps: bool) -> dict[str, Any]:
    """GET /v1.0/policies/authorizationPolicy."""
    return {
        "id": "authorizationPolicy",
        "displayName": "Authorization Policy",
        "allowInvitesFrom": invites,
        "allowedToSignUpEmailBasedSubscriptions": True,
        "allowEmailVerifiedUsersToJoinOrganization": False,
        "blockMsolPowerShell": False,
        "guestUserRoleId": guest_role,
        "defaultUserRolePermissions": {
            "allowedToCreateApps": create_apps,
            "allowedToCreateSecurityGroups": True,
            "allowedToReadOtherUsers": True,
            "permissionGrantPoliciesAssigned": ["ManagePermissionGrantsForSelf.microsoft-user-default-legacy"],
        },
    }


# --- the fake tenant -------------------------------------------------------------------------------


@dataclass
class TenantState:
    users: list[dict[str, Any]]
    registrations: list[dict[str, Any]]
    # [(role, members)]
    roles: list[tuple[dict[str, Any], list[dict[str, Any]]]]
    policies: list[dict[str, Any]]
    authorization: dict[str, Any]
    security_defaults: bool = False
    # No Entra ID P1: signInActivity and conditional access are refused.
    premium: bool = True
    # The app lacks AuditLog.Read.All: signInActivity is refused, the rest of the user list is not.
    sign_in_forbidden: bool = False
    # [(group, members: users, or group_member for a nested group)]
    groups: list[tuple[dict[str, Any], list[dict[str, Any]]]] = field(default_factory=list)
    # path -> (status, code, message) answered instead of the data
    errors: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    # path -> Retry-After seconds of one 429 answered before the data
    throttle: dict[str, int] = field(default_factory=dict)
    page_size: int = 2
    tokens_issued: int = 0
    token_lifetime: int = 3599


class FakeTenant:
    """Answers every request of the connector from a :class:`TenantState`."""

    def __init__(self, server: HTTPServer, state: TenantState) -> None:
        self.server = server
        self.state = state

    def __call__(self, request: Request) -> Response:
        if request.path == f"/{TENANT_ID}/oauth2/v2.0/token" or request.path.endswith("/oauth2/v2.0/token"):
            return self._token(request)
        if request.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
            return _json(graph_error("InvalidAuthenticationToken", "Access token validation failure."), 401)
        state = self.state
        if request.path in state.throttle:
            wait = state.throttle.pop(request.path)
            body = graph_error("TooManyRequests", "Too many requests.")
            return _json(body, 429, {"Retry-After": str(wait)})
        if request.path in state.errors:
            status, code, message = state.errors[request.path]
            return _json(graph_error(code, message), status)
        return self._graph(request)

    def _token(self, request: Request) -> Response:
        form = request.form
        if request.method != "POST" or form.get("grant_type") != "client_credentials":
            return _json({"error": "unsupported_grant_type", "error_codes": [70003]}, 400)
        if not request.path.startswith(f"/{TENANT_ID}/"):
            return _json(
                {
                    "error": "invalid_request",
                    "error_description": "AADSTS90002: Tenant 'x' not found.",
                    "error_codes": [90002],
                },
                400,
            )
        if form.get("client_id") != CLIENT_ID:
            return _json({"error": "unauthorized_client", "error_codes": [700016]}, 400)
        if form.get("client_secret") != SECRET:
            return _json(
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent",
                    "error_codes": [7000215],
                },
                401,
            )
        if form.get("scope") != "https://graph.microsoft.com/.default":
            return _json({"error": "invalid_scope", "error_codes": [1002012]}, 400)
        self.state.tokens_issued += 1
        return _json(
            {
                "token_type": "Bearer",
                "expires_in": self.state.token_lifetime,
                "ext_expires_in": self.state.token_lifetime,
                "access_token": ACCESS_TOKEN,
            }
        )

    def _graph(self, request: Request) -> Response:
        state, path, args = self.state, request.path, request.args
        if path == "/v1.0/users":
            select = args.get("$select", "")
            if "signInActivity" in select and not state.premium:
                return _json(
                    graph_error(
                        "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
                        "Neither tenant is B2C or tenant doesn't have premium license",
                    ),
                    403,
                )
            if "signInActivity" in select and state.sign_in_forbidden:
                return _json(
                    graph_error("Authorization_RequestDenied", "Insufficient privileges to complete the operation."),
                    403,
                )
            wanted = [f for f in select.split(",") if f] or ["id", "userPrincipalName", "displayName"]
            users = [{k: u[k] for k in wanted if k in u} for u in state.users]
            return self._page(request, users, int(args.get("$top") or state.page_size))
        if path == "/v1.0/reports/authenticationMethods/userRegistrationDetails":
            return self._page(request, state.registrations, state.page_size)
        if path == "/v1.0/directoryRoles":
            return self._page(request, [role for role, _ in state.roles], state.page_size)
        for role, members in state.roles:
            if path == f"/v1.0/directoryRoles/{role['id']}/members":
                return self._page(request, members, state.page_size)
        if path == "/v1.0/groups":
            return self._page(request, [_selected(g, args) for g, _ in state.groups], state.page_size)
        for group, members in state.groups:
            if path == f"/v1.0/groups/{group['id']}/members":
                return self._page(request, [_selected(m, args) for m in members], state.page_size)
            if path == f"/v1.0/groups/{group['id']}/transitiveMembers":
                return self._page(
                    request, [_selected(m, args) for m in _nested_members(state, members)], state.page_size
                )
        if path == "/v1.0/identity/conditionalAccess/policies":
            if not state.premium:
                return _json(graph_error("AccessDenied", "The tenant has no premium license."), 403)
            return self._page(request, state.policies, state.page_size)
        if path == "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy":
            return _json(
                {
                    "id": "00000000-0000-0000-0000-000000000005",
                    "displayName": "Security Defaults",
                    "description": "Security defaults is a set of basic identity security mechanisms",
                    "isEnabled": state.security_defaults,
                }
            )
        if path == "/v1.0/policies/authorizationPolicy":
            return _json({"@odata.context": "…/$metadata#policies/authorizationPolicy/$entity", **state.authorization})
        return _json(graph_error("Request_ResourceNotFound", f"Resource '{path}' does not exist."), 404)

    def _page(self, request: Request, items: list[Any], size: int) -> Response:
        start = int(request.args.get("$skiptoken") or 0)
        body: dict[str, Any] = {"@odata.context": f"…/$metadata#{request.path}", "value": items[start : start + size]}
        if start + size < len(items):
            query = [(k, v) for k, v in request.args.items(multi=True) if k not in ("$skiptoken", "$top")]
            query.append(("$skiptoken", str(start + size)))
            body["@odata.nextLink"] = self.server.url_for(request.path) + "?" + urlencode(query, safe="$,")
        return _json(body)


def _nested_members(state: TenantState, members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What transitiveMembers lists: the direct members, then those of each nested group, each object once."""
    found: dict[str, dict[str, Any]] = {}
    pending = list(members)
    while pending:
        member = pending.pop(0)
        if member["id"] in found:
            continue
        found[member["id"]] = member
        if member.get("@odata.type") == "#microsoft.graph.group":
            pending.extend(next((m for g, m in state.groups if g["id"] == member["id"]), []))
    return list(found.values())


def _selected(item: dict[str, Any], args: Any) -> dict[str, Any]:
    """``item`` cut to ``$select`` as Graph does; a directory object keeps its ``@odata.type`` in a mixed list."""
    wanted = [f for f in str(args.get("$select") or "").split(",") if f]
    if not wanted:
        return item
    return {k: v for k, v in item.items() if k in wanted or k == "@odata.type"}


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json", headers=headers)


def serve(server: HTTPServer, state: TenantState) -> FakeTenant:
    fake = FakeTenant(server, state)
    server.expect_request(re.compile(".*")).respond_with_handler(fake)
    return fake


# --- two tenants -----------------------------------------------------------------------------------

COMPLIANT_AUTH = authorization_policy(
    invites="adminsAndGuestInviters", guest_role="2af84b1e-32c8-42b7-82bc-daa82404023b", create_apps=False
)


def compliant_tenant() -> TenantState:
    """A tenant that passes every check."""
    alice, bob = user_object("alice"), user_object("bob", last_sign_in_days=30)
    carol = user_object("carol", last_sign_in_days=None, created_days=10)
    dan = user_object("dan", enabled=False, last_sign_in_days=300)
    gina = user_object("gina", guest=True, last_sign_in_days=20)
    return TenantState(
        users=[alice, bob, carol, dan, gina],
        registrations=[
            registration_object(alice, ["microsoftAuthenticatorPush", "fido2SecurityKey"], admin=True),
            registration_object(bob, ["softwareOneTimePasscode"], admin=True),
            registration_object(carol, ["microsoftAuthenticatorPush"], admin=True),
            registration_object(dan, []),
            registration_object(gina, []),
        ],
        roles=[
            (role_object("Global Administrator", GLOBAL_ADMIN), [member_object(alice), member_object(bob)]),
            (role_object("User Administrator", USER_ADMIN), [member_object(carol)]),
        ],
        policies=[
            ca_policy("ca-mfa-all", "Require MFA for all users"),
            ca_policy(
                "ca-mfa-admins",
                "Require phishing-resistant MFA for admins",
                include_users=(),
                include_roles=(GLOBAL_ADMIN, USER_ADMIN),
                controls=(),
                strength="Phishing-resistant MFA",
            ),
            ca_policy(
                "ca-legacy",
                "Block legacy authentication",
                client_app_types=("exchangeActiveSync", "other"),
                controls=("block",),
            ),
            ca_policy("ca-signin-risk", "Sign-in risk", sign_in_risk=("high", "medium")),
            ca_policy(
                "ca-user-risk", "User risk", user_risk=("high",), controls=("mfa", "passwordChange"), operator="AND"
            ),
        ],
        authorization=COMPLIANT_AUTH,
        groups=[
            (
                group_object("Engineering"),
                [member_object(alice), member_object(bob), member_object(gina), group_member("Contractors")],
            ),
            (group_object("Contractors"), [member_object(dan)]),
            (group_object("Helpdesk Admins", role_assignable=True), [member_object(bob), member_object(dan)]),
        ],
    )


def noncompliant_tenant() -> TenantState:
    """A tenant that fails every check somewhere."""
    alice, bob = user_object("alice"), user_object("bob", last_sign_in_days=200)
    erin = user_object("erin", last_sign_in_days=None, created_days=100)
    gus = user_object("gus", guest=True, last_sign_in_days=150)
    helen = user_object("helen", guest=True, last_sign_in_days=None, created_days=60)
    return TenantState(
        users=[alice, bob, erin, gus, helen],
        registrations=[
            registration_object(alice, ["email"], admin=True),
            registration_object(bob, ["microsoftAuthenticatorPush"]),
            registration_object(erin, []),
            registration_object(gus, ["softwareOneTimePasscode"], admin=True),
            registration_object(helen, []),
        ],
        roles=[
            (role_object("Global Administrator", GLOBAL_ADMIN), [member_object(alice)]),
            (role_object("Global Reader", GLOBAL_READER), [member_object(gus)]),
        ],
        policies=[
            ca_policy("ca-mfa-all", "Require MFA for all users", state="enabledForReportingButNotEnforced"),
            # Either MFA or a compliant device: MFA is not required.
            ca_policy(
                "ca-mfa-admins",
                "MFA or compliant device for admins",
                include_users=(),
                include_roles=(GLOBAL_ADMIN,),
                controls=("mfa", "compliantDevice"),
            ),
            # ActiveSync only: IMAP, POP and SMTP ("other") still get in.
            ca_policy("ca-legacy", "Block ActiveSync", client_app_types=("exchangeActiveSync",), controls=("block",)),
            ca_policy("ca-user-risk", "User risk", state="disabled", user_risk=("high",), controls=("passwordChange",)),
        ],
        authorization=authorization_policy(
            invites="everyone", guest_role="a0b1b346-4d3e-4e8b-98f8-753987be4970", create_apps=True
        ),
    )


# --- running -----------------------------------------------------------------------------------------


def base_url(server: HTTPServer) -> str:
    return server.url_for("").rstrip("/")


def config(server: HTTPServer, **extra: Any) -> dict[str, Any]:
    return {"tenant_id": TENANT_ID, "authority_url": base_url(server), "graph_url": base_url(server), **extra}


def connector(server: HTTPServer, *, client_id: str = CLIENT_ID, secret: str = SECRET, **extra: Any) -> EntraConnector:
    built = build_connector(
        config=config(server, **extra), credentials={"client_id": client_id, "client_secret": secret}
    )
    # No real pauses in tests: record them instead.
    built.api.backoff = 0.0
    built.api.sleeps = []  # type: ignore[attr-defined]
    built.api.sleep = built.api.sleeps.append  # type: ignore[attr-defined]
    built.credentials.backoff = 0.0
    built.credentials.sleep = built.api.sleeps.append  # type: ignore[attr-defined]
    return built


def get(check_id: str) -> Check:
    found = get_check(check_id)
    assert found is not None, f"{check_id} is not registered"
    return found


def collect(server: HTTPServer, check_ids: Iterable[str], **extra: Any) -> Inventory:
    services = {s for cid in check_ids for s in get(cid).services}
    return connector(server, **extra).collect(services)


def statuses(outcomes: Iterable[Outcome]) -> dict[str, OutcomeStatus]:
    return {o.resource_id: o.status for o in outcomes}
