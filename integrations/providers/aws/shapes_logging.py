"""CloudTrail and AWS Config shapes (regional services): each stores ``{"regions": {region: <shape>}}``, read by the
trail, data-event and alarm checks. See :mod:`.shapes` for the conventions."""

from __future__ import annotations

from typing import NotRequired, TypedDict

from .shapes import AwsFragment, PolicyDocument

# --- cloudtrail and config ----------------------------------------------------------


class TrailBucket(TypedDict):
    """A trail's log bucket: either its access settings, or ``error`` (often another account's bucket)."""

    name: str
    grants: NotRequired[list[AwsFragment]]  # GetBucketAcl's Grants
    policy: NotRequired[PolicyDocument | None]
    public_access_block: NotRequired[AwsFragment | None]
    logging: NotRequired[AwsFragment | None]
    error: NotRequired[str]


class Trail(TypedDict):
    """A trail, kept in its home region only."""

    name: str | None
    arn: str
    home_region: str
    is_multi_region: bool
    is_organization_trail: bool
    log_file_validation: bool
    kms_key_id: str | None
    s3_bucket: str | None
    cloudwatch_log_group_arn: str | None
    is_logging: bool
    status_error: str | None  # set when another account's organization trail hides its status
    latest_cloudwatch_delivery: str | None
    event_selectors: list[AwsFragment]
    advanced_event_selectors: list[AwsFragment]
    insight_types: NotRequired[list[str]]  # ApiCallRateInsight, ApiErrorRateInsight; absent from older inventories
    bucket: TrailBucket | None
    region: str


class CloudTrailRegion(TypedDict):
    collected_at: str
    trails: list[Trail]


class ConfigRecorder(TypedDict):
    name: str
    recording_group: AwsFragment  # RecordingGroup
    recording: bool
    last_status: str | None
    region: str
    role_arn: NotRequired[str | None]  # roleARN; absent from inventories collected before it was kept


class ConfigRegion(TypedDict):
    recorders: list[ConfigRecorder]
