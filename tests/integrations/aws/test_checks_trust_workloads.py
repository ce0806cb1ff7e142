"""IAM trust and ECS/SageMaker workload checks against moto: service trusts without a source condition, sts:AssumeRole
on every role, ECS public IPs and Container Insights, and SageMaker models outside a VPC."""

from __future__ import annotations

import json
from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import ACCOUNT, OTHER_REGION, REGION, TRUST_POLICY, aws, collect, run, statuses

PASS, FAIL = OutcomeStatus.PASS, OutcomeStatus.FAIL
DEPUTY = "aws.iam.role_trust_confused_deputy"
ASSUME = "aws.iam.policy_no_wildcard_assume_role"
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
