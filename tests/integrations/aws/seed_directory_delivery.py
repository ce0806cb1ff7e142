"""Seeds for the end-to-end scan: one resource for each check of the directory, detection and delivery batch that
the older seeds leave without an outcome (a Microsoft AD directory and a WorkSpace on it, a Shield Advanced
subscription, Firehose streams, Direct Connect connections, a VPC of the account's own in each region, a policy
letting a role subscribe to any Marketplace product, Cognito user and identity pools), and GuardDuty administered from
the organization in the first region.

``seed_directory_and_delivery`` returns the failures it causes (``(check id, resource id, region)``). It runs after
the other seeds: it reads the GuardDuty detector and the internet-facing load balancers they made.
"""

from __future__ import annotations

import json

from tests.integrations.aws.support import ACCOUNT, aws

Failures = set[tuple[str, str, str]]


def seed_directory_and_delivery(endpoint: str, region: str, *, other_region: str) -> Failures:
    failures = _seed_directory_and_workspace(endpoint, region)
    failures |= _seed_guardduty(endpoint, region)
    failures |= _seed_shield(endpoint, region)
    failures |= _seed_delivery(endpoint, region, other_region)
    failures |= _seed_marketplace_policy(endpoint)
    failures |= _seed_cognito(endpoint, region)
    for each in (region, other_region):
        _hardened_vpc(endpoint, each)
    return failures


def _seed_cognito(endpoint: str, region: str) -> Failures:
    """A hardened user pool (invitation only, behind a web ACL) and one left at Cognito's defaults, each with an app
    client like itself; an identity pool for signed-in users and one for guests."""
    idp = aws(endpoint, "cognito-idp", region)
    hardened = idp.create_user_pool(
        PoolName="customers",
        MfaConfiguration="ON",
        UserPoolAddOns={"AdvancedSecurityMode": "ENFORCED"},
        Policies={"PasswordPolicy": {"MinimumLength": 16, "TemporaryPasswordValidityDays": 3}},
        DeletionProtection="ACTIVE",
        AccountRecoverySetting={"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
    )["UserPool"]
    # Behind the hardened web ACL seed_databases_and_application made.
    wafv2 = aws(endpoint, "wafv2", region)
    shop_edge = next(a["ARN"] for a in wafv2.list_web_acls(Scope="REGIONAL")["WebACLs"] if a["Name"] == "shop-edge")
    wafv2.associate_web_acl(WebACLArn=shop_edge, ResourceArn=hardened["Arn"])
    idp.create_user_pool_client(
        UserPoolId=hardened["Id"], ClientName="web", PreventUserExistenceErrors="ENABLED", EnableTokenRevocation=True
    )
    staging = idp.create_user_pool(PoolName="staging")["UserPool"]
    loose = staging["Arn"]
    # LEGACY existence errors (the API's default) and no token revocation: fails both app client checks.
    legacy_client = idp.create_user_pool_client(
        UserPoolId=staging["Id"], ClientName="tester", EnableTokenRevocation=False
    )["UserPoolClient"]["ClientId"]
    identity = aws(endpoint, "cognito-identity", region)
    identity.create_identity_pool(IdentityPoolName="members", AllowUnauthenticatedIdentities=False)
    guests = identity.create_identity_pool(IdentityPoolName="guests", AllowUnauthenticatedIdentities=True)
    user_pool_checks = (
        "user_pool_mfa_required",
        "user_pool_threat_protection_enforced",
        "user_pool_password_min_length",
        "user_pool_deletion_protection",
        "user_pool_account_recovery_not_sms_first",
        "user_pool_self_registration_disabled",
        "user_pool_waf_protected",
    )
    client_checks = ("app_client_prevents_user_existence_errors", "app_client_token_revocation_enabled")
    return (
        {(f"aws.cognito.{name}", loose, region) for name in user_pool_checks}
        | {(f"aws.cognito.{name}", legacy_client, region) for name in client_checks}
        | {("aws.cognito.identity_pool_no_guest_access", guests["IdentityPoolId"], region)}
    )


def _default_subnets(endpoint: str, region: str) -> dict[str, str]:
    """Availability Zone -> the default VPC's subnet in it."""
    listed = aws(endpoint, "ec2", region).describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])
    return {s["AvailabilityZone"]: s["SubnetId"] for s in listed["Subnets"]}


