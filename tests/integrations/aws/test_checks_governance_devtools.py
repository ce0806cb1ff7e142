"""Governance and build-pipeline checks against moto: tag policies, CloudWatch cross-account sharing, CodeBuild
buildspecs and privileged mode, Auto Scaling groups (Spot, launch templates, ELB health checks), Fargate platform
versions and Lambda function URL CORS."""

from __future__ import annotations

import json
from typing import Any

from integrations.registry import Inventory, OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    REGION,
    TRUST_POLICY,
    aws,
    collect,
    connector,
    inventory,
    json_reply,
    lambda_function,
    only,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
AMI = "ami-12c6146b"
OTHER_ACCOUNT = "210987654321"
TAG_POLICIES = "aws.organizations.tag_policies_attached"
SHARING = "aws.iam.no_cloudwatch_sharing_role"
BUILDSPEC = "aws.codebuild.project_buildspec_not_in_source"
PRIVILEGED = "aws.codebuild.project_not_privileged"
REBALANCE = "aws.autoscaling.group_capacity_rebalance"
TEMPLATE = "aws.autoscaling.group_uses_launch_template"
ELB_HEALTH = "aws.autoscaling.group_elb_health_check"
FARGATE = "aws.ecs.service_fargate_platform_current"
CORS = "aws.lambda.function_url_cors_restricted"


def _reasons(inv: Inventory, check_id: str) -> dict[str, str]:
    return {o.resource_id: o.reason for o in run(inv, check_id)}


# --- tag policies ---------------------------------------------------------------------------------------------------


def _member(org: Any, name: str) -> str:
    return str(org.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]["AccountId"])


def _tag_policy(org: Any, name: str) -> str:
    content = json.dumps({"tags": {"owner": {"tag_key": {"@@assign": "Owner"}}}})
    created = org.create_policy(Name=name, Description=name, Content=content, Type="TAG_POLICY")
    return str(created["Policy"]["PolicySummary"]["Id"])


