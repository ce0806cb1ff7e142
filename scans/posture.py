"""What a control's result means: automated checks and documents combined into one verdict.

The rules (docs/POSTURE.md has them for users):

- ``not-applicable``: the control is excluded (basis ``excluded``), or no check ran on it and it needs no
  document (basis ``unassessed``).
- ``fail``: a check that ran failed or could not evaluate, or a document it needs is missing or expired.
- ``pass``: otherwise; every check that ran passed and every document it needs is fresh.

A fail caused only by checks that could not evaluate is flagged ``errored``: it never passes, but scores,
coverage, the dashboard and diffs keep it apart from real findings.

The scan roll-up and the live posture endpoint both call :func:`verdict`, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evidence.choices import EvidenceState
from integrations.registry import get_check

from .choices import ResultBasis, ResultStatus

# The automated half of a result on its own, as stored in ScanResult.automated_status.
AUTOMATED_PASS = "pass"
AUTOMATED_FAIL = "fail"
AUTOMATED_ERROR = "error"
AUTOMATED_NONE = ""

DOCUMENTS_OK = frozenset({EvidenceState.FRESH, EvidenceState.EXPIRING})

# How a control's mapped checks are listed everywhere (results, control page): failing first, worst first.
CHECK_STATUS_RANK = {"fail": 0, "error": 1, "pass": 2, "not-run": 3}
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "informational": 4}


def check_row_order(row: dict[str, Any]) -> tuple[int, int, str]:
    return CHECK_STATUS_RANK[row["status"]], SEVERITY_RANK.get(row["severity"], 9), row["id"]


def check_remediation(row: dict[str, Any]) -> str:
    """The registry's remediation for a failing or erroring check (passing ones need none)."""
    if row.get("status") not in ("fail", "error"):
        return ""
    check = get_check(row["id"])
    return check.remediation if check else ""


@dataclass(frozen=True)
class Verdict:
    status: str
    basis: str
    errored: bool = False

    @property
    def assessed(self) -> bool:
        """Whether this verdict says something real about the control (counts towards coverage)."""
        return self.status != ResultStatus.NOT_APPLICABLE and not self.errored


def verdict(*, excluded: bool, automated: str, evidence_state: str) -> Verdict:
    if excluded:
        return Verdict(ResultStatus.NOT_APPLICABLE, ResultBasis.EXCLUDED)
    manual = evidence_state not in ("", EvidenceState.NOT_REQUIRED)
    if automated and manual:
        basis = ResultBasis.AUTOMATED_MANUAL
    elif automated:
        basis = ResultBasis.AUTOMATED
    elif manual:
        basis = ResultBasis.MANUAL
    else:
        return Verdict(ResultStatus.NOT_APPLICABLE, ResultBasis.UNASSESSED)
    documents_fail = manual and evidence_state not in DOCUMENTS_OK
    if automated == AUTOMATED_FAIL or documents_fail:
        return Verdict(ResultStatus.FAIL, basis)
    if automated == AUTOMATED_ERROR:
        return Verdict(ResultStatus.FAIL, basis, errored=True)
    return Verdict(ResultStatus.PASS, basis)


@dataclass
class Tally:
    """Per framework (or a whole scan): the counts behind score and coverage."""

    passed: int = 0
    failed: int = 0
    errored: int = 0
    excluded: int = 0
    unassessed: int = 0

    def add(self, v: Verdict) -> None:
        if v.basis == ResultBasis.EXCLUDED:
            self.excluded += 1
        elif v.status == ResultStatus.NOT_APPLICABLE:
            self.unassessed += 1
        elif v.errored:
            self.errored += 1
        elif v.status == ResultStatus.PASS:
            self.passed += 1
        else:
            self.failed += 1

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.errored + self.excluded + self.unassessed

    @property
    def applicable(self) -> int:
        return self.total - self.excluded

    @property
    def assessed(self) -> int:
        return self.passed + self.failed

    @property
    def score(self) -> float | None:
        """Passing share of the controls really assessed; errors are not findings, so they are left out here."""
        if not self.assessed:
            return None
        return round(100 * self.passed / self.assessed, 1)

    @property
    def coverage(self) -> float | None:
        """Assessed share of the applicable controls: what the score is worth."""
        if not self.applicable:
            return None
        return round(100 * self.assessed / self.applicable, 1)

    def as_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "passed": self.passed,
            # ``failed`` counts every fail result (as the results list does); errored ones are also counted apart.
            "failed": self.failed + self.errored,
            "could_not_evaluate": self.errored,
            "not_applicable": self.excluded + self.unassessed,
            "excluded": self.excluded,
            "unassessed": self.unassessed,
            "applicable": self.applicable,
            "assessed": self.assessed,
            "score": self.score,
            "coverage": self.coverage,
        }
