"""`manage.py import_oscal` / framework_import_oscal: OSCAL catalogs (and profiles) as global frameworks."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from frameworks.catalog import catalog_load_all, framework_import_oscal
from frameworks.choices import FrameworkSource
from frameworks.models import Control, ControlCheck, Framework, TenantFramework
from frameworks.oscal import load_json
from tests.frameworks.factories import ControlCheckFactory, ControlFactory, FrameworkFactory, TenantFrameworkFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
CATALOG = DATA / "oscal_sample_catalog.json"
PROFILE = DATA / "oscal_sample_profile.json"
SAMPLE_REFS = {"ZZ-1", "ZZ-1(1)", "AC-1", "AC-2", "AC-2(1)", "AC-3(1)", "SC-7", "SC-7(3)", "IR-1", "IR-4"}


def run_import(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_oscal", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def controls_of(framework: Framework) -> dict[str, Control]:
    return {control.ref: control for control in framework.controls.select_related("parent")}


def test_import_catalog_creates_a_global_oscal_framework_with_labels_parents_groups_and_prose():
    # when the sample catalog is imported without options
    out, err = run_import("--catalog", str(CATALOG))
    # then a global framework keyed by the slugified title holds every non-withdrawn control
    framework = Framework.objects.get()
    assert (framework.key, framework.version, framework.name) == (
        "complywise-sample-catalog",
        "1.2.3",
        "ComplyWise Sample Catalog",
    )
    assert framework.tenant_id is None and framework.source == FrameworkSource.OSCAL
    controls = controls_of(framework)
    assert set(controls) == SAMPLE_REFS
    assert controls["AC-2(1)"].parent.ref == "AC-2"
    assert controls["AC-2(1)"].group == "AC Access Control"
    assert controls["AC-2"].title == "Account Management"
    assert controls["AC-1"].description.startswith("a. Develop and disseminate to [Assignment: organization-defined")
    assert "Guidance prose" not in controls["AC-1"].description
    # and the enhancement of a withdrawn control is kept without a parent, with a warning
    assert controls["AC-3(1)"].parent is None
    assert "parent 'AC-3' is not in the framework" in err
    assert "Created complywise-sample-catalog 1.2.3" in out and "10 controls (10 created" in out


def test_profile_narrows_the_catalog_and_reports_unknown_selections():
    # when importing the catalog through the sample profile
    _, err = run_import("--catalog", str(CATALOG), "--profile", str(PROFILE))
    # then only the selected controls are there, under the profile's title and version
    framework = Framework.objects.get()
    assert (framework.key, framework.version) == ("complywise-sample-baseline", "2024.1")
    assert set(controls_of(framework)) == {"AC-1", "AC-2", "AC-2(1)", "SC-7(3)"}
    assert "'nope-9'" in err and "'ac-2.2'" in err
    # and an enhancement whose base control is not selected has no parent
    assert controls_of(framework)["SC-7(3)"].parent is None


def test_key_name_and_version_options_win():
    # when
    run_import("--catalog", str(CATALOG), "--key", "sample", "--name", "My Sample", "--version", "9")
    # then
    assert Framework.objects.filter(key="sample", name="My Sample", version="9").exists()


def test_import_over_an_existing_framework_adds_the_text_and_keeps_mappings_and_activations(tenant):
    # given a shipped framework with summaries, a mapping, a control the import lacks, and an activation
    shipped = FrameworkFactory(key="demo", version="1", name="Demo (shipped)")
    ac2 = ControlFactory(framework=shipped, ref="AC-2", title="Account management", description="Summary.")
    ControlFactory(framework=shipped, ref="AC-1", title="Policy", description="Summary.")
    ControlFactory(framework=shipped, ref="XX-9", title="Only in the shipped file")
    ControlCheckFactory(control=ac2, check_id="aws.iam.root_mfa_enabled")
    TenantFrameworkFactory(tenant=tenant, framework=shipped)
    # when the OSCAL baseline is imported under the same key and version
    out, _ = run_import("--catalog", str(CATALOG), "--profile", str(PROFILE), "--key", "demo", "--version", "1")
    # then the same framework now carries the official text, and kept everything else
    assert Framework.objects.count() == 1
    framework = Framework.objects.get()
    assert framework.pk == shipped.pk and framework.name == "Demo (shipped)"
    assert framework.source == FrameworkSource.OSCAL
    controls = controls_of(framework)
    assert set(controls) == {"AC-1", "AC-2", "AC-2(1)", "SC-7(3)", "XX-9"}
    assert controls["AC-2"].pk == ac2.pk
    assert controls["AC-2"].title == "Account Management"
    assert controls["AC-2"].description.startswith("Disable accounts within")
    assert controls["AC-2(1)"].parent_id == ac2.pk
    assert list(ControlCheck.objects.values_list("control_id", "check_id")) == [(ac2.pk, "aws.iam.root_mfa_enabled")]
    assert TenantFramework.objects.filter(tenant=tenant, framework=framework).exists()
    assert "Updated demo 1" in out and "(2 created, 2 updated, 1 existing kept)" in out


def test_import_is_idempotent():
    # given an imported catalog
    run_import("--catalog", str(CATALOG))
    before = sorted(Control.objects.values_list("pk", "title", "description", "parent_id", "updated_at"))
    # when importing it again
    out, _ = run_import("--catalog", str(CATALOG))
    # then nothing changes
    assert "(0 created, 0 updated" in out
    assert sorted(Control.objects.values_list("pk", "title", "description", "parent_id", "updated_at")) == before


def test_load_frameworks_after_an_import_keeps_the_official_text(tmp_path):
    # given a shipped catalog (with a mapping), loaded, then enriched from OSCAL under the same key and version
    catalog = {
        "key": "demo",
        "name": "Demo",
        "version": "1",
        "groups": [
            {
                "title": "AC Access Control",
                "controls": [
                    {"ref": "AC-1", "title": "Policy", "description": "Summary one."},
                    {"ref": "AC-2", "title": "Accounts", "description": "Summary two."},
                ],
            }
        ],
    }
    (tmp_path / "demo.yaml").write_text(yaml.safe_dump(catalog), encoding="utf-8")
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "x.yaml").write_text(yaml.safe_dump({"x.check": {"demo": ["AC-2"]}}), encoding="utf-8")
    catalog_load_all(directory=tmp_path)
    framework_import_oscal(catalog=load_json(CATALOG), profile=load_json(PROFILE), key="demo", version="1")
    official = Control.objects.get(ref="AC-2").description
    # when the shipped catalogs are loaded again (as every start-up does)
    report = catalog_load_all(directory=tmp_path)
    # then the imported text stays, and the mapping is still there
    (result,) = report.frameworks
    assert result.kept_imported_text and not result.changed
    assert Control.objects.get(ref="AC-2").description == official != "Summary two."
    assert ControlCheck.objects.get().control.ref == "AC-2"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("{not json", "not OSCAL JSON"),
        (json.dumps([1, 2]), "top-level value is an array"),
        (json.dumps({"profile": {"imports": []}}), "found 'profile' instead"),
        (json.dumps({"catalog": {"metadata": {"title": "Empty"}}}), "contains no controls"),
    ],
)
def test_bad_catalog_file_is_a_command_error(tmp_path, content, message):
    # given an unusable catalog file (or none at all)
    path = tmp_path / "catalog.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    # when / then
    with pytest.raises(CommandError, match=message):
        run_import("--catalog", str(path))
    assert not Framework.objects.exists()


def test_bad_profile_and_bad_key_are_command_errors(tmp_path):
    # given a profile without imports
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({"profile": {"metadata": {"title": "P"}}}), encoding="utf-8")
    # when / then
    with pytest.raises(CommandError, match="profile has no 'imports'"):
        run_import("--catalog", str(CATALOG), "--profile", str(profile))
    with pytest.raises(CommandError, match="key 'not a slug!' must be"):
        run_import("--catalog", str(CATALOG), "--key", "not a slug!")
    assert not Framework.objects.exists()


def test_a_catalog_without_title_needs_a_key(tmp_path):
    # given a catalog with controls but no title
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({"catalog": {"controls": [{"id": "x-1", "title": "X"}]}}), encoding="utf-8")
    # when / then
    with pytest.raises(CommandError, match="cannot derive a key"):
        run_import("--catalog", str(path))
    run_import("--catalog", str(path), "--key", "untitled")
    assert Framework.objects.get().key == "untitled"
