"""A fake Okta org served by pytest-httpserver, shaped as Okta's Management API documents it.

It pages lists with ``Link`` headers and an ``after`` cursor like Okta, answers 401 with
Okta's error body to a wrong token and 404 to anything it does not serve (so an
unexpected call shows up as a collection error), and can answer a 429 with
``X-Rate-Limit-Reset`` first.
"""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from integrations.providers.okta.client import OktaConnector, build_connector
from integrations.registry import Check, Inventory, Outcome, OutcomeStatus, get_check

# Shaped like an Okta API token (42 characters starting with 00); it opens nothing.
TOKEN = "00" + "Qz8Xw7Vu6Ts5Rq4Po3Nm2Lk1Ji0Hg9FeDcBaZyXw"
API_HEADERS = {"Authorization": f"SSWS {TOKEN}", "Accept": "application/json"}
DOMAIN = "acme.example"

PASS = OutcomeStatus.PASS
FAIL = OutcomeStatus.FAIL
ERROR = OutcomeStatus.ERROR


def ago(days: float) -> str:
    """An Okta timestamp ``days`` before now."""
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def okta_error(code: str, summary: str) -> dict[str, Any]:
    return {"errorCode": code, "errorSummary": summary, "errorLink": code, "errorId": "oaeFake123", "errorCauses": []}


# --- Okta's objects ------------------------------------------------------------------------------


def user_object(
    user_id: str,
    name: str,
    status: str = "ACTIVE",
    *,
    last_login_days: float | None = 2,
    created_days: float = 400,
    status_changed_days: float | None = None,
) -> dict[str, Any]:
    """One item of GET /api/v1/users."""
    login = f"{name}@{DOMAIN}"
    return {
        "id": user_id,
        "status": status,
        "created": ago(created_days),
        "activated": ago(created_days - 1),
        "statusChanged": ago(status_changed_days) if status_changed_days is not None else ago(created_days - 1),
        "lastLogin": ago(last_login_days) if last_login_days is not None else None,
        "lastUpdated": ago(5),
        "passwordChanged": ago(30),
        "type": {"id": "oty1"},
        "profile": {"firstName": name.title(), "lastName": "Acme", "email": login, "login": login},
        "credentials": {"password": {}, "provider": {"type": "OKTA", "name": "OKTA"}},
        "_links": {"self": {"href": f"https://acme.okta.com/api/v1/users/{user_id}"}},
    }


def factor_object(factor_type: str, provider: str = "OKTA", status: str = "ACTIVE") -> dict[str, Any]:
    """One item of GET /api/v1/users/{id}/factors."""
    return {
        "id": f"fac{factor_type.replace(':', '')}",
        "factorType": factor_type,
        "provider": provider,
        "vendorName": provider,
        "status": status,
        "created": ago(100),
        "lastUpdated": ago(100),
        "profile": {},
    }


def role_object(role_type: str, assignment: str = "USER") -> dict[str, Any]:
    """One item of GET /api/v1/users/{id}/roles."""
    return {
        "id": f"ra{role_type.lower()}",
        "label": role_type.replace("_", " ").title(),
        "type": role_type,
        "status": "ACTIVE",
        "created": ago(300),
        "lastUpdated": ago(300),
        "assignmentType": assignment,
    }


def policy_object(policy_id: str, policy_type: str, name: str, settings: dict[str, Any], **extra: Any) -> dict:
    """One item of GET /api/v1/policies?type=…."""
    return {
        "id": policy_id,
        "type": policy_type,
        "name": name,
        "status": "ACTIVE",
        "priority": 1,
        "system": True,
        "conditions": {"people": {"groups": {"include": ["00gEveryone"]}}},
        "settings": settings,
        "created": ago(500),
        "lastUpdated": ago(20),
        **extra,
    }


