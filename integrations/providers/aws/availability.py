"""Which AWS regions offer a service, from the endpoint data botocore ships (no call to AWS).

A regional service is collected only in the configured regions that offer it. Where AWS does not run a service
(MemoryDB, DAX, Glacier or Macie in some newer regions) there is nothing of it to judge, and calling its endpoint
there only fails, which turned every check of the service into an error outcome for that region. A region botocore
does not know at all (newer than the installed botocore, or a private one) is collected as configured: nothing is
skipped on a guess.
"""

from __future__ import annotations

import functools
import threading

import botocore.session
from botocore.exceptions import BotoCoreError

from .client_needs import CLIENT_NEEDS
from .loader import SHARED_LOADER

# EC2 runs in every region of a partition: its list is the partition's regions as botocore knows them.
_EVERYWHERE = "ec2"
_SESSION = botocore.session.get_session()
# A service's regions are found through its model (its endpoint prefix): the clients' loader, so each model is
# parsed once per process rather than once here and once for the clients.
_SESSION.register_component("data_loader", SHARED_LOADER)
# botocore builds its endpoint resolver on first use, which is not safe to race; scans run in threads.
_LOCK = threading.Lock()


@functools.cache
def _regions(client_name: str, partition: str) -> frozenset[str]:
    with _LOCK:
        return frozenset(_SESSION.get_available_regions(client_name, partition))


def _primary_client(service: str) -> str | None:
    """The regional boto3 client an inventory service is read through (the first of its regional needs)."""
    return next((spec for spec in CLIENT_NEEDS.get(service, ()) if "@" not in spec), None)


def offered(service: str, region: str) -> bool:
    """Whether ``region`` offers the inventory ``service``; True when botocore cannot tell."""
    client = _primary_client(service)
    if client is None:
        return True
    try:
        with _LOCK:
            partition = _SESSION.get_partition_for_region(region)
    except BotoCoreError:
        return True
    if region not in _regions(_EVERYWHERE, partition):
        return True
    listed = _regions(client, partition)
    return not listed or region in listed
