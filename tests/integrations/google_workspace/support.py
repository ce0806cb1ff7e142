"""A fake Google Workspace served by pytest-httpserver: an OAuth token endpoint and the Admin SDK Directory API.

The token endpoint verifies the JWT bearer assertion like Google: RS256 signature with the
service account's public key (a key pair made for the tests), issuer, subject allowed
domain-wide delegation, audience, scopes and a one-hour lifetime; it answers Google's
``invalid_grant`` / ``unauthorized_client`` errors otherwise.  The Directory API answers
only requests carrying a token it issued, pages lists with ``nextPageToken`` /
``pageToken``, rejects requests without the parameters the real API requires, answers
401/403/404 with Google's error bodies and can answer a 429 with ``Retry-After`` first.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from integrations.providers.google_workspace.client import (
    GROUP_MEMBER_SCOPE,
    OPTIONAL_SCOPES,
    SCOPES,
    GoogleWorkspaceConnector,
    build_connector,
)
from integrations.registry import Check, Inventory, Outcome, OutcomeStatus, get_check

DOMAIN = "acme.example"
ADMIN = f"alice@{DOMAIN}"
CLIENT_EMAIL = "complywise@acme-audit.iam.gserviceaccount.com"
KEY_ID = "4f2b9c0d8e7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c"
TOKEN_PATH = "/token"
BACKUP_CLIENT = "1122334455-backup.apps.googleusercontent.com"

PASS = OutcomeStatus.PASS
FAIL = OutcomeStatus.FAIL
ERROR = OutcomeStatus.ERROR


def _pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


# The service account's key pair (the fake knows only the public half) and a stranger's key.
PRIVATE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PRIVATE_PEM = _pem(PRIVATE_KEY)
OTHER_PEM = _pem(OTHER_KEY)


def key_json(server: HTTPServer, *, pem: str = PRIVATE_PEM, **overrides: Any) -> dict[str, Any]:
    """A service account key file as Google Cloud downloads it, its token_uri at the fake."""
    return {
        "type": "service_account",
        "project_id": "acme-audit",
        "private_key_id": KEY_ID,
        "private_key": pem,
        "client_email": CLIENT_EMAIL,
        "client_id": "109876543210987654321",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": server.url_for(TOKEN_PATH),
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/complywise",
        "universe_domain": "googleapis.com",
        **overrides,
    }


def ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def google_error(status: int, message: str, reason: str, state: str) -> dict[str, Any]:
    return {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}],
            "status": state,
        }
    }


UNAUTHENTICATED = google_error(
    401,
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid "
    "authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
    "authError",
    "UNAUTHENTICATED",
)
FORBIDDEN = google_error(403, "Not Authorized to access this resource/api", "forbidden", "PERMISSION_DENIED")
INSUFFICIENT_SCOPES = google_error(
    403, "Request had insufficient authentication scopes.", "insufficientPermissions", "PERMISSION_DENIED"
)


# --- Google's objects ------------------------------------------------------------------------------------


def user_object(
    user_id: str,
    name: str,
    *,
    admin: bool = False,
    delegated: bool = False,
    suspended: bool = False,
    archived: bool = False,
    enrolled: bool = True,
    enforced: bool = True,
    last_login_days: float | None = 2,
    created_days: float = 400,
) -> dict[str, Any]:
    """One item of GET /admin/directory/v1/users?projection=full."""
    email = f"{name}@{DOMAIN}"
    return {
        "kind": "admin#directory#user",
        "id": user_id,
        "etag": f'"etag-{user_id}"',
        "primaryEmail": email,
        "name": {"givenName": name.title(), "familyName": "Acme", "fullName": f"{name.title()} Acme"},
        "isAdmin": admin,
        "isDelegatedAdmin": delegated,
        "lastLoginTime": ago(last_login_days) if last_login_days is not None else "1970-01-01T00:00:00.000Z",
        "creationTime": ago(created_days),
        "agreedToTerms": True,
        "suspended": suspended,
        **({"suspensionReason": "ADMIN"} if suspended else {}),
        "archived": archived,
        "changePasswordAtNextLogin": False,
        "ipWhitelisted": False,
        "emails": [{"address": email, "primary": True}],
        "customerId": "C03az79cb",
        "orgUnitPath": "/Staff",
        "isMailboxSetup": True,
        "isEnrolledIn2Sv": enrolled,
        "isEnforcedIn2Sv": enforced,
        "includeInGlobalAddressList": True,
    }


def role_object(role_id: str, name: str, *, super_admin: bool = False) -> dict[str, Any]:
    """One item of GET /admin/directory/v1/customer/{customer}/roles."""
    return {
        "kind": "admin#directory#role",
        "roleId": role_id,
        "roleName": name,
        "roleDescription": name,
        "isSystemRole": True,
        "isSuperAdminRole": super_admin,
        "rolePrivileges": [{"privilegeName": "USERS_RETRIEVE", "serviceId": "00haapch16h1ysv"}],
    }


def assignment_object(assignment_id: str, role_id: str, assigned_to: str, assignee: str = "user") -> dict[str, Any]:
    """One item of GET /admin/directory/v1/customer/{customer}/roleassignments."""
    return {
        "kind": "admin#directory#roleAssignment",
        "roleAssignmentId": assignment_id,
        "roleId": role_id,
        "assignedTo": assigned_to,
        "assigneeType": assignee,
        "scopeType": "CUSTOMER",
    }


def member_object(member_id: str, kind: str = "USER") -> dict[str, Any]:
    """One item of GET /admin/directory/v1/groups/{groupKey}/members: a user, a nested group or the whole account."""
    return {
        "kind": "admin#directory#member",
        "id": member_id,
        "email": f"{member_id}@{DOMAIN}" if kind != "CUSTOMER" else "",
        "role": "MEMBER",
        "type": kind,
        "status": "ACTIVE",
    }


def token_object(client_id: str, app: str, scopes: Iterable[str], *, anonymous: bool = False) -> dict[str, Any]:
    """One item of GET /admin/directory/v1/users/{userKey}/tokens."""
    return {
        "kind": "admin#directory#token",
        "clientId": client_id,
        "displayText": app,
        "scopes": list(scopes),
        "anonymous": anonymous,
        "nativeApp": False,
        "userKey": "",
    }


SUPER = "9144745340903"
HELP_DESK = "9144745340904"
USER_MGMT = "9144745340905"
ROLES = [
    role_object(SUPER, "_SEED_ADMIN_ROLE", super_admin=True),
    role_object(HELP_DESK, "_HELP_DESK_ADMIN_ROLE"),
    role_object(USER_MGMT, "_USER_MANAGEMENT_ADMIN_ROLE"),
]
SLACK = token_object("55555-slack.apps.googleusercontent.com", "Slack", ["openid", "email", "profile"])
BACKUP = token_object(BACKUP_CLIENT, "Acme Backup", ["https://www.googleapis.com/auth/drive", "email"])
MAIL_MERGE = token_object(
    "777-mailmerge.apps.googleusercontent.com", "Mail Merge Pro", ["https://mail.google.com/", "email"]
)
SCRIPT = token_object("anonymous", "Some Script", ["email"], anonymous=True)


# --- the fake ----------------------------------------------------------------------------------------


@dataclass
class WorkspaceState:
    users: list[dict[str, Any]]
    assignments: list[dict[str, Any]]
    tokens: dict[str, list[dict[str, Any]]]
    # group id -> its direct members (member_object); nested groups are expanded when the request asks
    groups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    roles: list[dict[str, Any]] = field(default_factory=lambda: list(ROLES))
    domains: list[dict[str, Any]] = field(
        default_factory=lambda: [
            {"kind": "admin#directory#domain", "domainName": DOMAIN, "isPrimary": True, "verified": True},
            {"kind": "admin#directory#domain", "domainName": "acme-old.example", "isPrimary": False, "verified": False},
        ]
    )
    # Administrators the service account may act for, and the scopes delegated to it (domain-wide delegation).
    delegated_subjects: tuple[str, ...] = (ADMIN,)
    scopes: tuple[str, ...] = (*SCOPES, *OPTIONAL_SCOPES)
    # path -> (status, error body) answered instead of the data
    errors: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)


class FakeWorkspace:
    """The request handler: token endpoint, then the Directory API behind issued tokens."""

    def __init__(self, state: WorkspaceState, *, page_size: int, rate_limit_retry_after: float | None) -> None:
        self.state = state
        self.page_size = page_size
        self.rate_limit_retry_after = rate_limit_retry_after
        self.issued: list[str] = []
        self.token_scopes: dict[str, set[str]] = {}
        self.assertions: list[dict[str, Any]] = []

    def __call__(self, request: Request) -> Response:
        if request.path == TOKEN_PATH:
            return self.token(request)
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.issued:
            return _json(UNAUTHENTICATED, 401)
        if self.rate_limit_retry_after is not None and request.path.endswith("/users"):
            wait, self.rate_limit_retry_after = self.rate_limit_retry_after, None
            body = google_error(429, "Quota exceeded for quota metric 'Queries'", "rateLimitExceeded", "")
            return _json(body, 429, {"Retry-After": str(int(wait))})
        if request.path in self.state.errors:
            status, body = self.state.errors[request.path]
            return _json(body, status)
        return self.directory(request)

    # -- OAuth ------------------------------------------------------------------------------------

    def token(self, request: Request) -> Response:
        if request.method != "POST":
            return _json({"error": "invalid_request", "error_description": "Method not allowed"}, 405)
        form = parse_qs(request.get_data(as_text=True))
        if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"]:
            return _json({"error": "unsupported_grant_type", "error_description": "Invalid grant_type: "}, 400)
        try:
            head, body, signature = form["assertion"][0].split(".")
            PRIVATE_KEY.public_key().verify(
                _unb64(signature), f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except (KeyError, ValueError, InvalidSignature):
            return _json({"error": "invalid_grant", "error_description": "Invalid JWT Signature."}, 400)
        header, claims = json.loads(_unb64(head)), json.loads(_unb64(body))
        self.assertions.append({"header": header, "claims": claims})
        if header.get("alg") != "RS256" or claims.get("iss") != CLIENT_EMAIL:
            return _json({"error": "invalid_grant", "error_description": "Invalid grant: account not found"}, 400)
        if claims.get("aud") != request.url or claims.get("exp", 0) - claims.get("iat", 0) != 3600:
            return _json({"error": "invalid_grant", "error_description": "Invalid JWT: Token must be short-lived"}, 400)
        # Like Google: every scope asked for must have been delegated, or the whole request is refused.
        if claims.get("sub") not in self.state.delegated_subjects or not set(claims["scope"].split()) <= set(
            self.state.scopes
        ):
            return _json(
                {
                    "error": "unauthorized_client",
                    "error_description": "Client is unauthorized to retrieve access tokens using this method, or "
                    "client not authorized for any of the scopes requested.",
                },
                401,
            )
        issued = f"ya29.fake-{len(self.issued) + 1}-{'x' * 40}"
        self.issued.append(issued)
        self.token_scopes[issued] = set(claims["scope"].split())
        return _json({"access_token": issued, "expires_in": 3599, "token_type": "Bearer"}, 200)

    # -- Directory API --------------------------------------------------------------------------------

    def directory(self, request: Request) -> Response:
        path, query = request.path, request.args
        base = "/admin/directory/v1/customer/my_customer"
        if path == "/admin/directory/v1/users":
            if query.get("customer") != "my_customer" or query.get("projection") != "full":
                return _json(google_error(400, "Bad Request", "badRequest", "INVALID_ARGUMENT"), 400)
            return self.page(request, "users", self.state.users, limit=500)
        if path == f"{base}/roles":
            return self.page(request, "items", self.state.roles, limit=100)
        if path == f"{base}/roleassignments":
            return self.page(request, "items", self.state.assignments, limit=200)
        if path == f"{base}/domains":
            return _json({"kind": "admin#directory#domains2", "domains": self.state.domains}, 200)
        group = re.fullmatch(r"/admin/directory/v1/groups/([^/]+)/members", path)
        if group:
            return self.members(request, group.group(1))
        found = re.fullmatch(r"/admin/directory/v1/users/([^/]+)/tokens", path)
        if found and any(u["id"] == found.group(1) for u in self.state.users):
            items = self.state.tokens.get(found.group(1), [])
            # Google leaves "items" out when the user granted nothing.
            return _json({"kind": "admin#directory#tokenList", **({"items": items} if items else {})}, 200)
        if found:
            return _json(google_error(404, "Resource Not Found: userKey", "notFound", "NOT_FOUND"), 404)
        return _json(google_error(404, "Not Found", "notFound", "NOT_FOUND"), 404)

    def members(self, request: Request, group_id: str) -> Response:
        if GROUP_MEMBER_SCOPE not in self.token_scopes[request.headers["Authorization"][7:]]:
            return _json(INSUFFICIENT_SCOPES, 403)
        if group_id not in self.state.groups:
            return _json(google_error(404, "Resource Not Found: groupKey", "notFound", "NOT_FOUND"), 404)
        listed, seen, pending = [], set(), list(self.state.groups[group_id])
        derived = request.args.get("includeDerivedMembership") == "true"
        while pending:
            member = pending.pop(0)
            if member["id"] in seen:
                continue
            seen.add(member["id"])
            listed.append(member)
            if derived and member["type"] == "GROUP":
                pending.extend(self.state.groups.get(member["id"], []))
        return self.page(request, "members", listed, limit=200)

    def page(self, request: Request, key: str, items: list[Any], *, limit: int) -> Response:
        """One page of ``page_size`` items; the next page's token is its start index, in Google's opaque style."""
        asked = int(request.args.get("maxResults", "100"))
        if asked > limit:
            return _json(google_error(400, "Invalid Input: maxResults", "invalid", "INVALID_ARGUMENT"), 400)
        token = request.args.get("pageToken", "")
        start = int(token.removeprefix("Cg")) if token else 0
        size = min(asked, self.page_size)
        body: dict[str, Any] = {"kind": f"admin#directory#{key}", "etag": '"list"'}
        if items[start : start + size]:
            body[key] = items[start : start + size]
        if start + size < len(items):
            body["nextPageToken"] = f"Cg{start + size}"
        return _json(body, 200)


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _json(body: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json; charset=UTF-8", headers=headers)


def serve(
    server: HTTPServer, state: WorkspaceState, *, page_size: int = 2, rate_limit_retry_after: float | None = None
) -> FakeWorkspace:
    fake = FakeWorkspace(state, page_size=page_size, rate_limit_retry_after=rate_limit_retry_after)
    server.expect_request(re.compile(".*")).respond_with_handler(fake)
    return fake


# --- tenants ----------------------------------------------------------------------------------------------


def compliant_workspace() -> WorkspaceState:
    """A Workspace account that passes every check."""
    return WorkspaceState(
        users=[
            user_object("101", "alice", admin=True, last_login_days=1),
            user_object("102", "bob", admin=True, last_login_days=10),
            user_object("103", "carol", delegated=True, last_login_days=5),
            user_object("104", "dan", last_login_days=30),
            user_object("105", "erin", last_login_days=None, created_days=5),
            user_object("106", "frank", suspended=True, last_login_days=200),
            user_object("107", "gina", archived=True, last_login_days=300),
        ],
        assignments=[
            assignment_object("a1", SUPER, "101"),
            assignment_object("a2", SUPER, "102"),
            assignment_object("a3", HELP_DESK, "103"),
            assignment_object("a4", HELP_DESK, "03group", "group"),
        ],
        # The help desk group: carol, and erin through a nested group.
        groups={
            "03group": [member_object("103"), member_object("04nested", "GROUP")],
            "04nested": [member_object("105")],
        },
        tokens={"101": [BACKUP], "104": [SLACK, BACKUP]},
    )


def noncompliant_workspace() -> WorkspaceState:
    """A Workspace account that fails every check somewhere."""
    return WorkspaceState(
        users=[
            user_object("101", "alice", admin=True, enrolled=False, enforced=False, last_login_days=1),
            user_object("102", "bob", delegated=True, enrolled=False, enforced=False, last_login_days=60),
            user_object("104", "dan", enforced=False, last_login_days=200),
            user_object("105", "erin", last_login_days=None, created_days=100),
            user_object("106", "frank", suspended=True, last_login_days=20),
            user_object("107", "gina", archived=True, last_login_days=300),
        ],
        assignments=[
            assignment_object("a1", SUPER, "101"),
            assignment_object("a2", USER_MGMT, "102"),
            assignment_object("a3", HELP_DESK, "106"),
        ],
        tokens={"101": [MAIL_MERGE], "104": [BACKUP, SCRIPT], "106": [SLACK]},
    )


# --- running --------------------------------------------------------------------------------------------------


def base_url(server: HTTPServer) -> str:
    return server.url_for("").rstrip("/")


def config(server: HTTPServer, **overrides: Any) -> dict[str, Any]:
    return {
        "domain": DOMAIN,
        "admin_email": ADMIN,
        "api_url": base_url(server),
        "trusted_clients": [BACKUP_CLIENT],
        **overrides,
    }


def connector(server: HTTPServer, *, key: dict[str, Any] | None = None, **overrides: Any) -> GoogleWorkspaceConnector:
    built = build_connector(
        config=config(server, **overrides), credentials={"service_account": key or key_json(server)}
    )
    # No real pauses in tests: record them instead.
    built.api.backoff = 0.0
    built.api.sleeps = []  # type: ignore[attr-defined]
    built.api.sleep = built.api.sleeps.append  # type: ignore[attr-defined]
    return built


def get(check_id: str) -> Check:
    found = get_check(check_id)
    assert found is not None, f"{check_id} is not registered"
    return found


def collect(server: HTTPServer, check_ids: Iterable[str], **overrides: Any) -> Inventory:
    services = {s for cid in check_ids for s in get(cid).services}
    return connector(server, **overrides).collect(services)


def statuses(outcomes: Iterable[Outcome]) -> dict[str, OutcomeStatus]:
    return {o.resource_id: o.status for o in outcomes}