def test_members_need_a_tag_policy_through_themselves_their_ou_or_the_root(moto_reset: str) -> None:
    # given an organization with tag policies enabled, a member under an OU carrying a tag policy, one with a tag
    # policy of its own, and one under the root with none
    org = aws(moto_reset, "organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="TAG_POLICY")
    ou = org.create_organizational_unit(ParentId=root, Name="prod")["OrganizationalUnit"]["Id"]
    in_ou, direct, bare = _member(org, "in-ou"), _member(org, "direct"), _member(org, "bare")
    org.move_account(AccountId=in_ou, SourceParentId=root, DestinationParentId=ou)
    org.attach_policy(PolicyId=_tag_policy(org, "owner-tags"), TargetId=ou)
    org.attach_policy(PolicyId=_tag_policy(org, "cost-tags"), TargetId=direct)
    # when the check runs
    outcomes = scan(moto_reset, TAG_POLICIES)
    # then only the member no tag policy reaches fails (the management account is not judged)
    assert statuses(outcomes) == {in_ou: PASS, direct: PASS, bare: FAIL}
    by_id = {o.resource_id: o for o in outcomes}
    assert (by_id[in_ou].observed["tag_policies"], by_id[in_ou].observed["attached_to"]) == (["owner-tags"], [ou])
    assert by_id[bare].reason == f"No tag policy is attached to account {bare}, its OUs or the root"
    assert by_id[direct].reason == f"Account {direct} is governed by tag policy(ies) cost-tags"


def test_tag_policies_judge_no_standalone_account_and_a_refused_lookup_is_an_error(moto_reset: str) -> None:
    # given an account in no organization
    # when the check runs, then it yields nothing (aws.organizations.scps_attached fails the account instead)
    assert scan(moto_reset, TAG_POLICIES) == []
    # given an organization whose policy lookups are refused (as for a member account)
    org = aws(moto_reset, "organizations")
    org.create_organization(FeatureSet="ALL")
    member = _member(org, "member")
    built = connector(moto_reset)
    built.session.events.register(
        "before-send.organizations.ListPoliciesForTarget",
        lambda **_: json_reply({"__type": "AccessDeniedException", "Message": "denied"}, 400),
    )
    # when the check runs, then that account gets an error outcome
    outcome = only(run(built.collect({"organizations"}), TAG_POLICIES))
    assert (outcome.resource_id, outcome.status) == (member, ERROR)
    assert "AccessDeniedException" in outcome.reason


# --- CloudWatch cross-account sharing -------------------------------------------------------------------------------


def test_cloudwatch_sharing_role_fails_the_account(moto_reset: str) -> None:
    # given an account without the sharing role
    # when the check runs, then the account passes
    outcome = only(scan(moto_reset, SHARING))
    assert (outcome.resource_id, outcome.status) == (ACCOUNT, PASS)
    # given the role CloudWatch creates to share the account's data with a monitoring account
    iam = aws(moto_reset, "iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
        ],
    }
    iam.create_role(RoleName="CloudWatch-CrossAccountSharingRole", AssumeRolePolicyDocument=json.dumps(trust))
    reading = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "cloudwatch:Get*", "Resource": "*"}],
    }
    policy = iam.create_policy(PolicyName="cloudwatch-read", PolicyDocument=json.dumps(reading))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="CloudWatch-CrossAccountSharingRole", PolicyArn=policy)
    # and an unrelated role
    iam.create_role(RoleName="CloudWatch-Reader", AssumeRolePolicyDocument=TRUST_POLICY)
    # when the check runs
    outcome = only(scan(moto_reset, SHARING))
    # then the account fails, naming the account the data is shared with and what the role may read
    assert (outcome.resource_id, outcome.status) == (ACCOUNT, FAIL)
    assert outcome.reason == (
        f"Role CloudWatch-CrossAccountSharingRole shares CloudWatch data with {OTHER_ACCOUNT} (cloudwatch-read)"
    )


# --- CodeBuild ------------------------------------------------------------------------------------------------------


def _project(endpoint: str, name: str, source: dict[str, Any], **environment: Any) -> str:
    created = aws(endpoint, "codebuild").create_project(
        name=name,
        source=source,
        artifacts={"type": "NO_ARTIFACTS"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
            **environment,
        },
        serviceRole=f"arn:aws:iam::{ACCOUNT}:role/codebuild",
    )
    return str(created["project"]["arn"])


def test_buildspecs_from_the_repository_fail(moto_reset: str) -> None:
    repo = "https://github.com/example/app"
    # given a GitHub project with no buildspec named (buildspec.yml in the repository), one naming a file in it,
    # one with its buildspec inline, one reading it from S3, and an S3-sourced project (not judged)
    default = _project(moto_reset, "default-spec", {"type": "GITHUB", "location": repo})
    path = _project(moto_reset, "path-spec", {"type": "GITHUB", "location": repo, "buildspec": "ci/build.yml"})
    inline = _project(
        moto_reset,
        "inline-spec",
        {"type": "GITHUB", "location": repo, "buildspec": "version: 0.2\nphases:\n  build:\n    commands: [make]\n"},
    )
    from_s3 = _project(
        moto_reset,
        "s3-spec",
        {"type": "CODECOMMIT", "location": repo, "buildspec": "arn:aws:s3:::build-specs/app/buildspec.yml"},
    )
    _project(moto_reset, "s3-source", {"type": "S3", "location": "artifacts-bucket/app.zip"})
    # when the check runs
    inv = collect(moto_reset, [BUILDSPEC])
    # then the projects taking their commands from the repository fail
    assert statuses(run(inv, BUILDSPEC)) == {default: FAIL, path: FAIL, inline: PASS, from_s3: PASS}
    reasons = _reasons(inv, BUILDSPEC)
    assert reasons[default] == (
        "CodeBuild project default-spec takes its buildspec from its GITHUB source, where pushes can change it"
    )
    assert reasons[from_s3] == (
        "CodeBuild project s3-spec takes its buildspec from an S3 object, not from its CODECOMMIT source"
    )
    # and the buildspec's text never reaches the inventory
    assert "make" not in json.dumps(inv.data["codebuild"])


