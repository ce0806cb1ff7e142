"""The SSH daemon's configuration, includes and Match blocks resolved, and the keys each user's
authorized_keys files accept (both checked by ``checks.ssh``)."""

from __future__ import annotations

import posixpath

from .. import authorized_keys, parsers
from ..shapes import AuthorizedKey, InvalidKeyLine, PasswdEntry, Sshd, SshKeys
from ..transport import Transport, exists
from ._common import describe_error, glob, read_optional

SSHD_CONFIG = "/etc/ssh/sshd_config"
# sshd itself stops at this include depth.
MAX_INCLUDE_DEPTH = 16


def _sshd_file(transport: Transport, path: str, config: parsers.SshdConfig, match: str, depth: int) -> None:
    text = read_optional(transport, path)
    if text is None:
        return
    config.files.append(path)
    current = match
    for line in parsers.sshd_lines(text):
        if line.keyword == "match":
            criteria = " ".join(line.args)
            # "Match all" ends the conditional block: back to the including context.
            current = match if criteria.lower() == "all" else criteria
            continue
        if line.keyword == "include":
            if depth >= MAX_INCLUDE_DEPTH:
                continue
            for pattern in line.args:
                absolute = pattern if pattern.startswith("/") else posixpath.join("/etc/ssh", pattern)
                for included in glob(transport, absolute):
                    _sshd_file(transport, included, config, current, depth + 1)
            continue
        config.add(parsers.SshdDirective(line.keyword, " ".join(line.args), path, line.line, current))


def collect_sshd(transport: Transport) -> Sshd:
    if not exists(transport, SSHD_CONFIG):
        return {"installed": False, "config_path": SSHD_CONFIG}
    config = parsers.SshdConfig()
    _sshd_file(transport, SSHD_CONFIG, config, "", 0)
    return {"installed": True, "config_path": SSHD_CONFIG, **config.as_dict()}


# sshd's own default for AuthorizedKeysFile.
DEFAULT_AUTHORIZED_KEYS = (".ssh/authorized_keys", ".ssh/authorized_keys2")
# Users whose keys are read; past this the host is not a server with local accounts.
MAX_KEY_USERS = 5000


def _authorized_keys_patterns(transport: Transport) -> tuple[list[str], str]:
    """The AuthorizedKeysFile patterns of the global configuration, and where they come from."""
    config = parsers.SshdConfig()
    _sshd_file(transport, SSHD_CONFIG, config, "", 0)
    directive = config.settings.get("authorizedkeysfile")
    if directive is None:
        return list(DEFAULT_AUTHORIZED_KEYS), "sshd default"
    return directive.value.split(), f"{directive.file}:{directive.line}"


def _expand(pattern: str, user: PasswdEntry) -> str | None:
    if pattern.lower() == "none":
        return None
    home = user["home"].rstrip("/") or "/"
    path = pattern.replace("%%", "\0").replace("%h", home).replace("%u", user["name"]).replace("%U", str(user["uid"]))
    path = path.replace("\0", "%")
    # A relative path is taken from the user's home directory.
    return posixpath.normpath(path if path.startswith("/") else posixpath.join(home, path))


def collect_ssh_keys(transport: Transport) -> SshKeys:
    if not exists(transport, SSHD_CONFIG):
        # No SSH server: no key lets anyone in.
        return {"installed": False, "patterns": [], "source": "", "keys": {}, "invalid": [], "unreadable": {}}
    patterns, source = _authorized_keys_patterns(transport)
    users = [u for u in parsers.passwd_entries(transport.read_text("/etc/passwd")) if parsers.has_login_shell(u)]
    found: dict[str, list[AuthorizedKey]] = {}
    invalid: list[InvalidKeyLine] = []
    unreadable: dict[str, str] = {}
    for user in users[:MAX_KEY_USERS]:
        for pattern in patterns:
            path = _expand(pattern, user)
            if path is None:
                continue
            try:
                text = read_optional(transport, path)
            except OSError as exc:
                unreadable[path] = describe_error(exc)
                continue
            if text is None:
                continue
            keys, bad = authorized_keys.keys(text, file=path)
            if keys:
                found.setdefault(user["name"], []).extend(keys)
            invalid += [{"file": path, "line": b.line, "reason": b.reason} for b in bad]
    return {
        "installed": True,
        "patterns": patterns,
        "source": source,
        "keys": found,
        "invalid": invalid,
        "unreadable": unreadable,
    }
