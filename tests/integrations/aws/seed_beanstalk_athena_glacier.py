"""Seeds for the end-to-end scan: an Elastic Beanstalk environment hardened through its option settings and one
created through the API with nothing set; an Athena workgroup encrypting (enforced) and publishing metrics, and one
doing neither; an S3 Glacier vault shared with a named account and one open to anyone.

``seed_beanstalk_athena_glacier`` returns the failures it causes (``(check id, resource id, region)``).
"""

from __future__ import annotations

import json

from tests.integrations.aws.support import ACCOUNT, aws

Failures = set[tuple[str, str, str]]
PARTNER = "210987654321"

HARDENED = [
    {"Namespace": "aws:elasticbeanstalk:healthreporting:system", "OptionName": "SystemType", "Value": "enhanced"},
    {"Namespace": "aws:elasticbeanstalk:managedactions", "OptionName": "ManagedActionsEnabled", "Value": "true"},
    {"Namespace": "aws:elasticbeanstalk:cloudwatch:logs", "OptionName": "StreamLogs", "Value": "true"},
]


def seed_beanstalk_athena_glacier(endpoint: str, region: str) -> Failures:
    return _beanstalk(endpoint, region) | _athena(endpoint, region) | _glacier(endpoint, region)


def _beanstalk(endpoint: str, region: str) -> Failures:
    beanstalk = aws(endpoint, "elasticbeanstalk", region)
    beanstalk.create_application(ApplicationName="storefront")
    stack = "64bit Amazon Linux 2023 v4.3.0 running Python 3.11"
    beanstalk.create_environment(
        ApplicationName="storefront",
        EnvironmentName="storefront-prod",
        SolutionStackName=stack,
        OptionSettings=HARDENED,
    )
    loose = beanstalk.create_environment(
        ApplicationName="storefront", EnvironmentName="storefront-dev", SolutionStackName=stack
    )["EnvironmentArn"]
    checks = ("enhanced_health_reporting", "managed_platform_updates", "cloudwatch_logs_streaming")
    return {(f"aws.elasticbeanstalk.{name}", loose, region) for name in checks}


def _athena(endpoint: str, region: str) -> Failures:
    athena = aws(endpoint, "athena", region)
    athena.create_work_group(
        Name="analysts",
        Configuration={
            "ResultConfiguration": {"EncryptionConfiguration": {"EncryptionOption": "SSE_S3"}},
            "EnforceWorkGroupConfiguration": True,
            "PublishCloudWatchMetricsEnabled": True,
        },
    )
    athena.create_work_group(
        Name="adhoc", Configuration={"EnforceWorkGroupConfiguration": False, "PublishCloudWatchMetricsEnabled": False}
    )
    checks = ("workgroup_results_encrypted", "workgroup_query_metrics_enabled")
    return {(f"aws.athena.{name}", f"{region}/adhoc", region) for name in checks}


def _glacier(endpoint: str, region: str) -> Failures:
    glacier = aws(endpoint, "glacier", region)
    grants = {"records": {"AWS": f"arn:aws:iam::{PARTNER}:root"}, "open-archive": "*"}
    for name, principal in grants.items():
        glacier.create_vault(vaultName=name)
        statement = {"Effect": "Allow", "Principal": principal, "Action": "glacier:InitiateJob", "Resource": "*"}
        document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
        glacier.set_vault_access_policy(vaultName=name, policy={"Policy": document})
    return {("aws.glacier.vault_policy_not_public", f"arn:aws:glacier:{region}:{ACCOUNT}:vaults/open-archive", region)}
