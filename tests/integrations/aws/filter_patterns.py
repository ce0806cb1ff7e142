"""Metric filter patterns for the CIS 4.x alarm controls, as an operator would write them."""

from __future__ import annotations


def _any_of(field: str, *values: str) -> str:
    return " || ".join(f"(${field} = {v})" for v in values)


# Filter patterns written the way operators usually do, with their own spacing and quoting.
PATTERNS = {
    "aws.cloudwatch.alarm_unauthorized_api_calls": '{ ($.errorCode = "*UnauthorizedOperation") || '
    '($.errorCode = "AccessDenied*") }',
    "aws.cloudwatch.alarm_console_login_no_mfa": '{ ($.eventName = "ConsoleLogin") && '
    '($.additionalEventData.MFAUsed != "Yes") }',
    "aws.cloudwatch.alarm_root_usage": '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
    '&& $.eventType != "AwsServiceEvent" }',
    "aws.cloudwatch.alarm_iam_policy_changes": "{ "
    + _any_of(
        ".eventName",
        "DeleteGroupPolicy",
        "DeleteRolePolicy",
        "DeleteUserPolicy",
        "PutGroupPolicy",
        "PutRolePolicy",
        "PutUserPolicy",
        "CreatePolicy",
        "DeletePolicy",
        "CreatePolicyVersion",
        "DeletePolicyVersion",
        "AttachRolePolicy",
        "DetachRolePolicy",
        "AttachUserPolicy",
        "DetachUserPolicy",
        "AttachGroupPolicy",
        "DetachGroupPolicy",
    )
    + " }",
    "aws.cloudwatch.alarm_cloudtrail_changes": "{ "
    + _any_of(".eventName", "CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging")
    + " }",
    "aws.cloudwatch.alarm_console_auth_failures": "{ ($.eventName = ConsoleLogin) && "
    '($.errorMessage = "Failed authentication") }',
    "aws.cloudwatch.alarm_cmk_disable_or_deletion": "{ ($.eventSource = kms.amazonaws.com) && "
    "(($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }",
    "aws.cloudwatch.alarm_s3_bucket_policy_changes": "{ ($.eventSource = s3.amazonaws.com) && ("
    + _any_of(
        ".eventName",
        "PutBucketAcl",
        "PutBucketPolicy",
        "PutBucketCors",
        "PutBucketLifecycle",
        "PutBucketReplication",
        "DeleteBucketPolicy",
        "DeleteBucketCors",
        "DeleteBucketLifecycle",
        "DeleteBucketReplication",
    )
    + ") }",
    "aws.cloudwatch.alarm_config_changes": "{ ($.eventSource = config.amazonaws.com) && ("
    + _any_of(
        ".eventName",
        "StopConfigurationRecorder",
        "DeleteDeliveryChannel",
        "PutDeliveryChannel",
        "PutConfigurationRecorder",
    )
    + ") }",
    "aws.cloudwatch.alarm_security_group_changes": "{ "
    + _any_of(
        ".eventName",
        "AuthorizeSecurityGroupIngress",
        "AuthorizeSecurityGroupEgress",
        "RevokeSecurityGroupIngress",
        "RevokeSecurityGroupEgress",
        "CreateSecurityGroup",
        "DeleteSecurityGroup",
    )
    + " }",
    "aws.cloudwatch.alarm_nacl_changes": "{ "
    + _any_of(
        ".eventName",
        "CreateNetworkAcl",
        "CreateNetworkAclEntry",
        "DeleteNetworkAcl",
        "DeleteNetworkAclEntry",
        "ReplaceNetworkAclEntry",
        "ReplaceNetworkAclAssociation",
    )
    + " }",
    "aws.cloudwatch.alarm_network_gateway_changes": "{ "
    + _any_of(
        ".eventName",
        "CreateCustomerGateway",
        "DeleteCustomerGateway",
        "AttachInternetGateway",
        "CreateInternetGateway",
        "DeleteInternetGateway",
        "DetachInternetGateway",
    )
    + " }",
    "aws.cloudwatch.alarm_route_table_changes": "{ "
    + _any_of(
        ".eventName",
        "CreateRoute",
        "CreateRouteTable",
        "ReplaceRoute",
        "ReplaceRouteTableAssociation",
        "DeleteRouteTable",
        "DeleteRoute",
        "DisassociateRouteTable",
    )
    + " }",
    "aws.cloudwatch.alarm_vpc_changes": "{ "
    + _any_of(
        ".eventName",
        "CreateVpc",
        "DeleteVpc",
        "ModifyVpcAttribute",
        "AcceptVpcPeeringConnection",
        "CreateVpcPeeringConnection",
        "DeleteVpcPeeringConnection",
        "RejectVpcPeeringConnection",
        "AttachClassicLinkVpc",
        "DetachClassicLinkVpc",
        "DisableVpcClassicLink",
        "EnableVpcClassicLink",
    )
    + " }",
    "aws.cloudwatch.alarm_organizations_changes": "{ ($.eventSource = organizations.amazonaws.com) && ("
    + _any_of(
        ".eventName",
        "AcceptHandshake",
        "AttachPolicy",
        "CreateAccount",
        "CreateOrganizationalUnit",
        "CreatePolicy",
        "DeclineHandshake",
        "DeleteOrganization",
        "DeleteOrganizationalUnit",
        "DeletePolicy",
        "DetachPolicy",
        "DisablePolicyType",
        "EnablePolicyType",
        "InviteAccountToOrganization",
        "LeaveOrganization",
        "MoveAccount",
        "RemoveAccountFromOrganization",
        "UpdatePolicy",
        "UpdateOrganizationalUnit",
    )
    + ") }",
}
