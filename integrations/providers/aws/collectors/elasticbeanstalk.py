"""Elastic Beanstalk collection (regional): each running environment's health reporting, managed platform updates and
log streaming, read from its configuration settings."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_application import ElasticBeanstalkRegion
from ._common import Scope, bounded_region, concurrently, describe_error, error_code, paginate_at_most
from .user_data import named_values_findings

# Each environment costs a DescribeConfigurationSettings call beyond the listing; past this many a region's rest are
# left unread, and the checks say so.
MAX_ENVIRONMENTS = 1_000
# Environments on their way out (or gone) run nothing left to judge.
_GONE = frozenset({"Terminating", "Terminated"})
ENVIRONMENT_PROPERTIES = "aws:elasticbeanstalk:application:environment"
# (namespace, option name) -> the field of the shape it fills.
OPTIONS: dict[tuple[str, str], str] = {
    ("aws:elasticbeanstalk:healthreporting:system", "SystemType"): "health_reporting",
    ("aws:elasticbeanstalk:managedactions", "ManagedActionsEnabled"): "managed_actions",
    ("aws:elasticbeanstalk:managedactions:platformupdate", "UpdateLevel"): "update_level",
    ("aws:elasticbeanstalk:cloudwatch:logs", "StreamLogs"): "stream_logs",
    ("aws:elasticbeanstalk:cloudwatch:logs", "RetentionInDays"): "log_retention_days",
}


def collect_elasticbeanstalk(scope: Scope) -> ElasticBeanstalkRegion:
    client = scope.client("elasticbeanstalk")
    # DescribeEnvironments lists recently deleted environments too unless told not to.
    listed, more = paginate_at_most(
        client, "describe_environments", "Environments", MAX_ENVIRONMENTS, IncludeDeleted=False
    )
    running = [e for e in listed if e.get("Status") not in _GONE]
    read = concurrently(functools.partial(_environment, client, scope.region), running)
    return bounded_region("environments", [e for e in read if e is not None], more, MAX_ENVIRONMENTS)


def _environment(client: BaseClient, region: str, listed: Mapping[str, Any]) -> dict[str, Any] | None:
    environment: dict[str, Any] = {
        "name": str(listed["EnvironmentName"]),
        "arn": str(listed.get("EnvironmentArn") or listed["EnvironmentName"]),
        "application": str(listed.get("ApplicationName") or ""),
        "region": region,
    }
    try:
        described = client.describe_configuration_settings(
            ApplicationName=environment["application"], EnvironmentName=environment["name"]
        )["ConfigurationSettings"]
    except ClientError as exc:
        if error_code(exc) == "InvalidParameterValue" and "No Environment found" in str(exc):
            return None  # terminated between the listing and this read
        environment["describe_error"] = describe_error(exc)
        return environment
    options = {
        (o.get("Namespace"), o.get("OptionName")): o.get("Value")
        for settings in described
        for o in settings.get("OptionSettings", [])
    }
    for key, field in OPTIONS.items():
        environment[field] = options.get(key)
    # Which environment properties (the variables every instance's application gets) hold a credential, by name and
    # kind; never their values.
    properties = {name: value for (namespace, name), value in options.items() if namespace == ENVIRONMENT_PROPERTIES}
    environment["property_secrets"] = named_values_findings(properties)
    return environment
