"""Delivery and connectivity checks against moto: Firehose stream encryption (their own, or their Kinesis source's),
Direct Connect connections over two locations, and authorisation on the methods of REST APIs reachable from the
internet."""

from __future__ import annotations

import pytest

from integrations.providers.aws.collectors import firehose as firehose_collector
from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    aws,
    by_region,
    connector,
    inventory,
    json_reply,
    only,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
FIREHOSE_CHECK = "aws.firehose.stream_encrypted_at_rest"
DIRECT_CONNECT_CHECK = "aws.directconnect.connections_at_two_locations"
METHODS_CHECK = "aws.apigateway.public_rest_api_methods_authorized"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/delivery"
DENIED = {"__type": "AccessDeniedException", "message": "denied"}


def _reasons(outcomes: list) -> dict[str, str]:
    return {o.resource_id: o.reason for o in outcomes}


# --- Firehose streams ------------------------------------------------------------------------------------------------


def _firehose_arn(name: str, region: str = REGION) -> str:
    return f"arn:aws:firehose:{region}:{ACCOUNT}:deliverystream/{name}"


def _firehose(endpoint: str, name: str, **settings: object) -> str:
    """A Firehose stream delivering to S3 (create_delivery_stream's own ``settings`` for its source)."""
    destination = {"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::delivery-landing"}
    aws(endpoint, "firehose").create_delivery_stream(
        DeliveryStreamName=name, ExtendedS3DestinationConfiguration=destination, **settings
    )
    return _firehose_arn(name)


def _kinesis_source(endpoint: str, name: str, *, encrypted: bool) -> dict[str, object]:
    kinesis = aws(endpoint, "kinesis")
    kinesis.create_stream(StreamName=name, ShardCount=1)
    if encrypted:
        kinesis.start_stream_encryption(StreamName=name, EncryptionType="KMS", KeyId="alias/aws/kinesis")
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    return {
        "DeliveryStreamType": "KinesisStreamAsSource",
        "KinesisStreamSourceConfiguration": {"KinesisStreamARN": arn, "RoleARN": ROLE},
    }


def test_firehose_streams_pass_when_encrypted_themselves_or_through_their_kinesis_source(moto_reset: str) -> None:
    # given a Direct PUT stream with server-side encryption started and one without, a stream reading from an
    # encrypted Kinesis stream and one reading from an unencrypted one, and a stream reading from MSK
    encrypted = _firehose(moto_reset, "encrypted")
    key = aws(moto_reset, "kms").create_key()["KeyMetadata"]["Arn"]
    aws(moto_reset, "firehose").start_delivery_stream_encryption(
        DeliveryStreamName="encrypted",
        DeliveryStreamEncryptionConfigurationInput={"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": key},
    )
    plain = _firehose(moto_reset, "plain")
    sealed_source = _firehose(moto_reset, "from-sealed", **_kinesis_source(moto_reset, "sealed", encrypted=True))
    open_source = _firehose(moto_reset, "from-open", **_kinesis_source(moto_reset, "open", encrypted=False))
    _firehose(
        moto_reset,
        "from-msk",
        DeliveryStreamType="MSKAsSource",
        MSKSourceConfiguration={
            "MSKClusterARN": f"arn:aws:kafka:{REGION}:{ACCOUNT}:cluster/events/1",
            "TopicName": "orders",
            "AuthenticationConfiguration": {"RoleARN": ROLE, "Connectivity": "PRIVATE"},
        },
    )
    # when the check runs
    outcomes = scan(moto_reset, FIREHOSE_CHECK)
    # then the two encrypted ones pass, the two without encryption fail, and the MSK-sourced stream is not judged
    assert statuses(outcomes) == {encrypted: PASS, plain: FAIL, sealed_source: PASS, open_source: FAIL}
    reasons = _reasons(outcomes)
    assert reasons[encrypted] == (
        f"Firehose stream encrypted has server-side encryption enabled (CUSTOMER_MANAGED_CMK: {key})"
    )
    assert reasons[plain] == "Firehose stream plain has server-side encryption off"
    assert reasons[sealed_source].startswith("Firehose stream from-sealed reads from Kinesis stream sealed, which is ")
    assert reasons[open_source].endswith("which has server-side encryption NONE")


def test_a_firehose_stream_whose_encryption_was_stopped_fails(moto_reset: str) -> None:
    # given a stream whose server-side encryption was started and then stopped
    arn = _firehose(moto_reset, "stopped")
    firehose = aws(moto_reset, "firehose")
    firehose.start_delivery_stream_encryption(
        DeliveryStreamName="stopped", DeliveryStreamEncryptionConfigurationInput={"KeyType": "AWS_OWNED_CMK"}
    )
    firehose.stop_delivery_stream_encryption(DeliveryStreamName="stopped")
    # when the check runs
    outcome = only(scan(moto_reset, FIREHOSE_CHECK))
    # then it fails, naming the status
    assert (outcome.resource_id, outcome.status) == (arn, FAIL)
    assert outcome.reason == "Firehose stream stopped has server-side encryption DISABLED"


