"""Helpers for the AWS connector tests: seeding moto, scanning it, reading outcomes."""

from __future__ import annotations

import functools
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse
from botocore.client import BaseClient

import integrations.providers.aws.checks  # noqa: F401 - registers the AWS checks
from integrations import registry
from integrations.providers.aws.client import AwsConnector, build_connector, strip_account_host_prefix
from integrations.registry import Check, Inventory, Outcome, OutcomeStatus

ACCOUNT = "123456789012"
REGION = "us-east-1"
OTHER_REGION = "eu-west-1"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
TRUST_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
        ],
    }
)


@functools.cache
def aws(endpoint: str, service: str, region: str = REGION) -> BaseClient:
    """A plain boto3 client for seeding moto (not the connector's); cached, as moto's state is reset instead."""
    client = boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    if service == "s3control":
        client.meta.events.register("before-call.s3-control", strip_account_host_prefix)
    if service == "emr":
        client.meta.events.register("before-send.emr", emr_by_region)
    return client


def emr_by_region(request: Any = None, **_: Any) -> None:
    """A before-send hook for EMR requests (register it on a connector's session that scans several regions).

    moto's server takes an EMR request's region from the host name alone, not from the signature as for other
    services, so on a local endpoint every region would share one EMR. Naming the regional host, as AWS's own
    endpoints do, keeps the regions apart.
    """
    request.headers["Host"] = f"elasticmapreduce.{signed_region(request)}.amazonaws.com"


def signed_region(request: Any) -> str:
    """The region a request was signed for (its credential scope)."""
    authorization = request.headers["Authorization"]
    signed = authorization.decode() if isinstance(authorization, bytes) else str(authorization)
    return signed.split("Credential=", 1)[1].split("/")[2]


def refused_in(region: str, answer: Callable[[], AWSResponse]) -> Callable[..., AWSResponse | None]:
    """A before-send hook answering ``answer()`` to the requests signed for ``region`` (the others go through)."""

    def hook(request: Any = None, **_: Any) -> AWSResponse | None:
        return answer() if signed_region(request) == region else None

    return hook


def connector(endpoint: str, regions: Iterable[str] = (REGION,), **config: Any) -> AwsConnector:
    built = build_connector(
        config={"regions": list(regions), "endpoint_url": endpoint, **config},
        credentials={"access_key_id": "testing", "secret_access_key": "testing"},
    )
    # moto finishes the credential report on the second request; no need to wait long.
    built.report_first_pause = 0.01
    return built


def services_for(check_ids: Iterable[str]) -> set[str]:
    return {s for cid in check_ids for s in _check(cid).services}


def db_instance(endpoint: str, name: str, engine: str = "postgres", **settings: Any) -> None:
    """Seed a small RDS instance; ``settings`` are create_db_instance's own (StorageEncrypted=True, ...)."""
    aws(endpoint, "rds").create_db_instance(
        DBInstanceIdentifier=name,
        DBInstanceClass="db.t3.micro",
        Engine=engine,
        MasterUsername="app",
        MasterUserPassword="a-long-password-1",
        AllocatedStorage=20,
        **settings,
    )


def aws_checks() -> list[Check]:
    """The registered AWS checks.

    Read from the registry itself: ``all_checks()`` also imports every other provider,
    and one being written elsewhere must not fail the AWS tests.
    """
    return sorted((c for c in registry._REGISTRY.values() if c.integration_type == "aws"), key=lambda c: c.id)


def _check(check_id: str) -> Check:
    found = next((c for c in aws_checks() if c.id == check_id), None)
    assert found is not None, f"{check_id} is not registered"
    return found


def collect(endpoint: str, check_ids: Iterable[str], regions: Iterable[str] = (REGION,)) -> Inventory:
    return connector(endpoint, regions).collect(services_for(check_ids))


def run(inventory: Inventory, check_id: str) -> list[Outcome]:
    return _check(check_id).run(inventory)


def scan(endpoint: str, check_id: str, regions: Iterable[str] = (REGION,)) -> list[Outcome]:
    """Collect what one check needs from moto and run it."""
    inventory = collect(endpoint, [check_id], regions)
    assert not inventory.errors, inventory.errors
    return run(inventory, check_id)


def statuses(outcomes: Iterable[Outcome]) -> dict[str, OutcomeStatus]:
    return {o.resource_id: o.status for o in outcomes}


def by_region(outcomes: Iterable[Outcome]) -> dict[str, OutcomeStatus]:
    return {o.region: o.status for o in outcomes}


def failing(outcomes: Iterable[Outcome]) -> set[str]:
    return {o.resource_id for o in outcomes if o.status == OutcomeStatus.FAIL}


def only(outcomes: list[Outcome]) -> Outcome:
    assert len(outcomes) == 1, outcomes
    return outcomes[0]


def inventory(account_id: str = ACCOUNT, **data: Any) -> Inventory:
    """A hand-built inventory for checks whose inputs moto cannot produce."""
    return Inventory(integration_type="aws", account_id=account_id, data=data)


