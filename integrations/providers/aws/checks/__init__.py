"""AWS checks.  Importing this package registers every AWS check with the registry."""

from . import cloudtrail, cloudwatch, data_stores, detection, ec2, iam, s3

__all__ = ["cloudtrail", "cloudwatch", "data_stores", "detection", "ec2", "iam", "s3"]
