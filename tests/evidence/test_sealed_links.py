"""Chain format 2: an upload seals every control it was linked to, so a link added later is caught, while rows
sealed in format 1 keep verifying as they were sealed."""

import pytest

from evidence.integrity import compute_chain_hash
from evidence.models import Evidence, EvidenceControlLink
from evidence.selectors import evidence_verify, tenant_evidence_verify
from tests.frameworks.factories import FrameworkFactory

from .factories import PDF_BYTES, active_control, manual_evidence

pytestmark = pytest.mark.django_db


@pytest.fixture
def controls(tenant):
    soc2 = FrameworkFactory(key="soc2-l", name="SOC 2")
    iso = FrameworkFactory(key="iso-l", name="ISO 27001")
    return {
        "cc61": active_control(tenant, framework=soc2, ref="CC6.1", title="Logical access security"),
        "cc62": active_control(tenant, framework=soc2, ref="CC6.2", title="User registration"),
        "a515": active_control(tenant, framework=iso, ref="5.15", title="Access control"),
        "a518": active_control(tenant, framework=iso, ref="5.18", title="Access rights"),
    }


@pytest.fixture
def policy(tenant, controls):
    """An access policy filed under SOC 2 CC6.1 and linked to ISO 27001 5.18 and 5.15."""
    return manual_evidence(
        tenant=tenant,
        control=controls["cc61"],
        name="access-policy.pdf",
        content=PDF_BYTES,
        control_ids=[controls["a518"].pk, controls["a515"].pk],
    )


def test_an_upload_seals_every_control_it_is_linked_to(tenant, policy):
    # then the row is sealed in format 2 with its links, sorted, the primary control among them
    policy.refresh_from_db()
    assert policy.chain_format == 2
    assert policy.sealed_links == [["iso-l", "5.15"], ["iso-l", "5.18"], ["soc2-l", "CC6.1"]]
    # and it verifies, alone and as part of the tenant's chain
    assert evidence_verify(evidence=policy).ok
    assert tenant_evidence_verify(tenant=tenant).ok


def test_a_link_added_after_the_upload_fails_verification_naming_it(tenant, controls, policy):
    # when someone with database access makes the policy also "support" CC6.2
    EvidenceControlLink.objects.create(tenant=tenant, evidence=policy, control=controls["cc62"])
    # then both verifications name it
    single = evidence_verify(evidence=Evidence.objects.get(pk=policy.pk))
    assert not single.ok and not single.chain_ok
    assert "linked to soc2-l CC6.2, which its seal does not name" in single.detail
    walk = tenant_evidence_verify(tenant=tenant)
    assert not walk.ok
    assert [b.reason for b in walk.chain_breaks] == [
        "linked to soc2-l CC6.2, which its seal does not name (link added after the upload)"
    ]


def test_editing_the_sealed_links_breaks_the_seal(tenant, controls, policy):
    # when a link is added and the sealed list itself is widened to match it
    EvidenceControlLink.objects.create(tenant=tenant, evidence=policy, control=controls["cc62"])
    Evidence.objects.filter(pk=policy.pk).update(
        sealed_links=[["iso-l", "5.15"], ["iso-l", "5.18"], ["soc2-l", "CC6.1"], ["soc2-l", "CC6.2"]]
    )
    # then the row no longer matches its chain_hash
    walk = tenant_evidence_verify(tenant=tenant)
    assert [b.reason for b in walk.chain_breaks] == ["row content does not match its chain_hash (altered)"]


def test_a_link_whose_control_a_catalog_reload_removed_still_verifies(tenant, controls, policy):
    # when ISO 27001 5.18 leaves the catalog (its links go with it)
    controls["a518"].delete()
    # then what the document supports only narrowed: nothing to report
    assert list(
        EvidenceControlLink.objects.filter(evidence=policy)
        .values_list("control__ref", flat=True)
        .order_by("control__ref")
    ) == ["5.15", "CC6.1"]
    assert evidence_verify(evidence=Evidence.objects.get(pk=policy.pk)).ok
    assert tenant_evidence_verify(tenant=tenant).ok


def test_a_link_removed_while_its_control_stands_fails_verification_naming_it(tenant, controls, policy):
    # when someone with database access quietly unlinks the policy from ISO 27001 5.18, which still exists
    EvidenceControlLink.objects.filter(evidence=policy, control=controls["a518"]).delete()
    # then both verifications name the sealed link that is missing
    reason = (
        "its seal names iso-l 5.18, which is no longer linked though the control still exists"
        " (link removed after the upload)"
    )
    single = evidence_verify(evidence=Evidence.objects.get(pk=policy.pk))
    assert not single.ok and not single.chain_ok
    assert reason in single.detail
    assert [b.reason for b in tenant_evidence_verify(tenant=tenant).chain_breaks] == [reason]


def test_a_control_of_the_same_reference_created_after_the_upload_is_not_the_sealed_one(tenant, controls, policy):
    # given ISO 27001 5.18 removed by one catalog reload (its link goes with it) and added back by a later one
    iso = controls["a518"].framework
    controls["a518"].delete()
    active_control(tenant, framework=iso, ref="5.18", title="Access rights")
    # then the new 5.18 was never linked to the upload: nothing was removed behind the seal's back
    assert evidence_verify(evidence=Evidence.objects.get(pk=policy.pk)).ok
    assert tenant_evidence_verify(tenant=tenant).ok


def test_a_row_sealed_in_format_1_keeps_verifying_as_it_was_sealed(tenant, controls, policy):
    # given the policy as a row sealed before format 2 (no links in its seal), the only row of the chain
    row = Evidence.objects.get(pk=policy.pk)
    row.chain_format, row.sealed_links = 1, []
    Evidence.objects.filter(pk=row.pk).update(
        chain_format=1, sealed_links=[], chain_hash=compute_chain_hash(row.previous_hash, row)
    )
    # then it verifies, and its links (recorded only in its upload's audit event) are not held against it
    EvidenceControlLink.objects.create(tenant=tenant, evidence=row, control=controls["cc62"])
    assert evidence_verify(evidence=Evidence.objects.get(pk=policy.pk)).ok
    assert tenant_evidence_verify(tenant=tenant).ok
    # and a row sealed after it is sealed in format 2, chained to it
    newer = manual_evidence(tenant=tenant, control=controls["cc62"], name="registration.pdf", content=PDF_BYTES)
    assert (newer.chain_format, newer.sequence) == (2, 2)
    assert tenant_evidence_verify(tenant=tenant).ok
