from django.db import models


class FrameworkSource(models.TextChoices):
    SHIPPED = "shipped", "Shipped catalog"
    OSCAL = "oscal", "OSCAL import"
    CUSTOM = "custom", "Custom (tenant)"