def test_privileged_builds_fail(moto_reset: str) -> None:
    source = {"type": "GITHUB", "location": "https://github.com/example/app"}
    # given a project building in privileged mode and one left at CodeBuild's default
    privileged = _project(moto_reset, "docker-builds", source, privilegedMode=True)
    plain = _project(moto_reset, "unit-tests", source)
    # when the check runs
    inv = collect(moto_reset, [PRIVILEGED])
    # then the privileged one fails
    assert statuses(run(inv, PRIVILEGED)) == {privileged: FAIL, plain: PASS}
    assert _reasons(inv, PRIVILEGED)[privileged] == "CodeBuild project docker-builds runs its builds in privileged mode"


# --- Auto Scaling groups -------------------------------------------------------------------------------------------


def _template(endpoint: str, name: str) -> str:
    data = {"ImageId": AMI, "InstanceType": "t3.micro"}
    created = aws(endpoint, "ec2").create_launch_template(LaunchTemplateName=name, LaunchTemplateData=data)
    return str(created["LaunchTemplate"]["LaunchTemplateId"])


def _group(endpoint: str, name: str, **settings: Any) -> str:
    autoscaling = aws(endpoint, "autoscaling")
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name, MinSize=0, MaxSize=2, AvailabilityZones=[f"{REGION}a"], **settings
    )
    described = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]
    return str(described[0]["AutoScalingGroupARN"])


def _mixed(template: str, on_demand_share: int) -> dict[str, Any]:
    return {
        "LaunchTemplate": {
            "LaunchTemplateSpecification": {"LaunchTemplateName": template},
            "Overrides": [{"InstanceType": "t3.micro"}, {"InstanceType": "t3a.micro"}],
        },
        "InstancesDistribution": {
            "OnDemandBaseCapacity": 0,
            "OnDemandPercentageAboveBaseCapacity": on_demand_share,
            "SpotAllocationStrategy": "price-capacity-optimized",
        },
    }


def test_spot_groups_need_capacity_rebalancing(moto_reset: str) -> None:
    autoscaling = aws(moto_reset, "autoscaling")
    _template(moto_reset, "workers")
    autoscaling.create_launch_configuration(
        LaunchConfigurationName="spot-config", ImageId=AMI, InstanceType="t3.micro", SpotPrice="0.02"
    )
    autoscaling.create_launch_configuration(LaunchConfigurationName="on-demand", ImageId=AMI, InstanceType="t3.micro")
    # given a mixed group buying Spot with rebalancing on, a Spot launch configuration's group without it,
    # an on-demand launch configuration's group and a mixed group buying only on demand (neither judged)
    rebalanced = _group(moto_reset, "spot-mixed", MixedInstancesPolicy=_mixed("workers", 20), CapacityRebalance=True)
    unbalanced = _group(moto_reset, "spot-config", LaunchConfigurationName="spot-config")
    _group(moto_reset, "on-demand", LaunchConfigurationName="on-demand")
    _group(moto_reset, "mixed-on-demand", MixedInstancesPolicy=_mixed("workers", 100))
    # when the check runs
    inv = collect(moto_reset, [REBALANCE])
    # then only the Spot groups are judged, by their rebalancing setting
    assert statuses(run(inv, REBALANCE)) == {rebalanced: PASS, unbalanced: FAIL}
    assert _reasons(inv, REBALANCE)[unbalanced] == (
        "Auto Scaling group spot-config runs Spot Instances (launch configuration spot-config, which asks for Spot "
        "Instances) and has Capacity Rebalancing off"
    )


