"""Checks on Elastic Beanstalk environments: enhanced health reporting, managed platform updates and instance logs
streamed to CloudWatch Logs, each read from the environment's configuration settings."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_application import BeanstalkEnvironment
from ._common import Verdict, aws_check, described_items, judge_described
from .user_data import judge_named_settings

ENVIRONMENT = "AWS::ElasticBeanstalk::Environment"
# What each outcome keeps of the environment's settings.
_OBSERVED = ("application", "health_reporting", "managed_actions", "update_level", "stream_logs", "log_retention_days")


def _label(environment: BeanstalkEnvironment) -> str:
    return f"Environment {environment['name']} of application {environment['application']}"


def _judge(inventory: Inventory, verdict: Callable[[BeanstalkEnvironment, str], tuple[bool, str]]) -> Iterable[Outcome]:
    """Each environment read, judged by ``verdict`` (passed, reason) given its label; the reads' failures said."""

    def judge(environment: BeanstalkEnvironment) -> Verdict:
        passed, reason = verdict(environment, _label(environment))
        return passed, reason, {name: environment.get(name) for name in _OBSERVED}

    return judge_described(
        inventory,
        "elasticbeanstalk",
        "environments",
        noun="Elastic Beanstalk environments",
        resource_type=ENVIRONMENT,
        resource_id=lambda e: str(e["arn"]),
        label=_label,
        judge=judge,
    )


def _on(value: str | None) -> bool:
    return str(value).strip().lower() == "true"


@aws_check(
    id="aws.elasticbeanstalk.enhanced_health_reporting",
    title="Elastic Beanstalk environments use enhanced health reporting",
    severity=Severity.LOW,
    service="elasticbeanstalk",
    resource_type=ENVIRONMENT,
    rationale="Basic health reporting sees only the load balancer's health checks and the instances' state. "
    "Enhanced reporting reads each instance's requests, latency, errors and resources through the health agent, so "
    "a degrading deployment or an instance out of memory shows before users meet it. Environments created through "
    "the API (and most infrastructure-as-code tools) get basic reporting unless asked otherwise.",
    remediation="Set aws:elasticbeanstalk:healthreporting:system SystemType to enhanced (console: Configuration, "
    "Monitoring, Health reporting: Enhanced). The environment needs a service role and an instance profile that "
    "allow the health agent to report.",
)
def enhanced_health_reporting(inventory: Inventory) -> Iterable[Outcome]:
    def verdict(environment: BeanstalkEnvironment, label: str) -> tuple[bool, str]:
        system = environment.get("health_reporting")
        if system == "enhanced":
            return True, f"{label} uses enhanced health reporting"
        return False, f"{label} uses {system or 'basic'} health reporting, not enhanced"

    return _judge(inventory, verdict)


@aws_check(
    id="aws.elasticbeanstalk.managed_platform_updates",
    title="Elastic Beanstalk environments apply managed platform updates",
    severity=Severity.MEDIUM,
    service="elasticbeanstalk",
    resource_type=ENVIRONMENT,
    rationale="An environment's instances run the operating system, language runtime and web server of its platform "
    "version. With managed actions on, Elastic Beanstalk applies that platform's patch (or minor) releases in a "
    "weekly maintenance window; without them the fixes for published vulnerabilities wait for someone to remember.",
    remediation="Set aws:elasticbeanstalk:managedactions ManagedActionsEnabled to true, with a PreferredStartTime "
    "and aws:elasticbeanstalk:managedactions:platformupdate UpdateLevel (patch or minor) (console: Configuration, "
    "Updates, monitoring, and logging, Managed platform updates).",
)
def managed_platform_updates(inventory: Inventory) -> Iterable[Outcome]:
    def verdict(environment: BeanstalkEnvironment, label: str) -> tuple[bool, str]:
        if not _on(environment.get("managed_actions")):
            return False, f"{label} does not apply managed platform updates"
        level = environment.get("update_level")
        return True, f"{label} applies managed platform updates" + (f" ({level} level)" if level else "")

    return _judge(inventory, verdict)


@aws_check(
    id="aws.elasticbeanstalk.cloudwatch_logs_streaming",
    title="Elastic Beanstalk environments stream instance logs to CloudWatch Logs",
    severity=Severity.MEDIUM,
    service="elasticbeanstalk",
    resource_type=ENVIRONMENT,
    rationale="An environment's instances come and go with scaling and deployments, and their logs go with them "
    "unless they are streamed off: the web server's and application's records of what happened are then missing "
    "when an incident is investigated.",
    remediation="Set aws:elasticbeanstalk:cloudwatch:logs StreamLogs to true, with a RetentionInDays that meets the "
    "log retention policy (console: Configuration, Updates, monitoring, and logging, Instance log streaming to "
    "CloudWatch Logs).",
)
def cloudwatch_logs_streaming(inventory: Inventory) -> Iterable[Outcome]:
    def verdict(environment: BeanstalkEnvironment, label: str) -> tuple[bool, str]:
        if not _on(environment.get("stream_logs")):
            return False, f"{label} does not stream its instance logs to CloudWatch Logs"
        days = environment.get("log_retention_days")
        kept = f", kept {days} days" if days else ""
        return True, f"{label} streams its instance logs to CloudWatch Logs{kept}"

    return _judge(inventory, verdict)


@aws_check(
    id="aws.elasticbeanstalk.environment_no_secrets_in_properties",
    title="Elastic Beanstalk environment properties hold no credentials",
    severity=Severity.HIGH,
    service="elasticbeanstalk",
    resource_type=ENVIRONMENT,
    rationale="Environment properties are configuration, not secret storage: anyone allowed to describe the "
    "environment's configuration (SecurityAudit and ReadOnlyAccess included) reads them in clear, and saved "
    "configurations copy them. A database password or API key set as a property is a credential in clear.",
    remediation="Keep the credential in Secrets Manager or a SecureString parameter and reference it from the "
    "environment (Elastic Beanstalk's environment secrets resolve it at deploy time), or have the application read it "
    "with the instance profile; remove the property and rotate the credential, as it has been readable all along.",
)
def environment_no_secrets_in_properties(inventory: Inventory) -> Iterable[Outcome]:
    for environment in described_items(
        inventory,
        "elasticbeanstalk",
        "environments",
        noun="Elastic Beanstalk environments",
        resource_type=ENVIRONMENT,
        resource_id=lambda e: str(e["arn"]),
        label=_label,
    ):
        if isinstance(environment, Outcome):
            yield environment
        elif "property_secrets" in environment:  # absent: collected before the properties were scanned
            yield judge_named_settings(
                environment["property_secrets"],
                label=_label(environment),
                resource_id=str(environment["arn"]),
                resource_type=ENVIRONMENT,
                region=str(environment["region"]),
                what="environment properties",
                application=environment["application"],
            )
