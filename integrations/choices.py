from django.db import models


class IntegrationType(models.TextChoices):
    AWS = "aws", "Amazon Web Services"
    GITHUB = "github", "GitHub"
    HOST = "host", "Linux host"
    POSTGRES = "postgres", "PostgreSQL"


class IntegrationStatus(models.TextChoices):
    NEW = "new", "Not tested"
    CONNECTED = "connected", "Connected"
    ERROR = "error", "Error"
    DISABLED = "disabled", "Disabled"
