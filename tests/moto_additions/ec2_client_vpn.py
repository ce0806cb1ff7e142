"""EC2 Client VPN endpoints, which moto 5.2 does not serve (its server answers a 500), added to moto's EC2 responder.

Create, describe (paginated, by id), modify (connection logging, description, split tunnel, session timeout) and
delete (the endpoint is then listed as deleting), with each endpoint kept on moto's EC2 backend of the account and
region. Only what the connector reads and the tests set is modelled: no target network associations, routes or
authorization rules.
"""

from __future__ import annotations

import secrets
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.responses import EC2Response

from ._responder import add_methods, paged, state_on

_DEFAULT_PAGE = 50


class _NotFound(EC2ClientError):
    def __init__(self, endpoint_id: str) -> None:
        super().__init__(
            "InvalidClientVpnEndpointId.NotFound", f"The Client VPN endpoint ID '{endpoint_id}' does not exist"
        )


def _endpoints(response: Any) -> dict[str, dict[str, Any]]:
    return state_on(response.ec2_backend, "client_vpn_endpoints", dict)


def _log_options(given: dict[str, Any] | None) -> dict[str, Any]:
    given = given or {}
    enabled = str(given.get("Enabled", "false")).lower() == "true"
    options: dict[str, Any] = {"Enabled": enabled}
    if enabled:
        for name in ("CloudwatchLogGroup", "CloudwatchLogStream"):
            if given.get(name):
                options[name] = given[name]
    return options


def _endpoint(response: Any, endpoint_id: str | None) -> dict[str, Any]:
    endpoint = _endpoints(response).get(str(endpoint_id))
    if endpoint is None:
        raise _NotFound(str(endpoint_id))
    return endpoint


class ClientVpnResponses:
    """Methods set on moto's ``EC2Response``."""

    def create_client_vpn_endpoint(self: Any) -> ActionResult:
        endpoint_id = f"cvpn-endpoint-{secrets.token_hex(9)[:17]}"
        _endpoints(self)[endpoint_id] = {
            "ClientVpnEndpointId": endpoint_id,
            "Description": self._get_param("Description") or "",
            "Status": {"Code": "pending-associate"},
            "CreationTime": utcnow().strftime("%Y-%m-%dT%H:%M:%S"),
            "DnsName": f"*.{endpoint_id}.prod.clientvpn.{self.region}.amazonaws.com",
            "ClientCidrBlock": self._get_param("ClientCidrBlock"),
            "SplitTunnel": str(self._get_param("SplitTunnel", False)).lower() == "true",
            "VpnProtocol": "openvpn",
            "TransportProtocol": self._get_param("TransportProtocol") or "udp",
            "VpnPort": int(self._get_param("VpnPort") or 443),
            "ServerCertificateArn": self._get_param("ServerCertificateArn"),
            "ConnectionLogOptions": _log_options(self._get_param("ConnectionLogOptions")),
            "SessionTimeoutHours": int(self._get_param("SessionTimeoutHours") or 24),
            "VpcId": self._get_param("VpcId"),
            "SecurityGroupIds": self._get_param("SecurityGroupIds") or [],
        }
        return ActionResult(
            {"ClientVpnEndpointId": endpoint_id, "Status": {"Code": "pending-associate"}, "DnsName": endpoint_id}
        )

    def describe_client_vpn_endpoints(self: Any) -> ActionResult:
        wanted = self._get_param("ClientVpnEndpointIds") or []
        listed = (
            [_endpoint(self, i) for i in wanted]
            if wanted
            else sorted(_endpoints(self).values(), key=lambda e: e["ClientVpnEndpointId"])
        )
        size = self._get_param("MaxResults") or _DEFAULT_PAGE
        return ActionResult(paged(listed, "ClientVpnEndpoints", self._get_param("NextToken"), size))

    def modify_client_vpn_endpoint(self: Any) -> ActionResult:
        endpoint = _endpoint(self, self._get_param("ClientVpnEndpointId"))
        if self._get_param("ConnectionLogOptions") is not None:
            endpoint["ConnectionLogOptions"] = _log_options(self._get_param("ConnectionLogOptions"))
        if self._get_param("Description") is not None:
            endpoint["Description"] = self._get_param("Description")
        if self._get_param("SplitTunnel") is not None:
            endpoint["SplitTunnel"] = str(self._get_param("SplitTunnel")).lower() == "true"
        if self._get_param("SessionTimeoutHours") is not None:
            endpoint["SessionTimeoutHours"] = int(self._get_param("SessionTimeoutHours"))
        return ActionResult({"Return": True})

    def delete_client_vpn_endpoint(self: Any) -> ActionResult:
        # AWS goes on listing an endpoint being deleted for a while, with its status saying so.
        _endpoint(self, self._get_param("ClientVpnEndpointId"))["Status"] = {"Code": "deleting"}
        return ActionResult({"Status": {"Code": "deleting"}})


def install() -> None:
    add_methods(ClientVpnResponses, EC2Response)
