"""Bedrock collection (regional): where the region's model invocation logging sends its records, if anywhere."""

from __future__ import annotations

from typing import Any

from ..shapes_analytics import BedrockRegion
from ._common import Scope, plain


def collect_bedrock(scope: Scope) -> BedrockRegion:
    # One call per region: the logging configuration is a region-wide setting of the account, not a resource.
    answer = scope.client("bedrock").get_model_invocation_logging_configuration()
    config: dict[str, Any] = answer.get("loggingConfig") or {}
    s3 = config.get("s3Config") or {}
    cloudwatch = config.get("cloudWatchConfig") or {}
    logging = {
        "s3_bucket": s3.get("bucketName") or None,
        "cloudwatch_log_group": cloudwatch.get("logGroupName") or None,
        "large_data_s3_bucket": (cloudwatch.get("largeDataDeliveryS3Config") or {}).get("bucketName") or None,
        # What the records carry beyond their metadata (each flag AWS's default, true, when not reported).
        "text_data_delivery": config.get("textDataDeliveryEnabled"),
        "image_data_delivery": config.get("imageDataDeliveryEnabled"),
        "embedding_data_delivery": config.get("embeddingDataDeliveryEnabled"),
    }
    return plain({"invocation_logging": logging})
