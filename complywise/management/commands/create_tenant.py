from django.core.management.base import BaseCommand, CommandError

from complywise import services
from complywise.choices import Role
from complywise.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Create a tenant (idempotent on slug), optionally with an admin user."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--retention-days", type=int, default=None)
        parser.add_argument("--admin-email")
        parser.add_argument("--admin-password")

    def handle(self, *args, **opts):
        if bool(opts["admin_email"]) != bool(opts["admin_password"]):
            raise CommandError("--admin-email and --admin-password go together.")
        if opts["retention_days"] is not None and opts["retention_days"] < 1:
            raise CommandError("--retention-days must be at least 1.")
        try:
            tenant, created = services.tenant_create(
                name=opts["name"], slug=opts["slug"], retention_days=opts["retention_days"]
            )
            if opts["admin_email"]:
                user = services.user_get_or_create(
                    email=opts["admin_email"], password=opts["admin_password"], is_staff=False
                )
                services.membership_ensure(tenant=tenant, user=user, role=Role.ADMIN)
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} tenant {tenant.slug} ({tenant.pk})")
        if opts["admin_email"]:
            self.stdout.write(f"Admin: {opts['admin_email']}")
