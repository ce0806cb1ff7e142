"""CIS AWS v7.0.0, ISO/IEC 27001:2022 clauses 4-10, and the attributes customers filter on, checked against facts.

The YAML tests read only files inside the repository; the last test loads the shipped catalogs and asks the API.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from frameworks.models import Framework

REPO = Path(__file__).resolve().parents[2]
CATALOGS = REPO / "frameworks" / "catalogs"
CIS7_MAPPING = CATALOGS / "mappings" / "aws-cis-aws-7.yaml"

# Recommendation ids of CIS AWS Foundations v7.0.0 by (sub)section; section 1 holds no recommendation.
CIS7_SECTIONS = {
    "2.1": 6,  # 2.1.1-2.1.6 (AWS Organizations and centralized root access)
    "2": 20,  # 2.2-2.21
    "3.1": 4,
    "3.2": 4,
    "3.3": 1,
    "4": 10,
    "5": 16,
    "6.1": 2,
    "6": 7,  # 6.2-6.8
}
CIS7_FIRST = {"2": 2, "6": 2}  # sections whose plain numbering starts after their sub-section


def cis7_expected_refs() -> list[str]:
    refs = []
    for section, count in CIS7_SECTIONS.items():
        first = CIS7_FIRST.get(section, 1)
        refs += [f"{section}.{n}" for n in range(first, first + count)]
    return refs


ISMS_REFS = [
    "4.1", "4.2", "4.3", "4.4",
    "5.1", "5.2", "5.3",
    "6.1", "6.1.1", "6.1.2", "6.1.3", "6.2", "6.3",
    "7.1", "7.2", "7.3", "7.4", "7.5", "7.5.1", "7.5.2", "7.5.3",
    "8.1", "8.2", "8.3",
    "9.1", "9.2", "9.2.1", "9.2.2", "9.3", "9.3.1", "9.3.2", "9.3.3",
    "10.1", "10.2",
]  # fmt: skip

# 45 CFR 164.308-164.316: which implementation specifications are required (the rest are addressable).
HIPAA_REQUIRED = {
    "164.308(a)(1)(ii)(A)", "164.308(a)(1)(ii)(B)", "164.308(a)(1)(ii)(C)", "164.308(a)(1)(ii)(D)",
    "164.308(a)(4)(ii)(A)", "164.308(a)(6)(ii)",
    "164.308(a)(7)(ii)(A)", "164.308(a)(7)(ii)(B)", "164.308(a)(7)(ii)(C)", "164.308(b)(3)",
    "164.310(d)(2)(i)", "164.310(d)(2)(ii)",
    "164.312(a)(2)(i)", "164.312(a)(2)(ii)",
    "164.314(a)(2)(i)", "164.314(a)(2)(ii)", "164.314(a)(2)(iii)", "164.314(b)(2)",
    "164.316(b)(2)(i)", "164.316(b)(2)(ii)", "164.316(b)(2)(iii)",
}  # fmt: skip


def load(key: str) -> dict:
    return yaml.safe_load((CATALOGS / f"{key}.yaml").read_text(encoding="utf-8"))


def controls_of(key: str) -> list[dict]:
    return [control for group in load(key)["groups"] for control in group["controls"]]


def is_placeholder(description: str, title: str) -> bool:
    """A summary that says nothing of its own: the generated "<title> — enhancement of <base>" line, or a line
    adding fewer than three words to the title's (the bare title, the title with filler)."""
    words = re.sub(r"[^a-z0-9 ]", " ", description.lower()).split()
    title_words = set(re.sub(r"[^a-z0-9 ]", " ", title.lower()).split())
    return "enhancement of" in " ".join(words) or len(set(words) - title_words) < 3


