"""Lambda and ECR checks against moto."""

from __future__ import annotations

import json
from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import ACCOUNT, aws, collect, inventory, lambda_function, run, scan, statuses

PASS, FAIL = OutcomeStatus.PASS, OutcomeStatus.FAIL


def _function(endpoint: str, name: str, runtime: str = "python3.12") -> str:
    return lambda_function(endpoint, name, Runtime=runtime)


def _policy(principal: Any, **extra: Any) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "pull", "Effect": "Allow", "Principal": principal, "Action": "ecr:BatchGetImage", **extra}
            ],
        }
    )


def test_function_urls_require_authentication(moto_reset: str) -> None:
    # given a function with a public URL, one with an IAM-authenticated URL and one without a URL
    lam = aws(moto_reset, "lambda")
    public = _function(moto_reset, "public-url")
    lam.create_function_url_config(FunctionName=public, AuthType="NONE")
    private = _function(moto_reset, "iam-url")
    lam.create_function_url_config(FunctionName=private, AuthType="AWS_IAM")
    _function(moto_reset, "no-url")
    # when the check runs
    outcomes = scan(moto_reset, "aws.lambda.function_url_auth_required")
    # then the public URL fails and the function without a URL is not judged
    assert statuses(outcomes) == {public: FAIL, private: PASS}


def test_functions_on_deprecated_runtimes_fail(moto_reset: str) -> None:
    # given a function on Python 3.7 (deprecated in 2023) and one on Python 3.12
    old = _function(moto_reset, "old", "python3.7")
    current = _function(moto_reset, "current", "python3.12")
    # when the check runs
    outcomes = scan(moto_reset, "aws.lambda.runtime_supported")
    # then the deprecated runtime fails with its deprecation date
    assert statuses(outcomes) == {old: FAIL, current: PASS}
    assert next(o for o in outcomes if o.resource_id == old).observed["deprecated_on"] == "2023-12-04"


def test_runtime_deprecation_is_measured_from_the_scan_time() -> None:
    # given a Node.js 18 function collected before and after its deprecation day (2025-09-01)
    def collected(at: str) -> Any:
        function = {"name": "api", "runtime": "nodejs18.x", "region": "us-east-1"}
        return inventory(**{"lambda": {"regions": {"us-east-1": {"collected_at": at, "functions": [function]}}}})

    # when the check runs on each
    before = run(collected("2025-08-31T12:00:00+00:00"), "aws.lambda.runtime_supported")
    after = run(collected("2025-09-01T12:00:00+00:00"), "aws.lambda.runtime_supported")
    # then only the later scan fails it
    assert [o.status for o in before] == [PASS]
    assert [o.status for o in after] == [FAIL]


def test_function_policies_open_to_anyone_fail(moto_reset: str) -> None:
    # given a function anyone may invoke, one invocable by S3 from one bucket only, and one with no policy
    lam = aws(moto_reset, "lambda")
    open_to_all = _function(moto_reset, "open")
    lam.add_permission(FunctionName=open_to_all, StatementId="any", Action="lambda:InvokeFunction", Principal="*")
    narrowed = _function(moto_reset, "narrowed")
    lam.add_permission(
        FunctionName=narrowed,
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::uploads",
    )
    _function(moto_reset, "no-policy")
    # when the check runs
    outcomes = scan(moto_reset, "aws.lambda.policy_not_public")
    # then only the open policy fails
    assert statuses(outcomes) == {open_to_all: FAIL, narrowed: PASS}


def test_ecr_repository_settings(moto_reset: str) -> None:
    # given a hardened repository and one with defaults
    ecr = aws(moto_reset, "ecr")
    ecr.create_repository(
        repositoryName="hardened", imageScanningConfiguration={"scanOnPush": True}, imageTagMutability="IMMUTABLE"
    )
    ecr.create_repository(repositoryName="defaults")
    # when the scanning and tag checks run on one collection
    inv = collect(moto_reset, ["aws.ecr.scan_on_push"])
    # then the default repository fails both
    assert statuses(run(inv, "aws.ecr.scan_on_push")) == {"hardened": PASS, "defaults": FAIL}
    assert statuses(run(inv, "aws.ecr.tag_immutability")) == {"hardened": PASS, "defaults": FAIL}


def test_enhanced_registry_scanning_covers_repositories(moto_reset: str) -> None:
    # given enhanced registry scanning for repositories named prod-*, and two repositories without scan on push
    ecr = aws(moto_reset, "ecr")
    ecr.put_registry_scanning_configuration(
        scanType="ENHANCED",
        rules=[
            {"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "prod-*", "filterType": "WILDCARD"}]}
        ],
    )
    ecr.create_repository(repositoryName="prod-api")
    ecr.create_repository(repositoryName="dev-api")
    # when the check runs
    outcomes = scan(moto_reset, "aws.ecr.scan_on_push")
    # then the repository the registry rule covers passes
    assert statuses(outcomes) == {"prod-api": PASS, "dev-api": FAIL}


def test_public_repository_policies_fail(moto_reset: str) -> None:
    # given a repository anyone may pull from, one shared with one account, and one without a policy
    ecr = aws(moto_reset, "ecr")
    for name in ("public", "shared", "private"):
        ecr.create_repository(repositoryName=name)
    ecr.set_repository_policy(repositoryName="public", policyText=_policy("*"))
    ecr.set_repository_policy(repositoryName="shared", policyText=_policy({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))
    # when the check runs
    outcomes = scan(moto_reset, "aws.ecr.repository_not_public")
    # then only the public one fails
    assert statuses(outcomes) == {"public": FAIL, "shared": PASS, "private": PASS}
