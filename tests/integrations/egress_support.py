"""Real loopback listeners and a stand-in DNS for the egress guard's tests.

The guard's promise is that a refused connection *never happens*; these listeners are how
the tests see it: the kernel completes a TCP handshake into the listen queue whether or not
anyone calls accept(), so whatever is pending there is a connection somebody opened.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable, Iterable, Sequence

from complywise import egress


class Listener:
    """A TCP socket listening on a loopback address; it counts connections and never answers."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind((host, 0))
        self.sock.listen(128)
        self.port: int = self.sock.getsockname()[1]
        self._seen = 0

    def connections(self) -> int:
        """How many connections were opened to it so far (each is accepted and closed)."""
        self.sock.setblocking(False)
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return self._seen
            conn.close()
            self._seen += 1

    def close(self) -> None:
        self.sock.close()


class SilentServer:
    """A TCP server on 127.0.0.1 that accepts every connection and never sends a byte (until closed)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.sock.settimeout(0.2)
        self.port: int = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="silent-server", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(conn)

    def hang_up(self) -> None:
        """Close every accepted connection (the clients see the peer go away)."""
        for conn in self.accepted:
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.hang_up()
        self.sock.close()


class BannerServer:
    """A TCP server on 127.0.0.1 that answers every connection with fixed bytes, then closes it."""

    def __init__(self, banner: bytes) -> None:
        self.banner = banner
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port: int = self.sock.getsockname()[1]
        self.served = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="banner-server", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                # A loaded machine may take a while to send the first bytes; a timeout here would answer nothing.
                conn.settimeout(10)
                try:
                    conn.recv(65536)
                    # Counted before the answer goes out: a client that has read the answer must see the count.
                    self.served += 1
                    conn.sendall(self.banner)
                    # Closing with unread bytes would send a reset that can discard the answer: drain first.
                    conn.shutdown(socket.SHUT_WR)
                    conn.settimeout(1)
                    while conn.recv(65536):
                        pass
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


class FakeDns:
    """Stands in for DNS: each name answers the next list of addresses given for it (the last one repeats)."""

    def __init__(self, answers: dict[str, Sequence[Sequence[str]]]) -> None:
        self.answers = {name: [list(a) for a in seq] for name, seq in answers.items()}
        self.lookups: list[str] = []
        self._real: Callable[[str, int], Sequence[egress.Address]] = egress.resolver

    def __call__(self, host: str, port: int) -> list[egress.Address]:
        self.lookups.append(host)
        queue = self.answers.get(host)
        if queue is None:
            # Literal addresses in numeric spellings and /etc/hosts names resolve as usual.
            return list(self._real(host, port))
        current = queue.pop(0) if len(queue) > 1 else queue[0]
        if not current:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} does not resolve")
        return [ipaddress.ip_address(a) for a in current]


def pending(listeners: Iterable[Listener]) -> int:
    return sum(listener.connections() for listener in listeners)
