from collections.abc import Callable, Iterator

import pytest
from psycopg import sql

from tests.integrations.postgres.support import ServerSetting, admin, unique


@pytest.fixture
def scratch_db() -> Iterator[str]:
    """A throwaway database, so schema privileges and per-database settings never touch the shared ones."""
    name = unique("cw_pgscan")
    with admin() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def make_role() -> Iterator[Callable[..., str]]:
    """Create roles with unique names (the SQL after the name is the options); all dropped afterwards."""
    created: list[str] = []

    def make(options: str = "NOLOGIN", *, prefix: str = "cw_role", password_encryption: str | None = None) -> str:
        name = unique(prefix)
        with admin() as conn:
            if password_encryption:
                conn.execute(sql.SQL("SET password_encryption = {}").format(sql.Literal(password_encryption)))
            conn.execute(sql.SQL("CREATE ROLE {} ").format(sql.Identifier(name)) + sql.SQL(options))
        created.append(name)
        return name

    try:
        yield make
    finally:
        with admin() as conn:
            for name in created:
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


@pytest.fixture
def server_setting() -> Iterator[ServerSetting]:
    """ALTER SYSTEM settings for one test; the finalizer always restores them."""
    setting = ServerSetting()
    try:
        yield setting
    finally:
        setting.restore()
