"""End to end: a moto account seeded with known misconfigurations, collected and scanned by every check."""

from __future__ import annotations

import json
from typing import Any

from integrations.providers.aws.checks.cloudwatch import ALARM_SPECS
from integrations.registry import REVOCATION_CHECK_SUFFIX, OutcomeStatus
from tests.integrations.aws.filter_patterns import PATTERNS
from tests.integrations.aws.seed_access_points_dax import seed_access_points_and_dax
from tests.integrations.aws.seed_added_later import seed_added_later
from tests.integrations.aws.seed_apigateway_opensearch import seed_apigateway_and_opensearch
from tests.integrations.aws.seed_beanstalk_athena_glacier import seed_beanstalk_athena_glacier
from tests.integrations.aws.seed_containers import seed_containers
from tests.integrations.aws.seed_databases_application import seed_databases_and_application
from tests.integrations.aws.seed_devtools import seed_devtools
from tests.integrations.aws.seed_directory_delivery import seed_directory_and_delivery
from tests.integrations.aws.seed_ec2_exposure import default_subnets, seed_ec2_exposure
from tests.integrations.aws.seed_ec2_settings import seed_ec2_settings
from tests.integrations.aws.seed_lambda_iam_gaps import seed_lambda_and_iam_gaps
from tests.integrations.aws.seed_more_services import seed_more_services
from tests.integrations.aws.seed_network_compute import seed_network_compute
from tests.integrations.aws.seed_platform import seed_platform
from tests.integrations.aws.seed_redshift_logs import seed_redshift_and_logs
from tests.integrations.aws.seed_sagemaker_emr import seed_sagemaker_and_emr
from tests.integrations.aws.seed_service_gaps import seed_service_gaps
from tests.integrations.aws.seed_storage import seed_deployer_role, seed_storage
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    aws,
    aws_checks,
    connector,
    emr_by_region,
    features_reply,
    json_reply,
    services_for,
)
from tests.moto_additions.ssm import agent_reports

EAST, WEST = REGION, OTHER_REGION


def _seed_ssm_agents(endpoint: str, managed: str) -> set[tuple[str, str, str]]:
    """The SSM Agent of one west instance reports in; every other running instance, in either region, has none."""
    agent_reports(endpoint, WEST, managed)
    running = [{"Name": "instance-state-name", "Values": ["running"]}]
    return {
        ("aws.ec2.instance_managed_by_ssm", instance["InstanceId"], region)
        for region in (EAST, WEST)
        for reservation in aws(endpoint, "ec2", region).describe_instances(Filters=running)["Reservations"]
        for instance in reservation["Instances"]
        if instance["InstanceId"] != managed
    }


AMI = "ami-12c6146b"
LOG_GROUP = "org-trail-events"
ALL_ON = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}


def _doc(action: Any, resource: Any = "*") -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}
    )


def _seed_iam(endpoint: str) -> dict[str, str]:
    iam = aws(endpoint, "iam")
    # Everything but symbols: only the complexity check should fail.
    iam.update_account_password_policy(
        MinimumPasswordLength=14,
        PasswordReusePrevention=24,
        MaxPasswordAge=90,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
        RequireNumbers=True,
        RequireSymbols=False,
    )
    admin_arn = iam.create_policy(PolicyName="FullAdmin", PolicyDocument=_doc("*"))["Policy"]["Arn"]
    reader_arn = iam.create_policy(PolicyName="ReadBuckets", PolicyDocument=_doc(["s3:Get*", "s3:List*"]))["Policy"][
        "Arn"
    ]
    iam.create_group(GroupName="admins")
    iam.attach_group_policy(GroupName="admins", PolicyArn=admin_arn)
    # alice: console user with MFA, permissions through a group.
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="Correct-Horse-Battery-1")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(
        UserName="alice", SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
    )
    iam.add_user_to_group(GroupName="admins", UserName="alice")
    # bob: console user without MFA, with an access key he never used.
    iam.create_user(UserName="bob")
    iam.create_login_profile(UserName="bob", Password="Correct-Horse-Battery-2")
    iam.create_access_key(UserName="bob")
    # ci-bot: API-only, two active keys and a directly attached policy.
    iam.create_user(UserName="ci-bot")
    iam.create_access_key(UserName="ci-bot")
    iam.create_access_key(UserName="ci-bot")
    iam.attach_user_policy(UserName="ci-bot", PolicyArn=reader_arn)
    iam.upload_server_certificate(
        ServerCertificateName="legacy-lb",
        CertificateBody="-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
        PrivateKey="-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----",
    )
    return {"admin_policy": admin_arn}


