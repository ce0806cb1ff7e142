"""API Gateway REST API stage checks and OpenSearch Service domain checks against moto."""

from __future__ import annotations

import json
from typing import Any

import pytest

from integrations.providers.aws.collectors import apigateway as apigateway_collector
from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    aws,
    collect,
    connector,
    inventory,
    json_reply,
    only,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
STAGE_CHECKS = [
    "aws.apigateway.stage_logging_enabled",
    "aws.apigateway.stage_tracing_enabled",
    "aws.apigateway.stage_waf_enabled",
    "aws.apigateway.stage_client_certificate_enabled",
]
CLIENT_CERTIFICATE = "aws.apigateway.stage_client_certificate_enabled"
DOMAIN_CHECKS = [
    "aws.opensearch.encrypted_at_rest",
    "aws.opensearch.node_to_node_encryption",
    "aws.opensearch.https_tls12_required",
    "aws.opensearch.not_publicly_accessible",
]
TLS_1_2 = "Policy-Min-TLS-1-2-2019-07"
TLS_1_0 = "Policy-Min-TLS-1-0-2019-07"
# The patch path of the execution logging level every method of a stage inherits.
ALL_METHODS_LOG_LEVEL = "/*/*/logging/loglevel"


# --- api gateway ---------------------------------------------------------------------------------------------------


def _rest_api(endpoint: str, name: str, region: str = REGION, endpoint_type: str = "REGIONAL") -> str:
    """A REST API with one mocked GET method on its root, deployed once, so stages can be created on it."""
    apigateway = aws(endpoint, "apigateway", region)
    api_id = str(apigateway.create_rest_api(name=name, endpointConfiguration={"types": [endpoint_type]})["id"])
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    apigateway.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigateway.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    return api_id


def _stage(endpoint: str, api_id: str, name: str, region: str = REGION, **settings: Any) -> str:
    """Create stage ``name`` (create_stage's own ``settings``, e.g. tracingEnabled) and return its ARN."""
    apigateway = aws(endpoint, "apigateway", region)
    deployment = apigateway.create_deployment(restApiId=api_id)["id"]
    apigateway.create_stage(restApiId=api_id, stageName=name, deploymentId=deployment, **settings)
    return f"arn:aws:apigateway:{region}::/restapis/{api_id}/stages/{name}"


