"""The isolation matrix: every route of the URL configuration × no credential / each role / another tenant's object.

``MATRIX`` classifies every (route, HTTP method) that ``tests.isolation.discover_routes()`` finds: public, Django admin
(staff only), or a tenant route with the roles allowed and, when its URL names an object, which object of a tenant.
A route added anywhere fails ``test_every_route_is_classified`` until a row is written for it; a row whose route is
gone fails ``test_no_row_outlives_its_route``.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import NoReverseMatch, resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from complywise import services as core_services
from complywise.choices import Role
from evidence.choices import ExportStatus
from evidence.models import EvidenceExport
from integrations import services as integration_services
from integrations.accounts import accounts_refresh
from integrations.registry import Account, AccountKind
from notifications import services as notification_services
from notifications.models import Delivery
from reviews import services as review_services
from scans.models import ScanSchedule
from tests.evidence.factories import manual_evidence, zip_bytes
from tests.factories import TenantFactory, UserFactory
from tests.isolation import Route, discover_routes, view_methods
from tests.web.factories import scan_data_for, scan_job

# Each test runs in a savepoint of the module's world (see ``world``): its writes never reach the next test.
pytestmark = pytest.mark.django_db

ALL = (Role.ADMIN, Role.MEMBER, Role.VIEWER, Role.AUDITOR)
WRITERS = (Role.ADMIN, Role.MEMBER)
ADMINS = (Role.ADMIN,)
AUDITORS = (Role.ADMIN, Role.AUDITOR)
CHECK_ID = "aws.iam.root_mfa_enabled"
HOOK_URL = "https://8.8.8.8/complywise-hook"
# Routes under this prefix belong to Django's admin site: staff only, whatever the tenant role.
ADMIN_SITE_PREFIX = "admin/"


@dataclass(frozen=True)
class Rule:
    """How one (route, method) must answer.

    ``roles`` None means public (no credential needed). ``obj`` names the object of a tenant whose id fills the
    route's parameter (an attribute of ``_objects(tenant)``); ``params`` gives fixed parameter values. ``payload``
    builds the body from the caller's tenant objects. ``ok`` lists the statuses an allowed caller gets (the view's
    real answer).
    ``looks_up`` is False where the method is refused before any lookup (a POST-only view asked with GET): another
    tenant's id must then still get exactly the answer a missing id gets, but that answer is not a 404.
    """

    roles: tuple[str, ...] | None
    ok: tuple[int, ...]
    obj: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    payload: Callable[[Any], dict] | None = None
    multipart: bool = False
    looks_up: bool = True
    # Where a route names a second object: the object of each such parameter (``obj`` fills the rest).
    objs: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        assert self.ok, "a rule names the statuses an allowed caller gets"


def public(*ok: int, params: dict | None = None, payload: Callable | None = None) -> Rule:
    return Rule(roles=None, ok=ok, params=params or {}, payload=payload)


def roles(allowed: tuple[str, ...], *ok: int, obj: str | None = None, **extra: Any) -> Rule:
    return Rule(roles=allowed, ok=ok, obj=obj, **extra)


def upload(_: Any) -> dict:
    return {"file": SimpleUploadedFile("review.txt", b"Quarterly access review.\n", content_type="text/plain")}


def new_password(_: Any) -> dict:
    # UserFactory's password, then a new one the validators accept.
    fresh = "a-much-longer-Passphrase-9"
    return {"old_password": "correct-horse-battery", "new_password1": fresh, "new_password2": fresh}


def host_config(o: Any) -> dict:
    return {"root": o.host_root}


def review_body(o: Any) -> dict:
    due = (timezone.localdate() + timedelta(days=14)).isoformat()
    source = {"integration_id": str(o.integration.pk), "reviewer_id": str(o.spare_admin.user_id)}
    return {"name": "Matrix review", "due_date": due, "recurrence": "quarterly", "sources": [source]}


def review_form(o: Any) -> dict:
    body = review_body(o)
    return {
        "name": body["name"],
        "due_date": body["due_date"],
        "recurrence": body["recurrence"],
        f"include_{o.integration.pk}": "on",
        f"reviewer_{o.integration.pk}": str(o.spare_admin.user_id),
    }


def review_quick_approve(o: Any) -> dict:
    return {"action": "approve", "approve_item": str(o.review_item.pk)}


def review_decision(o: Any) -> dict:
    return {"items": [str(o.review_item.pk)], "decision": "approved"}


# --- the classification: every (route, method) of the URL configuration --------------------------------------------

MATRIX: dict[str, dict[str, Rule]] = {
    # probes, schema, docs
    "healthz": {"GET": public(200), "POST": public(200)},
    "readyz": {"GET": public(200, 503), "POST": public(200, 503)},
    "api-schema": {"GET": public(200)},
    "api-docs": {"GET": public(200)},
    # accounts: login, second factor, password reset are reachable without a session
    "login": {"GET": public(200), "POST": public(200), "PUT": public(200)},
    "login-verify": {"GET": public(302), "POST": public(302)},
    "logout": {"POST": public(302)},
    "password_reset": {"GET": public(200), "POST": public(200), "PUT": public(200)},
    "password_reset_done": {"GET": public(200)},
    "password_reset_confirm": {
        method: public(200, params={"uidb64": "MQ", "token": "set-password"}) for method in ("GET", "POST", "PUT")
    },
    "password_reset_complete": {"GET": public(200)},
    "invitation-accept": {
        "GET": public(404, params={"secret": "not-an-invitation"}),
        "POST": public(404, params={"secret": "not-an-invitation"}),
    },
    # accounts: a session of any role
    # (no second factor enrolled: the code forms answer 400 for want of a code, recovery codes need one first)
    "account-security": {"GET": roles(ALL, 200), "POST": roles(ALL, 200)},
    "mfa-setup": {"GET": roles(ALL, 200), "POST": roles(ALL, 400)},
    "mfa-disable": {"POST": roles(ALL, 400)},
    "mfa-recovery-codes": {"POST": roles(ALL, 302)},
    # Django's form views take PUT for POST, but only a POST carries form fields: PUT shows the form's errors.
    "password_change": {
        "GET": roles(ALL, 200),
        "POST": roles(ALL, 302, payload=new_password),
        "PUT": roles(ALL, 200),
    },
    "tenant-switch": {"POST": roles(ALL, 302, payload=lambda o: {"tenant_id": str(o.tenant.pk)})},
    # API: tenancy
    "me": {"GET": roles(ALL, 200)},
    "tenant-settings": {"GET": roles(ALL, 200), "PATCH": roles(ADMINS, 200, payload=lambda o: {"retention_days": 90})},
    "token-list": {"GET": roles(ADMINS, 200), "POST": roles(ADMINS, 201, payload=lambda o: {"name": "matrix"})},
    "token-detail": {"GET": roles(ADMINS, 200, obj="token")},
    "token-revoke": {"POST": roles(ADMINS, 200, obj="token")},
    "member-list": {"GET": roles(ADMINS, 200)},
    "member-detail": {
        "GET": roles(ADMINS, 200, obj="membership"),
        "PATCH": roles(ADMINS, 200, obj="membership", payload=lambda o: {"role": Role.MEMBER}),
        "DELETE": roles(ADMINS, 204, obj="membership"),
    },
    "invitation-list": {
        "GET": roles(ADMINS, 200),
        "POST": roles(ADMINS, 201, payload=lambda o: {"email": "newcomer@example.com", "role": Role.VIEWER}),
    },
    "invitation-detail": {"GET": roles(ADMINS, 200, obj="invitation")},
    "invitation-revoke": {"POST": roles(ADMINS, 200, obj="invitation")},
    # API: frameworks and controls
    "framework-list": {
        "GET": roles(ALL, 200),
        "POST": roles(ADMINS, 201, payload=lambda o: {"key": "matrix-fw", "name": "Matrix", "version": "1"}),
    },
    "framework-detail": {
        "GET": roles(ALL, 200, obj="framework"),
        "PATCH": roles(ADMINS, 200, obj="framework", payload=lambda o: {"name": "Renamed"}),
        "DELETE": roles(ADMINS, 204, obj="framework"),
    },
    "framework-activate": {"POST": roles(ADMINS, 200, obj="framework")},
    "framework-deactivate": {"POST": roles(ADMINS, 200, obj="framework")},
    "framework-control-list": {
        "GET": roles(ALL, 200, obj="framework"),
        "POST": roles(ADMINS, 201, obj="framework", payload=lambda o: {"ref": "MX-1", "title": "Matrix control"}),
    },
    "control-detail": {
        "GET": roles(ALL, 200, obj="control"),
        "PATCH": roles(ADMINS, 200, obj="control", payload=lambda o: {"title": "Renamed"}),
        "DELETE": roles(ADMINS, 204, obj="control"),
    },
    "control-checks": {"PUT": roles(ADMINS, 200, obj="control", payload=lambda o: {"check_ids": [CHECK_ID]})},
    "control-applicability": {
        "PUT": roles(ADMINS, 200, obj="control", payload=lambda o: {"applicable": False, "justification": "No office."})
    },
    "control-evidence-requirement": {
        "PUT": roles(ADMINS, 200, obj="control", payload=lambda o: {"renewal_days": 365}),
        "DELETE": roles(ADMINS, 204, obj="control"),
    },
    "framework-soa-list": {"GET": roles(ALL, 200, obj="framework")},
    "framework-posture-list": {"GET": roles(ALL, 200, obj="framework")},
    "framework-require-documents": {"POST": roles(ADMINS, 201, obj="framework")},
    # API: integrations and checks
    "integration-list": {
        "GET": roles(ALL, 200),
        "POST": roles(
            ADMINS, 201, payload=lambda o: {"type": "host", "name": "box", "config": host_config(o), "credentials": {}}
        ),
    },
    "integration-detail": {
        "GET": roles(ALL, 200, obj="integration"),
        "PATCH": roles(ADMINS, 200, obj="integration", payload=lambda o: {"name": "renamed"}),
        "DELETE": roles(ADMINS, 204, obj="integration"),
    },
    "integration-test-connection": {"POST": roles(ADMINS, 200, obj="integration")},
    "check-list": {"GET": roles(ALL, 200)},
    "check-detail": {"GET": roles(ALL, 200, params={"id": CHECK_ID})},
    # API: scans and schedules
    "scan-list": {"GET": roles(ALL, 200)},
    "scan-trend": {"GET": roles(ALL, 200)},
    "scan-trigger": {"POST": roles(WRITERS, 202, payload=lambda o: {})},
    "scan-detail": {"GET": roles(ALL, 200, obj="scan")},
    "scan-cancel": {"POST": roles(WRITERS, 200, obj="running_scan")},
    "scan-diff": {"GET": roles(ALL, 200, obj="scan")},
    "scan-outcomes": {"GET": roles(ALL, 200, obj="scan")},
    "scan-results": {"GET": roles(ALL, 200, obj="scan")},
    "scan-report-list": {"GET": roles(ALL, 200, obj="scan")},
    "scan-oscal-list": {"GET": roles(ALL, 200, obj="scan")},
    "scan-oscal-poam": {"GET": roles(ALL, 200, obj="scan")},
    "scan-schedule-list": {
        "GET": roles(ADMINS, 200),
        "POST": roles(ADMINS, 201, payload=lambda o: {"name": "hourly", "interval_minutes": 60}),
    },
    "scan-schedule-detail": {
        "GET": roles(ADMINS, 200, obj="schedule"),
        "PATCH": roles(ADMINS, 200, obj="schedule", payload=lambda o: {"enabled": False}),
        "DELETE": roles(ADMINS, 204, obj="schedule"),
    },
    # API: webhooks, e-mail digests, events
    "webhook-list": {
        "GET": roles(ADMINS, 200),
        "POST": roles(ADMINS, 201, payload=lambda o: {"name": "pager", "url": HOOK_URL, "events": ["scan.completed"]}),
    },
    "webhook-detail": {
        "GET": roles(ADMINS, 200, obj="webhook"),
        "PATCH": roles(ADMINS, 200, obj="webhook", payload=lambda o: {"events": ["scan.failed"]}),
        "DELETE": roles(ADMINS, 204, obj="webhook"),
    },
    "webhook-ping": {"POST": roles(ADMINS, 202, obj="webhook")},
    "webhook-rotate-secret": {"POST": roles(ADMINS, 200, obj="webhook")},
    "webhook-delivery-list": {"GET": roles(ADMINS, 200, obj="webhook")},
    "webhook-delivery-detail": {"GET": roles(ADMINS, 200, obj="delivery")},
    "webhook-delivery-redeliver": {"POST": roles(ADMINS, 202, obj="delivery")},
    "email-digest-list": {
        "GET": roles(ADMINS, 200),
        "POST": roles(
            ADMINS,
            201,
            payload=lambda o: {"name": "weekly", "recipients": ["grc@example.com"], "events": ["scan.failed"]},
        ),
    },
    "email-digest-detail": {
        "GET": roles(ADMINS, 200, obj="digest"),
        "PATCH": roles(ADMINS, 200, obj="digest", payload=lambda o: {"frequency": "hourly"}),
        "DELETE": roles(ADMINS, 204, obj="digest"),
    },
    "event-list": {"GET": roles(ALL, 200)},
    "event-detail": {"GET": roles(ALL, 200, obj="event")},
    # API: evidence and exports
    "evidence-list": {"GET": roles(ALL, 200)},
    "evidence-upload": {
        "POST": roles(WRITERS, 201, payload=lambda o: {**upload(o), "control_id": str(o.control.pk)}, multipart=True)
    },
    "evidence-export": {"POST": roles(ALL, 202, payload=lambda o: {"framework_id": str(o.framework.pk)})},
    "evidence-detail": {
        "GET": roles(ALL, 200, obj="evidence"),
        "DELETE": roles(ADMINS, 204, obj="evidence", payload=lambda o: {"reason": "duplicate"}),
    },
    "evidence-download": {"GET": roles(ALL, 200, obj="evidence")},
    "evidence-verify": {"POST": roles(ALL, 200, obj="evidence")},
    "evidence-export-list": {"GET": roles(ALL, 200)},
    "evidence-export-detail": {"GET": roles(ALL, 200, obj="export")},
    "evidence-export-download": {"GET": roles(ALL, 200, obj="export")},
    "audit-log-list": {"GET": roles(AUDITORS, 200)},
    # pages: every role reads; members and admins run, cancel and upload
    "web:dashboard": {"GET": roles(ALL, 200)},
    "web:scan-list": {"GET": roles(ALL, 200)},
    "web:scan-run": {"POST": roles(WRITERS, 302, payload=lambda o: {})},
    "web:scan-detail": {"GET": roles(ALL, 200, obj="scan")},
    "web:scan-progress": {"GET": roles(ALL, 200, obj="scan")},
    "web:scan-results-csv": {"GET": roles(ALL, 200, obj="scan")},
    "web:scan-report": {"GET": roles(ALL, 200, obj="scan", objs={"framework_pk": "framework"})},
    "web:scan-report-pdf": {"GET": roles(ALL, 200, obj="scan", objs={"framework_pk": "framework"})},
    "web:scan-cancel": {"POST": roles(WRITERS, 302, obj="running_scan")},
    "web:control-detail": {"GET": roles(ALL, 200, obj="control")},
    "web:control-applicability": {
        "POST": roles(
            ADMINS, 302, obj="control", payload=lambda o: {"applicable": "false", "justification": "No office."}
        )
    },
    "web:control-evidence-requirement": {
        "POST": roles(ADMINS, 302, obj="control", payload=lambda o: {"renewal_days": "365"})
    },
    "web:control-evidence-requirement-delete": {"POST": roles(ADMINS, 302, obj="control")},
    # The outer view only installs the upload size limit; GET reaches the inner POST-only view (405).
    "web:control-evidence-upload": {
        "GET": roles(WRITERS, 405, obj="control", looks_up=False),
        "POST": roles(WRITERS, 302, obj="control", payload=upload, multipart=True),
    },
    "web:evidence-list": {"GET": roles(ALL, 200)},
    # access reviews: anyone reads; writers create and decide (a writer who is not the item's reviewer gets 403 from
    # the service), completing waits for every decision (409), cancelling is for admins
    "web:review-list": {"GET": roles(ALL, 200)},
    "web:review-new": {"GET": roles(WRITERS, 200), "POST": roles(WRITERS, 302, payload=review_form)},
    "web:review-detail": {"GET": roles(ALL, 200, obj="review")},
    "web:review-decide": {"POST": roles(WRITERS, 302, obj="review", payload=review_quick_approve)},
    "web:review-complete": {"POST": roles(WRITERS, 302, obj="review")},
    "web:review-cancel": {"POST": roles(ADMINS, 302, obj="review", payload=lambda o: {"reason": "matrix"})},
    "access-review-list": {"GET": roles(ALL, 200), "POST": roles(WRITERS, 201, payload=review_body)},
    "access-review-reviewers": {"GET": roles(ALL, 200)},
    "access-review-detail": {"GET": roles(ALL, 200, obj="review")},
    "access-review-items": {"GET": roles(ALL, 200, obj="review")},
    "access-review-decisions": {"POST": roles(WRITERS, 200, 403, obj="review", payload=review_decision)},
    "access-review-complete": {"POST": roles(WRITERS, 200, 403, 409, obj="review")},
    "access-review-cancel": {"POST": roles(ADMINS, 200, obj="review", payload=lambda o: {"reason": "matrix"})},
    "web:evidence-export": {"POST": roles(ALL, 302, payload=lambda o: {"framework": str(o.framework.pk)})},
    "web:evidence-verify": {"POST": roles(ALL, 302, obj="evidence")},
    "web:evidence-delete": {"POST": roles(ADMINS, 302, obj="evidence", payload=lambda o: {"reason": "duplicate"})},
    "web:framework-list": {"GET": roles(ALL, 200)},
    "web:check-list": {"GET": roles(ALL, 200)},
    "web:framework-detail": {"GET": roles(ALL, 200, obj="framework")},
    "web:framework-soa": {"GET": roles(ALL, 200, obj="framework")},
    "web:framework-activation": {"POST": roles(ADMINS, 302, obj="framework", payload=lambda o: {"active": "false"})},
    "web:framework-require-documents": {"POST": roles(ADMINS, 302, obj="framework", payload=lambda o: {})},
    # pages: admins only
    "web:integration-list": {"GET": roles(ADMINS, 200)},
    "web:integration-new": {
        "GET": roles(ADMINS, 200),
        "POST": roles(
            ADMINS, 302, payload=lambda o: {"type": "host", "name": "box", "config": json.dumps(host_config(o))}
        ),
    },
    "web:integration-edit": {
        "GET": roles(ADMINS, 200, obj="integration"),
        "POST": roles(
            ADMINS,
            302,
            obj="integration",
            payload=lambda o: {"name": "renamed", "config": json.dumps(host_config(o)), "enabled": "on"},
        ),
    },
    "web:integration-delete": {"POST": roles(ADMINS, 302, obj="integration")},
    "web:integration-test": {"POST": roles(ADMINS, 302, obj="integration")},
    "web:settings": {"GET": roles(ADMINS, 200)},
    "web:settings-retention": {"POST": roles(ADMINS, 302, payload=lambda o: {"retention_days": "30"})},
    "web:settings-require-mfa": {"POST": roles(ADMINS, 302, payload=lambda o: {})},
    "web:settings-schedule-create": {
        "POST": roles(ADMINS, 302, payload=lambda o: {"name": "hourly", "interval_minutes": "60"})
    },
    "web:settings-schedule-delete": {"POST": roles(ADMINS, 302, obj="schedule")},
    "web:settings-schedule-toggle": {"POST": roles(ADMINS, 302, obj="schedule")},
    "web:settings-member-role": {"POST": roles(ADMINS, 302, obj="membership", payload=lambda o: {"role": Role.MEMBER})},
    "web:settings-member-remove": {"POST": roles(ADMINS, 302, obj="membership")},
    "web:settings-invitation-create": {
        "POST": roles(ADMINS, 302, payload=lambda o: {"email": "newcomer@example.com", "role": Role.VIEWER})
    },
    "web:settings-invitation-created": {"GET": roles(ADMINS, 302)},
    "web:settings-invitation-revoke": {"POST": roles(ADMINS, 302, obj="invitation")},
    "web:settings-token-create": {
        "POST": roles(ADMINS, 302, payload=lambda o: {"name": "ci", "membership": str(o.spare_admin.pk)})
    },
    "web:settings-token-created": {"GET": roles(ADMINS, 302)},
    "web:settings-token-revoke": {"POST": roles(ADMINS, 302, obj="token")},
    "web:settings-notifications": {"GET": roles(ADMINS, 200)},
    "web:settings-webhook-create": {
        "POST": roles(
            ADMINS,
            302,
            payload=lambda o: {"name": "pager", "url": HOOK_URL, "kind": "generic", "events": ["scan.failed"]},
        )
    },
    "web:settings-webhook-created": {"GET": roles(ADMINS, 302)},
    "web:settings-webhook": {"GET": roles(ADMINS, 200, obj="webhook")},
    "web:settings-webhook-ping": {"POST": roles(ADMINS, 302, obj="webhook")},
    "web:settings-webhook-toggle": {"POST": roles(ADMINS, 302, obj="webhook")},
    "web:settings-webhook-delete": {"POST": roles(ADMINS, 302, obj="webhook")},
    "web:settings-delivery-redeliver": {"POST": roles(ADMINS, 302, obj="delivery")},
    "web:settings-digest-create": {
        "POST": roles(
            ADMINS,
            302,
            payload=lambda o: {
                "name": "weekly",
                "recipients": "grc@example.com",
                "frequency": "daily",
                "events": ["scan.failed"],
            },
        )
    },
    "web:settings-digest-delete": {"POST": roles(ADMINS, 302, obj="digest")},
    "web:audit-log": {"GET": roles(AUDITORS, 200)},
}


# --- the routes and the rows, side by side -----------------------------------------------------------------------

ROUTES: dict[str, Route] = {route.key: route for route in discover_routes()}
ADMIN_SITE_ROUTES = sorted(key for key, route in ROUTES.items() if route.pattern.startswith(ADMIN_SITE_PREFIX))
CASES = [
    (key, method)
    for key, methods in MATRIX.items()
    for method in methods
    if key in ROUTES and method in ROUTES[key].methods
]
TENANT_CASES = [(key, method) for key, method in CASES if MATRIX[key][method].roles is not None]
PUBLIC_CASES = [(key, method) for key, method in CASES if MATRIX[key][method].roles is None]
OBJECT_CASES = [(key, method) for key, method in TENANT_CASES if MATRIX[key][method].obj]
ROLE_CASES = [(key, method, role) for key, method in TENANT_CASES for role in ALL]


def _case_id(case: tuple) -> str:
    return " ".join(str(part) for part in (case[1], case[0], *case[2:]))


def test_every_route_is_classified():
    # given every (route, method) the URL configuration serves, the Django admin site aside
    served = {
        (key, method)
        for key, route in ROUTES.items()
        if not route.pattern.startswith(ADMIN_SITE_PREFIX)
        for method in route.methods
    }
    # when compared with the rows of the matrix
    missing = sorted(served - {(key, method) for key, methods in MATRIX.items() for method in methods})
    # then nothing is served that the matrix does not say who may call
    assert not missing, "Classify these routes in MATRIX (tests/complywise/test_isolation_matrix.py):\n" + "\n".join(
        f"    {key!r}: {{{method!r}: roles(...) or public(...)}},  # {ROUTES[key].pattern}" for key, method in missing
    )


def test_no_row_outlives_its_route():
    # given the rows of the matrix
    rows = {(key, method) for key, methods in MATRIX.items() for method in methods}
    # when compared with what the URL configuration serves
    stale = sorted(rows - {(key, method) for key, route in ROUTES.items() for method in route.methods})
    # then every row still describes a served route and method
    assert not stale, "Remove (or rename) these MATRIX rows, no such route/method is served:\n" + "\n".join(
        f"    {key!r} {method}" for key, method in stale
    )


def test_every_object_route_says_which_object_fills_its_id():
    # given the tenant routes whose URL has a parameter
    unfilled = [
        f"{method} {key}: parameters {ROUTES[key].params}"
        for key, method in TENANT_CASES
        if set(ROUTES[key].params) - set(MATRIX[key][method].params) and not MATRIX[key][method].obj
    ]
    # then each names an object of a tenant (so another tenant's object is tried) or fixed values
    assert not unfilled, "\n".join(unfilled)


def test_discovery_reads_the_methods_of_each_kind_of_view():
    # given one view of each kind the URL configuration holds
    @login_required
    @require_http_methods(["GET", "POST"])
    def form_page(request):
        return HttpResponse()

    def any_method(request):
        return HttpResponse()

    class Reads(APIView):
        def get(self, request):
            return Response()

    class Schedules(viewsets.GenericViewSet):
        http_method_names = ["get", "patch", "delete", "head", "options"]

    # when / then: decorators seen through wrappers, undecorated functions answer GET and POST, class views their
    # handlers, viewset routes the router's actions minus the methods the viewset refuses
    assert view_methods(form_page) == ("GET", "POST")
    assert view_methods(require_POST(any_method)) == ("POST",)
    assert view_methods(any_method) == ("GET", "POST")
    assert view_methods(Reads.as_view()) == ("GET",)
    actions = {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
    assert view_methods(Schedules.as_view(actions)) == ("DELETE", "GET", "PATCH")


# --- one world for the whole module: two tenants, an object of each kind, a caller per role ----------------------


@dataclass
class World:
    home: SimpleNamespace
    foreign: SimpleNamespace
    tokens: dict[str, str]
    sessions: dict[str, str]
    outsider_session: str
    revoked_token: str


def _objects(tenant, host_root: str) -> SimpleNamespace:
    """One of each kind of tenant object the routes address by id."""
    admin = core_services.membership_ensure(tenant=tenant, user=UserFactory(), role=Role.ADMIN)
    data = scan_data_for(tenant)
    integration = integration_services.integration_create(
        tenant=tenant, actor=None, type="host", name="this machine", config={"root": host_root}, credentials={}
    )
    # A public address that is never contacted: matrix tests run in a savepoint, so no delivery task is enqueued.
    webhook, _ = notification_services.webhook_create(
        tenant=tenant, actor=None, name="siem", url=HOOK_URL, events=["scan.completed"]
    )
    event = notification_services.event_record(
        tenant_id=tenant.pk, type="scan.failed", key=f"scan.failed:{uuid.uuid4()}", data={"scan": {"id": "x"}}
    )
    accounts_refresh(
        integration=integration,
        accounts=[
            Account(id="alice", name="alice", kind=AccountKind.USER),
            Account(id="bob", name="bob", kind=AccountKind.USER),
        ],
        seen_at=timezone.now(),
        scan_job_id=None,
    )
    review = review_services.campaign_create(
        tenant=tenant,
        actor=None,
        name="Quarterly access review",
        due_date=timezone.localdate() + timedelta(days=14),
        sources=[review_services.SourceInput(integration_id=integration.pk, reviewer_id=admin.user_id)],
    )
    export_key = f"exports/{tenant.pk}/{uuid.uuid4()}.zip"
    storages["evidence"].save(export_key, ContentFile(zip_bytes()))
    return SimpleNamespace(
        tenant=tenant,
        host_root=host_root,
        spare_admin=admin,
        framework=data.framework,
        control=data.failing,
        scan=data.job,
        running_scan=scan_job(tenant, status="running"),
        evidence=manual_evidence(tenant=tenant, control=data.failing),
        export=EvidenceExport.objects.create(
            tenant=tenant,
            framework=data.framework,
            status=ExportStatus.COMPLETED,
            file_key=export_key,
            completed_at=timezone.now(),
        ),
        integration=integration,
        review=review,
        review_item=review.items.order_by("name").first(),
        schedule=ScanSchedule.objects.create(tenant=tenant, name="nightly", interval_minutes=60),
        webhook=webhook,
        delivery=Delivery.objects.create(tenant=tenant, webhook=webhook, event=event, status="failed"),
        event=event,
        digest=notification_services.digest_create(
            tenant=tenant, actor=None, name="daily", recipients=["grc@example.com"], events=["scan.failed"]
        ),
        token=core_services.api_token_create(membership=admin, name="ci").token,
        membership=core_services.membership_ensure(tenant=tenant, user=UserFactory(), role=Role.VIEWER),
        invitation=core_services.invitation_create(
            tenant=tenant, email=f"invitee-{tenant.slug}@example.com", role=Role.VIEWER, actor=None, site_url="/"
        ).invitation,
    )


def _session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture(autouse=True)
def local_evidence_storage():
    """Replaces the suite's per-test evidence folder: the world below keeps its files in one folder per module."""
    return None


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once and rolled back after the module; each test's own writes roll back to a savepoint."""
    evidence_root = tmp_path_factory.mktemp("matrix-evidence")
    host_root = str(tmp_path_factory.mktemp("matrix-host"))
    storage = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(evidence_root)}}
    with (
        override_settings(STORAGES={**settings.STORAGES, "evidence": storage}, HOST_SCAN_ALLOWED_ROOTS=[host_root]),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        home = _objects(TenantFactory(name="Home", slug="matrix-home"), host_root)
        foreign = _objects(TenantFactory(name="Foreign", slug="matrix-foreign"), host_root)
        tokens, sessions = {}, {}
        for role in ALL:
            membership = core_services.membership_ensure(tenant=home.tenant, user=UserFactory(), role=role)
            tokens[role] = core_services.api_token_create(membership=membership, name=f"matrix-{role}").secret
            sessions[role] = _session_of(membership.user)
        revoked = core_services.api_token_create(membership=home.spare_admin, name="revoked")
        core_services.api_token_revoke(token=revoked.token)
        yield World(
            home, foreign, tokens, sessions, outsider_session=_session_of(UserFactory()), revoked_token=revoked.secret
        )
        transaction.set_rollback(True)


# --- requests --------------------------------------------------------------------------------------------------


def _url(key: str, rule: Rule, objects: SimpleNamespace | None, *, missing: bool = False) -> str:
    route = ROUTES[key]
    values = dict(rule.params)
    for param in route.params:
        if param not in values:
            if missing:
                values[param] = str(uuid.uuid4())
                continue
            if param in rule.objs:
                values[param] = str(getattr(objects, rule.objs[param]).pk)
                continue
            obj = getattr(objects, rule.obj)
            # A nested route (webhooks/{webhook_pk}/deliveries/{pk}) takes its parent from the object itself.
            parent = getattr(obj, f"{param.removesuffix('_pk')}_id", None) if param.endswith("_pk") else None
            values[param] = str(parent or obj.pk)
    return reverse(key, kwargs=values)


@functools.cache
def _shared_client(api: bool, caller: str, csrf: bool) -> Client:
    # A new test client builds the whole middleware stack (WhiteNoise indexes every static file): one per caller.
    return APIClient(enforce_csrf_checks=csrf) if api else Client(enforce_csrf_checks=csrf)


def _client(api: bool, caller: str = "anonymous", *, bearer: str = "", session: str = "", csrf: bool = False) -> Client:
    """The shared client of this caller, holding exactly the given credential and nothing left from earlier calls."""
    client = _shared_client(api, caller, csrf)
    client.cookies.clear()
    if api:
        client.credentials(**({"HTTP_AUTHORIZATION": f"Bearer {bearer}"} if bearer else {}))
    if session:
        client.cookies[settings.SESSION_COOKIE_NAME] = session
    return client


def _member(route: Route, role: str, world: World) -> Client:
    """The credential a member with ``role`` uses on this route: a bearer token (API) or a browser session (pages)."""
    if route.api:
        return _client(True, role, bearer=world.tokens[role])
    return _client(False, role, session=world.sessions[role])


def _call(client: Client, route: Route, method: str, url: str, rule: Rule, objects: SimpleNamespace | None):
    data = rule.payload(objects) if rule.payload and objects is not None else None
    send = getattr(client, method.lower())
    if data is None:
        return send(url)
    if rule.multipart or (method == "POST" and not route.api):
        # A browser form (or a file upload): multipart, as the test clients send a POST's dict.
        return send(url, data=data)
    if route.api:
        return send(url, data=data, format="json")
    return send(url, data=json.dumps(data), content_type="application/json")


def _is_login_redirect(response) -> bool:
    location = response.get("Location", "")
    return response.status_code == 302 and urlsplit(location).path == settings.LOGIN_URL


# --- no credential -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", TENANT_CASES, ids=_case_id)
def test_without_credential_the_answer_is_401_or_the_login_page(world, case):
    # given a route that needs a credential, addressing an object of a tenant where it names one
    key, method = case
    route, rule = ROUTES[key], MATRIX[key][method]
    url = _url(key, rule, world.home)
    # when called without any credential, and (API) with a token never issued or a revoked admin's token
    anonymous = _call(_client(route.api), route, method, url, rule, world.home)
    # then the API answers 401 and a page sends the browser to log in, coming back here afterwards
    if route.api:
        assert anonymous.status_code == 401, anonymous.content
        for token in ("cw_deadbeef_not-a-real-token", world.revoked_token):
            forged = _client(True, "forged", bearer=token)
            assert _call(forged, route, method, url, rule, world.home).status_code == 401
    else:
        assert _is_login_redirect(anonymous), (anonymous.status_code, anonymous.get("Location"))
        assert anonymous["Location"].endswith("?next=" + _quoted(url)), anonymous["Location"]


def _quoted(url: str) -> str:
    return quote(url, safe="/")


@pytest.mark.parametrize("case", PUBLIC_CASES, ids=_case_id)
def test_public_routes_answer_without_credential(world, case):
    # given a route meant for callers without a credential
    key, method = case
    route, rule = ROUTES[key], MATRIX[key][method]
    # when called anonymously
    response = _call(_client(route.api), route, method, _url(key, rule, None), rule, world.home)
    # then it answers what it was built to answer, not a refusal
    assert response.status_code in rule.ok, (response.status_code, response.content[:300])


# --- each role -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ROLE_CASES, ids=_case_id)
def test_each_role_is_let_through_or_refused_with_403(world, case):
    # given a member of the tenant with this role, and an object of the same tenant where the route names one
    key, method, role = case
    route, rule = ROUTES[key], MATRIX[key][method]
    url = _url(key, rule, world.home)
    # when
    response = _call(_member(route, role, world), route, method, url, rule, world.home)
    # then a role the matrix allows gets the view's real answer; any other gets exactly 403
    if role in rule.roles:
        assert response.status_code in rule.ok, _shown(response)
    else:
        assert response.status_code == 403, _shown(response)


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _shown(response) -> tuple[int, bytes]:
    """What an assertion message shows of a response: its status and the start of its body."""
    return response.status_code, _body(response)[:300]


# --- another tenant's object ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", OBJECT_CASES, ids=_case_id)
def test_another_tenants_object_answers_404_exactly_like_a_missing_one(world, case):
    # given an admin of the home tenant, the id of an object of another tenant, and an id that exists nowhere
    key, method = case
    route, rule = ROUTES[key], MATRIX[key][method]
    role = rule.roles[0]
    foreign_url = _url(key, rule, world.foreign)
    missing_url = _url(key, rule, world.home, missing=True)
    # when the home caller asks for both (with a valid body, so the lookup is what answers)
    foreign = _call(_member(route, role, world), route, method, foreign_url, rule, world.home)
    missing = _call(_member(route, role, world), route, method, missing_url, rule, world.home)
    # then both are the same 404: nothing tells that the foreign object exists
    if rule.looks_up:
        assert foreign.status_code == 404, _shown(foreign)
    assert (foreign.status_code, _body(foreign)) == (missing.status_code, _body(missing))


READS = [(key, method) for key, method in TENANT_CASES if method == "GET"]


def _traces(objects: SimpleNamespace) -> set[str]:
    """What would give a tenant's data away: every id and e-mail address of its objects, its slug."""
    traces = {objects.tenant.slug}
    for value in vars(objects).values():
        if hasattr(value, "pk"):
            traces.add(str(value.pk))
        for email in (getattr(value, "email", ""), getattr(getattr(value, "user", None), "email", "")):
            if email:
                traces.add(email)
    return traces


@pytest.mark.parametrize("case", READS, ids=_case_id)
def test_no_answer_shows_anything_of_another_tenant(world, case):
    # given a read of the home tenant (lists, pages, exports, downloads), by its admin
    key, method = case
    route, rule = ROUTES[key], MATRIX[key][method]
    # when
    response = _call(_member(route, rule.roles[0], world), route, method, _url(key, rule, world.home), rule, None)
    # then no id, address or slug of the other tenant is in it
    body = _body(response).decode(errors="replace")
    leaked = sorted(trace for trace in _traces(world.foreign) if trace in body)
    assert not leaked, leaked


# --- the API through a browser session, and cross-site requests ------------------------------------------------

API_READS = [(key, method) for key, method in TENANT_CASES if ROUTES[key].api and method == "GET"]
SESSION_WRITES = [(key, method) for key, method in TENANT_CASES if method != "GET"]


@pytest.mark.parametrize("case", API_READS, ids=_case_id)
def test_the_api_through_a_browser_session_applies_the_same_roles_and_tenant(world, case):
    # given an API read, called with each role's browser session instead of a token
    key, method = case
    route, rule = ROUTES[key], MATRIX[key][method]
    for role in ALL:
        session = _client(True, role, session=world.sessions[role])
        # when
        response = _call(session, route, method, _url(key, rule, world.home), rule, world.home)
        # then the session gets exactly what the role's token gets
        expected = rule.ok if role in rule.roles else (403,)
        assert response.status_code in expected, (role, *_shown(response))
    if rule.obj:
        # and another tenant's object is as missing through the session as through a token
        session = _client(True, Role.ADMIN, session=world.sessions[Role.ADMIN])
        foreign = _call(session, route, method, _url(key, rule, world.foreign), rule, world.home)
        assert foreign.status_code == 404, _shown(foreign)


@pytest.mark.parametrize("case", SESSION_WRITES, ids=_case_id)
def test_a_cross_site_write_with_the_admins_session_is_refused(world, case):
    # given an admin's browser session, riding a request from another site (no CSRF token)
    key, method = case
    route, rule = ROUTES[key], MATRIX[key][method]
    forged = _client(route.api, "cross-site", session=world.sessions[Role.ADMIN], csrf=True)
    # when it asks for a change
    response = _call(forged, route, method, _url(key, rule, world.home), rule, world.home)
    # then it is refused before the view runs
    assert response.status_code == 403, _shown(response)
    assert b"CSRF" in _body(response)


# --- the Django admin site -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ADMIN_SITE_ROUTES)
def test_admin_site_is_closed_to_anonymous_and_tenant_roles(world, key):
    # given a route of the admin site, an anonymous browser and a tenant admin (not staff)
    route = ROUTES[key]
    url = _admin_url(route)
    for who in ("anonymous", "tenant admin"):
        client = _client(False, who, session=world.sessions[Role.ADMIN] if who == "tenant admin" else "")
        # when they open it (the admin site checks staff before it looks at the method: GET stands for all)
        response = client.get(url)
        # then they are sent to log in (or to another admin URL, itself closed): never shown an admin page
        assert response.status_code in (301, 302), (who, url, response.status_code)
        target = urlsplit(response["Location"]).path
        assert target == settings.LOGIN_URL or target.startswith("/" + ADMIN_SITE_PREFIX), (who, target)


def _admin_url(route: Route) -> str:
    values = {}
    for param in route.params:
        choices = re.search(rf"\(\?P<{param}>([^)]*)\)", route.pattern)
        if param == "app_label" and choices:
            values[param] = choices.group(1).split("|")[0]
        elif param == "url":
            values[param] = "no-such-page/"
        elif param == "content_type_id":
            values[param] = "1"
        else:
            values[param] = str(uuid.uuid4())
    try:
        return reverse(route.key, kwargs=values)
    except NoReverseMatch:
        # Unnamed patterns: fill the parameters into the pattern text.
        path = route.pattern
        for param, value in values.items():
            path = re.sub(rf"<(?:\w+:)?{param}>|\(\?P<{param}>[^)]*\)", value, path)
        path = "/" + path.replace("^", "").replace("$", "")
        try:
            resolve(path)
        except Resolver404:
            pytest.fail(f"cannot build a URL for {route.key}")
        return path


def test_a_user_of_no_tenant_reaches_no_tenant_page(world):
    # given a logged-in user who belongs to no tenant
    refused = []
    # when they open every tenant page, one naming an object with the id of a tenant's object
    for key, method in TENANT_CASES:
        rule, route = MATRIX[key][method], ROUTES[key]
        if route.namespace != "web":
            continue
        client = _client(False, "outsider", session=world.outsider_session)
        response = _call(client, route, method, _url(key, rule, world.home), rule, world.home)
        refused.append((key, method, response.status_code))
    # then each is refused
    assert refused and all(status == 403 for _, _, status in refused), refused