def _seed_s3(endpoint: str) -> None:
    s3 = aws(endpoint, "s3")
    s3.create_bucket(Bucket="cw-access-logs")
    s3.put_bucket_acl(Bucket="cw-access-logs", ACL="log-delivery-write")
    s3.create_bucket(Bucket="cw-trail-logs")
    s3.put_public_access_block(Bucket="cw-trail-logs", PublicAccessBlockConfiguration=ALL_ON)
    s3.put_bucket_encryption(
        Bucket="cw-trail-logs",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_bucket_versioning(Bucket="cw-trail-logs", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_ownership_controls(
        Bucket="cw-trail-logs", OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    s3.put_bucket_policy(
        Bucket="cw-trail-logs",
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": {"AWS": "*"},
                        "Action": "s3:*",
                        "Resource": ["arn:aws:s3:::cw-trail-logs", "arn:aws:s3:::cw-trail-logs/*"],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            }
        ),
    )
    s3.put_bucket_logging(
        Bucket="cw-trail-logs",
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": "cw-access-logs", "TargetPrefix": "trail/"}},
    )


def _seed_network_and_compute(endpoint: str) -> dict[str, Any]:
    east, west = aws(endpoint, "ec2", EAST), aws(endpoint, "ec2", WEST)
    east.enable_ebs_encryption_by_default()
    ids: dict[str, Any] = {}
    ids["plain_volume"] = east.create_volume(AvailabilityZone="us-east-1a", Size=8, Encrypted=False)["VolumeId"]
    encrypted = east.create_volume(AvailabilityZone="us-east-1a", Size=8, Encrypted=True)["VolumeId"]
    ids["volumes"] = {ids["plain_volume"], encrypted}
    for region, ec2 in ((EAST, east), (WEST, west)):
        vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
        ids[f"vpc_{region}"] = vpc
        ids[f"default_sg_{region}"] = ec2.describe_security_groups(
            Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
        )["SecurityGroups"][0]["GroupId"]
        ids[f"acls_{region}"] = {a["NetworkAclId"] for a in ec2.describe_network_acls()["NetworkAcls"]}
    ssh = east.create_security_group(GroupName="ssh-open", Description="ssh", VpcId=ids[f"vpc_{EAST}"])["GroupId"]
    east.authorize_security_group_ingress(
        GroupId=ssh,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    rdp6 = west.create_security_group(GroupName="rdp-v6", Description="rdp", VpcId=ids[f"vpc_{WEST}"])["GroupId"]
    west.authorize_security_group_ingress(
        GroupId=rdp6,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}],
    )
    ids.update(ssh_sg=ssh, rdp6_sg=rdp6)
    # A network ACL of the west's own, admitting HTTPS from the private range only, in use by one subnet.
    kept = west.create_network_acl(VpcId=ids[f"vpc_{WEST}"])["NetworkAcl"]["NetworkAclId"]
    west.create_network_acl_entry(
        NetworkAclId=kept,
        RuleNumber=100,
        Protocol="6",
        RuleAction="allow",
        Egress=False,
        CidrBlock="10.0.0.0/8",
        PortRange={"From": 443, "To": 443},
    )
    default_acl = west.describe_network_acls(Filters=[{"Name": "default", "Values": ["true"]}])["NetworkAcls"][0]
    association = default_acl["Associations"][0]["NetworkAclAssociationId"]
    west.replace_network_acl_association(AssociationId=association, NetworkAclId=kept)
    encrypted_root = [{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 8, "Encrypted": True}}]
    for name, tokens in (("imds_v1", "optional"), ("imds_v2", "required")):
        ids[name] = west.run_instances(
            ImageId=AMI,
            MinCount=1,
            MaxCount=1,
            MetadataOptions={"HttpTokens": tokens},
            BlockDeviceMappings=encrypted_root,
        )["Instances"][0]["InstanceId"]
    attached = [{"Name": "attachment.instance-id", "Values": [ids["imds_v1"], ids["imds_v2"]]}]
    ids["west_root_volumes"] = {v["VolumeId"] for v in west.describe_volumes(Filters=attached)["Volumes"]}
    aws(endpoint, "s3").create_bucket(Bucket="cw-flow-logs")
    east.create_flow_logs(
        ResourceIds=[ids[f"vpc_{EAST}"]],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination="arn:aws:s3:::cw-flow-logs",
    )
    aws(endpoint, "rds", EAST).create_db_instance(
        DBInstanceIdentifier="legacy-db",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="app",
        MasterUserPassword="a-long-password-1",
        AllocatedStorage=20,
        StorageEncrypted=False,
        PubliclyAccessible=True,
        AutoMinorVersionUpgrade=False,
    )
    ids["efs"] = aws(endpoint, "efs", EAST).create_file_system(CreationToken="shared", Encrypted=True)["FileSystemId"]
    # Mounted from a default subnet, whose route table (moto's default VPC main table) has no internet gateway route.
    default_subnet = east.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]
    aws(endpoint, "efs", EAST).create_mount_target(FileSystemId=ids["efs"], SubnetId=default_subnet["SubnetId"])
    return ids


