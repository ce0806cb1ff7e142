"""Step Functions state machine, WAFv2 web ACL and API Gateway v2 stage checks against moto."""

from __future__ import annotations

import json
from typing import Any

import pytest

from integrations.providers.aws.client import AwsConnector
from integrations.providers.aws.collectors import stepfunctions as stepfunctions_collector
from integrations.providers.aws.collectors import wafv2 as wafv2_collector
from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    aws,
    collect,
    connector,
    json_reply,
    only,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
LOGGING = "aws.stepfunctions.state_machine_logging_enabled"
WAF_CHECKS = ["aws.wafv2.web_acl_logging_enabled", "aws.wafv2.web_acl_has_rules"]
ACCESS_LOGGING = "aws.apigatewayv2.stage_access_logging_enabled"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/workflows"
DEFINITION = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})


def _refusing(endpoint: str, event: str, code: str) -> AwsConnector:
    """A connector to which AWS answers every ``event`` request with the error ``code``."""
    built = connector(endpoint)
    refusal = json_reply({"__type": code, "Message": "denied"}, 400)
    built.session.events.register(event, lambda **_: refusal)
    return built


# --- stepfunctions -------------------------------------------------------------------------------------------------


def _log_group(region: str = REGION) -> str:
    return f"arn:aws:logs:{region}:{ACCOUNT}:log-group:/aws/vendedlogs/states/orders:*"


def _state_machine(endpoint: str, name: str, region: str = REGION, **settings: Any) -> str:
    """Create state machine ``name`` (create_state_machine's own ``settings``) and return its ARN."""
    created = aws(endpoint, "stepfunctions", region).create_state_machine(
        name=name, roleArn=ROLE, **{"definition": DEFINITION, **settings}
    )
    return str(created["stateMachineArn"])


def _logging(level: str, region: str = REGION) -> dict[str, Any]:
    return {"level": level, "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": _log_group(region)}}]}


def test_state_machines_logging_executions_pass_and_those_that_do_not_fail(moto_reset: str) -> None:
    # given state machines logging every event, logging errors only, with logging off, and created without logging
    everything = _state_machine(moto_reset, "orders", loggingConfiguration=_logging("ALL"))
    errors = _state_machine(moto_reset, "refunds", type="EXPRESS", loggingConfiguration=_logging("ERROR"))
    off = _state_machine(moto_reset, "reports", loggingConfiguration={"level": "OFF"})
    unset = _state_machine(moto_reset, "cleanup")
    # when the logging check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, LOGGING)}
    # then the two logging ones pass and the other two fail, each saying what it saw
    assert {arn: o.status for arn, o in outcomes.items()} == {everything: PASS, errors: PASS, off: FAIL, unset: FAIL}
    assert outcomes[everything].reason == (
        f"Step Functions standard state machine orders logs executions at ALL level to {_log_group()}"
    )
    assert outcomes[errors].reason.startswith("Step Functions express state machine refunds logs executions at ERROR")
    assert outcomes[off].reason == "Step Functions standard state machine reports has logging off (level OFF)"
    assert outcomes[unset].observed == {"log_level": "OFF", "log_destinations": []}


def test_a_logging_level_without_a_log_group_fails(moto_reset: str) -> None:
    # given a state machine with a logging level but no destination (moto keeps what AWS would refuse)
    arn = _state_machine(moto_reset, "nowhere", loggingConfiguration={"level": "ALL"})
    # when the logging check runs
    outcome = only(scan(moto_reset, LOGGING))
    # then it fails: its events would go nowhere
    assert (outcome.resource_id, outcome.status) == (arn, FAIL)
    assert outcome.reason.endswith("has logging level ALL but no log group to send it to")


def test_logging_turned_on_later_is_seen(moto_reset: str) -> None:
    # given a state machine created without logging and updated to log errors
    arn = _state_machine(moto_reset, "orders")
    aws(moto_reset, "stepfunctions").update_state_machine(stateMachineArn=arn, loggingConfiguration=_logging("ERROR"))
    # when the logging check runs
    # then it passes
    assert statuses(scan(moto_reset, LOGGING)) == {arn: PASS}


