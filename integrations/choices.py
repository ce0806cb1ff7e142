from django.db import models


class IntegrationType(models.TextChoices):
    AWS = "aws", "Amazon Web Services"
    GITHUB = "github", "GitHub"
    HOST = "host", "Linux host"
    POSTGRES = "postgres", "PostgreSQL"
    OKTA = "okta", "Okta"
    GOOGLE_WORKSPACE = "google_workspace", "Google Workspace"
    ENTRA = "entra", "Microsoft Entra ID"


class IntegrationStatus(models.TextChoices):
    NEW = "new", "Not tested"
    CONNECTED = "connected", "Connected"
    ERROR = "error", "Error"
    DISABLED = "disabled", "Disabled"
