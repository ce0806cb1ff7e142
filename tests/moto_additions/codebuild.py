"""CodeBuild project visibility and webhooks, which moto 5.2 does not serve.

UpdateProjectVisibility is added to moto's responder: it keeps projectVisibility (and the resource access role) on
the project, where BatchGetProjects' answer carries them; a project never changed answers none, which CodeBuild's
clients read as PRIVATE. CreateWebhook, UpdateWebhook and DeleteWebhook keep a project's webhook (its filter groups,
build type and pull request build policy) where BatchGetProjects answers it, as CodeBuild does; a project without
one answers none. Everything else is moto's.
"""

from __future__ import annotations

from typing import Any

from moto.codebuild.responses import CodeBuildResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult
from moto.core.utils import utcnow

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

    def create_webhook(self: Any) -> ActionResult:
        project = _project(self)
        name = project.project_metadata["name"]
        if "webhook" in project.project_metadata:
            raise JsonRESTError("ResourceAlreadyExistsException", f"Webhook for project {name} already exists")
        webhook = {
            "url": f"https://api.github.com/repos/example/{name}/hooks/1",
            "payloadUrl": f"https://codebuild.{self.region}.amazonaws.com/webhooks",
            "lastModifiedSecret": utcnow().isoformat(),
            "status": "ACTIVE",
            **_webhook_settings(self),
        }
        project.project_metadata["webhook"] = webhook
        return ActionResult({"webhook": webhook})

    def update_webhook(self: Any) -> ActionResult:
        project = _project(self)
        name = project.project_metadata["name"]
        webhook = project.project_metadata.get("webhook")
        if webhook is None:
            raise JsonRESTError("ResourceNotFoundException", f"Project {name} has no webhook")
        webhook.update(_webhook_settings(self))
        return ActionResult({"webhook": webhook})

    def delete_webhook(self: Any) -> ActionResult:
        project = _project(self)
        name = project.project_metadata["name"]
        if project.project_metadata.pop("webhook", None) is None:
            raise JsonRESTError("ResourceNotFoundException", f"Project {name} has no webhook")
        return ActionResult({})


_WEBHOOK_SETTINGS = ("branchFilter", "filterGroups", "buildType", "scopeConfiguration", "pullRequestBuildPolicy")


def _project(response: Any) -> Any:
    name = response._get_param("projectName")
    project = response.codebuild_backend.codebuild_projects.get(name)
    if project is None:
        raise JsonRESTError("ResourceNotFoundException", f"Project {name} not found")
    return project


def _webhook_settings(response: Any) -> dict[str, Any]:
    """The webhook settings the request names; what it leaves out stays as it was."""
    return {key: value for key in _WEBHOOK_SETTINGS if (value := response._get_param(key)) is not None}


def install() -> None:
    add_methods(CodeBuildResponses, CodeBuildResponse)
