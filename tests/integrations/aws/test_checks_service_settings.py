"""Service settings checks against moto: API Gateway stage cache encryption, ECR lifecycle policies, disabled KMS
keys, CloudWatch Logs resource policies and Transfer Family security policies."""

from __future__ import annotations

import json
from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    aws,
    collect,
    connector,
    json_reply,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
CACHE_CHECK = "aws.apigateway.stage_cache_encrypted"
LIFECYCLE_CHECK = "aws.ecr.lifecycle_policy"
KEY_CHECK = "aws.kms.key_enabled"
LOGS_POLICY_CHECK = "aws.logs.log_group_policy_not_public"
TRANSFER_CHECK = "aws.transfer.server_security_policy_current"
DENIED = {"__type": "AccessDeniedException", "Message": "denied"}
EXPIRE_UNTAGGED = json.dumps(
    {
        "rules": [
            {
                "rulePriority": 1,
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": 14,
                },
                "action": {"type": "expire"},
            }
        ]
    }
)


# --- api gateway ---------------------------------------------------------------------------------------------------


def _cached_stage(
    endpoint: str, name: str, caching: dict[str, str] | None = None, region: str = REGION, *, cache: bool = True
) -> str:
    """A REST API (one mocked GET on its root) with stage ``name``, given a cache cluster when ``cache``; ``caching``
    maps method setting patch paths (without their leading "/") to values. Returns the stage's ARN."""
    apigateway = aws(endpoint, "apigateway", region)
    api_id = str(apigateway.create_rest_api(name=f"{name}-api")["id"])
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    apigateway.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigateway.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    deployment = apigateway.create_deployment(restApiId=api_id)["id"]
    apigateway.create_stage(restApiId=api_id, stageName=name, deploymentId=deployment, cacheClusterEnabled=cache)
    if caching:
        operations = [{"op": "replace", "path": f"/{path}", "value": value} for path, value in caching.items()]
        apigateway.update_stage(restApiId=api_id, stageName=name, patchOperations=operations)
    return f"arn:aws:apigateway:{region}::/restapis/{api_id}/stages/{name}"


def _caching(encrypted: bool, path: str = "*/*", enabled: bool = True) -> dict[str, str]:
    return {f"{path}/caching/enabled": str(enabled).lower(), f"{path}/caching/dataEncrypted": str(encrypted).lower()}


def test_stage_caches_are_judged_by_what_the_caching_methods_encrypt(moto_reset: str) -> None:
    # given a stage without a cache (not judged), one caching every method encrypted, one whose stage-wide cache is
    # encrypted but whose root GET override caches unencrypted, one caching every method unencrypted, and (in another
    # region) one with a cache cluster whose methods do not cache
    _cached_stage(moto_reset, "uncached", cache=False)
    sealed = _cached_stage(moto_reset, "sealed", _caching(True))
    override = _cached_stage(moto_reset, "override", {**_caching(True), **_caching(False, path="~1/GET")})
    open_cache = _cached_stage(moto_reset, "open", _caching(False))
    idle = _cached_stage(moto_reset, "idle", _caching(False, enabled=False), OTHER_REGION)
    # when the check runs over both regions
    outcomes = scan(moto_reset, CACHE_CHECK, [REGION, OTHER_REGION])
    # then only the stages with a cache are judged, and those caching unencrypted fail naming the methods
    assert statuses(outcomes) == {sealed: PASS, override: FAIL, open_cache: FAIL, idle: PASS}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[override].endswith("caches responses unencrypted for ~1/GET")
    assert reasons[open_cache].startswith("Stage open of REST API open-api (")
    assert reasons[open_cache].endswith("caches responses unencrypted for */*")
    assert reasons[idle].endswith("has a cache cluster but no method caches responses")
    assert {o.resource_id: o.region for o in outcomes}[idle] == OTHER_REGION


def test_a_cache_cluster_on_the_defaults_fails(moto_reset: str) -> None:
    # given a stage given a cache cluster and no method settings at all (AWS's defaults: GETs cached, unencrypted)
    stage = _cached_stage(moto_reset, "live")
    # when the check runs
    (outcome,) = scan(moto_reset, CACHE_CHECK)
    # then it fails on the stage-wide defaults
    assert (outcome.resource_id, outcome.status, outcome.observed["unencrypted_methods"]) == (stage, FAIL, ["*/*"])
    assert outcome.reason.endswith("caches responses unencrypted for */*")


