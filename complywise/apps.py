from django.apps import AppConfig


class ComplywiseConfig(AppConfig):
    name = "complywise"
    verbose_name = "Tenancy"

    def ready(self) -> None:
        import sys

        from django.core.signals import request_finished
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from . import (
            audit,  # noqa: F401 - connects the tenant-deletion receivers of the append-only audit log
            rls,
        )
        from .api import schema  # noqa: F401 - registers the OpenAPI auth extension

        # Row-level security (PostgreSQL): policies follow every migrate, run as the tables' owner; operator
        # commands start in system scope, servers and workers unset (see complywise.rls).
        post_migrate.connect(rls.on_post_migrate, sender=self, dispatch_uid="complywise.rls.policies")
        connection_created.connect(rls.on_connection_created, dispatch_uid="complywise.rls.connection")
        request_finished.connect(rls.on_request_finished, dispatch_uid="complywise.rls.request_finished")
        rls.configure_process(sys.argv)
