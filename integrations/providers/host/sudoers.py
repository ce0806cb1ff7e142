"""The sudoers grammar (sudoers(5)), parsed like the other host formats: pure, tolerant, text in and data out.

What is kept is what the checks and access reviews judge: Defaults parameters with their bindings, aliases, the
include directives, and user specifications with each command's run-as list and tags in effect. A line this
parser cannot read is skipped; ``visudo -c`` is what rejects them on the host. :class:`Policy` then says which
rules give a user what on a host, aliases and negations resolved as sudo resolves them.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import shapes

SUDO_ALIAS_KINDS = frozenset({"User_Alias", "Runas_Alias", "Host_Alias", "Cmnd_Alias", "Cmd_Alias"})
# The tags a command can carry; each has an opposite (NOPASSWD/PASSWD, NOLOG_INPUT/LOG_INPUT, ...).
SUDO_TAGS = frozenset(
    {"EXEC", "FOLLOW", "INTERCEPT", "LOG_INPUT", "LOG_OUTPUT", "MAIL", "PASSWD", "SETENV"}
    | {f"NO{tag}" for tag in ("EXEC", "FOLLOW", "INTERCEPT", "LOG_INPUT", "LOG_OUTPUT", "MAIL", "PASSWD", "SETENV")}
)
_SUDO_INCLUDE = re.compile(r"^[@#](include|includedir)\s+(.+)$")
_SUDO_DEFAULTS = re.compile(r"^Defaults(?:([@:!>])\s*(\S+))?(?:\s+(.*))?$")
_SUDO_PARAM = re.compile(r"^(!*)\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:(\+=|-=|=)\s*(.*))?$")
_SUDO_ALIAS_SPLIT = re.compile(r"\s*:\s*(?=[A-Z][A-Z0-9_]*\s*=)")
# A further "Host_List = Cmnd_Spec_List" section of one user specification.
_SUDO_HOST_SECTION = re.compile(r"\s+:\s+(?=[^=(]*=)")
_SUDO_RUNAS = re.compile(r"^\(([^)]*)\)\s*")
_SUDO_OPTION = re.compile(
    r"^(?:ROLE|TYPE|CHROOT|CWD|TIMEOUT|NOTBEFORE|NOTAFTER|APPARMOR_PROFILE|PRIVS|LIMITPRIVS)\s*=\s*(?:\"[^\"]*\"|\S+)\s*"
)
_SUDO_TAG = re.compile(r"^([A-Z_]+):\s*")
_SUDO_DIGEST = re.compile(r"^(?:sha224|sha256|sha384|sha512):\S+\s+")


@dataclass
class SudoInclude:
    path: str
    directory: bool
    line: int


@dataclass
class SudoAlias:
    kind: str
    name: str
    members: list[str]
    line: int


SudoersEntry = SudoInclude | SudoAlias | shapes.SudoDefault | shapes.SudoRule


def _sudoers_logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, line) with backslash continuations joined; comments are left to the caller."""
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        if raw.endswith("\\") and not raw.endswith("\\\\"):
            pending.append(raw[:-1])
            continue
        yield start, " ".join([*pending, raw])
        pending = []
    if pending:
        yield start, " ".join(pending)


def _sudoers_strip_comment(line: str) -> str:
    # "#" starts a comment except inside quotes, escaped, or before a digit (#1000 is a user id, %#1000 a group id).
    kept: list[str] = []
    quoted = False
    index = 0
    while index < len(line):
        char = line[index]
        if char == "\\" and index + 1 < len(line):
            kept.append(line[index : index + 2])
            index += 2
            continue
        if char == '"':
            quoted = not quoted
        elif char == "#" and not quoted and not line[index + 1 : index + 2].isdigit():
            break
        kept.append(char)
        index += 1
    return "".join(kept).strip()


