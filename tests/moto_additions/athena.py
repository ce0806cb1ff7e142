"""Athena over the REST protocol botocore now speaks, and UpdateWorkGroup, which moto 5.2 lacks.

botocore's Athena model moved from JSON-over-POST to REST paths (``GET /workgroups``, ``PATCH
/workgroups/{WorkGroup}``, ``GET /query-executions``...), while moto's server still routes only ``POST /``: every
call answered 404. moto's Athena responder already reads its parameters from the path, the query string or the body,
so these paths are routed to it as they are; UpdateWorkGroup is added, applying a workgroup's configuration updates
and state to moto's workgroup.
"""

from __future__ import annotations

from typing import Any

import moto.athena.urls
from moto.athena.responses import AthenaResponse

from ._responder import add_methods

_PATHS = {
    "{0}/workgroups$": AthenaResponse.dispatch,
    "{0}/workgroups/(?P<WorkGroup>[^/]+)$": AthenaResponse.dispatch,
    "{0}/query-executions$": AthenaResponse.dispatch,
    "{0}/query-executions/(?P<QueryExecutionId>[^/]+)$": AthenaResponse.dispatch,
}
# ConfigurationUpdates members applied as they are (the rest of what AWS takes is not modelled).
_PLAIN_UPDATES = (
    "EnforceWorkGroupConfiguration",
    "PublishCloudWatchMetricsEnabled",
    "EnableMinimumEncryptionConfiguration",
    "RequesterPaysEnabled",
    "ManagedQueryResultsConfiguration",
)


def _update_results(configuration: dict[str, Any], updates: dict[str, Any]) -> None:
    results = configuration.setdefault("ResultConfiguration", {})
    if updates.get("RemoveEncryptionConfiguration"):
        results.pop("EncryptionConfiguration", None)
    if "EncryptionConfiguration" in updates:
        results["EncryptionConfiguration"] = updates["EncryptionConfiguration"]
    if updates.get("RemoveOutputLocation"):
        results.pop("OutputLocation", None)
    if "OutputLocation" in updates:
        results["OutputLocation"] = updates["OutputLocation"]


class AthenaResponses:
    """Methods set on moto's ``AthenaResponse``."""

    def update_work_group(self: Any) -> str | tuple[str, dict[str, int]]:
        name = self._get_param("WorkGroup")
        work_group = self.athena_backend.work_groups.get(name)
        if work_group is None:
            return self.error(f"WorkGroup {name} is not found.", 400)  # type: ignore[no-any-return]
        updates = self._get_param("ConfigurationUpdates") or {}
        configuration = work_group.configuration
        for member in _PLAIN_UPDATES:
            if member in updates:
                configuration[member] = updates[member]
        _update_results(configuration, updates.get("ResultConfigurationUpdates") or {})
        if self._get_param("State"):
            work_group.state = self._get_param("State")
        if self._get_param("Description") is not None:
            work_group.description = self._get_param("Description")
        return "{}"


def install() -> None:
    moto.athena.urls.url_paths.update(_PATHS)
    add_methods(AthenaResponses, AthenaResponse)