# --- ecr -----------------------------------------------------------------------------------------------------------


def test_ecr_repositories_without_a_lifecycle_policy_fail(moto_reset: str) -> None:
    # given a repository with a lifecycle policy and one without, and one with a policy in another region
    ecr = aws(moto_reset, "ecr")
    ecr.create_repository(repositoryName="pruned")
    ecr.put_lifecycle_policy(repositoryName="pruned", lifecyclePolicyText=EXPIRE_UNTAGGED)
    ecr.create_repository(repositoryName="hoard")
    other = aws(moto_reset, "ecr", OTHER_REGION)
    other.create_repository(repositoryName="mirror")
    other.put_lifecycle_policy(repositoryName="mirror", lifecyclePolicyText=EXPIRE_UNTAGGED)
    # when the check runs over both regions
    outcomes = scan(moto_reset, LIFECYCLE_CHECK, [REGION, OTHER_REGION])
    # then only the repository without one fails
    assert statuses(outcomes) == {"pruned": PASS, "hoard": FAIL, "mirror": PASS}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons["hoard"] == "Repository hoard has no lifecycle policy"
    assert reasons["pruned"] == "Repository pruned has a lifecycle policy"


def test_a_refused_lifecycle_read_is_an_error_for_that_check_only(moto_reset: str) -> None:
    # given a repository and ECR refusing GetLifecyclePolicy
    aws(moto_reset, "ecr").create_repository(repositoryName="locked")
    built = connector(moto_reset)
    built.session.events.register("before-send.ecr.GetLifecyclePolicy", lambda **_: json_reply(DENIED, 400))
    # when the lifecycle check and a neighbour ECR check run on that collection
    inv = built.collect({"ecr"})
    # then the lifecycle check says why it could not judge, and the neighbour still judges the repository
    (outcome,) = run(inv, LIFECYCLE_CHECK)
    assert outcome.status == ERROR
    assert "GetLifecyclePolicy failed with AccessDeniedException" in outcome.reason
    assert statuses(run(inv, "aws.ecr.tag_immutability")) == {"locked": FAIL}


# --- kms -----------------------------------------------------------------------------------------------------------


