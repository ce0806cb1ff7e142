"""Elastic Beanstalk environment checks (enhanced health, managed platform updates, log streaming), on environments
created and updated through moto's server with their option settings (tests.moto_additions)."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    OTHER_REGION,
    REGION,
    answer,
    aws,
    collect,
    connector,
    query_error,
    refused_in,
    run,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
HEALTH = "aws.elasticbeanstalk.enhanced_health_reporting"
UPDATES = "aws.elasticbeanstalk.managed_platform_updates"
LOGS = "aws.elasticbeanstalk.cloudwatch_logs_streaming"
CHECKS = [HEALTH, UPDATES, LOGS]
HARDENED = [
    {"Namespace": "aws:elasticbeanstalk:healthreporting:system", "OptionName": "SystemType", "Value": "enhanced"},
    {"Namespace": "aws:elasticbeanstalk:managedactions", "OptionName": "ManagedActionsEnabled", "Value": "true"},
    {"Namespace": "aws:elasticbeanstalk:managedactions:platformupdate", "OptionName": "UpdateLevel", "Value": "minor"},
    {"Namespace": "aws:elasticbeanstalk:cloudwatch:logs", "OptionName": "StreamLogs", "Value": "true"},
    {"Namespace": "aws:elasticbeanstalk:cloudwatch:logs", "OptionName": "RetentionInDays", "Value": "365"},
]


def _environment(endpoint: str, name: str, region: str = REGION, **settings: Any) -> str:
    """Create environment ``name`` of application "shop" (create_environment's own ``settings``); its ARN."""
    beanstalk = aws(endpoint, "elasticbeanstalk", region)
    if not beanstalk.describe_applications(ApplicationNames=["shop"])["Applications"]:
        beanstalk.create_application(ApplicationName="shop")
    created = beanstalk.create_environment(
        ApplicationName="shop",
        EnvironmentName=name,
        SolutionStackName="64bit Amazon Linux 2023 v4.3.0 running Python 3.11",
        **settings,
    )
    return str(created["EnvironmentArn"])


def _reasons(outcomes: list[Any]) -> dict[str, str]:
    return {o.resource_id: o.reason for o in outcomes}


def test_a_hardened_environment_passes_every_check_and_the_apis_defaults_fail_them(moto_reset: str) -> None:
    # given an environment with enhanced health, managed minor updates and logs streamed for a year; and one created
    # through the API with nothing set
    hardened = _environment(moto_reset, "prod", OptionSettings=HARDENED)
    default = _environment(moto_reset, "staging")
    # when the three checks run on one collection
    collected = collect(moto_reset, CHECKS)
    outcomes = {cid: run(collected, cid) for cid in CHECKS}
    # then the hardened environment passes each and the default one fails each, saying why
    assert {cid: statuses(found) for cid, found in outcomes.items()} == {
        cid: {hardened: PASS, default: FAIL} for cid in CHECKS
    }
    assert {cid: _reasons(found) for cid, found in outcomes.items()} == {
        HEALTH: {
            hardened: "Environment prod of application shop uses enhanced health reporting",
            default: "Environment staging of application shop uses basic health reporting, not enhanced",
        },
        UPDATES: {
            hardened: "Environment prod of application shop applies managed platform updates (minor level)",
            default: "Environment staging of application shop does not apply managed platform updates",
        },
        LOGS: {
            hardened: "Environment prod of application shop streams its instance logs to CloudWatch Logs, kept 365 "
            "days",
            default: "Environment staging of application shop does not stream its instance logs to CloudWatch Logs",
        },
    }


def test_settings_changed_by_update_environment_are_judged_as_they_now_stand(moto_reset: str) -> None:
    # given a hardened environment whose log streaming is then turned off and whose health setting is removed, in a
    # second region beside a hardened one
    east = _environment(moto_reset, "prod", OptionSettings=HARDENED)
    west = _environment(moto_reset, "prod-eu", OTHER_REGION, OptionSettings=HARDENED)
    aws(moto_reset, "elasticbeanstalk", OTHER_REGION).update_environment(
        EnvironmentName="prod-eu",
        OptionSettings=[
            {"Namespace": "aws:elasticbeanstalk:cloudwatch:logs", "OptionName": "StreamLogs", "Value": "false"}
        ],
        OptionsToRemove=[{"Namespace": "aws:elasticbeanstalk:healthreporting:system", "OptionName": "SystemType"}],
    )
    # when the checks run over both regions
    collected = collect(moto_reset, CHECKS, [REGION, OTHER_REGION])
    # then the changed environment fails what was changed and still passes managed updates
    assert {cid: statuses(run(collected, cid)) for cid in CHECKS} == {
        HEALTH: {east: PASS, west: FAIL},
        UPDATES: {east: PASS, west: PASS},
        LOGS: {east: PASS, west: FAIL},
    }


def test_a_terminated_environment_is_not_judged(moto_reset: str) -> None:
    # given one environment reported Terminated by DescribeEnvironments, beside a running one
    running = _environment(moto_reset, "prod", OptionSettings=HARDENED)
    _environment(moto_reset, "legacy")
    built = connector(moto_reset)

    def terminated(parsed: dict[str, Any] | None = None, **_: Any) -> None:
        for environment in (parsed or {}).get("Environments", []):
            if environment["EnvironmentName"] == "legacy":
                environment["Status"] = "Terminated"

    built.session.events.register("after-call.elastic-beanstalk.DescribeEnvironments", terminated)
    # when the checks run
    collected = built.collect({"elasticbeanstalk"})
    # then only the running environment is judged
    assert {cid: statuses(run(collected, cid)) for cid in CHECKS} == {cid: {running: PASS} for cid in CHECKS}


def test_an_unreadable_configuration_is_an_error_for_that_environment_alone(moto_reset: str) -> None:
    # given two environments, and DescribeConfigurationSettings refused for the first one read
    first = _environment(moto_reset, "prod", OptionSettings=HARDENED)
    second = _environment(moto_reset, "staging", OptionSettings=HARDENED)
    built = connector(moto_reset)
    refusal = answer([lambda: query_error("AccessDenied", "no", 403), lambda: None])
    built.session.events.register("before-send.elastic-beanstalk.DescribeConfigurationSettings", refusal)
    # when the checks run
    collected = built.collect({"elasticbeanstalk"})
    outcomes = {cid: run(collected, cid) for cid in CHECKS}
    # then one environment is an error naming it (which one depends on read order) and the other passes
    for found in outcomes.values():
        assert sorted(statuses(found).values()) == [ERROR, PASS]
        assert set(statuses(found)) == {first, second}
    error = next(o for o in outcomes[HEALTH] if o.status == ERROR)
    assert error.reason.startswith("Could not describe Environment ")
    assert "DescribeConfigurationSettings failed with AccessDenied (HTTP 403)" in error.reason


def test_an_environment_terminated_after_the_listing_is_left_out(moto_reset: str) -> None:
    # given an environment that AWS no longer finds when its settings are read
    _environment(moto_reset, "prod")
    built = connector(moto_reset)
    gone = query_error("InvalidParameterValue", "No Environment found for EnvironmentName = 'prod'.")
    built.session.events.register("before-send.elastic-beanstalk.DescribeConfigurationSettings", lambda **_: gone)
    # when the checks run
    collected = built.collect({"elasticbeanstalk"})
    # then nothing is judged (and nothing is an error)
    assert not collected.errors
    assert all(run(collected, cid) == [] for cid in CHECKS)


_refuse_west = refused_in(OTHER_REGION, lambda: query_error("AccessDenied", "no", 403))


def test_a_refused_listing_is_an_error_for_its_region_alone(moto_reset: str) -> None:
    # given a hardened environment in one region, and DescribeEnvironments refused in the other
    east = _environment(moto_reset, "prod", OptionSettings=HARDENED)
    built = connector(moto_reset, [REGION, OTHER_REGION])
    built.session.events.register("before-send.elastic-beanstalk.DescribeEnvironments", _refuse_west)
    # when the checks run over both regions
    collected = built.collect({"elasticbeanstalk"})
    # then the environment read still passes, and each check is an error for the refused region, not a pass
    assert set(collected.region_errors.get("elasticbeanstalk", {})) == {OTHER_REGION}
    for cid in CHECKS:
        assert {(o.region, o.status) for o in run(collected, cid)} == {(REGION, PASS), (OTHER_REGION, ERROR)}
        assert next(o for o in run(collected, cid) if o.status == PASS).resource_id == east


PROPERTY_SECRETS = "aws.elasticbeanstalk.environment_no_secrets_in_properties"
PROPERTIES = "aws:elasticbeanstalk:application:environment"


def _property(name: str, value: str) -> dict[str, str]:
    return {"Namespace": PROPERTIES, "OptionName": name, "Value": value}


def test_environment_properties_holding_credentials_fail_by_name_without_the_value(moto_reset: str) -> None:
    # given an environment whose properties hold a database URL with its password and a Stripe key, one whose
    # properties only name where its secrets are, and one without properties
    stripe = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
    leaky = _environment(
        moto_reset,
        "prod",
        OptionSettings=[
            _property("DATABASE_URL", "postgres://app:hunter22@db.internal:5432/orders"),
            _property("PAYMENTS", stripe),
            _property("LOG_LEVEL", "info"),
        ],
    )
    named = _environment(
        moto_reset, "staging", OptionSettings=[_property("DB_PASSWORD_PARAMETER", "/staging/db/password")]
    )
    bare = _environment(moto_reset, "devel")
    # when the property check runs
    collected = collect(moto_reset, [PROPERTY_SECRETS])
    outcomes = {o.resource_id: o for o in run(collected, PROPERTY_SECRETS)}
    # then only the leaky environment fails, naming the properties and kinds; the values are kept nowhere
    assert statuses(outcomes.values()) == {leaky: FAIL, named: PASS, bare: PASS}
    assert outcomes[leaky].reason == (
        "Environment prod of application shop's environment properties hold credential-looking values: "
        "DATABASE_URL (url_password), PAYMENTS (service_token)"
    )
    assert outcomes[leaky].observed["application"] == "shop"
    assert stripe not in str(collected.data) and "hunter22" not in str(collected.data)
