"""One package per integration type; each registers its checks on import."""

import importlib

PROVIDER_MODULES = {
    "aws": "integrations.providers.aws",
}


def load_all() -> None:
    for module in PROVIDER_MODULES.values():
        importlib.import_module(f"{module}.checks")


def connector_for(integration_type: str, *, config: dict, credentials: dict):
    """Build the connector of a type from its (decrypted) config and credentials."""
    module = importlib.import_module(f"{PROVIDER_MODULES[integration_type]}.client")
    return module.build_connector(config=config, credentials=credentials)
