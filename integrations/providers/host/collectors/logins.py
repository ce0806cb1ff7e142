"""Each local user's last login, from the records login, sshd and PAM keep (read by access reviews and
``checks.accounts``' dormant-account check).

Two formats are read, as distributions use them: lastlog, a sparse file of fixed records indexed by user id
(Debian up to 12, Ubuntu, RHEL), and lastlog2, a SQLite database of one row per user name (util-linux 2.40,
Debian 13 and later). Where both are kept, the later login wins.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime

from .. import parsers
from ..shapes import LastLogin, Logins
from ..transport import Transport, exists
from ._common import describe_error

LASTLOG = "/var/log/lastlog"
LASTLOG2 = "/var/lib/lastlog/lastlog2.db"
# struct lastlog on Linux: a 32-bit time, then the terminal (UT_LINESIZE) and the remote host (UT_HOSTSIZE).
LASTLOG_TIME_BYTES = 4
LASTLOG_LINE_BYTES = 32
LASTLOG_HOST_BYTES = 256
LASTLOG_RECORD = LASTLOG_TIME_BYTES + LASTLOG_LINE_BYTES + LASTLOG_HOST_BYTES
# One row per user name: a database past this is not one lastlog2 wrote.
LASTLOG2_MAX_BYTES = 64 * 1024 * 1024
# Users whose record is looked up; past this the host is not a server with local accounts.
MAX_USERS = 20_000


def _text(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", errors="replace").strip()


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def _from_lastlog(transport: Transport, uids: dict[str, int]) -> dict[str, LastLogin]:
    found: dict[str, LastLogin] = {}
    for name, uid in uids.items():
        if uid < 0:
            continue
        # The file is sparse: a user's record lies at uid × record size, zeros (never) or past the end.
        record = transport.read_bytes(LASTLOG, offset=uid * LASTLOG_RECORD, max_bytes=LASTLOG_RECORD)
        if len(record) < LASTLOG_RECORD:
            continue
        # Little-endian and unsigned: the architectures Linux servers run on, past 2038.
        seconds = int.from_bytes(record[:LASTLOG_TIME_BYTES], "little")
        if seconds:
            line_end = LASTLOG_TIME_BYTES + LASTLOG_LINE_BYTES
            found[name] = {
                "at": _iso(seconds),
                "line": _text(record[LASTLOG_TIME_BYTES:line_end]),
                "host": _text(record[line_end:]),
                "source": LASTLOG,
            }
    return found


def _from_lastlog2(transport: Transport, names: set[str]) -> dict[str, LastLogin]:
    data = transport.read_bytes(LASTLOG2, max_bytes=LASTLOG2_MAX_BYTES + 1)
    if len(data) > LASTLOG2_MAX_BYTES:
        raise ValueError(f"larger than {LASTLOG2_MAX_BYTES // (1024 * 1024)} MiB")
    found: dict[str, LastLogin] = {}
    # The database is deserialised in memory: the scanned host's file is never opened by SQLite, nor locked.
    with closing(sqlite3.connect(":memory:")) as connection:
        connection.deserialize(data)
        # A database from the scanned host is not trusted: no function of its schema (views, triggers) runs.
        connection.execute("PRAGMA trusted_schema = OFF")
        rows = connection.execute("SELECT Name, Time, TTY, RemoteHost FROM Lastlog2").fetchall()
    for name, seconds, line, host in rows:
        if str(name) in names and isinstance(seconds, int) and seconds > 0:
            found[str(name)] = {
                "at": _iso(seconds),
                "line": str(line or ""),
                "host": str(host or ""),
                "source": LASTLOG2,
            }
    return found


def collect_logins(transport: Transport) -> Logins:
    users = parsers.passwd_entries(transport.read_text("/etc/passwd"))[:MAX_USERS]
    uids = {user["name"]: user["uid"] for user in users}
    sources: list[str] = []
    unreadable: dict[str, str] = {}
    last: dict[str, LastLogin] = {}
    for path, read in (
        (LASTLOG, lambda: _from_lastlog(transport, uids)),
        (LASTLOG2, lambda: _from_lastlog2(transport, set(uids))),
    ):
        if not exists(transport, path):
            continue
        try:
            logins = read()
        except (OSError, ValueError, sqlite3.Error) as exc:
            unreadable[path] = describe_error(exc)
            continue
        sources.append(path)
        for name, login in logins.items():
            if name not in last or login["at"] > last[name]["at"]:
                last[name] = login
    return {"sources": sources, "last": last, "unreadable": unreadable}
