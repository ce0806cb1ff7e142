"""CodeBuild project visibility, which moto 5.2 does not serve.

UpdateProjectVisibility is added to moto's responder: it keeps projectVisibility (and the resource access role) on
the project, where BatchGetProjects' answer carries them; a project never changed answers none, which CodeBuild's
clients read as PRIVATE. Everything else is moto's.
"""

from __future__ import annotations

from typing import Any

from moto.codebuild.responses import CodeBuildResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult

from ._responder import add_methods


class CodeBuildResponses:
    """Methods set on moto's ``CodeBuildResponse``."""

    def update_project_visibility(self: Any) -> ActionResult:
        arn, visibility = self._get_param("projectArn"), self._get_param("projectVisibility")
        project = next((p for p in self.codebuild_backend.codebuild_projects.values() if p.arn == arn), None)
        if project is None:
            raise JsonRESTError("ResourceNotFoundException", f"Project {arn} not found")
        project.project_metadata["projectVisibility"] = visibility
        role = self._get_param("resourceAccessRole")
        if role:
            project.project_metadata["resourceAccessRole"] = role
        return ActionResult({"projectArn": arn, "projectVisibility": visibility})


def install() -> None:
    add_methods(CodeBuildResponses, CodeBuildResponse)
