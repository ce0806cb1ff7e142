"""CloudFormation collection (regional): each stack's status, termination protection and place among nested stacks,
and what its outputs hold: the CDK bootstrap version where the stack publishes one, and which outputs look like
credentials (by name and kind only: the inventory is stored and must never hold the secrets it reports)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..shapes_devtools import CloudFormationRegion
from ._common import Scope, bounded_region, paginate_at_most
from .user_data import named_values_findings

# DescribeStacks answers every stack with its outputs, 100 a page; past this many in a region the rest are left unread
# (and the checks say so). AWS's default quota is 2,000 stacks a region.
MAX_STACKS = 2_000
# The output the CDK bootstrap template publishes its version in.
BOOTSTRAP_VERSION_OUTPUT = "BootstrapVersion"


def collect_cloudformation(scope: Scope) -> CloudFormationRegion:
    listed, more = paginate_at_most(scope.client("cloudformation"), "describe_stacks", "Stacks", MAX_STACKS)
    return bounded_region("stacks", [_stack(scope, s) for s in listed], more, MAX_STACKS)


def _stack(scope: Scope, stack: Mapping[str, Any]) -> dict[str, Any]:
    outputs = {str(o["OutputKey"]): o.get("OutputValue") for o in stack.get("Outputs") or [] if o.get("OutputKey")}
    version = str(outputs.get(BOOTSTRAP_VERSION_OUTPUT) or "").strip()
    return {
        "name": str(stack["StackName"]),
        "arn": str(stack.get("StackId") or stack["StackName"]),
        "status": stack.get("StackStatus"),
        "parent_id": stack.get("ParentId") or None,
        "termination_protection": stack.get("EnableTerminationProtection") is True,
        # None: the stack publishes no BootstrapVersion output (it is not a CDK bootstrap stack), or not a number.
        "bootstrap_version": int(version) if version.isdigit() else None,
        "output_secrets": named_values_findings(outputs),
        "region": scope.region,
    }
