"""Route 53 Domains transfer locks, which moto 5.2 does not keep (ListDomains answers every domain locked).

EnableDomainTransferLock and DisableDomainTransferLock are added to moto's responder; the domains unlocked are kept
on moto's backend, and ListDomains' TransferLock and GetDomainDetail's StatusList (clientTransferProhibited) answer
from them. Everything else is moto's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from moto.route53domains.responses import Route53DomainsResponse

from ._responder import add_methods, state_on

LOCKED = "clientTransferProhibited"


def _unlocked(response: Any) -> set[str]:
    return state_on(response.route53domains_backend, "unlocked_domains", set)


def _operation() -> str:
    return json.dumps({"OperationId": "00000000-0000-0000-0000-000000000000"})


class Route53DomainsResponses:
    """Methods set on moto's ``Route53DomainsResponse``."""

    def enable_domain_transfer_lock(self: Any) -> str:
        name = self._get_param("DomainName")
        self.route53domains_backend.get_domain(domain_name=name)  # NotFound for a domain not registered
        _unlocked(self).discard(name)
        return _operation()

    def disable_domain_transfer_lock(self: Any) -> str:
        name = self._get_param("DomainName")
        self.route53domains_backend.get_domain(domain_name=name)
        _unlocked(self).add(name)
        return _operation()


def _listing(list_domains: Callable[[Any], str]) -> Callable[[Any], str]:
    def answer(self: Any) -> str:
        found = json.loads(list_domains(self))
        for domain in found.get("Domains", []):
            domain["TransferLock"] = domain["DomainName"] not in _unlocked(self)
        return json.dumps(found)

    return answer


def _detail(get_domain_detail: Callable[[Any], str]) -> Callable[[Any], str]:
    def answer(self: Any) -> str:
        found = json.loads(get_domain_detail(self))
        statuses = [s for s in found.get("StatusList") or [] if s != LOCKED]
        found["StatusList"] = statuses if found["DomainName"] in _unlocked(self) else [*statuses, LOCKED]
        return json.dumps(found)

    return answer


def install() -> None:
    add_methods(Route53DomainsResponses, Route53DomainsResponse)
    Route53DomainsResponse.list_domains = _listing(Route53DomainsResponse.list_domains)  # type: ignore[method-assign]
    Route53DomainsResponse.get_domain_detail = _detail(Route53DomainsResponse.get_domain_detail)  # type: ignore[method-assign]
