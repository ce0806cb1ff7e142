"""S3 Multi-Region Access Points' Block Public Access, against moto: read once per account through US West (Oregon),
the only region their API is served from."""

from __future__ import annotations

from typing import Any

from integrations.providers.aws.collectors._common import Scope
from integrations.providers.aws.collectors.s3 import collect_s3_multi_region_access_points
from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import ACCOUNT, aws, connector, json_reply, only, run, statuses

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
MRAP = "aws.s3.multi_region_access_point_public_access_block"
OPEN_POLICY = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": False,
    "RestrictPublicBuckets": False,
}


def _mrap(endpoint: str, name: str, bucket: str, **details: Any) -> str:
    aws(endpoint, "s3").create_bucket(Bucket=bucket)
    aws(endpoint, "s3control", "us-west-2").create_multi_region_access_point(
        AccountId=ACCOUNT, ClientToken=name, Details={"Name": name, "Regions": [{"Bucket": bucket}], **details}
    )
    return name


def test_multi_region_access_points_pass_only_blocking_all_public_access_and_are_read_in_oregon(
    moto_reset: str,
) -> None:
    # given one Multi-Region Access Point left at the default (everything blocked) and one letting policies open it
    closed = _mrap(moto_reset, "global-orders", "orders-eu")
    opened = _mrap(moto_reset, "global-assets", "assets-eu", PublicAccessBlock=OPEN_POLICY)
    built = connector(moto_reset, regions=["eu-west-1"])
    signed_for: list[str] = []
    built.session.events.register(
        "before-send.s3-control.ListMultiRegionAccessPoints",
        lambda request, **_: signed_for.append(request.headers["Authorization"].decode().split("/")[2]),
    )
    # when the check runs on a scan of another region
    outcomes = run(built.collect({"s3_multi_region_access_points"}), MRAP)
    # then the listing was asked of US West (Oregon) once, and the one letting policies through fails, naming them
    assert signed_for == ["us-west-2"]
    assert statuses(outcomes) == {closed: PASS, opened: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[opened] == (
        "Multi-Region Access Point global-assets does not block public access: BlockPublicPolicy, "
        "RestrictPublicBuckets off"
    )
    assert reasons[closed] == "Multi-Region Access Point global-orders blocks all public access"
    assert next(o for o in outcomes if o.resource_id == opened).observed["buckets"] == ["assets-eu"]


def test_a_refused_listing_is_an_error_and_other_partitions_have_none(moto_reset: str) -> None:
    # given S3 Control refusing the listing
    _mrap(moto_reset, "global-orders", "orders-eu")
    built = connector(moto_reset)
    refusal = json_reply({"Error": {"Code": "AccessDenied", "Message": "denied"}}, status=403)
    built.session.events.register("before-send.s3-control.ListMultiRegionAccessPoints", lambda **_: refusal)
    # when the check runs, then it is one error for the account, not a pass
    outcome = only(run(built.collect({"s3_multi_region_access_points"}), MRAP))
    assert outcome.status == ERROR
    # and outside the aws partition (China, GovCloud), where they do not exist, nothing is asked and none is found
    scope = Scope(
        account_id=ACCOUNT,
        partition="aws-cn",
        region="cn-north-1",
        global_region="cn-north-1",
        clients={},
        report_attempts=1,
        report_first_pause=0,
    )
    assert collect_s3_multi_region_access_points(scope) == {"access_points": []}
