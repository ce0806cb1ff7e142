"""AWS Account Management collection (global): the registered alternate contacts."""

from __future__ import annotations

from typing import Any

from ..shapes import Account, AlternateContact
from ._common import Scope, optional


def _contact(raw: Any, contact_type: str) -> AlternateContact | None:
    if not raw:
        return None
    # Only whether each field is filled in: a check needs no more, and the stored scan
    # then holds no one's e-mail address or phone number.
    return {
        "type": contact_type,
        "has_name": bool(str(raw.get("Name") or "").strip()),
        "has_email": bool(str(raw.get("EmailAddress") or "").strip()),
        "has_phone": bool(str(raw.get("PhoneNumber") or "").strip()),
    }


def collect_account(scope: Scope) -> Account:
    client = scope.client("account", scope.global_region)
    # AWS answers ResourceNotFoundException when no contact of that type is registered.
    security = optional(
        lambda: client.get_alternate_contact(AlternateContactType="SECURITY").get("AlternateContact"),
        {"ResourceNotFoundException"},
    )
    return {"security_contact": _contact(security, "SECURITY")}
