"""Checks on SageMaker notebook instances: internet access, root access, a KMS key for storage, VPC placement, and
no credentials written into the lifecycle scripts they run."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_analytics import LifecycleConfig, NotebookInstance
from ._common import aws_check, described_items, error, regions, result

NOTEBOOK = "AWS::SageMaker::NotebookInstance"
LIFECYCLE_CONFIG = "AWS::SageMaker::NotebookInstanceLifecycleConfig"
# What SageMaker does when RootAccess is not set: notebook users may become root.
DEFAULT_ROOT_ACCESS = "Enabled"


def _notebooks(inventory: Inventory) -> Iterator[NotebookInstance | Outcome]:
    return described_items(
        inventory,
        "sagemaker",
        "notebook_instances",
        noun="notebook instances",
        resource_type=NOTEBOOK,
        resource_id=_id,
        label=_label,
    )


def _id(notebook: NotebookInstance) -> str:
    return str(notebook.get("arn") or notebook.get("name"))


def _label(notebook: NotebookInstance) -> str:
    return f"SageMaker notebook instance {notebook.get('name')}"


@aws_check(
    id="aws.sagemaker.notebook_no_direct_internet_access",
    title="SageMaker notebook instances have no direct internet access",
    severity=Severity.HIGH,
    service="sagemaker",
    resource_type=NOTEBOOK,
    rationale="With direct internet access a notebook reaches the internet through SageMaker's own network, around "
    "the VPC's security groups, network ACLs and flow logs; code run in it can then send the data it reads, and the "
    "credentials of its role, anywhere.",
    remediation="Re-create the notebook instance in a VPC subnet with direct internet access disabled (the setting "
    "cannot be changed on an existing instance); give it the outbound access it needs through a NAT gateway or VPC "
    "endpoints, where your network controls apply.",
)
def notebook_no_direct_internet_access(inventory: Inventory) -> Iterable[Outcome]:
    for notebook in _notebooks(inventory):
        if isinstance(notebook, Outcome):
            yield notebook
            continue
        access = notebook.get("direct_internet_access")
        ok = access == "Disabled"
        reason = f"{_label(notebook)} has direct internet access {str(access or 'not reported').lower()}"
        yield result(
            ok, _id(notebook), NOTEBOOK, reason, region=str(notebook.get("region", "")), direct_internet_access=access
        )


@aws_check(
    id="aws.sagemaker.notebook_root_access_disabled",
    title="SageMaker notebook instances do not give their users root access",
    severity=Severity.MEDIUM,
    service="sagemaker",
    resource_type=NOTEBOOK,
    rationale="Root on a notebook instance lets anyone who opens it install software, change its configuration and "
    "lifecycle behaviour, and read everything stored on it, beyond what the work in the notebook needs.",
    remediation="Set root access to Disabled on the notebook instance (stop it, update it, start it again); put "
    "the packages its users need in a lifecycle configuration, which still runs as root.",
)
def notebook_root_access_disabled(inventory: Inventory) -> Iterable[Outcome]:
    for notebook in _notebooks(inventory):
        if isinstance(notebook, Outcome):
            yield notebook
            continue
        reported = notebook.get("root_access")
        access = reported or DEFAULT_ROOT_ACCESS
        ok = access == "Disabled"
        shown = access if reported else f"not set, so {DEFAULT_ROOT_ACCESS} by default"
        verb = "does not give" if ok else "gives"
        reason = f"{_label(notebook)} {verb} its users root access (RootAccess {shown})"
        yield result(ok, _id(notebook), NOTEBOOK, reason, region=str(notebook.get("region", "")), root_access=access)


@aws_check(
    id="aws.sagemaker.notebook_kms_encrypted",
    title="SageMaker notebook instances name a KMS key for their storage volume",
    severity=Severity.MEDIUM,
    service="sagemaker",
    resource_type=NOTEBOOK,
    rationale="A notebook's storage volume holds the data sets, models and code its users work with. Without a key "
    "named, SageMaker encrypts it with the AWS managed key; a customer managed KMS key puts reading it under a key "
    "policy the account writes, logs each use of the key, and can be disabled to cut access off.",
    remediation="Re-create the notebook instance with a customer managed KMS key for its storage volume (the key "
    "cannot be added to an existing instance), after copying its files off the old volume.",
)
def notebook_kms_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    for notebook in _notebooks(inventory):
        if isinstance(notebook, Outcome):
            yield notebook
            continue
        key = notebook.get("kms_key_id")
        if key:
            reason = f"{_label(notebook)} encrypts its storage volume with KMS key {key}"
        else:
            reason = f"{_label(notebook)} names no KMS key for its storage volume"
        yield result(bool(key), _id(notebook), NOTEBOOK, reason, region=str(notebook.get("region", "")), kms_key_id=key)


@aws_check(
    id="aws.sagemaker.notebook_in_vpc",
    title="SageMaker notebook instances are placed in a VPC subnet",
    severity=Severity.MEDIUM,
    service="sagemaker",
    resource_type=NOTEBOOK,
    rationale="A notebook outside the account's VPCs reaches data stores over public endpoints, outside the "
    "security groups, endpoint policies and flow logs that guard and record the rest of the account's traffic.",
    remediation="Re-create the notebook instance in a private subnet of a VPC with security groups limited to what "
    "it must reach (the subnet cannot be changed on an existing instance), and reach AWS services through VPC "
    "endpoints.",
)
def notebook_in_vpc(inventory: Inventory) -> Iterable[Outcome]:
    for notebook in _notebooks(inventory):
        if isinstance(notebook, Outcome):
            yield notebook
            continue
        subnet = notebook.get("subnet_id")
        if subnet:
            reason = f"{_label(notebook)} is placed in subnet {subnet}"
        else:
            reason = f"{_label(notebook)} is in no VPC subnet (it runs in SageMaker's own network)"
        yield result(
            bool(subnet), _id(notebook), NOTEBOOK, reason, region=str(notebook.get("region", "")), subnet_id=subnet
        )


@aws_check(
    id="aws.sagemaker.lifecycle_config_no_secrets",
    title="SageMaker notebook lifecycle scripts hold no credentials",
    severity=Severity.HIGH,
    service="sagemaker",
    resource_type=LIFECYCLE_CONFIG,
    rationale="A lifecycle configuration's OnCreate and OnStart scripts are readable by anyone who may describe it, "
    "are copied into every notebook that uses it and run as root there; an access key, password or token written "
    "into them leaks to all of those and stays valid until someone notices.",
    remediation="Move the value to Secrets Manager or a SecureString parameter and fetch it in the script with the "
    "notebook's execution role (give AWS access through that role, never access keys); update the lifecycle "
    "configuration, then rotate the exposed credential, as it has been readable all along.",
)
def lifecycle_config_no_secrets(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in regions(inventory, "sagemaker"):
        config: LifecycleConfig
        for config in data.get("lifecycle_configs", []):
            label = f"SageMaker lifecycle configuration {config['name']}"
            resource = str(config.get("arn") or config["name"])
            used_by = {"notebooks": config["notebooks"]}
            if "describe_error" in config:
                reason = f"Could not describe {label}: {config['describe_error']}"
                yield error(resource, LIFECYCLE_CONFIG, reason, region=region, **used_by)
                continue
            scripts = config.get("scripts", {})
            unreadable = [f"{hook}: {s['unreadable']}" for hook, s in scripts.items() if "unreadable" in s]
            if unreadable:
                reason = f"Could not scan the scripts of {label}: {'; '.join(unreadable)}"
                yield error(resource, LIFECYCLE_CONFIG, reason, region=region, **used_by)
                continue
            found = [f"{hook} {f['kind']} (line {f['line']})" for hook, s in scripts.items() for f in s["findings"]]
            total = sum(s["finding_count"] for s in scripts.values())
            if found:
                reason = f"{label}'s scripts hold credential-looking values: {', '.join(found)}"
                reason += f", and {total - len(found)} more" if total > len(found) else ""
            else:
                reason = f"{label}'s scripts hold nothing that looks like a credential"
            yield result(not found, resource, LIFECYCLE_CONFIG, reason, region=region, finding_count=total, **used_by)
