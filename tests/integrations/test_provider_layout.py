"""Every provider has the same layout, so a new one is a copy of a folder (integrations/providers/__init__.py)."""

from __future__ import annotations

import importlib
import typing
from pathlib import Path

import pytest

from integrations import providers, registry
from integrations.choices import IntegrationType

PROVIDERS_DIR = Path(providers.__file__).parent
# Longer than this and a module is doing more than one job (issue #17); data files are not modules.
MAX_MODULE_LINES = 500


@pytest.mark.parametrize("integration_type", IntegrationType.values)
def test_each_provider_has_client_collectors_shapes_schema_and_checks(integration_type: str) -> None:
    # given the provider package of an integration type
    folder = PROVIDERS_DIR / integration_type
    module = providers.PROVIDER_MODULES[integration_type]
    # then it has the five parts
    for part in ("client.py", "collectors/__init__.py", "shapes.py", "schema.py", "checks/__init__.py"):
        assert (folder / part).is_file(), f"{integration_type}: {part} is missing"
    client = importlib.import_module(f"{module}.client")
    collectors = importlib.import_module(f"{module}.collectors")
    shapes = importlib.import_module(f"{module}.shapes")
    # and the client collects exactly what its collectors read
    assert callable(client.build_connector)
    assert set(client.SUPPORTED_SERVICES) == set(collectors.COLLECTORS)
    # and every service a check of this type reads has a collector
    needed = {service for check in registry.all_checks(integration_type) for service in check.services}
    assert needed, f"{integration_type}: no checks registered"
    assert needed <= set(collectors.COLLECTORS), sorted(needed - set(collectors.COLLECTORS))
    # and the shapes are TypedDicts
    typed = [v for v in vars(shapes).values() if typing.is_typeddict(v) and v.__module__ == shapes.__name__]
    assert typed, f"{integration_type}: shapes.py declares no TypedDict"


def test_no_provider_module_is_over_the_size_limit() -> None:
    # given every module of every provider
    sizes = {
        str(path.relative_to(PROVIDERS_DIR)): len(path.read_text().splitlines()) for path in PROVIDERS_DIR.rglob("*.py")
    }
    # then none does several jobs at once
    assert {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES} == {}


TESTS_DIR = Path(__file__).parent


@pytest.mark.parametrize("integration_type", IntegrationType.values)
def test_each_provider_is_tested_by_the_same_files(integration_type: str) -> None:
    # given the test folder of a provider
    folder = TESTS_DIR / integration_type
    # then it tests the connector, the checks, the schema and API, and a whole scan, in the same files
    for name in ("test_client.py", "test_schema_and_api.py", "test_scan_end_to_end.py", "support.py"):
        assert (folder / name).is_file(), f"tests/integrations/{integration_type}/{name} is missing"
    assert list(folder.glob("test_checks*.py")), f"tests/integrations/{integration_type} has no test_checks*.py"
