"""The SSH daemon's configuration, includes and Match blocks resolved (checked by ``checks.ssh``)."""

from __future__ import annotations

import posixpath

from .. import parsers
from ..shapes import Sshd
from ..transport import Transport, exists
from ._common import glob, read_optional

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
