"""Elastic Beanstalk environments' option settings, which moto 5.2 accepts on CreateEnvironment and then drops.

Added to moto's own Elastic Beanstalk responder: CreateEnvironment keeps the OptionSettings it is given,
UpdateEnvironment changes or removes them, and DescribeConfigurationSettings answers an environment's settings. As
from AWS, the answer holds the effective value of the options judged even when nobody set them: what an environment
created through the API starts with (basic health reporting, no managed platform updates, no log streaming).
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.elasticbeanstalk.exceptions import InvalidParameterValueError
from moto.elasticbeanstalk.responses import EBResponse

from ._responder import add_methods

# Namespace, option, the value an environment created through the API has until set.
_API_DEFAULTS: tuple[tuple[str, str, str], ...] = (
    ("aws:elasticbeanstalk:healthreporting:system", "SystemType", "basic"),
    ("aws:elasticbeanstalk:managedactions", "ManagedActionsEnabled", "false"),
    ("aws:elasticbeanstalk:cloudwatch:logs", "StreamLogs", "false"),
    ("aws:elasticbeanstalk:cloudwatch:logs", "RetentionInDays", "7"),
)

_moto_create_environment = EBResponse.create_environment


def _environment(response: Any, name: str | None) -> Any:
    for environment in response.elasticbeanstalk_backend.describe_environments():
        if environment.environment_name == name:
            return environment
    raise InvalidParameterValueError(f"No Environment found for EnvironmentName = '{name}'.")


def _apply(environment: Any, settings: list[dict[str, Any]], removed: list[dict[str, Any]]) -> None:
    kept: dict[tuple[str, str], str] = getattr(environment, "complywise_option_settings", {})
    for option in removed:
        kept.pop((option["Namespace"], option["OptionName"]), None)
    for option in settings:
        kept[(option["Namespace"], option["OptionName"])] = str(option.get("Value", ""))
    environment.complywise_option_settings = kept


class ElasticBeanstalkResponses:
    """Methods set on moto's ``EBResponse``."""

    def create_environment(self: Any) -> ActionResult:
        created = _moto_create_environment(self)
        _apply(_environment(self, self._get_param("EnvironmentName")), self._get_param("OptionSettings") or [], [])
        return created

    def update_environment(self: Any) -> ActionResult:
        environment = _environment(self, self._get_param("EnvironmentName"))
        _apply(environment, self._get_param("OptionSettings") or [], self._get_param("OptionsToRemove") or [])
        return ActionResult(environment)

    def describe_configuration_settings(self: Any) -> ActionResult:
        environment = _environment(self, self._get_param("EnvironmentName"))
        kept: dict[tuple[str, str], str] = getattr(environment, "complywise_option_settings", {})
        effective = {(namespace, option): value for namespace, option, value in _API_DEFAULTS} | kept
        settings = [
            {"Namespace": namespace, "OptionName": option, "Value": value}
            for (namespace, option), value in sorted(effective.items())
        ]
        described = {
            "ApplicationName": environment.application_name,
            "EnvironmentName": environment.environment_name,
            "SolutionStackName": environment.solution_stack_name,
            "DeploymentStatus": "deployed",
            "OptionSettings": settings,
        }
        return ActionResult({"ConfigurationSettings": [described]})


def install() -> None:
    add_methods(ElasticBeanstalkResponses, EBResponse)
