"""Seeds for the end-to-end scan: one resource per network/compute/edge service, so every such check has an outcome.

Everything seeded is hardened except an idle Elastic IP, a classic load balancer serving plain HTTP and the bucket a
CloudFront origin serves from (deleted);
``seed_network_compute`` returns the failures they cause (``(check id, resource id, region)``).
"""

from __future__ import annotations

import io
import json
import zipfile

from tests.certificates import self_signed
from tests.integrations.aws.support import ACCOUNT, TRUST_POLICY, aws, origin_access_control

MODERN_TLS = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"


def imported_certificate(endpoint: str, domain: str, days_left: int, region: str) -> str:
    """Import a self-signed certificate valid for ``days_left`` more days into ACM."""
    certificate, key = self_signed(domain, days_left)
    return aws(endpoint, "acm", region).import_certificate(Certificate=certificate, PrivateKey=key)["CertificateArn"]


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handle(event, context):\n    return event\n")
    return buffer.getvalue()


def _load_balancers(endpoint: str, region: str, certificate: str) -> str:
    ec2, elbv2 = aws(endpoint, "ec2", region), aws(endpoint, "elbv2", region)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"] if s["DefaultForAz"]][:2]
    arn = elbv2.create_load_balancer(Name="web", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    settings = (
        "access_logs.s3.enabled",
        "deletion_protection.enabled",
        "routing.http.drop_invalid_header_fields.enabled",
    )
    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=arn, Attributes=[{"Key": key, "Value": "true"} for key in settings]
    )
    group = elbv2.create_target_group(Name="web", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]
    elbv2.create_listener(
        LoadBalancerArn=arn,
        Protocol="HTTPS",
        Port=443,
        SslPolicy=MODERN_TLS,
        Certificates=[{"CertificateArn": certificate}],
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group["TargetGroupArn"]}],
    )
    aws(endpoint, "elb", region).create_load_balancer(
        LoadBalancerName="legacy-elb",
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}],
        AvailabilityZones=[f"{region}a"],
    )
    return arn


def _function_and_repository(endpoint: str, region: str) -> None:
    role = aws(endpoint, "iam").create_role(RoleName="fn-exec", AssumeRolePolicyDocument=TRUST_POLICY)["Role"]["Arn"]
    lam = aws(endpoint, "lambda", region)
    lam.create_function(
        FunctionName="thumbnailer", Runtime="python3.12", Role=role, Handler="handler.handle", Code={"ZipFile": _zip()}
    )
    lam.create_function_url_config(FunctionName="thumbnailer", AuthType="AWS_IAM")
    lam.add_permission(
        FunctionName="thumbnailer",
        StatementId="uploads",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::uploads",
    )
    ecr = aws(endpoint, "ecr", region)
    ecr.create_repository(
        repositoryName="api", imageScanningConfiguration={"scanOnPush": True}, imageTagMutability="IMMUTABLE"
    )
    ecr.set_repository_policy(
        repositoryName="api",
        policyText=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "ecr:*"}
                ],
            }
        ),
    )
    # One image, scanned: moto's scan reports one high finding and no critical one, so it passes.
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 7023,
            "digest": "sha256:" + "a" * 64,
        },
        "layers": [],
    }
    digest = ecr.put_image(repositoryName="api", imageManifest=json.dumps(manifest), imageTag="1.0.0")["image"][
        "imageId"
    ]
    ecr.start_image_scan(repositoryName="api", imageId={"imageDigest": digest["imageDigest"]})


