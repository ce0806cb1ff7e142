"""Kinesis data stream checks against moto."""

from __future__ import annotations

import pytest

from integrations.providers.aws.collectors import kinesis as kinesis_collector
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
STREAM_CHECKS = ["aws.kinesis.stream_encrypted", "aws.kinesis.stream_retention_7_days"]


def stream(endpoint: str, name: str, region: str = REGION, *, kms_key: str | None = None, hours: int = 24) -> str:
    """Create stream ``name``, encrypted under ``kms_key`` when given and keeping records ``hours``; its ARN."""
    kinesis = aws(endpoint, "kinesis", region)
    kinesis.create_stream(StreamName=name, ShardCount=1)
    if kms_key:
        kinesis.start_stream_encryption(StreamName=name, EncryptionType="KMS", KeyId=kms_key)
    if hours > 24:
        kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=hours)
    return f"arn:aws:kinesis:{region}:{ACCOUNT}:stream/{name}"


def test_stream_checks_pass_an_encrypted_week_long_stream_and_fail_a_default_one(moto_reset: str) -> None:
    # given a stream encrypted with a KMS key keeping a week of records, and one created with the defaults
    key = aws(moto_reset, "kms").create_key()["KeyMetadata"]["KeyId"]
    kept = stream(moto_reset, "orders", kms_key=key, hours=168)
    default = stream(moto_reset, "clicks")
    # when both stream checks run on one collection
    collected = collect(moto_reset, STREAM_CHECKS)
    # then the first passes both and the second fails both
    assert {cid: statuses(run(collected, cid)) for cid in STREAM_CHECKS} == {
        cid: {kept: PASS, default: FAIL} for cid in STREAM_CHECKS
    }
    # and the reasons name the stream and what was seen
    reasons = {(cid, o.resource_id): o.reason for cid in STREAM_CHECKS for o in run(collected, cid)}
    assert reasons[(STREAM_CHECKS[0], kept)] == f"Kinesis stream orders is encrypted with KMS key {key}"
    assert reasons[(STREAM_CHECKS[0], default)] == "Kinesis stream clicks has server-side encryption NONE"
    assert reasons[(STREAM_CHECKS[1], kept)] == "Kinesis stream orders keeps records 168 hours, at least 168"
    assert reasons[(STREAM_CHECKS[1], default)] == "Kinesis stream clicks keeps records 24 hours, less than 168"


def test_six_days_of_retention_is_not_enough(moto_reset: str) -> None:
    # given a stream keeping records for 167 hours
    arn = stream(moto_reset, "almost", hours=167)
    # when the retention check runs
    outcome = only(scan(moto_reset, STREAM_CHECKS[1]))
    # then it fails
    assert (outcome.resource_id, outcome.status, outcome.observed) == (arn, FAIL, {"retention_hours": 167})


def test_streams_are_judged_in_their_own_region(moto_reset: str) -> None:
    # given an unencrypted stream in the other region only
    arn = stream(moto_reset, "west", region=OTHER_REGION)
    # when the encryption check runs over both regions
    outcome = only(scan(moto_reset, STREAM_CHECKS[0], regions=[REGION, OTHER_REGION]))
    # then the stream is judged once, in its region
    assert (outcome.resource_id, outcome.region, outcome.status) == (arn, OTHER_REGION, FAIL)


def test_a_stream_that_cannot_be_described_is_an_error_and_a_deleted_one_is_left_out(moto_reset: str) -> None:
    # given two streams: Kinesis refuses to describe one and no longer knows the other when it is described
    refused, _ = stream(moto_reset, "guarded"), stream(moto_reset, "gone")
    built = connector(moto_reset)

    def answer(request: object = None, **_: object) -> object:
        body = getattr(request, "body", b"") or b""
        if b'"guarded"' in body:
            return json_reply({"__type": "AccessDeniedException", "Message": "denied"}, 400)
        return json_reply({"__type": "ResourceNotFoundException", "Message": "gone"}, 400)

    built.session.events.register("before-send.kinesis.DescribeStreamSummary", answer)
    # when Kinesis is collected and both checks run
    collected = built.collect({"kinesis"})
    # then the refused stream is an error for each check, naming the refusal, and the deleted one is not judged
    assert collected.errors == {}
    for cid in STREAM_CHECKS:
        outcome = only(run(collected, cid))
        assert (outcome.resource_id, outcome.status) == (refused, ERROR)
        assert outcome.reason.startswith("Could not describe Kinesis stream guarded: DescribeStreamSummary failed")


def test_streams_past_the_bound_are_left_unread_and_said_so(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # given three streams, and a collector that reads at most two per region
    monkeypatch.setattr(kinesis_collector, "MAX_STREAMS", 2)
    for name in ("one", "two", "three"):
        stream(moto_reset, name)
    # when the retention check runs
    outcomes = scan(moto_reset, STREAM_CHECKS[1])
    # then two streams are judged and the region gets an error saying the rest were not read
    assert sorted(o.status for o in outcomes) == sorted([FAIL, FAIL, ERROR])
    bound = next(o for o in outcomes if o.status == ERROR)
    assert (bound.resource_id, bound.region) == (ACCOUNT, REGION)
    assert bound.reason == f"{REGION} holds more than 2 streams; only the first 2 were read and judged"
