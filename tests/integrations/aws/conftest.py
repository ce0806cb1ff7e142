from tests.conftest_moto import moto_reset, moto_server  # noqa: F401
