"""AWS Account Management collection (global): the registered alternate contacts (security, billing, operations)
and the primary contact."""

from __future__ import annotations

from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from ..shapes import Account, AlternateContact, ContactInformation
from ._common import Scope, describe_error, error_code, optional


def _filled(raw: Any, field: str) -> bool:
    return bool(str(raw.get(field) or "").strip())


def _contact(raw: Any, contact_type: str) -> AlternateContact | None:
    if not raw:
        return None
    # Only whether each field is filled in: a check needs no more, and the stored scan
    # then holds no one's e-mail address or phone number.
    return {
        "type": contact_type,
        "has_name": _filled(raw, "Name"),
        "has_email": _filled(raw, "EmailAddress"),
        "has_phone": _filled(raw, "PhoneNumber"),
    }


def _contact_information(client: BaseClient, found: Account) -> None:
    # account:GetContactInformation is outside SecurityAudit, so a refusal is common: it is kept for the one check
    # that reads it instead of failing the security contact check with it.
    try:
        raw = client.get_contact_information().get("ContactInformation")
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            found["contact_information"] = None
            return
        found["contact_information_error"] = describe_error(exc)
        return
    except (BotoCoreError, ResponseParserError) as exc:
        found["contact_information_error"] = describe_error(exc)
        return
    found["contact_information"] = _primary(raw) if raw else None


def _primary(raw: Any) -> ContactInformation:
    # As for alternate contacts, only which fields are filled in is kept (no name, number or address).
    return {
        "has_full_name": _filled(raw, "FullName"),
        "has_phone": _filled(raw, "PhoneNumber"),
        "has_address": all(_filled(raw, f) for f in ("AddressLine1", "City", "CountryCode")),
    }


def _alternate(client: BaseClient, contact_type: str) -> Any:
    # AWS answers ResourceNotFoundException when no contact of that type is registered.
    return optional(
        lambda: client.get_alternate_contact(AlternateContactType=contact_type).get("AlternateContact"),
        {"ResourceNotFoundException"},
    )


def _address(raw: Any) -> str:
    return str((raw or {}).get("EmailAddress") or "").strip().lower()


def _other_contacts(client: BaseClient, security: Any, found: Account) -> None:
    """The billing and operations contacts, and which of them the security contact shares its e-mail address with.

    Addresses are compared here and dropped: the scan keeps only the verdict. A failed read is kept for the check
    that needs these two, so the security contact check still judges."""
    try:
        others = {kind: _alternate(client, kind) for kind in ("BILLING", "OPERATIONS")}
    except (ClientError, BotoCoreError, ResponseParserError) as exc:
        found["alternate_contacts_error"] = describe_error(exc)
        return
    found["billing_contact"] = _contact(others["BILLING"], "BILLING")
    found["operations_contact"] = _contact(others["OPERATIONS"], "OPERATIONS")
    own = _address(security)
    contact = found["security_contact"]
    if contact is not None:
        contact["shares_email_with"] = [kind for kind, raw in others.items() if own and _address(raw) == own]


def collect_account(scope: Scope) -> Account:
    client = scope.client("account", scope.global_region)
    security = _alternate(client, "SECURITY")
    found: Account = {"security_contact": _contact(security, "SECURITY")}
    _other_contacts(client, security, found)
    _contact_information(client, found)
    return found
