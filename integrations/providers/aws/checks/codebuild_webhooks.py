"""Checks on what may start a CodeBuild project's builds from its repository: webhook filters that match exactly what
they name, and pull requests from strangers not built until someone trusted approves them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_devtools import CodeBuildProject, CodeBuildWebhook, CodeBuildWebhookFilter
from ._common import aws_check, result
from .codebuild import PROJECT, projects

# The filters that decide whose changes, and which branches, a build runs for: unanchored, each matches more than
# it names (an account id inside a longer one, a branch name with anything around it).
TRUST_FILTERS = ("ACTOR_ACCOUNT_ID", "HEAD_REF", "BASE_REF")
# The events that build code someone proposed rather than code already in the repository.
PULL_REQUEST_EVENTS = ("PULL_REQUEST_CREATED", "PULL_REQUEST_UPDATED", "PULL_REQUEST_REOPENED")


def _label(project: CodeBuildProject) -> str:
    return f"CodeBuild project {project['name']}"


def _with_webhook(inventory: Inventory) -> Iterator[tuple[CodeBuildProject, CodeBuildWebhook] | Outcome]:
    """Each project with a webhook, and its webhook; projects without one (or collected before webhooks were read)
    are not judged."""
    for project in projects(inventory):
        if isinstance(project, Outcome):
            yield project
        elif webhook := project.get("webhook"):
            yield project, webhook


def alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a regular expression: split at each ``|`` outside groups and character classes
    and not escaped."""
    found: list[str] = []
    current: list[str] = []
    depth, in_class, escaped = 0, False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == "|" and depth == 0:
            found.append("".join(current))
            current = []
            continue
        current.append(char)
    found.append("".join(current))
    return found


def anchored(pattern: str) -> bool:
    """Whether every top-level alternative of ``pattern`` starts with ``^`` and ends with an unescaped ``$``, so the
    pattern matches only whole values (``^(a|b)$`` is one alternative, anchored)."""

    def whole(alternative: str) -> bool:
        text = alternative.strip()
        if len(text) < 2 or not text.startswith("^") or not text.endswith("$"):
            return False
        # A "$" after an odd number of backslashes is a literal dollar sign, not the end of the value.
        body = text[:-1]
        return (len(body) - len(body.rstrip("\\"))) % 2 == 0

    return all(whole(a) for a in alternatives(pattern))


def _loose(group: list[CodeBuildWebhookFilter]) -> list[str]:
    return [
        f"{f['type']} {f['pattern']!r}"
        for f in group
        if f["type"] in TRUST_FILTERS and not f["exclude"] and not anchored(f["pattern"])
    ]


@aws_check(
    id="aws.codebuild.webhook_filters_anchored",
    title="CodeBuild webhook filters on actors and branches match whole values",
    severity=Severity.HIGH,
    service="codebuild",
    resource_type=PROJECT,
    rationale="A webhook filter is a regular expression, and an unanchored one matches any value that contains it: "
    "an ACTOR_ACCOUNT_ID filter meant to admit one GitHub account admits every account whose id contains those "
    "digits, and a branch filter for main admits any branch with main in its name. Whoever controls such an "
    "account or branch runs code in the build with the project's role and secrets.",
    remediation="Anchor each ACTOR_ACCOUNT_ID, HEAD_REF and BASE_REF pattern of the webhook's filter groups: ^ at the "
    "start and $ at the end of every alternative, or the alternatives grouped as ^(123|456)$ (UpdateWebhook with "
    "filterGroups).",
)
def webhook_filters_anchored(inventory: Inventory) -> Iterable[Outcome]:
    for found in _with_webhook(inventory):
        if isinstance(found, Outcome):
            yield found
            continue
        project, webhook = found
        loose = [entry for group in webhook["filter_groups"] for entry in _loose(group)]
        if loose:
            reason = f"{_label(project)} has webhook filters matching more than they name: {', '.join(loose)}"
        else:
            reason = f"{_label(project)} has webhook filters on actors and branches that match whole values only"
        yield result(not loose, project["arn"], PROJECT, reason, region=project["region"], unanchored=loose)


def _builds_pull_requests(group: list[CodeBuildWebhookFilter]) -> bool:
    events = [f for f in group if f["type"] == "EVENT" and not f["exclude"]]
    return any(event in f["pattern"] for f in events for event in PULL_REQUEST_EVENTS)


def _trusted_actors_only(group: list[CodeBuildWebhookFilter]) -> bool:
    return any(f["type"] == "ACTOR_ACCOUNT_ID" and not f["exclude"] and anchored(f["pattern"]) for f in group)


@aws_check(
    id="aws.codebuild.webhook_pull_requests_need_approval",
    title="CodeBuild webhooks build pull requests only from trusted contributors or after approval",
    severity=Severity.HIGH,
    service="codebuild",
    resource_type=PROJECT,
    rationale="A webhook that builds pull requests runs whatever code the pull request brings, buildspec included, "
    "with the project's service role, secrets and network; when anyone who can open a pull request triggers it, a "
    "stranger's fork can take over the build and whatever the role reaches.",
    remediation="Require comment approval for pull request builds (UpdateWebhook with pullRequestBuildPolicy "
    "requiresCommentApproval ALL_PULL_REQUESTS or FORK_PULL_REQUESTS, and the repository roles allowed to approve), "
    "or limit each pull request filter group to trusted accounts with an anchored ACTOR_ACCOUNT_ID filter.",
)
def webhook_pull_requests_need_approval(inventory: Inventory) -> Iterable[Outcome]:
    for found in _with_webhook(inventory):
        if isinstance(found, Outcome):
            yield found
            continue
        project, webhook = found
        approval = webhook["pull_request_approval"]
        groups = webhook["filter_groups"]
        # No filter group: every event the repository sends starts a build, pull requests included.
        building = [i for i, group in enumerate(groups, 1) if _builds_pull_requests(group)] if groups else [0]
        if not building:
            continue  # builds no pull request: nothing a stranger can propose is built
        open_groups = [i for i in building if not i or not _trusted_actors_only(groups[i - 1])]
        ok = approval != "DISABLED" or not open_groups
        if approval != "DISABLED":
            reason = f"{_label(project)} builds pull requests only after approval ({approval})"
        elif not open_groups:
            reason = f"{_label(project)} builds pull requests only from the accounts its filters name"
        elif not groups:
            reason = f"{_label(project)} builds every event, pull requests from anyone included, without approval"
        else:
            numbers = ", ".join(str(i) for i in open_groups)
            reason = f"{_label(project)} builds pull requests from anyone without approval (filter group {numbers})"
        yield result(
            ok,
            project["arn"],
            PROJECT,
            reason,
            region=project["region"],
            approval=approval,
            open_filter_groups=open_groups,
        )
