"""PCI DSS v4.0.1, NIST CSF 2.0 and CIS Controls v8.1: refs counted against fact lists, mappings with reasons."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from frameworks.catalog import catalog_load_all
from frameworks.models import Control, ControlCheck, Framework
from integrations.registry import all_checks

REPO = Path(__file__).resolve().parents[2]
CATALOGS = REPO / "frameworks" / "catalogs"
MAPPINGS = CATALOGS / "mappings"

NEW_FRAMEWORKS = {"pci-dss": "pci-dss-4", "nist-csf": "nist-csf-2", "cis-controls": "cis-controls-8"}
PROVIDERS = ("aws", "github", "host", "postgres")

PCI_REQUIREMENTS = [
    "1 Install and Maintain Network Security Controls",
    "2 Apply Secure Configurations to All System Components",
    "3 Protect Stored Account Data",
    "4 Protect Cardholder Data with Strong Cryptography During Transmission Over Open, Public Networks",
    "5 Protect All Systems and Networks from Malicious Software",
    "6 Develop and Maintain Secure Systems and Software",
    "7 Restrict Access to System Components and Cardholder Data by Business Need to Know",
    "8 Identify Users and Authenticate Access to System Components",
    "9 Restrict Physical Access to Cardholder Data",
    "10 Log and Monitor All Access to System Components and Cardholder Data",
    "11 Test Security of Systems and Networks Regularly",
    "12 Support Information Security with Organizational Policies and Programs",
]
# Number of x.y sub-requirements under each principal requirement.
PCI_SECTIONS = {1: 5, 2: 3, 3: 7, 4: 2, 5: 4, 6: 5, 7: 3, 8: 6, 9: 5, 10: 7, 11: 6, 12: 10}
# Requirements below x.y.z in v4.0.1 (x.y.z.w, and the one five-part ref 9.5.1.2.1).
PCI_DEEP_REFS = {
    "3.3.1.1", "3.3.1.2", "3.3.1.3", "3.5.1.1", "3.5.1.2", "3.5.1.3",
    "3.6.1.1", "3.6.1.2", "3.6.1.3", "3.6.1.4", "4.2.1.1", "4.2.1.2",
    "5.2.3.1", "5.3.2.1", "6.2.3.1", "7.2.5.1", "8.3.10.1",
    "9.2.1.1", "9.3.1.1", "9.4.1.1", "9.4.1.2", "9.4.5.1", "9.5.1.1", "9.5.1.2", "9.5.1.2.1", "9.5.1.3",
    "10.2.1.1", "10.2.1.2", "10.2.1.3", "10.2.1.4", "10.2.1.5", "10.2.1.6", "10.2.1.7",
    "10.4.1.1", "10.4.2.1", "11.3.1.1", "11.3.1.2", "11.3.1.3", "11.3.2.1", "11.5.1.1",
    "12.4.2.1", "12.5.2.1", "12.6.3.1", "12.6.3.2", "12.10.4.1",
}  # fmt: skip
PCI_TOTAL = 313  # 63 x.y + 205 x.y.z + 45 deeper

CSF_FUNCTIONS = ["GV Govern", "ID Identify", "PR Protect", "DE Detect", "RS Respond", "RC Recover"]
# Category -> subcategory numbers (withdrawn numbers such as ID.AM-06 or PR.DS-03 are absent in 2.0).
CSF_SUBCATEGORIES = {
    "GV.OC": [1, 2, 3, 4, 5],
    "GV.RM": [1, 2, 3, 4, 5, 6, 7],
    "GV.RR": [1, 2, 3, 4],
    "GV.PO": [1, 2],
    "GV.OV": [1, 2, 3],
    "GV.SC": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    "ID.AM": [1, 2, 3, 4, 5, 7, 8],
    "ID.RA": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    "ID.IM": [1, 2, 3, 4],
    "PR.AA": [1, 2, 3, 4, 5, 6],
    "PR.AT": [1, 2],
    "PR.DS": [1, 2, 10, 11],
    "PR.PS": [1, 2, 3, 4, 5, 6],
    "PR.IR": [1, 2, 3, 4],
    "DE.CM": [1, 2, 3, 6, 9],
    "DE.AE": [2, 3, 4, 6, 7, 8],
    "RS.MA": [1, 2, 3, 4, 5],
    "RS.AN": [3, 6, 7, 8],
    "RS.CO": [2, 3],
    "RS.MI": [1, 2],
    "RC.RP": [1, 2, 3, 4, 5, 6],
    "RC.CO": [3, 4],
}

CIS_SAFEGUARDS_PER_CONTROL = [5, 7, 14, 12, 6, 8, 7, 12, 7, 7, 5, 8, 11, 9, 7, 14, 9, 5]
CIS_IG1 = {
    "1.1", "1.2", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6",
    "4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7", "5.1", "5.2", "5.3", "5.4",
    "6.1", "6.2", "6.3", "6.4", "6.5", "7.1", "7.2", "7.3", "7.4", "8.1", "8.2", "8.3",
    "9.1", "9.2", "10.1", "10.2", "10.3", "11.1", "11.2", "11.3", "11.4", "12.1",
    "14.1", "14.2", "14.3", "14.4", "14.5", "14.6", "14.7", "14.8", "15.1", "17.1", "17.2", "17.3",
}  # fmt: skip
CIS_IG3_ONLY = {
    "1.5", "2.7", "3.13", "3.14", "4.12", "6.8", "8.12", "9.7", "12.8", "13.7", "13.8", "13.9",
    "13.10", "13.11", "15.5", "15.6", "15.7", "16.12", "16.13", "16.14", "17.9", "18.4", "18.5",
}  # fmt: skip


def load(key: str) -> dict:
    return yaml.safe_load((CATALOGS / f"{key}.yaml").read_text(encoding="utf-8"))


def controls_of(catalog: dict) -> list[dict]:
    return [control for group in catalog["groups"] for control in group["controls"]]


def by_ref(key: str) -> dict[str, dict]:
    return {control["ref"]: control for control in controls_of(load(key))}


def mapping(provider: str, stem: str) -> dict:
    return yaml.safe_load((MAPPINGS / f"{provider}-{stem}.yaml").read_text(encoding="utf-8")) or {}


# --------------------------------------------------------------------------- PCI DSS


def test_pci_groups_are_the_twelve_principal_requirements():
    # given the PCI DSS catalog
    catalog = load("pci-dss-4")
    # when reading its version and groups
    # then it is v4.0.1 grouped by the 12 requirements, each holding only its own sub-requirements
    assert catalog["version"] == "4.0.1"
    assert [group["title"] for group in catalog["groups"]] == PCI_REQUIREMENTS
    for number, group in enumerate(catalog["groups"], start=1):
        assert all(control["ref"].split(".")[0] == str(number) for control in group["controls"]), number


def test_pci_has_every_sub_requirement_level_with_its_parent():
    # given the PCI DSS controls
    controls = by_ref("pci-dss-4")
    depth = Counter(len(ref.split(".")) for ref in controls)
    # when counting refs per level
    sections = {int(ref.split(".")[0]): 0 for ref in controls}
    for ref in controls:
        if len(ref.split(".")) == 2:
            sections[int(ref.split(".")[0])] += 1
    # then the x.y sections match the standard, the deeper refs are exactly the known ones, and the total is exact
    assert sections == PCI_SECTIONS
    assert {ref for ref in controls if len(ref.split(".")) > 3} == PCI_DEEP_REFS
    assert depth == Counter({2: 63, 3: 205, 4: 44, 5: 1})
    assert len(controls) == PCI_TOTAL
    # and every ref below x.y names the ref one level up as parent; x.y refs have none
    for ref, control in controls.items():
        expected_parent = ".".join(ref.split(".")[:-1]) if len(ref.split(".")) > 2 else None
        assert control.get("parent") == expected_parent, ref


@pytest.mark.parametrize(
    ("ref", "words"),
    [
        ("1.2.1", "configuration standards"),
        ("3.5.1", "unreadable"),
        ("4.2.1", "strong cryptography"),
        ("6.4.3", "payment page scripts"),
        ("8.3.6", "password length"),
        ("8.4.2", "mfa"),
        ("10.2.1.3", "access to audit logs"),
        ("11.6.1", "payment page"),
        ("12.10.7", "pan"),
    ],
)
def test_pci_sample_refs_carry_their_topic(ref, words):
    # given a well-known PCI DSS requirement
    control = by_ref("pci-dss-4")[ref]
    # when reading its short title
    # then it names the requirement's topic
    assert words in control["title"].lower()


# --------------------------------------------------------------------------- NIST CSF 2.0


def test_csf_has_six_functions_22_categories_and_106_subcategories():
    # given the CSF 2.0 catalog
    catalog = load("nist-csf-2")
    controls = controls_of(catalog)
    categories = [control["ref"] for control in controls if "parent" not in control]
    subcategories = [control["ref"] for control in controls if "parent" in control]
    # when comparing with the CSF 2.0 Core
    expected_subcategories = {f"{cat}-{n:02d}" for cat, numbers in CSF_SUBCATEGORIES.items() for n in numbers}
    # then the functions, categories and subcategories are exactly those
    assert catalog["version"] == "2.0"
    assert [group["title"] for group in catalog["groups"]] == CSF_FUNCTIONS
    assert len(catalog["groups"]) == 6
    assert sorted(categories) == sorted(CSF_SUBCATEGORIES) and len(categories) == 22
    assert set(subcategories) == expected_subcategories and len(subcategories) == 106
    assert "ID.AM-06" not in subcategories and "PR.DS-03" not in subcategories


def test_csf_controls_sit_under_their_function_and_category():
    # given the CSF 2.0 catalog
    for group in load("nist-csf-2")["groups"]:
        function = group["title"].split()[0]
        for control in group["controls"]:
            # when reading a category or subcategory
            # then it is in its function's group, carries that function, and a subcategory names its category
            assert control["ref"].startswith(function + "."), control["ref"]
            assert control["attributes"] == {"function": function}, control["ref"]
            if "parent" in control:
                assert control["ref"].split("-")[0] == control["parent"], control["ref"]
    titles = {ref: control["title"] for ref, control in by_ref("nist-csf-2").items()}
    assert titles["GV.SC"] == "Cybersecurity Supply Chain Risk Management"
    assert titles["PR.AA"] == "Identity Management, Authentication, and Access Control"
    assert titles["DE.AE"] == "Adverse Event Analysis"


# --------------------------------------------------------------------------- CIS Controls v8.1


def test_cis_controls_have_18_controls_and_153_safeguards():
    # given the CIS Controls catalog
    catalog = load("cis-controls-8")
    # when reading each group (one per Control)
    assert catalog["version"] == "8.1"
    assert len(catalog["groups"]) == 18
    for number, (group, expected) in enumerate(zip(catalog["groups"], CIS_SAFEGUARDS_PER_CONTROL, strict=True), 1):
        control, *safeguards = group["controls"]
        # then it opens with the Control itself followed by its safeguards, numbered from 1 under it
        assert control["ref"] == str(number) and "parent" not in control
        assert group["title"] == f"{number} {control['title']}"
        assert [s["ref"] for s in safeguards] == [f"{number}.{n}" for n in range(1, expected + 1)]
        assert all(s["parent"] == str(number) for s in safeguards)
    assert sum(CIS_SAFEGUARDS_PER_CONTROL) == 153


def test_cis_implementation_groups_are_cumulative_with_known_counts():
    # given the safeguards and their IG attributes
    safeguards = {ref: c for ref, c in by_ref("cis-controls-8").items() if "parent" in c}
    # when collecting each implementation group
    ig1 = {ref for ref, c in safeguards.items() if c["attributes"]["ig1"] is True}
    ig2 = {ref for ref, c in safeguards.items() if c["attributes"]["ig2"] is True}
    ig3 = {ref for ref, c in safeguards.items() if c["attributes"]["ig3"] is True}
    # then IG1 is the known 56, IG2 adds all but the IG3-only 23, IG3 holds all 153
    assert ig1 == CIS_IG1 and len(ig1) == 56
    assert ig2 == set(safeguards) - CIS_IG3_ONLY and len(ig2) == 130
    assert ig3 == set(safeguards) and len(ig3) == 153
    assert ig1 <= ig2 <= ig3
    # and every safeguard states its asset type and security function
    for ref, control in safeguards.items():
        attributes = control["attributes"]
        assert all(isinstance(attributes[name], bool) for name in ("ig1", "ig2", "ig3")), ref
        assert attributes["asset_type"] in {"Devices", "Software", "Data", "Users", "Network", "Documentation"}, ref
        assert attributes["security_function"] in {"Govern", "Identify", "Protect", "Detect", "Respond", "Recover"}


@pytest.mark.parametrize(
    ("ref", "title"),
    [
        ("1.1", "Establish and Maintain Detailed Enterprise Asset Inventory"),
        ("3.11", "Encrypt Sensitive Data at Rest"),
        ("5.3", "Disable Dormant Accounts"),
        ("6.5", "Require MFA for Administrative Access"),
        ("8.2", "Collect Audit Logs"),
        ("13.6", "Collect Network Traffic Flow Logs"),
        ("18.5", "Perform Periodic Internal Penetration Tests"),
    ],
)
def test_cis_sample_safeguard_titles(ref, title):
    # given a well-known safeguard; when reading its title; then it is the safeguard's name
    assert by_ref("cis-controls-8")[ref]["title"] == title


# --------------------------------------------------------------------------- mappings


@pytest.mark.parametrize("stem", sorted(NEW_FRAMEWORKS))
@pytest.mark.parametrize("provider", PROVIDERS)
def test_new_mapping_files_map_only_their_framework_with_a_reason(provider, stem):
    # given a provider's mapping file for one of the new frameworks, the catalog and the registered checks
    framework_key = NEW_FRAMEWORKS[stem]
    entries = mapping(provider, stem)
    refs = set(by_ref(framework_key))
    registered = {check.id for check in all_checks()}
    assert entries, (provider, stem)
    for check_id, entry in entries.items():
        # when reading each entry
        # then it is a registered check of that provider, maps only that framework to existing refs,
        # and gives a one-line rationale
        assert check_id in registered and check_id.startswith(provider + "."), check_id
        assert set(entry) == {framework_key, "rationale"}, check_id
        assert entry[framework_key] and set(entry[framework_key]) <= refs, (check_id, set(entry[framework_key]) - refs)
        assert len(entry[framework_key]) == len(set(entry[framework_key])), check_id
        assert isinstance(entry["rationale"], str) and re.fullmatch(r"[^\n]{20,300}", entry["rationale"]), check_id


@pytest.mark.parametrize("stem", sorted(NEW_FRAMEWORKS))
def test_aws_mapping_files_cover_at_least_30_checks(stem):
    # given an AWS mapping file for a new framework; when counting its checks; then at least 30 are mapped
    assert len(mapping("aws", stem)) >= 30


def test_aws_checks_serving_known_requirements_are_mapped_to_them():
    # given the AWS mapping files for the new frameworks
    pci, csf, cis = (mapping("aws", stem) for stem in ("pci-dss", "nist-csf", "cis-controls"))
    # when looking up checks whose requirement is unambiguous
    # then they point at it
    assert "8.3.7" in pci["aws.iam.password_policy_reuse_prevention"]["pci-dss-4"]
    assert "1.4.4" in pci["aws.rds.not_publicly_accessible"]["pci-dss-4"]
    assert "10.2.1.3" in pci["aws.cloudtrail.bucket_access_logging"]["pci-dss-4"]
    assert "PR.DS-02" in csf["aws.s3.bucket_deny_http"]["nist-csf-2"]
    assert "13.6" in cis["aws.vpc.flow_logs_enabled"]["cis-controls-8"]
    assert "5.3" in cis["aws.iam.user_unused_credentials_45_days"]["cis-controls-8"]


# --------------------------------------------------------------------------- loaded


@pytest.mark.django_db
def test_catalog_load_all_ships_the_three_frameworks_with_their_mappings():
    # given an empty database; when loading every shipped catalog and mapping
    catalog_load_all()
    # then the three frameworks exist with their exact control counts and the mapped checks
    expected = {"pci-dss-4": ("4.0.1", PCI_TOTAL), "nist-csf-2": ("2.0", 128), "cis-controls-8": ("8.1", 171)}
    for key, (version, count) in expected.items():
        framework = Framework.objects.get(key=key, tenant__isnull=True)
        assert framework.version == version
        assert Control.objects.filter(framework=framework).count() == count
    mapped = ControlCheck.objects.filter(control__framework__key="pci-dss-4", check_id="aws.s3.bucket_deny_http")
    assert set(mapped.values_list("control__ref", flat=True)) == {"4.2.1"}
    nested = Control.objects.get(framework__key="pci-dss-4", ref="9.5.1.2.1")
    assert nested.parent is not None and nested.parent.ref == "9.5.1.2"


@pytest.mark.django_db
def test_ig1_safeguards_are_found_through_the_attribute_filter(admin_client):
    # given the loaded catalogs
    catalog_load_all()
    framework = Framework.objects.get(key="cis-controls-8", tenant__isnull=True)
    # when filtering the framework's controls on ig1:true
    response = admin_client.get(f"/api/frameworks/{framework.pk}/controls?attribute=ig1:true&limit=200")
    # then exactly the 56 IG1 safeguards come back, with their attributes
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 56
    assert {item["ref"] for item in body["results"]} == CIS_IG1
    assert all(item["attributes"]["ig1"] is True for item in body["results"])
    # and the other 97 safeguards (the Controls themselves carry no attributes) answer ig1:false
    response = admin_client.get(f"/api/frameworks/{framework.pk}/controls?attribute=ig1:false&limit=200")
    not_ig1 = {item["ref"] for item in response.json()["results"]}
    assert len(not_ig1) == 97 and not not_ig1 & CIS_IG1
    assert not_ig1 >= CIS_IG3_ONLY
