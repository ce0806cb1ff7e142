"""Seeds for the end-to-end scan: a Lambda function in a VPC, and what the IAM, CloudWatch and Lambda gap checks find
in the earlier seeds.

``orders-worker`` runs in two default subnets of different zones with harmless environment variables, and passes
every Lambda check; a policy granting iam:PassRole with ec2:RunInstances fails the privilege escalation check.
``seed_lambda_and_iam_gaps`` returns that failure and the ones the earlier seeds now cause as well: the
``thumbnailer`` function runs outside any VPC, no role holds SecurityAudit, and neither console user has a hardware
MFA device (alice's is virtual, bob has none). The CIS alarms the logging seed creates all notify a topic, so the
alarm action check passes on each. AWS Config's role, a private ECS service in a cluster with Container Insights, and
a SageMaker model in the VPC pass the trust and workload checks.
"""

from __future__ import annotations

import io
import json
import zipfile

from tests.integrations.aws.support import ACCOUNT, TRUST_POLICY, aws


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handle(event, context):\n    return event\n")
    return buffer.getvalue()


def seed_lambda_and_iam_gaps(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    """Seed ``region`` (after the IAM and network seeds); return the failures to expect from these checks."""
    ec2 = aws(endpoint, "ec2", region)
    by_zone = {s["AvailabilityZone"]: s for s in ec2.describe_subnets()["Subnets"] if s["DefaultForAz"]}
    subnets = [by_zone[zone]["SubnetId"] for zone in sorted(by_zone)[:2]]
    vpc = by_zone[sorted(by_zone)[0]]["VpcId"]
    group = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]
    iam = aws(endpoint, "iam")
    role = iam.create_role(RoleName="orders-worker-exec", AssumeRolePolicyDocument=TRUST_POLICY)["Role"]["Arn"]
    # Its variables under a customer managed key (rotating, so the key passes the KMS checks).
    kms = aws(endpoint, "kms", region)
    key = kms.create_key(Description="orders-worker environment")["KeyMetadata"]["Arn"]
    kms.enable_key_rotation(KeyId=key)
    aws(endpoint, "lambda", region).create_function(
        FunctionName="orders-worker",
        Runtime="python3.12",
        Role=role,
        Handler="handler.handle",
        Code={"ZipFile": _zip()},
        Environment={"Variables": {"TABLE_NAME": "orders", "LOG_LEVEL": "info"}},
        KMSKeyArn=key,
        VpcConfig={"SubnetIds": subnets, "SecurityGroupIds": [group]},
    )
    launcher = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances"], "Resource": "*"}],
    }
    policy = iam.create_policy(PolicyName="InstanceLauncher", PolicyDocument=json.dumps(launcher))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="orders-worker-exec", PolicyArn=policy)
    # AWS Config's role, trusting the service only on this account's behalf (no confused deputy).
    config_trust = {
        "Effect": "Allow",
        "Principal": {"Service": "config.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
    }
    iam.create_role(
        RoleName="config-recorder",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [config_trust]}),
    )
    # An ECS service on the awsvpc task definition, private, in a cluster with Container Insights.
    ecs = aws(endpoint, "ecs", region)
    ecs.create_cluster(clusterName="shop", settings=[{"name": "containerInsights", "value": "enabled"}])
    ecs.create_service(
        cluster="shop",
        serviceName="storefront",
        taskDefinition="storefront",
        desiredCount=0,
        networkConfiguration={
            "awsvpcConfiguration": {"subnets": subnets, "securityGroups": [group], "assignPublicIp": "DISABLED"}
        },
    )
    # A SageMaker model whose containers run in the VPC, isolated from the network.
    aws(endpoint, "sagemaker", region).create_model(
        ModelName="ranker",
        EnableNetworkIsolation=True,
        ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/sagemaker",
        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/ranker:1"},
        VpcConfig={"SecurityGroupIds": [group], "Subnets": subnets},
    )
    # Customer policies attached to nobody: a full-admin one kept around (fails) and a scoped one (passes).
    admin = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    reader = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    dormant = iam.create_policy(PolicyName="DormantAdmin", PolicyDocument=json.dumps(admin))["Policy"]["Arn"]
    iam.create_policy(PolicyName="SpareReader", PolicyDocument=json.dumps(reader))
    return {
        ("aws.iam.unattached_policy_no_full_admin", dormant, ""),
        ("aws.iam.policy_no_privilege_escalation", policy, ""),
        ("aws.lambda.function_in_vpc", "thumbnailer", region),
        ("aws.iam.security_audit_role_exists", ACCOUNT, ""),
        *{("aws.iam.user_hardware_mfa_console", user, "") for user in ("alice", "bob")},
    }
