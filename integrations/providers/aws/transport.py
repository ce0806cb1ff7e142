"""botocore's HTTP layer, with every connection opened through the egress guard.

botocore sends requests through a ``URLLib3Session`` whose urllib3 connection pools open
sockets in ``_new_conn``.  The classes here open them with
:func:`complywise.egress.create_connection` instead: the endpoint's name is resolved once,
refused if any address is not allowed, and the socket goes to the vetted address while
TLS still verifies (and sends SNI for) the endpoint's name.  Environment proxies are not
used: a proxy would resolve and connect where the guard cannot see.

Only the AWS connector's clients get this session; the platform's own evidence storage
(possibly MinIO on a private address the operator chose) keeps botocore's default.
"""

from __future__ import annotations

import socket
import sys
from typing import Any

from botocore.awsrequest import AWSHTTPConnection, AWSHTTPConnectionPool, AWSHTTPSConnection, AWSHTTPSConnectionPool
from botocore.client import BaseClient
from botocore.httpsession import URLLib3Session
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

from complywise import egress

# botocore's own default socket options for its clients.
_SOCKET_OPTIONS = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


class _GuardedConnectionMixin:
    host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any
    _dns_host: str

    def _new_conn(self) -> socket.socket:
        try:
            sock = egress.create_connection(
                self._dns_host,
                self.port,
                timeout=self.timeout,
                source_address=self.source_address,
                socket_options=self.socket_options or (),
            )
        except egress.EgressDeniedError as exc:
            raise NewConnectionError(self, str(exc)) from exc  # type: ignore[arg-type]
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc  # type: ignore[arg-type]
        except TimeoutError as exc:
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out.") from exc
        except OSError as exc:
            raise NewConnectionError(self, f"Failed to establish a new connection: {exc}") from exc  # type: ignore[arg-type]
        sys.audit("http.client.connect", self, self.host, self.port)
        return sock


class GuardedHTTPConnection(_GuardedConnectionMixin, AWSHTTPConnection):
    pass


class GuardedHTTPSConnection(_GuardedConnectionMixin, AWSHTTPSConnection):
    pass


class GuardedHTTPConnectionPool(AWSHTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSConnectionPool(AWSHTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class GuardedSession(URLLib3Session):
    """botocore's HTTP session, connecting only through the egress guard and never through a proxy."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["proxies"] = {}
        super().__init__(**kwargs)
        self._pool_classes_by_scheme = {"http": GuardedHTTPConnectionPool, "https": GuardedHTTPSConnectionPool}
        self._manager.pool_classes_by_scheme = self._pool_classes_by_scheme


def guard_client(client: BaseClient) -> BaseClient:
    """Make a freshly built boto3 client send every request through a :class:`GuardedSession`."""
    config = client.meta.config
    previous = client._endpoint.http_session
    # botocore builds the session inside client creation with no way to choose its class,
    # so the endpoint's session is replaced before the client sends anything.
    client._endpoint.http_session = GuardedSession(
        # What botocore chose for certificate checks (True, or an operator's CA bundle).
        verify=getattr(previous, "_verify", True),
        timeout=(config.connect_timeout, config.read_timeout),
        max_pool_connections=config.max_pool_connections,
        socket_options=list(_SOCKET_OPTIONS),
    )
    return client
