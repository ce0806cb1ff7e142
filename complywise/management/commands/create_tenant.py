from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from complywise import selectors, services
from complywise.choices import Role
from complywise.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        "Create a tenant (idempotent on slug), optionally with an admin user. An existing user keeps their "
        "password, and an existing member keeps their role unless --make-admin says otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--retention-days", type=int, default=None)
        parser.add_argument("--admin-email")
        parser.add_argument("--admin-password", help="Password of a new admin user (an existing user's is kept)")
        parser.add_argument(
            "--make-admin",
            action="store_true",
            help="If --admin-email is already a member with another role, change it to admin (audited)",
        )

    def handle(self, *args, **opts):
        email = opts["admin_email"]
        if opts["admin_password"] and not email:
            raise CommandError("--admin-password needs --admin-email.")
        if opts["retention_days"] is not None and opts["retention_days"] < 1:
            raise CommandError("--retention-days must be at least 1.")
        try:
            tenant, created, notes = self._apply(opts)
        except ApplicationError as exc:
            raise CommandError(str(getattr(exc, "errors", None) or exc)) from exc
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} tenant {tenant.slug} ({tenant.pk})")
        if email:
            self.stdout.write(f"Admin: {email}")
        for note in notes:
            self.stdout.write(note)

    @transaction.atomic
    def _apply(self, opts):
        """All or nothing: a refused admin leaves no half-made tenant behind."""
        email, password = opts["admin_email"], opts["admin_password"]
        existing_user = selectors.user_by_email(email=email) if email else None
        if email and existing_user is None and not password:
            raise CommandError(f"{email} has no account yet: give --admin-password for it.")
        tenant, created = services.tenant_create(
            name=opts["name"], slug=opts["slug"], retention_days=opts["retention_days"]
        )
        notes = []
        if not email:
            return tenant, created, notes
        user = existing_user or services.user_get_or_create(email=email, password=password)
        if existing_user is not None and password:
            notes.append(f"{email} already has an account: its password was not changed.")
        membership = selectors.members_for_tenant(tenant=tenant).filter(user=user).first()
        if membership is None:
            services.membership_create(tenant=tenant, user=user, role=Role.ADMIN)
        elif membership.role != Role.ADMIN:
            if not opts["make_admin"]:
                raise CommandError(
                    f"{email} is already {membership.role} of {tenant.slug}; roles change only explicitly: "
                    "add --make-admin to make them admin."
                )
            previous = membership.role
            services.membership_role_change(membership=membership, role=Role.ADMIN)
            notes.append(f"{email} was {previous} and is now admin (audited).")
        return tenant, created, notes
