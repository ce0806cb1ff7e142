"""The AWS collectors: one module per service group, mirroring ``checks``.

Each collector reads one inventory service in one region (or globally) through the clients
its :class:`Scope` holds, and returns that service's shape from ``shapes``.  The connector
(``client``) builds the clients, runs the collectors on its thread pool and files the results.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._common import Scope
from .account import collect_account
from .apigateway import collect_apigateway
from .apigatewayv2 import collect_apigatewayv2
from .appsync import collect_appsync
from .athena import collect_athena
from .autoscaling import collect_autoscaling, collect_launch_templates
from .backup import collect_backup, collect_dynamodb
from .batch import collect_batch
from .bedrock import collect_bedrock
from .cloudformation import collect_cloudformation
from .cloudtrail import collect_cloudtrail, collect_config
from .cloudwatch import collect_cloudwatch
from .codebuild import collect_codebuild
from .cognito import collect_cognito
from .compute import collect_ecr, collect_lambda
from .data_stores import collect_efs, collect_kms, collect_rds
from .datasync import collect_datasync
from .dax import collect_dax
from .detection import collect_guardduty, collect_inspector2, collect_macie, collect_securityhub
from .directconnect import collect_directconnect
from .directory import collect_directoryservice
from .dms import collect_dms
from .docdb import collect_docdb
from .ebs import collect_ebs
from .ec2 import collect_ec2, collect_vpc
from .ec2_settings import (
    collect_image_block_public_access,
    collect_instance_metadata_defaults,
    collect_serial_console_access,
    collect_snapshot_block_public_access,
)
from .ecs import collect_ecs
from .edge import collect_acm, collect_cloudfront
from .eks import collect_eks
from .elasticache import collect_elasticache
from .elasticbeanstalk import collect_elasticbeanstalk
from .elb import collect_elb, collect_elbv2
from .emr import collect_emr
from .endpoint_services import collect_vpc_endpoint_services
from .eventbridge import collect_eventbridge
from .filtering import collect_networkfirewall
from .firehose import collect_firehose
from .fsx import collect_fsx
from .glacier import collect_glacier
from .glue import collect_glue
from .iam import collect_accessanalyzer, collect_iam
from .images import collect_images
from .kinesis import collect_kinesis
from .logs import collect_logs
from .memorydb import collect_memorydb
from .messaging import collect_secretsmanager, collect_sns, collect_sqs
from .mq import collect_mq
from .msk import collect_msk
from .neptune import collect_neptune
from .network import collect_eip, collect_route_tables
from .network_hygiene import collect_network_interfaces
from .opensearch import collect_opensearch
from .organizations import collect_organizations
from .redshift import collect_redshift
from .route53 import collect_route53
from .route53domains import collect_route53domains
from .s3 import collect_s3, collect_s3_access_points, collect_s3_multi_region_access_points
from .sagemaker import collect_sagemaker
from .ses import collect_ses
from .shield import collect_shield
from .ssm import collect_ssm, collect_ssm_managed_nodes, collect_ssm_patching, collect_ssm_public_sharing
from .stepfunctions import collect_stepfunctions
from .transfer import collect_transfer
from .user_data import collect_instance_user_data
from .vpc_settings import collect_client_vpn_endpoints, collect_subnets, collect_transit_gateways
from .wafv2 import collect_wafv2
from .workspaces import collect_workspaces

Collector = Callable[[Scope], Mapping[str, Any]]

COLLECTORS: dict[str, Collector] = {
    "iam": collect_iam,
    "account": collect_account,
    "s3": collect_s3,
    "accessanalyzer": collect_accessanalyzer,
    "cloudtrail": collect_cloudtrail,
    "cloudwatch": collect_cloudwatch,
    "config": collect_config,
    "ec2": collect_ec2,
    "efs": collect_efs,
    "guardduty": collect_guardduty,
    "kms": collect_kms,
    "rds": collect_rds,
    "securityhub": collect_securityhub,
    "vpc": collect_vpc,
    "backup": collect_backup,
    "dynamodb": collect_dynamodb,
    "ebs": collect_ebs,
    "secretsmanager": collect_secretsmanager,
    "sns": collect_sns,
    "sqs": collect_sqs,
    "acm": collect_acm,
    "cloudfront": collect_cloudfront,
    "ecr": collect_ecr,
    "eip": collect_eip,
    "route_tables": collect_route_tables,
    "elb": collect_elb,
    "elbv2": collect_elbv2,
    "eks": collect_eks,
    "organizations": collect_organizations,
    "inspector2": collect_inspector2,
    "lambda": collect_lambda,
    "macie": collect_macie,
    "redshift": collect_redshift,
    "logs": collect_logs,
    "apigateway": collect_apigateway,
    "opensearch": collect_opensearch,
    "sagemaker": collect_sagemaker,
    "emr": collect_emr,
    "neptune": collect_neptune,
    "docdb": collect_docdb,
    "dms": collect_dms,
    "stepfunctions": collect_stepfunctions,
    "wafv2": collect_wafv2,
    "apigatewayv2": collect_apigatewayv2,
    "ecs": collect_ecs,
    "elasticache": collect_elasticache,
    "kinesis": collect_kinesis,
    "mq": collect_mq,
    "codebuild": collect_codebuild,
    "ssm": collect_ssm,
    "glue": collect_glue,
    "cloudformation": collect_cloudformation,
    "batch": collect_batch,
    "ses": collect_ses,
    "route53": collect_route53,
    "route53domains": collect_route53domains,
    "autoscaling": collect_autoscaling,
    "launch_templates": collect_launch_templates,
    "msk": collect_msk,
    "appsync": collect_appsync,
    "transfer": collect_transfer,
    "eventbridge": collect_eventbridge,
    "images": collect_images,
    "instance_user_data": collect_instance_user_data,
    "subnets": collect_subnets,
    "transit_gateways": collect_transit_gateways,
    "network_interfaces": collect_network_interfaces,
    "s3_access_points": collect_s3_access_points,
    "s3_multi_region_access_points": collect_s3_multi_region_access_points,
    "dax": collect_dax,
    "memorydb": collect_memorydb,
    "fsx": collect_fsx,
    "networkfirewall": collect_networkfirewall,
    "vpc_endpoint_services": collect_vpc_endpoint_services,
    "bedrock": collect_bedrock,
    "datasync": collect_datasync,
    "firehose": collect_firehose,
    "directconnect": collect_directconnect,
    "directoryservice": collect_directoryservice,
    "cognito": collect_cognito,
    "workspaces": collect_workspaces,
    "shield": collect_shield,
    "snapshot_block_public_access": collect_snapshot_block_public_access,
    "image_block_public_access": collect_image_block_public_access,
    "instance_metadata_defaults": collect_instance_metadata_defaults,
    "serial_console_access": collect_serial_console_access,
    "elasticbeanstalk": collect_elasticbeanstalk,
    "client_vpn_endpoints": collect_client_vpn_endpoints,
    "athena": collect_athena,
    "glacier": collect_glacier,
    "ssm_public_sharing": collect_ssm_public_sharing,
    "ssm_patching": collect_ssm_patching,
    "ssm_managed_nodes": collect_ssm_managed_nodes,
}