def _sudoers_split(text: str, separator: str = ",") -> list[str]:
    """Split on a separator outside quotes and parentheses; a backslash escapes it (``\\,`` in a command)."""
    items: list[str] = []
    current: list[str] = []
    depth = 0
    quoted = False
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            current.append(text[index + 1] if text[index + 1] == separator else text[index : index + 2])
            index += 2
            continue
        if char == '"':
            quoted = not quoted
        elif char == "(" and not quoted:
            depth += 1
        elif char == ")" and not quoted:
            depth = max(depth - 1, 0)
        if char == separator and not depth and not quoted:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        index += 1
    items.append("".join(current).strip())
    return [item for item in items if item]


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def _sudo_defaults(match: re.Match[str], file: str, line: int) -> list[shapes.SudoDefault]:
    binding, target, body = match.group(1) or "", match.group(2) or "", match.group(3) or ""
    scope = f"{binding}{target}" if binding else ""
    found: list[shapes.SudoDefault] = []
    for param in _sudoers_split(body):
        parsed = _SUDO_PARAM.match(param)
        if not parsed:
            continue
        bangs, name, op, value = parsed.group(1), parsed.group(2), parsed.group(3) or "", parsed.group(4) or ""
        found.append(
            {
                "scope": scope,
                "name": name,
                "op": op,
                "value": _unquote(value),
                # "!!flag" is the flag set again.
                "negated": len(bangs) % 2 == 1,
                "file": file,
                "line": line,
            }
        )
    return found


def _sudo_commands(spec: str) -> list[shapes.SudoCommand]:
    commands: list[shapes.SudoCommand] = []
    runas = ""
    tags: set[str] = set()
    for item in _sudoers_split(spec):
        rest = item
        runas_match = _SUDO_RUNAS.match(rest)
        if runas_match:
            runas = " ".join(runas_match.group(1).split())
            rest = rest[runas_match.end() :]
        while True:
            option = _SUDO_OPTION.match(rest)
            if option:
                rest = rest[option.end() :]
                continue
            tag = _SUDO_TAG.match(rest)
            if tag and tag.group(1) in SUDO_TAGS:
                name = tag.group(1)
                tags.discard(name[2:] if name.startswith("NO") else f"NO{name}")
                tags.add(name)
                rest = rest[tag.end() :]
                continue
            break
        rest = _SUDO_DIGEST.sub("", rest).strip()
        negated = rest.startswith("!")
        command = " ".join(rest.lstrip("!").split())
        if command:
            commands.append({"command": command, "runas": runas, "tags": sorted(tags), "negated": negated})
    return commands


def _sudo_host_sections(spec: str) -> list[str]:
    """The ``Cmnd_Spec_List`` and each further ``Host_List = Cmnd_Spec_List`` of a rule (a ":" in a run-as list
    such as "(www-data : www)" separates nothing)."""
    sections: list[str] = []
    start = 0
    for match in _SUDO_HOST_SECTION.finditer(spec):
        before = spec[: match.start()]
        if before.count("(") == before.count(")"):
            sections.append(spec[start : match.start()])
            start = match.end()
    sections.append(spec[start:])
    return sections


def _sudo_rules(line_text: str, file: str, line: int) -> list[shapes.SudoRule]:
    who, equals, spec = line_text.partition("=")
    if not equals:
        return []
    # "alice, %ops  web1, web2" -> the user list and the host list, split by the whitespace between them.
    lists = re.sub(r"\s*,\s*", ",", who.strip()).split()
    if len(lists) != 2:
        return []
    users = _sudoers_split(lists[0])
    hosts = _sudoers_split(lists[1])
    rules: list[shapes.SudoRule] = []
    sections = _sudo_host_sections(spec)
    for index, section in enumerate(sections):
        if index:
            host_text, equals, section = section.partition("=")
            if not equals:
                continue
            hosts = _sudoers_split(host_text)
        commands = _sudo_commands(section)
        if commands:
            rules.append({"users": users, "hosts": hosts, "commands": commands, "file": file, "line": line})
    return rules


def entries(text: str, *, file: str) -> list[SudoersEntry]:
    """A sudoers file's includes, aliases, Defaults parameters and user specifications, in file order.

    Tolerant like every parser here: a line it cannot read is skipped (``visudo -c`` is what rejects them)."""
    entries: list[SudoersEntry] = []
    for number, raw in _sudoers_logical_lines(text):
        stripped = raw.strip()
        include = _SUDO_INCLUDE.match(stripped)
        if include:
            entries.append(SudoInclude(_unquote(include.group(2)), include.group(1) == "includedir", number))
            continue
        line = _sudoers_strip_comment(stripped)
        if not line:
            continue
        keyword = line.split(None, 1)[0]
        defaults = _SUDO_DEFAULTS.match(line)
        if defaults:
            entries.extend(_sudo_defaults(defaults, file, number))
        elif keyword in SUDO_ALIAS_KINDS:
            kind = "Cmnd_Alias" if keyword == "Cmd_Alias" else keyword
            for definition in _SUDO_ALIAS_SPLIT.split(line[len(keyword) :].strip()):
                name, equals, members = definition.partition("=")
                if equals and name.strip():
                    entries.append(SudoAlias(kind, name.strip(), _sudoers_split(members), number))
        else:
            entries.extend(_sudo_rules(line, file, number))
    return entries


