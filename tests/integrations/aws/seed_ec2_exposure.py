"""Seeds for the end-to-end scan: AMIs, launch template user data, a subnet and transit gateways, one of each kind
passing and one failing.

``seed_ec2_exposure`` returns the failures it causes (``(check id, resource id, region)``); the default subnets moto
creates in every region (public addressing on, as in AWS) are :func:`default_subnets`.
"""

from __future__ import annotations

import base64

from tests.integrations.aws.support import ACCOUNT, aws

AMI = "ami-12c6146b"
# A launch template's user data holding a database password in clear (the value is made up).
LEAKY_USER_DATA = "#!/bin/bash\nexport APP_ENV=prod\nexport DB_PASSWORD=correct-horse-battery\n"
# One fetching the same password at boot: nothing in clear.
CLEAN_USER_DATA = (
    "#!/bin/bash\nexport DB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id db --query SecretString)\n"
)


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def seed_ec2_exposure(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    return _seed_images(endpoint, region) | _seed_launch_templates(endpoint, region) | _seed_network(endpoint, region)


def default_subnets(endpoint: str, region: str) -> set[str]:
    """The region's default subnets: moto, like AWS, has them assign public IPv4 addresses on launch."""
    subnets = aws(endpoint, "ec2", region).describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])
    return {s["SubnetId"] for s in subnets["Subnets"]}


def _seed_images(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    ec2 = aws(endpoint, "ec2", region)
    public = ec2.register_image(Name="web-golden", RootDeviceName="/dev/sda1", Architecture="x86_64")["ImageId"]
    ec2.register_image(Name="web-private", RootDeviceName="/dev/sda1", Architecture="x86_64")
    ec2.modify_image_attribute(ImageId=public, LaunchPermission={"Add": [{"Group": "all"}]})
    # moto backs each registered image with an unencrypted snapshot the account owns.
    snapshots = ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]
    backing = {s["SnapshotId"] for s in snapshots if s.get("OwnerId") == ACCOUNT and "AMI ami-" in s["Description"]}
    return {("aws.ec2.ami_not_public", public, region)} | {
        ("aws.ebs.snapshot_encrypted", snapshot, region) for snapshot in backing
    }


def _seed_launch_templates(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    ec2 = aws(endpoint, "ec2", region)
    # Both require IMDSv2, so only the user data check tells them apart.
    base = {"ImageId": AMI, "MetadataOptions": {"HttpTokens": "required"}}
    leaky = ec2.create_launch_template(
        LaunchTemplateName="worker-leaky", LaunchTemplateData={**base, "UserData": b64(LEAKY_USER_DATA)}
    )["LaunchTemplate"]["LaunchTemplateId"]
    ec2.create_launch_template(
        LaunchTemplateName="worker-clean", LaunchTemplateData={**base, "UserData": b64(CLEAN_USER_DATA)}
    )
    arn = f"arn:aws:ec2:{region}:{ACCOUNT}:launch-template/{leaky}"
    return {("aws.ec2.launch_template_user_data_no_secrets", arn, region)}


def _seed_network(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    ec2 = aws(endpoint, "ec2", region)
    # A private subnet in the default VPC (a new VPC would bring flow log and endpoint findings of its own), above the
    # default subnets' /20s: it maps no public addresses and passes.
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    ec2.create_subnet(VpcId=default_vpc, CidrBlock="172.31.200.0/24", AvailabilityZone=f"{region}a")
    auto = ec2.create_transit_gateway(Options={"AutoAcceptSharedAttachments": "enable"})["TransitGateway"]
    ec2.create_transit_gateway(Options={"AutoAcceptSharedAttachments": "disable"})
    return {("aws.ec2.transit_gateway_no_auto_accept", auto["TransitGatewayId"], region)}
