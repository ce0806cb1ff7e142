from django.core.management.base import BaseCommand, CommandError

from integrations import crypto, services


class Command(BaseCommand):
    help = (
        "Re-encrypt every integration's credentials with the first FIELD_ENCRYPTION_KEY. "
        "Rotation: put the new key first, keep the old ones after it, run this, then drop the old keys."
    )

    def handle(self, *args, **opts):
        try:
            count = services.integration_credentials_rotate()
        except crypto.CredentialsDecryptionError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(f"Re-encrypted the credentials of {count} integration(s) with the first key.")