# --- who the policy gives what -------------------------------------------------------------

# Run-as entries that let a command run as root: root itself, or anyone.
ROOT_RUNAS = frozenset({"root", "#0", "ALL"})
# Alias chains longer than this are a loop (visudo rejects both).
MAX_ALIAS_DEPTH = 32


class Policy:
    """Which sudoers rules apply to a user on this host, aliases and negations resolved as sudo does."""

    def __init__(self, data: shapes.Sudo, host: str, group_names: Mapping[int, str]) -> None:
        self.rules: list[shapes.SudoRule] = data.get("rules", [])
        self.aliases = data.get("aliases", {})
        self.host = host.lower()
        self.group_names = group_names

    def _members(self, kind: str, item: str, depth: int) -> list[str] | None:
        if depth < MAX_ALIAS_DEPTH and item in self.aliases.get(kind, {}):
            return self.aliases[kind][item]
        return None

    def _list_matches(self, kind: str, items: Sequence[str], matches: Callable[[str], bool], depth: int = 0) -> bool:
        # The last item that matches decides: "ALL, !bob" is everyone but bob.
        decided = False
        for raw in items:
            negated = raw.startswith("!")
            item = raw.lstrip("!").strip()
            members = self._members(kind, item, depth)
            hit = self._list_matches(kind, members, matches, depth + 1) if members is not None else matches(item)
            if hit:
                decided = not negated
        return decided

    def _user_matches(self, item: str, user: Mapping[str, Any], groups: set[str]) -> bool:
        if item == "ALL":
            return True
        if item.startswith("%#"):
            return item[2:].isdigit() and int(item[2:]) in {user.get("gid"), *self._gids(groups)}
        if item.startswith("%:"):
            # A group from outside the host's files (sssd, Active Directory): not resolvable here.
            return False
        if item.startswith("%"):
            return item[1:] in groups
        if item.startswith("#"):
            return item[1:].isdigit() and int(item[1:]) == user.get("uid")
        # Netgroups (+name) are not resolved here: they live in NIS or LDAP, not in these files.
        return item == user.get("name")

    def _gids(self, groups: set[str]) -> set[int]:
        return {gid for gid, name in self.group_names.items() if name in groups}

    def _host_matches(self, item: str) -> bool:
        if item == "ALL":
            return True
        short = self.host.split(".", 1)[0]
        pattern = item.lower()
        if any(char in pattern for char in "*?["):
            return fnmatch.fnmatch(self.host, pattern) or fnmatch.fnmatch(short, pattern)
        if pattern[:1].isdigit() or pattern.startswith("+") or ":" in pattern:
            # An address, a network or a netgroup: not known from the files, so the rule is taken to apply
            # (listing a privilege the host may not give beats hiding one it does).
            return True
        return pattern in (self.host, short)

    def privileges(self, user: Mapping[str, Any], groups: set[str]) -> tuple[set[str], bool]:
        """The ``sudo:`` privileges the rules give this user here, and whether one is every command as root."""
        granted: set[str] = set()
        admin = False
        for rule in self.rules:
            if not self._list_matches("User_Alias", rule["users"], lambda i: self._user_matches(i, user, groups)):
                continue
            if not self._list_matches("Host_Alias", rule["hosts"], self._host_matches):
                continue
            for command in rule["commands"]:
                if command["negated"]:
                    continue
                runas = command["runas"] or "root"
                tag = "NOPASSWD: " if "NOPASSWD" in command["tags"] else ""
                granted.add(f"sudo:({runas}) {tag}{command['command']}")
                every_command = self._list_matches("Cmnd_Alias", [command["command"]], lambda i: i == "ALL")
                admin = admin or (every_command and self._as_root(command["runas"]))
        return granted, admin

    def _as_root(self, runas: str) -> bool:
        if not runas:
            return True
        # "(:wheel)" changes only the group: the command runs as the user who called sudo.
        users = [item.strip() for item in runas.split(":", 1)[0].split(",") if item.strip()]
        return self._list_matches("Runas_Alias", users, lambda item: item in ROOT_RUNAS)
