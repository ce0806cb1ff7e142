"""A real moto server for tests of AWS code.

``tests/conftest.py`` loads these for the whole suite (``pytest_plugins``).
One server runs per test session; ``moto_reset`` empties its state before each test.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest
from moto.server import ThreadedMotoServer

# What moto lacks (EC2 account settings, ...), served by the same server: installed on import.
from tests import moto_additions  # noqa: F401

__all__ = ["FAKE_AWS_ENV", "moto_reset", "moto_server"]

FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def _post(url: str, body: bytes = b"") -> None:
    request = urllib.request.Request(url, data=body, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """Endpoint URL of a moto server on a free local port, shared by the whole session."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def moto_reset(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty moto account, with fake AWS credentials in the environment for this test only."""
    for name, value in FAKE_AWS_ENV.items():
        monkeypatch.setenv(name, value)
    # A developer's own profile or config file must never leak into a test.
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    _post(f"{moto_server}/moto-api/reset")
    return moto_server
