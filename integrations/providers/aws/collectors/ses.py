"""Amazon SES collection (regional): each verified or pending sending identity's DKIM signing and who its sending
authorization policies admit.

The identities are listed with SES's ListIdentities (SecurityAudit grants it; SES v2's ListEmailIdentities it does
not) and each is read with SES v2's GetEmailIdentity, which answers DKIM and the policies in one call.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_application import SesRegion
from ._common import Scope, bounded_region, concurrently, describe_error, error_code, paginate_at_most, policy_document

# SES allows 10,000 identities a region; each costs a GetEmailIdentity. Past this many the rest are left unread (and
# the checks say so).
MAX_IDENTITIES = 2_000
# ListIdentities gives at most 1,000 a page.
_PAGE_SIZE = 1_000


def collect_ses(scope: Scope) -> SesRegion:
    listed, more = paginate_at_most(
        scope.client("ses"), "list_identities", "Identities", MAX_IDENTITIES, PaginationConfig={"PageSize": _PAGE_SIZE}
    )
    read = functools.partial(_identity, scope.client("sesv2"), scope.region)
    identities = [i for i in concurrently(read, [str(name) for name in listed]) if i is not None]
    return bounded_region("identities", identities, more, MAX_IDENTITIES)


def _identity(sesv2: BaseClient, region: str, name: str) -> dict[str, Any] | None:
    identity: dict[str, Any] = {"name": name, "region": region}
    try:
        described = sesv2.get_email_identity(EmailIdentity=name)
    except ClientError as exc:
        if error_code(exc) == "NotFoundException":
            return None  # deleted between the listing and this read
        identity["describe_error"] = describe_error(exc)
        return identity
    dkim: Mapping[str, Any] = described.get("DkimAttributes") or {}
    identity.update(
        {
            "type": described.get("IdentityType"),  # DOMAIN, EMAIL_ADDRESS or MANAGED_DOMAIN
            "verified_for_sending": described.get("VerifiedForSendingStatus") is True,
            "dkim_signing_enabled": dkim.get("SigningEnabled") is True,
            "dkim_status": dkim.get("Status"),  # SUCCESS, PENDING, FAILED, TEMPORARY_FAILURE or NOT_STARTED
            "policies": {
                str(policy_name): policy_document(text)
                for policy_name, text in (described.get("Policies") or {}).items()
            },
        }
    )
    return identity
