"""Checks on AWS Marketplace subscriptions and AI service governance: customer and inline policies letting their holder
subscribe to any Marketplace product, AmazonBedrockFullAccess or AmazonSageMakerFullAccess held by anyone, and
Bedrock invocation logs kept in destinations encrypted under a KMS key."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import S3, Bucket, PolicyDocument
from ..shapes_analytics import BedrockRegion
from ..shapes_storage import LogsRegion
from ._common import ACCOUNT, aws_check, error, regions, result, service_data, statements
from .iam._data import POLICY, account_id, iam_data
from .iam.admin import judged_documents
from .iam.escalation import allowed_on_everything
from .iam.policies import aws_policy_holders, granting_actions, grants_everything
from .s3_data import kms_encryption

MARKETPLACE_SUBSCRIBE = "aws-marketplace:Subscribe"
BEDROCK_FULL_ACCESS = "AmazonBedrockFullAccess"
SAGEMAKER_FULL_ACCESS = "AmazonSageMakerFullAccess"


# --- AWS Marketplace subscriptions ----------------------------------------------------------------------------------


def _allows_subscribe(document: PolicyDocument) -> bool:
    return allowed_on_everything(document, MARKETPLACE_SUBSCRIBE)


def _unconditioned(document: PolicyDocument) -> PolicyDocument:
    """The document without its conditioned Allow statements (a condition may narrow what they grant; Denies stay)."""
    kept = [s for s in statements(document) if s.get("Effect") != "Allow" or not s.get("Condition")]
    return {"Statement": kept}


@aws_check(
    id="aws.iam.policy_no_wildcard_marketplace_subscribe",
    title="No customer or inline policy lets its holder subscribe to any AWS Marketplace product",
    severity=Severity.MEDIUM,
    service="iam",
    resource_type=POLICY,
    rationale="aws-marketplace:Subscribe accepts a product's terms and starts its charges on the account's bill; "
    "granted without a condition it lets the holder buy any software or data product listed, including ones that "
    "run with access to the account or receive its data, with no procurement or security review beforehand.",
    remediation="Remove aws-marketplace:Subscribe (and the aws-marketplace:* or NotAction that includes it) from the "
    "policy, or add a condition naming the products allowed (aws-marketplace:ProductId); let a Private Marketplace "
    "or a few buyers approve the rest.",
)
def policy_no_wildcard_marketplace_subscribe(inventory: Inventory) -> Iterable[Outcome]:
    # The same policies as aws.iam.policy_no_wildcard_service_admin: attached customer-managed and inline ones. A
    # policy allowing "*" on "*" already holds everything: the full-admin checks judge it, so it yields no outcome.
    for resource_id, resource_type, label, document in judged_documents(inventory):
        if any(grants_everything(s) for s in statements(document)):
            continue
        open_to_all = _allows_subscribe(_unconditioned(document))
        grants = granting_actions(_unconditioned(document), _allows_subscribe) if open_to_all else []
        conditioned = not grants and _allows_subscribe(document)
        if grants:
            reason = (
                f"{label} allows {MARKETPLACE_SUBSCRIBE} on every resource without a condition "
                f"({'; '.join(grants)}): its holder may subscribe to any Marketplace product"
            )
        elif conditioned:
            reason = f"{label} allows {MARKETPLACE_SUBSCRIBE} only under a condition"
        else:
            reason = f"{label} does not allow {MARKETPLACE_SUBSCRIBE} on every resource"
        yield result(not grants, resource_id, resource_type, reason, granted_by=grants, conditioned=conditioned)


# --- AmazonBedrockFullAccess and AmazonSageMakerFullAccess ---------------------------------------------------------


def _held_by_nobody(inventory: Inventory, policy_name: str) -> list[Outcome]:
    """One account outcome: whether AWS managed policy ``policy_name`` is attached to any user, group or role."""
    iam = iam_data(inventory)
    if "roles" not in iam:
        return []
    holders = aws_policy_holders(iam, policy_name)
    reason = (
        f"{policy_name} is attached to {', '.join(holders)}"
        if holders
        else f"{policy_name} is attached to no user, group or role"
    )
    return [result(not holders, account_id(inventory), ACCOUNT, reason, holders=holders)]


@aws_check(
    id="aws.iam.no_bedrock_full_access",
    title="AmazonBedrockFullAccess is attached to no user, group or role",
    severity=Severity.MEDIUM,
    service="iam",
    resource_type=ACCOUNT,
    rationale="AWS's AmazonBedrockFullAccess allows every Bedrock action on every resource: invoking any model at the "
    "account's expense, changing or switching off invocation logging and guardrails, reading and deleting agents, "
    "knowledge bases and custom models, and passing roles to Bedrock. Workloads and people who use Bedrock need a "
    "few of these actions, on named models.",
    remediation="Detach AmazonBedrockFullAccess from every user, group and role; grant a customer managed policy "
    "with the Bedrock actions each one needs (bedrock:InvokeModel on the model ARNs used, for most workloads), and "
    "keep logging and guardrail administration to a few administrators.",
)
def no_bedrock_full_access(inventory: Inventory) -> Iterable[Outcome]:
    return _held_by_nobody(inventory, BEDROCK_FULL_ACCESS)


@aws_check(
    id="aws.iam.no_sagemaker_full_access",
    title="AmazonSageMakerFullAccess is attached to no user, group or role",
    severity=Severity.MEDIUM,
    service="iam",
    resource_type=ACCOUNT,
    rationale="AWS's AmazonSageMakerFullAccess allows every SageMaker action on every resource, plus passing roles "
    "to SageMaker and reading and writing objects in buckets named for it: whoever holds it can delete or replace "
    "any model, endpoint and training job, open any user's Studio space or notebook, and run jobs under the roles "
    "SageMaker may use. The console still offers it to new execution roles, so it stays on roles needing few actions.",
    remediation="Detach AmazonSageMakerFullAccess from every user, group and role; give each execution role a "
    "customer managed policy for the buckets, images and SageMaker actions of its own jobs, and people the "
    "SageMaker actions of their work, on their own resources.",
)
def no_sagemaker_full_access(inventory: Inventory) -> Iterable[Outcome]:
    return _held_by_nobody(inventory, SAGEMAKER_FULL_ACCESS)


# --- Bedrock invocation log destinations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Destination:
    """One destination of a region's invocation logs, as judged: encrypted (True), not (False) or unread (None)."""

    kind: str  # "s3" or "logs"
    name: str
    encrypted: bool | None
    reason: str