def _seed_directory_and_workspace(endpoint: str, region: str) -> Failures:
    """A Microsoft AD directory in the default VPC asking for MFA through a RADIUS server over PAP, without log
    forwarding, and a WorkSpace on it with plain volumes."""
    ec2 = aws(endpoint, "ec2", region)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = _default_subnets(endpoint, region)
    directory = aws(endpoint, "ds", region).create_microsoft_ad(
        Name="corp.example.com",
        Password="Str0ng-Passw0rd!",
        VpcSettings={"VpcId": vpc, "SubnetIds": [subnets[f"{region}a"], subnets[f"{region}b"]]},
        Edition="Standard",
    )["DirectoryId"]
    aws(endpoint, "ds", region).enable_radius(
        DirectoryId=directory,
        RadiusSettings={
            "RadiusServers": ["172.31.0.10"],
            "RadiusPort": 1812,
            "RadiusTimeout": 5,
            "RadiusRetries": 3,
            "SharedSecret": "a-shared-secret-1",
            "AuthenticationProtocol": "PAP",
            "DisplayLabel": "MFA",
            "UseSameUsername": True,
        },
    )
    workspaces = aws(endpoint, "workspaces", region)
    workspaces.register_workspace_directory(DirectoryId=directory, EnableSelfService=False, Tenancy="SHARED")
    workspace = workspaces.create_workspaces(
        Workspaces=[{"DirectoryId": directory, "UserName": "alice", "BundleId": "wsb-bh8rsxt14"}]
    )["PendingRequests"][0]["WorkspaceId"]
    registered = workspaces.describe_workspace_directories(DirectoryIds=[directory])["Directories"][0]
    return {
        ("aws.directoryservice.radius_protocol_mschapv2", directory, region),
        ("aws.directoryservice.log_forwarding_enabled", directory, region),
        ("aws.workspaces.volumes_encrypted", workspace, region),
        # moto gives the WorkSpaces of the directory a security group but no network interface to carry it
        ("aws.ec2.security_group_in_use", registered["WorkspaceSecurityGroupId"], region),
    }


def _seed_guardduty(endpoint: str, region: str) -> Failures:
    """The account is the organization's GuardDuty administrator (passes); its detector leaves EKS audit logs off and
    holds an active high-severity finding beside a low one."""
    guardduty = aws(endpoint, "guardduty", region)
    guardduty.enable_organization_admin_account(AdminAccountId=ACCOUNT)
    detector = guardduty.list_detectors()["DetectorIds"][0]
    guardduty.create_sample_findings(
        DetectorId=detector, FindingTypes=["Backdoor:EC2/C&CActivity.B!DNS", "Recon:EC2/PortProbeUnprotectedPort"]
    )
    return {
        ("aws.guardduty.eks_audit_logs_enabled", detector, region),
        ("aws.guardduty.no_high_severity_findings", detector, region),
    }


