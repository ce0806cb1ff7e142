"""EC2's regional account settings (one read each): block public access for EBS snapshots and for AMIs, the
instance metadata defaults new instances get, and serial console access.

Each is its own inventory service, so a read refused (an SCP, a policy narrower than SecurityAudit) fails only its
own check in that region.
"""

from __future__ import annotations

from ..shapes_ec2 import (
    ImageBlockPublicAccessRegion,
    InstanceMetadataDefaultsRegion,
    SerialConsoleAccessRegion,
    SnapshotBlockPublicAccessRegion,
)
from ._common import Scope


def collect_snapshot_block_public_access(scope: Scope) -> SnapshotBlockPublicAccessRegion:
    found = scope.client("ec2").get_snapshot_block_public_access_state()
    return {"state": found.get("State"), "managed_by": found.get("ManagedBy")}


def collect_image_block_public_access(scope: Scope) -> ImageBlockPublicAccessRegion:
    found = scope.client("ec2").get_image_block_public_access_state()
    return {"state": found.get("ImageBlockPublicAccessState"), "managed_by": found.get("ManagedBy")}


def collect_instance_metadata_defaults(scope: Scope) -> InstanceMetadataDefaultsRegion:
    # An account that never set a default answers an empty AccountLevel: every field is then None.
    level = scope.client("ec2").get_instance_metadata_defaults().get("AccountLevel") or {}
    hops = level.get("HttpPutResponseHopLimit")
    return {
        "http_tokens": level.get("HttpTokens"),
        "http_endpoint": level.get("HttpEndpoint"),
        "hop_limit": int(hops) if hops is not None else None,
        "tokens_enforced": level.get("HttpTokensEnforced"),
        "managed_by": level.get("ManagedBy"),
    }


def collect_serial_console_access(scope: Scope) -> SerialConsoleAccessRegion:
    found = scope.client("ec2").get_serial_console_access_status()
    return {"enabled": found.get("SerialConsoleAccessEnabled") is True, "managed_by": found.get("ManagedBy")}
