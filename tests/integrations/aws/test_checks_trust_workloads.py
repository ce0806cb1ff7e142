"""IAM trust and ECS/SageMaker workload checks against moto: service trusts without a source condition, GitHub Actions
trusts open to any repository, other accounts trusted with ReadOnlyAccess, sts:AssumeRole on every role, ECS public
IPs and Container Insights, and SageMaker models outside a VPC."""

from __future__ import annotations

import json
from typing import Any

import pytest

from integrations.registry import OutcomeStatus
from tests.conftest_moto import _post
from tests.integrations.aws.support import ACCOUNT, OTHER_REGION, REGION, TRUST_POLICY, aws, collect, run, statuses

PASS, FAIL = OutcomeStatus.PASS, OutcomeStatus.FAIL
DEPUTY = "aws.iam.role_trust_confused_deputy"
ASSUME = "aws.iam.policy_no_wildcard_assume_role"
GITHUB = "aws.iam.role_trust_github_actions_subject_restricted"
READ_ONLY = "aws.iam.role_cross_account_read_only_access"
GITHUB_PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
PUBLIC_IP = "aws.ecs.service_no_public_ip"
INSIGHTS = "aws.ecs.cluster_container_insights"
MODEL_VPC = "aws.sagemaker.model_in_vpc"


def _trust(service: str, **condition: Any) -> str:
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _reasons(endpoint_inventory: Any, check_id: str) -> dict[str, str]:
    return {o.resource_id: o.reason for o in run(endpoint_inventory, check_id)}


def test_role_trust_confused_deputy(moto_reset: str) -> None:
    # given a Config role without a source condition, one pinned to the account, one whose condition only tests
    # the key's presence, an EC2 instance role (not judged) and a service-linked role (AWS's own)
    iam = aws(moto_reset, "iam")
    iam.create_role(RoleName="config-open", AssumeRolePolicyDocument=_trust("config.amazonaws.com"))
    pinned = _trust("config.amazonaws.com", StringEquals={"aws:SourceAccount": ACCOUNT})
    iam.create_role(RoleName="config-pinned", AssumeRolePolicyDocument=pinned)
    null_only = _trust("states.amazonaws.com", Null={"aws:SourceArn": "false"})
    iam.create_role(RoleName="states-null", AssumeRolePolicyDocument=null_only)
    iam.create_role(RoleName="ec2-instance", AssumeRolePolicyDocument=_trust("ec2.amazonaws.com"))
    iam.create_role(
        RoleName="AWSServiceRoleForConfig",
        Path="/aws-service-role/config.amazonaws.com/",
        AssumeRolePolicyDocument=_trust("config.amazonaws.com"),
    )
    # when the check runs
    inv = collect(moto_reset, [DEPUTY])
    # then only the judged services' unconditioned trusts fail
    assert statuses(run(inv, DEPUTY)) == {"config-open": FAIL, "config-pinned": PASS, "states-null": FAIL}
    assert _reasons(inv, DEPUTY)["config-open"] == (
        "Role config-open trusts config.amazonaws.com with no aws:SourceAccount or aws:SourceArn condition"
    )


