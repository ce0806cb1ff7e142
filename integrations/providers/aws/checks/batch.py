"""AWS Batch checks: no credentials in job definitions' container environment or commands."""

from __future__ import annotations

from collections.abc import Iterable

from integrations.registry import Inventory, Outcome, Severity

from ._common import aws_check, bounded_listed_items
from .user_data import judge_named_settings

JOB_DEFINITION = "AWS::Batch::JobDefinition"


@aws_check(
    id="aws.batch.job_definition_no_secrets",
    title="AWS Batch job definitions hold no credentials in their environment or command",
    severity=Severity.HIGH,
    service="batch",
    resource_type=JOB_DEFINITION,
    rationale="A job definition is configuration, not secret storage: anyone allowed to describe job definitions "
    "(SecurityAudit and ReadOnlyAccess included) reads its environment variables and command in clear, and every "
    "revision keeps them. A password or key set there is a credential in clear.",
    remediation="Pass the credential through the container's secrets (valueFrom a Secrets Manager secret or SSM "
    "SecureString parameter, read with the execution role), register a revision without the value, deregister the "
    "revisions that hold it, and rotate the credential, as it has been readable all along.",
)
def job_definition_no_secrets(inventory: Inventory) -> Iterable[Outcome]:
    for definition in bounded_listed_items(
        inventory, "batch", "job_definitions", noun="Batch job definitions", resource_type=JOB_DEFINITION
    ):
        if isinstance(definition, Outcome):
            yield definition
            continue
        yield judge_named_settings(
            definition["secrets"],
            label=f"Batch job definition {definition['name']}:{definition['revision']}",
            resource_id=definition["arn"],
            resource_type=JOB_DEFINITION,
            region=definition["region"],
            what="environment and command",
        )
