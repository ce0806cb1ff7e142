"""The shipped framework catalogs and the AWS check mapping are well-formed data files.

Pure tests: PyYAML + pytest only, no Django, no database; they read only files inside the repository.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from frameworks.naturalsort import natural_key

REPO = Path(__file__).resolve().parents[2]
CATALOGS = REPO / "frameworks" / "catalogs"
AWS_MAPPING = CATALOGS / "mappings" / "aws.yaml"
AWS_CHECKS_DOC = REPO / "docs" / "aws-checks.md"

EXPECTED_COUNTS = {
    "soc2": 61,
    "iso27001-2022": 93,
    "cis-aws": 62,
    "cis-aws-7": 70,
    "iso27001-2022-isms": 34,
    "pci-dss-4": 313,
    "nist-csf-2": 128,
    "cis-controls-8": 171,
    "nist-800-53-r5-moderate": 287,
    "hipaa-security": 65,
}
CATALOG_KEYS = sorted(EXPECTED_COUNTS)


def load_catalog(key: str) -> dict:
    return yaml.safe_load((CATALOGS / f"{key}.yaml").read_text(encoding="utf-8"))


def controls_of(catalog: dict) -> list[dict]:
    return [control for group in catalog["groups"] for control in group["controls"]]


def refs_of(key: str) -> set[str]:
    return {control["ref"] for control in controls_of(load_catalog(key))}


def documented_checks() -> dict[str, str]:
    """Check id -> CIS column ("-" when none), parsed from the table in docs/aws-checks.md."""
    rows = {}
    for line in AWS_CHECKS_DOC.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and re.fullmatch(r"aws\.[a-z0-9_]+(\.[a-z0-9_]+)+", cells[0]):
            rows[cells[0]] = cells[1]
    return rows


def test_every_expected_catalog_file_is_shipped():
    # given the catalogs directory
    # when listing its YAML files
    shipped = sorted(path.stem for path in CATALOGS.glob("*.yaml"))
    # then exactly the expected frameworks are there
    assert shipped == CATALOG_KEYS


@pytest.mark.parametrize("key", CATALOG_KEYS)
def test_catalog_has_metadata_and_exact_control_count(key):
    # given a shipped catalog file
    # when it is parsed
    catalog = load_catalog(key)
    # then it carries its key (= file name), the metadata fields and the expected number of controls
    assert catalog["key"] == key
    for field in ("name", "version", "description", "source"):
        assert isinstance(catalog[field], str) and catalog[field].strip(), field
    assert len(catalog["version"]) <= 50
    assert isinstance(catalog["groups"], list) and catalog["groups"]
    assert len(controls_of(catalog)) == EXPECTED_COUNTS[key]


@pytest.mark.parametrize("key", CATALOG_KEYS)
def test_groups_and_controls_are_well_formed(key):
    # given a parsed catalog
    catalog = load_catalog(key)
    # when walking its groups and controls
    group_titles = [group["title"] for group in catalog["groups"]]
    # then every group has a unique title and at least one control,
    assert len(group_titles) == len(set(group_titles))
    for group in catalog["groups"]:
        assert group["title"].strip() and len(group["title"]) <= 200
        assert group["controls"], group["title"]
        # and every control has a ref, a short title and a one-line description, and nothing else
        for control in group["controls"]:
            assert set(control) <= {"ref", "title", "description", "parent", "attributes"}, control
            assert isinstance(control["ref"], str) and control["ref"] == control["ref"].strip()
            assert 0 < len(control["ref"]) <= 64
            assert control["title"].strip() and len(control["title"]) <= 500
            assert control["description"].strip() and "\n" not in control["description"]


@pytest.mark.parametrize("key", CATALOG_KEYS)
def test_refs_are_unique(key):
    # given a parsed catalog
    refs = [control["ref"] for control in controls_of(load_catalog(key))]
    # when comparing refs and their natural sort keys
    sort_keys = [natural_key(ref) for ref in refs]
    # then no ref (nor its sort key) occurs twice
    assert len(refs) == len(set(refs))
    assert len(sort_keys) == len(set(sort_keys))


@pytest.mark.parametrize("key", CATALOG_KEYS)
def test_parents_exist_earlier_in_the_same_file(key):
    # given a parsed catalog
    controls = controls_of(load_catalog(key))
    seen: set[str] = set()
    for control in controls:
        # when a control names a parent
        if "parent" in control:
            # then the parent is a top-level control listed before it and is a prefix of its ref
            assert control["parent"] in seen, control["ref"]
            assert control["ref"].startswith(control["parent"]) or key == "hipaa-security", control["ref"]
        seen.add(control["ref"])
    parents = {control["ref"]: control.get("parent") for control in controls}
    # PCI DSS nests deeper (12.5.2.1 under 12.5.2 under 12.5); elsewhere a parent is a top-level control
    assert all(parents[parent] is None for parent in parents.values() if parent) or key == "pci-dss-4"


@pytest.mark.parametrize("key", CATALOG_KEYS)
def test_controls_are_in_natural_order_within_each_group(key):
    # given a parsed catalog
    for group in load_catalog(key)["groups"]:
        # when taking the natural sort key of each ref in the group
        keys = [natural_key(control["ref"]) for control in group["controls"]]
        # then the keys never decrease (uniqueness is checked separately)
        assert keys == sorted(keys), group["title"]


def test_soc2_has_all_common_and_additional_criteria():
    # given the SOC 2 catalog
    refs = refs_of("soc2")
    # when building the list of criteria the TSC define
    common = {"CC1": 5, "CC2": 3, "CC3": 4, "CC4": 2, "CC5": 3, "CC6": 8, "CC7": 5, "CC8": 1, "CC9": 2}
    additional = {"A1": 3, "C1": 2, "PI1": 5, "P1": 1, "P2": 1, "P3": 2, "P4": 3, "P5": 2, "P6": 7, "P7": 1, "P8": 1}
    expected = {f"{series}.{n}" for series, count in {**common, **additional}.items() for n in range(1, count + 1)}
    # then the catalog holds exactly those
    assert refs == expected
    assert len(expected) == 61


def test_iso27001_annex_a_themes():
    # given the ISO/IEC 27001:2022 catalog
    catalog = load_catalog("iso27001-2022")
    # when reading its themes
    themes = {group["title"]: [c["ref"] for c in group["controls"]] for group in catalog["groups"]}
    # then it has the four Annex A themes with 37, 8, 14 and 34 controls numbered from 1
    expected = {
        "5 Organizational controls": 37,
        "6 People controls": 8,
        "7 Physical controls": 14,
        "8 Technological controls": 34,
    }
    assert list(themes) == list(expected)
    for title, count in expected.items():
        theme = title.split()[0]
        assert themes[title] == [f"{theme}.{n}" for n in range(1, count + 1)]


def test_cis_aws_is_version_3_and_grouped_by_section():
    # given the CIS AWS Foundations catalog
    catalog = load_catalog("cis-aws")
    # when reading its version and groups
    # then it is v3.0.0 and every ref sits in the group of its section
    assert catalog["version"] == "3.0.0"
    for group in catalog["groups"]:
        section = group["title"].split()[0]
        for control in group["controls"]:
            assert control["ref"].startswith(section + "."), (group["title"], control["ref"])


def test_nist_moderate_groups_are_control_families():
    # given the NIST 800-53 r5 moderate catalog
    catalog = load_catalog("nist-800-53-r5-moderate")
    # when reading its groups
    assert catalog["version"] == "5.1.1"
    # then each group is a family ("AC Access Control") holding only refs of that family
    for group in catalog["groups"]:
        family = group["title"].split()[0]
        assert re.fullmatch(r"[A-Z]{2}", family), group["title"]
        for control in group["controls"]:
            assert re.fullmatch(rf"{family}-\d+(\(\d+\))?", control["ref"]), control["ref"]
            # and enhancements (with a parenthesised number) always name their base control
            is_enhancement = "(" in control["ref"]
            assert is_enhancement == ("parent" in control), control["ref"]


def test_hipaa_implementation_specifications_have_a_standard():
    # given the HIPAA Security Rule catalog
    catalog = load_catalog("hipaa-security")
    # when reading its refs
    # then every ref is a section of 45 CFR 164.308-164.316, grouped by section
    for group in catalog["groups"]:
        section = group["title"].split()[0]
        assert section in {"164.308", "164.310", "164.312", "164.314", "164.316"}
        for control in group["controls"]:
            assert control["ref"].startswith(section + "("), control["ref"]
            if "parent" in control:
                assert control["parent"].startswith(section + "(")


def test_mapping_names_only_known_frameworks_and_existing_refs():
    # given the AWS check mapping and every catalog's refs
    mapping = yaml.safe_load(AWS_MAPPING.read_text(encoding="utf-8"))
    catalog_refs = {key: refs_of(key) for key in CATALOG_KEYS}
    assert isinstance(mapping, dict) and mapping
    for check_id, frameworks in mapping.items():
        # when looking at each check's framework keys and refs
        assert re.fullmatch(r"aws\.[a-z0-9_]+(\.[a-z0-9_]+)+", check_id), check_id
        assert isinstance(frameworks, dict) and frameworks, check_id
        for framework_key, refs in frameworks.items():
            if framework_key == "rationale":
                continue  # the one-line reason beside the frameworks (tests/frameworks/test_mapping_review.py)
            # then the framework exists and every ref exists in that framework's catalog, once
            assert framework_key in catalog_refs, (check_id, framework_key)
            assert isinstance(refs, list) and refs, (check_id, framework_key)
            assert all(isinstance(ref, str) for ref in refs), (check_id, framework_key)
            assert len(refs) == len(set(refs)), (check_id, framework_key)
            missing = set(refs) - catalog_refs[framework_key]
            assert not missing, (check_id, framework_key, missing)


def test_every_documented_check_is_mapped_with_its_cis_ref():
    # given the checks table in docs/aws-checks.md and the mapping file
    documented = documented_checks()
    mapping = yaml.safe_load(AWS_MAPPING.read_text(encoding="utf-8"))
    assert len(documented) >= 60
    for check_id, cis_column in documented.items():
        # when looking the documented check up in the mapping
        # then it is mapped, and its CIS refs are exactly the ones in the CIS column
        assert check_id in mapping, check_id
        expected_cis = [] if cis_column in {"", "-"} else [ref.strip() for ref in cis_column.split(",")]
        assert mapping[check_id].get("cis-aws", []) == expected_cis, check_id


def test_every_documented_check_maps_to_every_non_cis_framework():
    # given the documented checks and the mapping
    mapping = yaml.safe_load(AWS_MAPPING.read_text(encoding="utf-8"))
    # when reading which frameworks each check serves
    # then each documented check serves at least one control of every broad control framework (the CIS benchmarks
    # and the ISMS clauses are not served by every check; newer catalogs are mapped in files of their own)
    broad = {"soc2", "iso27001-2022", "nist-800-53-r5-moderate", "hipaa-security"}
    for check_id in documented_checks():
        missing = broad - set(mapping[check_id])
        assert not missing, (check_id, missing)
