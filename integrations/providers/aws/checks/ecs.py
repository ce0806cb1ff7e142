"""Checks on ECS task definitions (the latest ACTIVE revision of each family): what its containers may do to the host
they run on, and whether they log and keep secrets out of their plain environment."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..secret_names import secret_variables
from ..shapes_containers import EcsContainer, EcsTaskDefinition
from ._common import aws_check, described_items, result

TASK_DEFINITION = "AWS::ECS::TaskDefinition"


def _task_definitions(inventory: Inventory) -> Iterator[EcsTaskDefinition | Outcome]:
    return described_items(
        inventory,
        "ecs",
        "task_definitions",
        noun="task definition families",
        resource_type=TASK_DEFINITION,
        resource_id=lambda task: str(task["arn"]),
        label=_label,
    )


def _label(task: EcsTaskDefinition) -> str:
    revision = task.get("revision")
    return f"ECS task definition {task['family']}:{revision}" if revision else f"ECS task definition {task['family']}"


def _per_container(
    inventory: Inventory, offends: Callable[[EcsContainer], bool], *, fault: str, virtue: str, observed: str
) -> Iterable[Outcome]:
    """One outcome per task definition, failing it when any container ``offends``; the reason names those containers
    (``fault``) or says every container has the ``virtue``."""
    for task in _task_definitions(inventory):
        if isinstance(task, Outcome):
            yield task
            continue
        offenders = sorted(c["name"] for c in task["containers"] if offends(c))
        if offenders:
            reason = f"{_label(task)}: container(s) {', '.join(offenders)} {fault}"
        else:
            reason = f"{_label(task)}: every container {virtue}"
        yield result(
            not offenders, task["arn"], TASK_DEFINITION, reason, region=task["region"], **{observed: offenders}
        )


@aws_check(
    id="aws.ecs.task_definition_no_privileged_containers",
    title="ECS task definitions run no privileged containers",
    severity=Severity.HIGH,
    service="ecs",
    resource_type=TASK_DEFINITION,
    rationale="A privileged container gets every Linux capability and the host's devices: code that breaks into it "
    "holds root on the container instance, and with it every other task there and the instance's own role.",
    remediation="Register a new revision of the task definition with privileged set to false (or left out) on every "
    "container, granting only the Linux capabilities a container needs (linuxParameters.capabilities.add), and "
    "update the services using it.",
)
def task_definition_no_privileged_containers(inventory: Inventory) -> Iterable[Outcome]:
    return _per_container(
        inventory,
        lambda c: c["privileged"],
        fault="run privileged",
        virtue="runs unprivileged",
        observed="privileged_containers",
    )


@aws_check(
    id="aws.ecs.task_definition_read_only_root_filesystem",
    title="ECS task definitions give their containers a read-only root filesystem",
    severity=Severity.MEDIUM,
    service="ecs",
    resource_type=TASK_DEFINITION,
    rationale="With a writable root filesystem, code that compromises a container can replace its binaries and "
    "libraries or plant tools that persist for the life of the task; a read-only root confines writes to the volumes "
    "the task definition names.",
    remediation="Register a new revision with readonlyRootFilesystem set to true on every container, mounting a "
    "volume (or a tmpfs, on EC2) for each path the application must write to, and update the services using it.",
)
def task_definition_read_only_root_filesystem(inventory: Inventory) -> Iterable[Outcome]:
    return _per_container(
        inventory,
        lambda c: not c["readonly_root_filesystem"],
        fault="have a writable root filesystem",
        virtue="has a read-only root filesystem",
        observed="writable_root_containers",
    )


@aws_check(
    id="aws.ecs.task_definition_logging_configured",
    title="ECS task definitions give every container a log configuration",
    severity=Severity.MEDIUM,
    service="ecs",
    resource_type=TASK_DEFINITION,
    rationale="Without a log configuration a container's output stays on the instance it ran on (and on Fargate is "
    "not kept at all), so what a task did, and how it failed or was attacked, cannot be looked into afterwards.",
    remediation="Register a new revision with a logConfiguration on every container (the awslogs driver to a "
    "CloudWatch Logs group, or awsfirelens), and update the services using it.",
)
def task_definition_logging_configured(inventory: Inventory) -> Iterable[Outcome]:
    return _per_container(
        inventory,
        lambda c: not c["log_driver"],
        fault="have no log configuration",
        virtue="has a log configuration",
        observed="unlogged_containers",
    )


@aws_check(
    id="aws.ecs.task_definition_no_plaintext_secrets",
    title="ECS task definitions keep secrets out of their containers' plain environment",
    severity=Severity.HIGH,
    service="ecs",
    resource_type=TASK_DEFINITION,
    rationale="A plain environment variable is stored in the task definition itself: anyone allowed to describe task "
    "definitions (SecurityAudit and ReadOnlyAccess included) reads it, and it is copied into every revision. "
    "Credentials belong in Secrets Manager or Parameter Store, injected at start through the container's secrets.",
    remediation="Move each such value into Secrets Manager or a SecureString parameter, reference it from the "
    "container's secrets (valueFrom) instead of environment, register a new revision, rotate the exposed "
    "credential, and deregister the revisions that held it.",
)
def task_definition_no_plaintext_secrets(inventory: Inventory) -> Iterable[Outcome]:
    for task in _task_definitions(inventory):
        if isinstance(task, Outcome):
            yield task
            continue
        values = {
            f"{c['name']}/{name}": kinds
            for c in task["containers"]
            for name, kinds in (c.get("environment_findings") or {}).items()
        }
        names = {f"{c['name']}/{name}": name for c in task["containers"] for name in c["environment_names"]}
        found, shown = secret_variables(names, values)
        if found:
            reason = f"{_label(task)} sets secret-looking variable(s) in plain environment: {shown}"
        else:
            reason = f"{_label(task)} sets no secret-looking variable in its containers' plain environment"
        yield result(
            not found,
            task["arn"],
            TASK_DEFINITION,
            reason,
            region=task["region"],
            secret_like=found,
            value_kinds=values,
        )


def _host_namespace(
    inventory: Inventory, read: Callable[[EcsTaskDefinition], str | None], key: str, setting: str, effect: str
) -> Iterable[Outcome]:
    """One outcome per task definition, failing it when its ``setting`` (read by ``read``) is ``host``."""
    for task in _task_definitions(inventory):
        if isinstance(task, Outcome):
            yield task
            continue
        value = read(task)
        shared = value == "host"
        if shared:
            reason = f"{_label(task)} has {setting} host, so {effect}"
        else:
            reason = f"{_label(task)} has {setting} {value or 'not set'}, not the host's"
        yield result(not shared, task["arn"], TASK_DEFINITION, reason, region=task["region"], **{key: value})


@aws_check(
    id="aws.ecs.task_definition_no_host_network_mode",
    title="ECS task definitions do not use the host's network",
    severity=Severity.MEDIUM,
    service="ecs",
    resource_type=TASK_DEFINITION,
    rationale="In host network mode a task's containers share the instance's network stack: they bind its ports "
    "directly, reach what the instance reaches (its metadata service included) and are covered by no security group "
    "of their own, so a compromised container acts on the network as the instance.",
    remediation="Register a new revision with networkMode awsvpc (each task gets its own network interface and "
    "security groups) or bridge, and update the services using it.",
)
def task_definition_no_host_network_mode(inventory: Inventory) -> Iterable[Outcome]:
    return _host_namespace(
        inventory,
        lambda t: t["network_mode"],
        "network_mode",
        "networkMode",
        "its containers share the instance's network stack and ports",
    )


@aws_check(
    id="aws.ecs.task_definition_no_host_pid_mode",
    title="ECS task definitions do not share the host's process namespace",
    severity=Severity.HIGH,
    service="ecs",
    resource_type=TASK_DEFINITION,
    rationale="With pidMode host a task's containers see every process on the instance, other tasks' and the ECS "
    "agent's included, and with enough privilege can signal, trace or read the memory of them.",
    remediation="Register a new revision without pidMode (or with pidMode task, to share processes only within the "
    "task), and update the services using it.",
)
def task_definition_no_host_pid_mode(inventory: Inventory) -> Iterable[Outcome]:
    return _host_namespace(
        inventory,
        lambda t: t["pid_mode"],
        "pid_mode",
        "pidMode",
        "its containers see and can reach every process there",
    )
