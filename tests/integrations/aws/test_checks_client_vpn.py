"""Client VPN endpoints log client connections: endpoints created and modified through moto's server
(tests.moto_additions)."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import ACCOUNT, OTHER_REGION, REGION, aws, collect, run, statuses

PASS, FAIL = OutcomeStatus.PASS, OutcomeStatus.FAIL
LOGGING = "aws.ec2.client_vpn_connection_logging"


def _endpoint(endpoint: str, region: str = REGION, **settings: Any) -> str:
    """Create a Client VPN endpoint with certificate authentication (create_client_vpn_endpoint's own
    ``settings``); its id."""
    certificate = f"arn:aws:acm:{region}:{ACCOUNT}:certificate/vpn-server"
    created = aws(endpoint, "ec2", region).create_client_vpn_endpoint(
        ClientCidrBlock="10.200.0.0/22",
        ServerCertificateArn=certificate,
        AuthenticationOptions=[
            {
                "Type": "certificate-authentication",
                "MutualAuthentication": {"ClientRootCertificateChainArn": certificate},
            }
        ],
        **settings,
    )
    return str(created["ClientVpnEndpointId"])


def test_endpoints_pass_when_they_log_connections(moto_reset: str) -> None:
    # given an endpoint logging to a log group, one with logging off, and one in another region logging
    logged = _endpoint(
        moto_reset,
        Description="staff",
        ConnectionLogOptions={
            "Enabled": True,
            "CloudwatchLogGroup": "/vpn/staff",
            "CloudwatchLogStream": "connections",
        },
    )
    silent = _endpoint(moto_reset, ConnectionLogOptions={"Enabled": False})
    west = _endpoint(moto_reset, OTHER_REGION, ConnectionLogOptions={"Enabled": True, "CloudwatchLogGroup": "/vpn/eu"})
    # when the check runs over both regions
    outcomes = run(collect(moto_reset, [LOGGING], [REGION, OTHER_REGION]), LOGGING)
    # then only the silent endpoint fails, and the reasons name the log group
    assert statuses(outcomes) == {logged: PASS, silent: FAIL, west: PASS}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[logged] == f"Client VPN endpoint {logged} (staff) logs client connections to log group /vpn/staff"
    assert reasons[silent] == f"Client VPN endpoint {silent} does not log client connections"
    assert {o.resource_id: o.region for o in outcomes}[west] == OTHER_REGION


def test_logging_turned_on_later_passes_and_a_deleted_endpoint_is_gone(moto_reset: str) -> None:
    # given an endpoint created without logging and then modified to log, and one being deleted (still listed)
    ec2 = aws(moto_reset, "ec2")
    fixed = _endpoint(moto_reset, ConnectionLogOptions={"Enabled": False})
    ec2.modify_client_vpn_endpoint(
        ClientVpnEndpointId=fixed, ConnectionLogOptions={"Enabled": True, "CloudwatchLogGroup": "/vpn/ops"}
    )
    ec2.delete_client_vpn_endpoint(ClientVpnEndpointId=_endpoint(moto_reset, ConnectionLogOptions={"Enabled": False}))
    # when the check runs
    outcomes = run(collect(moto_reset, [LOGGING]), LOGGING)
    # then the modified endpoint passes and the one being deleted is not judged
    assert statuses(outcomes) == {fixed: PASS}


def test_a_region_without_endpoints_yields_nothing(moto_reset: str) -> None:
    # given no Client VPN endpoint
    # when the check runs
    collected = collect(moto_reset, [LOGGING])
    # then there is nothing to judge, and no error
    assert not collected.errors
    assert run(collected, LOGGING) == []