def test_a_state_machine_that_cannot_be_described_is_an_error(moto_reset: str) -> None:
    # given a state machine Step Functions refuses to describe
    arn = _state_machine(moto_reset, "locked", loggingConfiguration=_logging("ALL"))
    built = _refusing(moto_reset, "before-send.sfn.DescribeStateMachine", "AccessDeniedException")
    # when Step Functions is collected and the logging check runs
    outcome = only(run(built.collect({"stepfunctions"}), LOGGING))
    # then it reports an error for the state machine, naming it and the refusal
    assert (outcome.resource_id, outcome.status) == (arn, ERROR)
    assert outcome.reason.startswith(
        "Could not describe Step Functions standard state machine locked: DescribeStateMachine failed with "
        "AccessDeniedException"
    )


def test_state_machines_past_the_bound_are_left_unread_and_said_so(
    moto_reset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given three logging state machines in two regions' first, and a collector that reads at most two per region
    monkeypatch.setattr(stepfunctions_collector, "MAX_STATE_MACHINES", 2)
    for name in ("first", "second", "third"):
        _state_machine(moto_reset, name, loggingConfiguration=_logging("ALL"))
    west = _state_machine(moto_reset, "west", region=OTHER_REGION)
    # when the logging check scans both regions
    outcomes = scan(moto_reset, LOGGING, [REGION, OTHER_REGION])
    # then two are judged in the first region, which gets an error saying the rest were not read; the other
    # region's one is judged there
    assert sorted((o.region, o.status) for o in outcomes) == sorted(
        [(REGION, PASS), (REGION, PASS), (REGION, ERROR), (OTHER_REGION, FAIL)]
    )
    bound = next(o for o in outcomes if o.status == ERROR)
    assert (bound.resource_id, bound.reason) == (
        ACCOUNT,
        f"{REGION} holds more than 2 state machines; only the first 2 were read and judged",
    )
    assert next(o for o in outcomes if o.region == OTHER_REGION).resource_id == west


ENCRYPTED = "aws.stepfunctions.state_machine_encrypted_with_cmk"
NO_SECRETS = "aws.stepfunctions.state_machine_no_secrets_in_definition"


def _calling(headers: dict[str, Any]) -> str:
    """A definition with one HTTP task sending ``headers`` and a Pass state whose parameters hold a list."""
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::http:invoke",
        "Parameters": {"ApiEndpoint": "https://api.example.com/orders", "Method": "POST", "Headers": headers},
        "Next": "Done",
    }
    done = {"Type": "Pass", "Parameters": {"tags": ["orders", "nightly"]}, "End": True}
    return json.dumps({"StartAt": "Call", "States": {"Call": task, "Done": done}})


def test_state_machines_encrypted_with_a_key_of_the_account_pass_and_aws_owned_keys_fail(moto_reset: str) -> None:
    # given a state machine encrypted with a customer managed key, one left on AWS's key, and one set to it explicitly
    key = aws(moto_reset, "kms").create_key(Description="workflows")["KeyMetadata"]["Arn"]
    own = _state_machine(
        moto_reset,
        "orders",
        encryptionConfiguration={"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": key},
    )
    default = _state_machine(moto_reset, "reports")
    explicit = _state_machine(moto_reset, "refunds", encryptionConfiguration={"type": "AWS_OWNED_KEY"})
    # when the encryption check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, ENCRYPTED)}
    # then only the one under the account's key passes, each saying which key it saw
    assert {arn: o.status for arn, o in outcomes.items()} == {own: PASS, default: FAIL, explicit: FAIL}
    assert outcomes[own].reason == f"Step Functions standard state machine orders encrypts its data with KMS key {key}"
    assert outcomes[default].reason == (
        "Step Functions standard state machine reports encrypts its data with a key AWS owns (AWS_OWNED_KEY), not one "
        "of the account's"
    )
    assert outcomes[explicit].observed == {"encryption_type": "AWS_OWNED_KEY", "kms_key_id": None}


