"""Parsers of the Linux configuration formats the host connector reads (pure: text in, data out).

Every parser is tolerant: a line it does not understand is skipped, never an exception,
because a scan must report on a host with a hand-edited file rather than stop.  None of
them keeps a secret: /etc/shadow is reduced to the *state* of each password field.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from . import shapes


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, stripped line) for the non-blank, non-comment lines of a '#'-commented file."""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            yield number, line


# --- sshd_config ---------------------------------------------------------------------

_SSHD_LINE = re.compile(r"^(\S+?)(?:\s*=\s*|\s+)(.*)$")


@dataclass
class SshdDirective:
    keyword: str
    value: str
    file: str
    line: int
    match: str = ""  # the Match criteria the directive is conditional on; "" when global

    def as_dict(self) -> shapes.SshdSetting:
        data: shapes.SshdSetting = {"value": self.value, "file": self.file, "line": self.line}
        if self.match:
            data["match"] = self.match
        return data


@dataclass
class SshdLine:
    """One meaningful line of an sshd config file."""

    keyword: str  # lower-case
    args: list[str]
    line: int


def sshd_lines(text: str) -> list[SshdLine]:
    parsed: list[SshdLine] = []
    for number, line in _lines(text):
        match = _SSHD_LINE.match(line)
        if not match:
            # A keyword with no argument: sshd rejects it; nothing to record.
            continue
        keyword, rest = match.group(1).lower(), match.group(2).strip()
        try:
            args = shlex.split(rest, comments=True)
        except ValueError:
            args = rest.split()
        if args:
            parsed.append(SshdLine(keyword=keyword, args=args, line=number))
    return parsed


@dataclass
class SshdConfig:
    """The effective global settings (first value wins, as in sshd) and every Match-block override."""

    settings: dict[str, SshdDirective] = field(default_factory=dict)
    overrides: list[SshdDirective] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def add(self, directive: SshdDirective) -> None:
        if directive.match:
            self.overrides.append(directive)
        elif directive.keyword not in self.settings:
            self.settings[directive.keyword] = directive

    def as_dict(self) -> shapes.SshdResolved:
        return {
            "settings": {k: d.as_dict() for k, d in sorted(self.settings.items())},
            "overrides": [{"keyword": d.keyword, **d.as_dict()} for d in self.overrides],
            "files": list(self.files),
        }


_TIME_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_TIME_PART = re.compile(r"(\d+)([smhdw]?)", re.IGNORECASE)


def sshd_seconds(value: str) -> int | None:
    """sshd's time format: "300", "5m", "1h30m"; None when it is not one."""
    text = value.strip()
    if not text:
        return None
    total, position = 0, 0
    for part in _TIME_PART.finditer(text):
        if part.start() != position:
            return None
        total += int(part.group(1)) * _TIME_UNITS[part.group(2).lower()]
        position = part.end()
    return total if position == len(text) else None


# --- key/value files -----------------------------------------------------------------


def login_defs(text: str) -> dict[str, str]:
    """/etc/login.defs: "NAME value" lines; the last occurrence wins, as shadow-utils reads it."""
    values: dict[str, str] = {}
    for _, line in _lines(text):
        parts = line.split(None, 1)
        if len(parts) == 2:
            values[parts[0]] = parts[1].strip().strip('"')
    return values


def shell_vars(text: str) -> dict[str, str]:
    """KEY=value files such as os-release and ufw.conf (quotes removed)."""
    values: dict[str, str] = {}
    for _, line in _lines(text):
        key, sep, value = line.partition("=")
        if not sep or not key.strip().isidentifier():
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def ini_values(text: str) -> dict[str, dict[str, str]]:
    """A forgiving INI reader (section -> key -> value) for dnf/yum and similar files."""
    sections: dict[str, dict[str, str]] = {}
    current = sections.setdefault("", {})
    for _, line in _lines(text):
        if line.startswith(";"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1].strip().lower(), {})
            continue
        key, sep, value = line.partition("=")
        if sep:
            current[key.strip().lower()] = value.strip()
    return sections