def test_groups_launch_from_templates(moto_reset: str) -> None:
    _template(moto_reset, "web")
    aws(moto_reset, "autoscaling").create_launch_configuration(
        LaunchConfigurationName="legacy", ImageId=AMI, InstanceType="t3.micro"
    )
    # given a group on a launch template, one on a mixed instances policy's template and one on a launch configuration
    templated = _group(moto_reset, "templated", LaunchTemplate={"LaunchTemplateName": "web"})
    mixed = _group(moto_reset, "mixed", MixedInstancesPolicy=_mixed("web", 50))
    legacy = _group(moto_reset, "legacy", LaunchConfigurationName="legacy")
    # when the check runs
    inv = collect(moto_reset, [TEMPLATE])
    # then the launch configuration's group fails
    assert statuses(run(inv, TEMPLATE)) == {templated: PASS, mixed: PASS, legacy: FAIL}
    assert _reasons(inv, TEMPLATE)[legacy] == "Auto Scaling group legacy launches from launch configuration legacy"


def test_groups_behind_load_balancers_use_elb_health_checks(moto_reset: str) -> None:
    aws(moto_reset, "elb").create_load_balancer(
        LoadBalancerName="front",
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 8080}],
        AvailabilityZones=[f"{REGION}a"],
    )
    _template(moto_reset, "app")
    template = {"LaunchTemplate": {"LaunchTemplateName": "app"}}
    # given two groups behind the load balancer, one using its health checks and one EC2 status checks only,
    # and a group behind no load balancer (not judged)
    checked = _group(moto_reset, "checked", LoadBalancerNames=["front"], HealthCheckType="ELB", **template)
    unchecked = _group(moto_reset, "unchecked", LoadBalancerNames=["front"], HealthCheckType="EC2", **template)
    _group(moto_reset, "batch", **template)
    # when the check runs
    inv = collect(moto_reset, [ELB_HEALTH])
    # then the group ignoring the load balancer's view fails
    assert statuses(run(inv, ELB_HEALTH)) == {checked: PASS, unchecked: FAIL}
    assert _reasons(inv, ELB_HEALTH)[unchecked] == (
        "Auto Scaling group unchecked, attached to 1 load balancer(s) or target group(s), does not use ELB health "
        "checks (HealthCheckType EC2)"
    )


# --- Fargate platform versions --------------------------------------------------------------------------------------


def test_fargate_services_run_the_current_platform(moto_reset: str) -> None:
    ecs = aws(moto_reset, "ecs")
    ecs.create_cluster(clusterName="apps")
    ecs.register_task_definition(
        family="web",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "app", "image": "nginx", "memory": 512}],
    )
    arns = {}
    # given Fargate services pinned to 1.3.0, pinned to 1.4.0, and leaving the version to Fargate (LATEST),
    # and a service on EC2 (not judged)
    for name, version in (("pinned-old", "1.3.0"), ("pinned-current", "1.4.0"), ("latest", None)):
        settings = {"platformVersion": version} if version else {}
        arns[name] = ecs.create_service(
            cluster="apps", serviceName=name, taskDefinition="web", desiredCount=0, launchType="FARGATE", **settings
        )["service"]["serviceArn"]
    ecs.create_service(cluster="apps", serviceName="on-ec2", taskDefinition="web", desiredCount=0, launchType="EC2")
    # when the check runs
    inv = collect(moto_reset, [FARGATE])
    # then the service pinned to the older version fails
    assert statuses(run(inv, FARGATE)) == {arns["pinned-old"]: FAIL, arns["pinned-current"]: PASS, arns["latest"]: PASS}
    reasons = _reasons(inv, FARGATE)
    assert reasons[arns["pinned-old"]] == (
        "ECS service pinned-old in cluster apps is pinned to Fargate platform version 1.3.0, older than the current "
        "1.4.0 (LINUX)"
    )
    assert reasons[arns["latest"]] == (
        "ECS service latest in cluster apps runs Fargate platform version LATEST (LINUX; current is 1.4.0)"
    )


