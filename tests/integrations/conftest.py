import pytest

from integrations import providers

FAKE_HOST_MODULE = "tests.integrations.fakehost"


@pytest.fixture
def fake_host_provider(monkeypatch):
    """Plug a stand-in "host" provider in, as a later connector will: by adding a module."""
    monkeypatch.setitem(providers.PROVIDER_MODULES, "host", FAKE_HOST_MODULE)
    return FAKE_HOST_MODULE


@pytest.fixture
def without_providers(monkeypatch):
    """Make the given types' providers absent, as before their connector is written."""

    def remove(*types):
        for integration_type in types:
            monkeypatch.setitem(
                providers.PROVIDER_MODULES, integration_type, f"tests.integrations.absent_{integration_type}"
            )

    return remove
