"""Redshift's Multi-AZ clusters and parameter values, which moto 5.2 neither takes nor reports.

- CreateCluster and ModifyCluster take ``MultiAZ`` (a boolean; only RA3 node types can be Multi-AZ, as on AWS, and
  another node type is refused with InvalidParameterCombination), and DescribeClusters answers ``MultiAZ`` as AWS
  does: ``Enabled`` or ``Disabled``, for every cluster.
- ModifyClusterParameterGroup sets parameter values on a group of the account (moto has no such operation); AWS's
  default groups (``default.*``) cannot be modified and an unknown parameter is refused, as on AWS.
  DescribeClusterParameters answers moto's engine defaults with the group's own values over them (``Source: user``).

Everything else is moto's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.redshift.exceptions import (
    ClusterParameterGroupNotFoundError,
    InvalidParameterCombinationError,
    InvalidParameterValueError,
)
from moto.redshift.models import Cluster
from moto.redshift.responses import RedshiftResponse

from ._responder import add_methods, state_on

MULTI_AZ_NODE_PREFIX = "ra3."


def _multi_az(method: Callable[[RedshiftResponse], Any]) -> Any:
    def handler(self: RedshiftResponse) -> Any:
        asked = self._get_bool_param("MultiAZ")
        cluster_id = self._get_param("ClusterIdentifier")
        if asked:
            known = self.redshift_backend.clusters.get(cluster_id)
            node_type = self._get_param("NodeType") or (known.node_type if known else "")
            if not str(node_type).startswith(MULTI_AZ_NODE_PREFIX):
                raise InvalidParameterCombinationError(f"Multi-AZ needs an RA3 node type, not {node_type}")
        answer = method(self)
        if asked is not None:
            renamed = self._get_param("NewClusterIdentifier") or cluster_id
            self.redshift_backend.clusters[renamed].multi_az = "Enabled" if asked else "Disabled"
        return answer

    return handler


def _values(group: Any) -> dict[str, str]:
    return state_on(group, "parameter_values", dict)


class RedshiftResponses:
    """Methods set on moto's ``RedshiftResponse``."""

    def modify_cluster_parameter_group(self: Any) -> ActionResult:
        name = self._get_param("ParameterGroupName")
        group = self.redshift_backend.parameter_groups.get(name)
        if group is None:
            raise ClusterParameterGroupNotFoundError(name)
        if str(name).startswith("default."):
            raise InvalidParameterValueError(f"Cannot modify the default parameter group {name}")
        values = {p["ParameterName"]: str(p["ParameterValue"]) for p in self._get_param("Parameters", [])}
        unknown = sorted(set(values) - set(self.redshift_backend.default_params))
        if unknown:
            raise InvalidParameterValueError(f"Could not find parameter with name: {unknown[0]}")
        _values(group).update(values)
        status = "Your parameter group has been updated."
        return ActionResult({"ParameterGroupName": name, "ParameterGroupStatus": status})

    def describe_cluster_parameters(self: Any) -> ActionResult:
        name = self._get_param("ParameterGroupName")
        group = self.redshift_backend.parameter_groups.get(name)
        if group is None:
            raise ClusterParameterGroupNotFoundError(name)
        own = _values(group)
        parameters = [
            {**p, "ParameterValue": own[p["ParameterName"]], "Source": "user"} if p["ParameterName"] in own else p
            for p in self.redshift_backend.describe_default_cluster_parameters()
        ]
        return ActionResult({"Parameters": parameters})


def install() -> None:
    # A class default: every cluster moto makes (created, restored, modified) reports the setting, off unless asked.
    Cluster.multi_az = "Disabled"  # type: ignore[attr-defined]
    RedshiftResponse.create_cluster = _multi_az(RedshiftResponse.create_cluster)  # type: ignore[method-assign]
    RedshiftResponse.modify_cluster = _multi_az(RedshiftResponse.modify_cluster)  # type: ignore[method-assign]
    add_methods(RedshiftResponses, RedshiftResponse)