def rule_object(rule_id: str, name: str, actions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """One item of GET /api/v1/policies/{id}/rules."""
    return {
        "id": rule_id,
        "name": name,
        "status": "ACTIVE",
        "priority": 1,
        "system": False,
        "type": extra.pop("type", "SIGN_ON"),
        "conditions": {"people": {"users": {"exclude": []}}, "network": {"connection": "ANYWHERE"}},
        "actions": actions,
        **extra,
    }


def enroll_settings(*required: str, optional: Iterable[str] = ("okta_email",)) -> dict[str, Any]:
    """Identity Engine authenticator enrolment settings."""
    entries = [{"key": key, "enroll": {"self": "REQUIRED"}} for key in required]
    entries += [{"key": key, "enroll": {"self": "OPTIONAL"}} for key in optional]
    entries.append({"key": "okta_password", "enroll": {"self": "REQUIRED"}})
    return {"type": "AUTHENTICATORS", "authenticators": entries}


def password_settings(
    *, min_length: int = 14, history: int = 4, attempts: int = 5, common: bool = True, username: bool = True
) -> dict[str, Any]:
    return {
        "password": {
            "complexity": {
                "minLength": min_length,
                "minLowerCase": 1,
                "minUpperCase": 1,
                "minNumber": 1,
                "minSymbol": 0,
                "excludeUsername": username,
                "dictionary": {"common": {"exclude": common}},
                "excludeAttributes": [],
            },
            "age": {"maxAgeDays": 0, "expireWarnDays": 0, "minAgeMinutes": 0, "historyCount": history},
            "lockout": {
                "maxAttempts": attempts,
                "autoUnlockMinutes": 0,
                "userLockoutNotificationChannels": ["EMAIL"],
                "showLockoutFailures": False,
            },
        },
        "recovery": {"factors": {"okta_email": {"status": "ACTIVE"}}},
        "delegation": {"options": {"skipUnlock": False}},
    }


def signon_actions(*, lifetime: int = 720, idle: int = 60, persistent: bool = False) -> dict[str, Any]:
    return {
        "signon": {
            "access": "ALLOW",
            "requireFactor": False,
            "primaryFactor": "PASSWORD_IDP_ANY_FACTOR",
            "rememberDeviceByDefault": False,
            "session": {
                "usePersistentCookie": persistent,
                "maxSessionIdleMinutes": idle,
                "maxSessionLifetimeMinutes": lifetime,
            },
        }
    }


def app_sign_on(factor_mode: str = "2FA", access: str = "ALLOW") -> dict[str, Any]:
    return {
        "appSignOn": {
            "access": access,
            "verificationMethod": {"type": "ASSURANCE", "factorMode": factor_mode, "reauthenticateIn": "PT12H"},
        }
    }


def app_object(app_id: str, name: str, label: str, base: str, policy_id: str | None = None) -> dict[str, Any]:
    """One item of GET /api/v1/apps."""
    links: dict[str, Any] = {"users": {"href": f"{base}/api/v1/apps/{app_id}/users"}}
    if policy_id:
        links["accessPolicy"] = {"href": f"{base}/api/v1/policies/{policy_id}"}
    return {
        "id": app_id,
        "name": name,
        "label": label,
        "status": "ACTIVE",
        "signOnMode": "SAML_2_0" if name != "saasure" else "OPENID_CONNECT",
        "created": ago(600),
        "_links": links,
    }


def app_user_object(user_id: str, status: str = "PROVISIONED", scope: str = "USER") -> dict[str, Any]:
    """One item of GET /api/v1/apps/{id}/users."""
    return {"id": user_id, "scope": scope, "status": status, "created": ago(200), "credentials": {"userName": user_id}}


def group_object(group_id: str, name: str, group_type: str = "OKTA_GROUP") -> dict[str, Any]:
    """One item of GET /api/v1/groups."""
    return {
        "id": group_id,
        "type": group_type,
        "created": ago(500),
        "lastUpdated": ago(50),
        "lastMembershipUpdated": ago(5),
        "objectClass": ["okta:user_group"],
        "profile": {"name": name, "description": None},
        "_links": {"users": {"href": f"https://acme.okta.com/api/v1/groups/{group_id}/users"}},
    }


def token_object(token_id: str, name: str, created_days: float, user_id: str = "00ualice") -> dict[str, Any]:
    """One item of GET /api/v1/api-tokens."""
    return {
        "id": token_id,
        "name": name,
        "userId": user_id,
        "clientName": "Okta API",
        "tokenWindow": "P30D",
        "created": ago(created_days),
        "expiresAt": ago(-30),
        "lastUpdated": ago(1),
        "network": {"connection": "ANYWHERE"},
    }


# --- the fake org ----------------------------------------------------------------------------------


@dataclass
class OrgState:
    users: list[dict[str, Any]]
    factors: dict[str, list[dict[str, Any]]]
    roles: dict[str, list[dict[str, Any]]]
    # policy type -> [(policy, rules)]
    policies: dict[str, list[tuple[dict[str, Any], list[dict[str, Any]]]]]
    # [(app, app users)]
    apps: list[tuple[dict[str, Any], list[dict[str, Any]]]]
    tokens: list[dict[str, Any]]
    # [(group, its members as GET /api/v1/groups/{id}/users lists them)]
    groups: list[tuple[dict[str, Any], list[dict[str, Any]]]] = field(default_factory=list)
    threat_action: str = "block"
    org: dict[str, Any] = field(
        default_factory=lambda: {"id": "00o1acme", "companyName": "Acme", "subdomain": "acme", "status": "ACTIVE"}
    )
    # Okta Classic Engine: no ACCESS_POLICY type.
    classic: bool = False
    # path -> (status, error body) answered instead of the data
    errors: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)


