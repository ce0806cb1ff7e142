"""A PostgreSQL server of a test's own: its pg_hba.conf, TLS and restart-only settings are the test's to choose.

The shared test server (``support.py``) serves most checks, but what only a restart or its own files change
(``ssl``, ``pg_hba.conf``, ``max_connections``, ``superuser_reserved_connections``) must not be changed under
the rest of the suite. ``OwnServer`` runs ``initdb`` into a temporary folder with the machine's PostgreSQL
binaries (as the ``postgres`` account when the tests run as root, which ``initdb`` refuses to be), starts it on
a free loopback port, and removes it afterwards.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

from integrations.providers.postgres.client import PostgresConnector, build_connector
from tests.certificates import self_signed
from tests.ports import free_port

USER = "postgres"


def binaries() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl`` (Debian keeps them off PATH), the newest major version's."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def unavailable_reason() -> str | None:
    if binaries() is None:
        return "no PostgreSQL server binaries (initdb) on this machine"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(USER)
        except KeyError:
            return "running as root with no 'postgres' account for initdb to run as"
    return None


class OwnServer:
    def __init__(self, *, hba: list[str], settings: dict[str, str], tls: bool) -> None:
        self.hba, self.settings, self.tls = hba, settings, tls
        self.password = secrets.token_urlsafe(16)
        self.root = Path(tempfile.mkdtemp(prefix="cw-own-pg-"))
        self.data = self.root / "data"
        self.port = free_port()

    def connector(self, **config: object) -> PostgresConnector:
        return build_connector(
            config={"host": "127.0.0.1", "port": self.port, "dbname": "postgres", "user": USER, **config},
            credentials={"password": self.password},
        )

    def start(self) -> None:
        bindir = binaries()
        assert bindir is not None
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password)
        self._give_away(self.root, pwfile)
        self._run(bindir / "initdb", "-D", self.data, "-U", USER, "--pwfile", pwfile, "--auth", "scram-sha-256",
                  "-E", "UTF8", "--no-sync")  # fmt: skip
        conf = {
            "port": str(self.port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.root}'",
            "fsync": "off",
            "ssl": "on" if self.tls else "off",
            **self.settings,
        }
        if self.tls:
            self._write_certificate()
            conf |= {"ssl_cert_file": "'server.crt'", "ssl_key_file": "'server.key'"}
        with (self.data / "postgresql.conf").open("a") as out:
            out.writelines(f"{name} = {value}\n" for name, value in conf.items())
        (self.data / "pg_hba.conf").write_text("".join(f"{line}\n" for line in self.hba))
        self._give_away(self.data)
        self._run(bindir / "pg_ctl", "-D", self.data, "-l", self.root / "server.log", "-w", "-t", "60", "start")

    def stop(self) -> None:
        bindir = binaries()
        if bindir is not None and (self.data / "postmaster.pid").exists():
            self._run(bindir / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- helpers -------------------------------------------------------------------------------------------

    def _write_certificate(self) -> None:
        certificate, key = self_signed("127.0.0.1", days_left=1)
        (self.data / "server.crt").write_bytes(certificate)
        key_file = self.data / "server.key"
        key_file.write_bytes(key)
        # PostgreSQL refuses a key others may read.
        key_file.chmod(0o600)

    def _give_away(self, *paths: Path) -> None:
        if os.geteuid() != 0:
            return
        account = pwd.getpwnam(USER)
        for path in paths:
            for current in [path, *(path.rglob("*") if path.is_dir() else [])]:
                os.chown(current, account.pw_uid, account.pw_gid)

    def _run(self, *command: object, check: bool = True) -> None:
        argv = [str(part) for part in command]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", USER, "--", *argv]
        finished = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
        if check and finished.returncode != 0:
            raise AssertionError(f"{' '.join(argv)} failed:\n{finished.stdout}{finished.stderr}{self.log()[-3000:]}")