@pytest.mark.parametrize(
    ("key", "count"),
    [
        ("cis-aws-7", 70),
        ("cis-aws", 62),
        ("iso27001-2022-isms", 34),
        ("iso27001-2022", 93),
        ("hipaa-security", 65),
        ("nist-800-53-r5-moderate", 287),
    ],
)
def test_each_catalog_holds_its_number_of_controls(key, count):
    # given a shipped catalog file
    # when counting its controls
    # then the count is the one of the standard
    assert len(controls_of(key)) == count


def test_cis_aws_7_refs_are_exactly_the_benchmark_recommendations():
    # given the v7.0.0 catalog, next to the unchanged v3.0.0 one
    catalog = load("cis-aws-7")
    # when listing its refs in document order
    refs = [control["ref"] for group in catalog["groups"] for control in group["controls"]]
    # then they are the 70 recommendations of v7.0.0, each in the group of its (sub)section
    assert refs == cis7_expected_refs()
    assert catalog["key"] == "cis-aws-7" and catalog["version"] == "7.0.0"
    assert load("cis-aws")["version"] == "3.0.0"
    for group in catalog["groups"]:
        section = group["title"].split()[0]
        assert all(control["ref"].startswith(section + ".") for control in group["controls"]), group["title"]


@pytest.mark.parametrize("key", ["cis-aws", "cis-aws-7"])
def test_every_cis_control_has_a_profile_level_and_an_assessment_status(key):
    # given a CIS benchmark catalog
    for control in controls_of(key):
        # when reading each control's attributes
        attributes = control.get("attributes", {})
        # then it carries level 1 or 2 and automated or manual, nothing else
        assert set(attributes) == {"level", "assessment"}, control["ref"]
        assert attributes["level"] in (1, 2), control["ref"]
        assert attributes["assessment"] in ("automated", "manual"), control["ref"]


@pytest.mark.parametrize(
    ("key", "ref", "level", "assessment"),
    [
        ("cis-aws-7", "2.1.1", 2, "manual"),  # centralized root access
        ("cis-aws-7", "2.21", 1, "manual"),  # resource policies without Principal "*"
        ("cis-aws-7", "3.2.4", 1, "manual"),  # RDS Multi-AZ
        ("cis-aws-7", "2.4", 1, "automated"),
        ("cis-aws-7", "5.16", 2, "automated"),
        ("cis-aws", "1.6", 2, "automated"),
        ("cis-aws", "1.18", 2, "manual"),
        ("cis-aws", "5.5", 2, "manual"),
    ],
)
def test_cis_attributes_match_the_benchmark(key, ref, level, assessment):
    # given a recommendation whose profile and status the benchmark states
    control = next(control for control in controls_of(key) if control["ref"] == ref)
    # when reading its attributes
    # then they are the benchmark's
    assert control["attributes"] == {"level": level, "assessment": assessment}


def test_hipaa_controls_say_standard_required_or_addressable():
    # given the HIPAA Security Rule catalog
    controls = controls_of("hipaa-security")
    for control in controls:
        # when reading each control's type
        kind = control["attributes"]["type"]
        # then standards are "standard" and implementation specifications follow 45 CFR 164.308-164.316
        if "parent" not in control:
            assert kind == "standard", control["ref"]
        elif control["ref"] in HIPAA_REQUIRED:
            assert kind == "required", control["ref"]
        else:
            assert kind == "addressable", control["ref"]
    specifications = [control for control in controls if "parent" in control]
    assert {control["ref"] for control in specifications} >= HIPAA_REQUIRED
    assert len(specifications) - len(HIPAA_REQUIRED) == 22


def test_no_nist_enhancement_description_is_a_placeholder():
    # given the NIST 800-53 moderate enhancements (controls with a parent)
    enhancements = [control for control in controls_of("nist-800-53-r5-moderate") if "parent" in control]
    assert len(enhancements) == 110
    # when testing each description against the placeholder rule (is_placeholder)
    placeholders = [c["ref"] for c in enhancements if is_placeholder(c["description"], c["title"])]
    # then none is a placeholder and no two enhancements share a summary
    assert placeholders == []
    assert len({control["description"] for control in enhancements}) == len(enhancements)


