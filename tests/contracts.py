"""A reusable contract every tenant-scoped endpoint proves: 401 without credentials,
roles enforced, and another tenant's object answering 404 exactly like a missing one.

tests/complywise/test_isolation_matrix.py proves the same for every route at once, from the URL configuration."""

from __future__ import annotations

import uuid

import pytest

from complywise.choices import Role

ALL_ROLES = tuple(Role.values)


class EndpointContract:
    """Subclass with ``method``, ``allowed_roles`` and ``url(tenant) -> str`` (building the object if any).

    For an endpoint naming one object use ``ObjectEndpointContract`` and give ``missing_url()``,
    the url of an object that does not exist. Override ``payload(tenant)`` for writes.
    """

    method = "get"
    allowed_roles: tuple[str, ...] = ALL_ROLES
    format = "json"

    def url(self, tenant) -> str:
        raise NotImplementedError

    def missing_url(self) -> str:
        raise NotImplementedError

    def payload(self, tenant) -> dict | None:
        return None

    def _call(self, client, url, tenant):
        data = self.payload(tenant)
        return getattr(client, self.method)(url, data=data, format=self.format if data is not None else None)

    def test_without_credentials_is_401(self, api_client, tenant):
        # given an object of a tenant and no credential
        url = self.url(tenant)
        # when
        response = self._call(api_client, url, tenant)
        # then
        assert response.status_code == 401, response.content

    def test_with_bad_token_is_401(self, api_client, tenant):
        # given a token that was never issued
        url = self.url(tenant)
        api_client.credentials(HTTP_AUTHORIZATION="Bearer cw_deadbeef_not-a-real-token")
        # when
        response = self._call(api_client, url, tenant)
        # then
        assert response.status_code == 401

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_roles_are_enforced(self, role, client_for, tenant):
        # given a member of the tenant with this role
        client = client_for(tenant, role)
        url = self.url(tenant)
        # when
        response = self._call(client, url, tenant)
        # then
        if role in self.allowed_roles:
            assert response.status_code not in (401, 403, 404), (role, response.status_code, response.content)
        else:
            assert response.status_code == 403, (role, response.status_code, response.content)


class ObjectEndpointContract(EndpointContract):
    """The contract of an endpoint naming one object: adds the cross-tenant 404 check."""

    def test_other_tenants_object_is_404_like_missing(self, client_for, tenant, other_tenant):
        # given an object of another tenant, and an admin of this tenant
        foreign_url = self.url(other_tenant)
        client = client_for(tenant, Role.ADMIN)
        # when the admin asks for it, and for an object that does not exist
        foreign = self._call(client, foreign_url, tenant)
        missing = self._call(client, self.missing_url(), tenant)
        # then both answer the same 404
        assert foreign.status_code == 404, foreign.content
        assert missing.status_code == 404, missing.content
        assert foreign.json() == missing.json()


def random_id() -> str:
    return str(uuid.uuid4())
