"""Route 53 Domains collection (global): each domain the account registered through Route 53, with its renewal,
transfer lock and contact privacy.

Route 53 Domains answers in us-east-1 only, and only in the commercial partition: elsewhere there are no domains to
read, and none are reported.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_devtools import Route53Domains
from ._common import Scope, concurrently, describe_error, error_code, paginate, plain

COMMERCIAL = "aws"
LOCKED = "clientTransferProhibited"


def collect_route53domains(scope: Scope) -> Route53Domains:
    if scope.partition != COMMERCIAL:
        return plain({"domains": []})
    client = scope.client("route53domains", scope.global_region)
    listed = paginate(client, "list_domains", "Domains")
    domains = concurrently(functools.partial(_domain, client), listed)
    return plain({"domains": [d for d in domains if d is not None]})


def _domain(client: BaseClient, listed: Mapping[str, Any]) -> dict[str, Any] | None:
    name = str(listed["DomainName"])
    domain: dict[str, Any] = {
        "name": name,
        "auto_renew": listed.get("AutoRenew") is True,
        "expiry": listed.get("Expiry"),
        "transfer_lock": listed.get("TransferLock") is True,
    }
    try:
        detail = client.get_domain_detail(DomainName=name)
    except ClientError as exc:
        if error_code(exc) in ("InvalidInput", "DomainNotFound"):
            return None  # transferred away or deleted between the listing and this read
        domain["describe_error"] = describe_error(exc)
        return domain
    statuses = [str(s) for s in detail.get("StatusList") or []]
    domain.update(
        {
            # Either answer locks it: ListDomains' TransferLock, or the registry's clientTransferProhibited status.
            "transfer_lock": domain["transfer_lock"] or LOCKED in statuses,
            "privacy": {
                "admin": detail.get("AdminPrivacy") is True,
                "registrant": detail.get("RegistrantPrivacy") is True,
                "tech": detail.get("TechPrivacy") is True,
            },
        }
    )
    return domain