def test_a_firehose_stream_whose_kinesis_source_was_not_read_is_an_error(moto_reset: str) -> None:
    # given a stream naming a Kinesis source stream that does not exist in the account
    missing = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/gone"
    source = {"KinesisStreamARN": missing, "RoleARN": ROLE}
    arn = _firehose(
        moto_reset, "orphan", DeliveryStreamType="KinesisStreamAsSource", KinesisStreamSourceConfiguration=source
    )
    # when the check runs
    outcome = only(scan(moto_reset, FIREHOSE_CHECK))
    # then it is an error, not a judgement
    assert (outcome.resource_id, outcome.status) == (arn, ERROR)
    assert outcome.reason == f"Could not judge Firehose stream orphan: its source Kinesis stream {missing} was not " + (
        "among the streams read"
    )


def test_a_refused_firehose_description_is_an_error_for_that_stream(moto_reset: str) -> None:
    # given a stream Firehose refuses to describe
    arn = _firehose(moto_reset, "guarded")
    built = connector(moto_reset)
    built.session.events.register("before-send.firehose.DescribeDeliveryStream", lambda **_: json_reply(DENIED, 400))
    # when the check runs
    outcome = only(run(built.collect({"firehose", "kinesis"}), FIREHOSE_CHECK))
    # then the stream gets an error naming the refusal
    assert (outcome.resource_id, outcome.status) == (arn, ERROR)
    assert outcome.reason.startswith("Could not describe Firehose stream guarded: DescribeDeliveryStream failed")


