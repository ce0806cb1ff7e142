"""Service settings checks: API Gateway stage caches encrypted, ECR lifecycle policies, KMS keys left disabled,
CloudWatch Logs resource policies open to anyone, and Transfer Family servers on a current security policy.

The API Gateway, ECR, KMS and Transfer Family checks read the same collected resources as those services' own
checks (checks/apigateway.py, checks/compute.py, checks/kms.py, checks/transfer.py), through their helpers.
"""

from __future__ import annotations

from collections.abc import Iterable

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_network import MethodCaching
from ..shapes_storage import LogResourcePolicy
from ._common import aws_check, error, listed_items, result
from ._policies import public_actions
from .apigateway import STAGE, rest_api_stages, stage_label
from .compute import REPOSITORY, ecr_repositories
from .kms import KEY, customer_keys
from .transfer import SERVER, server_label, transfer_servers

LOG_RESOURCE_POLICY = "AWS::Logs::ResourcePolicy"
# KMS key states judged by aws.kms.key_not_pending_deletion instead (a key scheduled for deletion is also disabled).
PENDING_DELETION = frozenset({"PendingDeletion", "PendingReplicaDeletion"})
DISABLED = "Disabled"
# Transfer Family security policies that are not current, as AWS lists them (security policies for servers, checked
# 2025). A deny list rather than an allow list: AWS publishes new policies often (2025-03, SshAuditCompliant-2025-02,
# AS2Restricted-2025-07, ...) and never a new old one, so this set is closed and an unknown name is a newer policy.
# - the 2018-11 and 2020-06 generations (with their FIPS and Restricted variants) are the first policies Transfer
#   Family offered; 2018-11 still offers SHA-1 key exchange and MACs, and AWS has replaced both generations since,
#   recommending its latest policy. (2018-11 is still what CloudFormation assigns when none is named.)
# - the 2023-04 post-quantum policies are experimental previews, replaced by the 2025-03 policies that carry the
#   hybrid post-quantum key exchange for production use.
# 2022-03 and everything dated 2023-05 or later are current.
OUTDATED_SECURITY_POLICIES = frozenset(
    {
        "TransferSecurityPolicy-2018-11",
        "TransferSecurityPolicy-2020-06",
        "TransferSecurityPolicy-FIPS-2020-06",
        "TransferSecurityPolicy-Restricted-2018-11",
        "TransferSecurityPolicy-Restricted-2020-06",
        "TransferSecurityPolicy-PQ-SSH-Experimental-2023-04",
        "TransferSecurityPolicy-PQ-SSH-FIPS-Experimental-2023-04",
    }
)

# The methodSettings key of the settings every method of a stage inherits unless it overrides them.
STAGE_WIDE = "*/*"
_AWS_DEFAULT_CACHING: MethodCaching = {"caching_enabled": True, "data_encrypted": False}


def _cached_unencrypted(method_caching: dict[str, MethodCaching]) -> tuple[list[str], list[str]]:
    """The methodSettings entries that cache responses, and those of them that store the cache unencrypted.

    A stage with a cache cluster but no stage-wide entry ("*/*") runs on AWS's defaults, which cache GET methods and
    leave the cache unencrypted: it is read as such an entry, so it fails rather than passing on a setting not made.
    """
    method_caching = {STAGE_WIDE: _AWS_DEFAULT_CACHING, **method_caching}
    caching = sorted(path for path, setting in method_caching.items() if setting.get("caching_enabled"))
    plain = [path for path in caching if not method_caching[path].get("data_encrypted")]
    return caching, plain


@aws_check(
    id="aws.apigateway.stage_cache_encrypted",
    title="API Gateway REST API stage caches are encrypted",
    severity=Severity.MEDIUM,
    service="apigateway",
    resource_type=STAGE,
    rationale="A stage's cache keeps copies of the backend's responses (customer records, tokens, whatever the API "
    "returns) for their time to live; unless cache encryption is on, those copies are stored in the clear.",
    remediation='In the stage\'s settings turn on "Encrypt cache data" for all methods (methodSettings */* '
    "caching/dataEncrypted), and for every method override that caches; then flush the cache so no unencrypted "
    "entry remains.",
)
def stage_cache_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    for found in rest_api_stages(inventory):
        if isinstance(found, Outcome):
            yield found
            continue
        api, stage = found
        # Only a stage with a cache cluster caches anything; one without (or collected before caching was kept) is
        # not judged.
        if not stage.get("cache_cluster_enabled"):
            continue
        caching, plain = _cached_unencrypted(stage.get("method_caching") or {})
        label = stage_label(api, stage)
        if plain:
            reason = f"{label} caches responses unencrypted for {', '.join(plain)}"
        elif caching:
            reason = f"{label} encrypts its cache for every method that caches ({', '.join(caching)})"
        else:
            reason = f"{label} has a cache cluster but no method caches responses"
        yield result(
            not plain,
            str(stage.get("arn")),
            STAGE,
            reason,
            region=str(api.get("region", "")),
            caching_methods=caching,
            unencrypted_methods=plain,
        )


