"""Seeds for the end-to-end scan: Auto Scaling launch configurations and groups, launch templates, MSK clusters,
AppSync GraphQL APIs, Transfer Family servers and EventBridge buses, one of each kind passing and one failing.

``seed_platform`` returns the failures it causes (``(check id, resource id, region)``).
"""

from __future__ import annotations

import json

from tests.integrations.aws.support import ACCOUNT, aws

AMI = "ami-12c6146b"


def seed_platform(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    return (
        _seed_autoscaling(endpoint, region)
        | _seed_msk(endpoint, region)
        | _seed_appsync(endpoint, region)
        | _seed_transfer(endpoint, region)
        | _seed_eventbridge(endpoint, region)
    )


def _seed_autoscaling(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    autoscaling = aws(endpoint, "autoscaling", region)
    base = {"ImageId": AMI, "InstanceType": "t3.micro"}
    # IMDSv2 required, no public IP: passes both launch configuration checks.
    autoscaling.create_launch_configuration(
        LaunchConfigurationName="web-hardened",
        MetadataOptions={"HttpTokens": "required"},
        AssociatePublicIpAddress=False,
        **base,
    )
    # IMDSv1 allowed, a public IP for every instance: fails both.
    autoscaling.create_launch_configuration(
        LaunchConfigurationName="web-legacy",
        MetadataOptions={"HttpTokens": "optional"},
        AssociatePublicIpAddress=True,
        **base,
    )
    group = {"LaunchConfigurationName": "web-hardened", "MinSize": 0, "MaxSize": 1}
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="web", AvailabilityZones=[f"{region}a", f"{region}b"], **group
    )
    autoscaling.create_auto_scaling_group(AutoScalingGroupName="batch", AvailabilityZones=[f"{region}a"], **group)
    configurations = {
        c["LaunchConfigurationName"]: c["LaunchConfigurationARN"]
        for c in autoscaling.describe_launch_configurations()["LaunchConfigurations"]
    }
    groups = {
        g["AutoScalingGroupName"]: g["AutoScalingGroupARN"]
        for g in autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"]
    }

    ec2 = aws(endpoint, "ec2", region)
    ec2.create_launch_template(
        LaunchTemplateName="web", LaunchTemplateData={"ImageId": AMI, "MetadataOptions": {"HttpTokens": "required"}}
    )
    # No metadata options: IMDSv1 is left allowed, and the template fails.
    legacy = ec2.create_launch_template(LaunchTemplateName="legacy", LaunchTemplateData={"ImageId": AMI})
    legacy_arn = f"arn:aws:ec2:{region}:{ACCOUNT}:launch-template/{legacy['LaunchTemplate']['LaunchTemplateId']}"
    return {
        ("aws.autoscaling.launch_configuration_imdsv2_required", configurations["web-legacy"], region),
        ("aws.autoscaling.launch_configuration_no_public_ip", configurations["web-legacy"], region),
        ("aws.autoscaling.group_multiple_azs", groups["batch"], region),
        ("aws.ec2.launch_template_imdsv2_required", legacy_arn, region),
    }


def _seed_msk(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    kafka = aws(endpoint, "kafka", region)
    kms = aws(endpoint, "kms", region)
    key = kms.create_key(Description="msk storage")["KeyMetadata"]["Arn"]
    # Rotating, so the key itself passes the KMS checks.
    kms.enable_key_rotation(KeyId=key)

    def brokers(access: str) -> dict[str, object]:
        return {
            "InstanceType": "kafka.m5.large",
            "ClientSubnets": ["subnet-0a", "subnet-0b"],
            "ConnectivityInfo": {"PublicAccess": {"Type": access}},
        }

    # TLS both ways, a customer managed key, private, broker logs in S3, IAM client authentication, per-broker
    # metrics: passes every MSK check.
    kafka.create_cluster(
        ClusterName="orders",
        KafkaVersion="3.6.0",
        NumberOfBrokerNodes=2,
        BrokerNodeGroupInfo=brokers("DISABLED"),
        EncryptionInfo={
            "EncryptionAtRest": {"DataVolumeKMSKeyId": key},
            "EncryptionInTransit": {"ClientBroker": "TLS", "InCluster": True},
        },
        LoggingInfo={"BrokerLogs": {"S3": {"Enabled": True, "Bucket": "cw-access-logs"}}},
        ClientAuthentication={"Sasl": {"Iam": {"Enabled": True}}, "Unauthenticated": {"Enabled": False}},
        EnhancedMonitoring="PER_BROKER",
    )
    # Plain text accepted, MSK's own key, public, no broker logs, no client authentication, DEFAULT monitoring: fails
    # all six.
    loose = kafka.create_cluster(
        ClusterName="clickstream",
        KafkaVersion="3.6.0",
        NumberOfBrokerNodes=2,
        BrokerNodeGroupInfo=brokers("SERVICE_PROVIDED_EIPS"),
        EncryptionInfo={"EncryptionInTransit": {"ClientBroker": "PLAINTEXT", "InCluster": True}},
    )["ClusterArn"]
    return {
        (f"aws.msk.{name}", loose, region)
        for name in (
            "cluster_encryption_in_transit",
            "cluster_encrypted_with_customer_key",
            "cluster_not_publicly_accessible",
            "cluster_broker_logging_enabled",
            "cluster_client_authentication_required",
            "cluster_enhanced_monitoring_enabled",
        )
    }


def _seed_appsync(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    appsync = aws(endpoint, "appsync", region)
    # IAM by default, resolver errors logged: passes both.
    appsync.create_graphql_api(
        name="orders",
        authenticationType="AWS_IAM",
        logConfig={"fieldLogLevel": "ERROR", "cloudWatchLogsRoleArn": f"arn:aws:iam::{ACCOUNT}:role/appsync-logs"},
    )
    # An API key by default, nothing logged: fails both.
    bare = appsync.create_graphql_api(name="catalog", authenticationType="API_KEY")["graphqlApi"]["arn"]
    return {
        ("aws.appsync.graphql_api_field_logging_enabled", bare, region),
        ("aws.appsync.graphql_api_not_api_key_authenticated", bare, region),
    }


def _seed_transfer(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    transfer = aws(endpoint, "transfer", region)
    policy = "TransferSecurityPolicy-2024-01"
    transfer.create_server(Protocols=["SFTP"], SecurityPolicyName=policy)
    # FTP beside SFTP (FTP needs a VPC endpoint and a custom identity provider): fails.
    ftp = transfer.create_server(
        Protocols=["SFTP", "FTP"],
        SecurityPolicyName=policy,
        EndpointType="VPC",
        EndpointDetails={"VpcId": "vpc-0a", "SubnetIds": ["subnet-0a"]},
        IdentityProviderType="API_GATEWAY",
        IdentityProviderDetails={
            "Url": "https://idp.example.com",
            "InvocationRole": f"arn:aws:iam::{ACCOUNT}:role/idp",
        },
    )["ServerId"]
    return {("aws.transfer.server_no_ftp", f"arn:aws:transfer:{region}:{ACCOUNT}:server/{ftp}", region)}


def _seed_eventbridge(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    events = aws(endpoint, "events", region)
    events.create_event_bus(Name="partners")
    arn = f"arn:aws:events:{region}:{ACCOUNT}:event-bus/partners"
    # Anyone may put events on the partners bus: fails. (The default bus keeps no policy and passes.)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "anyone", "Effect": "Allow", "Principal": "*", "Action": "events:PutEvents", "Resource": arn}
        ],
    }
    events.put_permission(EventBusName="partners", Policy=json.dumps(policy))
    return {("aws.eventbridge.bus_policy_not_public", arn, region)}