def test_placeholder_rule_catches_the_generated_lines():
    # given the line the catalog used to carry and a real summary
    generated = "Disable Accounts — enhancement of AC-2 (Account Management)."
    real = "Disable accounts that expired, are no longer needed, broke policy or sat unused for a set time."
    # when / then the rule flags the first, the bare title and title-plus-filler, and passes the second
    assert is_placeholder(generated, "Disable Accounts")
    assert is_placeholder("Disable Accounts.", "Disable Accounts")
    assert is_placeholder("Disable accounts (enhancement).", "Disable Accounts")
    assert not is_placeholder(real, "Disable Accounts")


def test_iso_isms_holds_clauses_4_to_10_and_annex_a_keeps_its_93_controls():
    # given the clauses catalog and the Annex A catalog
    isms = load("iso27001-2022-isms")
    refs = [control["ref"] for group in isms["groups"] for control in group["controls"]]
    # when comparing refs and groups with the 2022 text
    # then the clauses are exactly the shipped list, grouped by clause 4 ... 10, sub-clauses under their parent
    assert refs == ISMS_REFS
    assert [group["title"].split()[0] for group in isms["groups"]] == [str(n) for n in range(4, 11)]
    for group in isms["groups"]:
        clause = group["title"].split()[0]
        for control in group["controls"]:
            assert control["ref"].split(".")[0] == clause
            expected_parent = ".".join(control["ref"].split(".")[:2]) if control["ref"].count(".") == 2 else None
            assert control.get("parent") == expected_parent, control["ref"]
    # and the Annex A framework is untouched: 93 controls, none of them a clause sub-clause
    annex = [control["ref"] for control in controls_of("iso27001-2022")]
    assert len(annex) == 93 and len(set(annex)) == 93
    assert all(ref.count(".") == 1 for ref in annex)


def test_cis_v7_mapping_maps_at_least_30_checks_each_with_a_reason():
    # given the CIS v7 mapping file and the v7 refs
    mapping = yaml.safe_load(CIS7_MAPPING.read_text(encoding="utf-8"))
    v7_refs = set(cis7_expected_refs())
    # when reading each entry
    assert len(mapping) >= 30
    for check_id, entry in mapping.items():
        # then it maps an AWS check to existing v7 refs only, with a one-line rationale
        assert re.fullmatch(r"aws\.[a-z0-9_]+(\.[a-z0-9_]+)+", check_id), check_id
        assert set(entry) == {"cis-aws-7", "rationale"}, check_id
        assert entry["cis-aws-7"] and set(entry["cis-aws-7"]) <= v7_refs, check_id
        assert isinstance(entry["rationale"], str) and entry["rationale"].strip(), check_id
        assert "\n" not in entry["rationale"].strip(), check_id


@pytest.mark.django_db
def test_level_filter_on_cis_aws_7_returns_only_level_1_controls(admin_client, loaded_frameworks):
    # given the shipped catalogs, loaded
    framework = Framework.objects.get(key="cis-aws-7", tenant__isnull=True)
    level_1 = {c["ref"] for c in controls_of("cis-aws-7") if c["attributes"]["level"] == 1}
    url = f"/api/frameworks/{framework.pk}/controls"
    # when filtering its controls on the profile level through the API
    response = admin_client.get(f"{url}?attribute=level:1&limit=1000")
    # then exactly the level-1 recommendations come back, each showing level 1
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert {item["ref"] for item in results} == level_1
    assert all(item["attributes"]["level"] == 1 for item in results)
    assert 0 < len(level_1) < 70
    # and the assessment filter narrows the same way
    manual = admin_client.get(f"{url}?attribute=assessment:manual&limit=1000").json()["results"]
    assert {item["ref"] for item in manual} == {
        c["ref"] for c in controls_of("cis-aws-7") if c["attributes"]["assessment"] == "manual"
    }
