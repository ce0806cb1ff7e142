"""The egress guard: which network addresses a connector may open a connection to.

Tenant admins choose where integrations connect (an AWS endpoint, a GitHub API root, a
PostgreSQL host, later webhook targets).  Unguarded, those could be the platform's own
internals: services on loopback, the cloud metadata endpoint, private networks.  So every
outbound connection of a connector passes this module twice:

- when an integration is validated, :func:`host_refusal` says why its host is refused
  (the API answers 400 naming the field);
- when it connects, :func:`vetted_addresses` resolves the name once, refuses if *any*
  resolved address is refused, and :func:`create_connection` connects to exactly those
  addresses: nothing resolves the name a second time, so a DNS answer that changes
  between validation and connection (DNS rebinding) cannot slip past the check.

Refused unless allowed: loopback, link-local (cloud metadata), private, carrier-grade NAT,
multicast, unspecified, reserved and other non-public addresses, in IPv4 and IPv6,
including IPv6 forms that embed an IPv4 address.  The operator's allow-list
``INTEGRATION_EGRESS_ALLOW`` (CIDRs and host names; ``.example.org`` matches subdomains)
permits what it names.  The platform's own backing services (database, broker, evidence
storage) are configured by the operator and never go through this guard.
"""

from __future__ import annotations

import functools
import http.client
import ipaddress
import re
import socket
import ssl
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

SETTING = "INTEGRATION_EGRESS_ALLOW"
ADVICE = f"integrations may only reach public addresses unless the operator allows it ({SETTING})"

_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_PRIVATE: tuple[Network, ...] = (
    ipaddress.IPv4Network("10.0.0.0/8"),
    ipaddress.IPv4Network("172.16.0.0/12"),
    ipaddress.IPv4Network("192.168.0.0/16"),
    ipaddress.IPv6Network("fc00::/7"),
)
# IPv6 ranges whose last 32 bits are an IPv4 address the packet may end up at.
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
# Host names as DNS knows them; anything else (a socket path, a comma-separated list a
# driver would split, spaces) is never a network host.
_HOST_NAME = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$")