def _bucket_destination(buckets: Mapping[str, Bucket], name: str, role: str) -> _Destination:
    label = f"{role} S3 bucket {name}"
    bucket = buckets.get(name)
    if bucket is None:
        why = f"{label} is not among the account's buckets read (it may belong to another account)"
        return _Destination("s3", name, None, why)
    failure = bucket.get("error") or (bucket.get("read_errors") or {}).get("encryption_rules")
    if failure:
        return _Destination("s3", name, None, f"{label} could not be read: {failure}")
    if "encryption_rules" not in bucket:
        return _Destination("s3", name, None, f"{label} was collected without its encryption settings")
    ok, reason, _ = kms_encryption(bucket, name)
    return _Destination("s3", name, ok, f"{role} {reason[0].lower()}{reason[1:]}")


def _group_destination(inventory: Inventory, logs: LogsRegion | None, region: str, name: str) -> _Destination:
    label = f"log group {name}"
    if logs is None:
        failure = inventory.region_errors.get("logs", {}).get(region)
        why = f"the log groups of {region} were not read" + (f" ({failure})" if failure else "")
        return _Destination("logs", name, None, f"{label}: {why}")
    group = next((g for g in logs.get("log_groups", []) if g.get("name") == name), None)
    if group is None:
        read = logs.get("truncated_at")
        why = (
            f"{label} is not among the first {read} log groups read in {region}"
            if read
            else f"{label} does not exist in {region}"
        )
        return _Destination("logs", name, None, why)
    key = group.get("kms_key_id")
    if key:
        return _Destination("logs", name, True, f"{label} is encrypted with KMS key {key}")
    return _Destination("logs", name, False, f"{label} has no KMS key (only CloudWatch Logs' own encryption)")


@aws_check(
    id="aws.bedrock.invocation_log_destinations_kms_encrypted",
    title="Bedrock invocation logs are kept encrypted under a KMS key",
    severity=Severity.MEDIUM,
    service="bedrock",
    resource_type=ACCOUNT,
    rationale="Invocation logs hold the prompts sent to models and the answers they gave, often with personal, "
    "confidential or regulated data in them. Kept under a KMS key, reading them also needs the key, every use of it "
    "is recorded in CloudTrail, and disabling the key cuts off access; under S3's or CloudWatch Logs' own keys anyone "
    "allowed to read the bucket or group reads them in clear.",
    remediation="Give the invocation logging log group a KMS key (AssociateKmsKey, with a key policy letting the "
    "region's CloudWatch Logs service use it) and set the destination buckets' default encryption to SSE-KMS with a "
    "customer managed key that Bedrock's logging role may use.",
    requires=("bedrock", "s3", "logs"),
)
def bedrock_invocation_log_destinations_kms_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    s3: S3 = service_data(inventory, "s3")
    buckets = {str(b.get("name")): b for b in s3.get("buckets", [])}
    logs_by_region: dict[str, LogsRegion] = dict(regions(inventory, "logs"))
    account = inventory.account_id or "aws-account"
    data: BedrockRegion
    for region, data in regions(inventory, "bedrock"):
        logging: Mapping[str, Any] = data.get("invocation_logging") or {}
        destinations: list[_Destination] = []
        if bucket := logging.get("s3_bucket"):
            destinations.append(_bucket_destination(buckets, str(bucket), "log"))
        if group := logging.get("cloudwatch_log_group"):
            destinations.append(_group_destination(inventory, logs_by_region.get(region), region, str(group)))
        if large := logging.get("large_data_s3_bucket"):
            destinations.append(_bucket_destination(buckets, str(large), "large-data"))
        if not destinations:
            # No invocation logging here: aws.bedrock.model_invocation_logging_enabled says so.
            continue
        details = "; ".join(d.reason for d in destinations)
        observed = [{"kind": d.kind, "name": d.name, "encrypted": d.encrypted} for d in destinations]
        if any(d.encrypted is False for d in destinations):
            reason = f"Bedrock invocation logs in {region} are not all under a KMS key: {details}"
            yield result(False, account, ACCOUNT, reason, region=region, destinations=observed)
        elif any(d.encrypted is None for d in destinations):
            reason = f"Could not judge the encryption of Bedrock invocation logs in {region}: {details}"
            yield error(account, ACCOUNT, reason, region=region, destinations=observed)
        else:
            reason = f"Bedrock invocation logs in {region} are kept under KMS keys: {details}"
            yield result(True, account, ACCOUNT, reason, region=region, destinations=observed)
