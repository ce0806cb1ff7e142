import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from complywise.api.urls import Router
from evidence.api.urls import register
from evidence.models import Evidence, EvidenceExport, EvidenceTombstone
from tests.complywise.accounts_support import verified_login
from tests.factories import UserFactory
from tests.frameworks.factories import FrameworkFactory

from .factories import active_control, manual_evidence

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    verified_login(client, user)
    return client


def test_admin_pages_are_read_only(superuser_client, tenant):
    # given
    evidence = manual_evidence(tenant=tenant, control=active_control(tenant))
    EvidenceExport.objects.create(tenant=tenant, framework=FrameworkFactory())
    # when
    changelist = superuser_client.get(reverse("admin:evidence_evidence_changelist"))
    detail = superuser_client.get(reverse("admin:evidence_evidence_change", args=[evidence.pk]))
    add = superuser_client.get(reverse("admin:evidence_evidence_add"))
    exports = superuser_client.get(reverse("admin:evidence_evidenceexport_changelist"))
    tombstones = superuser_client.get(reverse("admin:evidence_evidencetombstone_changelist") + "?q=4f2a")
    searched = superuser_client.get(reverse("admin:evidence_evidence_changelist") + f"?q={evidence.sha256[:10]}")
    # then
    assert changelist.status_code == 200 and evidence.sha256[:12].encode() in changelist.content
    assert b"delete_selected" not in changelist.content
    assert detail.status_code == 200 and b'name="sha256"' not in detail.content
    assert add.status_code == 403
    assert exports.status_code == 200 and tombstones.status_code == 200
    assert searched.status_code == 200 and str(evidence.pk).encode() in searched.content


def test_admin_delete_action_asks_for_a_reason_and_leaves_tombstones(superuser_client, tenant):
    # given
    evidence = manual_evidence(tenant=tenant, control=active_control(tenant))
    url = reverse("admin:evidence_evidence_changelist")
    selection = {"action": "delete_with_reason", ACTION_CHECKBOX_NAME: [str(evidence.pk)]}
    # when the action is chosen, a confirmation page asks for the reason
    confirm = superuser_client.post(url, selection)
    assert confirm.status_code == 200 and b'name="reason"' in confirm.content
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    # when the reason is given
    done = superuser_client.post(url, {**selection, "confirm": "yes", "reason": "GDPR erasure request"})
    # then
    assert done.status_code == 302
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    assert EvidenceTombstone.objects.get().reason == "GDPR erasure request"


def test_evidence_endpoints_have_a_valid_openapi_schema():
    # given only this app's routes (other apps' schemas are their own tests' business)
    router = Router()
    patterns = register(router) + router.urls
    # when
    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    # then
    validate_schema(schema)
    paths = set(schema["paths"])
    assert {
        "/evidence",
        "/evidence/{id}",
        "/evidence/{id}/download",
        "/evidence/{id}/verify",
        "/evidence/upload",
        "/evidence/export",
        "/evidence/exports",
        "/evidence/exports/{id}",
        "/evidence/exports/{id}/download",
    } <= {p.rstrip("/").replace("/?", "") for p in paths}, paths
    assert (
        "multipart/form-data"
        in schema["paths"][next(p for p in paths if "upload" in p)]["post"]["requestBody"]["content"]
    )
