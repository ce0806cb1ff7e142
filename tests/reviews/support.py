"""Shared set-up for access review tests: an integration with accounts as a scan would have left them."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from complywise.choices import Role
from frameworks.models import Framework, TenantFramework
from integrations import registry
from integrations.accounts import accounts_refresh
from integrations.models import Integration
from reviews import services
from tests.factories import MembershipFactory
from tests.integrations.factories import IntegrationFactory


def account(n: int, *, admin: bool = False, days_idle: int | None = 3, active: bool = True) -> registry.Account:
    last = timezone.now() - timedelta(days=days_idle) if days_idle is not None else None
    return registry.Account(
        id=f"arn:aws:iam::123456789012:user/user{n:02d}",
        name=f"user{n:02d}",
        kind=registry.AccountKind.USER,
        email=f"user{n:02d}@example.com",
        privileges=("AdministratorAccess",) if admin else ("ReadOnlyAccess",),
        admin=admin,
        active=active,
        last_activity=last,
    )


def seed_accounts(integration: Integration, accounts: list[registry.Account], *, at: datetime | None = None) -> None:
    accounts_refresh(integration=integration, accounts=accounts, seen_at=at or timezone.now(), scan_job_id=None)


def reviewable(tenant, *, count: int = 20, name: str = "prod") -> Integration:
    """An AWS integration of ``tenant`` whose last scan saw ``count`` users: every fifth an admin, every
    seventh idle for 200 days."""
    integration = IntegrationFactory(tenant=tenant, name=name)
    seed_accounts(
        integration,
        [account(n, admin=n % 5 == 0, days_idle=200 if n % 7 == 0 else 3) for n in range(1, count + 1)],
    )
    return integration


def activate(tenant, *keys: str) -> None:
    for key in keys:
        TenantFramework.objects.get_or_create(tenant=tenant, framework=Framework.objects.get(key=key))


def member(tenant, role: str = Role.ADMIN):
    return MembershipFactory(tenant=tenant, role=role).user


def open_review(tenant, actor, integration, *, reviewer=None, name: str = "Q4 2026 access review", **kwargs):
    return services.campaign_create(
        tenant=tenant,
        actor=actor,
        name=name,
        due_date=kwargs.pop("due_date", timezone.localdate() + timedelta(days=14)),
        sources=[services.SourceInput(integration_id=integration.pk, reviewer_id=(reviewer or actor).pk)],
        **kwargs,
    )