def _paged(
    server: HTTPServer,
    path: str,
    items: list[Any],
    query: dict[str, str],
    page_size: int,
    headers: dict[str, str] = API_HEADERS,
) -> None:
    """Serve a list over pages linked by Link headers carrying Okta's ``after`` cursor."""
    pages = [items[i : i + page_size] for i in range(0, len(items), page_size)] or [[]]
    base = server.url_for(path)
    after: str | None = None
    for number, page in enumerate(pages):
        expected = {**query, **({"after": after} if after else {})}
        links = [f'<{base}?{_qs(expected)}>; rel="self"']
        if number + 1 < len(pages):
            after = str(page[-1].get("id") if isinstance(page[-1], dict) else number)
            links.append(f'<{base}?{_qs({**query, "after": after})}>; rel="next"')
        server.expect_request(path, method="GET", query_string=expected, headers=headers).respond_with_json(
            page, headers={"Link": ", ".join(links)}
        )


def _qs(query: dict[str, str]) -> str:
    from urllib.parse import quote, urlencode

    return urlencode(query, quote_via=quote)


def _fallback(request: Request, authorization: str = API_HEADERS["Authorization"]) -> Response:
    """Okta's answer to a wrong token, and 404 for anything the fake does not serve."""
    if request.headers.get("Authorization") != authorization:
        body, status = okta_error("E0000011", "Invalid token provided"), 401
    else:
        body, status = okta_error("E0000007", f"Not found: Resource not found: {request.path} (Path)"), 404
    return Response(json.dumps(body), status=status, content_type="application/json")


def serve(
    server: HTTPServer,
    state: OrgState,
    *,
    page_size: int = 2,
    rate_limit_reset_in: float | None = None,
    authorization: str = API_HEADERS["Authorization"],
) -> None:
    """Register every endpoint the connector reads for ``state``; then the 401/404 fallback.

    ``authorization`` is the one header value the fake accepts (an OAuth ``Bearer …`` instead of the API token).
    """
    headers = {**API_HEADERS, "Authorization": authorization}
    paged = functools.partial(_paged, headers=headers)
    for path, (status, body) in state.errors.items():
        server.expect_request(path, headers=headers).respond_with_json(body, status=status)
    if rate_limit_reset_in is not None:
        server.expect_oneshot_request("/api/v1/users", headers=headers).respond_with_json(
            okta_error("E0000047", "API call exceeded rate limit due to too many requests."),
            status=429,
            headers={
                "X-Rate-Limit-Limit": "600",
                "X-Rate-Limit-Remaining": "0",
                "X-Rate-Limit-Reset": str(int(time.time() + rate_limit_reset_in)),
            },
        )
    server.expect_request("/api/v1/org", headers=headers).respond_with_json(state.org)
    listed = [u for u in state.users if u["status"] != "DEPROVISIONED"]
    gone = [u for u in state.users if u["status"] == "DEPROVISIONED"]
    paged(server, "/api/v1/users", listed, {"limit": "200"}, page_size)
    paged(server, "/api/v1/users", gone, {"filter": 'status eq "DEPROVISIONED"', "limit": "200"}, page_size)
    for user in state.users:
        if user["status"] in ("ACTIVE", "PASSWORD_EXPIRED", "LOCKED_OUT", "RECOVERY"):
            paged(server, f"/api/v1/users/{user['id']}/factors", state.factors.get(user["id"], []), {}, 100)
    _serve_roles(server, state, page_size, headers)
    for policy_type in ("OKTA_SIGN_ON", "PASSWORD", "MFA_ENROLL", "ACCESS_POLICY"):
        if policy_type == "ACCESS_POLICY" and state.classic:
            server.expect_request("/api/v1/policies", query_string={"type": policy_type}).respond_with_json(
                okta_error("E0000001", "Api validation failed: type"), status=400
            )
            continue
        entries = state.policies.get(policy_type, [])
        paged(server, "/api/v1/policies", [p for p, _ in entries], {"type": policy_type}, 100)
        for policy, rules in entries:
            paged(server, f"/api/v1/policies/{policy['id']}/rules", rules, {}, 100)
    paged(server, "/api/v1/apps", [a for a, _ in state.apps], {"filter": 'status eq "ACTIVE"', "limit": "200"}, 2)
    for app, app_users in state.apps:
        paged(server, f"/api/v1/apps/{app['id']}/users", app_users, {"limit": "500"}, page_size)
    paged(server, "/api/v1/groups", [g for g, _ in state.groups], {"limit": "200"}, page_size)
    for group, members in state.groups:
        paged(server, f"/api/v1/groups/{group['id']}/users", members, {"limit": "200"}, page_size)
    paged(server, "/api/v1/api-tokens", state.tokens, {}, page_size)
    server.expect_request("/api/v1/threats/configuration", headers=headers).respond_with_json(
        {"action": state.threat_action, "excludeZones": [], "created": ago(100), "lastUpdated": ago(10)}
    )
    server.expect_request(re.compile(".*")).respond_with_handler(
        functools.partial(_fallback, authorization=authorization)
    )


