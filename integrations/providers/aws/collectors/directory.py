"""Directory Service collection (regional): each directory's type, stage and RADIUS (multi-factor) settings."""

from __future__ import annotations

from ..shapes_directory import DirectoryServiceRegion
from ._common import Scope, paginate, plain


def collect_directoryservice(scope: Scope) -> DirectoryServiceRegion:
    # A region holds a few directories at most (AWS's default limits are ten of each type), so all are read.
    described = paginate(scope.client("ds"), "describe_directories", "DirectoryDescriptions")
    return plain(
        {
            "directories": [
                {
                    "id": d.get("DirectoryId"),
                    "name": d.get("Name"),
                    "type": d.get("Type"),
                    "stage": d.get("Stage"),
                    "radius_servers": sorted(
                        str(s) for s in (d.get("RadiusSettings") or {}).get("RadiusServers") or []
                    ),
                    "radius_status": d.get("RadiusStatus"),
                    "region": scope.region,
                }
                for d in described
                if d.get("DirectoryId")
            ]
        }
    )
