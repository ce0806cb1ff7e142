"""Systems Manager's block on public document sharing, set through moto's server (tests.moto_additions)."""

from __future__ import annotations

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    OTHER_REGION,
    REGION,
    aws,
    by_region,
    collect,
    connector,
    json_reply,
    refused_in,
    run,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
SHARING = "aws.ssm.document_public_sharing_blocked"
SETTING = "/ssm/documents/console/public-sharing-permission"
THIRD_REGION = "us-west-2"


def test_public_sharing_passes_only_where_blocked(moto_reset: str) -> None:
    # given public sharing blocked in one region, blocked then reset to AWS's default in another, and a third untouched
    aws(moto_reset, "ssm", REGION).update_service_setting(SettingId=SETTING, SettingValue="Disable")
    west = aws(moto_reset, "ssm", OTHER_REGION)
    west.update_service_setting(SettingId=SETTING, SettingValue="Disable")
    west.reset_service_setting(SettingId=SETTING)
    # when the check runs over the three regions
    outcomes = run(collect(moto_reset, [SHARING], [REGION, OTHER_REGION, THIRD_REGION]), SHARING)
    # then only the blocked region passes
    assert by_region(outcomes) == {REGION: PASS, OTHER_REGION: FAIL, THIRD_REGION: FAIL}
    reasons = {o.region: o.reason for o in outcomes}
    assert reasons[REGION] == f"Public sharing of Systems Manager documents is blocked in {REGION}"
    assert reasons[THIRD_REGION] == (
        f"Systems Manager documents can be shared publicly in {THIRD_REGION} (public sharing Enable)"
    )


_refuse_west = refused_in(
    OTHER_REGION, lambda: json_reply({"__type": "AccessDeniedException", "message": "no"}, status=400)
)


def test_a_refused_read_is_an_error_for_its_region_alone(moto_reset: str) -> None:
    # given public sharing blocked in both regions, and GetServiceSetting refused in one
    for region in (REGION, OTHER_REGION):
        aws(moto_reset, "ssm", region).update_service_setting(SettingId=SETTING, SettingValue="Disable")
    built = connector(moto_reset, [REGION, OTHER_REGION])
    built.session.events.register("before-send.ssm.GetServiceSetting", _refuse_west)
    # when the check runs
    collected = built.collect({"ssm_public_sharing"})
    # then the refused region is an error, and the other still passes
    assert by_region(run(collected, SHARING)) == {REGION: PASS, OTHER_REGION: ERROR}
