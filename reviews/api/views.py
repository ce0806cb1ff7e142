"""Access review campaigns: every role reads them; admins and members create, decide and complete them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from complywise.api.validation import validated
from complywise.api.viewsets import TenantScopedGenericViewSet
from complywise.choices import ADMIN_ROLES, READ_ROLES, WRITE_ROLES
from complywise.http import TenantAPIRequest

from .. import selectors, services
from ..models import ReviewCampaign, ReviewSource
from .serializers import (
    REASSIGN,
    AccessReviewCancelSerializer,
    AccessReviewCreateSerializer,
    AccessReviewDecisionResultSerializer,
    AccessReviewDecisionSerializer,
    AccessReviewItemQuerySerializer,
    AccessReviewItemSerializer,
    AccessReviewListQuerySerializer,
    AccessReviewReviewerSerializer,
    AccessReviewSerializer,
)

NOT_OPEN = OpenApiResponse(description="The review is not open (scheduled, completed or cancelled).")


def campaigns_for_api(tenant: Any) -> QuerySet[ReviewCampaign]:
    """The tenant's campaigns with progress, sources and successor, in a fixed number of queries per page."""
    successor = ReviewCampaign.objects.filter(tenant_id=OuterRef("tenant_id"), previous=OuterRef("pk")).order_by(
        "created_at"
    )
    return (
        selectors.campaigns_for_tenant(tenant=tenant)
        .annotate(next_review_id=Subquery(successor.values("pk")[:1]))
        .select_related("created_by", "completed_by")
        .prefetch_related(Prefetch("sources", queryset=ReviewSource.objects.select_related("reviewer")))
        # Spelled out: Django leaves Meta.ordering out of GROUP BY queries, and a page needs a stable order.
        .order_by("-due_date", "-created_at")
    )


def _body(request: TenantAPIRequest) -> Mapping[str, Any]:
    # A JSON list goes to the serializer as it is, which answers 400 "expected a dictionary".
    return cast(Mapping[str, Any], request.data)


class AccessReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedGenericViewSet):
    """Periodic reviews of who has access to the tenant's integrations, and every decision taken in them.

    Every role reads; admins and members create, decide and complete; only admins cancel. Deciding an item
    needs its assigned reviewer or an admin. A review id of another tenant is a 404 like a missing one.
    """

    request: TenantAPIRequest  # TenantRolePermission resolved the tenant before any action runs
    queryset = ReviewCampaign.objects.all()
    serializer_class = AccessReviewSerializer
    filterset_class = None
    action_roles = {
        "list": READ_ROLES,
        "retrieve": READ_ROLES,
        "items": READ_ROLES,
        "reviewers": READ_ROLES,
        "create": WRITE_ROLES,
        "decisions": WRITE_ROLES,
        "complete": WRITE_ROLES,
        "cancel": ADMIN_ROLES,
    }

    def scope_queryset(self, queryset: QuerySet[ReviewCampaign], tenant: Any) -> QuerySet[ReviewCampaign]:
        return campaigns_for_api(tenant)

    def _fresh(self, campaign: ReviewCampaign) -> ReviewCampaign:
        # Services hand back a bare row; the answer needs the annotated one (progress, successor).
        return self.get_queryset().get(pk=campaign.pk)

    @extend_schema(parameters=[AccessReviewListQuerySerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = validated(AccessReviewListQuerySerializer, request.query_params)
        campaigns = self.get_queryset()
        if "status" in query:
            campaigns = campaigns.filter(status=query["status"])
        if query.get("ordering") == "due_date":
            campaigns = campaigns.order_by("due_date", "created_at")
        page = self.paginate_queryset(campaigns)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=AccessReviewCreateSerializer,
        responses={
            201: AccessReviewSerializer,
            400: OpenApiResponse(description="Bad input (field errors), e.g. sources.0.reviewer_id."),
        },
        description="Create a review of the accounts of one or more integrations; it opens at once (its items "
        "taken from the latest scans) unless opens_on is later.",
    )
    def create(self, request: TenantAPIRequest, *args: Any, **kwargs: Any) -> Response:
        body = validated(AccessReviewCreateSerializer, _body(request))
        campaign = services.campaign_create(
            tenant=request.tenant,
            actor=request.user,
            name=body["name"],
            due_date=body["due_date"],
            recurrence=body["recurrence"],
            opens_on=body.get("opens_on"),
            sources=[services.SourceInput(**source) for source in body["sources"]],
        )
        return Response(self.get_serializer(self._fresh(campaign)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[AccessReviewItemQuerySerializer],
        responses=AccessReviewItemSerializer(many=True),
        description="The review's accounts, as they were when it opened, filtered as a reviewer works through them.",
    )
    @action(detail=True, methods=["get"])
    def items(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        campaign = self.get_object()
        query = validated(AccessReviewItemQuerySerializer, request.query_params)
        items = selectors.campaign_items(
            campaign=campaign,
            source_id=query.get("source"),
            decision=query.get("decision", ""),
            admins_only=query.get("admin", False),
            inactive=query.get("inactive", False),
            new_only=query.get("new", False),
            reviewer=request.user if query.get("mine") else None,
            search=query.get("q", ""),
        )
        page = self.paginate_queryset(items)
        return self.get_paginated_response(AccessReviewItemSerializer(page, many=True).data)

    @extend_schema(
        request=AccessReviewDecisionSerializer,
        responses={
            200: AccessReviewDecisionResultSerializer,
            400: OpenApiResponse(description="Bad input, e.g. a revocation without a note, an item of another review."),
            403: OpenApiResponse(description="Not the assigned reviewer of every item (nor an admin)."),
            409: NOT_OPEN,
        },
        description="Approve or revoke accounts in bulk, or hand them to another reviewer (back to pending).",
    )
    @action(detail=True, methods=["post"])
    def decisions(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        campaign = self.get_object()
        body = validated(AccessReviewDecisionSerializer, _body(request))
        common = {"tenant": request.tenant, "actor": request.user, "campaign": campaign, "item_ids": body["items"]}
        if body["decision"] == REASSIGN:
            updated = services.items_reassign(**common, reviewer_id=body["reviewer_id"], note=body["note"])
        else:
            updated = services.items_decide(**common, decision=body["decision"], note=body["note"])
        return Response(AccessReviewDecisionResultSerializer({"updated": updated}).data)

    @extend_schema(
        request=None,
        responses={
            200: AccessReviewSerializer,
            403: OpenApiResponse(description="Neither an admin nor one of the review's reviewers."),
            409: OpenApiResponse(description="Items are still pending, or the review is not open."),
        },
        description="Close the review: its decisions become evidence (CSV and PDF) and a recurring one is rescheduled.",
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        campaign = services.campaign_complete(tenant=request.tenant, actor=request.user, campaign=self.get_object())
        return Response(self.get_serializer(self._fresh(campaign)).data)

    @extend_schema(
        request=AccessReviewCancelSerializer,
        responses={200: AccessReviewSerializer, 409: OpenApiResponse(description="Already completed or cancelled.")},
        description="Stop a scheduled or open review (admins); its decisions so far stay as they are.",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        campaign = self.get_object()
        body = validated(AccessReviewCancelSerializer, _body(request))
        campaign = services.campaign_cancel(
            tenant=request.tenant, actor=request.user, campaign=campaign, reason=body["reason"]
        )
        return Response(self.get_serializer(self._fresh(campaign)).data)

    @extend_schema(
        responses=AccessReviewReviewerSerializer(many=True),
        description="Who may review (active admins and members): their ids go in reviewer_id.",
    )
    @action(detail=False, methods=["get"])
    def reviewers(self, request: TenantAPIRequest) -> Response:
        page = self.paginate_queryset(selectors.reviewers_for_tenant(tenant=request.tenant))
        return self.get_paginated_response(AccessReviewReviewerSerializer(page, many=True).data)
