"""Checks on the stages of API Gateway REST APIs (request logging, X-Ray tracing, a WAF web ACL and a client
certificate for the backend) and on custom domain names (no TLS 1.0)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_network import ApiStage, RestApi
from ._common import aws_check, error, listed_items, nested_items, result
from .user_data import judge_named_settings

STAGE = "AWS::ApiGateway::Stage"
REST_API = "AWS::ApiGateway::RestApi"
DOMAIN_NAME = "AWS::ApiGateway::DomainName"
# The one security policy that still accepts TLS 1.0 and 1.1; every other (TLS_1_2 and the SecurityPolicy_TLS12_* and
# SecurityPolicy_TLS13_* families) starts at TLS 1.2.
WEAK_DOMAIN_POLICY = "TLS_1_0"
# Execution logging levels that write entries to CloudWatch Logs ("OFF" writes none).
LOGGING_LEVELS = frozenset({"ERROR", "INFO"})


def rest_api_stages(inventory: Inventory) -> Iterator[tuple[RestApi, ApiStage] | Outcome]:
    """Every stage with its API, an error outcome for an API whose stages could not be read, and one for a region
    that held more REST APIs than the collector reads."""
    return nested_items(
        inventory,
        "apigateway",
        "rest_apis",
        "stages",
        noun="REST APIs",
        resource_type=REST_API,
        label=lambda api: f"REST API {_api_label(api)}",
    )


def _api_label(api: RestApi) -> str:
    name, api_id = api.get("name"), str(api.get("id"))
    return f"{name} ({api_id})" if name else api_id


def stage_label(api: RestApi, stage: ApiStage) -> str:
    return f"Stage {stage.get('name')} of REST API {_api_label(api)}"


@aws_check(
    id="aws.apigateway.stage_logging_enabled",
    title="API Gateway REST API stages log requests",
    severity=Severity.MEDIUM,
    service="apigateway",
    resource_type=STAGE,
    rationale="An API is often the front door to an application's data; without execution or access logs there "
    "is no record of who called it, what failed or what was refused, to detect abuse or investigate it later.",
    remediation="Set the stage's CloudWatch execution logging to ERROR or INFO for all methods, or turn on access "
    "logging to a CloudWatch Logs log group or Firehose stream (the account needs an API Gateway CloudWatch role).",
)
def stage_logging_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for found in rest_api_stages(inventory):
        if isinstance(found, Outcome):
            yield found
            continue
        api, stage = found
        level = stage.get("execution_log_level")
        destination = stage.get("access_log_destination")
        executes = str(level or "").upper() in LOGGING_LEVELS
        kept = []
        if executes:
            kept.append(f"logs execution at {level} level")
        if destination:
            kept.append(f"sends access logs to {destination}")
        if kept:
            reason = f"{stage_label(api, stage)} {' and '.join(kept)}"
        else:
            reason = (
                f"{stage_label(api, stage)} has execution logging {level or 'not set'} and no access log destination"
            )
        yield result(
            bool(kept),
            str(stage.get("arn")),
            STAGE,
            reason,
            region=str(api.get("region", "")),
            execution_log_level=level,
            access_log_destination=destination,
        )


@aws_check(
    id="aws.apigateway.stage_tracing_enabled",
    title="API Gateway REST API stages trace requests with X-Ray",
    severity=Severity.LOW,
    service="apigateway",
    resource_type=STAGE,
    rationale="X-Ray traces follow each request from the API through its backend, so unusual latency, errors or "
    "call paths show up, and an incident can be followed across services.",
    remediation="Turn on X-Ray tracing in the stage's settings (the account is charged per traced request, so "
    "set a sampling rule that fits the traffic).",
)
def stage_tracing_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for found in rest_api_stages(inventory):
        if isinstance(found, Outcome):
            yield found
            continue
        api, stage = found
        on = bool(stage.get("tracing_enabled"))
        reason = f"{stage_label(api, stage)} has X-Ray tracing {'on' if on else 'off'}"
        yield result(on, str(stage.get("arn")), STAGE, reason, region=str(api.get("region", "")), tracing_enabled=on)


@aws_check(
    id="aws.apigateway.stage_waf_enabled",
    title="Public API Gateway REST API stages have a WAF web ACL",
    severity=Severity.MEDIUM,
    service="apigateway",
    resource_type=STAGE,
    rationale="A web ACL in front of a public API filters injection attempts, known bad sources and request "
    "floods before they reach the integrations behind it.",
    remediation="Associate an AWS WAF (WAFv2) regional web ACL, for example with the AWS managed core rule set, "
    "with the stage.",
)
def stage_waf_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for found in rest_api_stages(inventory):
        if isinstance(found, Outcome):
            yield found
            continue
        api, stage = found
        types = list(api.get("endpoint_types") or [])
        # A private API answers only through interface endpoints inside a VPC, not from the internet.
        if types and set(types) == {"PRIVATE"}:
            continue
        acl = stage.get("web_acl_arn")
        reason = (
            f"{stage_label(api, stage)} is protected by web ACL {acl}"
            if acl
            else f"{stage_label(api, stage)} has no web ACL"
        )
        yield result(bool(acl), str(stage.get("arn")), STAGE, reason, region=str(api.get("region", "")), web_acl=acl)


@aws_check(
    id="aws.apigateway.stage_client_certificate_enabled",
    title="API Gateway REST API stages present a client certificate to their backend",
    severity=Severity.MEDIUM,
    service="apigateway",
    resource_type=STAGE,
    rationale="An HTTP backend behind an API stage is reachable by its own address; without a client certificate "
    "from the stage it cannot tell API Gateway's calls, which passed the API's authorization, throttling and WAF, "
    "from anyone else's that went around them.",
    remediation="Generate a client certificate in API Gateway, set it as the stage's client certificate, and have "
    "the backend verify it (mutual TLS against the certificate's public key); renew it before its year runs out.",
)
def stage_client_certificate_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for found in rest_api_stages(inventory):
        if isinstance(found, Outcome):
            yield found
            continue
        api, stage = found
        if "client_certificate_id" not in stage:
            continue  # an inventory collected before the certificate was kept
        certificate = stage["client_certificate_id"]
        reason = (
            f"{stage_label(api, stage)} presents client certificate {certificate} to its backend"
            if certificate
            else f"{stage_label(api, stage)} has no client certificate"
        )
        yield result(
            bool(certificate),
            str(stage.get("arn")),
            STAGE,
            reason,
            region=str(api.get("region", "")),
            client_certificate_id=certificate,
        )


@aws_check(
    id="aws.apigateway.domain_name_tls_1_2",
    title="API Gateway custom domain names refuse TLS below 1.2",
    severity=Severity.MEDIUM,
    service="apigateway",
    resource_type=DOMAIN_NAME,
    rationale="A custom domain on the TLS_1_0 security policy still negotiates TLS 1.0 and 1.1 with callers, "
    "protocol versions with known weaknesses that PCI DSS and NIST guidance retired; an attacker able to force a "
    "downgrade reads or alters the API traffic.",
    remediation="Update the domain name's security policy to TLS_1_2 (or a SecurityPolicy_TLS13_* policy) once the "
    "API's callers speak TLS 1.2; the change does not touch the certificate or the base path mappings.",
)
def domain_name_tls_1_2(inventory: Inventory) -> Iterable[Outcome]:
    names = listed_items(inventory, "apigateway", "domain_names", noun="custom domain names", resource_type=DOMAIN_NAME)
    for domain in names:
        if isinstance(domain, Outcome):
            yield domain
            continue
        name, region, policy = str(domain.get("name")), str(domain.get("region", "")), domain.get("security_policy")
        if not policy:
            yield error(
                name, DOMAIN_NAME, f"API Gateway reported no security policy for domain name {name}", region=region
            )
            continue
        ok = policy != WEAK_DOMAIN_POLICY
        reason = (
            f"Custom domain name {name} uses security policy {policy}, which starts at TLS 1.2"
            if ok
            else f"Custom domain name {name} uses security policy {policy}, which accepts TLS 1.0 and 1.1"
        )
        yield result(ok, name, DOMAIN_NAME, reason, region=region, security_policy=policy)


@aws_check(
    id="aws.apigateway.stage_no_secrets_in_variables",
    title="API Gateway REST API stage variables hold no credentials",
    severity=Severity.HIGH,
    service="apigateway",
    resource_type=STAGE,
    rationale="Stage variables are configuration, not secret storage: anyone allowed to read the API's stages "
    "(apigateway:GET, in SecurityAudit and ReadOnlyAccess) reads them in clear, and they are copied into every "
    "deployment's settings. A backend's API key or password kept there is a credential in clear.",
    remediation="Keep the credential in Secrets Manager and have the integration (a Lambda authorizer or function) "
    "read it with its role; leave only the secret's name in the stage variable, then rotate the credential, as it "
    "has been readable all along.",
)
def stage_no_secrets_in_variables(inventory: Inventory) -> Iterable[Outcome]:
    for found in rest_api_stages(inventory):
        if isinstance(found, Outcome):
            yield found
            continue
        api, stage = found
        if "variable_secrets" not in stage:
            continue  # collected before the stage variables were scanned
        yield judge_named_settings(
            stage["variable_secrets"],
            label=stage_label(api, stage),
            resource_id=str(stage.get("arn")),
            resource_type=STAGE,
            region=str(api.get("region", "")),
            what="stage variables",
        )
