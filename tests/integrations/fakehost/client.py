from integrations.registry import Inventory


class FakeHostConnector:
    def __init__(self, root: str) -> None:
        self.root = root

    def test_connection(self) -> tuple[bool, str]:
        if self.root == "/explode":
            raise RuntimeError("connector bug")
        return True, f"Reading files under {self.root}"

    def collect(self, services: set[str]) -> Inventory:
        return Inventory(integration_type="host")


def build_connector(*, config: dict, credentials: dict) -> FakeHostConnector:
    return FakeHostConnector(config["root"])
