from django.core.management.base import BaseCommand, CommandError

from complywise import services as core_services
from complywise.exceptions import ApplicationError
from evidence import selectors


class Command(BaseCommand):
    help = (
        "Re-hash every evidence file (streamed) and check each tenant's hash chain: every row's seal and the "
        "links between consecutive sequences (gaps must be explained by tombstones). Exits non-zero on any mismatch."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", metavar="SLUG", help="Only this tenant.")
        parser.add_argument("--skip-files", action="store_true", help="Check the chain only, without re-hashing files.")
        parser.add_argument(
            "--orphans",
            action="store_true",
            help="Also list stored evidence files that no row points to (reported, never deleted, never a failure).",
        )

    def handle(self, *args, **opts):
        if opts["tenant"]:
            try:
                tenants = [core_services.tenant_get_by_slug(slug=opts["tenant"])]
            except ApplicationError as exc:
                raise CommandError(str(exc)) from exc
        else:
            tenants = list(selectors.tenants_with_evidence())

        failed = []
        totals = {"live": 0, "tombstones": 0, "files": 0}
        for tenant in tenants:
            report = selectors.tenant_evidence_verify(tenant=tenant, check_files=not opts["skip_files"])
            totals["live"] += report.live
            totals["tombstones"] += report.tombstones
            totals["files"] += report.files_checked
            if opts["orphans"]:
                for key in selectors.orphan_files(tenant=tenant):
                    self.stdout.write(f"{tenant.slug}: orphan file (no evidence row): {key}")
            counts = f"{report.live} evidence, {report.tombstones} tombstones, {report.files_checked} files re-hashed"
            if report.ok:
                self.stdout.write(f"{tenant.slug}: OK ({counts})")
                continue
            failed.append(tenant.slug)
            self.stdout.write(f"{tenant.slug}: FAILED ({counts})")
            if report.first_break is not None:
                self.stdout.write(f"  first broken link: {report.first_break}")
                for chain_break in report.chain_breaks[1:]:
                    self.stdout.write(f"  chain: {chain_break}")
            for problem in report.file_problems:
                self.stdout.write(f"  file: {problem}")

        self.stdout.write(
            f"Checked {len(tenants)} tenant(s): {totals['live']} evidence, {totals['tombstones']} tombstones, "
            f"{totals['files']} files re-hashed; {len(failed)} tenant(s) failed."
        )
        if failed:
            raise CommandError(f"Evidence integrity check failed for: {', '.join(failed)}")
