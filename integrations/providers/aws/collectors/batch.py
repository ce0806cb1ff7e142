"""AWS Batch collection (regional): what in each active job definition's container environment and command looks like
a credential (names and kinds only: the inventory is stored and must never hold the secrets it reports)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..shapes_devtools import BatchRegion
from ..shapes_ec2 import NamedSecretFinding
from ._common import Scope, bounded_region, paginate_at_most
from .user_data import named_values_findings, secret_findings

# Every active revision is kept (an old one can still be submitted); past this many in a region the rest are left
# unread, and the check says so.
MAX_JOB_DEFINITIONS = 2_000


def collect_batch(scope: Scope) -> BatchRegion:
    listed, more = paginate_at_most(
        scope.client("batch"), "describe_job_definitions", "jobDefinitions", MAX_JOB_DEFINITIONS, status="ACTIVE"
    )
    definitions = [_definition(scope, d) for d in listed]
    return bounded_region("job_definitions", definitions, more, MAX_JOB_DEFINITIONS)


def _definition(scope: Scope, definition: Mapping[str, Any]) -> dict[str, Any]:
    found: list[NamedSecretFinding] = []
    for where, container in _containers(definition):
        environment = {str(v.get("name")): v.get("value") for v in container.get("environment") or [] if v.get("name")}
        found += [{"name": f"{where}{f['name']}", "kinds": f["kinds"]} for f in named_values_findings(environment)]
        command = " ".join(str(part) for part in container.get("command") or [])
        kinds = sorted({f["kind"] for f in secret_findings(command)})
        if kinds:
            found.append({"name": f"{where}command", "kinds": kinds})
    return {
        "name": str(definition.get("jobDefinitionName")),
        "arn": str(definition.get("jobDefinitionArn")),
        "revision": definition.get("revision"),
        "secrets": found,
        "region": scope.region,
    }


def _containers(definition: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(how a finding's name starts, container properties) for the single-node container and each node range's."""
    if definition.get("containerProperties"):
        yield "", definition["containerProperties"]
    for node_range in (definition.get("nodeProperties") or {}).get("nodeRangeProperties") or []:
        if node_range.get("container"):
            yield f"nodes {node_range.get('targetNodes')}/", node_range["container"]