def test_state_machine_definitions_holding_credentials_fail_by_path_and_kind_without_the_value(
    moto_reset: str,
) -> None:
    # given a definition sending an API key written out, one reading it from the execution's input (a path), one
    # whose header value is a GitHub token under a harmless name, and one with nothing secret
    written = _state_machine(moto_reset, "billing", definition=_calling({"X-Api-Key": "k3y-written-0ut-here"}))
    referenced = _state_machine(moto_reset, "orders", definition=_calling({"X-Api-Key.$": "$.credentials.key"}))
    token = "ghp_" + "a1B2" * 9
    by_format = _state_machine(moto_reset, "deploys", definition=_calling({"Authorization": f"Bearer {token}"}))
    plain = _state_machine(moto_reset, "reports")
    # when the definition check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, NO_SECRETS)}
    # then the two holding a credential fail, naming where and what kind, never the value; the path and the plain
    # one pass
    assert {arn: o.status for arn, o in outcomes.items()} == {
        written: FAIL,
        referenced: PASS,
        by_format: FAIL,
        plain: PASS,
    }
    assert outcomes[written].reason == (
        "Step Functions standard state machine billing's definition's values hold credential-looking values: "
        "States.Call.Parameters.Headers.X-Api-Key (secret_assignment)"
    )
    assert outcomes[written].observed == {
        "findings": [{"name": "States.Call.Parameters.Headers.X-Api-Key", "kinds": ["secret_assignment"]}],
        "finding_count": 1,
    }
    assert outcomes[by_format].observed["findings"] == [
        {"name": "States.Call.Parameters.Headers.Authorization", "kinds": ["service_token"]}
    ]
    assert "k3y-written-0ut-here" not in json.dumps([o.observed for o in outcomes.values()])
    assert token not in json.dumps(collect(moto_reset, [NO_SECRETS]).data)
    assert outcomes[plain].reason == (
        "Step Functions standard state machine reports's definition's values hold nothing that looks like a credential"
    )


# --- wafv2 ---------------------------------------------------------------------------------------------------------

VISIBILITY = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "waf"}
QUIET = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": False, "MetricName": "quiet"}
METRICS = "aws.wafv2.web_acl_metrics_enabled"
COMMON_RULES = {
    "Name": "aws-common",
    "Priority": 0,
    "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet"}},
    "OverrideAction": {"None": {}},
    "VisibilityConfig": VISIBILITY,
}


def _web_acl(endpoint: str, name: str, scope: str = "REGIONAL", region: str = REGION, **settings: Any) -> str:
    """Create web ACL ``name`` (create_web_acl's own ``settings``) and return its ARN."""
    created = aws(endpoint, "wafv2", region).create_web_acl(
        Name=name, Scope=scope, DefaultAction={"Allow": {}}, VisibilityConfig=VISIBILITY, **settings
    )
    return str(created["Summary"]["ARN"])


def _log_to(endpoint: str, acl: str, region: str = REGION) -> str:
    destination = f"arn:aws:logs:{region}:{ACCOUNT}:log-group:aws-waf-logs-{acl.rsplit('/', 2)[-2]}"
    aws(endpoint, "wafv2", region).put_logging_configuration(
        LoggingConfiguration={"ResourceArn": acl, "LogDestinationConfigs": [destination]}
    )
    return destination


def test_web_acl_checks_pass_a_logging_acl_with_rules_and_fail_an_empty_silent_one(moto_reset: str) -> None:
    # given a web ACL with the AWS managed core rules, logging; and one without rules or logging
    guarded = _web_acl(moto_reset, "storefront", Rules=[COMMON_RULES])
    destination = _log_to(moto_reset, guarded)
    empty = _web_acl(moto_reset, "placeholder")
    # when the two web ACL checks run on one collection
    collected = collect(moto_reset, WAF_CHECKS)
    # then the guarded ACL passes both and the empty one fails both
    assert {cid: statuses(run(collected, cid)) for cid in WAF_CHECKS} == {
        cid: {guarded: PASS, empty: FAIL} for cid in WAF_CHECKS
    }
    reasons = {(cid, o.resource_id): o.reason for cid in WAF_CHECKS for o in run(collected, cid)}
    logging, rules = WAF_CHECKS
    assert reasons[(logging, guarded)] == f"WAF regional web ACL storefront logs to {destination}"
    assert reasons[(logging, empty)] == "WAF regional web ACL placeholder has no logging"
    assert reasons[(rules, guarded)] == "WAF regional web ACL storefront holds 1 rule or rule group (aws-common)"
    assert reasons[(rules, empty)] == (
        "WAF regional web ACL placeholder holds no rules or rule groups, so every request gets its default action"
    )


