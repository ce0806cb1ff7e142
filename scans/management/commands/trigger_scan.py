import time

from django.core.management.base import BaseCommand, CommandError

from complywise.exceptions import ApplicationError, FieldValidationError
from complywise.services import tenant_get_by_slug
from frameworks.models import Framework
from scans import services
from scans.choices import ScanStatus, ScanTrigger
from scans.models import ScanJob


class Command(BaseCommand):
    help = "Trigger a scan for a tenant; with --wait, wait for it and print the summary (non-zero exit if it failed)."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="Tenant slug")
        parser.add_argument("--integration-types", default="", help="Comma-separated, e.g. aws,github")
        parser.add_argument("--framework", default="", help="Framework key, e.g. soc2")
        parser.add_argument("--wait", action="store_true")
        parser.add_argument("--timeout", type=int, default=3600, help="Seconds to wait with --wait")

    def handle(self, *args, **opts):
        try:
            tenant = tenant_get_by_slug(slug=opts["tenant"])
            framework_id = None
            if opts["framework"]:
                framework = (
                    Framework.objects.visible_to(tenant).filter(key=opts["framework"]).order_by("-created_at").first()
                )
                if framework is None:
                    raise CommandError(f"No framework with key '{opts['framework']}'.")
                framework_id = framework.pk
            types = [t.strip() for t in opts["integration_types"].split(",") if t.strip()] or None
            job = services.scan_trigger(
                tenant=tenant, actor=None, integration_types=types, framework_id=framework_id, trigger=ScanTrigger.CLI
            )
        except FieldValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())) from exc
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(job.pk))
        if not opts["wait"]:
            return
        deadline = time.monotonic() + opts["timeout"]
        while True:
            job = ScanJob.objects.get(pk=job.pk)
            if job.is_finished:
                break
            if time.monotonic() > deadline:
                raise CommandError(f"Timed out after {opts['timeout']}s; the scan is still {job.status}.")
            time.sleep(1)
        self.stdout.write(
            f"status={job.status} score={job.score} total={job.total_controls} passed={job.passed_controls} "
            f"failed={job.failed_controls} not_applicable={job.not_applicable_controls}"
        )
        for entry in job.framework_scores:
            self.stdout.write(
                f"  {entry['framework_key']}: score={entry['score']} passed={entry['passed']} failed={entry['failed']}"
            )
        if job.status != ScanStatus.COMPLETED:
            raise CommandError(f"Scan failed: {job.error}")
