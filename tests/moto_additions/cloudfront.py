"""CloudFront origins' access settings, which moto 5.2 takes and drops.

moto keeps origin access controls (CreateOriginAccessControl and the rest) but its origins forget which one they use
and their S3OriginConfig, so GetDistributionConfig and ListDistributions answer neither. An origin now keeps both and
answers them as AWS does: ``OriginAccessControlId`` (empty when none), and an S3 origin's ``S3OriginConfig`` with its
``OriginAccessIdentity`` (empty when none). Everything else is moto's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.cloudfront import models


def _keeping_access(init: Callable[[Any, dict[str, Any]], None]) -> Any:
    def __init__(self: Any, origin: dict[str, Any]) -> None:
        init(self, origin)
        self.origin_access_control_id = origin.get("OriginAccessControlId") or ""
        if "S3OriginConfig" in origin:
            self.s3_origin_config = {"OriginAccessIdentity": origin["S3OriginConfig"].get("OriginAccessIdentity") or ""}

    return __init__


def install() -> None:
    models.Origin.__init__ = _keeping_access(models.Origin.__init__)  # type: ignore[method-assign]