def _github_trust(provider: str = GITHUB_PROVIDER, **condition: Any) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Federated": provider},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_roles_trusting_github_actions_name_the_repositories(moto_reset: str) -> None:
    # given roles trusting GitHub's OIDC provider: for one repository's main branch, for an organisation's
    # repositories, for the audience only, for any repository (repo:*), for a subject only excluded
    # (StringNotLike), under ForAllValues (true for a token without the key), and for an enterprise issuer without a
    # subject condition; and a role trusting a service
    iam = aws(moto_reset, "iam")
    audience = {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
    roles = {
        "deploy-main": _github_trust(
            StringEquals={
                **audience,
                "token.actions.githubusercontent.com:sub": "repo:example-org/payments:ref:refs/heads/main",
            }
        ),
        "org-wide": _github_trust(StringLike={"token.actions.githubusercontent.com:sub": "repo:example-org/*"}),
        "audience-only": _github_trust(StringEquals=audience),
        "any-repo": _github_trust(StringLike={"token.actions.githubusercontent.com:sub": "repo:*"}),
        "excluded-only": _github_trust(StringNotLike={"token.actions.githubusercontent.com:sub": "repo:evil/*"}),
        "for-all-values": _github_trust(
            **{"ForAllValues:StringLike": {"token.actions.githubusercontent.com:sub": "repo:example-org/*"}}
        ),
        "enterprise": _github_trust(f"{GITHUB_PROVIDER}/example-enterprise"),
        "lambda": TRUST_POLICY,
    }
    for name, trust in roles.items():
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
    # when the check runs
    inv = collect(moto_reset, [GITHUB])
    # then the roles narrowed to a named owner or repository pass, every other GitHub trust fails, and the service
    # role is not judged
    assert statuses(run(inv, GITHUB)) == {
        "deploy-main": PASS,
        "org-wide": PASS,
        "audience-only": FAIL,
        "any-repo": FAIL,
        "excluded-only": FAIL,
        "for-all-values": FAIL,
        "enterprise": FAIL,
    }
    reasons = _reasons(inv, GITHUB)
    assert reasons["any-repo"] == (
        "Role any-repo trusts token.actions.githubusercontent.com for subject(s) repo:*, which name no owner or "
        "repository"
    )
    assert reasons["enterprise"] == (
        "Role enterprise trusts token.actions.githubusercontent.com/example-enterprise with no condition on the "
        "token's subject (sub)"
    )


def _account_trust(*principals: str, **extra: Any) -> str:
    statement = {"Effect": "Allow", "Principal": {"AWS": list(principals)}, "Action": "sts:AssumeRole", **extra}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_roles_other_accounts_assume_do_not_hold_read_only_access(
    moto_reset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given moto with AWS's managed policies, and ReadOnlyAccess on: a role a partner account may assume (with an
    # external id), one this account's own admin role may assume, one open to anyone; and a partner role holding
    # SecurityAudit instead
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    _post(f"{moto_reset}/moto-api/reset")
    iam = aws(moto_reset, "iam")
    partner = "210987654321"
    roles = {
        "partner-read": (
            _account_trust(f"arn:aws:iam::{partner}:root", Condition={"StringEquals": {"sts:ExternalId": "x1"}}),
            "ReadOnlyAccess",
        ),
        "own-read": (_account_trust(f"arn:aws:iam::{ACCOUNT}:role/admin", ACCOUNT), "ReadOnlyAccess"),
        "anyone-read": (_account_trust("*"), "ReadOnlyAccess"),
        "partner-audit": (_account_trust(partner), "SecurityAudit"),
    }
    for name, (trust, policy) in roles.items():
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
        iam.attach_role_policy(RoleName=name, PolicyArn=f"arn:aws:iam::aws:policy/{policy}")
    # when the check runs
    inv = collect(moto_reset, [READ_ONLY])
    # then the roles other accounts (or anyone) may assume fail when they hold ReadOnlyAccess, the partner's audit
    # role passes, and the role only this account assumes is not judged
    assert statuses(run(inv, READ_ONLY)) == {"partner-read": FAIL, "anyone-read": FAIL, "partner-audit": PASS}
    reasons = _reasons(inv, READ_ONLY)
    assert reasons["partner-read"] == f"Role partner-read, which {partner} may assume, holds ReadOnlyAccess"
    assert reasons["partner-audit"] == f"Role partner-audit, which {partner} may assume, does not hold ReadOnlyAccess"


def test_policy_no_wildcard_assume_role(moto_reset: str) -> None:
    # given attached customer policies allowing sts:* on "*", sts:AssumeRole on one role, and sts:AssumeRole on "*"
    # with a deny for it, and an inline policy allowing sts:Assume* on "*"
    iam = aws(moto_reset, "iam")
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_POLICY)

    def attach(name: str, *statements: dict[str, Any]) -> str:
        document = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
        arn = str(iam.create_policy(PolicyName=name, PolicyDocument=document)["Policy"]["Arn"])
        iam.attach_role_policy(RoleName="worker", PolicyArn=arn)
        return arn

    everything = attach("StsAll", {"Effect": "Allow", "Action": "sts:*", "Resource": "*"})
    role = f"arn:aws:iam::{ACCOUNT}:role/deployer"
    one = attach("OneRole", {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role})
    denied = attach(
        "Denied",
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
        {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"},
    )
    attach("Everything", {"Effect": "Allow", "Action": "*", "Resource": "*"})  # the full-admin checks' to judge
    inline = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:Assume*", "Resource": "*"}]}
    iam.put_role_policy(RoleName="worker", PolicyName="hop", PolicyDocument=json.dumps(inline))
    # when the check runs
    inv = collect(moto_reset, [ASSUME])
    # then the wildcards fail, the named role and the denied one pass
    assert statuses(run(inv, ASSUME)) == {everything: FAIL, one: PASS, denied: PASS, "role/worker/hop": FAIL}
    assert _reasons(inv, ASSUME)[everything] == "Policy StsAll allows sts:AssumeRole on every resource"


def _network(endpoint: str, region: str) -> dict[str, Any]:
    ec2 = aws(endpoint, "ec2", region)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]
    return {"subnets": [subnet], "securityGroups": [group]}


def test_ecs_clusters_and_services(moto_reset: str) -> None:
    # given a cluster with Container Insights holding a public, a private and a bridge-mode service, a cluster on
    # ECS's default, and one in another region with enhanced insights
    ecs = aws(moto_reset, "ecs")
    ecs.create_cluster(clusterName="watched", settings=[{"name": "containerInsights", "value": "enabled"}])
    plain = ecs.create_cluster(clusterName="plain")["cluster"]["clusterArn"]
    other = aws(moto_reset, "ecs", OTHER_REGION).create_cluster(
        clusterName="enhanced", settings=[{"name": "containerInsights", "value": "enhanced"}]
    )["cluster"]["clusterArn"]
    container = [{"name": "app", "image": "nginx", "memory": 128}]
    ecs.register_task_definition(family="web", networkMode="awsvpc", containerDefinitions=container)
    ecs.register_task_definition(family="legacy", networkMode="bridge", containerDefinitions=container)
    awsvpc = _network(moto_reset, REGION)
    arns = {}
    for name, assign in (("public", "ENABLED"), ("private", "DISABLED")):
        arns[name] = ecs.create_service(
            cluster="watched",
            serviceName=name,
            taskDefinition="web",
            desiredCount=0,
            networkConfiguration={"awsvpcConfiguration": {**awsvpc, "assignPublicIp": assign}},
        )["service"]["serviceArn"]
    ecs.create_service(cluster="watched", serviceName="bridged", taskDefinition="legacy", desiredCount=0)
    watched = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/watched"
    # when both checks run over the two regions
    inv = collect(moto_reset, [PUBLIC_IP, INSIGHTS], [REGION, OTHER_REGION])
    # then the public service and the cluster without insights fail; the bridge-mode service is not judged
    assert statuses(run(inv, PUBLIC_IP)) == {arns["public"]: FAIL, arns["private"]: PASS}
    assert _reasons(inv, PUBLIC_IP)[arns["public"]] == (
        "ECS service public in cluster watched assigns public IPs (assignPublicIp ENABLED)"
    )
    assert statuses(run(inv, INSIGHTS)) == {watched: PASS, plain: FAIL, other: PASS}
    assert _reasons(inv, INSIGHTS)[plain] == (
        "ECS cluster plain does not have Container Insights (containerInsights disabled)"
    )


def test_sagemaker_model_in_vpc(moto_reset: str) -> None:
    # given a model placed in a VPC subnet and one without a VPC configuration
    sagemaker = aws(moto_reset, "sagemaker")
    role = f"arn:aws:iam::{ACCOUNT}:role/sagemaker"
    container = {"Image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/model:latest"}
    placed = sagemaker.create_model(
        ModelName="placed",
        ExecutionRoleArn=role,
        PrimaryContainer=container,
        VpcConfig={"SecurityGroupIds": ["sg-0123456789abcdef0"], "Subnets": ["subnet-0123456789abcdef0"]},
    )["ModelArn"]
    loose = sagemaker.create_model(ModelName="loose", ExecutionRoleArn=role, PrimaryContainer=container)["ModelArn"]
    # when the check runs
    inv = collect(moto_reset, [MODEL_VPC])
    # then the model without a VPC fails
    assert statuses(run(inv, MODEL_VPC)) == {placed: PASS, loose: FAIL}
    assert _reasons(inv, MODEL_VPC)[loose] == "SageMaker model loose has no VPC configuration"


MODEL_ISOLATION = "aws.sagemaker.model_network_isolation"


def test_sagemaker_models_pass_only_with_network_isolation(moto_reset: str) -> None:
    # given a model whose containers are isolated from the network and one left open (SageMaker's default)
    sagemaker = aws(moto_reset, "sagemaker")
    role = f"arn:aws:iam::{ACCOUNT}:role/sagemaker"
    container = {"Image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/model:latest"}
    sealed = sagemaker.create_model(
        ModelName="sealed", ExecutionRoleArn=role, PrimaryContainer=container, EnableNetworkIsolation=True
    )["ModelArn"]
    chatty = sagemaker.create_model(ModelName="chatty", ExecutionRoleArn=role, PrimaryContainer=container)["ModelArn"]
    # when the isolation check runs
    inv = collect(moto_reset, [MODEL_ISOLATION])
    # then the open one fails
    assert statuses(run(inv, MODEL_ISOLATION)) == {sealed: PASS, chatty: FAIL}
    assert _reasons(inv, MODEL_ISOLATION)[chatty] == "SageMaker model chatty does not run with network isolation"
