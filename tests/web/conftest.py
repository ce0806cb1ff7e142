import pytest
from django.test import Client

from complywise.choices import Role
from tests.factories import MembershipFactory

from .factories import ScanData, scan_data_for


@pytest.fixture
def web_login(db):
    """A logged-in browser session (Django test client) of a new user with ``role`` in ``tenant``."""

    def make(tenant, role=Role.ADMIN) -> Client:
        membership = MembershipFactory(tenant=tenant, role=role)
        client = Client()
        client.force_login(membership.user)
        client.membership = membership
        return client

    return make


@pytest.fixture
def admin_web(web_login, tenant) -> Client:
    return web_login(tenant, Role.ADMIN)


@pytest.fixture
def scan_data(tenant) -> ScanData:
    """A custom framework of ``tenant`` with three mapped controls and one completed scan (pass, fail, n/a)."""
    return scan_data_for(tenant)
