"""CodeBuild collection (regional): each build project's logging, visibility, environment variable names, sources and
artifacts.

What could be a credential is never copied into the inventory: of the environment only the names of plain variables
are kept, with the kinds of credential a value looks like (scanned here), and of a source only whether its URL
carries sign-in details, not the URL.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_devtools import CodeBuildRegion
from ._common import Scope, bounded_region, concurrently, describe_error, paginate_at_most
from .user_data import value_credential_kinds

# The listing gives names only; the projects are read 100 at a time (BatchGetProjects' limit). Past this many projects
# in a region the rest are left unread (and the checks say so).
MAX_PROJECTS = 1_000
_BATCH = 100
# CodeBuild's type for a variable whose value is stored in the project itself (and the type of one given none).
_PLAINTEXT = "PLAINTEXT"
# How a one-line inline buildspec starts (`version: 0.2`), which no file name does.
_VERSION_KEY = re.compile(r"""\s*["']?version["']?\s*:""")


def collect_codebuild(scope: Scope) -> CodeBuildRegion:
    codebuild = scope.client("codebuild")
    names, more = paginate_at_most(codebuild, "list_projects", "projects", MAX_PROJECTS)
    batches = [names[i : i + _BATCH] for i in range(0, len(names), _BATCH)]
    read = concurrently(functools.partial(_batch, codebuild, scope), batches)
    return bounded_region("projects", [project for batch in read for project in batch], more, MAX_PROJECTS)


def _batch(codebuild: BaseClient, scope: Scope, names: list[str]) -> list[dict[str, Any]]:
    try:
        found = codebuild.batch_get_projects(names=names)
    except ClientError as exc:
        # The whole batch is unknown: each of its projects gets the error, so only their outcomes are errors.
        problem = describe_error(exc)
        return [{**_unread(scope, name), "describe_error": problem} for name in names]
    # A name in projectsNotFound was deleted since the listing: it is left out.
    return [_project(scope, project) for project in found.get("projects", [])]


def _unread(scope: Scope, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "arn": f"arn:{scope.partition}:codebuild:{scope.region}:{scope.account_id}:project/{name}",
        "cloudwatch_logs_status": None,
        "s3_logs_status": None,
        "s3_logs_encryption_disabled": False,
        "plaintext_variable_names": [],
        "sources": [],
        "artifacts": [],
        "region": scope.region,
    }


def _project(scope: Scope, described: Mapping[str, Any]) -> dict[str, Any]:
    project = _unread(scope, str(described["name"]))
    project["arn"] = described.get("arn") or project["arn"]
    logs = described.get("logsConfig") or {}
    project["cloudwatch_logs_status"] = (logs.get("cloudWatchLogs") or {}).get("status")
    s3_logs = logs.get("s3Logs") or {}
    project["s3_logs_status"] = s3_logs.get("status")
    project["s3_logs_encryption_disabled"] = s3_logs.get("encryptionDisabled") is True
    variables = (described.get("environment") or {}).get("environmentVariables") or []
    project["privileged_mode"] = (described.get("environment") or {}).get("privilegedMode") is True
    # PUBLIC_READ lets anyone see the project's builds, logs and artifacts; left out: PRIVATE, CodeBuild's default.
    project["visibility"] = described.get("projectVisibility") or "PRIVATE"
    plain_variables = [v for v in variables if v.get("name") and (v.get("type") or _PLAINTEXT) == _PLAINTEXT]
    # Names, and what kind of credential a value holds: the values themselves are deliberately left behind.
    project["plaintext_variable_names"] = [str(v["name"]) for v in plain_variables]
    project["plaintext_variable_findings"] = {
        str(v["name"]): kinds for v in plain_variables if (kinds := value_credential_kinds(v.get("value")))
    }
    project["webhook"] = _webhook(described.get("webhook"))
    project["sources"] = [
        _source("primary", described.get("source") or {}),
        *(_source(str(s.get("sourceIdentifier") or ""), s) for s in described.get("secondarySources") or []),
    ]
    project["artifacts"] = [
        _artifacts("primary", described.get("artifacts") or {}),
        *(_artifacts(str(a.get("artifactIdentifier") or ""), a) for a in described.get("secondaryArtifacts") or []),
    ]
    return project


def _webhook(webhook: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """What starts the project's builds from its repository: the webhook's filter groups and pull request build
    policy (absent: builds start without approval), or None when the project has no webhook."""
    if not webhook:
        return None
    policy = webhook.get("pullRequestBuildPolicy") or {}
    return {
        "filter_groups": [
            [
                {
                    "type": str(f.get("type") or ""),
                    "pattern": str(f.get("pattern") or ""),
                    "exclude": f.get("excludeMatchedPattern") is True,
                }
                for f in group or []
            ]
            for group in webhook.get("filterGroups") or []
        ],
        "pull_request_approval": policy.get("requiresCommentApproval") or "DISABLED",
    }


def _source(identifier: str, source: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "identifier": identifier,
        "type": source.get("type"),
        "url_has_credentials": url_has_credentials(source.get("location")),
        "buildspec": buildspec_kind(source.get("buildspec")),
    }


def buildspec_kind(buildspec: Any) -> str:
    """Where a source's build commands come from, never the commands themselves (they may hold secrets):
    "s3" (an S3 object ARN), "inline" (the YAML or JSON text in the project), or "source" (a file in the source,
    buildspec.yml at its root when none is named)."""
    if not isinstance(buildspec, str) or not buildspec.strip():
        return "source"
    text = buildspec.strip()
    if text.startswith("arn:") and ":s3:::" in text:
        return "s3"
    # A file name is one line; an inline buildspec is a document with a version key (YAML or JSON).
    if "\n" in text or text.startswith("{") or _VERSION_KEY.match(text):
        return "inline"
    return "source"


def url_has_credentials(location: Any) -> bool:
    """Whether ``location`` is an http(s) URL with sign-in details before its host (``user:password@``, ``token@``).

    Other forms (an S3 path, a CodeCommit or git@ SSH address) carry none CodeBuild could leak.
    """
    if not isinstance(location, str):
        return False
    try:
        parts = urlsplit(location.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and "@" in parts.netloc


def _artifacts(identifier: str, artifacts: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "identifier": identifier,
        "type": artifacts.get("type"),
        "encryption_disabled": artifacts.get("encryptionDisabled") is True,
    }