def test_disabled_kms_keys_fail_and_keys_pending_deletion_are_left_to_their_own_check(moto_reset: str) -> None:
    # given an enabled key, a disabled key, and a key scheduled for deletion
    kms = aws(moto_reset, "kms")
    enabled = kms.create_key()["KeyMetadata"]["KeyId"]
    disabled = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=disabled)
    doomed = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.schedule_key_deletion(KeyId=doomed, PendingWindowInDays=7)
    # when the check runs
    outcomes = scan(moto_reset, KEY_CHECK)
    # then the disabled key fails, and the one pending deletion is not judged here
    assert statuses(outcomes) == {enabled: PASS, disabled: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[disabled] == f"KMS key {disabled} is disabled"
    assert reasons[enabled] == f"KMS key {enabled} is Enabled"


# --- logs ----------------------------------------------------------------------------------------------------------


def _logs_policy(principal: Any, actions: list[str], condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": actions,
        "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:*",
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_logs_resource_policies_fail_when_anyone_may_use_them(moto_reset: str) -> None:
    # given a policy for a service principal, one open to anyone, one open to anyone from this account only, and one
    # open to anyone in another region
    logs = aws(moto_reset, "logs")
    write = ["logs:CreateLogStream", "logs:PutLogEvents"]
    logs.put_resource_policy(
        policyName="route53", policyDocument=_logs_policy({"Service": "route53.amazonaws.com"}, write)
    )
    logs.put_resource_policy(policyName="open", policyDocument=_logs_policy("*", write))
    same_account = {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    logs.put_resource_policy(policyName="scoped", policyDocument=_logs_policy({"AWS": "*"}, write, same_account))
    aws(moto_reset, "logs", OTHER_REGION).put_resource_policy(
        policyName="readers", policyDocument=_logs_policy({"AWS": "*"}, ["logs:GetLogEvents", "logs:FilterLogEvents"])
    )
    # when the check runs over both regions
    outcomes = scan(moto_reset, LOGS_POLICY_CHECK, [REGION, OTHER_REGION])
    # then the two open to anyone fail, naming what anyone may do
    assert {(o.resource_id, o.region): o.status for o in outcomes} == {
        ("route53", REGION): PASS,
        ("open", REGION): FAIL,
        ("scoped", REGION): PASS,
        ("readers", OTHER_REGION): FAIL,
    }
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons["open"] == "CloudWatch Logs resource policy open lets anyone logs:CreateLogStream, logs:PutLogEvents"
    assert (
        reasons["scoped"]
        == "CloudWatch Logs resource policy scoped grants access to named or conditioned principals only"
    )


def test_a_refused_resource_policy_listing_is_an_error_for_its_region(moto_reset: str) -> None:
    # given a log group, and CloudWatch Logs refusing DescribeResourcePolicies
    aws(moto_reset, "logs").create_log_group(logGroupName="app")
    built = connector(moto_reset)
    built.session.events.register("before-send.logs.DescribeResourcePolicies", lambda **_: json_reply(DENIED, 400))
    # when the policy check and a log group check run on that collection
    inv = built.collect({"logs"})
    # then the policy check reports the region unread, and the log group is still judged
    (outcome,) = run(inv, LOGS_POLICY_CHECK)
    assert (outcome.status, outcome.resource_id, outcome.region) == (ERROR, ACCOUNT, REGION)
    assert "DescribeResourcePolicies failed with AccessDeniedException" in outcome.reason
    assert statuses(run(inv, "aws.logs.kms_encrypted")) == {"app": FAIL}


# --- transfer ------------------------------------------------------------------------------------------------------


def test_transfer_servers_on_an_outdated_security_policy_fail(moto_reset: str) -> None:
    # given servers on the 2024-01 policy, a newer one, the 2018-11 and FIPS-2020-06 policies, and one reporting none
    transfer = aws(moto_reset, "transfer")
    named = {
        policy: transfer.create_server(SecurityPolicyName=policy)["ServerId"]
        for policy in (
            "TransferSecurityPolicy-2024-01",
            "TransferSecurityPolicy-2025-03",
            "TransferSecurityPolicy-2018-11",
            "TransferSecurityPolicy-FIPS-2020-06",
        )
    }
    unnamed = transfer.create_server()["ServerId"]
    # when the check runs
    outcomes = {o.resource_id.rsplit("/", 1)[1]: o for o in scan(moto_reset, TRANSFER_CHECK)}
    # then the outdated policies and the unreported one fail
    assert {sid: o.status for sid, o in outcomes.items()} == {
        named["TransferSecurityPolicy-2024-01"]: PASS,
        named["TransferSecurityPolicy-2025-03"]: PASS,
        named["TransferSecurityPolicy-2018-11"]: FAIL,
        named["TransferSecurityPolicy-FIPS-2020-06"]: FAIL,
        unnamed: FAIL,
    }
    old = named["TransferSecurityPolicy-2018-11"]
    assert outcomes[old].reason == (
        f"Transfer Family server {old} uses the outdated security policy TransferSecurityPolicy-2018-11"
    )
    assert outcomes[old].observed["security_policy"] == "TransferSecurityPolicy-2018-11"
    assert outcomes[unnamed].reason == (
        f"Transfer Family server {unnamed} reports no security policy, so it cannot be shown to use a current one"
    )


def test_one_collection_serves_every_check_of_this_module(moto_reset: str) -> None:
    # given one resource for each check
    aws(moto_reset, "ecr").create_repository(repositoryName="images")
    aws(moto_reset, "kms").create_key()
    aws(moto_reset, "transfer").create_server(SecurityPolicyName="TransferSecurityPolicy-2024-01")
    aws(moto_reset, "logs").put_resource_policy(
        policyName="route53", policyDocument=_logs_policy({"Service": "route53.amazonaws.com"}, ["logs:PutLogEvents"])
    )
    _cached_stage(moto_reset, "live", _caching(True))
    checks = [CACHE_CHECK, LIFECYCLE_CHECK, KEY_CHECK, LOGS_POLICY_CHECK, TRANSFER_CHECK]
    # when they run on one collection
    inv = collect(moto_reset, checks)
    # then the collection holds no error and each check judges its one resource
    assert not inv.errors, inv.errors
    assert [len(run(inv, check)) for check in checks] == [1, 1, 1, 1, 1]
