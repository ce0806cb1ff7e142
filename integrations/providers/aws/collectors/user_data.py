"""User data collection (regional): what in EC2 instances' user data looks like a credential (launch templates' is
scanned with :func:`scan_user_data` where they are read, in ``autoscaling``).

User data is a script or cloud-init document handed to an instance at boot; anyone who can describe the instance
(or read its metadata from inside it) can read it, so a credential written into it is a credential in clear. The
text is scanned here, in the collector, and only which kinds of credential were found and on which line are kept:
the inventory is stored, and must never hold the very secrets it reports.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import zlib
from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..secret_names import looks_secret
from ..shapes_ec2 import InstanceUserData, InstanceUserDataRegion, NamedSecretFinding, SecretFinding, UserData
from ._common import Scope, bounded_region, concurrently, describe_error, error_code, paginate_at_most

# DescribeInstances does not return user data: each instance costs a DescribeInstanceAttribute call. Past this many
# instances in a region the rest are left unread (and the check says so).
MAX_INSTANCES = 1_000
# AWS takes at most 16 KB of user data (before base64); a longer answer is not AWS's, and is not decoded.
MAX_USER_DATA_BYTES = 64 * 1024
# cloud-init unpacks gzip-compressed user data; it is unpacked here too, but no further than this.
MAX_UNPACKED_BYTES = 1024 * 1024
# The findings kept per user data (all are counted): enough to point the owner at every place to clean up.
MAX_FINDINGS = 20
# Every state but terminated: a terminated instance's user data is going away with it.
_LIVE_STATES = ["pending", "running", "shutting-down", "stopping", "stopped"]
_DESCRIBE_PAGE = 1_000
_VERSIONS_PAGE = 200

# What is looked for, by kind (SecretFinding.kind).
SECRET_KINDS = {
    "aws_access_key_id": "an AWS access key id (AKIA... or ASIA...)",
    "aws_secret_access_key": "an aws_secret_access_key set to a value",
    "private_key": "a PEM private key",
    "password": "a password assigned a value",
    "secret_assignment": "a setting named like a credential (token, secret, API key) assigned a value",
    "url_password": "a URL with a password written before its host (scheme://user:password@host)",
    "service_token": "a token in the format of a well-known service (GitHub, GitLab, Slack, Stripe, Google, npm, "
    "SendGrid), whatever it is named",
}
# Tokens whose own format says what they are: each service prefixes its tokens so that scanners like this one can
# tell them apart from random text without guessing from a setting's name.
_SERVICE_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_])(?:"
    r"gh[pousr]_[A-Za-z0-9]{36}"  # GitHub personal, OAuth, user-to-server, server-to-server and refresh tokens
    r"|github_pat_[A-Za-z0-9_]{82}"  # GitHub fine-grained personal access tokens
    r"|glpat-[A-Za-z0-9_-]{20}"  # GitLab personal access tokens
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"  # Slack bot, user, app and refresh tokens
    r"|[sr]k_live_[A-Za-z0-9]{24,}"  # Stripe live secret and restricted keys
    r"|AIza[A-Za-z0-9_-]{35}"  # Google API keys
    r"|npm_[A-Za-z0-9]{36}"  # npm access tokens
    r"|SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"  # SendGrid API keys
    r")(?![A-Za-z0-9_])"
)
# Long-term (AKIA) and temporary (ASIA) access key ids: the prefix and 16 upper-case letters or digits.
_ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")
_PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")
# A connection string or URL signing in with a password: postgres://app:PASSWORD@db, https://user:PASSWORD@host.
_URL_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@]+:(?P<password>[^\s/@]+)@[^\s/@]")
# aws_secret_access_key set in an assignment, a credentials file or `aws configure set aws_secret_access_key VALUE`.
_SECRET_ACCESS_KEY = re.compile(
    r"aws_secret_access_key[\"']?(?:[ \t]*[:=][ \t]*|[ \t]+)[\"']?(?P<first>[^\s\"'])", re.I
)
# NAME=value, NAME: value, "NAME": "value" (shell, YAML, JSON, INI, a URL's query). The name starts a word: not
# the middle of an ARN (arn:aws:secretsmanager:...) or a path.
_ASSIGNMENT = re.compile(
    r"(?<![\w:./])(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)[\"']?[ \t]*[:=][ \t]*[\"']?(?P<value>[^\s\"'`,;&)]+)"
)
# A value this short, or all digits (a TTL, a port, a length), is not taken for a token or key; a password may be
# anything written out.
_MIN_SECRET_LENGTH = 8
# A value starting like this is a reference to a secret kept elsewhere, not the secret: a shell variable or command
# ($VAR, ${VAR}, $(aws secretsmanager ...)), a template ({{resolve:...}}, %VAR%, <placeholder>).
_REFERENCE_STARTS = frozenset("${<%")
# Settings named like a credential whose value only names where the credential is.
_REFERENCE_SUFFIXES = ("_FILE", "_PATH", "_ARN", "_ID", "_NAME", "_PARAMETER")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def collect_instance_user_data(scope: Scope) -> InstanceUserDataRegion:
    ec2 = scope.client("ec2")
    reservations, more = paginate_at_most(
        ec2,
        "describe_instances",
        "Reservations",
        MAX_INSTANCES,
        Filters=[{"Name": "instance-state-name", "Values": _LIVE_STATES}],
        PaginationConfig={"PageSize": _DESCRIBE_PAGE},
    )
    listed = [
        i for r in reservations for i in r.get("Instances", []) if (i.get("State") or {}).get("Name") != "terminated"
    ]
    # The bound counts reservations; one may hold several instances.
    if len(listed) > MAX_INSTANCES:
        listed, more = listed[:MAX_INSTANCES], True
    read = concurrently(functools.partial(_instance, ec2, scope), listed)
    return bounded_region("instances", [i for i in read if i is not None], more, MAX_INSTANCES)


def _instance(ec2: BaseClient, scope: Scope, listed: Mapping[str, Any]) -> InstanceUserData | None:
    instance_id = str(listed["InstanceId"])
    entry: InstanceUserData = {
        "id": instance_id,
        "state": (listed.get("State") or {}).get("Name"),
        "region": scope.region,
    }
    try:
        answer = ec2.describe_instance_attribute(InstanceId=instance_id, Attribute="userData")
    except ClientError as exc:
        if error_code(exc) == "InvalidInstanceID.NotFound":
            return None  # terminated and gone between the listing and this read
        entry["describe_error"] = describe_error(exc)
        return entry
    entry["user_data"] = scan_user_data((answer.get("UserData") or {}).get("Value"))
    return entry


def scan_user_data(encoded: str | None) -> UserData:
    """Decode base64 user data (gunzipping it if compressed, within bounds) and scan it with :func:`secret_findings`.

    Neither the text nor any value found in it is returned."""
    if not encoded:
        return {"present": False, "findings": [], "finding_count": 0, "scanned_bytes": 0}
    compact = "".join(encoded.split())
    if len(compact) > (MAX_USER_DATA_BYTES * 4) // 3 + 4:
        return _unreadable(f"it is longer than {MAX_USER_DATA_BYTES} bytes, more than AWS accepts")
    try:
        raw = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return _unreadable("it is not base64, as AWS returns user data")
    if raw[:2] == b"\x1f\x8b":
        unpacker = zlib.decompressobj(wbits=31)
        try:
            unpacked = unpacker.decompress(raw, MAX_UNPACKED_BYTES + 1)
        except zlib.error:
            return _unreadable("it is gzip data that could not be unpacked")
        if len(unpacked) > MAX_UNPACKED_BYTES:
            return _unreadable(f"it unpacks to more than {MAX_UNPACKED_BYTES} bytes")
        raw = unpacked
    findings = secret_findings(raw.decode("utf-8", "replace"))
    return {
        "present": True,
        "findings": findings[:MAX_FINDINGS],
        "finding_count": len(findings),
        "scanned_bytes": len(raw),
    }


def _unreadable(why: str) -> UserData:
    return {"present": True, "findings": [], "finding_count": 0, "scanned_bytes": 0, "unreadable": why}


def secret_findings(text: str) -> list[SecretFinding]:
    """Each (kind, line) in ``text`` that looks like a credential (see SECRET_KINDS), once, in line order."""
    found: list[SecretFinding] = []
    for number, line in enumerate(text.splitlines(), start=1):
        kinds: set[str] = set()
        if _ACCESS_KEY_ID.search(line):
            kinds.add("aws_access_key_id")
        if _PRIVATE_KEY.search(line):
            kinds.add("private_key")
        if _SERVICE_TOKEN.search(line):
            kinds.add("service_token")
        if any(_literal(line, m.start("password")) for m in _URL_PASSWORD.finditer(line)):
            kinds.add("url_password")
        if any(_literal(line, m.start("first")) for m in _SECRET_ACCESS_KEY.finditer(line)):
            kinds.add("aws_secret_access_key")
        for match in _ASSIGNMENT.finditer(line):
            kind, value = _assignment_kind(match.group("name")), match.group("value")
            if not kind or not _literal(line, match.start("value")):
                continue
            if kind == "password" or (len(value) >= _MIN_SECRET_LENGTH and not value.isdigit()):
                kinds.add(kind)
        found.extend({"kind": kind, "line": number} for kind in sorted(kinds))
    return found


def value_credential_kinds(value: object) -> list[str]:
    """The kinds of credential a variable's value holds whatever the variable is named (an access key, a private key,
    a service token, a connection string assigning a password); never the value itself. A name that says it holds a
    credential is judged apart (secret_names.looks_secret)."""
    return sorted({finding["kind"] for finding in secret_findings(str(value or ""))})


def named_value_kinds(name: str, value: object) -> list[str]:
    """The kinds of credential a named setting holds: its name saying so with a value written out (the rules of
    :func:`secret_findings` for ``NAME=value``), or its value holding one whatever the name; never the value."""
    return sorted({finding["kind"] for finding in secret_findings(f"{name}={value if value is not None else ''}")})


def named_values_findings(values: Mapping[str, object]) -> list[NamedSecretFinding]:
    """Each setting of ``values`` (name -> value) that holds a credential, by name, with the kinds found."""
    return [
        {"name": str(name), "kinds": kinds}
        for name, value in sorted(values.items())
        if (kinds := named_value_kinds(str(name), value))
    ]


def document_findings(document: object, path: str = "") -> list[NamedSecretFinding]:
    """Each string in a JSON document (a state machine's definition, a policy) that holds a credential, named by
    its path of keys and list positions (``States.Call.Parameters.ApiKey``), with the kinds found."""
    found: list[NamedSecretFinding] = []
    if isinstance(document, Mapping):
        for key, value in document.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(value, Mapping | list):
                found.extend(document_findings(value, where))
            elif isinstance(value, str) and (kinds := named_value_kinds(str(key), value)):
                found.append({"name": where, "kinds": kinds})
    elif isinstance(document, list):
        for index, value in enumerate(document):
            where = f"{path}[{index}]"
            if isinstance(value, Mapping | list):
                found.extend(document_findings(value, where))
            elif isinstance(value, str) and (kinds := value_credential_kinds(value)):
                found.append({"name": where, "kinds": kinds})
    return found


def _assignment_kind(name: str) -> str | None:
    """The kind of credential a setting's name says it holds, or None (see _REFERENCE_SUFFIXES)."""
    # camelCase words are split too, so dbPasswordFile ends in _FILE as db-password-file does.
    normalised = re.sub(r"[-.]", "_", _CAMEL_BOUNDARY.sub("_", name)).upper()
    if "AWS_SECRET_ACCESS_KEY" in normalised:
        return None  # _SECRET_ACCESS_KEY looks for it, in more forms
    if normalised.endswith(_REFERENCE_SUFFIXES):
        return None
    if "PASSWORD" in normalised or "PASSWD" in normalised:
        return "password"
    return "secret_assignment" if looks_secret(name) else None


def _literal(line: str, start: int) -> bool:
    """Whether the value starting at ``start`` is written out, rather than a reference to a secret kept elsewhere."""
    return line[start] not in _REFERENCE_STARTS and not line[start:].lower().startswith("arn:")