def _distribution(endpoint: str, region: str) -> str:
    certificate = imported_certificate(endpoint, "cdn.example.com", 300, region)
    origin = {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}
    cloudfront = aws(endpoint, "cloudfront", region)
    # static assets from a private bucket the distribution signs its requests to, deleted since: anyone may now create
    # it (the one seeded failure of the distribution)
    control = origin_access_control(endpoint, "site-assets")
    assets = {
        "Id": "assets",
        "DomainName": f"site-assets.s3.{region}.amazonaws.com",
        "S3OriginConfig": {"OriginAccessIdentity": ""},
        "OriginAccessControlId": control,
    }
    created = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "site",
            "Comment": "site",
            "Enabled": True,
            # an alternate domain name, served on the distribution's own ACM certificate
            "Aliases": {"Quantity": 1, "Items": ["cdn.example.com"]},
            "DefaultRootObject": "index.html",
            "Origins": {
                "Quantity": 3,
                "Items": [
                    {"Id": "app", "DomainName": "app.example.com", "CustomOriginConfig": origin},
                    {"Id": "app-standby", "DomainName": "standby.example.com", "CustomOriginConfig": origin},
                    assets,
                ],
            },
            # the standby answers when the app fails
            "OriginGroups": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "app-failover",
                        "FailoverCriteria": {"StatusCodes": {"Quantity": 2, "Items": [502, 503]}},
                        "Members": {"Quantity": 2, "Items": [{"OriginId": "app"}, {"OriginId": "app-standby"}]},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "app",
                "ViewerProtocolPolicy": "https-only",
                "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            },
            "ViewerCertificate": {
                "ACMCertificateArn": certificate,
                "SSLSupportMethod": "sni-only",
                "MinimumProtocolVersion": "TLSv1.2_2021",
            },
            "Logging": {"Enabled": True, "IncludeCookies": False, "Bucket": "cdn-logs.s3.amazonaws.com", "Prefix": ""},
            "WebACLId": f"arn:aws:wafv2:us-east-1:{ACCOUNT}:global/webacl/edge/1",
        }
    )
    return str(created["Distribution"]["Id"])


def _firewall(endpoint: str, region: str) -> None:
    """A Network Firewall in two zones of the default VPC sending its alerts to CloudWatch Logs, under a policy that
    inspects or drops what no stateless rule matched and holds a stateful rule group (passes)."""
    nfw = aws(endpoint, "network-firewall", region)
    policy = nfw.create_firewall_policy(
        FirewallPolicyName="egress",
        FirewallPolicy={
            "StatelessDefaultActions": ["aws:forward_to_sfe"],
            "StatelessFragmentDefaultActions": ["aws:drop"],
            "StatefulRuleGroupReferences": [
                {"ResourceArn": f"arn:aws:network-firewall:{region}:{ACCOUNT}:stateful-rulegroup/egress-domains"}
            ],
        },
    )["FirewallPolicyResponse"]["FirewallPolicyArn"]
    ec2 = aws(endpoint, "ec2", region)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    listed = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    zones = {s["AvailabilityZone"]: s["SubnetId"] for s in listed}
    arn = nfw.create_firewall(
        FirewallName="egress",
        FirewallPolicyArn=policy,
        VpcId=vpc,
        SubnetMappings=[{"SubnetId": zones[f"{region}a"]}, {"SubnetId": zones[f"{region}b"]}],
    )["Firewall"]["FirewallArn"]
    destination = {"LogType": "ALERT", "LogDestinationType": "CloudWatchLogs", "LogDestination": {"logGroup": "nfw"}}
    nfw.update_logging_configuration(FirewallArn=arn, LoggingConfiguration={"LogDestinationConfigs": [destination]})


def _log_resource_policy(endpoint: str, region: str) -> None:
    """The CloudWatch Logs resource policy Route 53 query logging needs, for Route 53 alone (passes)."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "route53.amazonaws.com"},
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": f"arn:aws:logs:{region}:{ACCOUNT}:log-group:/aws/route53/*",
    }
    aws(endpoint, "logs", region).put_resource_policy(
        policyName="route53-query-logs", policyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )


def seed_network_compute(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    """Seed ``region``; return the failures the seed causes."""
    _firewall(endpoint, region)
    _log_resource_policy(endpoint, region)
    idle_ip = aws(endpoint, "ec2", region).allocate_address(Domain="vpc")["AllocationId"]
    _load_balancers(endpoint, region, imported_certificate(endpoint, "web.example.com", 200, region))
    _function_and_repository(endpoint, region)
    distribution = _distribution(endpoint, region)
    return {
        ("aws.cloudfront.s3_origin_bucket_exists", distribution, ""),
        ("aws.ec2.eip_associated", idle_ip, region),
        ("aws.elb.listeners_encrypted", "legacy-elb", region),
        ("aws.elb.access_logging_enabled", "legacy-elb", region),
        # one zone, without cross-zone load balancing or connection draining
        ("aws.elb.multiple_azs", "legacy-elb", region),
        ("aws.elb.cross_zone_load_balancing", "legacy-elb", region),
        ("aws.elb.connection_draining_enabled", "legacy-elb", region),
        # the registry is left on basic scanning
        ("aws.ecr.registry_enhanced_scanning", f"arn:aws:ecr:{region}:{ACCOUNT}:registry", region),
        # its images are kept for ever: no lifecycle policy expires them
        ("aws.ecr.lifecycle_policy", "api", region),
    }
