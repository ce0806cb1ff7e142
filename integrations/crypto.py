"""Encryption of integration credentials at rest (Fernet, with key rotation).

``settings.FIELD_ENCRYPTION_KEYS`` lists Fernet keys: the first encrypts, every key
decrypts, so a new key is put first, ``rotate_integration_keys`` re-encrypts every row,
and the old key is then dropped.  With no key configured (the embedded default) one is
derived from ``SECRET_KEY`` so that a fresh install works with no variable set.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from complywise.exceptions import ApplicationError

# Changing either constant changes the derived key and makes stored credentials unreadable.
_DERIVATION_SALT = b"complywise.integrations"
_DERIVATION_INFO = b"integration-credentials-v1"


class CredentialsDecryptionError(ApplicationError):
    """Stored credentials that no configured key can decrypt (key changed, removed too early, or data damaged)."""

    # A server configuration fault, not bad input; the detail says what to fix.
    status_code = 500
    default_detail = (
        "The stored credentials could not be decrypted with any configured FIELD_ENCRYPTION_KEY; "
        "restore the key they were encrypted with, or enter the credentials again."
    )


def derive_key(secret: str) -> str:
    """A stable Fernet key from ``SECRET_KEY``, for installs that configure no encryption key."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=_DERIVATION_SALT, info=_DERIVATION_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode())).decode()


@functools.lru_cache(maxsize=8)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.strip().encode()))
        except (ValueError, binascii.Error, TypeError):
            # Never echo the key itself: it is a secret even when malformed.
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEY entry #{position} is not a valid Fernet key "
                "(32 url-safe base64-encoded bytes; generate one with Fernet.generate_key())."
            ) from None
    return MultiFernet(fernets)


def configured_keys() -> tuple[str, ...]:
    keys = tuple(k for k in (getattr(settings, "FIELD_ENCRYPTION_KEYS", None) or []) if k and k.strip())
    return keys or (derive_key(settings.SECRET_KEY),)


def _cipher() -> MultiFernet:
    return _multi_fernet(configured_keys())


def encrypt_json(data: dict[str, Any]) -> str:
    """Encrypt a JSON object with the first configured key."""
    if not isinstance(data, dict):
        raise TypeError("only a JSON object can be encrypted")
    payload = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return _cipher().encrypt(payload).decode()


def decrypt_json(token: str) -> dict[str, Any]:
    """Decrypt what :func:`encrypt_json` produced, with any configured key; empty means no credentials."""
    if not token:
        return {}
    try:
        payload = _cipher().decrypt(token.encode())
    except InvalidToken:
        raise CredentialsDecryptionError() from None
    try:
        data = json.loads(payload)
    except ValueError:
        raise CredentialsDecryptionError("The stored credentials are damaged (not JSON); enter them again.") from None
    if not isinstance(data, dict):
        raise CredentialsDecryptionError("The stored credentials are damaged (not an object); enter them again.")
    return data


def rotate(token: str) -> str:
    """Re-encrypt a token with the first configured key (it must decrypt with one of them)."""
    if not token:
        return token
    try:
        return _cipher().rotate(token.encode()).decode()
    except InvalidToken:
        raise CredentialsDecryptionError() from None