@aws_check(
    id="aws.ecr.lifecycle_policy",
    title="ECR repositories have a lifecycle policy",
    severity=Severity.LOW,
    service="ecr",
    resource_type=REPOSITORY,
    rationale="Without a lifecycle policy every image ever pushed stays: old images with known vulnerabilities "
    "remain pullable and deployable, and scans and reviews have an ever larger set of stale images to cover.",
    remediation="Put a lifecycle policy on the repository that expires untagged images after some days and keeps "
    "only the most recent tagged images the deployments and rollbacks need.",
)
def ecr_lifecycle_policy(inventory: Inventory) -> Iterable[Outcome]:
    for _, repository in ecr_repositories(inventory):
        name, region = str(repository.get("name")), str(repository.get("region", ""))
        if repository.get("lifecycle_policy_error"):
            reason = f"Could not read the lifecycle policy of repository {name}: {repository['lifecycle_policy_error']}"
            yield error(name, REPOSITORY, reason, region=region)
            continue
        # Collected before lifecycle policies were read: nothing to judge.
        if "lifecycle_policy" not in repository:
            continue
        has = bool(repository.get("lifecycle_policy"))
        reason = f"Repository {name} has a lifecycle policy" if has else f"Repository {name} has no lifecycle policy"
        yield result(has, name, REPOSITORY, reason, region=region, lifecycle_policy=has)


@aws_check(
    id="aws.kms.key_enabled",
    title="Customer-managed KMS keys are not left disabled",
    severity=Severity.LOW,
    service="kms",
    resource_type=KEY,
    rationale="A disabled key can neither encrypt nor decrypt: either nothing uses it any more and it is clutter "
    "whose policy still names principals, or something does and the data under it cannot be read until someone "
    "notices.",
    remediation="If data or a service still depends on the key, enable it again; if nothing does, schedule its "
    "deletion (with a waiting period long enough to notice a dependency that was missed).",
)
def key_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for key in customer_keys(inventory):
        kid, state = str(key.get("id")), str(key.get("state"))
        # A key scheduled for deletion is judged by aws.kms.key_not_pending_deletion.
        if state in PENDING_DELETION:
            continue
        disabled = state == DISABLED
        reason = f"KMS key {kid} is disabled" if disabled else f"KMS key {kid} is {state}"
        yield result(not disabled, kid, KEY, reason, region=str(key.get("region", "")), key_state=state)


@aws_check(
    id="aws.logs.log_group_policy_not_public",
    title="CloudWatch Logs resource policies do not grant access to everyone",
    severity=Severity.HIGH,
    service="logs",
    resource_type=LOG_RESOURCE_POLICY,
    rationale='A CloudWatch Logs resource policy that allows Principal "*" without an account, organisation or '
    "source condition lets principals of any AWS account write events into the log groups it covers (forged or "
    "flooding entries in the audit trail) or read them.",
    remediation="Name the service principal (delivery.logs.amazonaws.com, route53.amazonaws.com, ...) or the "
    'accounts instead of "*", or add an aws:SourceAccount, aws:SourceArn or aws:PrincipalOrgID condition '
    "(PutResourcePolicy).",
)
def log_group_policy_not_public(inventory: Inventory) -> Iterable[Outcome]:
    found: LogResourcePolicy | Outcome
    for found in listed_items(
        inventory,
        "logs",
        "resource_policies",
        noun="CloudWatch Logs resource policies",
        resource_type=LOG_RESOURCE_POLICY,
    ):
        if isinstance(found, Outcome):
            yield found
            continue
        name, region, policy = str(found.get("name")), str(found.get("region", "")), found.get("policy")
        label = f"CloudWatch Logs resource policy {name}"
        if isinstance(policy, dict) and "unparsable" in policy:
            yield error(name, LOG_RESOURCE_POLICY, f"{label} is not JSON", region=region)
            continue
        actions = public_actions(policy)
        reason = (
            f"{label} lets anyone {', '.join(actions)}"
            if actions
            else f"{label} grants access to named or conditioned principals only"
        )
        yield result(not actions, name, LOG_RESOURCE_POLICY, reason, region=region, public_actions=actions)


@aws_check(
    id="aws.transfer.server_security_policy_current",
    title="Transfer Family servers use a current security policy",
    severity=Severity.MEDIUM,
    service="transfer",
    resource_type=SERVER,
    rationale="A server's security policy sets the key exchanges, ciphers and MACs its SFTP and FTPS clients may "
    "negotiate; the oldest policies still offer SHA-1 based algorithms, so a client, or someone in the path, can "
    "settle on weaker cryptography than the server could use.",
    remediation="Switch the server to AWS's latest security policy (UpdateServer SecurityPolicyName, for example "
    "TransferSecurityPolicy-2024-01 or a newer FIPS or Restricted variant) after checking that its clients support "
    "the algorithms it keeps.",
)
def server_security_policy_current(inventory: Inventory) -> Iterable[Outcome]:
    for server in transfer_servers(inventory):
        if isinstance(server, Outcome):
            yield server
            continue
        # Collected before the security policy was kept: nothing to judge.
        if "security_policy" not in server:
            continue
        policy = server.get("security_policy")
        label = server_label(server)
        if not policy:
            ok, reason = False, f"{label} reports no security policy, so it cannot be shown to use a current one"
        elif policy in OUTDATED_SECURITY_POLICIES:
            ok, reason = False, f"{label} uses the outdated security policy {policy}"
        else:
            ok, reason = True, f"{label} uses the security policy {policy}"
        yield result(ok, server["arn"], SERVER, reason, region=server["region"], security_policy=policy)
