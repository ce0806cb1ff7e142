"""Create (or check) the PostgreSQL role web and workers connect as, and grant it what the app needs.

Run as the tables' owner, like ``migrate``: ``DATABASE_URL`` names the owner, ``DATABASE_APP_URL`` the app role.
"""

from __future__ import annotations

import os
import re
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from complywise import rls

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class Command(BaseCommand):
    help = (
        "Create the app's database role if missing (no superuser, no BYPASSRLS, not the owner), grant it "
        "SELECT/INSERT/UPDATE/DELETE on the app's tables and sequences (now and future), and re-apply "
        "row-level security. PostgreSQL only; idempotent; run as the owner after migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument("--role", help="the app role (default: the user in DATABASE_APP_URL)")
        parser.add_argument(
            "--password-env",
            help="name of an environment variable holding the role's password (default: DATABASE_APP_URL's)",
        )

    def handle(self, *args, **opts):
        if connection.vendor != "postgresql":
            raise CommandError("Row-level security needs PostgreSQL; SQLite keeps the application's scoping only.")
        role, password = self._role_and_password(opts)
        quote = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_database(), current_schema()")
            owner, database, schema = cursor.fetchone()
            if role == owner:
                raise CommandError(
                    f"'{role}' is the role running this command (the owner): the app must connect as another one."
                )
            cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
            row = cursor.fetchone()
            # Utility statements take no bound parameters (the connection binds them server-side): the password
            # goes in as a literal quoted by the driver.
            login = connection.ops.compose_sql("LOGIN PASSWORD %s", [password]) if password else "NOLOGIN"
            if row is None:
                cursor.execute(f"CREATE ROLE {quote(role)} {login} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE")
                self.stdout.write(f"created role {role}")
            elif row[0] or row[1]:
                raise CommandError(f"'{role}' is a superuser or has BYPASSRLS: row-level security would not hold it.")
            elif password:
                cursor.execute(f"ALTER ROLE {quote(role)} {login}")
            cursor.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND pg_get_userbyid(c.relowner) = %s",
                [schema, role],
            )
            owned = [name for (name,) in cursor.fetchall()]
            if owned:
                # An owner may disable row-level security on its own tables: the wall would be optional.
                raise CommandError(f"'{role}' owns tables ({', '.join(owned[:5])}…): migrate as another role.")
            grants = [
                f"GRANT CONNECT ON DATABASE {quote(database)} TO {quote(role)}",
                f"GRANT USAGE ON SCHEMA {quote(schema)} TO {quote(role)}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {quote(schema)} TO {quote(role)}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {quote(schema)} TO {quote(role)}",
                # Tables later migrations create (as this owner) are granted as they appear.
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {quote(schema)} "
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {quote(role)}",
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {quote(schema)} GRANT USAGE, SELECT ON SEQUENCES TO {quote(role)}",
            ]
            for statement in grants:
                cursor.execute(statement)
        changed = rls.policies_apply()
        missing = rls.policies_missing()
        if missing:
            raise CommandError(f"Tenant tables without row-level security: {', '.join(missing)}")
        self.stdout.write(
            f"role {role}: data access granted in {database}.{schema}; "
            f"row-level security on {len(rls.tenant_tables())} tenant tables"
            + (f" (applied to {len(changed)})" if changed else "")
        )

    def _role_and_password(self, opts) -> tuple[str, str]:
        url = urlsplit(settings.DATABASE_APP_URL) if settings.DATABASE_APP_URL else None
        role = opts.get("role") or (unquote(url.username) if url and url.username else "")
        if not role:
            raise CommandError("Name the app role: --role, or DATABASE_APP_URL=postgres://role:password@host/db.")
        if not ROLE_NAME.match(role):
            raise CommandError(f"'{role}' is not a plain role name (lowercase letters, digits, underscores).")
        if opts.get("password_env"):
            password = os.environ.get(opts["password_env"], "")
        else:
            password = unquote(url.password) if url and url.password and url.username == role else ""
        return role, password
