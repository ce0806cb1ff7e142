"""catalog_load_all / `manage.py load_frameworks`: shipped catalogs become global frameworks, idempotently."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complywise import services as core_services
from frameworks.catalog import CATALOG_DIR, CatalogError, catalog_load_all
from frameworks.choices import FrameworkSource
from frameworks.models import Control, ControlCheck, Framework, TenantFramework
from tests.frameworks.factories import TenantFrameworkFactory

pytestmark = pytest.mark.django_db

SHIPPED_COUNTS = {"soc2": 61, "iso27001-2022": 93, "cis-aws": 62, "nist-800-53-r5-moderate": 287, "hipaa-security": 65}


def yaml_control_counts() -> dict[str, int]:
    counts = {}
    for path in sorted(CATALOG_DIR.glob("*.yaml")):
        catalog = yaml.safe_load(path.read_text(encoding="utf-8"))
        counts[catalog["key"]] = sum(len(group["controls"]) for group in catalog["groups"])
    return counts


def write_catalog(directory: Path, stem: str, groups: dict[str, list[dict]], version: str = "1.0", **extra) -> Path:
    """Write `<stem>.yaml` (key = stem unless ``extra`` overrides it); ``groups`` maps title -> controls."""
    document = {
        "key": stem,
        "name": f"{stem} name",
        "version": version,
        "description": "A test catalog.",
        "source": "Test publisher",
        **extra,
        "groups": [{"title": title, "controls": controls} for title, controls in groups.items()],
    }
    path = directory / f"{stem}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def write_mapping(directory: Path, mapping: dict, name: str = "test.yaml") -> Path:
    (directory / "mappings").mkdir(exist_ok=True)
    path = directory / "mappings" / name
    path.write_text(yaml.safe_dump(mapping), encoding="utf-8")
    return path


def snapshot() -> dict:
    """Everything a reload could change, by primary key."""
    return {
        "frameworks": sorted(
            Framework.objects.values_list("pk", "key", "version", "name", "description", "updated_at")
        ),
        "controls": sorted(
            Control.objects.values_list(
                "pk", "framework_id", "ref", "title", "description", "group", "parent_id", "sort_key", "updated_at"
            )
        ),
        "mappings": sorted(ControlCheck.objects.values_list("pk", "control_id", "check_id")),
        "activations": sorted(TenantFramework.objects.values_list("pk", "tenant_id", "framework_id")),
    }


# --------------------------------------------------------------------------- the shipped catalogs


def test_load_on_empty_database_creates_every_shipped_framework_with_its_controls():
    # given an empty database
    assert not Framework.objects.exists()
    # when the shipped catalogs are loaded
    report = catalog_load_all()
    # then each file became one global, shipped framework with exactly the controls of the file
    expected = yaml_control_counts()
    assert {"soc2", "iso27001-2022", "cis-aws", "nist-800-53-r5-moderate"} <= set(expected)
    for key in set(SHIPPED_COUNTS) & set(expected):  # hipaa-security: when shipped
        assert expected[key] == SHIPPED_COUNTS[key], key
    for key, count in expected.items():
        framework = Framework.objects.get(key=key)
        assert framework.tenant_id is None
        assert framework.source == FrameworkSource.SHIPPED
        assert framework.publisher
        assert framework.controls.count() == count, key
    assert {result.key for result in report.frameworks} == set(expected)
    assert all(result.created and result.controls_created == expected[result.key] for result in report.frameworks)
    assert ControlCheck.objects.exists()


def test_load_keeps_groups_parents_and_natural_sort_keys():
    # when
    catalog_load_all()
    # then enhancements point at their base control, and every control sits under its section heading
    enhancement = Control.objects.select_related("parent").get(framework__key="nist-800-53-r5-moderate", ref="AC-2(1)")
    assert enhancement.parent.ref == "AC-2"
    assert enhancement.group == "AC Access Control"
    assert Control.objects.get(framework__key="soc2", ref="CC6.1").group.startswith("CC6")
    nist = list(
        Control.objects.filter(framework__key="nist-800-53-r5-moderate", ref__in=["AC-3", "AC-2(1)", "AC-2", "AC-20"])
        .order_by("sort_key")
        .values_list("ref", flat=True)
    )
    assert nist == ["AC-2", "AC-2(1)", "AC-3", "AC-20"]


def test_second_load_changes_nothing_and_keeps_activations(tenant):
    # given loaded catalogs, one activated by a tenant
    catalog_load_all()
    TenantFrameworkFactory(tenant=tenant, framework=Framework.objects.get(key="cis-aws"))
    before = snapshot()
    # when loading again
    report = catalog_load_all()
    # then no row is created, changed or removed
    assert not report.changed
    assert all(not result.created for result in report.frameworks)
    assert snapshot() == before
    assert Framework.objects.count() == len(yaml_control_counts())


def test_load_is_a_bounded_number_of_bulk_queries():
    # given an empty database; when loading every shipped catalog and its mappings
    with CaptureQueriesContext(connection) as first:
        catalog_load_all()
    # then a handful of queries per framework, plus one per batch of rows inserted in bulk (SQLite takes at most 999
    # parameters in a statement, so a batch there is about 200 rows): never a query per control or mapping
    frameworks = len(yaml_control_counts())
    rows = Control.objects.count() + ControlCheck.objects.count()
    assert rows > 5_000
    assert len(first) <= 10 * frameworks + rows // 150
    # and loading them again unchanged needs no insert at all
    with CaptureQueriesContext(connection) as again:
        catalog_load_all()
    assert len(again) <= 5 * frameworks


# --------------------------------------------------------------------------- changes to the files


def test_reload_applies_edits_removes_dropped_controls_and_syncs_mappings(tmp_path, tenant):
    # given a small catalog with mappings, loaded and activated
    write_catalog(
        tmp_path,
        "demo",
        {
            "A Access": [
                {"ref": "A-1", "title": "One", "description": "First."},
                {"ref": "A-2", "title": "Two", "description": "Second."},
                {"ref": "A-2(1)", "title": "Two one", "parent": "A-2", "description": "Enhancement."},
            ]
        },
    )
    write_mapping(tmp_path, {"x.check.one": {"demo": ["A-1"]}, "x.check.two": {"demo": ["A-2", "A-2(1)"]}})
    catalog_load_all(directory=tmp_path)
    framework = Framework.objects.get(key="demo")
    TenantFrameworkFactory(tenant=tenant, framework=framework)
    kept_id = Control.objects.get(framework=framework, ref="A-1").pk

    # when the file drops A-2, renames A-1, moves A-2(1) under A-1, adds A-3 and remaps the checks
    write_catalog(
        tmp_path,
        "demo",
        {
            "A Access": [
                {"ref": "A-1", "title": "One, renamed", "description": "First."},
                {"ref": "A-1(1)", "title": "One one", "parent": "A-1", "description": "New enhancement."},
                {"ref": "A-3", "title": "Three", "description": "Third."},
            ],
            "B Other": [{"ref": "B-1", "title": "Bee", "description": "Elsewhere."}],
        },
    )
    write_mapping(tmp_path, {"x.check.one": {"demo": ["A-3"]}, "x.check.two": {"demo": ["A-1", "B-1"]}})
    report = catalog_load_all(directory=tmp_path)

    # then the framework and the kept control keep their ids, and the report says what changed
    (result,) = report.frameworks
    assert not result.created
    assert (result.controls_created, result.controls_updated) == (3, 1)
    assert result.controls_removed == ["A-2", "A-2(1)"]
    assert (result.mappings_added, result.mappings_removed) == (3, 3)
    assert Framework.objects.get(key="demo").pk == framework.pk
    controls = {c.ref: c for c in Control.objects.filter(framework=framework).select_related("parent")}
    assert set(controls) == {"A-1", "A-1(1)", "A-3", "B-1"}
    assert controls["A-1"].pk == kept_id and controls["A-1"].title == "One, renamed"
    assert controls["A-1(1)"].parent.ref == "A-1"
    assert controls["B-1"].group == "B Other"
    mapped = set(ControlCheck.objects.values_list("check_id", "control__ref"))
    assert mapped == {("x.check.one", "A-3"), ("x.check.two", "A-1"), ("x.check.two", "B-1")}
    # and the tenant's activation survives
    assert TenantFramework.objects.filter(tenant=tenant, framework=framework).exists()
    # and ids no connector registers are reported, not silently accepted
    assert any("x.check.one" in warning for warning in report.warnings)


def test_a_new_version_is_a_new_framework_and_the_old_one_is_kept(tmp_path):
    # given version 1 loaded
    write_catalog(tmp_path, "demo", {"G": [{"ref": "A-1", "title": "One"}]}, version="1")
    catalog_load_all(directory=tmp_path)
    # when the file moves to version 2
    write_catalog(tmp_path, "demo", {"G": [{"ref": "A-1", "title": "One"}]}, version="2")
    catalog_load_all(directory=tmp_path)
    # then both versions exist side by side
    assert sorted(Framework.objects.filter(key="demo").values_list("version", flat=True)) == ["1", "2"]


def test_mapping_to_a_framework_without_a_catalog_is_skipped_with_a_warning(tmp_path):
    # given a mapping naming a framework whose catalog is not in the directory
    write_catalog(tmp_path, "demo", {"G": [{"ref": "A-1", "title": "One"}]})
    write_mapping(tmp_path, {"x.check": {"demo": ["A-1"], "elsewhere": ["Z-9"]}})
    # when
    report = catalog_load_all(directory=tmp_path)
    # then the known part is loaded and the rest is reported
    assert ControlCheck.objects.get().control.ref == "A-1"
    assert any("'elsewhere'" in warning and "test.yaml" in warning for warning in report.warnings)


# --------------------------------------------------------------------------- bad data files


@pytest.mark.parametrize(
    ("controls", "extra", "expected"),
    [
        ([{"ref": "A-1", "title": "One"}, {"ref": "A-1", "title": "Again"}], {}, "control 'A-1': ref is listed twice"),
        ([{"ref": "A-2", "title": "Two", "parent": "A-9"}], {}, "control 'A-2': parent 'A-9' is not a control"),
        ([{"ref": "A-3", "description": "No title"}], {}, "control 'A-3': 'title' is missing"),
        ([{"ref": 1.4, "title": "Unquoted"}], {}, "'ref' must be a string (quote it)"),
        ([{"ref": "A-4", "title": "Typo", "parnet": "A-1"}], {}, "control 'A-4': unknown field(s) parnet"),
        ([{"ref": "A-5", "title": "x" * 501}], {}, "control 'A-5': 'title' is longer than 500"),
        ([{"ref": ".".join(["1"] * 30), "title": "Deep"}], {}, "ref has too many numbers"),
        ([{"ref": "A-6", "title": "Six"}], {"key": "other"}, "key 'other' must equal the file name 'demo'"),
        ([{"ref": "A-7", "title": "Seven"}], {"version": 3.1}, "'version' must be a string (quote it)"),
    ],
)
def test_a_bad_catalog_file_is_a_clear_error_naming_file_and_ref(tmp_path, controls, extra, expected):
    # given a catalog file with one mistake, next to a good one
    write_catalog(tmp_path, "good", {"G": [{"ref": "G-1", "title": "Fine"}]})
    write_catalog(tmp_path, "demo", {"G": controls}, **extra)
    # when loading the directory
    with pytest.raises(CatalogError) as error:
        catalog_load_all(directory=tmp_path)
    # then the error names the file and what is wrong, and nothing was written
    assert "demo.yaml" in str(error.value)
    assert expected in str(error.value)
    assert not Framework.objects.exists()


def test_a_mapping_to_a_missing_ref_is_a_clear_error(tmp_path):
    # given a mapping naming a ref that the catalog does not have
    write_catalog(tmp_path, "demo", {"G": [{"ref": "A-1", "title": "One"}]})
    write_mapping(tmp_path, {"x.check": {"demo": ["A-1", "A-404"]}}, name="aws.yaml")
    # when
    with pytest.raises(CatalogError) as error:
        catalog_load_all(directory=tmp_path)
    # then
    message = str(error.value)
    assert "mappings/aws.yaml" in message and "x.check" in message and "'A-404'" in message
    assert not Framework.objects.exists()


def test_a_check_mapped_to_one_framework_in_two_files_is_an_error(tmp_path):
    # given two mapping files mapping the same check to the same framework
    write_catalog(tmp_path, "demo", {"G": [{"ref": "A-1", "title": "One"}]})
    write_mapping(tmp_path, {"x.check": {"demo": ["A-1"]}}, name="a.yaml")
    write_mapping(tmp_path, {"x.check": {"demo": ["A-1"]}}, name="b.yaml")
    # when / then
    with pytest.raises(
        CatalogError, match=r"mappings/b.yaml: check 'x.check': 'demo' is also mapped in mappings/a.yaml"
    ):
        catalog_load_all(directory=tmp_path)


def test_a_check_may_map_to_different_frameworks_in_different_files(tmp_path):
    # given one file per catalog (a newer catalog's mappings beside the provider's), each with a rationale
    write_catalog(tmp_path, "demo", {"G": [{"ref": "A-1", "title": "One"}]})
    write_catalog(tmp_path, "newer", {"G": [{"ref": "N-1", "title": "New one"}]})
    write_mapping(tmp_path, {"x.check": {"rationale": "Checks the thing A-1 asks.", "demo": ["A-1"]}}, name="a.yaml")
    write_mapping(tmp_path, {"x.check": {"rationale": "Same for N-1.", "newer": ["N-1"]}}, name="b.yaml")
    # when
    catalog_load_all(directory=tmp_path)
    # then the check serves both controls
    assert set(ControlCheck.objects.filter(check_id="x.check").values_list("control__ref", flat=True)) == {"A-1", "N-1"}


def test_a_rationale_must_be_text(tmp_path):
    write_catalog(tmp_path, "demo", {"G": [{"ref": "A-1", "title": "One"}]})
    write_mapping(tmp_path, {"x.check": {"rationale": ["no"], "demo": ["A-1"]}}, name="a.yaml")
    with pytest.raises(CatalogError, match="'rationale' must be one line of text"):
        catalog_load_all(directory=tmp_path)


def test_control_attributes_are_loaded_and_validated(tmp_path):
    # given a control with the attributes customers filter on
    controls = [{"ref": "1.1", "title": "One", "attributes": {"level": 1, "assessment": "automated", "ig1": True}}]
    write_catalog(tmp_path, "demo", {"G": controls})
    # when
    catalog_load_all(directory=tmp_path)
    # then
    assert Control.objects.get(ref="1.1").attributes == {"level": 1, "assessment": "automated", "ig1": True}
    # and a nested value is refused, naming the control
    write_catalog(tmp_path, "demo", {"G": [{"ref": "1.1", "title": "One", "attributes": {"level": {"x": 1}}}]})
    with pytest.raises(CatalogError, match=r"control '1\.1': attribute 'level' must be"):
        catalog_load_all(directory=tmp_path)


def test_invalid_yaml_and_empty_directory_are_errors(tmp_path):
    # given a directory without catalogs
    with pytest.raises(CatalogError, match="no catalog files"):
        catalog_load_all(directory=tmp_path)
    # and a file that is not YAML
    (tmp_path / "broken.yaml").write_text("key: [unclosed", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"broken.yaml: not valid YAML"):
        catalog_load_all(directory=tmp_path)


# --------------------------------------------------------------------------- the command


def test_load_frameworks_command_reports_per_framework():
    # when the command runs twice
    first, second = StringIO(), StringIO()
    call_command("load_frameworks", stdout=first, stderr=StringIO())
    call_command("load_frameworks", stdout=second, stderr=StringIO())
    # then the first run reports creations with counts and the second reports nothing to do
    assert "soc2 " in first.getvalue()
    assert (
        "nist-800-53-r5-moderate 5.1.1: created; 287 controls (287 created, 0 updated, 0 removed)" in first.getvalue()
    )
    assert "mappings 0 added" not in first.getvalue().split("nist-800-53-r5-moderate")[1].splitlines()[0]
    assert second.getvalue().count(": unchanged;") == len(yaml_control_counts())


def test_load_frameworks_command_with_dir_and_removals(tmp_path):
    # given a directory catalog loaded once, then shrunk
    write_catalog(tmp_path, "demo", {"G": [{"ref": "A-1", "title": "One"}, {"ref": "A-2", "title": "Two"}]})
    call_command("load_frameworks", "--dir", str(tmp_path), stdout=StringIO())
    write_catalog(tmp_path, "demo", {"G": [{"ref": "A-1", "title": "One"}]})
    out = StringIO()
    # when
    call_command("load_frameworks", "--dir", str(tmp_path), stdout=out)
    # then the removal is reported by ref
    assert "demo 1.0: updated; 1 controls (0 created, 0 updated, 1 removed)" in out.getvalue()
    assert "removed controls: A-2" in out.getvalue()


def test_load_frameworks_command_turns_bad_data_into_command_error(tmp_path):
    # given a bad catalog
    write_catalog(tmp_path, "demo", {"G": [{"ref": "A-1"}]})
    # when / then
    with pytest.raises(CommandError, match=r"demo.yaml: control 'A-1': 'title' is missing"):
        call_command("load_frameworks", "--dir", str(tmp_path))


# --------------------------------------------------------------------------- new tenants


def test_a_new_tenant_starts_with_the_default_frameworks_active(settings):
    # given loaded catalogs and the default frameworks setting
    catalog_load_all()
    settings.DEFAULT_TENANT_FRAMEWORKS = ["soc2", "iso27001-2022", "no-such-framework"]
    # when a tenant is created
    tenant, created = core_services.tenant_create(name="Initech", slug="initech")
    # then exactly the existing default frameworks are active for it
    assert created
    active = set(TenantFramework.objects.for_tenant(tenant).values_list("framework__key", flat=True))
    assert active == {"soc2", "iso27001-2022"}
