"""Seeds for the end-to-end scan: S3 and EFS access points and a DAX cluster, each configured to pass.

An access point on the ``cw-config`` bucket keeps AWS's default Block Public Access settings (all four on), and so
does a Multi-Region Access Point in front of it (made through US West (Oregon), as AWS requires); the
shared EFS file system gets an access point confined to ``/app`` as user 1000; a DAX cluster is encrypted at rest
and serves clients over TLS. None of them adds a failure: the EFS file system's own missing policy is expected by
the end-to-end test itself.
"""

from __future__ import annotations

from tests.integrations.aws.support import ACCOUNT, aws


def seed_access_points_and_dax(endpoint: str, region: str, file_system: str) -> set[tuple[str, str, str]]:
    """Seed ``region`` (after the S3 buckets and ``file_system`` exist); return the failures to expect (none)."""
    aws(endpoint, "s3control", region).create_access_point(AccountId=ACCOUNT, Name="config-readers", Bucket="cw-config")
    aws(endpoint, "s3control", "us-west-2").create_multi_region_access_point(
        AccountId=ACCOUNT,
        ClientToken="config-global",
        Details={"Name": "config-global", "Regions": [{"Bucket": "cw-config"}]},
    )
    aws(endpoint, "efs", region).create_access_point(
        FileSystemId=file_system,
        PosixUser={"Uid": 1000, "Gid": 1000},
        RootDirectory={"Path": "/app", "CreationInfo": {"OwnerUid": 1000, "OwnerGid": 1000, "Permissions": "750"}},
    )
    dax = aws(endpoint, "dax", region)
    dax.create_cluster(
        ClusterName="sessions",
        NodeType="dax.t3.small",
        ReplicationFactor=3,
        IamRoleArn=f"arn:aws:iam::{ACCOUNT}:role/dax-tables",
        SSESpecification={"Enabled": True},
        ClusterEndpointEncryptionType="TLS",
    )
    for _ in range(4):  # moto makes a cluster available, its nodes listed across zones, on its fourth description
        dax.describe_clusters()
    return set()
