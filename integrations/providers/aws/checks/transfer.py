"""Checks on AWS Transfer Family servers: no plain FTP."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_platform import TransferServer
from ._common import aws_check, described_items, result

SERVER = "AWS::Transfer::Server"
FTP = "FTP"
# What Transfer Family enables when a server is created without naming its protocols.
DEFAULT_PROTOCOLS = ["SFTP"]


def transfer_servers(inventory: Inventory) -> Iterator[TransferServer | Outcome]:
    return described_items(
        inventory,
        "transfer",
        "servers",
        noun="servers",
        resource_type=SERVER,
        resource_id=lambda server: str(server["arn"]),
        label=server_label,
    )


def server_label(server: TransferServer) -> str:
    return f"Transfer Family server {server['id']}"


@aws_check(
    id="aws.transfer.server_no_ftp",
    title="Transfer Family servers do not accept plain FTP",
    severity=Severity.HIGH,
    service="transfer",
    resource_type=SERVER,
    rationale="FTP sends user names, passwords and files in clear: anyone on the path can read the credentials and "
    "the data, and change the files in flight. SFTP and FTPS encrypt both.",
    remediation="Remove FTP from the server's protocols (UpdateServer), moving its clients to SFTP or FTPS.",
)
def server_no_ftp(inventory: Inventory) -> Iterable[Outcome]:
    for server in transfer_servers(inventory):
        if isinstance(server, Outcome):
            yield server
            continue
        protocols = list(server.get("protocols") or DEFAULT_PROTOCOLS)
        ftp = FTP in protocols
        reason = (
            f"{server_label(server)} accepts plain FTP ({', '.join(protocols)})"
            if ftp
            else f"{server_label(server)} accepts {', '.join(protocols)} only"
        )
        yield result(not ftp, server["arn"], SERVER, reason, region=server["region"], protocols=protocols)
