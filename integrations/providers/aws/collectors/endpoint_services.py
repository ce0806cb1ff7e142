"""VPC endpoint service collection (regional): the services this account offers to others through PrivateLink, with
whether each connection request waits for approval and which principals may ask.

Its own inventory service (``vpc_endpoint_services``), so a refused read fails only its own checks.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_ec2 import EndpointServicesRegion
from ._common import Scope, concurrently, describe_error, error_code, paginate, plain

# Services on their way out (or never made) take no new connections.
_GONE = frozenset({"Deleting", "Deleted", "Failed"})
_PERMISSIONS = "describe_vpc_endpoint_service_permissions"
# What DescribeVpcEndpointServicePermissions answers for a service deleted since the listing.
_MISSING = frozenset({"InvalidVpcEndpointServiceId.NotFound", "InvalidVpcEndpointService.NotFound"})


def collect_vpc_endpoint_services(scope: Scope) -> EndpointServicesRegion:
    ec2 = scope.client("ec2")
    listed = paginate(ec2, "describe_vpc_endpoint_service_configurations", "ServiceConfigurations")
    live = [s for s in listed if s.get("ServiceState") not in _GONE]
    services = concurrently(functools.partial(_service, ec2, scope.region), live)
    return plain({"services": [s for s in services if s is not None]})


def _service(ec2: BaseClient, region: str, listed: Mapping[str, Any]) -> dict[str, Any] | None:
    """The service with its allowed principals, or with the failure to read them; None when it was deleted since."""
    service: dict[str, Any] = {
        "id": listed["ServiceId"],
        "name": listed.get("ServiceName"),
        "state": listed.get("ServiceState"),
        "acceptance_required": listed.get("AcceptanceRequired") is True,
        "allowed_principals": [],
        "region": region,
    }
    try:
        allowed = paginate(ec2, _PERMISSIONS, "AllowedPrincipals", ServiceId=service["id"])
    except ClientError as exc:
        if error_code(exc) in _MISSING:
            return None
        service["permissions_error"] = describe_error(exc)
        return service
    service["allowed_principals"] = sorted({str(p["Principal"]) for p in allowed if p.get("Principal")})
    return service
