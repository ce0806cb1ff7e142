"""AMI collection (regional): the images the account owns, and whether each is public."""

from __future__ import annotations

from ..shapes_ec2 import ImagesRegion
from ._common import Scope, paginate, plain

# DescribeImages gives at most 1,000 a page.
_PAGE_SIZE = 1_000


def collect_images(scope: Scope) -> ImagesRegion:
    # Owners self: the public catalogue (tens of thousands of images per region) is not the account's to share.
    # DescribeImages' own Public flag says whether the launch permission holds the "all" group, so no per-image
    # DescribeImageAttribute call is needed: the listing is read whole.
    images = paginate(
        scope.client("ec2"), "describe_images", "Images", Owners=["self"], PaginationConfig={"PageSize": _PAGE_SIZE}
    )
    return plain(
        {
            "images": [
                {
                    "id": i["ImageId"],
                    "name": i.get("Name"),
                    "public": i.get("Public") is True,
                    "state": i.get("State"),
                    "region": scope.region,
                }
                for i in images
                # "self" already limits the listing; the owner test guards against an endpoint that ignores it.
                if not i.get("OwnerId") or i["OwnerId"] == scope.account_id
            ]
        }
    )
