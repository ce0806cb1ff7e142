"""Crosswalks: controls of two frameworks declared equivalent in data; a document filed for one counts for both."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.utils import timezone

from complywise.choices import Role
from evidence.models import Evidence
from evidence.selectors import control_documents
from frameworks.catalog import CATALOG_DIR, CatalogError, catalog_load_all
from frameworks.catalog.crosswalks import CROSSWALKS_SUBDIR, crosswalks_read
from frameworks.models import Control, ControlEquivalent, Framework, TenantFramework
from frameworks.scope import control_evidence_requirement_set
from tests.evidence.factories import manual_evidence

from .test_catalog_load import write_catalog

pytestmark = pytest.mark.django_db


def write_crosswalk(directory: Path, name: str, document: dict) -> None:
    (directory / CROSSWALKS_SUBDIR).mkdir(exist_ok=True)
    (directory / CROSSWALKS_SUBDIR / name).write_text(yaml.safe_dump(document), encoding="utf-8")


@pytest.fixture
def two_catalogs(tmp_path):
    write_catalog(
        tmp_path, "alpha", {"G": [{"ref": "A-1", "title": "Access reviews"}, {"ref": "A-2", "title": "Other"}]}
    )
    write_catalog(
        tmp_path, "beta", {"G": [{"ref": "5.18", "title": "Access rights"}, {"ref": "5.1", "title": "Policy"}]}
    )
    return tmp_path


def test_a_crosswalk_is_loaded_both_ways_and_reloading_changes_nothing(two_catalogs):
    # given a crosswalk alpha A-1 ≡ beta 5.18
    write_crosswalk(
        two_catalogs,
        "alpha-beta.yaml",
        {
            "from": "alpha",
            "to": "beta",
            "rationale": "Both ask for periodic access reviews.",
            "pairs": {"A-1": ["5.18"]},
        },
    )
    # when
    report = catalog_load_all(directory=two_catalogs)
    # then each side finds the other
    a1, b518 = Control.objects.get(ref="A-1"), Control.objects.get(ref="5.18")
    assert set(ControlEquivalent.objects.values_list("control_id", "equivalent_id")) == {
        (a1.pk, b518.pk),
        (b518.pk, a1.pk),
    }
    assert report.equivalents_added == 2
    # and a second load changes nothing; a pair dropped from the file is removed
    assert catalog_load_all(directory=two_catalogs).changed is False
    write_crosswalk(
        two_catalogs,
        "alpha-beta.yaml",
        {"from": "alpha", "to": "beta", "rationale": "Policies.", "pairs": {"A-2": ["5.1"]}},
    )
    again = catalog_load_all(directory=two_catalogs)
    assert again.equivalents_removed == 2 and ControlEquivalent.objects.count() == 2


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"from": "alpha", "to": "beta", "rationale": "x", "pairs": {"A-404": ["5.18"]}},
            "'A-404' is not a control of alpha",
        ),
        (
            {"from": "alpha", "to": "beta", "rationale": "x", "pairs": {"A-1": ["9.9"]}},
            "'9.9' is not a control of beta",
        ),
        ({"from": "alpha", "to": "beta", "pairs": {"A-1": ["5.18"]}}, "'rationale' must say"),
        ({"from": "alpha", "to": "alpha", "rationale": "x", "pairs": {"A-1": ["A-2"]}}, "two different framework keys"),
        ({"from": "alpha", "to": "beta", "rationale": "x", "pairs": {"A-1": "5.18"}}, "list of quoted refs"),
    ],
)
def test_a_bad_crosswalk_is_a_clear_error_and_writes_nothing(two_catalogs, document, message):
    write_crosswalk(two_catalogs, "bad.yaml", document)
    with pytest.raises(CatalogError, match=message):
        catalog_load_all(directory=two_catalogs)
    assert not Framework.objects.exists()


def test_a_crosswalk_to_a_framework_without_catalog_is_skipped_with_a_warning(two_catalogs):
    write_crosswalk(two_catalogs, "x.yaml", {"from": "alpha", "to": "gamma", "rationale": "x", "pairs": {"A-1": ["1"]}})
    report = catalog_load_all(directory=two_catalogs)
    assert any("no catalog file for gamma" in w for w in report.warnings)
    assert not ControlEquivalent.objects.exists()


def test_a_document_filed_for_one_control_satisfies_its_equivalent(two_catalogs, tenant, admin_client):
    # given both frameworks active, the crosswalk, and a quarterly access review required on beta 5.18
    write_crosswalk(
        two_catalogs,
        "alpha-beta.yaml",
        {"from": "alpha", "to": "beta", "rationale": "Access reviews.", "pairs": {"A-1": ["5.18"]}},
    )
    catalog_load_all(directory=two_catalogs)
    for framework in Framework.objects.all():
        TenantFramework.objects.create(tenant=tenant, framework=framework)
    a1, b518 = Control.objects.get(ref="A-1"), Control.objects.get(ref="5.18")
    control_evidence_requirement_set(tenant=tenant, control=b518, renewal_days=90, actor=None)
    assert control_documents(tenant=tenant, control_ids=[b518.pk])[b518.pk].state == "missing"
    # when the review is filed under alpha A-1 only
    doc = manual_evidence(tenant=tenant, control=a1, name="q4-access-review.txt")
    # then beta 5.18 counts it, says through which control, and applies its own renewal period
    standing = control_documents(tenant=tenant, control_ids=[b518.pk, a1.pk])
    assert standing[b518.pk].state == "fresh"
    assert standing[b518.pk].best.evidence_id == doc.pk and standing[b518.pk].best.via == "alpha A-1"
    assert standing[b518.pk].best.valid_until is not None  # 90 days from beta's requirement
    assert standing[a1.pk].best.via == "" and standing[a1.pk].best.valid_until is None
    # and when the document is older than beta's renewal period, beta says expired while alpha still counts it
    Evidence.objects.filter(pk=doc.pk).update(collected_at=timezone.now() - timedelta(days=120))
    later = control_documents(tenant=tenant, control_ids=[b518.pk, a1.pk])
    assert later[b518.pk].state == "expired" and later[a1.pk].state == "fresh"
    # and the control detail lists the equivalent, in the API and on the page
    detail = admin_client.get(f"/api/controls/{b518.pk}").json()
    assert [(e["framework_key"], e["ref"]) for e in detail["equivalents"]] == [("alpha", "A-1")]


def test_documents_of_another_tenant_never_count_through_a_crosswalk(two_catalogs, tenant, other_tenant):
    write_crosswalk(
        two_catalogs,
        "alpha-beta.yaml",
        {"from": "alpha", "to": "beta", "rationale": "Access reviews.", "pairs": {"A-1": ["5.18"]}},
    )
    catalog_load_all(directory=two_catalogs)
    for owner in (tenant, other_tenant):
        for framework in Framework.objects.all():
            TenantFramework.objects.create(tenant=owner, framework=framework)
    a1, b518 = Control.objects.get(ref="A-1"), Control.objects.get(ref="5.18")
    manual_evidence(tenant=other_tenant, control=a1)
    assert control_documents(tenant=tenant, control_ids=[b518.pk])[b518.pk].documents == []


def test_the_control_page_shows_equivalents_and_why_a_document_counts(two_catalogs, tenant, client):
    from tests.factories import MembershipFactory

    write_crosswalk(
        two_catalogs,
        "alpha-beta.yaml",
        {"from": "alpha", "to": "beta", "rationale": "Access reviews.", "pairs": {"A-1": ["5.18"]}},
    )
    catalog_load_all(directory=two_catalogs)
    for framework in Framework.objects.all():
        TenantFramework.objects.create(tenant=tenant, framework=framework)
    a1, b518 = Control.objects.get(ref="A-1"), Control.objects.get(ref="5.18")
    manual_evidence(tenant=tenant, control=a1, name="review.txt")
    client.force_login(MembershipFactory(tenant=tenant, role=Role.VIEWER).user)
    page = client.get(f"/controls/{b518.pk}/").content.decode()
    assert "Equivalent controls" in page and f'href="/controls/{a1.pk}/"' in page
    assert "filed for the equivalent alpha A-1" in page


def test_every_shipped_crosswalk_names_existing_refs_and_loads(loaded_frameworks):
    # given the shipped crosswalk files
    specs = crosswalks_read(CATALOG_DIR)
    # then the expected files ship with a defensible number of pairs each
    shipped = {spec.path.name: len(spec.pairs) for spec in specs}
    expected = {
        "soc2-iso27001.yaml": 28,
        "soc2-nist-800-53.yaml": 20,
        "iso27001-nist-800-53.yaml": 40,
        "iso27001-isms-soc2.yaml": 6,
        "nist-csf-nist-800-53.yaml": 40,
        "pci-dss-nist-800-53.yaml": 45,
    }
    assert {name: min(shipped.get(name, 0), floor) for name, floor in expected.items()} == expected, shipped
    # and each pair is loaded both ways
    for spec in specs:
        for source, target in spec.pairs:
            a = Control.objects.get(framework__tenant__isnull=True, framework__key=spec.source, ref=source)
            b = Control.objects.get(framework__tenant__isnull=True, framework__key=spec.target, ref=target)
            assert ControlEquivalent.objects.filter(control=a, equivalent=b).exists(), (spec.path.name, source, target)
            assert ControlEquivalent.objects.filter(control=b, equivalent=a).exists()
