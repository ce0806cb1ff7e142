import socket
from pathlib import Path

import boto3
import pytest
from django.core.cache import cache
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from rest_framework.test import APIClient

from complywise import services
from complywise.choices import Role
from frameworks.models import Framework, TenantFramework
from integrations.services import integration_create

from .factories import MembershipFactory, TenantFactory

# moto_server / moto_reset: a real moto server shared by the whole run.
pytest_plugins = ["tests.conftest_moto", "tests.check_coverage"]

# The live server (browser, fuzz and end-to-end tests) sends a response's headers and body in separate writes;
# with Nagle's algorithm on, the body then waits for the client's delayed ACK, about 40 ms on every request.
WSGIRequestHandler.disable_nagle_algorithm = True


def _lingering_close(server, request) -> None:
    """Close a live-server connection only once the client has stopped sending (as gunicorn and nginx do).

    When the server answers before reading the whole request (an unparseable header gets the standard library's
    own 400), closing with unread bytes makes the kernel send a reset, and the client may lose the answer.
    """
    try:
        request.shutdown(socket.SHUT_WR)
        request.settimeout(1)
        while request.recv(65536):
            pass
    except OSError:
        pass
    server.close_request(request)


ThreadedWSGIServer.shutdown_request = _lingering_close


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


@pytest.fixture(autouse=True)
def fresh_cache():
    """Every test starts with an empty cache: no counter (rates, reset limits) or kept answer of another test,
    nor of an earlier run when the cache is Redis."""
    cache.clear()


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


# --- shared by the scans and web tests: a real AWS account (moto) and a scan through the API ---

REGION = "us-east-1"


@pytest.fixture
def aws_integration(tenant, moto_reset, loaded_frameworks):
    """An AWS integration of ``tenant`` pointed at an empty moto account, with SOC 2, ISO 27001 and CIS AWS active."""
    for key in ("soc2", "iso27001-2022", "cis-aws"):
        TenantFramework.objects.get_or_create(tenant=tenant, framework=Framework.objects.get(key=key))
    return integration_create(
        tenant=tenant,
        actor=None,
        type="aws",
        name="prod",
        config={"regions": [REGION], "endpoint_url": moto_reset},
        credentials={
            "access_key_id": "AKIATESTING000000000",
            "secret_access_key": "testing-secret-access-key-0000000000000000",
        },
    )


@pytest.fixture
def open_ssh_group(moto_reset):
    """A security group that lets the whole internet reach port 22."""
    ec2 = boto3.client("ec2", endpoint_url=moto_reset, region_name=REGION)
    vpc_id = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    group_id = ec2.create_security_group(GroupName="open-ssh", Description="wide open", VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group_id,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    return group_id


@pytest.fixture
def run_scan(django_capture_on_commit_callbacks):
    """Trigger through the API and run the whole scan in-process (tasks are eager in the test settings)."""

    def run(client, body=None):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/api/scans/trigger", body or {}, format="json")
        assert response.status_code == 202, response.content
        return client.get(f"/api/scans/{response.json()['scan_job_id']}").json()

    return run