def test_a_web_acl_referencing_its_own_rule_group_has_rules(moto_reset: str) -> None:
    # given a web ACL whose only rule references a rule group of the account's own
    wafv2 = aws(moto_reset, "wafv2")
    group = wafv2.create_rule_group(Name="blocklist", Scope="REGIONAL", Capacity=10, VisibilityConfig=VISIBILITY)
    reference = {
        "Name": "blocklist",
        "Priority": 0,
        "Statement": {"RuleGroupReferenceStatement": {"ARN": group["Summary"]["ARN"]}},
        "OverrideAction": {"None": {}},
        "VisibilityConfig": VISIBILITY,
    }
    arn = _web_acl(moto_reset, "api", Rules=[reference])
    # when the rules check runs
    # then it passes
    assert statuses(scan(moto_reset, "aws.wafv2.web_acl_has_rules")) == {arn: PASS}


MANAGED = "aws.wafv2.web_acl_managed_rule_groups"


def test_web_acls_pass_with_a_managed_rule_group_and_fail_with_only_their_own_rules(moto_reset: str) -> None:
    # given a web ACL running the AWS managed core rules, one running only a rate-based rule of its own, and one
    # collected before managed rule groups were read
    managed = _web_acl(moto_reset, "storefront", Rules=[COMMON_RULES])
    rate_limit = {
        "Name": "per-ip",
        "Priority": 0,
        "Statement": {"RateBasedStatement": {"Limit": 2000, "AggregateKeyType": "IP"}},
        "Action": {"Block": {}},
        "VisibilityConfig": VISIBILITY,
    }
    custom = _web_acl(moto_reset, "api", Rules=[rate_limit])
    older = _web_acl(moto_reset, "older", Rules=[COMMON_RULES])
    collected = collect(moto_reset, [MANAGED])
    for data in collected.data["wafv2"]["regions"].values():
        for acl in data["web_acls"]:
            if acl["arn"] == older:
                del acl["managed_rule_groups"]
    # when the check runs
    outcomes = run(collected, MANAGED)
    # then the ACL with the managed group passes, naming it, and the one with its own rules only fails
    assert statuses(outcomes) == {managed: PASS, custom: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert (
        reasons[managed] == "WAF regional web ACL storefront runs managed rule groups AWS:AWSManagedRulesCommonRuleSet"
    )
    assert reasons[custom] == "WAF regional web ACL api runs no managed rule group, only rules of its own"


def test_a_managed_rule_group_firewall_manager_adds_counts(moto_reset: str) -> None:
    # given a web ACL with no rules of its own, to which Firewall Manager adds the AWS IP reputation list (moto
    # keeps no Firewall Manager rule groups: GetWebACL's answer is AWS's shape, served here)
    arn = _web_acl(moto_reset, "fms-managed")
    acl_id = arn.rsplit("/", 1)[-1]
    fms_group = {
        "Name": "FMManagedWebACLV2-reputation",
        "Priority": 1,
        "FirewallManagerStatement": {
            "ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesAmazonIpReputationList"}
        },
        "OverrideAction": {"None": {}},
        "VisibilityConfig": VISIBILITY,
    }
    answer_acl = {
        "WebACL": {
            "Name": "fms-managed",
            "Id": acl_id,
            "ARN": arn,
            "DefaultAction": {"Allow": {}},
            "Rules": [],
            "VisibilityConfig": VISIBILITY,
            "Capacity": 25,
            "PreProcessFirewallManagerRuleGroups": [fms_group],
            "ManagedByFirewallManager": True,
        },
        "LockToken": "token",
    }
    built = connector(moto_reset)
    built.session.events.register("before-send.wafv2.GetWebACL", lambda **_: json_reply(answer_acl))
    # when the check runs
    outcome = only(run(built.collect({"wafv2"}), MANAGED))
    # then it passes on Firewall Manager's managed group
    assert (outcome.resource_id, outcome.status) == (arn, PASS)
    assert outcome.observed["managed"] == ["AWS:AWSManagedRulesAmazonIpReputationList"]


