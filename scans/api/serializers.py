from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from evidence.choices import EvidenceState
from scans.choices import ResultBasis, ResultStatus
from scans.models import CheckOutcome, ScanJob, ScanPart, ScanResult, ScanSchedule
from scans.posture import check_remediation
from scans.services import SCHEDULE_MAX_INTERVAL_MINUTES, SCHEDULE_MIN_INTERVAL_MINUTES

FRAMEWORK_REF_HELP = "The framework's id, or its key (e.g. soc2)."


def framework_ref_field(**kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=100, help_text=FRAMEWORK_REF_HELP, **kwargs)


class ScanTriggerCreateSerializer(serializers.Serializer):
    integration_types = serializers.ListField(child=serializers.CharField(), required=False, allow_empty=True)
    framework_id = framework_ref_field(required=False, allow_null=True)


class ScanTriggeredSerializer(serializers.Serializer):
    scan_job_id = serializers.UUIDField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


class FrameworkScoreSerializer(serializers.Serializer):
    framework_id = serializers.UUIDField()
    framework_key = serializers.CharField()
    framework_name = serializers.CharField()
    score = serializers.FloatField(allow_null=True, help_text="Passing share of the assessed controls, in percent.")
    coverage = serializers.FloatField(
        allow_null=True, default=None, help_text="Assessed controls / applicable controls, in percent."
    )
    total = serializers.IntegerField()
    passed = serializers.IntegerField()
    failed = serializers.IntegerField(help_text="Every fail result, including could_not_evaluate ones.")
    could_not_evaluate = serializers.IntegerField(
        default=0, help_text="Failing only because checks could not evaluate (collection errors), not findings."
    )
    not_applicable = serializers.IntegerField()
    excluded = serializers.IntegerField(default=0)
    unassessed = serializers.IntegerField(default=0)
    applicable = serializers.IntegerField(default=None, allow_null=True)
    assessed = serializers.IntegerField(default=None, allow_null=True)


class ScanJobSerializer(serializers.ModelSerializer):
    scan_job_id = serializers.UUIDField(source="id", read_only=True)
    framework_id = serializers.UUIDField(read_only=True, allow_null=True)
    framework_scores = FrameworkScoreSerializer(many=True, read_only=True)
    score = serializers.SerializerMethodField()
    triggered_by = serializers.SerializerMethodField()
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = ScanJob
        fields = [
            "id",
            "scan_job_id",
            "status",
            "created_at",
            "started_at",
            "completed_at",
            "duration_seconds",
            "progress",
            "total_controls",
            "passed_controls",
            "failed_controls",
            "not_applicable_controls",
            "score",
            "coverage",
            "errored_controls",
            "framework_scores",
            "integration_types",
            "framework_id",
            "trigger",
            "triggered_by",
            "error",
            "partial",
        ]

    coverage = serializers.SerializerMethodField(help_text="Assessed controls / applicable controls, in percent.")

    def get_score(self, job: ScanJob) -> float | None:
        return job.score if job.status == "completed" else None

    def get_coverage(self, job: ScanJob) -> float | None:
        return job.coverage if job.status == "completed" else None

    def get_triggered_by(self, job: ScanJob) -> str | None:
        return job.triggered_by.email if job.triggered_by is not None else None


class ScanPartSerializer(serializers.ModelSerializer):
    integration_id = serializers.UUIDField(read_only=True, allow_null=True)

    class Meta:
        model = ScanPart
        fields = [
            "integration_id",
            "integration_type",
            "integration_name",
            "status",
            "outcome_count",
            "error",
            "started_at",
            "completed_at",
        ]


class ScanJobDetailSerializer(ScanJobSerializer):
    parts = ScanPartSerializer(many=True, read_only=True)

    class Meta(ScanJobSerializer.Meta):
        fields = [*ScanJobSerializer.Meta.fields, "parts"]


