import os

from django.core.management.base import BaseCommand

from complywise import services
from complywise.choices import Role
from complywise.models import ApiToken

DEMO_SLUG = "demo"
DEMO_EMAIL = "admin@demo.local"
# A published demo login, for the local embedded install only.
DEMO_PASSWORD = "complywise-demo"


class Command(BaseCommand):
    help = "Create the demo tenant, its admin user and an API token (idempotent)."

    def handle(self, *args, **opts):
        tenant, _ = services.tenant_create(name="Demo Company", slug=DEMO_SLUG)
        user = services.user_get_or_create(email=DEMO_EMAIL, password=DEMO_PASSWORD, is_staff=True)
        if not user.is_superuser:
            user.is_superuser = True
            user.save(update_fields=["is_superuser"])
        membership = services.membership_ensure(tenant=tenant, user=user, role=Role.ADMIN)
        self._seed_integrations(tenant=tenant)
        token_note = ""
        if not ApiToken.objects.active().filter(membership=membership, name="demo").exists():
            issued = services.api_token_create(membership=membership, name="demo")
            token_note = f"API token (shown once): {issued.secret}"
        else:
            token_note = "API token: already issued (create another with create_api_token)."
        base = f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
        self.stdout.write(
            "Demo ready.\n"
            f"  Web:   {base}/  log in as {DEMO_EMAIL} / {DEMO_PASSWORD}\n"
            f"  Admin: {base}/admin/\n"
            f"  {token_note}"
        )

    def _seed_integrations(self, *, tenant) -> None:
        # Later connectors (e.g. the local host) register a demo integration here.
        try:
            from integrations.services import integration_seed_demo
        except ImportError:
            return
        integration_seed_demo(tenant=tenant)
