"""EC2's regional account settings (block public access for snapshots and AMIs, IMDS defaults, serial console),
set through the same EC2 calls an operator makes and read back from moto's server (tests.moto_additions)."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    OTHER_REGION,
    REGION,
    aws,
    by_region,
    collect,
    connector,
    ec2_error,
    refused_in,
    run,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
SNAPSHOTS = "aws.ebs.snapshot_block_public_access"
IMAGES = "aws.ec2.image_block_public_access"
IMDS = "aws.ec2.account_imdsv2_default"
SERIAL = "aws.ec2.serial_console_access_disabled"
THIRD_REGION = "us-west-2"
REGIONS = [REGION, OTHER_REGION, THIRD_REGION]


def _reasons(outcomes: list[Any]) -> dict[str, str]:
    return {o.region: o.reason for o in outcomes}


def test_snapshot_block_public_access_passes_only_when_it_blocks_all_sharing(moto_reset: str) -> None:
    # given all sharing blocked in one region, only new sharing in another, and the third left as AWS starts it
    aws(moto_reset, "ec2", REGION).enable_snapshot_block_public_access(State="block-all-sharing")
    aws(moto_reset, "ec2", OTHER_REGION).enable_snapshot_block_public_access(State="block-new-sharing")
    # when the check runs over the three regions
    outcomes = run(collect(moto_reset, [SNAPSHOTS], REGIONS), SNAPSHOTS)
    # then only the region blocking all sharing passes, and each reason says what the setting leaves open
    assert by_region(outcomes) == {REGION: PASS, OTHER_REGION: FAIL, THIRD_REGION: FAIL}
    assert _reasons(outcomes) == {
        REGION: f"Block public access for EBS snapshots blocks all public sharing in {REGION}",
        OTHER_REGION: f"Block public access for EBS snapshots in {OTHER_REGION} blocks only new public sharing: "
        "snapshots made public before it stay public",
        THIRD_REGION: f"Block public access for EBS snapshots is off in {THIRD_REGION}: any snapshot can be made "
        "public",
    }
    assert {o.observed["state"] for o in outcomes} == {"block-all-sharing", "block-new-sharing", "unblocked"}


def test_snapshot_block_public_access_turned_off_again_fails(moto_reset: str) -> None:
    # given block public access turned on, then off
    ec2 = aws(moto_reset, "ec2")
    ec2.enable_snapshot_block_public_access(State="block-all-sharing")
    ec2.disable_snapshot_block_public_access()
    # when the check runs
    outcomes = run(collect(moto_reset, [SNAPSHOTS]), SNAPSHOTS)
    # then it fails
    assert by_region(outcomes) == {REGION: FAIL}


def test_image_block_public_access_passes_where_it_is_on(moto_reset: str) -> None:
    # given AMI block public access on in one region, and turned on then off in another
    aws(moto_reset, "ec2", REGION).enable_image_block_public_access(ImageBlockPublicAccessState="block-new-sharing")
    west = aws(moto_reset, "ec2", OTHER_REGION)
    west.enable_image_block_public_access(ImageBlockPublicAccessState="block-new-sharing")
    west.disable_image_block_public_access()
    # when the check runs
    outcomes = run(collect(moto_reset, [IMAGES], [REGION, OTHER_REGION]), IMAGES)
    # then the region with it on passes and the other fails
    assert by_region(outcomes) == {REGION: PASS, OTHER_REGION: FAIL}
    assert _reasons(outcomes)[OTHER_REGION] == (
        f"Block public access for AMIs is off in {OTHER_REGION}: any AMI can be made public"
    )


def test_imds_defaults_pass_when_tokens_are_required_or_the_endpoint_is_off(moto_reset: str) -> None:
    # given IMDSv2 required by default in one region, the metadata endpoint off by default in another, tokens
    # explicitly optional in a third and, in a fourth, no default at all (as AWS starts an account)
    fourth = "ap-southeast-2"
    aws(moto_reset, "ec2", REGION).modify_instance_metadata_defaults(HttpTokens="required", HttpPutResponseHopLimit=2)
    aws(moto_reset, "ec2", OTHER_REGION).modify_instance_metadata_defaults(HttpEndpoint="disabled")
    aws(moto_reset, "ec2", THIRD_REGION).modify_instance_metadata_defaults(HttpTokens="optional")
    # when the check runs over the four regions
    outcomes = run(collect(moto_reset, [IMDS], [*REGIONS, fourth]), IMDS)
    # then the first two pass; optional tokens and no default fail, each reason saying which
    assert by_region(outcomes) == {REGION: PASS, OTHER_REGION: PASS, THIRD_REGION: FAIL, fourth: FAIL}
    assert _reasons(outcomes) == {
        REGION: f"New instances in {REGION} default to IMDSv2 (session tokens required)",
        OTHER_REGION: f"New instances in {OTHER_REGION} have the metadata service turned off by default",
        THIRD_REGION: f"New instances in {THIRD_REGION} allow IMDSv1 by default (session tokens optional)",
        fourth: f"No instance metadata default is set in {fourth}: each launch decides, and IMDSv1 is allowed",
    }


def test_imds_default_cleared_with_no_preference_fails(moto_reset: str) -> None:
    # given IMDSv2 required by default, then the default removed ("no-preference")
    ec2 = aws(moto_reset, "ec2")
    ec2.modify_instance_metadata_defaults(HttpTokens="required")
    ec2.modify_instance_metadata_defaults(HttpTokens="no-preference")
    # when the check runs
    outcomes = run(collect(moto_reset, [IMDS]), IMDS)
    # then it fails: launches decide again
    assert by_region(outcomes) == {REGION: FAIL}
    assert outcomes[0].observed["http_tokens"] is None


def test_serial_console_access_fails_where_it_is_on(moto_reset: str) -> None:
    # given serial console access turned on in one region, and on then off again in another
    aws(moto_reset, "ec2", REGION).enable_serial_console_access()
    west = aws(moto_reset, "ec2", OTHER_REGION)
    west.enable_serial_console_access()
    west.disable_serial_console_access()
    # when the check runs over three regions
    outcomes = run(collect(moto_reset, [SERIAL], REGIONS), SERIAL)
    # then only the region with access on fails
    assert by_region(outcomes) == {REGION: FAIL, OTHER_REGION: PASS, THIRD_REGION: PASS}
    assert _reasons(outcomes)[REGION] == f"EC2 serial console access is on in {REGION}"


_refuse_west = refused_in(
    OTHER_REGION, lambda: ec2_error("UnauthorizedOperation", "You are not authorized to perform this operation.", 403)
)


def test_a_refused_read_is_an_error_for_that_check_in_that_region_alone(moto_reset: str) -> None:
    # given every setting hardened in both regions, and a role refused GetSerialConsoleAccessStatus in one
    for region in (REGION, OTHER_REGION):
        ec2 = aws(moto_reset, "ec2", region)
        ec2.enable_snapshot_block_public_access(State="block-all-sharing")
        ec2.enable_image_block_public_access(ImageBlockPublicAccessState="block-new-sharing")
        ec2.modify_instance_metadata_defaults(HttpTokens="required")
    built = connector(moto_reset, [REGION, OTHER_REGION])
    built.session.events.register("before-send.ec2.GetSerialConsoleAccessStatus", _refuse_west)
    # when the four checks run on one collection
    collected = built.collect(
        {
            "snapshot_block_public_access",
            "image_block_public_access",
            "instance_metadata_defaults",
            "serial_console_access",
        }
    )
    # then the serial console check is an error in that region only, and every other verdict stands
    assert {service: set(failed) for service, failed in collected.region_errors.items()} == {
        "serial_console_access": {OTHER_REGION}
    }
    assert {cid: by_region(run(collected, cid)) for cid in (SNAPSHOTS, IMAGES, IMDS, SERIAL)} == {
        SNAPSHOTS: {REGION: PASS, OTHER_REGION: PASS},
        IMAGES: {REGION: PASS, OTHER_REGION: PASS},
        IMDS: {REGION: PASS, OTHER_REGION: PASS},
        SERIAL: {REGION: PASS, OTHER_REGION: ERROR},
    }
    error = next(o for o in run(collected, SERIAL) if o.status == ERROR)
    assert "UnauthorizedOperation" in error.reason
