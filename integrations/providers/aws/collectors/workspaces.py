"""WorkSpaces collection (regional): each WorkSpace's state and whether its root and user volumes are encrypted."""

from __future__ import annotations

from ..shapes_directory import WorkspacesRegion
from ._common import Scope, bounded_region, paginate_at_most

# DescribeWorkspaces answers every field at once, 25 WorkSpaces a page; past this many in a region the rest are left
# unread (and the check says so).
MAX_WORKSPACES = 5_000


def collect_workspaces(scope: Scope) -> WorkspacesRegion:
    listed, more = paginate_at_most(scope.client("workspaces"), "describe_workspaces", "Workspaces", MAX_WORKSPACES)
    workspaces = [
        {
            "id": w.get("WorkspaceId"),
            "directory_id": w.get("DirectoryId"),
            "user_name": w.get("UserName"),
            "state": w.get("State"),
            # AWS leaves a false flag out of the answer.
            "root_volume_encrypted": w.get("RootVolumeEncryptionEnabled") is True,
            "user_volume_encrypted": w.get("UserVolumeEncryptionEnabled") is True,
            "volume_encryption_key": w.get("VolumeEncryptionKey") or None,
            "region": scope.region,
        }
        for w in listed
        if w.get("WorkspaceId")
    ]
    return bounded_region("workspaces", workspaces, more, MAX_WORKSPACES)
