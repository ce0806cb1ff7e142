from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"
    VIEWER = "viewer", "Viewer"
    AUDITOR = "auditor", "Auditor"


READ_ROLES = frozenset(Role.values)
WRITE_ROLES = frozenset({Role.ADMIN, Role.MEMBER})
ADMIN_ROLES = frozenset({Role.ADMIN})
