"""Seeds for the end-to-end scan: an API Gateway REST API with a hardened and a bare stage (and an unauthorized public
method), a modern and an old custom domain name, and an OpenSearch domain of each kind.

``seed_apigateway_and_opensearch`` returns the failures it causes (``(check id, resource id, region)``).
"""

from __future__ import annotations

import json

from tests.integrations.aws.support import ACCOUNT, aws


def seed_apigateway_and_opensearch(endpoint: str, region: str) -> set[tuple[str, str, str]]:
    apigateway = aws(endpoint, "apigateway", region)
    api = apigateway.create_rest_api(name="storefront", endpointConfiguration={"types": ["REGIONAL"]})["id"]
    root = apigateway.get_resources(restApiId=api)["items"][0]["id"]
    apigateway.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigateway.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
    deployment = apigateway.create_deployment(restApiId=api)["id"]
    # "prod" logs every method's errors, is traced, encrypts its cache, presents a client certificate to its backend
    # and sits behind a web ACL: passes every stage check.
    apigateway.create_stage(restApiId=api, stageName="prod", deploymentId=deployment, tracingEnabled=True)
    certificate = apigateway.generate_client_certificate(description="storefront backend")["clientCertificateId"]
    apigateway.update_stage(
        restApiId=api,
        stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/*/*/logging/loglevel", "value": "ERROR"},
            {"op": "replace", "path": "/clientCertificateId", "value": certificate},
            # a cache, encrypted
            {"op": "replace", "path": "/cacheClusterEnabled", "value": "true"},
            {"op": "replace", "path": "/*/*/caching/enabled", "value": "true"},
            {"op": "replace", "path": "/*/*/caching/dataEncrypted", "value": "true"},
        ],
    )
    prod = f"arn:aws:apigateway:{region}::/restapis/{api}/stages/prod"
    acl = aws(endpoint, "wafv2", region).create_web_acl(
        Name="storefront",
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        VisibilityConfig={"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "store"},
    )["Summary"]["ARN"]
    aws(endpoint, "wafv2", region).associate_web_acl(WebACLArn=acl, ResourceArn=prod)
    # "beta" has none of it: fails every stage check.
    apigateway.create_stage(restApiId=api, stageName="beta", deploymentId=deployment)
    beta = f"arn:aws:apigateway:{region}::/restapis/{api}/stages/beta"
    # Custom domain names: one on a TLS 1.3 policy, one still accepting TLS 1.0.
    certificate_arn = f"arn:aws:acm:{region}:{ACCOUNT}:certificate/storefront"
    for domain, policy in (("api.example.com", "SecurityPolicy_TLS13_1_3_2025_09"), ("old-api.example.com", "TLS_1_0")):
        apigateway.create_domain_name(
            domainName=domain,
            regionalCertificateArn=certificate_arn,
            endpointConfiguration={"types": ["REGIONAL"]},
            securityPolicy=policy,
        )

    opensearch = aws(endpoint, "opensearch", region)
    subnet = aws(endpoint, "ec2", region).describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])[
        "Subnets"
    ][0]["SubnetId"]
    # In a default subnet, encrypted at rest and between nodes, HTTPS with TLS 1.2 only, fine-grained access control
    # (IAM users, no internal user database, Dashboards behind SAML), error and audit logs published, three data nodes
    # over three zones under three dedicated masters: passes every domain check.
    log_group = f"arn:aws:logs:{region}:{ACCOUNT}:log-group:/opensearch/catalog"
    opensearch.create_domain(
        DomainName="catalog",
        VPCOptions={"SubnetIds": [subnet]},
        EncryptionAtRestOptions={"Enabled": True},
        NodeToNodeEncryptionOptions={"Enabled": True},
        ClusterConfig={
            "InstanceType": "r6g.large.search",
            "InstanceCount": 3,
            "ZoneAwarenessEnabled": True,
            "ZoneAwarenessConfig": {"AvailabilityZoneCount": 3},
            "DedicatedMasterEnabled": True,
            "DedicatedMasterCount": 3,
            "DedicatedMasterType": "m6g.large.search",
        },
        DomainEndpointOptions={"EnforceHTTPS": True, "TLSSecurityPolicy": "Policy-Min-TLS-1-2-2019-07"},
        AdvancedSecurityOptions={
            "Enabled": True,
            "MasterUserOptions": {"MasterUserARN": f"arn:aws:iam::{ACCOUNT}:role/search-admin"},
            "SAMLOptions": {"Enabled": True, "Idp": {"MetadataContent": "<md/>" * 20, "EntityId": "https://idp"}},
        },
        LogPublishingOptions={
            kind: {"CloudWatchLogsLogGroupArn": f"{log_group}/{kind.lower()}", "Enabled": True}
            for kind in ("ES_APPLICATION_LOGS", "AUDIT_LOGS")
        },
    )
    # Public, open to anyone, unencrypted, plain HTTP accepted, one node: fails every domain check (but the internal
    # user database one: it has no fine-grained access control at all, which its own check fails).
    anyone = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "es:*", "Resource": "*"}
    legacy = opensearch.create_domain(
        DomainName="legacy-search",
        AccessPolicies=json.dumps({"Version": "2012-10-17", "Statement": [anyone]}),
    )["DomainStatus"]["ARN"]
    return {
        ("aws.apigateway.domain_name_tls_1_2", "old-api.example.com", region),
        *{
            (f"aws.apigateway.{name}", beta, region)
            for name in (
                "stage_logging_enabled",
                "stage_tracing_enabled",
                "stage_waf_enabled",
                "stage_client_certificate_enabled",
            )
        },
        *{
            (f"aws.opensearch.{name}", legacy, region)
            for name in (
                "encrypted_at_rest",
                "node_to_node_encryption",
                "https_tls12_required",
                "not_publicly_accessible",
                "cloudwatch_logging",
                "audit_logging",
                "fine_grained_access_control",
                "data_nodes_fault_tolerant",
                "dedicated_master_nodes_fault_tolerant",
                "dashboards_identity_provider",
            )
        },
        # the storefront API's GET / asks for no authorization
        ("aws.apigateway.public_rest_api_methods_authorized", f"arn:aws:apigateway:{region}::/restapis/{api}", region),
    }
