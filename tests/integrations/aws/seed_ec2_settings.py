"""Seeds for the end-to-end scan: EC2's regional account settings hardened in one region and left loose in the other
(as AWS starts an account, with the serial console turned on), and Systems Manager's block on public document sharing
likewise; a Client VPN endpoint logging connections and one not.

``seed_ec2_settings`` returns the failures it causes (``(check id, resource id, region)``).
"""

from __future__ import annotations

from tests.integrations.aws.support import ACCOUNT, aws

Failures = set[tuple[str, str, str]]


def seed_ec2_settings(endpoint: str, region: str, *, other_region: str) -> Failures:
    hardened = aws(endpoint, "ec2", region)
    hardened.enable_snapshot_block_public_access(State="block-all-sharing")
    hardened.enable_image_block_public_access(ImageBlockPublicAccessState="block-new-sharing")
    hardened.modify_instance_metadata_defaults(HttpTokens="required", HttpPutResponseHopLimit=2)
    aws(endpoint, "ec2", other_region).enable_serial_console_access()
    aws(endpoint, "ssm", region).update_service_setting(
        SettingId="/ssm/documents/console/public-sharing-permission", SettingValue="Disable"
    )
    loose = (
        "aws.ebs.snapshot_block_public_access",
        "aws.ec2.image_block_public_access",
        "aws.ec2.account_imdsv2_default",
        "aws.ec2.serial_console_access_disabled",
        "aws.ssm.document_public_sharing_blocked",
    )
    return {(check_id, ACCOUNT, other_region) for check_id in loose} | _client_vpn(endpoint, region)


def _client_vpn(endpoint: str, region: str) -> Failures:
    ec2 = aws(endpoint, "ec2", region)
    certificate = f"arn:aws:acm:{region}:{ACCOUNT}:certificate/vpn-server"
    made = {}
    for name, logging in (
        ("staff", {"Enabled": True, "CloudwatchLogGroup": "/vpn/staff"}),
        ("ops", {"Enabled": False}),
    ):
        made[name] = ec2.create_client_vpn_endpoint(
            ClientCidrBlock="10.200.0.0/22",
            ServerCertificateArn=certificate,
            AuthenticationOptions=[
                {
                    "Type": "certificate-authentication",
                    "MutualAuthentication": {"ClientRootCertificateChainArn": certificate},
                }
            ],
            ConnectionLogOptions=logging,
            Description=name,
        )["ClientVpnEndpointId"]
    return {("aws.ec2.client_vpn_connection_logging", made["ops"], region)}
