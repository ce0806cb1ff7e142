"""Access reviews: the campaigns, creating one, working through its accounts, completing it into evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from complywise.exceptions import ApplicationError, FieldValidationError
from complywise.http import TenantRequest
from frameworks.models import Control
from reviews import selectors, services
from reviews.choices import CampaignStatus
from reviews.models import ReviewCampaign, ReviewItem
from web.forms import flatten_errors
from web.review_forms import (
    ACTION_REASSIGN,
    ACTION_REVOKE,
    BulkDecisionForm,
    CampaignForm,
    CancelForm,
    ItemFilterForm,
)
from web.tenancy import ADMIN_ROLES, WRITE_ROLES, tenant_view

from .common import paginate, redirect_back

CAMPAIGNS_PER_PAGE = 50
ITEMS_PER_PAGE = 100
PRIVILEGES_SHOWN = 4


@dataclass(frozen=True)
class CampaignRow:
    campaign: ReviewCampaign
    progress: selectors.Progress
    overdue: bool


def _overdue(campaign: ReviewCampaign) -> bool:
    return campaign.status == CampaignStatus.OPEN and campaign.due_date < timezone.localdate()


def _campaign_for(request: TenantRequest, pk: Any) -> ReviewCampaign:
    # The selector is the only way in: another tenant's id comes back as None, a 404 like a missing one.
    campaign = selectors.campaign_get(tenant=request.tenant, campaign_id=pk)
    if campaign is None:
        raise Http404
    return campaign


def _detail_url(campaign: ReviewCampaign) -> str:
    return reverse("web:review-detail", kwargs={"pk": campaign.pk})


def _error_text(exc: ApplicationError) -> str:
    if isinstance(exc, FieldValidationError):
        return " ".join(flatten_errors(list(exc.errors.values())))
    return exc.detail


@tenant_view()
@require_GET
def review_list(request: TenantRequest) -> HttpResponse:
    page = paginate(
        request,
        # The counts' GROUP BY drops the model's default ordering, so it is restated for stable pages.
        selectors.campaigns_for_tenant(tenant=request.tenant)
        .select_related("evidence_csv", "evidence_pdf")
        .order_by("-due_date", "-created_at", "pk"),
        per_page=CAMPAIGNS_PER_PAGE,
    )
    rows = [
        CampaignRow(
            campaign=c,
            # The list's counts come from the queryset's annotations: no query per campaign.
            progress=selectors.Progress(
                total=c.items_total, pending=c.items_pending, approved=c.items_approved, revoked=c.items_revoked
            ),
            overdue=_overdue(c),
        )
        for c in page.object_list
    ]
    return render(request, "web/reviews/list.html", {"page": page, "rows": rows})


def _new_form(request: TenantRequest, data: Any = None) -> CampaignForm:
    return CampaignForm(
        data,
        integrations=list(selectors.reviewable_integrations(tenant=request.tenant)),
        reviewers=selectors.reviewers_for_tenant(tenant=request.tenant),
        default_reviewer_id=request.user.pk,
    )


@tenant_view(WRITE_ROLES)
@require_http_methods(["GET", "POST"])
def review_new(request: TenantRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "web/reviews/new.html", {"form": _new_form(request)})
    form = _new_form(request, request.POST)
    if not form.is_valid():
        return render(request, "web/reviews/new.html", {"form": form}, status=400)
    try:
        campaign = services.campaign_create(tenant=request.tenant, actor=request.user, **form.service_kwargs())
    except ApplicationError as exc:
        form.add_service_errors(exc)
        return render(request, "web/reviews/new.html", {"form": form}, status=max(exc.status_code, 400))
    if campaign.status == CampaignStatus.OPEN:
        count = selectors.campaign_progress(campaign).total
        messages.success(request, f"Review “{campaign.name}” is open: {count} account(s) to review.")
    else:
        messages.success(request, f"Review “{campaign.name}” is scheduled: it opens on {campaign.opens_on:%Y-%m-%d}.")
    return redirect(_detail_url(campaign))


@dataclass(frozen=True)
class ItemRow:
    item: ReviewItem
    privileges_shown: str
    privileges_more: int
    privileges_all: str


def _item_rows(items: list[ReviewItem]) -> list[ItemRow]:
    # An IAM role can hold dozens of policies: the row shows a few, the full list is in its tooltip.
    rows = []
    for item in items:
        privileges = [str(p) for p in item.privileges or []]
        rows.append(
            ItemRow(
                item=item,
                privileges_shown=", ".join(privileges[:PRIVILEGES_SHOWN]),
                privileges_more=max(len(privileges) - PRIVILEGES_SHOWN, 0),
                privileges_all=", ".join(privileges),
            )
        )
    return rows


def _evidence_controls(campaign: ReviewCampaign) -> list[Control]:
    """The controls the stored evidence is linked to (what it proves), rather than what is active today."""
    if campaign.evidence_csv_id is None:
        return []
    return list(
        Control.objects.filter(evidence_links__evidence_id=campaign.evidence_csv_id)
        .select_related("framework")
        .order_by("framework__key", "ref")
        .distinct()
    )


def _completion_blocker(request: TenantRequest, campaign: ReviewCampaign, progress: selectors.Progress) -> str:
    """Why the Complete button is disabled, or "" when it may be pressed (the service checks again)."""
    if progress.pending:
        return f"{progress.pending} account(s) are still pending: decide every one before completing."
    if not request.is_tenant_admin and not selectors.is_reviewer_of(campaign, request.user):
        return "Only an admin or one of the review's reviewers can complete it."
    return ""


@tenant_view()
@require_GET
def review_detail(request: TenantRequest, pk: Any) -> HttpResponse:
    campaign = _campaign_for(request, pk)
    tenant = request.tenant
    sources = list(campaign.sources.select_related("reviewer"))
    filters = ItemFilterForm(request.GET, sources=sources)
    items = selectors.campaign_items(campaign=campaign, **filters.selector_kwargs(request.user))
    page = paginate(request, items, per_page=ITEMS_PER_PAGE)
    progress = selectors.campaign_progress(campaign)
    is_open = campaign.status == CampaignStatus.OPEN
    can_decide = is_open and request.can_write
    completed = campaign.status == CampaignStatus.COMPLETED
    context = {
        "campaign": campaign,
        "progress": progress,
        "overdue": _overdue(campaign),
        "sources": sources,
        "filters": filters,
        "filtered": filters.is_valid() and any(filters.cleaned_data.values()),
        "page": page,
        "rows": _item_rows(list(page.object_list)),
        "is_open": is_open,
        "bulk_form": BulkDecisionForm(reviewers=selectors.reviewers_for_tenant(tenant=tenant)) if can_decide else None,
        "completion_blocker": _completion_blocker(request, campaign, progress) if is_open else "",
        "can_cancel": request.is_tenant_admin and campaign.status in (CampaignStatus.SCHEDULED, CampaignStatus.OPEN),
        "cancel_form": CancelForm(),
        # Before completion: what completing will be evidence for; after: what the stored evidence is linked to.
        "controls": _evidence_controls(campaign) if completed else selectors.review_controls(tenant=tenant),
        "successor": (
            selectors.campaigns_for_tenant(tenant=tenant).filter(previous=campaign).first() if completed else None
        ),
    }
    return render(request, "web/reviews/detail.html", context)


@tenant_view(WRITE_ROLES)
@require_POST
def review_decide(request: TenantRequest, pk: Any) -> HttpResponse:
    campaign = _campaign_for(request, pk)
    back = _detail_url(campaign)
    form = BulkDecisionForm(request.POST, reviewers=selectors.reviewers_for_tenant(tenant=request.tenant))
    if not form.is_valid():
        messages.error(request, " ".join(flatten_errors(list(form.errors.values()))))
        return redirect_back(request, back)
    action, item_ids = form.chosen_action(), form.item_ids()
    # A row's quick Approve must not carry a note typed for a revocation in the bulk form.
    note = "" if form.cleaned_data.get("approve_item") else form.cleaned_data["note"]
    try:
        if action == ACTION_REASSIGN:
            count = services.items_reassign(
                tenant=request.tenant,
                actor=request.user,
                campaign=campaign,
                item_ids=item_ids,
                reviewer_id=form.cleaned_data["reviewer"],
                note=note,
            )
        else:
            decision = "revoked" if action == ACTION_REVOKE else "approved"
            count = services.items_decide(
                tenant=request.tenant,
                actor=request.user,
                campaign=campaign,
                item_ids=item_ids,
                decision=decision,
                note=note,
            )
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
        return redirect_back(request, back)
    verb = {ACTION_REASSIGN: "Reassigned", ACTION_REVOKE: "Revoked"}.get(action, "Approved")
    messages.success(request, f"{verb} {count} account(s).")
    return redirect_back(request, back)


@tenant_view(WRITE_ROLES)
@require_POST
def review_complete(request: TenantRequest, pk: Any) -> HttpResponse:
    campaign = _campaign_for(request, pk)
    try:
        campaign = services.campaign_complete(tenant=request.tenant, actor=request.user, campaign=campaign)
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
        return redirect(_detail_url(campaign))
    stored = "; the decisions are stored as evidence" if campaign.evidence_csv_id else ""
    messages.success(request, f"Review “{campaign.name}” completed{stored}.")
    return redirect(_detail_url(campaign))


@tenant_view(ADMIN_ROLES)
@require_POST
def review_cancel(request: TenantRequest, pk: Any) -> HttpResponse:
    campaign = _campaign_for(request, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the review is cancelled.")
        return redirect(_detail_url(campaign))
    try:
        services.campaign_cancel(
            tenant=request.tenant, actor=request.user, campaign=campaign, reason=form.cleaned_data["reason"]
        )
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"Review “{campaign.name}” is cancelled.")
    return redirect(_detail_url(campaign))