def _seed_logging(endpoint: str) -> dict[str, str]:
    kms = aws(endpoint, "kms", EAST)
    trail_key = kms.create_key(Description="trail")["KeyMetadata"]
    kms.enable_key_rotation(KeyId=trail_key["KeyId"])
    stale_key = kms.create_key(Description="stale")["KeyMetadata"]["KeyId"]
    aws(endpoint, "logs", EAST).create_log_group(logGroupName=LOG_GROUP)
    cloudtrail = aws(endpoint, "cloudtrail", EAST)
    cloudtrail.create_trail(
        Name="org-trail",
        S3BucketName="cw-trail-logs",
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
        KmsKeyId=trail_key["Arn"],
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:{EAST}:{ACCOUNT}:log-group:{LOG_GROUP}:*",
        CloudWatchLogsRoleArn=f"arn:aws:iam::{ACCOUNT}:role/trail-to-logs",
    )
    cloudtrail.put_event_selectors(
        TrailName="org-trail", EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True}]
    )
    cloudtrail.start_logging(Name="org-trail")
    legacy = aws(endpoint, "cloudtrail", WEST)
    legacy.create_trail(Name="legacy", S3BucketName="cw-access-logs")
    legacy.start_logging(Name="legacy")
    # Every CIS 4.x alarm except the Organizations one.
    sns = aws(endpoint, "sns", EAST)
    topic = sns.create_topic(Name="security-alerts")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="secops@example.com")
    sns.subscribe(TopicArn=topic, Protocol="https", Endpoint="https://hooks.example.com/security")
    logs, cloudwatch = aws(endpoint, "logs", EAST), aws(endpoint, "cloudwatch", EAST)
    for spec in ALARM_SPECS:
        if spec.id == "aws.cloudwatch.alarm_organizations_changes":
            continue
        metric = spec.id.rsplit(".", 1)[-1]
        logs.put_metric_filter(
            logGroupName=LOG_GROUP,
            filterName=metric,
            filterPattern=PATTERNS[spec.id],
            metricTransformations=[{"metricName": metric, "metricNamespace": "CIS", "metricValue": "1"}],
        )
        cloudwatch.put_metric_alarm(
            AlarmName=metric,
            MetricName=metric,
            Namespace="CIS",
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            AlarmActions=[topic],
        )
    aws(endpoint, "s3").create_bucket(Bucket="cw-config")
    config = aws(endpoint, "config", EAST)
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": f"arn:aws:iam::{ACCOUNT}:role/config",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "cw-config"})
    config.start_configuration_recorder(ConfigurationRecorderName="default")
    aws(endpoint, "securityhub", EAST).enable_security_hub()
    # Inspector scans EC2 and ECR in the east (with no finding yet) and is off in the west.
    aws(endpoint, "inspector2", EAST).enable(resourceTypes=["EC2", "ECR"], accountIds=[ACCOUNT])
    # Every protection plan on; EKS audit logs stay off (a seeded failure, see seed_directory_delivery).
    plans = ("S3_DATA_EVENTS", "RDS_LOGIN_EVENTS", "LAMBDA_NETWORK_LOGS", "EBS_MALWARE_PROTECTION")
    features = [{"Name": name, "Status": "ENABLED"} for name in (*plans, "RUNTIME_MONITORING")]
    aws(endpoint, "guardduty", EAST).create_detector(Enable=True, Features=features)
    return {"stale_key": stale_key, "legacy_trail": f"arn:aws:cloudtrail:{WEST}:{ACCOUNT}:trail/legacy"}


