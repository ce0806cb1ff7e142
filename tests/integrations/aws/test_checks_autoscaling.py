"""EC2 Auto Scaling and launch template checks against moto."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import OTHER_REGION, REGION, aws, collect, only, run, scan, statuses

PASS, FAIL = OutcomeStatus.PASS, OutcomeStatus.FAIL
AMI = "ami-12c6146b"
CONFIGURATION_CHECKS = [
    "aws.autoscaling.launch_configuration_imdsv2_required",
    "aws.autoscaling.launch_configuration_no_public_ip",
]
GROUP_CHECK = "aws.autoscaling.group_multiple_azs"
TEMPLATE_CHECK = "aws.ec2.launch_template_imdsv2_required"


def launch_configuration(endpoint: str, name: str, region: str = REGION, **settings: Any) -> str:
    """Create launch configuration ``name`` (create_launch_configuration's own ``settings``); its ARN."""
    autoscaling = aws(endpoint, "autoscaling", region)
    autoscaling.create_launch_configuration(
        LaunchConfigurationName=name, ImageId=AMI, InstanceType="t3.micro", **settings
    )
    found = autoscaling.describe_launch_configurations(LaunchConfigurationNames=[name])["LaunchConfigurations"]
    return str(found[0]["LaunchConfigurationARN"])


def group(endpoint: str, name: str, zones: list[str], configuration: str) -> str:
    autoscaling = aws(endpoint, "autoscaling")
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name, LaunchConfigurationName=configuration, MinSize=0, MaxSize=1, AvailabilityZones=zones
    )
    found = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]
    return str(found[0]["AutoScalingGroupARN"])


def template(endpoint: str, name: str, **data: Any) -> str:
    """Create launch template ``name`` whose first version holds ``data``; its ARN."""
    created = aws(endpoint, "ec2").create_launch_template(
        LaunchTemplateName=name, LaunchTemplateData={"ImageId": AMI, **data}
    )["LaunchTemplate"]
    return f"arn:aws:ec2:{REGION}:123456789012:launch-template/{created['LaunchTemplateId']}"


def test_launch_configuration_checks_pass_a_hardened_one_and_fail_a_loose_one(moto_reset: str) -> None:
    # given a launch configuration requiring IMDSv2 without a public IP, one allowing IMDSv1 with a public IP, and
    # one that says neither
    hardened = launch_configuration(
        moto_reset, "hardened", MetadataOptions={"HttpTokens": "required"}, AssociatePublicIpAddress=False
    )
    loose = launch_configuration(
        moto_reset, "loose", MetadataOptions={"HttpTokens": "optional"}, AssociatePublicIpAddress=True
    )
    unset = launch_configuration(moto_reset, "unset")
    # when both checks run on one collection
    collected = collect(moto_reset, CONFIGURATION_CHECKS)
    outcomes = {cid: {o.resource_id: o for o in run(collected, cid)} for cid in CONFIGURATION_CHECKS}
    # then the hardened one passes both and the loose one fails both; without metadata options IMDSv1 is allowed
    # (fails), and without a public IP setting it asks for none (passes)
    imds, public_ip = (outcomes[cid] for cid in CONFIGURATION_CHECKS)
    assert {arn: o.status for arn, o in imds.items()} == {hardened: PASS, loose: FAIL, unset: FAIL}
    assert {arn: o.status for arn, o in public_ip.items()} == {hardened: PASS, loose: FAIL, unset: PASS}
    assert imds[hardened].reason == "Launch configuration hardened requires IMDSv2"
    assert imds[loose].reason == "Launch configuration loose allows IMDSv1 (HttpTokens=optional)"
    assert imds[unset].reason == "Launch configuration unset does not require IMDSv2 (HttpTokens not set)"
    assert public_ip[loose].reason == "Launch configuration loose assigns a public IP address to every instance"
    assert public_ip[hardened].reason == "Launch configuration hardened assigns no public IP address"
    assert public_ip[loose].observed == {"associate_public_ip_address": True}


def test_a_launch_configuration_without_a_metadata_service_passes_the_imds_check(moto_reset: str) -> None:
    # given a launch configuration turning the metadata endpoint off
    arn = launch_configuration(moto_reset, "no-imds", MetadataOptions={"HttpEndpoint": "disabled"})
    # when the IMDS check runs
    outcome = only(scan(moto_reset, CONFIGURATION_CHECKS[0]))
    # then it passes: there is no metadata service to steal from
    assert (outcome.resource_id, outcome.status) == (arn, PASS)
    assert outcome.reason == "Launch configuration no-imds turns the metadata service off"


def test_groups_pass_across_zones_and_fail_in_one(moto_reset: str) -> None:
    # given a group over two zones and one in a single zone
    launch_configuration(moto_reset, "web")
    spread = group(moto_reset, "web-spread", ["us-east-1a", "us-east-1b"], "web")
    single = group(moto_reset, "web-single", ["us-east-1a"], "web")
    # when the zone check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, GROUP_CHECK)}
    # then the spread group passes and the single-zone one fails, each saying what it saw
    assert {arn: o.status for arn, o in outcomes.items()} == {spread: PASS, single: FAIL}
    assert outcomes[spread].reason == "Auto Scaling group web-spread spans 2 Availability Zones"
    assert (
        outcomes[single].reason == "Auto Scaling group web-single launches in one Availability Zone only (us-east-1a)"
    )
    assert outcomes[spread].observed == {"availability_zones": ["us-east-1a", "us-east-1b"]}


