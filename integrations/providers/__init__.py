"""One package per integration type, all with the same layout; each registers its checks on import.

A provider package ``integrations/providers/<type>/`` (the type is a value of
``integrations.choices.IntegrationType``) holds:

- ``client.py``: ``build_connector(*, config, credentials)`` returning a
  :class:`integrations.registry.Connector`: the only code that talks to the outside (session,
  authentication, ``test_connection``, ``collect`` dispatching to the collectors, error messages with
  secrets removed by :func:`integrations.redaction.redact`);
- ``collectors/``: ``COLLECTORS`` maps each inventory service to the function that reads it, one module
  per service group, mirroring ``checks/``;
- ``shapes.py``: TypedDicts of what each service puts in ``Inventory.data`` — the contract between the
  collectors and the checks;
- ``checks/``: pure checks over the inventory, registered in the registry;
- ``accounts.py`` (optional): registers how to list the integration's accounts from the inventory
  (:func:`integrations.registry.register_accounts`) and the check that revoked ones are gone
  (:func:`integrations.registry.revocation_check`), for access reviews;
- ``schema.py``: DRF serializers ``ConfigSerializer`` and ``CredentialsSerializer``
  validating the integration's non-secret config and its secret credentials (a type
  that needs no secret may leave ``CredentialsSerializer`` out: it then takes none),
  and optionally ``credentials_hint(credentials) -> str``, a non-secret reminder of
  which credential is stored (e.g. the last characters of a key id);
- where needed, ``transport.py`` (the wire: HTTP session, SSH, egress guard) and helpers such as ``parsers.py``.

A new provider is a copy of this folder plus a value in ``IntegrationType``. A type whose package (with its
schema and client) is not present yet is unknown to the platform: creating an integration of it is refused.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from integrations.choices import IntegrationType

if TYPE_CHECKING:
    from rest_framework.serializers import Serializer

    # Named out here: inside ProviderSpec its ``type`` field shadows the builtin.
    SerializerClass = type[Serializer]

# One list of integration types (integrations.choices.IntegrationType, which the model and the API use);
# each type's provider is the package of the same name here.
PROVIDER_MODULES = {
    integration_type.value: f"{__name__}.{integration_type.value}" for integration_type in IntegrationType
}


class UnknownIntegrationTypeError(LookupError):
    pass


def _module_present(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        # A parent package is missing.
        return False


@dataclass(frozen=True)
class ProviderSpec:
    """What the platform knows about one integration type: where its package lives."""

    type: str
    module: str

    @property
    def schema(self) -> ModuleType:
        return importlib.import_module(f"{self.module}.schema")

    @property
    def config_serializer(self) -> SerializerClass:
        return self.schema.ConfigSerializer

    @property
    def credentials_serializer(self) -> SerializerClass | None:
        return getattr(self.schema, "CredentialsSerializer", None)

    def credentials_hint(self, credentials: dict[str, Any]) -> str:
        hint: Callable[[dict[str, Any]], str] | None = getattr(self.schema, "credentials_hint", None)
        return hint(credentials)[:64] if hint and credentials else ""


def _provider_present(module: str) -> bool:
    # A package still being written (no schema or client yet) must not accept integrations.
    return all(_module_present(name) for name in (module, f"{module}.schema", f"{module}.client"))


def available_types() -> list[str]:
    """The integration types whose provider is present (package with schema and client), in declaration order."""
    return [t for t, module in PROVIDER_MODULES.items() if _provider_present(module)]


def provider_spec(integration_type: str) -> ProviderSpec:
    module = PROVIDER_MODULES.get(integration_type)
    if module is None or not _provider_present(module):
        raise UnknownIntegrationTypeError(integration_type)
    return ProviderSpec(type=integration_type, module=module)


def load_all() -> None:
    for module in PROVIDER_MODULES.values():
        # A provider still being written may have no checks yet; a present checks
        # module that fails to import is a bug and must surface.
        if _module_present(module) and _module_present(f"{module}.checks"):
            importlib.import_module(f"{module}.checks")
        # ``accounts.py`` (optional) lists who has access, for access reviews, and registers the check that
        # revoked accounts are gone.
        if _module_present(module) and _module_present(f"{module}.accounts"):
            importlib.import_module(f"{module}.accounts")


def connector_for(integration_type: str, *, config: dict, credentials: dict):
    """Build the connector of a type from its (decrypted) config and credentials."""
    spec = provider_spec(integration_type)
    module = importlib.import_module(f"{spec.module}.client")
    return module.build_connector(config=config, credentials=credentials)
