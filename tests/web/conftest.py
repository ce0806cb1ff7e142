from pathlib import Path

import pytest
from django.test import Client

from complywise.choices import Role
from tests.factories import MembershipFactory
from tests.scans.conftest import aws_integration, open_ssh_group, run_scan  # noqa: F401 - shared fixtures

from .factories import ScanData, scan_data_for


@pytest.fixture(autouse=True)
def local_evidence_storage(settings, tmp_path) -> Path:
    """Every test gets its own evidence folder; nothing is written under var/."""
    root = tmp_path / "evidence"
    root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": None},
        },
    }
    return root


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