def test_launch_templates_are_judged_on_their_default_and_latest_versions(moto_reset: str) -> None:
    # given a template requiring IMDSv2, one that never set it, and one whose default requires it but whose newer
    # (latest) version does not
    ec2 = aws(moto_reset, "ec2")
    good = template(moto_reset, "good", MetadataOptions={"HttpTokens": "required"})
    bare = template(moto_reset, "bare")
    drifted = template(moto_reset, "drifted", MetadataOptions={"HttpTokens": "required"})
    ec2.create_launch_template_version(LaunchTemplateName="drifted", LaunchTemplateData={"ImageId": AMI})
    # when the template check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, TEMPLATE_CHECK)}
    # then only the template requiring IMDSv2 in both versions passes
    assert {arn: o.status for arn, o in outcomes.items()} == {good: PASS, bare: FAIL, drifted: FAIL}
    assert outcomes[good].reason == "Launch template good: version 1 (default and latest) requires IMDSv2"
    assert outcomes[bare].reason == (
        "Launch template bare: version 1 (default and latest) does not require IMDSv2 (HttpTokens not set)"
    )
    assert outcomes[drifted].reason == (
        "Launch template drifted: version 2 (latest) does not require IMDSv2 (HttpTokens not set)"
    )
    assert outcomes[drifted].observed == {
        "versions": {
            "1": {"http_tokens": "required", "http_endpoint": None},
            "2": {"http_tokens": None, "http_endpoint": None},
        }
    }


def test_a_template_whose_latest_version_fixed_it_still_fails_on_its_default(moto_reset: str) -> None:
    # given a template whose default version allows IMDSv1 and whose newer version requires IMDSv2
    arn = template(moto_reset, "half-fixed", MetadataOptions={"HttpTokens": "optional"})
    aws(moto_reset, "ec2").create_launch_template_version(
        LaunchTemplateName="half-fixed",
        LaunchTemplateData={"ImageId": AMI, "MetadataOptions": {"HttpTokens": "required"}},
    )
    # when the template check runs
    outcome = only(scan(moto_reset, TEMPLATE_CHECK))
    # then it fails on the default version, which launches naming no version still get
    assert (outcome.resource_id, outcome.status) == (arn, FAIL)
    assert outcome.reason == "Launch template half-fixed: version 1 (default) allows IMDSv1 (HttpTokens=optional)"


def test_auto_scaling_is_judged_in_each_region(moto_reset: str) -> None:
    # given a loose launch configuration in the other region only
    arn = launch_configuration(moto_reset, "west", region=OTHER_REGION, AssociatePublicIpAddress=True)
    # when the public IP check runs over both regions
    outcomes = scan(moto_reset, CONFIGURATION_CHECKS[1], regions=[REGION, OTHER_REGION])
    # then the configuration is judged once, in its region
    assert statuses(outcomes) == {arn: FAIL}
    assert only(outcomes).region == OTHER_REGION


USER_DATA_CHECK = "aws.autoscaling.launch_configuration_user_data_no_secrets"


def test_launch_configuration_user_data_with_credentials_fails_without_keeping_them(moto_reset: str) -> None:
    # given a launch configuration whose user data exports an access key pair, one fetching its secret at boot, and
    # one without user data
    leaked_key = "AKIA" + "Q" * 16
    leaky = launch_configuration(
        moto_reset,
        "leaky",
        UserData=f"#!/bin/bash\nexport AWS_ACCESS_KEY_ID={leaked_key}\nexport AWS_SECRET_ACCESS_KEY=wJalr/EXAMPLE\n",
    )
    fetching = launch_configuration(
        moto_reset,
        "fetching",
        UserData='#!/bin/bash\nDB_PASSWORD="$(aws secretsmanager get-secret-value --secret-id db)"\n',
    )
    bare = launch_configuration(moto_reset, "bare")
    # when the user data check runs
    collected = collect(moto_reset, [USER_DATA_CHECK])
    outcomes = {o.resource_id: o for o in run(collected, USER_DATA_CHECK)}
    # then only the leaky one fails, saying what kinds it found on which lines; the key is kept nowhere
    assert statuses(outcomes.values()) == {leaky: FAIL, fetching: PASS, bare: PASS}
    assert outcomes[leaky].reason == (
        "Launch configuration leaky's user data holds credential-looking values: aws_access_key_id (line 2), "
        "aws_secret_access_key (line 3)"
    )
    assert outcomes[bare].reason == "Launch configuration bare has no user data"
    assert leaked_key not in str(collected.data)


def test_a_launch_configuration_in_an_older_inventory_is_not_judged_on_user_data(moto_reset: str) -> None:
    # given an inventory collected before launch configurations' user data was scanned
    launch_configuration(moto_reset, "old", UserData="#!/bin/bash\nPASSWORD=hunter2\n")
    collected = collect(moto_reset, [USER_DATA_CHECK])
    for configuration in collected.data["autoscaling"]["regions"][REGION]["launch_configurations"]:
        del configuration["user_data"]
    # when the user data check runs
    # then it has nothing to judge
    assert run(collected, USER_DATA_CHECK) == []
