"""Athena workgroup checks (query results encrypted and enforced, query metrics), on workgroups created, updated and
queried through moto's server over botocore's REST protocol (tests.moto_additions)."""

from __future__ import annotations

from typing import Any

from botocore.awsrequest import AWSResponse

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    OTHER_REGION,
    REGION,
    answer,
    aws,
    collect,
    connector,
    json_reply,
    run,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
ENCRYPTED = "aws.athena.workgroup_results_encrypted"
METRICS = "aws.athena.workgroup_query_metrics_enabled"
SSE_KMS = {"EncryptionOption": "SSE_KMS", "KmsKey": "arn:aws:kms:us-east-1:123456789012:key/athena"}


def _work_group(endpoint: str, name: str, region: str = REGION, **configuration: Any) -> str:
    """Create workgroup ``name`` with ``configuration`` (WorkGroupConfiguration's own members); its resource id."""
    aws(endpoint, "athena", region).create_work_group(Name=name, Configuration=configuration)
    return f"{region}/{name}"


def _reasons(outcomes: list[Any]) -> dict[str, str]:
    return {o.resource_id: o.reason for o in outcomes}


def test_results_encryption_passes_only_where_clients_cannot_opt_out(moto_reset: str) -> None:
    # given a workgroup encrypting and enforcing, one with a minimum encryption (not enforcing), one encrypting by
    # default only, one keeping managed query results, and one encrypting nothing
    enforced = _work_group(
        moto_reset,
        "analysts",
        ResultConfiguration={"EncryptionConfiguration": SSE_KMS},
        EnforceWorkGroupConfiguration=True,
    )
    minimum = _work_group(
        moto_reset,
        "finance",
        ResultConfiguration={"EncryptionConfiguration": {"EncryptionOption": "SSE_S3"}},
        EnforceWorkGroupConfiguration=False,
        EnableMinimumEncryptionConfiguration=True,
    )
    default_only = _work_group(
        moto_reset,
        "adhoc",
        ResultConfiguration={"EncryptionConfiguration": SSE_KMS},
        EnforceWorkGroupConfiguration=False,
    )
    managed = _work_group(moto_reset, "managed", ManagedQueryResultsConfiguration={"Enabled": True})
    plain = _work_group(moto_reset, "scratch", ResultConfiguration={"OutputLocation": "s3://scratch-results/"})
    # when the check runs
    outcomes = run(collect(moto_reset, [ENCRYPTED]), ENCRYPTED)
    # then the enforced, minimum and managed ones pass, and the reasons say why the others fail
    assert statuses(outcomes) == {enforced: PASS, minimum: PASS, default_only: FAIL, managed: PASS, plain: FAIL}
    reasons = _reasons(outcomes)
    assert (
        reasons[enforced]
        == "Workgroup analysts encrypts query results (SSE_KMS) and clients cannot override its settings"
    )
    assert reasons[default_only] == (
        "Workgroup adhoc encrypts query results (SSE_KMS) by default only: a query naming its own result configuration "
        "can write them unencrypted (EnforceWorkGroupConfiguration is off)"
    )
    assert reasons[plain] == "Workgroup scratch does not encrypt query results"


def test_query_metrics_pass_where_published(moto_reset: str) -> None:
    # given a workgroup publishing query metrics and one created without, in two regions
    published = _work_group(moto_reset, "analysts", PublishCloudWatchMetricsEnabled=True)
    silent = _work_group(moto_reset, "reports", OTHER_REGION, PublishCloudWatchMetricsEnabled=False)
    # when the check runs over both regions
    outcomes = run(collect(moto_reset, [METRICS], [REGION, OTHER_REGION]), METRICS)
    # then the publishing one passes and the other fails
    assert statuses(outcomes) == {published: PASS, silent: FAIL}
    assert {o.resource_id: o.region for o in outcomes} == {published: REGION, silent: OTHER_REGION}


def test_a_workgroup_updated_later_is_judged_as_it_now_stands_and_a_disabled_one_not_at_all(moto_reset: str) -> None:
    # given a bare workgroup then updated to encrypt, enforce and publish metrics; and one disabled
    athena = aws(moto_reset, "athena")
    fixed = _work_group(moto_reset, "analysts")
    athena.update_work_group(
        WorkGroup="analysts",
        ConfigurationUpdates={
            "EnforceWorkGroupConfiguration": True,
            "PublishCloudWatchMetricsEnabled": True,
            "ResultConfigurationUpdates": {"EncryptionConfiguration": SSE_KMS},
        },
    )
    _work_group(moto_reset, "retired")
    athena.update_work_group(WorkGroup="retired", State="DISABLED")
    # when both checks run
    collected = collect(moto_reset, [ENCRYPTED, METRICS])
    # then the updated workgroup passes both and the disabled one is not judged
    assert statuses(run(collected, ENCRYPTED)) == {fixed: PASS}
    assert statuses(run(collected, METRICS)) == {fixed: PASS}


def test_the_primary_workgroup_is_judged_only_where_it_ran_queries(moto_reset: str) -> None:
    # given the primary workgroup every region has: queried in one region, never in the other
    aws(moto_reset, "athena", REGION).start_query_execution(QueryString="SELECT 1", WorkGroup="primary")
    aws(moto_reset, "athena", OTHER_REGION).list_work_groups()
    # when both checks run over both regions
    collected = collect(moto_reset, [ENCRYPTED, METRICS], [REGION, OTHER_REGION])
    # then only the queried primary workgroup is judged (and fails both, as AWS creates it)
    for check_id in (ENCRYPTED, METRICS):
        assert statuses(run(collected, check_id)) == {f"{REGION}/primary": FAIL}


def test_an_unreadable_workgroup_is_an_error_naming_it(moto_reset: str) -> None:
    # given a workgroup whose configuration the role may not read
    _work_group(moto_reset, "analysts", PublishCloudWatchMetricsEnabled=True)
    built = connector(moto_reset)
    refusal = answer([lambda: json_reply({"__type": "AccessDeniedException", "Message": "no"}, status=403)])

    def refuse_analysts(request: Any = None, **kwargs: Any) -> AWSResponse | None:
        return refusal(request=request) if request.url.endswith("/workgroups/analysts") else None

    built.session.events.register("before-send.athena.GetWorkGroup", refuse_analysts)
    # when the checks run
    collected = built.collect({"athena"})
    # then each check is an error for that workgroup, saying which read failed
    for check_id in (ENCRYPTED, METRICS):
        outcomes = run(collected, check_id)
        assert statuses(outcomes) == {f"{REGION}/analysts": ERROR}
        assert "GetWorkGroup failed with AccessDeniedException (HTTP 403)" in outcomes[0].reason