def _web_acl(endpoint: str, region: str = REGION) -> str:
    return str(
        aws(endpoint, "wafv2", region).create_web_acl(
            Name="api-shield",
            Scope="REGIONAL",
            DefaultAction={"Allow": {}},
            VisibilityConfig={"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "api"},
        )["Summary"]["ARN"]
    )


def _update(endpoint: str, api_id: str, stage: str, settings: dict[str, str], region: str = REGION) -> None:
    """Replace stage settings, keyed by their patch paths ("/tracingEnabled", "/*/*/logging/loglevel")."""
    operations = [{"op": "replace", "path": path, "value": value} for path, value in settings.items()]
    aws(endpoint, "apigateway", region).update_stage(restApiId=api_id, stageName=stage, patchOperations=operations)


def test_stage_checks_pass_a_hardened_stage_and_fail_a_bare_one(moto_reset: str) -> None:
    # given one API with a stage that logs errors of every method, traces with X-Ray, sits behind a web ACL and
    # presents a client certificate to its backend, and a bare stage beside it
    api = _rest_api(moto_reset, "orders")
    hardened = _stage(moto_reset, api, "prod", tracingEnabled=True)
    certificate = aws(moto_reset, "apigateway").generate_client_certificate(description="orders backend")
    certificate_id = certificate["clientCertificateId"]
    _update(moto_reset, api, "prod", {ALL_METHODS_LOG_LEVEL: "ERROR", "/clientCertificateId": certificate_id})
    acl = _web_acl(moto_reset)
    aws(moto_reset, "wafv2").associate_web_acl(WebACLArn=acl, ResourceArn=hardened)
    bare = _stage(moto_reset, api, "dev")
    # when the stage checks run on one collection
    collected = collect(moto_reset, STAGE_CHECKS)
    # then the hardened stage passes them all and the bare one fails them all
    assert {cid: statuses(run(collected, cid)) for cid in STAGE_CHECKS} == {
        cid: {hardened: PASS, bare: FAIL} for cid in STAGE_CHECKS
    }
    # and the reasons name the stage, its API and what was seen
    reasons = {(cid, o.resource_id): o.reason for cid in STAGE_CHECKS for o in run(collected, cid)}
    label = f"Stage prod of REST API orders ({api})"
    assert reasons[("aws.apigateway.stage_logging_enabled", hardened)] == f"{label} logs execution at ERROR level"
    assert reasons[("aws.apigateway.stage_logging_enabled", bare)] == (
        f"Stage dev of REST API orders ({api}) has execution logging not set and no access log destination"
    )
    assert reasons[("aws.apigateway.stage_tracing_enabled", hardened)] == f"{label} has X-Ray tracing on"
    assert reasons[("aws.apigateway.stage_waf_enabled", hardened)] == f"{label} is protected by web ACL {acl}"
    assert reasons[("aws.apigateway.stage_waf_enabled", bare)] == f"Stage dev of REST API orders ({api}) has no web ACL"
    assert reasons[(CLIENT_CERTIFICATE, hardened)] == (
        f"{label} presents client certificate {certificate_id} to its backend"
    )
    assert reasons[(CLIENT_CERTIFICATE, bare)] == f"Stage dev of REST API orders ({api}) has no client certificate"


def test_a_stage_whose_client_certificate_was_removed_fails(moto_reset: str) -> None:
    # given a stage that presented a client certificate until it was removed from the stage
    api = _rest_api(moto_reset, "payments", region=OTHER_REGION)
    stage = _stage(moto_reset, api, "live", region=OTHER_REGION)
    apigateway = aws(moto_reset, "apigateway", OTHER_REGION)
    certificate_id = apigateway.generate_client_certificate()["clientCertificateId"]
    _update(moto_reset, api, "live", {"/clientCertificateId": certificate_id}, region=OTHER_REGION)
    assert statuses(scan(moto_reset, CLIENT_CERTIFICATE, regions=[OTHER_REGION])) == {stage: PASS}
    apigateway.update_stage(
        restApiId=api, stageName="live", patchOperations=[{"op": "remove", "path": "/clientCertificateId"}]
    )
    # when the check runs again
    outcome = only(scan(moto_reset, CLIENT_CERTIFICATE, regions=[OTHER_REGION]))
    # then the stage fails, in its own region, with nothing observed
    assert (outcome.resource_id, outcome.status, outcome.region) == (stage, FAIL, OTHER_REGION)
    assert outcome.observed == {"client_certificate_id": None}


def test_stages_kept_before_client_certificates_were_collected_are_not_judged_on_them(moto_reset: str) -> None:
    # given an inventory whose stage holds no client certificate entry (collected before it was kept)
    api = _rest_api(moto_reset, "legacy")
    _stage(moto_reset, api, "prod", tracingEnabled=True)
    collected = collect(moto_reset, STAGE_CHECKS)
    for stage in collected.data["apigateway"]["regions"][REGION]["rest_apis"][0]["stages"]:
        del stage["client_certificate_id"]
    # when the checks run over it
    # then the certificate check judges nothing, and the others still judge the stage
    assert run(collected, CLIENT_CERTIFICATE) == []
    assert len(run(collected, "aws.apigateway.stage_tracing_enabled")) == 1


def test_access_logs_alone_pass_and_execution_logging_off_fails(moto_reset: str) -> None:
    # given, in the other region, a stage with execution logging OFF but access logs sent to a log group, and one
    # with execution logging OFF and nothing else
    api = _rest_api(moto_reset, "billing", region=OTHER_REGION)
    destination = f"arn:aws:logs:{OTHER_REGION}:{ACCOUNT}:log-group:api-access"
    accessed = _stage(moto_reset, api, "live", region=OTHER_REGION)
    access_logs = {
        ALL_METHODS_LOG_LEVEL: "OFF",
        "/accessLogSettings/destinationArn": destination,
        "/accessLogSettings/format": "$context.requestId $context.status",
    }
    _update(moto_reset, api, "live", access_logs, region=OTHER_REGION)
    silent = _stage(moto_reset, api, "quiet", region=OTHER_REGION)
    _update(moto_reset, api, "quiet", {ALL_METHODS_LOG_LEVEL: "OFF"}, region=OTHER_REGION)
    # when the logging check runs over both regions
    outcomes = run(collect(moto_reset, STAGE_CHECKS, regions=[REGION, OTHER_REGION]), STAGE_CHECKS[0])
    # then access logging counts on its own, and a level of OFF fails, saying so
    assert statuses(outcomes) == {accessed: PASS, silent: FAIL}
    assert {o.region for o in outcomes} == {OTHER_REGION}
    passed, failed = (next(o for o in outcomes if o.resource_id == arn) for arn in (accessed, silent))
    assert passed.reason.endswith(f"sends access logs to {destination}")
    assert passed.observed == {"execution_log_level": "OFF", "access_log_destination": destination}
    assert "has execution logging OFF and no access log destination" in failed.reason


def test_private_apis_are_not_judged_for_a_web_acl(moto_reset: str) -> None:
    # given a private API's stage (reached only through VPC endpoints) and an edge-optimised API's stage, neither
    # with a web ACL
    private = _stage(moto_reset, _rest_api(moto_reset, "internal", endpoint_type="PRIVATE"), "prod")
    edge = _stage(moto_reset, _rest_api(moto_reset, "public", endpoint_type="EDGE"), "prod")
    # when the stage checks run
    collected = collect(moto_reset, STAGE_CHECKS)
    # then the WAF check judges only the public stage, while the other checks judge both
    assert statuses(run(collected, "aws.apigateway.stage_waf_enabled")) == {edge: FAIL}
    assert statuses(run(collected, "aws.apigateway.stage_tracing_enabled")) == {private: FAIL, edge: FAIL}


def test_stages_refused_for_an_api_are_an_error_for_that_api_only(moto_reset: str) -> None:
    # given an API whose stages API Gateway refuses to list
    api = _rest_api(moto_reset, "guarded")
    _stage(moto_reset, api, "prod", tracingEnabled=True)
    built = connector(moto_reset)
    built.session.events.register(
        "before-send.api-gateway.GetStages",
        lambda **_: json_reply({"__type": "AccessDeniedException", "message": "denied"}, 403),
    )
    # when API Gateway is collected and the tracing check runs
    collected = built.collect({"apigateway"})
    outcome = only(run(collected, "aws.apigateway.stage_tracing_enabled"))
    # then the check reports an error for the API, naming the refusal, rather than failing the whole service
    assert collected.errors == {}
    assert (outcome.resource_id, outcome.resource_type, outcome.status) == (
        f"arn:aws:apigateway:{REGION}::/restapis/{api}",
        "AWS::ApiGateway::RestApi",
        ERROR,
    )
    assert "GetStages failed with AccessDeniedException" in outcome.reason


def test_rest_apis_past_the_bound_are_left_unread_and_said_so(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # given three APIs with a traced stage each, and a collector that reads at most two per region
    monkeypatch.setattr(apigateway_collector, "MAX_REST_APIS", 2)
    for name in ("first", "second", "third"):
        _stage(moto_reset, _rest_api(moto_reset, name), "prod", tracingEnabled=True)
    # when the tracing check runs
    outcomes = scan(moto_reset, "aws.apigateway.stage_tracing_enabled")
    # then two stages are judged and the region gets an error saying the rest were not read
    assert sorted(o.status for o in outcomes) == sorted([PASS, PASS, ERROR])
    bound = next(o for o in outcomes if o.status == ERROR)
    assert (bound.resource_id, bound.region) == (ACCOUNT, REGION)
    assert "more than 2 REST APIs" in bound.reason


DOMAIN_NAME_CHECK = "aws.apigateway.domain_name_tls_1_2"


def _domain_name(endpoint: str, name: str, region: str = REGION, **settings: Any) -> None:
    aws(endpoint, "apigateway", region).create_domain_name(
        domainName=name,
        regionalCertificateArn=f"arn:aws:acm:{region}:{ACCOUNT}:certificate/api",
        endpointConfiguration={"types": ["REGIONAL"]},
        **settings,
    )


VARIABLE_SECRETS = "aws.apigateway.stage_no_secrets_in_variables"


def test_stage_variables_holding_credentials_fail_by_name_without_the_value(moto_reset: str) -> None:
    # given a stage whose variables hold a backend's API key and a private key, one naming a Lambda alias and a
    # secret, and one without variables
    api = _rest_api(moto_reset, "orders")
    leaky = _stage(
        moto_reset,
        api,
        "prod",
        variables={"backendApiKey": "a8f5f167f44f4964e6c998dee827110c", "alias": "live"},
    )
    named = _stage(moto_reset, api, "beta", variables={"lambdaAlias": "beta", "tokenSecretName": "orders/token"})
    bare = _stage(moto_reset, api, "dev")
    # when the stage variable check runs
    collected = collect(moto_reset, [VARIABLE_SECRETS])
    outcomes = {o.resource_id: o for o in run(collected, VARIABLE_SECRETS)}
    # then only the leaky stage fails, naming the variable and the kind; the value is kept nowhere
    assert statuses(outcomes.values()) == {leaky: FAIL, named: PASS, bare: PASS}
    assert outcomes[leaky].reason == (
        "Stage prod of REST API orders (" + api + ")'s stage variables hold credential-looking values: "
        "backendApiKey (secret_assignment)"
    )
    assert outcomes[named].observed == {"findings": [], "finding_count": 0}
    assert "a8f5f167f44f4964e6c998dee827110c" not in json.dumps(collected.data)


def test_custom_domain_names_pass_from_tls_1_2_and_fail_on_tls_1_0(moto_reset: str) -> None:
    # given domain names on TLS_1_2, on a TLS 1.3 policy (in the other region), on TLS_1_0, and one answered without a
    # security policy
    _domain_name(moto_reset, "api.example.com", securityPolicy="TLS_1_2")
    _domain_name(moto_reset, "edge.example.com", OTHER_REGION, securityPolicy="SecurityPolicy_TLS13_1_3_2025_09")
    _domain_name(moto_reset, "legacy.example.com", securityPolicy="TLS_1_0")
    _domain_name(moto_reset, "unknown.example.com")
    # when the check runs over both regions
    outcomes = {
        o.resource_id: o
        for o in run(collect(moto_reset, [DOMAIN_NAME_CHECK], [REGION, OTHER_REGION]), DOMAIN_NAME_CHECK)
    }
    # then the TLS 1.0 one fails, the unreported one is an error, the others pass in their regions
    assert {name: (o.status, o.region) for name, o in outcomes.items()} == {
        "api.example.com": (PASS, REGION),
        "edge.example.com": (PASS, OTHER_REGION),
        "legacy.example.com": (FAIL, REGION),
        "unknown.example.com": (ERROR, REGION),
    }
    assert outcomes["legacy.example.com"].reason == (
        "Custom domain name legacy.example.com uses security policy TLS_1_0, which accepts TLS 1.0 and 1.1"
    )
    assert outcomes["unknown.example.com"].reason == (
        "API Gateway reported no security policy for domain name unknown.example.com"
    )
    assert outcomes["legacy.example.com"].observed == {"security_policy": "TLS_1_0"}


def test_domain_names_refused_are_an_error_for_the_region_and_the_stage_checks_still_judge(moto_reset: str) -> None:
    # given a traced stage and a domain name, and API Gateway refusing the domain name listing
    _stage(moto_reset, _rest_api(moto_reset, "guarded"), "prod", tracingEnabled=True)
    _domain_name(moto_reset, "api.example.com", securityPolicy="TLS_1_2")
    built = connector(moto_reset)
    built.session.events.register(
        "before-send.api-gateway.GetDomainNames",
        lambda **_: json_reply({"__type": "AccessDeniedException", "message": "denied"}, 403),
    )
    # when API Gateway is collected
    collected = built.collect({"apigateway"})
    # then the domain name check reports one error for the region, naming the refusal, and the stages are judged
    outcome = only(run(collected, DOMAIN_NAME_CHECK))
    assert (outcome.resource_id, outcome.status, outcome.region) == (ACCOUNT, ERROR, REGION)
    assert outcome.reason.startswith(f"Could not list the custom domain names in {REGION}: GetDomainNames failed")
    assert [o.status for o in run(collected, "aws.apigateway.stage_tracing_enabled")] == [PASS]


def test_domain_names_are_not_judged_on_inventories_kept_before_they_were_read() -> None:
    collected = inventory(apigateway={"regions": {REGION: {"rest_apis": []}}})
    assert run(collected, DOMAIN_NAME_CHECK) == []


# --- opensearch ----------------------------------------------------------------------------------------------------


def _domain(endpoint: str, name: str, region: str = REGION, **settings: Any) -> str:
    opensearch = aws(endpoint, "opensearch", region)
    return str(
        opensearch.create_domain(DomainName=name, EngineVersion="OpenSearch_2.11", **settings)["DomainStatus"]["ARN"]
    )


def _default_subnet(endpoint: str, region: str = REGION) -> str:
    ec2 = aws(endpoint, "ec2", region)
    return str(ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"])


def _policy(principal: Any, **condition: Any) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "es:*", "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_domain_checks_pass_a_hardened_domain_and_fail_an_open_one(moto_reset: str) -> None:
    # given a domain in a VPC subnet, encrypted at rest and between nodes, HTTPS-only with TLS 1.2; and a public
    # domain whose policy lets anyone in, unencrypted, accepting TLS 1.0
    subnet = _default_subnet(moto_reset)
    key = aws(moto_reset, "kms").create_key()["KeyMetadata"]["Arn"]
    hardened = _domain(
        moto_reset,
        "hardened",
        VPCOptions={"SubnetIds": [subnet]},
        EncryptionAtRestOptions={"Enabled": True, "KmsKeyId": key},
        NodeToNodeEncryptionOptions={"Enabled": True},
        DomainEndpointOptions={"EnforceHTTPS": True, "TLSSecurityPolicy": TLS_1_2},
    )
    open_ = _domain(
        moto_reset,
        "open",
        AccessPolicies=_policy({"AWS": "*"}),
        DomainEndpointOptions={"EnforceHTTPS": True, "TLSSecurityPolicy": TLS_1_0},
    )
    # when the four domain checks run on one collection
    collected = collect(moto_reset, DOMAIN_CHECKS)
    # then the hardened domain passes all four and the open one fails all four
    assert {cid: statuses(run(collected, cid)) for cid in DOMAIN_CHECKS} == {
        cid: {hardened: PASS, open_: FAIL} for cid in DOMAIN_CHECKS
    }
    # and the reasons name the domain and what was seen
    reasons = {(cid, o.resource_id): o.reason for cid in DOMAIN_CHECKS for o in run(collected, cid)}
    assert reasons[("aws.opensearch.encrypted_at_rest", hardened)].endswith(f"encrypted at rest with KMS key {key}")
    assert reasons[("aws.opensearch.https_tls12_required", open_)] == (
        f"OpenSearch domain open requires HTTPS, but TLS policy {TLS_1_0} accepts versions below TLS 1.2"
    )
    assert reasons[("aws.opensearch.not_publicly_accessible", hardened)] == (
        f"OpenSearch domain hardened is in a VPC (subnets {subnet})"
    )
    assert reasons[("aws.opensearch.not_publicly_accessible", open_)] == (
        "OpenSearch domain open has a public endpoint and its access policy lets anyone es:*"
    )


def test_public_domains_pass_only_with_a_policy_that_lets_no_one_in_anonymously(moto_reset: str) -> None:
    # given public domains (no VPC): one with no access policy, one naming a role, one open to a source IP range,
    # and one open to anyone though fine-grained access control is on
    role = f"arn:aws:iam::{ACCOUNT}:role/search-reader"
    none = _domain(moto_reset, "no-policy")
    named = _domain(moto_reset, "named", AccessPolicies=_policy({"AWS": role}))
    by_ip = _domain(moto_reset, "by-ip", AccessPolicies=_policy("*", IpAddress={"aws:SourceIp": "203.0.113.0/24"}))
    fgac = _domain(
        moto_reset,
        "fgac",
        AccessPolicies=_policy({"AWS": "*"}),
        AdvancedSecurityOptions={
            "Enabled": True,
            "InternalUserDatabaseEnabled": True,
            "MasterUserOptions": {"MasterUserName": "admin", "MasterUserPassword": "A-long-password-1"},
        },
    )
    # when the exposure check runs
    outcomes = scan(moto_reset, "aws.opensearch.not_publicly_accessible")
    # then only the domain open to anyone fails, fine-grained access control notwithstanding (it is noted)
    assert statuses(outcomes) == {none: PASS, named: PASS, by_ip: PASS, fgac: FAIL}
    failed = next(o for o in outcomes if o.resource_id == fgac)
    assert failed.observed["fine_grained"] is True and failed.observed["public_actions"] == ["es:*"]
    passed = next(o for o in outcomes if o.resource_id == none)
    assert (
        passed.reason
        == "OpenSearch domain no-policy has a public endpoint, but its access policy lets no one in anonymously"
    )


def test_a_domain_without_https_enforced_fails_whatever_its_tls_policy(moto_reset: str) -> None:
    # given a domain in the other region that accepts plain HTTP, with the TLS 1.2 policy set
    plain = _domain(
        moto_reset,
        "plain-http",
        region=OTHER_REGION,
        DomainEndpointOptions={"EnforceHTTPS": False, "TLSSecurityPolicy": TLS_1_2},
    )
    # when the HTTPS check runs over both regions
    outcome = only(scan(moto_reset, "aws.opensearch.https_tls12_required", regions=[REGION, OTHER_REGION]))
    # then it fails, in that region, saying HTTPS is not required
    assert (outcome.resource_id, outcome.region, outcome.status) == (plain, OTHER_REGION, FAIL)
    assert outcome.reason == f"OpenSearch domain plain-http does not require HTTPS (TLS policy {TLS_1_2})"


def test_domains_are_described_five_at_a_time(moto_reset: str) -> None:
    # given seven domains, and a connector recording the names each DescribeDomains call asks for
    for n in range(7):
        _domain(moto_reset, f"search-{n}", EncryptionAtRestOptions={"Enabled": n % 2 == 0})
    built = connector(moto_reset)
    asked: list[list[str]] = []
    built.session.events.register(
        "before-call.opensearch.DescribeDomains",
        lambda params, **_: asked.append(json.loads(params["body"])["DomainNames"]),
    )
    # when OpenSearch is collected
    collected = built.collect({"opensearch"})
    # then two calls covered the seven names, at most five each, and every domain was judged
    assert sorted(len(names) for names in asked) == [2, 5]
    assert sorted(n for names in asked for n in names) == [f"search-{n}" for n in range(7)]
    assert len(run(collected, "aws.opensearch.encrypted_at_rest")) == 7


def test_a_public_domain_whose_policy_cannot_be_parsed_is_an_error_not_a_pass() -> None:
    # given a stored inventory with a public domain whose access policy was not JSON when collected
    domain = {
        "name": "odd",
        "arn": f"arn:aws:es:{REGION}:{ACCOUNT}:domain/odd",
        "vpc_subnet_ids": [],
        "fine_grained_access_control": False,
        "access_policy": {"unparsable": "not json"},
        "region": REGION,
    }
    stored = inventory(opensearch={"regions": {REGION: {"domains": [domain]}}})
    # when the exposure check runs on it
    outcome = only(run(stored, "aws.opensearch.not_publicly_accessible"))
    # then it cannot judge the domain and says why
    assert (outcome.resource_id, outcome.status) == (domain["arn"], ERROR)
    assert "not valid JSON" in outcome.reason
