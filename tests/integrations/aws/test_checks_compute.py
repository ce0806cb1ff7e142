"""Lambda and ECR checks against moto."""

from __future__ import annotations

import json
from typing import Any

from integrations.registry import OutcomeStatus
from tests.conftest_moto import _post
from tests.integrations.aws.support import (
    ACCOUNT,
    aws,
    collect,
    connector,
    fake_response,
    inventory,
    lambda_function,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR


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


ENHANCED = "aws.ecr.registry_enhanced_scanning"
REGISTRY_ARN = f"arn:aws:ecr:us-east-1:{ACCOUNT}:registry"


def test_registries_pass_when_enhanced_scanning_covers_every_repository(moto_reset: str) -> None:
    # given a registry scanning prod-* repositories with enhanced scanning, holding prod-api and dev-api
    ecr = aws(moto_reset, "ecr")
    ecr.put_registry_scanning_configuration(
        scanType="ENHANCED",
        rules=[
            {"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [{"filter": "prod-*", "filterType": "WILDCARD"}]}
        ],
    )
    ecr.create_repository(repositoryName="prod-api")
    ecr.create_repository(repositoryName="dev-api")
    # when the registry check runs
    outcome = scan(moto_reset, ENHANCED)
    # then it fails, naming the repository no rule covers
    assert statuses(outcome) == {REGISTRY_ARN: FAIL}
    assert outcome[0].reason == (
        "The ECR registry in us-east-1 scans with enhanced scanning, but no rule covers dev-api"
    )
    # and when a rule covers every repository, it passes
    ecr.put_registry_scanning_configuration(
        scanType="ENHANCED",
        rules=[{"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}],
    )
    assert statuses(scan(moto_reset, ENHANCED)) == {REGISTRY_ARN: PASS}


def test_registries_on_basic_scanning_fail_and_empty_ones_are_not_judged(moto_reset: str) -> None:
    # given a registry left on basic scanning (the default) and holding one repository, and another region empty
    aws(moto_reset, "ecr").create_repository(repositoryName="api")
    # when the registry check runs
    outcome = scan(moto_reset, ENHANCED, ["us-east-1", "us-west-2"])
    # then only the registry holding a repository is judged, and it fails
    assert [(o.resource_id, o.status, o.reason) for o in outcome] == [
        (REGISTRY_ARN, FAIL, "The ECR registry in us-east-1 uses basic scanning, not enhanced scanning")
    ]


LATEST_IMAGE = "aws.ecr.latest_image_no_critical_vulnerabilities"


def _push(endpoint: str, repository: str, tag: str) -> str:
    """Push a one-layer image manifest tagged ``tag``; its digest."""
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 7023,
            "digest": f"sha256:{tag:0>64}",
        },
        "layers": [],
    }
    pushed = aws(endpoint, "ecr").put_image(repositoryName=repository, imageManifest=json.dumps(manifest), imageTag=tag)
    return str(pushed["image"]["imageId"]["imageDigest"])


def _scan_result(endpoint: str, repository: str, digest: str, counts: dict[str, int]) -> None:
    """What moto's DescribeImageScanFindings answers for this image (moto's own default is one HIGH finding)."""
    result = {
        "registryId": ACCOUNT,
        "repositoryName": repository,
        "imageId": {"imageDigest": digest},
        "imageScanStatus": {"status": "COMPLETE", "description": "The scan was completed successfully."},
        "imageScanFindings": {"findings": [], "findingSeverityCounts": counts},
    }
    body = json.dumps({"results": [result], "region": "us-east-1"}).encode()
    _post(f"{endpoint}/moto-api/static/ecr/scan-finding-results", body)


def test_latest_images_fail_with_critical_findings_or_never_scanned(moto_reset: str) -> None:
    # given a repository whose latest image has a critical finding (an older clean one before it), one whose latest
    # image has high findings only, one whose latest image was never scanned, and an empty one
    ecr = aws(moto_reset, "ecr")
    for name in ("api", "worker", "batch", "empty"):
        ecr.create_repository(repositoryName=name)
    _push(moto_reset, "api", "1")
    vulnerable = _push(moto_reset, "api", "2")
    ecr.start_image_scan(repositoryName="api", imageId={"imageDigest": vulnerable})
    _scan_result(moto_reset, "api", vulnerable, {"CRITICAL": 2, "HIGH": 5})
    worker = _push(moto_reset, "worker", "3")
    ecr.start_image_scan(repositoryName="worker", imageId={"imageDigest": worker})
    _push(moto_reset, "batch", "4")
    # when the latest image check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, LATEST_IMAGE)}
    # then the critical and the unscanned ones fail; the empty repository is not judged
    assert statuses(outcomes.values()) == {"api": FAIL, "worker": PASS, "batch": FAIL}
    assert (
        outcomes["api"].reason
        == "The latest image of repository api (2) has 2 critical and 5 high vulnerability finding(s)"
    )
    assert outcomes["worker"].observed == {"scan_status": "COMPLETE", "severity_counts": {"HIGH": 1}}
    assert outcomes["batch"].reason == "The latest image of repository batch (4) has never been scanned"


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


def test_a_repository_whose_images_cannot_be_read_is_an_error_for_the_image_check_only(moto_reset: str) -> None:
    # given a repository whose images ECR refuses to list
    aws(moto_reset, "ecr").create_repository(repositoryName="api")
    built = connector(moto_reset)
    refusal = fake_response(
        400, json.dumps({"__type": "AccessDeniedException", "message": "denied"}), "application/json"
    )
    built.session.events.register("before-send.ecr.DescribeImages", lambda **_: refusal)
    # when ECR is collected
    inv = built.collect({"ecr"})
    # then the image check is an error naming the refusal, and the other repository checks still judge
    outcome = run(inv, LATEST_IMAGE)[0]
    assert (outcome.resource_id, outcome.status) == ("api", ERROR)
    assert outcome.reason.startswith("Could not read the latest image of repository api: DescribeImages failed")
    assert statuses(run(inv, "aws.ecr.tag_immutability")) == {"api": FAIL}