def aws_check_ids() -> list[str]:
    return [c.id for c in aws_checks()]


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterable[bytes]:
        yield self._body


def fake_response(status: int, body: str | bytes, content_type: str = "text/xml") -> AWSResponse:
    raw = body.encode() if isinstance(body, str) else body
    return AWSResponse("https://fake.amazonaws.com/", status, {"Content-Type": content_type}, _Raw(raw))


def query_error(code: str, message: str, status: int = 400) -> AWSResponse:
    """An error as query-protocol services (IAM, EC2, RDS, STS) return it."""
    body = (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>fake</RequestId></ErrorResponse>"
    )
    return fake_response(status, body)


def ec2_error(code: str, message: str, status: int = 400) -> AWSResponse:
    body = f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors></Response>"
    return fake_response(status, body)


def json_reply(payload: Mapping[str, Any], status: int = 200) -> AWSResponse:
    return fake_response(status, json.dumps(payload), "application/json")


def features_reply(*features: str) -> AWSResponse:
    """IAM's ListOrganizationsFeatures answer (moto lacks the call) enabling ``features``."""
    members = "".join(f"<member>{f}</member>" for f in features)
    return fake_response(
        200,
        '<ListOrganizationsFeaturesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        f"<ListOrganizationsFeaturesResult><OrganizationId>o-example</OrganizationId>"
        f"<EnabledFeatures>{members}</EnabledFeatures></ListOrganizationsFeaturesResult>"
        "<ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></ListOrganizationsFeaturesResponse>",
    )


def answer(responses: list[Callable[[], AWSResponse | None]]) -> Callable[..., AWSResponse | None]:
    """A before-send hook replaying ``responses`` in turn (None lets the request through)."""
    calls: list[Any] = []

    def hook(request: Any = None, **_: Any) -> AWSResponse | None:
        calls.append(request)
        index = min(len(calls), len(responses)) - 1
        return responses[index]()

    hook.calls = calls  # type: ignore[attr-defined]
    return hook


def internet_route(endpoint: str, vpc: str, subnet: str) -> None:
    """Give ``subnet`` a route table of its own with a default route to a new internet gateway of ``vpc``."""
    ec2 = aws(endpoint, "ec2")
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)


def two_private_one_public_subnet(endpoint: str, octet: int) -> tuple[str, str, str]:
    """A new VPC 10.<octet>.0.0/16 with subnets in zones a and b and a third, in zone c, routed to an internet
    gateway: (private a, private b, public)."""
    ec2 = aws(endpoint, "ec2")
    vpc = ec2.create_vpc(CidrBlock=f"10.{octet}.0.0/16")["Vpc"]["VpcId"]
    private_a, private_b, public = (
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{octet}.{n}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"][
            "SubnetId"
        ]
        for n, zone in ((1, "a"), (2, "b"), (3, "c"))
    )
    internet_route(endpoint, vpc, public)
    return private_a, private_b, public


def lambda_function(endpoint: str, name: str, region: str = REGION, **settings: Any) -> str:
    """Create Lambda function ``name`` (create_function's own ``settings``: Runtime, Environment, VpcConfig...) with a
    one-line Python handler and a shared execution role; return the name."""
    iam = aws(endpoint, "iam")
    try:
        role = iam.get_role(RoleName="lambda-exec")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(RoleName="lambda-exec", AssumeRolePolicyDocument=TRUST_POLICY)["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handle(event, context):\n    return event\n")
    aws(endpoint, "lambda", region).create_function(
        FunctionName=name,
        Role=role,
        Handler="handler.handle",
        Code={"ZipFile": code.getvalue()},
        **{"Runtime": "python3.12", **settings},
    )
    return name


def origin_access_control(endpoint: str, name: str) -> str:
    """A CloudFront origin access control for S3 origins, signing every request; returns its id."""
    config = {
        "Name": name,
        "SigningProtocol": "sigv4",
        "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3",
    }
    created = aws(endpoint, "cloudfront").create_origin_access_control(OriginAccessControlConfig=config)
    return str(created["OriginAccessControl"]["Id"])


def custom_origin(origin_id: str, domain: str) -> dict[str, Any]:
    """A CloudFront origin reached over HTTPS only at ``domain``."""
    config = {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}
    return {"Id": origin_id, "DomainName": domain, "CustomOriginConfig": config}


def cloudfront_distribution(endpoint: str, reference: str, *origins: dict[str, Any]) -> str:
    """Create an enabled distribution serving ``origins`` (the first as default) over HTTPS; return its id."""
    config: dict[str, Any] = {
        "CallerReference": reference,
        "Comment": reference,
        "Enabled": True,
        "Origins": {"Quantity": len(origins), "Items": list(origins)},
        "DefaultCacheBehavior": {
            "TargetOriginId": origins[0]["Id"],
            "ViewerProtocolPolicy": "https-only",
            "MinTTL": 0,
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
        },
    }
    return str(aws(endpoint, "cloudfront").create_distribution(DistributionConfig=config)["Distribution"]["Id"])
