"""/api/frameworks: the catalog, activation, and tenants' custom frameworks."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complywise.choices import Role
from complywise.models import AuditEvent
from frameworks.models import Control, Framework, TenantFramework
from tests.contracts import EndpointContract, ObjectEndpointContract, random_id
from tests.frameworks.factories import (
    ControlCheckFactory,
    ControlFactory,
    CustomFrameworkFactory,
    FrameworkFactory,
    TenantFrameworkFactory,
)

pytestmark = pytest.mark.django_db

ADMIN_ONLY = (Role.ADMIN,)


def custom_framework_url(tenant, suffix: str = "") -> str:
    return f"/api/frameworks/{CustomFrameworkFactory(tenant=tenant).pk}{suffix}"


def missing_framework_url(suffix: str = "") -> str:
    return f"/api/frameworks/{random_id()}{suffix}"


# --------------------------------------------------------------------------- contracts


class TestFrameworkListContract(EndpointContract):
    def url(self, tenant):
        return "/api/frameworks"


class TestFrameworkDetailContract(ObjectEndpointContract):
    def url(self, tenant):
        return custom_framework_url(tenant)

    def missing_url(self):
        return missing_framework_url()


class TestFrameworkControlsContract(ObjectEndpointContract):
    def url(self, tenant):
        return custom_framework_url(tenant, "/controls")

    def missing_url(self):
        return missing_framework_url("/controls")


class TestFrameworkActivateContract(ObjectEndpointContract):
    method = "post"
    allowed_roles = ADMIN_ONLY

    def url(self, tenant):
        return custom_framework_url(tenant, "/activate")

    def missing_url(self):
        return missing_framework_url("/activate")


class TestFrameworkDeactivateContract(ObjectEndpointContract):
    method = "post"
    allowed_roles = ADMIN_ONLY

    def url(self, tenant):
        return custom_framework_url(tenant, "/deactivate")

    def missing_url(self):
        return missing_framework_url("/deactivate")


class TestFrameworkCreateContract(EndpointContract):
    method = "post"
    allowed_roles = ADMIN_ONLY

    def url(self, tenant):
        return "/api/frameworks"

    def payload(self, tenant):
        return {"key": "internal-policy", "name": "Internal policy"}


class TestFrameworkUpdateContract(ObjectEndpointContract):
    method = "patch"
    allowed_roles = ADMIN_ONLY

    def url(self, tenant):
        return custom_framework_url(tenant)

    def missing_url(self):
        return missing_framework_url()

    def payload(self, tenant):
        return {"name": "Renamed"}


class TestFrameworkDeleteContract(ObjectEndpointContract):
    method = "delete"
    allowed_roles = ADMIN_ONLY

    def url(self, tenant):
        return custom_framework_url(tenant)

    def missing_url(self):
        return missing_framework_url()


class TestControlCreateContract(ObjectEndpointContract):
    method = "post"
    allowed_roles = ADMIN_ONLY

    def url(self, tenant):
        return custom_framework_url(tenant, "/controls")

    def missing_url(self):
        return missing_framework_url("/controls")

    def payload(self, tenant):
        return {"ref": "POL-1", "title": "Have a policy"}


# --------------------------------------------------------------------------- list and detail


def test_list_shows_the_catalog_and_own_custom_frameworks_with_activation_and_counts(client_for, tenant, other_tenant):
    # given a global framework with 3 controls (2 automated), active for this tenant only,
    # a custom framework of this tenant and one of another tenant
    shipped = FrameworkFactory(key="shipped", name="A shipped")
    first, second, _ = ControlFactory.create_batch(3, framework=shipped)
    ControlCheckFactory(control=first, check_id="c.one")
    ControlCheckFactory(control=first, check_id="c.two")
    ControlCheckFactory(control=second, check_id="c.one")
    TenantFrameworkFactory(tenant=tenant, framework=shipped)
    TenantFrameworkFactory(tenant=other_tenant, framework=FrameworkFactory(key="other-active"))
    mine = CustomFrameworkFactory(tenant=tenant, key="mine", name="B mine")
    CustomFrameworkFactory(tenant=other_tenant, key="theirs")
    # when a viewer lists frameworks
    response = client_for(tenant, Role.VIEWER).get("/api/frameworks")
    # then they see the catalog and their own custom framework, not the other tenant's
    assert response.status_code == 200
    body = response.json()
    by_key = {item["key"]: item for item in body["results"]}
    assert set(by_key) == {"shipped", "mine", "other-active"}
    assert body["count"] == 3
    assert by_key["shipped"] == {
        "id": str(shipped.pk),
        "key": "shipped",
        "name": "A shipped",
        "version": "1.0",
        "description": "",
        "source": "shipped",
        "publisher": "",
        "is_custom": False,
        "active": True,
        "control_count": 3,
        "automated_control_count": 2,
        "created_at": by_key["shipped"]["created_at"],
        "updated_at": by_key["shipped"]["updated_at"],
    }
    assert by_key["other-active"]["active"] is False
    assert by_key["mine"]["is_custom"] is True and by_key["mine"]["id"] == str(mine.pk)
    assert by_key["mine"]["control_count"] == 0


def test_detail_of_a_global_framework(client_for, tenant):
    # given
    framework = FrameworkFactory(key="global")
    # when
    response = client_for(tenant, Role.AUDITOR).get(f"/api/frameworks/{framework.pk}")
    # then
    assert response.status_code == 200
    assert response.json()["key"] == "global" and response.json()["active"] is False


def test_list_filters(admin_client, tenant):
    # given two active frameworks (one custom) and an inactive one
    active = FrameworkFactory(key="alpha", name="Alpha", description="About access control.")
    TenantFrameworkFactory(tenant=tenant, framework=active)
    FrameworkFactory(key="beta", name="Beta")
    custom = CustomFrameworkFactory(tenant=tenant, key="gamma", name="Gamma")
    TenantFrameworkFactory(tenant=tenant, framework=custom)

    def keys(query: str) -> list[str]:
        response = admin_client.get(f"/api/frameworks?{query}")
        assert response.status_code == 200, response.content
        return sorted(item["key"] for item in response.json()["results"])

    # when / then
    assert keys("active=true") == ["alpha", "gamma"]
    assert keys("active=false") == ["beta"]
    assert keys("key=beta") == ["beta"]
    assert keys("search=ACCESS") == ["alpha"]
    assert keys("search=gam") == ["gamma"]
    assert keys("is_custom=true") == ["gamma"]
    assert keys("is_custom=false") == ["alpha", "beta"]
    assert keys("source=custom") == ["gamma"]


def test_invalid_filter_values_are_400_with_field_errors(admin_client):
    # when
    response = admin_client.get("/api/frameworks?active=maybe&source=nope")
    # then
    assert response.status_code == 400
    assert set(response.json()) == {"active", "source"}


def test_list_query_count_does_not_grow_with_frameworks(admin_client, tenant, django_assert_max_num_queries):
    # given a few frameworks with controls and checks, listed once
    def add_frameworks(count: int) -> None:
        for _ in range(count):
            framework = FrameworkFactory()
            TenantFrameworkFactory(tenant=tenant, framework=framework)
            for control in ControlFactory.create_batch(3, framework=framework):
                ControlCheckFactory(control=control)

    add_frameworks(2)
    admin_client.get("/api/frameworks")  # the first request also records the token's last use
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get("/api/frameworks").status_code == 200
    # when there are ten times as many
    add_frameworks(20)
    # then listing them takes no more queries
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client.get("/api/frameworks")
    assert response.json()["count"] == 22


# --------------------------------------------------------------------------- activation


def test_activate_and_deactivate_are_idempotent_and_per_tenant(admin_client, tenant, other_tenant):
    # given a global framework active for another tenant
    framework = FrameworkFactory()
    TenantFrameworkFactory(tenant=other_tenant, framework=framework)
    url = f"/api/frameworks/{framework.pk}"
    # when activating twice
    first = admin_client.post(f"{url}/activate")
    second = admin_client.post(f"{url}/activate")
    # then it is active once, for this tenant
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["active"] is True and second.json()["id"] == str(framework.pk)
    assert TenantFramework.objects.filter(tenant=tenant, framework=framework).count() == 1
    # when deactivating twice
    assert admin_client.post(f"{url}/deactivate").json()["active"] is False
    assert admin_client.post(f"{url}/deactivate").status_code == 200
    # then only this tenant's activation is gone, and each change was audited once
    assert not TenantFramework.objects.filter(tenant=tenant, framework=framework).exists()
    assert TenantFramework.objects.filter(tenant=other_tenant, framework=framework).exists()
    actions = list(
        AuditEvent.objects.for_tenant(tenant).filter(action__startswith="framework.").values_list("action", flat=True)
    )
    assert sorted(actions) == ["framework.activated", "framework.deactivated"]


# --------------------------------------------------------------------------- custom frameworks


def test_admin_creates_a_custom_framework_that_only_their_tenant_sees(admin_client, tenant, client_for, other_tenant):
    # when an admin creates a custom framework
    response = admin_client.post(
        "/api/frameworks",
        {"key": "internal", "name": "Internal policy", "version": "2026", "description": "Ours."},
        format="json",
    )
    # then it is owned by the tenant, custom and already active
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["is_custom"] is True and body["active"] is True and body["source"] == "custom"
    assert body["control_count"] == 0
    framework = Framework.objects.get(pk=body["id"])
    assert framework.tenant_id == tenant.pk
    assert AuditEvent.objects.filter(tenant=tenant, action="framework.created").exists()
    # and another tenant neither lists nor reaches it
    other = client_for(other_tenant, Role.ADMIN)
    assert "internal" not in [item["key"] for item in other.get("/api/frameworks").json()["results"]]
    assert other.get(f"/api/frameworks/{framework.pk}").status_code == 404


def test_custom_framework_key_is_unique_per_tenant_and_version(admin_client, tenant, other_tenant):
    # given a custom framework of this tenant, one of another tenant, and a global one with the same key
    CustomFrameworkFactory(tenant=tenant, key="internal", version="")
    CustomFrameworkFactory(tenant=other_tenant, key="shared", version="")
    FrameworkFactory(key="soc2", version="")
    # when creating clashing and non-clashing keys
    clash = admin_client.post("/api/frameworks", {"key": "internal", "name": "Again"}, format="json")
    other_version = admin_client.post(
        "/api/frameworks", {"key": "internal", "name": "V2", "version": "2"}, format="json"
    )
    other_tenants_key = admin_client.post("/api/frameworks", {"key": "shared", "name": "Mine"}, format="json")
    global_key = admin_client.post("/api/frameworks", {"key": "soc2", "name": "My SOC 2"}, format="json")
    # then the same key and version in the same tenant is refused, and so is a global framework's key (reserved)
    assert clash.status_code == 400 and set(clash.json()) == {"key"}
    assert global_key.status_code == 400 and "reserved" in global_key.json()["key"][0]
    assert (other_version.status_code, other_tenants_key.status_code) == (201, 201)


def test_create_with_bad_input_is_400_with_field_errors(admin_client):
    # when
    response = admin_client.post("/api/frameworks", {"key": "not a slug", "version": "x" * 51}, format="json")
    # then
    assert response.status_code == 400
    assert set(response.json()) == {"key", "name", "version"}


def test_update_a_custom_framework(admin_client, tenant):
    # given two custom frameworks
    framework = CustomFrameworkFactory(tenant=tenant, key="one", version="")
    CustomFrameworkFactory(tenant=tenant, key="two", version="")
    url = f"/api/frameworks/{framework.pk}"
    # when renaming it, and then giving it the other's key
    renamed = admin_client.patch(url, {"name": "Renamed", "description": "New."}, format="json")
    clash = admin_client.patch(url, {"key": "two"}, format="json")
    invalid = admin_client.patch(url, {"name": ""}, format="json")
    # then
    assert renamed.status_code == 200, renamed.content
    assert renamed.json()["name"] == "Renamed" and renamed.json()["description"] == "New."
    assert clash.status_code == 400 and set(clash.json()) == {"key"}
    assert invalid.status_code == 400 and set(invalid.json()) == {"name"}
    framework.refresh_from_db()
    assert (framework.key, framework.name) == ("one", "Renamed")


def test_global_frameworks_cannot_be_changed_or_deleted(admin_client):
    # given a shipped framework
    framework = FrameworkFactory(name="Shipped")
    url = f"/api/frameworks/{framework.pk}"
    # when an admin tries to change, replace or delete it, or add a control to it
    patched = admin_client.patch(url, {"name": "Hacked"}, format="json")
    put = admin_client.put(url, {"key": "x", "name": "Hacked"}, format="json")
    deleted = admin_client.delete(url)
    added = admin_client.post(f"{url}/controls", {"ref": "X-1", "title": "X"}, format="json")
    # then each is refused with a clear reason, and nothing changed
    assert patched.status_code == 403 and "read-only" in patched.json()["detail"]
    assert put.status_code == 405
    assert deleted.status_code == 403 and "read-only" in deleted.json()["detail"]
    assert added.status_code == 403
    framework.refresh_from_db()
    assert framework.name == "Shipped" and not framework.controls.exists()


def test_delete_a_custom_framework_with_its_controls(admin_client, tenant):
    # given a custom framework with a control, active for the tenant
    framework = CustomFrameworkFactory(tenant=tenant)
    ControlFactory(framework=framework)
    TenantFrameworkFactory(tenant=tenant, framework=framework)
    # when
    response = admin_client.delete(f"/api/frameworks/{framework.pk}")
    # then
    assert response.status_code == 204
    assert not Framework.objects.filter(pk=framework.pk).exists()
    assert not Control.objects.filter(framework_id=framework.pk).exists()
    assert admin_client.get(f"/api/frameworks/{framework.pk}").status_code == 404