def test_cloudfront_web_acls_are_read_in_us_east_1_only(moto_reset: str) -> None:
    # given a CloudFront web ACL (kept in us-east-1), and a regional one in the other region; moto answers the
    # CloudFront scope in every region, AWS in us-east-1 alone
    edge = _web_acl(moto_reset, "edge", scope="CLOUDFRONT", Rules=[COMMON_RULES])
    west = _web_acl(moto_reset, "west", region=OTHER_REGION)
    # when the rules check scans both regions
    outcomes = scan(moto_reset, "aws.wafv2.web_acl_has_rules", [REGION, OTHER_REGION])
    # then each ACL is judged once: the CloudFront one in us-east-1, the regional one in its region
    assert sorted((o.resource_id, o.region, o.status) for o in outcomes) == sorted(
        [(edge, REGION, PASS), (west, OTHER_REGION, FAIL)]
    )
    assert next(o for o in outcomes if o.resource_id == edge).reason.startswith("WAF CloudFront web ACL edge holds")


def test_a_cloudfront_web_acl_logging_is_read_in_its_own_scope(moto_reset: str) -> None:
    # given a CloudFront web ACL that logs, and a regional one in us-east-1 that does not
    edge = _web_acl(moto_reset, "edge", scope="CLOUDFRONT")
    _log_to(moto_reset, edge)
    regional = _web_acl(moto_reset, "regional")
    # when the logging check runs
    # then the CloudFront ACL passes and the regional one fails
    assert statuses(scan(moto_reset, "aws.wafv2.web_acl_logging_enabled")) == {edge: PASS, regional: FAIL}


def test_each_read_that_fails_is_an_error_for_the_check_that_needed_it(moto_reset: str) -> None:
    # given a logging web ACL with rules, and a connector WAF refuses the ACL's logging configuration
    arn = _web_acl(moto_reset, "storefront", Rules=[COMMON_RULES])
    _log_to(moto_reset, arn)
    refused_logging = _refusing(moto_reset, "before-send.wafv2.GetLoggingConfiguration", "WAFInternalErrorException")
    # when WAF is collected and both checks run
    collected = refused_logging.collect({"wafv2"})
    # then the logging check reports an error for the ACL, and the rules check still judges it
    outcome = only(run(collected, "aws.wafv2.web_acl_logging_enabled"))
    assert (outcome.resource_id, outcome.status) == (arn, ERROR)
    assert outcome.reason.startswith(
        "Could not read the logging configuration of WAF regional web ACL storefront: GetLoggingConfiguration "
        "failed with WAFInternalErrorException"
    )
    assert statuses(run(collected, "aws.wafv2.web_acl_has_rules")) == {arn: PASS}
    # and when GetWebACL is refused instead, the rules check reports the error and the logging check still judges
    refused_acl = _refusing(moto_reset, "before-send.wafv2.GetWebACL", "AccessDeniedException")
    collected = refused_acl.collect({"wafv2"})
    outcome = only(run(collected, "aws.wafv2.web_acl_has_rules"))
    assert (outcome.resource_id, outcome.status) == (arn, ERROR)
    assert outcome.reason.startswith("Could not describe WAF regional web ACL storefront: GetWebACL failed")
    assert statuses(run(collected, "aws.wafv2.web_acl_logging_enabled")) == {arn: PASS}