def sysctl_values(text: str) -> dict[str, str]:
    """sysctl.conf / sysctl.d: "key = value"; keys normalised to dotted form."""
    values: dict[str, str] = {}
    for _, line in _lines(text):
        if line.startswith(";"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            continue
        # A leading "-" only tells sysctl to ignore errors for that key.
        key = key.strip().lstrip("-").replace("/", ".")
        if key:
            values[key] = value.strip()
    return values


@dataclass(frozen=True)
class LimitEntry:
    domain: str
    type: str
    item: str
    value: str
    file: str
    line: int

    def as_dict(self) -> shapes.LimitEntry:
        return {
            "domain": self.domain,
            "type": self.type,
            "item": self.item,
            "value": self.value,
            "file": self.file,
            "line": self.line,
        }


def limits_entries(text: str, *, file: str) -> list[LimitEntry]:
    """pam_limits files: "<domain> <type> <item> <value>" lines."""
    entries: list[LimitEntry] = []
    for number, line in _lines(text):
        parts = line.split()
        if len(parts) >= 4:
            entries.append(LimitEntry(parts[0], parts[1].lower(), parts[2].lower(), parts[3], file, number))
    return entries


# --- accounts --------------------------------------------------------------------------


def passwd_entries(text: str) -> list[shapes.PasswdEntry]:
    """/etc/passwd rows: name, uid, gid, home, shell (the password field is never kept)."""
    rows: list[shapes.PasswdEntry] = []
    for number, line in _lines(text):
        fields = line.split(":")
        if len(fields) < 7 or not fields[2].lstrip("-").isdigit():
            continue
        rows.append(
            {
                "name": fields[0],
                "uid": int(fields[2]),
                "gid": int(fields[3]) if fields[3].isdigit() else None,
                "home": fields[5],
                "shell": fields[6],
                "line": number,
            }
        )
    return rows


# Shells that end the session at once: the account exists for a daemon or for file ownership, not for people.
NO_LOGIN_SHELLS = frozenset({"nologin", "false", "sync", "shutdown", "halt"})


def has_login_shell(user: shapes.PasswdEntry | dict[str, Any]) -> bool:
    """Whether a passwd entry's shell lets a person in (an empty shell field means /bin/sh)."""
    shell = str(user.get("shell") or "").strip()
    return not shell or shell.rsplit("/", 1)[-1] not in NO_LOGIN_SHELLS


def group_ids(text: str) -> dict[str, int]:
    groups: dict[str, int] = {}
    for _, line in _lines(text):
        fields = line.split(":")
        if len(fields) >= 3 and fields[2].isdigit():
            groups.setdefault(fields[0], int(fields[2]))
    return groups


def group_members(text: str) -> dict[str, list[str]]:
    """/etc/group's supplementary members: group name -> the user names its fourth field lists (groups with none
    are left out)."""
    members: dict[str, list[str]] = {}
    for _, line in _lines(text):
        fields = line.split(":")
        if len(fields) >= 4:
            names = [name.strip() for name in fields[3].split(",") if name.strip()]
            if names:
                members.setdefault(fields[0], names)
    return members


def password_state(field: str) -> Literal["empty", "locked", "set"]:
    """What a shadow password field means, without keeping it: empty, locked or set."""
    if field == "":
        return "empty"
    if field[0] in "!*":
        return "locked"
    return "set"


def shadow_entries(text: str) -> list[shapes.ShadowEntry]:
    """/etc/shadow rows reduced to name, password state and the aging fields."""
    rows: list[shapes.ShadowEntry] = []
    for number, line in _lines(text):
        fields = line.split(":")
        if len(fields) < 2:
            continue
        rows.append(
            {
                "name": fields[0],
                "password": password_state(fields[1]),
                "max_days": fields[4] if len(fields) > 4 else "",
                "last_change": fields[2] if len(fields) > 2 else "",
                "line": number,
            }
        )
    return rows


# --- apt configuration -----------------------------------------------------------------

_APT_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{};]|[^\s{};"]+')


def _strip_apt_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.DOTALL)
    kept = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#") or line.startswith("//"):
            continue
        # A "//" comment after a value; quoted values never contain one in practice.
        kept.append(re.sub(r"\s//.*$", "", raw))
    return "\n".join(kept)