def _ebs_key(endpoint: str, region: str) -> str:
    return aws(endpoint, "kms", region).describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]["KeyId"]


def _access_analyzer(request: Any = None, **_: Any) -> Any:
    # moto has no Access Analyzer: answer for it, with an analyzer in the east region only.
    analyzer = {"arn": "arn:aws:access-analyzer:::analyzer/a", "name": "a", "type": "ACCOUNT", "status": "ACTIVE"}
    in_east = f"/{EAST}/access-analyzer/" in request.headers["Authorization"].decode()
    return json_reply({"analyzers": [{**analyzer, "createdAt": "2026-01-01T00:00:00Z"}] if in_east else []})


# The Glue Data Catalog's encryption checks, judged once per scanned region.
_CATALOG_CHECKS = ("data_catalog_metadata_encrypted", "data_catalog_connection_passwords_encrypted")


def test_seeded_account_yields_exactly_the_expected_findings(moto_reset: str) -> None:
    # given a two-region moto account seeded with known good and bad configuration
    iam_ids = _seed_iam(moto_reset)
    _seed_s3(moto_reset)
    net = _seed_network_and_compute(moto_reset)
    log_ids = _seed_logging(moto_reset)
    seed_deployer_role(moto_reset)
    seeded_failures = seed_network_compute(moto_reset, EAST) | seed_storage(
        moto_reset, EAST, plain_volume=net["plain_volume"]
    )
    seeded_failures |= seed_added_later(moto_reset, EAST)
    seeded_failures |= seed_redshift_and_logs(moto_reset, EAST)
    seeded_failures |= seed_apigateway_and_opensearch(moto_reset, EAST)
    seeded_failures |= seed_sagemaker_and_emr(moto_reset, EAST)
    seeded_failures |= seed_containers(moto_reset, EAST)
    seeded_failures |= seed_databases_and_application(moto_reset, EAST)
    seeded_failures |= seed_devtools(moto_reset, EAST)
    seeded_failures |= seed_platform(moto_reset, EAST)
    seeded_failures |= seed_service_gaps(moto_reset, EAST)
    seeded_failures |= seed_ec2_exposure(moto_reset, EAST)
    seeded_failures |= seed_access_points_and_dax(moto_reset, EAST, net["efs"])
    seeded_failures |= seed_lambda_and_iam_gaps(moto_reset, EAST)
    seeded_failures |= seed_more_services(moto_reset, EAST, other_region=WEST, instance=net["imds_v2"])
    seeded_failures |= seed_directory_and_delivery(moto_reset, EAST, other_region=WEST)
    seeded_failures |= seed_ec2_settings(moto_reset, EAST, other_region=WEST)
    seeded_failures |= seed_beanstalk_athena_glacier(moto_reset, EAST)
    seeded_failures |= _seed_ssm_agents(moto_reset, net["imds_v2"])
    built = connector(moto_reset, [EAST, WEST])
    built.session.events.register("before-send.emr", emr_by_region)
    built.session.events.register("before-send.accessanalyzer.ListAnalyzers", _access_analyzer)
    built.session.events.register("before-send.accessanalyzer.ListFindings", lambda **_: json_reply({"findings": []}))
    # moto has no IAM ListOrganizationsFeatures either: the organization has centralized root access on.
    root_access = features_reply("RootCredentialsManagement", "RootSessions")
    built.session.events.register("before-send.iam.ListOrganizationsFeatures", lambda **_: root_access)
    # Nor GetContactInformation (the primary contact is filled in) or DescribeResourcePolicy (the organization has
    # no resource policy, so policy management is not delegated). Macie is on until disabled: off in the west.
    contact = json_reply({"ContactInformation": {"FullName": "Cloud Ops", "PhoneNumber": "+15555550102"}})
    built.session.events.register("before-send.account.GetContactInformation", lambda **_: contact)
    no_policy = json_reply({"__type": "ResourcePolicyNotFoundException", "Message": "none"}, 400)
    built.session.events.register("before-send.organizations.DescribeResourcePolicy", lambda **_: no_policy)
    aws(moto_reset, "macie2", WEST).disable_macie()
    checks = aws_checks()
    groups = {
        g["AutoScalingGroupName"]: g["AutoScalingGroupARN"]
        for g in aws(moto_reset, "autoscaling", EAST).describe_auto_scaling_groups()["AutoScalingGroups"]
    }
    accounts = aws(moto_reset, "organizations").list_accounts()["Accounts"]
    member = next(a["Id"] for a in accounts if a["Name"] == "workloads")
    storefront_acl = next(
        acl["ARN"]
        for acl in aws(moto_reset, "wafv2", EAST).list_web_acls(Scope="REGIONAL")["WebACLs"]
        if acl["Name"] == "storefront"
    )

    volumes_everywhere = {
        (v["VolumeId"], region)
        for region in (EAST, WEST)
        for v in aws(moto_reset, "ec2", region).describe_volumes()["Volumes"]
    }
    standalone_databases = {
        (d["DBInstanceArn"], region)
        for region in (EAST, WEST)
        for d in aws(moto_reset, "rds", region).describe_db_instances()["DBInstances"]
        if not d.get("DBClusterIdentifier") and d["Engine"] not in ("neptune", "docdb")
    }
    rds_clusters = {
        (c["DBClusterArn"], region)
        for region in (EAST, WEST)
        for c in aws(moto_reset, "rds", region).describe_db_clusters()["DBClusters"]
        if c["Engine"] not in ("neptune", "docdb")
    }
    dynamodb = aws(moto_reset, "dynamodb", EAST)
    tables = {
        dynamodb.describe_table(TableName=name)["Table"]["TableArn"] for name in dynamodb.list_tables()["TableNames"]
    }

    # when one inventory is collected and every AWS check runs on it
    inventory = built.collect(services_for(c.id for c in checks))
    outcomes = [(c.id, o) for c in checks for o in c.run(inventory)]

    # then nothing failed to collect, and the findings are exactly the seeded problems
    assert inventory.errors == {}
    json.dumps(inventory.data)
    json.dumps([o.observed for _, o in outcomes])
    failures = {(cid, o.resource_id, o.region) for cid, o in outcomes if o.status == OutcomeStatus.FAIL}
    errors = {(cid, o.resource_id) for cid, o in outcomes if o.status == OutcomeStatus.ERROR}
    bucket_checks = (
        "public_access_block",
        "default_encryption",
        "versioning_enabled",
        "deny_http",
        "server_access_logging",
        "acls_disabled",
    )
    expected = {
        # root user (moto cannot enable root MFA)
        ("aws.iam.root_mfa_enabled", ACCOUNT, ""),
        ("aws.iam.root_hardware_mfa_enabled", ACCOUNT, ""),
        # password policy without symbols
        ("aws.iam.password_policy_complexity", ACCOUNT, ""),
        # users and policies
        ("aws.iam.user_mfa_enabled_console", "bob", ""),
        ("aws.iam.user_no_initial_access_key", "bob", ""),
        ("aws.iam.user_one_active_access_key", "ci-bot", ""),
        ("aws.iam.user_no_attached_policies", "ci-bot", ""),
        ("aws.iam.no_full_admin_policies", iam_ids["admin_policy"], ""),
        ("aws.iam.support_role_exists", ACCOUNT, ""),
        ("aws.iam.server_certificates_not_expired", "legacy-lb", ""),
        ("aws.accessanalyzer.enabled", ACCOUNT, WEST),
        # S3: no account-level block; the access-log bucket is bare; nothing has MFA Delete
        ("aws.s3.account_public_access_block", ACCOUNT, ""),
        *{(f"aws.s3.bucket_{name}", "cw-access-logs", EAST) for name in bucket_checks},
        *{("aws.s3.bucket_mfa_delete_enabled", b, EAST) for b in ("cw-access-logs", "cw-trail-logs", "cw-flow-logs")},
        *{(f"aws.s3.bucket_{name}", "cw-flow-logs", EAST) for name in bucket_checks},
        *{(f"aws.s3.bucket_{name}", "cw-config", EAST) for name in bucket_checks},
        ("aws.s3.bucket_mfa_delete_enabled", "cw-config", EAST),
        # EC2 and VPC
        ("aws.ec2.ebs_default_encryption", ACCOUNT, WEST),
        ("aws.ec2.ebs_volume_encrypted", net["plain_volume"], EAST),
        ("aws.ec2.sg_no_ingress_admin_ports_ipv4", net["ssh_sg"], EAST),
        ("aws.ec2.sg_no_ingress_admin_ports_ipv6", net["rdp6_sg"], WEST),
        ("aws.ec2.default_sg_restricts_all", net[f"default_sg_{EAST}"], EAST),
        ("aws.ec2.default_sg_restricts_all", net[f"default_sg_{WEST}"], WEST),
        *{("aws.ec2.nacl_no_ingress_admin_ports", acl, EAST) for acl in net[f"acls_{EAST}"]},
        *{("aws.ec2.nacl_no_ingress_admin_ports", acl, WEST) for acl in net[f"acls_{WEST}"]},
        ("aws.ec2.imdsv2_required", net["imds_v1"], WEST),
        ("aws.vpc.flow_logs_enabled", net[f"vpc_{WEST}"], WEST),
        # data stores
        ("aws.rds.storage_encrypted", "legacy-db", EAST),
        ("aws.rds.auto_minor_version_upgrade", "legacy-db", EAST),
        ("aws.rds.not_publicly_accessible", "legacy-db", EAST),
        ("aws.rds.instance_non_default_port", "legacy-db", EAST),
        ("aws.kms.key_rotation_enabled", log_ids["stale_key"], EAST),
        # moto creates the aws/ebs key for encrypted volumes as a customer-managed key
        *{("aws.kms.key_rotation_enabled", _ebs_key(moto_reset, region), region) for region in (EAST, WEST)},
        # logging and monitoring: the regional legacy trail, the missing alarm, the uncovered region
        ("aws.cloudtrail.log_file_validation", log_ids["legacy_trail"], WEST),
        ("aws.cloudtrail.kms_encryption", log_ids["legacy_trail"], WEST),
        ("aws.cloudtrail.cloudwatch_integration", log_ids["legacy_trail"], WEST),
        ("aws.cloudtrail.bucket_access_logging", log_ids["legacy_trail"], WEST),
        ("aws.cloudwatch.alarm_organizations_changes", ACCOUNT, EAST),
        ("aws.config.recorder_enabled", ACCOUNT, WEST),
        ("aws.securityhub.enabled", ACCOUNT, WEST),
        ("aws.guardduty.enabled", ACCOUNT, WEST),
        # EMR block public access is turned on in the east only (seed_sagemaker_and_emr)
        ("aws.emr.account_public_access_block", ACCOUNT, WEST),
        # identity and logging (#15): no security contact (nor any other alternate contact); the trails log no S3
        # object-level events
        ("aws.account.security_contact_registered", ACCOUNT, ""),
        ("aws.account.alternate_contacts_registered", ACCOUNT, ""),
        *{(f"aws.cloudtrail.s3_{kind}_data_events", ACCOUNT, r) for kind in ("read", "write") for r in (EAST, WEST)},
        # nor the invocations of the east's functions (the west has none, so it is not judged)
        ("aws.cloudtrail.lambda_data_events", ACCOUNT, EAST),
        # data protection (#15): the seeded buckets lack replication, Object Lock, lifecycle rules, notifications and
        # KMS keys; no backup plan anywhere; idle volumes; the EFS file system has no backup policy; the legacy
        # database is bare
        *{
            (f"aws.s3.bucket_{name}", bucket, EAST)
            for name in (
                "replication_enabled",
                "object_lock_enabled",
                "lifecycle_configured",
                "event_notifications",
                "kms_encryption",
            )
            for bucket in ("cw-access-logs", "cw-trail-logs", "cw-flow-logs", "cw-config")
        },
        *{("aws.backup.plan_exists", ACCOUNT, region) for region in (EAST, WEST)},
        # ... so no volume, table, DB instance or DB cluster is in a backup plan
        *{("aws.backup.ebs_volume_in_backup_plan", volume, region) for volume, region in volumes_everywhere},
        *{("aws.backup.dynamodb_table_in_backup_plan", arn, EAST) for arn in tables},
        *{("aws.backup.rds_instance_in_backup_plan", arn, region) for arn, region in standalone_databases},
        *{("aws.backup.rds_cluster_in_backup_plan", arn, region) for arn, region in rds_clusters},
        *{("aws.ec2.ebs_volume_in_use", volume, EAST) for volume in net["volumes"]},
        ("aws.efs.backup_policy_enabled", net["efs"], EAST),
        # ... and no file system policy, so AWS's default lets any principal reaching a mount target in
        ("aws.efs.file_system_policy_not_public", net["efs"], EAST),
        *{
            (f"aws.rds.{name}", "legacy-db", EAST)
            for name in ("backup_retention_7_days", "deletion_protection", "multi_az", "iam_authentication_enabled")
        },
        ("aws.sns.topic_encrypted", f"arn:aws:sns:{EAST}:{ACCOUNT}:security-alerts", EAST),
        # network and compute (#15): moto gives the west instances public addresses; Inspector is off
        *{("aws.ec2.instance_no_public_ip", net[name], WEST) for name in ("imds_v1", "imds_v2")},
        ("aws.inspector2.enabled", ACCOUNT, WEST),
        # the recorder runs under a role of the account's own
        (
            "aws.config.recorder_uses_service_linked_role",
            f"arn:aws:config:{EAST}:{ACCOUNT}:configuration-recorder/default",
            EAST,
        ),
        # added later in #15: the first west instance runs without a role (seed_more_services gives the second one a
        # profile); only the east VPC has an S3 gateway endpoint
        ("aws.ec2.instance_profile_attached", net["imds_v1"], WEST),
        ("aws.vpc.s3_gateway_endpoint", net[f"vpc_{WEST}"], WEST),
        # the CIS AWS 7.0.0 gaps: no resource policy delegating policy management; Macie off in the west
        ("aws.organizations.policy_management_delegated", ACCOUNT, ""),
        ("aws.macie.enabled", ACCOUNT, WEST),
        # the legacy database exports no logs; the trail's log group has no KMS key of its own
        ("aws.rds.logs_exported_to_cloudwatch", "legacy-db", EAST),
        ("aws.logs.kms_encrypted", LOG_GROUP, EAST),
        # ... nor does its default parameter group force TLS, and no event subscription tells anyone of its failures
        ("aws.rds.transport_encrypted", "legacy-db", EAST),
        ("aws.rds.event_subscription_critical", ACCOUNT, EAST),
        ("aws.rds.cluster_event_subscription_critical", ACCOUNT, EAST),
        # the web ACL guarding the REST API's prod stage holds no rules (so no managed ones) and logs nothing
        *{
            (f"aws.wafv2.{name}", storefront_acl, EAST)
            for name in ("web_acl_logging_enabled", "web_acl_has_rules", "web_acl_managed_rule_groups")
        },
        # the west's Glue Data Catalog keeps Glue's defaults: neither its metadata nor connection passwords encrypted
        *{(f"aws.glue.{name}", f"arn:aws:glue:{WEST}:{ACCOUNT}:catalog", WEST) for name in _CATALOG_CHECKS},
        # what the seeds add on purpose (an idle Elastic IP, a plain-HTTP classic ELB, unprotected stores, a loose
        # Redshift cluster, a log group kept 90 days, a bare API stage, an open OpenSearch domain, an open notebook
        # instance, an unencrypted EMR cluster keeping no logs)
        *seeded_failures,
        # moto's default subnets, like AWS's, assign public IPv4 addresses on launch
        *{("aws.ec2.subnet_no_auto_public_ip", s, r) for r in (EAST, WEST) for s in default_subnets(moto_reset, r)},
        # network hygiene: the default ACLs admit everything; no interface carries the seeded groups, nor the groups
        # moto makes for classic load balancers (it gives them no network interface); the west instances run on basic
        # monitoring, in a VPC with no EC2 API endpoint
        *{("aws.ec2.nacl_no_ingress_all_ports", acl, r) for r in (EAST, WEST) for acl in net[f"acls_{r}"]},
        ("aws.ec2.security_group_in_use", net["ssh_sg"], EAST),
        ("aws.ec2.security_group_in_use", net["rdp6_sg"], WEST),
        *{
            ("aws.ec2.security_group_in_use", g["GroupId"], EAST)
            for g in aws(moto_reset, "ec2", EAST).describe_security_groups()["SecurityGroups"]
            if g["GroupName"].startswith("default_elb_")
        },
        *{("aws.ec2.instance_detailed_monitoring", net[name], WEST) for name in ("imds_v1", "imds_v2")},
        ("aws.vpc.ec2_interface_endpoint", net[f"vpc_{WEST}"], WEST),
        # the west instances' root volumes have never been snapshotted; no trail has CloudTrail Insights
        *{("aws.ec2.ebs_volume_has_recent_snapshot", volume, WEST) for volume in net["west_root_volumes"]},
        ("aws.cloudtrail.insights_enabled", ACCOUNT, ""),
        # the December batch on the older seeds: the groups run on launch configurations; the default backup vault
        # keeps AWS Backup's own key; Bedrock logs nothing in the west; the CodeBuild projects read their buildspec
        # from the repository they build; the Glue Spark jobs (no version: Glue 0.9) log nothing continuously; the
        # member account has no tag policy
        *{("aws.autoscaling.group_uses_launch_template", groups[name], EAST) for name in ("web", "batch")},
        ("aws.backup.vault_customer_managed_key", f"arn:aws:backup:{EAST}:{ACCOUNT}:backup-vault:default-vault", EAST),
        ("aws.bedrock.model_invocation_logging_enabled", ACCOUNT, WEST),
        *{
            (
                "aws.codebuild.project_buildspec_not_in_source",
                f"arn:aws:codebuild:{EAST}:{ACCOUNT}:project/{name}",
                EAST,
            )
            for name in ("storefront", "nightly", "legacy-deploy")
        },
        *{
            ("aws.glue.job_continuous_logging_enabled", f"arn:aws:glue:{EAST}:{ACCOUNT}:job/{name}", EAST)
            for name in ("nightly-etl", "adhoc-etl")
        },
        ("aws.organizations.tag_policies_attached", member, ""),
    }
    assert failures == expected
    # moto's credential report has no root row, so root last use cannot be judged
    assert errors == {("aws.iam.root_not_used_recently", ACCOUNT)}
    # and every check produced at least one outcome (but the access-review one: nothing was revoked here)
    assert {c.id for c in checks} - {f"aws.{REVOCATION_CHECK_SUFFIX}"} == {cid for cid, _ in outcomes}
