"""The AWS check catalogue: ids match the documented list and every check is fully described."""

from __future__ import annotations

import re
from pathlib import Path

from integrations.registry import Severity
from tests.integrations.aws.support import aws_checks

DOC = Path(__file__).resolve().parents[3] / "docs" / "aws-checks.md"


def test_registered_ids_are_exactly_the_documented_ones() -> None:
    # given the documented check list
    documented = re.findall(r"^\| (aws\.[a-z0-9_.]+) \|", DOC.read_text(), re.MULTILINE)
    # when the registered AWS checks are listed
    registered = [c.id for c in aws_checks()]
    # then both hold the same ids, without duplicates (issue #15 asked for at least 120)
    assert len(documented) == len(set(documented)) >= 120
    assert sorted(registered) == sorted(documented)


def test_every_check_is_fully_described() -> None:
    # given every registered AWS check
    checks = aws_checks()
    # when their descriptions are inspected
    incomplete = [
        c.id
        for c in checks
        if not (c.title and c.rationale and c.remediation and c.resource_type.startswith("AWS::"))
        or c.integration_type != "aws"
        or c.severity not in set(Severity)
        or not c.id.startswith(f"aws.{c.service}.")
    ]
    # then none lacks a title, rationale, remediation or a consistent id/service
    assert incomplete == []
