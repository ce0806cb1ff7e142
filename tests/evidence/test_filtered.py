"""evidence.selectors.evidence_filtered: the one filter behind the API list and the register page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from evidence import services
from evidence.models import Evidence
from evidence.selectors import evidence_filtered

from .factories import active_control, auto_items, manual_evidence, scan_job

pytestmark = pytest.mark.django_db


def pks(queryset) -> set:
    return set(queryset.values_list("pk", flat=True))


def test_a_control_matches_the_artifacts_own_control_or_any_linked_one(tenant, other_tenant):
    # given a document on CC6.1 also linked to AC-1, a document on AC-1, and another tenant's document on CC6.1
    soc, nist = active_control(tenant, ref="CC6.1"), active_control(tenant, ref="AC-1")
    linked = manual_evidence(tenant=tenant, control=soc, control_ids=[nist.pk])
    only_nist = manual_evidence(tenant=tenant, control=nist)
    manual_evidence(tenant=other_tenant, control=active_control(other_tenant, framework=soc.framework))
    # when / then: by id, by ref (any case), and by the framework of a supported control
    assert pks(evidence_filtered(tenant=tenant, control_id=nist.pk)) == {linked.pk, only_nist.pk}
    assert pks(evidence_filtered(tenant=tenant, control_ref=" ac-1 ")) == {linked.pk, only_nist.pk}
    assert pks(evidence_filtered(tenant=tenant, control_framework_id=nist.framework_id)) == {linked.pk, only_nist.pk}
    # the artifact's own framework is its primary control's
    assert pks(evidence_filtered(tenant=tenant, framework_id=nist.framework_id)) == {only_nist.pk}
    # ref and framework must describe the same supported control
    assert pks(evidence_filtered(tenant=tenant, control_ref="AC-1", control_framework_id=soc.framework_id)) == set()
    assert pks(evidence_filtered(tenant=tenant, control_ref="CC6.1", control_framework_id=soc.framework_id)) == {
        linked.pk
    }


def test_type_scan_and_creation_window(tenant):
    # given a document created ten days ago and a scan artifact of today
    control = active_control(tenant)
    document = manual_evidence(tenant=tenant, control=control)
    Evidence.objects.filter(pk=document.pk).update(created_at=timezone.now() - timedelta(days=10))
    job = scan_job(tenant)
    (artifact,) = services.evidence_store_auto_batch(
        tenant=tenant, scan_job=job, items=auto_items([control]), collected_at=timezone.now()
    )
    week_ago = timezone.now() - timedelta(days=7)
    # when / then
    assert pks(evidence_filtered(tenant=tenant, evidence_type="manual")) == {document.pk}
    assert pks(evidence_filtered(tenant=tenant, scan_job_id=job.pk)) == {artifact.pk}
    assert pks(evidence_filtered(tenant=tenant, created_before=week_ago)) == {document.pk}
    assert pks(evidence_filtered(tenant=tenant, created_after=week_ago)) == {artifact.pk}
    # a given queryset is narrowed, still to the tenant
    assert pks(evidence_filtered(tenant=tenant, queryset=Evidence.objects.filter(type="auto"))) == {artifact.pk}