class EgressDeniedError(OSError):
    """A connection the egress policy refuses; the message is safe to show the tenant."""

    def __init__(self, message: str, *, host: str = "", address: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.host = host
        self.address = address

    def __str__(self) -> str:
        return self.message


def address_kind(address: Address) -> str | None:
    """Why an address is not public ("a loopback address", ...), or None for a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped
        if mapped is not None:
            kind = address_kind(mapped)
            return f"{kind} (IPv4-mapped)" if kind else None
        if address in _IPV4_COMPATIBLE and not (address.is_unspecified or address.is_loopback):
            return "an IPv4-compatible address (deprecated, never public)"
        if address in _NAT64:
            kind = address_kind(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
            return f"{kind} (through NAT64)" if kind else None
        if address in _NAT64_LOCAL:
            return "a local-use NAT64 address"
        if address.sixtofour is not None:
            kind = address_kind(address.sixtofour)
            return f"{kind} (through 6to4)" if kind else None
        if address.teredo is not None:
            return "a Teredo tunnel address"
        if address.is_site_local:
            return "a site-local address"
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (where cloud metadata services live)"
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return "a carrier-grade NAT (shared) address"
    if address.is_multicast:
        return "a multicast address"
    if any(address.version == net.version and address in net for net in _PRIVATE):
        return "a private address"
    if address.is_reserved:
        return "a reserved address"
    if not address.is_global:
        return "a special-purpose address that is not publicly routable"
    return None


def normal_host(host: str) -> str:
    """A host as written in a URL or a config field, bracket-free, lower-case, without a trailing dot."""
    name = str(host or "").strip()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    return name.rstrip(".").lower()


def _literal(name: str) -> Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


@dataclass(frozen=True)
class EgressPolicy:
    """What the operator allows beyond public addresses: networks, and host names."""

    networks: tuple[Network, ...] = ()
    names: tuple[str, ...] = ()

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> EgressPolicy:
        networks: list[Network] = []
        names: list[str] = []
        for raw in entries:
            entry = normal_host(raw)
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                names.append(entry)
        return cls(networks=tuple(networks), names=tuple(names))

    def allows_name(self, name: str) -> bool:
        name = normal_host(name)
        return any(name == n or (n.startswith(".") and name.endswith(n)) for n in self.names)

    def allows_address(self, address: Address) -> bool:
        candidates: list[Address] = [address]
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            # A dual-stack socket sends ::ffff:a.b.c.d to a.b.c.d itself.
            candidates.append(address.ipv4_mapped)
        return any(c.version == net.version and c in net for c in candidates for net in self.networks)

    def refusal(self, address: Address) -> str | None:
        """Why a connection to this address is refused, or None when it may go ahead."""
        if self.allows_address(address):
            return None
        return address_kind(address)


@functools.lru_cache(maxsize=16)
def _policy_for(entries: tuple[str, ...]) -> EgressPolicy:
    return EgressPolicy.from_entries(entries)


def current_policy() -> EgressPolicy:
    """The policy of the running settings (read on every use, so a changed setting applies at once)."""
    configured: Any = getattr(settings, SETTING, ())
    if isinstance(configured, str):
        configured = configured.split(",")
    return _policy_for(tuple(str(entry) for entry in configured or ()))


def _system_resolver(host: str, port: int) -> list[Address]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return [ipaddress.ip_address(info[4][0]) for info in infos]


# How names become addresses. A module attribute so that tests can stand in a fake DNS
# (e.g. one whose answer changes between validation and connection).
resolver: Callable[[str, int], Sequence[Address]] = _system_resolver


def _resolve(name: str, port: int) -> list[Address]:
    found = list(dict.fromkeys(resolver(name, port)))
    if not found:
        raise socket.gaierror(socket.EAI_NONAME, f"{name} resolves to no address")
    return found


def _refused_message(name: str, address: Address, kind: str) -> str:
    if name == normal_host(str(address)):
        return f"{address} is {kind}; {ADVICE}."
    return f"{name} resolves to {address}, {kind}; {ADVICE}."


def _check_name_shape(host: str, name: str) -> None:
    if not name:
        raise EgressDeniedError("No host is given.", host=host)
    if _literal(name) is None and not _HOST_NAME.match(name):
        raise EgressDeniedError(f"{host!r} is not a network host name.", host=host)


def host_refusal(host: str, *, policy: EgressPolicy | None = None) -> str | None:
    """Why integrations may not connect to ``host``, as a message for a field error; None when they may.

    A name that does not resolve here is accepted: it may resolve where the worker runs,
    and the check at connect time decides then.
    """
    policy = policy or current_policy()
    name = normal_host(host)
    try:
        _check_name_shape(host, name)
    except EgressDeniedError as exc:
        return exc.message
    if policy.allows_name(name):
        return None
    literal = _literal(name)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            addresses = _resolve(name, 0)
        except (OSError, UnicodeError):
            return None
    for address in addresses:
        kind = policy.refusal(address)
        if kind:
            return _refused_message(name, address, kind)
    return None


def vetted_addresses(host: str, port: int, *, policy: EgressPolicy | None = None) -> list[Address]:
    """Resolve ``host`` once and return its addresses, or raise :class:`EgressDeniedError` if any is refused.

    Raises :class:`socket.gaierror` when the name does not resolve.  Connect to the
    returned addresses only (never to the name again).
    """
    policy = policy or current_policy()
    name = normal_host(host)
    _check_name_shape(host, name)
    literal = _literal(name)
    addresses = [literal] if literal is not None else _resolve(name, port)
    if policy.allows_name(name):
        return addresses
    for address in addresses:
        kind = policy.refusal(address)
        if kind:
            raise EgressDeniedError(_refused_message(name, address, kind), host=name, address=str(address))
    return addresses


def create_connection(
    host: str,
    port: int,
    *,
    timeout: Any = None,
    source_address: tuple[str, int] | None = None,
    socket_options: Iterable[tuple[int, int, Any]] = (),
) -> socket.socket:
    """A TCP connection to a vetted address of ``host`` (as :func:`socket.create_connection`, guarded).

    ``timeout`` is applied when it is a number or None; anything else (a library's
    "default" sentinel) leaves the socket's default.
    """
    addresses = vetted_addresses(host, port)
    last_error: OSError | None = None
    for address in addresses:
        family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            for option in socket_options:
                sock.setsockopt(*option)
            if timeout is None or isinstance(timeout, int | float):
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect((str(address), port))
        except OSError as exc:
            sock.close()
            last_error = exc
            continue
        return sock
    assert last_error is not None  # vetted_addresses never returns an empty list
    raise last_error


def refusal_in(exc: BaseException | None) -> EgressDeniedError | None:
    """The egress refusal behind an exception a library wrapped it in (urllib, urllib3, botocore), if any."""
    seen: set[int] = set()
    pending: list[Any] = [exc]
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, EgressDeniedError):
            return current
        pending.extend([current.__cause__, current.__context__, getattr(current, "reason", None)])
        kwargs = getattr(current, "kwargs", None)
        if isinstance(kwargs, dict):
            pending.append(kwargs.get("error"))
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
    return None


# ---------------------------------------------------------------------------
# http.client / urllib.request: connections through the guard


def _http_client_connect(address: tuple[str, int], timeout: Any = None, source_address: Any = None) -> socket.socket:
    host, port = address
    return create_connection(host, int(port), timeout=timeout, source_address=source_address)


class GuardedHTTPConnection(http.client.HTTPConnection):
    """An http.client connection that opens its socket through the guard."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # http.client opens every socket through this one attribute; TLS (for HTTPS, with
        # the host name for SNI and certificate checks) is layered on the guarded socket.
        self._create_connection = _http_client_connect


class GuardedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _http_client_connect


class GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(GuardedHTTPConnection, req)


class GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    # Set by HTTPSHandler.__init__ (the context given, or None); typeshed does not declare it.
    _context: ssl.SSLContext | None

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(GuardedHTTPSConnection, req, context=self._context)


def build_opener(*handlers: urllib.request.BaseHandler) -> urllib.request.OpenerDirector:
    """A urllib opener whose every connection goes through the guard, never through an environment proxy.

    A proxy would resolve and connect on our behalf, where no check of ours can see the address.
    """
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), GuardedHTTPHandler(), GuardedHTTPSHandler(), *handlers
    )
