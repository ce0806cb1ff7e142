"""Local accounts, their files and password aging defaults (checked by ``checks.accounts``).

Password hashes never enter the inventory: each is reduced to whether it is empty, locked or set.
"""

from __future__ import annotations

from .. import parsers
from ..shapes import Accounts, FileInfo, LoginDefs, ShadowEntry
from ..transport import FileStat, Transport
from ._common import describe_error, read_optional


def _stat_dict(info: FileStat, users: dict[int, str], groups: dict[int, str]) -> FileInfo:
    return {
        "exists": True,
        "path": info.path,
        "kind": info.kind,
        "mode": info.octal,
        "uid": info.uid,
        "gid": info.gid,
        "owner": users.get(info.uid, str(info.uid)),
        "group": groups.get(info.gid, str(info.gid)),
    }


def collect_accounts(transport: Transport) -> Accounts:
    users = parsers.passwd_entries(transport.read_text("/etc/passwd"))
    group_text = read_optional(transport, "/etc/group") or ""
    groups = parsers.group_ids(group_text)
    user_names: dict[int, str] = {}
    for user in users:
        user_names.setdefault(user["uid"], user["name"])
    group_names: dict[int, str] = {}
    for name, gid in groups.items():
        group_names.setdefault(gid, name)

    files: dict[str, FileInfo] = {}
    for path in ("/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow"):
        try:
            files[path] = _stat_dict(transport.stat(path), user_names, group_names)
        except (FileNotFoundError, NotADirectoryError):
            files[path] = {"exists": False, "path": path}

    shadow: list[ShadowEntry] | None = None
    shadow_error = ""
    try:
        shadow = parsers.shadow_entries(transport.read_text("/etc/shadow"))
    except (FileNotFoundError, NotADirectoryError):
        shadow_error = "/etc/shadow does not exist"
    except OSError as exc:
        shadow_error = describe_error(exc)
    return {
        "users": users,
        "groups": groups,
        "members": parsers.group_members(group_text),
        "files": files,
        "shadow": shadow,
        "shadow_error": shadow_error,
    }


def collect_login_defs(transport: Transport) -> LoginDefs:
    text = read_optional(transport, "/etc/login.defs")
    return {"path": "/etc/login.defs", "present": text is not None, "values": parsers.login_defs(text or "")}
