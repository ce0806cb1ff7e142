import pytest
from rest_framework.test import APIClient

from complywise import services
from complywise.choices import Role

from .conftest_moto import moto_reset, moto_server  # noqa: F401 - shared fixtures
from .factories import MembershipFactory, TenantFactory


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def tenant(db):
    return TenantFactory(name="Acme", slug="acme")


@pytest.fixture
def other_tenant(db):
    return TenantFactory(name="Globex", slug="globex")


@pytest.fixture
def token_for(db):
    """Issue a real bearer token for a new member of ``tenant`` with ``role``."""

    def make(tenant, role=Role.ADMIN):
        membership = MembershipFactory(tenant=tenant, role=role)
        return services.api_token_create(membership=membership, name=f"test-{role}").secret

    return make


@pytest.fixture
def client_for(token_for):
    def make(tenant, role=Role.ADMIN):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(tenant, role)}")
        return client

    return make


@pytest.fixture
def admin_client(client_for, tenant):
    return client_for(tenant, Role.ADMIN)


@pytest.fixture
def loaded_frameworks(db):
    """The shipped catalogs and check mappings, loaded as `make run` loads them."""
    from frameworks.catalog import catalog_load_all

    return catalog_load_all()
