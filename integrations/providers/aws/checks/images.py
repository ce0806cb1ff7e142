"""Checks on the AMIs the account owns: none is public."""

from __future__ import annotations

from collections.abc import Iterable

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_ec2 import Image
from ._common import aws_check, items, result

IMAGE = "AWS::EC2::Image"


@aws_check(
    id="aws.ec2.ami_not_public",
    title="AMIs the account owns are not public",
    severity=Severity.CRITICAL,
    service="ec2",
    requires=("images",),
    resource_type=IMAGE,
    rationale="Any AWS account can launch a public AMI and read every file of the disks it was made from: "
    "application code, configuration and, often, credentials left on the instance it was taken from.",
    remediation="Remove the 'all' group from the image's launch permission (share with named accounts or the "
    "organization only) and turn on block public access for AMIs in each region.",
)
def ami_not_public(inventory: Inventory) -> Iterable[Outcome]:
    image: Image
    for image in items(inventory, "images", "images"):
        label = f"AMI {image['id']}" + (f" ({image['name']})" if image.get("name") else "")
        public = image["public"]
        reason = f"{label} is public: any AWS account can launch it" if public else f"{label} is not public"
        yield result(not public, image["id"], IMAGE, reason, region=image["region"], public=public)
