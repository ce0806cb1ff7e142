import pytest

from integrations.registry import all_checks


@pytest.fixture
def check_ids():
    """Two ids of checks a connector really registers (custom controls may only map registered checks)."""
    registered = [check.id for check in all_checks()]
    if len(registered) < 2:
        pytest.skip("needs at least two registered checks")
    return registered[:2]
