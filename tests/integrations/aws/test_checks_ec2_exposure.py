"""AMI, instance and launch template user data, subnet and transit gateway checks against moto."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest

from integrations.providers.aws.collectors import user_data as user_data_collector
from integrations.providers.aws.collectors.user_data import (
    document_findings,
    named_values_findings,
    scan_user_data,
    secret_findings,
)
from integrations.registry import OutcomeStatus
from tests.integrations.aws.seed_ec2_exposure import (
    CLEAN_USER_DATA,
    LEAKY_USER_DATA,
    b64,
    default_subnets,
    seed_ec2_exposure,
)
from tests.integrations.aws.support import (
    ACCESS_KEY,
    ACCOUNT,
    OTHER_REGION,
    REGION,
    SECRET,
    aws,
    collect,
    connector,
    ec2_error,
    only,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
AMI = "ami-12c6146b"
INSTANCE_CHECK = "aws.ec2.instance_user_data_no_secrets"
TEMPLATE_CHECK = "aws.ec2.launch_template_user_data_no_secrets"
PRIVATE_KEY_HEADER = "-----BEGIN RSA PRIVATE KEY-----"
# Secrets of each kind looked for, one per line (line 1 is the shebang).
LEAKY_SCRIPT = "\n".join(
    [
        "#!/bin/bash",
        f"export AWS_ACCESS_KEY_ID={ACCESS_KEY}",
        f"aws configure set aws_secret_access_key {SECRET}",
        "cat > /etc/app/key.pem <<EOF",
        PRIVATE_KEY_HEADER,
        "MIIEowIBAAKCAQEA7kH0made0up0key0material",
        "-----END RSA PRIVATE KEY-----",
        "EOF",
        "PASSWORD: hunter2-but-longer",
        "export GITHUB_TOKEN=ghp_made0up0token0value",
    ]
)
# What a careful script does instead: fetch each value at boot, or name where it is kept.
CAREFUL_SCRIPT = "\n".join(
    [
        "#!/bin/bash",
        'TOKEN=$(curl -sX PUT "http://169.254.169.254/latest/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 60")',
        "export DB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id db --query SecretString --output text)",
        "export API_KEY=${API_KEY_FROM_ENV}",
        "DB_PASSWORD_ARN=arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
        "password: {{resolve:ssm-secure:db-password}}",
        "echo done",
    ]
)


def _instance(endpoint: str, user_data: str | bytes | None = None, region: str = REGION) -> str:
    settings: dict[str, Any] = {"UserData": user_data} if user_data is not None else {}
    ec2 = aws(endpoint, "ec2", region)
    return str(ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, **settings)["Instances"][0]["InstanceId"])


# --- AMIs ----------------------------------------------------------------------------------------------------------


def test_amis_the_account_owns_are_judged_public_or_not(moto_reset: str) -> None:
    # given two AMIs of the account's, one shared with everyone, one shared with a named account only
    ec2 = aws(moto_reset, "ec2")
    image = {"RootDeviceName": "/dev/sda1", "Architecture": "x86_64"}
    public = ec2.register_image(Name="golden", **image)["ImageId"]
    shared = ec2.register_image(Name="partner", **image)["ImageId"]
    ec2.modify_image_attribute(ImageId=public, LaunchPermission={"Add": [{"Group": "all"}]})
    ec2.modify_image_attribute(ImageId=shared, LaunchPermission={"Add": [{"UserId": "210987654321"}]})
    # when the check runs
    outcomes = scan(moto_reset, "aws.ec2.ami_not_public")
    # then the public image fails, the one shared by account passes, and moto's public catalogue is not judged
    assert statuses(outcomes) == {public: FAIL, shared: PASS}
    assert {o.resource_id: o.reason for o in outcomes}[public] == (
        f"AMI {public} (golden) is public: any AWS account can launch it"
    )


# --- instance user data --------------------------------------------------------------------------------------------


def test_instance_user_data_with_credentials_fails_without_keeping_them(moto_reset: str) -> None:
    # given an instance whose user data holds credentials of every kind, a careful one, and one with no user data
    leaky, careful, bare = (
        _instance(moto_reset, LEAKY_SCRIPT),
        _instance(moto_reset, CAREFUL_SCRIPT),
        _instance(moto_reset),
    )
    # when the user data is collected and the check runs
    inventory = collect(moto_reset, [INSTANCE_CHECK])
    outcomes = run(inventory, INSTANCE_CHECK)
    # then only the leaky instance fails, each finding named by kind and line
    assert statuses(outcomes) == {leaky: FAIL, careful: PASS, bare: PASS}
    failed = next(o for o in outcomes if o.resource_id == leaky)
    assert failed.observed["findings"] == [
        {"kind": "aws_access_key_id", "line": 2},
        {"kind": "aws_secret_access_key", "line": 3},
        {"kind": "private_key", "line": 5},
        {"kind": "password", "line": 9},
        {"kind": "secret_assignment", "line": 10},
    ]
    assert "password (line 9)" in failed.reason
    assert {o.resource_id: o.reason for o in outcomes}[bare] == f"Instance {bare} has no user data"
    # and no value found, nor the user data itself, reaches the inventory or the outcomes
    stored = json.dumps(inventory.data) + json.dumps([(o.reason, o.observed) for o in outcomes])
    for value in (ACCESS_KEY, SECRET, "MIIEowIBAAKCAQEA", "hunter2", "ghp_made0up", b64(LEAKY_SCRIPT)[:24]):
        assert value not in stored


def test_gzip_compressed_user_data_is_unpacked_and_scanned(moto_reset: str) -> None:
    # given an instance whose user data is gzip-compressed, as cloud-init accepts it, with an access key inside
    packed = _instance(moto_reset, gzip.compress(f"#cloud-config\naws_key: {ACCESS_KEY}\n".encode()))
    # when the check runs
    outcome = only(scan(moto_reset, INSTANCE_CHECK))
    # then the unpacked text was scanned and the key found
    assert (outcome.resource_id, outcome.status) == (packed, FAIL)
    assert outcome.observed["findings"] == [{"kind": "aws_access_key_id", "line": 2}]


def test_instances_are_judged_in_their_region_and_terminated_ones_are_not(moto_reset: str) -> None:
    # given a leaky instance in the other region and a terminated leaky one in the first
    west = _instance(moto_reset, LEAKY_SCRIPT, region=OTHER_REGION)
    gone = _instance(moto_reset, LEAKY_SCRIPT)
    aws(moto_reset, "ec2").terminate_instances(InstanceIds=[gone])
    # when the check runs over both regions
    outcome = only(scan(moto_reset, INSTANCE_CHECK, regions=[REGION, OTHER_REGION]))
    # then only the live one is judged, in its region
    assert (outcome.resource_id, outcome.region, outcome.status) == (west, OTHER_REGION, FAIL)


def test_an_instance_whose_user_data_cannot_be_read_is_an_error(moto_reset: str) -> None:
    # given an instance, and EC2 refusing to give its user data
    instance = _instance(moto_reset, CAREFUL_SCRIPT)
    built = connector(moto_reset)
    denied = ec2_error("UnauthorizedOperation", "denied", 403)
    built.session.events.register("before-send.ec2.DescribeInstanceAttribute", lambda **_: denied)
    # when the check runs
    outcome = only(run(built.collect({"instance_user_data"}), INSTANCE_CHECK))
    # then the instance is an error naming the refused call, not a pass
    assert (outcome.resource_id, outcome.status) == (instance, ERROR)
    assert outcome.reason.startswith(
        f"Could not describe the user data of instance {instance}: DescribeInstanceAttribute failed"
    )


def test_instances_past_the_bound_are_left_unread_and_said_so(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # given three instances, and a collector that reads at most two per region
    monkeypatch.setattr(user_data_collector, "MAX_INSTANCES", 2)
    for _ in range(3):
        _instance(moto_reset, CAREFUL_SCRIPT)
    # when the check runs
    outcomes = scan(moto_reset, INSTANCE_CHECK)
    # then two are judged and the region gets an error saying the rest were not read
    assert sorted(o.status for o in outcomes) == sorted([PASS, PASS, ERROR])
    bound = next(o for o in outcomes if o.status == ERROR)
    assert bound.reason == f"{REGION} holds more than 2 instances; only the first 2 were read and judged"


# --- launch template user data -------------------------------------------------------------------------------------


def _template_arn(template_id: str, region: str = REGION) -> str:
    return f"arn:aws:ec2:{region}:{ACCOUNT}:launch-template/{template_id}"


def test_launch_templates_default_version_user_data_is_judged(moto_reset: str) -> None:
    # given a template with a password in its user data, a clean one, one with no user data, and one whose
    # default version is clean but whose newer, not default, version leaks
    ec2 = aws(moto_reset, "ec2")

    def template(name: str, user_data: str | None) -> str:
        data = {"ImageId": AMI, **({"UserData": b64(user_data)} if user_data else {})}
        return str(
            ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData=data)["LaunchTemplate"][
                "LaunchTemplateId"
            ]
        )

    leaky, clean, bare = template("leaky", LEAKY_USER_DATA), template("clean", CLEAN_USER_DATA), template("bare", None)
    drafted = template("drafted", CLEAN_USER_DATA)
    ec2.create_launch_template_version(
        LaunchTemplateId=drafted, LaunchTemplateData={"ImageId": AMI, "UserData": b64(LEAKY_USER_DATA)}
    )
    # when the check runs
    outcomes = scan(moto_reset, TEMPLATE_CHECK)
    # then only the template whose default version leaks fails
    assert statuses(outcomes) == {
        _template_arn(leaky): FAIL,
        _template_arn(clean): PASS,
        _template_arn(bare): PASS,
        _template_arn(drafted): PASS,
    }
    failed = next(o for o in outcomes if o.status == FAIL)
    assert failed.observed["findings"] == [{"kind": "password", "line": 3}]
    assert failed.reason == (
        "Launch template leaky (default version 1)'s user data holds credential-looking values: password (line 3)"
    )


# --- the scanner itself (no AWS involved) --------------------------------------------------------------------------


def test_user_data_that_cannot_be_scanned_is_said_so() -> None:
    # given user data that is not base64, and gzip data unpacking past the bound
    bomb = base64.b64encode(gzip.compress(b"A" * (user_data_collector.MAX_UNPACKED_BYTES + 10))).decode()
    # when each is scanned
    # then neither is taken for clean user data
    assert scan_user_data("not base64!")["unreadable"] == "it is not base64, as AWS returns user data"
    assert (
        scan_user_data(bomb)["unreadable"] == f"it unpacks to more than {user_data_collector.MAX_UNPACKED_BYTES} bytes"
    )


def test_findings_are_capped_but_all_counted() -> None:
    # given user data holding more access keys than are kept
    text = "\n".join(ACCESS_KEY for _ in range(user_data_collector.MAX_FINDINGS + 5))
    # when it is scanned
    scanned = scan_user_data(b64(text))
    # then the first MAX_FINDINGS are kept and every one is counted
    assert len(scanned["findings"]) == user_data_collector.MAX_FINDINGS
    assert scanned["finding_count"] == user_data_collector.MAX_FINDINGS + 5


def test_secret_findings_leave_references_and_plain_settings_alone() -> None:
    # given settings that name where a secret is kept, empty values, and ordinary settings
    text = "\n".join(
        [
            'SECRET_ID="db-credentials"',
            'password=""',
            "TOKEN_FILE=/run/secrets/token",
            "MAX_CONNECTIONS=50",
            "url: https://example.com/health",
            "AKIAIOSFODNN7EXAMPLEX",
        ]
    )
    # when it is scanned
    # then nothing is found (the last line is longer than an access key id)
    assert secret_findings(text) == []


# Fake tokens in each service's format, built here so that no token-shaped literal sits in the repository.
SERVICE_TOKENS = {
    "GitHub": "ghp_" + "a1B2" * 9,
    "GitHub fine-grained": "github_pat_" + "x9_Y" * 20 + "zz",
    "GitLab": "glpat-" + "AbCd-_" * 3 + "xy",
    "Slack": "xoxb-" + "1234-5678-abcd",
    "Stripe": "sk_live_" + "Q" * 24,
    "Google": "AIza" + "Sy_-" * 8 + "abc",
    "npm": "npm_" + "n0Pq" * 9,
    "SendGrid": "SG." + "s" * 22 + "." + "g" * 43,
}


def test_tokens_of_well_known_services_are_found_whatever_they_are_named() -> None:
    # given each service's token given to a setting named like nothing secret, or alone on a line
    for service, token in SERVICE_TOKENS.items():
        # when it is scanned, then it is found as a service token
        assert secret_findings(f"NOTIFY_HOOK={token}") == [{"kind": "service_token", "line": 1}], service
        assert secret_findings(f"  - {token}") == [{"kind": "service_token", "line": 1}], service
    # and text only resembling one is left alone: too short, or part of a longer word
    near_misses = ["ghp_short", "xoxb-abc", "sk_test_" + "Q" * 24, "prefixghp_" + "a1B2" * 9, "AIza" + "S" * 20]
    assert secret_findings("\n".join(near_misses)) == []


# --- subnets and transit gateways ----------------------------------------------------------------------------------


def test_subnets_mapping_public_addresses_on_launch_fail(moto_reset: str) -> None:
    # given a VPC with a private subnet and one switched to map public addresses, beside the default subnets
    ec2 = aws(moto_reset, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    private = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=public, MapPublicIpOnLaunch={"Value": True})
    # when the check runs
    outcomes = scan(moto_reset, "aws.ec2.subnet_no_auto_public_ip")
    # then the private subnet passes, and the switched one fails as every default subnet does
    defaults = default_subnets(moto_reset, REGION)
    assert defaults
    assert statuses(outcomes) == {private: PASS, public: FAIL, **{s: FAIL for s in defaults}}
    assert {o.resource_id: o.reason for o in outcomes}[next(iter(defaults))].endswith(
        "(a default subnet) assigns a public IPv4 address to every instance launched in it"
    )


def test_transit_gateways_auto_accepting_shared_attachments_fail(moto_reset: str) -> None:
    # given a transit gateway that auto-accepts shared attachments and one left at AWS's default
    ec2 = aws(moto_reset, "ec2")
    auto = ec2.create_transit_gateway(Options={"AutoAcceptSharedAttachments": "enable"})["TransitGateway"]
    manual = ec2.create_transit_gateway()["TransitGateway"]
    # when the check runs
    outcomes = scan(moto_reset, "aws.ec2.transit_gateway_no_auto_accept")
    # then only the auto-accepting gateway fails
    assert statuses(outcomes) == {auto["TransitGatewayId"]: FAIL, manual["TransitGatewayId"]: PASS}


# --- the end-to-end seed -------------------------------------------------------------------------------------------


def test_the_seed_causes_exactly_the_failures_it_returns(moto_reset: str) -> None:
    # given the end-to-end seed
    expected = seed_ec2_exposure(moto_reset, REGION)
    expected |= {("aws.ec2.subnet_no_auto_public_ip", s, REGION) for s in default_subnets(moto_reset, REGION)}
    check_ids = [
        "aws.ec2.ami_not_public",
        TEMPLATE_CHECK,
        "aws.ec2.subnet_no_auto_public_ip",
        "aws.ec2.transit_gateway_no_auto_accept",
        "aws.ebs.snapshot_encrypted",
    ]
    # when the checks it serves run
    inventory = collect(moto_reset, check_ids)
    failures = {(cid, o.resource_id, o.region) for cid in check_ids for o in run(inventory, cid) if o.status == FAIL}
    # then the failures are the ones it says
    assert failures == expected


def test_urls_signing_in_with_a_written_password_are_found_and_references_are_not() -> None:
    # given connection strings with a password written out, read from a variable, or without one
    text = "\n".join(
        [
            "DATABASE_URL=postgres://app:hunter22@db.internal:5432/orders",
            "mongo mongodb+srv://reader:Pa55word!@cluster0.example.net/app",
            "DATABASE_URL=postgres://app:${DB_PASSWORD}@db.internal/orders",
            "git clone https://github.com/example/app.git",
            "ssh git@github.com:example/app.git",
        ]
    )
    # when it is scanned
    # then the two written passwords are found, on their lines
    assert secret_findings(text) == [{"kind": "url_password", "line": 1}, {"kind": "url_password", "line": 2}]


def test_named_settings_are_judged_by_name_and_value_and_camel_case_references_are_left_alone() -> None:
    # given settings named like credentials with values, camelCase names of references, and a harmless name holding
    # an access key id
    settings = {
        "apiToken": "0123456789abcdef",
        "tokenSecretName": "orders/api-token",
        "dbPasswordFile": "/run/secrets/db",
        "mirror": "AKIA" + "Z" * 16,
        "retries": "5",
    }
    # when they are scanned
    # then the token and the access key id are found, by name
    assert named_values_findings(settings) == [
        {"name": "apiToken", "kinds": ["secret_assignment"]},
        {"name": "mirror", "kinds": ["aws_access_key_id"]},
    ]


def test_json_documents_are_scanned_by_path_through_objects_and_lists() -> None:
    # given a document with a password in an object, a token in a list, and a path reference
    document = {
        "States": {
            "Login": {"Parameters": {"Password": "s3cret-value", "User.$": "$.user"}},
            "Notify": {"Parameters": {"Hooks": ["https://hooks.example.com", "xoxb-" + "1234567890-abcdefghij"]}},
        }
    }
    # when it is scanned
    # then each finding is named by its path
    assert document_findings(document) == [
        {"name": "States.Login.Parameters.Password", "kinds": ["password"]},
        {"name": "States.Notify.Parameters.Hooks[1]", "kinds": ["service_token"]},
    ]
