"""Audit events: request metadata, the actor's email kept past the user, filter indexes, and on PostgreSQL a
trigger that refuses UPDATE and DELETE unless the transaction is the retention purge (or a tenant's deletion).

The trigger lets one UPDATE through: ``actor_id`` going to NULL and nothing else, which is what deleting a
user does (``on_delete=SET_NULL``); ``actor_email`` still says who acted. TRUNCATE is not guarded: it needs
the table owner's privilege, which the application's purge never uses.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

FUNCTION = "complywise_auditevent_append_only"
TRIGGER = "complywise_auditevent_append_only"

CREATE_SQL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('complywise.audit_purge', true) = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL
       AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'complywise_auditevent is append-only: % refused', TG_OP
        USING HINT = 'Audit events leave only through the retention purge.';
END;
$$;
DROP TRIGGER IF EXISTS {TRIGGER} ON complywise_auditevent;
CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON complywise_auditevent
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
"""

DROP_SQL = f"""
DROP TRIGGER IF EXISTS {TRIGGER} ON complywise_auditevent;
DROP FUNCTION IF EXISTS {FUNCTION}();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # No parameters: the % in the RAISE format must reach PostgreSQL as it is.
        schema_editor.execute(CREATE_SQL, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)


def copy_actor_emails(apps, schema_editor):
    # Before the trigger exists: the last UPDATE these rows ever get.
    AuditEvent = apps.get_model("complywise", "AuditEvent")
    User = AuditEvent._meta.get_field("actor").related_model
    AuditEvent.objects.filter(actor__isnull=False).update(
        actor_email=Subquery(User.objects.filter(pk=OuterRef("actor_id")).values("email")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("complywise", "0002_tenant_require_mfa_invitation"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="recent_ips",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="actor_email",
            field=models.CharField(blank=True, max_length=254),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="ip_address",
            field=models.GenericIPAddressField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="request_id",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="user_agent",
            field=models.CharField(blank=True, max_length=256),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["tenant", "action", "-created_at"], name="auditevent_tenant_action"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["tenant", "target_type", "target_id"], name="auditevent_tenant_target"),
        ),
        migrations.RunPython(copy_actor_emails, migrations.RunPython.noop),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
