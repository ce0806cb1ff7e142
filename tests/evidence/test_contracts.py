"""Every evidence endpoint: 401 without credentials, roles enforced, another tenant's object 404 like a missing one."""

import pytest
from django.utils import timezone

from complywise.choices import Role
from evidence.models import EvidenceExport
from evidence.storage import evidence_storage, store_bytes
from tests.contracts import ALL_ROLES, EndpointContract, ObjectEndpointContract, random_id
from tests.frameworks.factories import FrameworkFactory

from .factories import active_control, manual_evidence, upload

pytestmark = pytest.mark.django_db


def evidence_of(tenant):
    return manual_evidence(tenant=tenant, control=active_control(tenant))


def completed_export_of(tenant):
    export = EvidenceExport.objects.create(tenant=tenant, framework=FrameworkFactory())
    stored = store_bytes(
        storage=evidence_storage(), key=f"tenants/{tenant.pk}/exports/x/{export.pk}.zip", data=b"PK", content_type=""
    )
    EvidenceExport.objects.filter(pk=export.pk).update(
        status="completed", file_key=stored.key, sha256=stored.sha256, size=stored.size, completed_at=timezone.now()
    )
    return export


class TestEvidenceListContract(EndpointContract):
    def url(self, tenant):
        return "/api/evidence"


class TestEvidenceDetailContract(ObjectEndpointContract):
    def url(self, tenant):
        return f"/api/evidence/{evidence_of(tenant).pk}"

    def missing_url(self):
        return f"/api/evidence/{random_id()}"


class TestEvidenceUploadContract(EndpointContract):
    method = "post"
    format = "multipart"
    allowed_roles = (Role.ADMIN, Role.MEMBER)

    def url(self, tenant):
        self._control = active_control(tenant)
        return "/api/evidence/upload"

    def payload(self, tenant):
        return {"file": upload(), "control_id": str(self._control.pk)}


class TestEvidenceDownloadContract(ObjectEndpointContract):
    def url(self, tenant):
        return f"/api/evidence/{evidence_of(tenant).pk}/download"

    def missing_url(self):
        return f"/api/evidence/{random_id()}/download"


class TestEvidenceVerifyContract(ObjectEndpointContract):
    method = "post"

    def url(self, tenant):
        return f"/api/evidence/{evidence_of(tenant).pk}/verify"

    def missing_url(self):
        return f"/api/evidence/{random_id()}/verify"


class TestEvidenceDeleteContract(ObjectEndpointContract):
    method = "delete"
    allowed_roles = (Role.ADMIN,)

    def url(self, tenant):
        return f"/api/evidence/{evidence_of(tenant).pk}?reason=contract"

    def missing_url(self):
        return f"/api/evidence/{random_id()}?reason=contract"


class TestEvidenceExportCreateContract(EndpointContract):
    method = "post"
    allowed_roles = ALL_ROLES

    def url(self, tenant):
        self._framework = FrameworkFactory()
        return "/api/evidence/export"

    def payload(self, tenant):
        return {"framework_id": str(self._framework.pk)}


class TestEvidenceExportListContract(EndpointContract):
    def url(self, tenant):
        return "/api/evidence/exports"


class TestEvidenceExportDetailContract(ObjectEndpointContract):
    def url(self, tenant):
        return f"/api/evidence/exports/{completed_export_of(tenant).pk}"

    def missing_url(self):
        return f"/api/evidence/exports/{random_id()}"


class TestEvidenceExportDownloadContract(ObjectEndpointContract):
    def url(self, tenant):
        return f"/api/evidence/exports/{completed_export_of(tenant).pk}/download"

    def missing_url(self):
        return f"/api/evidence/exports/{random_id()}/download"


def test_malformed_ids_are_404(client_for, tenant):
    # given
    client = client_for(tenant, Role.ADMIN)
    # when / then
    for url in ("/api/evidence/not-a-uuid", "/api/evidence/123/download", "/api/evidence/exports/zzz"):
        assert client.get(url).status_code == 404, url
    assert client.post("/api/evidence/nope/verify").status_code == 404
