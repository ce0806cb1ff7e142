from django.core.management.base import BaseCommand, CommandError

from complywise import services
from complywise.choices import Role
from complywise.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        "Issue an API token for a user of a tenant, creating the user and membership if missing. "
        "An existing member keeps their role: a --role that differs is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="Tenant slug")
        parser.add_argument("--email", required=True)
        parser.add_argument(
            "--role",
            choices=Role.values,
            default=None,
            help="Role of a new membership (default member); for an existing member it must match their role",
        )
        parser.add_argument("--name", default="cli")
        parser.add_argument("--expires-days", type=int, default=None)

    def handle(self, *args, **opts):
        try:
            tenant = services.tenant_get_by_slug(slug=opts["tenant"])
            user = services.user_get_or_create(email=opts["email"])
            membership = services.membership_ensure(tenant=tenant, user=user, role=opts["role"])
            issued = services.api_token_create(
                membership=membership, name=opts["name"], expires_days=opts["expires_days"]
            )
        except ApplicationError as exc:
            hint = ""
            if opts["role"] and "roles change only explicitly" in exc.detail:
                hint = " Leave out --role, or change the role first (settings page or PATCH /api/members/{id})."
            raise CommandError(str(getattr(exc, "errors", None) or exc) + hint) from exc
        self.stdout.write(
            f"Token '{issued.token.name}' for {user.email} in {tenant.slug} as {membership.role} "
            f"(prefix {issued.token.prefix}); it is shown only once:"
        )
        # The secret alone on the last line, so scripts can take it with `tail -n1`.
        self.stdout.write(issued.secret)
