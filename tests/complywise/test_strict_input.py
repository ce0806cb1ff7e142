"""The API refuses what it does not understand: unknown query parameters and body fields are a 400 naming them."""

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.views import APIView

from complywise.api.strict import StrictInputMixin
from complywise.choices import Role
from frameworks.models import Framework
from scans.models import ScanJob, ScanSchedule
from tests.frameworks.factories import CustomFrameworkFactory
from tests.integrations.factories import IntegrationFactory

pytestmark = pytest.mark.django_db

UNKNOWN = "zz_unknown"


def _operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in sorted(schema["paths"].items()):
        for method, operation in item.items():
            yield path, method.upper(), operation


def _concrete(path: str) -> str:
    # Any id will do: the input is checked before the object is looked up.
    return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)


OPERATIONS = list(_operations())


@pytest.mark.parametrize(("path", "method"), [(p, m) for p, m, _ in OPERATIONS if "revoke" not in p])
def test_every_operation_refuses_an_unknown_query_parameter(admin_client, path, method):
    # when any operation of the schema is called with a query parameter it does not declare
    response = admin_client.generic(method, f"{_concrete(path)}?{UNKNOWN}=1")
    # then it is a 400 naming the parameter, and nothing was done
    assert response.status_code == 400, (path, method, response.content)
    assert response.json()[UNKNOWN][0].startswith("Unknown query parameter.")


def test_revoke_refuses_an_unknown_query_parameter(admin_client, tenant, token_for):
    # given a token (revoke is left out above so the fuzzing client keeps its own)
    admin_client.post("/api/tokens", {"name": "ci"}, format="json")
    token_id = admin_client.get("/api/tokens").json()["results"][0]["id"]
    # when
    response = admin_client.post(f"/api/tokens/{token_id}/revoke?{UNKNOWN}=1")
    # then
    assert response.status_code == 400 and UNKNOWN in response.json()
    assert admin_client.get(f"/api/tokens/{token_id}").json()["revoked_at"] is None


def test_the_error_lists_what_is_accepted(admin_client):
    # when the history is filtered by a parameter it does not have
    response = admin_client.get("/api/scans?framework=soc2")
    # then the 400 names it and says which parameters exist
    assert response.status_code == 400
    assert response.json() == {
        "framework": [
            "Unknown query parameter. Accepted: created_after, created_before, limit, offset, status, trigger."
        ]
    }


def _hint(path: str) -> str:
    operation = next(o for p, m, o in OPERATIONS if p == path and m == "GET")
    names = sorted(p["name"] for p in operation.get("parameters", []) if p["in"] == "query")
    return f"Accepted: {', '.join(names)}." if names else "This endpoint takes none."


def test_each_path_is_held_to_its_own_operation_in_any_order(admin_client):
    # given two paths Django resolves to one URL pattern (two scans), and a literal path beside that pattern
    paths = [
        ("/api/scans/trend", "/api/scans/trend"),
        (f"/api/scans/{uuid.uuid4()}", "/api/scans/{id}"),
        (f"/api/scans/{uuid.uuid4()}", "/api/scans/{id}"),
        ("/api/scans/trend", "/api/scans/trend"),
        (f"/api/scans/{uuid.uuid4()}/outcomes", "/api/scans/{id}/outcomes"),
    ]
    for path, operation in paths:
        # when each is asked with a parameter no operation has
        response = admin_client.get(f"{path}?{UNKNOWN}=1")
        # then the 400 names what that path's own operation accepts
        assert response.status_code == 400, path
        assert response.json()[UNKNOWN] == [f"Unknown query parameter. {_hint(operation)}"], path


def test_a_mistyped_check_filter_is_refused_rather_than_ignored(admin_client):
    # when
    response = admin_client.get("/api/checks?integration_typ=aws")
    # then
    assert response.status_code == 400
    assert list(response.json()) == ["integration_typ"]


@pytest.mark.parametrize(
    ("path", "method", "operation"),
    [
        (p, m, o)
        for p, m, o in OPERATIONS
        if "requestBody" in o and "{" not in p and "revoke" not in p and m in ("POST", "PUT", "PATCH")
    ],
)
def test_every_collection_write_refuses_an_unknown_body_field(admin_client, path, method, operation):
    # when a write is sent a field its request body does not declare
    content = operation["requestBody"]["content"]
    if "application/json" in content:
        response = admin_client.generic(method, path, f'{{"{UNKNOWN}": 1}}', content_type="application/json")
    else:
        response = admin_client.post(path, {UNKNOWN: "1"}, format="multipart")
    # then it is a 400 naming the field
    assert response.status_code == 400, (path, method, response.content)
    assert response.json()[UNKNOWN][0].startswith("Unknown field.")


