"""Shield Advanced collection (global): whether the account subscribes, and which resources it protects."""

from __future__ import annotations

from ..shapes_directory import Shield
from ._common import Scope, optional, paginate, plain


def collect_shield(scope: Scope) -> Shield:
    shield = scope.client("shield", scope.global_region)
    # An account without Shield Advanced is answered ResourceNotFoundException: not a failure.
    subscription = optional(lambda: shield.describe_subscription(), {"ResourceNotFoundException"})
    if subscription is None:
        return {"subscribed": False}
    # ListProtections may answer ResourceNotFoundException, rather than an empty list, when nothing is protected.
    protections = optional(lambda: paginate(shield, "list_protections", "Protections"), {"ResourceNotFoundException"})
    return plain(
        {
            "subscribed": True,
            "subscription_arn": (subscription.get("Subscription") or {}).get("SubscriptionArn"),
            "protected_resources": sorted(str(p["ResourceArn"]) for p in protections or [] if p.get("ResourceArn")),
        }
    )
