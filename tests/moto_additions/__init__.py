"""Operations moto 5.2 does not serve, added to its own responders so its server answers them.

Each module adds one service's missing reads and writes to moto's response class for that service, keeping state on
moto's backend of the account and region (so ``/moto-api/reset`` clears it like the rest of moto's state). A test sets
that state with the same boto3 call an operator makes against AWS, and the connector reads it back over HTTP through
botocore, as from AWS; answers are shaped by botocore's model (moto's ``ActionResult``). Where moto models the
operation but refuses a value AWS takes (the docdb engine, IAM authentication on Neptune), the module widens what moto's
own models accept instead, and everything else stays moto's behaviour.

- ``ec2_settings``: block public access for EBS snapshots and AMIs, instance metadata defaults, serial console access.
- ``ec2_client_vpn``: Client VPN endpoints (create, describe, modify, delete).
- ``apigateway``: client certificates (generate, list, get, delete) and a stage's client certificate.
- ``codebuild``: project visibility (UpdateProjectVisibility) and webhooks (create, update, delete); BatchGetProjects
  reports both.
- ``cloudfront``: which origin access control (or identity) an origin uses, kept and answered.
- ``athena``: the REST paths botocore's Athena model now uses, and UpdateWorkGroup.
- ``bedrock``: custom models keep the KMS key their customization job named, or none.
- ``bedrock_guardrails``: Bedrock guardrails (create, get, list) with their content, sensitive information and
  contextual grounding policies.
- ``bedrockagent``: Bedrock agents' guardrails (CreateAgent keeps guardrailConfiguration, GetAgent reports it).
- ``backup``: backup plan selections (create, list, get, delete) and region settings (service opt-in).
- ``networkfirewall``: firewall policies (create, describe, update, list).
- ``docdb``: the ``docdb`` engine on moto's RDS clusters and instances (Amazon DocumentDB shares RDS's API).
- ``dax``: cluster nodes placed in Availability Zones as AWS places them.
- ``eks``: cluster deletion protection (CreateCluster and UpdateClusterConfig keep it, DescribeCluster reports it).
- ``guardduty``: findings (sample findings of documented types, list, get, archive, unarchive).
- ``emr``: a cluster's master node named privately when its subnet maps no public IPs.
- ``glacier``: vault access policies (set, get, delete).
- ``memorydb``: clusters without replicas (Single-AZ), which moto turns into one replica per shard.
- ``neptune``: IAM database authentication on Neptune clusters.
- ``organizations``: DescribeEffectivePolicy for AI services opt-out policies (inheritance worked out as AWS does).
- ``route53domains``: transfer locks (EnableDomainTransferLock, DisableDomainTransferLock; ListDomains and
  GetDomainDetail answer them).
- ``redshift``: Multi-AZ clusters (CreateCluster and ModifyCluster take it, DescribeClusters reports it) and
  parameter values (ModifyClusterParameterGroup, DescribeClusterParameters).
- ``sagemaker``: network isolation on models (CreateModel keeps it, DescribeModel reports it).
- ``ssm``: service settings (get, update, reset) for the document public sharing permission.
- ``elasticbeanstalk``: environments' option settings (CreateEnvironment keeps them, UpdateEnvironment,
  DescribeConfigurationSettings).

Installed on import: by ``tests.conftest_moto`` for the test servers, and by ``python -m tests.moto_additions`` (the
benchmark's moto server process, which takes moto's own server options).
"""

from __future__ import annotations

from . import (
    apigateway,
    athena,
    backup,
    bedrock,
    bedrock_guardrails,
    bedrockagent,
    cloudfront,
    codebuild,
    dax,
    docdb,
    ec2_client_vpn,
    ec2_settings,
    eks,
    elasticbeanstalk,
    emr,
    glacier,
    guardduty,
    memorydb,
    neptune,
    networkfirewall,
    organizations,
    redshift,
    route53domains,
    sagemaker,
    ssm,
)

ec2_settings.install()
ec2_client_vpn.install()
elasticbeanstalk.install()
eks.install()
emr.install()
apigateway.install()
athena.install()
backup.install()
bedrock.install()
bedrock_guardrails.install()
bedrockagent.install()
cloudfront.install()
codebuild.install()
networkfirewall.install()
dax.install()
docdb.install()
glacier.install()
guardduty.install()
memorydb.install()
neptune.install()
organizations.install()
redshift.install()
route53domains.install()
ssm.install()
sagemaker.install()