def test_firehose_streams_are_listed_page_by_page_and_past_the_bound_said_so(
    moto_reset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given three unencrypted streams, listed two a page
    monkeypatch.setattr(firehose_collector, "_PAGE_SIZE", 2)
    arns = [_firehose(moto_reset, name) for name in ("first", "second", "third")]
    # when the check runs with every stream read, then with at most two read per region
    whole = scan(moto_reset, FIREHOSE_CHECK)
    monkeypatch.setattr(firehose_collector, "MAX_STREAMS", 2)
    bounded = scan(moto_reset, FIREHOSE_CHECK)
    # then every stream is judged at first, and then two are, with an error saying the rest were not read
    assert statuses(whole) == dict.fromkeys(arns, FAIL)
    assert sorted(o.status for o in bounded) == sorted([FAIL, FAIL, ERROR])
    bound = next(o for o in bounded if o.status == ERROR)
    assert (bound.resource_id, bound.region) == (ACCOUNT, REGION)
    assert "more than 2 Firehose streams" in bound.reason


# --- Direct Connect connections --------------------------------------------------------------------------------------


def _connection(endpoint: str, name: str, location: str, region: str = REGION) -> str:
    direct_connect = aws(endpoint, "directconnect", region)
    return str(
        direct_connect.create_connection(location=location, bandwidth="1Gbps", connectionName=name)["connectionId"]
    )


def test_direct_connect_passes_with_connections_at_two_locations_and_fails_at_one(moto_reset: str) -> None:
    # given two connections at two locations in one region, and two at the same location in another
    _connection(moto_reset, "primary", "EqDC2")
    _connection(moto_reset, "secondary", "CSVA1")
    _connection(moto_reset, "first", "TCSH1", OTHER_REGION)
    _connection(moto_reset, "second", "TCSH1", OTHER_REGION)
    # when the check runs over both regions
    outcomes = scan(moto_reset, DIRECT_CONNECT_CHECK, [REGION, OTHER_REGION])
    # then the first region passes and the second fails, naming the one location
    assert by_region(outcomes) == {REGION: PASS, OTHER_REGION: FAIL}
    reasons = {o.region: o.reason for o in outcomes}
    assert reasons[REGION] == f"2 Direct Connect connections in {REGION} end at 2 locations"
    assert reasons[OTHER_REGION] == f"All 2 Direct Connect connections in {OTHER_REGION} end at one location: TCSH1"
    assert {o.resource_id for o in outcomes} == {ACCOUNT}


def test_a_region_left_with_one_live_connection_fails_and_one_without_any_is_not_judged(moto_reset: str) -> None:
    # given a region with one connection left after another (at a second location) was deleted, and a region with none
    kept = _connection(moto_reset, "kept", "EqDC2")
    gone = _connection(moto_reset, "gone", "CSVA1")
    aws(moto_reset, "directconnect").delete_connection(connectionId=gone)
    # when the check runs over both regions
    outcome = only(scan(moto_reset, DIRECT_CONNECT_CHECK, [REGION, OTHER_REGION]))
    # then only the first region is judged, and it fails on its single connection
    assert (outcome.region, outcome.status) == (REGION, FAIL)
    assert outcome.reason == f"{REGION} has a single Direct Connect connection ({kept})"


def test_refused_direct_connect_listing_is_an_error_for_its_region(moto_reset: str) -> None:
    # given Direct Connect refusing to list connections
    built = connector(moto_reset)
    built.session.events.register("before-send.direct-connect.DescribeConnections", lambda **_: json_reply(DENIED, 400))
    # when the check runs
    outcome = only(run(built.collect({"directconnect"}), DIRECT_CONNECT_CHECK))
    # then it is an error naming the refusal
    assert outcome.status == ERROR
    assert "DescribeConnections failed with AccessDeniedException" in outcome.reason


# --- REST APIs reachable from the internet ---------------------------------------------------------------------------


def _api(endpoint: str, name: str, endpoint_type: str, methods: dict[str, str]) -> str:
    """A REST API with a /orders resource holding ``methods`` (HTTP method -> authorization type); its ARN."""
    apigateway = aws(endpoint, "apigateway")
    api_id = str(apigateway.create_rest_api(name=name, endpointConfiguration={"types": [endpoint_type]})["id"])
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    orders = apigateway.create_resource(restApiId=api_id, parentId=root, pathPart="orders")["id"]
    for verb, authorization in methods.items():
        apigateway.put_method(restApiId=api_id, resourceId=orders, httpMethod=verb, authorizationType=authorization)
    return f"arn:aws:apigateway:{REGION}::/restapis/{api_id}"


def test_public_rest_apis_pass_when_every_method_authorises_its_callers(moto_reset: str) -> None:
    # given a regional API whose methods use IAM (its CORS preflight open), an edge API with an open GET, and a
    # private API with an open GET
    guarded = _api(moto_reset, "guarded", "REGIONAL", {"GET": "AWS_IAM", "POST": "AWS_IAM", "OPTIONS": "NONE"})
    exposed = _api(moto_reset, "exposed", "EDGE", {"GET": "NONE", "PUT": "AWS_IAM"})
    _api(moto_reset, "internal", "PRIVATE", {"GET": "NONE"})
    # when the check runs
    outcomes = scan(moto_reset, METHODS_CHECK)
    # then the guarded API passes, the exposed one fails naming its open method, and the private one is not judged
    assert statuses(outcomes) == {guarded: PASS, exposed: FAIL}
    reasons = _reasons(outcomes)
    api_id = guarded.rsplit("/", 1)[1]
    assert (
        reasons[guarded] == f"REST API guarded ({api_id}) (REGIONAL) authorises the callers of all 2 of its method(s)"
    )
    assert reasons[exposed].endswith(
        "reachable from the internet with 1 method(s) that authorise no caller: GET /orders"
    )
    assert next(o for o in outcomes if o.resource_id == exposed).observed["open_methods"] == ["GET /orders"]


def test_refused_rest_api_resources_are_an_error_for_that_api(moto_reset: str) -> None:
    # given an API whose resources API Gateway refuses to list
    arn = _api(moto_reset, "guarded", "REGIONAL", {"GET": "AWS_IAM"})
    built = connector(moto_reset)
    built.session.events.register("before-send.api-gateway.GetResources", lambda **_: json_reply(DENIED, 403))
    # when the check runs
    outcome = only(run(built.collect({"apigateway"}), METHODS_CHECK))
    # then the API gets an error naming the refusal
    assert (outcome.resource_id, outcome.status) == (arn, ERROR)
    assert "Could not read the methods of REST API guarded" in outcome.reason
    assert "GetResources failed with AccessDeniedException" in outcome.reason


def test_a_rest_api_collected_before_methods_were_read_is_an_error() -> None:
    # given an inventory stored before the methods of REST APIs were kept
    arn = f"arn:aws:apigateway:{REGION}::/restapis/abc123"
    api = {"id": "abc123", "arn": arn, "name": "old", "endpoint_types": ["REGIONAL"], "stages": [], "region": REGION}
    stored = inventory(apigateway={"regions": {REGION: {"rest_apis": [api]}}})
    # when the check runs, then the API is an error, not a pass
    outcome = only(run(stored, METHODS_CHECK))
    assert (outcome.resource_id, outcome.status) == (arn, ERROR)
    assert outcome.reason == "REST API old (abc123) was collected before its methods were read"
