"""Code ownership: every repository names who owns its code, in a CODEOWNERS file GitHub can use."""

from __future__ import annotations

from collections.abc import Iterable

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import CodeOwners
from ._common import REPOSITORY, github_check, judge_repositories, result

# How many of a file's errors a reason names (the evidence keeps the first twenty).
NAMED_ERRORS = 3


def _errors_said(codeowners: CodeOwners) -> str:
    errors = codeowners.get("errors") or []
    said = [f"{e.get('kind') or 'error'} on line {e.get('line')}" for e in errors[:NAMED_ERRORS]]
    count = int(codeowners.get("error_count") or len(errors))
    more = f" and {count - len(said)} more" if count > len(said) else ""
    where = next((e.get("path") for e in errors if e.get("path")), None) or "CODEOWNERS"
    return f"{where} has {count} error(s) GitHub skips those lines for: {', '.join(said)}{more}"


@github_check(
    id="github.repos.codeowners_valid",
    title="Repositories have a CODEOWNERS file without errors",
    severity=Severity.LOW,
    service="codeowners",
    resource_type=REPOSITORY,
    requires=("repos", "codeowners"),
    rationale="A CODEOWNERS file names who is accountable for each part of the code and is asked to review its "
    "changes; without one, or with lines GitHub cannot use (an unknown owner, an owner without write access, a bad "
    "pattern), 'require review from code owners' protects nothing on those paths and nobody is asked.",
    remediation="Add a CODEOWNERS file to the repository's .github, root or docs folder on the default branch, "
    "assigning every path (at least '*') to teams or people with write access, and fix the errors GitHub shows "
    "when the file is opened on github.com.",
)
def codeowners_valid(inventory: Inventory) -> Iterable[Outcome]:
    return judge_repositories(inventory, "codeowners", "CODEOWNERS file", _judge_codeowners)


def _judge_codeowners(full_name: str, codeowners: CodeOwners) -> Outcome:
    count = int(codeowners.get("error_count") or 0)
    if not codeowners.get("present"):
        ok, reason = False, f"{full_name} has no CODEOWNERS file in its .github, root or docs folder"
    elif count:
        ok, reason = False, f"In {full_name}, {_errors_said(codeowners)}"
    else:
        ok, reason = True, f"{full_name} has a CODEOWNERS file without errors"
    return result(
        ok,
        full_name,
        REPOSITORY,
        reason,
        codeowners=bool(codeowners.get("present")),
        error_count=count,
        errors=codeowners.get("errors") or [],
    )
