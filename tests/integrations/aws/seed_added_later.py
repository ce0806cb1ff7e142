"""Seeds for the end-to-end scan: resources for the checks added late in #15.

A hardened EKS cluster, an S3 gateway endpoint in ``region``'s default VPC (on AWS's default policy, which fails the
endpoint policy check), an SQS interface endpoint in two zones, an OpenID Connect provider, an organization whose
root carries a customer SCP and an AI services opt-out policy (with an active delegated administrator) and a narrow
VPC peering route pass;
``seed_added_later`` returns the failures the earlier seeds now cause as well (the ``web`` application
load balancer of ``seed_network_compute`` has no web ACL) and a route table sending 0.0.0.0/0 to the peering.
"""

from __future__ import annotations

import json

from tests.integrations.aws.support import ACCOUNT, OTHER_REGION, aws


def seed_added_later(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    """Seed ``region`` (after ``seed_network_compute``); return the failures to expect from these checks."""
    aws(endpoint, "eks", region).create_cluster(
        name="platform",
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/eks",
        resourcesVpcConfig={"subnetIds": ["subnet-1"], "endpointPublicAccess": False, "endpointPrivateAccess": True},
        logging={"clusterLogging": [{"types": ["api", "audit", "authenticator"], "enabled": True}]},
        deletionProtection=True,
    )
    ec2 = aws(endpoint, "ec2", region)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    # With AWS's default policy (anyone, anything): fails the endpoint policy check.
    gateway = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{region}.s3", VpcEndpointType="Gateway")[
        "VpcEndpoint"
    ]["VpcEndpointId"]
    # An SQS interface endpoint in two zones, its policy pinned to this account's principals: passes.
    zones = {s["AvailabilityZone"]: s["SubnetId"] for s in ec2.describe_subnets()["Subnets"] if s["DefaultForAz"]}
    pinned = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "*",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}},
    }
    ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName=f"com.amazonaws.{region}.sqs",
        VpcEndpointType="Interface",
        SubnetIds=[zones[zone] for zone in sorted(zones)[:2]],
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [pinned]}),
    )
    aws(endpoint, "iam").create_open_id_connect_provider(
        Url="https://token.actions.githubusercontent.com", ThumbprintList=["a" * 40], ClientIDList=["sts.amazonaws.com"]
    )
    org = aws(endpoint, "organizations")
    org.create_organization(FeatureSet="ALL")
    workloads = org.create_account(AccountName="workloads", Email="workloads@example.com")
    org.register_delegated_administrator(
        AccountId=workloads["CreateAccountStatus"]["AccountId"], ServicePrincipal="guardduty.amazonaws.com"
    )
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "cloudtrail:StopLogging", "Resource": "*"}],
    }
    policy = org.create_policy(
        Name="baseline", Description="baseline", Content=json.dumps(deny), Type="SERVICE_CONTROL_POLICY"
    )["Policy"]["PolicySummary"]["Id"]
    root = org.list_roots()["Roots"][0]["Id"]
    org.attach_policy(PolicyId=policy, TargetId=root)
    # Every account opted out of AI services' use of its content, locked at the root: passes.
    opt_out = {"opt_out_policy": {"@@assign": "optOut", "@@operators_allowed_for_child_policies": ["@@none"]}}
    ai_policy = org.create_policy(
        Name="ai-opt-out",
        Description="ai-opt-out",
        Content=json.dumps({"services": {"default": opt_out}}),
        Type="AISERVICES_OPT_OUT_POLICY",
    )["Policy"]["PolicySummary"]["Id"]
    org.attach_policy(PolicyId=ai_policy, TargetId=root)
    # The default VPC peers with the other region's default VPC: its main route table reaches the peer's range
    # (narrow, passes) and one more table sends everything there (fails).
    peer = aws(endpoint, "ec2", OTHER_REGION).describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])
    peering = ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=peer["Vpcs"][0]["VpcId"], PeerRegion=OTHER_REGION)[
        "VpcPeeringConnection"
    ]["VpcPeeringConnectionId"]
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="172.16.0.0/16", VpcPeeringConnectionId=peering)
    everything = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=everything, DestinationCidrBlock="0.0.0.0/0", VpcPeeringConnectionId=peering)
    web = aws(endpoint, "elbv2", region).describe_load_balancers(Names=["web"])["LoadBalancers"][0]
    return {
        ("aws.elbv2.waf_enabled", web["LoadBalancerArn"], region),
        ("aws.vpc.peering_routes_least_access", everything, region),
        ("aws.vpc.endpoint_policy_trusted_principals", gateway, region),
    }
