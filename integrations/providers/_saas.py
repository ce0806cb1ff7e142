"""What the SaaS identity providers (Okta, Google Workspace, Microsoft Entra ID) share above the wire.

``_rest`` is their GET wire; this module is the rest they have in common, so that the
rules hold the same in each: which API URLs a config may name (https, plain http only for
a server on this machine), how a threshold setting is declared and read back, how one
scan's services are collected into an inventory, and how an OAuth token endpoint is
POSTed to.  Every message a user reads is the provider's own, passed in.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, Protocol, TypeVar
from urllib.parse import SplitResult, urlencode, urlsplit

from django.core.validators import URLValidator
from rest_framework import serializers

from complywise import egress
from integrations.providers.schema import validate_egress_url
from integrations.registry import Inventory

from ._rest import RestError

# -- config -------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def https_url(
    value: str,
    *,
    not_plain: str,
    not_https: str,
    keep_path: bool = False,
    check: Callable[[SplitResult], None] | None = None,
) -> str:
    """``value`` normalised (lower-case scheme and host; the path only with ``keep_path``).

    Refused, with the caller's message: credentials, a query, a fragment or (unless
    ``keep_path``) a path (``not_plain``); an address the egress guard forbids; plain http
    to anything but this machine (``not_https``), where the credentials would cross the
    network in clear.  ``check`` sees the parts after the first test, for a provider's own.
    """
    parts = urlsplit(value)
    if parts.username or parts.password or parts.query or parts.fragment or (parts.path.strip("/") and not keep_path):
        raise serializers.ValidationError(not_plain)
    if check is not None:
        check(parts)
    # Where it points comes first: no scheme makes an address integrations may not reach acceptable.
    validate_egress_url(value)
    if parts.scheme.lower() == "http" and not is_loopback(parts.hostname or ""):
        raise serializers.ValidationError(not_https)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/') if keep_path else ''}"


class HttpsOriginField(serializers.URLField):
    """An API origin (scheme and host, no path): see :func:`https_url`; subclasses word the refusals."""

    not_plain: ClassVar[str]
    not_https: ClassVar[str]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validators=[URLValidator(schemes=["http", "https"])], **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data).strip()
        return https_url(value, not_plain=self.not_plain, not_https=self.not_https, check=self.check_host)

    def check_host(self, parts: SplitResult) -> None:
        """A provider's own refusal of a host that is a wrong one of its own (a console's, say)."""


def threshold(default: int, min_value: int, max_value: int, help_text: str | None = None) -> serializers.IntegerField:
    """An optional whole-number setting of a check (days, a count of administrators)."""
    return serializers.IntegerField(
        required=False, default=default, min_value=min_value, max_value=max_value, help_text=help_text
    )


def check_at_most(attrs: Mapping[str, Any], low: str, high: str) -> None:
    """Refuse a range whose lower setting ``low`` exceeds its upper one ``high``."""
    if attrs[low] > attrs[high]:
        raise serializers.ValidationError({low: [f"Must not be more than {high}."]})


def config_number(config: Mapping[str, object], key: str, default: int) -> int:
    """A threshold of a saved config; ``default`` where the config predates the setting."""
    value = config.get(key)
    return default if value is None else int(str(value))


# -- collection ---------------------------------------------------------------------


class Collector(Protocol):
    """How one inventory service is read (each provider's ``collectors.Collector``)."""

    @property
    def label(self) -> str: ...

    @property
    def read(self) -> Callable[[Any], Any]: ...


C = TypeVar("C", bound=Collector)


def collect_each(
    inventory: Inventory,
    services: Iterable[str],
    *,
    order: Sequence[str],
    collectors: Mapping[str, C],
    product: str,
    missing: str,
    scope: Callable[[], Any],
    describe: Callable[[RestError, C], str],
    logger: logging.Logger,
) -> Inventory:
    """Read each wanted service into ``inventory``, recording why any could not be read.

    Services are read in ``order`` (the one every other needs first, so its failure is
    reported once per service that needed it).  ``missing`` says why nothing can be read
    (no credentials), or is empty; ``describe`` words a failed read; ``product`` names the
    provider in messages and logs ("Okta").
    """
    services = set(services)
    for unknown in sorted(services - set(collectors)):
        inventory.errors[unknown] = f"the {product} connector does not collect this service"
    wanted = [s for s in order if s in services]
    if missing:
        for service in wanted:
            inventory.errors[service] = missing
        return inventory
    shared = scope()
    for service in wanted:
        collector = collectors[service]
        try:
            inventory.data[service] = collector.read(shared)
        except RestError as exc:
            detail = describe(exc, collector)
            logger.warning("%s collection of %s failed: %s", product, service, detail)
            inventory.errors[service] = detail
    return inventory


# -- token endpoints ----------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A token endpoint never redirects: following one would carry the credential elsewhere."""

    def __init__(self, refuse: Callable[[int], RestError]) -> None:
        self.refuse = refuse

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        fp.close()
        raise self.refuse(code)


def post_form(
    url: str,
    form: Mapping[str, str],
    *,
    timeout: float,
    redirected: Callable[[int], RestError],
    refused: Callable[[str], RestError],
    unreachable: Callable[[BaseException], RestError],
) -> tuple[int, bytes]:
    """POST ``form`` to an OAuth token endpoint; the status and body of whatever it answers.

    The one POST of these providers (the GET wire is ``_rest``): through the egress guard,
    never following a redirect.  What cannot be answered is raised as the caller words it:
    ``redirected(status)``, ``refused(why)`` where the egress guard forbids the address,
    ``unreachable(exc)`` where the connection failed (the caller decides whether to retry).
    """
    request = urllib.request.Request(  # noqa: S310 - callers give http(s) URLs only (checked with the config or key)
        url,
        data=urlencode(form).encode(),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
    )
    opener = egress.build_opener(_NoRedirect(redirected))
    try:
        with opener.open(request, timeout=timeout) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read()
    except RestError:
        raise
    except (OSError, http.client.HTTPException, ValueError) as exc:
        refusal = egress.refusal_in(exc)
        if refusal is not None:
            raise refused(str(refusal)) from None
        raise unreachable(exc) from None


def post_with_retries(
    post: Callable[[], tuple[int, bytes]],
    *,
    retries: int,
    backoff: float,
    sleep: Callable[[float], None],
    unreachable: type[BaseException],
) -> tuple[int, bytes]:
    """Call ``post`` until it answers below 500 or ``retries`` more attempts were made, backing off exponentially.

    A dropped connection (the caller's ``unreachable`` error) is retried like a 5xx answer; the last one is raised.
    """
    attempt = 0
    while True:
        try:
            status, body = post()
        except unreachable:
            if attempt >= retries:
                raise
        else:
            if status < 500 or attempt >= retries:
                return status, body
        attempt += 1
        sleep(backoff * 2 ** (attempt - 1))


def json_object(body: bytes) -> dict[str, Any]:
    """A token endpoint's JSON object answer; empty where it answered anything else."""
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
