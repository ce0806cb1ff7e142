"""Delivery and connectivity checks: Firehose streams encrypted at rest (themselves, or through their Kinesis source),
Direct Connect connections at more than one location, and REST APIs reachable from the internet that authorise every
method."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_containers import KinesisStream
from ..shapes_delivery import DirectConnectRegion, FirehoseStream
from ..shapes_network import ApiMethod, RestApi
from ._common import ACCOUNT, aws_check, described_items, error, regions, result

FIREHOSE_STREAM = "AWS::KinesisFirehose::DeliveryStream"
REST_API = "AWS::ApiGateway::RestApi"
KINESIS_SOURCE = "KinesisStreamAsSource"
# Sources for which Firehose offers no server-side encryption of its own and keeps the records in the source service
# (MSK encrypts its storage always, and is judged by the MSK checks): such streams are not judged here.
_UNJUDGED_SOURCES = frozenset({"MSKAsSource"})
# Methods callers reach without any authorisation.
_OPEN = frozenset({"NONE"})
# CORS preflight requests carry no credentials by design, so an OPTIONS method is left open on purpose.
_PREFLIGHT = "OPTIONS"
# At most this many open methods are named in a reason; the outcome's evidence lists them all.
_NAMED = 10


# --- Firehose streams ------------------------------------------------------------------------------------------------


def _firehose_streams(inventory: Inventory) -> Iterator[FirehoseStream | Outcome]:
    return described_items(
        inventory,
        "firehose",
        "streams",
        noun="Firehose streams",
        resource_type=FIREHOSE_STREAM,
        resource_id=lambda stream: str(stream["arn"]),
        label=lambda stream: f"Firehose stream {stream['name']}",
    )


def _kinesis_streams(inventory: Inventory) -> dict[str, KinesisStream]:
    return {str(s.get("arn")): s for _, data in regions(inventory, "kinesis") for s in data.get("streams", [])}


def _source_outcome(inventory: Inventory, stream: FirehoseStream, sources: Mapping[str, KinesisStream]) -> Outcome:
    """A Firehose stream reading from a Kinesis data stream keeps no records of its own: the source's encryption is
    what protects them at rest."""
    name, arn, region = stream["name"], stream["arn"], stream["region"]
    source_arn = stream.get("source_stream_arn")
    source = sources.get(str(source_arn))
    if not source_arn or source is None:
        kinesis_error = inventory.region_errors.get("kinesis", {}).get(region) if source_arn else None
        why = (
            f"its source Kinesis stream {source_arn} was not among the streams read"
            + (f" ({kinesis_error})" if kinesis_error else "")
            if source_arn
            else "it reads from Kinesis Data Streams but names no source stream"
        )
        return error(arn, FIREHOSE_STREAM, f"Could not judge Firehose stream {name}: {why}", region=region)
    if source.get("describe_error"):
        reason = f"Could not describe source Kinesis stream {source_arn} of Firehose stream {name}"
        return error(arn, FIREHOSE_STREAM, f"{reason}: {source['describe_error']}", region=region)
    kind = source.get("encryption_type")
    ok = kind == "KMS"
    reason = (
        f"Firehose stream {name} reads from Kinesis stream {source['name']}, which is encrypted with KMS key "
        f"{source.get('kms_key_id')}"
        if ok
        else f"Firehose stream {name} reads from Kinesis stream {source['name']}, which has server-side encryption "
        f"{kind or 'not reported'}"
    )
    return result(ok, arn, FIREHOSE_STREAM, reason, region=region, source_stream=source_arn, source_encryption=kind)


@aws_check(
    id="aws.firehose.stream_encrypted_at_rest",
    title="Firehose streams encrypt the records they hold at rest",
    severity=Severity.MEDIUM,
    service="firehose",
    resource_type=FIREHOSE_STREAM,
    rationale="Firehose buffers records for up to several minutes, and keeps them for up to a day when a destination "
    "is unreachable; without server-side encryption those records sit unencrypted in the service. A stream reading "
    "from a Kinesis data stream holds nothing itself: the records rest in the source stream, which must then be "
    "encrypted.",
    remediation="For a Direct PUT stream, start server-side encryption (StartDeliveryStreamEncryption with an AWS "
    "owned key or, to control and audit its use, a customer managed KMS key). For a stream with a Kinesis data stream "
    "as its source, turn on KMS encryption on that data stream (StartStreamEncryption).",
    requires=("firehose", "kinesis"),
)
def firehose_stream_encrypted_at_rest(inventory: Inventory) -> Iterable[Outcome]:
    sources: dict[str, KinesisStream] | None = None
    for stream in _firehose_streams(inventory):
        if isinstance(stream, Outcome):
            yield stream
            continue
        kind = stream.get("type") or "DirectPut"
        if kind in _UNJUDGED_SOURCES:
            continue
        if kind == KINESIS_SOURCE:
            sources = _kinesis_streams(inventory) if sources is None else sources
            yield _source_outcome(inventory, stream, sources)
            continue
        name, status, key_type = stream["name"], stream.get("encryption_status"), stream.get("key_type")
        ok = status == "ENABLED"
        if ok:
            key = stream.get("key_arn") or "an AWS owned key"
            reason = f"Firehose stream {name} has server-side encryption enabled ({key_type or 'a key'}: {key})"
        else:
            reason = f"Firehose stream {name} has server-side encryption {status or 'off'}"
        yield result(
            ok,
            stream["arn"],
            FIREHOSE_STREAM,
            reason,
            region=stream["region"],
            encryption_status=status,
            key_type=key_type,
            key_arn=stream.get("key_arn"),
        )


# --- Direct Connect connections --------------------------------------------------------------------------------------


@aws_check(
    id="aws.directconnect.connections_at_two_locations",
    title="Direct Connect connections of a region are spread over at least two locations",
    severity=Severity.MEDIUM,
    service="directconnect",
    resource_type=ACCOUNT,
    rationale="A Direct Connect connection ends on one AWS device at one colocation facility: a fibre cut, a device "
    "failure or maintenance there cuts every connection that ends in the same place. Connections at two or more "
    "locations keep the private link to AWS up through the loss of a site.",
    remediation="Order a second dedicated or hosted connection at another Direct Connect location serving the "
    "region (the AWS Direct Connect Resiliency Toolkit sets up maximum or high resiliency), and route over both "
    "with BGP; a Site-to-Site VPN may serve as a lower-bandwidth backup meanwhile.",
)
def directconnect_connections_at_two_locations(inventory: Inventory) -> Iterable[Outcome]:
    account = inventory.account_id or "aws-account"
    data: DirectConnectRegion
    for region, data in regions(inventory, "directconnect"):
        connections = data.get("connections", [])
        if not connections:
            continue
        locations = sorted({str(c.get("location")) for c in connections if c.get("location")})
        ok = len(connections) >= 2 and len(locations) >= 2
        if ok:
            reason = f"{len(connections)} Direct Connect connections in {region} end at {len(locations)} locations"
        elif len(connections) == 1:
            reason = f"{region} has a single Direct Connect connection ({connections[0].get('id')})"
        else:
            where = locations[0] if locations else "an unreported location"
            reason = f"All {len(connections)} Direct Connect connections in {region} end at one location: {where}"
        ids = sorted(str(c.get("id")) for c in connections)
        yield result(ok, account, ACCOUNT, reason, region=region, connections=ids, locations=locations)


# --- REST APIs reachable from the internet ---------------------------------------------------------------------------


def _rest_apis(inventory: Inventory) -> Iterator[RestApi | Outcome]:
    return described_items(
        inventory,
        "apigateway",
        "rest_apis",
        noun="REST APIs",
        resource_type=REST_API,
        resource_id=lambda api: str(api["arn"]),
        label=lambda api: _api_label(api),
    )


def _api_label(api: RestApi) -> str:
    return f"REST API {api.get('name') or api['id']} ({api['id']})"


def _method_name(method: ApiMethod) -> str:
    return f"{method['http_method']} {method.get('path') or '/'}"


@aws_check(
    id="aws.apigateway.public_rest_api_methods_authorized",
    title="REST APIs reachable from the internet authorise the callers of every method",
    severity=Severity.MEDIUM,
    service="apigateway",
    resource_type=REST_API,
    rationale="An edge-optimised or regional REST API answers anyone on the internet who knows its URL. A method "
    "whose authorisation type is NONE runs its integration (a Lambda function, a backend service) for every such "
    "caller; IAM, a Lambda authorizer or a Cognito user pool makes each caller prove who they are first. An API key "
    "is not proof of identity: keys are meant for usage plans and travel in the clear with each request.",
    remediation="Give each method an authoriser (AWS_IAM, a Lambda authorizer or a Cognito user pool authorizer) and "
    "deploy the API again; an API meant only for callers inside a VPC should be made PRIVATE instead. Leave only "
    "CORS preflight (OPTIONS) methods and deliberately public ones without one, and record why.",
)
def apigateway_public_rest_api_methods_authorized(inventory: Inventory) -> Iterable[Outcome]:
    for api in _rest_apis(inventory):
        if isinstance(api, Outcome):
            yield api
            continue
        types = list(api.get("endpoint_types") or [])
        # A private API answers only through interface endpoints inside a VPC, not from the internet.
        if types and set(types) == {"PRIVATE"}:
            continue
        arn, region, label = str(api["arn"]), str(api.get("region", "")), _api_label(api)
        if api.get("methods_error"):
            yield error(arn, REST_API, f"Could not read the methods of {label}: {api['methods_error']}", region=region)
            continue
        if "methods" not in api:
            yield error(arn, REST_API, f"{label} was collected before its methods were read", region=region)
            continue
        methods = [m for m in api["methods"] if m.get("http_method") != _PREFLIGHT]
        open_methods = [_method_name(m) for m in methods if (m.get("authorization_type") or "NONE") in _OPEN]
        endpoint = "/".join(types) or "public"
        if not open_methods:
            reason = f"{label} ({endpoint}) authorises the callers of all {len(methods)} of its method(s)"
        else:
            named = ", ".join(open_methods[:_NAMED]) + (", ..." if len(open_methods) > _NAMED else "")
            reason = (
                f"{label} ({endpoint}) is reachable from the internet with {len(open_methods)} method(s) that "
                f"authorise no caller: {named}"
            )
        yield result(not open_methods, arn, REST_API, reason, region=region, open_methods=open_methods)
