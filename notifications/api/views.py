"""Webhooks, their deliveries, e-mail digests (admins) and the event log (every role)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from complywise.api.validation import validated
from complywise.api.viewsets import TenantScopedGenericViewSet, TenantScopedViewSet
from complywise.choices import ADMIN_ROLES, READ_ROLES

from .. import selectors, services
from ..models import Delivery, EmailDigest, Event, Webhook
from .serializers import (
    DeliverySerializer,
    EmailDigestCreateSerializer,
    EmailDigestSerializer,
    EmailDigestUpdateSerializer,
    EventQuerySerializer,
    EventSerializer,
    WebhookCreatedSerializer,
    WebhookCreateSerializer,
    WebhookSecretSerializer,
    WebhookSerializer,
    WebhookUpdateSerializer,
)

ADMIN_ACTIONS = ("list", "retrieve", "create", "partial_update", "destroy")


class WebhookViewSet(TenantScopedViewSet):
    """Endpoints of the tenant's that receive signed events (admins only)."""

    queryset = Webhook.objects.all()
    serializer_class = WebhookSerializer
    filterset_class = None
    http_method_names = ["get", "post", "patch", "delete"]
    action_roles = {**dict.fromkeys(ADMIN_ACTIONS, ADMIN_ROLES), "ping": ADMIN_ROLES, "rotate_secret": ADMIN_ROLES}

    @extend_schema(request=WebhookCreateSerializer, responses={201: WebhookCreatedSerializer})
    def create(self, request, *args, **kwargs):
        body = validated(WebhookCreateSerializer, request.data)
        webhook, secret = services.webhook_create(tenant=request.tenant, actor=request.user, **body)
        data = WebhookSerializer(webhook).data | {"secret": secret}
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WebhookUpdateSerializer, responses=WebhookSerializer)
    def partial_update(self, request, *args, **kwargs):
        webhook = self.get_object()
        changes = validated(WebhookUpdateSerializer, request.data, partial=True)
        webhook = services.webhook_update(webhook=webhook, actor=request.user, **changes)
        return Response(WebhookSerializer(webhook).data)

    def destroy(self, request, *args, **kwargs):
        services.webhook_delete(webhook=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        responses={
            202: DeliverySerializer,
            409: OpenApiResponse(description="The webhook is disabled."),
        },
    )
    @action(detail=True, methods=["post"])
    def ping(self, request, pk=None):
        delivery = services.webhook_ping(webhook=self.get_object(), actor=request.user)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses=WebhookSecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        secret = services.webhook_rotate_secret(webhook=self.get_object(), actor=request.user)
        return Response({"secret": secret})


class WebhookDeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedGenericViewSet):
    """A webhook's delivery log: each event sent, its tries, status codes and latency; redelivery."""

    queryset = Delivery.objects.select_related("event").order_by("-created_at")
    serializer_class = DeliverySerializer
    filterset_class = None
    action_roles = {"list": ADMIN_ROLES, "retrieve": ADMIN_ROLES, "redeliver": ADMIN_ROLES}

    def scope_queryset(self, queryset, tenant):
        webhook = get_object_or_404(Webhook.objects.for_tenant(tenant), pk=self.kwargs.get("webhook_pk"))
        return queryset.for_tenant(tenant).filter(webhook=webhook)

    def get_object(self):
        # The webhook's id in the path is checked (404) before the delivery's.
        return super().get_object()

    @extend_schema(
        request=None,
        responses={
            202: DeliverySerializer,
            409: OpenApiResponse(description="The webhook is disabled or the delivery is still in progress."),
        },
    )
    @action(detail=True, methods=["post"])
    def redeliver(self, request, webhook_pk=None, pk=None):
        again = services.delivery_redeliver(delivery=self.get_object(), actor=request.user)
        return Response(DeliverySerializer(again).data, status=status.HTTP_202_ACCEPTED)


class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedGenericViewSet):
    """What happened in the tenant that webhooks and digests report, newest first."""

    queryset = Event.objects.order_by("-occurred_at")
    serializer_class = EventSerializer
    filterset_class = None
    action_roles = {"list": READ_ROLES, "retrieve": READ_ROLES}

    @extend_schema(parameters=[EventQuerySerializer])
    def list(self, request, *args, **kwargs):
        query = validated(EventQuerySerializer, request.query_params)
        events = selectors.events_for_tenant(tenant=request.tenant, types=[query["type"]] if "type" in query else None)
        page = self.paginate_queryset(events)
        return self.get_paginated_response(EventSerializer(page, many=True).data)


class EmailDigestViewSet(TenantScopedViewSet):
    """Periodic e-mails listing the tenant's events (admins only)."""

    queryset = EmailDigest.objects.all()
    serializer_class = EmailDigestSerializer
    filterset_class = None
    http_method_names = ["get", "post", "patch", "delete"]
    action_roles = dict.fromkeys(ADMIN_ACTIONS, ADMIN_ROLES)

    @extend_schema(request=EmailDigestCreateSerializer, responses={201: EmailDigestSerializer})
    def create(self, request, *args, **kwargs):
        body = validated(EmailDigestCreateSerializer, request.data)
        digest = services.digest_create(tenant=request.tenant, actor=request.user, **body)
        return Response(EmailDigestSerializer(digest).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EmailDigestUpdateSerializer, responses=EmailDigestSerializer)
    def partial_update(self, request, *args, **kwargs):
        digest = self.get_object()
        changes = validated(EmailDigestUpdateSerializer, request.data, partial=True)
        digest = services.digest_update(digest=digest, actor=request.user, **changes)
        return Response(EmailDigestSerializer(digest).data)

    def destroy(self, request, *args, **kwargs):
        services.digest_delete(digest=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
