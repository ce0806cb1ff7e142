"""The check mappings hold up to an auditor's review (issue #15): each entry says why, and known mistakes stay fixed.

Pure tests: PyYAML + pytest only, no database; they read only the mapping files inside the repository.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

MAPPINGS = Path(__file__).resolve().parents[2] / "frameworks" / "catalogs" / "mappings"
PROVIDER_FILES = ("aws.yaml", "github.yaml", "host.yaml", "postgres.yaml")
NIST = "nist-800-53-r5-moderate"
HIPAA = "hipaa-security"
# No criterion may hold more than this share of the checks mapped to SOC 2 (CC6.1 once held 59 of 113).
SOC2_MAX_SHARE = 0.25

# Password age and reuse rules: revision 5 moved them out of IA-5(1), which now covers lists of compromised
# passwords, protected transmission and storage, and composition rules; they remain authenticator management (IA-5).
PASSWORD_AGE_AND_REUSE_CHECKS = {
    "aws.yaml": ["aws.iam.password_policy_max_age", "aws.iam.password_policy_reuse_prevention"],
    "host.yaml": ["host.accounts.password_aging"],
    "postgres.yaml": ["postgres.roles.password_expiry"],
}
LOGIN_ALARMS = ["aws.cloudwatch.alarm_console_login_no_mfa", "aws.cloudwatch.alarm_console_auth_failures"]
# Controls that prevent something; an alarm only detects it, so it must not claim them.
PREVENTIVE = re.compile(r"^(IA-2(\(\d+\))?|AC-7|AC-3|SC-7(\(\d+\))?)$")


def provider_mapping(file_name: str) -> dict[str, dict]:
    return yaml.safe_load((MAPPINGS / file_name).read_text(encoding="utf-8"))


def every_mapping_file() -> dict[str, dict]:
    return {path.name: yaml.safe_load(path.read_text(encoding="utf-8")) or {} for path in MAPPINGS.glob("*.yaml")}


@pytest.mark.parametrize("file_name", PROVIDER_FILES)
def test_every_provider_mapping_entry_has_a_one_line_rationale(file_name):
    # given a provider's mapping file
    mapping = provider_mapping(file_name)
    assert mapping, file_name
    for check_id, entry in mapping.items():
        # when reading the entry's rationale
        rationale = entry.get("rationale")
        # then it is a non-empty single line beside at least one framework mapping
        assert isinstance(rationale, str) and rationale.strip(), (file_name, check_id)
        assert "\n" not in rationale.strip() and len(rationale) <= 300, (file_name, check_id)
        assert set(entry) - {"rationale"}, (file_name, check_id)


@pytest.mark.parametrize(
    ("file_name", "check_id"),
    [(file_name, check_id) for file_name, ids in PASSWORD_AGE_AND_REUSE_CHECKS.items() for check_id in ids],
)
def test_password_age_and_reuse_checks_map_to_ia5_not_ia5_1(file_name, check_id):
    # given a password expiry (or reuse) check's mapping
    nist = provider_mapping(file_name)[check_id][NIST]
    # when reading its NIST refs
    # then it is authenticator management (IA-5) and does not claim the rev5 password-based enhancement
    assert "IA-5" in nist
    assert "IA-5(1)" not in nist


def test_password_composition_checks_keep_ia5_1():
    # given the AWS password length and complexity checks (composition rules rev5 IA-5(1) still covers)
    mapping = provider_mapping("aws.yaml")
    # when reading their NIST refs
    # then they keep IA-5(1), so the expiry fix above did not strip the enhancement everywhere
    for check_id in ("aws.iam.password_policy_min_length", "aws.iam.password_policy_complexity"):
        assert "IA-5(1)" in mapping[check_id][NIST], check_id


def test_s3_mfa_delete_maps_to_data_protection_not_authentication():
    # given the S3 MFA delete mapping
    entry = provider_mapping("aws.yaml")["aws.s3.bucket_mfa_delete_enabled"]
    # when reading its NIST and HIPAA refs
    nist = entry[NIST]
    # then it protects stored data and its recoverable versions, not user authentication,
    assert not [ref for ref in nist if ref.startswith("IA-2")]
    assert "CP-9" in nist and {"SI-7", "AC-3"} <= set(nist)
    # and it does not pose as the HIPAA data backup plan (a procedure a bucket setting cannot evidence)
    assert "164.308(a)(7)(ii)(A)" not in entry[HIPAA]


@pytest.mark.parametrize("check_id", LOGIN_ALARMS)
def test_login_alarms_map_to_monitoring_not_to_authentication(check_id):
    # given a CloudWatch alarm on console sign-ins
    entry = provider_mapping("aws.yaml")[check_id]
    # when reading its NIST refs
    nist = entry[NIST]
    # then it evidences audit review and system monitoring, never the authentication or lockout it watches
    assert {"AU-6", "SI-4"} <= set(nist)
    assert not [ref for ref in nist if ref.startswith("IA-2") or ref == "AC-7"]
    # and for HIPAA it is log-in monitoring
    assert "164.308(a)(5)(ii)(C)" in entry[HIPAA]


def test_every_cloudwatch_alarm_maps_to_detective_controls_only():
    # given all CIS 4.x CloudWatch alarm checks
    alarms = {cid: entry for cid, entry in provider_mapping("aws.yaml").items() if cid.startswith("aws.cloudwatch.")}
    assert len(alarms) >= 15
    for check_id, entry in alarms.items():
        # when reading their NIST refs
        # then each reviews logs and monitors, and none claims a preventive control
        assert {"AU-6", "SI-4"} <= set(entry[NIST]), check_id
        assert not [ref for ref in entry[NIST] if PREVENTIVE.match(ref)], check_id


def test_github_outside_admins_maps_to_account_and_external_personnel_controls():
    # given the GitHub outside-collaborator admin mapping
    nist = provider_mapping("github.yaml")["github.collaborators.no_outside_admins"][NIST]
    # when reading its NIST refs
    # then it is account management, privileged-account restriction and external personnel security, not AC-20
    assert {"AC-2", "AC-6(5)", "PS-7"} <= set(nist)
    assert "AC-20" not in nist


def test_config_recorder_and_versioning_are_not_loose_hipaa_links():
    # given the AWS Config recorder and S3 versioning mappings
    mapping = provider_mapping("aws.yaml")
    # when reading their HIPAA refs
    recorder = mapping["aws.config.recorder_enabled"][HIPAA]
    versioning = mapping["aws.s3.bucket_versioning_enabled"][HIPAA]
    # then the recorder is an audit control, not the risk analysis, and versioning is integrity, not a backup plan
    assert recorder == ["164.312(b)"]
    assert versioning == ["164.312(c)(1)"]


def test_no_soc2_criterion_is_a_catch_all():
    # given every mapping file (providers and newer catalogs)
    checks_by_criterion: dict[str, set[str]] = defaultdict(set)
    for mapping in every_mapping_file().values():
        for check_id, entry in mapping.items():
            # when counting the distinct checks mapped to each SOC 2 criterion
            for ref in entry.get("soc2", []):
                checks_by_criterion[ref].add(check_id)
    assert checks_by_criterion, "no SOC 2 mapping found"
    # then no criterion holds more than a quarter of them, so the mapping still tells checks apart
    mapped = set().union(*checks_by_criterion.values())
    limit = SOC2_MAX_SHARE * len(mapped)
    crowded = {ref: len(ids) for ref, ids in checks_by_criterion.items() if len(ids) > limit}
    assert not crowded, (crowded, len(mapped))