def _serve_roles(server: HTTPServer, state: OrgState, page_size: int, headers: dict[str, str] = API_HEADERS) -> None:
    """GET /api/v1/iam/assignees/users pages with a body next link, then each admin's roles."""
    admins = [user_id for user_id, roles in state.roles.items() if roles]
    pages = [admins[i : i + page_size] for i in range(0, len(admins), page_size)] or [[]]
    after: str | None = None
    for number, page in enumerate(pages):
        query = {"limit": "100", **({"after": after} if after else {})}
        links: dict[str, Any] = {}
        if number + 1 < len(pages):
            after = page[-1]
            links["next"] = {"href": server.url_for("/api/v1/iam/assignees/users") + f"?limit=100&after={after}"}
        body = {
            "value": [{"id": uid, "orn": f"orn:okta:directory:00o1acme:users:{uid}"} for uid in page],
            "_links": links,
        }
        server.expect_request("/api/v1/iam/assignees/users", query_string=query, headers=headers).respond_with_json(
            body
        )
    for user_id, roles in state.roles.items():
        _paged(server, f"/api/v1/users/{user_id}/roles", roles, {}, 100, headers)


def _policies(
    base: str, *, enroll: dict, password: dict, signon: dict, console_mode: str
) -> dict[str, list[tuple[dict[str, Any], list[dict[str, Any]]]]]:
    return {
        "MFA_ENROLL": [
            (
                policy_object("00pEnroll", "MFA_ENROLL", "Default Policy", enroll),
                [rule_object("0prEnroll", "Default Rule", {"enroll": {"self": "CHALLENGE"}}, system=True)],
            )
        ],
        "PASSWORD": [(policy_object("00pPassword", "PASSWORD", "Default Policy", password), [])],
        "OKTA_SIGN_ON": [
            (
                policy_object("00pSignOn", "OKTA_SIGN_ON", "Default Policy", {}),
                [
                    rule_object("0prSession", "Default Rule", signon, system=True),
                    rule_object("0prBlocked", "Block legacy", {"signon": {"access": "DENY"}}),
                ],
            )
        ],
        "ACCESS_POLICY": [
            (
                policy_object("rstConsole", "ACCESS_POLICY", "Okta Admin Console", {}, system=False),
                [
                    rule_object("0prAdmins", "Admins", app_sign_on(console_mode), type="ACCESS_POLICY"),
                    rule_object(
                        "0prCatchAll", "Catch-all Rule", app_sign_on("1FA", "DENY"), type="ACCESS_POLICY", system=True
                    ),
                ],
            )
        ],
    }


