"""OpenSSH's authorized_keys format (sshd(8), "AUTHORIZED_KEYS FILE FORMAT"): which public keys let someone in.

Pure, like the other host parsers: text in, data out, a line it cannot read reported rather than raised. A key
is reduced to what a reviewer needs (its type, size, SHA256 fingerprint as ``ssh-keygen -l`` prints it, comment
and options); the key material itself is not kept.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from . import shapes

# Curve sizes of the ECDSA key types, by the curve name the key carries.
_ECDSA_BITS = {"nistp256": 256, "nistp384": 384, "nistp521": 521}
_CERT_SUFFIX = "-cert-v01@openssh.com"


class _Blob:
    """Reads the SSH wire format (RFC 4251): uint32-length-prefixed strings and mpints."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.offset = 0

    def string(self) -> bytes:
        if self.offset + 4 > len(self.data):
            raise ValueError("truncated key")
        size = int.from_bytes(self.data[self.offset : self.offset + 4], "big")
        start = self.offset + 4
        if start + size > len(self.data):
            raise ValueError("truncated key")
        self.offset = start + size
        return self.data[start : self.offset]

    def mpint_bits(self) -> int:
        return int.from_bytes(self.string(), "big").bit_length()


def _is_key_type(token: str) -> bool:
    return token.startswith(("ssh-", "ecdsa-sha2-", "sk-ssh-", "sk-ecdsa-")) or token.endswith(_CERT_SUFFIX)


def _bits(key_type: str, blob: bytes) -> int:
    reader = _Blob(blob)
    declared = reader.string().decode("ascii", errors="replace")
    if declared != key_type:
        raise ValueError(f"the key says it is {declared}, the line says {key_type}")
    base = key_type.removesuffix(_CERT_SUFFIX)
    if key_type.endswith(_CERT_SUFFIX):
        reader.string()  # the certificate's nonce comes before the key
    if base == "ssh-rsa":
        reader.string()  # the public exponent
        return reader.mpint_bits()
    if base == "ssh-dss":
        return reader.mpint_bits()
    if base.startswith(("ecdsa-sha2-", "sk-ecdsa-sha2-")):
        return _ECDSA_BITS.get(reader.string().decode("ascii", errors="replace"), 0)
    if base in ("ssh-ed25519", "sk-ssh-ed25519@openssh.com"):
        return 256
    return 0


def _split_options(line: str) -> tuple[str, str]:
    """(options, rest) of a line that starts with options: they run to the first blank outside quotes."""
    quoted = False
    index = 0
    while index < len(line):
        char = line[index]
        if quoted and char == "\\":
            index += 2
            continue
        if char == '"':
            quoted = not quoted
        elif char in " \t" and not quoted:
            return line[:index], line[index:].strip()
        index += 1
    return line, ""


def _option_list(options: str) -> list[str]:
    found: list[str] = []
    current: list[str] = []
    quoted = False
    for char in options:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            found.append("".join(current))
            current = []
        else:
            current.append(char)
    found.append("".join(current))
    return [option for option in found if option]


@dataclass
class Invalid:
    line: int
    reason: str


def keys(text: str, *, file: str, max_keys: int = 1000) -> tuple[list[shapes.AuthorizedKey], list[Invalid]]:
    """The keys of an authorized_keys file, and the lines sshd would not accept as a key (with why)."""
    found: list[shapes.AuthorizedKey] = []
    invalid: list[Invalid] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if len(found) >= max_keys:
            invalid.append(Invalid(number, f"more than {max_keys} keys in one file; the rest are not read"))
            break
        options = ""
        if not _is_key_type(line.split(None, 1)[0]):
            options, line = _split_options(line)
        fields = line.split(None, 2)
        if len(fields) < 2 or not _is_key_type(fields[0]):
            invalid.append(Invalid(number, "not a public key line"))
            continue
        key_type, encoded = fields[0], fields[1]
        try:
            blob = base64.b64decode(encoded, validate=True)
            bits = _bits(key_type, blob)
        except (binascii.Error, ValueError) as exc:
            invalid.append(Invalid(number, f"{key_type} key that cannot be read: {exc}"))
            continue
        fingerprint = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
        found.append(
            {
                "type": key_type,
                "bits": bits,
                "fingerprint": f"SHA256:{fingerprint}",
                "comment": fields[2].strip() if len(fields) > 2 else "",
                "options": _option_list(options),
                "file": file,
                "line": number,
            }
        )
    return found, invalid
