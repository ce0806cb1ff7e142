"""The demo tenant of the embedded install: an admin member with a random password, a token, this machine."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from complywise import selectors, services
from complywise.choices import Role
from complywise.models import ApiToken
from integrations.services import integration_seed_demo

DEMO_SLUG = "demo"
DEMO_EMAIL = "admin@demo.local"
# What versions before the random password gave every install (and published in the README):
# a demo user still carrying it gets a random one instead, and loses the superuser flag it came with.
PUBLISHED_PASSWORD = "complywise-demo"


def login_file() -> Path:
    return Path(getattr(settings, "DEMO_LOGIN_FILE", None) or Path(settings.VAR_DIR) / "demo-login.txt")


def store_password(path: Path, password: str) -> None:
    """Owner-only file, written whole or not at all, so `make run` can print the login again."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(
            "# ComplyWise demo login, written by seed_demo when it created the user. Change the password\n"
            "# in the app and delete this file to keep it only in your head.\n"
            f"email: {DEMO_EMAIL}\npassword: {password}\n"
        )
    os.chmod(partial, 0o600)
    os.replace(partial, path)


def stored_password(path: Path) -> str | None:
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return None
    for line in lines:
        if line.startswith("password: "):
            return line.removeprefix("password: ").strip() or None
    return None


class Command(BaseCommand):
    help = (
        "Create the demo tenant, its admin member (a random password on the first run, kept afterwards) "
        "and an API token (idempotent)."
    )

    def handle(self, *args, **opts):
        tenant, _ = services.tenant_create(name="Demo Company", slug=DEMO_SLUG)
        path = login_file()
        user = selectors.user_by_email(email=DEMO_EMAIL)
        notes = []
        if user is None:
            password = secrets.token_urlsafe(18)
            user = services.user_get_or_create(email=DEMO_EMAIL, password=password)
            store_password(path, password)
        elif user.check_password(PUBLISHED_PASSWORD):
            password = secrets.token_urlsafe(18)
            user.set_password(password)
            user.is_superuser = False
            user.is_staff = False
            user.save(update_fields=["password", "is_superuser", "is_staff"])
            store_password(path, password)
            notes.append("The published demo password was replaced with this random one (and superuser removed).")
        else:
            # Never reset an existing user's password: open sessions stay logged in.
            password = stored_password(path)
            if password is not None and not user.check_password(password):
                password = None
        membership = selectors.members_for_tenant(tenant=tenant).filter(user=user).first()
        if membership is None:
            membership = services.membership_create(tenant=tenant, user=user, role=Role.ADMIN)
        elif membership.role != Role.ADMIN:
            notes.append(f"{DEMO_EMAIL} is {membership.role} of the demo tenant; left as it is.")
        self._seed_integrations(tenant=tenant)
        if not ApiToken.objects.active().filter(membership=membership, name="demo").exists():
            issued = services.api_token_create(membership=membership, name="demo")
            token_note = f"API token (shown once): {issued.secret}"
        else:
            token_note = "API token: already issued (create another with create_api_token)."
        if password is not None:
            login = f"log in as {DEMO_EMAIL} / {password}  (kept in {path}, mode 0600)"
        else:
            login = f"log in as {DEMO_EMAIL} with the password you set ({path} no longer has it)"
        base = f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
        self.stdout.write(f"Demo ready.\n  Web:   {base}/  {login}\n  {token_note}")
        for note in notes:
            self.stdout.write(f"  {note}")

    def _seed_integrations(self, *, tenant) -> None:
        # Later connectors (e.g. the local host) register a demo integration here.
        integration_seed_demo(tenant=tenant)
