"""FSx collection (regional): each file system's type, deployment type and the tag copying its backups and volumes
get. DescribeFileSystems answers every setting judged, so there is no call per file system."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..shapes_storage import FsxRegion
from ._common import Scope, paginate, plain

# Where each file system type keeps its own settings in DescribeFileSystems' answer.
_CONFIGURATION = {
    "WINDOWS": "WindowsConfiguration",
    "LUSTRE": "LustreConfiguration",
    "ONTAP": "OntapConfiguration",
    "OPENZFS": "OpenZFSConfiguration",
}


def collect_fsx(scope: Scope) -> FsxRegion:
    listed = paginate(scope.client("fsx"), "describe_file_systems", "FileSystems")
    return plain({"file_systems": [_file_system(f, scope.region) for f in listed]})


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _file_system(f: Mapping[str, Any], region: str) -> dict[str, Any]:
    kind = str(f.get("FileSystemType") or "")
    settings: Mapping[str, Any] = f.get(_CONFIGURATION.get(kind, "")) or {}
    return {
        "id": f["FileSystemId"],
        "arn": f.get("ResourceARN"),
        "type": kind or None,
        "lifecycle": f.get("Lifecycle"),
        "deployment_type": settings.get("DeploymentType"),
        "copy_tags_to_backups": _flag(settings.get("CopyTagsToBackups")),
        "copy_tags_to_volumes": _flag(settings.get("CopyTagsToVolumes")),
        "subnet_ids": [str(s) for s in f.get("SubnetIds") or []],
        "region": region,
    }
