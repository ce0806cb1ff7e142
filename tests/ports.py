"""Loopback ports for the tests: one a server may bind next, one that refuses connections for the whole run."""

from __future__ import annotations

import socket

# Bound and never listening: a connection is refused, and while the socket stays open the system gives the port
# to nobody else (no later listener takes it, no client socket connects to itself on it).
_held: list[socket.socket] = []


def closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    _held.append(sock)
    return sock.getsockname()[1]


def free_port() -> int:
    """A port nothing listens on now, for a server the test starts next (released here so that it can bind it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
