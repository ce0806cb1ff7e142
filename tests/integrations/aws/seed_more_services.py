"""Seeds for the end-to-end scan: one resource for each check of the December batch that the older seeds leave
without an outcome (DataSync, SageMaker training jobs and endpoint configurations, DMS replication tasks, FSx,
Neptune snapshots, ElastiCache subnet groups, VPC endpoint services, Auto Scaling on Spot, Fargate services, an
internet-facing instance profile), and Bedrock invocation logging, an agent and a custom model in one region.

``seed_more_services`` returns the failures it causes (``(check id, resource id, region)``). It runs after the other
seeds: it reuses the DMS endpoints and replication instance, the Neptune cluster without encryption, the ECS cluster
and task definition, the SageMaker model, the web target group and launch template, and an instance of the other
region.
"""

from __future__ import annotations

import json

from tests.integrations.aws.support import ACCOUNT, aws

ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-work"


def seed_more_services(endpoint: str, region: str, *, other_region: str, instance: str) -> set[tuple[str, str, str]]:
    failures = _seed_logging_and_ml(endpoint, region)
    failures |= _seed_storage(endpoint, region)
    failures |= _seed_compute(endpoint, region)
    _give_instance_a_profile(endpoint, other_region, instance)
    return failures


def _default_subnets(endpoint: str, region: str) -> list[str]:
    subnets = aws(endpoint, "ec2", region).describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])
    return sorted(s["SubnetId"] for s in subnets["Subnets"])[:2]


def _seed_logging_and_ml(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    # Bedrock logs its invocations in this region only (the other scanned region fails), to a log group kept a year
    # under a rotated customer managed key: passes the destination's encryption check.
    kms = aws(endpoint, "kms", region)
    key = kms.create_key(Description="bedrock invocation logs")["KeyMetadata"]["Arn"]
    kms.enable_key_rotation(KeyId=key)
    logs = aws(endpoint, "logs", region)
    logs.create_log_group(logGroupName="bedrock-invocations", kmsKeyId=key)
    logs.put_retention_policy(logGroupName="bedrock-invocations", retentionInDays=365)
    aws(endpoint, "bedrock", region).put_model_invocation_logging_configuration(
        loggingConfig={"cloudWatchConfig": {"logGroupName": "bedrock-invocations", "roleArn": ROLE}}
    )
    # An agent behind a guardrail, under a role of its own and the same key, and a model tuned under that key: pass.
    aws(endpoint, "bedrock-agent", region).create_agent(
        agentName="support",
        agentResourceRoleArn=f"arn:aws:iam::{ACCOUNT}:role/support-agent",
        foundationModel="anthropic.claude-3-5-sonnet-20240620-v1:0",
        guardrailConfiguration={"guardrailIdentifier": "gr-support", "guardrailVersion": "1"},
        customerEncryptionKeyArn=key,
    )
    aws(endpoint, "bedrock", region).create_model_customization_job(
        jobName="support-tuning",
        customModelName="support-tuned",
        roleArn=ROLE,
        baseModelIdentifier="amazon.titan-text-express-v1",
        trainingDataConfig={"s3Uri": "s3://cw-config/train.jsonl"},
        outputDataConfig={"s3Uri": "s3://cw-config/tuned/"},
        hyperParameters={"epochCount": "1"},
        customModelKmsKeyId=key,
    )
    # A guardrail blocking prompt attacks at high strength, masking e-mail addresses in answers and blocking answers
    # its sources do not support: passes the three guardrail checks; a draft holding only a word filter fails them.
    bedrock = aws(endpoint, "bedrock", region)
    messages = {"blockedInputMessaging": "Blocked.", "blockedOutputsMessaging": "Blocked."}
    bedrock.create_guardrail(
        name="support",
        contentPolicyConfig={
            "filtersConfig": [{"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"}]
        },
        sensitiveInformationPolicyConfig={"piiEntitiesConfig": [{"type": "EMAIL", "action": "ANONYMIZE"}]},
        contextualGroundingPolicyConfig={
            "filtersConfig": [{"type": "GROUNDING", "threshold": 0.75}, {"type": "RELEVANCE", "threshold": 0.5}]
        },
        **messages,
    )
    draft = bedrock.create_guardrail(
        name="draft", wordPolicyConfig={"wordsConfig": [{"text": "internal-only"}]}, **messages
    )["guardrailArn"]
    # A DataSync task at DataSync's default log level, OFF, with no log group: fails.
    datasync = aws(endpoint, "datasync", region)
    source, target = (
        datasync.create_location_s3(S3BucketArn=f"arn:aws:s3:::cw-{side}", S3Config={"BucketAccessRoleArn": ROLE})[
            "LocationArn"
        ]
        for side in ("config", "flow-logs")
    )
    task = datasync.create_task(SourceLocationArn=source, DestinationLocationArn=target, Name="copy-config")["TaskArn"]
    sagemaker = aws(endpoint, "sagemaker", region)
    # A training job on two instances with no key, no VPC, no encryption between them and no isolation: fails all four.
    job = sagemaker.create_training_job(
        TrainingJobName="churn-2026",
        AlgorithmSpecification={
            "TrainingImage": f"{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/xgb:1",
            "TrainingInputMode": "File",
        },
        RoleArn=ROLE,
        OutputDataConfig={"S3OutputPath": "s3://cw-config/models"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 2, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )["TrainingJobArn"]
    # A Studio domain with SageMaker's defaults (IAM sign-in, public internet access, AWS managed key): fails the three
    # domain checks.
    default_vpc = aws(endpoint, "ec2", region).describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])
    domain = sagemaker.create_domain(
        DomainName="analysts",
        AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": ROLE},
        SubnetIds=_default_subnets(endpoint, region),
        VpcId=default_vpc["Vpcs"][0]["VpcId"],
    )["DomainArn"]
    # An endpoint configuration serving the VPC model on one instance, without a key: fails both.
    config = sagemaker.create_endpoint_config(
        EndpointConfigName="ranker-live",
        ProductionVariants=[
            {"VariantName": "main", "ModelName": "ranker", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}
        ],
    )["EndpointConfigArn"]
    # A DMS task between the seeded endpoints with its logging turned off: fails both task checks.
    dms = aws(endpoint, "dms", region)
    endpoints = {e["EndpointIdentifier"]: e["EndpointArn"] for e in dms.describe_endpoints()["Endpoints"]}
    instances = dms.describe_replication_instances()["ReplicationInstances"]
    migrate = next(i["ReplicationInstanceArn"] for i in instances if i["ReplicationInstanceIdentifier"] == "migrate")
    replication = dms.create_replication_task(
        ReplicationTaskIdentifier="orders-copy",
        SourceEndpointArn=endpoints["orders-src"],
        TargetEndpointArn=endpoints["orders-copy"],
        ReplicationInstanceArn=migrate,
        MigrationType="full-load-and-cdc",
        TableMappings=json.dumps({"rules": []}),
        ReplicationTaskSettings=json.dumps({"Logging": {"EnableLogging": False}}),
    )["ReplicationTask"]["ReplicationTaskArn"]
    return {
        ("aws.datasync.task_logging_enabled", task, region),
        *{(f"aws.sagemaker.domain_{name}", domain, region) for name in ("sso_auth", "vpc_only", "customer_key")},
        *{
            (f"aws.bedrock.guardrail_{name}", draft, region)
            for name in ("prompt_attack_filter", "sensitive_information_filter", "contextual_grounding")
        },
        *{
            (f"aws.sagemaker.training_job_{name}", job, region)
            for name in ("kms_encrypted", "in_vpc", "inter_container_encryption", "network_isolation")
        },
        *{
            (f"aws.sagemaker.endpoint_config_{name}", config, region)
            for name in ("kms_encrypted", "variant_multiple_instances")
        },
        *{(f"aws.dms.replication_task_{side}_logging", replication, region) for side in ("source", "target")},
    }