def _seed_shield(endpoint: str, region: str) -> Failures:
    """A Shield Advanced subscription protecting the "web" load balancer (any other internet-facing ALB fails), every
    internet-facing classic load balancer, distribution and public hosted zone, and an Elastic IP on a network
    interface of its own."""
    shield = aws(endpoint, "shield", "us-east-1")
    shield.create_subscription()
    failures: Failures = set()
    for balancer in aws(endpoint, "elbv2", region).describe_load_balancers()["LoadBalancers"]:
        # moto answers no scheme where AWS answers its default, internet-facing
        if (balancer.get("Scheme") or "internet-facing") != "internet-facing" or balancer.get("Type") != "application":
            continue
        if balancer["LoadBalancerName"] == "web":
            shield.create_protection(Name="web", ResourceArn=balancer["LoadBalancerArn"])
        else:
            failures.add(("aws.shield.internet_facing_alb_protected", balancer["LoadBalancerArn"], region))
    protected = [
        f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT}:loadbalancer/{lb['LoadBalancerName']}"
        for lb in aws(endpoint, "elb", region).describe_load_balancers()["LoadBalancerDescriptions"]
        if (lb.get("Scheme") or "internet-facing") == "internet-facing"
    ]
    protected += [
        d["ARN"] for d in aws(endpoint, "cloudfront").list_distributions()["DistributionList"].get("Items", [])
    ]
    protected += [
        f"arn:aws:route53:::hostedzone/{zone['Id'].split('/')[-1]}"
        for zone in aws(endpoint, "route53").list_hosted_zones()["HostedZones"]
        if not zone.get("Config", {}).get("PrivateZone")
    ]
    ec2 = aws(endpoint, "ec2", region)
    subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]
    interface = ec2.create_network_interface(SubnetId=subnet, Description="nat-egress")["NetworkInterface"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ec2.associate_address(AllocationId=allocation, NetworkInterfaceId=interface["NetworkInterfaceId"])
    protected.append(f"arn:aws:ec2:{region}:{ACCOUNT}:eip-allocation/{allocation}")
    for n, arn in enumerate(protected):
        shield.create_protection(Name=f"edge-{n}", ResourceArn=arn)
    return failures


def _seed_delivery(endpoint: str, region: str, other_region: str) -> Failures:
    """Firehose streams with and without encryption; Direct Connect at two locations here and at one in the other."""
    firehose = aws(endpoint, "firehose", region)
    destination = {"RoleARN": f"arn:aws:iam::{ACCOUNT}:role/delivery", "BucketARN": "arn:aws:s3:::cw-access-logs"}
    for name in ("audit-export", "clicks-export"):
        firehose.create_delivery_stream(DeliveryStreamName=name, ExtendedS3DestinationConfiguration=destination)
    # Encryption turned on after creation: moto drops the status of encryption given at create time.
    firehose.start_delivery_stream_encryption(
        DeliveryStreamName="audit-export", DeliveryStreamEncryptionConfigurationInput={"KeyType": "AWS_OWNED_CMK"}
    )
    clicks = firehose.describe_delivery_stream(DeliveryStreamName="clicks-export")["DeliveryStreamDescription"]
    connections = aws(endpoint, "directconnect", region)
    for location, name in (("EqDC2", "dc-primary"), ("CSVA1", "dc-secondary")):
        connections.create_connection(location=location, bandwidth="1Gbps", connectionName=name)
    aws(endpoint, "directconnect", other_region).create_connection(
        location="TCSH1", bandwidth="1Gbps", connectionName="dc-single"
    )
    return {
        ("aws.firehose.stream_encrypted_at_rest", clicks["DeliveryStreamARN"], region),
        ("aws.directconnect.connections_at_two_locations", ACCOUNT, other_region),
    }


def _seed_marketplace_policy(endpoint: str) -> Failures:
    """The deployer role may subscribe the account to any Marketplace product, unconditionally: fails."""
    iam = aws(endpoint, "iam")
    statement = {"Effect": "Allow", "Action": "aws-marketplace:Subscribe", "Resource": "*"}
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    policy = iam.create_policy(PolicyName="MarketplaceBuyer", PolicyDocument=document)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="deployer", PolicyArn=policy)
    return {("aws.iam.policy_no_wildcard_marketplace_subscribe", policy, "")}


def _hardened_vpc(endpoint: str, region: str) -> None:
    """A VPC of the account's own (not the default one) that passes every VPC check: flow logs, an S3 gateway
    endpoint with a policy, a default group with no rules and an ACL admitting HTTPS only."""
    ec2 = aws(endpoint, "ec2", region)
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    ec2.create_flow_logs(
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination="arn:aws:s3:::cw-flow-logs",
    )
    own_account = {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}
    statement = {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": own_account}
    ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName=f"com.amazonaws.{region}.s3",
        VpcEndpointType="Gateway",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )
    only_vpc = {"Name": "vpc-id", "Values": [vpc]}
    group = ec2.describe_security_groups(Filters=[only_vpc, {"Name": "group-name", "Values": ["default"]}])[
        "SecurityGroups"
    ][0]
    ec2.revoke_security_group_egress(GroupId=group["GroupId"], IpPermissions=group["IpPermissionsEgress"])
    acl = ec2.describe_network_acls(Filters=[only_vpc])["NetworkAcls"][0]["NetworkAclId"]
    ec2.replace_network_acl_entry(
        NetworkAclId=acl,
        RuleNumber=100,
        Protocol="6",
        RuleAction="allow",
        Egress=False,
        CidrBlock="0.0.0.0/0",
        PortRange={"From": 443, "To": 443},
    )