def apt_config(text: str) -> dict[str, str]:
    """apt.conf syntax, flattened to "A::B::C" -> value (the last assignment in the text wins)."""
    values: dict[str, str] = {}
    scope: list[str] = []
    pending: list[str] = []
    for token in _APT_TOKEN.findall(_strip_apt_comments(text)):
        if token == "{":
            if pending:
                scope.append(pending[0])
            pending = []
        elif token == "}":
            if scope:
                scope.pop()
            pending = []
        elif token == ";":
            if len(pending) >= 2:
                key = "::".join([*scope, pending[0]])
                values[key.lower()] = pending[1].strip('"')
            pending = []
        else:
            pending.append(token)
    return values


# --- firewall rules ---------------------------------------------------------------------

_NFT_VERDICTS = re.compile(r"\b(accept|drop|reject|jump|goto|counter|log|masquerade|dnat|snat|limit)\b")


def nft_summary(text: str) -> dict[str, Any]:
    """Rules and restrictive chain policies in an nftables ruleset file, plus what it includes."""
    rules = 0
    drop_policy = False
    includes: list[str] = []
    for _, line in _lines(text):
        if line.startswith("include"):
            try:
                includes += shlex.split(line)[1:]
            except ValueError:
                continue
            continue
        if line.startswith("type ") or "policy" in line.split():
            if re.search(r"\bpolicy\s+drop\b", line):
                drop_policy = True
            continue
        if line.startswith(("table ", "chain ", "flush ", "define ", "set ", "map ", "}", "{")):
            continue
        if _NFT_VERDICTS.search(line):
            rules += 1
    return {"rules": rules, "drop_policy": drop_policy, "includes": includes}


def iptables_summary(text: str) -> dict[str, Any]:
    """iptables-save output: appended rules and chains whose default policy drops."""
    rules = 0
    drop_policy = False
    for _, line in _lines(text):
        if line.startswith("-A "):
            rules += 1
        elif line.startswith(":") and re.match(r"^:(INPUT|FORWARD)\s+DROP\b", line):
            drop_policy = True
    return {"rules": rules, "drop_policy": drop_policy}


def audit_rule_count(text: str) -> int:
    return sum(1 for _, line in _lines(text) if line.startswith(("-a", "-w")))


# --- PAM -------------------------------------------------------------------------------------

PAM_TYPES = frozenset({"auth", "account", "password", "session"})


@dataclass
class PamLine:
    """One rule of a /etc/pam.d file; ``kind`` is its type, or "@include" for Debian's whole-file include."""

    kind: str
    # "required", "[success=1 default=ignore]", "include", "substack"...
    control: str
    # The module's name without directory and ".so" ("pam_unix"), or the file an include names.
    module: str
    args: list[str]
    line: int


def pam_lines(text: str) -> list[PamLine]:
    """The rules of a PAM service file, in order (a leading "-", "load if present", is dropped)."""
    found: list[PamLine] = []
    for number, line in _lines(text):
        tokens = line.split()
        if tokens[0] == "@include":
            if len(tokens) > 1:
                found.append(PamLine("@include", "include", tokens[1], [], number))
            continue
        kind = tokens[0].lstrip("-").lower()
        rest = line[len(tokens[0]) :].strip()
        if kind not in PAM_TYPES or not rest:
            continue
        if rest.startswith("["):
            control, _, rest = rest[1:].partition("]")
            control = f"[{' '.join(control.split())}]"
        else:
            control, *remaining = rest.split(None, 1)
            rest = remaining[0] if remaining else ""
        parts = rest.split()
        if not parts:
            continue
        module = parts[0].rsplit("/", 1)[-1].removesuffix(".so")
        found.append(PamLine(kind, control.lower(), module, parts[1:], number))
    return found
