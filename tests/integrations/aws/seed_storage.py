"""Seeds for the end-to-end scan: one resource per storage/backup/messaging service and identity piece added in #15.

``seed_storage`` returns the failures it causes (``(check id, resource id, region)``).
"""

from __future__ import annotations

import json
from typing import Any

from tests.integrations.aws.support import ACCOUNT, aws


def seed_storage(endpoint: str, region: str, *, plain_volume: str) -> set[tuple[str, str, str]]:
    ec2 = aws(endpoint, "ec2", region)
    snapshot = ec2.create_snapshot(VolumeId=plain_volume, Description="nightly")["SnapshotId"]
    rds = aws(endpoint, "rds", region)
    rds.create_db_snapshot(DBSnapshotIdentifier="legacy-db-before-upgrade", DBInstanceIdentifier="legacy-db")
    aws(endpoint, "dynamodb", region).create_table(
        TableName="sessions",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        # Provisioned capacity that nothing scales: fails the auto scaling check.
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    )
    # Shared with a partner account outside any organisation condition.
    sessions = f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/sessions"
    partner = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"}, "Action": "dynamodb:Query"}
    aws(endpoint, "dynamodb", region).put_resource_policy(
        ResourceArn=sessions,
        Policy=json.dumps({"Version": "2012-10-17", "Statement": [{**partner, "Resource": sessions}]}),
    )
    aws(endpoint, "backup", region).create_backup_vault(BackupVaultName="default-vault")
    deny_http = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sqs:*",
        "Resource": f"arn:aws:sqs:{region}:{ACCOUNT}:jobs",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [deny_http]})
    aws(endpoint, "sqs", region).create_queue(
        QueueName="jobs", Attributes={"SqsManagedSseEnabled": "true", "Policy": policy}
    )
    secret = aws(endpoint, "secretsmanager", region).create_secret(Name="db-password", SecretString="s3cr3t-value")
    return {
        ("aws.ebs.snapshot_encrypted", snapshot, region),
        ("aws.rds.snapshot_encrypted", "legacy-db-before-upgrade", region),
        *{
            (f"aws.dynamodb.{name}", "sessions", region)
            for name in (
                "pitr_enabled",
                "deletion_protection",
                "kms_encryption",
                "table_policy_no_outside_access",
                "table_autoscaling_enabled",
            )
        },
        ("aws.backup.vault_locked", f"arn:aws:backup:{region}:{ACCOUNT}:backup-vault:default-vault", region),
        ("aws.secretsmanager.rotation_enabled", secret["ARN"], region),
    }


def seed_deployer_role(endpoint: str) -> None:
    """A role only this account may assume, with a scoped inline policy: passes the trust and inline checks. Beside it,
    a role GitHub Actions may assume for one repository's main branch, and one a partner account may assume with an
    external id and no ReadOnlyAccess: both pass their trust checks."""
    iam = aws(endpoint, "iam")
    trust: dict[str, Any] = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
        ],
    }
    iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=json.dumps(trust))
    scoped = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    iam.put_role_policy(RoleName="deployer", PolicyName="read-artifacts", PolicyDocument=json.dumps(scoped))
    github = {
        "Effect": "Allow",
        "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:sub": "repo:example-org/site:ref:refs/heads/main",
            }
        },
    }
    iam.create_role(RoleName="site-deploy", AssumeRolePolicyDocument=json.dumps({"Statement": [github]}))
    partner = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": "partner-7"}},
    }
    iam.create_role(RoleName="partner-review", AssumeRolePolicyDocument=json.dumps({"Statement": [partner]}))
