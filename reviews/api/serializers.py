"""Shapes of the access-review API: campaigns with their progress, items, and the bodies that change them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from complywise.choices import Role

from ..choices import CampaignStatus, Decision, Recurrence
from ..models import ReviewCampaign, ReviewItem, ReviewSource
from ..selectors import Progress
from ..services import MAX_SOURCES, NAME_MAX, NOTE_MAX

REASSIGN = "reassign"
# Far above any real review; bounds what one request can lock and rewrite.
MAX_ITEMS_PER_REQUEST = 5000


class AccessReviewIntegrationSerializer(serializers.Serializer):
    """The integration as it was named when the review was created (kept after it is deleted)."""

    id = serializers.UUIDField(source="integration_id", allow_null=True, help_text="Null once deleted.")
    name = serializers.CharField(source="integration_name")
    type = serializers.CharField(source="integration_type")


class AccessReviewSourceSerializer(serializers.ModelSerializer):
    integration = AccessReviewIntegrationSerializer(source="*", read_only=True)
    reviewer_id = serializers.IntegerField(read_only=True, allow_null=True)
    reviewer = serializers.EmailField(source="reviewer.email", read_only=True, allow_null=True, default=None)
    accounts_as_of = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When a scan last saw the integration's accounts as the items were taken (null: never scanned).",
    )

    class Meta:
        model = ReviewSource
        fields = ["id", "integration", "reviewer_id", "reviewer", "accounts_as_of"]
        read_only_fields = fields


class AccessReviewProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    pending = serializers.IntegerField()
    approved = serializers.IntegerField()
    revoked = serializers.IntegerField()
    decided = serializers.IntegerField()
    percent = serializers.IntegerField(help_text="Share of items decided, 0-100 (100 for a review with none).")


class AccessReviewSerializer(serializers.ModelSerializer):
    """A campaign; expects the queryset of ``selectors.campaigns_for_tenant`` (item counts annotated)."""

    progress = serializers.SerializerMethodField()
    sources = AccessReviewSourceSerializer(many=True, read_only=True)
    created_by = serializers.EmailField(source="created_by.email", read_only=True, allow_null=True, default=None)
    completed_by = serializers.EmailField(source="completed_by.email", read_only=True, allow_null=True, default=None)
    evidence_csv_id = serializers.UUIDField(
        read_only=True, allow_null=True, help_text="The decisions as CSV, stored as evidence on completion."
    )
    evidence_pdf_id = serializers.UUIDField(
        read_only=True, allow_null=True, help_text="The signed-off report as PDF, stored as evidence on completion."
    )
    decisions_sha256 = serializers.CharField(
        read_only=True, help_text="SHA-256 of the decisions CSV; empty until completed."
    )
    previous_review_id = serializers.UUIDField(source="previous_id", read_only=True, allow_null=True)
    next_review_id = serializers.UUIDField(
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The campaign a recurring review scheduled when this one completed.",
    )

    class Meta:
        model = ReviewCampaign
        fields = [
            "id",
            "name",
            "status",
            "recurrence",
            "opens_on",
            "due_date",
            "opened_at",
            "progress",
            "sources",
            "created_by",
            "created_at",
            "completed_at",
            "completed_by",
            "decisions_sha256",
            "evidence_csv_id",
            "evidence_pdf_id",
            "previous_review_id",
            "next_review_id",
        ]
        read_only_fields = fields

    @staticmethod
    def progress_of(campaign: ReviewCampaign) -> Progress:
        return Progress(
            total=getattr(campaign, "items_total", 0),
            pending=getattr(campaign, "items_pending", 0),
            approved=getattr(campaign, "items_approved", 0),
            revoked=getattr(campaign, "items_revoked", 0),
        )

    @extend_schema_field(AccessReviewProgressSerializer)
    def get_progress(self, obj: ReviewCampaign) -> dict[str, Any]:
        progress = self.progress_of(obj)
        # ``decided`` and ``percent`` are properties: spelled out, as a plain Serializer reads attributes only.
        return AccessReviewProgressSerializer(
            {
                "total": progress.total,
                "pending": progress.pending,
                "approved": progress.approved,
                "revoked": progress.revoked,
                "decided": progress.decided,
                "percent": progress.percent,
            }
        ).data


class AccessReviewSourceInputSerializer(serializers.Serializer):
    integration_id = serializers.UUIDField(help_text="An integration whose type lists accounts (AWS, GitHub, Okta …).")
    reviewer_id = serializers.IntegerField(
        min_value=1, help_text="User id of an active admin or member (see /api/access-reviews/reviewers)."
    )


class AccessReviewCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX)
    due_date = serializers.DateField()
    recurrence = serializers.ChoiceField(choices=Recurrence.choices, default=Recurrence.QUARTERLY)
    opens_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="When the items are taken from the latest scans; default today (the review opens at once).",
    )
    sources = serializers.ListField(child=AccessReviewSourceInputSerializer(), max_length=MAX_SOURCES)


class AccessReviewListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CampaignStatus.choices, required=False)
    ordering = serializers.ChoiceField(
        choices=["due_date", "-due_date"], required=False, help_text="Default: latest due date first."
    )


class AccessReviewItemQuerySerializer(serializers.Serializer):
    # The stubs type Field.source; DRF's metaclass takes declared fields off the class, so the name is free.
    source = serializers.UUIDField(required=False, help_text="Id of one of the review's sources.")  # type: ignore[assignment]
    decision = serializers.ChoiceField(choices=Decision.choices, required=False)
    admin = serializers.BooleanField(required=False, help_text="Only accounts that can administer the system.")
    inactive = serializers.BooleanField(required=False, help_text="Only accounts unused for 90 days (or never used).")
    new = serializers.BooleanField(required=False, help_text="Only accounts absent from the previous review.")
    mine = serializers.BooleanField(required=False, help_text="Only accounts assigned to the caller.")
    # Blank is allowed: a search box submitted empty means no search.
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Part of the name, e-mail or account id."
    )


class AccessReviewItemSerializer(serializers.ModelSerializer):
    account_id = serializers.CharField(
        source="external_id", read_only=True, help_text="The provider's id (ARN, login …)."
    )
    integration = AccessReviewIntegrationSerializer(source="source", read_only=True)
    privileges = serializers.ListField(child=serializers.CharField(), read_only=True)
    reviewer_id = serializers.IntegerField(read_only=True, allow_null=True)
    reviewer = serializers.EmailField(source="reviewer.email", read_only=True, allow_null=True, default=None)
    decided_by = serializers.CharField(
        source="decided_by_email", read_only=True, help_text="E-mail of who decided, kept after they leave."
    )

    class Meta:
        model = ReviewItem
        fields = [
            "id",
            "account_id",
            "name",
            "email",
            "kind",
            "integration",
            "privileges",
            "admin",
            "active",
            "last_activity_at",
            "first_seen_at",
            "new_since_last_review",
            "reviewer_id",
            "reviewer",
            "decision",
            "note",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = fields


class AccessReviewDecisionSerializer(serializers.Serializer):
    items = serializers.ListField(
        child=serializers.UUIDField(), min_length=1, max_length=MAX_ITEMS_PER_REQUEST, help_text="Item ids."
    )
    decision = serializers.ChoiceField(
        choices=[(Decision.APPROVED, "Approve"), (Decision.REVOKED, "Revoke"), (REASSIGN, "Hand to another reviewer")]
    )
    note = serializers.CharField(
        max_length=NOTE_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required to revoke: why the access goes (the auditor reads it).",
    )
    reviewer_id = serializers.IntegerField(
        min_value=1, required=False, help_text="For reassign: user id of an active admin or member."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["decision"] == REASSIGN and attrs.get("reviewer_id") is None:
            raise serializers.ValidationError({"reviewer_id": "Say who reviews these accounts instead."})
        return attrs


class AccessReviewDecisionResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField(help_text="How many items were decided or reassigned.")


class AccessReviewCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=NOTE_MAX, help_text="Why the review is cancelled (kept in the audit log)."
    )


class AccessReviewReviewerSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user_id", help_text="The user id to give as reviewer_id.")
    email = serializers.EmailField(source="user.email")
    role = serializers.ChoiceField(choices=Role.choices)