# --- Lambda function URL CORS ---------------------------------------------------------------------------------------


def _function(endpoint: str, name: str, **url: Any) -> str:
    lambda_function(endpoint, name)
    if url:
        aws(endpoint, "lambda").create_function_url_config(FunctionName=name, **url)
    return name


def test_function_url_cors_admits_named_origins_only(moto_reset: str) -> None:
    # given function URLs whose CORS allows every origin, one named origin, and no CORS at all,
    # and a function without a URL (not judged)
    anyone = _function(moto_reset, "open-cors", AuthType="NONE", Cors={"AllowOrigins": ["*"]})
    named = _function(moto_reset, "named-cors", AuthType="AWS_IAM", Cors={"AllowOrigins": ["https://app.example.com"]})
    without = _function(moto_reset, "no-cors", AuthType="AWS_IAM")
    _function(moto_reset, "no-url")
    # when the check runs
    inv = collect(moto_reset, [CORS])
    # then only the URL admitting every origin fails
    assert statuses(run(inv, CORS)) == {anyone: FAIL, named: PASS, without: PASS}
    reasons = _reasons(inv, CORS)
    assert reasons[anyone] == "Function open-cors URL's CORS configuration allows every origin (*)"
    assert reasons[named] == "Function named-cors URL's CORS configuration allows only https://app.example.com"


def test_tag_policies_fail_an_organization_with_consolidated_billing_only(moto_reset: str) -> None:
    # given an organization created with consolidated billing only (no policy types at all)
    org = aws(moto_reset, "organizations")
    org.create_organization(FeatureSet="CONSOLIDATED_BILLING")
    _member(org, "member")
    # when the check runs
    outcome = only(scan(moto_reset, TAG_POLICIES))
    # then the scanned account fails, saying why
    assert (outcome.resource_id, outcome.status) == (ACCOUNT, FAIL)
    assert outcome.reason == "The organization uses consolidated billing only, which has no tag policies"


def test_fargate_spot_services_are_judged_through_their_capacity_provider() -> None:
    # given (hand-built: moto drops a service's capacityProviderStrategy and reports launch type EC2) a service placed
    # by a FARGATE_SPOT capacity provider on an old platform version, one on an EC2 Auto Scaling capacity provider, and
    # a Windows Fargate service on Windows' current version
    arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/spot/"
    services = [
        {
            "name": "queue",
            "arn": arn + "queue",
            "awsvpc": True,
            "assign_public_ip": "DISABLED",
            "launch_type": None,
            "capacity_providers": ["FARGATE_SPOT"],
            "platform_version": "1.3.0",
            "platform_family": "LINUX",
        },
        {
            "name": "hosts",
            "arn": arn + "hosts",
            "awsvpc": True,
            "assign_public_ip": "DISABLED",
            "launch_type": None,
            "capacity_providers": ["asg-provider"],
            "platform_version": None,
            "platform_family": None,
        },
        {
            "name": "win",
            "arn": arn + "win",
            "awsvpc": True,
            "assign_public_ip": "DISABLED",
            "launch_type": "FARGATE",
            "capacity_providers": [],
            "platform_version": "1.0.0",
            "platform_family": "WINDOWS_SERVER_2022_CORE",
        },
    ]
    cluster = {"name": "spot", "arn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/spot", "container_insights": None}
    inv = inventory(
        ecs={"regions": {REGION: {"task_definitions": [], "clusters": [{**cluster, "services": services}]}}}
    )
    # when the check runs
    outcomes = run(inv, FARGATE)
    # then the Fargate Spot service fails, the Windows one passes and the EC2-backed one is not judged
    assert statuses(outcomes) == {arn + "queue": FAIL, arn + "win": PASS}
