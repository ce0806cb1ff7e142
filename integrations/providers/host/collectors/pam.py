"""The PAM stacks that set password rules and lock out password guessing (checked by ``checks.pam``).

Three services are resolved, as the programs that use them see them: ``passwd`` (its password rules: quality
and hashing), ``sshd`` and ``login`` (their auth rules: lockout). Debian's ``@include`` and the ``include`` and
``substack`` controls are followed into the files they name.
"""

from __future__ import annotations

import posixpath

from .. import parsers
from ..shapes import Pam, PamRule, PamSetting
from ..transport import Transport, exists
from ._common import glob, read_optional

PAM_DIR = "/etc/pam.d"
# service -> the rule type read from it
STACKS = (("passwd", "password"), ("sshd", "auth"), ("login", "auth"))
# Linux-PAM stops following includes at this depth.
MAX_INCLUDE_DEPTH = 16


def _stack(transport: Transport, service: str, kind: str, depth: int = 0) -> list[PamRule] | None:
    # An include names a file of /etc/pam.d; a path elsewhere is not followed.
    path = posixpath.join(PAM_DIR, posixpath.basename(service))
    text = read_optional(transport, path)
    if text is None:
        return None
    rules: list[PamRule] = []
    for line in parsers.pam_lines(text):
        nested = line.kind == "@include" or (line.kind == kind and line.control in ("include", "substack"))
        if nested:
            if depth < MAX_INCLUDE_DEPTH:
                rules += _stack(transport, line.module, kind, depth + 1) or []
        elif line.kind == kind:
            rules.append(
                {"module": line.module, "control": line.control, "args": line.args, "file": path, "line": line.line}
            )
    return rules


def _settings(transport: Transport, paths: list[str]) -> dict[str, PamSetting]:
    settings: dict[str, PamSetting] = {}
    for path in paths:
        text = read_optional(transport, path)
        for key, value in parsers.ini_values(text or "").get("", {}).items():
            settings[key] = {"value": value, "file": path}
    return settings


def collect_pam(transport: Transport) -> Pam:
    if not exists(transport, PAM_DIR):
        return {"present": False}
    stacks: dict[str, dict[str, list[PamRule]]] = {}
    for service, kind in STACKS:
        rules = _stack(transport, service, kind)
        if rules is not None:
            stacks.setdefault(service, {})[kind] = rules
    pwquality = ["/etc/security/pwquality.conf", *glob(transport, "/etc/security/pwquality.conf.d/*.conf")]
    login_defs = parsers.login_defs(read_optional(transport, "/etc/login.defs") or "")
    return {
        "present": True,
        "stacks": stacks,
        "pwquality": _settings(transport, pwquality),
        "faillock": _settings(transport, ["/etc/security/faillock.conf"]),
        "encrypt_method": login_defs.get("ENCRYPT_METHOD", ""),
    }