def compliant_org(base: str) -> OrgState:
    """An org that passes every check."""
    users = [
        user_object("00ualice", "alice"),
        user_object("00ubob", "bob", last_login_days=30),
        user_object("00ucarol", "carol", last_login_days=None, created_days=10),
        user_object("00ufrank", "frank", "PASSWORD_EXPIRED", status_changed_days=3),
        user_object("00uerin", "erin", "SUSPENDED", last_login_days=300),
        user_object("00udave", "dave", "DEPROVISIONED", last_login_days=200),
    ]
    return OrgState(
        users=users,
        factors={
            "00ualice": [factor_object("push"), factor_object("token:software:totp")],
            "00ubob": [factor_object("webauthn", "FIDO")],
            "00ucarol": [factor_object("push")],
            "00ufrank": [factor_object("token:software:totp", "GOOGLE")],
        },
        roles={
            "00ualice": [role_object("SUPER_ADMIN")],
            "00ubob": [role_object("SUPER_ADMIN"), role_object("ORG_ADMIN", "GROUP")],
            "00ucarol": [role_object("HELP_DESK_ADMIN", "GROUP")],
        },
        policies=_policies(
            base,
            enroll=enroll_settings("okta_verify"),
            password=password_settings(),
            signon=signon_actions(),
            console_mode="2FA",
        ),
        apps=[
            (app_object("0oaConsole", "saasure", "Okta Admin Console", base, "rstConsole"), []),
            (
                app_object("0oaSalesforce", "salesforce", "Salesforce", base, "rstDefault"),
                [app_user_object("00ualice"), app_user_object("00ucarol")],
            ),
        ],
        tokens=[token_object("00Tcw", "ComplyWise", 10)],
        groups=[
            (group_object("00gEveryone", "Everyone", "BUILT_IN"), users),
            (group_object("00gEng", "Engineering"), [users[0], users[1], users[2]]),
            (group_object("00gSales", "Salesforce Users"), [users[0], users[5]]),
            (group_object("00gFinance", "Finance", "APP_GROUP"), [users[3]]),
        ],
    )


def noncompliant_org(base: str) -> OrgState:
    """An org that fails every check somewhere."""
    users = [
        user_object("00ualice", "alice"),
        user_object("00ubob", "bob"),
        user_object("00ugreg", "greg", last_login_days=200),
        user_object("00uhenry", "henry", "LOCKED_OUT", status_changed_days=60, last_login_days=61),
        user_object("00udave", "dave", "DEPROVISIONED"),
        user_object("00uivy", "ivy", "DEPROVISIONED"),
    ]
    return OrgState(
        users=users,
        factors={
            # alice: only a security question and a pending push, neither a second factor
            "00ualice": [factor_object("question"), factor_object("push", status="PENDING_ACTIVATION")],
            "00ubob": [factor_object("sms")],
            "00ugreg": [factor_object("push")],
            "00uhenry": [factor_object("push")],
        },
        roles={"00ualice": [role_object("SUPER_ADMIN")], "00ubob": [role_object("APP_ADMIN")]},
        policies=_policies(
            base,
            enroll=enroll_settings(optional=("okta_verify", "okta_email")),
            password=password_settings(min_length=8, history=0, attempts=0, common=False),
            signon=signon_actions(lifetime=0, idle=120, persistent=True),
            console_mode="1FA",
        ),
        apps=[
            (app_object("0oaConsole", "saasure", "Okta Admin Console", base, "rstConsole"), []),
            (
                app_object("0oaSalesforce", "salesforce", "Salesforce", base, "rstDefault"),
                [app_user_object("00ualice"), app_user_object("00udave"), app_user_object("00uivy", "DEPROVISIONED")],
            ),
            (app_object("0oaSlack", "slack", "Slack", base), [app_user_object("00udave", "ACTIVE", "GROUP")]),
        ],
        tokens=[token_object("00Told", "Old SIEM export", 200), token_object("00Tnew", "ComplyWise", 5)],
        threat_action="audit",
    )


# --- running -----------------------------------------------------------------------------------------


def base_url(server: HTTPServer) -> str:
    return server.url_for("").rstrip("/")


def connector(server: HTTPServer, *, token: str = TOKEN, **config: Any) -> OktaConnector:
    built = build_connector(config={"org_url": base_url(server), **config}, credentials={"api_token": token})
    # No real pauses in tests: record them instead.
    built.api.backoff = 0.0
    built.api.sleeps = []  # type: ignore[attr-defined]
    built.api.sleep = built.api.sleeps.append  # type: ignore[attr-defined]
    return built


def get(check_id: str) -> Check:
    found = get_check(check_id)
    assert found is not None, f"{check_id} is not registered"
    return found


def collect(server: HTTPServer, check_ids: Iterable[str], **config: Any) -> Inventory:
    services = {s for cid in check_ids for s in get(cid).services}
    return connector(server, **config).collect(services)


def statuses(outcomes: Iterable[Outcome]) -> dict[str, OutcomeStatus]:
    return {o.resource_id: o.status for o in outcomes}
