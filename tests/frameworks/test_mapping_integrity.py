"""Every check a connector registers serves at least one shipped control, and every mapping names a real check."""

from __future__ import annotations

import pytest
import yaml

from frameworks.catalog import CATALOG_DIR, MAPPINGS_SUBDIR
from frameworks.catalog.shipped import RATIONALE
from frameworks.models import Control, ControlCheck
from integrations.registry import all_checks

pytestmark = pytest.mark.django_db


def mapping_files() -> dict[str, dict]:
    return {
        path.name: yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for path in sorted((CATALOG_DIR / MAPPINGS_SUBDIR).glob("*.yaml"))
    }


def test_every_registered_check_maps_to_at_least_one_control(loaded_frameworks):
    # given the shipped catalogs and mappings, loaded
    mapped = set(
        ControlCheck.objects.filter(control__framework__tenant__isnull=True).values_list("check_id", flat=True)
    )
    # when listing the checks the connectors register
    registered = {check.id for check in all_checks()}
    assert registered, "no connector registers any check"
    # then none of them is left without a control to serve
    assert sorted(registered - mapped) == []


def test_every_mapping_names_a_registered_check_and_an_existing_ref(loaded_frameworks):
    # given the registry and the loaded controls
    registered = {check.id for check in all_checks()}
    refs = set(Control.objects.filter(framework__tenant__isnull=True).values_list("framework__key", "ref"))
    for file_name, mapping in mapping_files().items():
        for check_id, frameworks in mapping.items():
            # when reading each mapping entry
            # then its check exists and each ref exists in the named framework
            assert check_id in registered, (file_name, check_id)
            for framework_key, mapped_refs in frameworks.items():
                if framework_key == RATIONALE:
                    continue
                missing = [ref for ref in mapped_refs if (framework_key, ref) not in refs]
                assert not missing, (file_name, check_id, framework_key, missing)


def test_loaded_mappings_match_the_files(loaded_frameworks):
    # given the mapping files
    expected = {
        (check_id, framework_key, ref)
        for mapping in mapping_files().values()
        for check_id, frameworks in mapping.items()
        for framework_key, refs in frameworks.items()
        if framework_key != RATIONALE
        for ref in refs
    }
    # when reading the loaded ControlCheck rows
    loaded = set(
        ControlCheck.objects.filter(control__framework__tenant__isnull=True).values_list(
            "check_id", "control__framework__key", "control__ref"
        )
    )
    # then they are exactly the files' mappings
    assert loaded == expected
