"""Seeds for the end-to-end scan: a SageMaker notebook instance and an EMR cluster of each kind.

``seed_sagemaker_and_emr`` returns the failures it causes (``(check id, resource id, region)``). The scan must
register ``support.emr_by_region`` on its connector, or moto shows the EMR clusters in every scanned region.
"""

from __future__ import annotations

import base64
import json

from tests.integrations.aws.support import ACCOUNT, aws


def seed_sagemaker_and_emr(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    ec2 = aws(endpoint, "ec2", region)
    subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]
    group = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]["GroupId"]
    # A rotating KMS key, so the key checks pass on it.
    kms = aws(endpoint, "kms", region)
    key = kms.create_key(Description="notebooks")["KeyMetadata"]
    kms.enable_key_rotation(KeyId=key["KeyId"])
    sagemaker = aws(endpoint, "sagemaker", region)
    common = {"InstanceType": "ml.t3.medium", "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/notebooks"}
    # A lifecycle script fetching its token from Secrets Manager rather than holding one: passes.
    fetch = "GIT_TOKEN=$(aws secretsmanager get-secret-value --secret-id git-token --query SecretString)"
    sagemaker.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="research-setup",
        OnStart=[{"Content": base64.b64encode(fetch.encode()).decode()}],
    )
    # In a default subnet, no direct internet access, no root, its volume under the key: passes every notebook check.
    sagemaker.create_notebook_instance(
        NotebookInstanceName="research",
        LifecycleConfigName="research-setup",
        SubnetId=subnet,
        SecurityGroupIds=[group],
        DirectInternetAccess="Disabled",
        RootAccess="Disabled",
        KmsKeyId=key["Arn"],
        **common,
    )
    # Outside any VPC, straight to the internet, root for its users, no key named: fails every notebook check.
    scratch = sagemaker.create_notebook_instance(
        NotebookInstanceName="scratch", DirectInternetAccess="Enabled", RootAccess="Enabled", **common
    )["NotebookInstanceArn"]

    emr = aws(endpoint, "emr", region)
    # Block public access on in this region only (the scan's other region keeps it unset, and fails).
    emr.put_block_public_access_configuration(BlockPublicAccessConfiguration={"BlockPublicSecurityGroupRules": True})
    encryption = {
        "EnableAtRestEncryption": True,
        "EnableInTransitEncryption": True,
        "AtRestEncryptionConfiguration": {
            "S3EncryptionConfiguration": {"EncryptionMode": "SSE-KMS", "AwsKmsKey": key["Arn"]}
        },
        "InTransitEncryptionConfiguration": {
            "TLSCertificateConfiguration": {"CertificateProviderType": "PEM", "S3Object": "s3://emr-certs/certs.zip"}
        },
    }
    emr.create_security_configuration(
        Name="encrypt-all", SecurityConfiguration=json.dumps({"EncryptionConfiguration": encryption})
    )
    cluster = {
        "ReleaseLabel": "emr-7.1.0",
        "Instances": {"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
        "JobFlowRole": "EMR_EC2_DefaultRole",
        "ServiceRole": "EMR_DefaultRole",
    }
    # Encrypted at rest and in transit, logs archived to S3: passes both cluster checks. Both clusters run in the
    # default subnets, which map public IPs: their masters have public addresses (but no group EMR made for them in
    # moto, so nothing admits the internet to them).
    etl = emr.run_job_flow(
        Name="nightly-etl", SecurityConfiguration="encrypt-all", LogUri="s3://emr-logs/etl/", **cluster
    )["ClusterArn"]
    # Neither: fails both.
    adhoc = emr.run_job_flow(Name="adhoc", **cluster)["ClusterArn"]
    return {
        *{
            (f"aws.sagemaker.{name}", scratch, region)
            for name in (
                "notebook_no_direct_internet_access",
                "notebook_root_access_disabled",
                "notebook_kms_encrypted",
                "notebook_in_vpc",
            )
        },
        *{(f"aws.emr.{name}", adhoc, region) for name in ("cluster_encryption_enabled", "cluster_logging_enabled")},
        *{("aws.emr.cluster_master_no_public_address", arn, region) for arn in (etl, adhoc)},
    }