def test_a_mistyped_trigger_field_starts_no_scan(admin_client, loaded_frameworks):
    # when the scan is triggered with `integration_type` (singular): it used to scan everything
    response = admin_client.post("/api/scans/trigger", {"integration_type": ["host"]}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {"integration_type": ["Unknown field. Accepted: framework_id, integration_types."]}
    assert not ScanJob.objects.exists()


def test_detail_writes_refuse_unknown_body_fields(admin_client, tenant):
    # given a schedule and a custom framework
    schedule = ScanSchedule.objects.create(tenant=tenant, name="nightly", interval_minutes=60)
    framework = CustomFrameworkFactory(tenant=tenant, key="internal", version="")
    # when each is patched with a typo next to a real field
    schedule_response = admin_client.patch(
        f"/api/scan-schedules/{schedule.pk}", {"name": "x", "intervall_minutes": 30}, format="json"
    )
    framework_response = admin_client.patch(
        f"/api/frameworks/{framework.pk}", {"name": "x", "titel": "y"}, format="json"
    )
    # then nothing changes and the typo is named
    assert schedule_response.status_code == 400 and list(schedule_response.json()) == ["intervall_minutes"]
    assert framework_response.status_code == 400 and list(framework_response.json()) == ["titel"]
    schedule.refresh_from_db()
    assert schedule.name == "nightly"
    assert Framework.objects.get(pk=framework.pk).name != "x"


def test_a_body_sent_to_an_operation_that_takes_none_is_refused(admin_client, tenant):
    # given a custom framework (activation takes no body)
    framework = CustomFrameworkFactory(tenant=tenant, key="internal", version="")
    # when
    response = admin_client.post(f"/api/frameworks/{framework.pk}/deactivate", {"force": True}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {"force": ["Unknown field. This endpoint takes no body."]}


def test_a_view_may_accept_a_field_to_explain_it_itself(admin_client, tenant):
    # given an integration (its update declares `type` so the serializer can say why it is refused)
    integration = IntegrationFactory(tenant=tenant)
    # when
    response = admin_client.patch(f"/api/integrations/{integration.pk}", {"type": "github"}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {"type": ["The type of an integration cannot be changed."]}


def test_declared_inputs_still_work(admin_client, tenant):
    # given a schedule
    ScanSchedule.objects.create(tenant=tenant, name="nightly", interval_minutes=60)
    # when the declared filters, pagination and body fields are used
    listed = admin_client.get("/api/scan-schedules?limit=1&offset=0")
    scans = admin_client.get("/api/scans?status=completed&limit=5")
    created = admin_client.post("/api/scan-schedules", {"name": "hourly", "interval_minutes": 60}, format="json")
    # then
    assert (listed.status_code, scans.status_code, created.status_code) == (200, 200, 201)


def test_a_viewer_gets_403_not_a_hint_about_parameters(client_for, tenant):
    # when a role that may not list schedules sends an unknown parameter
    response = client_for(tenant, Role.VIEWER).get(f"/api/scan-schedules?{UNKNOWN}=1")
    # then permissions come first
    assert response.status_code == 403


def test_anonymous_requests_get_401_before_input_checks(api_client):
    # when
    response = api_client.get(f"/api/scans?{UNKNOWN}=1")
    # then
    assert response.status_code == 401


def _api_views(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern, route)
        elif isinstance(pattern, URLPattern) and route.lstrip("^").startswith("api/"):
            view_class = getattr(pattern.callback, "cls", None) or getattr(pattern.callback, "view_class", None)
            if view_class is not None and issubclass(view_class, APIView):
                yield route, view_class


def test_every_api_view_checks_its_input():
    # given every DRF view routed under /api/ but the schema and its docs page
    views = [(route, cls) for route, cls in _api_views() if not route.startswith(("api/schema/", "api/docs/"))]
    # then each one refuses undeclared input (build new views on complywise.api.viewsets)
    assert views
    assert [route for route, cls in views if not issubclass(cls, StrictInputMixin)] == []