def test_metrics_check_passes_an_acl_whose_rules_all_count_and_fails_one_rule_or_acl_that_does_not(
    moto_reset: str,
) -> None:
    # given a web ACL whose own and every rule's metrics are on; one whose second rule has them off; one with them
    # off on the ACL itself and no rules
    silent_rule = {**COMMON_RULES, "Name": "bad-inputs", "Priority": 1, "VisibilityConfig": QUIET}
    counted = _web_acl(moto_reset, "storefront", Rules=[COMMON_RULES])
    half = _web_acl(moto_reset, "api", Rules=[COMMON_RULES, silent_rule])
    bare = aws(moto_reset, "wafv2").create_web_acl(
        Name="placeholder", Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=QUIET
    )["Summary"]["ARN"]
    # when the metrics check runs
    outcomes = scan(moto_reset, METRICS)
    # then only the first passes, and each failure names what sends nothing
    assert statuses(outcomes) == {counted: PASS, half: FAIL, bare: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[counted] == "WAF regional web ACL storefront and its one rule send CloudWatch metrics"
    assert reasons[half] == "WAF regional web ACL api sends no CloudWatch metrics for rule bad-inputs"
    assert reasons[bare] == "WAF regional web ACL placeholder sends no CloudWatch metrics for the web ACL itself"
    assert next(o for o in outcomes if o.resource_id == half).observed["rules_without_metrics"] == ["bad-inputs"]


def test_all_rules_counted_and_an_acl_collected_before_its_metrics_were_kept(moto_reset: str) -> None:
    # given a web ACL whose three rules all send metrics
    rules = [{**COMMON_RULES, "Name": f"rule-{n}", "Priority": n} for n in range(3)]
    arn = _web_acl(moto_reset, "storefront", Rules=rules)
    collected = collect(moto_reset, [METRICS])
    # when the metrics check runs
    # then it passes, counting the rules
    assert only(run(collected, METRICS)).reason == (
        "WAF regional web ACL storefront and all 3 of its rules send CloudWatch metrics"
    )
    # and an inventory kept before the visibility configurations were read is not judged
    for data in collected.data["wafv2"]["regions"].values():
        for acl in data["web_acls"]:
            del acl["metrics_enabled"], acl["rules_without_metrics"]
    assert run(collected, METRICS) == []
    assert statuses(run(collected, "aws.wafv2.web_acl_has_rules")) == {arn: PASS}


def test_the_metrics_check_is_an_error_for_an_acl_that_could_not_be_described(moto_reset: str) -> None:
    # given a web ACL whose description WAF refuses
    arn = _web_acl(moto_reset, "storefront", Rules=[COMMON_RULES])
    refused = _refusing(moto_reset, "before-send.wafv2.GetWebACL", "AccessDeniedException")
    # when WAF is collected and the metrics check runs
    outcome = only(run(refused.collect({"wafv2"}), METRICS))
    # then it is an error for that ACL, never a pass
    assert (outcome.resource_id, outcome.status) == (arn, ERROR)
    assert outcome.reason.startswith("Could not describe WAF regional web ACL storefront: GetWebACL failed")


def test_web_acls_are_listed_page_by_page_and_past_the_bound_said_so(
    moto_reset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given three web ACLs with rules, listed one a page, and a collector that reads at most two per scope
    monkeypatch.setattr(wafv2_collector, "_PAGE_SIZE", 1)
    monkeypatch.setattr(wafv2_collector, "MAX_WEB_ACLS", 2)
    for name in ("first", "second", "third"):
        _web_acl(moto_reset, name, Rules=[COMMON_RULES])
    # when the rules check runs
    outcomes = scan(moto_reset, "aws.wafv2.web_acl_has_rules")
    # then two are judged and the region gets an error saying the rest were not read
    assert sorted(o.status for o in outcomes) == sorted([PASS, PASS, ERROR])
    bound = next(o for o in outcomes if o.status == ERROR)
    assert (bound.resource_id, bound.region) == (ACCOUNT, REGION)
    assert bound.reason == f"{REGION} holds more than 2 web ACLs in one scope; only the first 2 were read and judged"


# --- apigatewayv2 --------------------------------------------------------------------------------------------------


def _api(endpoint: str, name: str, protocol: str = "HTTP", region: str = REGION) -> str:
    settings = {"RouteSelectionExpression": "$request.body.action"} if protocol == "WEBSOCKET" else {}
    created = aws(endpoint, "apigatewayv2", region).create_api(Name=name, ProtocolType=protocol, **settings)
    return str(created["ApiId"])


def _stage_arn(api: str, stage: str, region: str = REGION) -> str:
    return f"arn:aws:apigateway:{region}::/apis/{api}/stages/{stage}"


def test_stages_with_access_logs_pass_and_stages_without_fail(moto_reset: str) -> None:
    # given an HTTP API whose prod stage sends access logs and whose dev stage does not, and a WebSocket API whose
    # stage logs execution only (which is not access logging)
    gateway = aws(moto_reset, "apigatewayv2")
    http = _api(moto_reset, "orders")
    destination = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:orders-access"
    access = {"DestinationArn": destination, "Format": "$context.requestId $context.identity.sourceIp"}
    gateway.create_stage(ApiId=http, StageName="prod", AccessLogSettings=access)
    gateway.create_stage(ApiId=http, StageName="dev")
    socket = _api(moto_reset, "chat", protocol="WEBSOCKET")
    gateway.create_stage(ApiId=socket, StageName="live", DefaultRouteSettings={"LoggingLevel": "INFO"})
    # when the access logging check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, ACCESS_LOGGING)}
    # then the logging stage passes and the other two fail, each named with its API
    prod, dev, live = _stage_arn(http, "prod"), _stage_arn(http, "dev"), _stage_arn(socket, "live")
    assert {arn: o.status for arn, o in outcomes.items()} == {prod: PASS, dev: FAIL, live: FAIL}
    assert outcomes[prod].reason == f"Stage prod of HTTP API orders ({http}) sends access logs to {destination}"
    assert outcomes[dev].reason == f"Stage dev of HTTP API orders ({http}) has no access logging"
    assert outcomes[live].reason == f"Stage live of WebSocket API chat ({socket}) has no access logging"
    assert outcomes[prod].observed == {"access_log_destination": destination}


def test_an_api_whose_stages_cannot_be_read_is_an_error(moto_reset: str) -> None:
    # given an API with a stage, and a connector API Gateway refuses the stages of
    api = _api(moto_reset, "orders")
    aws(moto_reset, "apigatewayv2").create_stage(ApiId=api, StageName="prod")
    built = _refusing(moto_reset, "before-send.apigatewayv2.GetStages", "AccessDeniedException")
    # when API Gateway v2 is collected and the check runs
    outcome = only(run(built.collect({"apigatewayv2"}), ACCESS_LOGGING))
    # then it reports an error for the API, naming it and the refusal
    assert (outcome.resource_id, outcome.status) == (f"arn:aws:apigateway:{REGION}::/apis/{api}", ERROR)
    assert outcome.reason.startswith(f"Could not read the stages of HTTP API orders ({api}): GetStages failed")


def test_stages_are_judged_in_their_own_region_only(moto_reset: str) -> None:
    # given an API with a stage in the other region only
    api = _api(moto_reset, "west", region=OTHER_REGION)
    aws(moto_reset, "apigatewayv2", OTHER_REGION).create_stage(ApiId=api, StageName="prod")
    # when the check scans both regions
    outcome = only(scan(moto_reset, ACCESS_LOGGING, [REGION, OTHER_REGION]))
    # then the stage is judged once, in its region
    assert (outcome.resource_id, outcome.region, outcome.status) == (
        _stage_arn(api, "prod", OTHER_REGION),
        OTHER_REGION,
        FAIL,
    )


ROUTES = "aws.apigatewayv2.routes_require_authorization"


def _api_arn(api: str, region: str = REGION) -> str:
    return f"arn:aws:apigateway:{region}::/apis/{api}"


def test_apis_pass_when_every_route_authorizes_and_websockets_when_connect_does(moto_reset: str) -> None:
    # given an HTTP API whose routes all take IAM or a JWT authorizer, one with a route open to anyone, a WebSocket
    # API authorizing $connect through IAM (its message routes cannot authorize), one whose $connect is open, and one
    # without a $connect route
    gateway = aws(moto_reset, "apigatewayv2")
    guarded = _api(moto_reset, "orders")
    issuer = {"Audience": ["orders"], "Issuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool"}
    jwt = gateway.create_authorizer(
        ApiId=guarded,
        AuthorizerType="JWT",
        IdentitySource=["$request.header.Authorization"],
        Name="cognito",
        JwtConfiguration=issuer,
    )["AuthorizerId"]
    gateway.create_route(ApiId=guarded, RouteKey="GET /orders", AuthorizationType="JWT", AuthorizerId=jwt)
    gateway.create_route(ApiId=guarded, RouteKey="POST /orders", AuthorizationType="AWS_IAM")
    # (a CORS preflight route answers without authorization, as it must)
    gateway.create_route(ApiId=guarded, RouteKey="OPTIONS /orders")
    leaky = _api(moto_reset, "catalog")
    gateway.create_route(ApiId=leaky, RouteKey="GET /items", AuthorizationType="AWS_IAM")
    gateway.create_route(ApiId=leaky, RouteKey="DELETE /items/{id}")
    socket = _api(moto_reset, "chat", protocol="WEBSOCKET")
    gateway.create_route(ApiId=socket, RouteKey="$connect", AuthorizationType="AWS_IAM")
    gateway.create_route(ApiId=socket, RouteKey="sendMessage")
    open_socket = _api(moto_reset, "feed", protocol="WEBSOCKET")
    gateway.create_route(ApiId=open_socket, RouteKey="$connect")
    no_connect = _api(moto_reset, "ticker", protocol="WEBSOCKET")
    gateway.create_route(ApiId=no_connect, RouteKey="$default")
    # when the check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, ROUTES)}
    # then the API with an open route and the WebSocket API with an open $connect fail, naming them
    assert {arn: o.status for arn, o in outcomes.items()} == {
        _api_arn(guarded): PASS,
        _api_arn(leaky): FAIL,
        _api_arn(socket): PASS,
        _api_arn(open_socket): FAIL,
        _api_arn(no_connect): FAIL,
    }
    assert outcomes[_api_arn(guarded)].reason == f"HTTP API orders ({guarded}) authorizes every one of its 3 routes"
    assert outcomes[_api_arn(leaky)].reason == (
        f"HTTP API catalog ({leaky}) has routes without authorization: DELETE /items/{{id}}"
    )
    assert outcomes[_api_arn(leaky)].observed == {"routes_without_authorization": ["DELETE /items/{id}"]}
    assert (
        outcomes[_api_arn(socket)].reason
        == f"WebSocket API chat ({socket}) authorizes connections on $connect (AWS_IAM)"
    )
    assert outcomes[_api_arn(open_socket)].reason == (
        f"WebSocket API feed ({open_socket}) lets anyone connect: its $connect route has no authorization"
    )
    assert outcomes[_api_arn(no_connect)].reason == (
        f"WebSocket API ticker ({no_connect}) has no $connect route, so anyone may connect"
    )


def test_refused_routes_are_an_error_for_that_check_and_older_inventories_are_not_judged(moto_reset: str) -> None:
    # given an API with an open route and a stage, and a connector API Gateway refuses the routes of
    api = _api(moto_reset, "orders")
    gateway = aws(moto_reset, "apigatewayv2")
    gateway.create_route(ApiId=api, RouteKey="GET /orders")
    gateway.create_stage(ApiId=api, StageName="prod")
    built = _refusing(moto_reset, "before-send.apigatewayv2.GetRoutes", "AccessDeniedException")
    collected = built.collect({"apigatewayv2"})
    # when the checks run
    outcome = only(run(collected, ROUTES))
    # then the route check is an error naming the API, and the stage check still judges its stage
    assert (outcome.resource_id, outcome.status) == (_api_arn(api), ERROR)
    assert outcome.reason.startswith(f"Could not read the routes of HTTP API orders ({api}): GetRoutes failed")
    assert statuses(run(collected, ACCESS_LOGGING)) == {_stage_arn(api, "prod"): FAIL}
    # and an API collected before routes were read gives no route outcome
    for data in collected.data["apigatewayv2"]["regions"].values():
        for found in data["apis"]:
            del found["routes_error"]
    assert run(collected, ROUTES) == []