def _seed_storage(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    subnets = _default_subnets(endpoint, region)
    fsx = aws(endpoint, "fsx", region)
    # Windows on one zone without copying tags to backups (both AWS's defaults): fails both Windows checks.
    windows = fsx.create_file_system(
        FileSystemType="WINDOWS",
        StorageCapacity=32,
        SubnetIds=subnets[:1],
        WindowsConfiguration={"ThroughputCapacity": 8},
    )["FileSystem"]["ResourceARN"]
    # OpenZFS copying tags to its backups but not to its volumes: passes one, fails the other.
    zfs = fsx.create_file_system(
        FileSystemType="OPENZFS",
        StorageCapacity=64,
        SubnetIds=subnets[:1],
        OpenZFSConfiguration={
            "DeploymentType": "SINGLE_AZ_1",
            "ThroughputCapacity": 64,
            "CopyTagsToBackups": True,
            "CopyTagsToVolumes": False,
        },
    )["FileSystem"]["ResourceARN"]
    # A manual snapshot of the unencrypted Neptune cluster, restorable by anyone: fails both snapshot checks.
    neptune = aws(endpoint, "neptune", region)
    snapshot = neptune.create_db_cluster_snapshot(
        DBClusterIdentifier="scratch-graph", DBClusterSnapshotIdentifier="scratch-graph-manual"
    )["DBClusterSnapshot"]["DBClusterSnapshotArn"]
    neptune.modify_db_cluster_snapshot_attribute(
        DBClusterSnapshotIdentifier="scratch-graph-manual", AttributeName="restore", ValuesToAdd=["all"]
    )
    # A cache cluster in a subnet group of the default VPC's subnets, none routed to an internet gateway: passes.
    elasticache = aws(endpoint, "elasticache", region)
    elasticache.create_cache_subnet_group(
        CacheSubnetGroupName="private-cache", CacheSubnetGroupDescription="private", SubnetIds=subnets
    )
    elasticache.create_cache_cluster(
        CacheClusterId="sessions-private",
        Engine="redis",
        CacheNodeType="cache.t3.micro",
        NumCacheNodes=1,
        CacheSubnetGroupName="private-cache",
        AutoMinorVersionUpgrade=True,
    )
    return {
        ("aws.fsx.file_system_copy_tags_to_backups", windows, region),
        ("aws.fsx.windows_file_system_multi_az", windows, region),
        ("aws.fsx.openzfs_copy_tags_to_volumes", zfs, region),
        ("aws.neptune.cluster_snapshot_not_public", snapshot, region),
        ("aws.neptune.cluster_snapshot_encrypted", snapshot, region),
    }


def _seed_compute(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    subnets = _default_subnets(endpoint, region)
    # An endpoint service any principal may connect to, accepting every request unasked: fails both.
    ec2, elbv2 = aws(endpoint, "ec2", region), aws(endpoint, "elbv2", region)
    # Behind a network load balancer across two zones, balancing across them, that logs its access and cannot be
    # deleted by mistake.
    balancer = elbv2.create_load_balancer(Name="partner-api", Type="network", Scheme="internal", Subnets=subnets)[
        "LoadBalancers"
    ][0]["LoadBalancerArn"]
    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=balancer,
        Attributes=[
            {"Key": f"{key}.enabled", "Value": "true"}
            for key in ("access_logs.s3", "deletion_protection", "load_balancing.cross_zone")
        ],
    )
    # Serving TCP 443 to its targets.
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    partners = elbv2.create_target_group(Name="partner-api", Protocol="TCP", Port=443, VpcId=vpc)["TargetGroups"][0]
    elbv2.create_listener(
        LoadBalancerArn=balancer,
        Protocol="TCP",
        Port=443,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": partners["TargetGroupArn"]}],
    )
    service = ec2.create_vpc_endpoint_service_configuration(
        NetworkLoadBalancerArns=[balancer], AcceptanceRequired=False
    )["ServiceConfiguration"]["ServiceId"]
    ec2.modify_vpc_endpoint_service_permissions(ServiceId=service, AddAllowedPrincipals=["*"])
    # A Spot group on the hardened launch template that rebalances capacity and takes the target group's health
    # checks, across two zones: passes every Auto Scaling group check.
    target_group = elbv2.describe_target_groups(Names=["web"])["TargetGroups"][0]
    aws(endpoint, "autoscaling", region).create_auto_scaling_group(
        AutoScalingGroupName="spot-web",
        MinSize=0,
        MaxSize=2,
        AvailabilityZones=[f"{region}a", f"{region}b"],
        MixedInstancesPolicy={
            "LaunchTemplate": {"LaunchTemplateSpecification": {"LaunchTemplateName": "web", "Version": "$Latest"}},
            "InstancesDistribution": {"OnDemandPercentageAboveBaseCapacity": 0},
        },
        CapacityRebalance=True,
        TargetGroupARNs=[target_group["TargetGroupArn"]],
        HealthCheckType="ELB",
    )
    # A private Fargate service pinned to platform 1.3.0: fails the platform check only.
    group = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]["GroupId"]
    fargate = aws(endpoint, "ecs", region).create_service(
        cluster="shop",
        serviceName="checkout",
        taskDefinition="storefront",
        desiredCount=0,
        launchType="FARGATE",
        platformVersion="1.3.0",
        networkConfiguration={
            "awsvpcConfiguration": {"subnets": subnets, "securityGroups": [group], "assignPublicIp": "DISABLED"}
        },
    )["service"]["serviceArn"]
    return {
        ("aws.vpc.endpoint_service_principals_restricted", service, region),
        ("aws.vpc.endpoint_service_acceptance_required", service, region),
        ("aws.ecs.service_fargate_platform_current", fargate, region),
    }


def _give_instance_a_profile(endpoint: str, region: str, instance: str) -> None:
    # A public instance whose security groups admit nothing from the internet: with a profile, it passes the
    # internet-facing check (and the profile check it failed without one).
    iam = aws(endpoint, "iam")
    iam.create_instance_profile(InstanceProfileName="reporting")
    aws(endpoint, "ec2", region).associate_iam_instance_profile(
        IamInstanceProfile={"Name": "reporting"}, InstanceId=instance
    )