class ResultCheckSerializer(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField()
    severity = serializers.CharField()
    integration_type = serializers.CharField()
    status = serializers.ChoiceField(choices=["fail", "error", "pass", "not-run"])
    passed = serializers.IntegerField()
    failed = serializers.IntegerField()
    errored = serializers.IntegerField()
    remediation = serializers.CharField(allow_blank=True, help_text="From the check registry (failing checks).")


# The pages of a large scan are read out, never changed, so they are built from plain rows
# (``scans.selectors.scan_rows_page(fields=…)``) instead of model instances and serializer fields: a tenth of the
# time for 50 rows. The serializers below still describe them in the schema, with these fields, and a test holds
# both ways equal, field for field. Each maps the name the API gives a field to the column it is read from.
OUTCOME_PAGE_COLUMNS = {
    "id": "id",
    "check_id": "check_id",
    "integration_id": "integration_id",
    "integration_type": "integration__type",
    "resource_id": "resource_id",
    "resource_type": "resource_type",
    "region": "region",
    "status": "status",
    "severity": "severity",
    "reason": "reason",
    "detail": "detail",
}
RESULT_PAGE_COLUMNS = {
    "control_id": "control_id",
    "control_ref": "control__ref",
    "control_title": "control__title",
    "framework_id": "framework_id",
    "framework_key": "framework__key",
    "status": "status",
    "finding": "finding",
    "evidence_key": "evidence_key",
    "evidence_id": "evidence_id",
    "basis": "basis",
    "evidence_state": "evidence_state",
    "could_not_evaluate": "errored",
    "checks_mapped": "checks_mapped",
    "checks_ran": "checks_ran",
    "missing_integration_types": "missing_integration_types",
    "checks": "checks",
}
OUTCOME_PAGE_FIELDS = tuple(OUTCOME_PAGE_COLUMNS.values())
RESULT_PAGE_FIELDS = tuple(RESULT_PAGE_COLUMNS.values())
# Written as the UUIDField of a serializer writes them (None stays None).
_UUID_FIELDS = frozenset({"id", "integration_id", "control_id", "framework_id", "evidence_id"})


def _page_row(columns: dict[str, str], row: dict[str, Any]) -> dict[str, Any]:
    data = {name: row[column] for name, column in columns.items()}
    for name in _UUID_FIELDS & data.keys():
        data[name] = None if data[name] is None else str(data[name])
    return data


def outcome_page_row(row: dict[str, Any]) -> dict[str, Any]:
    """What ``CheckOutcomeSerializer`` gives for the outcome read as ``row`` (``OUTCOME_PAGE_FIELDS``)."""
    return _page_row(OUTCOME_PAGE_COLUMNS, row)


def result_page_row(row: dict[str, Any]) -> dict[str, Any]:
    """What ``ScanResultSerializer`` gives for the result read as ``row`` (``RESULT_PAGE_FIELDS``)."""
    data = _page_row(RESULT_PAGE_COLUMNS, row)
    data["checks"] = [{**check, "remediation": check_remediation(check)} for check in data["checks"]]
    return data


class ScanResultSerializer(serializers.ModelSerializer):
    control_ref = serializers.CharField(source="control.ref")
    control_title = serializers.CharField(source="control.title")
    framework_key = serializers.CharField(source="framework.key")
    status = serializers.ChoiceField(choices=ResultStatus.choices)
    evidence_id = serializers.UUIDField(allow_null=True)
    basis = serializers.ChoiceField(choices=ResultBasis.choices, allow_blank=True)
    evidence_state = serializers.ChoiceField(choices=EvidenceState.choices, allow_blank=True)
    could_not_evaluate = serializers.BooleanField(
        source="errored", help_text="The fail comes only from checks that could not evaluate, not from findings."
    )
    checks = serializers.SerializerMethodField(help_text="Each mapped check with its status; failing ones first.")

    class Meta:
        model = ScanResult
        fields = list(RESULT_PAGE_COLUMNS)

    @extend_schema_field(ResultCheckSerializer(many=True))
    def get_checks(self, result: ScanResult) -> list[dict]:
        return [{**row, "remediation": check_remediation(row)} for row in result.checks]


class CheckOutcomeSerializer(serializers.ModelSerializer):
    integration_id = serializers.UUIDField(allow_null=True)
    integration_type = serializers.CharField(source="integration.type", default=None)

    class Meta:
        model = CheckOutcome
        fields = list(OUTCOME_PAGE_COLUMNS)


class ScanDiffEntrySerializer(serializers.Serializer):
    control_id = serializers.UUIDField()
    control_ref = serializers.CharField()
    control_title = serializers.CharField()
    framework_id = serializers.UUIDField()
    framework_key = serializers.CharField()
    status = serializers.CharField(help_text="pass, fail, not-applicable or could-not-evaluate.")
    previous_status = serializers.CharField(allow_null=True)


class ScanDiffSerializer(serializers.Serializer):
    scan_job_id = serializers.UUIDField()
    against_scan_job_id = serializers.UUIDField(allow_null=True)
    first_scan = serializers.BooleanField(help_text="No earlier scan of the same scope: nothing is 'unchanged'.")
    newly_failing = ScanDiffEntrySerializer(many=True, help_text="Real findings only, not collection errors.")
    newly_passing = ScanDiffEntrySerializer(many=True)
    could_not_evaluate = ScanDiffEntrySerializer(
        many=True, help_text="Failing only because checks could not evaluate (collection errors)."
    )
    unchanged_failing = serializers.IntegerField()
    unchanged_passing = serializers.IntegerField()
    unchanged_other = serializers.IntegerField()
    score = serializers.FloatField(allow_null=True)
    previous_score = serializers.FloatField(allow_null=True)


class TrendPointSerializer(serializers.Serializer):
    scan_job_id = serializers.UUIDField()
    completed_at = serializers.DateTimeField()
    score = serializers.FloatField(allow_null=True)
    coverage = serializers.FloatField(allow_null=True, help_text="Null for scans rolled up before coverage existed.")
    passed = serializers.IntegerField()
    failed = serializers.IntegerField()


class TrendQuerySerializer(serializers.Serializer):
    framework_id = framework_ref_field(required=False)
    days = serializers.IntegerField(required=False, min_value=1, max_value=3650, default=90)


class ScanScheduleSerializer(serializers.ModelSerializer):
    framework_id = serializers.UUIDField(read_only=True, allow_null=True)
    last_scan_job_id = serializers.UUIDField(read_only=True, allow_null=True)

    class Meta:
        model = ScanSchedule
        fields = [
            "id",
            "name",
            "interval_minutes",
            "cron",
            "integration_types",
            "framework_id",
            "enabled",
            "next_run_at",
            "last_run_at",
            "last_scan_job_id",
            "created_at",
        ]


class ScanScheduleCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    interval_minutes = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=SCHEDULE_MIN_INTERVAL_MINUTES,
        max_value=SCHEDULE_MAX_INTERVAL_MINUTES,
    )
    cron = serializers.CharField(
        required=False, allow_blank=True, max_length=100, default="", help_text="Five fields, UTC, e.g. '0 3 * * *'."
    )
    integration_types = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    framework_id = framework_ref_field(required=False, allow_null=True)
    enabled = serializers.BooleanField(required=False, default=True)


class ScanScheduleUpdateSerializer(ScanScheduleCreateSerializer):
    name = serializers.CharField(max_length=100, required=False)
    cron = serializers.CharField(required=False, allow_blank=True, max_length=100)
    integration_types = serializers.ListField(child=serializers.CharField(), required=False)
    enabled = serializers.BooleanField(required=False)
